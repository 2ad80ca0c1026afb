"""Cut geometry: both sides of a cut shaded, and a dashed curve between them.

The boundary is the Voronoi boundary between the two sides' drawings (on a fine raster), so it
crosses exactly the cut bonds, at their middles, and passes through cut vertices; outlines are
smooth closed curves through a few points.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import cast

import contourpy
import numpy as np
from scipy.ndimage import distance_transform_edt, gaussian_filter
from scipy.spatial import cKDTree

from rac_tn.drawing._curves import polyline_length, split_polyline
from rac_tn.drawing.scene import Curve, Point, Region, Scene


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
    """Points on the source side, on the sink side, and on neither, along the scene's edges."""
    pts: dict[str, list[Point]] = {"source": [], "sink": []}
    neutral: list[Point] = []
    for n in scene.nodes:
        side = node_side.get(n.key)
        if side in pts:
            pts[side].append((n.x, n.y))
    for text in scene.texts:  # a label goes with the node it labels
        side = node_side.get(text.owner) if text.owner is not None else None
        if side in pts:
            x0, y0, x1, y1 = text.extent()
            nx, ny = (
                max(2, math.ceil((x1 - x0) / step / 4)),
                max(2, math.ceil((y1 - y0) / step / 4)),
            )
            pts[side] += [
                (x0 + (x1 - x0) * i / nx, y0 + (y1 - y0) * j / ny)
                for i in range(nx + 1)
                for j in range(ny + 1)
            ]
    for e in scene.edges:
        a, b = (node_side.get(k) if k is not None else None for k in e.ends)
        a = a if a in pts else None
        b = b if b in pts else None
        if a is None and b is None:
            continue
        if e.role == "hyperleg" and a == b:
            # The long legs of different hyperedges cross each other, and no cut can cut a
            # leg (the hyperedge vertex is what gets cut): only their first, vertical part
            # shapes the sides, so the boundary runs smoothly across the fan of legs.
            assert a is not None  # a == b, and both None was skipped
            pts[a] += _sample(e.points[:2], step)
            neutral += _sample(e.points[1:], step)
        elif a is None or b is None or a == b:
            pts[a or b] += _sample(e.points, step)  # type: ignore[index]  # not both None
        else:
            first, second = split_polyline(e.points)
            pts[a] += _sample(first, step)[:-1]
            pts[b] += _sample(second, step)[1:]
    return pts["source"], pts["sink"], neutral


@dataclass
class _Raster:
    """Distance fields of the two sides on a raster covering the scene."""

    xs: np.ndarray
    ys: np.ndarray
    gy: np.ndarray
    points: np.ndarray  # the raster points, one per row
    d_src: np.ndarray
    d_snk: np.ndarray

    @property
    def voronoi(self) -> np.ndarray:
        """Negative where the source side is nearer."""
        return self.d_src - self.d_snk

    def distance_to(self, points: Sequence[Point]) -> np.ndarray:
        """Distance of every raster point to the nearest of ``points``."""
        # query(points)[0] is an array for 2-D points (the stubs also allow a float)
        return cKDTree(np.asarray(points)).query(self.points)[0].reshape(self.gy.shape)  # type: ignore[union-attr]


def _raster(
    scene: Scene, src: list[Point], snk: list[Point], pad: float, resolution: float
) -> _Raster:
    x0, y0, x1, y1 = scene.bbox()
    xs = np.arange(x0 - pad, x1 + pad + resolution, resolution)
    ys = np.arange(y0 - pad, y1 + pad + resolution, resolution)
    gx, gy = np.meshgrid(xs, ys)
    points = np.column_stack([gx.ravel(), gy.ravel()])
    # query(points)[0] is an array for 2-D points (the stubs also allow a float)
    d_src = cKDTree(np.asarray(src)).query(points)[0].reshape(gx.shape)  # type: ignore[union-attr]
    d_snk = cKDTree(np.asarray(snk)).query(points)[0].reshape(gx.shape)  # type: ignore[union-attr]
    return _Raster(xs, ys, gy, points, d_src, d_snk)


def _shaded_area(
    scene: Scene,
    raster: _Raster,
    neutral: list[Point],
    radius: float,
    close: float,
    resolution: float,
    smooth: float,
) -> tuple[np.ndarray, np.ndarray]:
    """The area to shade (``<= 0`` inside, narrow holes filled) and the distance to the drawing."""
    d_near = np.minimum(raster.d_src, raster.d_snk)
    if neutral:  # drawn parts that belong to neither side still get shaded
        d_near = np.minimum(d_near, raster.distance_to(neutral))
    grown = d_near <= radius + close
    # signed distance to the grown outline, shifted by close (<= 0 inside the closing), then
    # blurred a little so the outline is a smooth curve rather than a chain of arcs
    signed = distance_transform_edt(~grown) - distance_transform_edt(grown)
    area = gaussian_filter(close + signed * resolution, sigma=smooth / resolution)
    return area, d_near


def simplify(line: Sequence[Point], tol: float) -> list[Point]:
    """Douglas-Peucker: the fewest points of ``line`` that stay within ``tol`` of it."""
    pts = np.asarray(line, dtype=float)
    keep = np.zeros(len(pts), dtype=bool)
    keep[0] = keep[-1] = True
    stack = [(0, len(pts) - 1)]
    while stack:
        i, j = stack.pop()
        if j <= i + 1:
            continue
        a, b = pts[i], pts[j]
        seg = b - a
        norm = math.hypot(*seg)
        mid = pts[i + 1 : j]
        if norm == 0.0:
            dist = np.hypot(*(mid - a).T)
        else:
            dist = np.abs(seg[0] * (mid[:, 1] - a[1]) - seg[1] * (mid[:, 0] - a[0])) / norm
        k = int(np.argmax(dist))
        if dist[k] > tol:
            keep[i + 1 + k] = True
            stack += [(i, i + 1 + k), (i + 1 + k, j)]
    return [(float(x), float(y)) for x, y in pts[keep]]


def _rings(raster: _Raster, level: np.ndarray, tol: float, min_length: float) -> list[list[Point]]:
    """The closed curves where ``level`` is 0, each reduced to a few points."""
    gen = contourpy.contour_generator(
        raster.xs, raster.ys, level, line_type=contourpy.LineType.Separate
    )
    rings = []
    for line in cast("list[np.ndarray]", gen.lines(0.0)):  # LineType.Separate: (n, 2) arrays
        pts = [(float(p[0]), float(p[1])) for p in line]
        if len(pts) < 4 or polyline_length(pts) < min_length:
            continue
        if math.dist(pts[0], pts[-1]) < 1e-9:
            pts = pts[:-1]
        # simplify the ring as a closed curve: split it at its farthest point from the start
        far = max(range(len(pts)), key=lambda i: math.dist(pts[0], pts[i]))
        ring = simplify(pts[: far + 1], tol)[:-1] + simplify([*pts[far:], pts[0]], tol)[:-1]
        if len(ring) >= 3:
            rings.append(_subdivide(ring, 0.3))
    return rings


def _subdivide(ring: list[Point], longest: float) -> list[Point]:
    """Split the sides of a closed ring longer than ``longest`` (so the curve does not bulge)."""
    out: list[Point] = []
    for a, b in zip(ring, [*ring[1:], ring[0]], strict=True):
        n = max(1, math.ceil(math.dist(a, b) / longest))
        out += [(a[0] + (b[0] - a[0]) * k / n, a[1] + (b[1] - a[1]) * k / n) for k in range(n)]
    return [(round(x, 3), round(y, 3)) for x, y in out]


def shade_cut(
    scene: Scene,
    node_side: dict[Hashable, str],
    *,
    source_fill: str | None,
    sink_fill: str | None,
    curve_color: str | None,
    radius: float = 0.3,
    close: float = 0.45,
    curve_width: float = 1.0,
    resolution: float = 0.025,
    smooth: float = 0.14,
    tolerance: float = 0.02,
    sides: tuple[str | None, str | None] = (None, None),
) -> None:
    """Shade both sides of a cut and draw it as the closed dashed curve around the source side."""
    src, snk, neutral = side_samples(scene, node_side, resolution / 2)
    if not src or not snk:
        return
    pad = radius + close + 4 * resolution
    raster = _raster(scene, src, snk, pad, resolution)
    area, _ = _shaded_area(scene, raster, neutral, radius, close, resolution, smooth)
    # the source side, and a version reaching a little under the sink side's shading, so
    # that the two fills meet without a white seam
    source = np.maximum(area, raster.voronoi)
    near = {side: _Nearest(scene, node_side, side) for side in ("source", "sink")}
    regions = []
    if source_fill is not None:
        rings = _rings(raster, np.maximum(area, raster.voronoi - 0.06), tolerance, 0.0)
        region = Region(rings, source_fill, smooth=True, role="source side", side=sides[0])
        region.anchors = [near["source"](ring) for ring in rings]
        regions.append(region)
    if sink_fill is not None:
        rings = _rings(raster, np.maximum(area, -raster.voronoi), tolerance, 0.0)
        region = Region(rings, sink_fill, smooth=True, role="sink side", side=sides[1])
        region.anchors = [near["sink"](ring) for ring in rings]
        regions.append(region)
    scene.regions[:0] = [r for r in regions if r.rings]
    if curve_color is None:
        return
    for ring in _rings(raster, source, tolerance, 4 * resolution):
        curve = Curve(ring, color=curve_color, width=curve_width, closed=True, smooth=True)
        curve.anchors = near["source"](ring)
        scene.curves.append(curve)


class _Nearest:
    """The nearest node of one side of a cut (or a cut vertex, on both sides) to given points."""

    def __init__(self, scene: Scene, node_side: dict[Hashable, str], side: str) -> None:
        nodes = [n for n in scene.nodes if node_side.get(n.key) in (side, "cut")]
        nodes = nodes or scene.nodes
        self.keys = [n.key for n in nodes]
        self.tree = cKDTree(np.asarray([(n.x, n.y) for n in nodes], dtype=float))

    def __call__(self, points: Sequence[Point]) -> list[Hashable]:
        if not points:
            return []
        # query(points)[1] is an array of indices for 2-D points
        idx = self.tree.query(np.asarray(points, dtype=float))[1]
        return [self.keys[int(i)] for i in np.atleast_1d(idx)]


__all__ = ["shade_cut", "side_samples", "simplify"]
