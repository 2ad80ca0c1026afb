"""Sweeps and ``rac-tn table`` over the model families, against an independent expansion.

The reference (``_family_reference.py``) expands each family's output as an exact polynomial by
the seed code's per-step formula and takes the rank of its coefficient matrix over Q.
"""

from __future__ import annotations

import json
from math import comb

import pytest
from _family_reference import reference_rank

from rac_tn.analysis import analyze
from rac_tn.analysis.sweeps import (
    SweepConfig,
    SweepRow,
    process_pool,
    rows_to_csv,
    sweep,
    sweep_configs,
    sweep_row,
)
from rac_tn.cli import main

CASES = [  # (model, M, R, L, T, rank K, bias, the known exact value or None)
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
        # the family's closed forms at width m fill the theorem columns (M = 2 = m here)
        assert row.multihomogeneous_upper == 8 and row.theorem_lower == comb(m + 3 - 1, 3)
        assert row.shallow_upper is None


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
