"""Where the tensors of any network go, from its structure (never forces), in grid units.

- ``'lattice'``: quimb's site tags. A chain on a line (tensors of one site stacked below each
  other), a 2-D lattice on its grid (row ``i`` down the page, column ``j`` to the right), a 3-D
  one in oblique projection. A cyclic axis wraps around: its closing bonds leave the figure on
  one side and come back on the other.
- ``'chain'``: a network whose graph is a path, on a line.
- ``'tree'``: a tidy tree, leaves at the bottom, every parent centred over its children, the
  root at the centre of the tree (so a tree tensor network stands on its leaves).
- ``'layered'``: anything else (MERA, loops, hyperedges): levels by distance from the tensors
  with open legs (level 0 at the bottom), each level ordered by the barycentres of its
  neighbours below (on a circle for a cyclic quimb chain, as a periodic MERA), then spread by
  least squares so that neighbours in a level stay one unit apart, and swept up and down a few
  times to straighten the bonds.

Components are laid out one by one, side by side. Everything is deterministic.

Examples
--------
>>> import quimb.tensor as qtn
>>> from rac_tn.drawing._tn_graph import read_network
>>> lay = network_layout(read_network(qtn.PEPS.rand(2, 3, bond_dim=2, seed=0)))
>>> lay.kind, lay.pos[0], lay.pos[5]
('lattice', (0.0, 0.0), (2.0, -1.0))
>>> spread([0.0, 0.2, 0.4], 1.0)
[-0.8, 0.2, 1.2]
"""

from __future__ import annotations

import math
from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from rac_tn.drawing._tn_graph import Bond, NetworkGraph, Vertex

__all__ = ["TNLayout", "network_layout", "spread"]

Point = tuple[float, float]

#: Oblique projection of the third lattice axis (x and y per step along it).
_DEPTH = (0.5, 0.35)
#: Where the k-th tensor of a site sits relative to the first (chains; 2-D lattices).
_STACK_1D, _STACK_2D = (0.0, -1.0), (0.4, 0.4)
#: Horizontal gap between components, in units.
_COMPONENT_GAP = 1.2


@dataclass
class TNLayout:
    """Positions (grid units) of a network's vertices, and how they were found.

    ``levels`` holds the level of each vertex of a tree or layered component (0 at the bottom);
    ``wraps`` maps an edge (:func:`edge_ref`) that goes around a cyclic axis to the offset from
    its second end to the image of that end seen from its first.
    """

    pos: dict[Vertex, Point]
    kind: str
    levels: dict[Vertex, int] = field(default_factory=dict)
    wraps: dict[object, Point] = field(default_factory=dict)
    kinds: dict[Vertex, str] = field(default_factory=dict)


def network_layout(graph: NetworkGraph) -> TNLayout:
    """Lay out ``graph`` (see the module docstring for the rules, tried in that order)."""
    adj = graph.adjacency()
    if _on_lattice(graph):
        return _lattice(graph, adj)
    pos: dict[Vertex, Point] = {}
    levels: dict[Vertex, int] = {}
    wraps: dict[object, Point] = {}
    kinds: dict[Vertex, str] = {}
    offset = 0.0
    comps = _components(graph, adj)
    for comp in comps:
        kind, cpos, clevels, cwraps = _component(graph, adj, comp)
        x0 = min(p[0] for p in cpos.values())
        y0 = min(p[1] for p in cpos.values())
        for v, (x, y) in cpos.items():
            pos[v] = (x - x0 + offset, y - y0)
            kinds[v] = kind
        levels.update(clevels)
        wraps.update(cwraps)
        offset += max(p[0] for p in cpos.values()) - x0 + _COMPONENT_GAP
    kind = kinds[comps[0][0]] if len(comps) == 1 else "components"
    return TNLayout(pos, kind, levels, wraps, kinds)


def _components(graph: NetworkGraph, adj: dict) -> list[list[Vertex]]:
    """Connected components, each in key order, ordered by their first vertex."""
    seen: set = set()
    comps = []
    for start in sorted(adj, key=graph.key):
        if start in seen:
            continue
        seen.add(start)
        comp, stack = [], [start]
        while stack:
            v = stack.pop()
            comp.append(v)
            for u, _ in adj[v]:
                if u not in seen:
                    seen.add(u)
                    stack.append(u)
        comps.append(sorted(comp, key=graph.key))
    return comps


def _component(graph: NetworkGraph, adj: dict, comp: list[Vertex]) -> tuple:
    """``(kind, pos, levels, wraps)`` of one connected component."""
    inside = set(comp)
    simple = {v: {u for u, _ in adj[v] if u in inside and u != v} for v in comp}
    edges = sum(len(n) for n in simple.values()) // 2
    if len(comp) == 1:
        return "chain", {comp[0]: (0.0, 0.0)}, {comp[0]: 0}, {}
    if edges == len(comp) - 1 and max(len(n) for n in simple.values()) <= 2:
        return "chain", _chain(graph, comp, simple), {}, {}
    if edges == len(comp) - 1:
        pos, levels = _tree(graph, comp, simple)
        return "tree", pos, levels, {}
    return ("layered", *_layered(graph, adj, comp))


# -- lattices -----------------------------------------------------------------------------------


def _on_lattice(graph: NetworkGraph) -> bool:
    """Whether every tensor has one site and (on a chain) bonds join neighbouring sites only."""
    if not graph.lattice or any(graph.site_of(t) is None for t in graph.tids):
        return False
    if graph.lattice > 1:
        return True
    n = max(graph.lattice_site(t)[0] for t in graph.tids) - min(
        graph.lattice_site(t)[0] for t in graph.tids
    )
    cyclic = bool(graph.cyclic and graph.cyclic[0])
    for bond in graph.bonds:
        step = abs(graph.lattice_site(bond.a)[0] - graph.lattice_site(bond.b)[0])
        if step > 1 and not (cyclic and step == n):
            return False
    return True


def _project(coords: Sequence[float], dims: int) -> Point:
    if dims == 1:
        return (float(coords[0]), 0.0)
    if dims == 2:
        return (float(coords[1]), -float(coords[0]))
    return (float(coords[1]) + _DEPTH[0] * coords[2], -float(coords[0]) + _DEPTH[1] * coords[2])


def _lattice(graph: NetworkGraph, adj: dict) -> TNLayout:
    """Every tensor at its site; hyperedge dots at the mean of their tensors."""
    dims = graph.lattice
    stack = _STACK_1D if dims == 1 else _STACK_2D
    seen: Counter = Counter()
    pos: dict[Vertex, Point] = {}
    for tid in graph.tids:
        site = graph.lattice_site(tid)
        k = seen[site]
        seen[site] += 1
        x, y = _project(site, dims)
        pos[tid] = (x + k * stack[0], y + k * stack[1])
    for ind, (tids, _) in graph.hypers.items():
        xs, ys = zip(*(pos[t] for t in tids), strict=True)
        pos[("hyper", ind)] = (sum(xs) / len(xs), sum(ys) / len(ys) + 0.35)
    sites = [graph.lattice_site(t) for t in graph.tids]
    lengths = [max(s[a] for s in sites) - min(s[a] for s in sites) + 1 for a in range(dims)]
    wraps: dict[object, Point] = {}
    for bond in graph.bonds:
        sa, sb = graph.lattice_site(bond.a), graph.lattice_site(bond.b)
        image = list(sb)
        for axis, (cyclic, n) in enumerate(zip(graph.cyclic, lengths, strict=False)):
            step = sb[axis] - sa[axis]
            if cyclic and n > 2 and abs(step) == n - 1:
                image[axis] -= n if step > 0 else -n
        if image != list(sb):
            delta = [i - s for i, s in zip(image, sb, strict=True)]
            wraps[bond] = _sub(_project(delta, dims), _project([0] * dims, dims))
    kind = "lattice"
    return TNLayout(pos, kind, {}, wraps, dict.fromkeys(pos, kind))


def _sub(a: Point, b: Point) -> Point:
    return (a[0] - b[0], a[1] - b[1])


# -- chains and trees ---------------------------------------------------------------------------


def _chain(graph: NetworkGraph, comp: list[Vertex], simple: dict) -> dict[Vertex, Point]:
    """A path graph on a line, from its end that comes first."""
    ends = [v for v in comp if len(simple[v]) <= 1]
    start = min(ends, key=graph.key)
    order, prev, v = [start], None, start
    while True:
        nxt = [u for u in simple[v] if u != prev]
        if not nxt:
            break
        prev, v = v, nxt[0]
        order.append(v)
    return {v: (float(i), 0.0) for i, v in enumerate(order)}


def _tree(graph: NetworkGraph, comp: list[Vertex], simple: dict) -> tuple[dict, dict]:
    """A tidy tree rooted at its centre: leaves at height 0, parents over their children."""
    root = min(comp, key=lambda v: (_eccentricity(v, simple), graph.key(v)))
    children: dict[Vertex, list[Vertex]] = {}
    parent: dict[Vertex, Vertex | None] = {root: None}
    order = [root]
    for v in order:
        children[v] = [u for u in simple[v] if u not in parent]
        for u in children[v]:
            parent[u] = v
        order.extend(children[v])
    first: dict[Vertex, tuple] = {}
    for v in reversed(order):  # each subtree's first key orders the children
        first[v] = min([graph.key(v), *(first[c] for c in children[v])])
        children[v].sort(key=first.__getitem__)
    height: dict[Vertex, int] = {}
    for v in reversed(order):
        height[v] = 1 + max((height[c] for c in children[v]), default=-1)
    x: dict[Vertex, float] = {}
    counter = [0.0]

    def place(v: Vertex) -> None:
        if not children[v]:
            x[v] = counter[0]
            counter[0] += 1.0
            return
        for c in children[v]:
            place(c)
        x[v] = (x[children[v][0]] + x[children[v][-1]]) / 2

    place(root)
    return {v: (x[v], float(height[v])) for v in comp}, height


def _eccentricity(v: Vertex, simple: dict) -> int:
    dist = {v: 0}
    queue = deque([v])
    while queue:
        u = queue.popleft()
        for w in simple[u]:
            if w not in dist:
                dist[w] = dist[u] + 1
                queue.append(w)
    return max(dist.values())


# -- layered layouts ----------------------------------------------------------------------------


def spread(desired: Sequence[float], gap: float) -> list[float]:
    """The positions nearest ``desired`` (least squares) in the same order, ``gap`` apart or more.

    Pool adjacent violators on ``desired[i] - i * gap``, which must be non-decreasing.
    """
    blocks: list[list[float]] = []  # [sum, count]
    for i, d in enumerate(desired):
        blocks.append([d - i * gap, 1.0])
        while len(blocks) > 1 and blocks[-2][0] * blocks[-1][1] > blocks[-1][0] * blocks[-2][1]:
            s, c = blocks.pop()
            blocks[-1][0] += s
            blocks[-1][1] += c
    out: list[float] = []
    for s, c in blocks:
        out += [s / c] * int(c)
    return [round(y + i * gap, 9) for i, y in enumerate(out)]


def _levels(graph: NetworkGraph, adj: dict, comp: list[Vertex]) -> dict[Vertex, int]:
    """Distance from the vertices with open legs (or from the first vertex, without any)."""
    sources = [v for v in comp if graph.has_legs(v)] or comp[:1]
    level = dict.fromkeys(sources, 0)
    queue = deque(sources)
    while queue:
        v = queue.popleft()
        for u, _ in adj[v]:
            if u not in level:
                level[u] = level[v] + 1
                queue.append(u)
    return level


def _period(graph: NetworkGraph) -> float | None:
    """The number of sites of a cyclic chain (its period along x), else None."""
    if graph.lattice != 1 or not graph.cyclic or not graph.cyclic[0] or not graph.sites:
        return None
    coords = [s[0] for found in graph.sites.values() for s in found]
    return float(max(coords) - min(coords) + 1)


def _circular_mean(xs: Sequence[float], period: float) -> tuple[float, float]:
    """``(mean, width)`` of the images of ``xs`` (mod ``period``) closest together."""
    return min(_circular_means(xs, period), key=lambda c: (c[1], c[0]))


def _circular_means(xs: Sequence[float], period: float) -> list[tuple[float, float]]:
    """``(mean, width)`` of the images of ``xs`` gathered around each of them in turn."""
    out = []
    for ref in xs:
        images = [x + period * math.floor((ref - x) / period + 0.5) for x in xs]
        out.append((sum(images) / len(images), max(images) - min(images)))
    return out


def _barycentre(
    xs: Sequence[float], period: float | None, claimed: Sequence[float], lo: float
) -> float:
    """The mean of ``xs``, or on a cyclic chain their tightest circular mean.

    Among equally tight means, the one farthest from the positions already ``claimed`` in the
    level (the linear mean first).
    """
    linear = sum(xs) / len(xs)
    if period is None or len(xs) < 2:
        return linear
    options = [(max(xs) - min(xs), linear)]
    for m, w in _circular_means(xs, period):
        if abs((m - linear + period / 2) % period - period / 2) > 1e-9:  # another place
            options.append((w, lo + period - (lo - m) % period))  # in (lo, lo + period]
    tight = min(w for w, _ in options)
    best = [m for w, m in options if w <= tight + 1e-9]  # the linear mean first, if it is tight
    if not claimed:
        return best[0]
    return max(best, key=lambda m: min(abs(m - c) for c in claimed) - 1e-9 * best.index(m))


def _first_level_order(
    graph: NetworkGraph, adj: dict, comp: list[Vertex], row: list[Vertex]
) -> list[Vertex]:
    """Level 0 in depth-first order from its first vertex (a chain of them stays in order)."""
    wanted = set(row)
    order: list[Vertex] = []
    seen: set = set()
    for start in sorted(row, key=graph.key):
        stack = [start]
        while stack:
            v = stack.pop()
            if v in seen:
                continue
            seen.add(v)
            if v in wanted:
                order.append(v)
            nbrs = sorted({u for u, _ in adj[v]} - seen, key=graph.key)
            stack.extend(reversed(nbrs))
    return order


def _hints(graph: NetworkGraph, row: list[Vertex], period: float | None) -> dict | None:
    """Each vertex's mean site (circular on a cyclic chain), if every vertex of ``row`` has one."""
    out = {}
    for v in row:
        tids = graph.hypers[v[1]][0] if isinstance(v, tuple) else (v,)
        coords = [float(s[0]) for t in tids for s in graph.sites.get(t, [])]
        if not coords or graph.lattice != 1:
            return None
        out[v] = _circular_mean(coords, period)[0] if period else sum(coords) / len(coords)
    if period:
        lo = min(out.values()) - 0.5
        out = {v: lo + (x - lo) % period for v, x in out.items()}
    return out


def _layered(graph: NetworkGraph, adj: dict, comp: list[Vertex]) -> tuple[dict, dict, dict]:
    level = _levels(graph, adj, comp)
    top = max(level.values())
    rows = [[v for v in comp if level[v] == k] for k in range(top + 1)]
    period = _period(graph)
    hints = _hints(graph, rows[0], period)
    if hints is None:
        period = None
        rows[0] = _first_level_order(graph, adj, comp, rows[0])
        want = {v: float(i) for i, v in enumerate(rows[0])}
    else:
        rows[0] = sorted(rows[0], key=lambda v: (hints[v], graph.key(v)))
        want = hints
    x = dict(zip(rows[0], spread([want[v] for v in rows[0]], 1.0), strict=True))
    lo = min(x.values())
    for k in range(1, top + 1):
        claimed: list[float] = []
        want = {}
        for v in sorted(rows[k], key=graph.key):
            want[v] = _barycentre([x[u] for u, _ in adj[v] if u in x], period, claimed, lo)
            claimed.append(want[v])
        rows[k].sort(key=lambda v: (want[v], graph.key(v)))
        x.update(zip(rows[k], spread([want[v] for v in rows[k]], 1.0), strict=True))
    if period is None:
        for _ in range(3):
            for k in [*range(top - 1, -1, -1), *range(1, top + 1)]:
                want = {}
                for v in rows[k]:
                    near = [x[u] for u, _ in adj[v] if abs(level[u] - k) == 1]
                    want[v] = sum(near) / len(near) if near else x[v]
                if k or hints is None:
                    rows[k].sort(key=lambda v: (want[v], x[v]))
                x.update(zip(rows[k], spread([want[v] for v in rows[k]], 1.0), strict=True))
        _transpose(rows, adj, level, fixed_first=hints is not None)
        for _ in range(3):  # straighten the bonds, keeping that order
            for k in [*range(top - 1, -1, -1), *range(1, top + 1)]:
                want = {}
                for v in rows[k]:
                    near = [x[u] for u, _ in adj[v] if abs(level[u] - k) == 1]
                    want[v] = sum(near) / len(near) if near else x[v]
                x.update(zip(rows[k], spread([want[v] for v in rows[k]], 1.0), strict=True))
    pos = {v: (x[v], float(level[v])) for v in comp}
    wraps: dict[object, Point] = {}
    if period is not None:
        for v in comp:
            for u, edge in adj[v]:
                dx = x[u] - x[v]
                if _first_end(edge, v) and abs(dx) > period / 2 + 1e-9:
                    wraps[edge] = (-math.copysign(period, dx), 0.0)
    return pos, level, wraps


def _transpose(rows: list[list[Vertex]], adj: dict, level: dict, *, fixed_first: bool) -> None:
    """Swap neighbours in a level while that removes crossings or shortens bonds in the level."""
    order = {v: i for row in rows for i, v in enumerate(row)}

    def cost(u: Vertex, v: Vertex, pu: int, pv: int) -> float:
        """Crossings of the bonds of ``u`` (at ``pu``) with those of ``v`` (at ``pv > pu``).

        Plus the vertices their bonds within the level pass over (arcs over upward bonds).
        """
        k = level[u]
        out = 0.0
        for j in (k - 1, k + 1):
            left = [order[a] for a, _ in adj[u] if level[a] == j]
            right = [order[b] for b, _ in adj[v] if level[b] == j]
            out += sum(1 for a in left for b in right if a > b)
        for w, p in ((u, pu), (v, pv)):
            for a, _ in adj[w]:
                if level[a] == k and a not in (u, v):
                    out += 2.5 * max(abs(order[a] - p) - 1, 0)  # an arc over them
        return out

    for _ in range(12):
        swapped = False
        for k, row in enumerate(rows):
            if k == 0 and fixed_first:
                continue
            for i in range(len(row) - 1):
                u, v = row[i], row[i + 1]
                if cost(v, u, i, i + 1) < cost(u, v, i, i + 1) - 1e-9:
                    row[i], row[i + 1] = v, u
                    order[u], order[v] = i + 1, i
                    swapped = True
        if not swapped:
            return


def _first_end(edge: Bond | tuple[str, Vertex], v: Vertex) -> bool:
    """Whether ``v`` is the first end of ``edge`` (a bond's ``a``, a hyperedge leg's tensor)."""
    if isinstance(edge, tuple):
        return v == edge[1]
    return v == edge.a
