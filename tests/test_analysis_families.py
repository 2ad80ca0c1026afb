"""``analyze`` and ``rac-tn analyze --bounds-only`` for every family at depths 1-4.

The network-cut row is built exactly when the family's own network (counted here per layer,
independently of the library: 4 tensors per copy of a CP cell, 1 per dense cell, 3 per RAC cell,
plus the initial states and the readout) fits the limit; otherwise it is skipped with that count.
"""

from __future__ import annotations

import time
from math import comb

import pytest

from rac_tn import analyze, start_end
from rac_tn.analysis.reports import NETWORK_CUT_MAX_TENSORS
from rac_tn.cli import main
from rac_tn.models import random_model

FAMILIES = {
    "rac": {},
    "2rnn": {},
    "cp2rnn": {"rank": 2},
    "mirnn": {},
    "linear": {},
}
PER_COPY = {"rac": 3, "2rnn": 1, "cp2rnn": 4, "mirnn": 4, "linear": 4}


def _tensors(family: str, L: int, T: int) -> int:
    """Copies of cell (l, t): C(T-t+L-l, L-l); one H0 per copy of a t = 1 cell; the readout."""
    layers = range(1, L + 1)
    copies = sum(comb(T - t + L - k, L - k) for k in layers for t in range(1, T + 1))
    starts = sum(comb(T - 1 + L - k, L - k) for k in layers)
    if family == "rac" and L == 1:
        return T + 2  # the RAC's tensor train
    return PER_COPY[family] * copies + starts + 1


@pytest.mark.parametrize("family", sorted(FAMILIES))
@pytest.mark.parametrize("depth", [1, 2, 3, 4])
def test_bounds_only_for_every_family_and_depth(family, depth, capsys):
    T = 16
    model = random_model(family, 2, 2, depth, seed=0, integer=True, **FAMILIES[family])
    count = _tensors(family, depth, T)
    assert model.count_tensors(T) == count
    args = ["analyze", "--model", family, "--depth", str(depth), "--length", str(T)]
    args += ["--hidden", "2", "--inputs", "2", "--bounds-only"]
    if family == "cp2rnn":
        args += ["--rank", "2"]
    assert main(args) == 0
    out = capsys.readouterr().out
    report = analyze(model, start_end(T), exact=False)
    network_built = report.network_bound is not None
    assert network_built == (count <= NETWORK_CUT_MAX_TENSORS)
    if not network_built:
        assert f"{count:,}" in out


def test_max_seconds_bounds_the_sampled_ranks():
    model = random_model("rac", 2, 2, 3, seed=0, integer=True)
    begin = time.perf_counter()
    report = analyze(model, start_end(24), max_seconds=0.5)
    assert time.perf_counter() - begin < 30
    rank = report.rank
    assert rank.rank <= report.symmetric_bound.value
    with pytest.raises((TypeError, ValueError), match="max_seconds"):
        analyze(model, start_end(4), max_seconds=-1)


@pytest.mark.parametrize("family", ["2rnn", "cp2rnn", "mirnn"])
def test_a_homogeneous_family_started_at_zero_is_reported_identically_zero(family):
    import numpy as np

    model = random_model(family, 2, 3, 2, seed=0, integer=True, **FAMILIES[family])
    zeros = tuple(np.zeros_like(h) for h in model.initial_states)
    zero = model.replace(initial_states=zeros)
    X = np.random.default_rng(0).integers(-5, 6, size=(20, 5, 2))
    assert not np.any(zero.forward_mod(X, 2**61 - 1))  # the claim, checked on 20 sequences
    assert np.any(model.forward_mod(X, 2**61 - 1))
    report = analyze(zero, start_end(4))
    assert any("identically zero" in note for note in report.notes)
    assert report.rank.rank == 0
    assert model.zero_reason() is None
    assert not any("identically zero" in n for n in analyze(model, start_end(4)).notes)
