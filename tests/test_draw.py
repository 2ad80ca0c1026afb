"""Tests of rac_tn.draw: layouts, scenes, cuts and both backends.

Each test checks a property of the drawing against an independent computation: overlaps and
crossings by plane geometry, tensor counts from the compiled network, cut bonds from the
CutBound, shaded sides by point-in-polygon tests, page sizes from the PDF pdflatex writes.
"""

from __future__ import annotations

import itertools
import math
import re
import shutil
import subprocess
from collections import Counter

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from matplotlib.path import Path as MplPath

from rac_tn import RAC, compile_rac
from rac_tn.bounds import network_cut_bound, symmetric_bound
from rac_tn.cli import main as cli_main
from rac_tn.draw import build_scene, draw, to_tikz
from rac_tn.draw.layout import grid_layout, tree_layout
from rac_tn.draw.scene import TENSOR_KINDS, Scene
from rac_tn.draw.tikz import escape_text
from rac_tn.partition import Partition, interleaved, start_end

PDFLATEX = shutil.which("pdflatex")
needs_pdflatex = pytest.mark.skipif(PDFLATEX is None, reason="pdflatex is not installed")
CM_TO_PT = 72.0 / 2.54


def rac_of(depth: int, M: int = 2, R: int = 2, C: int = 1) -> RAC:
    return RAC.random(M, R, depth=depth, num_classes=C, seed=depth)


# -- plane geometry, written independently of the scene module ---------------------------------


def _gap(a, b) -> float:
    """Distance between the outlines of two nodes (negative when they overlap)."""

    def half(n):
        if n.shape == "box":
            return n.size, (n.height if n.height is not None else n.size)
        return n.size, n.size

    if a.shape != "box" and b.shape != "box":
        return math.hypot(a.x - b.x, a.y - b.y) - a.size - b.size
    if a.shape == "box" and b.shape == "box":
        (aw, ah), (bw, bh) = half(a), half(b)
        gx = abs(a.x - b.x) - aw - bw
        gy = abs(a.y - b.y) - ah - bh
        if gx > 0 and gy > 0:
            return math.hypot(gx, gy)
        return max(gx, gy)
    box, circle = (a, b) if a.shape == "box" else (b, a)
    w, h = half(box)
    dx = max(abs(circle.x - box.x) - w, 0.0)
    dy = max(abs(circle.y - box.y) - h, 0.0)
    return math.hypot(dx, dy) - circle.size


def min_gap(scene: Scene) -> float:
    nodes = [n for n in scene.nodes if n.shape != "none"]
    return min(_gap(a, b) for a, b in itertools.combinations(nodes, 2))


def _segments(points):
    return list(zip(points, points[1:], strict=False))


def _cross(p, q, r, s) -> bool:
    """Do the open segments pq and rs cross at a point interior to both?"""
    p, q, r, s = map(np.asarray, (p, q, r, s))
    d1, d2 = q - p, s - r
    den = d1[0] * d2[1] - d1[1] * d2[0]
    if abs(den) < 1e-12:
        return False  # parallel (collinear overlaps are separate bonds meeting at a node)
    w = r - p
    u = (w[0] * d2[1] - w[1] * d2[0]) / den
    v = (w[0] * d1[1] - w[1] * d1[0]) / den
    eps = 1e-6
    return eps < u < 1 - eps and eps < v < 1 - eps


def crossings(edges) -> list:
    segs = [(e, s) for e in edges for s in _segments(e.points)]
    found = []
    for (e1, s1), (e2, s2) in itertools.combinations(segs, 2):
        if e1 is not e2 and _cross(*s1, *s2):
            found.append((e1.ref, e2.ref))
    return found


def dist_to_curves(scene: Scene, point) -> float:
    best = math.inf
    px, py = point
    for curve in scene.curves:
        for (ax, ay), (bx, by) in _segments(curve.points):
            dx, dy = bx - ax, by - ay
            t = 0.0 if dx == dy == 0 else ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)
            t = min(max(t, 0.0), 1.0)
            best = min(best, math.hypot(px - ax - t * dx, py - ay - t * dy))
    return best


def inside(region, point) -> bool:
    """Even-odd point-in-region test over all rings."""
    count = sum(MplPath(ring).contains_point(point) for ring in region.rings)
    return count % 2 == 1


def midpoint(points):
    total = sum(math.dist(a, b) for a, b in _segments(points))
    run = 0.0
    for a, b in _segments(points):
        seg = math.dist(a, b)
        if run + seg >= total / 2:
            s = (total / 2 - run) / seg
            return (a[0] + s * (b[0] - a[0]), a[1] + s * (b[1] - a[1]))
        run += seg
    return points[-1]


# -- layouts ----------------------------------------------------------------------------------


@pytest.mark.parametrize("view", ["network", "grid"])
@pytest.mark.parametrize("depth,T", [(1, 6), (2, 4), (3, 4)])
def test_layout_is_deterministic(view, depth, T):
    # two independent compilations of the same model give the very same picture
    a = to_tikz(rac_of(depth), T=T, view=view, cut="start-end")
    b = to_tikz(rac_of(depth), T=T, view=view, cut="start-end")
    assert a == b
    s1 = build_scene(rac_of(depth), T=T, view=view)
    s2 = build_scene(
        compile_rac(rac_of(depth), T) if view == "network" else rac_of(depth), T=T, view=view
    )
    assert [(n.key, n.x, n.y) for n in s1.nodes] == [(n.key, n.x, n.y) for n in s2.nodes]


@pytest.mark.parametrize("depth", [1, 2, 3])
@pytest.mark.parametrize("T", range(1, 9))
def test_no_two_nodes_overlap(depth, T):
    """For L <= 3, T <= 8 no two drawn nodes touch, in both views."""
    rac = rac_of(depth)
    assert min_gap(build_scene(rac, T=T, view="grid")) > 0.02
    net = compile_rac(rac, T)
    assert min_gap(build_scene(net)) > 0.01
    if depth == 1:  # the copy tree of a shallow RAC (W^H, W^I and COPY drawn separately)
        assert min_gap(build_scene(compile_rac(rac, T, kind="tree"))) > 0.01


@pytest.mark.parametrize("depth,T", [(1, 5), (2, 5), (3, 4), (2, 8)])
def test_tree_bonds_never_cross(depth, T):
    """The tidy copy-tree drawing is planar: no two bonds cross (only hyperedge legs do)."""
    scene = build_scene(compile_rac(rac_of(depth), T, kind="tree"))
    bonds = [e for e in scene.edges if e.kind in ("bond", "leg")]
    assert crossings(bonds) == []


@pytest.mark.parametrize("depth,T", [(1, 8), (2, 8), (3, 8)])
def test_grid_wires_never_cross(depth, T):
    scene = build_scene(rac_of(depth), T=T, view="grid")
    assert crossings([e for e in scene.edges if e.kind == "wire"]) == []


def test_tree_layout_puts_time_left_to_right_and_layers_up():
    net = compile_rac(rac_of(3), 4)
    lay = tree_layout(net)
    by_copy = {}
    for tid, p in net.places.items():
        by_copy.setdefault((p.layer, p.time if p.role != "H0" else 1, p.route), {})[p.role] = (
            lay.pos[tid]
        )
    for (layer, t, route), parts in by_copy.items():
        if "DELTA" not in parts:
            continue
        dx, dy = parts["DELTA"]
        assert parts["WI"][0] == dx and parts["WI"][1] < dy  # W^I straight below
        assert parts["WH"][1] == dy and parts["WH"][0] < dx  # W^H on the left
        if t > 1:  # the previous time step of the same layer is further left, same height
            px, py = by_copy[(layer, t - 1, route + "h")]["DELTA"]
            assert px < parts["WH"][0] and py == dy
        if layer > 1:  # the layer below is below
            assert by_copy[(layer - 1, t, route + "i")]["DELTA"][1] < parts["WI"][1]
    # one column per input leg: C(T+L-1, L) of them
    assert len(lay.columns) == math.comb(4 + 3 - 1, 3)
    # input dots in time order on one row
    dots = [lay.pos[("input", t)] for t in range(1, 5)]
    assert all(a[0] < b[0] for a, b in itertools.pairwise(dots))
    assert len({y for _, y in dots}) == 1


def test_grid_layout_fan_out_points_lie_under_the_next_layer():
    lay = grid_layout(3, 5)
    for layer in (1, 2):
        for t in range(1, 6):
            fx, fy = lay.pos[("fan", layer, t)]
            assert fx == pytest.approx(lay.pos[("h", layer + 1, t)][0])
            assert fy == pytest.approx(lay.pos[("h", layer, t)][1])
    assert lay.pos[("y",)][1] > lay.pos[("h", 3, 5)][1]
    assert all(lay.pos[("x", t)][1] < lay.pos[("h", 1, t)][1] for t in range(1, 6))


# -- scenes -----------------------------------------------------------------------------------


@pytest.mark.parametrize("depth,T,C", [(1, 6, 1), (1, 3, 3), (2, 4, 1), (3, 4, 2), (2, 3, 2)])
def test_every_tensor_appears_exactly_once(depth, T, C):
    net = compile_rac(rac_of(depth, C=C), T)
    scene = build_scene(net)
    refs = Counter(n.ref for n in scene.nodes if n.kind in TENSOR_KINDS)
    assert set(refs) == set(net.tn.tensor_map)
    assert set(refs.values()) == {1}
    # and every bond between two tensors is exactly one edge
    inputs = set(net.input_inds)
    bonds = [ind for ind, tids in net.tn.ind_map.items() if len(tids) == 2 and ind not in inputs]
    edges = Counter(e.ref for e in scene.edges if e.kind == "bond")
    assert set(edges) == set(bonds) and set(edges.values()) == {1}
    # every copy of input t is joined to it: n_t legs in all
    legs = Counter(e.ref for e in scene.edges if e.kind in ("hyperleg", "leg"))
    for ind in net.input_inds:
        assert legs[ind] >= len(net.tn.ind_map[ind])


def test_inputs_grouped_one_hyperedge_dot_each():
    net = compile_rac(rac_of(2), 4)
    scene = build_scene(net)
    dots = [n for n in scene.nodes if n.kind == "hyperedge"]
    assert sorted(n.ref for n in dots) == list(net.input_inds)
    legs = Counter(e.ends[1] for e in scene.edges if e.kind == "hyperleg")
    # n_t = C(T-t+L-1, L-1) legs reach the dot of input t
    assert [legs[("input", t)] for t in range(1, 5)] == [
        math.comb(4 - t + 1, 1) for t in range(1, 5)
    ]
    separate = build_scene(net, hyperedges=False)
    assert not [n for n in separate.nodes if n.kind == "hyperedge"]


def test_inputs_coloured_by_partition_side():
    part = Partition(6, [1, 2, 5])
    scene = build_scene(rac_of(1), T=6, partition=part, start_color="#112233", end_color="#445566")
    colours = {n.key[1]: n.fill for n in scene.nodes if n.kind == "terminal"}
    assert colours == {t: "#112233" if t in part.start else "#445566" for t in range(1, 7)}


def test_bond_width_grows_with_dimension():
    scene = build_scene(rac_of(1, M=2, R=8), T=3)
    width = {e.ref: e.width for e in scene.edges}
    assert width["h1_1.R"] > width["d1"]  # R = 8 > M = 2


def test_fonts_are_readable_and_figures_fit_a_column():
    """Labels >= 7 pt; the four reference figures are about a column (8 cm) wide."""
    cases = [
        (rac_of(1), 6, "network"),
        (rac_of(2, M=4), 4, "network"),
        (rac_of(3), 4, "network"),
        (rac_of(3), 8, "grid"),
    ]
    for rac, T, view in cases:
        scene = build_scene(rac, T=T, view=view, cut="start-end", dims=True, degrees=True)
        sizes = [t.size for t in scene.texts] + [n.label_size for n in scene.nodes if n.label]
        sizes += [e.label_size for e in scene.edges if e.label]
        assert min(sizes) >= 7
        assert 5.0 < scene.width < 8.6, (view, T, scene.width)
    # and they grow with T instead of shrinking their labels
    assert build_scene(rac_of(1), T=12).width > build_scene(rac_of(1), T=6).width


# -- cuts -------------------------------------------------------------------------------------


NETWORK_CASES = [
    (1, 6, 2, 2, "start-end"),  # one bond of the tensor train
    (1, 6, 3, 2, "interleaved"),
    (2, 4, 4, 2, "start-end"),  # COPY tensors
    (2, 4, 2, 2, "start-end"),  # input hyperedges
    (3, 4, 3, 2, "start-end"),
    (2, 4, 3, 2, "interleaved"),
]


@pytest.mark.parametrize("depth,T,M,R,part", NETWORK_CASES)
def test_network_cut_highlights_exactly_its_bonds(depth, T, M, R, part):
    net = compile_rac(RAC.random(M, R, depth=depth, seed=0), T)
    partition = start_end(T) if part == "start-end" else interleaved(T)
    bound = network_cut_bound(net, partition)
    scene = build_scene(net, cut=bound)
    bonds = {e.name for e in bound.cut if e.category == "bond"}
    vertices = {e.name for e in bound.cut if e.category != "bond"}
    assert {e.ref for e in scene.edges if e.highlight} == bonds
    assert {n.ref for n in scene.nodes if n.highlight} == vertices
    # the dashed curve runs through every cut bond (at its middle) and every cut vertex
    for e in scene.edges:
        if e.highlight:
            assert dist_to_curves(scene, midpoint(e.points)) < 0.06
    for n in scene.nodes:
        if n.highlight:
            assert dist_to_curves(scene, (n.x, n.y)) < 0.08
    # both sides shaded, and the value written
    assert len(scene.regions) == 2
    assert any(str(bound.value) in t.text for t in scene.texts)


@pytest.mark.parametrize("depth,T,M,R", [(3, 8, 2, 2), (2, 6, 2, 3), (2, 8, 3, 2), (1, 4, 2, 2)])
def test_symmetric_cut_shades_U_and_rings_its_cut_nodes(depth, T, M, R):
    rac = RAC.random(M, R, depth=depth, seed=0)
    bound = symmetric_bound(rac, start_end(T))
    scene = build_scene(rac, T=T, view="grid", cut=bound)
    cut_nodes = {e.name: e.degree for e in bound.cut}
    assert {n.ref for n in scene.nodes if n.highlight} == set(cut_nodes)
    # U is shaded in the colour of the side it holds, the rest in the other one
    u_region, rest_region = scene.regions  # source (U) first
    for n in scene.nodes:
        if n.kind in ("cell", "input", "output"):
            region = u_region if n.ref in bound.side else rest_region
            assert inside(region, (n.x, n.y)), n.ref
    # each cut node carries its degree
    texts = [t.text for t in scene.texts]
    for degree in cut_nodes.values():
        assert str(degree) in texts


def test_cut_given_as_partition_computes_the_bound_of_the_view():
    rac = rac_of(2, M=3)
    scene = build_scene(rac, T=4, cut="start-end")
    assert scene.meta["cut"].method == "network-cut"
    assert scene.meta["cut"].value == network_cut_bound(compile_rac(rac, 4), start_end(4)).value
    grid = build_scene(rac, T=4, view="grid", cut=start_end(4))
    assert grid.meta["cut"].value == symmetric_bound(rac, start_end(4)).value


def test_report_draws_its_network_and_grid_with_its_bounds():
    analysis = pytest.importorskip("rac_tn.analysis")
    rac = rac_of(2, M=3)
    report = analysis.analyze(rac, start_end(4))
    scene = build_scene(report)
    if report.network_bound is not None:
        bonds = {e.name for e in report.network_bound.cut if e.category == "bond"}
        assert {e.ref for e in scene.edges if e.highlight} == bonds
        assert scene.meta["cut"] == report.network_bound
    grid = build_scene(report, view="grid")
    if report.symmetric_bound is not None:
        assert {n.ref for n in grid.nodes if n.highlight} == {
            e.name for e in report.symmetric_bound.cut
        }


# -- backends and formats -----------------------------------------------------------------------


def test_rac_tn_draw_is_callable_whatever_was_imported_first():
    import rac_tn
    import rac_tn.draw.mpl  # binds rac_tn.draw to the package
    from rac_tn import draw as public_draw

    fig = public_draw(rac_of(1), T=3)
    assert fig.get_figwidth() > 0
    assert rac_tn.to_tikz(rac_of(1), T=3).startswith("\\documentclass")


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


@pytest.mark.parametrize(
    "suffix,magic",
    [(".pdf", b"%PDF"), (".svg", b"<?xml"), (".png", b"\x89PNG"), (".tex", b"\\documentclass")],
)
def test_every_output_format_is_written(tmp_path, suffix, magic, capsys):
    out = tmp_path / f"fig{suffix}"
    args = [
        "draw",
        "--depth",
        "2",
        "--length",
        "4",
        "--hidden",
        "2",
        "--inputs",
        "3",
        "--cut",
        "start-end",
        "-o",
        str(out),
    ]
    assert cli_main(args) == 0
    data = out.read_bytes()
    assert data.startswith(magic) and len(data) > 500
    if suffix == ".png":  # the pixel width follows --dpi and the figure's physical width
        width_px = int.from_bytes(data[16:20], "big")
        width_cm = build_scene(RAC.random(3, 2, depth=2, seed=0), T=4, cut="start-end").width
        assert abs(width_px - width_cm / 2.54 * 300) <= 2


@pytest.mark.parametrize(
    "extra",
    [
        ["--view", "grid", "--cut", "1,2,5", "--length", "6"],
        ["--bound", "symmetric", "--cut", "interleaved"],
        ["--depth", "1", "--length", "6", "--dims"],
    ],
)
def test_cli_variants(tmp_path, extra, capsys):
    out = tmp_path / "fig.svg"
    assert cli_main(["draw", *extra, "-o", str(out)]) == 0
    assert out.stat().st_size > 500


def test_cli_errors(tmp_path, capsys):
    assert cli_main(["draw", "-o", str(tmp_path / "fig.txt")]) == 2
    assert (
        cli_main(
            [
                "draw",
                "--view",
                "grid",
                "--bound",
                "network",
                "--cut",
                "start-end",
                "-o",
                str(tmp_path / "f.pdf"),
            ]
        )
        == 2
    )
    assert cli_main(["draw", "--cut", "1,9", "-o", str(tmp_path / "f.pdf")]) == 2
    assert cli_main(["draw", "--cut", "first", "-o", str(tmp_path / "f.pdf")]) == 2
    err = capsys.readouterr().err
    assert "-o must end in" in err and "outside 1..4" in err and "--cut" in err


def test_tikz_escapes_text():
    assert escape_text("50% & {x_1} $y$ #1 ~ ≤") == (
        r"50\% \& \{x\_1\} \$y\$ \#1 \textasciitilde{} $\leq$"
    )
    tex = to_tikz(rac_of(1), T=3, title="50% of {x}", standalone=False)
    assert r"50\% of \{x\}" in tex
    assert tex.count(r"\begin{tikzpicture}") == 1 and r"\documentclass" not in tex


def _mediabox(pdf: bytes) -> tuple[float, float]:
    """Page size in pt, also when pdfTeX put the page object in a compressed object stream."""
    import zlib

    pattern = rb"/MediaBox\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*\]"
    chunks = [pdf]
    for m in re.finditer(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        try:
            chunks.append(zlib.decompress(m.group(1)))
        except zlib.error:
            continue
    for chunk in chunks:
        m = re.search(pattern, chunk)
        if m:
            x0, y0, x1, y1 = map(float, m.groups())
            return x1 - x0, y1 - y0
    raise AssertionError("no /MediaBox in the PDF")


def _pdflatex(path, cwd):
    proc = subprocess.run(
        [PDFLATEX, "-interaction=nonstopmode", "-halt-on-error", path.name],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout[-3000:]


@needs_pdflatex
@pytest.mark.parametrize(
    "depth,T,view,style",
    [
        (1, 6, "network", {"dims": "symbolic"}),
        (2, 4, "network", {"title": "Start-End cut: 50% & {x} ~ #1"}),
        (3, 8, "grid", {"degrees": True, "dims": True}),
    ],
)
def test_tikz_compiles_with_pdflatex_to_the_figure_size(tmp_path, depth, T, view, style):
    rac = rac_of(depth, M=3)
    tex = to_tikz(rac, T=T, view=view, cut="start-end", **style)
    path = tmp_path / "fig.tex"
    path.write_text(tex, encoding="utf-8")
    _pdflatex(path, tmp_path)
    width, height = _mediabox((tmp_path / "fig.pdf").read_bytes())
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
        "\\documentclass{article}\n\\usepackage{tikz}\n\\begin{document}\n"
        "\\begin{figure}\\centering\\input{pic.tex}\\caption{A RAC.}\\end{figure}\n"
        "\\end{document}\n"
    )
    _pdflatex(doc, tmp_path)
    assert (tmp_path / "paper.pdf").stat().st_size > 1000


# -- argument errors ------------------------------------------------------------------------------


def test_bad_arguments_name_the_argument():
    rac = rac_of(2)
    net = compile_rac(rac, 4)
    with pytest.raises(ValueError, match="T is required"):
        draw(rac)
    with pytest.raises(ValueError, match="view"):
        build_scene(rac, T=4, view="tree")
    with pytest.raises(TypeError, match="obj"):
        build_scene("rac", T=4)
    with pytest.raises(TypeError, match="cut"):
        build_scene(rac, T=4, cut=42)
    with pytest.raises(TypeError, match="colour"):
        build_scene(rac, T=4, colour="red")
    with pytest.raises(ValueError, match="labels"):
        build_scene(rac, T=4, labels="big")
    with pytest.raises(ValueError, match="T = 5"):
        build_scene(net, T=5)
    with pytest.raises(ValueError, match="cut"):
        build_scene(rac, T=3, cut="start-end")  # odd T
    with pytest.raises(ValueError, match="differs"):
        build_scene(rac, T=4, cut="start-end", partition=interleaved(4))
    sym = symmetric_bound(rac, start_end(4))
    with pytest.raises(ValueError, match="view='grid'"):
        build_scene(net, cut=sym)
    with pytest.raises(ValueError, match="view='network'"):
        build_scene(net, view="grid", cut=network_cut_bound(net, start_end(4)))
    with pytest.raises(ValueError, match="T = 6"):
        build_scene(rac, T=6, view="grid", cut=sym)
    with pytest.raises(ValueError, match="view='grid'"):
        build_scene(RAC.random(2, 2, depth=4, seed=0), T=16)  # too many tensors to draw
    with pytest.raises(TypeError, match="standalone"):
        to_tikz(rac, T=4, standalone="yes")
