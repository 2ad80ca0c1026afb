"""Diagrams of linear attention (cells that read their input three times), the gated SSM and the
TT-RNN: every tensor drawn once with its role, the role counts in closed form (a layer of arity
k has k input factors and k COPY tensors per cell copy, and each copy of a cell of layer l is
repeated once per input leg above it), the drawn cut equal to the computed one, and the grid
view's cell dimension a v + v + 1 for attention."""

from __future__ import annotations

import math
from collections import Counter

import pytest

from rac_tn import compile_rac, network_cut_bound, start_end
from rac_tn.diagram import build_scene, to_tikz
from rac_tn.drawing.cuts import TENSOR_ROLES
from rac_tn.models import TTRNN, GatedSSM, LinearAttention

MODELS = {
    ("attention", 1): lambda: LinearAttention.random(2, 1, num_classes=1, seed=0),
    ("attention", 2): lambda: LinearAttention.random(2, 1, depth=2, num_classes=1, seed=0),
    ("ssm", 2): lambda: GatedSSM.random(2, 2, depth=2, seed=0),
    ("ttrnn", 2): lambda: TTRNN.random(2, 2, depth=2, seed=0),
}


def expected_roles(arity: int, L: int, T: int) -> Counter:
    """Per layer l: sum_t C(T-t+L-l, L-l) arity^(L-l) copies, each with A, C, `arity` Bs and
    `arity` COPY tensors; one H0 per copy of a t = 1 cell; the readout."""
    roles = Counter({"WO": 1})
    for layer in range(1, L + 1):
        scale = arity ** (L - layer)
        copies = sum(math.comb(T - t + L - layer, L - layer) * scale for t in range(1, T + 1))
        roles["H0"] += math.comb(T - 1 + L - layer, L - layer) * scale
        for role, per in (("A", 1), ("C", 1), ("B", arity), ("DELTA", arity)):
            roles[role] += copies * per
    return roles


@pytest.mark.parametrize("key", sorted(MODELS))
def test_every_tensor_drawn_once_and_the_cut_is_the_bound(key):
    model, T = MODELS[key](), 2
    arity = 3 if key[0] == "attention" else 1
    net = compile_rac(model, T)
    scene = build_scene(net)
    tensors = [node for node in scene.nodes if node.role in TENSOR_ROLES]
    assert Counter(node.ref for node in tensors) == Counter(set(net.tn.tensor_map))
    assert Counter(node.role for node in tensors) == expected_roles(arity, model.depth, T)
    positions = [(round(node.x, 6), round(node.y, 6)) for node in tensors]
    assert len(set(positions)) == len(positions)  # no two tensors on one spot
    bound = network_cut_bound(net, start_end(T))
    assert build_scene(model, T=T, cut=start_end(T)).meta["cut"].value == bound.value
    assert "\\begin{tikzpicture}" in to_tikz(model, T=T)


def test_attention_grid_view_prices_its_cells():
    model = LinearAttention.random(3, 2, depth=2, value_dim=2, num_classes=1, seed=0)
    scene = build_scene(model, T=4, view="grid", dims="symbolic")
    labels = {e.label for e in scene.edges}
    assert "av+v+1" in labels and "d+1" in labels
    assert model.node_dim == 2 * 2 + 2 + 1


def test_grid_view_degrees_count_every_input_leg():
    """The drawn degrees: cell (l, t) of an attention stack has C(T-t+L-l, L-l) 3^(L-l)."""
    model = LinearAttention.random(2, 1, depth=2, num_classes=1, seed=0)
    T = 3
    scene = build_scene(model, T=T, view="grid", degrees=True)
    refs = {node.key: node.ref for node in scene.nodes}
    labels = {refs[text.owner]: text.text for text in scene.texts if text.role == "degree"}
    for layer in (1, 2):
        for t in range(1, T + 1):
            degree = math.comb(T - t + 2 - layer, 2 - layer) * 3 ** (2 - layer)
            if layer == 2 and t == T:
                continue  # the top right cell: degree 1, not labelled
            assert labels[("h", layer, t)] == str(degree), (layer, t, labels)
    for t in range(1, T + 1):
        assert labels[("x", t)] == str(math.comb(T - t + 1, 1) * 9)
