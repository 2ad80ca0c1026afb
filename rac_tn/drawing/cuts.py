"""Drawing a computed cut: its elements highlighted, both sides shaded, its value in a legend.

These functions are handed a :class:`~rac_tn.bounds.CutBound` computed elsewhere; they never
compute one.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from typing import TYPE_CHECKING

from rac_tn._format import format_bound
from rac_tn.drawing._shapes import drawn_as_chain
from rac_tn.drawing._tn_parts import box_at, label_cost, rendered_size, sample_line, text_box
from rac_tn.drawing.scene import Curve, Edge, Node, Scene, Text, text_size
from rac_tn.drawing.shading import shade_cut
from rac_tn.drawing.style import Style, View
from rac_tn.drawing.tn_cut import add_factor_labels, factors_text
from rac_tn.results import SEPARATION_RANK

if TYPE_CHECKING:
    from rac_tn.bounds.cut_bound import CutBound, CutElement
    from rac_tn.network.compiled import RacNetwork

#: The roles of the scene nodes that are tensors (see :class:`~rac_tn.network.TensorPlace`):
#: a RAC's, then a model family's CP factors and dense core.
TENSOR_ROLES = ("WH", "WI", "DELTA", "H0", "WO", "CORE", "A", "B", "C", "CORE3")


def check_cut(cut: CutBound, view: View, T: int, net: RacNetwork | None = None) -> CutBound:
    """``cut`` if it can be drawn on ``view`` over ``T`` steps (of ``net``), else an error."""
    if view == "network" and cut.method != "network-cut":
        raise ValueError(
            f"cut is a {cut.method} bound, drawn on the computation grid: pass view='grid' "
            "(the network view draws network cuts)"
        )
    if view == "grid" and cut.method != "symmetric-cut":
        raise ValueError(
            f"cut is a {cut.method} bound, drawn on the tensor network: pass view='network' "
            "(the grid view draws symmetric cuts)"
        )
    if cut.partition is None:
        raise ValueError(
            "cut separates two lists of indices, not a partition of the times: draw a cut "
            "computed for a partition"
        )
    if cut.partition.T != T:
        raise ValueError(f"cut is for T = {cut.partition.T}, but the figure has T = {T}")
    if view == "network" and net is not None and _names_unknown(cut, net):
        raise ValueError("cut was computed on a different network (its tensors are unknown)")
    return cut


def _names_unknown(cut: CutBound, net: RacNetwork) -> bool:
    tids, inds = net.tn.tensor_map, net.tn.ind_map
    for element in cut.cut:
        if element.category == "delta" and element.name not in tids:
            return True
        if element.category in ("bond", "hyperedge") and element.name not in inds:
            return True
    return False


def add_network_cut(scene: Scene, net: RacNetwork, bound: CutBound, style: Style) -> None:
    """Draw a network cut: bonds highlighted, COPY tensors ringed, both sides shaded."""
    check_cut(bound, "network", net.T, net)
    bonds = {e.name for e in bound.cut if e.category == "bond"}
    vertices = {e.name for e in bound.cut if e.category in ("delta", "hyperedge")}
    node_side = _network_sides(scene, bound, vertices)
    for edge in scene.edges:
        if edge.role not in ("bond", "leg"):
            continue
        if edge.ref in bonds or (edge.ref in vertices and _crosses(edge, node_side)):
            _highlight_bond(edge, style)
    for node in scene.nodes:
        if node.ref in vertices and node.role in ("DELTA", "hyperedge"):
            _highlight_vertex(node, style)
    for node in scene.nodes:
        node.side = node_side.get(node.key)
    src_fill, snk_fill = _shades(style, bound.upstream)
    shade_cut(
        scene,
        node_side,
        source_fill=src_fill if style.shade else None,
        sink_fill=snk_fill if style.shade else None,
        curve_color=style.cut_color,
        radius=0.36 * style.scale if drawn_as_chain(net) else 0.24 * style.scale,
        sides=_sides(bound.upstream),
    )
    add_factor_labels(scene, bound, style)
    scene.meta["cut"] = bound
    if style.annotate and scene.curves:
        _annotate(scene, style, bound)


def _crosses(edge: Edge, node_side: dict[Hashable, str]) -> bool:
    """Whether ``edge`` joins the two sides (an input leg of a cut input index)."""
    a, b = (node_side.get(k) for k in edge.ends)
    return {a, b} == {"source", "sink"}


def _input_side(bound: CutBound, t: int) -> str:
    """``'source'`` if input ``t`` is on the upstream side of the cut, else ``'sink'``."""
    assert bound.partition is not None  # check_cut refuses a cut without one
    return "source" if bound.partition.side_of(t) == bound.upstream else "sink"


def _network_sides(scene: Scene, bound: CutBound, vertices: set[Hashable]) -> dict[Hashable, str]:
    """Node keys to ``'source'`` / ``'sink'``, or ``'cut'`` for a cut vertex."""
    node_side: dict[Hashable, str] = {}
    for node in scene.nodes:
        if node.ref in vertices and node.role in ("DELTA", "hyperedge"):
            node_side[node.key] = "cut"
        elif node.role in TENSOR_ROLES:
            node_side[node.key] = "source" if node.ref in bound.side else "sink"
        elif node.role in ("hyperedge", "terminal") and node.key[0] in ("input", "terminal"):
            node_side[node.key] = _input_side(bound, node.key[1])
    wo = next(n for n in scene.nodes if n.role == "WO")
    if scene.has_node(("output",)):  # the class leg goes with W^O
        node_side[("output",)] = node_side[wo.key]
    return node_side


def _highlight_bond(edge: Edge, style: Style) -> None:
    edge.highlight = True
    edge.color = style.cut_color
    edge.width = max(edge.width + 0.6, 1.4)
    if edge.label is not None and edge.label.isdigit():
        edge.label = None  # the cut's factor label says its dimension
    if edge.label_pos is not None and edge.label:  # the cut curve crosses the middle: step aside
        (ax, ay), (bx, by) = edge.points[0], edge.points[-1]
        d = math.hypot(bx - ax, by - ay) or 1.0
        step = text_size(edge.label, edge.label_size)[0] / 2 + 0.07
        edge.label_pos = (
            edge.label_pos[0] - step * (bx - ax) / d,
            edge.label_pos[1] - step * (by - ay) / d,
        )


def _highlight_vertex(node: Node, style: Style) -> None:
    node.highlight = True
    node.stroke = style.cut_color
    node.linewidth = 1.1
    if node.role == "DELTA":
        node.fill = style.cut_color
        node.size *= 1.5


def add_symmetric_cut(scene: Scene, bound: CutBound, style: Style) -> None:
    """Draw a symmetric cut on the grid view: U shaded, its cut nodes ringed with their factors."""
    check_cut(bound, "grid", scene.meta["T"])
    node_side: dict[Hashable, str] = {}
    for node in scene.nodes:
        ref = ("h", node.key[1], node.key[2]) if node.role == "fanout" else node.ref
        if ref is not None:
            node_side[node.key] = "source" if ref in bound.side else "sink"
            node.side = node_side[node.key]
    cut_nodes = {e.name: e for e in bound.cut if e.category == "node"}
    for node in scene.nodes:
        if node.ref in cut_nodes and node.role in ("cell", "input"):
            _ring_with_factor(scene, node, cut_nodes[node.ref], style)
    src_fill, snk_fill = _shades(style, bound.upstream)
    shade_cut(
        scene,
        node_side,
        source_fill=src_fill if style.shade else None,
        sink_fill=snk_fill if style.shade else None,
        curve_color=style.cut_color,
        radius=0.36 * style.scale,
        sides=_sides(bound.upstream),
    )
    scene.meta["cut"] = bound
    if style.annotate and scene.curves:
        _annotate(scene, style, bound)


def _ring_with_factor(scene: Scene, node: Node, element: CutElement, style: Style) -> None:
    """Ring a cut node and write its factor (its price in the bound) beside it, clear of all."""
    node.highlight = True
    node.stroke = style.cut_color
    node.linewidth = 1.2
    fs, text = style.font_size, str(element.factor)
    w, h = rendered_size(text, fs)
    hw, hh = node.size, node.half_height
    if node.role == "cell":  # above the cell first: the wires leave it on the right
        spots = [
            (node.x + 0.02 - w / 2, node.y + hh + 0.04 + h / 2),
            (node.x - hw + w / 2, node.y + hh + 0.04 + h / 2),
            (node.x + hw - w / 2, node.y + hh + 0.04 + h / 2),
            (node.x - hw - 0.04 - w / 2, node.y + hh + 0.02 + h / 2),
            (node.x + 0.02 - w / 2, node.y - hh - 0.04 - h / 2),
            (node.x + hw + 0.04 + w / 2, node.y - hh - 0.02 - h / 2),
        ]
        spots += [  # then anywhere along the bands above and below the cell
            (node.x + 0.05 * k, node.y + sign * (hh + 0.03 + h / 2))
            for k in (-2, 2, -4, 4, -6, 6, -8, 8, -10, 10)
            for sign in (1, -1)
        ]
    else:  # below the input's own label, then beside the dot
        spots = [
            (node.x, node.y - node.size - 0.34 - h / 2),
            (node.x + node.size + 0.05 + w / 2, node.y),
        ]
    taken = [n.extent() for n in scene.nodes if n.shape != "none"]
    taken += [text_box(t) for t in scene.texts]
    taken += [
        box_at(e.label_pos, rendered_size(e.label, e.label_size))
        for e in scene.edges
        if e.label and e.label_pos is not None
    ]
    lines = [p for e in scene.edges for p in sample_line(e.points)]
    costs = [
        label_cost(box_at(at, (w, h)), taken, lines, 0.03) + 0.01 * i for i, at in enumerate(spots)
    ]
    x, y = spots[costs.index(min(costs))]
    label = Text(x, y, text, size=fs, color=style.cut_color)
    label.role, label.owner = "cut factor", node.key
    scene.add_text(label)


#: How the legend names what a cut bounds (CutBound.quantity).
QUANTITY_TEXT = {
    "separation rank": r"\mathrm{separation\ rank}",
    "grid-tensor rank": r"\mathrm{grid\text{-}tensor\ rank}",
}


def legend_texts(bound: CutBound) -> list[str]:
    r"""The legend of a drawn cut, most detailed first: which rank, the factors, their product.

    A symmetric cut of the separation rank spells each node's price ``((dim, degree))`` (the
    number of multisets of size ``degree`` from ``dim`` elements), then the factors drawn
    beside the nodes, then the bound; a network cut its factors (the dimensions, a COPY tensor
    or input index once), then the bound. The last entry is the bound alone.
    """
    what = QUANTITY_TEXT.get(bound.quantity, r"\mathrm{rank}")
    value = format_bound(bound.value, bound.log2)
    out = []
    if bound.method == "symmetric-cut":
        factors = " \\cdot ".join(str(e.factor) for e in bound.cut)
        if bound.quantity == SEPARATION_RANK:
            prices = " \\cdot ".join(f"(\\!({e.dim},{e.degree})\\!)" for e in bound.cut)
            out.append(f"{prices} = {factors}")
    else:
        factors = factors_text(bound.cut)
    if len(bound.cut) > 1 and factors != value:
        out.append(factors)
    texts = [f"{what} \\leq {part} = {value}" for part in out] + [f"{what} \\leq {value}"]
    if bound.method == "network-cut" and all(e.category == "hyperedge" for e in bound.cut):
        note = r"\ \mathrm{(the\ trivial\ cut{:}\ the\ inputs)}"
        texts = [t + note for t in texts] + texts
    return texts


def legend_text(bound: CutBound) -> str:
    r"""The legend of a drawn cut: which rank it bounds, the product of its factors, the bound."""
    return legend_texts(bound)[0]


def _annotate(scene: Scene, style: Style, bound: CutBound) -> None:
    """Add a legend above the top left corner: a dashed sample of the cut curve, its value.

    The most detailed legend that fits the figure (or the page width, if the figure is
    narrower than the shortest legend) is drawn.
    """
    size = style.font_size + 1
    x0, _, x1, y1 = scene.bbox()
    x0 += scene.margin
    texts = legend_texts(bound)
    room = max(x1 - scene.margin - x0 - 0.55, rendered_size(texts[-1], size)[0])
    room = min(room, style.width - 2 * scene.margin - 0.55)
    legend = next((t for t in texts if rendered_size(t, size)[0] <= room), texts[-1])
    tops = [text_box(t)[3] for t in scene.texts]
    y = max(y1 + 0.08, max(tops, default=y1) + rendered_size(legend, size)[1] / 2 + 0.06)
    scene.curves.append(Curve([(x0, y), (x0 + 0.45, y)], color=style.cut_color, width=1.0))
    text = Text(x0 + 0.55, y, legend, size=size, color=style.cut_color, ha="left")
    text.role = "legend"
    scene.add_text(text)
    scene.meta["legend"] = text.text


def _sides(upstream: str) -> tuple[str, str]:
    """Which part of the partition the source and the sink regions shade."""
    return (upstream, "end" if upstream == "start" else "start")


def _shades(style: Style, upstream: str) -> tuple[str, str]:
    """The fills of the upstream (source) side and of the other side."""
    start, end = style.side_shade("start"), style.side_shade("end")
    return (start, end) if upstream == "start" else (end, start)


__all__ = [
    "TENSOR_ROLES",
    "add_network_cut",
    "add_symmetric_cut",
    "check_cut",
    "legend_text",
    "legend_texts",
]
