"""Render a :class:`~rac_tn.drawing.scene.Scene` with matplotlib, at the scene's physical size.

A PDF or SVG is vector-clean at its natural size and text keeps its point size; math labels
use mathtext's Computer Modern, matching the TikZ output. The figure is an
:class:`InlineFigure`, shown inline by notebooks without pyplot.

Examples
--------
>>> from rac_tn.drawing.scene import Node, Scene
>>> scene = Scene()
>>> _ = scene.add_node(Node("a", 0.0, 0.0, label="W^{O}"))
>>> fig = render(scene)
>>> save(fig, "/tmp/scene.png", dpi=300)  # doctest: +SKIP
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

import numpy as np
from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, FancyBboxPatch, PathPatch, Polygon
from matplotlib.path import Path as MplPath

from rac_tn.drawing._curves import arrow_head, arrow_size, smooth_cycle
from rac_tn.drawing.scene import (
    Curve,
    Edge,
    Node,
    Point,
    Region,
    Scene,
    Text,
    shown_text,
)

_CM = 1 / 2.54
#: Pixels per inch of a figure shown in a notebook (about 1.6 times its printed size, so
#: 7 pt labels read like the notebook's own text); the PNG has twice as many pixels, for
#: high-density screens.
NOTEBOOK_PPI = 150


class InlineFigure(Figure):
    r"""A matplotlib Figure that IPython and Jupyter display inline (a sharp PNG), without pyplot.

    ``rc`` (matplotlib rc settings) holds whenever the figure is drawn: saved, shown or
    measured, inside the settings' context or long after it.

    Examples
    --------
    >>> fig = InlineFigure(figsize=(2.0, 1.0))
    >>> data, meta = fig._repr_png_()
    >>> data[:4], meta
    (b'\x89PNG', {'width': 300, 'height': 150})
    """

    def __init__(
        self, *args: object, rc: Mapping[Any, Any] | None = None, **kwargs: object
    ) -> None:
        kwargs.setdefault("dpi", NOTEBOOK_PPI)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        # matplotlib resolves a font family (``serif``) to a font when it draws, so a figure
        # built inside an rc context and saved after it would set its text in the default
        # serif beside the math font chosen at build time: the figure keeps its rc settings
        # and draws under them, whenever and however it is saved or shown
        self._draw_rc: dict[Any, Any] = dict(rc or {})

    def draw(self, renderer: Any) -> None:
        """Draw under the rc settings the figure was made with (``rc=``)."""
        with rc_context(self._draw_rc):
            super().draw(renderer)

    def _repr_png_(self) -> tuple[bytes, dict[str, int]]:
        import io

        buf = io.BytesIO()
        self.savefig(buf, format="png", dpi=2 * NOTEBOOK_PPI, facecolor="white")
        w, h = self.get_size_inches()
        return buf.getvalue(), {"width": round(w * NOTEBOOK_PPI), "height": round(h * NOTEBOOK_PPI)}

    def _repr_html_(self) -> None:
        # a Figure has no HTML form; returning None lets the notebook fall back to the PNG
        return None


# z-orders, back to front
_Z_REGION, _Z_EDGE, _Z_EDGE_HL, _Z_CURVE, _Z_NODE, _Z_TEXT = 0.5, 1, 1.5, 2, 3, 4


def _math(text: str, math: bool | str) -> str:
    return shown_text(text, math)[0]


def render(scene: Scene, ax: Axes | None = None) -> Figure:
    """Draw ``scene`` on ``ax`` (limits set to the scene), or on a new Figure of the scene's size.

    Examples
    --------
    >>> fig = render(scene)             # doctest: +SKIP
    >>> fig.savefig("network.pdf")      # doctest: +SKIP
    """
    x0, y0, x1, y1 = scene.bbox()
    if ax is None:
        fig = InlineFigure(figsize=((x1 - x0) * _CM, (y1 - y0) * _CM))
        ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    else:
        fig = cast(Figure, ax.figure)  # a SubFigure only if the caller's axes are in one
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.set_axis_off()
    for region in scene.regions:
        _draw_region(ax, region)
    for edge in scene.edges:
        _draw_edge(ax, edge)
    for curve in scene.curves:
        _draw_curve(ax, curve)
    for node in scene.nodes:
        _draw_node(ax, node)
    for text in scene.texts:
        _draw_text(ax, text)
    return fig


def _ring_path(ring: list[Point], smooth: bool) -> tuple[list[Point], list[np.uint8]]:
    """Vertices and codes of one closed ring: a polygon, or the smooth curve through it."""
    if not smooth or len(ring) < 3:
        verts = [*ring, ring[0]]
        return verts, [MplPath.MOVETO] + [MplPath.LINETO] * (len(ring) - 1) + [MplPath.CLOSEPOLY]
    segments = smooth_cycle(ring)
    verts = [segments[0][0]]
    codes = [MplPath.MOVETO]
    for _, c1, c2, end in segments:
        verts += [c1, c2, end]
        codes += [MplPath.CURVE4] * 3
    verts.append(segments[0][0])
    codes.append(MplPath.CLOSEPOLY)
    return verts, codes


def _draw_region(ax: Axes, region: Region) -> None:
    verts, codes = [], []
    for ring in region.rings:
        v, c = _ring_path(ring, region.smooth)
        verts += v
        codes += c
    patch = PathPatch(
        MplPath(verts, codes),
        facecolor=region.fill,
        edgecolor="none",
        alpha=region.alpha,
        zorder=_Z_REGION,
    )
    ax.add_patch(patch)


def _draw_edge(ax: Axes, edge: Edge) -> None:
    z = _Z_EDGE_HL if edge.highlight else _Z_EDGE
    pts = list(edge.points)
    if edge.arrow and len(pts) >= 2:
        head = arrow_head(pts[-2], pts[-1], *arrow_size(edge.width))
        pts[-1] = ((head[1][0] + head[2][0]) / 2, (head[1][1] + head[2][1]) / 2)
        ax.add_patch(Polygon(head, closed=True, facecolor=edge.color, edgecolor="none", zorder=z))
    xs, ys = zip(*pts, strict=True)
    line = Line2D(
        xs,
        ys,
        linewidth=edge.width,
        color=edge.color,
        linestyle=(0, (3.0, 2.0)) if edge.dashed else "-",
        solid_capstyle="butt",
        solid_joinstyle="round",
        zorder=z,
    )
    ax.add_line(line)
    if edge.label and edge.label_pos is not None:
        ax.text(
            *edge.label_pos,
            _math(edge.label, True),
            fontsize=edge.label_size,
            color=edge.color,
            ha="center",
            va="center",
            math_fontfamily="cm",
            zorder=_Z_TEXT,
        )


def _draw_curve(ax: Axes, curve: Curve) -> None:
    if curve.closed:
        verts, codes = _ring_path(list(curve.points), curve.smooth)
        ax.add_patch(
            PathPatch(
                MplPath(verts, codes),
                facecolor="none",
                edgecolor=curve.color,
                linewidth=curve.width,
                linestyle=(0, (4.0, 2.5)) if curve.dashed else "-",
                capstyle="round",
                joinstyle="round",
                zorder=_Z_CURVE,
            )
        )
        return
    xs, ys = zip(*curve.points, strict=True)
    line = Line2D(
        xs,
        ys,
        linewidth=curve.width,
        color=curve.color,
        linestyle=(0, (4.0, 2.5)) if curve.dashed else "-",
        dash_capstyle="round",
        solid_joinstyle="round",
        zorder=_Z_CURVE,
    )
    ax.add_line(line)


def _draw_node(ax: Axes, node: Node) -> None:
    if node.shape == "none":
        return
    style: dict[str, Any] = dict(
        facecolor=node.fill, edgecolor=node.stroke, linewidth=node.linewidth
    )
    if node.shape in ("circle", "dot"):
        patch = Circle((node.x, node.y), node.size, **style, zorder=_Z_NODE)
    elif node.shape == "box":
        w, h = node.size, node.half_height
        patch = FancyBboxPatch(
            (node.x - w, node.y - h),
            2 * w,
            2 * h,
            boxstyle=f"round,pad=0,rounding_size={0.25 * min(w, h):.4f}",
            **style,
            zorder=_Z_NODE,
        )
    elif node.shape == "diamond":
        x, y, r = node.x, node.y, node.size
        corners = [(x + r, y), (x, y + r), (x - r, y), (x, y - r)]
        patch = Polygon(corners, closed=True, **style, joinstyle="miter", zorder=_Z_NODE)
    else:
        raise ValueError(f"unknown node shape {node.shape!r}")
    ax.add_patch(patch)
    if node.label:
        ax.text(
            node.x,
            node.y,
            _math(node.label, True),
            fontsize=node.label_size,
            color=node.label_color,
            ha="center",
            va="center",
            math_fontfamily="cm",
            zorder=_Z_TEXT,
        )


def _draw_text(ax: Axes, text: Text) -> None:
    ax.text(
        text.x,
        text.y,
        _math(text.text, text.math),
        fontsize=text.size,
        color=text.color,
        ha=text.ha,
        va=text.va,
        math_fontfamily="cm",
        family="serif",
        zorder=_Z_TEXT,
    )


#: Metadata that would make two saves of one figure differ (dates), left out.
_FIXED_METADATA = {
    "pdf": {"CreationDate": None},
    "svg": {"Date": None},
    "eps": {"CreationDate": None},
}


def save(fig: Figure, path: str | Path, *, dpi: int = 300) -> Path:
    """Save ``fig`` by the suffix of ``path`` (.pdf, .svg, .png at ``dpi``, .eps); returns the path.

    Fonts are embedded as TrueType or paths. A PDF, SVG or PNG is the same bytes for the same
    figure (no creation date, fixed SVG ids), so a regenerated figure changes only where the
    drawing does.

    Examples
    --------
    >>> save(fig, "fig.pdf")    # doctest: +SKIP
    """
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("pdf", "svg", "png", "eps"):
        raise ValueError(f"path must end in .pdf, .svg, .png or .eps, got {path.name!r}")
    if isinstance(dpi, bool) or not isinstance(dpi, int) or dpi <= 0:
        raise ValueError(f"dpi must be a positive integer, got {dpi!r}")
    # fontTools warns about the (valid) 1970 timestamps of the bundled Computer Modern fonts
    font_log = logging.getLogger("fontTools")
    level = font_log.level
    font_log.setLevel(logging.ERROR)
    try:
        with rc_context(
            {
                "pdf.fonttype": 42,
                "ps.fonttype": 42,
                "svg.fonttype": "path",
                "svg.hashsalt": "rac_tn",
            }
        ):
            fig.savefig(
                path, format=fmt, dpi=dpi, facecolor="white", metadata=_FIXED_METADATA.get(fmt)
            )
    finally:
        font_log.setLevel(level)
    return path
