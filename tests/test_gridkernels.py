"""Grid-tensor kernels: the deep float block walk and the exact split products (L = 1 mod p).

Every value is checked against a computation written here: the recurrence one sequence at a
time (floats, or Python integers modulo p), and products of Python integers.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from _helpers import gaussian_rac

import rac_tn.arith.grid_mod
import rac_tn.arith.tree_kernels
import rac_tn.network.grid_routes
from rac_tn import RAC
from rac_tn._checks import FloatRangeError
from rac_tn.arith.tree_kernels import SPLIT_MAX_INNER, matmul_mod_split
from rac_tn.network.grid_tensor import grid_tensor, grid_tensor_mod


def sequence_output(rac, X):
    """y for one sequence ``X`` (T x M), a plain per-step loop over layers and units."""
    L, R = rac.L, rac.R
    h = [np.array(h0, dtype=float) for h0 in rac.initial_states]
    for x in X:
        below = np.asarray(x, dtype=float)
        for layer in range(L):
            wh, wi = rac.hidden_weights[layer], rac.input_weights[layer]
            new = np.zeros(R)
            for r in range(R):
                rec = sum(wh[r, m] * h[layer][m] for m in range(R))
                inp = sum(wi[r, m] * below[m] for m in range(below.size))
                new[r] = rec * inp
            h[layer] = below = new
    return np.array([sum(w * v for w, v in zip(row, h[-1])) for row in rac.output_weights])


def reference_grid(rac, T, F):
    N = F.shape[0]
    out = [sequence_output(rac, F[list(s)]) for s in itertools.product(range(N), repeat=T)]
    return np.array(out).reshape((N,) * T + ((rac.C,) if rac.C > 1 else ()))


def int_output_mod(rac, X, p):
    """y modulo p for one integer sequence, in Python integers (weights read as integers)."""
    ints = [[int(v) for v in np.ravel(w)] for w in rac.hidden_weights]
    R = rac.R
    h = [[int(v) % p for v in h0] for h0 in rac.initial_states]
    for x in X:
        below = [int(v) for v in x]
        for layer in range(rac.L):
            wi = np.asarray(rac.input_weights[layer]).astype(object)
            new = []
            for r in range(R):
                rec = sum(ints[layer][r * R + m] * h[layer][m] for m in range(R))
                inp = sum(int(wi[r, m]) * below[m] for m in range(len(below)))
                new.append(rec * inp % p)
            h[layer] = below = new
    return [sum(int(w) * v for w, v in zip(row, h[-1])) % p for row in rac.output_weights]


def assert_close(actual, expected, rtol=1e-10):
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * np.max(np.abs(expected)))


# -- deep float grid tensor (compiled block walk) ---------------------------------------------

DEEP = [  # (M, R, L, C, T, N): M != R, several classes, T odd / even / 1, N != M templates
    (2, 3, 2, 1, 1, 2),
    (2, 3, 2, 1, 6, 2),
    (3, 2, 2, 2, 5, 3),
    (2, 4, 3, 3, 4, 2),
    (3, 2, 3, 1, 3, 4),
    (2, 2, 4, 2, 5, 2),
    (4, 3, 2, 1, 2, 1),
]


@pytest.mark.parametrize("M, R, L, C, T, N", DEEP)
def test_deep_block_walk_matches_per_sequence_loop(M, R, L, C, T, N, monkeypatch):
    rac = gaussian_rac(M, R, L, C, seed=M * 100 + R * 10 + L)
    F = np.eye(M) if N == M else np.random.default_rng(T).standard_normal((N, M))
    expected = reference_grid(rac, T, F)
    for width in (1, 2, 5, rac_tn.arith.tree_kernels.BLOCK_PREFIXES):  # blocks of every size
        monkeypatch.setattr(rac_tn.arith.tree_kernels, "BLOCK_PREFIXES", width)
        A = grid_tensor(rac, T, F, method="prefix")
        assert A.shape == expected.shape
        assert_close(A, expected)


@pytest.mark.parametrize("parallel", [False, True])
def test_deep_serial_and_parallel_kernels_agree_with_the_loop(parallel):
    rac = gaussian_rac(2, 3, 2, 2, seed=21)
    T = 9
    F = np.eye(2)
    w = rac_tn.network.grid_routes._Weights(rac)
    drive = F @ w.wi_t[0]
    wh = np.stack([np.asarray(x, float) for x in rac.hidden_weights])
    wi = np.zeros_like(wh)
    wi[1] = rac.input_weights[1]
    out = rac_tn.arith.tree_kernels.grid_deep(
        np.stack(rac.initial_states), wh, wi, rac.output_weights, drive, T, parallel=parallel
    )
    assert_close(out.reshape((2,) * T + (2,)), reference_grid(rac, T, F))


def test_deep_overflow_and_underflow_still_raise():
    big = RAC.random(3, 3, depth=2, seed=0, integer=True)  # outputs beyond float64 at T = 8
    with pytest.raises(FloatRangeError, match="grid_tensor_mod"):
        grid_tensor(big, 8, method="prefix")
    half = np.eye(2) / 2  # layer 1 halves twice a step, layer 2 compounds it: ~2^(-T^2)
    tiny = RAC([half, half], [half, half], np.ones((1, 2)))
    with pytest.raises(FloatRangeError, match="underflows"):
        grid_tensor(tiny, 300, templates=np.ones((1, 2)))
    A = grid_tensor(tiny, 20, templates=np.ones((2, 2)))  # in range: tiny and exact
    assert A[(1,) * 20] == sequence_output(tiny, np.ones((20, 2)))[0] < 2.0**-300


# -- exact split products (grid_tensor_mod at L = 1, p < 2^31) --------------------------------

SMALL_PRIMES = [3, 5, 65_537, 1_000_003, 2**31 - 1]


def int_product_mod(a, b, p):
    a, b = a.astype(object), b.astype(object)
    return np.array((a @ b) % p, dtype=object)


@pytest.mark.parametrize("p", SMALL_PRIMES)
@pytest.mark.parametrize("n, k, m", [(1, 1, 1), (4, 3, 7), (9, SPLIT_MAX_INNER, 5), (3, 700, 6)])
def test_split_product_is_exact(p, n, k, m):
    rng = np.random.default_rng(n * k * m)
    cases = [
        (rng.integers(0, p, (n, k), dtype=np.uint64), rng.integers(0, p, (k, m), dtype=np.uint64)),
        (np.full((n, k), p - 1, np.uint64), np.full((k, m), p - 1, np.uint64)),  # worst case
        (np.full((n, k), p // 2, np.uint64), np.full((k, m), p // 2, np.uint64)),  # largest |.|
        (np.full((n, k), p // 2 + 1, np.uint64), np.full((k, m), p // 2, np.uint64)),
    ]
    for a, b in cases:
        got = matmul_mod_split(a, b, p)
        assert got.dtype == np.uint64
        assert (got.astype(object) == int_product_mod(a, b, p)).all()


def test_split_product_refuses_large_primes():
    with pytest.raises(ValueError, match="below 2\\*\\*31"):
        matmul_mod_split(np.ones((1, 1), np.uint64), np.ones((1, 1), np.uint64), 2**31 + 11)


@pytest.mark.parametrize("p", [3, 1_000_003, 2**31 - 1, 2**31 + 11, (1 << 61) - 1, 2**63 - 25])
@pytest.mark.parametrize("M, R, C, T, N", [(2, 3, 1, 1, 2), (2, 3, 1, 5, 2), (3, 2, 2, 4, 4)])
def test_grid_tensor_mod_shallow_matches_python_integers(p, M, R, C, T, N):
    rac = RAC.random(M, R, depth=1, num_classes=C, seed=T, integer=True)
    F = np.random.default_rng(N).integers(-5, 6, size=(N, M))
    A = grid_tensor_mod(rac, T, p, F)
    seqs = list(itertools.product(range(N), repeat=T))
    expected = np.array([int_output_mod(rac, F[list(s)], p) for s in seqs], dtype=object)
    assert A.dtype == np.uint64
    assert (A.reshape(len(seqs), C).astype(object) == expected).all()


@pytest.mark.parametrize("p", [2**31 - 1, 2_147_483_629])
def test_grid_tensor_mod_shallow_worst_case_residues_and_wide_states(p):
    # every weight and state p - 1 (-1 mod p), and R above one exact chunk of the product
    R = SPLIT_MAX_INNER + 4
    rac = RAC(
        [np.full((R, 2), p - 1, dtype=np.int64)],
        [np.full((R, R), p - 1, dtype=np.int64)],
        np.full((2, R), p - 1, dtype=np.int64),
        [np.full(R, p - 1, dtype=np.int64)],
    )
    T = 3
    A = grid_tensor_mod(rac, T, p).reshape(-1, 2)
    X = np.eye(2, dtype=np.int64)
    for row, s in enumerate(itertools.product(range(2), repeat=T)):
        assert [int(v) for v in A[row]] == int_output_mod(rac, X[list(s)], p)


# -- deep grid_tensor_mod (compiled walk for p < 2^31, prefix states above) -------------------


P63 = 2**63 - 25  # the largest prime below 2**63 (the largest modulus accepted)
DEEP_PRIMES = [3, 1_000_003, 2**31 - 1, 2**31 + 11, (1 << 61) - 1, P63]


@pytest.mark.parametrize("p", DEEP_PRIMES)
@pytest.mark.parametrize(
    "M, R, L, C, T, N", [(2, 3, 2, 1, 1, 2), (3, 2, 2, 2, 4, 4), (2, 4, 3, 3, 3, 2)]
)
def test_grid_tensor_mod_deep_matches_python_integers(p, M, R, L, C, T, N, monkeypatch):
    rac = RAC.random(M, R, depth=L, num_classes=C, seed=T + L, integer=True)
    F = np.random.default_rng(N).integers(-5, 6, size=(N, M))
    seqs = list(itertools.product(range(N), repeat=T))
    expected = np.array([int_output_mod(rac, F[list(s)], p) for s in seqs], dtype=object)
    for width in (1, 3, rac_tn.arith.tree_kernels.BLOCK_PREFIXES):
        monkeypatch.setattr(rac_tn.arith.tree_kernels, "BLOCK_PREFIXES", width)
        A = grid_tensor_mod(rac, T, p, F)
        assert A.dtype == np.uint64 and A.shape == (N,) * T + ((C,) if C > 1 else ())
        assert (A.reshape(len(seqs), C).astype(object) == expected).all()


@pytest.mark.parametrize("p", [2**31 - 1, 2_147_483_629, (1 << 61) - 1, P63])
@pytest.mark.parametrize("L, T", [(2, 4), (3, 3)])
def test_grid_tensor_mod_deep_worst_case_residues(p, L, T):
    # every weight and state p - 1: every product and sum at its largest
    R = 7  # not a multiple of the three-term reduction
    rac = RAC(
        [np.full((R, 2), p - 1, dtype=np.int64)]
        + [np.full((R, R), p - 1, dtype=np.int64)] * (L - 1),
        [np.full((R, R), p - 1, dtype=np.int64)] * L,
        np.full((2, R), p - 1, dtype=np.int64),
        [np.full(R, p - 1, dtype=np.int64)] * L,
    )
    A = grid_tensor_mod(rac, T, p).reshape(-1, 2)
    X = np.eye(2, dtype=np.int64)
    for row, s in enumerate(itertools.product(range(2), repeat=T)):
        assert [int(v) for v in A[row]] == int_output_mod(rac, X[list(s)], p)


@pytest.mark.parametrize("p", [1_000_003, P63])
@pytest.mark.parametrize("parallel", [False, True])
def test_deep_mod_serial_and_parallel_kernels_agree(parallel, p):
    rac = RAC.random(2, 3, depth=2, num_classes=2, seed=5, integer=True)
    T = 8
    w = rac.modular(p)
    wh = np.stack(w.hidden_weights)
    wi = np.zeros_like(wh)
    wi[1] = w.input_weights[1]
    fold = np.array(
        [
            (wi[1].T.astype(object) * w.output_weights[c].astype(object)) @ wh[1].astype(object)
            for c in range(2)
        ]
    )
    out = rac_tn.arith.grid_mod.grid_deep_mod(
        np.stack(w.initial_states),
        wh,
        wi,
        np.array(fold % p, dtype=np.uint64),
        np.array(w.input_weights[0].T % p, dtype=np.uint64),  # identity templates
        T,
        p,
        parallel=parallel,
    )
    seqs = list(itertools.product(range(2), repeat=T))
    X = np.eye(2, dtype=np.int64)
    ref = [int_output_mod(rac, X[list(s)], p) for s in seqs[::17]]
    assert [list(map(int, r)) for r in out.reshape(-1, 2)[::17]] == ref


@pytest.mark.parametrize(
    "values",
    [
        [1.0, -2.0],
        [np.inf, 1.0],
        [np.nan, 0.0],
        [-np.inf],
        [0.0, 1.0],
        [-0.0],
        [5e-324, 1.0],
        [-np.finfo(float).tiny],
        [np.finfo(float).tiny / 2],
        [np.finfo(float).max, -np.finfo(float).max],
    ],
)
def test_range_flags_match_numpy(values):
    arr = np.array(values, dtype=float).reshape(-1, 1)
    finite = bool(np.isfinite(arr).all())
    tiny = bool((np.abs(arr) < np.finfo(float).tiny).any())
    assert rac_tn.arith.tree_kernels.range_flags(arr) == (finite, tiny)
