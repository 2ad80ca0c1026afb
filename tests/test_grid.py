"""The computation grid: structure, path counts against explicit path enumeration, and the
input degrees against the model's homogeneity."""

from __future__ import annotations

from math import comb

import networkx as nx
import numpy as np
import pytest

from rac_tn import RAC, computation_grid, input_degrees
from rac_tn.counting import path_counts

SIZES = [(1, 1), (1, 4), (2, 3), (3, 4), (4, 2)]


@pytest.mark.parametrize(("L", "T"), SIZES)
def test_structure(L, T):
    g = computation_grid(L, T)
    assert nx.is_directed_acyclic_graph(g)
    assert g.number_of_nodes() == T + L * T + 1
    # every cell has its left and lower neighbour (or input) as predecessors
    assert g.number_of_edges() == T + (L - 1) * T + L * (T - 1) + 1
    assert list(g.successors(("h", L, T))) == [("y",)]
    assert [n for n in g if g.out_degree(n) == 0] == [("y",)]
    assert sorted(n for n in g if g.in_degree(n) == 0) == [("x", t) for t in range(1, T + 1)]


@pytest.mark.parametrize(("L", "T"), SIZES)
def test_paths_count_explicit_paths(L, T):
    """paths(u -> output) equals the number of simple paths networkx enumerates."""
    g = computation_grid(L, T)
    counts = path_counts(L, T)
    for node in g:
        if node == ("y",):
            continue
        explicit = sum(1 for _ in nx.all_simple_paths(g, node, ("y",)))
        assert counts[node] == explicit == g.nodes[node]["paths"]


@pytest.mark.parametrize(("L", "T"), SIZES)
def test_input_degrees_sum_is_hockey_stick(L, T):
    degrees = input_degrees(L, T)
    assert degrees == tuple(path_counts(L, T)["x", t] for t in range(1, T + 1))
    assert sum(degrees) == comb(T + L - 1, L)


@pytest.mark.parametrize(("M", "R", "L", "T"), [(2, 3, 1, 4), (3, 2, 2, 4), (2, 2, 3, 3)])
def test_degrees_are_the_homogeneity_of_the_model(M, R, L, T):
    """y(.., lam f_t, ..) = lam^{n_t} y exactly (mod p), for the degrees the grid reports."""
    rac = RAC.random(M, R, depth=L, seed=0, integer=True)
    rng = np.random.default_rng(1)
    X = rng.integers(-50, 50, size=(T, M))
    p = 1_000_003
    base = int(rac.forward_mod(X, p)[0])
    for t, n in enumerate(input_degrees(L, T), start=1):
        scaled = X.copy()
        scaled[t - 1] *= 3
        assert int(rac.forward_mod(scaled, p)[0]) == base * pow(3, n, p) % p


def test_node_attributes_from_a_rac():
    rac = RAC.random(3, 2, depth=2, num_classes=4, seed=0)
    g = computation_grid(rac, 5)
    assert g.nodes["x", 1] | {} == {
        "role": "input",
        "layer": 0,
        "time": 1,
        "paths": comb(5 - 1 + 1, 1),
        "dim": 3,
    }
    assert g.nodes["h", 2, 3]["dim"] == 2 and g.nodes["h", 2, 3]["role"] == "cell"
    assert g.nodes["y",]["dim"] == 4 and g.nodes["y",]["role"] == "output"
    assert "dim" not in computation_grid(2, 3).nodes["x", 1]


@pytest.mark.parametrize("bad", [0, -1])
def test_bad_sizes(bad):
    with pytest.raises(ValueError, match="positive integer"):
        computation_grid(bad, 3)
    with pytest.raises(ValueError, match="positive integer"):
        input_degrees(2, bad)
    with pytest.raises(TypeError, match="positive integer"):
        path_counts(2, 2.5)
