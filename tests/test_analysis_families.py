"""``analyze`` and ``rac-tn analyze --bounds-only`` for every family at depths 1-4.

The network-cut row is built exactly when the family's own network (counted here per layer,
independently of the library: 4 tensors per copy of a CP cell, 1 per dense cell, 3 per RAC cell,
2k + 2 per copy of a CP cell that reads its input k times (linear attention: k = 3), plus the
initial states and the readout; copies by a recurrence over the copy tree) fits the limit;
otherwise it is skipped with that count. The families come from the registry.
"""

from __future__ import annotations

import time
from math import comb

import pytest

from rac_tn import analyze, start_end
from rac_tn.analysis.reports import NETWORK_CUT_MAX_TENSORS
from rac_tn.cli import main
from rac_tn.models import family_names, random_model

#: Options per family (the CP-2RNN's rank); every registered family is tested.
OPTIONS = {"cp2rnn": {"rank": 2}}
FAMILIES = {name: OPTIONS.get(name, {}) for name in family_names()}
#: How many times a cell reads the layer below (linear attention: query, key and value).
ARITY = {"attention": 3}
PER_COPY = {"rac": 3, "2rnn": 1, "cp2rnn": 4, "mirnn": 4, "linear": 4, "ssm": 4, "ttrnn": 4,
            "attention": 2 * 3 + 2}  # fmt: skip


def test_the_builtin_families_are_all_here():
    assert {"rac", "2rnn", "cp2rnn", "mirnn", "linear", "attention", "ssm", "ttrnn"} <= set(
        FAMILIES
    )
    assert set(FAMILIES) <= set(PER_COPY)


def _copies(L: int, T: int, k: int) -> dict[tuple[int, int], int]:
    """Copies of cell (l, t) in the copy tree: the root (L, T) once; (l, t) is read once by
    (l, t + 1) and k times by (l + 1, t), once per copy of each."""
    count: dict[tuple[int, int], int] = {}
    for layer in range(L, 0, -1):
        for t in range(T, 0, -1):
            right = count[layer, t + 1] if t < T else 0
            up = k * count[layer + 1, t] if layer < L else 0
            count[layer, t] = 1 if (layer, t) == (L, T) else right + up
    return count


def _tensors(family: str, L: int, T: int) -> int:
    """Per-copy tensors times the copies; one H0 per copy of a t = 1 cell; the readout."""
    count = _copies(L, T, ARITY.get(family, 1))
    copies = sum(count.values())
    starts = sum(count[layer, 1] for layer in range(1, L + 1))
    if family == "rac" and L == 1:
        return T + 2  # the RAC's tensor train
    return PER_COPY[family] * copies + starts + 1


def test_the_copy_recurrence_is_the_binomial_count_for_bilinear_cells():
    for L in (1, 2, 3):
        count = _copies(L, 6, 1)
        assert all(n == comb(6 - t + L - layer, L - layer) for (layer, t), n in count.items())


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
