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

from collections.abc import Iterable, Iterator
from math import comb
from typing import Literal

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
