"""The plots read right: one font family in the saved files, every series told apart in
greyscale, legends row by row, capped ranks drawn as lower bounds apart from the others, and
figure captions that name exactly the marker kinds drawn (checked against the committed data)."""

from __future__ import annotations

import json
import math
import re
from itertools import combinations
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from _helpers import load_script
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.path import Path as MplPath  # noqa: E402

from rac_tn.analysis.sweeps import SweepRow  # noqa: E402
from rac_tn.drawing._plot_style import row_major  # noqa: E402
from rac_tn.drawing.mpl import save  # noqa: E402
from rac_tn.drawing.plots import plot_bound_tightness, plot_depth_vs_memory  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FIGURES = ROOT / "figures"


@pytest.fixture(scope="module")
def script():
    return load_script(FIGURES / "make_figures.py", "make_figures")


@pytest.fixture(scope="module")
def sweeps():
    data = json.loads((FIGURES / "sweeps.json").read_text())
    return {name: [SweepRow.from_dict(r) for r in rows] for name, rows in data.items()}


@pytest.fixture(scope="module")
def figures(script, sweeps):
    """Every plot figure (4-7, 9) drawn from its committed data, as make_figures.py draws it."""
    families = json.loads((FIGURES / "families.json").read_text())
    beyond = json.loads((FIGURES / "beyond_rnns.json").read_text())
    figs = {
        "fig4": plot_depth_vs_memory(sweeps["start_end"], title="Start-End partition"),
        "fig5": plot_depth_vs_memory(sweeps["interleaved"], title="Interleaved partition"),
        "fig6": plot_bound_tightness([r for r in sweeps["start_end"] if r.T >= 4]),
        "fig7": script.plot_families(families),
        "fig9": script.plot_beyond_rnns(beyond),
    }
    for fig in figs.values():
        fig.draw_without_rendering()
    return figs


# -- fonts -----------------------------------------------------------------------------------


def _pdf_fonts(data: bytes) -> set[str]:
    """The base font names a PDF embeds (the subset tag ``ABCDEF+`` dropped)."""
    names = re.findall(rb"/BaseFont\s*/([A-Za-z0-9+\-_]+)", data)
    return {name.decode().split("+")[-1] for name in names}


def _one_family(fonts: set[str]) -> bool:
    # Computer Modern: cmr10 (text), cmmi10 / cmsy10 / cmex10 (math)
    return bool(fonts) and all(re.fullmatch(r"cm[a-z]+\d+", f.lower()) for f in fonts)


def test_saved_plots_set_text_and_math_in_computer_modern(figures, tmp_path):
    """Saved long after the rc context that built them, the text is not the default serif."""
    for name, fig in figures.items():
        fonts = _pdf_fonts(save(fig, tmp_path / f"{name}.pdf").read_bytes())
        assert _one_family(fonts), (name, fonts)


def test_committed_figures_embed_one_font_family():
    for stem in ("fig4", "fig5", "fig6", "fig7", "fig9"):
        (pdf,) = FIGURES.glob(f"{stem}_*.pdf")
        fonts = _pdf_fonts(pdf.read_bytes())
        assert _one_family(fonts), (pdf.name, fonts)


def test_plot_text_uses_only_glyphs_cmr10_draws():
    """cmr10 has no < > _ { } " | or non-ASCII glyphs outside math: keep them out of the text."""
    rows = [SweepRow(2, 2, 1, T, "start-end", symmetric_bound=2, separation_rank=2,
                     rank_exact=True) for T in (2, 4)]  # fmt: skip
    for fig in (plot_depth_vs_memory(rows, title="Start-End, M = 2"), plot_bound_tightness(rows)):
        fig.draw_without_rendering()
        texts = [t.get_text() for t in fig.findobj(matplotlib.text.Text)]
        for text in texts:
            plain = re.sub(r"\$[^$]*\$", "", text)
            assert re.fullmatch(r"[A-Za-z0-9 .,;:()'/=+%\-\n]*", plain), text


# -- greyscale ---------------------------------------------------------------------------------


def _marker_key(line: Line2D):
    marker = line.get_marker()
    if isinstance(marker, MplPath):
        return ("path", tuple(map(tuple, np.round(marker.vertices, 3))))
    return None if marker in ("None", "none", "", " ", None) else marker


def _grey_key(line: Line2D):
    """What tells a series apart without colour: dash pattern, marker, filled or hollow."""
    dashes = None
    if line.get_linestyle() not in ("None", "none", ""):
        offset, pattern = line._unscaled_dash_pattern
        dashes = tuple(pattern or ())  # () is solid
    face = line.get_markerfacecolor()
    hollow = line.get_fillstyle() == "none" or (isinstance(face, str) and face == "white")
    return dashes, _marker_key(line), hollow


def _series_keys(ax) -> dict[tuple, set]:
    """Per series (a gid's kind and the colour), the greyscale keys of its lines."""
    groups: dict[tuple, set] = {}
    for line in ax.get_lines():
        kind = (line.get_gid() or "").split(":")[0]
        groups.setdefault((kind, matplotlib.colors.to_hex(line.get_color())), set()).add(
            _grey_key(line)
        )
    return groups


def test_every_series_differs_in_greyscale(figures):
    for name, fig in figures.items():
        for ax in (ax for ax in fig.axes if ax.get_lines()):
            groups = _series_keys(ax)
            for series, keys in groups.items():
                assert len(keys) == 1, (name, series, keys)  # a series is drawn one way
            for (a, ka), (b, kb) in combinations(groups.items(), 2):
                assert ka != kb, (name, ax.get_title(), a, b, ka)


def test_no_depth_is_drawn_like_the_theorem_line(figures):
    for name in ("fig4", "fig5"):
        for ax in figures[name].axes:
            styles = {
                _grey_key(line)
                for line in ax.get_lines()
                if line.get_gid() == "symmetric-cut bound"
            }
            theorem = {_grey_key(line) for line in ax.get_lines() if line.get_gid() == "theorem"}
            assert not styles & theorem


def _display_y_at(line: Line2D, x: float) -> float | None:
    """The line's height (display pixels) at display ``x``, or None outside its span."""
    xy = line.get_transform().transform(line.get_xydata())
    if not xy[0, 0] <= x <= xy[-1, 0]:
        return None
    return float(np.interp(x, xy[:, 0], xy[:, 1]))


def test_the_theorem_label_sits_at_its_own_line(figures):
    """The label's centre is nearer the Theorem 1.2 line than any other line, below it, and
    no line crosses the label."""
    found = 0
    for name in ("fig4",):
        for ax in figures[name].axes:
            labels = [t for t in ax.texts if t.get_text() == "Thm 1.2"]
            if not labels:
                continue
            found += 1
            box = labels[0].get_window_extent()
            cx, cy = (box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2
            lines = [ln for ln in ax.get_lines() if ln.get_linestyle() not in ("None", "none")]
            distance = {}
            for line in lines:
                y = _display_y_at(line, cx)
                if y is not None:
                    distance[line] = abs(y - cy)
                for x in np.linspace(box.x0, box.x1, 9):
                    y = _display_y_at(line, x)
                    assert y is None or not box.y0 < y < box.y1, (name, line.get_gid())
            nearest = min(distance, key=distance.get)
            assert nearest.get_gid() == "theorem", (name, nearest.get_gid())
            assert _display_y_at(nearest, cx) > cy  # the label below its line
    assert found == 2


# -- legends -----------------------------------------------------------------------------------


def _reading_order(legend) -> list[str]:
    """The legend's labels left to right, row by row (as drawn): a row is the labels whose
    centres lie within half a label's height of each other."""
    boxes = [(t.get_window_extent(), t.get_text()) for t in legend.get_texts()]
    boxes.sort(key=lambda b: -(b[0].y0 + b[0].y1))
    rows: list[list] = []
    for box, text in boxes:
        centre = (box.y0 + box.y1) / 2
        if rows and abs(rows[-1][0][0] - centre) < box.height / 2:
            rows[-1].append((centre, box.x0, text))
        else:
            rows.append([(centre, box.x0, text)])
    return [text for row in rows for _, _, text in sorted(row, key=lambda item: item[1])]


@pytest.mark.parametrize(("count", "ncol"), [(1, 3), (4, 4), (5, 3), (7, 4), (8, 3), (9, 4)])
def test_row_major_makes_a_legend_read_row_by_row(count, ncol):
    fig = Figure()
    ax = fig.add_subplot()
    handles = [Line2D([], [], label=str(i)) for i in range(count)]
    legend = ax.legend(handles=row_major(handles, ncol), ncol=ncol)
    fig.draw_without_rendering()
    assert _reading_order(legend) == [str(i) for i in range(count)]


def test_plot_legends_read_row_by_row(figures):
    (legend,) = figures["fig4"].legends
    order = _reading_order(legend)
    assert order[:4] == ["$L = 1$", "$L = 2$", "$L = 3$", "symmetric-cut bound"]
    assert order[4] == "exact rank" and "lower bound" in order[5] and "Thm" in order[6]


# -- capped ranks --------------------------------------------------------------------------------


def _markers(ax) -> list[tuple[Line2D, float, float, float, float]]:
    """(line, T, value, display x, display y) of every marker drawn (lines with no marker
    left out)."""
    out = []
    for line in ax.get_lines():
        if _marker_key(line) is None:
            continue
        xy = line.get_transform().transform(line.get_xydata())
        for (T, v), (x, y) in zip(line.get_xydata(), xy, strict=True):
            out.append((line, float(T), float(v), float(x), float(y)))
    return out


def test_capped_ranks_are_lower_bounds_at_their_value(figures, sweeps):
    """Each row that reached the sample cap is one marker at (T, its rank) with an arrow up
    (the marker's path reaches higher above its centre than below), and the legend says so."""
    for name, key in (("fig4", "start_end"), ("fig5", "interleaved")):
        fig = figures[name]
        capped = sorted((r.M, r.L, r.T, r.separation_rank) for r in sweeps[key]
                        if r.separation_rank is not None and not r.rank_exact)  # fmt: skip
        assert capped  # the committed sweeps reach the cap somewhere
        drawn = []
        for ax in fig.axes:
            M = int(re.search(r"M = R = (\d+)", ax.get_title()).group(1))
            for line, T, value, _, _ in _markers(ax):
                if line.get_gid() != "lower bound":
                    continue
                vertices = line.get_marker().vertices
                assert vertices[:, 1].max() > 1.5 * -vertices[:, 1].min()  # an arrow up
                depth = next(L for L, colour in _DEPTH_COLOURS.items()
                             if matplotlib.colors.same_color(colour, line.get_color()))  # fmt: skip
                drawn.append((M, depth, int(T), int(value)))
        assert sorted(drawn) == capped, name
        assert any("lower bound" in t.get_text() for t in fig.legends[0].get_texts())


_DEPTH_COLOURS = {1: "#0072B2", 2: "#D55E00", 3: "#009E73"}


def test_no_two_markers_overlap(figures):
    """At one T, any two markers' centres are at least a marker's width apart (an open
    cross, figure 7's Hankel rank, may sit on a filled marker)."""
    for name, fig in figures.items():
        for ax in (ax for ax in fig.axes if ax.get_lines()):
            points = _markers(ax)
            for (la, Ta, va, xa, ya), (lb, Tb, vb, xb, yb) in combinations(points, 2):
                width = 0.9 * 3.8 * fig.dpi / 72
                if "x" in (_marker_key(la), _marker_key(lb)):
                    continue  # the Hankel rank's open cross reads over a filled marker
                if Ta == Tb:
                    assert math.hypot(xa - xb, ya - yb) >= width, (name, Ta, va, vb)


# -- figure 6: small multiples ----------------------------------------------------------------


def test_bound_tightness_is_small_multiples(figures, sweeps):
    """One column per (M, R), one row per ratio; each panel holds its pair's exact ratios,
    recomputed here, and every marker has the same size (M is not a marker size)."""
    fig = figures["fig6"]
    rows = [r for r in sweeps["start_end"] if r.T >= 4 and r.rank_exact]
    pairs = sorted({(r.M, r.R) for r in rows})
    axes = [ax for ax in fig.axes if ax.get_lines()]
    assert len(axes) == 2 * len(pairs)
    sizes = {line.get_markersize() for ax in axes for line in ax.get_lines() if _marker_key(line)}
    assert len(sizes) == 1
    for ax in axes:
        ratio = {}
        for line in ax.get_lines():
            gid = line.get_gid() or ""
            if ":" in gid:
                for T, value in line.get_xydata():
                    ratio[gid, int(T)] = value
        kinds = {gid.split(":")[0] for gid, _ in ratio}
        assert len(kinds) == 1
        (kind,) = kinds
        expected = {}
        for r in rows:
            if kind == "symmetric":
                expected[f"symmetric:L={r.L}", r.T, r.M] = r.separation_rank / r.symmetric_bound
            elif r.network_bound and r.grid_rank:
                expected[f"network:L={r.L}", r.T, r.M] = r.grid_rank / r.network_bound
        matches = [
            M for M, _ in pairs
            if {k: v for (g, T, m), v in expected.items() if m == M for k in [(g, T)]} == ratio
        ]  # fmt: skip
        assert len(matches) == 1, ax.get_title()


# -- figures 7 and 9: axes and captions ---------------------------------------------------------


def test_each_family_panel_spans_its_own_values(figures):
    """The data of each panel fill most of its (log) rank axis: no panel is mostly empty."""
    for name in ("fig7", "fig9"):
        for ax in (ax for ax in figures[name].axes if ax.get_lines()):
            low, high = ax.get_ylim()
            values = [y for line in ax.get_lines() for y in line.get_ydata() if y <= high]
            used = math.log(max(values) / low) / math.log(high / low)
            assert used >= 0.6, (name, ax.get_title(), used)


_KIND_WORDS = {"rank": r"\bfilled\b", "uncertified": r"\bhollow\b", "lower": r"arrow up"}


def _claims_in_data(rows: list[dict]) -> set[str]:
    """What each rank claims: certified exact, exact w.h.p. only, or a certified lower bound."""
    out = set()
    for r in rows:
        if r["certified"]:
            out.add("rank")
        elif r["exact"]:
            out.add("uncertified")
        else:
            out.add("lower")
    return out


def _claims_drawn(fig) -> set[str]:
    """The marker kinds on the figure's panels, read from how the markers look."""
    out = set()
    for ax in fig.axes:
        for line in ax.get_lines():
            key = _marker_key(line)
            if key is None or key == "x":  # no marker, or the Hankel rank's cross
                continue
            if isinstance(line.get_marker(), MplPath):
                out.add("lower")
            else:
                out.add("uncertified" if _grey_key(line)[2] else "rank")
    return out


def _readme_caption(number: int) -> str:
    text = (ROOT / "README.md").read_text()
    return re.search(rf"\) {number}\. (.*?) \|", text).group(1)


def _docs_caption() -> str:
    text = (ROOT / "docs" / "beyond_rnns.md").read_text()
    return re.search(r"\nFigure 9 \(.*?\n\n", text, re.S).group(0)


def _claims_named(caption: str) -> set[str]:
    return {kind for kind, word in _KIND_WORDS.items() if re.search(word, caption, re.I)}


def test_family_captions_name_exactly_the_marker_kinds_drawn(figures):
    """Figure 7's README caption and figure 9's docs caption name a marker kind (filled,
    hollow, arrow up) if and only if the data hold such a rank and the figure draws it."""
    for name, data, caption in (
        ("fig7", "families.json", _readme_caption(7)),
        ("fig9", "beyond_rnns.json", _docs_caption()),
    ):
        rows = json.loads((FIGURES / data).read_text())
        assert _claims_drawn(figures[name]) == _claims_in_data(rows), name
        assert _claims_named(caption) == _claims_in_data(rows), (name, caption)


def test_sweep_captions_name_the_lower_bounds_drawn(figures, sweeps):
    for number, key in ((4, "start_end"), (5, "interleaved")):
        capped = any(not r.rank_exact for r in sweeps[key] if r.separation_rank is not None)
        caption = _readme_caption(number)
        assert capped == ("lower" in _claims_drawn(figures[f"fig{number}"]))
        assert capped == bool(re.search("arrow up", caption)), caption
        assert "hollow" not in caption
