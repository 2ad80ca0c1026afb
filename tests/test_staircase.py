"""Closed sets of the computation grid as staircases: boundary and cost, against the DAG."""

from __future__ import annotations

import itertools
import math

import networkx as nx
import numpy as np
import pytest

from rac_tn.bounds.staircase import boundary, cheapest_staircase, log2_cost


def grid_dag(L, T):
    """The computation grid built here: inputs, cells, output, edges toward the output."""
    g = nx.DiGraph()
    for t in range(1, T + 1):
        g.add_edge(("x", t), ("h", 1, t))
        for layer in range(1, L + 1):
            if layer > 1:
                g.add_edge(("h", layer - 1, t), ("h", layer, t))
            if t > 1:
                g.add_edge(("h", layer, t - 1), ("h", layer, t))
    g.add_edge(("h", L, T), ("y",))
    return g


def paths_to_output(g):
    """Number of paths from each node to the output, by dynamic programming on the DAG."""
    count = {("y",): 1}
    for node in reversed(list(nx.topological_sort(g))):
        if node != ("y",):
            count[node] = sum(count[s] for s in g.successors(node))
    return count


def staircases(L, width):
    """Every non-increasing width vector (w_1 >= ... >= w_L) with w_1 <= width."""
    for w in itertools.product(range(width + 1), repeat=L):
        if all(a >= b for a, b in zip(w, w[1:])):
            yield w


@pytest.mark.parametrize(("L", "T", "width"), [(1, 4, 2), (2, 5, 3), (3, 5, 2), (2, 6, 5)])
def test_boundary_is_the_nodes_with_a_successor_outside(L, T, width):
    g = grid_dag(L, T)
    count = paths_to_output(g)
    upstream = list(range(1, width + 1)) + [T]  # a later upstream time too
    for w in staircases(L, width):
        U = {("x", t) for t in upstream}
        U |= {("h", layer, t) for layer in range(1, L + 1) for t in range(1, w[layer - 1] + 1)}
        expected = {}
        for v in U:
            degree = sum(count[s] for s in g.successors(v) if s not in U)
            if degree:
                expected[v] = degree
        got = {node: degree for node, _, degree in boundary(L, T, w, upstream) if degree}
        assert got == expected


@pytest.mark.parametrize(("M", "R", "L", "T", "width"), [(2, 2, 2, 6, 3), (3, 2, 3, 6, 3)])
def test_cost_in_bits_and_the_cheapest_staircase(M, R, L, T, width):
    def multiset(n, k):
        return math.comb(n + k - 1, k)

    upstream = np.arange(1, width + 1)
    costs = {}
    for w in staircases(L, width):
        exact = 1
        for _node, symbol, degree in boundary(L, T, w, upstream.tolist()):
            exact *= multiset(M if symbol == "M" else R, degree)
        assert log2_cost(M, R, L, T, w, upstream, None) == pytest.approx(math.log2(exact))
        costs[w] = exact
    best = cheapest_staircase(M, R, L, T, width, None)
    assert costs[best] == min(costs.values())
