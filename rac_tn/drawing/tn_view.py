r"""The view of any quimb tensor network: its structure's layout, open legs, a computed cut.

Tensors go where its structure puts them, open legs at the border, a minimum cut on top. The
positions come from :mod:`~rac_tn.drawing.tn_layout` (site tags and lattices, trees, levels),
in grid units; this module sizes them for print (7 pt labels, bonds long enough to see), widens
them until no two tensors or labels touch, and refuses a figure wider than ``style.width`` with
the width it would need. Tensors are labelled by their names (their tags), open legs
by their index names, COPY tensors are dots and hyperedges small dots joined to their tensors.

Examples
--------
>>> import quimb.tensor as qtn
>>> scene = tn_view(qtn.MPS_rand_state(6, bond_dim=3, seed=0), Style(dims=True))
>>> scene.meta["kind"], len([n for n in scene.nodes if n.role == "tensor"])
('lattice', 6)
>>> sorted({e.label for e in scene.edges if e.label})     # bond 3, physical 2
['2', '3']
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Collection, Hashable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rac_tn.drawing._tn_graph import NetworkGraph, Vertex, index_text, read_network, tensor_names
from rac_tn.drawing._tn_parts import (
    Obstacle,
    bow,
    crowded,
    free_directions,
    place_labels,
    rendered_size,
    route,
    trimmed,
)
from rac_tn.drawing.scene import (
    Edge,
    Node,
    Point,
    Scene,
    Text,
    add_title,
    bond_width,
    style_meta,
    text_size,
)
from rac_tn.drawing.style import INK, WHITE, Style
from rac_tn.drawing.tn_cut import add_tn_cut
from rac_tn.drawing.tn_layout import TNLayout, network_layout

if TYPE_CHECKING:
    import quimb.tensor as qtn

    from rac_tn.bounds.cut_bound import CutBound

__all__ = ["tn_view"]

#: Index sides of a network: ``(left open indices, right open indices)``.
Sides = tuple[Sequence[str], Sequence[str]]

_PAD = 0.03  # between a label and the circle around it (cm)
_LEAST_RADIUS, _MOST_RADIUS = 0.13, 0.3
_LEG = 0.36  # an open leg beyond its tensor (cm)
_PARALLEL = 0.16  # between parallel bonds of two tensors, at their middles (cm)
_GROW = 1.06  # how much the spacing grows while labels or tensors touch
_TRIES = 40


@dataclass
class _Sizes:
    """Sizes (cm) of one drawing: tensor radius, dots, spacings, the least spacing legible."""

    radius: float
    copy: float
    dot: float
    unit: float
    level: float
    least: float
    pitch: float
    leg: float


def tn_view(
    tn: qtn.TensorNetwork,
    style: Style,
    *,
    copies: Collection[int] = (),
    sides: Sides | None = None,
    cut: CutBound | None = None,
) -> Scene:
    """Draw any quimb tensor network, with a computed network cut on top.

    Parameters
    ----------
    tn
        The network (MPS, MPO, PEPS, a tree, a MERA, anything built by hand).
    style
        Drawing options (:class:`~rac_tn.drawing.style.Style`): ``labels`` (tensor names:
        ``'auto'``/``'full'``, ``'short'`` without subscripts, ``'none'``), ``dims`` (every
        bond and leg labelled with its dimension, or ``'symbolic'``: its index name), ...
    copies
        Tensor ids drawn as COPY dots (those the cut prices once).
    sides
        ``(left_inds, right_inds)``: the open legs of each side in its colour (the cut's sides
        when ``cut`` is given).
    cut
        A network-cut :class:`~rac_tn.bounds.CutBound` of ``tn`` between index sets, or None.

    Returns
    -------
    Scene
        ``meta`` holds the view (``'tn'``), the layout's kind, the sides and the cut.

    Raises
    ------
    ValueError
        When ``tn`` has no tensor, or the figure cannot be drawn legibly within
        ``style.width`` (the message says the width it needs).
    """
    if cut is not None:
        sides = cut.index_sides
    listed = {*sides[0], *sides[1]} if sides else set()
    graph = read_network(tn, open_inds=listed, copies=copies)
    if not graph.tids:
        raise ValueError("tn has no tensors to draw")
    layout = network_layout(graph)
    names = tensor_names(tn, graph, style.labels)
    drawing = _Drawing(graph, layout, names, style, sides)
    what = _describe(tn, graph)

    def finish(bare: Scene) -> Scene:
        bare.meta.update(network=type(tn).__name__, sides=sides)
        if cut is not None:
            add_tn_cut(bare, cut, style)
        add_title(bare, style)
        return bare

    # the cut's shading and legend, and the title, widen the figure a little: fit the drawing
    # to what is left of the page for them; the cut's labels may want more room too
    budget = style.width
    bare, used, least = _fit(drawing, budget)
    for _ in range(8):
        if bare is None:
            break
        scene = finish(bare)
        over = scene.width - style.width
        if over > 1e-9:
            budget -= over + 0.02
            bare, used, least = _fit(drawing, budget)
            continue
        if not crowded(scene):
            return scene
        used = (used[0] * _GROW, used[1] * (_GROW if drawing.grows_up else 1.0))
        bare = drawing.scene(*used)
    scene = finish(drawing.scene(*least))  # the least clear spacing, with the cut
    if scene.width <= style.width + 1e-9 and not crowded(scene):
        return scene
    raise ValueError(_too_wide(what, max(scene.width, style.width + 0.1), style.width))


def _describe(tn: qtn.TensorNetwork, graph: NetworkGraph) -> str:
    return f"{type(tn).__name__} of {len(graph.tids)} tensors"


def _too_wide(what: str, need: float, width: float) -> str:
    return (
        f"the drawing of this {what} needs at least {need:.1f} cm with readable labels, more "
        f"than width = {width:g} cm: allow a wider figure (width=...), or draw smaller labels "
        "(font_size=..., labels='short' or labels='none')"
    )


def _fit(drawing: _Drawing, width: float) -> tuple[Scene | None, tuple, tuple]:
    """The scene at the preferred spacing, or the widest clear one within ``width`` cm.

    The spacing is narrowed to fit, never below the least at which no two tensors or labels
    touch. Returns the scene (None when even that least spacing is wider than ``width``), its
    spacing ``(unit, level)`` and that least spacing.
    """
    s = drawing.sizes
    pref = drawing.scene(s.unit, s.level)
    fits = pref.width <= width + 1e-9
    if fits and not crowded(pref):
        return pref, (s.unit, s.level), (s.unit, s.level)
    unit, level = (s.unit, s.level) if fits else (s.least, min(s.level, max(s.least, 0.6)))
    scene = drawing.scene(unit, level)
    for _ in range(_TRIES):
        if not crowded(scene):
            break
        unit, level = unit * _GROW, level * (_GROW if drawing.grows_up else 1.0)
        scene = drawing.scene(unit, level)
    else:
        raise ValueError("cannot draw this network without overlaps")  # pragma: no cover
    least = (unit, level)
    if scene.width > width + 1e-9:
        return None, least, least
    if not fits and drawing.span > 0:  # as wide as the page allows, up to the preferred spacing
        fixed = scene.width - drawing.span * unit
        wide = min(s.unit, (width - 1e-6 - fixed) / drawing.span)
        if wide > unit:
            spacing = (wide, max(level, min(s.level, wide)))
            candidate = drawing.scene(*spacing)
            if candidate.width <= width + 1e-9 and not crowded(candidate):
                return candidate, spacing, least
    return scene, least, least


class _Drawing:
    """The scene of one network at given spacings (cm per grid unit across and per level)."""

    def __init__(
        self,
        graph: NetworkGraph,
        layout: TNLayout,
        names: dict[int, str | None],
        style: Style,
        sides: Sides | None,
    ) -> None:
        self.graph, self.layout, self.names, self.style = graph, layout, names, style
        self.sides = (set(sides[0]), set(sides[1])) if sides else None
        self.fs = style.font_size
        xs = [p[0] for p in layout.pos.values()]
        self.span = max(xs) - min(xs)
        self.square = layout.kind == "lattice" and graph.lattice > 1
        self.grows_up = layout.kind != "lattice" or graph.lattice > 1
        self.sizes = self._sizes()
        self.tikz_names = _tikz_names(graph, names)

    def _sizes(self) -> _Sizes:
        sc = self.style.scale
        fitted = [_fitted(label, self.fs) for label in self.names.values() if label]
        radius = min(max([_LEAST_RADIUS * sc, *fitted]), _MOST_RADIUS * max(sc, 1.0))
        legs = [index_text(ind) for held in self.graph.legs.values() for ind, _ in held]
        pitch = max([text_size(t, self.fs)[0] for t in legs] + [0.2]) + 0.1
        # the closest two vertices of a row are ``step`` units apart: that is what must be legible
        step = self._closest_in_row()
        least = (2 * radius + 0.3 * sc) / step
        wide = (1.55 if self.square else 0.95) * sc
        unit = max(2 * radius + (0.75 if self.square else 0.55) * sc, wide) / step
        level = max(2 * radius + 0.5 * sc, 0.9 * sc)
        # an open leg long enough to carry its dimension label beside it
        leg = _LEG * sc * max(self.fs / 7.0, 1.0)
        if self.style.dims:
            leg = max(leg, rendered_size("8", self.fs)[1] + 0.14)
        return _Sizes(radius, 0.06 * sc, 0.045 * sc, unit, level, least, pitch, leg)

    def _closest_in_row(self) -> float:
        """The least horizontal distance (units) between two vertices at the same height."""
        rows: dict[float, list[float]] = {}
        for x, y in self.layout.pos.values():
            rows.setdefault(round(y, 6), []).append(x)
        gaps = [
            b - a for xs in rows.values() for a, b in zip(sorted(xs), sorted(xs)[1:], strict=False)
        ]
        gaps = [g for g in gaps if g > 1e-6]
        return 1.0 if self.layout.kind == "lattice" else max(min(gaps, default=1.0), 1.0)

    def point(self, v: Vertex, unit: float, level: float) -> Point:
        x, y = self.layout.pos[v]
        return (x * unit, y * (unit if self.square or self.layout.kind == "lattice" else level))

    def scene(self, unit: float, level: float) -> Scene:
        """The scene at these spacings (no cut, no title)."""
        meta = {"view": "tn", "kind": self.layout.kind, "tensors": len(self.graph.tids)}
        scene = Scene(meta={**meta, **style_meta(self.style)})
        self.unit, self.level_h = unit, level
        for v in self.graph.vertices():
            scene.add_node(self._node(v, self.point(v, unit, level)))
        self._bonds(scene)
        self._legs(scene)
        if self.style.dims:
            place_labels(scene)
        return scene

    # -- nodes ----------------------------------------------------------------------------------

    def _node(self, v: Vertex, at: Point) -> Node:
        s = self.sizes
        if isinstance(v, tuple):  # a hyperedge
            return Node(
                v, *at, "dot", s.dot, fill=INK, linewidth=0.0, role="hyperedge", ref=v[1],
                name=f"hyper-{_safe(v[1])}",
            )  # fmt: skip
        name = self.tikz_names[v]
        if v in self.graph.copies:
            return Node(
                v, *at, "dot", s.copy, fill=INK, linewidth=0.0, role="DELTA", ref=v, name=name
            )
        label = self.names.get(v)
        node = Node(v, *at, "circle", s.radius, label=label, label_size=self.fs, role="tensor")
        if label and _fitted(label, self.fs) > s.radius + 1e-9:  # too wide for the circle: a box
            w, h = text_size(label, self.fs)
            node.shape, node.size, node.height = "box", w / 2 + 0.07, max(h / 2 + 0.06, s.radius)
        node.ref, node.name = v, name
        return node

    # -- bonds ----------------------------------------------------------------------------------

    def _obstacles(self, scene: Scene, skip: Collection[Hashable]) -> list[Obstacle]:
        return [
            (n.x, n.y, math.hypot(n.size, n.half_height) if n.shape == "box" else n.size)
            for n in scene.nodes
            if n.key not in skip and n.shape != "none"
        ]

    def _bonds(self, scene: Scene) -> None:
        graph, layout = self.graph, self.layout
        pairs: dict[tuple, list] = {}
        for bond in graph.bonds:
            pairs.setdefault((bond.a, bond.b), []).append(bond)
        for (a, b), bonds in pairs.items():
            pa, pb = scene.node(a), scene.node(b)
            straight = [bond for bond in bonds if bond not in layout.wraps]
            for i, bond in enumerate(straight):
                lift = (i - (len(straight) - 1) / 2) * _PARALLEL
                obstacles = self._obstacles(scene, (a, b))
                prefer = 1.0 if pb.x >= pa.x else -1.0
                if lift:
                    pts = bow((pa.x, pa.y), (pb.x, pb.y), lift)
                else:
                    pts = route((pa.x, pa.y), (pb.x, pb.y), obstacles, prefer=prefer)
                pts = trimmed(pts, pa, pb)
                scene.add_edge(self._edge(pts, (a, b), bond.ind, "bond", bond.dim))
            for bond in bonds:
                if bond in layout.wraps:
                    self._wrapped(scene, bond.ind, a, b, layout.wraps[bond], bond.dim)
        for ind, (tids, dim) in graph.hypers.items():
            dot = scene.node(("hyper", ind))
            for k, tid in enumerate(tids):
                node = scene.node(tid)
                pts = route(
                    (node.x, node.y), (dot.x, dot.y), self._obstacles(scene, (tid, dot.key))
                )
                edge = self._edge(trimmed(pts, node, dot), (tid, dot.key), ind, "hyperleg", dim)
                if k:
                    edge.label = None  # one dimension label per hyperedge
                scene.add_edge(edge)

    def _wrapped(self, scene: Scene, ind: str, a: int, b: int, off: Point, dim: int) -> None:
        """A bond around a cyclic axis: a stub from each end toward the other's image."""
        na, nb = scene.node(a), scene.node(b)
        dx, dy = self._scaled(off)
        ends = (
            ((na.x, na.y), ((na.x + nb.x + dx) / 2, (na.y + nb.y + dy) / 2), a),
            ((nb.x, nb.y), ((na.x + nb.x - dx) / 2, (na.y + nb.y - dy) / 2), b),
        )
        for k, (start, end, tid) in enumerate(ends):
            key = ("wrap", ind, k)
            scene.add_node(Node(key, *end, "none", 0.0, role="wrap", ref=ind, name=None))
            edge = self._edge([start, end], (tid, key), ind, "bond", dim)
            if k:
                edge.label = None
            scene.add_edge(edge)

    def _scaled(self, off: Point) -> Point:
        ys = self.unit if self.square or self.layout.kind == "lattice" else self.level_h
        return (off[0] * self.unit, off[1] * ys)

    def _edge(self, pts: list[Point], ends: tuple, ind: str, role: str, dim: int) -> Edge:
        return Edge(
            pts, ends=ends, ref=ind, role=role, dim=dim, width=bond_width(dim),
            label=self._dim_label(ind, dim), label_size=self.fs,
        )  # fmt: skip

    def _dim_label(self, ind: str, dim: int) -> str | None:
        if not self.style.dims:
            return None
        return index_text(ind) if self.style.dims == "symbolic" else str(dim)

    # -- open legs ------------------------------------------------------------------------------

    def _legs(self, scene: Scene) -> None:
        graph = self.graph
        for v in graph.vertices():
            inds = (
                [(v[1], graph.hypers[v[1]][1])] if isinstance(v, tuple) else graph.legs.get(v, [])
            )
            if isinstance(v, tuple) and v[1] not in graph.open_hypers:
                continue
            if not inds:
                continue
            node = scene.node(v)
            for (ind, dim), end in zip(inds, self._leg_ends(scene, node, v, inds), strict=True):
                self._leg(scene, node, ind, dim, end)

    def _bond_angles(self, scene: Scene, node: Node) -> list[float]:
        out = []
        for e in scene.edges:
            if node.key not in e.ends:
                continue
            pts = e.points if e.ends[0] == node.key else e.points[::-1]
            nxt = pts[1] if math.dist(pts[1], pts[0]) > 1e-9 or len(pts) < 3 else pts[2]
            out.append(math.degrees(math.atan2(nxt[1] - node.y, nxt[0] - node.x)))
        return out

    def _leg_ends(self, scene: Scene, node: Node, v: Vertex, inds: list) -> list[Point]:
        """Where each open leg of ``node`` ends: fanned below (or above) it, else in free gaps."""
        angles = self._bond_angles(scene, node)
        reach = (node.half_height if node.shape == "box" else node.size) + self.sizes.leg
        groups: dict[str, list[int]] = {}
        for i, (ind, _) in enumerate(inds):
            groups.setdefault(self._leg_side(v, ind, angles), []).append(i)
        ends: list[Point | None] = [None] * len(inds)
        for where, members in groups.items():
            if where in ("down", "up"):
                sign = -1.0 if where == "down" else 1.0
                k = len(members)
                for j, i in enumerate(members):
                    dx = (j - (k - 1) / 2) * self.sizes.pitch
                    ends[i] = (node.x + dx, node.y + sign * (reach + 0.08 * (k > 1)))
                continue
            prefer = -135.0 if self.square else -90.0
            free = not any(abs((a - prefer + 180.0) % 360.0 - 180.0) < 30.0 for a in angles)
            if self.square and free and len(members) == 1:  # every site's leg the same way
                dirs = [prefer]
            else:
                dirs = free_directions(angles, len(members), prefer=prefer)
            for i, a in zip(members, dirs, strict=True):
                r = math.radians(a)
                ends[i] = (node.x + reach * math.cos(r), node.y + reach * math.sin(r))
        return ends  # type: ignore[return-value]

    def _leg_side(self, v: Vertex, ind: str, angles: list[float]) -> str:
        """``'down'`` / ``'up'`` (fanned to the border) when that way is free, else ``'gap'``."""
        want = self.graph.leg_dirs.get(ind)
        level = self.layout.levels.get(v)
        if want is None and not self.square:
            if self.layout.kind == "lattice" or level == 0:
                want = "down"
            elif level is not None and level == max(self.layout.levels.values()):
                want = "up"
        if want is None:
            return "gap"
        toward = -90.0 if want == "down" else 90.0
        blocked = any(abs((a - toward + 180.0) % 360.0 - 180.0) < 50.0 for a in angles)
        return "gap" if blocked else want

    def _leg(self, scene: Scene, node: Node, ind: str, dim: int, end: Point) -> None:
        color, side = INK, None
        if self.sides is not None:
            if ind in self.sides[0]:
                color, side = self.style.start_color, "left"
            elif ind in self.sides[1]:
                color, side = self.style.end_color, "right"
        key = ("leg", ind)
        shape, size = ("dot", self.sizes.dot) if side else ("none", 0.0)
        term = Node(
            key, *end, shape, size, fill=color if side else WHITE, stroke=color, linewidth=0.0,
            role="terminal", ref=ind, side=side, name=f"leg-{_safe(ind)}",
        )  # fmt: skip
        scene.add_node(term)
        scene.add_edge(self._edge([(node.x, node.y), end], (node.key, key), ind, "leg", dim))
        dx, dy = end[0] - node.x, end[1] - node.y
        d = math.hypot(dx, dy) or 1.0
        ux, uy = dx / d, dy / d
        ha = "left" if ux > 0.35 else ("right" if ux < -0.35 else "center")
        va = "bottom" if uy > 0.35 else ("top" if uy < -0.35 else "center")
        gap = size + 0.04
        text = Text(
            end[0] + gap * ux, end[1] + gap * uy, index_text(ind), size=self.fs, color=color,
            ha=ha, va=va, role="index", owner=key,
        )  # fmt: skip
        scene.add_text(text)


def _fitted(label: str, fs: float) -> float:
    w, h = text_size(label, fs)
    return math.hypot(w / 2, h / 2) + _PAD


def _tikz_names(graph: NetworkGraph, names: dict[int, str | None]) -> dict[int, str]:
    """A TikZ node name per tensor: its label as plain text (``I1-2`` for ``I_{1,2}``).

    With its id where labels repeat; ``copy-<id>`` for a COPY tensor, ``t<id>`` without a label.
    """
    base = {}
    for tid in graph.tids:
        label = names.get(tid)
        if tid in graph.copies:
            base[tid] = f"copy-{tid}"
        elif label:
            plain = re.sub(r"\\[A-Za-z]+|[_{}^]", "", label)
            base[tid] = _safe(plain) if plain.strip() else f"t{tid}"
        else:
            base[tid] = f"t{tid}"
    counts = Counter(base.values())
    return {tid: b if counts[b] == 1 else f"{b}-{tid}" for tid, b in base.items()}


def _safe(text: str) -> str:
    """A TikZ-safe node name part."""
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-") or "x"
