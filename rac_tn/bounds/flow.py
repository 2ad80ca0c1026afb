"""Max-flow for the cut bounds: fixed-point capacities, scipy's Dinic, exact products.

A cut problem is arcs ``(u, v, capacity in bits)`` plus the terminals :data:`SOURCE` and
:data:`SINK`; :class:`CutGraph` is a tensor network's graph, reduced exactly before the flow
(see the Theory page, "The network cut").
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Container, Hashable, Sequence
from typing import Any, Literal, cast

import numpy as np
import quimb.tensor as qtn
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import breadth_first_order, maximum_flow

#: The terminals of a cut problem given as arcs (:func:`min_cut_source_side`).
SOURCE, SINK = "source", "sink"
# Max-flow runs on integers (scipy's compiled Dinic takes int32 capacities): capacities in bits
# are scaled so that a known cut is worth 2**28 units, and infinity is 2**29, so that residual
# capacities (capacity + reverse flow <= 2**30) never overflow int32.
_UNITS = 1 << 28
_INFINITE = 1 << 29

#: An arc of a cut problem: tail, head, capacity in bits (None: infinite).
Arc = tuple[Hashable, Hashable, "float | None"]


def bits(value: int) -> float:
    """``log2(value)``, 0 for values up to 1: the capacity of a factor ``value``."""
    return math.log2(value) if value > 1 else 0.0


def min_cut_arrays(
    nodes: int, tails: np.ndarray, heads: np.ndarray, bits_caps: np.ndarray, bound: float
) -> np.ndarray:
    """Mask of the nodes on the source side (node 0) of a minimum cut to the sink (node 1)."""
    keep = tails != heads
    scale = _UNITS / max(bound, 1.0)
    caps = np.where(
        np.isinf(bits_caps), _INFINITE, np.minimum(np.round(bits_caps * scale), _INFINITE - 1)
    ).astype(np.int64)
    capacity = csr_matrix((caps[keep], (tails[keep], heads[keep])), shape=(nodes, nodes))
    # parallel arcs are summed above, in 64 bits, then capped at infinity
    capacity.data = np.minimum(capacity.data, _INFINITE)
    capacity = capacity.astype(np.int32)
    reached = np.zeros(nodes, dtype=bool)
    if capacity.nnz == 0:
        reached[0] = True
        return reached
    flow = maximum_flow(capacity, 0, 1).flow  # type: ignore[arg-type]  # stubs: csr_array only
    residual = (capacity.astype(np.int64) - flow.astype(np.int64)).tocsr()
    residual.data = (residual.data > 0).astype(np.int8)
    residual.eliminate_zeros()
    reached[breadth_first_order(residual, 0, directed=True, return_predecessors=False)] = True
    return reached


def min_cut_source_side(arcs: list[Arc], bound: float) -> set:
    """The vertices on the source side of a minimum ``SOURCE``-``SINK`` cut of ``arcs``."""
    index: dict[object, int] = {SOURCE: 0, SINK: 1}
    tails, heads, caps = [], [], []
    for u, v, c in arcs:
        tails.append(index.setdefault(u, len(index)))
        heads.append(index.setdefault(v, len(index)))
        caps.append(np.inf if c is None else c)
    reached = min_cut_arrays(
        len(index),
        np.array(tails, dtype=np.int64),
        np.array(heads, dtype=np.int64),
        np.array(caps, dtype=np.float64),
        bound,
    )
    names = list(index)
    return {names[i] for i in np.flatnonzero(reached)}


class CutGraph:
    """Undirected capacitated graph of a tensor network, reduced exactly before the flow."""

    def __init__(self) -> None:
        self.nbrs: dict[object, dict[object, int]] = {}
        self.cap: list[float | None] = []
        self.els: list[tuple[object, ...]] = []
        self.vertex_cap: dict[object, tuple[float, object]] = {}

    def add_edge(self, a: object, b: object, cap: float | None, els: tuple) -> None:
        """Add an undirected edge; a parallel edge adds its capacity and payloads to the old one."""
        if a == b:
            return
        na = self.nbrs.setdefault(a, {})
        eid = na.get(b)
        if eid is None:
            self.cap.append(cap)
            self.els.append(els)
            na[b] = len(self.cap) - 1
            self.nbrs.setdefault(b, {})[a] = len(self.cap) - 1
        else:  # parallel edges: both must be cut, so capacities (and elements) add up
            old = self.cap[eid]
            self.cap[eid] = None if old is None or cap is None else old + cap
            self.els[eid] = self.els[eid] + els

    def _remove(self, v: object) -> list[object]:
        """Delete vertex ``v`` and its edges; returns its former neighbours."""
        around = self.nbrs.pop(v, {})
        for u in around:
            del self.nbrs[u][v]
        return list(around)

    def reduce(self, tensors: Container[object]) -> None:
        """Drop dead-end tensors and merge series tensors among ``tensors`` until none is left."""
        work = [v for v in self.nbrs if v in tensors and len(self.nbrs[v]) <= 2]
        while work:
            v = work.pop()
            around = self.nbrs.get(v)
            if around is None or len(around) > 2:
                continue
            if len(around) == 2:
                (x, e1), (y, e2) = around.items()
                options = [(self.cap[e1], self.els[e1]), (self.cap[e2], self.els[e2])]
                if v in self.vertex_cap:
                    vcap, element = self.vertex_cap.pop(v)
                    options.append((vcap, (element,)))
                finite = [option for option in options if option[0] is not None]
                # finite: no None capacity (the filter above)
                cap, els = min(finite, key=lambda o: cast(float, o[0])) if finite else (None, ())
                self._remove(v)
                self.add_edge(x, y, cap, els)
            else:
                self.vertex_cap.pop(v, None)
                self._remove(v)
            work.extend(u for u in around if u in tensors and len(self.nbrs.get(u, ())) <= 2)

    def _ends(self, v: object) -> tuple[object, object]:
        """The flow vertices edges enter and leave ``v`` by (split when ``v`` has a capacity)."""
        return (("in", v), ("out", v)) if v in self.vertex_cap else (v, v)

    def arcs(self) -> list[tuple[object, object, float | None]]:
        """The arcs ``(tail, head, bits or None)``: both directions, and each vertex capacity."""
        arcs: list[tuple[object, object, float | None]] = [
            (("in", v), ("out", v), cap) for v, (cap, _) in self.vertex_cap.items()
        ]
        for a, around in self.nbrs.items():
            a_out = self._ends(a)[1]
            for b, eid in around.items():
                arcs.append((a_out, self._ends(b)[0], self.cap[eid]))
        return arcs

    def cut_elements(self, reachable: set) -> list[Any]:
        """The payloads of what the cut with source side ``reachable`` crosses."""
        out = [
            element
            for v, (_, element) in self.vertex_cap.items()
            if ("in", v) in reachable and ("out", v) not in reachable
        ]
        for a, around in self.nbrs.items():
            a_out = self._ends(a)[1]
            if a_out not in reachable:
                continue
            for b, eid in around.items():
                if self._ends(b)[0] not in reachable:
                    out.extend(self.els[eid])
        return out


def tensor_network_min_cut(
    tn: qtn.TensorNetwork,
    start: Sequence[str],
    end: Sequence[str],
    copies: Collection[int],
    element: Callable[[Literal["bond", "hyperedge", "delta"], Hashable, int], Hashable],
) -> tuple[list, frozenset]:
    """A minimum cut of a quimb network between index sets: ``(cut payloads, upstream side)``."""
    tensor_map, ind_map = tn.tensor_map, tn.ind_map
    terminals = set(start) | set(end)
    graph = CutGraph()
    hyper: dict[str, int] = {}
    for ind, tids in ind_map.items():
        first = tensor_map[next(iter(tids))]
        dim = first.shape[first.inds.index(ind)]
        if ind in terminals or len(tids) > 2:
            hyper[ind] = dim
            vertex = ("e", ind)
            graph.vertex_cap[vertex] = (bits(dim), element("hyperedge", ind, dim))
            for tid in tids:
                graph.add_edge(tid, vertex, None, ())
        elif len(tids) == 2:
            a, b = tids
            graph.add_edge(a, b, bits(dim), (element("bond", ind, dim),))
        # any other index on one tensor (e.g. a class index) is a free leg
    for tid in copies:
        dim = min(tensor_map[tid].shape)
        graph.vertex_cap[tid] = (bits(dim), element("delta", tid, dim))
    graph.reduce(tensor_map)
    arcs = graph.arcs()
    arcs += [(SOURCE, ("in", ("e", ind)), None) for ind in start]
    arcs += [(("out", ("e", ind)), SINK, None) for ind in end]
    # cutting every start hyperedge is a finite cut: it bounds the flow
    reachable = min_cut_source_side(arcs, sum(bits(hyper[ind]) for ind in start))
    elements = graph.cut_elements(reachable)
    cut = {(e.category, e.name) for e in elements}
    return elements, _reached_side(tn, start, hyper, cut)


def _reached_side(
    tn: qtn.TensorNetwork, start: Sequence[str], hyper: dict[str, int], cut: set
) -> frozenset:
    """Tensor ids and hyperedge names that ``start`` reaches once the cut is removed."""
    tensor_map, ind_map = tn.tensor_map, tn.ind_map
    seen: set = set()
    stack: list[tuple[str, object]] = []
    for ind in start:
        seen.add(ind)
        if ("hyperedge", ind) not in cut:
            stack.append(("e", ind))
    while stack:
        kind, item = stack.pop()
        inds = [item] if kind == "e" else tensor_map[item].inds
        for ind in inds:
            if kind == "t" and ind in hyper:
                if ind not in seen:
                    seen.add(ind)
                    if ("hyperedge", ind) not in cut:
                        stack.append(("e", ind))
                continue
            if kind == "t" and ("bond", ind) in cut:
                continue
            for tid in ind_map[ind]:
                if tid not in seen and (kind == "e" or tid != item):
                    seen.add(tid)
                    if ("delta", tid) not in cut:
                        stack.append(("t", tid))
    return frozenset(seen)
