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


def input_degrees(L: int, T: int) -> tuple[int, ...]:
    """The degrees ``(n_1, ..., n_T)`` of the output in each input, ``n_t = C(T-t+L-1, L-1)``.

    ``n_t`` is also the number of copies of input t in the copy tree.

    Examples
    --------
    >>> input_degrees(2, 4)
    (4, 3, 2, 1)
    >>> input_degrees(1, 3)
    (1, 1, 1)
    """
    L, T = positive_int(L, "L"), positive_int(T, "T")
    return tuple(comb(T - t + L - 1, L - 1) for t in range(1, T + 1))


def path_counts(L: int, T: int) -> dict[Node, int]:
    """``paths(u -> output)`` for every node ``u`` of the computation grid (1 for the output).

    Examples
    --------
    >>> path_counts(2, 2)[("h", 1, 1)]
    2
    >>> path_counts(1, 2)[("x", 1)]
    1
    """
    L, T = positive_int(L, "L"), positive_int(T, "T")
    counts: dict[Node, int] = {("y",): 1}
    for t in range(1, T + 1):
        counts["x", t] = paths(L, T, 0, t)
        for layer in range(1, L + 1):
            counts["h", layer, t] = paths(L, T, layer, t)
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


def copy_tree_walk(L: int, T: int) -> Iterator[tuple[int, int, str]]:
    """The ``C(T+L, L) - 1`` copies of the copy tree in post-order, as ``(layer, t, route)``.

    A copy's ``route`` is its path from the root copy ``(L, T)`` (route ``''``): ``'h'`` steps to
    the previous time of the same layer, ``'i'`` one layer down. A copy comes after its ``'h'``
    subtree, then its ``'i'`` subtree. Iterative, so T in the thousands is fine.

    Examples
    --------
    >>> list(copy_tree_walk(2, 2))
    [(1, 1, 'hi'), (2, 1, 'h'), (1, 1, 'ih'), (1, 2, 'i'), (2, 2, '')]
    """
    todo: list[tuple[bool, int, int, str]] = [(False, L, T, "")]
    while todo:
        leaving, layer, t, route = todo.pop()
        if leaving:
            yield layer, t, route
            continue
        todo.append((True, layer, t, route))
        if layer > 1:
            todo.append((False, layer - 1, t, route + "i"))
        if t > 1:
            todo.append((False, layer, t - 1, route + "h"))


def layer_copy_counts(L: int, T: int) -> tuple[int, ...]:
    """Per layer l = 1..L, the copies of its cells in the copy tree: ``C(T+L-l, L-l+1)``.

    Examples
    --------
    >>> layer_copy_counts(2, 4), sum(layer_copy_counts(2, 4)) == comb(4 + 2, 2) - 1
    ((10, 4), True)
    """
    L, T = positive_int(L, "L"), positive_int(T, "T")
    return tuple(comb(T + L - layer, L - layer + 1) for layer in range(1, L + 1))


def copy_tree_tensor_count(L: int, T: int, per_copy: Sequence[int]) -> int:
    """Tensors of a copy tree: ``per_copy[l]`` per copy of a layer-l cell, the ``H0`` s, ``W^O``.

    Layer l's cells have ``C(T+L-l, L-l+1)`` copies, ``C(T-1+L-l, L-l)`` of them at t = 1 (each
    reads an initial state).

    Examples
    --------
    >>> copy_tree_tensor_count(2, 4, [3, 3])      # a depth-2 RAC: W^H, W^I, COPY per copy
    48
    """
    copies = layer_copy_counts(L, T)
    starts = sum(comb(T - 1 + L - layer, L - layer) for layer in range(1, L + 1))
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
