"""network_cut_bound on plain quimb networks, against a brute force over all bond subsets."""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pytest
import quimb.tensor as qtn

from rac_tn import network_cut_bound
from rac_tn.bounds import CutBound
from rac_tn.bounds.network_cut import copy_tensors


def _brute_force(tn, left, right, copies):
    """Cheapest set of elements (bonds, hyperedges, COPY tensors) separating left from right.

    Elements: every inner index (priced once, whatever its number of tensors), every side
    index, and every COPY tensor. Removing a set, left and right must be disconnected in the
    graph whose vertices are tensors and indices (a removed COPY tensor disconnects its legs).
    """
    tensors = tn.tensor_map
    dims = {ind: tensors[next(iter(tids))].ind_size(ind) for ind, tids in tn.ind_map.items()}
    elements = [("i", ind) for ind in tn.ind_map if len(tn.ind_map[ind]) > 1 or ind in left + right]
    elements += [("t", tid) for tid in copies]

    def cost(chosen):
        return math.prod(
            dims[name] if kind == "i" else min(tensors[name].shape) for kind, name in chosen
        )

    def separated(chosen):
        removed = set(chosen)
        seen = {("i", ind) for ind in left if ("i", ind) not in removed}
        stack = list(seen)
        while stack:
            kind, name = stack.pop()
            if kind == "i":
                nbrs = [("t", tid) for tid in tn.ind_map[name]]
            else:
                nbrs = [("i", ind) for ind in tensors[name].inds]
            for v in nbrs:
                if v not in removed and v not in seen:
                    seen.add(v)
                    stack.append(v)
        return not any(("i", ind) in seen for ind in right)

    best = math.inf
    for size in range(len(elements) + 1):
        for chosen in itertools.combinations(elements, size):
            if cost(chosen) < best and separated(chosen):
                best = cost(chosen)
    return best


def _rank(tn, left, right):
    dense = tn.contract(output_inds=list(left) + list(right))
    data = dense.transpose(*left, *right).data
    rows = math.prod(data.shape[: len(left)])
    return np.linalg.matrix_rank(data.reshape(rows, -1))


def _check(tn, left, right, copies="tagged"):
    bound = network_cut_bound(tn, (left, right), copies=copies)
    chosen = copy_tensors(tn) if copies == "detect" else set(tn.tag_map.get("DELTA", ()))
    assert bound.value == _brute_force(tn, left, right, chosen)
    assert bound.value >= _rank(tn, left, right)
    assert bound.partition is None and bound.index_sides == (tuple(left), tuple(right))
    assert math.prod(e.factor for e in bound.cut) == bound.value
    assert CutBound.from_dict(json.loads(json.dumps(bound.to_dict()))) == bound
    return bound


def _splits(inds):
    for size in range(1, len(inds)):
        for left in itertools.combinations(inds, size):
            if inds[0] in left:  # each split once
                yield list(left), [i for i in inds if i not in left]


@pytest.mark.parametrize("seed", [0, 1])
def test_random_mps_all_splits(seed):
    """MPS with uneven bonds: every split of the physical indices matches the brute force."""
    rng = np.random.default_rng(seed)
    n = 5
    bonds = [int(b) for b in rng.integers(1, 4, size=n - 1)]
    arrays = []
    for i in range(n):
        shape = ([bonds[i - 1]] if i else []) + ([bonds[i]] if i < n - 1 else []) + [2]
        arrays.append(rng.normal(size=shape))
    mps = qtn.MatrixProductState(arrays, shape="lrp")
    for left, right in _splits(list(mps.site_inds)):
        _check(mps, left, right)
    rand = qtn.MPS_rand_state(6, bond_dim=3, phys_dim=2, seed=seed)
    bound = _check(rand, ["k0", "k1", "k2"], ["k3", "k4", "k5"])
    assert bound.value == 3 and [e.category for e in bound.cut] == ["bond"]


def test_peps_2x3():
    """A 2 x 3 PEPS (bond 2, physical 2): several splits against the brute force."""
    peps = qtn.PEPS.rand(2, 3, bond_dim=2, phys_dim=2, seed=0)
    inds = sorted(peps.site_inds)
    splits = list(_splits(inds))
    for left, right in splits[::3]:
        _check(peps, left, right)
    col = ["k0,0", "k1,0"]
    assert network_cut_bound(peps, (col, [i for i in inds if i not in col])).value == 4


def test_tree_tensor_network():
    """A hand-built binary tree with a COPY tensor at the root (priced once)."""
    rng = np.random.default_rng(2)
    t = [
        qtn.Tensor(rng.normal(size=(2, 2, 3)), inds=("p0", "p1", "u0")),
        qtn.Tensor(rng.normal(size=(2, 2, 3)), inds=("p2", "p3", "u1")),
        qtn.Tensor(rng.normal(size=(2, 3)), inds=("p4", "u2")),
        qtn.COPY_tensor(3, inds=("u0", "u1", "u2")),
    ]
    tn = qtn.TensorNetwork(t)
    assert copy_tensors(tn) == {3}
    for left, right in _splits(["p0", "p1", "p2", "p3", "p4"]):
        tagged = _check(tn, left, right)  # the COPY tensor untagged: priced by its legs
        detected = _check(tn, left, right, copies="detect")
        assert detected.value <= tagged.value
    # left {p0, p1, p4}, right {p2, p3}: the bond u1 (3) either way
    assert network_cut_bound(tn, (["p0", "p1", "p4"], ["p2", "p3"])).value == 3


def test_copy_star_detected():
    """Four branches through an untagged COPY tensor of dimension 3, two against two: the
    legs cost 3 * 3 = 9, the COPY vertex 3 once it is detected (or listed)."""
    rng = np.random.default_rng(5)
    tensors = [qtn.Tensor(rng.normal(size=(4, 3)), inds=(f"p{i}", f"u{i}")) for i in range(4)]
    tensors.append(qtn.COPY_tensor(3, inds=("u0", "u1", "u2", "u3")))
    tn = qtn.TensorNetwork(tensors)
    sides = (["p0", "p1"], ["p2", "p3"])
    assert _check(tn, *sides).value == 9
    detected = _check(tn, *sides, copies="detect")
    assert detected.value == 3 and [e.category for e in detected.cut] == ["delta"]
    assert network_cut_bound(tn, sides, copies=[4]).value == 3
    assert _rank(tn, *sides) == 3


def test_hyperedge_priced_once():
    """An index on three tensors is one hyperedge vertex of its dimension."""
    rng = np.random.default_rng(4)
    tn = qtn.TensorNetwork(
        [
            qtn.Tensor(rng.normal(size=(3, 2, 2)), inds=("a", "h", "x")),
            qtn.Tensor(rng.normal(size=(3, 2, 2)), inds=("b", "h", "y")),
            qtn.Tensor(rng.normal(size=(3, 2)), inds=("c", "h")),
        ]
    )
    bound = network_cut_bound(tn, (["a"], ["b", "c"]))
    assert bound.value == 2 and bound.cut[0].category in ("hyperedge", "bond")
    # sliced free legs x, y are allowed; the brute force agrees
    assert bound.value == _brute_force(tn, ["a"], ["b", "c"], set())


def test_errors():
    mps = qtn.MPS_rand_state(4, bond_dim=2, seed=0)
    with pytest.raises(ValueError, match="not an index"):
        network_cut_bound(mps, (["k0"], ["zz"]))
    with pytest.raises(ValueError, match="both sides"):
        network_cut_bound(mps, (["k0"], ["k0", "k1"]))
    with pytest.raises(TypeError, match="left_inds"):
        network_cut_bound(mps, "start-end")
    with pytest.raises(TypeError, match="pair"):
        network_cut_bound(mps, ("k0", "k1"))
    with pytest.raises(TypeError, match="TensorNetwork"):
        network_cut_bound(object(), (["k0"], ["k1"]))
