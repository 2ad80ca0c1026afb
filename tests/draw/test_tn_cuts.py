"""The minimum cut drawn on any quimb network: its value is network_cut_bound's and a brute
force's over every bipartition of the tensors; the drawing shows exactly its elements, each
with its factor, and the curve crosses them."""

from __future__ import annotations

import math
import re

import pytest
import quimb.tensor as qtn
from _drawing import dist_to_curves, inside, midpoint
from _networks import binary_tree, brute_force_cut, copy_network, hyper_network, ring

from rac_tn.bounds import network_cut_bound
from rac_tn.bounds.network_cut import copy_tensors
from rac_tn.diagram import build_scene

CASES = {
    "mps": (
        lambda: qtn.MPS_rand_state(6, bond_dim=3, phys_dim=2, seed=0),
        [(["k0", "k1", "k2"], ["k3", "k4", "k5"]), (["k0", "k2", "k4"], ["k1", "k3", "k5"])],
    ),
    "cyclic mps": (
        lambda: qtn.MPS_rand_state(5, bond_dim=2, phys_dim=3, cyclic=True, seed=0),
        [(["k0", "k1"], ["k2", "k3", "k4"]), (["k0"], ["k2"])],
    ),
    "mpo (tags)": (
        lambda: qtn.MPO_rand(4, bond_dim=3, phys_dim=2, seed=0),
        [(["I0", "I1"], ["I2", "I3"]), (["k0", "b0"], ["I3"])],
    ),
    "peps": (
        lambda: qtn.PEPS.rand(3, 3, bond_dim=2, phys_dim=3, seed=0),
        [
            (["I0,0", "I0,1", "I1,0", "I1,1"], ["I0,2", "I1,2", "I2,0", "I2,1", "I2,2"]),
            (["X0"], ["X2"]),  # row tags; the middle row's legs are free
        ],
    ),
    "tree": (
        lambda: binary_tree(8),
        [(["k0", "k1", "k2"], ["k3", "k4", "k5", "k6", "k7"]), (["A0"], ["A3"])],
    ),
    "mera": (
        lambda: qtn.MERA.rand(8, seed=0),
        [(["k0", "k1", "k2", "k3"], ["k4", "k5", "k6", "k7"]), (["k0", "k7"], ["k3", "k4"])],
    ),
    "copy": (lambda: copy_network(), [(["p0", "p1"], ["p2", "p3"]), (["p0", "p2"], ["p1", "p3"])]),
    "hyperedge": (lambda: hyper_network(), [(["a", "b"], ["c", "d"]), (["a"], ["b", "c", "d"])]),
    "ring": (lambda: ring(5), [(["p0", "p1"], ["p2", "p3", "p4"])]),
}


def _indices(tn, side):
    """Open indices of a side given as index names or tags (written here, not the facade's)."""
    outer = list(tn.outer_inds())
    out = []
    for name in side:
        if name in tn.ind_map:
            out.append(name)
        else:
            out += [i for i in outer if any(i in tn.tensor_map[t].inds for t in tn.tag_map[name])]
    return out


@pytest.mark.parametrize("name", list(CASES))
def test_drawn_cut_is_the_minimum_cut(name):
    make, cuts = CASES[name]
    tn = make()
    for left, right in cuts:
        scene = build_scene(tn, cut=(left, right), dims=True)
        bound = scene.meta["cut"]
        sides = (_indices(tn, left), _indices(tn, right))
        assert [sorted(s) for s in bound.index_sides] == [sorted(s) for s in sides]
        copies = copy_tensors(tn)
        assert bound.value == network_cut_bound(tn, sides, copies="detect").value
        assert bound.value == brute_force_cut(tn, *sides, copies), (name, left)
        # the factors drawn beside the cut multiply to the value in the legend
        factors = [int(t.text) for t in scene.texts if t.role == "cut factor"]
        assert sorted(factors) == sorted(e.factor for e in bound.cut)
        assert math.prod(factors) == bound.value
        legend = next(t.text for t in scene.texts if t.role == "legend")
        assert re.search(rf"= {bound.value}$|\\leq {bound.value}$", legend), legend
        _check_highlights(scene, bound)


def _check_highlights(scene, bound):
    """Exactly the cut's bonds drawn in the cut colour, its vertices ringed; the curve through."""
    bonds = {e.name for e in bound.cut if e.category == "bond"}
    vertices = {e.name for e in bound.cut if e.category in ("delta", "hyperedge")}
    highlighted = {e.ref for e in scene.edges if e.highlight}
    dots = {n.ref for n in scene.nodes if n.highlight}
    assert bonds <= highlighted and highlighted - bonds <= vertices
    assert dots <= vertices
    # every cut vertex is shown: as a ringed dot, or as the open leg it cuts
    assert vertices == dots | (highlighted - bonds)
    for e in scene.edges:  # a bond around a cyclic axis is two stubs, each crossed at its middle
        if e.highlight:
            assert dist_to_curves(scene, midpoint(e.points)) < 0.08, e.ref
    for n in scene.nodes:
        if n.highlight:
            assert dist_to_curves(scene, (n.x, n.y)) < 0.1
    # each tensor lies in the shading of its side
    regions = {r.side: r for r in scene.regions}
    for n in scene.nodes:
        if n.role == "tensor":
            side = "start" if n.ref in bound.side else "end"
            assert inside(regions[side], (n.x, n.y)), n.key


def test_copy_tensor_is_priced_once():
    """Two against two through a COPY tensor of dimension 3: 3, not 3 x 3; drawn as one dot
    with one factor. With copies='tagged' it is an ordinary tensor, priced by its legs."""
    tn = copy_network()
    scene = build_scene(tn, cut=(["p0", "p1"], ["p2", "p3"]))
    bound = scene.meta["cut"]
    assert bound.value == 3 and [e.category for e in bound.cut] == ["delta"]
    (dot,) = [n for n in scene.nodes if n.role == "DELTA"]
    assert dot.highlight and dot.shape == "dot"
    assert [t.text for t in scene.texts if t.role == "cut factor"] == ["3"]
    plain = build_scene(tn, cut=(["p0", "p1"], ["p2", "p3"]), copies="tagged")
    assert plain.meta["cut"].value == 9 == brute_force_cut(tn, ["p0", "p1"], ["p2", "p3"])
    assert not [n for n in plain.nodes if n.role == "DELTA"]


def test_a_given_bound_is_drawn_as_it_is():
    tn = binary_tree(8)
    sides = (["k0", "k1", "k2", "k3"], ["k4", "k5", "k6", "k7"])
    bound = network_cut_bound(tn, sides)
    scene = build_scene(tn, cut=bound)
    assert scene.meta["cut"] is bound and bound.value == 3
    other = network_cut_bound(copy_network(), (["p0"], ["p3"]))
    with pytest.raises(ValueError, match="different network"):
        build_scene(tn, cut=other)


def test_partition_colours_the_legs_without_a_cut():
    tn = qtn.MPS_rand_state(4, bond_dim=2, seed=0)
    scene = build_scene(tn, partition=(["k0", "k1"], ["k2", "k3"]), start_color="#112233")
    assert "cut" not in scene.meta and not scene.curves
    ends = {n.ref: n for n in scene.nodes if n.role == "terminal"}
    assert ends["k0"].fill == "#112233" and ends["k3"].fill != "#112233"
    labels = {t.text: t.color for t in scene.texts if t.role == "index"}
    assert labels["k_{1}"] == "#112233"
