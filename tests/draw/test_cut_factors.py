"""A drawn cut lets the reader rebuild its number, and no label covers another or a node.

Everything is read back from the rendered matplotlib figure (its text artists and their window
extents), not from the scene: the factors written in the cut's colour multiply to the value in
the legend, which is the bound computed by ``symmetric_bound`` / ``network_cut_bound``; each
price ``((d, n))`` spelled in a symmetric cut's legend is ``C(d + n - 1, n)``, computed here.
"""

from __future__ import annotations

import itertools
import math
import re

import pytest
from _drawing import rac_of
from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex

from rac_tn import CP2RNN, RAC, compile_rac, draw, network_cut_bound, start_end, symmetric_bound
from rac_tn.drawing.style import CUT_COLOR, PAGE_WIDTH


def _rendered(fig):
    """``(node boxes, [(text, box, colour)])`` in pixels, as the Agg renderer lays them out."""
    canvas = FigureCanvasAgg(fig)
    with rc_context(getattr(fig, "_draw_rc", {})):
        canvas.draw()
        renderer = canvas.get_renderer()
        ax = fig.axes[0]
        # node markers are the patches drawn on the nodes' layer (above wires and curves)
        z = max(p.get_zorder() for p in ax.patches)
        nodes = [p.get_window_extent(renderer) for p in ax.patches if p.get_zorder() == z]
        texts = [
            (t.get_text(), t.get_window_extent(renderer), to_hex(t.get_color()))
            for t in ax.texts
            if t.get_text() and t.get_visible()
        ]
    return nodes, texts


def _within(a, b, pad=0.5) -> bool:
    return a.x0 >= b.x0 - pad and a.x1 <= b.x1 + pad and a.y0 >= b.y0 - pad and a.y1 <= b.y1 + pad


def _overlap(a, b) -> bool:
    return min(a.x1, b.x1) > max(a.x0, b.x0) and min(a.y1, b.y1) > max(a.y0, b.y0)


def _factors_and_legend(fig):
    """The integers written in the cut's colour, and the legend's text (math, no dollars)."""
    _, texts = _rendered(fig)
    cut = [s.strip("$") for s, _, colour in texts if colour == CUT_COLOR.lower()]
    (legend,) = [s for s in cut if "leq" in s]
    factors = [int(s) for s in cut if s.isdigit()]
    return factors, legend


def _legend_value(legend: str, bound) -> None:
    """The legend ends in the bound's value (exact, or as 2^x for a large one)."""
    head = legend.split(r"\ \mathrm{(")[0]
    m = re.search(r"(?:=|\\leq) (\d+)$", head)
    if m:
        assert int(m.group(1)) == bound.value, legend
    else:
        m = re.search(r"2\^\{(\d+\.\d)\}$", head)
        assert m and abs(float(m.group(1)) - math.log2(bound.value)) < 0.051, legend


MODELS = [
    ("rac", lambda L: RAC.random(3, 2, depth=L, seed=L)),
    ("cp", lambda L: CP2RNN.random(3, 3, 2, depth=L, seed=L)),
]


@pytest.mark.parametrize("name,make", MODELS)
@pytest.mark.parametrize("depth", [1, 2, 3])
@pytest.mark.parametrize("T", [2, 4, 6, 8])
def test_symmetric_cut_figure_shows_the_factors_of_its_bound(name, make, depth, T):
    model = make(depth)
    bound = symmetric_bound(model, start_end(T))
    fig = draw(model, T=T, view="grid", cut="start-end", degrees=True)
    factors, legend = _factors_and_legend(fig)
    assert math.prod(factors) == bound.value
    assert sorted(factors) == sorted(e.factor for e in bound.cut)
    _legend_value(legend, bound)
    # the prices spelled in the legend are multiset counts ((d, n)) = C(d + n - 1, n), and
    # they are the factors drawn
    prices = re.findall(r"\(\\!\((\d+),(\d+)\)\\!\)", legend)
    if prices:
        counts = [math.comb(int(d) + int(n) - 1, int(n)) for d, n in prices]
        assert sorted(counts) == sorted(factors)
    # one ((R, n)) per cut node at depth >= 2 Start-End: the last-start cell of every layer
    if depth >= 2 and name == "rac" and prices:
        assert [int(d) for d, _ in prices] == [2] * depth


@pytest.mark.parametrize("name,make", MODELS)
@pytest.mark.parametrize("depth,T", [(1, 4), (1, 8), (2, 2), (2, 4), (2, 6), (3, 2), (3, 4)])
@pytest.mark.parametrize("hyperedges", [False, True])
def test_network_cut_figure_shows_the_factors_of_its_bound(name, make, depth, T, hyperedges):
    model = make(depth)
    bound = network_cut_bound(compile_rac(model, T), start_end(T))
    fig = draw(model, T=T, cut="start-end", hyperedges=hyperedges)
    factors, legend = _factors_and_legend(fig)
    # each cut element once (a COPY tensor or an input index once, however many legs it cuts)
    assert math.prod(factors) == bound.value
    assert len(factors) == len(bound.cut)
    _legend_value(legend, bound)
    trivial = all(e.category == "hyperedge" for e in bound.cut)
    assert ("trivial" in legend) == trivial


def test_the_network_cut_says_when_it_is_the_trivial_one():
    """M <= R: the inputs themselves are the cheapest cut, and the legend says so; M > R: the
    cut goes inside the network (COPY tensors) and is cheaper than M^{T/2}."""
    _, legend = _factors_and_legend(draw(RAC.random(2, 2, depth=2, seed=0), T=4, cut="start-end"))
    assert "trivial" in legend
    fig = draw(RAC.random(4, 2, depth=2, seed=0), T=4, cut="start-end")
    factors, legend = _factors_and_legend(fig)
    assert "trivial" not in legend and math.prod(factors) == 8 < 4**2


def _sizes():
    """(L, T) from T = 2 to the largest T the grid view accepts at the page width, L = 1..5."""
    for L in range(1, 6):
        for T in range(2, 40, 2):
            try:
                fig = draw(rac_of(L), T=T, view="grid", cut="start-end", degrees=True, dims=True)
            except ValueError as err:
                assert "allow a wider figure (width=...)" in str(err)
                break
            yield L, T, fig


def _assert_clear(fig, what, only_cut: bool = False) -> None:
    """No free label overlaps a node or another label (``only_cut``: no cut label does)."""
    nodes, texts = _rendered(fig)
    # a node's own label sits inside it; every other label is clear of all nodes and labels
    free = [(s, b, c) for s, b, c in texts if not any(_within(b, n) for n in nodes)]
    checked = [t for t in free if t[2] == CUT_COLOR.lower()] if only_cut else free
    for s, b, _ in checked:
        for n in nodes:
            assert not _overlap(b, n), (what, s)
    for (s1, b1, _), (s2, b2, _) in itertools.combinations(free, 2):
        if (s1, b1, _) in checked or (s2, b2, _) in checked:
            assert not _overlap(b1, b2), (what, s1, s2)


def test_no_label_overlaps_another_or_a_node_in_the_grid_view_at_any_accepted_size():
    largest = {}
    for L, T, fig in _sizes():
        _assert_clear(fig, (L, T))
        assert fig.get_figwidth() * 2.54 <= PAGE_WIDTH + 1e-6
        largest[L] = T
    assert set(largest) == {1, 2, 3, 4, 5} and all(T >= 12 for T in largest.values()), largest
    # a wider page accepts longer sequences (5-digit degrees), still without overlaps
    fig = draw(rac_of(5), T=32, view="grid", cut="start-end", degrees=True, width=40)
    _assert_clear(fig, "L=5, T=32, width=40")


@pytest.mark.parametrize("depth,T", [(1, 16), (2, 6), (3, 4)])
def test_no_cut_label_overlaps_in_the_network_view(depth, T):
    for style in ({"dims": True}, {"hyperedges": True, "dims": True}):
        fig = draw(rac_of(depth, M=3), T=T, cut="start-end", **style)
        _assert_clear(fig, (depth, T, style), only_cut=True)


def test_the_grid_view_keeps_the_page_width_with_the_network_views_advice():
    from rac_tn.drawing.network_view import NETWORK_ADVICE

    with pytest.raises(ValueError) as grid_err:
        draw(rac_of(5), T=32, view="grid", degrees=True)
    with pytest.raises(ValueError) as net_err:
        draw(rac_of(3), T=8)
    advice = "allow a wider figure (width=...)"
    assert (
        advice in NETWORK_ADVICE and advice in str(grid_err.value) and advice in str(net_err.value)
    )
    need = float(re.search(r"needs at least ([\d.]+) cm", str(grid_err.value)).group(1))
    assert need > PAGE_WIDTH
    # allowed a width beyond that, it draws it (and no wider than it said)
    fig = draw(rac_of(5), T=32, view="grid", degrees=True, width=need + 1)
    assert fig.get_figwidth() * 2.54 <= need + 1
