"""The TikZ backend: escaping, and documents that pdflatex compiles to the figure's size.

Page sizes are read from the PDF pdflatex writes.
"""

from __future__ import annotations

import re

import pytest
from _drawing import CM_TO_PT, mediabox, needs_pdflatex, pdflatex, rac_of

from rac_tn.diagram import build_scene, to_tikz
from rac_tn.drawing.tikz import escape_text


def test_tikz_escapes_text():
    assert escape_text("50% & {x_1} $y$ #1 ~ ≤") == (
        r"50\% \& \{x\_1\} \$y\$ \#1 \textasciitilde{} $\leq$"
    )
    tex = to_tikz(rac_of(1), T=3, title="50% of {x}", standalone=False)
    assert r"50\% of \{x\}" in tex
    assert tex.count(r"\begin{tikzpicture}") == 1 and r"\documentclass" not in tex


@needs_pdflatex
@pytest.mark.parametrize(
    "depth,T,view,style",
    [
        (1, 6, "network", {"dims": "symbolic"}),
        (2, 4, "network", {"title": "Start-End cut: 50% & {x} ~ #1"}),
        (2, 4, "grid", {"title": r"Start-End at $T=4$, $h^{2,t}$ for \$5"}),
        (3, 8, "grid", {"degrees": True, "dims": True}),
    ],
)
def test_tikz_compiles_with_pdflatex_to_the_figure_size(tmp_path, depth, T, view, style):
    rac = rac_of(depth, M=3)
    tex = to_tikz(rac, T=T, view=view, cut="start-end", **style)
    path = tmp_path / "fig.tex"
    path.write_text(tex, encoding="utf-8")
    pdflatex(path, tmp_path)
    width, height = mediabox((tmp_path / "fig.pdf").read_bytes())
    scene = build_scene(rac, T=T, view=view, cut="start-end", **style)
    # the page is cropped to the picture: the same size as the matplotlib figure
    assert width == pytest.approx(scene.width * CM_TO_PT, abs=1.0)
    assert height == pytest.approx(scene.height * CM_TO_PT, abs=1.0)


@needs_pdflatex
def test_bare_tikzpicture_inputs_into_a_document(tmp_path):
    (tmp_path / "pic.tex").write_text(
        to_tikz(rac_of(2), T=4, view="network", cut="start-end", standalone=False)
    )
    doc = tmp_path / "paper.tex"
    doc.write_text(
        "\\documentclass{article}\n\\usepackage{tikz}\n\\usetikzlibrary{backgrounds,calc}\n"
        "\\begin{document}\n"
        "\\begin{figure}\\centering\\input{pic.tex}\\caption{A RAC.}\\end{figure}\n"
        "\\end{document}\n"
    )
    pdflatex(doc, tmp_path)
    assert (tmp_path / "paper.pdf").stat().st_size > 1000


def test_tikz_is_semantic():
    """One \\tikzset of styles, named nodes, edges between the names, few-point smooth
    outlines, minimum sizes LaTeX may enlarge, the document's own font, commented blocks."""
    tex = to_tikz(rac_of(3, M=3), T=8, view="grid", cut="start-end", degrees=True)
    assert tex.count("\\tikzset{") == 1
    for style in ("rac/tensor/", "rac/copy/", "rac/input/", "rac/cut/", "rac/start side/"):
        assert style in tex
    assert "\\fontsize" not in tex and "\\selectfont" not in tex
    assert "rac/font/.style={font=\\scriptsize}" in tex
    # cells are named h-l-t and the wires join the names
    for layer in (1, 2, 3):
        for t in range(1, 9):
            assert f"({'h'}-{layer}-{t}) at" in tex
    assert re.search(r"\\draw\[rac/bond[^\]]*\] \(h-1-1\) -- \(fan-1-1\);", tex)
    assert re.search(r"\\draw\[[^\]]*rac/arrow\] \(fan-1-1\) -- \(h-1-2\);", tex)
    assert "minimum width=" in tex and "inner sep=" in tex
    # shaded sides and the cut: smooth closed curves through a few points each
    outlines = re.findall(r"plot\[rac/outline\] coordinates \{([^}]*)\}", tex)
    assert len(outlines) >= 3
    assert all(o.count("(") < 120 for o in outlines)
    for comment in ("% Shaded sides", "% Bonds", "% The cut", "% cells h^{l,t}"):
        assert comment in tex


def test_network_tikz_names_every_tensor_once():
    from rac_tn import compile_rac

    net = compile_rac(rac_of(2), 4)
    tex = to_tikz(net, cut="start-end")
    names = re.findall(r"\\node\[[^\]]*\] \(([A-Za-z0-9-]+)\) at", tex)
    assert len(names) == len(set(names))
    tensors = [n for n in names if n.split("-")[0] in ("WH", "WI", "copy", "h0", "WO")]
    assert len(tensors) == net.tn.num_tensors
    assert "(WO)" in tex and "(copy-2-4)" in tex
