"""Figure 8 and its data: one record per trained run, each number checked independently.

``figures/training.json`` is what ``make_figures.py --training run`` wrote. The parameter counts
are recounted from the layer shapes, the exact Hankel ranks against the generic rank
``min(L n, tau d, (T - tau) C)``, the eps-ranks and entropies against the stored spectra, and the
figure's curves against the records.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
from _helpers import load_script

FIGURES_DIR = Path(__file__).resolve().parents[1] / "figures"
DATA = FIGURES_DIR / "training.json"


def _load_script():
    return load_script(FIGURES_DIR / "make_figures.py", "make_figures")


@pytest.fixture(scope="module")
def script():
    return _load_script()


@pytest.fixture(scope="module")
def records():
    return json.loads(DATA.read_text())


def _count(record: dict) -> int:
    """Trained entries of the model, from the layer shapes written out here."""
    L, n, K = record["depth"], record["hidden"], record["rank"]
    opts = record["task_options"]
    if record["task"] == "linear-copy":
        d = C = opts["dim"]
    else:  # start-end-similarity: one-hot symbols (a blank when it pads), labels 0..classes
        d = opts["alphabet"] + (opts["compared"] < opts["length"] // 2)
        C = opts["classes"] + 1
    sizes = [d] + [n] * (L - 1)
    if record["model"] == "linear":  # weight_ih, weight_hh, bias_ih, bias_hh; fc
        return sum(n * m + n * n + 2 * n for m in sizes) + n * C + C
    assert record["model"] == "cp2rnn"  # A, B, C, U, V, d; decoder
    return sum(n * K + m * K + n * K + m * n + n * n + n for m in sizes) + n * C + C


def test_one_record_per_run_with_the_fields_the_issue_lists(records, script):
    assert len(records) == 4
    for r in records:
        for key in ("task", "model", "depth", "hidden", "parameters", "final", "status"):
            assert key in r, key
        assert r["parameters"] == _count(r)
        if r["model"] == "linear":
            assert isinstance(r["final"]["mse"], float) and isinstance(
                r["final"]["hankel_rank"], int)  # fmt: skip
    linear = {r["depth"]: r for r in records if r["task"] == "linear-copy"}
    assert set(linear) == {1, 2} and all(r["hidden"] == 25 for r in linear.values())
    assert linear[2]["task_options"] == {"length": 16, "lookahead": 8, "dim": 5}
    ses = [r for r in records if r["task"] == "start-end-similarity"]
    assert sorted(r["depth"] for r in ses) == [1, 2]
    assert ses[0]["parameters"] == ses[1]["parameters"]  # depths compared at equal counts


def test_exact_hankel_ranks_are_the_generic_ranks(records):
    """Trained float weights are generic: the exact rank is min(L n, tau d, (T - tau) C)."""
    for r in records:
        if r["model"] != "linear":
            continue
        final = r["final"]
        T, d = r["task_options"]["length"], r["task_options"]["dim"]
        tau = T // 2
        assert final["hankel_rank"] == min(r["depth"] * r["hidden"], tau * d, (T - tau) * d)
        assert final["hankel_claim"] == "exact rank"
        assert final["numerical_hankel_rank"] <= final["hankel_rank"]


def test_eps_ranks_and_entropies_are_those_of_the_stored_spectra(records, script):
    for r in records:
        memory = r["final"]["memory"]
        s = np.asarray(memory["values"])
        assert np.all(np.diff(s) <= 0) and s[0] > 0
        for eps, count in memory["eps_ranks"].items():
            assert count == int(np.sum(s > float(eps) * s[0]))
        p = s**2 / np.sum(s**2)
        entropy = -sum(q * math.log(q) for q in p if q > 0)
        assert memory["entropy_nats"] == pytest.approx(entropy, rel=1e-9, abs=1e-12)
        assert memory["claim"] == "numerical"
        assert memory["numerical_rank"] == memory["eps_ranks"][repr(script.TRAINING_EPS)]


def test_the_runs_are_the_scripts_configs(records, script):
    pytest.importorskip("torch", reason="PyTorch (optional extra) is not installed")
    configs = script.training_configs()
    assert [r["config"] for r in records] == [json.loads(json.dumps(c.to_dict())) for c in configs]


def test_the_figure_plots_the_records(records, script):
    fig = script.plot_training(records)
    fig.draw_without_rendering()
    a, b, c, d = fig.axes
    linear = sorted((r for r in records if r["task"] == "linear-copy"), key=lambda r: r["depth"])
    curves = [line for line in a.get_lines() if len(line.get_xdata()) > 2]
    for line, r in zip(curves, linear):
        assert list(line.get_ydata()) == [row["val_loss"] for row in r["history"]]
    spectra = [line for line in b.get_lines() if line.get_linestyle() == "None"]
    for line, r in zip(spectra, linear):
        values = r["final"]["memory"]["values"]
        assert np.allclose(line.get_ydata(), np.asarray(values) / values[0])
    ses = sorted((r for r in records if r["task"] != "linear-copy"), key=lambda r: r["depth"])
    accuracy = [line for line in d.get_lines() if len(line.get_xdata()) > 2]
    for line, r in zip(accuracy, ses):
        assert list(line.get_ydata()) == [row["val_accuracy"] for row in r["history"]]
    for suffix in (".pdf", ".png"):
        path = FIGURES_DIR / f"fig8_training_memory{suffix}"
        assert path.exists() and path.stat().st_size > 1000


@pytest.mark.slow
def test_replot_writes_the_figure_from_the_data(script, tmp_path):
    shutil.copy(DATA, tmp_path / "training.json")
    assert script.main(["--training", "replot", "--out", str(tmp_path)]) == 0
    names = {p.name for p in tmp_path.iterdir()}
    assert names == {"training.json", "fig8_training_memory.pdf", "fig8_training_memory.png"}
