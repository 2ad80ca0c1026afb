"""Every result round-trips through JSON exactly."""

from __future__ import annotations

import json

import pytest

from rac_tn import (
    RAC,
    compile_rac,
    interleaved,
    network_cut_bound,
    separation_rank,
    start_end,
    symmetric_bound,
    theorem_bounds,
)
from rac_tn.bounds import CutBound
from rac_tn.bounds.theorems import TheoremBounds
from rac_tn.exact.rank import RankResult
from rac_tn.exact.spectrum import Spectrum, spectrum
from rac_tn.partition import Partition
from rac_tn.results import jsonable, tuples


def round_trip(kind, value):
    return kind.from_dict(json.loads(json.dumps(value.to_dict())))


def test_each_result_type_round_trips():
    rac = RAC.random(2, 2, depth=2, seed=0, integer=True)
    part = start_end(6)
    sym = symmetric_bound(rac, part)
    net = network_cut_bound(compile_rac(rac, 6), part)
    assert round_trip(CutBound, sym) == sym and round_trip(CutBound, net) == net
    assert {e.name for e in round_trip(CutBound, sym).cut} == {e.name for e in sym.cut}
    ranked = separation_rank(rac, part, seed=0)
    assert round_trip(RankResult, ranked) == ranked
    theorems = theorem_bounds(2, 2, 2, 6)
    assert round_trip(TheoremBounds, theorems) == theorems
    assert round_trip(Partition, part) == part
    s = spectrum(RAC.random(2, 2, seed=0), start_end(4))
    back = round_trip(Spectrum, s)
    assert back == s and back.shape == s.shape and list(back.values) == list(s.values)
    other = Spectrum(s.values * (1 + 2**-40), s.shape, s.partition)
    assert other != s and s != list(s.values)


def test_big_exact_ints_survive_json():
    bound = symmetric_bound(RAC.random(3, 3, depth=3, seed=0), interleaved(40))
    assert bound.value > 2**64 and round_trip(CutBound, bound).value == bound.value


def test_jsonable_refuses_non_finite_numbers_and_unknown_types():
    assert tuples(jsonable((1, ("h", 2, 3)))) == (1, ("h", 2, 3))
    with pytest.raises(ValueError, match="non-finite"):
        jsonable(float("nan"))
    with pytest.raises(TypeError, match="cannot encode"):
        jsonable(object())
