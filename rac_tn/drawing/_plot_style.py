"""The look shared by the sweep plots and the paper's figures: fonts, depth styles, legends.

Every series is told apart by its marker and line style as well as its colour, so a plot reads
in greyscale; a certified lower bound (a rank that reached the sample cap) is drawn at its
value with an arrow pointing up.

Examples
--------
>>> [handle for handle in row_major(list("abcde"), 3)]
['a', 'd', 'b', 'e', 'c']
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from matplotlib.markers import MarkerStyle
from matplotlib.path import Path
from matplotlib.transforms import ScaledTranslation, Transform

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.typing import LineStyleType, RcKeyType

COLUMN_WIDTH_IN = 3.35  # one journal column (8.5 cm)
PAGE_WIDTH_IN = 6.3  # a page's text width (16 cm)
#: Okabe-Ito colours (distinct for every common colour-vision deficiency), one per depth; the
#: depth is also told by the marker and the line style, so it reads in greyscale too.
DEPTH_COLOURS = {1: "#0072B2", 2: "#D55E00", 3: "#009E73", 4: "#CC79A7", 5: "#E69F00"}
DEPTH_MARKERS = {1: "o", 2: "s", 3: "^", 4: "D", 5: "v"}
#: No depth is dotted: dots are the Theorem 1.2 line's (:data:`THEOREM_DASHES`).
DEPTH_DASHES: dict[int, LineStyleType] = {
    1: "-",
    2: (0, (5.0, 1.6)),
    3: (0, (3.2, 1.2, 1.0, 1.2)),
    4: (0, (5.0, 1.0, 1.0, 1.0, 1.0, 1.0)),
    5: (0, (8.0, 1.5)),
}
THEOREM_DASHES: LineStyleType = (0, (1.0, 1.4))
#: Points between the markers of neighbouring series at one T (a marker is 3.8 points wide).
DODGE_PT = 4.6
#: How far the lower-bound arrow reaches above the marker's centre, in marker widths.
_ARROW_TOP = 1.6


def plot_rc() -> dict[RcKeyType, Any]:
    """The rc settings of every plot: Computer Modern for the text (cmr10) and the math."""
    return {
        "font.family": "serif",
        "font.serif": ["cmr10"],
        "mathtext.fontset": "cm",
        "axes.formatter.use_mathtext": True,
        "axes.unicode_minus": False,
        "font.size": 7,
        "axes.labelsize": 7,
        "axes.titlesize": 7,
        "legend.fontsize": 6.5,
        "xtick.labelsize": 6.5,
        "ytick.labelsize": 6.5,
        "axes.linewidth": 0.6,
        "lines.linewidth": 1.0,
        "lines.markersize": 3.8,
        "lines.markeredgewidth": 0.8,
    }


_T = TypeVar("_T")
_K = TypeVar("_K", bound=Hashable)


def row_major(handles: Sequence[_T], ncol: int) -> list[_T]:
    """``handles`` reordered so a legend of ``ncol`` columns reads them row by row.

    matplotlib fills a legend's columns top to bottom (the first ``len % ncol`` columns one
    entry longer); this lists, column by column, the entries each column holds in row order.
    """
    if ncol < 1:
        raise ValueError(f"ncol must be at least 1, got {ncol}")
    rows = -(-len(handles) // ncol)
    return [
        handles[r * ncol + c]
        for c in range(ncol)
        for r in range(rows)
        if r * ncol + c < len(handles)
    ]


def lower_bound_marker(marker: str) -> Path:
    """``marker``'s outline with an arrow pointing up from its top: "at least this value".

    Draw it with ``markersize`` times :func:`lower_bound_size` so the shape keeps the size of
    the plain marker; its centre is the data point.
    """
    style = MarkerStyle(marker)
    shape = style.get_path().transformed(style.get_transform())  # about +-0.5 around 0
    top, head = _ARROW_TOP, 0.42
    arrow = Path(
        [(0.0, 0.5), (0.0, top), (-0.3, top - head), (0.0, top), (0.3, top - head)],
        [Path.MOVETO, Path.LINETO, Path.MOVETO, Path.LINETO, Path.LINETO],
    )
    return Path.make_compound_path(shape, arrow)


def lower_bound_size(markersize: float) -> float:
    """The ``markersize`` of a :func:`lower_bound_marker` whose shape is ``markersize`` wide."""
    return markersize * _ARROW_TOP / 0.5


def shifted(ax: Axes, points: float) -> Transform:
    """``ax``'s data coordinates moved ``points`` (1/72 inch) along x."""
    return ax.transData + ScaledTranslation(points / 72, 0, ax.figure.dpi_scale_trans)


def dodged(ax: Axes, index: int, count: int, step: float = DODGE_PT) -> Transform:
    """Data coordinates shifted along x: series ``index`` of ``count``, ``step`` points apart."""
    return shifted(ax, (index - (count - 1) / 2) * step)


def collision_shifts(
    series: Mapping[_K, Sequence[tuple[float, float]]], tolerance: float, step: float = DODGE_PT
) -> dict[_K, list[float]]:
    """Per series, per point, how many points to move it along x so no two markers overlap.

    Points at one x whose y values (as given: pass log10 values for a log axis) lie within
    ``tolerance`` of a neighbour form a cluster, spread ``step`` points apart in the order of
    ``series``; every other point stays on its x.
    """
    order = {key: i for i, key in enumerate(series)}
    at_x: dict[float, list[tuple[float, _K, int]]] = {}
    for key, points in series.items():
        for index, (x, y) in enumerate(points):
            at_x.setdefault(x, []).append((y, key, index))
    shifts = {key: [0.0] * len(points) for key, points in series.items()}
    for members in at_x.values():
        members.sort(key=lambda m: m[0])
        clusters = [[members[0]]]
        for member in members[1:]:
            if member[0] - clusters[-1][-1][0] < tolerance:
                clusters[-1].append(member)
            else:
                clusters.append([member])
        for cluster in clusters:
            cluster.sort(key=lambda m: order[m[1]])
            for i, (_, key, index) in enumerate(cluster):
                shifts[key][index] = (i - (len(cluster) - 1) / 2) * step
    return shifts
