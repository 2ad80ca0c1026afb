"""Plots of sweep results: separation rank against T, and bound tightness.

Both take the rows of :func:`rac_tn.analysis.sweeps.sweep`
(:class:`~rac_tn.analysis.sweeps.SweepRow`), or plain
dicts with the same keys (:meth:`SweepRow.to_dict`), so a sweep run on a cluster can be plotted
later from its JSON.

Examples
--------
>>> from rac_tn.analysis.sweeps import sweep, sweep_configs
>>> rows = sweep(sweep_configs(depths=[1, 2], lengths=range(2, 7, 2), hidden=2, inputs=2))
>>> fig = plot_depth_vs_memory(rows)
>>> [line.get_ydata().tolist() for line in fig.axes[0].get_lines()[:2]]
[[2, 2, 2], [2, 2, 2]]
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, cast

from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FormatStrFormatter, NullLocator
from matplotlib.transforms import ScaledTranslation

from rac_tn.analysis.sweeps import SweepRow
from rac_tn.drawing.mpl import InlineFigure, save

if TYPE_CHECKING:
    from matplotlib.typing import LineStyleType, RcKeyType

COLUMN_WIDTH_IN = 3.35  # one journal column (8.5 cm)
PAGE_WIDTH_IN = 6.3  # a page's text width (16 cm)
#: Okabe-Ito colours (distinct for every common colour-vision deficiency), one per depth; the
#: depth is also told by the marker and the line style, so it reads in greyscale too.
DEPTH_COLOURS = {1: "#0072B2", 2: "#D55E00", 3: "#009E73", 4: "#CC79A7", 5: "#E69F00"}
DEPTH_MARKERS = {1: "o", 2: "s", 3: "^", 4: "D", 5: "v"}
DEPTH_DASHES: dict[int, LineStyleType] = {
    1: "-",
    2: (0, (5.0, 1.6)),
    3: (0, (1.2, 1.2)),
    4: "-.",
    5: (0, (3.0, 1.0, 1.0, 1.0)),
}


def _rc() -> dict[RcKeyType, Any]:
    # one serif family: Computer Modern for the text (cmr10) and for the math, as in LaTeX
    return {
        "font.family": "serif",
        "font.serif": ["cmr10", "DejaVu Serif"],
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


def _as_rows(rows: Iterable[SweepRow | Mapping[str, Any]]) -> list[SweepRow]:
    """Sweep rows, reading plain dicts (e.g. loaded from JSON) with :meth:`SweepRow.from_dict`."""
    return [row if isinstance(row, SweepRow) else SweepRow.from_dict(row) for row in rows]


def _series(rows: Iterable[SweepRow]) -> dict[tuple[int, int, int], list[SweepRow]]:
    grouped: dict[tuple[int, int, int], list[SweepRow]] = defaultdict(list)
    for row in rows:
        grouped[(row.M, row.R, row.L)].append(row)
    return {key: sorted(value, key=lambda r: r.T) for key, value in sorted(grouped.items())}


def _panels(
    rows: list[SweepRow], ax: Axes | None, height: float
) -> tuple[Figure, dict[tuple[int, int], Axes]]:
    """One panel per (M, R) pair, side by side with a shared y axis (given ``ax``: one)."""
    pairs = sorted({(r.M, r.R) for r in rows})
    if ax is not None:
        # a SubFigure only when the caller's axes are in one
        return cast(Figure, ax.figure), dict.fromkeys(pairs, ax)
    width = COLUMN_WIDTH_IN if len(pairs) == 1 else min(PAGE_WIDTH_IN, 2.3 * len(pairs) + 0.5)
    fig = InlineFigure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(1, len(pairs), sharey=True, squeeze=False)[0]
    for (M, R), panel in zip(pairs, axes, strict=True):
        if len(pairs) > 1:
            panel.set_title(f"$M = R = {M}$" if M == R else rf"$M = {M},\ R = {R}$")
    return fig, dict(zip(pairs, axes, strict=True))


def _depth_style(L: int) -> dict[str, Any]:
    return {
        "color": DEPTH_COLOURS.get(L, "0.3"),
        "marker": DEPTH_MARKERS.get(L, "o"),
    }


def _even_ticks(ax: Axes, rows: list[SweepRow]) -> None:
    """Ticks at the lengths swept (every other one when there are many)."""
    ts = sorted({r.T for r in rows})
    step = 1 if len(ts) <= 8 else 2
    ax.set_xticks(ts[::step])
    ax.xaxis.set_major_formatter(FormatStrFormatter("%d"))
    ax.xaxis.set_minor_locator(NullLocator())


def plot_depth_vs_memory(
    rows: Iterable[SweepRow | Mapping[str, Any]],
    *,
    title: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Separation rank against T (log scale), one colour, marker and line style per depth L.

    Markers: exact sampled ranks (filled), or certified lower bounds only (hollow: the sample
    cap was reached). Lines (``gid='symmetric-cut bound'``): the symmetric-cut upper bound, in
    the depth's line style. Thin
    black dotted line, labelled: the paper's Theorem 1.2 lower bound ``((min(M, R), T/2))``
    (depth 2, Start-End). One panel per (M, R) pair.

    Parameters
    ----------
    rows
        Sweep rows (:class:`~rac_tn.analysis.sweeps.SweepRow` or dicts with its keys).
    title
        A title above the axes.
    ax
        Draw on these axes instead of a new figure (one column wide for one (M, R) pair, a
        page wide for more).

    Returns
    -------
    matplotlib.figure.Figure
    """
    rows = _as_rows(rows)
    if not rows:
        raise ValueError("rows is empty: nothing to plot")
    with rc_context(_rc()):
        fig, panels = _panels(rows, ax, height=2.5)
        capped_any = theorem_any = False
        for (M, R, L), series in _series(rows).items():
            panel = panels[(M, R)]
            st = _depth_style(L)
            panel.plot(
                [r.T for r in series],
                [r.symmetric_bound for r in series],  # type: ignore[arg-type]  # None: a gap
                linestyle=DEPTH_DASHES.get(L, "-"),
                color=st["color"],
                alpha=0.9,
                gid="symmetric-cut bound",
            )
            ranked = [r for r in series if r.separation_rank is not None]
            certain = [(r.T, r.separation_rank) for r in ranked if r.rank_exact]
            capped = [(r.T, r.separation_rank) for r in ranked if not r.rank_exact]
            if certain:
                panel.plot(
                    *zip(*certain, strict=True), st["marker"], color=st["color"], linestyle="none"
                )
            if capped:
                capped_any = True
                panel.plot(
                    *zip(*capped, strict=True),
                    st["marker"],
                    color=st["color"],
                    markerfacecolor="white",
                    linestyle="none",
                )
            theorem = [(r.T, r.theorem_lower) for r in series if r.theorem_lower is not None]
            if len(theorem) >= 2:  # a single point would be an invisible line
                theorem_any = True
                panel.plot(
                    *zip(*theorem, strict=True), ":", color="0.15", linewidth=0.9, gid="theorem"
                )
                x, y = theorem[-1]
                panel.annotate(
                    "Thm 1.2",
                    (x, y),
                    xytext=(2, -7),
                    textcoords="offset points",
                    fontsize=6,
                    color="0.15",
                    ha="right",
                    va="top",
                )
        partitions = sorted({r.partition for r in rows})
        for i, (pair, panel) in enumerate(panels.items()):
            if ax is not None and i > 0:
                break
            panel.set_yscale("log")
            panel.set_xlabel("sequence length $T$")
            if i == 0:
                panel.set_ylabel(f"separation rank ({', '.join(partitions)})")
            panel.grid(True, which="major", linewidth=0.3, alpha=0.5)
            _even_ticks(panel, [r for r in rows if ax is not None or (r.M, r.R) == pair])
        if title:
            fig.suptitle(title, fontsize=7.5)
        depths = sorted({r.L for r in rows})
        handles = [
            Line2D(
                [],
                [],
                color=DEPTH_COLOURS.get(L, "0.3"),
                marker=DEPTH_MARKERS.get(L, "o"),
                linestyle=DEPTH_DASHES.get(L, "-"),
                label=f"$L = {L}$",
            )
            for L in depths
        ]
        handles.append(Line2D([], [], color="0.3", label="symmetric-cut bound"))
        handles.append(
            Line2D([], [], color="0.3", marker="o", linestyle="none", label="exact rank")
        )
        if capped_any:
            handles.append(
                Line2D(
                    [],
                    [],
                    color="0.3",
                    marker="o",
                    markerfacecolor="white",
                    linestyle="none",
                    label="lower bound (sample cap)",
                )
            )
        if theorem_any:
            handles.append(Line2D([], [], color="0.15", linestyle=":", label="Thm 1.2 lower bound"))
        _legend(fig, ax, handles)
    return fig


def _legend(fig: Figure, ax: Axes | None, handles: list[Line2D]) -> None:
    """A compact legend below the plot, in as few rows as fit."""
    ncol = min(len(handles), 3 if fig.get_figwidth() < 4 else 4)
    if ax is not None:
        ax.legend(handles=handles, loc="best", frameon=False, fontsize=6, ncol=1)
        return
    fig.legend(
        handles=handles,
        loc="outside lower center",
        ncol=ncol,
        frameon=False,
        handlelength=2.2,
        columnspacing=1.0,
        handletextpad=0.5,
        borderaxespad=0.2,
    )


def plot_bound_tightness(
    rows: Iterable[SweepRow | Mapping[str, Any]],
    *,
    title: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Exact ranks divided by the upper bounds that bound them, per configuration.

    Solid: exact separation rank / symmetric-cut bound (both about the function). Dashed:
    exact grid-tensor rank / network-cut bound (both about the grid tensor with the identity
    templates). A ratio of 1 means the bound is tight. Only rows whose rank is exact are
    plotted, so every marker is filled (hollow markers mean a lower bound in the other plots).
    Depths are told apart by colour and marker, and drawn a little apart along T so that
    equal ratios (all 1 at depth 1) stay visible.

    Parameters
    ----------
    rows
        Sweep rows (:class:`~rac_tn.analysis.sweeps.SweepRow` or dicts with its keys).
    title
        A title above the axes.
    ax
        Draw on these axes instead of a new one-column figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    rows = cast(list[SweepRow], [r for r in _as_rows(rows) if r.separation_rank and r.rank_exact])
    if not rows:
        raise ValueError("rows holds no exact ranks: nothing to plot")
    with rc_context(_rc()):
        if ax is None:
            fig = InlineFigure(figsize=(COLUMN_WIDTH_IN, 2.4), layout="constrained")
            ax_ = fig.add_subplot()
        else:
            fig, ax_ = cast(Figure, ax.figure), ax  # a SubFigure only if the caller's axes are
        depths = sorted({r.L for r in rows})
        pairs = sorted({(r.M, r.R) for r in rows})
        sizes = {pair: 3.2 + 1.2 * i for i, pair in enumerate(pairs)}
        for (M, R, L), series in _series(rows).items():
            st = _depth_style(L)
            # dodge: depths side by side along T (a display offset; the data stay exact)
            shift = (depths.index(L) - (len(depths) - 1) / 2) * 4.0
            z = 3 + len(depths) - depths.index(L)  # shallow depths on top
            offset = ax_.transData + ScaledTranslation(shift / 72, 0, fig.dpi_scale_trans)
            ax_.plot(
                [r.T for r in series],
                # exact rows only, each with its symmetric bound
                [r.separation_rank / r.symmetric_bound for r in series],  # type: ignore[operator]
                "-",
                marker=st["marker"],
                markersize=sizes[(M, R)],
                color=st["color"],
                transform=offset,
                zorder=z,
            )
            net = [
                (r.T, r.grid_rank / r.network_bound)
                for r in series
                if r.network_bound and r.grid_rank
            ]
            if net:
                ax_.plot(
                    *zip(*net, strict=True),
                    "--",
                    marker=st["marker"],
                    markersize=sizes[(M, R)],
                    color=st["color"],
                    transform=offset,
                    linewidth=0.8,
                    zorder=z - 0.5,
                )
        ax_.set_ylim(0.0, 1.05)
        ts = [r.T for r in rows]
        ax_.set_xlim(min(ts) - 0.8, max(ts) + 0.8)
        ax_.axhline(1.0, color="0.5", linewidth=0.6, zorder=0)
        ax_.set_xlabel("sequence length $T$")
        ax_.set_ylabel("exact rank / upper bound")
        if title:
            ax_.set_title(title)
        ax_.grid(True, which="major", linewidth=0.3, alpha=0.5)
        _even_ticks(ax_, rows)
        handles = [
            Line2D(
                [],
                [],
                color=DEPTH_COLOURS.get(L, "0.3"),
                marker=DEPTH_MARKERS.get(L, "o"),
                linestyle="none",
                label=f"$L = {L}$",
            )
            for L in depths
        ]
        handles += [
            Line2D([], [], color="0.3", label="sep. rank / symmetric cut"),
            Line2D([], [], color="0.3", linestyle="--", label="grid rank / network cut"),
        ]
        if len(pairs) > 1:
            handles += [
                Line2D(
                    [],
                    [],
                    color="0.3",
                    marker="o",
                    markersize=sizes[p],
                    linestyle="none",
                    label=f"$M = R = {p[0]}$" if p[0] == p[1] else f"$M={p[0]}, R={p[1]}$",
                )
                for p in pairs
            ]
        _legend(fig, ax, handles)
    return fig


__all__ = ["plot_bound_tightness", "plot_depth_vs_memory", "save"]
