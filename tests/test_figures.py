"""The figures: the script writes every file, and the numbers it plots are checked against
independent computations (binomials, and a brute-force polynomial coefficient matrix)."""

from __future__ import annotations

import importlib.util
from math import comb
from pathlib import Path

import flint
import pytest
import sympy

from rac_tn.sweeps import SweepConfig, sweep

FIGURES_DIR = Path(__file__).resolve().parents[1] / "figures"
STEMS = (
    "fig1_shallow_mps",
    "fig2_deep_tree",
    "fig3_grid_symmetric_cut",
    "fig4_depth_vs_memory_start_end",
    "fig5_depth_vs_memory_interleaved",
    "fig6_bound_tightness",
)


def _load_script():
    spec = importlib.util.spec_from_file_location("make_figures", FIGURES_DIR / "make_figures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def script():
    return _load_script()


def test_every_figure_is_committed():
    for stem in STEMS:
        for suffix in (".pdf", ".png"):
            path = FIGURES_DIR / f"{stem}{suffix}"
            assert path.exists() and path.stat().st_size > 1000, path


@pytest.mark.slow
def test_script_writes_every_file(script, tmp_path, monkeypatch):
    """Run the script on a small sweep (serially) into a temporary folder."""
    small = {
        "start_end": [SweepConfig(2, 2, L, T) for L in (1, 2, 3) for T in (2, 4)],
        "interleaved": [SweepConfig(2, 2, L, 4, "interleaved") for L in (1, 2)],
    }
    monkeypatch.setattr(script, "sweep_specs", lambda: small)
    assert script.main(["--out", str(tmp_path), "--jobs", "1"]) == 0
    expected = {f"{stem}{suffix}" for stem in STEMS for suffix in (".pdf", ".png")}
    assert {p.name for p in tmp_path.iterdir()} == expected | {"sweeps.json"}
    assert all(p.stat().st_size > 0 for p in tmp_path.iterdir())


def _cheap(configs, *, depth, longest):
    return [c for c in configs if c.depth == depth and c.length <= longest]


def test_start_end_shallow_rank_is_min_R_M_half(script):
    """Depth 1 (an MPS of bond dimension R): the Start-End rank is min(R, M^{T/2})."""
    configs = _cheap(script.sweep_specs()["start_end"], depth=1, longest=8)
    assert len(configs) >= 6
    for config, row in zip(configs, sweep(configs, max_samples=script.MAX_SAMPLES)):
        M, R, T = config.input_dim, config.hidden_dim, config.length
        assert row.separation_rank == min(R, M ** (T // 2)), config
        assert row.rank_exact


def test_start_end_depth2_rank_is_R_multiset_R_half(script):
    """Depth 2, M = R, T >= 4: the Start-End rank is R ((R, T/2)) and Theorem 1.2's bound is
    ((min(M, R), T/2)), with ((n, k)) = C(n + k - 1, k). (At T = 2 the end is one linear
    input, so the rank is M.)"""
    configs = _cheap(script.sweep_specs()["start_end"], depth=2, longest=8)
    configs = [c for c in configs if c.length >= 4]
    assert len(configs) >= 5
    for config, row in zip(configs, sweep(configs, max_samples=script.MAX_SAMPLES)):
        M, R, half = config.input_dim, config.hidden_dim, config.length // 2
        assert M == R
        assert row.separation_rank == R * comb(R + half - 1, half), config
        assert row.theorem_lower == comb(min(M, R) + half - 1, half)


def _polynomial(rac, T):
    """y (class 0) as an exact sympy polynomial in the inputs x[t][m], by the recurrence."""
    xs = [[sympy.Symbol(f"x{t}_{m}") for m in range(rac.M)] for t in range(T)]
    gens = [v for row in xs for v in row]

    def const(c):
        return sympy.Poly(int(c), *gens, domain="ZZ")

    def mix(W, vec):
        return [
            sum((int(W[i, j]) * vec[j] for j in range(len(vec))), const(0))
            for i in range(W.shape[0])
        ]

    below = [[sympy.Poly(v, *gens, domain="ZZ") for v in row] for row in xs]
    for layer in range(rac.L):
        WI, WH = rac.input_weights[layer], rac.hidden_weights[layer]
        state = [const(v) for v in rac.initial_states[layer]]
        states = []
        for t in range(T):
            state = [a * b for a, b in zip(mix(WH, state), mix(WI, below[t]))]
            states.append(state)
        below = states
    return mix(rac.output_weights, below[-1])[0]


def _coefficient_rank(rac, partition):
    """Rank over Q of the coefficient matrix: rows are monomials in x_P, columns in x_Q.

    The separation rank of a polynomial equals the rank of this matrix."""
    poly = _polynomial(rac, partition.T)
    M = rac.M
    start = [i for t in partition.start for i in range((t - 1) * M, t * M)]
    end = [i for t in partition.end for i in range((t - 1) * M, t * M)]
    entries, rows, cols = {}, {}, {}
    for monomial, coefficient in poly.terms():
        r = rows.setdefault(tuple(monomial[i] for i in start), len(rows))
        c = cols.setdefault(tuple(monomial[i] for i in end), len(cols))
        entries[r, c] = int(coefficient)
    matrix = [[entries.get((r, c), 0) for c in range(len(cols))] for r in range(len(rows))]
    return flint.fmpz_mat(matrix).rank()


@pytest.mark.parametrize("name", ["start_end", "interleaved"])
def test_depth3_rank_is_the_coefficient_matrix_rank(script, name):
    """Depth 3, T = 4, M = R = 2 (a figure configuration): the plotted exact rank equals the
    rank of the polynomial's coefficient matrix, expanded symbolically here."""
    configs = [
        c
        for c in script.sweep_specs()[name]
        if (c.depth, c.length, c.input_dim, c.hidden_dim) == (3, 4, 2, 2)
    ]
    assert len(configs) == 1
    (row,) = sweep(configs, max_samples=script.MAX_SAMPLES)
    rac, partition = configs[0].build()
    assert row.rank_exact
    assert row.separation_rank == _coefficient_rank(rac, partition)
    assert row.separation_rank <= row.symmetric_bound
