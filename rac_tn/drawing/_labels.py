"""Placing the dimension labels of a scene's edges beside their edges, where they cover nothing."""

from __future__ import annotations

import math
from collections.abc import Sequence

from rac_tn.drawing.scene import Box, Point, Scene, Text, text_size

__all__ = ["INPUT_TILDE", "add_key", "affine_key", "place_dim_labels"]

#: The input letter of a model whose input legs carry the augmented ``(x_t, 1)``.
INPUT_TILDE = "\\tilde{x}"


def affine_key(augmented_input: bool, affine_states: bool) -> list[str]:
    r"""What the augmented vectors of affine terms are: ``\tilde{x}_t``, ``\tilde{h}``.

    Both views of a model with affine terms print the same key.

    Examples
    --------
    >>> affine_key(True, True)
    ['\\tilde{x}_{t} = (x_{t}, 1)', '\\tilde{h} = (h, 1)']
    """
    parts = [r"\tilde{x}_{t} = (x_{t}, 1)"] if augmented_input else []
    return parts + ([r"\tilde{h} = (h, 1)"] if affine_states else [])


def add_key(scene: Scene, parts: list[str], font_size: float) -> None:
    """Write ``parts`` below the figure: on one line, or one a line where the figure is narrow."""
    if not parts:
        return
    x0, y0, x1, _ = scene.bbox()
    lines = [r",\ ".join(parts)]
    if text_size(lines[0], font_size)[0] > x1 - x0 - 2 * scene.margin:
        lines = parts
    y = y0 + scene.margin - 0.04
    for line in lines:
        note = Text(x0 + scene.margin, y, line, size=font_size, ha="left", va="top")
        note.role = "note"
        scene.add_text(note)
        y -= text_size(line, font_size)[1] + 0.06


def place_dim_labels(scene: Scene, *, horizontal: str = "above") -> None:
    """Put each edge's dimension label beside its visible part, where it covers nothing."""
    taken: list[Box] = [_grow(n.extent(), 0.04) for n in scene.nodes if n.shape != "none"]
    taken += [_grow(t.extent(), 0.02) for t in scene.texts]
    lines = [pt for e in scene.edges for pt in _sample_line(e.points, 0.02)]
    for e in scene.edges:
        if not e.label:
            continue
        pts = list(e.points)
        for i, key in ((0, e.ends[0]), (-1, e.ends[1])):
            if key is not None and scene.has_node(key):
                pts[i] = scene.node(key).boundary_point(pts[1 if i == 0 else -2])
        size = text_size(e.label, e.label_size)
        segs = sorted(zip(pts, pts[1:], strict=False), key=lambda s: -math.dist(*s))
        best, best_cost = None, math.inf
        for a, b in segs[:2]:
            for frac in (0.5, 0.3, 0.7):
                for flip in (False, True):
                    at = _label_beside(a, b, size, horizontal, frac, flip)
                    box = _box_at(at, size)
                    cost = sum(_overlap(box, t) for t in taken)
                    cost += 0.01 * sum(_inside(box, p) for p in lines)
                    if cost < best_cost - 1e-12:
                        best, best_cost = at, cost
                if best_cost == 0.0:
                    break
            if best_cost == 0.0:
                break
        e.label_pos = best
        if best is not None:
            taken.append(_grow(_box_at(best, size), 0.02))


def _grow(box: Box, pad: float) -> Box:
    return (box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad)


def _box_at(at: Point, size: tuple[float, float]) -> Box:
    w, h = size
    return (at[0] - w / 2, at[1] - h / 2, at[0] + w / 2, at[1] + h / 2)


def _overlap(a: Box, b: Box) -> float:
    """Area of the intersection of two boxes."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def _inside(box: Box, p: Point) -> bool:
    return box[0] < p[0] < box[2] and box[1] < p[1] < box[3]


def _sample_line(points: Sequence[Point], step: float) -> list[Point]:
    out = []
    for a, b in zip(points, points[1:], strict=False):
        n = max(1, math.ceil(math.dist(a, b) / step))
        out += [(a[0] + (b[0] - a[0]) * k / n, a[1] + (b[1] - a[1]) * k / n) for k in range(n)]
    return out


def _label_beside(
    a: Point,
    b: Point,
    size: tuple[float, float],
    horizontal: str,
    frac: float = 0.5,
    flip: bool = False,
) -> Point:
    mx, my = a[0] + frac * (b[0] - a[0]), a[1] + frac * (b[1] - a[1])
    w, h = size
    dx, dy = b[0] - a[0], b[1] - a[1]
    sign = -1.0 if flip else 1.0
    if abs(dy) > 2 * abs(dx):  # vertical: on the right
        return (mx + sign * (0.05 + w / 2), my)
    if abs(dx) > 2 * abs(dy):  # horizontal: above or below
        sign *= 1.0 if horizontal == "above" else -1.0
        return (mx, my + sign * (0.04 + h / 2))
    d = math.hypot(dx, dy) or 1.0
    nx, ny = -dy / d, dx / d
    if ny < 0:
        nx, ny = -nx, -ny
    return (mx + sign * nx * (0.05 + w / 2), my + sign * ny * (0.04 + h / 2))
