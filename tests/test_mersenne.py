"""Exact products modulo 2**61 - 1 by float64 limb products (rac_tn/arith/mersenne.py) against
Python
integers, including the residues that make every limb product its largest (the float64 exactness
edge), on the serial and the parallel kernel."""

from __future__ import annotations

import numpy as np
import pytest

from rac_tn import RAC
from rac_tn.arith.mersenne import INNER_CHUNK, MERSENNE61, matmul_mod_mersenne61
from rac_tn.network.grid_tensor import grid_tensor_mod

P = MERSENNE61


def python_product(A, B):
    k = A.shape[1]
    return [
        [sum(int(A[i, t]) * int(B[t, j]) for t in range(k)) % P for j in range(B.shape[1])]
        for i in range(A.shape[0])
    ]


def residues(value, shape):
    return np.full(shape, value % P, dtype=np.uint64)


@pytest.mark.parametrize("shape", [(1, 1, 1), (3, 5, 4), (7, 8, 9), (5, 9, 3), (4, 41, 6)])
@pytest.mark.parametrize("mode", ["random", "p-1", "limb edges", "mixed signs"])
@pytest.mark.parametrize("parallel", [False, True])
def test_products_match_python_integers(shape, mode, parallel):
    n, k, m = shape
    rng = np.random.default_rng(n * k * m)
    if mode == "random":
        A = rng.integers(0, P, size=(n, k), dtype=np.uint64)
        B = rng.integers(0, P, size=(k, m), dtype=np.uint64)
    elif mode == "p-1":
        A, B = residues(-1, (n, k)), residues(-1, (k, m))
    elif mode == "limb edges":
        # balanced low limbs of exactly -2**20 and -2**30: every limb product is 2**50, so a
        # chunk of 8 sums to 2**53, the edge of float64's exact integers
        A, B = residues(1 << 20, (n, k)), residues(1 << 30, (k, m))
    else:
        edges = [1 << 20, -(1 << 20), (1 << 30), P // 2, P // 2 + 1, -(1 << 41), 1, 0]
        A = np.array([[edges[(i + t) % 8] % P for t in range(k)] for i in range(n)], np.uint64)
        B = np.array([[edges[(t * 3 + j) % 8] % P for j in range(m)] for t in range(k)], np.uint64)
    assert matmul_mod_mersenne61(A, B, parallel=parallel).tolist() == python_product(A, B)


def test_an_empty_inner_dimension_gives_zeros():
    A, B = np.zeros((3, 0), np.uint64), np.zeros((0, 2), np.uint64)
    assert matmul_mod_mersenne61(A, B).tolist() == [[0, 0]] * 3


def test_the_exactness_edge_is_reached():
    """The limb-edge case above really sums 2**53 in one chunk (so the test is at the edge)."""
    assert INNER_CHUNK * (1 << 20) * (1 << 30) == 1 << 53


def test_grid_tensor_mod_at_the_default_prime_matches_a_per_sequence_forward():
    rac = RAC.random(3, 4, depth=1, num_classes=2, seed=0, integer=True)
    T = 5
    grid = grid_tensor_mod(rac, T)  # p = 2**61 - 1: the L = 1 product goes through here
    eye = np.eye(3, dtype=np.int64)
    for index in np.ndindex(*(3,) * T):
        X = eye[list(index)][None]
        assert grid[index].tolist() == rac.forward_mod(X, P)[0].tolist()
