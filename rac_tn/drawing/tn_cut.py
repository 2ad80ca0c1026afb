r"""Drawing a computed cut of any tensor network: the closed curve, its factors, its value.

The cut is handed over as a :class:`~rac_tn.bounds.CutBound` (from
:func:`rac_tn.bounds.network_cut_bound` between two sets of open indices); nothing here computes
one. Both sides are shaded, the cut bonds drawn in the cut's colour, each labelled with its
dimension (a COPY tensor or hyperedge once, beside its dot), and the legend reads
``rank <= 3 . 3 = 9``: the product of those factors.

Examples
--------
>>> from rac_tn.bounds.cut_bound import CutElement
>>> factors_text([CutElement("bond", "a", 3, 1, 3), CutElement("delta", 4, 2, 1, 2),
...               CutElement("bond", "b", 3, 1, 3)])
'2 \\cdot 3^{2}'
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from rac_tn._format import format_bound
from rac_tn.drawing._curves import sample_smooth_cycle
from rac_tn.drawing._tn_parts import (
    box_at,
    label_cost,
    label_spots,
    rendered_size,
    text_box,
    visible,
)
from rac_tn.drawing.scene import Box, Curve, Edge, Node, Scene, Text
from rac_tn.drawing.shading import shade_cut
from rac_tn.drawing.style import Style

if TYPE_CHECKING:
    from rac_tn.bounds.cut_bound import CutBound, CutElement

__all__ = ["add_factor_labels", "add_tn_cut", "check_tn_cut", "factors_text", "legend_text"]


def check_tn_cut(cut: CutBound, tensor_ids: Sequence[Hashable], inds: Sequence[str]) -> CutBound:
    """``cut`` if it is a network cut of a network with these tensors and indices, else an error.

    The ValueError says why it cannot be drawn on that network.
    """
    if cut.method != "network-cut":
        raise ValueError(f"cut is a {cut.method} bound; a tensor network draws network cuts")
    if cut.index_sides is None:
        raise ValueError("cut has no index sides: compute it with network_cut_bound(tn, sides)")
    tids, names = set(tensor_ids), set(inds)
    for element in cut.cut:
        known = element.name in tids if element.category == "delta" else element.name in names
        if not known:
            raise ValueError("cut was computed on a different network (its elements are unknown)")
    for side in cut.index_sides:
        if not set(side) <= names:
            raise ValueError("cut was computed on a different network (its indices are unknown)")
    return cut


def factors_text(elements: Sequence[CutElement]) -> str:
    r"""The cut's factors as math, equal ones as powers: ``2 \cdot 3^{2}``."""
    counts = Counter(e.factor for e in elements)
    parts = [f"{f}^{{{k}}}" if k > 1 else f"{f}" for f, k in sorted(counts.items())]
    return " \\cdot ".join(parts) if parts else "1"


def legend_text(bound: CutBound) -> str:
    r"""``\mathrm{rank} \leq`` the product of the factors ``=`` the value (or just the value)."""
    value = format_bound(bound.value, bound.log2)
    product = factors_text(bound.cut)
    if len(bound.cut) <= 1 or product == value:
        return f"\\mathrm{{rank}} \\leq {value}"
    return f"\\mathrm{{rank}} \\leq {product} = {value}"


def add_tn_cut(scene: Scene, bound: CutBound, style: Style) -> None:
    """Draw ``bound`` on a scene of :func:`~rac_tn.drawing.tn_view.tn_view`."""
    tids = [n.ref for n in scene.nodes if n.role in ("tensor", "DELTA")]
    inds = {e.ref for e in scene.edges} | {n.ref for n in scene.nodes if n.role == "terminal"}
    check_tn_cut(bound, tids, sorted(inds, key=str))
    if bound.index_sides is None:
        raise ValueError("bound is not a cut of a quimb network's open indices (no index_sides)")
    left, right = (set(side) for side in bound.index_sides)
    bonds = {e.name for e in bound.cut if e.category == "bond"}
    vertices = {e.name for e in bound.cut if e.category in ("delta", "hyperedge")}
    node_side = _sides(scene, bound, vertices, left, right)
    for edge in scene.edges:
        if edge.role in ("bond", "leg") and (
            edge.ref in bonds or (edge.ref in vertices and _crosses(edge, node_side))
        ):
            _highlight(edge, style)
    for node in scene.nodes:
        node.side = node_side.get(node.key, node.side)
        if node.role in ("DELTA", "hyperedge") and node.ref in vertices:
            node.highlight, node.stroke, node.linewidth = True, style.cut_color, 1.1
            node.fill = style.cut_color
            node.size *= 1.35
    fills = (style.side_shade("start"), style.side_shade("end"))
    shade_cut(
        scene,
        node_side,
        source_fill=fills[0] if style.shade else None,
        sink_fill=fills[1] if style.shade else None,
        curve_color=style.cut_color,
        radius=0.3 * style.scale,
        close=0.75 * style.scale,
        sides=("start", "end"),
    )
    add_factor_labels(scene, bound, style)
    scene.meta["cut"] = bound
    if style.annotate and scene.curves:
        _legend(scene, style, bound)


def _sides(
    scene: Scene, bound: CutBound, vertices: set, left: set, right: set
) -> dict[Hashable, str]:
    """Node keys to ``'source'`` (the left side), ``'sink'``, or ``'cut'`` (a cut vertex)."""
    side: dict[Hashable, str] = {}
    for node in scene.nodes:
        if node.role in ("tensor", "DELTA", "hyperedge"):
            if node.role != "tensor" and node.ref in vertices:
                side[node.key] = "cut"
            else:
                side[node.key] = "source" if node.ref in bound.side else "sink"
    holders = {}
    for edge in scene.edges:
        if edge.role == "leg":
            holders[edge.ends[1]] = edge.ends[0]
        elif edge.ends[1] is not None and isinstance(edge.ends[1], tuple):
            if edge.ends[1][0] == "wrap":  # a stub goes with the tensor at its other end
                holders[edge.ends[1]] = edge.ends[0]
    for node in scene.nodes:
        if node.role == "terminal":
            if node.ref in left:
                side[node.key] = "source"
            elif node.ref in right:
                side[node.key] = "sink"
            else:
                side[node.key] = side.get(holders.get(node.key), "sink")
    for node in scene.nodes:
        if node.role == "wrap":
            ind, k = node.key[1], node.key[2]
            other = scene.node(("wrap", ind, 1 - k))
            side[node.key] = side.get(holders.get(other.key), "sink")
    return side


def _crosses(edge: Edge, node_side: dict[Hashable, str]) -> bool:
    a, b = (node_side.get(k) for k in edge.ends)
    return {a, b} == {"source", "sink"}


def _highlight(edge: Edge, style: Style) -> None:
    edge.highlight = True
    edge.color = style.cut_color
    edge.width = max(edge.width + 0.6, 1.4)
    edge.label = None  # the cut's factor label says its dimension


# -- the factors beside the cut, and the legend -------------------------------------------------


def add_factor_labels(scene: Scene, bound: CutBound, style: Style) -> None:
    """Each cut element's factor in the cut's colour, beside it, where it covers nothing."""
    curve = np.asarray([p for c in scene.curves for p in sample_smooth_cycle(c.points, 12)])
    taken = _taken(scene)
    fs = style.font_size
    for element in bound.cut:
        text = str(element.factor)
        size = rendered_size(text, fs)
        spots = _spots(scene, element, size)
        if not spots:
            continue
        anchors = _anchors(scene, element)
        best = min(
            spots, key=lambda s: 4 * label_cost(box_at(s[0], size), taken, curve, 0.03) + s[1]
        )
        (x, y), _ = best
        label = Text(x, y, text, size=fs, color=style.cut_color, role="cut factor")
        label.owner, label.anchors = ("cut", element.category, element.name), anchors
        scene.add_text(label)
        taken.append(box_at((x, y), size))


def _taken(scene: Scene) -> list[Box]:
    boxes = [n.extent() for n in scene.nodes if n.shape != "none"]
    boxes += [text_box(t) for t in scene.texts]
    for e in scene.edges:
        if e.label and e.label_pos is not None:
            boxes.append(box_at(e.label_pos, rendered_size(e.label, e.label_size)))
    return boxes


def _spots(scene: Scene, element: CutElement, size: tuple[float, float]) -> list:
    """Candidate label centres with a small preference cost (nearer the crossing is better)."""
    w, h = size
    if element.category in ("delta", "hyperedge"):
        node = _vertex_node(scene, element)
        if node is not None:
            angles = [math.radians(d) for d in (45, 135, -45, -135, 90, -90, 0, 180, 60, 120)]
            return [
                (
                    (node.x + (r + w / 2) * math.cos(a), node.y + (r + h / 2) * math.sin(a)),
                    0.01 * i + 0.05 * k,
                )
                for k, r in enumerate((node.size + 0.05, node.size + 0.2, node.size + 0.35))
                for i, a in enumerate(angles)
            ]
    edges = [e for e in scene.edges if e.ref == element.name and e.highlight]
    edges = edges or [e for e in scene.edges if e.ref == element.name and e.role == "leg"]
    if not edges:
        return []
    fracs = (0.27, 0.73, 0.17, 0.83, 0.37, 0.63, 0.1, 0.9)
    return label_spots(visible(scene, edges[0]), size, fracs, far=True)


def _anchors(scene: Scene, element: CutElement) -> tuple:
    """The nodes a factor label goes with: the cut vertex, or the two ends of the cut bond."""
    node = _vertex_node(scene, element) if element.category in ("delta", "hyperedge") else None
    if node is not None:
        return (node.key,)
    edges = [e for e in scene.edges if e.ref == element.name and e.highlight]
    edges = edges or [e for e in scene.edges if e.ref == element.name and e.role == "leg"]
    return tuple(k for k in edges[0].ends if k is not None) if edges else ()


def _vertex_node(scene: Scene, element: CutElement) -> Node | None:
    for node in scene.nodes:
        if node.role in ("DELTA", "hyperedge") and node.ref == element.name:
            return node
    return None


def _legend(scene: Scene, style: Style, bound: CutBound) -> None:
    """A legend above the top left corner: a dashed sample of the cut curve, then the bound."""
    x0, _, _, y1 = scene.bbox()
    x0 += scene.margin
    tops = [b[3] for b in _taken(scene)]  # labels as the renderer lays them out
    text_h = rendered_size(legend_text(bound), style.font_size + 1)[1]
    y = max(y1 + 0.08, max(tops, default=y1) + text_h / 2 + 0.06)
    scene.curves.append(Curve([(x0, y), (x0 + 0.45, y)], color=style.cut_color, width=1.0))
    text = Text(
        x0 + 0.55, y, legend_text(bound), size=style.font_size + 1, color=style.cut_color, ha="left"
    )
    text.role = "legend"
    scene.add_text(text)
    scene.meta["legend"] = text.text
