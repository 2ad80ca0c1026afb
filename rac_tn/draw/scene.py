"""Backend-free scene primitives for paper figures.

A :class:`Scene` is a flat list of drawing primitives in centimetres: labelled tensor nodes
(circles, boxes, small filled COPY dots, hyperedge dots), edges (polylines whose width grows
with ``log dim``, with optional dimension labels and arrowheads), free text, shaded regions and
dashed cut curves. Both backends (:mod:`rac_tn.draw.mpl`, :mod:`rac_tn.draw.tikz`) render the
same scene at the same physical size, so a figure looks the same as a PDF from matplotlib and
from pdflatex.

Labels are LaTeX math (without the ``$``) restricted to what matplotlib's mathtext also
understands (``W^{H,1}``, ``\\delta``, ``\\mathrm{rank} \\leq 10``); plain-text labels are
escaped by each backend.

Examples
--------
>>> scene = Scene()
>>> _ = scene.add_node(Node("a", 0.0, 0.0, shape="circle", size=0.2, label="W^{H}"))
>>> _ = scene.add_node(Node("b", 1.0, 0.0, shape="dot", size=0.04))
>>> _ = scene.add_edge(Edge([(0.0, 0.0), (1.0, 0.0)], ends=("a", "b"), ref="i0", dim=2))
>>> round(scene.width, 2) > 1.0
True
"""

from __future__ import annotations

import math
import re
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field, fields
from functools import lru_cache

Point = tuple[float, float]

# Palette: colour-blind safe, prints well in greyscale (blue darker than orange).
INK = "#1A1A1A"
GREY = "#8A8A8A"
LIGHT = "#F2F2F2"
WHITE = "#FFFFFF"
START_COLOR = "#2A62A8"
END_COLOR = "#D06A10"
CUT_COLOR = "#C62828"

_CM_PER_PT = 2.54 / 72.0


@dataclass
class Node:
    """A tensor or grid node: ``shape`` in ``'circle' | 'box' | 'dot' | 'none'``.

    ``size`` is the radius (circle, dot) or half-width (box) in cm; ``height`` the half-height
    of a box (default ``size``). ``label`` is drawn centred inside. ``kind`` says what the node
    stands for (``'WH'``, ``'WI'``, ``'DELTA'``, ``'H0'``, ``'WO'``, ``'CORE'``, ``'hyperedge'``,
    ``'input'``, ``'terminal'``, ``'cell'``, ``'output'``, ``'fanout'``) and ``ref`` which
    object (tensor id, index name or grid node).
    """

    key: Hashable
    x: float
    y: float
    shape: str = "circle"
    size: float = 0.15
    height: float | None = None
    label: str | None = None
    label_size: float = 7.0
    label_color: str = INK
    fill: str = WHITE
    stroke: str = INK
    linewidth: float = 0.5
    kind: str = ""
    ref: object = None
    highlight: bool = False
    side: str | None = None

    @property
    def half_height(self) -> float:
        return self.size if self.height is None else self.height

    def extent(self) -> tuple[float, float, float, float]:
        if self.shape == "none":
            return (self.x, self.y, self.x, self.y)
        h = self.half_height if self.shape == "box" else self.size
        return (self.x - self.size, self.y - h, self.x + self.size, self.y + h)

    def boundary_point(self, toward: Point) -> Point:
        """Where the segment from this node's centre to ``toward`` leaves the node."""
        dx, dy = toward[0] - self.x, toward[1] - self.y
        dist = math.hypot(dx, dy)
        if dist == 0.0 or self.shape == "none":
            return (self.x, self.y)
        if self.shape == "box":
            sx = self.size / abs(dx) if dx else math.inf
            sy = self.half_height / abs(dy) if dy else math.inf
            s = min(sx, sy, 1.0)
            return (self.x + s * dx, self.y + s * dy)
        s = min(self.size / dist, 1.0)
        return (self.x + s * dx, self.y + s * dy)


@dataclass
class Edge:
    """A polyline between node centres (drawn under the nodes) or to a free end (open leg).

    ``width`` in pt; ``ref`` names the bond (index name, grid edge); ``kind`` is ``'bond'``,
    ``'leg'`` (open index), ``'hyperleg'`` (one leg of a hyperedge) or ``'wire'`` (grid view).
    ``arrow`` puts an arrowhead at the last point, which should then lie on the target's boundary.
    """

    points: list[Point]
    ends: tuple[Hashable | None, Hashable | None] = (None, None)
    ref: object = None
    kind: str = "bond"
    dim: int | None = None
    width: float = 0.8
    color: str = INK
    dashed: bool = False
    label: str | None = None
    label_pos: Point | None = None
    label_size: float = 6.0
    arrow: bool = False
    highlight: bool = False


@dataclass
class Text:
    """Free text at ``(x, y)``; ``ha`` in left/center/right, ``va`` in bottom/center/top."""

    x: float
    y: float
    text: str
    math: bool = True
    size: float = 7.0
    color: str = INK
    ha: str = "center"
    va: str = "center"
    kind: str = ""  # 'input' for the label of an input (shaded with it under a cut)

    def extent(self) -> tuple[float, float, float, float]:
        w, h = text_size(self.text, self.size, math=self.math)
        x0 = {"left": self.x, "center": self.x - w / 2, "right": self.x - w}[self.ha]
        y0 = {"bottom": self.y, "center": self.y - h / 2, "top": self.y - h}[self.va]
        return (x0, y0, x0 + w, y0 + h)


@dataclass
class Region:
    """A filled area: ``rings`` are closed polygons, filled with the even-odd rule."""

    rings: list[list[Point]]
    fill: str
    alpha: float = 1.0


@dataclass
class Curve:
    """A stroked polyline (the cut curve); ``dashed`` for the cut convention."""

    points: list[Point]
    color: str = CUT_COLOR
    width: float = 1.0
    dashed: bool = True


@dataclass
class Scene:
    """Everything a backend draws, in cm, plus ``meta`` (what the figure shows).

    Drawing order: regions, edges, highlighted edges, curves, nodes, texts.
    """

    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)
    regions: list[Region] = field(default_factory=list)
    curves: list[Curve] = field(default_factory=list)
    margin: float = 0.12
    meta: dict = field(default_factory=dict)
    _index: dict = field(default_factory=dict, repr=False)

    def add_node(self, node: Node) -> Node:
        if node.key in self._index:
            raise ValueError(f"duplicate scene node {node.key!r}")
        self._index[node.key] = node
        self.nodes.append(node)
        return node

    def add_edge(self, edge: Edge) -> Edge:
        self.edges.append(edge)
        return edge

    def add_text(self, text: Text) -> Text:
        self.texts.append(text)
        return text

    def node(self, key: Hashable) -> Node:
        return self._index[key]

    def has_node(self, key: Hashable) -> bool:
        return key in self._index

    def bbox(self) -> tuple[float, float, float, float]:
        """``(x0, y0, x1, y1)`` in cm, margin included."""
        boxes = [n.extent() for n in self.nodes]
        boxes += [t.extent() for t in self.texts]
        for e in self.edges:
            xs, ys = zip(*e.points, strict=True)
            boxes.append((min(xs), min(ys), max(xs), max(ys)))
        for r in self.regions:
            for ring in r.rings:
                xs, ys = zip(*ring, strict=True)
                boxes.append((min(xs), min(ys), max(xs), max(ys)))
        for c in self.curves:
            xs, ys = zip(*c.points, strict=True)
            boxes.append((min(xs), min(ys), max(xs), max(ys)))
        if not boxes:
            return (0.0, 0.0, 1.0, 1.0)
        m = self.margin
        return (
            min(b[0] for b in boxes) - m,
            min(b[1] for b in boxes) - m,
            max(b[2] for b in boxes) + m,
            max(b[3] for b in boxes) + m,
        )

    @property
    def width(self) -> float:
        x0, _, x1, _ = self.bbox()
        return x1 - x0

    @property
    def height(self) -> float:
        _, y0, _, y1 = self.bbox()
        return y1 - y0


# ---------------------------------------------------------------------------------------------
# style


@dataclass
class Style:
    """Drawing options, passed as keyword arguments to ``draw`` / ``to_tikz``.

    Attributes
    ----------
    font_size
        Node labels in pt (default 7, the smallest size readable in print).
    labels
        ``'auto'`` (full ``W^{H,l}`` labels where they fit, else the short ``H`` / ``I``),
        ``'full'``, ``'short'`` or ``'none'``.
    dims
        Dimension labels on bonds: ``False``, ``True`` (numbers) or ``'symbolic'`` (M, R, C).
    degrees
        Grid view: label every node with its number of paths to the output (its degree).
    hyperedges
        Network view of a deep RAC: merge the copies of input ``t`` into one hyperedge dot
        (the grid-tensor reading); ``False`` gives every copy its own open leg.
    input_label
        A letter (``'d'`` gives ``d_t``) or a format string with ``{t}``; default ``'d'`` for the
        network view and ``'x'`` for the grid view.
    arrows
        Grid view: arrowheads toward the output.
    shade
        Shade both sides of a cut.
    annotate
        Write the cut's value (``rank <= 16``) next to it.
    title
        Optional plain-text title above the figure.
    scale
        Multiplies every distance (not the fonts).
    start_color, end_color, cut_color
        Colours (``#RRGGBB``) of Start inputs, End inputs and the cut.
    """

    font_size: float = 7.0
    labels: str = "auto"
    dims: bool | str = False
    degrees: bool = False
    hyperedges: bool = True
    input_label: str | None = None
    arrows: bool = True
    shade: bool = True
    annotate: bool = True
    title: str | None = None
    scale: float = 1.0
    start_color: str = START_COLOR
    end_color: str = END_COLOR
    cut_color: str = CUT_COLOR

    @classmethod
    def from_kwargs(cls, **style: object) -> Style:
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(style) - names)
        if unknown:
            raise TypeError(
                f"unknown style option(s) {', '.join(unknown)}; expected some of "
                f"{', '.join(sorted(names))}"
            )
        out = cls(**style)  # type: ignore[arg-type]
        out._validate()
        return out

    def _validate(self) -> None:
        if isinstance(self.font_size, bool) or not isinstance(self.font_size, int | float):
            raise TypeError(f"font_size must be a number, got {self.font_size!r}")
        if not 4 <= self.font_size <= 30:
            raise ValueError(f"font_size must be in 4..30 pt, got {self.font_size}")
        if self.labels not in ("auto", "full", "short", "none"):
            raise ValueError(
                f"labels must be 'auto', 'full', 'short' or 'none', got {self.labels!r}"
            )
        if self.dims not in (True, False, "symbolic"):
            raise ValueError(f"dims must be True, False or 'symbolic', got {self.dims!r}")
        for name in ("degrees", "hyperedges", "arrows", "shade", "annotate"):
            if not isinstance(getattr(self, name), bool):
                raise TypeError(f"{name} must be True or False, got {getattr(self, name)!r}")
        if self.input_label is not None and (
            not isinstance(self.input_label, str) or not self.input_label
        ):
            raise TypeError(f"input_label must be a non-empty string, got {self.input_label!r}")
        if self.title is not None and not isinstance(self.title, str):
            raise TypeError(f"title must be a string, got {type(self.title).__name__}")
        if isinstance(self.scale, bool) or not isinstance(self.scale, int | float):
            raise TypeError(f"scale must be a number, got {self.scale!r}")
        if not 0.1 <= self.scale <= 10:
            raise ValueError(f"scale must be in 0.1..10, got {self.scale}")
        for name in ("start_color", "end_color", "cut_color"):
            value = getattr(self, name)
            if not isinstance(value, str) or not re.fullmatch(r"#[0-9A-Fa-f]{6}", value):
                raise ValueError(f"{name} must be a colour '#RRGGBB', got {value!r}")

    def input_text(self, t: int, default: str) -> str:
        """The math label of input ``t``."""
        spec = self.input_label or default
        if "{t}" in spec:
            return spec.replace("{t}", str(t))
        return f"{spec}_{{{t}}}"


# ---------------------------------------------------------------------------------------------
# helpers shared by the builders and the backends


def bond_width(dim: int | None) -> float:
    """Line width in pt of a bond of dimension ``dim``: grows with ``log2 dim``."""
    if dim is None or dim <= 1:
        return 0.45
    return min(0.45 + 0.3 * math.log2(dim), 3.0)


def shade_of(color: str, amount: float = 0.18) -> str:
    """``color`` mixed with white (``amount`` of the colour)."""
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    mix = [round(255 - (255 - c) * amount) for c in (r, g, b)]
    return "#{:02X}{:02X}{:02X}".format(*mix)


@lru_cache(maxsize=4096)
def text_size(text: str, size: float, *, math: bool = True) -> tuple[float, float]:
    """``(width, height)`` in cm of a label as matplotlib typesets it (LaTeX is within a few
    percent); used to size boxes to their labels and for margins."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    prop = FontProperties(size=size, family="serif", math_fontfamily="cm")
    s = f"${text}$" if math else text.replace("$", r"\$")
    w, h, d = TextToPath().get_text_width_height_descent(s, prop, ismath=math)
    return (float(w) * _CM_PER_PT, float(h + d) * _CM_PER_PT)


def arrow_head(tail: Point, tip: Point, length: float, half_width: float) -> list[Point]:
    """Triangle of an arrowhead pointing from ``tail`` to ``tip`` (in cm)."""
    dx, dy = tip[0] - tail[0], tip[1] - tail[1]
    d = math.hypot(dx, dy) or 1.0
    ux, uy = dx / d, dy / d
    bx, by = tip[0] - ux * length, tip[1] - uy * length
    return [
        tip,
        (bx - uy * half_width, by + ux * half_width),
        (bx + uy * half_width, by - ux * half_width),
    ]


def arrow_size(width_pt: float) -> tuple[float, float]:
    """Arrowhead length and half-width in cm for a line of ``width_pt``."""
    length = 0.11 + 0.02 * width_pt
    return length, 0.45 * length


def polyline_length(points: Sequence[Point]) -> float:
    return sum(math.dist(a, b) for a, b in zip(points, points[1:], strict=False))


def split_polyline(
    points: Sequence[Point], fraction: float = 0.5
) -> tuple[list[Point], list[Point]]:
    """Cut a polyline at ``fraction`` of its length into two polylines."""
    total = polyline_length(points)
    target = fraction * total
    run = 0.0
    for i in range(1, len(points)):
        a, b = points[i - 1], points[i]
        seg = math.dist(a, b)
        if run + seg >= target and seg > 0:
            s = (target - run) / seg
            mid = (a[0] + s * (b[0] - a[0]), a[1] + s * (b[1] - a[1]))
            return [*points[:i], mid], [mid, *points[i:]]
        run += seg
    return list(points), [points[-1]]


# ---------------------------------------------------------------------------------------------
# cut geometry: both sides shaded, a dashed curve between them


def _sample(points: Sequence[Point], step: float) -> list[Point]:
    out = [points[0]]
    for a, b in zip(points, points[1:], strict=False):
        n = max(1, math.ceil(math.dist(a, b) / step))
        out += [
            (a[0] + (b[0] - a[0]) * k / n, a[1] + (b[1] - a[1]) * k / n) for k in range(1, n + 1)
        ]
    return out


def side_samples(
    scene: Scene, node_side: dict[Hashable, str], step: float
) -> tuple[list[Point], list[Point], list[Point]]:
    """Points of the drawing on the source side and on the sink side of a cut, and points on
    neither side (the fanned-out part of hyperedge legs, which crosses other legs).

    ``node_side`` maps node keys to ``'source'``, ``'sink'`` or ``'cut'`` (a cut COPY tensor or
    hyperedge: a vertex of the cut, on neither side). A bond inside one side belongs to it; a
    bond between the sides is split at its middle (the cut crosses it there); a leg of a cut
    vertex belongs to the side of its other end, so the boundary runs through the vertex.
    """
    pts: dict[str, list[Point]] = {"source": [], "sink": []}
    neutral: list[Point] = []
    for n in scene.nodes:
        side = node_side.get(n.key)
        if side in pts:
            pts[side].append((n.x, n.y))
    for e in scene.edges:
        a, b = (node_side.get(k) if k is not None else None for k in e.ends)
        a = a if a in pts else None
        b = b if b in pts else None
        if a is None and b is None:
            continue
        if e.kind == "hyperleg" and a == b:
            # The long legs of different hyperedges cross each other, and no cut can cut a
            # leg (the hyperedge vertex is what gets cut): only their first, vertical part
            # shapes the sides, so the boundary runs smoothly across the fan of legs.
            pts[a] += _sample(e.points[:2], step)
            neutral += _sample(e.points[1:], step)
            continue
        if a is None or b is None or a == b:
            pts[a or b] += _sample(e.points, step)
        else:
            first, second = split_polyline(e.points)
            pts[a] += _sample(first, step)[:-1]
            pts[b] += _sample(second, step)[1:]
    return pts["source"], pts["sink"], neutral


def _smooth(line: list[Point], passes: int = 2) -> list[Point]:
    """Chaikin corner cutting: removes the staircase of a contour traced on a grid."""
    closed = len(line) > 3 and math.dist(line[0], line[-1]) < 1e-9
    for _ in range(passes):
        if len(line) < 3:
            break
        new = [] if closed else [line[0]]
        for p, q in zip(line, line[1:], strict=False):
            new.append((0.75 * p[0] + 0.25 * q[0], 0.75 * p[1] + 0.25 * q[1]))
            new.append((0.25 * p[0] + 0.75 * q[0], 0.25 * p[1] + 0.75 * q[1]))
        if closed:
            new.append(new[0])
        else:
            new.append(line[-1])
        line = new
    return line


def _decimate(line: list[Point], tol: float) -> list[Point]:
    """Drop points closer than ``tol`` to the previous kept point (keeps files small)."""
    out = [line[0]]
    for p in line[1:-1]:
        if math.dist(p, out[-1]) >= tol:
            out.append(p)
    out.append(line[-1])
    return out


def shade_cut(
    scene: Scene,
    node_side: dict[Hashable, str],
    *,
    source_fill: str | None,
    sink_fill: str | None,
    curve_color: str | None,
    radius: float = 0.3,
    close: float = 0.45,
    curve_reach: float = 0.15,
    curve_width: float = 1.0,
    resolution: float = 0.025,
    anchors: Sequence[Point] | None = None,
    floor: float | None = None,
    outside: dict[str, list[Point]] | None = None,
    smooth: float = 0.1,
) -> None:
    """Shade the two sides of a cut and draw the dashed curve between them.

    The boundary is the set of points equally far from both sides' drawings (a Voronoi
    boundary), so it crosses exactly the cut bonds, at their middles, passes through cut
    vertices and never crosses a bond inside one side. Each side is shaded within ``radius``
    of its drawing, with holes narrower than ``2 * close`` filled (a morphological closing), so
    the shading reads as one smooth region; the curve runs ``curve_reach`` beyond it. With
    ``anchors`` (where the cut crosses the drawing: cut vertices, middles of cut bonds), only the
    pieces of the boundary through an anchor are drawn: elsewhere the boundary just separates
    crossing legs of hyperedges, which no cut can cut; for the same reason no curve is drawn
    below ``floor`` (the top of the fan of hyperedge legs). ``outside`` adds points to a side
    that the drawing does not show: what lies beyond a cut open index (its terminal).
    """
    import contourpy
    import numpy as np
    from scipy.ndimage import distance_transform_edt, gaussian_filter
    from scipy.spatial import cKDTree

    src, snk, neutral = side_samples(scene, node_side, resolution / 2)
    if outside:
        src = src + list(outside.get("source", []))
        snk = snk + list(outside.get("sink", []))
    if not src or not snk:
        return
    x0, y0, x1, y1 = scene.bbox()
    pad = radius + close + curve_reach + 3 * resolution
    xs = np.arange(x0 - pad, x1 + pad + resolution, resolution)
    ys = np.arange(y0 - pad, y1 + pad + resolution, resolution)
    gx, gy = np.meshgrid(xs, ys)
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    d_src = cKDTree(np.asarray(src)).query(grid)[0].reshape(gx.shape)
    d_snk = cKDTree(np.asarray(snk)).query(grid)[0].reshape(gx.shape)
    voronoi = d_src - d_snk  # < 0: nearer the source side

    # The shaded area: everything within `radius` of the drawing, holes narrower than
    # 2 * close filled (closing = grow by close, then shrink by close), split by the boundary.
    d_near = np.minimum(d_src, d_snk)
    for text in scene.texts:  # the labels of the inputs are shaded with them
        if text.kind == "input":
            x0t, y0t, x1t, y1t = text.extent()
            neutral.append(((x0t + x1t) / 2, (y0t + y1t) / 2))
    if neutral:  # drawn parts that belong to neither side still get shaded
        d_near = np.minimum(d_near, cKDTree(np.asarray(neutral)).query(grid)[0].reshape(gx.shape))
    grown = d_near <= radius + close
    # signed distance to the grown outline, shifted by close (<= 0 inside the closing), then
    # blurred a little so the outline is a smooth curve rather than a chain of arcs
    signed = distance_transform_edt(~grown) - distance_transform_edt(grown)
    area = gaussian_filter(close + signed * resolution, sigma=smooth / resolution)

    regions = []
    for sign, fill in ((1.0, source_fill), (-1.0, sink_fill)):
        if fill is None:
            continue
        level = np.maximum(area, sign * voronoi)
        gen = contourpy.contour_generator(xs, ys, level, fill_type=contourpy.FillType.OuterOffset)
        polys, offsets = gen.filled(float(level.min()) - 1.0, 0.0)
        rings = []
        for poly, offs in zip(polys, offsets, strict=True):
            for a, b in zip(offs[:-1], offs[1:], strict=True):
                ring = [(float(p[0]), float(p[1])) for p in poly[a:b]]
                if len(ring) >= 3:
                    rings.append(_decimate(_smooth(ring, 1), resolution))
        if rings:
            regions.append(Region(rings, fill))
    scene.regions[:0] = regions

    if curve_color is None:
        return
    keep = (area <= 0) | (d_near <= radius + curve_reach)
    if floor is not None:
        keep &= gy >= floor
    diff = np.ma.masked_array(voronoi, mask=~keep)
    gen = contourpy.contour_generator(xs, ys, diff, line_type=contourpy.LineType.Separate)
    for line in gen.lines(0.0):
        pts = [(float(p[0]), float(p[1])) for p in line]
        if polyline_length(pts) < 2 * radius:
            continue
        if anchors is not None:
            tree = cKDTree(np.asarray(pts))
            if not any(tree.query(a)[0] <= 3 * resolution for a in anchors):
                continue
        pts = _decimate(_smooth(pts), resolution)
        scene.curves.append(Curve(pts, color=curve_color, width=curve_width, dashed=True))


# ---------------------------------------------------------------------------------------------
# builders: network and grid views


TENSOR_KINDS = ("WH", "WI", "DELTA", "H0", "WO", "CORE")


def _side_color(style: Style, partition: object, t: int) -> str:
    if partition is None:
        return INK
    return style.start_color if partition.side_of(t) == "start" else style.end_color


def _dim_text(ind: str, dim: int, mode: bool | str) -> str | None:
    if not mode:
        return None
    if mode == "symbolic":
        return {"d": "M", "c": "C"}.get(ind[:1], "R")
    return str(dim)


def _place_dim_labels(scene: Scene, *, horizontal: str = "above") -> None:
    """Put each dimension label beside the middle of the longest visible segment of its edge
    (the part outside the end nodes): above (or below) a horizontal one, right of a vertical
    one, and outward of a slanted one."""
    for e in scene.edges:
        if not e.label:
            continue
        pts = list(e.points)
        for i, key in ((0, e.ends[0]), (-1, e.ends[1])):
            if key is not None and scene.has_node(key):
                j = 1 if i == 0 else -2
                pts[i] = scene.node(key).boundary_point(pts[j])
        a, b = max(zip(pts, pts[1:], strict=False), key=lambda s: math.dist(*s))
        mx, my = (a[0] + b[0]) / 2, (a[1] + b[1]) / 2
        w, h = text_size(e.label, e.label_size)
        dx, dy = b[0] - a[0], b[1] - a[1]
        if abs(dy) > 2 * abs(dx):  # vertical: on the right
            e.label_pos = (mx + 0.05 + w / 2, my)
        elif abs(dx) > 2 * abs(dy):  # horizontal: above or below
            sign = 1.0 if horizontal == "above" else -1.0
            e.label_pos = (mx, my + sign * (0.04 + h / 2))
        else:
            d = math.hypot(dx, dy) or 1.0
            nx, ny = -dy / d, dx / d
            if ny < 0:
                nx, ny = -nx, -ny
            e.label_pos = (mx + nx * (0.05 + w / 2), my + ny * (0.04 + h / 2))


def network_scene(
    net: object,
    layout: object,
    style: Style,
    *,
    partition: object = None,
) -> Scene:
    """The scene of a compiled network: one node per tensor (``key = ref = tid``), one edge per
    bond (``ref`` = index name), input legs / hyperedge dots coloured by partition side."""
    g = layout.geometry
    tn = net.tn
    L = net.rac.L
    fs = style.font_size
    is_mps = net.kind == "mps"
    mode = style.labels
    if mode == "auto":
        mode = "full" if is_mps else g.labels
    scene = Scene(meta={"view": "network", "kind": net.kind, "T": net.T, "L": L})
    pos = layout.pos

    def sup(letter: str, layer: int) -> str:
        return f"{letter}{{,}}{layer}" if L > 1 else letter

    for tid in sorted(tn.tensor_map):
        p = net.places[tid]
        x, y = pos[tid]
        k = p.role
        if k in ("WH", "WI"):
            letter = "H" if k == "WH" else "I"
            short = f"\\mathrm{{{letter}}}"
            label = {"full": f"W^{{{sup(letter, p.layer)}}}", "short": short}.get(mode)
            if mode == "full":  # W^{H,l} is wider than tall: a box
                node = Node(
                    tid, x, y, "box", g.w_radius, height=g.w_half_height, label=label, label_size=fs
                )
            else:
                node = Node(tid, x, y, "circle", g.w_radius, label=label, label_size=fs)
        elif k == "DELTA":
            node = Node(tid, x, y, "dot", g.delta_radius, fill=INK, linewidth=0.0)
        elif k == "H0":
            node = Node(tid, x, y, "circle", g.h0_radius * (1.3 if is_mps else 1.0))
            if is_mps and mode != "none":
                scene.add_text(
                    Text(x - node.size - 0.05, y, f"h^{{{p.layer}{{,}}0}}", size=fs, ha="right")
                )
        elif k == "CORE":
            label = f"G_{{{p.time}}}" if mode != "none" else None
            node = Node(tid, x, y, "circle", g.core_radius, label=label, label_size=fs)
        elif k == "WO":
            size = g.core_radius if is_mps else g.wo_size
            label = "W^{O}" if mode != "none" else None
            if label:
                size = max(size, text_size(label, fs)[0] / 2 + 0.06)
            node = Node(
                tid,
                x,
                y,
                "box",
                size,
                height=g.core_radius if is_mps else g.wo_size,
                label=label,
                label_size=fs,
            )
            node.fill = LIGHT
        else:
            raise ValueError(f"unexpected tensor kind {k!r}")
        node.kind, node.ref = k, tid
        scene.add_node(node)

    def shown(tid: int) -> bool:
        # Dimension labels on every bond of a copy tree would bury it: label the bonds of the
        # last column (the root copy and the copies below it), which show every kind of bond.
        route = net.places[tid].route
        return is_mps or set(route) <= {"i"}

    inputs = set(net.input_inds)
    seen: set[str] = set()
    for tid in sorted(tn.tensor_map):
        for ind in tn.tensor_map[tid].inds:
            if ind in seen or ind in inputs:
                continue
            seen.add(ind)
            holders = sorted(tn.ind_map[ind])
            dim = tn.ind_size(ind)
            width = bond_width(dim)
            if len(holders) == 2:
                a, b = holders
                pts = [pos[a], pos[b]]
                ends: tuple = (a, b)
                kind = "bond"
            elif len(holders) == 1:
                out = scene.add_node(
                    Node(("output",), *pos[("output",)], "none", 0.0, kind="terminal")
                )
                pts, ends, kind = [pos[holders[0]], (out.x, out.y)], (holders[0], out.key), "leg"
            else:  # pragma: no cover - the compiler makes no other hyperedges
                raise ValueError(f"index {ind!r} joins {len(holders)} tensors")
            label = _dim_text(ind, dim, style.dims) if any(map(shown, holders)) else None
            scene.add_edge(
                Edge(
                    pts,
                    ends=ends,
                    ref=ind,
                    kind=kind,
                    dim=dim,
                    width=width,
                    label=label,
                    label_size=fs,
                )
            )

    for t, ind in enumerate(net.input_inds, start=1):
        holders = sorted(tn.ind_map[ind])
        dim = tn.ind_size(ind)
        color = _side_color(style, partition, t)
        text = style.input_text(t, "d")
        width = bond_width(dim)
        label = _dim_text(ind, dim, style.dims)
        if ("input", t) in pos:  # one hyperedge dot for every copy of input t
            dot = scene.add_node(
                Node(
                    ("input", t),
                    *pos[("input", t)],
                    "dot",
                    g.input_radius,
                    fill=color,
                    stroke=color,
                    linewidth=0.0,
                    kind="hyperedge",
                    ref=ind,
                )
            )
            term = scene.add_node(Node(("terminal", t), *pos[("terminal", t)], "none", 0.0))
            term.kind = "terminal"
            for tid in holders:
                x, y = pos[tid]
                pts = [(x, y), (x, y - g.w_radius - g.drop), (dot.x, dot.y)]
                scene.add_edge(
                    Edge(pts, ends=(tid, dot.key), ref=ind, kind="hyperleg", dim=dim, width=width)
                )
            pts = [(dot.x, dot.y), (term.x, term.y)]
            scene.add_edge(
                Edge(
                    pts,
                    ends=(dot.key, term.key),
                    ref=ind,
                    kind="leg",
                    dim=dim,
                    width=width,
                    label=label,
                    label_size=fs,
                )
            )
            scene.add_text(
                Text(term.x, term.y - 0.04, text, size=fs, color=color, va="top", kind="input")
            )
            continue
        for tid in holders:
            key = ("terminal", t) if is_mps else ("terminal", t, tid)
            leg_label = label if shown(tid) else None
            tx, ty = pos[key]
            term = scene.add_node(
                Node(
                    key,
                    tx,
                    ty,
                    "dot",
                    g.input_radius * (0.8 if not is_mps else 1.0),
                    fill=color,
                    stroke=color,
                    linewidth=0.0,
                    kind="terminal",
                    ref=ind if is_mps else None,
                )
            )
            pts = [pos[tid], (tx, ty)]
            scene.add_edge(
                Edge(
                    pts,
                    ends=(tid, key),
                    ref=ind,
                    kind="leg",
                    dim=dim,
                    width=width,
                    label=leg_label,
                    label_size=fs,
                )
            )
            scene.add_text(
                Text(tx, ty - term.size - 0.05, text, size=fs, color=color, va="top", kind="input")
            )
    _place_dim_labels(scene)
    return scene


def grid_scene(
    L: int,
    T: int,
    layout: object,
    style: Style,
    *,
    partition: object = None,
    dims: dict | None = None,
    paths: dict | None = None,
) -> Scene:
    """The computation grid: cells ``('h', l, t)`` as labelled boxes, inputs ``('x', t)``
    coloured by partition side, the output ``('y',)``; wires run right and up, a dot marks
    where a hidden state fans out to two successors. ``dims`` (``{'M':, 'R':, 'C':}``) labels
    the wires; ``paths`` (node -> number of paths to the output) labels the nodes."""
    g = layout.geometry
    pos = layout.pos
    fs = style.font_size
    scene = Scene(meta={"view": "grid", "T": T, "L": L})
    mode = "full" if style.labels == "auto" else style.labels

    for t in range(1, T + 1):
        color = _side_color(style, partition, t)
        x, y = pos[("x", t)]
        fill = color if partition is not None else WHITE
        scene.add_node(
            Node(
                ("x", t),
                x,
                y,
                "circle",
                g.input_radius,
                fill=fill,
                stroke=color,
                kind="input",
                ref=("x", t),
            )
        )
        scene.add_text(
            Text(
                x,
                y - g.input_radius - 0.05,
                style.input_text(t, "x"),
                size=fs,
                color=color,
                va="top",
                kind="input",
            )
        )
        for k in range(1, L + 1):
            cx, cy = pos[("h", k, t)]
            label = {"full": f"h^{{{k}{{,}}{t}}}", "short": None, "none": None}[mode]
            scene.add_node(
                Node(
                    ("h", k, t),
                    cx,
                    cy,
                    "box",
                    g.cell,
                    height=g.cell_h,
                    label=label,
                    label_size=fs,
                    kind="cell",
                    ref=("h", k, t),
                )
            )
    yx, yy = pos[("y",)]
    scene.add_node(
        Node(
            ("y",),
            yx,
            yy,
            "box",
            g.cell_h,
            label="y" if mode != "none" else None,
            label_size=fs,
            fill=LIGHT,
            kind="output",
            ref=("y",),
        )
    )

    def wire(
        points: list[Point], u: Hashable, v: Hashable, ref: object, dim: int | None, arrow: bool
    ) -> None:
        target = scene.node(v) if scene.has_node(v) else None
        pts = list(points)
        if arrow and target is not None:
            pts[-1] = target.boundary_point(pts[-2])
        symbol = "M" if u[0] == "x" else ("C" if v == ("y",) else "R")
        # every wire of one kind has the same dimension: label the inputs, the output and,
        # for the hidden states, only the upward wires leaving the first column
        representative = (
            u[0] == "x"
            or v == ("y",)
            or (u[0] in ("fan", "h") and u[2] == 1 and v[0] == "h" and v[1] > u[1])
        )
        label = None
        if style.dims and dim is not None and representative:
            label = symbol if style.dims == "symbolic" else str(dim)
        scene.add_edge(
            Edge(
                pts,
                ends=(u, v),
                ref=ref,
                kind="wire",
                dim=dim,
                width=bond_width(dim),
                arrow=arrow and style.arrows and target is not None,
                label=label,
                label_size=fs,
            )
        )

    dims = dims or {}
    M, R, C = dims.get("M"), dims.get("R"), dims.get("C")
    for t in range(1, T + 1):
        u, v = ("x", t), ("h", 1, t)
        wire([pos[u], pos[v]], u, v, (u, v), M, True)
    for k in range(1, L + 1):
        for t in range(1, T + 1):
            u = ("h", k, t)
            x, y = pos[u]
            right = ("h", k, t + 1) if t < T else None
            up = ("h", k + 1, t) if k < L else (("y",) if t == T else None)
            if right is not None and up is not None:  # fan-out: one dot, two wires
                fan = ("fan", k, t)
                fx, fy = pos[fan]
                scene.add_node(
                    Node(
                        fan,
                        fx,
                        fy,
                        "dot",
                        g.fan_radius,
                        fill=INK,
                        linewidth=0.0,
                        kind="fanout",
                        ref=fan,
                    )
                )
                wire([(x, y), (fx, fy)], u, fan, (u, "fan"), R, False)
                wire([(fx, fy), pos[right]], fan, right, (u, right), R, True)
                wire([(fx, fy), pos[up]], fan, up, (u, up), R, True)
            elif right is not None:
                wire([(x, y), pos[right]], u, right, (u, right), R, True)
            elif up is not None:
                corner = pos[("fan", k, t)]
                wire([(x, y), corner, pos[up]], u, up, (u, up), C if up == ("y",) else R, True)

    if paths is not None:
        for node in scene.nodes:
            if node.ref in paths and node.kind in ("cell", "input"):
                n = paths[node.ref]
                if node.kind == "cell":  # below left: no wire passes there
                    tx, ty = node.x - 0.06, node.y - node.half_height - 0.03
                    scene.add_text(Text(tx, ty, str(n), size=fs, color=GREY, ha="right", va="top"))
                else:
                    scene.add_text(
                        Text(
                            node.x - node.size - 0.05,
                            node.y,
                            str(n),
                            size=fs,
                            color=GREY,
                            ha="right",
                        )
                    )
    _place_dim_labels(scene, horizontal="below")
    return scene


def add_title(scene: Scene, style: Style) -> None:
    """The plain-text ``style.title`` centred above everything else (cut legend included)."""
    if not style.title:
        return
    x0, _, x1, y1 = scene.bbox()
    scene.add_text(
        Text((x0 + x1) / 2, y1, style.title, math=False, size=style.font_size + 1, va="bottom")
    )


# ---------------------------------------------------------------------------------------------
# cuts


def format_value(value: int, log2: float | None = None) -> str:
    """``10``, ``2^{40}`` or ``2^{43.2}`` (math) for a bound's value."""
    if value < 10**6:
        return f"{value}"
    if value & (value - 1) == 0:
        return f"2^{{{value.bit_length() - 1}}}"
    lg = math.log2(value) if log2 is None else log2
    return f"2^{{{lg:.1f}}}"


def _annotate(scene: Scene, style: Style, text: str) -> None:
    """A legend above the top left corner: a dashed sample of the cut curve and its value."""
    size = style.font_size + 1
    x0, _, _, y1 = scene.bbox()
    x0 += scene.margin
    y = y1 + 0.08
    scene.curves.append(Curve([(x0, y), (x0 + 0.45, y)], color=style.cut_color, width=1.0))
    scene.add_text(Text(x0 + 0.55, y, text, size=size, color=style.cut_color, ha="left"))


def _shades(style: Style, source: str) -> tuple[str, str]:
    start, end = shade_of(style.start_color), shade_of(style.end_color)
    return (start, end) if source == "start" else (end, start)


def _fan_top(scene: Scene, anchors: list[Point]) -> float | None:
    """The height where the legs of the input hyperedges start to fan out (None: no fan, or a
    cut element lies inside it)."""
    tops = [e.points[1][1] for e in scene.edges if e.kind == "hyperleg" and len(e.points) > 2]
    if not tops:
        return None
    top = max(tops)
    if any(y < top for _, y in anchors):
        return None
    return top


def add_network_cut(scene: Scene, net: object, bound: object, style: Style) -> None:
    """Draw a network-cut ``CutBound``: its bonds highlighted, its COPY tensors / hyperedges
    ringed, both sides shaded, the dashed curve through the cut and the value annotated."""
    bonds = {e.name for e in bound.cut if e.category == "bond"}
    vertices = {e.name for e in bound.cut if e.category in ("delta", "hyperedge")}
    partition, source = bound.partition, bound.upstream
    node_side: dict[Hashable, str] = {}
    for node in scene.nodes:
        if node.ref in vertices:  # a cut COPY tensor or hyperedge: on the boundary
            node_side[node.key] = "cut"
        elif node.kind in TENSOR_KINDS:
            node_side[node.key] = "source" if node.ref in bound.side else "sink"
        elif node.kind in ("hyperedge", "terminal") and node.key[0] in ("input", "terminal"):
            # an input (its dot, its leg's end) is a terminal of the flow: its side is its part
            t = node.key[1]
            node_side[node.key] = "source" if partition.side_of(t) == source else "sink"
    wo = next(n for n in scene.nodes if n.kind == "WO")
    if scene.has_node(("output",)):  # the class leg goes with W^O
        node_side[("output",)] = node_side[wo.key]
    for edge in scene.edges:
        if edge.ref in bonds and edge.kind in ("bond", "leg"):
            edge.highlight = True
            edge.color = style.cut_color
            edge.width = max(edge.width + 0.6, 1.4)
            if edge.label_pos is not None:  # the cut curve crosses the middle: step aside
                (ax, ay), (bx, by) = edge.points[0], edge.points[-1]
                d = math.hypot(bx - ax, by - ay) or 1.0
                w = text_size(edge.label, edge.label_size)[0]
                step = w / 2 + 0.07
                edge.label_pos = (
                    edge.label_pos[0] - step * (bx - ax) / d,
                    edge.label_pos[1] - step * (by - ay) / d,
                )
    for node in scene.nodes:
        if node.ref in vertices and node.kind in ("DELTA", "hyperedge", "terminal"):
            node.highlight = True
            node.stroke = style.cut_color
            node.linewidth = 1.1
            if node.kind == "DELTA":
                node.fill = style.cut_color
                node.size *= 1.5
    for node in scene.nodes:
        node.side = node_side.get(node.key)
    # A cut open index (the input leg of an MPS core) separates the core from the outside world
    # beyond the leg's end, which sits on the side of the partition it belongs to.
    outside: dict[str, list[Point]] = {"source": [], "sink": []}
    for node in scene.nodes:
        if node.kind == "terminal" and node_side.get(node.key) == "cut":
            t = node.key[1]
            side = "source" if partition.side_of(t) == source else "sink"
            for k in range(1, 9):
                outside[side].append((node.x, node.y - node.size - 0.04 * k))
    anchors = [(n.x, n.y) for n in scene.nodes if n.highlight]
    anchors += [split_polyline(e.points)[1][0] for e in scene.edges if e.highlight]
    src_fill, snk_fill = _shades(style, source)
    shade_cut(
        scene,
        node_side,
        source_fill=src_fill if style.shade else None,
        sink_fill=snk_fill if style.shade else None,
        curve_color=style.cut_color,
        radius=0.24 * style.scale if net.kind != "mps" else 0.42 * style.scale,
        anchors=anchors,
        floor=_fan_top(scene, anchors),
        outside=outside,
    )
    scene.meta["cut"] = bound
    if style.annotate:
        what = r"\mathrm{rank}" if bound.quantity == "grid-tensor rank" else r"\mathrm{sep}"
        _annotate(scene, style, f"{what} \\leq {format_value(bound.value, bound.log2)}")


def add_symmetric_cut(scene: Scene, bound: object, style: Style) -> None:
    """Draw a symmetric-cut ``CutBound`` on the grid view: the node set U shaded, its cut nodes
    ringed and labelled with their degree ``deg_U``, the dashed boundary, the value."""
    U = bound.side
    cut_nodes = {e.name: e for e in bound.cut if e.category == "node"}
    node_side: dict[Hashable, str] = {}
    for node in scene.nodes:
        ref = node.ref
        if node.kind == "fanout":
            ref = ("h", node.key[1], node.key[2])
        if ref is None:
            continue
        node_side[node.key] = "source" if ref in U else "sink"
        node.side = node_side[node.key]
    fs = style.font_size
    for node in scene.nodes:
        if node.ref in cut_nodes and node.kind in ("cell", "input"):
            element = cut_nodes[node.ref]
            node.highlight = True
            node.stroke = style.cut_color
            node.linewidth = 1.2
            text = f"{element.degree}"
            if node.kind == "cell":  # above the cell: the wires leave it on the right
                scene.add_text(
                    Text(
                        node.x - 0.05,
                        node.y + node.half_height + 0.04,
                        text,
                        size=fs,
                        color=style.cut_color,
                        va="bottom",
                    )
                )
            else:  # below the input's own label
                scene.add_text(
                    Text(
                        node.x,
                        node.y - node.size - 0.34,
                        text,
                        size=fs,
                        color=style.cut_color,
                        va="top",
                    )
                )
    src_fill, snk_fill = _shades(style, bound.upstream)
    shade_cut(
        scene,
        node_side,
        source_fill=src_fill if style.shade else None,
        sink_fill=snk_fill if style.shade else None,
        curve_color=style.cut_color,
        radius=0.36 * style.scale,
    )
    scene.meta["cut"] = bound
    if style.annotate:
        _annotate(scene, style, f"\\mathrm{{sep}} \\leq {format_value(bound.value, bound.log2)}")
