"""The network view: a compiled network as a scene, one node per tensor, one edge per bond."""

from __future__ import annotations

import math
from collections.abc import Hashable
from typing import TYPE_CHECKING

from rac_tn.drawing import _geometry
from rac_tn.drawing import layout as _layout
from rac_tn.drawing._geometry import CellDrawing, TreeGeometry
from rac_tn.drawing._labels import INPUT_TILDE, add_key, affine_key, place_dim_labels
from rac_tn.drawing._shapes import TensorShapes, drawn_as_chain, tensor_name
from rac_tn.drawing.cuts import add_network_cut
from rac_tn.drawing.scene import (
    Edge,
    Node,
    Scene,
    Text,
    add_title,
    bond_width,
    style_meta,
    too_wide_message,
)
from rac_tn.drawing.style import Style

if TYPE_CHECKING:
    from rac_tn.bounds.cut_bound import CutBound
    from rac_tn.network.compiled import RacNetwork
    from rac_tn.partition import Partition


def network_view(
    net: RacNetwork,
    style: Style,
    *,
    partition: Partition | None = None,
    cut: CutBound | None = None,
) -> Scene:
    """Draw ``net`` with its inputs coloured by ``partition`` and a computed network cut on top.

    Parameters
    ----------
    net
        The compiled network (an MPS is drawn as a chain, a copy tree as a tidy tree).
    style
        Drawing options (:class:`~rac_tn.drawing.style.Style`).
    partition
        Colours the inputs by side (the cut's partition when ``cut`` is given).
    cut
        A network-cut :class:`~rac_tn.bounds.CutBound` of ``net``, or None.

    Returns
    -------
    Scene
        The figure; ``meta`` holds the view, ``net.kind``, T, L, the partition and the cut.

    Examples
    --------
    >>> from rac_tn import RAC, compile_rac
    >>> scene = network_view(compile_rac(RAC.random(3, 2, seed=0), T=4), Style(dims=True))
    >>> sorted({e.label for e in scene.edges if e.label})     # R = 2 bonds, M = 3 inputs
    ['2', '3']
    """
    cell = _geometry.cell_drawing(net)
    check_legible(net.L, net.T, style, cell=cell)
    if drawn_as_chain(net):
        g = _geometry.fit_mps_geometry(net.T, width=style.width, scale=style.scale)
        scene = _drawn(net, _layout.mps_layout(net, g), style, partition, cut)
    else:
        scene = _tree_drawn(net, style, partition, cut)
    if scene.width > style.width + 1e-9:
        raise ValueError(_too_wide(net.L, net.T, scene.width, style.width, cell))
    scene.meta["partition"] = partition
    return scene


def _tree_drawn(
    net: RacNetwork, style: Style, partition: Partition | None, cut: CutBound | None
) -> Scene:
    """A copy tree's figure; ``labels='auto'`` gives full labels whenever that figure fits.

    A shallow family's full labels are its short ones (no layer to name): its 'auto' keeps the
    compact spacing.
    """
    labels, scale = style.labels, style.scale
    if labels == "auto" and (net.family == "rac" or net.L > 1):
        if _geometry.min_full_label_width(net, scale=scale) <= style.width + 1e-9:
            g = _geometry.tree_geometry(net, labels="full", scale=scale)
            lay = _layout.tree_layout(net, g, hyperedges=style.hyperedges)
            scene = _drawn(net, lay, style, partition, cut)
            if scene.width <= style.width + 1e-9:
                return scene
        labels = "short"
    g = _geometry.tree_geometry(net, labels=labels, scale=scale)
    lay = _layout.tree_layout(net, g, hyperedges=style.hyperedges)
    return _drawn(net, lay, style, partition, cut)


def _drawn(
    net: RacNetwork,
    lay: _layout.Layout,
    style: Style,
    partition: Partition | None,
    cut: CutBound | None,
) -> Scene:
    """The scene of ``net`` laid out as ``lay``, with its cut, title and key."""
    scene = network_scene(net, lay, style, partition=partition)
    if cut is not None:
        add_network_cut(scene, net, cut, style)
    add_title(scene, style)
    _add_affine_note(scene, net, style)
    return scene


def check_legible(L: int, T: int, style: Style, *, cell: CellDrawing = "rac") -> None:
    """A ValueError (how wide the figure would be, what to draw instead) past ``style.width``."""
    need = _geometry.min_network_width(L, T, scale=style.scale, cell=cell)
    if need > style.width + 1e-9:
        raise ValueError(_too_wide(L, T, need, style.width, cell))


def _too_wide(L: int, T: int, need: float, width: float, cell: CellDrawing = "rac") -> str:
    what = "input legs" if L > 1 else ("cores" if cell == "rac" else "cells")
    count = math.comb(T + L - 1, L) if L > 1 else T
    model = "RAC" if cell == "rac" else "model"
    return too_wide_message(
        f"network view of a depth-{L} {model} over T = {T} steps",
        f"{count:,} {what}",
        need,
        width,
        NETWORK_ADVICE,
    )


#: What to do when the network view does not fit the page width.
NETWORK_ADVICE = (
    "draw the computation grid instead (view='grid'), or allow a wider figure (width=...)"
)


def _add_affine_note(scene: Scene, net: RacNetwork, style: Style) -> None:
    """Say below the figure what short labels stand for and what augmented legs carry."""
    if style.labels == "none":
        return
    if net.family == "rac":
        parts = _rac_key(net, scene)
    else:
        affine = any(layer.affine for layer in net.rac.layers)
        parts = affine_key(net.augmented_input, affine)
    add_key(scene, parts, style.font_size)


def _rac_key(net: RacNetwork, scene: Scene) -> list[str]:
    """What a RAC's short labels stand for: ``G_t`` (an MPS core), ``H`` and ``I``."""
    roles = {n.role: n.label for n in scene.nodes if n.label}
    if roles.get("CORE"):
        return [r"G_{t}[a,b,d] = W^{H}[b,a]\,W^{I}[b,d]"]
    if roles.get("WH") == r"\mathrm{H}":
        sup = ",l" if net.L > 1 else ""
        return [rf"\mathrm{{H}} = W^{{H{sup}}},\ \mathrm{{I}} = W^{{I{sup}}}"]
    return []


def input_letter(net: RacNetwork) -> str:
    r"""The input label's letter: ``x``, or ``\tilde{x}`` when the legs carry ``(x_t, 1)``."""
    return INPUT_TILDE if net.augmented_input else "x"


def network_scene(
    net: RacNetwork,
    layout: _layout.Layout,
    style: Style,
    *,
    partition: Partition | None = None,
) -> Scene:
    """The scene of a compiled network from its layout (no cut, no title)."""
    g = layout.geometry
    assert isinstance(g, TreeGeometry)  # a network layout's (the MPS's too)
    is_mps = drawn_as_chain(net)
    mode = style.labels if style.labels != "auto" else ("full" if is_mps else g.labels)
    scene = Scene(
        meta={"view": "network", "kind": net.kind, "T": net.T, "L": net.L, **style_meta(style)}
    )
    if net.family != "rac":  # which model the figure shows (the TikZ header says it)
        scene.meta["model"] = type(net.rac).__name__
    shapes = TensorShapes(net, g, style, mode)
    for tid in sorted(net.tn.tensor_map):
        node = scene.add_node(shapes.node(tid, layout.pos[tid], net.places[tid]))
        node.name = tensor_name(net.places[tid], net.L)
        if is_mps and node.role == "H0" and mode != "none":
            text = f"h^{{{net.places[tid].layer}{{,}}0}}"
            x, y = node.x - node.size - 0.05, node.y
            scene.add_text(Text(x, y, text, size=style.font_size, ha="right", owner=node.key))
    shown = set(net.tn.tensor_map)
    _add_bonds(scene, net, layout, style, shown)
    for t in range(1, net.T + 1):
        if ("input", t) in layout.pos:  # one hyperedge dot for every copy of input t
            _add_input_hyperedge(scene, net, layout, style, partition, t)
        else:
            _add_input_legs(scene, net, layout, style, partition, t, shown)
    _one_label_per_kind(scene, net)
    place_dim_labels(scene)
    return scene


def _one_label_per_kind(scene: Scene, net: RacNetwork) -> None:
    """Keep one dimension label per kind of index (M, R or Y), on its longest visible edge."""
    best: dict[str, tuple[float, Edge]] = {}
    for edge in scene.edges:
        if not edge.label:
            continue
        kind = net.index_info(edge.ref).symbol
        length = _visible_length(scene, edge)
        if kind not in best or length >= best[kind][0] - 1e-9:
            best[kind] = (length, edge)
    keep = {id(edge) for _, edge in best.values()}
    for edge in scene.edges:
        if id(edge) not in keep:
            edge.label = None


def _visible_length(scene: Scene, edge: Edge) -> float:
    """Length of the longest segment of ``edge`` outside its end nodes."""
    pts = list(edge.points)
    for i, key in ((0, edge.ends[0]), (-1, edge.ends[1])):
        if key is not None and scene.has_node(key):
            pts[i] = scene.node(key).boundary_point(pts[1 if i == 0 else -2])
    return max(math.dist(a, b) for a, b in zip(pts, pts[1:], strict=False))


def _dim_label(net: RacNetwork, ind: str, dims: bool | str) -> str | None:
    """The dimension label of index ``ind``: its size, or the paper's symbol for it."""
    if not dims:
        return None
    info = net.index_info(ind)
    return info.symbol if dims == "symbolic" else str(info.dim)


def _add_bonds(
    scene: Scene, net: RacNetwork, layout: _layout.Layout, style: Style, shown: set[int]
) -> None:
    """One edge per index that is not an input: a bond, or the class leg of ``W^O``."""
    tn, pos = net.tn, layout.pos
    inputs = set(net.input_inds)
    seen: set[str] = set()
    for tid in sorted(tn.tensor_map):
        for ind in tn.tensor_map[tid].inds:
            if ind in seen or ind in inputs:
                continue
            seen.add(ind)
            holders = sorted(tn.ind_map[ind])
            if len(holders) == 2:
                a, b = holders
                pts, ends, role = [pos[a], pos[b]], (a, b), "bond"
            elif len(holders) == 1:
                out = scene.add_node(
                    Node(("output",), *pos[("output",)], "none", 0.0, role="terminal", name="out")
                )
                pts, ends, role = [pos[holders[0]], (out.x, out.y)], (holders[0], out.key), "leg"
            else:  # pragma: no cover - the compiler makes no other hyperedges
                raise ValueError(f"index {ind!r} joins {len(holders)} tensors")
            label = _dim_label(net, ind, style.dims) if shown.intersection(holders) else None
            dim = tn.ind_size(ind)
            scene.add_edge(
                Edge(
                    pts,
                    ends=ends,
                    ref=ind,
                    role=role,
                    dim=dim,
                    width=bond_width(dim),
                    label=label,
                    label_size=style.font_size,
                )
            )


def _add_input_hyperedge(
    scene: Scene,
    net: RacNetwork,
    layout: _layout.Layout,
    style: Style,
    partition: Partition | None,
    t: int,
) -> None:
    """Input ``t`` of a copy tree: one dot joined to every copy, and one open leg below it."""
    g, pos, fs = layout.geometry, layout.pos, style.font_size
    assert isinstance(g, TreeGeometry)  # a network layout's
    ind = net.input_inds[t - 1]
    dim = net.tn.ind_size(ind)
    color = style.side_color(partition, t)
    dot = scene.add_node(
        Node(
            ("input", t),
            *pos[("input", t)],
            "dot",
            g.input_radius,
            fill=color,
            stroke=color,
            linewidth=0.0,
            role="hyperedge",
            ref=ind,
            name=f"x-{t}",
        )
    )
    term = scene.add_node(
        Node(
            ("terminal", t), *pos[("terminal", t)], "none", 0.0, role="terminal", name=f"x-{t}-end"
        )
    )
    for tid in sorted(net.tn.ind_map[ind]):
        x, y = pos[tid]
        pts = [(x, y), (x, y - g.w_radius - g.drop), (dot.x, dot.y)]
        scene.add_edge(
            Edge(pts, ends=(tid, dot.key), ref=ind, role="hyperleg", dim=dim, width=bond_width(dim))
        )
    scene.add_edge(
        Edge(
            [(dot.x, dot.y), (term.x, term.y)],
            ends=(dot.key, term.key),
            ref=ind,
            role="leg",
            dim=dim,
            width=bond_width(dim),
            label=_dim_label(net, ind, style.dims),
            label_size=fs,
        )
    )
    text, key = style.input_text(t, input_letter(net)), dot.key
    scene.add_text(
        Text(term.x, term.y - 0.04, text, size=fs, color=color, va="top", role="input", owner=key)
    )


def _add_input_legs(
    scene: Scene,
    net: RacNetwork,
    layout: _layout.Layout,
    style: Style,
    partition: Partition | None,
    t: int,
    shown: set[int],
) -> None:
    """Input ``t`` as open legs: one per tensor holding it (the MPS core, or each copy)."""
    g, pos, fs = layout.geometry, layout.pos, style.font_size
    is_mps = drawn_as_chain(net)
    ind = net.input_inds[t - 1]
    dim = net.tn.ind_size(ind)
    color = style.side_color(partition, t)
    label = _dim_label(net, ind, style.dims)
    for copy, tid in enumerate(sorted(net.tn.ind_map[ind]), start=1):
        key: Hashable = ("terminal", t) if is_mps else ("terminal", t, tid)
        term = scene.add_node(
            Node(
                key,
                *pos[key],
                "dot",
                g.input_radius * (0.8 if not is_mps else 1.0),
                fill=color,
                stroke=color,
                linewidth=0.0,
                role="terminal",
                ref=ind if is_mps else None,
                name=f"x-{t}" if is_mps else f"x-{t}-{copy}",
            )
        )
        scene.add_edge(
            Edge(
                [pos[tid], (term.x, term.y)],
                ends=(tid, key),
                ref=ind,
                role="leg",
                dim=dim,
                width=bond_width(dim),
                label=label if tid in shown else None,
                label_size=fs,
            )
        )
        text = style.input_text(t, input_letter(net))
        y = term.y - term.size - 0.05
        scene.add_text(
            Text(term.x, y, text, size=fs, color=color, va="top", role="input", owner=key)
        )


__all__ = ["check_legible", "input_letter", "network_scene", "network_view"]
