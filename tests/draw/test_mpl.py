"""The matplotlib backend: figures of the scene's physical size, drawn on given axes too."""

from __future__ import annotations

import pytest
from _drawing import rac_of

from rac_tn.diagram import build_scene, draw


def test_draw_on_given_axes():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    try:
        assert draw(rac_of(1), T=4, ax=ax) is fig
        assert len(ax.patches) >= 4 + 2  # the cores, h0 and W^O
    finally:
        plt.close(fig)


def test_figure_has_the_scene_size():
    scene = build_scene(rac_of(2), T=4)
    fig = draw(rac_of(2), T=4)
    w, h = fig.get_size_inches()
    assert w * 2.54 == pytest.approx(scene.width) and h * 2.54 == pytest.approx(scene.height)
