"""The computation grid of a RAC: a DAG with one node per value computed, never duplicated.

Nodes (edges point toward the output):

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

Examples
--------
>>> input_degrees(4, 2)
(4, 3, 2, 1)
>>> g = computation_grid(2, 3)
>>> g.nodes["h", 1, 2]["paths"], g.number_of_nodes()
(2, 10)
"""

from __future__ import annotations

from math import comb

import networkx as nx
import numpy as np

Node = tuple


def _check_positive(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a positive integer, got {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value}")
    return int(value)


def cell_paths(layer: int, t: int, L: int, T: int) -> int:
    """Monotone lattice paths from cell (l, t) to the output: ``C(T-t+L-l, L-l)``."""
    return comb(T - t + L - layer, L - layer)


def path_counts(L: int, T: int) -> dict[Node, int]:
    """``paths(u -> output)`` for every grid node ``u``.

    >>> path_counts(1, 2)[("x", 1)]
    1
    """
    L, T = _check_positive(L, "L"), _check_positive(T, "T")
    counts: dict[Node, int] = {("y",): 1}
    for t in range(1, T + 1):
        counts["x", t] = cell_paths(1, t, L, T)
        for layer in range(1, L + 1):
            counts["h", layer, t] = cell_paths(layer, t, L, T)
    return counts


def input_degrees(T: int, L: int) -> tuple[int, ...]:
    """The degrees ``n_1..n_T`` of the output in each input: ``n_t = C(T-t+L-1, L-1)``.

    >>> input_degrees(3, 1)
    (1, 1, 1)
    """
    T, L = _check_positive(T, "T"), _check_positive(L, "L")
    return tuple(comb(T - t + L - 1, L - 1) for t in range(1, T + 1))


def computation_grid(
    rac_or_depth: object,
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
        Node attributes: ``kind`` ('input' | 'cell' | 'output'), ``layer`` (0 for inputs,
        L+1 for the output), ``time`` (T for the output), ``paths`` (to the output) and ``dim``.

    Examples
    --------
    >>> g = computation_grid(1, 2, input_dim=3, hidden_dim=2)
    >>> sorted(g.successors(("h", 1, 1)))
    [('h', 1, 2)]
    >>> g.nodes["x", 2]["dim"]
    3
    """
    if hasattr(rac_or_depth, "depth") and hasattr(rac_or_depth, "hidden_dim"):
        rac = rac_or_depth
        L = rac.depth
        input_dim, hidden_dim, num_classes = rac.input_dim, rac.hidden_dim, rac.num_classes
    else:
        L = _check_positive(rac_or_depth, "depth")
    T = _check_positive(T, "T")
    dims = {"input": input_dim, "cell": hidden_dim, "output": num_classes}

    graph = nx.DiGraph(depth=L, T=T)

    def add(node: Node, kind: str, layer: int, time: int) -> None:
        attrs = {"kind": kind, "layer": layer, "time": time}
        attrs["paths"] = 1 if kind == "output" else cell_paths(max(layer, 1), time, L, T)
        if dims[kind] is not None:
            attrs["dim"] = int(dims[kind])
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
