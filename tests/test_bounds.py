"""Cut bounds against independent computations.

- symmetric cut: a brute-force minimum over every predecessor-closed node set U of a grid DAG
  built here from the recurrence (its own path counts), both orientations;
- closed forms: the costs of explicit closed sets, and an exhaustive minimum over the input
  hyperedges with an exact tree dynamic programme over the copy tree;
- network cut: a brute-force minimum over subsets of bonds, COPY tensors and hyperedges of the
  compiled network (union-find separation check), and hand-built networks (COPY star).
"""

from __future__ import annotations

import itertools
import math
from functools import lru_cache
from math import comb
from types import SimpleNamespace

import numpy as np
import pytest
import quimb.tensor as qtn
from _reference import Expansion
from _reference import separation_rank as reference_separation_rank

import rac_tn
from rac_tn import (
    RAC,
    Partition,
    compile_rac,
    interleaved,
    network_cut_bound,
    start_end,
    symmetric_bound,
    theorem_bounds,
)
from rac_tn.bounds.theorems import network_cut_closed_form
from rac_tn.counting import multiset

# -- an independent grid DAG and the symmetric cost of a node set ------------------------------


def dag(L, T):
    """Successor lists of the computation grid, straight from the recurrence."""
    succ = {("y",): []}
    for t in range(1, T + 1):
        succ["x", t] = [("h", 1, t)]
        for layer in range(1, L + 1):
            out = []
            if t < T:
                out.append(("h", layer, t + 1))  # h^{l,t} feeds h^{l,t+1}
            if layer < L:
                out.append(("h", layer + 1, t))  # ... and h^{l+1,t}
            if (layer, t) == (L, T):
                out.append(("y",))
            succ["h", layer, t] = out
    return succ


def count_paths(succ):
    @lru_cache(None)
    def paths(node):
        return 1 if node == ("y",) else sum(paths(u) for u in succ[node])

    return paths


def cost(U, succ, paths, M, R, N=None):
    """prod over v in U of ((dim v, sum of paths(u) over successors u outside U))."""
    total = 1
    for v in U:
        degree = sum(paths(u) for u in succ[v] if u not in U)
        factor = multiset(M if v[0] == "x" else R, degree)
        if v[0] == "x" and N is not None:
            factor = min(N, factor)
        total *= factor
    return total


def all_closed_sets(L, T, upstream):
    """Every predecessor-closed U holding exactly the `upstream` inputs, by brute force."""
    succ = dag(L, T)
    preds = {v: [] for v in succ}
    for v, outs in succ.items():
        for u in outs:
            preds[u].append(v)
    cells = [("h", layer, t) for layer in range(1, L + 1) for t in range(1, T + 1)]
    inputs = {("x", t) for t in upstream}
    for size in range(len(cells) + 1):
        for chosen in itertools.combinations(cells, size):
            U = inputs | set(chosen)
            if all(p in U for v in chosen for p in preds[v]):
                yield frozenset(U)


def staircases(L, T, upstream):
    """Closed sets as staircases: layer l holds times 1..k_l, k_1 >= ... >= k_L, and k_1 stops
    before the first time of the other side."""
    first_other = min(t for t in range(1, T + 1) if t not in set(upstream))
    inputs = {("x", t) for t in upstream}
    for ks in itertools.product(range(first_other), repeat=L):
        if all(ks[i] >= ks[i + 1] for i in range(L - 1)):
            cells = {("h", layer, t) for layer, k in enumerate(ks, 1) for t in range(1, k + 1)}
            yield frozenset(inputs | cells)


def brute_symmetric(M, R, L, partition, N=None, family=all_closed_sets):
    succ = dag(L, partition.T)
    paths = count_paths(succ)
    return min(
        cost(U, succ, paths, M, R, N)
        for upstream in (partition.start, partition.end)
        for U in family(L, partition.T, upstream)
    )


def random_partitions(T, count, seed):
    rng = np.random.default_rng(seed)
    out = [start_end(T)] if T % 2 == 0 else []
    out.append(interleaved(T))
    while len(out) < count:
        mask = rng.integers(0, 2, size=T)
        if 0 < mask.sum() < T:
            out.append(Partition.from_mask(mask))
    return out


# -- symmetric cut ------------------------------------------------------------------------------


@pytest.mark.parametrize(("L", "T"), [(1, 3), (2, 3), (3, 3), (2, 4)])
def test_staircases_are_all_closed_sets(L, T):
    """The test's own staircase enumerator agrees with the brute force (so it can be trusted for
    sizes the brute force cannot reach)."""
    for part in random_partitions(T, 4, seed=L * 10 + T):
        for upstream in (part.start, part.end):
            assert set(all_closed_sets(L, T, upstream)) == set(staircases(L, T, upstream))


@pytest.mark.parametrize(
    ("M", "R", "L", "T"),
    [(2, 2, 1, 6), (3, 2, 1, 5), (2, 3, 2, 5), (3, 2, 2, 6), (2, 2, 3, 4), (4, 3, 2, 4)],
)
def test_symmetric_bound_is_the_brute_force_minimum(M, R, L, T):
    rac = RAC.random(M, R, depth=L, seed=0)
    for part in random_partitions(T, 5, seed=T):
        bound = symmetric_bound(rac, part)
        assert bound.value == brute_symmetric(M, R, L, part)
        assert bound.quantity == "separation rank" and bound.method == "symmetric-cut"


@pytest.mark.parametrize(
    ("M", "R", "L", "T", "N"), [(3, 2, 2, 5, 2), (2, 3, 2, 4, 2), (3, 3, 1, 5, 3)]
)
def test_symmetric_bound_with_templates_is_the_brute_force_minimum(M, R, L, T, N):
    rac = RAC.random(M, R, depth=L, seed=0)
    for part in random_partitions(T, 4, seed=T + 1):
        bound = symmetric_bound(rac, part, templates=N)
        assert bound.value == brute_symmetric(M, R, L, part, N=N)
        assert bound.quantity == "grid-tensor rank"


@pytest.mark.parametrize(("M", "R", "L", "T"), [(2, 3, 3, 10), (3, 2, 4, 8), (2, 2, 2, 16)])
def test_symmetric_bound_matches_staircase_minimum_at_larger_sizes(M, R, L, T):
    rac = RAC.random(M, R, depth=L, seed=0)
    for part in random_partitions(T, 4, seed=T + 2):
        assert symmetric_bound(rac, part).value == brute_symmetric(M, R, L, part, family=staircases)


def test_symmetric_cut_reports_a_closed_set_and_its_factors():
    rac = RAC.random(3, 2, depth=3, seed=0)
    part = Partition(7, [1, 2, 4])
    bound = symmetric_bound(rac, part)
    U = bound.side
    succ = dag(3, 7)
    paths = count_paths(succ)
    upstream = part.start if bound.upstream == "start" else part.end
    assert {v for v in U if v[0] == "x"} == {("x", t) for t in upstream}
    assert cost(U, succ, paths, 3, 2) == bound.value == math.prod(e.factor for e in bound.cut)
    for element in bound.cut:
        assert element.category == "node" and element.name in U
        assert element.degree == sum(paths(u) for u in succ[element.name] if u not in U)
    assert bound.log2 == pytest.approx(math.log2(bound.value))


@pytest.mark.parametrize(("M", "R", "T"), [(2, 2, 8), (3, 3, 8), (4, 3, 10), (5, 2, 12)])
def test_depth2_start_end_symmetric_bound_closed_form(M, R, T):
    """Depth 2, M >= R: the symmetric cut is R * ((R, T/2)) (the multi-homogeneous form)."""
    bound = symmetric_bound(RAC.random(M, R, depth=2, seed=0), start_end(T))
    assert bound.value == R * comb(R + T // 2 - 1, T // 2)
    assert bound.value == theorem_bounds(M, R, 2, T)["multi_homogeneous"].value


@pytest.mark.parametrize(("M", "R", "T"), [(2, 3, 6), (2, 5, 4), (3, 4, 2)])
def test_shallow_symmetric_bound(M, R, T):
    assert symmetric_bound(RAC.random(M, R, seed=0), start_end(T)).value == min(R, M ** (T // 2))


def test_symmetric_bound_runs_for_thousands_of_steps():
    """L = 8, T = 4096 never builds the copy tree (it would have ~10^22 tensors)."""
    bound = symmetric_bound(RAC.random(4, 4, depth=8, seed=0), start_end(4096))
    # the multi-homogeneous staircase (k_l = T/2) is one of the closed sets: never beaten by
    # more than round-off, and here it is optimal
    assert bound.value == theorem_bounds(4, 4, 8, 4096)["multi_homogeneous"].value
    assert 797 < bound.log2 < 798


# -- closed forms -------------------------------------------------------------------------------


def tree_min_cut(M, R, L, T, start):
    """Exhaustive minimum cut of the copy tree: every subset H of input hyperedges is cut (M
    each), then an exact tree DP over the copies counts the fewest R-cuts (a bond or a COPY
    tensor) that separate the remaining start leaves from the remaining end leaves."""
    start = set(start)
    best = None
    for mask in range(1 << T):
        H = {t for t in range(1, T + 1) if mask >> (t - 1) & 1}

        @lru_cache(None)
        def node(layer, t, H=frozenset(H)):
            # (cost if this copy's top may touch start leaves only, ... end leaves only)
            def leaf():
                if t in H:
                    return (0, 0)
                return (0, math.inf) if t in start else (math.inf, 0)

            def detach(c):  # the bond above a child can be cut for one R
                return (min(c[0], c[1] + 1), min(c[1], c[0] + 1))

            a = detach(node(layer, t - 1) if t > 1 else (0, 0))  # previous time (or h^{l,0})
            b = detach(node(layer - 1, t) if layer > 1 else leaf())  # below (or the input)
            cut_copy = 1 + min(a) + min(b)  # cutting the COPY tensor isolates all three legs
            return (min(a[0] + b[0], cut_copy), min(a[1] + b[1], cut_copy))

        value = M ** len(H) * R ** min(node(L, T))
        best = value if best is None else min(best, value)
    return best


@pytest.mark.parametrize("L", [1, 2, 3])
@pytest.mark.parametrize("T", [2, 4, 6])
@pytest.mark.parametrize(("M", "R"), [(2, 2), (3, 2), (2, 3), (5, 2), (3, 4)])
def test_network_cut_closed_form_is_the_exhaustive_tree_minimum(M, R, L, T):
    value = network_cut_closed_form(M, R, L, T)
    assert value == tree_min_cut(M, R, L, T, range(1, T // 2 + 1))
    assert theorem_bounds(M, R, L, T)["network_cut"].value == value


def test_network_cut_closed_form_at_T8():
    for M, R, L in [(3, 2, 2), (3, 2, 3), (4, 3, 2)]:
        assert network_cut_closed_form(M, R, L, 8) == tree_min_cut(M, R, L, 8, range(1, 5))


@pytest.mark.parametrize(
    ("M", "R", "L", "T"), [(2, 2, 2, 8), (3, 2, 3, 6), (2, 3, 1, 8), (4, 4, 4, 6)]
)
def test_theorem_closed_forms_are_costs_of_explicit_closed_sets(M, R, L, T):
    succ = dag(L, T)
    paths = count_paths(succ)
    half = T // 2
    entries = theorem_bounds(M, R, L, T)
    # multi-homogeneous: U = start inputs and every cell up to time T/2
    U = {("x", t) for t in range(1, half + 1)}
    U |= {("h", layer, t) for layer in range(1, L + 1) for t in range(1, half + 1)}
    assert entries["multi_homogeneous"].value == cost(U, succ, paths, M, R)
    # trivial: U = the inputs of one side alone
    sides = [range(1, half + 1), range(half + 1, T + 1)]
    trivial = min(cost({("x", t) for t in side}, succ, paths, M, R) for side in sides)
    assert entries["trivial_function"].value == trivial
    assert entries["trivial_grid"].value == M**half
    # the library's bound is the minimum over every closed set (the staircases, enumerated
    # here), which these two closed sets are among: never compare it with them alone, as the
    # library takes its minimum with exactly these two sets
    sym = symmetric_bound(RAC.random(M, R, depth=L, seed=0), start_end(T)).value
    assert sym == brute_symmetric(M, R, L, start_end(T), family=staircases)


def test_theorem_entries_and_labels():
    shallow = theorem_bounds(3, 2, 1, 6)
    assert shallow["shallow_upper"].value == 2
    assert shallow["shallow_upper"].origin == "paper, Theorem 1.1"
    assert "depth2_lower" not in shallow
    deep = theorem_bounds(3, 2, 2, 6)
    assert deep["depth2_lower"].value == comb(2 + 3 - 1, 3)
    assert deep["depth2_lower"].origin == "paper, Theorem 1.2"
    assert deep["depth2_lower"].claim == "lower bound"
    assert deep["multi_homogeneous"].origin == "derived (multi-homogeneous)"
    assert deep["network_cut"].origin == "network cut, closed form"
    assert deep["network_cut"].quantity == "grid-tensor rank"
    assert {deep["trivial_function"].origin, deep["trivial_grid"].origin} == {"trivial"}
    assert theorem_bounds(4, 4, 8, 4096)["multi_homogeneous"].value > 2**700  # exact ints
    with pytest.raises(ValueError, match="T must be even"):
        theorem_bounds(2, 2, 2, 5)
    with pytest.raises(ValueError, match="R must be a positive integer"):
        theorem_bounds(2, 0, 2, 4)


# -- network cut on compiled networks -----------------------------------------------------------


def network_elements(net):
    tn = net.tn
    inputs = set(net.input_inds)
    deltas = set(tn.tag_map.get("DELTA", ()))
    out = []
    for ind, tids in tn.ind_map.items():
        dim = tn.ind_size(ind)
        if ind in inputs or len(tids) > 2:
            out.append(("hyperedge", ind, dim))
        elif len(tids) == 2:
            out.append(("bond", ind, dim))
    out += [("delta", tid, min(tn.tensor_map[tid].shape)) for tid in deltas]
    return out


def separates(net, partition, cut):
    """Union-find: after removing the cut bonds / COPY tensors / hyperedges, does any start
    input hyperedge still reach an end input hyperedge?"""
    tn = net.tn
    cut = {(kind, name) for kind, name, *_ in cut}
    parent = {}

    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a, b):
        parent[find(a)] = find(b)

    alive = {tid for tid in tn.tensor_map if ("delta", tid) not in cut}
    inputs = set(net.input_inds)
    for ind, tids in tn.ind_map.items():
        members = [tid for tid in tids if tid in alive]
        if ind in inputs or len(tids) > 2:
            if ("hyperedge", ind) in cut:
                continue
            for tid in members:
                union(("h", ind), tid)
        elif len(tids) == 2 and ("bond", ind) not in cut and len(members) == 2:
            union(*members)
    cut_inputs = {name for kind, name in cut if kind == "hyperedge"}
    starts = {
        find(("h", net.input_inds[t - 1]))
        for t in partition.start
        if net.input_inds[t - 1] not in cut_inputs
    }
    ends = {
        find(("h", net.input_inds[t - 1]))
        for t in partition.end
        if net.input_inds[t - 1] not in cut_inputs
    }
    return not (starts & ends)


def brute_network_cut(net, partition):
    """Cheapest separating subset of elements, subsets taken by size with product pruning."""
    elements = sorted(network_elements(net), key=lambda e: e[2])
    dims = [e[2] for e in elements]
    best = math.inf
    for size in range(len(elements) + 1):
        if math.prod(dims[:size]) >= best:
            break
        for chosen in itertools.combinations(elements, size):
            value = math.prod(e[2] for e in chosen)
            if value < best and separates(net, partition, chosen):
                best = value
    return best


@pytest.mark.parametrize(
    ("M", "R", "L", "T", "kind", "partition"),
    [
        (2, 2, 1, 4, "mps", start_end(4)),
        (3, 2, 1, 6, "mps", interleaved(6)),
        (2, 3, 1, 4, "mps", interleaved(4)),
        (3, 2, 1, 4, "tree", start_end(4)),
        (2, 2, 2, 4, "tree", start_end(4)),
        (2, 2, 2, 4, "tree", interleaved(4)),
        (3, 2, 2, 4, "tree", start_end(4)),
        (2, 3, 2, 3, "tree", Partition(3, [2])),
        (3, 2, 3, 3, "tree", Partition(3, [1, 3])),
    ],
)
def test_network_cut_is_the_brute_force_minimum(M, R, L, T, kind, partition):
    net = compile_rac(RAC.random(M, R, depth=L, seed=0), T, kind=kind)
    bound = network_cut_bound(net, partition)
    assert bound.value == brute_network_cut(net, partition)
    # the reported cut separates, and its dimensions multiply to the value
    cut = [(e.category, e.name, e.dim) for e in bound.cut]
    assert separates(net, partition, cut)
    assert math.prod(e.dim for e in bound.cut) == bound.value
    assert bound.method == "network-cut" and bound.quantity == "grid-tensor rank"


@pytest.mark.parametrize(
    ("M", "R", "L", "T"), [(2, 2, 2, 8), (3, 2, 2, 6), (3, 2, 3, 6), (2, 3, 3, 4), (3, 2, 4, 4)]
)
def test_network_cut_on_compiled_trees_equals_closed_form(M, R, L, T):
    net = compile_rac(RAC.random(M, R, depth=L, seed=0), T)
    bound = network_cut_bound(net, start_end(T))
    assert bound.value == network_cut_closed_form(M, R, L, T)
    cut = [(e.category, e.name, e.dim) for e in bound.cut]
    assert separates(net, start_end(T), cut)


def star(k, d, M):
    """k tensors A_i[d_i, b_i] around one COPY tensor of dimension d on legs b_1..b_k."""
    rng = np.random.default_rng(0)
    tensors = [qtn.Tensor(rng.random((M, d)), inds=(f"d{i}", f"b{i}")) for i in range(1, k + 1)]
    delta = np.zeros((d,) * k)
    delta[(np.arange(d),) * k] = 1
    tensors.append(qtn.Tensor(delta, inds=tuple(f"b{i}" for i in range(1, k + 1)), tags="DELTA"))
    tn = qtn.TensorNetwork(tensors)
    return SimpleNamespace(tn=tn, input_inds=tuple(f"d{i}" for i in range(1, k + 1)), T=k)


def test_copy_star_costs_log_d_once():
    """A star of k = 5 legs through one delta of dimension 2: the cut costs 2, not 2^2 or 2^3
    (cutting the legs on the smaller side), and M = 7 inputs are never worth cutting."""
    net = star(5, 2, 7)
    bound = network_cut_bound(net, Partition(5, [1, 2]))
    assert bound.value == 2
    assert [e.category for e in bound.cut] == ["delta"]
    assert bound.cut[0].name in net.tn.tag_map["DELTA"]


def test_copy_star_without_the_tag_pays_per_leg():
    """The same star with the DELTA tag removed is an ordinary order-5 tensor: the cheapest cut
    is then the two legs (2 * 2 = 4) on the smaller side."""
    net = star(5, 2, 7)
    for tensor in net.tn:
        tensor.drop_tags("DELTA")
    net = SimpleNamespace(tn=qtn.TensorNetwork(list(net.tn)), input_inds=net.input_inds, T=5)
    assert network_cut_bound(net, Partition(5, [1, 2])).value == 4


def test_internal_hyperedge_is_one_vertex():
    """Three tensors sharing an index k of dimension 3 (a hyperedge): cutting k costs 3."""
    rng = np.random.default_rng(0)
    tensors = [qtn.Tensor(rng.random((5, 3)), inds=(f"d{i}", "k")) for i in (1, 2, 3)]
    net = SimpleNamespace(tn=qtn.TensorNetwork(tensors), input_inds=("d1", "d2", "d3"), T=3)
    bound = network_cut_bound(net, Partition(3, [2]))
    assert bound.value == 3
    assert [(e.category, e.name) for e in bound.cut] == [("hyperedge", "k")]


def test_network_cut_bad_input():
    net = compile_rac(RAC.random(2, 2, seed=0), 4)
    with pytest.raises(ValueError, match="T = 6 steps but the network has 4 inputs"):
        network_cut_bound(net, start_end(6))
    with pytest.raises(TypeError, match="RacNetwork"):
        network_cut_bound(RAC.random(2, 2, seed=0), start_end(4))
    assert network_cut_bound(net, "start-end").value == 2


def test_symmetric_bound_bad_input():
    rac = RAC.random(2, 2, seed=0)
    with pytest.raises(TypeError, match="partition must be a Partition"):
        symmetric_bound(rac, [1, 2])
    with pytest.raises(TypeError, match="rac must be"):
        symmetric_bound("rac", start_end(4))
    with pytest.raises(ValueError, match="templates must be a positive integer"):
        symmetric_bound(rac, start_end(4), templates=0)


@pytest.mark.parametrize("seed", range(12))
def test_symmetric_cut_dynamic_programme_agrees_with_the_max_flow(seed):
    """Two independent minimisations over the closed sets (staircases): the layer-by-layer
    dynamic programme symmetric_bound uses, and the max-flow of the three-arc gadget network."""
    import numpy as np

    from rac_tn.bounds.staircase import cheapest_staircase, log2_cost, min_staircase

    rng = np.random.default_rng(seed)
    M, R, L = (int(v) for v in rng.integers(1, 5, 3))
    T = int(rng.integers(2, 40))
    width = int(rng.integers(1, T))
    N = None if seed % 3 else int(rng.integers(1, 6))
    upstream = np.arange(1, width + 1)
    dp = cheapest_staircase(M, R, L, T, width, N)
    flow = min_staircase(M, R, L, T, width, N, bound=log2_cost(M, R, L, T, (0,) * L, upstream, N))
    assert all(a >= b for a, b in zip(dp, dp[1:])) and dp[0] <= width
    cost_dp = log2_cost(M, R, L, T, dp, upstream, N)
    cost_flow = log2_cost(M, R, L, T, flow, upstream, N)
    assert cost_dp == pytest.approx(cost_flow, abs=1e-6)


def test_a_cp_input_costs_min_d_k_in_the_symmetric_cut():
    """x_t reaches a homogeneous CP core only through B^T x_t (K values): the symmetric cut
    prices an input at min(d, K), which the exact rank (coefficient matrix) meets at T = 2."""
    model = rac_tn.CP2RNN.random(4, 3, 3, depth=2, seed=0, integer=True)
    part = rac_tn.start_end(2)
    exact = reference_separation_rank(Expansion(model.to_rac(), 2), part.start)
    bound = rac_tn.symmetric_bound(model, part)
    assert bound.value == exact == 3  # priced at d = 4 the cut would give 4
    assert model.input_cut_dim == 3 and model.input_node_dim == 4
    # template arrays are checked against the input width d, also for an affine family
    assert rac_tn.symmetric_bound(model, part, templates=np.eye(4)).value <= 3
    affine = rac_tn.SecondOrderRNN.random(2, 2, bias=True, seed=0, integer=True)
    assert affine.input_cut_dim == 3
    rac_tn.symmetric_bound(affine, rac_tn.start_end(4), templates=np.eye(2))
