"""The network view's geometry: bowed bonds, open legs' directions, labels placed and checked.

Bonds bow around the tensors in their way; open legs go where bonds leave room; labels are
placed beside their lines where they cover the least, measured with the boxes matplotlib's
renderer lays out; :func:`crowded` says whether two nodes or labels of a scene overlap.

Examples
--------
>>> pts = bow((0.0, 0.0), (2.0, 0.0), 0.5)
>>> pts[0], pts[-1], max(y for _, y in pts)
((0.0, 0.0), (2.0, 0.0), 0.5)
>>> free_directions([0.0, 180.0], 2, prefer=-90.0)
[-90.0, 90.0]
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from rac_tn.drawing.scene import shown_text, text_size

if TYPE_CHECKING:
    from rac_tn.drawing.scene import Edge, Node, Scene, Text

__all__ = [
    "along",
    "bow",
    "box_at",
    "clearance",
    "crowded",
    "free_directions",
    "label_cost",
    "label_spots",
    "place_labels",
    "rendered_size",
    "route",
    "sample_line",
    "segment_distance",
    "text_box",
    "trimmed",
    "visible",
]

Point = tuple[float, float]
Box = tuple[float, float, float, float]
#: A tensor in the way of a bond: centre and radius (cm).
Obstacle = tuple[float, float, float]

#: Points along a bowed bond.
_BOW_POINTS = 16
#: How far (cm) a bond that would pass through a tensor bows out, tried in turn.
_BOWS = (0.28, 0.45, 0.7, 1.0, 1.4, 1.9)


def bow(a: Point, b: Point, height: float, n: int = _BOW_POINTS) -> list[Point]:
    """A quadratic arc from ``a`` to ``b`` whose middle is ``height`` to the left of ``a -> b``."""
    if abs(height) < 1e-12:
        return [a, b]
    dx, dy = b[0] - a[0], b[1] - a[1]
    d = math.hypot(dx, dy) or 1.0
    nx, ny = -dy / d, dx / d
    cx, cy = (a[0] + b[0]) / 2 + 2 * height * nx, (a[1] + b[1]) / 2 + 2 * height * ny
    out = []
    for i in range(n + 1):
        u = i / n
        out.append(
            (
                round((1 - u) ** 2 * a[0] + 2 * u * (1 - u) * cx + u * u * b[0], 6),
                round((1 - u) ** 2 * a[1] + 2 * u * (1 - u) * cy + u * u * b[1], 6),
            )
        )
    return out


def segment_distance(p: Point, a: Point, b: Point) -> float:
    """Distance from ``p`` to the segment ``a b``."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    den = dx * dx + dy * dy
    t = 0.0 if den == 0 else max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / den))
    return math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy)


def clearance(points: Sequence[Point], obstacles: Sequence[Obstacle]) -> float:
    """The least gap (cm) between a polyline and the outlines of ``obstacles``."""
    best = math.inf
    for x, y, r in obstacles:
        for a, b in zip(points, points[1:], strict=False):
            best = min(best, segment_distance((x, y), a, b) - r)
    return best


def route(
    a: Point, b: Point, obstacles: Sequence[Obstacle], *, gap: float = 0.06, prefer: float = 1.0
) -> list[Point]:
    """The bond from ``a`` to ``b``: straight if it clears ``obstacles`` by ``gap``, else bowed.

    The least bowed arc that clears them, tried on the side ``prefer`` says first (+1: left of
    ``a -> b``).
    """
    straight = [a, b]
    if clearance(straight, obstacles) >= gap:
        return straight
    best, best_gap = straight, clearance(straight, obstacles)
    for h in _BOWS:
        for sign in (prefer, -prefer):
            pts = bow(a, b, sign * h)
            c = clearance(pts, obstacles)
            if c >= gap:
                return pts
            if c > best_gap + 1e-9:
                best, best_gap = pts, c
    return best


def free_directions(bonds: Sequence[float], count: int, *, prefer: float = -90.0) -> list[float]:
    """``count`` directions (degrees) for open legs, in the widest gaps between ``bonds``.

    Each leg goes to the gap that leaves it the most room, ties to the gap nearest ``prefer``;
    the legs of a gap share it evenly.
    """
    if count <= 0:
        return []
    if not bonds:
        gaps = [(prefer - 180.0, 360.0)]
    else:
        angles = sorted(a % 360.0 for a in bonds)
        gaps = [
            (angles[i], (angles[(i + 1) % len(angles)] - angles[i]) % 360.0 or 360.0)
            for i in range(len(angles))
        ]
    share = [0] * len(gaps)
    for _ in range(count):
        best = max(
            range(len(gaps)),
            key=lambda i: (
                round(gaps[i][1] / (share[i] + 1), 6),
                -_angle_gap(gaps[i][0] + gaps[i][1] / 2, prefer),
            ),
        )
        share[best] += 1
    out: list[float] = []
    for (start, width), k in zip(gaps, share, strict=True):
        out += [_signed(start + width * (j + 1) / (k + 1)) for j in range(k)]
    return sorted(out, key=lambda a: _angle_gap(a, prefer))


def _angle_gap(a: float, b: float) -> float:
    return abs((a - b + 180.0) % 360.0 - 180.0)


def _signed(a: float) -> float:
    """An angle in (-180, 180]."""
    a = a % 360.0
    return round(a - 360.0 if a > 180.0 else a, 6)


# -- labels beside lines ------------------------------------------------------------------------


def along(pts: Sequence[Point], frac: float) -> tuple[Point, Point, Point]:
    """The segment at ``frac`` of a polyline's length, and the point there."""
    lengths = [math.dist(a, b) for a, b in zip(pts, pts[1:], strict=False)]
    target = frac * sum(lengths)
    for i, seg in enumerate(lengths):
        if target <= seg or i == len(lengths) - 1:
            a, b = pts[i], pts[i + 1]
            s = min(target / seg, 1.0) if seg else 0.0
            return a, b, (a[0] + s * (b[0] - a[0]), a[1] + s * (b[1] - a[1]))
        target -= seg
    return pts[0], pts[-1], pts[-1]


def box_at(at: Point, size: tuple[float, float]) -> Box:
    """The box of a label of ``size`` centred at ``at``."""
    w, h = size
    return (at[0] - w / 2, at[1] - h / 2, at[0] + w / 2, at[1] + h / 2)


def sample_line(points: Sequence[Point], step: float = 0.03) -> list[Point]:
    """Points every ``step`` cm along a polyline."""
    out = [points[0]]
    for a, b in zip(points, points[1:], strict=False):
        n = max(1, math.ceil(math.dist(a, b) / step))
        out += [
            (a[0] + (b[0] - a[0]) * k / n, a[1] + (b[1] - a[1]) * k / n) for k in range(1, n + 1)
        ]
    return out


def label_spots(
    pts: Sequence[Point], size: tuple[float, float], fracs: Sequence[float], *, far: bool = False
) -> list[tuple[Point, float]]:
    """Centres for a label of ``size`` beside a polyline at ``fracs`` of its length.

    Above or right of the line first; each with a small cost growing away from the first
    fraction (``far``: also a little farther from the line, at a higher cost).
    """
    w, h = size
    out = []
    for step, extra in enumerate((0.0, 0.12) if far else (0.0,)):
        for rank, frac in enumerate(fracs):
            (ax, ay), (bx, by), (mx, my) = along(pts, frac)
            d = math.hypot(bx - ax, by - ay) or 1.0
            nx, ny = -(by - ay) / d, (bx - ax) / d
            if ny < -1e-9 or (abs(ny) <= 1e-9 and nx < 0):
                nx, ny = -nx, -ny
            off = abs(nx) * (w / 2 + 0.05) + abs(ny) * (h / 2 + 0.04) + extra
            for flip, sign in enumerate((1.0, -1.0)):
                at = (mx + sign * nx * off, my + sign * ny * off)
                out.append((at, 0.002 * rank + 0.001 * flip + 0.05 * step))
    return out


def label_cost(box: Box, taken: Sequence[Box], lines: object, pad: float = 0.02) -> float:
    """What a label in ``box`` covers: other boxes (heavily), then points of ``lines`` (N x 2)."""
    t = np.asarray(taken, dtype=float).reshape(-1, 4)
    w = np.minimum(box[2], t[:, 2]) - np.maximum(box[0], t[:, 0]) + pad
    h = np.minimum(box[3], t[:, 3]) - np.maximum(box[1], t[:, 1]) + pad
    hit = (w > 0) & (h > 0)
    cost = float(np.sum(10.0 + w[hit] * h[hit]))
    pts = np.asarray(lines, dtype=float).reshape(-1, 2)
    inside = (
        (pts[:, 0] > box[0] - pad)
        & (pts[:, 0] < box[2] + pad)
        & (pts[:, 1] > box[1] - pad)
        & (pts[:, 1] < box[3] + pad)
    )
    return cost + 0.05 * int(np.count_nonzero(inside))


def visible(scene: Scene, edge: Edge, step: float = 0.02) -> list[Point]:
    """Points every ``step`` cm along the part of ``edge`` outside its end nodes."""
    pts = sample_line(edge.points, step)
    ends = [scene.node(k) for k in edge.ends if k is not None and scene.has_node(k)]
    kept = [p for p in pts if not any(_inside(n, p) for n in ends)]
    return kept if len(kept) >= 2 else [edge.points[0], edge.points[-1]]


def trimmed(pts: list[Point], a: Node, b: Node) -> list[Point]:
    """A bowed line between two nodes' centres without its points inside them.

    TikZ draws a line between named nodes from their borders, through the points between: a
    point inside a node would draw the line over it.
    """
    if len(pts) <= 2:
        return pts
    middle = [p for p in pts[1:-1] if not _inside(a, p) and not _inside(b, p)]
    return [pts[0], *middle, pts[-1]]


def _inside(node: Node, p: Point) -> bool:
    if node.shape == "none":
        return False
    dx, dy = abs(p[0] - node.x), abs(p[1] - node.y)
    if node.shape == "box":
        return dx < node.size and dy < node.half_height
    return math.hypot(dx, dy) < node.size


# -- label boxes as matplotlib lays them out ----------------------------------------------------

_MEASURE: list = []  # one figure, made on first use, to measure labels on
_DPI = 200.0


@lru_cache(maxsize=4096)
def rendered_size(text: str, size: float, math_text: bool | str = True) -> tuple[float, float]:
    """``(width, height)`` in cm of a label's box as matplotlib's renderer lays it out.

    That box is taller than the ink (a digit gets a full line); it is never smaller than
    :func:`~rac_tn.drawing.scene.text_size`, so labels kept apart by it never touch.
    """
    if not _MEASURE:
        fig = Figure(dpi=_DPI)
        _MEASURE.append((fig, FigureCanvasAgg(fig).get_renderer()))
    fig, renderer = _MEASURE[0]
    shown = shown_text(text, math_text)[0]
    artist = fig.text(0, 0, shown, fontsize=size, math_fontfamily="cm", family="serif")
    try:
        box = artist.get_window_extent(renderer)
    finally:
        artist.remove()
    w, h = text_size(text, size, math=math_text)
    return max(w, box.width / _DPI * 2.54), max(h, box.height / _DPI * 2.54)


def text_box(text: Text) -> Box:
    """The box of a scene text as the renderer lays it out (see :func:`rendered_size`)."""
    w, h = rendered_size(text.text, text.size, text.math)
    x0 = {"left": text.x, "center": text.x - w / 2, "right": text.x - w}[text.ha]
    y0 = {"bottom": text.y, "center": text.y - h / 2, "top": text.y - h}[text.va]
    return (x0, y0, x0 + w, y0 + h)


def place_labels(scene: Scene) -> None:
    """Put each edge's dimension label beside its visible part, where it covers the least."""
    taken = [n.extent() for n in scene.nodes if n.shape != "none"]
    taken += [text_box(t) for t in scene.texts]
    lines = np.asarray([p for e in scene.edges for p in sample_line(e.points)])
    for e in scene.edges:
        if not e.label:
            continue
        size = rendered_size(e.label, e.label_size)
        spots = label_spots(visible(scene, e), size, (0.5, 0.36, 0.64, 0.24, 0.76))
        at, _ = min(spots, key=lambda s: label_cost(box_at(s[0], size), taken, lines) + s[1])
        e.label_pos = at
        taken.append(box_at(at, size))


# -- overlaps -----------------------------------------------------------------------------------


def _boxes(scene: Scene) -> list[tuple[str, Hashable, Box]]:
    out = [("node", n.key, n.extent()) for n in scene.nodes if n.shape != "none"]
    out += [("text", t.owner, text_box(t)) for t in scene.texts]
    for e in scene.edges:
        if e.label and e.label_pos is not None:
            out.append(("text", None, box_at(e.label_pos, rendered_size(e.label, e.label_size))))
    return out


def crowded(scene: Scene, pad: float = 0.02) -> bool:
    """Whether two nodes or labels overlap, or a bond runs through an open leg's label.

    A label is not compared with its own node; boxes are grown by ``pad``; round nodes are
    compared as circles.
    """
    nodes = [n for n in scene.nodes if n.shape != "none"]
    for i, a in enumerate(nodes):
        for b in nodes[i + 1 :]:
            if a.shape != "box" and b.shape != "box":
                if math.dist((a.x, a.y), (b.x, b.y)) < a.size + b.size + pad:
                    return True
            elif _hit(a.extent(), b.extent(), pad):
                return True
    boxes = _boxes(scene)
    for i, (kind, owner, box) in enumerate(boxes):
        for kind2, owner2, box2 in boxes[i + 1 :]:
            if "text" not in (kind, kind2):
                continue
            if kind != kind2 and owner is not None and owner == owner2:
                continue
            if _hit(box, box2, pad):
                return True
    return _crossed_leg_label(scene)


def _crossed_leg_label(scene: Scene) -> bool:
    """Whether a bond or leg passes through the label of an open leg (other than its own)."""
    labels = [(t.owner, text_box(t)) for t in scene.texts if t.role == "index"]
    if not labels:
        return False
    for e in scene.edges:
        pts = np.asarray(sample_line(e.points, 0.02))
        for owner, (x0, y0, x1, y1) in labels:
            if owner in e.ends:
                continue
            inside = (pts[:, 0] > x0) & (pts[:, 0] < x1) & (pts[:, 1] > y0) & (pts[:, 1] < y1)
            if inside.any():
                return True
    return False


def _hit(a: Box, b: Box, pad: float) -> bool:
    return not (
        a[2] + pad <= b[0] or b[2] + pad <= a[0] or a[3] + pad <= b[1] or b[3] + pad <= a[1]
    )
