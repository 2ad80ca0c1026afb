"""The depth-3 gap and the duality sweep: the committed data of docs/depth3_gap.md, rechecked.

``figures/depth3_gap.json`` and ``figures/duality.json`` are what ``figures/depth3_gap.py`` wrote.
Every bound is recomputed (the symmetric cut, the dead-point bound against its closed form), the
smallest ranks against the polynomial expansion of tests/_reference.py (y expanded over Q, its
coefficient matrix ranked exactly), the small ones by a fresh run with another seed, and the
page's tables against the tables the script renders from the data.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from _helpers import load_script
from _reference import Expansion
from _reference import separation_rank as reference_separation_rank

from rac_tn import RAC, separation_rank, start_end, symmetric_bound
from rac_tn.bounds.dead_points import dead_point_relations
from rac_tn.counting import multiset, paths

ROOT = Path(__file__).resolve().parents[1]
FIGURES = ROOT / "figures"


def _load_script():
    return load_script(FIGURES / "depth3_gap.py", "depth3_gap")


def _rows(name: str) -> list[dict]:
    path = FIGURES / name
    return json.loads(path.read_text()) if path.exists() else []


GAP = _rows("depth3_gap.json")
DUALITY = _rows("duality.json")
DONE = [r for r in GAP + DUALITY if "timeout" not in r and "stop" not in r]
STOPPED = [r for r in GAP + DUALITY if "stop" in r]


def _symmetric_count(R: int, L: int, T: int) -> int:
    """The monomials in the states after step T/2: prod_l ((R, C(T/2-1+L-l, L-l)))."""
    k = T // 2
    return math.prod(multiset(R, paths(L, T, layer, k + 1)) for layer in range(1, L + 1))


def test_the_data_covers_what_the_page_says():
    assert {(r["M"], r["L"]) for r in GAP} == {(M, L) for M in (2, 3, 4) for L in (3, 4)}
    assert all(r["M"] == r["R"] for r in GAP)
    # every ladder ends with its first configuration over the time limit or not certified
    for rows, last in ((GAP, None), (DUALITY, 12)):  # the duality stops at k = 6 (T = 12)
        for M, R, L in {(r["M"], r["R"], r["L"]) for r in rows}:
            ladder = [r for r in rows if (r["M"], r["R"], r["L"]) == (M, R, L)]
            assert [r["T"] for r in ladder] == list(range(2, 2 * len(ladder) + 1, 2))
            assert all(r in DONE for r in ladder[:-1])
            assert ladder[-1] not in DONE or ladder[-1]["T"] == last


@pytest.mark.parametrize("row", DONE, ids=lambda r: f"{r['M']}-{r['R']}-{r['L']}-{r['T']}")
def test_every_rank_is_certified_and_every_bound_recomputed(row):
    M, R, L, T = row["M"], row["R"], row["L"], row["T"]
    assert row["exact"] and row["certified"] and row["status"].startswith("certified")
    rac = RAC.random(M, R, depth=L, seed=0, integer=True)
    assert row["symmetric"] == symmetric_bound(rac, start_end(T)).value
    assert row["rank"] <= row["symmetric"]
    # the dead-point bound: the monomial count minus the relations of every weight
    k = T // 2
    assert row["dead_point_bound"] == _symmetric_count(R, L, T) - dead_point_relations(R, L, T, k)
    if row["end_span"] is not None:
        assert row["end_span"] == row["monomials"] - row["relations"] >= row["rank"]
        assert row["monomials"] == _symmetric_count(R, L, T)
        # a rank below the symmetric cut is certified exactly when it meets the End span
        assert row["certified"] == (row["rank"] == row["end_span"]) or row["certificate"]


@pytest.mark.parametrize("row", STOPPED, ids=lambda r: f"{r['M']}-{r['R']}-{r['L']}-{r['T']}")
def test_a_ladder_stops_at_a_rank_that_is_not_certified(row):
    """Listed in the limits table with its numbers, never in the tables or the figure."""
    assert not row["certified"] and not row["status"].startswith("certified")
    rac = RAC.random(row["M"], row["R"], depth=row["L"], seed=0, integer=True)
    assert row["symmetric"] == symmetric_bound(rac, start_end(row["T"])).value
    assert row["rank"] < row["symmetric"]


def _small(r: dict) -> bool:
    """Cheap enough to expand as a polynomial."""
    return (r["T"] <= 4 and r["L"] <= 3 and r["M"] == r["R"] == 2) or (r["T"] == 2 and r["L"] <= 4)


SMALL = [r for r in DONE if _small(r)]


@pytest.mark.parametrize("row", SMALL, ids=lambda r: f"{r['M']}-{r['R']}-{r['L']}-{r['T']}")
def test_small_ranks_are_those_of_the_expanded_polynomial(row):
    rac = RAC.random(row["M"], row["R"], depth=row["L"], seed=0, integer=True)
    T = row["T"]
    assert row["rank"] == reference_separation_rank(Expansion(rac, T), range(1, T // 2 + 1))


RERUN = [r for r in DONE if r["seconds"] < 0.5 and r["rank"] <= 200][:12]


@pytest.mark.parametrize("row", RERUN, ids=lambda r: f"{r['M']}-{r['R']}-{r['L']}-{r['T']}")
def test_small_ranks_again_with_other_primes_and_points(row):
    rac = RAC.random(row["M"], row["R"], depth=row["L"], seed=0, integer=True)
    again = separation_rank(rac, start_end(row["T"]), seed=12345)
    assert again.certified and again.rank == row["rank"]


def test_the_constant_deficit_at_two_two_three_is_the_dead_points():
    rows = [r for r in GAP if r["M"] == 2 and r["L"] == 3 and r in DONE]
    assert len(rows) >= 6
    for r in rows:
        deficit = r["symmetric"] - r["rank"]
        assert deficit == (4 if r["T"] >= 6 else 0)
        if r["T"] >= 6:
            assert deficit == dead_point_relations(2, 3, r["T"], r["T"] // 2) == r["relations"]
            # the generic rank is proven: this certified rank meets a bound for every weight
            assert r["certified"] and r["rank"] == r["dead_point_bound"]


def test_the_page_shows_the_data():
    text = (ROOT / "docs" / "depth3_gap.md").read_text()
    for block in _load_script().page().split("\n\n"):
        assert block in text, block.splitlines()[0]


def test_the_figure_exists():
    for ext in ("png", "pdf"):
        assert (FIGURES / f"fig_depth3_gap.{ext}").stat().st_size > 10_000
