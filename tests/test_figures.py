"""The figures: the script writes every file, and the numbers it plots are checked against
independent computations (binomials, a brute-force polynomial coefficient matrix, and each
model family run by a per-step loop written here)."""

from __future__ import annotations

import json
from math import comb
from pathlib import Path

import flint
import numpy as np
import pytest
import sympy
from _helpers import load_script

from rac_tn import CP2RNN, MIRNN, RAC, LinearRNN, SecondOrderRNN
from rac_tn.analysis.sweeps import SweepConfig, sweep

FIGURES_DIR = Path(__file__).resolve().parents[1] / "figures"
STEMS = (
    "fig1_shallow_mps",
    "fig2_deep_tree",
    "fig3_grid_symmetric_cut",
    "fig4_depth_vs_memory_start_end",
    "fig5_depth_vs_memory_interleaved",
    "fig6_bound_tightness",
    "fig7_families_equal_parameters",
    "fig9_beyond_rnns",
)


def _load_script():
    return load_script(FIGURES_DIR / "make_figures.py", "make_figures")


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
    monkeypatch.setattr(script, "FAMILY_LENGTHS", (2, 4))
    monkeypatch.setattr(script, "SEQ_LENGTHS", (2, 4))
    assert script.main(["--out", str(tmp_path), "--jobs", "1"]) == 0
    expected = {f"{stem}{suffix}" for stem in STEMS for suffix in (".pdf", ".png")}
    data = {"sweeps.json", "families.json", "beyond_rnns.json"}
    assert {p.name for p in tmp_path.iterdir()} == expected | data
    assert all(p.stat().st_size > 0 for p in tmp_path.iterdir())
    # again, at another date (matplotlib reads SOURCE_DATE_EPOCH): the very same bytes, so a
    # regenerated figure shows in a diff only where its drawing changed
    again = tmp_path / "again"
    again.mkdir()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1000000000")
    assert script.main(["--out", str(again), "--jobs", "1"]) == 0
    for name in sorted(expected | {"sweeps.json", "families.json"}):
        assert (again / name).read_bytes() == (tmp_path / name).read_bytes(), name


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


# -- figure 7: the model families at equal parameter counts ----------------------------------


def _count_closed_form(family, d, n, L):
    """Trained weights of a homogeneous model with one output, counted from its formulas."""
    first, more = {
        "rac": (n * d + n * n, 2 * n * n),  # W^I, W^H per layer
        "2rnn": (n * d * n, n**3),  # the dense core w
        "cp2rnn": (n * n + d * n + n * n, 3 * n * n),  # A, B, C with K = n
        "mirnn": (n + d * n + n * n, n + 2 * n * n),  # alpha, w, u
        "linear": (d * n + n * n, 2 * n * n),  # w, u
    }[family]
    return first + (L - 1) * more + n  # + the decoder


@pytest.fixture(scope="module")
def family_models(script):
    return script.equal_budget_models()


@pytest.fixture(scope="module")
def family_rows(script, family_models):
    return script.family_rows(family_models, (2, 4, 6, 8))


def test_family_models_have_the_closest_parameter_counts(script, family_models):
    """Every (family, depth) is there; its count is the closed form, and no other hidden size
    comes closer to the budget."""
    budget, d = script.FAMILY_BUDGET, script.FAMILY_INPUT_DIM
    assert set(family_models) == {
        (f, L) for f in ("rac", "2rnn", "cp2rnn", "mirnn", "linear") for L in (1, 2)
    }
    for (family, L), model in family_models.items():
        n = model.hidden_dim
        assert (model.input_dim, model.depth) == (d, L)
        assert getattr(model, "rank", None) in (None, n)
        count = _count_closed_form(family, d, n, L)
        assert script.parameter_count(model) == count, (family, L)
        for other in (n - 1, n + 1):
            if other >= 1:
                assert abs(_count_closed_form(family, d, other, L) - budget) >= abs(count - budget)
        assert abs(count - budget) <= 0.15 * budget, (family, L, count)


def test_family_ranks_meet_the_closed_forms(family_rows):
    _check_closed_forms(family_rows)


@pytest.mark.slow
def test_every_plotted_family_rank_meets_the_closed_forms(script, family_models):
    _check_closed_forms(script.family_rows(family_models, script.FAMILY_LENGTHS))


def _check_closed_forms(family_rows):
    """Shallow: min(m, d^{T/2}); depth 2: m ((m, T/2)) for T >= 4 (m = min(n, K) <= d), and at
    T = 2 the end is one linear input seen through d (CP: K) coordinates; the linear RNN: 2,
    and its Hankel rank min(L n, T/2) (one output). Certified exactly when the rank meets the
    plotted upper bound, which is never below it."""
    for row in family_rows:
        d, n, L, T = row["input_dim"], row["hidden_dim"], row["depth"], row["T"]
        m, half, K = min(n, row["rank_K"] or n), T // 2, row["rank_K"]
        if row["family"] == "linear":
            expected = 2
            assert row["upper_bound"] == 2
            assert row["hankel_rank"] == min(L * n, half) and row["hankel_certified"]
        elif L == 1:
            expected = min(m, d**half)
        elif T == 2:
            expected = min(d, K) if K else d
        else:
            expected = m * comb(m + half - 1, half)
        assert row["separation_rank"] == expected, row
        assert row["exact"] and row["separation_rank"] <= row["upper_bound"], row
        assert row["certified"] == (row["separation_rank"] == row["upper_bound"]), row
        if row["family"] != "linear":
            assert row["upper_bound"] == row["symmetric_bound"]


def _exact(a):
    return np.asarray(a).astype(object)  # Python integers: no overflow, no rounding


def _step(model, i, h, x):
    """Layer i's cell, written from each family's formula (the seed code's, identity gate)."""
    if isinstance(model, RAC):
        return (_exact(model.hidden_weights[i]) @ h) * (_exact(model.input_weights[i]) @ x)
    if isinstance(model, SecondOrderRNN):  # einsum('i,j,ijk->k', h, x, w)
        w = _exact(model.w[i])
        return sum(h[a] * x[b] * w[a, b] for a in range(len(h)) for b in range(len(x)))
    if isinstance(model, CP2RNN):  # einsum('r,r,hr->h', h @ A, x @ B, C)
        return _exact(model.C[i]) @ ((h @ _exact(model.A[i])) * (x @ _exact(model.B[i])))
    if isinstance(model, MIRNN):
        return _exact(model.alpha[i]) * (x @ _exact(model.w[i])) * (h @ _exact(model.u[i]))
    assert isinstance(model, LinearRNN) and model.b is None
    return h @ _exact(model.u[i]) + x @ _exact(model.w[i])


def _outputs(model, X):
    """y_t (class 0) after every step t, by the per-step loop."""
    inputs = [_exact(x) for x in X]
    for i in range(model.depth):
        h, states = _exact(model.initial_states[i]), []
        for x in inputs:
            h = _step(model, i, h, x)
            states.append(h)
        inputs = states
    readout = model.output_weights if isinstance(model, RAC) else model.decoder_weight
    return [(_exact(readout) @ h)[0] for h in inputs]


def _rank_over_q(rows):
    return flint.fmpz_mat([[int(v) for v in row] for row in rows]).rank()


def _sampled_rank(model, T, size, rng):
    """Rank over Q of y on size x size random (start, end) pairs: the separation rank unless
    the points are special (probability < 1e-5 here, by Schwartz-Zippel)."""
    d, half = model.input_dim, T // 2
    starts = rng.integers(-(2**30), 2**30, size=(size, half, d))
    ends = rng.integers(-(2**30), 2**30, size=(size, T - half, d))
    return _rank_over_q([[_outputs(model, [*s, *e])[-1] for e in ends] for s in starts])


def test_family_ranks_are_the_ranks_of_an_independent_evaluation(family_models, family_rows):
    """T = 2 and 4 (the hollow point included): the plotted rank is the rank over Q of the
    model evaluated by a loop written here, on more points than the bound."""
    _check_sampled(family_models, [r for r in family_rows if r["T"] <= 4])


@pytest.mark.slow
def test_depth2_family_ranks_at_T6_are_the_ranks_of_an_independent_evaluation(
    family_models, family_rows
):
    _check_sampled(family_models, [r for r in family_rows if r["T"] == 6 and r["depth"] == 2])


def _check_sampled(family_models, rows):
    rng = np.random.default_rng(1)
    for row in rows:
        model = family_models[row["family"], row["depth"]]
        size = row["upper_bound"] + 2
        assert _sampled_rank(model, row["T"], size, rng) == row["separation_rank"], row


def test_linear_hankel_rank_is_the_rank_of_its_impulse_responses(script, family_models):
    """The past-to-future map of the linear RNN, H[s, (t, m)] = y_s(e_{t,m}) - y_s(0), from the
    loop written here, at every plotted length."""
    for L in (1, 2):
        model = family_models["linear", L]
        rows = script.family_rows({("linear", L): model}, script.FAMILY_LENGTHS)
        for row in rows:
            T, d = row["T"], model.input_dim
            tau = T // 2
            zero = _outputs(model, np.zeros((T, d), dtype=int))[tau:]
            columns = []
            for t in range(tau):
                for m in range(d):
                    X = np.zeros((T, d), dtype=int)
                    X[t, m] = 1
                    columns.append([a - b for a, b in zip(_outputs(model, X)[tau:], zero)])
            assert row["hankel_rank"] == _rank_over_q(columns), row


def test_family_known_values(script):
    """Design §5: shallow homogeneous 2RNN n = 3 -> 3, CP-2RNN (n, K) = (3, 2) -> 2, linear
    RNN -> 2 (Start-End, T = 6)."""
    models = {
        ("2rnn", 1): SecondOrderRNN.random(3, 3, seed=0, integer=True),
        ("cp2rnn", 1): CP2RNN.random(3, 3, 2, seed=0, integer=True),
        ("linear", 2): LinearRNN.random(3, 3, depth=2, seed=0, integer=True),
    }
    ranks = [r["separation_rank"] for r in script.family_rows(models, (6,))]
    assert ranks == [3, 2, 2]


def _lines(ax):
    return {line.get_gid(): line for line in ax.get_lines() if line.get_gid()}


def test_family_figure_plots_the_computed_values(script, family_rows):
    """Every marker and dashed line is a row's value; the legends give the parameter counts
    and sit below the axes (they cover no data)."""
    fig = script.plot_families(family_rows)
    fig.draw_without_rendering()
    axes = [ax for ax in fig.axes if ax.get_lines()]
    assert len(axes) == 2
    for ax, depth in zip(axes, (1, 2)):
        lines = _lines(ax)
        rows = [r for r in family_rows if r["depth"] == depth]
        for family in script.FAMILY_NAMES:
            series = sorted((r for r in rows if r["family"] == family), key=lambda r: r["T"])
            bound = lines[f"bound:{family}"]
            assert list(bound.get_xdata()) == [r["T"] for r in series]
            assert list(bound.get_ydata()) == [r["upper_bound"] for r in series]
            for claim, certified in (("rank", True), ("uncertified", False)):
                chosen = [r for r in series if r["certified"] == certified]
                line = lines.get(f"{claim}:{family}")
                plotted = [] if line is None else list(zip(line.get_xdata(), line.get_ydata()))
                assert plotted == [(r["T"], r["separation_rank"]) for r in chosen]
        hankel = lines["hankel:linear"]
        assert list(hankel.get_ydata()) == [
            r["hankel_rank"] for r in rows if r["family"] == "linear"
        ]
        legend = ax.get_legend()
        texts = [t.get_text() for t in legend.get_texts()]
        for r in rows:
            name = script.FAMILY_NAMES[r["family"]]
            assert any(t.startswith(name) and f"{r['parameters']} params" in t for t in texts)
        assert legend.get_window_extent().y1 <= ax.get_window_extent().y0


# -- figure 9: beyond RNNs ------------------------------------------------------------------------


def _evaluation_rank(model, T, K, seed=0):
    """Rank over Q of y(start_i, end_j) for K random integer start and end parts, each y by the
    sources' loop (tests/_seq_reference.py): a lower bound on the separation rank, equal to it
    for generic parts once K exceeds it."""
    from _seq_reference import loop

    rng = np.random.default_rng(seed)
    half, d = T // 2, model.input_dim
    starts = rng.integers(-20, 21, size=(K, half, d))
    ends = rng.integers(-20, 21, size=(K, T - half, d))
    rows = [[int(loop(model, np.concatenate([a, b]))[-1][0]) for b in ends] for a in starts]
    return flint.fmpz_mat(rows).rank()


@pytest.fixture(scope="module")
def seq_models(script):
    return script.seq_budget_models()


@pytest.mark.parametrize(
    ("family", "depth", "T"),
    [("attention", 1, 4), ("attention", 2, 4), ("ssm", 1, 4), ("ssm", 2, 4), ("ttrnn", 1, 4),
     ("ttrnn", 2, 4), pytest.param("attention", 2, 6, marks=pytest.mark.slow)],
)  # fmt: skip
def test_figure9_ranks_are_the_evaluation_matrix_ranks(script, seq_models, family, depth, T):
    """The plotted rank (recomputed, and as committed in beyond_rnns.json) equals the exact rank
    over Q of a K x K evaluation matrix built with the sources' loops, K well above it."""
    model = seq_models[family, depth]
    (row,) = script.seq_rows({(family, depth): model}, (T,))
    assert row["exact"]
    assert row["separation_rank"] == _evaluation_rank(model, T, row["separation_rank"] + 6)
    committed = json.loads((FIGURES_DIR / "beyond_rnns.json").read_text())
    (saved,) = [r for r in committed if (r["family"], r["depth"], r["T"]) == (family, depth, T)]
    assert {k: saved[k] for k in row} == row


def test_figure9_sizes_and_bounds(script, seq_models):
    """Parameter counts by hand; the shallow ranks are min(a, d) + 1 (attention) and n + 1 (SSM,
    TT-RNN); the SSM and TT-RNN bounds are a dense cell's m ((m, T/2)), m = n + 1."""
    d = script.FAMILY_INPUT_DIM
    counts = {
        ("attention", 1): lambda a: 2 * a * d + d * d + d,
        ("attention", 2): lambda a: 2 * (2 * a * d + d * d) + d,
        ("ssm", 1): lambda n: 2 * n * d + n + n,
        ("ssm", 2): lambda n: 2 * n * d + n + 2 * n * n + n + n,
        ("ttrnn", 1): lambda n: n * n + n * n * d + n + n,
        ("ttrnn", 2): lambda n: 2 * (n * n + n) + n * n * d + n**3 + n,
    }
    for key, count in counts.items():
        model = seq_models[key]
        assert script.trained_parameters(model) == count(model.hidden_dim), key
    rows = json.loads((FIGURES_DIR / "beyond_rnns.json").read_text())
    for r in rows:
        m = r["hidden_dim"] + 1
        if r["family"] in ("ssm", "ttrnn"):
            expected = m if r["depth"] == 1 else m * comb(m + r["T"] // 2 - 1, r["T"] // 2)
            if r["T"] > 2:
                assert r["upper_bound"] == expected, r
        if r["depth"] == 1 and r["T"] >= 4 and r["family"] != "rac":
            shallow = {"attention": min(r["hidden_dim"], d) + 1, "cp2rnn": r["hidden_dim"]}
            assert r["separation_rank"] == shallow.get(r["family"], m), r


def test_figure9_markers_sit_apart_inside_their_panel(script):
    """At each T the five families' markers are at least a marker's width apart (ranks that
    differ by one would otherwise hide each other), and every marker is inside its panel."""
    rows = json.loads((FIGURES_DIR / "beyond_rnns.json").read_text())
    fig = script.plot_beyond_rnns(rows)
    fig.draw_without_rendering()
    for ax in (ax for ax in fig.axes if ax.get_lines()):
        box = ax.get_window_extent()
        centres: dict[float, list[float]] = {}
        for line in ax.get_lines():
            if line.get_linestyle() != "None":
                continue  # the bounds: exact T, no markers
            width = line.get_markersize() * fig.dpi / 72
            xy = line.get_transform().transform(line.get_xydata())
            for (T, _), (x, y) in zip(line.get_xydata(), xy, strict=True):
                assert box.x0 + width / 2 <= x <= box.x1 - width / 2, (T, x, box)
                assert box.y0 <= y <= box.y1
                centres.setdefault(float(T), []).append(x)
        for T, xs in centres.items():
            xs.sort()
            assert len(xs) == 5, T
            assert min(b - a for a, b in zip(xs, xs[1:])) >= width, T
