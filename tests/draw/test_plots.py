"""Plots of sweep rows: what is drawn is what the rows say (rows built by hand here)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from rac_tn.draw.plots import plot_bound_tightness, plot_depth_vs_memory  # noqa: E402
from rac_tn.sweeps import SweepRow  # noqa: E402


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
         list(line.get_ydata()))
        for line in fig.axes[0].get_lines()
    ]  # fmt: skip


def test_depth_vs_memory_draws_the_rows_sorted_by_T():
    lines = _data(plot_depth_vs_memory(_rows()))
    solid = [(x, y) for style, _, x, y in lines if style == "-"]
    assert solid == [([2, 4], [2, 2]), ([4, 6], [6, 8]), ([6], [56])]  # symmetric bounds
    dotted = [(x, y) for style, _, x, y in lines if style == ":"]
    assert dotted == [([4, 6], [3, 4])]  # Theorem 1.2, depth 2 only
    hollow = [(x, y) for style, face, x, y in lines if style == "None" and face == "white"]
    assert hollow == [([6], [40])]  # the capped rank: a lower bound only


def test_plain_dicts_plot_like_rows():
    rows = _rows()
    as_dicts = [row.to_dict() for row in rows]
    assert _data(plot_depth_vs_memory(as_dicts)) == _data(plot_depth_vs_memory(rows))
    assert _data(plot_bound_tightness(as_dicts)) == _data(plot_bound_tightness(rows))


def test_bound_tightness_ratios():
    *lines, reference = _data(plot_bound_tightness(_rows()))
    assert reference[3] == [1.0, 1.0]  # the horizontal line at ratio 1
    solid = [(x, y) for style, _, x, y in lines if style == "-"]
    assert solid == [([2, 4], [1.0, 1.0]), ([4, 6], [1.0, 1.0])]  # capped L = 3 left out
    dashed = [(x, y) for style, _, x, y in lines if style == "--"]
    assert dashed == [([4, 6], [1.0, 0.5])]  # grid rank / network cut: 4/4, 8/16


def test_nothing_to_plot():
    with pytest.raises(ValueError, match="empty"):
        plot_depth_vs_memory([])
    with pytest.raises(ValueError, match="no exact ranks"):
        plot_bound_tightness([SweepRow(2, 2, 3, 6, "start-end", rank_exact=False)])
