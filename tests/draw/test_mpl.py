"""The matplotlib backend: figures of the scene's physical size, drawn on given axes too."""

from __future__ import annotations

import pytest
from _drawing import rac_of

from rac_tn.diagram import build_scene, draw


def test_draw_on_given_axes():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    try:
        assert draw(rac_of(1), T=4, ax=ax) is ax  # one display in a notebook
        assert ax.figure is fig
        assert len(ax.patches) >= 4 + 2  # the cores, h0 and W^O
    finally:
        plt.close(fig)


def test_figure_has_the_scene_size():
    scene = build_scene(rac_of(2), T=4)
    fig = draw(rac_of(2), T=4)
    w, h = fig.get_size_inches()
    assert w * 2.54 == pytest.approx(scene.width) and h * 2.54 == pytest.approx(scene.height)


def test_a_notebook_shows_the_figure_inline_as_a_sharp_png():
    """IPython's display machinery (what Jupyter calls) finds a PNG, shown at 150 px per
    inch from twice as many pixels; no pyplot, nothing else changes headless."""
    formatters = pytest.importorskip("IPython.core.formatters")
    fig = draw(rac_of(2), T=4, cut="start-end")
    bundle, meta = formatters.DisplayFormatter().format(fig)
    assert "image/png" in bundle
    png = bundle["image/png"]
    png = png if isinstance(png, bytes) else __import__("base64").b64decode(png)
    assert png[:4] == b"\x89PNG"
    width_px = int.from_bytes(png[16:20], "big")
    w_in = fig.get_figwidth()
    assert abs(width_px - 300 * w_in) <= 2  # rendered at 300 dpi ...
    assert meta["image/png"]["width"] == round(150 * w_in)  # ... shown at 150 px per inch
    assert width_px / w_in >= 2 * 100  # far from a 100-dpi thumbnail


def test_plots_show_inline_too():
    formatters = pytest.importorskip("IPython.core.formatters")
    from rac_tn.analysis.sweeps import SweepRow
    from rac_tn.drawing.plots import plot_depth_vs_memory

    rows = [SweepRow(2, 2, 1, T, "start-end", symmetric_bound=2) for T in (2, 4)]
    bundle, _ = formatters.DisplayFormatter().format(plot_depth_vs_memory(rows))
    assert "image/png" in bundle


@pytest.mark.parametrize("suffix", [".pdf", ".svg", ".png"])
def test_saving_a_figure_twice_writes_the_same_bytes(suffix, tmp_path, monkeypatch):
    """No creation date, fixed SVG ids: a regenerated figure is unchanged unless its drawing
    is. The clock is moved between the saves (matplotlib reads SOURCE_DATE_EPOCH for its
    dates), so a date written at all would differ."""
    from rac_tn.drawing.mpl import save

    written = []
    for epoch in ("1000000000", "1700000000"):
        monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
        path = save(draw(rac_of(2), T=4), tmp_path / f"f{epoch}{suffix}")
        written.append(path.read_bytes())
    assert written[0] == written[1]
