"""TikZ an author can edit: only the nodes are placed at numbers, everything else goes with them.

Each picture is read back by a parser written for the tests (``_tikz``); where pdflatex is
installed, it measures where the named texts and coordinates land before and after a node is
moved in the source.
"""

from __future__ import annotations

import re

import pytest
import quimb.tensor as qtn
from _drawing import needs_pdflatex, pdflatex
from _tikz import check_relative, measured, measuring, names_in

from rac_tn import CP2RNN, RAC, SecondOrderRNN, to_tikz

#: TeX points per cm (what TikZ reports; a PDF's big points are 72 per inch instead).
TEX_PT_PER_CM = 72.27 / 2.54

PEPS_SIDES = (["I0,0", "I0,1", "I1,0", "I1,1"], ["I0,2", "I1,2", "I2,0", "I2,1", "I2,2"])
MERA_SIDES = (["k0", "k1", "k2", "k3"], ["k4", "k5", "k6", "k7"])

#: One picture of every view that emits TikZ, with a cut, labels and numbers on the edges.
VIEWS = {
    "mps": lambda: to_tikz(RAC.random(2, 2, seed=1), T=6, cut="start-end", dims=True),
    "copy tree": lambda: to_tikz(
        RAC.random(2, 2, depth=2, seed=0), T=4, cut="start-end", dims=True, title="at $T=4$"
    ),
    "hyperedges": lambda: to_tikz(
        RAC.random(2, 2, depth=2, seed=0), T=4, cut="start-end", hyperedges=True, dims=True
    ),
    "cp cores": lambda: to_tikz(
        CP2RNN.random(input_dim=2, hidden_dim=3, rank=2, depth=2, seed=0),
        T=4,
        cut="start-end",
        dims="symbolic",
    ),
    "affine family": lambda: to_tikz(
        SecondOrderRNN.random(2, 3, bias=True, seed=0), T=4, cut="start-end", dims=True
    ),
    "grid": lambda: to_tikz(
        RAC.random(3, 2, depth=3, seed=3),
        T=8,
        view="grid",
        cut="start-end",
        degrees=True,
        dims=True,
    ),
    "grid interleaved": lambda: to_tikz(
        RAC.random(2, 2, depth=2, seed=0), T=8, view="grid", cut="1,2,5,6", degrees=True
    ),
    "peps": lambda: to_tikz(qtn.PEPS.rand(3, 3, bond_dim=2, phys_dim=3, seed=0), cut=PEPS_SIDES),
    "mera": lambda: to_tikz(qtn.MERA.rand(8, max_bond=2), cut=MERA_SIDES, dims=True),
}


@pytest.mark.parametrize("view", list(VIEWS))
def test_only_the_nodes_are_placed_at_numbers(view):
    """Texts, cut and shading points, bends and the bounding box refer to defined names; the
    only bare ``(x,y)`` are node positions; a node's label is placed from that node."""
    tex = VIEWS[view]()
    read = check_relative(tex)
    assert read["positions"] and read["texts"]
    cut_points = [c for c in read["coords"] if c.startswith("cut-")]
    assert cut_points, "the cut outline runs through named coordinates"
    for name in cut_points:  # each tied to one node (or two)
        assert set(names_in(read["coords"][name])) <= set(read["positions"])
    owned = 0
    for name, at in read["texts"].items():
        prefix, _, owner = name.partition("-")
        if prefix in ("label", "degree", "index", "factor") and owner in read["positions"]:
            assert names_in(at)[0] == owner, (name, at)  # placed from the node it labels
            owned += 1
    assert owned
    # the shading is on the background layer, drawn through named coordinates
    layer = tex.split("\\begin{pgfonlayer}{background}", 1)[1].split("\\end{pgfonlayer}")[0]
    assert "\\fill[rac/" in layer and not re.search(r"coordinates \{\(-?\d", layer)
    assert "\\useasboundingbox (frame-sw) rectangle (frame-ne);" in tex
    # a legend LaTeX sets wider than matplotlib measured grows the page instead of being clipped
    tail = tex.split("\\useasboundingbox (frame-sw) rectangle (frame-ne);", 1)[1]
    for name in re.findall(r"\\node\[rac/legend[^\]]*\] \(([^)]+)\)", tex):
        assert f"\\path ({name}.south west) rectangle ({name}.north east);" in tail


def test_a_label_is_written_from_its_node():
    tex = VIEWS["copy tree"]()
    line = next(x for x in tex.splitlines() if "(label-x-1-1)" in x)
    assert re.search(r"at \(\$\(x-1-1\)\+\(0,-0\.\d+\)\$\) \{\$x_\{1\}\$\};$", line), line
    assert "(frame-nw)" in next(x for x in tex.splitlines() if "(legend)" in x)
    assert "(frame-n)" in next(x for x in tex.splitlines() if "(title)" in x)


def _moved(tex: str, name: str, dx: float) -> str:
    pattern = re.compile(r"(\\node\[[^\]]*\] \(" + re.escape(name) + r"\) at \()([-\d.]+)(,)")
    assert len(pattern.findall(tex)) == 1
    return pattern.sub(lambda m: f"{m[1]}{float(m[2]) + dx:g}{m[3]}", tex)


def _expected_shift(at: str, name: str, dx: float) -> float:
    """How far (cm) a point written as ``at`` moves when node ``name`` moves ``dx`` to the right."""
    refs = names_in(at)
    if name not in refs:
        return 0.0
    if len(refs) == 1:
        return dx
    s = float(re.search(r"!([\d.]+)!", at)[1])  # between two nodes, at s from the first
    return dx * (1 - s) if refs[0] == name else dx * s


@needs_pdflatex
@pytest.mark.parametrize("view,node", [("copy tree", "x-1-1"), ("grid", "h-3-4")])
def test_moving_a_node_moves_what_goes_with_it(tmp_path, view, node):
    """Move one node 1 cm right in the source: pdflatex puts its labels, the cut points and
    shading corners tied to it 1 cm right (a label between two nodes by its share), and every
    other text and point where it was."""
    tex = VIEWS[view]()
    read = check_relative(tex)
    xs = [float(p[1:-1].split(",")[0]) for p in read["positions"].values()]
    x = float(read["positions"][node][1:-1].split(",")[0])
    assert min(xs) < x < max(xs)  # not an outermost node: the frame stays
    probes = {**read["texts"], **read["coords"]}
    logs = {}
    for tag, source in (("before", tex), ("after", _moved(tex, node, 1.0))):
        path = tmp_path / f"{tag}.tex"
        path.write_text(measuring(source, list(probes)), encoding="utf-8")
        pdflatex(path, tmp_path)
        logs[tag] = measured((tmp_path / f"{tag}.log").read_text(errors="replace"))
    assert set(logs["before"]) == set(logs["after"]) == set(probes)
    moved = 0
    for name, at in probes.items():
        (x0, y0), (x1, y1) = logs["before"][name], logs["after"][name]
        shift = _expected_shift(at, node, 1.0)
        assert x1 - x0 == pytest.approx(shift * TEX_PT_PER_CM, abs=0.02), (name, at)
        assert y1 == pytest.approx(y0, abs=0.02), name
        moved += shift > 0
    assert moved >= 3  # its label and the cut and shading points around it
    own = [n for n in read["texts"] if n.partition("-")[2] == node]
    assert own and all(_expected_shift(read["texts"][n], node, 1.0) == 1.0 for n in own)


def _paper(tmp_path, preamble: str) -> str:
    (tmp_path / "net.tex").write_text(
        to_tikz(RAC.random(2, 2, depth=2, seed=0), T=4, cut="start-end", standalone=False)
    )
    (tmp_path / "grid.tex").write_text(
        to_tikz(
            RAC.random(2, 2, depth=2, seed=0), T=8, view="grid", cut="1,2,5,6", standalone=False
        )
    )
    (tmp_path / "peps.tex").write_text(
        to_tikz(qtn.PEPS.rand(3, 3, bond_dim=2, seed=0), cut=PEPS_SIDES, standalone=False)
    )
    doc = tmp_path / "paper.tex"
    doc.write_text(
        "\\documentclass[twocolumn]{article}\n\\usepackage{tikz}\n"
        + preamble
        + "\\begin{document}\n"
        "Some text.\n"
        "\\begin{figure}\\centering\\input{net.tex}\\caption{A RAC.}\\end{figure}\n"
        "\\begin{figure*}\\centering\\input{grid.tex}\\caption{Its grid.}\\end{figure*}\n"
        "\\begin{figure}\\centering\\input{peps.tex}\\caption{A PEPS.}\\end{figure}\n"
        "\\end{document}\n"
    )
    return doc


@needs_pdflatex
def test_bare_pictures_input_into_a_two_column_paper(tmp_path):
    doc = _paper(tmp_path, "\\usetikzlibrary{backgrounds,calc}\n")
    pdflatex(doc, tmp_path)
    assert (tmp_path / "paper.pdf").stat().st_size > 1000
    header = (tmp_path / "net.tex").read_text().splitlines()[0]
    assert "\\usetikzlibrary{backgrounds,calc}" in header


@needs_pdflatex
def test_a_paper_without_the_libraries_is_told_which_to_load(tmp_path):
    doc = _paper(tmp_path, "")
    with pytest.raises(AssertionError, match=r"needs \\usetikzlibrary\{backgrounds,calc\}"):
        pdflatex(doc, tmp_path)
