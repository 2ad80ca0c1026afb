"""Every result round-trips through JSON exactly."""

from __future__ import annotations

import dataclasses
import importlib
import json
import pathlib
import pkgutil
from typing import Literal

import numpy as np
import pytest
from _result_cases import later_cases, result_cases

import rac_tn
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
from rac_tn.analysis.sweeps import SweepRow
from rac_tn.bounds import CutBound
from rac_tn.bounds.theorems import TheoremBounds
from rac_tn.exact.rank import RankResult
from rac_tn.exact.spectrum import Spectrum, spectrum
from rac_tn.partition import Partition
from rac_tn.results import SCHEMA, Codec, Serialisable, jsonable, tuples


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


# -- the generic to_dict / from_dict: every result type, the schema key, old payloads ---------

BEFORE_SCHEMA = result_cases()
#: Sweep columns added after those payloads were written, with the value they load with.
ADDED_COLUMNS = {"end_span": None}
CASES = {**BEFORE_SCHEMA, **later_cases()}
DATA = pathlib.Path(__file__).parent / "data"
FIGURES = pathlib.Path(__file__).parent.parent / "figures"


def _dicts(data, top=True):
    """Every dict nested in ``data`` (``top``: including ``data`` itself)."""
    if isinstance(data, dict):
        if top:
            yield data
        for value in data.values():
            yield from _dicts(value)
    elif isinstance(data, list):
        for value in data:
            yield from _dicts(value)


def _same(kind, a, b):
    if kind is Spectrum:  # float SVDs may differ in the last bits between machines
        return (a.shape, a.partition, a.claim) == (b.shape, b.partition, b.claim) and np.allclose(
            a.values, b.values, rtol=1e-12, atol=0
        )
    return a == b


def _stable(data):
    """``data`` without what differs between runs: wall times, and the primes drawn at random
    (``analyze`` draws the grid rank's prime without its seed)."""
    if isinstance(data, dict):
        return {k: _stable(v) for k, v in data.items() if k not in ("seconds", "prime", "primes")}
    if isinstance(data, list):
        return [_stable(v) for v in data]
    return data


def test_every_serialisable_class_has_a_case():
    for module in pkgutil.walk_packages(rac_tn.__path__, "rac_tn."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    classes, todo = set(), [Serialisable]
    while todo:
        for sub in todo.pop().__subclasses__():
            classes.add(sub)
            todo.append(sub)
    package = {c for c in classes if c.__module__.startswith("rac_tn.")}
    assert package == {kind for kind, _ in CASES.values()}


@pytest.mark.parametrize("name", list(CASES))
def test_every_result_round_trips_to_an_equal_object(name):
    kind, result = CASES[name]
    data = result.to_dict()
    text = json.dumps(data)
    back = kind.from_dict(json.loads(text))
    assert type(back) is kind and back == result
    assert json.dumps(back.to_dict()) == text
    # the schema key at the top only (nested results are parts of one payload)
    if kind._json_schema:
        assert list(data)[0] == "schema" and data["schema"] == SCHEMA == 1
    else:  # plain records: Partition {"T", "start"}, SweepRow (its dict is its columns)
        assert "schema" not in data
    assert not any("schema" in d for d in _dicts(data, top=False))


def test_exact_big_ints_stay_ints_in_the_json_text():
    _, bound = CASES["CutBound (huge)"]
    text = json.dumps(bound.to_dict())
    assert bound.value > 2**64 and f'"value": {bound.value},' in text
    _, row = CASES["SweepRow (huge)"]
    assert str(3**200) in json.dumps(row.to_dict())
    assert SweepRow.from_dict(json.loads(json.dumps(row.to_dict()))).symmetric_bound == 3**200


def test_partition_is_a_plain_record():
    assert start_end(4).to_dict() == {"T": 4, "start": [1, 2]}
    assert Partition.from_dict(start_end(4).to_dict()) == start_end(4)


def test_payloads_written_before_the_schema_key_load_equal():
    """Written by rac_tn before the schema key (the same calls, tests/_result_cases.py)."""
    old = json.loads((DATA / "results_before_schema.json").read_text())
    assert set(old) == set(BEFORE_SCHEMA)
    for name, payload in old.items():
        kind, result = CASES[name]
        assert "schema" not in payload
        back = kind.from_dict(payload)
        assert type(back) is kind and kind.from_dict(back.to_dict()) == back
        again = back.to_dict()
        if kind is SweepRow:  # a plain record: its dict is its columns, new ones included
            payload = {**ADDED_COLUMNS, **payload}
        assert again.pop("schema", SCHEMA) == SCHEMA and again == payload, name
        # the same numbers as a run of this version, in the same layout but for the schema key
        new = result.to_dict()
        new.pop("schema", None)
        if kind is Spectrum:
            assert _same(kind, back, result)
        else:
            assert _stable(new) == _stable(_certified_since(payload, new)), name


def _certified_since(old: dict, new: dict) -> dict:
    """``old`` with the status a later certificate (the End span) gives the same rank."""
    if old.get("rank_status") == "exact" and new.get("rank_status") == "certified":
        assert new["separation_rank"] == old["separation_rank"] == new["end_span"]
        assert new["failure_probability"] == 0.0 < old["failure_probability"] <= 1e-9
        keys = ("rank_status", "failure_probability", "end_span")
        return {**old, **{key: new[key] for key in keys}}
    return old


def test_committed_sweep_rows_load():
    data = json.loads((FIGURES / "sweeps.json").read_text())
    rows = [record for records in data.values() for record in records]
    assert rows and all("schema" not in record and "model" not in record for record in rows)
    for record in rows:
        row = SweepRow.from_dict(record)
        assert row.model == "rac" and row.K is None and row.seconds == 0.0
        assert {key: row[key] for key in record} == record


@pytest.mark.parametrize("name", ["Report", "CutBound (symmetric)", "SweepRow", "Partition"])
def test_a_newer_schema_is_refused(name):
    kind, result = CASES[name]
    data = json.loads(json.dumps(result.to_dict()))
    data["schema"] = SCHEMA + 1
    with pytest.raises(ValueError, match=f"schema {SCHEMA + 1}, written by a newer rac_tn"):
        kind.from_dict(data)
    if kind is not SweepRow and kind is not Partition:  # nested in a larger payload too
        nested = next(d for d in _dicts(data, top=False) if "T" in d or "value" in d)
        data["schema"] = SCHEMA
        nested["schema"] = SCHEMA + 1
        with pytest.raises(ValueError, match="newer rac_tn"):
            kind.from_dict(data)


def test_bad_payloads_are_named():
    _, bound = CASES["CutBound (symmetric)"]
    data = bound.to_dict()
    with pytest.raises(TypeError, match="CutBound must be a mapping"):
        CutBound.from_dict([data])
    with pytest.raises(ValueError, match="'schema' must be a positive integer"):
        CutBound.from_dict({**data, "schema": "1"})
    with pytest.raises(ValueError, match=r"unknown keys \['valeu'\]"):
        CutBound.from_dict({**data, "valeu": 3})
    with pytest.raises(ValueError, match="lacks 'value'"):
        CutBound.from_dict({k: v for k, v in data.items() if k != "value"})
    with pytest.raises(ValueError, match="CutBound.method must be one of"):
        CutBound.from_dict({**data, "method": "min-cut"})
    with pytest.raises(ValueError, match=r"CutBound.value must be int, got 10\.0"):
        CutBound.from_dict({**data, "value": 10.0})
    with pytest.raises(ValueError, match=r"CutBound.cut\[0\].dim must be int"):
        CutBound.from_dict({**data, "cut": [{**data["cut"][0], "dim": "2"}]})
    with pytest.raises(ValueError, match="CutBound.quantity is None"):
        CutBound.from_dict({**data, "quantity": None})


@dataclasses.dataclass(frozen=True)
class _Inner(Serialisable):
    n: int
    label: Literal["a", "b"] = "a"


@dataclasses.dataclass(frozen=True)
class _Outer(Serialisable):
    inner: _Inner
    many: tuple[_Inner, ...]
    pair: tuple[int, float]
    names: frozenset
    array: np.ndarray
    maybe: _Inner | None = None
    cached: int = dataclasses.field(default=0, init=False, compare=False)
    live: object = dataclasses.field(default=None, compare=False)
    extra: tuple[str, ...] = ()

    _json_skip = ("live",)
    _json_optional = ("extra",)
    _json_codecs = {"inner": Codec(("first",))}

    def __eq__(self, other):
        fields = ("inner", "many", "pair", "names", "maybe", "extra")
        return all(getattr(self, f) == getattr(other, f) for f in fields) and np.array_equal(
            self.array, other.array
        )

    __hash__ = None


def test_the_generic_codec_on_every_kind_of_field():
    outer = _Outer(
        _Inner(2**70, "b"),
        (_Inner(1), _Inner(2, "b")),
        (3, 0.5),
        frozenset({("h", 1, 2), ("x", 3), "d1"}),
        np.arange(6.0).reshape(2, 3),
        live=object(),
    )
    data = json.loads(json.dumps(outer.to_dict()))
    assert list(data) == ["schema", "first", "many", "pair", "names", "array", "maybe"]
    assert data["first"] == {"n": 2**70, "label": "b"}  # stored under its codec's key
    back = _Outer.from_dict(data)
    assert back == outer and back.live is None and back.array.shape == (2, 3)
    assert isinstance(back.pair, tuple) and isinstance(back.pair[1], float)
    assert ("h", 1, 2) in back.names  # lists back to tuples inside sets
    with_extra = dataclasses.replace(outer, extra=("e",))
    assert with_extra.to_dict()["extra"] == ["e"]
    assert _Outer.from_dict(json.loads(json.dumps(with_extra.to_dict()))) == with_extra
    with pytest.raises(ValueError, match=r"_Outer.pair must have 2 entries"):
        _Outer.from_dict({**data, "pair": [1, 2, 3]})
    with pytest.raises(ValueError, match=r"_Outer.many\[1\].label must be one of 'a', 'b'"):
        _Outer.from_dict({**data, "many": [{"n": 1}, {"n": 1, "label": "c"}]})


def test_a_declaration_naming_no_field_is_refused():
    @dataclasses.dataclass(frozen=True)
    class Typo(Serialisable):
        n: int

        _json_skip = ("m",)

    with pytest.raises(TypeError, match="declares 'm' for JSON, which is not a field"):
        Typo(1).to_dict()
