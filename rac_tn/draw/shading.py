"""Cut geometry: both sides of a cut shaded, and a dashed curve between them.

The sides are given as a map from scene node keys to ``'source'``, ``'sink'`` or ``'cut'``;
:func:`shade_cut` turns it into two filled :class:`~rac_tn.draw.scene.Region` and the dashed
:class:`~rac_tn.draw.scene.Curve` of the boundary, by distance fields on a fine raster. It only
draws: which nodes lie on which side is decided by the caller (:mod:`rac_tn.draw.cuts`).

Examples
--------
>>> from rac_tn.draw.scene import Edge, Node, Scene
>>> scene = Scene()
>>> for key, x in (("a", 0.0), ("b", 1.0)):
...     _ = scene.add_node(Node(key, x, 0.0, size=0.1))
>>> _ = scene.add_edge(Edge([(0.0, 0.0), (1.0, 0.0)], ends=("a", "b")))
>>> shade_cut(scene, {"a": "source", "b": "sink"}, source_fill="#DDDDFF",
...           sink_fill="#FFDDDD", curve_color="#C62828")
>>> len(scene.regions), len(scene.curves)
(2, 1)
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import contourpy
import numpy as np
from scipy.ndimage import distance_transform_edt, gaussian_filter
from scipy.spatial import cKDTree

from rac_tn.draw.scene import Curve, Point, Region, Scene, polyline_length, split_polyline


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
    """Sample the drawing on each side of a cut.

    A bond inside one side belongs to it; a bond between the sides is split at its middle (the
    cut crosses it there); a leg of a cut vertex belongs to the side of its other end, so the
    boundary runs through the vertex.

    Parameters
    ----------
    scene
        The drawing.
    node_side
        Node keys to ``'source'``, ``'sink'`` or ``'cut'`` (a cut COPY tensor or hyperedge: a
        vertex of the cut, on neither side).
    step
        Distance between samples along the edges, in cm.

    Returns
    -------
    tuple of three lists of points
        Points on the source side, on the sink side, and on neither side (the fanned-out part
        of hyperedge legs, which crosses other legs).
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
        if e.role == "hyperleg" and a == b:
            # The long legs of different hyperedges cross each other, and no cut can cut a
            # leg (the hyperedge vertex is what gets cut): only their first, vertical part
            # shapes the sides, so the boundary runs smoothly across the fan of legs.
            pts[a] += _sample(e.points[:2], step)
            neutral += _sample(e.points[1:], step)
        elif a is None or b is None or a == b:
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
        new.append(new[0] if closed else line[-1])
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
        return cKDTree(np.asarray(points)).query(self.points)[0].reshape(self.gy.shape)


def _raster(
    scene: Scene, src: list[Point], snk: list[Point], pad: float, resolution: float
) -> _Raster:
    x0, y0, x1, y1 = scene.bbox()
    xs = np.arange(x0 - pad, x1 + pad + resolution, resolution)
    ys = np.arange(y0 - pad, y1 + pad + resolution, resolution)
    gx, gy = np.meshgrid(xs, ys)
    points = np.column_stack([gx.ravel(), gy.ravel()])
    d_src = cKDTree(np.asarray(src)).query(points)[0].reshape(gx.shape)
    d_snk = cKDTree(np.asarray(snk)).query(points)[0].reshape(gx.shape)
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
    """Return the area to shade (``<= 0`` inside) and the distance to the drawing.

    The area is everything within ``radius`` of the drawing, holes narrower than ``2 * close``
    filled (closing = grow by close, then shrink by close).
    """
    d_near = np.minimum(raster.d_src, raster.d_snk)
    for text in scene.texts:  # the labels of the inputs are shaded with them
        if text.role == "input":
            x0t, y0t, x1t, y1t = text.extent()
            neutral.append(((x0t + x1t) / 2, (y0t + y1t) / 2))
    if neutral:  # drawn parts that belong to neither side still get shaded
        d_near = np.minimum(d_near, raster.distance_to(neutral))
    grown = d_near <= radius + close
    # signed distance to the grown outline, shifted by close (<= 0 inside the closing), then
    # blurred a little so the outline is a smooth curve rather than a chain of arcs
    signed = distance_transform_edt(~grown) - distance_transform_edt(grown)
    area = gaussian_filter(close + signed * resolution, sigma=smooth / resolution)
    return area, d_near


def _side_region(
    raster: _Raster, area: np.ndarray, sign: float, fill: str, resolution: float
) -> Region | None:
    level = np.maximum(area, sign * raster.voronoi)
    gen = contourpy.contour_generator(
        raster.xs, raster.ys, level, fill_type=contourpy.FillType.OuterOffset
    )
    polys, offsets = gen.filled(float(level.min()) - 1.0, 0.0)
    rings = []
    for poly, offs in zip(polys, offsets, strict=True):
        for a, b in zip(offs[:-1], offs[1:], strict=True):
            ring = [(float(p[0]), float(p[1])) for p in poly[a:b]]
            if len(ring) >= 3:
                rings.append(_decimate(_smooth(ring, 1), resolution))
    return Region(rings, fill) if rings else None


def _boundary_lines(
    raster: _Raster,
    keep: np.ndarray,
    min_length: float,
    anchors: Sequence[Point] | None,
    tol: float,
) -> list[list[Point]]:
    """Pieces of the boundary (voronoi = 0) within ``keep``, long enough, through an anchor."""
    diff = np.ma.masked_array(raster.voronoi, mask=~keep)
    gen = contourpy.contour_generator(
        raster.xs, raster.ys, diff, line_type=contourpy.LineType.Separate
    )
    out = []
    for line in gen.lines(0.0):
        pts = [(float(p[0]), float(p[1])) for p in line]
        if polyline_length(pts) < min_length:
            continue
        if anchors is not None:
            tree = cKDTree(np.asarray(pts))
            if not any(tree.query(a)[0] <= tol for a in anchors):
                continue
        out.append(pts)
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
    the shading reads as one smooth region; the curve runs ``curve_reach`` beyond it.

    Parameters
    ----------
    scene
        The drawing; the regions are put under everything, the curves appended.
    node_side
        Node keys to ``'source'``, ``'sink'`` or ``'cut'`` (see :func:`side_samples`).
    source_fill, sink_fill
        Colours of the two shaded sides (None: not shaded).
    curve_color
        Colour of the dashed boundary (None: no curve).
    radius, close, curve_reach, curve_width, resolution, smooth
        Shading distance, hole closing, reach of the curve beyond the shading, curve width
        (pt), raster step and outline blur (cm).
    anchors
        Where the cut crosses the drawing (cut vertices, middles of cut bonds): only the
        pieces of the boundary through an anchor are drawn; elsewhere the boundary just
        separates crossing legs of hyperedges, which no cut can cut.
    floor
        No curve below this height (the top of the fan of hyperedge legs).
    outside
        Points added to a side that the drawing does not show: what lies beyond a cut open
        index (its terminal).
    """
    src, snk, neutral = side_samples(scene, node_side, resolution / 2)
    if outside:
        src = src + list(outside.get("source", []))
        snk = snk + list(outside.get("sink", []))
    if not src or not snk:
        return
    pad = radius + close + curve_reach + 3 * resolution
    raster = _raster(scene, src, snk, pad, resolution)
    area, d_near = _shaded_area(scene, raster, neutral, radius, close, resolution, smooth)
    regions = [
        _side_region(raster, area, sign, fill, resolution)
        for sign, fill in ((1.0, source_fill), (-1.0, sink_fill))
        if fill is not None
    ]
    scene.regions[:0] = [r for r in regions if r is not None]
    if curve_color is None:
        return
    keep = (area <= 0) | (d_near <= radius + curve_reach)
    if floor is not None:
        keep &= raster.gy >= floor
    for pts in _boundary_lines(raster, keep, 2 * radius, anchors, 3 * resolution):
        pts = _decimate(_smooth(pts), resolution)
        scene.curves.append(Curve(pts, color=curve_color, width=curve_width, dashed=True))


__all__ = ["shade_cut", "side_samples"]
