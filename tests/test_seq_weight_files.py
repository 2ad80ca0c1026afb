"""Weight files of the families beyond RNNs go through the guarded readers.

``load_weights`` reads a ``.pt`` (torch's zip layout, written here by hand: no torch needed), a
``.safetensors`` and an ``.npz`` of linear attention (NeuroDim's keys), the gated SSM and the
TT-RNN (the TT-LM classifier's keys) with the readers of :mod:`rac_tn.models.statedict_files`,
so their limits hold for these families too: a storage shorter than its tensor and tensors
beyond the available memory are refused on one line naming the file.
"""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest
from _hostile_files import pt_of

from rac_tn.models import TTRNN, GatedSSM, LinearAttention
from rac_tn.models.weights import load_weights


def _neurodim(rng):
    """NeuroDim's deep_attn: Q, K, V as 1 x 1 x rows x cols under net.<i>."""
    d, a = 3, 2
    sd = {}
    for i in range(2):
        sd[f"net.{i}.Q"] = rng.integers(-3, 4, size=(1, 1, a, d))
        sd[f"net.{i}.K"] = rng.integers(-3, 4, size=(1, 1, a, d))
        sd[f"net.{i}.V"] = rng.integers(-3, 4, size=(1, 1, d, d))
    return sd


def _ttlm(rng):
    """The TT-LM classifier's cell (tnn.cell.wih / whh) and decoder (out_fc)."""
    n = 2
    return {
        "tnn.cell.wih.weight": rng.integers(-3, 4, size=(n, n)),
        "tnn.cell.wih.bias": rng.integers(-3, 4, size=n),
        "tnn.cell.whh.weight": rng.integers(-3, 4, size=(n * n, 3)),
        "tnn.cell.whh.bias": rng.integers(-3, 4, size=n * n),
        "out_fc.weight": rng.integers(-3, 4, size=(1, n)),
        "out_fc.bias": rng.integers(-3, 4, size=1),
    }


def _ssm(rng):
    return GatedSSM.random(3, 2, depth=2, seed=rng, integer=True).to_state_dict()


STATE_DICTS = {"attention": _neurodim, "ttrnn": _ttlm, "ssm": _ssm}
CLASSES = {"attention": LinearAttention, "ttrnn": TTRNN, "ssm": GatedSSM}


def _safetensors(path, arrays):
    """A float32 .safetensors written by hand (header length, JSON header, raw bytes)."""
    header, body = {}, b""
    for name, array in arrays.items():
        raw = np.ascontiguousarray(array, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(np.shape(array)),
                        "data_offsets": [len(body), len(body) + len(raw)]}  # fmt: skip
        body += raw
    text = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(text)) + text + body)
    return path


def _write(kind, path, arrays):
    if kind == "pt":
        return pt_of(path.with_suffix(".pt"), arrays)
    if kind == "safetensors":
        return _safetensors(path.with_suffix(".safetensors"), arrays)
    np.savez(path.with_suffix(".npz"), **{k: v.astype(np.float32) for k, v in arrays.items()})
    return path.with_suffix(".npz")


@pytest.mark.parametrize("kind", ["pt", "safetensors", "npz"])
@pytest.mark.parametrize("family", sorted(STATE_DICTS))
def test_a_weights_file_of_the_family_loads_as_its_state_dict(family, kind, tmp_path):
    """The family is found from the names; every parameter is the file's float32 array, and the
    model equals the one built from the same arrays in memory."""
    sd = STATE_DICTS[family](np.random.default_rng(0))
    model = load_weights(_write(kind, tmp_path / "w", sd))
    assert type(model) is CLASSES[family] and model.family == family
    expected = CLASSES[family].from_state_dict({k: v.astype(np.float32) for k, v in sd.items()})
    assert model == expected
    if family == "attention":  # NeuroDim's leading 1 x 1 dropped, values as written
        assert model.Q[1].tolist() == sd["net.1.Q"][0, 0].tolist()
    if family == "ttrnn":
        assert model.E[0].tolist() == sd["tnn.cell.whh.weight"].tolist()


@pytest.mark.parametrize("family", sorted(STATE_DICTS))
def test_the_readers_limits_hold_for_the_family(family, tmp_path, monkeypatch):
    sd = STATE_DICTS[family](np.random.default_rng(0))
    short = pt_of(tmp_path / "short.pt", sd, extra={"0": b"\x00" * 4})  # storage 0: 1 float
    with pytest.raises(ValueError, match="short.pt") as info:
        load_weights(short)
    assert "\n" not in str(info.value)
    import rac_tn.models.statedict_files as files
    import rac_tn.models.torch_pickle as torch_pickle

    monkeypatch.setattr(torch_pickle, "available_memory", lambda: 16)
    monkeypatch.setattr(files, "available_memory", lambda: 16)
    for kind in ("pt", "safetensors", "npz"):
        path = _write(kind, tmp_path / "big", sd)
        with pytest.raises(ValueError, match="memory available") as info:
            load_weights(path)
        assert path.name in str(info.value) and "\n" not in str(info.value)
