"""Path counts, degrees and multiset coefficients of the computation grid, in closed form.

The computation grid (:func:`rac_tn.computation_grid`) has one node per value computed: inputs
``("x", t)``, cells ``("h", l, t)`` and the output ``("y",)``. The output is homogeneous in the
value of node u of degree ``paths(u -> output)``, which is also the number of copies of u in
the copy tree ([Theory: degrees][theory-degrees], [copy counts][theory-copy-tree]). Every
function takes the sizes as ``(L, T)``, then the place ``(layer, t)``.

Examples
--------
>>> input_degrees(2, 4)
(4, 3, 2, 1)
>>> paths(2, 3, 1, 2)
2
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from math import comb
from typing import Any, Literal

from rac_tn._checks import nonnegative_int, positive_int

#: A grid node: ``("x", t)``, ``("h", layer, t)`` or ``("y",)``.
Node = tuple
#: The ``role`` attribute of a node of :func:`computation_grid`.
NodeRole = Literal["input", "cell", "output"]


def paths(L: int, T: int, layer: int, t: int) -> int:
    """Monotone lattice paths from cell ``(layer, t)`` to the output: ``C(T-t+L-l, L-l)``.

    It is the degree of the output in ``h^{layer,t}`` and the number of copies of that cell in
    the copy tree; ``layer = 0`` is the input ``f_t`` (``n_t``). ValueError when ``(layer, t)``
    lies outside ``0..L x 1..T``.

    Examples
    --------
    >>> paths(2, 4, 1, 1), paths(2, 4, 2, 1), paths(2, 4, 0, 1)
    (4, 1, 4)
    """
    if not (0 <= layer <= L and 1 <= t <= T):
        raise ValueError(f"(layer, t) must lie in 0..{L} x 1..{T}, got ({layer}, {t})")
    layer = max(layer, 1)  # an input reaches the output through cell (1, t)
    return comb(T - t + L - layer, L - layer)


def input_degrees(L: int, T: int, arities: Sequence[int] | None = None) -> tuple[int, ...]:
    """The degrees ``n_1..n_T`` of the output in each input: ``n_t = C(T-t+L-1, L-1)``.

    ``n_t`` is also the number of copies of input ``t`` in the copy tree. Cells that read their
    input k times (``arities``) multiply every degree by ``g_0 = k_1 ... k_L``
    (:func:`degree_scales`).

    Parameters
    ----------
    L, T
        Depth and sequence length (positive integers).
    arities
        Per layer, how many times its cells read the layer below (None: once, bilinear).

    Returns
    -------
    tuple of int
        ``(n_1, ..., n_T)``, non-increasing in t.

    Examples
    --------
    >>> input_degrees(2, 4)
    (4, 3, 2, 1)
    >>> input_degrees(1, 3)
    (1, 1, 1)
    >>> input_degrees(2, 3, (3, 3))
    (27, 18, 9)
    """
    L, T = positive_int(L, "L"), positive_int(T, "T")
    scale = degree_scales(arities, L)[0]
    return tuple(comb(T - t + L - 1, L - 1) * scale for t in range(1, T + 1))


def path_counts(L: int, T: int, arities: Sequence[int] | None = None) -> dict[Node, int]:
    """``paths(u -> output)`` for every grid node ``u`` (the output's degree in ``u``).

    Parameters
    ----------
    L, T
        Depth and sequence length (positive integers).
    arities
        Per layer, how many times its cells read the layer below (None: once): each path is
        counted once per input leg it climbs (:func:`degree_scales`).

    Returns
    -------
    dict
        Node (``("x", t)``, ``("h", layer, t)``, ``("y",)``) to its path count (see
        :func:`paths`; 1 for the output).

    Examples
    --------
    >>> path_counts(2, 2)[("h", 1, 1)]
    2
    >>> path_counts(1, 2)[("x", 1)]
    1
    """
    L, T = positive_int(L, "L"), positive_int(T, "T")
    g = degree_scales(arities, L)
    counts: dict[Node, int] = {("y",): 1}
    for t in range(1, T + 1):
        counts["x", t] = paths(L, T, 0, t) * g[0]
        for layer in range(1, L + 1):
            counts["h", layer, t] = paths(L, T, layer, t) * g[layer]
    return counts


def total_degree(L: int, T: int) -> int:
    """``D = sum_t n_t = C(T+L-1, L)``: the total degree of y in all the inputs (not checked).

    Examples
    --------
    >>> total_degree(1, 10), total_degree(2, 20)
    (10, 210)
    """
    return comb(T + L - 1, L)


def multiset(n: int, k: int) -> int:
    """The multiset coefficient ``((n, k)) = C(n+k-1, k)``: monomials of degree k in n variables.

    Exact, of any size; TypeError or ValueError when ``n`` is not a positive integer or ``k`` not
    a non-negative one.

    Examples
    --------
    >>> multiset(2, 4), multiset(3, 4), multiset(5, 0)
    (5, 15, 1)
    """
    n, k = positive_int(n, "n"), nonnegative_int(k, "k")
    return comb(n + k - 1, min(k, n - 1))


def multisets(n: int, degrees: Iterable[int]) -> list[int]:
    """``[((n, k)) for k in degrees]``, the degrees not checked.

    Examples
    --------
    >>> multisets(2, input_degrees(2, 3))
    [4, 3, 2]
    """
    n = positive_int(n, "n")
    return [comb(n + k - 1, min(k, n - 1)) for k in degrees]


#: The route letters of a cell copy's input legs (leg 1, 2, ...): ``'i'`` is the RAC's one leg.
LEG_LETTERS = "ijklmnopq"


def degree_scales(arities: Sequence[int] | None, L: int) -> tuple[int, ...]:
    """``g_0 .. g_L``: the factor by which a cell's arities scale the degrees of layer l.

    A layer whose cells read their input ``k_l`` times (the arity; 1 for a bilinear cell)
    multiplies by ``k_l`` the degree of everything below it, along every path: the output's
    degree in cell ``(l, t)`` is ``paths(l, t) * g_l`` with ``g_l = k_{l+1} ... k_L`` (and in
    input t, ``n_t g_0``), and the copy tree holds that many copies of the cell.

    Parameters
    ----------
    arities
        ``(k_1, ..., k_L)``, or None for bilinear cells (every ``k_l = 1``).
    L
        The depth (the length of ``arities``).

    Returns
    -------
    tuple of int
        ``(g_0, ..., g_L)``, ``g_L = 1``.

    Examples
    --------
    >>> degree_scales((3, 3), 2), degree_scales(None, 2)
    ((9, 3, 1), (1, 1, 1))
    """
    if arities is None:
        return (1,) * (L + 1)
    if len(arities) != L:
        raise ValueError(f"arities must have one entry per layer ({L}), got {tuple(arities)}")
    scales = [1]
    for k in reversed(arities):
        scales.append(scales[-1] * positive_int(k, "arity"))
    return tuple(reversed(scales))


def copy_tree_walk(
    L: int, T: int, arities: Sequence[int] | None = None
) -> Iterator[tuple[int, int, str]]:
    """The copies of the copy tree in post-order, as ``(layer, t, route)``.

    A copy's ``route`` is its path from the root copy ``(L, T)`` (route ``''``): ``'h'`` steps
    to the previous time of the same layer, ``'i'`` one layer down (a cell of arity k reads the
    layer below k times, through legs ``'i'``, ``'j'``, ``'k'``, ...: :data:`LEG_LETTERS`). A
    copy comes after its ``'h'`` subtree (when ``t > 1``), then its leg subtrees in order (when
    ``layer > 1``). Iterative, so T in the thousands does not hit Python's recursion limit.

    Parameters
    ----------
    L, T
        Depth and sequence length: the root copy is cell ``(L, T)``.
    arities
        Per layer, how many times its cells read the layer below (None: once).

    Yields
    ------
    tuple
        ``(layer, t, route)`` of each copy, ``C(T+L, L) - 1`` in all for bilinear cells.

    Examples
    --------
    >>> list(copy_tree_walk(2, 2))
    [(1, 1, 'hi'), (2, 1, 'h'), (1, 1, 'ih'), (1, 2, 'i'), (2, 2, '')]
    >>> [route for _, _, route in copy_tree_walk(2, 1, (1, 2))]
    ['i', 'j', '']
    """
    legs = (1,) * L if arities is None else tuple(arities)
    if len(legs) != L or any(not 1 <= k <= len(LEG_LETTERS) for k in legs):
        raise ValueError(
            f"arities must hold {L} entries in 1..{len(LEG_LETTERS)}, got {tuple(legs)}"
        )
    todo: list[tuple[bool, int, int, str]] = [(False, L, T, "")]
    while todo:
        leaving, layer, t, route = todo.pop()
        if leaving:
            yield layer, t, route
            continue
        todo.append((True, layer, t, route))
        if layer > 1:
            for letter in reversed(LEG_LETTERS[: legs[layer - 1]]):
                todo.append((False, layer - 1, t, route + letter))
        if t > 1:
            todo.append((False, layer, t - 1, route + "h"))


def layer_copy_counts(L: int, T: int, arities: Sequence[int] | None = None) -> tuple[int, ...]:
    """Per layer l = 1..L, the copies of its cells in the copy tree: ``C(T+L-l, L-l+1) g_l``.

    ``g_l`` is :func:`degree_scales` (1 for bilinear cells).

    Examples
    --------
    >>> layer_copy_counts(2, 4), sum(layer_copy_counts(2, 4)) == comb(4 + 2, 2) - 1
    ((10, 4), True)
    >>> layer_copy_counts(2, 4, (1, 3))
    (30, 4)
    """
    L, T = positive_int(L, "L"), positive_int(T, "T")
    scales = degree_scales(arities, L)
    return tuple(comb(T + L - layer, L - layer + 1) * scales[layer] for layer in range(1, L + 1))


def copy_tree_tensor_count(
    L: int, T: int, per_copy: Sequence[int], arities: Sequence[int] | None = None
) -> int:
    """Tensors of a copy tree: ``per_copy[l]`` per copy of a layer-l cell, the ``H0`` s, ``W^O``.

    Layer l's cells have ``C(T+L-l, L-l+1) g_l`` copies, ``C(T-1+L-l, L-l) g_l`` of them at
    t = 1 (each reads an initial state); ``g_l`` is :func:`degree_scales`.

    Examples
    --------
    >>> copy_tree_tensor_count(2, 4, [3, 3])      # a depth-2 RAC: W^H, W^I, COPY per copy
    48
    """
    copies = layer_copy_counts(L, T, arities)
    scales = degree_scales(arities, L)
    starts = sum(comb(T - 1 + L - layer, L - layer) * scales[layer] for layer in range(1, L + 1))
    return sum(k * c for k, c in zip(per_copy, copies, strict=True)) + starts + 1


def product(values: Iterable[int]) -> int:
    """Exact product of integers, multiplied pairwise in a balanced tree.

    A cut's factors are thousands of big integers (an interleaved cut at L = 8, T = 4096 has
    2048 factors of ~200 bits each, product 373,557 bits). Left to right, each step multiplies
    the growing product by a small factor, quadratic in the count; pairwise products keep the
    operands balanced, and FLINT's ``fmpz`` (GMP, FFT multiplication) multiplies the large ones
    faster than Python's Karatsuba: 48 ms (``math.prod``) -> 17 ms (balanced, Python ints) ->
    4 ms (balanced, fmpz) for that cut.

    Parameters
    ----------
    values
        Python (or numpy) integers.

    Returns
    -------
    int
        The exact product as a Python int (1 for no values).

    Examples
    --------
    >>> product([2, 3, 7])
    42
    """
    items: list[Any] = list(values)
    if len(items) > 64:
        # small factors first multiply in runs (cheap while the run's product is small), then
        # the run products go into the balanced tree as fmpz
        from flint import fmpz  # only for large products: closed forms import no FLINT

        items = [fmpz(math.prod(items[i : i + 16])) for i in range(0, len(items), 16)]
    while len(items) > 1:
        pairs = [a * b for a, b in zip(items[::2], items[1::2], strict=False)]
        items = pairs + items[-1:] if len(items) % 2 else pairs
    return int(items[0]) if items else 1
