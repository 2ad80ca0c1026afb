"""Any quimb network drawn for print: layouts from the structure, nothing overlapping in the
rendered figure over a sweep of sizes, paper width, TikZ that compiles, clear errors."""

from __future__ import annotations

import math
import re
from collections import Counter

import pytest
import quimb.tensor as qtn
from _drawing import CM_TO_PT, crossings, mediabox, needs_pdflatex, pdflatex
from _networks import (
    binary_tree,
    copy_network,
    hyper_network,
    random_network,
    rendered_overlaps,
    ring,
)

from rac_tn import RAC
from rac_tn.diagram import build_scene, draw, to_tikz

HALVES8 = (["k0", "k1", "k2", "k3"], ["k4", "k5", "k6", "k7"])


def _tensors(scene):
    return {n.ref: n for n in scene.nodes if n.role in ("tensor", "DELTA")}


# -- layouts from the structure -----------------------------------------------------------------


def test_chain_on_a_line_in_site_order():
    mps = qtn.MPS_rand_state(8, bond_dim=3, seed=0)
    nodes = _tensors(build_scene(mps))
    site = {tid: int(next(iter(mps.tensor_map[tid].tags))[1:]) for tid in nodes}
    xs = [nodes[tid].x for tid in sorted(nodes, key=site.__getitem__)]
    assert len({round(n.y, 9) for n in nodes.values()}) == 1
    gaps = {round(b - a, 6) for a, b in zip(xs, xs[1:], strict=False)}
    assert len(gaps) == 1 and gaps.pop() > 0
    # open legs hang below the chain, all to one line (the border)
    ends = [n for n in build_scene(mps).nodes if n.role == "terminal"]
    assert len({round(n.y, 9) for n in ends}) == 1 and ends[0].y < min(n.y for n in nodes.values())


def test_mpo_upper_legs_up_lower_legs_down():
    mpo = qtn.MPO_rand(4, bond_dim=2, seed=0)
    scene = build_scene(mpo)
    y = next(iter(_tensors(scene).values())).y
    for n in scene.nodes:
        if n.role == "terminal":
            assert (n.y > y) == n.ref.startswith("k"), n.ref


@pytest.mark.parametrize("Lx,Ly", [(3, 3), (2, 4)])
def test_lattice_on_its_grid(Lx, Ly):
    peps = qtn.PEPS.rand(Lx, Ly, bond_dim=2, seed=0)
    nodes = _tensors(build_scene(peps))
    where = {}
    for tid, node in nodes.items():
        tag = next(t for t in peps.tensor_map[tid].tags if t.startswith("I"))
        i, j = map(int, tag[1:].split(","))
        where[i, j] = (node.x, node.y)
    for (i, j), (x, y) in where.items():  # row i down the page, column j to the right
        assert x == pytest.approx(where[0, j][0]) and y == pytest.approx(where[i, 0][1])
        if i:
            assert y < where[i - 1, j][1]
        if j:
            assert x > where[i, j - 1][0]
    scene = build_scene(peps)
    assert crossings([e for e in scene.edges if e.role in ("bond", "leg")]) == []


def test_tree_stands_on_its_leaves():
    """Tidy tree: the bottom tensors on one level, each parent centred above its children,
    no bond crossing another."""
    tn = binary_tree(16)
    scene = build_scene(tn, width=16)
    nodes = _tensors(scene)
    levels = Counter(round(n.y, 6) for n in nodes.values())
    assert sorted(levels.values()) == [1, 2, 4, 8]
    for tid, node in nodes.items():
        below = [nodes[u] for ind in tn.tensor_map[tid].inds for u in tn.ind_map[ind] if u != tid]
        below = [b for b in below if b.y < node.y]
        if below:
            assert node.x == pytest.approx(sum(b.x for b in below) / len(below))
    assert crossings([e for e in scene.edges if e.role in ("bond", "leg")]) == []


def test_mera_levels_and_periodic_bonds():
    """A periodic MERA: disentanglers at the bottom, isometries and disentanglers in
    alternate levels above, the top isometry alone at the top; a bond around the period is two
    stubs leaving the figure's sides."""
    mera = qtn.MERA.rand(8)
    scene = build_scene(mera)
    nodes = _tensors(scene)
    by_y = sorted({round(n.y, 6) for n in nodes.values()})
    assert len(by_y) == 6
    rows = [[t for t, n in nodes.items() if round(n.y, 6) == y] for y in by_y]
    assert [len(r) for r in rows] == [4, 4, 2, 2, 1, 1]
    for row, tag in zip(rows, ["_UNI", "_ISO"] * 3, strict=True):
        assert all(tag in mera.tensor_map[t].tags for t in row)
    stubs = [e for e in scene.edges if isinstance(e.ends[1], tuple) and e.ends[1][0] == "wrap"]
    assert stubs and len(stubs) % 2 == 0
    assert all(Counter(e.ref for e in stubs)[e.ref] == 2 for e in stubs)
    assert {t.text for t in scene.texts if t.role == "index"} == {f"k_{{{i}}}" for i in range(8)}


def test_hyperedges_and_copy_tensors_are_dots():
    scene = build_scene(hyper_network())
    (dot,) = [n for n in scene.nodes if n.role == "hyperedge"]
    assert dot.ref == "h" and Counter(e.ref for e in scene.edges)["h"] == 3
    scene = build_scene(copy_network())
    assert [n.shape for n in scene.nodes if n.role == "DELTA"] == ["dot"]
    # an open shared index listed on a side is a dot with its own open leg
    open_hyper = build_scene(hyper_network(), cut=(["h", "a"], ["c", "d"]))
    assert any(n.role == "terminal" and n.ref == "h" for n in open_hyper.nodes)


def test_layout_is_deterministic():
    for make in (lambda: qtn.MERA.rand(8), lambda: random_network(9, 4, seed=3)):
        a = to_tikz(make(), cut=None)
        b = to_tikz(make(), cut=None)
        assert a == b


def test_labels_are_the_tensors_tags():
    scene = build_scene(binary_tree(8))
    assert sorted(n.label for n in scene.nodes if n.role == "tensor") == sorted(
        ["A_{0}", "A_{1}", "A_{2}", "A_{3}", "B_{0}", "B_{1}", "C_{0}"]
    )
    short = build_scene(binary_tree(8), labels="short")
    assert {n.label for n in short.nodes if n.role == "tensor"} == {"A", "B", "C"}
    bare = build_scene(binary_tree(8), labels="none")
    assert not [n.label for n in bare.nodes if n.label]
    dims = build_scene(qtn.MPS_rand_state(4, bond_dim=3, seed=0), dims="symbolic")
    assert {e.label for e in dims.edges if e.role == "leg"} == {f"k_{{{i}}}" for i in range(4)}


# -- legible at paper size ----------------------------------------------------------------------

FAST_SWEEP = [
    ("mps 8", lambda: qtn.MPS_rand_state(8, bond_dim=3, seed=0), HALVES8),
    ("mpo 8", lambda: qtn.MPO_rand(8, bond_dim=3, seed=0), (["I0", "I1", "I2"], ["I5", "I6"])),
    ("peps 3x3", lambda: qtn.PEPS.rand(3, 3, bond_dim=2, phys_dim=3, seed=0), (["X0"], ["X2"])),
    ("tree 8", lambda: binary_tree(8), (["k0", "k1", "k2"], ["k3", "k4", "k5", "k6", "k7"])),
    ("mera 8", lambda: qtn.MERA.rand(8), HALVES8),
    ("copy", copy_network, (["p0", "p1"], ["p2", "p3"])),
    ("hyper", hyper_network, (["a", "b"], ["c", "d"])),
    ("ring", lambda: ring(6), (["p0", "p1", "p2"], ["p3", "p4", "p5"])),
]


def _sides_of(tn):
    outer = sorted(tn.outer_inds())
    return outer[: len(outer) // 2], outer[len(outer) // 2 :]


SLOW_SWEEP = [
    *[(f"mps {n}", lambda n=n: qtn.MPS_rand_state(n, bond_dim=4, seed=0)) for n in (2, 5, 13, 20)],
    *[(f"mpo {n}", lambda n=n: qtn.MPO_rand(n, bond_dim=2, seed=0)) for n in (2, 5, 12)],
    *[
        (f"peps {a}x{b}", lambda a=a, b=b: qtn.PEPS.rand(a, b, bond_dim=2, seed=0))
        for a, b in ((2, 2), (2, 5), (4, 4), (6, 6))
    ],
    ("cyclic peps 3x3", lambda: qtn.PEPS.rand(3, 3, bond_dim=2, cyclic=True, seed=0)),
    ("cyclic mps 6", lambda: qtn.MPS_rand_state(6, bond_dim=2, cyclic=True, seed=0)),
    ("peps3d 2x2x2", lambda: qtn.PEPS3D.rand(2, 2, 2, bond_dim=2, seed=0)),
    *[(f"tree {n}", lambda n=n: binary_tree(n)) for n in (2, 4, 16, 32)],
    *[(f"mera {n}", lambda n=n: qtn.MERA.rand(n)) for n in (4, 16)],
    ("qtree 10", lambda: qtn.TN_rand_tree(10, 3, seed=1)),
    *[
        (f"random {n},{k}", lambda n=n, k=k: random_network(n, k, seed=n + k))
        for n, k in ((4, 1), (6, 3), (8, 2), (10, 5), (12, 8))
    ],  # fmt: skip
]


def _assert_clean(fig, what):
    found = rendered_overlaps(fig)
    assert not found, (what, found[:5])


@pytest.mark.parametrize("name,make,sides", FAST_SWEEP, ids=[c[0] for c in FAST_SWEEP])
def test_nothing_overlaps_in_the_rendered_figure(name, make, sides):
    fig = draw(make(), cut=sides, dims=True)
    _assert_clean(fig, name)
    assert fig.get_figwidth() * 2.54 <= 16.0 + 1e-9


@pytest.mark.slow
@pytest.mark.parametrize("name,make", SLOW_SWEEP, ids=[c[0] for c in SLOW_SWEEP])
@pytest.mark.parametrize("style", [{}, {"dims": True}, {"dims": True, "font_size": 9}])
def test_nothing_overlaps_over_a_sweep_of_sizes(name, make, style):
    """Sizes and styles swept: drawn within 16 cm and clean, or refused with the width needed,
    and then drawn clean at that width."""
    tn = make()
    for cut in (None, _sides_of(tn)) if tn.outer_inds() else (None,):
        try:
            fig = draw(tn, cut=cut, **style)
        except ValueError as err:
            need = float(re.search(r"needs at least ([\d.]+) cm", str(err)).group(1))
            assert need > 16.0
            fig = draw(tn, cut=cut, width=min(math.ceil(need + 0.5), 100), **style)
        else:
            assert fig.get_figwidth() * 2.54 <= 16.0 + 1e-9
        _assert_clean(fig, (name, style, cut is not None))


def test_too_wide_is_refused_with_the_width_needed():
    mps = qtn.MPS_rand_state(40, bond_dim=2, seed=0)
    with pytest.raises(ValueError, match=r"needs at least ([\d.]+) cm.*width = 16 cm") as err:
        build_scene(mps)
    need = float(re.search(r"needs at least ([\d.]+) cm", str(err.value)).group(1))
    assert 16 < need < 40
    assert build_scene(mps, width=math.ceil(need + 0.1)).width <= math.ceil(need + 0.1)
    # a narrower page narrows a chain that fits it
    assert build_scene(qtn.MPS_rand_state(10, bond_dim=2, seed=0), width=7).width <= 7


def test_figure_shows_inline_in_a_notebook():
    formatters = pytest.importorskip("IPython.core.formatters")
    bundle, _ = formatters.DisplayFormatter().format(draw(binary_tree(4), cut=(["k0"], ["k3"])))
    assert "image/png" in bundle


# -- TikZ ---------------------------------------------------------------------------------------


def test_tikz_names_every_tensor_and_styles_the_cut():
    mera = qtn.MERA.rand(8)
    tex = to_tikz(mera, cut=HALVES8, dims=True)
    names = re.findall(r"\\node\[rac/tensor[^\]]*\] \(([A-Za-z0-9-]+)\) at", tex)
    assert len(names) == len(set(names)) == mera.num_tensors
    assert "rac/cut bond" in tex and "plot[rac/outline]" in tex
    assert "% rac_tn figure: a MERA of 14 tensors (layered layout)" in tex
    assert "rank <= 8" in tex.split("\\begin{tikzpicture}")[0]


@needs_pdflatex
def test_tikz_compiles_standalone_to_the_figure_size(tmp_path):
    tn = copy_network()
    style = {"dims": True, "title": "A COPY tensor: 50% & {x}"}
    tex = to_tikz(tn, cut=(["p0", "p1"], ["p2", "p3"]), **style)
    path = tmp_path / "fig.tex"
    path.write_text(tex, encoding="utf-8")
    pdflatex(path, tmp_path)
    width, height = mediabox((tmp_path / "fig.pdf").read_bytes())
    scene = build_scene(tn, cut=(["p0", "p1"], ["p2", "p3"]), **style)
    assert width == pytest.approx(scene.width * CM_TO_PT, abs=1.0)
    assert height == pytest.approx(scene.height * CM_TO_PT, abs=1.0)


@needs_pdflatex
def test_tikz_inputs_into_a_paper(tmp_path):
    peps = qtn.PEPS.rand(3, 3, bond_dim=2, seed=0, cyclic=True)
    (tmp_path / "pic.tex").write_text(to_tikz(peps, cut=(["X0"], ["X2"]), standalone=False))
    doc = tmp_path / "paper.tex"
    doc.write_text(
        "\\documentclass{article}\n\\usepackage{tikz}\n\\usetikzlibrary{backgrounds,calc}\n"
        "\\begin{document}\n"
        "\\begin{figure}\\centering\\input{pic.tex}\\caption{A PEPS.}\\end{figure}\n"
        "\\end{document}\n"
    )
    pdflatex(doc, tmp_path)
    assert (tmp_path / "paper.pdf").stat().st_size > 1000


@pytest.mark.slow
@needs_pdflatex
@pytest.mark.parametrize("name,make,sides", FAST_SWEEP, ids=[c[0] for c in FAST_SWEEP])
def test_every_kind_of_network_compiles(tmp_path, name, make, sides):
    path = tmp_path / "fig.tex"
    path.write_text(to_tikz(make(), cut=sides, dims=True), encoding="utf-8")
    pdflatex(path, tmp_path)


# -- arguments ----------------------------------------------------------------------------------


def test_bad_arguments_name_the_argument():
    mps = qtn.MPS_rand_state(4, bond_dim=2, seed=0)
    with pytest.raises(ValueError, match="T applies to a model"):
        build_scene(mps, T=4)
    with pytest.raises(ValueError, match="view='network'"):
        build_scene(mps, view="grid")
    with pytest.raises(TypeError, match=r"cut of a quimb network must be a pair"):
        build_scene(mps, cut="start-end")
    with pytest.raises(ValueError, match=r"cut: 'q9' is neither an index nor a tag"):
        build_scene(mps, cut=(["k0"], ["q9"]))
    with pytest.raises(ValueError, match="on both sides"):
        build_scene(mps, cut=(["k0", "k1"], ["I1"]))
    with pytest.raises(ValueError, match="partition differs"):
        build_scene(mps, cut=(["k0"], ["k3"]), partition=(["k0"], ["k2"]))
    with pytest.raises(ValueError, match="copies: 99"):
        build_scene(mps, copies=[99])
    with pytest.raises(TypeError, match="copies applies to a quimb network"):
        build_scene(RAC.random(2, 2, seed=0), T=4, copies="detect")
    with pytest.raises(ValueError, match="no tensors"):
        build_scene(qtn.TensorNetwork([]))


def test_the_overlap_measure_sees_overlaps():
    """The measure itself: two touching tensors and a label on a bond are found."""
    from rac_tn.drawing import mpl
    from rac_tn.drawing.scene import Node, Scene, Text

    scene = Scene()
    scene.add_node(Node("a", 0.0, 0.0, "circle", 0.2, label="A"))
    scene.add_node(Node("b", 0.35, 0.0, "circle", 0.2, label="B"))
    scene.add_node(Node("c", 2.0, 0.0, "circle", 0.2, label="C"))
    scene.add_text(Text(2.1, 0.0, "k_{0}"))
    found = rendered_overlaps(mpl.render(scene))
    assert any("circles" in f for f in found) and any("'$k_{0}$'" in f for f in found)
    assert not [f for f in found if "'$A$'" in f]  # a label inside its own node is not one
