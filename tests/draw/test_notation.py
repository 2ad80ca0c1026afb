"""Notation in the diagrams: math in titles, shaded sides told apart in greyscale with
legible labels on them, and every drawn symbol defined and used for one thing only."""

from __future__ import annotations

import pytest
from _drawing import rac_of
from matplotlib.backends.backend_agg import FigureCanvasAgg

from rac_tn.diagram import build_scene, draw, to_tikz

TITLE = "Start-End cut at $T=4$"


def _title_artist(fig):
    return next(t for ax in fig.axes for t in ax.texts if "T=4" in t.get_text())


@pytest.mark.parametrize("view", ["network", "grid"])
def test_a_title_with_dollar_signs_is_typeset_as_math(view):
    fig = draw(rac_of(2), T=4, view=view, cut="start-end", title=TITLE)
    title = _title_artist(fig)
    # the string keeps its $ ... $ (not escaped as \$) and matplotlib reads math in it
    assert title.get_text() == TITLE
    assert title._preprocess_math(title.get_text()) == (TITLE, True)
    # typeset, it is narrower than the same text with literal dollar signs
    renderer = FigureCanvasAgg(fig).get_renderer()
    with_math = title.get_window_extent(renderer).width
    title.set_text(TITLE.replace("$", r"\$"))
    literal = title.get_window_extent(renderer).width
    assert with_math < literal - 3  # two dollar signs at 8 pt are wider than 3 px


def test_a_title_with_dollar_signs_is_math_in_tikz():
    tex = to_tikz(rac_of(2), T=4, cut="start-end", title=TITLE + " & 50%")
    line = next(line for line in tex.splitlines() if "T=4" in line)
    assert "Start-End cut at $T=4$ \\& 50\\%" in line and r"\$" not in line


def test_an_unpaired_dollar_in_a_title_is_a_dollar_sign():
    tex = to_tikz(rac_of(1), T=2, title="costs 5$")
    assert r"costs 5\$" in tex
    fig = draw(rac_of(1), T=2, title="costs 5$")
    title = next(t for t in fig.axes[0].texts if "costs" in t.get_text())
    assert title._preprocess_math(title.get_text())[1] is False


def test_the_title_box_fits_the_typeset_math():
    """The scene reserves the width matplotlib typesets, so the figure holds its title."""
    scene = build_scene(rac_of(1), T=2, title="a rather long title with $h^{1,t}$ math")
    title = next(t for t in scene.texts if t.role == "title")
    fig = draw(rac_of(1), T=2, title="a rather long title with $h^{1,t}$ math")
    artist = next(t for t in fig.axes[0].texts if "rather" in t.get_text())
    renderer = FigureCanvasAgg(fig).get_renderer()
    width_px = artist.get_window_extent(renderer).width
    x0, _, x1, _ = title.extent()
    assert width_px / fig.dpi * 2.54 == pytest.approx(x1 - x0, rel=0.05)
