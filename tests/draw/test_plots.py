"""Plots of sweep rows: what is drawn is what the rows say (rows built by hand here)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from rac_tn.analysis.sweeps import SweepRow  # noqa: E402
from rac_tn.drawing.plots import plot_bound_tightness, plot_depth_vs_memory  # noqa: E402


def _rows():
    return [
        SweepRow(2, 2, 1, 4, "start-end", symmetric_bound=2, separation_rank=2, rank_exact=True),
        SweepRow(2, 2, 1, 2, "start-end", symmetric_bound=2, separation_rank=2, rank_exact=True),
        SweepRow(
            2, 2, 2, 4, "start-end", theorem_lower=3, symmetric_bound=6, network_bound=4,
            separation_rank=6, rank_exact=True, grid_rank=4,
        ),
        SweepRow(
            2, 2, 2, 6, "start-end", theorem_lower=4, symmetric_bound=8, network_bound=16,
            separation_rank=8, rank_exact=True, grid_rank=8,
        ),
        SweepRow(2, 2, 3, 6, "start-end", symmetric_bound=56, separation_rank=40, rank_exact=False),
    ]  # fmt: skip


def _data(fig):
    return [
        (line.get_linestyle(), line.get_markerfacecolor(), list(line.get_xdata()),
         list(line.get_ydata()), line.get_gid())
        for line in fig.axes[0].get_lines()
    ]  # fmt: skip


def test_depth_vs_memory_draws_the_rows_sorted_by_T():
    lines = _data(plot_depth_vs_memory(_rows()))
    # the symmetric bounds (each depth in its own line style now, so found by their gid)
    bounds = [(x, y) for _, _, x, y, gid in lines if gid == "symmetric-cut bound"]
    assert bounds == [([2, 4], [2, 2]), ([4, 6], [6, 8]), ([6], [56])]
    fig = plot_depth_vs_memory(_rows())
    dashes = {
        tuple(line._unscaled_dash_pattern[1] or ())
        for line in fig.axes[0].get_lines()
        if line.get_gid() == "symmetric-cut bound"
    }
    assert len(dashes) == 3  # depth told by line style too, not by colour alone
    dotted = [(x, y) for _, _, x, y, gid in lines if gid == "theorem"]
    assert dotted == [([4, 6], [3, 4])]  # Theorem 1.2, depth 2 only
    (theorem,) = [line for line in fig.axes[0].get_lines() if line.get_gid() == "theorem"]
    assert len(set(theorem._unscaled_dash_pattern[1])) == 2  # dotted: short on, short off
    capped = [(x, y) for style, _, x, y, gid in lines if style == "None" and gid == "lower bound"]
    assert capped == [([6], [40])]  # the capped rank: a lower bound only, drawn at its value


def test_depth_is_told_by_marker_and_the_palette_is_okabe_ito():
    fig = plot_depth_vs_memory(_rows())
    markers = {}
    for line in fig.axes[0].get_lines():
        if line.get_linestyle() == "None":
            markers.setdefault(line.get_color(), set()).add(line.get_marker())
    assert len({m for ms in markers.values() for m in ms}) == len(markers) == 3
    okabe_ito = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00"}
    assert {c.upper() for c in markers} <= okabe_ito
    # a compact legend below the axes, and ticks at the (even) lengths swept
    (legend,) = fig.legends
    fig.draw_without_rendering()
    assert legend.get_window_extent().y1 <= fig.axes[0].get_window_extent().y0
    assert list(fig.axes[0].get_xticks()) == [2, 4, 6]


def test_thm_line_listed_only_when_drawn():
    one_point = [r for r in _rows() if r.T != 6]  # Theorem 1.2 at T = 4 only: no line
    fig = plot_depth_vs_memory(one_point)
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert not any("Thm" in label for label in labels)
    assert any("Thm" in t.get_text() for t in plot_depth_vs_memory(_rows()).legends[0].get_texts())


def test_plain_dicts_plot_like_rows():
    rows = _rows()
    as_dicts = [row.to_dict() for row in rows]
    assert _data(plot_depth_vs_memory(as_dicts)) == _data(plot_depth_vs_memory(rows))
    assert _data(plot_bound_tightness(as_dicts)) == _data(plot_bound_tightness(rows))


def _all_data(fig):
    return [
        (line.get_linestyle(), line.get_markerfacecolor(), list(line.get_xdata()),
         list(line.get_ydata()), line.get_gid())
        for ax in fig.axes for line in ax.get_lines()
    ]  # fmt: skip


def test_bound_tightness_ratios():
    fig = plot_bound_tightness(_rows())
    everything = _all_data(fig)
    references = [r for r in everything if r[4] == "ratio 1"]
    lines = [r for r in everything if r[4] != "ratio 1"]
    assert all(r[3] == [1.0, 1.0] for r in references)  # the horizontal line at ratio 1
    assert len(references) == 2  # one a panel: separation ratios above, grid ratios below
    solid = [(x, y) for style, _, x, y, _ in lines if style == "-"]
    assert solid == [([2, 4], [1.0, 1.0]), ([4, 6], [1.0, 1.0])]  # capped L = 3 left out
    dashed = [(x, y) for style, _, x, y, _ in lines if style == "--"]
    assert dashed == [([4, 6], [1.0, 0.5])]  # grid rank / network cut: 4/4, 8/16
    # ratios <= 1 on a linear axis to 1.05; no hollow marker (they mean a lower bound)
    assert all(ax.get_ylim() == (0.0, 1.05) for ax in fig.axes)
    assert all(face != "white" for _, face, *_ in lines)


def test_bound_tightness_on_given_axes_takes_one_pair():
    from matplotlib.figure import Figure

    ax = Figure().add_subplot()
    plot_bound_tightness(_rows(), ax=ax)
    assert {line.get_linestyle() for line in ax.get_lines()} >= {"-", "--"}
    other = SweepRow(3, 3, 1, 4, "start-end", symmetric_bound=3, separation_rank=3,
                     rank_exact=True)  # fmt: skip
    with pytest.raises(ValueError, match="one \\(M, R\\) pair"):
        plot_bound_tightness([*_rows(), other], ax=Figure().add_subplot())


def test_nothing_to_plot():
    with pytest.raises(ValueError, match="empty"):
        plot_depth_vs_memory([])
    with pytest.raises(ValueError, match="no exact ranks"):
        plot_bound_tightness([SweepRow(2, 2, 3, 6, "start-end", rank_exact=False)])
