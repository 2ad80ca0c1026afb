r"""Backend-free scene primitives, in cm: both backends render a scene at the same physical size.

Labels are LaTeX math (without ``$``) limited to what matplotlib's mathtext understands;
plain-text labels are escaped by each backend, and a title is plain text whose ``$...$``
parts are math (as matplotlib reads text).
"""

from __future__ import annotations

import math
import re
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextToPath

from rac_tn.drawing._curves import Point, sample_smooth_cycle
from rac_tn.drawing.style import CUT_COLOR, INK, WHITE, Style

Box = tuple[float, float, float, float]

_CM_PER_PT = 2.54 / 72.0


@dataclass
class Node:
    """A tensor or grid node (``shape``: circle, box, dot, diamond or none), sizes in cm.

    ``size`` is the radius, half-width or half-diagonal, ``height`` a box's half-height; ``role``
    is a tensor role or ``'hyperedge'``, ``'input'``, ``'cell'``, ...; ``ref`` the object it draws;
    ``name`` its unique TikZ name.
    """

    key: Any  # hashable: a tensor id, a name or a tuple such as ("input", t)
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
    role: str = ""
    ref: Any = None
    highlight: bool = False
    side: str | None = None
    name: str | None = None

    @property
    def half_height(self) -> float:
        """Half-height of a box (``size`` unless ``height`` is set)."""
        return self.size if self.height is None else self.height

    def extent(self) -> Box:
        """The bounding box ``(x0, y0, x1, y1)`` in cm."""
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
        elif self.shape == "diamond":  # |x| + |y| = size
            s = min(self.size / (abs(dx) + abs(dy)), 1.0)
        else:
            s = min(self.size / dist, 1.0)
        return (self.x + s * dx, self.y + s * dy)


@dataclass
class Edge:
    """A polyline between node centres or to a free end (``width`` in pt), with label and arrow."""

    points: list[Point]
    ends: tuple[Hashable | None, Hashable | None] = (None, None)
    ref: Any = None
    role: str = "bond"
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
    r"""Free text at ``(x, y)`` with its alignment; ``role`` and ``owner`` say what it labels.

    ``math`` is ``True`` (the text is math, without ``$``), ``False`` (plain text) or
    ``'inline'`` (plain text whose ``$...$`` parts are math, ``\$`` a dollar sign).
    ``anchors`` are the keys of the nodes the text goes with (the node it labels, or the two
    ends of the edge it labels): TikZ places it relative to them. When empty, an ``owner`` that
    is a node is the anchor; a text of no node (legend, title, note) goes with the frame.
    """

    x: float
    y: float
    text: str
    math: bool | str = True
    size: float = 7.0
    color: str = INK
    ha: str = "center"
    va: str = "center"
    role: str = ""
    owner: Hashable | None = None
    anchors: tuple[Hashable, ...] = ()

    def extent(self) -> Box:
        """The bounding box ``(x0, y0, x1, y1)`` in cm, as matplotlib typesets it."""
        w, h = text_size(self.text, self.size, math=self.math)
        x0 = {"left": self.x, "center": self.x - w / 2, "right": self.x - w}[self.ha]
        y0 = {"bottom": self.y, "center": self.y - h / 2, "top": self.y - h}[self.va]
        return (x0, y0, x0 + w, y0 + h)


@dataclass
class Region:
    """A filled area of closed rings (even-odd rule), smooth or polygonal, shading one side.

    ``anchors``, when set, holds for every point of every ring the key of the node it goes
    with (the nearest node of the side it shades): TikZ writes the point relative to it.
    """

    rings: list[list[Point]]
    fill: str
    alpha: float = 1.0
    smooth: bool = False
    role: str = ""
    side: str | None = None
    anchors: list[list[Hashable]] | None = None


@dataclass
class Curve:
    """A stroked curve (the cut), dashed, closed or smooth as asked.

    ``anchors``, when set, holds for every point the key of the node it goes with (the nearest
    node the cut wraps): TikZ writes the point relative to it.
    """

    points: list[Point]
    color: str = CUT_COLOR
    width: float = 1.0
    dashed: bool = True
    closed: bool = False
    smooth: bool = False
    anchors: list[Hashable] | None = None


@dataclass
class Scene:
    """Everything a backend draws, in cm, plus ``meta`` (what the figure shows)."""

    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)
    regions: list[Region] = field(default_factory=list)
    curves: list[Curve] = field(default_factory=list)
    margin: float = 0.12
    meta: dict = field(default_factory=dict)
    _index: dict = field(default_factory=dict, repr=False)

    def add_node(self, node: Node) -> Node:
        """Add ``node`` (its key must be new) and return it."""
        if node.key in self._index:
            raise ValueError(f"duplicate scene node {node.key!r}")
        self._index[node.key] = node
        self.nodes.append(node)
        return node

    def add_edge(self, edge: Edge) -> Edge:
        """Add ``edge`` and return it."""
        self.edges.append(edge)
        return edge

    def add_text(self, text: Text) -> Text:
        """Add ``text`` and return it."""
        self.texts.append(text)
        return text

    def node(self, key: Hashable) -> Node:
        """The node with this key."""
        return self._index[key]

    def has_node(self, key: Hashable) -> bool:
        """Whether a node has this key."""
        return key in self._index

    def bbox(self) -> Box:
        """``(x0, y0, x1, y1)`` in cm, margin included."""
        boxes = [n.extent() for n in self.nodes]
        boxes += [t.extent() for t in self.texts]
        boxes += [_points_box(e.points) for e in self.edges]
        boxes += [_label_box(e) for e in self.edges if e.label and e.label_pos is not None]
        boxes += [_points_box(_drawn(ring, r.smooth)) for r in self.regions for ring in r.rings]
        boxes += [_points_box(_drawn(c.points, c.smooth)) for c in self.curves]
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
        """Width in cm, margin included."""
        x0, _, x1, _ = self.bbox()
        return x1 - x0

    @property
    def height(self) -> float:
        """Height in cm, margin included."""
        _, y0, _, y1 = self.bbox()
        return y1 - y0


def _drawn(points: Sequence[Point], smooth: bool) -> Sequence[Point]:
    """The points of a ring or curve as drawn (along the smooth curve when ``smooth``)."""
    return sample_smooth_cycle(points, 4) if smooth and len(points) > 2 else points


def _label_box(edge: Edge) -> Box:
    """The box of an edge's placed dimension label (a label beside a leg on the border)."""
    w, h = text_size(edge.label, edge.label_size)
    assert edge.label_pos is not None  # boxed only when placed
    x, y = edge.label_pos
    return (x - w / 2, y - h / 2, x + w / 2, y + h / 2)


def _points_box(points: Iterable[Point]) -> Box:
    xs, ys = zip(*points, strict=True)
    return (min(xs), min(ys), max(xs), max(ys))


# ---------------------------------------------------------------------------------------------
# helpers shared by the views and the backends


def bond_width(dim: int | None) -> float:
    """Line width in pt of a bond of dimension ``dim``, growing with ``log2 dim``."""
    if dim is None or dim <= 1:
        return 0.45
    return min(0.45 + 0.3 * math.log2(dim), 3.0)


#: A ``$`` that opens or closes math (not an escaped ``\\$``).
_DOLLAR = re.compile(r"(?<!\\)\$")


def math_parts(text: str) -> list[str] | None:
    r"""Inline-math text split at its ``$``: text, math, text, ...; None if a ``$`` is unpaired.

    Examples
    --------
    >>> math_parts(r"grid at $T=4$, cost \$1")
    ['grid at ', 'T=4', ', cost \\$1']
    >>> math_parts("one $ sign") is None
    True
    """
    parts = _DOLLAR.split(text)
    return parts if len(parts) % 2 == 1 else None


def shown_text(text: str, math: bool | str) -> tuple[str, bool]:
    r"""The string matplotlib draws for a scene text, and whether it holds math.

    Examples
    --------
    >>> shown_text("x_{1}", True)
    ('$x_{1}$', True)
    >>> shown_text("a $T=4$ title", "inline")
    ('a $T=4$ title', True)
    >>> shown_text("US$ 5", "inline")
    ('US\\$ 5', False)
    """
    if math is True:
        return f"${text}$", True
    if math == "inline":
        parts = math_parts(text)
        if parts is not None and len(parts) > 1:
            return text, True
        text = text.replace(r"\$", "$")
    return text.replace("$", r"\$"), False


@lru_cache(maxsize=4096)
def text_size(text: str, size: float, *, math: bool | str = True) -> tuple[float, float]:
    """``(width, height)`` in cm of a label as matplotlib typesets it."""
    prop = FontProperties(size=size, family="serif", math_fontfamily="cm")
    s, ismath = shown_text(text, math)
    w, h, d = TextToPath().get_text_width_height_descent(s, prop, ismath=ismath)
    return (float(w) * _CM_PER_PT, float(h + d) * _CM_PER_PT)


def too_wide_message(what: str, detail: str, need: float, width: float, advice: str) -> str:
    """The refusal of a view wider than ``width`` cm: how wide it would be, and what to do.

    Examples
    --------
    >>> too_wide_message("grid view", "40 columns", 34.5, 16.0, "allow a wider figure")
    'the grid view needs at least 34.5 cm (40 columns side by side with readable labels), more than width = 16 cm: allow a wider figure'
    """  # noqa: E501
    return (
        f"the {what} needs at least {need:.1f} cm ({detail} side by side with readable "
        f"labels), more than width = {width:g} cm: {advice}"
    )


def style_meta(style: Style) -> dict:
    """What a backend needs of the style: its colours and font size."""
    return {
        "colors": {
            "racStart": style.start_color,
            "racEnd": style.end_color,
            "racCut": style.cut_color,
        },
        "shades": {"start": style.side_shade("start"), "end": style.side_shade("end")},
        "font_size": float(style.font_size),
    }


def add_title(scene: Scene, style: Style) -> None:
    """Add ``style.title`` (text, its ``$...$`` parts math) centred above everything else."""
    if not style.title:
        return
    x0, _, x1, y1 = scene.bbox()
    scene.add_text(
        Text(
            (x0 + x1) / 2,
            y1,
            style.title,
            math="inline",
            size=style.font_size + 1,
            va="bottom",
            role="title",
        )
    )


__all__ = [
    "Curve",
    "Edge",
    "Node",
    "Point",
    "Region",
    "Scene",
    "Text",
    "add_title",
    "bond_width",
    "math_parts",
    "shown_text",
    "style_meta",
    "text_size",
]
