"""Crafted weight files (tests/_hostile_files.py): each one refused on one line, or read,
in under a few seconds and a few MB, whatever it claims (gigabytes, terabytes of repr, a
nesting that crashes the interpreter); and no number silently rounded."""

from __future__ import annotations

import io
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from _hostile_files import HOSTILE, fixture_state_dict, longdouble_npz, pt_of

from rac_tn.cli import main
from rac_tn.models.statedict_files import StateDictFileError, read_arrays
from rac_tn.models.weights import load_weights

REPO = Path(__file__).resolve().parents[1]
SECONDS, MEGABYTES = 5.0, 50


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_file_is_refused_on_one_line_or_read_cheaply(name, tmp_path, capsys):
    make, expected = HOSTILE[name]
    path = make(tmp_path)
    args = ["analyze", "--weights", str(path), "--bounds-only", "--length", "4", "--quiet"]
    if expected == "loads":
        args.append("--ignore-extra-keys")
    start = time.perf_counter()
    status = main(args)
    seconds = time.perf_counter() - start
    capsys.readouterr()
    tracemalloc.start()  # again, for the memory (tracing makes it several times slower)
    try:
        assert main(args) == status
    finally:
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    out, err = capsys.readouterr()
    assert seconds < SECONDS and peak < MEGABYTES, (seconds, peak)
    if expected == "loads":
        assert status == 0 and "separation rank" in out, err
        return
    assert status == 2 and out == "", err
    assert err.count("\n") == 1 and err.startswith("rac-tn analyze: error: --weights "), err
    assert expected.removeprefix("refused: ") in err, err
    assert all(c.isprintable() for c in err.rstrip("\n")), err  # no raw control characters


def test_the_nesting_that_crashes_the_interpreter_is_one_line_in_a_fresh_process(tmp_path):
    """A dict key nested 200,000 deep: torch.load and the unchecked unpickler die of SIGSEGV."""
    path = HOSTILE["deep_key.pt"][0](tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "rac_tn", "analyze", "--weights", str(path)],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "nests objects deeper than 100" in done.stderr


def test_tied_weights_are_one_shared_array_and_an_unused_storage_is_not_read(tmp_path):
    arrays = fixture_state_dict()
    tied = read_arrays(HOSTILE["tied.pt"][0](tmp_path))
    assert all(tied[f"tied.{i}"] is tied["A"] for i in range(2000))
    assert not tied["A"].flags.writeable and tied["B"].flags.writeable
    for name, array in arrays.items():
        assert np.array_equal(tied[name], array) and tied[name].dtype == np.float32, name
    unused = read_arrays(HOSTILE["unused.pt"][0](tmp_path))  # 2 GiB more on paper
    assert sorted(unused) == sorted(arrays)
    assert all(np.array_equal(unused[name], arrays[name]) for name in arrays)


def test_views_of_one_storage_read_their_own_elements(tmp_path):
    """A transposed view and a strided view of one storage, against numpy's own views."""
    from _hostile_files import p_dict, p_tensor, torch_zip

    storage = np.arange(12, dtype="<f4")
    pickle = p_dict(
        {
            "t": p_tensor("0", 0, (4, 3), (1, 4)),  # the transpose of a 3 x 4 matrix
            "s": p_tensor("0", 1, (2, 2), (6, 2)),  # rows 1, 7 and every other column
        }
    )
    out = read_arrays(torch_zip(tmp_path / "views.pt", pickle, {"0": storage.tobytes()}))
    assert np.array_equal(out["t"], storage.reshape(3, 4).T)
    assert np.array_equal(out["s"], np.lib.stride_tricks.as_strided(
        storage[1:], shape=(2, 2), strides=(24, 8)))  # fmt: skip


def test_extended_precision_is_refused_not_rounded(tmp_path):
    """W^H = [[1, 1], [1, 1 + 2**-60]] has determinant 2**-60 in extended precision: the
    grid-tensor rank is 2, and float64 would round it to a rank-1 matrix."""
    path = longdouble_npz(tmp_path)
    hidden = np.load(path)["hidden_weights_0"]
    if np.finfo(np.longdouble).eps > 2.0**-60:
        pytest.skip("np.longdouble is float64 on this platform")
    assert np.linalg.det(hidden.astype(np.float64)) == 0  # what rounding would do
    assert hidden[1, 1] - 1 == np.longdouble(2) ** -60  # the file holds more
    with pytest.raises(StateDictFileError, match="extended precision"):
        read_arrays(path)
    with pytest.raises(ValueError, match="extended precision"):
        load_weights(io.BytesIO(path.read_bytes()))  # a file object: the same reader
    complex_path = tmp_path / "c.npz"
    np.savez(complex_path, output_weights=np.ones((1, 2), dtype=complex))
    with pytest.raises(StateDictFileError, match="complex128; weights are bool, integer or"):
        read_arrays(complex_path)


def test_ignore_extra_keys_reads_a_state_dict_with_one_more_buffer(tmp_path, capsys):
    arrays = {**fixture_state_dict(), "running_mean": np.zeros(2, dtype=np.float32)}
    path = pt_of(tmp_path / "extra.pt", arrays)
    args = ["analyze", "--weights", str(path), "--bounds-only", "--length", "4", "--quiet"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "running_mean" in err and "pass --ignore-extra-keys to ignore them" in err, err
    assert main([*args, "--ignore-extra-keys"]) == 0
    assert main(["analyze", "--ignore-extra-keys"]) == 2
    assert "--ignore-extra-keys applies to --weights" in capsys.readouterr().err


def test_malformed_headers_and_pickles_get_words_not_codes(tmp_path):
    """Refusals say what is wrong ('unhashable type' and a bare memo number did not)."""
    import json
    import struct

    from _hostile_files import torch_zip

    text = json.dumps({"w": {"dtype": [], "shape": [1], "data_offsets": [0, 4]}}).encode()
    path = tmp_path / "list_dtype.safetensors"
    path.write_bytes(struct.pack("<Q", len(text)) + text + bytes(4))
    with pytest.raises(StateDictFileError, match=r"tensor 'w' has dtype \[\], which rac_tn"):
        read_arrays(path)
    path = torch_zip(tmp_path / "get.pt", b"\x80\x02h\xde.", {})  # BINGET 222: never PUT
    with pytest.raises(StateDictFileError, match="BINGET of memo entry 222, which no PUT wrote"):
        read_arrays(path)
    path = torch_zip(tmp_path / "pop.pt", b"\x80\x02s.", {})  # SETITEM on an empty stack
    with pytest.raises(StateDictFileError, match="an opcode takes more than the stack holds"):
        read_arrays(path)


def test_arrays_beyond_the_available_memory_are_refused_before_reading(tmp_path, monkeypatch):
    """A state dict whose tensors need more memory than the machine has free is one line
    (past the RAM, reading it was a MemoryError traceback or the OOM killer)."""
    import rac_tn.models.statedict_files as files
    import rac_tn.models.torch_pickle as torch_pickle

    monkeypatch.setattr(torch_pickle, "available_memory", lambda: 100)
    monkeypatch.setattr(files, "available_memory", lambda: 100)
    arrays = fixture_state_dict()
    with pytest.raises(StateDictFileError, match="more than the 100 B of memory available"):
        read_arrays(pt_of(tmp_path / "w.pt", arrays))
    np.savez(tmp_path / "w.npz", **arrays)
    with pytest.raises(StateDictFileError, match="more than the 100 B of memory available"):
        read_arrays(tmp_path / "w.npz")
    path = tmp_path / "ok.safetensors"
    header = b'{"w": {"dtype": "F32", "shape": [64], "data_offsets": [0, 256]}}'
    path.write_bytes(len(header).to_bytes(8, "little") + header + bytes(256))
    with pytest.raises(StateDictFileError, match="more than the 100 B of memory available"):
        read_arrays(path)
