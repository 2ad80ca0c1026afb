"""Diagrams of the model families: every tensor once with its role's shape, the CP core's
COPY diamond of dimension K, the drawn cut equal to the computed one, the grid view's node
dimensions, legible figures, TikZ that pdflatex compiles.

Expected counts come from closed forms written here (cell (l, t) of a depth-L model has
C(T-t+L-l, L-l) copies), dimensions from the constructors' arguments (K = the CP rank; with
affine terms K + n + d + 1 terms, states n + 1, inputs d + 1), never from the drawing code.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter

import pytest
from _drawing import CM_TO_PT, crossings, mediabox, min_gap, needs_pdflatex, pdflatex

from rac_tn import compile_rac, network_cut_bound, symmetric_bound
from rac_tn.diagram import build_scene, draw, to_tikz
from rac_tn.drawing.cuts import TENSOR_ROLES
from rac_tn.drawing.scene import text_size
from rac_tn.models import CP2RNN, MIRNN, LinearRNN, SecondOrderRNN
from rac_tn.partition import Partition, interleaved, start_end

d, n, K = 2, 3, 2  # input size, hidden size, CP rank (K < n: the cut sees K)


def family(name: str, depth: int):
    """A random model of each family, with its core ('cp' / 'dense') and its sizes."""
    if name == "cp2rnn":
        return CP2RNN.random(d, n, K, depth=depth, seed=depth)
    if name == "cp2rnn-bias":
        return CP2RNN.random(d, n, K, depth=depth, bias=True, seed=depth)
    if name == "2rnn":
        return SecondOrderRNN.random(d, n, depth=depth, seed=depth)
    if name == "2rnn-bias":
        return SecondOrderRNN.random(d, n, depth=depth, bias=True, seed=depth)
    if name == "mirnn":
        return MIRNN.random(d, n, depth=depth, seed=depth)
    if name == "linear":
        return LinearRNN.random(d, n, depth=depth, seed=depth)
    raise AssertionError(name)


FAMILIES = ("cp2rnn", "cp2rnn-bias", "2rnn", "2rnn-bias", "mirnn", "linear")
DENSE = ("2rnn", "2rnn-bias")


def cp_terms(name: str, layer: int) -> int:
    """The CP terms of a layer, from the constructors' arguments: the CP-2RNN's K (with affine
    terms also one per coordinate of V h, U x (x: the input, or the n-dim state below) and the
    bias); MIRNN's n products; the linear RNN's V h, U x and b terms."""
    if name == "cp2rnn":
        return K
    if name == "cp2rnn-bias":
        return K + n + (d if layer == 1 else n) + 1
    if name == "linear":  # V h, U x and b: one term per coordinate
        return n + (d if layer == 1 else n) + 1
    assert name == "mirnn"
    return n


def expected_roles(name: str, L: int, T: int) -> Counter:
    """Tensors per role, in closed form: per layer l, sum_t C(T-t+L-l, L-l) cell copies (4
    tensors each for a CP core, 1 for a dense one) and C(T-1+L-l, L-l) initial states."""
    copies = sum(
        math.comb(T - t + L - layer, L - layer)
        for layer in range(1, L + 1)
        for t in range(1, T + 1)
    )
    starts = sum(math.comb(T - 1 + L - layer, L - layer) for layer in range(1, L + 1))
    roles = Counter({"H0": starts, "WO": 1})
    for role in ("CORE3",) if name in DENSE else ("A", "B", "C", "DELTA"):
        roles[role] = copies
    return roles


@pytest.mark.parametrize("name", FAMILIES)
@pytest.mark.parametrize("depth", [1, 2])
def test_one_node_per_tensor_with_its_role_and_shape(name, depth):
    T = 4
    net = compile_rac(family(name, depth), T)
    scene = build_scene(net, labels="short")  # 'auto' writes A^{(l)} when the figure fits
    tensors = [node for node in scene.nodes if node.role in TENSOR_ROLES]
    assert Counter(node.ref for node in tensors) == Counter(set(net.tn.tensor_map))
    assert Counter(node.role for node in tensors) == expected_roles(name, depth, T)
    assert Counter(p.role for p in net.places.values()) == expected_roles(name, depth, T)
    for node in tensors:
        assert node.role == net.places[node.ref].role
        shape = {"DELTA": "diamond", "WO": "box"}.get(node.role, "circle")
        assert node.shape == shape, node.role
        if node.role in ("A", "B", "C"):
            assert node.label == node.role
        if node.role == "CORE3":
            assert node.label == "\\mathcal{A}"
    factors = {node.size for node in tensors if node.role in ("A", "B", "C")}
    assert len(factors) <= 1  # A, B and C drawn alike
    # every bond between two tensors is one edge; every copy of an input has its leg
    inputs = set(net.input_inds)
    bonds = {ind for ind, tids in net.tn.ind_map.items() if len(tids) == 2 and ind not in inputs}
    edges = Counter(e.ref for e in scene.edges if e.role == "bond")
    assert set(edges) == bonds and set(edges.values()) == {1}
    legs = Counter(e.ref for e in scene.edges if e.role == "leg" and e.ref in inputs)
    for t, ind in enumerate(net.input_inds, 1):
        assert legs[ind] == math.comb(T - t + depth - 1, depth - 1)  # n_t copies of x_t


@pytest.mark.parametrize("name", ["cp2rnn", "cp2rnn-bias", "mirnn", "linear"])
@pytest.mark.parametrize("depth", [1, 2])
def test_cp_diamond_has_dimension_k_on_its_three_legs(name, depth):
    net = compile_rac(family(name, depth), 4)
    numbers = {str(cp_terms(name, layer)) for layer in range(1, depth + 1)}
    for dims, shown in ((True, numbers), ("symbolic", {"K"})):
        scene = build_scene(net, dims=dims)
        diamonds = {node.key: node for node in scene.nodes if node.shape == "diamond"}
        assert len(diamonds) == expected_roles(name, depth, 4)["DELTA"]
        legs = [e for e in scene.edges if set(e.ends) & set(diamonds)]
        assert len(legs) == 3 * len(diamonds)
        for e in legs:
            diamond = diamonds[next(k for k in e.ends if k in diamonds)]
            assert e.dim == cp_terms(name, net.places[diamond.ref].layer)
        # a K label (one label per kind of index), on a leg of a diamond
        assert [e for e in legs if e.label in shown]
        if dims == "symbolic":
            assert all(set(e.ends) & set(diamonds) for e in scene.edges if e.label == "K")


@pytest.mark.parametrize("name", FAMILIES)
@pytest.mark.parametrize("depth", [1, 2])
def test_drawn_cut_is_the_network_cut_bound(name, depth):
    T = 4
    model = family(name, depth)
    for part in (start_end(T), interleaved(T)):
        bound = network_cut_bound(compile_rac(model, T), part)
        scene = build_scene(model, T=T, cut=part)
        assert scene.meta["cut"].value == bound.value
        # what is drawn as cut multiplies to the value: the highlighted bonds (an input's
        # legs counted once) and the ringed COPY diamonds
        drawn = {e.ref: e.dim for e in scene.edges if e.highlight}
        ringed = [node for node in scene.nodes if node.highlight and node.role == "DELTA"]
        tensors = compile_rac(model, T).tn.tensor_map
        value = math.prod(drawn.values()) * math.prod(tensors[n.ref].shape[0] for n in ringed)
        assert value == bound.value, (name, depth, part)


@pytest.mark.parametrize(
    "name,cell,cell_symbol,inp,inp_symbol",
    [
        ("cp2rnn", min(n, K), "K", d, "d"),
        ("cp2rnn-bias", n + 1, "n+1", d + 1, "d+1"),
        ("2rnn", n, "n", d, "d"),
        ("2rnn-bias", n + 1, "n+1", d + 1, "d+1"),
        ("mirnn", n, "n", d, "d"),
        ("linear", n + 1, "n+1", d + 1, "d+1"),
    ],
)
def test_grid_view_labels_the_family_node_dims(name, cell, cell_symbol, inp, inp_symbol):
    model = family(name, 2)
    for dims, want in ((True, (str(inp), str(cell))), ("symbolic", (inp_symbol, cell_symbol))):
        scene = build_scene(model, T=6, view="grid", dims=dims, cut="start-end")
        wires = [e for e in scene.edges if e.label]
        inputs = [e for e in wires if e.ends[0][0] == "x"]
        cells = [e for e in wires if e.ends[1][0] == "h" and e.ends[0][0] != "x"]
        assert [e.label for e in inputs] == [want[0]] and [e.label for e in cells] == [want[1]]
        assert (inputs[0].dim, cells[0].dim) == (inp, cell)
        assert scene.meta["cut"].value == symmetric_bound(model, start_end(6)).value


def _label_fits(node, margin=0.015):
    w, h = text_size(node.label, node.label_size)
    if node.shape == "box":
        return w / 2 + margin <= node.size and h / 2 + margin <= node.half_height + 0.02
    return math.hypot(w / 2, h / 2) + margin <= node.size


def _boxes_overlap(a, b):
    return not (a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1])


@pytest.mark.parametrize("name", FAMILIES)
@pytest.mark.parametrize("depth", [1, 2])
def test_family_figures_are_legible(name, depth):
    """No two nodes touch, no bonds cross, labels sit inside their circles, and no text or
    dimension label covers a node or another label (with a cut and dimension labels)."""
    model = family(name, depth)
    for style in ({"dims": True}, {"dims": "symbolic"}, {"labels": "full", "dims": True}):
        scene = build_scene(model, T=4, cut="start-end", **style)
        assert min_gap(scene) > 0.01, style
        assert not crossings([e for e in scene.edges if e.role == "bond"]), style
        for node in scene.nodes:
            if node.label:
                assert _label_fits(node), (style, node.role, node.label)
        texts = [(t.text, t.extent()) for t in scene.texts if t.role not in ("legend", "title")]
        for e in scene.edges:
            if e.label:
                (x, y), (w, h) = e.label_pos, text_size(e.label, e.label_size)
                texts.append((e.label, (x - w / 2, y - h / 2, x + w / 2, y + h / 2)))
        shapes = [node for node in scene.nodes if node.shape != "none"]
        for text, box in texts:
            for node in shapes:
                assert not _boxes_overlap(box, node.extent()), (style, text, node.role)
        for (t1, b1), (t2, b2) in itertools.combinations(texts, 2):
            assert not _boxes_overlap(b1, b2), (style, t1, t2)
        x0, y0, x1, y1 = scene.bbox()  # every label inside the figure
        for _, box in texts:
            assert x0 <= box[0] and box[2] <= x1 and y0 <= box[1] and box[3] <= y1


def test_affine_inputs_are_labelled_and_explained():
    """With affine terms the input legs carry x~_t = (x_t, 1) (dimension d + 1): the inputs
    are x~_t and a note under the figure says what the augmented vectors are."""
    scene = build_scene(family("2rnn-bias", 1), T=4, dims=True)
    inputs = {t.text for t in scene.texts if t.role == "input"}
    assert inputs == {f"\\tilde{{x}}_{{{t}}}" for t in range(1, 5)}
    notes = " ".join(t.text for t in scene.texts if t.role == "note")
    assert "\\tilde{x}_{t} = (x_{t}, 1)" in notes and "\\tilde{h} = (h, 1)" in notes
    lowest = min(node.extent()[1] for node in scene.nodes)
    assert all(t.extent()[3] < lowest for t in scene.texts if t.role == "note")
    labels = {e.label for e in scene.edges if e.label}
    assert {str(d + 1), str(n + 1)} <= labels
    plain = build_scene(family("cp2rnn", 1), T=4)
    assert {t.text for t in plain.texts if t.role == "input"} == {f"x_{{{t}}}" for t in range(1, 5)}
    assert not [t for t in plain.texts if t.role == "note"]


def test_wide_family_networks_are_refused_and_counted():
    from rac_tn import diagram

    with pytest.raises(ValueError, match=r"depth-2 model over T = 12 steps needs at least"):
        build_scene(family("cp2rnn", 2), T=12)
    # a CP chain needs more room per cell than a dense one
    with pytest.raises(ValueError, match=r"depth-1 model .* cells side by side"):
        build_scene(family("cp2rnn", 1), T=30)
    assert build_scene(family("2rnn", 1), T=30).width <= 16.0
    assert build_scene(family("cp2rnn", 2), T=6, cut="start-end").width <= 16.0
    count = sum(expected_roles("cp2rnn", 2, 4).values())
    limit = diagram.MAX_DRAWN_TENSORS
    try:
        diagram.MAX_DRAWN_TENSORS = count - 1
        with pytest.raises(ValueError, match=f"CP2RNN over T = 4 steps has {count} tensors"):
            build_scene(family("cp2rnn", 2), T=4)
        diagram.MAX_DRAWN_TENSORS = count
        assert build_scene(family("cp2rnn", 2), T=4)
    finally:
        diagram.MAX_DRAWN_TENSORS = limit


def test_arguments_are_checked_naming_them():
    with pytest.raises(TypeError, match="obj must be a model"):
        build_scene(object(), T=4)
    with pytest.raises(ValueError, match="T is required when drawing a CP2RNN"):
        build_scene(family("cp2rnn", 1))
    with pytest.raises(ValueError, match="cut: start_end needs an even T"):
        build_scene(family("mirnn", 1), T=3, cut="start-end")


def test_family_report_draws_its_bounds():
    from rac_tn.analysis import analyze

    model = family("cp2rnn", 2)
    report = analyze(model, start_end(4), exact=False)
    scene = build_scene(report)
    assert scene.meta["cut"] == report.network_bound
    assert scene.meta["cut"].value == network_cut_bound(compile_rac(model, 4), start_end(4)).value
    grid = build_scene(report, view="grid")
    assert grid.meta["cut"].value == symmetric_bound(model, start_end(4)).value
    assert draw(report).get_figwidth() > 0


@needs_pdflatex
@pytest.mark.parametrize(
    "name,depth,view,style",
    [
        ("cp2rnn", 2, "network", {"dims": True}),
        ("2rnn-bias", 1, "network", {"dims": "symbolic", "title": "2RNN, affine"}),
        ("linear", 2, "grid", {"dims": "symbolic", "degrees": True}),
        ("mirnn", 1, "network", {"hyperedges": True, "labels": "full"}),
    ],
)
def test_family_tikz_compiles_to_the_figure_size(tmp_path, name, depth, view, style):
    model = family(name, depth)
    part = Partition(4, [1, 3])
    tex = to_tikz(model, T=4, view=view, cut=part, **style)
    path = tmp_path / "fig.tex"
    path.write_text(tex, encoding="utf-8")
    pdflatex(path, tmp_path)
    width, height = mediabox((tmp_path / "fig.pdf").read_bytes())
    scene = build_scene(model, T=4, view=view, cut=part, **style)
    assert width == pytest.approx(scene.width * CM_TO_PT, abs=1.0)
    assert height == pytest.approx(scene.height * CM_TO_PT, abs=1.0)
    kind = {"grid": "the computation grid", "network": "the tensor network"}[view]
    assert f"% rac_tn figure: {kind}" in tex
    assert f"of a depth-{depth} {type(model).__name__} over T = 4 steps" in tex
    if view == "network":
        diamonds = tex.count("\\node[rac/diamond")
        assert diamonds == expected_roles(name, depth, 4)["DELTA"]
        assert ("rac/diamond/.style" in tex) == (name not in DENSE)


class _Delegate:
    """A model of another class whose layers are the RAC's own cells (any protocol object)."""

    family = "rac"

    def __init__(self, rac):
        self._rac = rac

    def __getattr__(self, name):
        return getattr(self._rac, name)


def test_a_model_in_the_racs_form_is_drawn_as_the_rac():
    from rac_tn import RAC

    rac = RAC.random(2, 2, depth=2, seed=0)
    for view in ("network", "grid"):
        as_family = build_scene(_Delegate(rac), T=4, view=view, cut="start-end")
        direct = build_scene(rac, T=4, view=view, cut="start-end")
        assert [(n.role, n.shape, n.x, n.y) for n in as_family.nodes] == [
            (n.role, n.shape, n.x, n.y) for n in direct.nodes
        ]
        assert as_family.meta["cut"].value == direct.meta["cut"].value
