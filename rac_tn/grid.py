"""The computation grid of a RAC, and every path count and degree (their one home).

The grid is a DAG with one node per value computed, never duplicated. Nodes (edges point
toward the output):

- input ``("x", t)``, t = 1..T: the representation ``f_t`` (dimension M);
- cell ``("h", l, t)``, l = 1..L, t = 1..T: the state ``h^{l,t}`` (dimension R);
- output ``("y",)`` (dimension C).

Edges: ``("x", t) -> ("h", 1, t)``, ``("h", l-1, t) -> ("h", l, t)``,
``("h", l, t-1) -> ("h", l, t)`` and ``("h", L, T) -> ("y",)``.

Every cell is bilinear in its two predecessors, so the output is homogeneous in the value of a
node ``u`` of degree ``paths(u -> output)``: ``C(T-t+L-l, L-l)`` for cell (l, t) and
``n_t = C(T-t+L-1, L-1)`` for input t. The copy tree of the tensor network holds exactly that
many copies of each node; this grid holds one, which is why the symmetric cut
(:func:`rac_tn.bounds.symmetric_bound`) runs for T in the thousands.

Every function takes the sizes in the order ``(L, T)`` (depth, then length), then the place
``(layer, t)``.

Examples
--------
>>> input_degrees(2, 4)
(4, 3, 2, 1)
>>> g = computation_grid(2, 3)
>>> g.nodes["h", 1, 2]["paths"], g.number_of_nodes()
(2, 10)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from math import comb
from typing import Literal

import networkx as nx

from rac_tn._checks import nonnegative_int, positive_int
from rac_tn.model import RAC

#: A grid node: ``("x", t)``, ``("h", layer, t)`` or ``("y",)``.
Node = tuple
#: The ``role`` attribute of a node of :func:`computation_grid`.
NodeRole = Literal["input", "cell", "output"]


def paths(L: int, T: int, layer: int, t: int) -> int:
    """Monotone lattice paths from cell ``(layer, t)`` to the output: ``C(T-t+L-l, L-l)``.

    It is the degree of the output in ``h^{layer,t}``, and the number of copies of cell
    ``(layer, t)`` in the copy tree. ``layer = 0`` is the input ``f_t``: ``n_t``.

    Parameters
    ----------
    L, T
        Depth and sequence length.
    layer, t
        The cell (``0 <= layer <= L``, ``1 <= t <= T``).

    Returns
    -------
    int
        The path count.

    Raises
    ------
    ValueError
        When ``(layer, t)`` lies outside ``0..L x 1..T``.

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
    """The degrees ``n_1..n_T`` of the output in each input: ``n_t = C(T-t+L-1, L-1)``.

    ``n_t`` is also the number of copies of input ``t`` in the copy tree.

    Parameters
    ----------
    L, T
        Depth and sequence length (positive integers).

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
    """
    L, T = positive_int(L, "L"), positive_int(T, "T")
    return tuple(comb(T - t + L - 1, L - 1) for t in range(1, T + 1))


def path_counts(L: int, T: int) -> dict[Node, int]:
    """``paths(u -> output)`` for every grid node ``u``.

    Parameters
    ----------
    L, T
        Depth and sequence length (positive integers).

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
    counts: dict[Node, int] = {("y",): 1}
    for t in range(1, T + 1):
        counts["x", t] = paths(L, T, 0, t)
        for layer in range(1, L + 1):
            counts["h", layer, t] = paths(L, T, layer, t)
    return counts


def total_degree(L: int, T: int) -> int:
    """``D = sum_t n_t = C(T+L-1, L)``: the total degree of y in all the inputs.

    Parameters
    ----------
    L, T
        Depth and sequence length (not checked).

    Returns
    -------
    int

    Examples
    --------
    >>> total_degree(1, 10), total_degree(2, 20)
    (10, 210)
    """
    return comb(T + L - 1, L)


def multiset(n: int, k: int) -> int:
    """The multiset coefficient ``((n, k)) = C(n+k-1, k)``: monomials of degree k in n variables.

    Parameters
    ----------
    n
        The number of variables (a positive integer).
    k
        The degree (a non-negative integer).

    Returns
    -------
    int
        Exact, of any size.

    Raises
    ------
    TypeError, ValueError
        When ``n`` is not a positive integer or ``k`` not a non-negative one.

    Examples
    --------
    >>> multiset(2, 4), multiset(3, 4), multiset(5, 0)
    (5, 15, 1)
    """
    n, k = positive_int(n, "n"), nonnegative_int(k, "k")
    return comb(n + k - 1, min(k, n - 1))


def multisets(n: int, degrees: Iterable[int]) -> list[int]:
    """``[((n, k)) for k in degrees]`` without per-call checks (degrees come from this module).

    Parameters
    ----------
    n
        The number of variables (a positive integer).
    degrees
        Non-negative integer degrees (not checked).

    Returns
    -------
    list of int

    Examples
    --------
    >>> multisets(2, input_degrees(2, 3))
    [4, 3, 2]
    """
    n = positive_int(n, "n")
    return [comb(n + k - 1, min(k, n - 1)) for k in degrees]


def copy_tree_walk(L: int, T: int) -> Iterator[tuple[int, int, str]]:
    """The copies of the copy tree in post-order, as ``(layer, t, route)``.

    A copy's ``route`` is its path from the root copy ``(L, T)`` (route ``''``): ``'h'`` steps
    to the previous time of the same layer, ``'i'`` one layer down. A copy comes after its
    ``'h'`` subtree (when ``t > 1``), then its ``'i'`` subtree (when ``layer > 1``). Iterative,
    so T in the thousands does not hit Python's recursion limit.

    Parameters
    ----------
    L, T
        Depth and sequence length: the root copy is cell ``(L, T)``.

    Yields
    ------
    tuple
        ``(layer, t, route)`` of each copy, ``C(T+L, L) - 1`` in all.

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


def computation_grid(
    rac_or_depth: RAC | int,
    T: int,
    *,
    input_dim: int | None = None,
    hidden_dim: int | None = None,
    num_classes: int | None = None,
) -> nx.DiGraph:
    """The computation grid DAG for sequence length ``T``.

    Parameters
    ----------
    rac_or_depth
        A :class:`rac_tn.RAC` (its M, R, C become the node ``dim`` attributes) or the depth L.
    T
        The sequence length.
    input_dim, hidden_dim, num_classes
        Node dimensions when a depth is given (optional; ``dim`` is then omitted if unknown).

    Returns
    -------
    networkx.DiGraph
        Node attributes: ``role`` ('input' | 'cell' | 'output'), ``layer`` (0 for inputs,
        L+1 for the output), ``time`` (T for the output), ``paths`` (to the output) and ``dim``.

    Raises
    ------
    TypeError, ValueError
        When the depth or ``T`` is not a positive integer.

    Examples
    --------
    >>> g = computation_grid(1, 2, input_dim=3, hidden_dim=2)
    >>> sorted(g.successors(("h", 1, 1)))
    [('h', 1, 2)]
    >>> g.nodes["x", 2]["dim"]
    3
    """
    if not isinstance(rac_or_depth, RAC):
        L = positive_int(rac_or_depth, "depth")
    else:
        rac = rac_or_depth
        L = rac.depth
        input_dim, hidden_dim, num_classes = rac.input_dim, rac.hidden_dim, rac.num_classes
    T = positive_int(T, "T")
    dims = {"input": input_dim, "cell": hidden_dim, "output": num_classes}
    graph = nx.DiGraph(depth=L, T=T)

    def add(node: Node, role: NodeRole, layer: int, time: int) -> None:
        attrs = {"role": role, "layer": layer, "time": time}
        attrs["paths"] = 1 if role == "output" else paths(L, T, layer, time)
        if dims[role] is not None:
            attrs["dim"] = int(dims[role])
        graph.add_node(node, **attrs)

    for t in range(1, T + 1):
        add(("x", t), "input", 0, t)
        for layer in range(1, L + 1):
            add(("h", layer, t), "cell", layer, t)
    add(("y",), "output", L + 1, T)
    for t in range(1, T + 1):
        graph.add_edge(("x", t), ("h", 1, t))
        for layer in range(1, L + 1):
            if layer > 1:
                graph.add_edge(("h", layer - 1, t), ("h", layer, t))
            if t > 1:
                graph.add_edge(("h", layer, t - 1), ("h", layer, t))
    graph.add_edge(("h", L, T), ("y",))
    return graph
