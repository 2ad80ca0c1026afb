"""Notation in the diagrams: math in titles, shaded sides told apart in greyscale with
legible labels on them, and every drawn symbol defined and used for one thing only."""

from __future__ import annotations

import pytest
from _drawing import rac_of
from matplotlib.backends.backend_agg import FigureCanvasAgg

from rac_tn import Partition
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


# -- greyscale and contrast ------------------------------------------------------------------


def _linear(c: float) -> float:
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def _luminance(rgb) -> float:
    """WCAG 2 relative luminance of an sRGB colour with channels in 0..1."""
    r, g, b = (_linear(float(c)) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _on_white(rgba) -> tuple[float, float, float]:
    """A fill as it shows on white paper: alpha composited over white."""
    a = float(rgba[3])
    return tuple(a * float(c) + (1 - a) for c in rgba[:3])


def _contrast(fg, bg) -> float:
    hi, lo = sorted((_luminance(fg), _luminance(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


FIGURES = [  # the committed diagram figures' calls, and a family's network
    (dict(depth=1, M=2), dict(T=6, dims=True)),
    (dict(depth=2, M=4), dict(T=4)),
    (dict(depth=3, M=2), dict(T=8, view="grid", degrees=True)),
    (dict(depth=2, M=3), dict(T=4, view="grid", degrees=True, dims=True)),
]


def _shaded_labels(fig):
    """Each label drawn on a shaded side: (text, its colour, the side's fill on paper)."""
    from matplotlib.colors import to_rgba
    from matplotlib.patches import PathPatch

    ax = fig.axes[0]
    regions = [p for p in ax.patches if isinstance(p, PathPatch) and p.get_zorder() < 1]
    renderer = FigureCanvasAgg(fig).get_renderer()
    to_data = ax.transData.inverted()
    out = []
    for text in ax.texts:
        box = text.get_window_extent(renderer)
        centre = to_data.transform(((box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2))
        under = [r for r in regions if r.get_path().contains_point(centre)]
        if under:  # the topmost region shows
            fill = _on_white(under[-1].get_facecolor())
            out.append((text.get_text(), to_rgba(text.get_color()), fill))
    return regions, out


@pytest.mark.parametrize("model,call", FIGURES)
def test_the_shaded_sides_differ_in_greyscale(model, call):
    fig = draw(rac_of(**model), cut="start-end", **call)
    regions, _ = _shaded_labels(fig)
    fills = {_on_white(r.get_facecolor()) for r in regions}
    assert len(fills) == 2
    lum = sorted(_luminance(f) for f in fills)
    assert lum[1] - lum[0] >= 0.08


@pytest.mark.parametrize("model,call", FIGURES)
def test_labels_on_a_shaded_side_have_contrast_4_5(model, call):
    fig = draw(rac_of(**model), cut="start-end", **call)
    _, labels = _shaded_labels(fig)
    assert len(labels) >= 4  # the input labels at least lie on the shading
    low = [(t, round(_contrast(c, bg), 2)) for t, c, bg in labels if _contrast(c, bg) < 4.5]
    assert not low, low


@pytest.mark.parametrize("model,call", FIGURES)
def test_tikz_shades_and_label_colours_are_the_matplotlib_ones(model, call):
    import re

    from matplotlib.colors import to_hex

    rac = rac_of(**model)
    fig = draw(rac, cut="start-end", **call)
    tex = to_tikz(rac, cut="start-end", **call)
    colors = dict(re.findall(r"\\definecolor\{(\w+)\}\{HTML\}\{(\w{6})\}", tex))
    colors["white"] = "FFFFFF"

    def style_color(style: str, key: str) -> str:
        name = re.search(rf"rac/{style}/\.style=\{{[^}}]*{key}=(\w+)", tex).group(1)
        return "#" + colors[name].lower()

    regions, labels = _shaded_labels(fig)
    mpl_fills = {to_hex(r.get_facecolor()) for r in regions}
    assert mpl_fills == {style_color("start side", "fill"), style_color("end side", "fill")}
    used = {to_hex(c) for _, c, _ in labels}
    tikz = {"#" + c.lower() for c in colors.values()}
    assert used <= tikz


# -- every drawn symbol defined ----------------------------------------------------------------


def test_an_mps_figure_defines_its_cores_g_t():
    scene = build_scene(rac_of(1), T=4, cut="start-end")
    assert any(n.label == "G_{1}" for n in scene.nodes)
    notes = [t.text for t in scene.texts if t.role == "note"]
    assert notes == [r"G_{t}[a,b,d] = W^{H}[b,a]\,W^{I}[b,d]"]
    assert "G_{t}[a,b,d]" in to_tikz(rac_of(1), T=4)


def test_short_weight_labels_are_explained_and_full_ones_need_no_key():
    short = build_scene(rac_of(2), T=4, labels="short")
    assert any(n.label == r"\mathrm{I}" for n in short.nodes)
    assert [t.text for t in short.texts if t.role == "note"] == [
        r"\mathrm{H} = W^{H,l},\ \mathrm{I} = W^{I,l}"
    ]
    full = build_scene(rac_of(2), T=2, labels="full")
    assert not [t for t in full.texts if t.role == "note"]
    bare = build_scene(rac_of(2), T=2, labels="none")
    assert not [t for t in bare.texts if t.role == "note"]


# -- labels='auto': full weight labels whenever they fit ------------------------------------------

#: Per depth, the largest T whose copy tree fits the default page width with full labels
#: (``W^{H,l}``; a deep CP-2RNN's ``A^{(l)}``): found by drawing, checked below on both sides.
FULL_FITS_UP_TO = {("rac", 2): 5, ("rac", 3): 3, ("cp2rnn", 2): 5}


def _model(kind: str, depth: int):
    from rac_tn.models.cp import CP2RNN

    return rac_of(depth) if kind == "rac" else CP2RNN.random(2, 2, 2, depth=depth, seed=depth)


def _weight_labels(scene) -> list[str]:
    roles = ("WH", "WI", "A", "B", "C")
    return [n.label for n in sorted(scene.nodes, key=lambda n: n.name) if n.role in roles]


def _text_boxes(fig):
    """Every visible text of the rendered figure: (text, its window extent in px)."""
    renderer = FigureCanvasAgg(fig).get_renderer()
    return [
        (t.get_text(), t.get_window_extent(renderer))
        for ax in fig.axes
        for t in ax.texts
        if t.get_text() and t.get_visible()
    ]


def _overlap(a, b) -> bool:
    return min(a.x1, b.x1) > max(a.x0, b.x0) and min(a.y1, b.y1) > max(a.y0, b.y0)


@pytest.mark.parametrize(("kind", "depth"), sorted(FULL_FITS_UP_TO))
def test_auto_labels_are_the_full_ones_wherever_those_fit(kind, depth):
    import matplotlib.pyplot as plt

    from rac_tn.drawing.style import PAGE_WIDTH

    last = FULL_FITS_UP_TO[kind, depth]
    model = _model(kind, depth)
    # at the boundary the full-label figure is drawn, no wider than the page, no text on another
    fig = draw(model, T=last, labels="full")
    assert fig.get_size_inches()[0] * 2.54 <= PAGE_WIDTH + 1e-6
    boxes = _text_boxes(fig)
    assert any(text.startswith("$W^") or text.startswith("$A^") for text, _ in boxes)
    clashes = [
        (s, t) for i, (s, a) in enumerate(boxes) for t, b in boxes[i + 1 :] if _overlap(a, b)
    ]
    plt.close(fig)
    assert not clashes
    for T in range(2, last + 1):
        full = _weight_labels(build_scene(model, T=T, labels="full"))
        assert _weight_labels(build_scene(model, T=T)) == full
        assert all("^" in label for label in full)  # the layer is named: W^{H,l}, A^{(l)}
    # one step further the full labels need more than the page: 'auto' gives the short ones
    with pytest.raises(ValueError, match="more than width = 16 cm"):
        build_scene(model, T=last + 1, labels="full")
    short = _weight_labels(build_scene(model, T=last + 1, labels="short"))
    assert _weight_labels(build_scene(model, T=last + 1)) == short
    assert not any("^" in label for label in short)


def test_auto_labels_follow_the_width_given():
    """With a narrower page the boundary moves: T = 4 at depth 2 gets short labels in 9 cm;
    a cut's legend counts too (T = 5 with a cut needs more than the page with full labels)."""
    assert _weight_labels(build_scene(rac_of(2), T=4, width=9.0))[0] == r"\mathrm{H}"
    assert _weight_labels(build_scene(rac_of(2), T=4, cut="start-end"))[0] == r"W^{H{,}1}"
    cut = Partition(5, [1, 2])
    with pytest.raises(ValueError, match="more than width"):
        build_scene(rac_of(2), T=5, cut=cut, labels="full")
    assert _weight_labels(build_scene(rac_of(2), T=5, cut=cut))[0] == r"\mathrm{H}"


# -- one symbol, one meaning -------------------------------------------------------------------


def _cp(depth: int = 1, classes: int = 2, bias: bool = False):
    from rac_tn.models.cp import CP2RNN

    return CP2RNN.random(3, 2, 2, depth=depth, num_classes=classes, bias=bias, seed=0)


@pytest.mark.parametrize("depth", [1, 2])
def test_the_class_wire_and_the_cp_factor_c_print_different_symbols(depth):
    """The CP factor is drawn C; the class wire's dimension must then be another letter."""
    model = _cp(depth)
    net = build_scene(model, T=2, dims="symbolic")
    factors = {n.label for n in net.nodes if n.role in ("A", "B", "C")}
    assert "C" in factors or r"C^{(1)}" in factors
    letters = {label.split("^")[0] for label in factors}
    (leg,) = [e for e in net.edges if e.role == "leg" and e.ref in model_output(net)]
    grid = build_scene(model, T=2, view="grid", dims="symbolic")
    (wire,) = [e for e in grid.edges if e.ends[1] == ("y",) and e.label]
    assert leg.label == wire.label  # both views: one symbol for the number of classes
    assert {leg.label}.isdisjoint(letters | {"A", "B", "C", "K", "d", "n", "M", "R", "L", "T"})
    tex = to_tikz(model, T=2, view="grid", dims="symbolic")
    assert f"${wire.label}$" in tex and "$C$" not in tex
    rac = build_scene(rac_of(2, C=2), T=2, view="grid", dims="symbolic")
    assert [e.label for e in rac.edges if e.ends[1] == ("y",)] == [wire.label]


def model_output(scene) -> set:
    """The class index of a scene's network (the leg that ends at the output terminal)."""
    return {e.ref for e in scene.edges if e.ends[1] == ("output",)}


def test_grid_symbols_can_still_be_overridden():
    from rac_tn.drawing.grid_view import grid_view
    from rac_tn.drawing.style import Style

    scene = grid_view(2, 3, Style(dims="symbolic"), M=2, R=3, C=4, symbols={"C": "N_{c}", "M": "D"})
    labels = {e.label for e in scene.edges if e.label}
    assert labels == {"N_{c}", "D", "R"}


def _inputs_and_key(scene):
    inputs = sorted({t.text for t in scene.texts if t.role == "input"})
    notes = [t.text for t in scene.texts if t.role == "note"]  # one line, or one a line
    return inputs, [part for note in notes for part in note.split(r",\ ")]


@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("depth", [1, 2])
def test_both_views_of_a_model_label_its_inputs_alike(bias, depth):
    """x̃_t with its key in both views when the inputs are augmented, x_t in both otherwise."""
    model = _cp(depth, classes=1, bias=bias)
    net = _inputs_and_key(build_scene(model, T=2))
    grid = _inputs_and_key(build_scene(model, T=2, view="grid"))
    assert net == grid
    letter = r"\tilde{x}" if model.augmented_input else "x"
    assert net[0] == [f"{letter}_{{1}}", f"{letter}_{{2}}"]
    assert bool(net[1]) == model.augmented_input == bias
    if bias:  # the key says what the tilde means, and the n+1 of the states
        assert r"\tilde{x}_{t} = (x_{t}, 1)" in " ".join(net[1])
        assert r"\tilde{h} = (h, 1)" in " ".join(net[1])
    tex_net, tex_grid = to_tikz(model, T=2), to_tikz(model, T=2, view="grid")
    assert (r"\tilde{x}_{1}" in tex_net) == (r"\tilde{x}_{1}" in tex_grid) == bias


def test_a_family_report_prints_its_sizes_in_one_set_of_letters():
    """A CP-2RNN's report header: d, n, K and Y (never M, R beside the factor letters, nor C)."""
    import re

    from rac_tn import analyze

    report = analyze(_cp(1, classes=2), "start-end", T=4, exact=False)
    header = report.to_markdown().splitlines()[0]
    sizes = dict(re.findall(r"\b([A-Za-z])=(\d+)", header.split(";")[0]))
    assert sizes == {"d": "3", "n": "2", "K": "2", "L": "1", "Y": "2"}
    assert header.startswith(f"**cp2rnn** {report.model.symbols()};")
    assert str(report.model) == "cp2rnn(d=3, n=2, K=2, L=1, Y=2)"
    rac = analyze(rac_of(1, C=2), "start-end", T=4, exact=False)
    assert rac.to_markdown().startswith("**RAC** M=2, R=2, L=1, Y=2; T=4")
