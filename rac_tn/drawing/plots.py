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
>>> [line.get_ydata().tolist() for line in fig.axes[0].get_lines()[:2]]  # the L = 1, 2 bounds
[[2, 2, 2], [2, 6, 8]]
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any, cast

from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FormatStrFormatter, NullLocator

from rac_tn.analysis.sweeps import SweepRow
from rac_tn.drawing._plot_style import (
    COLUMN_WIDTH_IN,
    DEPTH_COLOURS,
    DEPTH_DASHES,
    DEPTH_MARKERS,
    PAGE_WIDTH_IN,
    THEOREM_DASHES,
    collision_shifts,
    dodged,
    lower_bound_marker,
    lower_bound_size,
    plot_rc,
    row_major,
    shifted,
)
from rac_tn.drawing.mpl import InlineFigure, save

_rc = plot_rc  # the name the figures script imports
_MARKERSIZE = 3.8  # plot_rc's lines.markersize
_CAPPED_LABEL = "lower bound (sample cap)"


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
    fig = InlineFigure(figsize=(width, height), layout="constrained", rc=plot_rc())
    axes = fig.subplots(1, len(pairs), sharey=True, squeeze=False)[0]
    for pair, panel in zip(pairs, axes, strict=True):
        if len(pairs) > 1:
            panel.set_title(_pair_title(*pair))
    return fig, dict(zip(pairs, axes, strict=True))


def _pair_title(M: int, R: int) -> str:
    """``M = R = 2`` or ``M = 2, R = 3``, in math."""
    return f"$M = R = {M}$" if M == R else rf"$M = {M},\ R = {R}$"


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

    Markers (``gid='rank'``): exact sampled ranks, filled. Markers with an arrow up
    (``gid='lower bound'``): the sample cap was reached, so the rank is a certified lower
    bound, drawn at the value reached. At one T the depths' markers sit a little apart along
    T (the data stay exact), so equal ranks stay visible. Lines (``gid='symmetric-cut
    bound'``): the symmetric-cut upper bound, in the depth's line style. Thin black dotted
    line (``gid='theorem'``), labelled just below it: the paper's Theorem 1.2 lower bound
    ``((min(M, R), T/2))`` (depth 2, Start-End); no depth is dotted. One panel per (M, R)
    pair; the legend below reads row by row.

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
    depths = sorted({r.L for r in rows})
    with rc_context(plot_rc()):
        fig, panels = _panels(rows, ax, height=2.5)
        capped_any = theorem_any = False
        markers: dict[Axes, dict[tuple[int, str], list[tuple[int, int]]]] = {}
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
            for kind, exact in (("rank", True), ("lower bound", False)):
                points = [(r.T, r.separation_rank) for r in ranked if bool(r.rank_exact) is exact]
                if points:
                    markers.setdefault(panel, {})[L, kind] = points  # type: ignore[assignment]
                    capped_any |= not exact
            theorem = [(r.T, r.theorem_lower) for r in series if r.theorem_lower is not None]
            if len(theorem) >= 2:  # a single point would be an invisible line
                theorem_any = True
                panel.plot(*zip(*theorem, strict=True), linestyle=THEOREM_DASHES, color="0.15",
                           linewidth=0.9, gid="theorem")  # fmt: skip
                # just below the line, from its last but one point rightwards: the line rises
                # away from the text, which stays nearer it than any other line
                panel.annotate("Thm 1.2", theorem[-2], xytext=(1.5, -2.0),
                               textcoords="offset points", fontsize=6, color="0.15",
                               ha="left", va="top", gid="theorem label")  # fmt: skip
        for panel, series in markers.items():
            _draw_rank_markers(panel, series)
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
            panel.margins(x=0.05)  # room for the outermost dodged markers
        if title:
            fig.suptitle(title, fontsize=7.5)
        handles = [
            Line2D(
                [], [], linestyle=DEPTH_DASHES.get(L, "-"), label=f"$L = {L}$", **_depth_style(L)
            )  # fmt: skip
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
                    linestyle="none",
                    marker=lower_bound_marker("o"),
                    markersize=lower_bound_size(_MARKERSIZE),
                    label=_CAPPED_LABEL,
                )  # fmt: skip
            )
        if theorem_any:
            handles.append(Line2D([], [], color="0.15", linestyle=THEOREM_DASHES,
                                  label="Thm 1.2 lower bound"))  # fmt: skip
        _legend(fig, ax, handles)
    return fig


def _draw_rank_markers(panel: Axes, series: dict[tuple[int, str], list[tuple[int, int]]]) -> None:
    """Each depth's exact ranks and capped lower bounds; equal or near values at one T apart."""
    logs = {key: [(T, math.log10(v)) for T, v in points] for key, points in series.items()}
    values = [y for points in logs.values() for _, y in points]
    # decades per marker width on a panel about 110 points tall whose axis spans the values
    # and its margins, doubled: markers nearer than that at one T are set apart
    span = max(max(values) - min(values), 1.0)
    shifts = collision_shifts(logs, tolerance=span * 1.25 * 2.0 * _MARKERSIZE / 110)
    for (L, kind), points in series.items():
        st = _depth_style(L)
        style: dict[str, Any] = {"marker": st["marker"]}
        if kind == "lower bound":
            style = {"marker": lower_bound_marker(st["marker"]),
                     "markersize": lower_bound_size(_MARKERSIZE)}  # fmt: skip
        for shift in sorted(set(shifts[L, kind])):
            chosen = [p for p, s in zip(points, shifts[L, kind], strict=True) if s == shift]
            panel.plot(*zip(*chosen, strict=True), color=st["color"], linestyle="none",
                       transform=shifted(panel, shift), gid=kind, **style)  # fmt: skip


def _legend(fig: Figure, ax: Axes | None, handles: list[Line2D]) -> None:
    """A compact legend below the plot, in as few rows as fit, read row by row."""
    ncol = min(len(handles), 3 if fig.get_figwidth() < 4 else 4)
    if ax is not None:
        ax.legend(handles=handles, loc="best", frameon=False, fontsize=6, ncol=1)
        return
    fig.legend(
        handles=row_major(handles, ncol),
        loc="outside lower center",
        ncol=ncol,
        frameon=False,
        handlelength=2.2,
        columnspacing=1.0,
        handletextpad=0.5,
        borderaxespad=0.2,
    )


_RATIOS = (
    ("symmetric", "-", "separation rank /\nsymmetric cut"),
    ("network", "--", "grid-tensor rank /\nnetwork cut"),
)


def _ratio_points(series: list[SweepRow], kind: str) -> list[tuple[int, float]]:
    """(T, exact rank / bound) of ``series`` for ``kind`` ``'symmetric'`` or ``'network'``."""
    if kind == "symmetric":
        return [(r.T, r.separation_rank / r.symmetric_bound) for r in series]  # type: ignore[operator]
    return [(r.T, r.grid_rank / r.network_bound) for r in series if r.network_bound and r.grid_rank]


def plot_bound_tightness(
    rows: Iterable[SweepRow | Mapping[str, Any]],
    *,
    title: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Exact ranks divided by the upper bounds that bound them, as small multiples.

    Top row, solid: exact separation rank / symmetric-cut bound (both about the function).
    Bottom row, dashed: exact grid-tensor rank / network-cut bound (both about the grid tensor
    with the identity templates). One column per (M, R) pair, every panel on the same axes
    (ratio 0 to 1.05). A ratio of 1 means the bound is tight. Only rows whose rank is exact
    are plotted, so every marker is filled. Depths are told apart by colour and marker, and
    drawn a little apart along T so that equal ratios (all 1 at depth 1) stay visible.

    Parameters
    ----------
    rows
        Sweep rows (:class:`~rac_tn.analysis.sweeps.SweepRow` or dicts with its keys).
    title
        A title above the panels.
    ax
        Draw both ratios (solid and dashed) on these axes instead of a new figure; the rows
        must then hold one (M, R) pair.

    Returns
    -------
    matplotlib.figure.Figure
    """
    rows = cast(list[SweepRow], [r for r in _as_rows(rows) if r.separation_rank and r.rank_exact])
    if not rows:
        raise ValueError("rows holds no exact ranks: nothing to plot")
    pairs = sorted({(r.M, r.R) for r in rows})
    if ax is not None and len(pairs) > 1:
        raise ValueError(
            f"ax takes the rows of one (M, R) pair, got {len(pairs)} pairs {pairs}; "
            "leave ax out for one column of panels per pair"
        )
    depths = sorted({r.L for r in rows})
    with rc_context(plot_rc()):
        if ax is None:
            width = COLUMN_WIDTH_IN if len(pairs) <= 2 else min(PAGE_WIDTH_IN, 1.5 * len(pairs))
            fig = InlineFigure(figsize=(width, 3.3), layout="constrained", rc=plot_rc())
            grid = fig.subplots(2, len(pairs), sharex="col", sharey=True, squeeze=False)
            cells = {(pair, kind): grid[k, j] for j, pair in enumerate(pairs)
                     for k, (kind, _, _) in enumerate(_RATIOS)}  # fmt: skip
        else:
            fig = cast(Figure, ax.figure)  # a SubFigure only if the caller's axes are
            cells = {(pairs[0], kind): ax for kind, _, _ in _RATIOS}
        for (M, R, L), series in _series(rows).items():
            st = _depth_style(L)
            z = 3 + len(depths) - depths.index(L)  # shallow depths on top
            for kind, linestyle, _ in _RATIOS:
                panel = cells[(M, R), kind]
                points = _ratio_points(series, kind)
                if points:
                    panel.plot(*zip(*points, strict=True), linestyle=linestyle,
                               marker=st["marker"], color=st["color"], zorder=z,
                               linewidth=1.0 if linestyle == "-" else 0.8,
                               transform=dodged(panel, depths.index(L), len(depths)),
                               gid=f"{kind}:L={L}")  # fmt: skip
        for (pair, kind), panel in cells.items():
            panel.set_ylim(0.0, 1.05)
            ts = [r.T for r in rows if (r.M, r.R) == pair]
            panel.set_xlim(min(ts) - 0.8, max(ts) + 0.8)
            panel.axhline(1.0, color="0.5", linewidth=0.6, zorder=0, gid="ratio 1")
            panel.grid(True, which="major", linewidth=0.3, alpha=0.5)
            _even_ticks(panel, [r for r in rows if (r.M, r.R) == pair])
            if ax is None:
                column = pairs.index(pair)
                if kind == "symmetric" and len(pairs) > 1:
                    panel.set_title(_pair_title(*pair))
                if kind == "network":
                    panel.set_xlabel("sequence length $T$")
                if column == 0:
                    panel.set_ylabel(dict((k, y) for k, _, y in _RATIOS)[kind])
        if ax is not None:
            ax.set_xlabel("sequence length $T$")
            ax.set_ylabel("exact rank / upper bound")
            if title:
                ax.set_title(title)
        elif title:
            fig.suptitle(title, fontsize=7.5)
        handles = [
            Line2D([], [], linestyle="none", label=f"$L = {L}$", **_depth_style(L)) for L in depths
        ]
        if ax is not None:
            handles += [
                Line2D([], [], color="0.3", label="sep. rank / symmetric cut"),
                Line2D([], [], color="0.3", linestyle="--", label="grid rank / network cut"),
            ]
        _legend(fig, ax, handles)
    return fig


__all__ = ["plot_bound_tightness", "plot_depth_vs_memory", "save"]
