"""Sweeps and ``rac-tn table`` over the model families, against an independent expansion.

The reference here expands each family's output as an exact polynomial by the seed code's
per-step formula (written out below from the model's public weight arrays, never through the
library's forward, compile or rank code) and takes the rank of its coefficient matrix over Q.
"""

from __future__ import annotations

import json
from math import comb

import numpy as np
import pytest
from _reference import Expansion, exact, linear, multiply, rational_rank

from rac_tn.analysis import analyze
from rac_tn.cli import main
from rac_tn.sweeps import (
    SweepConfig,
    SweepRow,
    process_pool,
    rows_to_csv,
    sweep,
    sweep_configs,
    sweep_row,
)

_BITS = 8  # packed exponent width: every degree per input below 2**7 in these sizes


def _var(t: int, m: int, d: int) -> int:
    return 1 << (_BITS * ((t - 1) * d + m))


def _mat(array) -> list[list]:
    return [[exact(v) for v in row] for row in np.asarray(array).tolist()]


def _vec(array) -> list:
    return [exact(v) for v in np.asarray(array).tolist()]


def _add(*polys: dict) -> dict:
    out: dict = {}
    for poly in polys:
        for k, c in poly.items():
            out[k] = out.get(k, 0) + c
    return {k: c for k, c in out.items() if c != 0}


def _const(c) -> dict:
    return {0: c} if c != 0 else {}


def _step(model, i: int, h: list[dict], x: list[dict]) -> list[dict]:
    """One layer's update, written from the seed code's formula (identity gate)."""
    n = model.hidden_dim
    if model.family == "cp2rnn":  # einsum('br,br,hr->bh', h@A, x@B, C) + h@V + x@U + d
        a = linear(list(map(list, zip(*_mat(model.A[i])))), h)  # A^T h
        b = linear(list(map(list, zip(*_mat(model.B[i])))), x)  # B^T x
        prod = [multiply(p, q) for p, q in zip(a, b)]
        out = linear(_mat(model.C[i]), prod)
        if model.bias:
            V, U, d = _mat(model.V[i]), _mat(model.U[i]), _vec(model.d[i])
            hv = linear(list(map(list, zip(*V))), h)
            xu = linear(list(map(list, zip(*U))), x)
            out = [_add(o, p, q, _const(c)) for o, p, q, c in zip(out, hv, xu, d)]
        return out
    if model.family == "2rnn":  # einsum('bi,bj,ijk->bk', [h;1], [x;1], w)
        w = np.asarray(model.w[i])
        hh = h + [{0: 1}] if model.bias else h
        xx = x + [{0: 1}] if model.bias else x
        out = []
        for k in range(n):
            terms = [
                {key: exact(w[a, b, k]) * c for key, c in multiply(hh[a], xx[b]).items()}
                for a in range(len(hh))
                for b in range(len(xx))
                if w[a, b, k] != 0
            ]
            out.append(_add(*terms))
        return out
    if model.family == "mirnn":  # alpha*(x@w)*(h@u) + beta1*(h@u) + beta2*(x@w) + b
        xw = linear(list(map(list, zip(*_mat(model.w[i])))), x)
        hu = linear(list(map(list, zip(*_mat(model.u[i])))), h)
        alpha = _vec(model.alpha[i])
        out = [{k: a * c for k, c in multiply(p, q).items()} for a, p, q in zip(alpha, xw, hu)]
        if model.bias:
            b1, b2, b = _vec(model.beta1[i]), _vec(model.beta2[i]), _vec(model.b[i])
            out = [
                _add(o, {k: s * c for k, c in p.items()}, {k: r * c for k, c in q.items()},
                     _const(c0))
                for o, p, q, s, r, c0 in zip(out, hu, xw, b1, b2, b)
            ]  # fmt: skip
        return out
    assert model.family == "linear"  # h@u + x@w + b
    hu = linear(list(map(list, zip(*_mat(model.u[i])))), h)
    xw = linear(list(map(list, zip(*_mat(model.w[i])))), x)
    b = _vec(model.b[i]) if model.bias else [0] * n
    return [_add(p, q, _const(c)) for p, q, c in zip(hu, xw, b)]


def reference_rank(model, T: int, start) -> int:
    """The exact separation rank of y_0: the rank over Q of its coefficient matrix."""
    d = model.input_dim
    states = [[_const(exact(v)) for v in h.tolist()] for h in model.initial_states]
    for t in range(1, T + 1):
        below = [{_var(t, m, d): 1} for m in range(d)]
        for i in range(model.depth):
            below = states[i] = _step(model, i, states[i], below)
    y = linear(_mat(model.decoder_weight), states[-1])[0]
    if model.decoder_bias is not None:
        y = _add(y, _const(exact(model.decoder_bias[0])))
    expansion = object.__new__(Expansion)  # reuse its monomial split on our polynomial
    expansion.T, expansion.M, expansion.bits, expansion.outputs = T, d, _BITS, [y]
    matrix, _, _ = expansion.coefficient_matrix(start)
    return rational_rank(matrix)


CASES = [  # (model, M, R, L, T, rank K, bias, design §5's value or None)
    ("2rnn", 3, 3, 1, 4, None, False, 3),
    ("2rnn", 3, 3, 1, 4, None, True, 4),
    ("cp2rnn", 3, 3, 1, 4, 2, False, 2),
    ("cp2rnn", 2, 3, 2, 6, 2, False, 8),
    ("cp2rnn", 2, 2, 2, 6, 3, False, 8),
    ("mirnn", 2, 2, 2, 4, None, True, None),
    ("linear", 2, 2, 2, 6, None, True, 2),
]


@pytest.mark.parametrize("family,M,R,L,T,K,bias,known", CASES)
def test_family_row_matches_the_expansion(family, M, R, L, T, K, bias, known):
    config = SweepConfig(M, R, L, T, seed=3, model=family, rank=K, bias=bias)
    row = sweep_row(config)
    model, partition = config.build()
    expected = reference_rank(model, T, partition.start)
    assert row.separation_rank == expected
    if known is not None:
        assert expected == known
    assert (row.model, row.K, row.bias) == (family, K, bias)
    assert (row.M, row.R, row.L, row.T) == (M, R, L, T)
    assert row.rank_status in ("certified", "exact") and row.rank_upper >= expected
    if known is not None:  # these meet their proven bound
        assert row.rank_status == "certified" and row.rank_upper == expected
    assert row.symmetric_bound >= expected and row.grid_rank <= expected
    if family == "linear":  # degree 1: the bound is 2, and analyze's Hankel row is the memory
        report = analyze(model, partition, seed=config.seed)
        hankel = [r.value for r in report.rows if r.quantity == "Hankel rank"]
        assert row.hankel_rank == hankel[0] and 1 <= row.hankel_rank <= L * R
        assert row.symmetric_bound > 2  # the cut does not see the degree; the rank bound does
    else:
        assert row.hankel_rank is None


def test_deep_cp_row_is_m_times_multiset():
    """Deep homogeneous CP-2RNN L = 2, T = 6: m ((m, T/2)), m = min(n, K), from binomials."""
    for n, K in ((2, 3), (3, 2)):
        row = sweep_row(SweepConfig(2, n, 2, 6, model="cp2rnn", rank=K))
        m = min(n, K)
        assert row.separation_rank == m * comb(m + 3 - 1, 3) == 8


def test_family_config_and_row_round_trip_json():
    configs = sweep_configs(
        depths=[1], lengths=[4], hidden=3, inputs=2, model="cp2rnn", rank=2, seed=5
    )
    assert [(c.model, c.rank, c.bias) for c in configs] == [("cp2rnn", 2, False)]
    for config in configs:
        assert SweepConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config
    row = sweep(configs)[0]
    assert SweepRow.from_dict(json.loads(json.dumps(row.to_dict()))) == row
    assert "cp2rnn" in rows_to_csv([row]).splitlines()[1].split(",")


def test_old_payloads_read_as_rac():
    """Payloads written before the families had no model, rank, bias (rows: no K, ...)."""
    old_config = {"input_dim": 2, "hidden_dim": 2, "depth": 1, "length": 4,
                  "partition": "start-end", "seed": 0, "integer": True}  # fmt: skip
    config = SweepConfig.from_dict(old_config)
    assert (config.model, config.rank, config.bias) == ("rac", None, False)
    row = sweep_row(config).to_dict()
    for key in ("model", "K", "bias", "rank_upper", "hankel_rank"):
        row.pop(key)
    back = SweepRow.from_dict(row)
    assert back.model == "rac" and back.K is None and back.separation_rank == 2


@pytest.mark.parametrize(
    "options,message",
    [
        ({"model": "gru"}, "model must be one of"),
        ({"model": "2rnn", "rank": 2}, "CP rank of cp2rnn"),
        ({"model": "rac", "bias": True}, "no first-order"),
        ({"model": "cp2rnn", "rank": 0}, "rank"),
    ],
)
def test_bad_family_options_are_named(options, message):
    with pytest.raises(ValueError, match=message):
        SweepConfig(2, 2, 1, 4, **options)
    with pytest.raises(ValueError, match=message):
        sweep_configs(depths=[1], lengths=[4], hidden=2, inputs=2, **options)


def test_family_rows_on_a_process_pool_equal_serial_rows():
    configs = [SweepConfig(2, 2, L, 4, model=m, bias=b) for L in (1, 2)
               for m, b in (("mirnn", True), ("linear", False))]  # fmt: skip
    with process_pool(2) as pool:
        parallel = sweep(configs, executor=pool)
    serial = sweep(configs)
    assert parallel == serial and [r.model for r in serial] == ["mirnn", "linear"] * 2


def test_cli_table_names_the_family(capsys):
    args = ["table", "--model", "cp2rnn", "--rank", "2", "--hidden", "3", "--inputs", "3",
            "--depth", "1", "--length", "4", "--quiet"]  # fmt: skip
    assert main([*args, "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    config = SweepConfig(3, 3, 1, 4, model="cp2rnn", rank=2)
    model, partition = config.build()
    assert [(r["model"], r["K"], r["separation_rank"]) for r in rows] == [
        ("cp2rnn", 2, reference_rank(model, 4, partition.start))
    ]
    assert main([*args, "--format", "md"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert "| model | K | bias |" in table[0] and "| cp2rnn | 2 | no |" in table[2]
    assert main(["table", "--model", "linear", "--bias", "--depth", "2", "--length", "6",
                 "--format", "csv", "--jobs", "2", "--quiet"]) == 0  # fmt: skip
    (line,) = capsys.readouterr().out.splitlines()[1:]
    fields = dict(zip(rows_to_csv([]).strip().split(","), line.split(","), strict=True))
    assert (fields["model"], fields["bias"], fields["separation_rank"]) == ("linear", "True", "2")
    assert int(fields["hankel_rank"]) >= 1


@pytest.mark.parametrize(
    "extra,message",
    [
        (["--model", "2rnn", "--rank", "2"], "--rank is the CP rank of cp2rnn"),
        (["--bias"], "--bias applies to the other families"),
        (["--model", "cp2rnn", "--rank", "0"], "--rank must be a positive integer"),
    ],
)
def test_cli_table_refuses_bad_family_options(capsys, extra, message):
    assert main(["table", "--length", "4", "--quiet", *extra]) == 2
    assert message in capsys.readouterr().err
