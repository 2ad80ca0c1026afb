"""Plane geometry of the drawn curves: TikZ's smooth closed curves, arrowheads, polylines."""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = [
    "TENSION",
    "Point",
    "arrow_head",
    "arrow_size",
    "polyline_length",
    "sample_smooth_cycle",
    "smooth_cycle",
    "split_polyline",
]

Point = tuple[float, float]

#: Tension of the smooth closed curves (TikZ's ``plot[smooth cycle, tension=...]``).
TENSION = 0.6


def smooth_cycle(
    points: Sequence[Point], tension: float = TENSION
) -> list[tuple[Point, Point, Point, Point]]:
    """The cubic Bezier segments of TikZ's smooth closed curve through ``points``."""
    n = len(points)
    k = 0.2775 * tension
    out = []
    for i in range(n):
        p0, p1, p2, p3 = (points[(i + j) % n] for j in (-1, 0, 1, 2))
        c1 = (p1[0] + k * (p2[0] - p0[0]), p1[1] + k * (p2[1] - p0[1]))
        c2 = (p2[0] - k * (p3[0] - p1[0]), p2[1] - k * (p3[1] - p1[1]))
        out.append((p1, c1, c2, p2))
    return out


def sample_smooth_cycle(points: Sequence[Point], per_segment: int = 8) -> list[Point]:
    """Points along :func:`smooth_cycle` (for hit tests and bounding boxes)."""
    out: list[Point] = []
    for p0, c1, c2, p1 in smooth_cycle(points):
        for j in range(per_segment):
            u = j / per_segment
            a, b, c, d = (1 - u) ** 3, 3 * u * (1 - u) ** 2, 3 * u * u * (1 - u), u**3
            out.append(
                (
                    a * p0[0] + b * c1[0] + c * c2[0] + d * p1[0],
                    a * p0[1] + b * c1[1] + c * c2[1] + d * p1[1],
                )
            )
    out.append(out[0])
    return out


def arrow_head(tail: Point, tip: Point, length: float, half_width: float) -> list[Point]:
    """The triangle of an arrowhead from ``tail`` to ``tip`` (cm)."""
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
    """The arrowhead length and half-width in cm for a line of ``width_pt``."""
    length = 0.11 + 0.02 * width_pt
    return length, 0.45 * length


def polyline_length(points: Sequence[Point]) -> float:
    """The length of a polyline."""
    return sum(math.dist(a, b) for a, b in zip(points, points[1:], strict=False))


def split_polyline(
    points: Sequence[Point], fraction: float = 0.5
) -> tuple[list[Point], list[Point]]:
    """Cut a polyline at ``fraction`` of its length into two polylines."""
    target = fraction * polyline_length(points)
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
