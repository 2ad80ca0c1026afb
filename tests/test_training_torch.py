"""Training with PyTorch: the modules against rac_tn's own forward, the loop, the CLI command.

Skipped, with the reason, where PyTorch is not installed (it is an optional extra).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="PyTorch (optional extra) is not installed")

from rac_tn.cli import main  # noqa: E402
from rac_tn.models.weights import load_weights  # noqa: E402
from rac_tn.tasks import target_mask  # noqa: E402
from rac_tn.training import loop  # noqa: E402
from rac_tn.training.loop import TF1RMSProp, TrainConfig, train  # noqa: E402
from rac_tn.training.modules import count_parameters, to_rac_tn, torch_model  # noqa: E402
from rac_tn.training.specs import make_task  # noqa: E402

FAMILIES = ("linear", "cp2rnn", "mirnn", "2rnn", "rac")


@pytest.fixture(autouse=True)
def _one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _inputs(family: str, batch: int, T: int, d: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if family == "rac":  # one-hot symbols: products of many steps stay moderate
        return np.eye(d)[rng.integers(d, size=(batch, T))]
    return rng.standard_normal((batch, T, d))


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("depth", [1, 2, 3])
def test_state_dict_loads_into_rac_tn_and_computes_the_same_function(family, depth):
    """float64 module -> state_dict -> from_state_dict: rac_tn's forward is the module's."""
    module = torch_model(family, 3, 4, depth, 2, rank=3 if family == "cp2rnn" else None,
                         seed=depth).double()  # fmt: skip
    X = _inputs(family, 6, 7, 3, depth)
    with torch.no_grad():
        every = module(torch.from_numpy(X)).numpy()
        last = module(torch.from_numpy(X), every_step=False).numpy()
    model = to_rac_tn(module)
    assert model.family == family and model.depth == depth and model.num_classes == 2
    want_every = model.forward(X, every_step=True)
    assert every.shape == want_every.shape == (6, 7, 2)
    scale = np.abs(want_every).max()
    assert np.abs(every - want_every).max() <= 1e-12 * scale
    assert np.abs(last - model.forward(X)).max() <= 1e-12 * scale


@pytest.mark.parametrize("family", FAMILIES)
def test_float32_checkpoint_file_loads_with_load_weights(family, tmp_path):
    """torch.save(state_dict) of a float32 module: load_weights finds the family by its names."""
    module = torch_model(family, 3, 4, 2, 2, seed=0)
    path = tmp_path / f"{family}.pt"
    torch.save(module.state_dict(), path)
    model = load_weights(path)
    assert model.family == family
    X = _inputs(family, 4, 5, 3, 1)
    with torch.no_grad():
        mine = module(torch.from_numpy(X).float()).double().numpy()
    theirs = model.forward(X, every_step=True)  # the float32 weights, read exactly
    assert np.allclose(mine, theirs, rtol=1e-4, atol=1e-5 * np.abs(theirs).max())


def test_parameter_names_are_the_seed_codes():
    names = {f: sorted(torch_model(f, 2, 3, 2, 1, seed=0).state_dict()) for f in FAMILIES}
    assert names["linear"] == sorted(
        [f"rnn_layers.{i}.{p}" for i in range(2)
         for p in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")] + ["fc.weight", "fc.bias"]
    )  # fmt: skip
    assert names["cp2rnn"] == sorted(
        [f"cprnn_layers.{i}.{p}" for i in range(2) for p in "ABCUVd"]
        + ["decoder.weight", "decoder.bias"]
    )
    assert names["mirnn"] == sorted(
        [f"layers.{i}.{p}" for i in range(2) for p in ("alpha", "w", "u", "beta1", "beta2", "b")]
        + ["decoder.weight", "decoder.bias"]
    )
    assert names["2rnn"] == sorted(["layers.0.w", "layers.1.w", "decoder.weight", "decoder.bias"])
    assert names["rac"] == sorted(
        [f"{g}.{i}" for g in ("input_weights", "hidden_weights", "initial_states") for i in (0, 1)]
        + ["output_weights"]
    )
    shapes = {k: tuple(v.shape) for k, v in torch_model("2rnn", 2, 3, 2, 1).state_dict().items()}
    assert shapes["layers.0.w"] == (4, 3, 3) and shapes["layers.1.w"] == (4, 4, 3)
    # trained entries: the RAC's fixed initial states are buffers, not parameters
    assert count_parameters(torch_model("rac", 2, 3, 2, 1)) == 3 * 2 + 9 + 9 + 9 + 3
    with pytest.raises(ValueError, match="rank"):
        torch_model("linear", 2, 3, rank=2)
    with pytest.raises(ValueError, match="family"):
        torch_model("lstm", 2, 3)


def test_tf1_rmsprop_is_tensorflow_1s_rule():
    p = torch.nn.Parameter(torch.tensor([1.0, -2.0], dtype=torch.float64))
    opt = TF1RMSProp([p], lr=0.1, decay=0.9, eps=1e-10)
    ms, value = np.ones(2), np.array([1.0, -2.0])
    for _ in range(3):
        opt.zero_grad()
        (p**2).sum().backward()  # gradient 2 p
        g = 2 * value
        ms = 0.9 * ms + 0.1 * g * g
        value = value - 0.1 * g / np.sqrt(ms + 1e-10)
        opt.step()
        assert np.allclose(p.detach().numpy(), value, rtol=1e-14)


def test_losses_are_the_papers():
    spec = make_task("linear-copy", length=6, lookahead=2, dim=3)
    _, y = spec.sample(5, seed=0)
    out = np.random.default_rng(1).standard_normal(y.shape)
    mask = target_mask(y)
    want = np.mean((out[mask] - y[mask]) ** 2)  # every entry of the unmasked vectors
    got = loop._loss(spec, torch.from_numpy(out), torch.from_numpy(y))
    assert float(got) == pytest.approx(want, rel=1e-12)
    ses = make_task("start-end-similarity", length=6, alphabet=2, compared=3, classes=2)
    logits = np.random.default_rng(2).standard_normal((4, 3))
    labels = np.array([0, 2, 1, 1])
    log_softmax = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    want = -np.mean(log_softmax[np.arange(4), labels])
    got = loop._loss(ses, torch.from_numpy(logits), torch.from_numpy(labels))
    assert float(got) == pytest.approx(want, rel=1e-12)


SMOKE = [  # one run per task, every family once: a few steps each
    ("copying", "rac", {"steps_per_epoch": 3}),
    ("start-end-similarity", "cp2rnn", {"steps_per_epoch": 3}),
    ("linear-copy", "linear", {"train_size": 64}),
    ("sin-copy", "mirnn", {"train_size": 64}),
    ("temporal-product", "2rnn", {"train_size": 64}),
]


@pytest.mark.parametrize(("task", "family", "schedule"), SMOKE)
def test_smoke_run_of_each_task(task, family, schedule, tmp_path):
    config = TrainConfig(
        task, family, depth=2, hidden=3, epochs=2, checkpoint_every=1, memory_samples=8,
        schedule={"batch_size": 16, "val_size": 32, "test_size": 32, **schedule},
    )  # fmt: skip
    began = time.perf_counter()
    result = train(config, tmp_path)
    assert time.perf_counter() - began < 10
    record = result.record
    assert record["status"] in ("max_epochs", "converged", "diverged")
    assert (record["task"], record["model"], record["depth"], record["hidden"]) == (
        task, family, 2, 3)  # fmt: skip
    module = torch_model(family, make_task(task).input_dim, 3, 2, make_task(task).output_dim)
    assert record["parameters"] == count_parameters(module)
    data = json.loads((tmp_path / "metrics.json").read_text())
    assert data["run"] == json.loads(json.dumps(record))  # the file holds the record
    assert [row["epoch"] for row in data["history"]][0] == 0
    for name in ("best.pt", "last.pt", "checkpoints/epoch-0000.pt"):
        assert (tmp_path / name).exists()
    best = load_weights(tmp_path / "best.pt")
    assert best.family == family
    final = record["final"]
    if family == "linear":
        assert final["hankel_claim"] == "exact rank"
        assert final["hankel_rank"] == min(2 * 3, 8 * 5, 8 * 5)  # generic: L n
        assert isinstance(final["mse"], float)
    elif "memory_error" not in final:
        assert final["memory"]["measure"] == "separation"
        assert final["memory"]["samples"] == 8


def test_a_best_checkpoint_is_the_best_validation_epoch(tmp_path):
    config = TrainConfig("linear-copy", "linear", hidden=4, epochs=6, checkpoint_every=3,
                         schedule={"train_size": 128, "val_size": 64, "test_size": 64})  # fmt: skip
    result = train(config, tmp_path)
    losses = {row["epoch"]: row["val_loss"] for row in result.history}
    best = result.record["best_epoch"]
    assert losses[best] == min(losses.values())
    # the best weights reproduce that validation loss
    spec = make_task("linear-copy")
    X, Y = spec.sample(64, np.random.default_rng(np.random.SeedSequence(0).spawn(4)[2]))
    model = load_weights(tmp_path / "best.pt")
    out = model.forward(X, every_step=True)
    mask = target_mask(Y)
    assert np.mean((out[mask] - Y[mask]) ** 2) == pytest.approx(losses[best], rel=1e-4)
    assert sorted(p.name for p in (tmp_path / "checkpoints").iterdir()) == [
        "epoch-0000.pt", "epoch-0003.pt", "epoch-0006.pt"]  # fmt: skip


def test_ctrl_c_stops_after_the_step_and_keeps_everything(tmp_path, monkeypatch):
    """SIGINT during the third validation: the run ends cleanly with every file written."""
    calls = {"n": 0}
    real = loop._evaluate

    def evaluate(*args):
        calls["n"] += 1
        if calls["n"] == 3:
            os.kill(os.getpid(), signal.SIGINT)
        return real(*args)

    monkeypatch.setattr(loop, "_evaluate", evaluate)
    config = TrainConfig("linear-copy", "linear", hidden=3, epochs=1000, checkpoint_every=100,
                         schedule={"train_size": 64, "val_size": 32, "test_size": 32})  # fmt: skip
    result = train(config, tmp_path)
    assert result.signal == signal.SIGINT
    assert result.record["status"] == "interrupted" and result.record["epochs"] == 2
    data = json.loads((tmp_path / "metrics.json").read_text())
    assert data["run"]["status"] == "interrupted"
    assert load_weights(tmp_path / "last.pt").family == "linear"
    assert (tmp_path / "best.pt").exists()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # handler restored


def test_divergence_is_reported_not_hidden(tmp_path):
    config = TrainConfig("temporal-product", "2rnn", depth=3, hidden=6, epochs=3,
                         schedule={"lr": 1e3, "train_size": 64, "val_size": 32, "test_size": 32,
                                   "batch_size": 32})  # fmt: skip
    result = train(config, tmp_path)
    text = (tmp_path / "metrics.json").read_text()
    assert "Infinity" not in text and "NaN" not in text  # strict JSON
    json.loads(text)
    if result.record["status"] == "diverged":
        assert result.record["epochs"] >= 1


def test_cli_train_runs_a_tiny_config(tmp_path, capsys):
    out = tmp_path / "run"
    code = main([
        "train", "--task", "linear-copy", "--model", "linear", "--depth", "2", "--hidden", "3",
        "--epochs", "2", "--train-size", "64", "--val-size", "32", "--test-size", "32",
        "--checkpoint-every", "1", "--out", str(out), "-q",
    ])  # fmt: skip
    assert code == 0
    printed = capsys.readouterr().out
    assert "Hankel rank: 6 (exact rank)" in printed and "linear-copy | linear L=2" in printed
    run = json.loads((out / "metrics.json").read_text())["run"]
    assert run["final"]["hankel_rank"] == 6 and run["epochs"] == 2
    assert sorted(p.name for p in (out / "checkpoints").iterdir()) == [
        "epoch-0000.pt", "epoch-0001.pt", "epoch-0002.pt"]  # fmt: skip
    # the folder is not empty now: refused without --force, before any work
    assert main(["train", "--task", "linear-copy", "--model", "linear", "--out", str(out)]) == 2
    assert "not empty" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--model", "linear", "--rank", "2"], "--rank"),
        (["--model", "linear", "--classes", "2"], "takes the options"),
        (["--model", "linear", "--hidden", "0"], "--hidden"),
        (["--model", "linear", "--lookahead", "16"], "lookahead"),
    ],
)
def test_cli_train_refuses_bad_options(extra, message, tmp_path, capsys):
    code = main(["train", "--task", "linear-copy", *extra, "--out", str(tmp_path / "x")])
    assert code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_cli_train_without_torch_says_how_to_install(tmp_path, capsys, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "torch" else real(name, *a))  # fmt: skip
    code = main(["train", "--task", "copying", "--model", "rac", "--out", str(tmp_path / "x")])
    assert code == 2
    assert "pip install torch" in capsys.readouterr().err


def test_parsing_and_the_numpy_half_do_not_import_torch():
    code = (
        "import sys, rac_tn.cli.parser, rac_tn.training.specs, rac_tn.training.memory; "
        "print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.slow
def test_cli_ctrl_c_keeps_the_checkpoint(tmp_path):
    """A real Ctrl-C to a running `rac-tn train`: exit 130, metrics and checkpoints written."""
    out = tmp_path / "run"
    proc = subprocess.Popen(
        [sys.executable, "-m", "rac_tn", "train", "--task", "linear-copy", "--model", "linear",
         "--hidden", "4", "--epochs", "100000", "--train-size", "64", "--val-size", "32",
         "--test-size", "32", "--checkpoint-every", "1", "--out", str(out), "-q"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while not (out / "checkpoints" / "epoch-0002.pt").exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert "interrupted; the checkpoints are kept" in stderr
    assert "Traceback" not in stderr
    run = json.loads((out / "metrics.json").read_text())["run"]
    assert run["status"] == "interrupted"
    assert load_weights(out / "last.pt").family == "linear"
    assert ": interrupted after" in stdout
