"""The families' native pair kernels (rac_tn.exact.family_ops) against two independent routes.

Every pair output is checked against the RAC equivalent's kernels on the same random inputs and
against a plain recurrence written here from the seed code's per-step formulas (homogenised in
``x~ = (x, x_c)`` and ``h~ = (h, h_c)``, as the sampled rank evaluates them), modulo p. The
separation rank through the native route equals the route through the RAC equivalent and the
rank of the exact coefficient matrix (``_family_reference``).
"""

from __future__ import annotations

import numpy as np
import pytest
from _family_reference import reference_rank

import rac_tn.exact.rank as rank_module
from rac_tn import CP2RNN, MIRNN, SecondOrderRNN, separation_rank
from rac_tn.exact import attempts
from rac_tn.exact.family_ops import FamilyOps, native_pays, runs_native
from rac_tn.models import LinearAttention
from rac_tn.partition import Partition, interleaved, start_end

FLOAT_P = 1_000_003  # float64 kernel
SMALL_P = 2_147_483_647  # uint64, below 2**31
LARGE_P = (1 << 61) - 1  # Montgomery


def build(family: str, bias: bool, depth: int, seed: int = 0, integer: bool = True):
    """A small model of each family (d = 2, n = 3, CP rank 2)."""
    kw = dict(depth=depth, bias=bias, seed=seed, integer=integer)
    if family == "2rnn":
        return SecondOrderRNN.random(2, 3, **kw)
    if family == "cp2rnn":
        return CP2RNN.random(2, 3, 2, **kw)
    return MIRNN.random(2, 3, **kw)


def _vec(a, p):
    return [int(v) % p for v in np.asarray(a).tolist()]


def _mat(a, p):
    return [_vec(row, p) for row in np.asarray(a)]


def _lin(M, v, p):  # M^T v for M (len(v) x k)
    return [sum(M[i][k] * v[i] for i in range(len(v))) % p for k in range(len(M[0]))]


def _cell(model, i, h, hc, x, xc, p):
    """One layer's step mod p: ``(h', h_c')`` from ``h~ = (h, hc)``, ``x~ = (x, xc)``."""
    n, f = model.hidden_dim, model.family
    if f == "cp2rnn":  # C[(A^T h) * (B^T x)] + (V^T h) xc + (U^T x) hc + d hc xc
        a = _lin(_mat(model.A[i], p), h, p)
        b = _lin(_mat(model.B[i], p), x, p)
        C = _mat(model.C[i], p)
        out = [sum(C[r][k] * a[k] * b[k] for k in range(len(a))) % p for r in range(n)]
        if model.bias:
            hv, xu, d = (
                _lin(_mat(model.V[i], p), h, p),
                _lin(_mat(model.U[i], p), x, p),
                _vec(model.d[i], p),
            )
            out = [(o + v * xc + u * hc + c * hc * xc) % p for o, v, u, c in zip(out, hv, xu, d)]
    elif f == "2rnn":  # einsum('i,j,ijk->k', [h; hc], [x; xc], w)
        w = np.asarray(model.w[i])
        hh, xx = (h + [hc], x + [xc]) if model.bias else (h, x)
        out = [
            sum(int(w[a, b, k]) * hh[a] * xx[b] for a in range(len(hh)) for b in range(len(xx))) % p
            for k in range(n)
        ]
    else:  # alpha (x@w)(h@u) + beta1 (h@u) xc + beta2 (x@w) hc + b hc xc
        xw, hu = _lin(_mat(model.w[i], p), x, p), _lin(_mat(model.u[i], p), h, p)
        out = [al * q * r % p for al, q, r in zip(_vec(model.alpha[i], p), xw, hu)]
        if model.bias:
            b1, b2, b = (_vec(getattr(model, k)[i], p) for k in ("beta1", "beta2", "b"))
            out = [
                (o + s * r * xc + t * q * hc + c * hc * xc) % p
                for o, s, t, c, q, r in zip(out, b1, b2, b, xw, hu)
            ]
    return out, hc * xc % p


def recurrence(model, sequence, p, class_index=0):
    """``y`` of one sequence of ``x~`` residues (``(T, M)``), by the per-step formulas."""
    states = [(_vec(h, p), 1) for h in model.initial_state_vectors]
    for xt in sequence.tolist():
        x, xc = (xt[:-1], xt[-1]) if model.bias else (xt, 1)
        for i in range(model.depth):
            states[i] = _cell(model, i, *states[i], x, xc, p)
            x, xc = states[i]
    h, hc = states[-1]
    y = sum(w * v for w, v in zip(_vec(model.decoder_weight[class_index], p), h))
    if model.decoder_bias is not None:
        y += int(model.decoder_bias[class_index]) * hc
    return y % p


PARTITIONS = [start_end(4), interleaved(4), Partition(5, [2, 3]), Partition(5, [1, 4])]


def _pairs(ops, partition, p, kr, kc, M, seed):
    """``(Y, prefix, rows, cols, from_cols)`` on fresh random residues."""
    rng = np.random.default_rng(seed)
    shared, from_cols = attempts._shared_prefix(partition)
    prefix = rng.integers(0, p, (kr, shared, M), dtype=np.uint64)
    rows = rng.integers(0, p, (kr, len(from_cols), M), dtype=np.uint64)
    cols = rng.integers(0, p, (kc, len(from_cols), M), dtype=np.uint64)
    starts = ops.prefix(prefix) if shared else ops.initial(kr)
    return ops.pairs(starts, rows, cols, from_cols, 0), prefix, rows, cols, from_cols


@pytest.mark.parametrize("family", ["2rnn", "cp2rnn", "mirnn"])
@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("depth", [1, 2, 3])
def test_native_pairs_equal_the_rac_equivalent_and_the_recurrence(family, bias, depth):
    model = build(family, bias, depth, seed=depth)
    M = model.input_node_dim
    for p in (FLOAT_P, SMALL_P, LARGE_P):
        native = FamilyOps(model, p)
        assert native.fits_float == (p == FLOAT_P)
        rac_ops = attempts._RacOps(model.to_rac().modular(p))
        for k, partition in enumerate(PARTITIONS):
            Y, prefix, rows, cols, from_cols = _pairs(native, partition, p, 5, 70, M, k)
            Y_rac = _pairs(rac_ops, partition, p, 5, 70, M, k)[0]
            assert Y.dtype == np.uint64 and Y.shape == (5, 70)
            assert np.array_equal(Y, Y_rac)  # the same polynomial: no constant between them
            for i, j in ((0, 0), (4, 69), (2, 65)):
                steps = np.where(from_cols[:, None], cols[j], rows[i])
                sequence = np.concatenate([prefix[i], steps])
                assert int(Y[i, j]) == recurrence(model, sequence, p)


def test_float_weights_are_read_exactly():
    model = build("cp2rnn", True, 2, seed=5, integer=False)
    for p in (FLOAT_P, LARGE_P):
        Y = _pairs(FamilyOps(model, p), interleaved(4), p, 3, 4, model.input_node_dim, 1)[0]
        rac_ops = attempts._RacOps(model.to_rac().modular(p))
        assert np.array_equal(
            Y, _pairs(rac_ops, interleaved(4), p, 3, 4, model.input_node_dim, 1)[0]
        )


def test_only_the_three_families_run_native():
    assert all(runs_native(build(f, b, 2)) for f in ("2rnn", "cp2rnn", "mirnn") for b in (0, 1))
    assert not runs_native(LinearAttention.random(2, 1, depth=2, seed=0, integer=True))
    with pytest.raises(TypeError, match="model must be one of the families"):
        FamilyOps(LinearAttention.random(2, 1, seed=0, integer=True), FLOAT_P)


def test_the_default_route_is_native_where_it_pays():
    """Dense and affine cores run native; a homogeneous CP core's width-(K+1) RAC is as cheap."""
    cases = {("2rnn", False): True, ("2rnn", True): True, ("cp2rnn", True): True,
             ("mirnn", True): True, ("cp2rnn", False): False}  # fmt: skip
    for (family, bias), expected in cases.items():
        model = build(family, bias, 2)
        assert native_pays(model, model.to_rac()) is expected
        assert (rank_module._native(model, model.to_rac()) is model) is expected


def _rank(model, partition, native: bool, monkeypatch, **kw):
    """``separation_rank`` forced through the native route or the RAC equivalent's."""
    monkeypatch.setattr(rank_module, "runs_native", lambda m: native and runs_native(m))
    monkeypatch.setattr(rank_module, "native_pays", lambda m, rac: True)  # even when cheap
    return separation_rank(model, partition, seed=2, **kw)


@pytest.mark.parametrize(
    "family,bias,depth,T,start",
    [
        ("2rnn", False, 1, 4, [1, 2]),
        ("2rnn", True, 2, 4, [1, 3]),
        ("cp2rnn", False, 2, 4, [1, 2]),
        ("cp2rnn", True, 1, 4, [2, 3]),
        ("mirnn", True, 2, 4, [1, 2]),
        ("mirnn", False, 3, 4, [1, 3]),
    ],
)
def test_native_rank_equals_the_equivalent_and_the_coefficient_matrix(
    family, bias, depth, T, start, monkeypatch
):
    model = build(family, bias, depth, seed=1)
    partition = Partition(T, start)
    native = _rank(model, partition, True, monkeypatch)
    equivalent = _rank(model, partition, False, monkeypatch)
    assert native.rank == equivalent.rank == reference_rank(model, T, partition.start)
    assert (native.certified, native.exact) == (equivalent.certified, equivalent.exact)
    assert native.primes == equivalent.primes and native.samples == equivalent.samples
    assert native.failure_probability == equivalent.failure_probability
    quick = _rank(model, partition, True, monkeypatch, certificates=False)
    assert quick.rank == native.rank
