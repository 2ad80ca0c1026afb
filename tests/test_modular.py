"""Compiled modular kernels against plain Python-integer arithmetic, for five kinds of prime.

The primes: 2**21 - 9 (the largest prime of the first attempts' range: float64 pair kernels),
2**31 - 1 (the largest SMALL-mode prime), a ~30-bit prime, the Mersenne prime
2**61 - 1 and a 62-bit non-Mersenne prime (both Montgomery mode). Every residue must be
identical to the one a Python loop over exact integers gives.
"""

from __future__ import annotations

import numpy as np
import pytest

from rac_tn import RAC
from rac_tn.arith import flint_matrices, modular, pair_kernels

PRIMES = [2**21 - 9, 2**31 - 1, 1_000_000_007, 2**61 - 1, 4_611_686_018_427_387_847]


def _py_forward(rac: RAC, X: np.ndarray, p: int, start=None) -> list[list[int]]:
    """Final states of every layer by the recurrence, in Python integers mod p."""
    ints = [[int(v) for v in row] for row in X]
    states = []
    layer_input = ints
    for layer in range(rac.L):
        WH = [[int(v) for v in row] for row in rac.hidden_weights[layer]]
        WI = [[int(v) for v in row] for row in rac.input_weights[layer]]
        h = [int(v) % p for v in (rac.initial_states[layer] if start is None else start[layer])]
        out = []
        for x in layer_input:
            rec = [sum(a * b for a, b in zip(row, h)) for row in WH]
            inp = [sum(a * b for a, b in zip(row, x)) for row in WI]
            h = [(r * i) % p for r, i in zip(rec, inp)]
            out.append(h)
        states.append(h)
        layer_input = out
    return states


def _py_output(rac: RAC, X: np.ndarray, p: int, start=None) -> int:
    h = _py_forward(rac, X, p, start)[-1]
    return sum(int(w) * v for w, v in zip(rac.output_weights[0], h)) % p


def _big_rac(M, R, L, p, seed):
    # weights spread over the whole residue range: the worst case for overflow
    rng = np.random.default_rng(seed)
    top = min(p, 2**62)

    def draw(shape):
        return (rng.integers(0, top, size=shape, dtype=np.uint64) % np.uint64(p)).astype(np.int64)

    return RAC(
        [draw((R, M))] + [draw((R, R)) for _ in range(L - 1)],
        [draw((R, R)) for _ in range(L)],
        draw((1, R)),
        [draw((R,)) for _ in range(L)],
    )


@pytest.mark.parametrize("p", PRIMES)
@pytest.mark.parametrize("shape", [(2, 3, 1), (3, 4, 2), (2, 5, 3), (2, 9, 2)])
def test_pair_outputs_match_python_integers(p, shape):
    M, R, L = shape
    rac = _big_rac(M, R, L, p, seed=sum(shape))
    w = rac.modular(p)
    rng = np.random.default_rng(1)
    T, shared = 6, 2
    kr, kc = 3, 4
    prefix = rng.integers(0, p, size=(kr, shared, M), dtype=np.uint64)
    rows = rng.integers(0, p, size=(kr, T - shared, M), dtype=np.uint64)
    cols = rng.integers(0, p, size=(kc, T - shared, M), dtype=np.uint64)
    starts = modular.scan_mod(w, prefix)
    for from_cols in ([True] * (T - shared), [True, False, True, False]):
        got = modular.pair_outputs(w, starts, rows, cols, np.array(from_cols))
        for i in range(kr):
            for j in range(kc):
                X = np.concatenate(
                    [prefix[i], np.where(np.array(from_cols)[:, None], cols[j], rows[i])]
                )
                assert int(got[i, j]) == _py_output(rac, X, p)


@pytest.mark.parametrize("p", PRIMES)
def test_scan_and_readout_match_python_integers(p):
    rac = _big_rac(3, 4, 2, p, seed=7)
    X = np.random.default_rng(2).integers(0, p, size=(5, 7, 3), dtype=np.uint64)
    w = rac.modular(p)
    finals = modular.scan_mod(w, X)
    y = modular.readout(w, finals[-1])
    for b in range(5):
        ref = _py_forward(rac, X[b], p)
        assert [[int(v) for v in f[b]] for f in finals] == ref
        assert int(y[b, 0]) == _py_output(rac, X[b], p)


@pytest.mark.parametrize("p", PRIMES)
def test_matmul_mod_matches_python_integers(p):
    rng = np.random.default_rng(3)
    a = rng.integers(0, p, size=(5, 13), dtype=np.uint64)
    b = rng.integers(0, p, size=(13, 6), dtype=np.uint64)
    # extreme residues: p - 1 everywhere is the largest sum of products
    a[0] = p - 1
    b[:, 0] = p - 1
    ref = [[sum(int(x) * int(y) for x, y in zip(row, col)) % p for col in b.T] for row in a]
    assert modular.matmul_mod(a, b, p).tolist() == ref


@pytest.mark.parametrize("p", PRIMES)
def test_serial_and_parallel_kernels_agree(p):
    a = modular.kernel_arith(p)
    rng = np.random.default_rng(4)
    left = rng.integers(0, p, size=(64, 8), dtype=np.uint64)
    right = modular.scale(rng.integers(0, p, size=(9, 8), dtype=np.uint64), a, 1)
    par, ser = (k(left, right, *a.args) for k in pair_kernels.matmul)
    np.testing.assert_array_equal(par, ser)


def test_every_odd_prime_below_2_63_has_a_kernel():
    assert all(modular.has_fast_kernel(p) for p in PRIMES + [3, 2**63 - 25])
    assert modular.kernel_arith(2**31 - 1).mode == pair_kernels.SMALL
    assert modular.kernel_arith(2**31 + 11).mode == pair_kernels.MONT


@pytest.mark.parametrize("p", [3, 101, 2**31 - 1, 2**61 - 1, 4_611_686_018_427_387_847])
def test_flint_rank_of_known_low_rank_products(p):
    # rank of A B with A (n x r), B (r x n) random is r (with overwhelming probability for
    # large p; for tiny p checked against python-flint's own rank)
    import flint

    rng = np.random.default_rng(p % 1000)
    for n, r in ((30, 7), (64, 64), (50, 1)):
        A = rng.integers(0, p, size=(n, r), dtype=np.uint64)
        B = rng.integers(0, p, size=(r, n), dtype=np.uint64)
        M = modular.matmul_mod(A, B, p)
        expected = flint.nmod_mat(M.tolist(), p).rank()
        assert flint_matrices.rank_mod_p(M, p) == expected
        if p > 2**30:
            assert expected == r
        assert flint_matrices.rank_mod_p(M, p, threads=1) == expected


def test_flint_rank_reduces_entries_and_handles_empty():
    assert flint_matrices.rank_mod_p(np.zeros((0, 3), dtype=np.uint64), 101) == 0
    assert flint_matrices.rank_mod_p(np.array([[102, 204], [1, 2]], dtype=np.uint64), 101) == 1
