"""State-dict files (.pt, .safetensors, .npz): readers, family detection, loaded models, CLI.

The fixtures in tests/data/statedicts/ were written once by tests/data/make_statedict_fixtures.py
(torch.save, safetensors and np.savez of the same seed-style state dicts). The tests run with
and without torch: the restricted unpickler (the torch-free path) is tested directly either way,
and ``read_arrays`` takes torch.load's path when torch is importable.
"""

from __future__ import annotations

import json
import os
import pickle
import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest
from _family_reference import reference_rank

from rac_tn.cli import main
from rac_tn.models.statedict_files import StateDictFileError, _unpickle_torch_zip, read_arrays
from rac_tn.models.weights import detect_family, load_weights, weights_notes

DATA = Path(__file__).resolve().parent / "data" / "statedicts"
FIXTURES = {  # file stem -> (family, depth)
    "cprnn": ("cp2rnn", 1),
    "second_order_rnn": ("2rnn", 1),
    "second_order_rnn_bf16": ("2rnn", 1),
    "mirnn": ("mirnn", 1),
    "rnn": ("linear", 1),
    "deep_cprnn": ("cp2rnn", 2),
    "deep_linear_rnn": ("linear", 2),
}


def _same_arrays(a: dict, b: dict) -> None:
    assert sorted(a) == sorted(b)  # safetensors stores its names sorted
    for key in a:
        assert a[key].dtype == b[key].dtype and a[key].shape == b[key].shape, key
        assert np.array_equal(a[key], b[key]), key


@pytest.mark.parametrize("stem", FIXTURES)
def test_pt_and_safetensors_equal_the_npz(stem):
    npz = read_arrays(DATA / f"{stem}.npz")
    assert all(v.dtype == np.float32 for v in npz.values())  # bf16 saved as its float32 value
    _same_arrays(read_arrays(DATA / f"{stem}.safetensors"), npz)
    _same_arrays(read_arrays(DATA / f"{stem}.pt"), npz)  # torch.load when torch is there
    _same_arrays(dict(_unpickle_torch_zip(DATA / f"{stem}.pt")), npz)  # never needs torch


def test_bf16_fixture_is_the_bf16_rounding_of_the_float32_one():
    """bfloat16 keeps the top 16 bits of a float32: rounding to nearest even, here by hand."""
    full, half = (
        read_arrays(DATA / "second_order_rnn.npz"),
        read_arrays(DATA / "second_order_rnn_bf16.pt"),
    )
    for key, value in full.items():
        bits = value.view(np.uint32).astype(np.uint64)
        rounded = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16) << 16
        assert np.array_equal(half[key], rounded.astype(np.uint32).view(np.float32)), key


# -- the loaded model against the seed code's recurrence ----------------------------------------


def _seed_forward(stem: str, sd: dict, X: np.ndarray) -> np.ndarray:
    """The decoder after every step, by the seed code's formulas with the identity gate."""
    sd = {k: v.astype(np.float64) for k, v in sd.items()}
    T = X.shape[0]
    if stem.startswith("deep_cprnn"):
        layers = [{k.split(".")[2]: v for k, v in sd.items() if k.startswith(f"cprnn_layers.{i}.")}
                  for i in range(2)]  # fmt: skip
        h = [np.zeros(2), np.zeros(2)]
        outs = []
        for t in range(T):
            below = X[t]
            for i, p in enumerate(layers):  # CPRNN_cell.forward, gate = identity
                h[i] = (np.einsum("r,r,hr->h", h[i] @ p["A"], below @ p["B"], p["C"])
                        + h[i] @ p["V"] + below @ p["U"] + p["d"])  # fmt: skip
                below = h[i]
            outs.append(sd["decoder.weight"] @ below + sd["decoder.bias"])
        return np.array(outs)
    if stem.startswith("deep_linear"):
        h = [np.zeros(2), np.zeros(2)]
        outs = []
        for t in range(T):
            below = X[t]
            for i in range(2):  # LinearRNNCell: F.linear(x, W_ih, b_ih) + F.linear(h, W_hh, b_hh)
                p = {k.split(".")[2]: v for k, v in sd.items() if k.startswith(f"rnn_layers.{i}.")}
                h[i] = p["weight_ih"] @ below + p["bias_ih"] + p["weight_hh"] @ h[i] + p["bias_hh"]
                below = h[i]
            outs.append(sd["fc.weight"] @ below + sd["fc.bias"])
        return np.array(outs)
    h = np.zeros(2)
    outs = []
    for t in range(T):
        x = X[t]
        if stem == "cprnn":
            h = (np.einsum("r,r,hr->h", h @ sd["A"], x @ sd["B"], sd["C"])
                 + h @ sd["V"] + x @ sd["U"] + sd["d"])  # fmt: skip
        elif stem.startswith("second_order_rnn"):
            h = np.einsum("i,j,ijk->k", np.append(h, 1), np.append(x, 1), sd["w"])
        elif stem == "mirnn":
            h = (sd["alpha"] * (x @ sd["w"]) * (h @ sd["u"]) + sd["beta1"] * (h @ sd["u"])
                 + sd["beta2"] * (x @ sd["w"]) + sd["b"])  # fmt: skip
        else:  # models/rnn.py
            h = h @ sd["u"] + x @ sd["w"] + sd["b"]
        outs.append(sd["decoder.1.weight"] @ h + sd["decoder.1.bias"])
    return np.array(outs)


@pytest.mark.parametrize("suffix", [".pt", ".safetensors", ".npz"])
@pytest.mark.parametrize("stem", FIXTURES)
def test_loaded_model_follows_the_seed_recurrence(stem, suffix):
    family, depth = FIXTURES[stem]
    model = load_weights(DATA / f"{stem}{suffix}")
    assert (model.family, model.depth, model.num_classes) == (family, depth, 2)
    X = np.random.default_rng(7).uniform(-1, 1, size=(5, 2))
    expected = _seed_forward(stem, read_arrays(DATA / f"{stem}.npz"), X)
    np.testing.assert_allclose(model.forward(X, every_step=True), expected, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(model.forward(X), expected[-1], rtol=1e-12, atol=1e-14)


# -- the restricted unpickler -------------------------------------------------------------------


class _Evil:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def _torch_zip(path: Path, payload: bytes) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", payload)
        archive.writestr("archive/byteorder", "little")
        archive.writestr("archive/version", "3\n")
    return path


def test_restricted_unpickler_refuses_code(tmp_path):
    marker = tmp_path / "pwned"
    evil = _torch_zip(tmp_path / "evil.pt", pickle.dumps({"w": _Evil(marker)}, protocol=2))
    with pytest.raises(StateDictFileError, match=r"refused global (posix|nt|os)\.system"):
        _unpickle_torch_zip(evil)
    with pytest.raises(StateDictFileError, match="evil.pt"):  # torch.load's check, or ours
        read_arrays(evil)
    assert not marker.exists()
    with pytest.raises(ValueError, match="evil.pt"):
        load_weights(evil)
    assert not marker.exists()


def test_restricted_unpickler_refuses_state_on_anything_but_an_ordered_dict(tmp_path):
    """BUILD on an admitted function (to set attributes on it) is refused."""
    payload = b"\x80\x02ctorch._utils\n_rebuild_parameter\n}X\x01\x00\x00\x00xK\x01sb."
    with pytest.raises(StateDictFileError, match="refused to set state on a function"):
        _unpickle_torch_zip(_torch_zip(tmp_path / "build.pt", payload))


def test_restricted_unpickler_refuses_out_of_bounds_views(tmp_path):
    """A tensor whose size and stride reach past its storage is refused, never read."""
    # data.pkl by hand: _rebuild_tensor_v2(storage('0', 2 floats), 0, (4,), (1,), False, {})
    payload = (
        b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storage"
        b"ctorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x02tQK\x00K\x04\x85K\x01"
        b"\x85\x89}tR."
    )
    path = tmp_path / "oob.pt"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", payload)
        archive.writestr("archive/data/0", np.zeros(2, "<f4").tobytes())
    with pytest.raises(StateDictFileError, match="reaches past its storage"):
        _unpickle_torch_zip(path)


def test_restricted_unpickler_reads_a_hand_made_tensor(tmp_path):
    """The same opcodes with size 2 read the storage's two floats."""
    payload = (
        b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storage"
        b"ctorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x02tQK\x00K\x02\x85K\x01"
        b"\x85\x89}tR."
    )
    payload = b"\x80\x02}X\x01\x00\x00\x00w" + payload[2:-1] + b"s."
    path = tmp_path / "ok.pt"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", payload)
        archive.writestr("archive/data/0", np.array([1.5, -2.25], "<f4").tobytes())
    out = _unpickle_torch_zip(path)
    assert list(out) == ["w"] and out["w"].tolist() == [1.5, -2.25]


# -- safetensors written by hand ----------------------------------------------------------------


def _safetensors(path: Path, tensors: dict[str, tuple[str, list[int], bytes]]) -> Path:
    header, body = {}, b""
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {
            "dtype": dtype,
            "shape": shape,
            "data_offsets": [len(body), len(body) + len(raw)],
        }
        body += raw
    header["__metadata__"] = {"format": "pt"}
    text = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(text)) + text + body)
    return path


def test_safetensors_dtypes_by_hand(tmp_path):
    bf16 = np.array([0x3FC0, 0xC010], "<u2").tobytes()  # 1.5 and -2.25 as bfloat16 bit patterns
    path = _safetensors(
        tmp_path / "t.safetensors",
        {
            "a": ("BF16", [2], bf16),
            "b": ("F16", [1, 2], np.array([[0.5, -3]], "<f2").tobytes()),
            "c": ("I8", [3], np.array([-1, 0, 7], "i1").tobytes()),
            "d": ("BOOL", [2], b"\x01\x00"),
            "e": ("I64", [], np.array(5, "<i8").tobytes()),
            "f": ("F64", [2], np.array([0.1, 2.0], "<f8").tobytes()),
        },
    )
    out = read_arrays(path)
    assert out["a"].dtype == np.float32 and out["a"].tolist() == [1.5, -2.25]
    assert out["b"].dtype == np.float16 and out["b"].tolist() == [[0.5, -3.0]]
    assert out["c"].tolist() == [-1, 0, 7] and out["d"].tolist() == [True, False]
    assert out["e"].shape == () and int(out["e"]) == 5 and out["f"].tolist() == [0.1, 2.0]


def test_safetensors_refuses_unknown_dtypes_and_bad_offsets(tmp_path):
    path = _safetensors(tmp_path / "f8.safetensors", {"x": ("F8_E4M3", [2], b"\x00\x01")})
    with pytest.raises(StateDictFileError, match="'F8_E4M3'"):
        read_arrays(path)
    path = _safetensors(tmp_path / "short.safetensors", {"x": ("F32", [3], b"\x00" * 8)})
    with pytest.raises(StateDictFileError, match="data_offsets"):
        read_arrays(path)
    (tmp_path / "junk.safetensors").write_bytes(b"\xff" * 20)
    with pytest.raises(StateDictFileError, match="junk.safetensors"):
        read_arrays(tmp_path / "junk.safetensors")


# -- family detection, notes, CLI ---------------------------------------------------------------


def test_detect_family_from_the_names():
    assert detect_family(["A", "B", "C", "U", "V", "d", "decoder.1.weight"]) == "cp2rnn"
    assert detect_family(["module.w", "decoder.1.weight"]) == "2rnn"
    assert detect_family(["alpha", "w", "u", "beta1", "beta2", "b"]) == "mirnn"
    assert detect_family(["w", "u", "b"]) == "linear"
    assert (
        detect_family(["rnn_layers.0.weight_ih", "rnn_layers.0.weight_hh", "fc.weight"]) == "linear"
    )
    assert detect_family(["input_weights_0", "hidden_weights_0", "output_weights"]) == "rac"
    with pytest.raises(ValueError, match=r"no model family matches its keys \(foo, bar"):
        detect_family(["foo", "bar"])


def test_notes_say_identity_circuit_and_dyadic():
    notes = weights_notes(load_weights(DATA / "mirnn.safetensors"))
    assert "identity-activation circuit" in notes[0] and "dyadic" in notes[1]


@pytest.mark.parametrize("suffix", [".pt", ".safetensors", ".npz"])
@pytest.mark.parametrize("stem", ["cprnn", "second_order_rnn_bf16", "mirnn", "rnn", "deep_cprnn",
                                  "deep_linear_rnn"])  # fmt: skip
def test_cli_analyze_weights_prints_family_and_exact_rank(stem, suffix, capsys):
    path = DATA / f"{stem}{suffix}"
    args = ["analyze", "--weights", str(path), "--length", "4", "--quiet"]
    assert main([*args, "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    family = FIXTURES[stem][0]
    assert report["rac"]["family"] == family
    model = load_weights(DATA / f"{stem}.npz")
    for c in (0, 1):
        assert report["ranks"][c]["rank"] == reference_rank(model, 4, (1, 2), class_index=c)
    assert any("identity-activation" in n for n in report["notes"])
    assert main([*args, "--bounds-only"]) == 0
    text = capsys.readouterr().out
    assert (
        text.startswith(f"**{family}**")
        and "Note: float weights are read as the exact dyadic" in text
    )


def test_cli_weights_errors_name_the_file(tmp_path, capsys):
    typo = tmp_path / "cprn.pt"
    assert main(["analyze", "--weights", str(typo)]) == 2
    assert f"--weights {typo}: no such file" in capsys.readouterr().err
    assert main(["analyze", "--weights", str(DATA / "cprnn.pt"), "--model", "2rnn"]) == 2
    err = capsys.readouterr().err
    assert "cprnn.pt: as a 2rnn state dict" in err and err.count("\n") == 1
    np.savez(tmp_path / "odd.npz", foo=np.ones(2))
    assert main(["analyze", "--weights", str(tmp_path / "odd.npz")]) == 2
    assert "no model family matches its keys (foo)" in capsys.readouterr().err
    assert main(["analyze", "--weights", str(DATA / "cprnn.pt"), "--rank", "2"]) == 2
    assert "drop --rank" in capsys.readouterr().err
    (tmp_path / "w.bin").write_bytes(b"")
    assert main(["analyze", "--weights", str(tmp_path / "w.bin")]) == 2
    assert "unknown weights format '.bin'" in capsys.readouterr().err


def test_forced_family_reads_the_file(capsys):
    assert main(["analyze", "--weights", str(DATA / "rnn.pt"), "--model", "linear",
                 "--length", "4", "--format", "json", "--quiet"]) == 0  # fmt: skip
    assert json.loads(capsys.readouterr().out)["rac"]["family"] == "linear"


def test_the_installed_torch_writes_what_the_reader_reads(tmp_path):
    """torch.save of a module's state dict (OrderedDict with _metadata), Parameters, tied and
    non-contiguous tensors, bfloat16, int64 and bool: read without torch.load, equal."""
    torch = pytest.importorskip("torch", reason="torch is optional; the fixtures cover .pt")
    torch.manual_seed(0)
    module = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Linear(2, 2))
    state = module.state_dict()
    state["tied"] = state["0.weight"]
    state["transposed"] = torch.arange(6.0).reshape(2, 3).t()
    state["half"] = torch.tensor([1.5, -2.25], dtype=torch.bfloat16)
    state["count"] = torch.tensor([3, -4], dtype=torch.int64)
    state["mask"] = torch.tensor([True, False])
    state["param"] = torch.nn.Parameter(torch.ones(2, 2))
    path = tmp_path / "module.pt"
    torch.save(state, path)
    out = read_arrays(path)
    assert list(out) == list(state)
    for name, tensor in state.items():
        expected = tensor.detach().float() if tensor.dtype == torch.bfloat16 else tensor.detach()
        assert np.array_equal(out[name], expected.numpy()), name
    assert out["tied"] is out["0.weight"] and out["half"].dtype == np.float32
    torch.save({"model_state_dict": state, "epoch": 3}, tmp_path / "checkpoint.pt")
    assert list(read_arrays(tmp_path / "checkpoint.pt")) == list(state)
