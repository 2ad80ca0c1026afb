"""Plots of sweep results: separation rank against T, and bound tightness.

Both take the rows of :func:`rac_tn.sweeps.sweep` (:class:`~rac_tn.sweeps.SweepRow`), or plain
dicts with the same keys (:meth:`SweepRow.to_dict`), so a sweep run on a cluster can be plotted
later from its JSON.

Examples
--------
>>> from rac_tn.sweeps import sweep, sweep_configs
>>> rows = sweep(sweep_configs(depths=[1, 2], lengths=range(2, 7, 2), hidden=2, inputs=2))
>>> fig = plot_depth_vs_memory(rows)
>>> [line.get_ydata().tolist() for line in fig.axes[0].get_lines()[:2]]
[[2, 2, 2], [2, 2, 2]]
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from rac_tn.draw.mpl import save
from rac_tn.sweeps import SweepRow

COLUMN_WIDTH_IN = 3.35  # one journal column (8.5 cm)
_DEPTH_COLOURS = {1: "#4C72B0", 2: "#DD8452", 3: "#55A868", 4: "#C44E52", 5: "#8172B3"}
_MARKERS = {2: "o", 3: "s", 4: "^", 5: "D"}


def _rc() -> dict[str, Any]:
    return {
        "font.size": 7,
        "axes.labelsize": 7,
        "axes.titlesize": 7,
        "legend.fontsize": 6,
        "xtick.labelsize": 6,
        "ytick.labelsize": 6,
        "axes.linewidth": 0.6,
        "lines.linewidth": 1.0,
        "lines.markersize": 3.5,
        "mathtext.fontset": "cm",
    }


def _as_rows(rows: Iterable[SweepRow | Mapping[str, Any]]) -> list[SweepRow]:
    """Sweep rows, reading plain dicts (e.g. loaded from JSON) with :meth:`SweepRow.from_dict`."""
    return [row if isinstance(row, SweepRow) else SweepRow.from_dict(row) for row in rows]


def _series(rows: Iterable[SweepRow]) -> dict[tuple[int, int, int], list[SweepRow]]:
    grouped: dict[tuple[int, int, int], list[SweepRow]] = defaultdict(list)
    for row in rows:
        grouped[(row.M, row.R, row.L)].append(row)
    return {key: sorted(value, key=lambda r: r.T) for key, value in sorted(grouped.items())}


def _figure_axes(ax: Axes | None, height: float) -> tuple[Figure, Axes]:
    if ax is None:
        fig = Figure(figsize=(COLUMN_WIDTH_IN, height), layout="constrained")
        return fig, fig.add_subplot()
    return ax.figure, ax


def _style(
    M: int, R: int, L: int, depths: dict[int, str], shapes: dict[str, str]
) -> tuple[str, str]:
    """Colour by depth, marker by (M, R); records both for the legend."""
    colour = _DEPTH_COLOURS.get(L, "0.3")
    marker = _MARKERS.get(M if M == R else min(M, R), "o")
    depths.setdefault(L, colour)
    shapes.setdefault(f"M=R={M}" if M == R else f"M={M}, R={R}", marker)
    return colour, marker


def plot_depth_vs_memory(
    rows: Iterable[SweepRow | Mapping[str, Any]],
    *,
    title: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Separation rank against T (log scale), one colour per depth L.

    Markers: exact sampled ranks (hollow when only a certified lower bound, i.e. capped).
    Solid lines: the symmetric-cut upper bound. Dotted: the paper's Theorem 1.2 lower bound
    ``((min(M, R), T/2))`` (depth 2, Start-End) and Theorem 1.1's ``R`` (depth 1).
    Different (M, R) pairs get different marker shapes.

    Parameters
    ----------
    rows
        Sweep rows (:class:`~rac_tn.sweeps.SweepRow` or dicts with its keys).
    title
        A title above the axes.
    ax
        Draw on these axes instead of a new one-column figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    rows = _as_rows(rows)
    if not rows:
        raise ValueError("rows is empty: nothing to plot")
    with rc_context(_rc()):
        fig, ax = _figure_axes(ax, height=2.5)
        depths: dict[int, str] = {}
        shapes: dict[str, str] = {}
        for (M, R, L), series in _series(rows).items():
            colour, marker = _style(M, R, L, depths, shapes)
            ax.plot(
                [r.T for r in series],
                [r.symmetric_bound for r in series],
                "-",
                color=colour,
                alpha=0.8,
            )
            ranked = [r for r in series if r.separation_rank is not None]
            certain = [(r.T, r.separation_rank) for r in ranked if r.rank_exact]
            capped = [(r.T, r.separation_rank) for r in ranked if not r.rank_exact]
            if certain:
                ax.plot(
                    *zip(*certain, strict=True),
                    marker,
                    color=colour,
                    linestyle="none",
                )
            if capped:
                ax.plot(
                    *zip(*capped, strict=True),
                    marker,
                    color=colour,
                    markerfacecolor="white",
                    linestyle="none",
                )
            theorem = [(r.T, r.theorem_lower) for r in series if r.theorem_lower is not None]
            if theorem:
                ax.plot(
                    *zip(*theorem, strict=True),
                    ":",
                    color=colour,
                )
        ax.set_yscale("log")
        ax.set_xlabel("sequence length $T$")
        partitions = sorted({r.partition for r in rows})
        ax.set_ylabel(f"separation rank ({', '.join(partitions)})")
        if title:
            ax.set_title(title)
        ax.grid(True, which="major", linewidth=0.3, alpha=0.5)
        _legends(ax, depths, shapes, any(r.theorem_lower for r in rows))
    return fig


def _legends(ax: Axes, depths: dict[int, str], shapes: dict[str, str], theorem: bool) -> None:
    capped = any(
        line.get_markerfacecolor() == "white" and line.get_linestyle() == "None"
        for line in ax.get_lines()
    )
    style = [Line2D([], [], color="0.2", label="symmetric-cut bound")]
    style += [
        Line2D([], [], color="0.2", marker=m, linestyle="none", label=f"exact rank, {mr}")
        for mr, m in shapes.items()
    ]
    if capped:
        style.append(
            Line2D(
                [],
                [],
                color="0.2",
                marker="o",
                markerfacecolor="white",
                linestyle="none",
                label="lower bound (sample cap)",
            )
        )
    if theorem:
        style.append(Line2D([], [], color="0.2", linestyle=":", label="Thm 1.2 lower bound"))
    _two_column_legend(ax, depths, style)


def _two_column_legend(ax: Axes, depths: dict[int, str], style: list[Line2D]) -> None:
    colour_handles = [Line2D([], [], color=c, label=f"$L = {L}$") for L, c in depths.items()]
    # headroom on the log axis keeps the legend off the curves
    low, high = ax.get_ylim()
    ax.set_ylim(low, high * (high / low) ** 0.6)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(
        handles=colour_handles + style,
        loc="upper left",
        ncol=2,
        frameon=False,
        handlelength=1.6,
        columnspacing=1.0,
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
    templates). A ratio of 1 means the bound is tight. Only rows whose rank is exact are plotted.

    Parameters
    ----------
    rows
        Sweep rows (:class:`~rac_tn.sweeps.SweepRow` or dicts with its keys).
    title
        A title above the axes.
    ax
        Draw on these axes instead of a new one-column figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    rows = [r for r in _as_rows(rows) if r.separation_rank and r.rank_exact]
    if not rows:
        raise ValueError("rows holds no exact ranks: nothing to plot")
    with rc_context(_rc()):
        fig, ax = _figure_axes(ax, height=2.3)
        depths: dict[int, str] = {}
        shapes: dict[str, str] = {}
        for (M, R, L), series in _series(rows).items():
            colour, marker = _style(M, R, L, depths, shapes)
            ax.plot(
                [r.T for r in series],
                [r.separation_rank / r.symmetric_bound for r in series],
                "-",
                marker=marker,
                color=colour,
            )
            net = [
                (r.T, r.grid_rank / r.network_bound)
                for r in series
                if r.network_bound and r.grid_rank
            ]
            if net:
                ax.plot(
                    *zip(*net, strict=True),
                    "--",
                    marker=marker,
                    color=colour,
                    markerfacecolor="white",
                )
        ax.set_yscale("log")
        ax.axhline(1.0, color="0.5", linewidth=0.6)
        ax.set_xlabel("sequence length $T$")
        ax.set_ylabel("exact rank / upper bound")
        if title:
            ax.set_title(title)
        ax.grid(True, which="major", linewidth=0.3, alpha=0.5)
        style = [
            Line2D([], [], color="0.2", label="sep. rank / symmetric cut"),
            Line2D([], [], color="0.2", linestyle="--", label="grid rank / network cut"),
        ]
        style += [
            Line2D([], [], color="0.2", marker=m, linestyle="none", label=mr)
            for mr, m in shapes.items()
        ]
        _two_column_legend(ax, depths, style)
    return fig


__all__ = ["plot_bound_tightness", "plot_depth_vs_memory", "save"]
