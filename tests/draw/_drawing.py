"""Shared helpers of the drawing tests (not tests): models, and plane geometry written
independently of the scene module (overlaps, crossings, distances, point-in-region)."""

from __future__ import annotations

import itertools
import math
import re
import shutil
import subprocess
import zlib

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from matplotlib.path import Path as MplPath

from rac_tn import RAC
from rac_tn.drawing.scene import Scene


def rac_of(depth: int, M: int = 2, R: int = 2, C: int = 1) -> RAC:
    return RAC.random(M, R, depth=depth, num_classes=C, seed=depth)


# -- pdflatex ------------------------------------------------------------------------------------

PDFLATEX = shutil.which("pdflatex")
needs_pdflatex = pytest.mark.skipif(PDFLATEX is None, reason="pdflatex is not installed")
CM_TO_PT = 72.0 / 2.54


def mediabox(pdf: bytes) -> tuple[float, float]:
    """Page size in pt, also when pdfTeX put the page object in a compressed object stream."""
    pattern = rb"/MediaBox\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*\]"
    chunks = [pdf]
    for m in re.finditer(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        try:
            chunks.append(zlib.decompress(m.group(1)))
        except zlib.error:
            continue
    for chunk in chunks:
        m = re.search(pattern, chunk)
        if m:
            x0, y0, x1, y1 = map(float, m.groups())
            return x1 - x0, y1 - y0
    raise AssertionError("no /MediaBox in the PDF")


def pdflatex(path, cwd):
    proc = subprocess.run(
        [PDFLATEX, "-interaction=nonstopmode", "-halt-on-error", path.name],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout[-3000:]


# -- plane geometry, written independently of the scene module ---------------------------------


def _gap(a, b) -> float:
    """Distance between the outlines of two nodes (negative when they overlap)."""

    def half(n):
        if n.shape == "box":
            return n.size, (n.height if n.height is not None else n.size)
        return n.size, n.size

    if a.shape != "box" and b.shape != "box":
        return math.hypot(a.x - b.x, a.y - b.y) - a.size - b.size
    if a.shape == "box" and b.shape == "box":
        (aw, ah), (bw, bh) = half(a), half(b)
        gx = abs(a.x - b.x) - aw - bw
        gy = abs(a.y - b.y) - ah - bh
        if gx > 0 and gy > 0:
            return math.hypot(gx, gy)
        return max(gx, gy)
    box, circle = (a, b) if a.shape == "box" else (b, a)
    w, h = half(box)
    dx = max(abs(circle.x - box.x) - w, 0.0)
    dy = max(abs(circle.y - box.y) - h, 0.0)
    return math.hypot(dx, dy) - circle.size


def min_gap(scene: Scene) -> float:
    nodes = [n for n in scene.nodes if n.shape != "none"]
    return min(_gap(a, b) for a, b in itertools.combinations(nodes, 2))


def _segments(points):
    return list(zip(points, points[1:], strict=False))


def _cross(p, q, r, s) -> bool:
    """Do the open segments pq and rs cross at a point interior to both?"""
    p, q, r, s = map(np.asarray, (p, q, r, s))
    d1, d2 = q - p, s - r
    den = d1[0] * d2[1] - d1[1] * d2[0]
    if abs(den) < 1e-12:
        return False  # parallel (collinear overlaps are separate bonds meeting at a node)
    w = r - p
    u = (w[0] * d2[1] - w[1] * d2[0]) / den
    v = (w[0] * d1[1] - w[1] * d1[0]) / den
    eps = 1e-6
    return eps < u < 1 - eps and eps < v < 1 - eps


def crossings(edges) -> list:
    segs = [(e, s) for e in edges for s in _segments(e.points)]
    found = []
    for (e1, s1), (e2, s2) in itertools.combinations(segs, 2):
        if e1 is not e2 and _cross(*s1, *s2):
            found.append((e1.ref, e2.ref))
    return found


def drawn_points(points, smooth: bool, closed: bool, per_segment: int = 16):
    """The points of a curve as drawn: pgf's smooth closed curve through ``points`` (control
    points p_i + k (p_{i+1} - p_{i-1}) and p_{i+1} - k (p_{i+2} - p_i), k = 0.2775 tension,
    tension 0.6), or the polyline."""
    if not smooth:
        return list(points) + ([points[0]] if closed else [])
    k = 0.2775 * 0.6
    p = np.asarray(points, dtype=float)
    n = len(p)
    out = []
    for i in range(n):
        a, b, c, d = p[(i - 1) % n], p[i], p[(i + 1) % n], p[(i + 2) % n]
        c1, c2 = b + k * (c - a), c - k * (d - b)
        for u in np.linspace(0.0, 1.0, per_segment, endpoint=False):
            out.append(
                tuple(
                    (1 - u) ** 3 * b
                    + 3 * u * (1 - u) ** 2 * c1
                    + 3 * u * u * (1 - u) * c2
                    + u**3 * c
                )
            )
    return out + [out[0]]


def dist_to_curves(scene: Scene, point) -> float:
    best = math.inf
    px, py = point
    for curve in scene.curves:
        pts = drawn_points(curve.points, curve.smooth, curve.closed)
        for (ax, ay), (bx, by) in _segments(pts):
            dx, dy = bx - ax, by - ay
            t = 0.0 if dx == dy == 0 else ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)
            t = min(max(t, 0.0), 1.0)
            best = min(best, math.hypot(px - ax - t * dx, py - ay - t * dy))
    return best


def inside(region, point) -> bool:
    """Even-odd point-in-region test over all rings (as drawn)."""
    rings = [drawn_points(ring, region.smooth, True) for ring in region.rings]
    count = sum(MplPath(ring).contains_point(point) for ring in rings)
    return count % 2 == 1


def midpoint(points):
    total = sum(math.dist(a, b) for a, b in _segments(points))
    run = 0.0
    for a, b in _segments(points):
        seg = math.dist(a, b)
        if run + seg >= total / 2:
            s = (total / 2 - run) / seg
            return (a[0] + s * (b[0] - a[0]), a[1] + s * (b[1] - a[1]))
        run += seg
    return points[-1]
