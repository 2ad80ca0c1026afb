"""A seeded fuzz test of the weight readers: the valid fixtures of tests/data/statedicts,
mutated thousands of times, each read within time and memory limits and either refused with
``StateDictFileError`` or read into a well-formed state dict.

Two kinds of mutation:

- *raw*: bytes of the file flipped, overwritten (with random bytes or extreme integers),
  inserted, deleted, duplicated, or the file cut short. ``.npz`` and ``.pt`` are zip
  archives whose members carry CRCs, so a raw mutation must give the very same arrays or a
  refusal; a ``.safetensors`` file has no checksum, so a mutation of its body gives the same
  names, dtypes and shapes (other values) and one of its header anything well-formed;
- *inner*: one member of the archive (``data.pkl``, an ``.npy``) or the JSON header mutated
  the same ways and the file written again with valid CRCs and lengths, so that the mutation
  reaches the parsers; anything well-formed may come out.

Well-formed: str keys, numpy arrays of bool, integer or float16/32/64 dtypes, whose total size
is within the reader's documented bound for a file of that size. Every case must take under
:data:`SECONDS` and allocate under :data:`MEGABYTES` (tracemalloc's peak, numpy's buffers
included). The fast suite runs :data:`FAST_CASES` cases per fixture file, ``-m slow`` ten times
as many; the summary line (case count, worst time and memory) goes to the test's output.
"""

from __future__ import annotations

import io
import json
import resource
import struct
import time
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest

from rac_tn.models.statedict_files import StateDictFileError, read_arrays

DATA = Path(__file__).resolve().parent / "data" / "statedicts"
FILES = sorted(p for p in DATA.iterdir() if p.suffix in (".npz", ".pt", ".safetensors"))
FAST_CASES = 100
SECONDS, MEGABYTES = 2.0, 50
_SEED = 20260426
_INTS = [0, 1, 2**7, 2**8 - 1, 2**15, 2**16 - 1, 2**31 - 1, 2**31, 2**32 - 1, 2**63, 2**64 - 1]
_DTYPES = {np.dtype(t) for t in ("?", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8")}
_DTYPES |= {np.dtype(t) for t in ("f2", "f4", "f8")}


def _mutate(rng: np.random.Generator, data: bytes, start: int = 0) -> tuple[str, bytes]:
    """One random mutation of ``data`` at or after byte ``start``: (what, mutated bytes)."""
    out = bytearray(data)
    n = len(out)
    at = int(rng.integers(start, n)) if n > start else n
    kind = int(rng.integers(7))
    if kind == 0:
        for _ in range(int(rng.integers(1, 9))):
            i = int(rng.integers(start, n))
            out[i] ^= 1 << int(rng.integers(8))
        return "flip bits", bytes(out)
    if kind == 1:
        value = rng.choice([0, 0xFF, int(rng.integers(256))])
        out[at : at + int(rng.integers(1, 5))] = bytes([int(value)]) * int(rng.integers(1, 5))
        return "overwrite bytes", bytes(out[:n] if len(out) > n else out)
    if kind == 2:
        width = int(rng.choice([2, 4, 8]))
        value = int(rng.choice(_INTS)) % 2 ** (8 * width)
        out[at : at + width] = value.to_bytes(width, "little")
        return f"integer {value}", bytes(out)
    if kind == 3:
        return "cut short", bytes(out[: int(rng.integers(0, n))])
    if kind == 4:
        extra = rng.integers(0, 256, size=int(rng.integers(1, 64)), dtype=np.uint8).tobytes()
        return "insert", bytes(out[:at] + extra + out[at:])
    if kind == 5:
        return "delete", bytes(out[:at] + out[at + int(rng.integers(1, 64)) :])
    other = int(rng.integers(0, n))
    piece = out[other : other + int(rng.integers(1, 256))]
    return "duplicate", bytes(out[:at] + piece + out[at:])


def _rezip(data: bytes, rng: np.random.Generator) -> tuple[str, bytes]:
    """One member of a zip mutated, the archive written again (valid CRCs and sizes)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = [(info, archive.read(info)) for info in archive.infolist()]
    pick = int(rng.integers(len(members)))
    what, mutated = _mutate(rng, members[pick][1])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for i, (info, content) in enumerate(members):
            archive.writestr(info, mutated if i == pick else content)
    return f"{members[pick][0].filename}: {what}", buffer.getvalue()


def _rejson(data: bytes, rng: np.random.Generator) -> tuple[str, bytes]:
    """The JSON header of a .safetensors mutated (text or values), its length kept right."""
    (length,) = struct.unpack("<Q", data[:8])
    header, body = data[8 : 8 + length], data[8 + length :]
    if rng.random() < 0.5:
        what, header = _mutate(rng, header)
    else:
        parsed = json.loads(header)
        name = str(rng.choice(sorted(parsed)))
        field = str(rng.choice(["dtype", "shape", "data_offsets"]))
        values = [-1, 2**64, 10**30, 1.5, "F64", "F8_E4M3", None, [], [2**40, 2**40], [3, 2], {}]
        value = values[int(rng.integers(len(values)))]
        if isinstance(parsed[name], dict):
            parsed[name][field] = value
        what, header = f"{name}.{field} = {value!r}", json.dumps(parsed).encode()
    return f"header: {what}", struct.pack("<Q", len(header)) + header + body


def _bound(suffix: str, size: int) -> int:
    """The most bytes of arrays the reader may return for a file of ``size`` bytes."""
    if suffix == ".npz":
        return 16 * size + 16 * 2**20
    return 2 * size + 2**20


def _check(path: Path, suffix: str, original: dict, kind: str, body_only: bool) -> tuple:
    """Read the mutated file; check the outcome; return (outcome, seconds, peak MB)."""
    tracemalloc.reset_peak()
    before = tracemalloc.get_traced_memory()[0]
    start = time.perf_counter()
    try:
        out = read_arrays(path)
    except StateDictFileError as exc:
        out = exc
    finally:
        seconds = time.perf_counter() - start
        peak = (tracemalloc.get_traced_memory()[1] - before) / 2**20
    if isinstance(out, StateDictFileError):
        assert str(out).count("\n") == 0
        return "refused", seconds, peak
    assert isinstance(out, dict)
    assert all(type(k) is str and isinstance(v, np.ndarray) for k, v in out.items())
    assert all(v.dtype in _DTYPES for v in out.values())
    assert sum(v.nbytes for v in out.values()) <= _bound(suffix, path.stat().st_size)
    if kind == "raw" and suffix in (".npz", ".pt"):  # CRCs: the same arrays or a refusal
        assert sorted(out) == sorted(original)
        for name, array in original.items():
            assert out[name].dtype == array.dtype and np.array_equal(out[name], array), name
    if kind == "raw" and body_only:  # no checksum: the same tensors, other values
        assert {k: (v.dtype, v.shape) for k, v in out.items()} == {
            k: (v.dtype, v.shape) for k, v in original.items()
        }
    return "read", seconds, peak


def _fuzz(cases: int, tmp_path: Path) -> dict:
    """Run ``cases`` mutations of every fixture file; the tally and the worst time and memory."""
    tally = {"cases": 0, "refused": 0, "read": 0, "seconds": 0.0, "megabytes": 0.0}
    for index, fixture in enumerate(FILES):
        rng = np.random.default_rng([_SEED, index])
        data = fixture.read_bytes()
        original = read_arrays(fixture)
        header_end = 8 + struct.unpack("<Q", data[:8])[0] if fixture.suffix == ".safetensors" else 0
        path = tmp_path / f"case{fixture.suffix}"
        path.write_bytes(b"")
        for case in range(cases):
            inner = rng.random() < 0.5
            if inner and fixture.suffix == ".safetensors":
                what, mutated = _rejson(data, rng)
            elif inner:
                what, mutated = _rezip(data, rng)
            else:
                body = fixture.suffix == ".safetensors" and rng.random() < 0.3
                what, mutated = _mutate(rng, data, header_end if body else 0)
            with open(path, "r+b") as file:  # rewritten in place: quicker than O_TRUNC
                file.write(mutated)
                file.truncate()
            body_only = not inner and _same_header(data, mutated, header_end)
            try:
                outcome, seconds, peak = _check(
                    path, fixture.suffix, original, "inner" if inner else "raw", body_only
                )
            except AssertionError as exc:
                raise AssertionError(f"{fixture.name}, case {case} ({what}): {exc}") from exc
            assert seconds < SECONDS and peak < MEGABYTES, (fixture.name, case, what, seconds)
            tally["cases"] += 1
            tally[outcome] += 1
            tally["seconds"] = max(tally["seconds"], seconds)
            tally["megabytes"] = max(tally["megabytes"], peak)
    return tally


def _same_header(data: bytes, mutated: bytes, header_end: int) -> bool:
    """A .safetensors mutation that left the header and the file's length as they were."""
    return (
        header_end > 0 and len(mutated) == len(data) and mutated[:header_end] == data[:header_end]
    )


def _run(cases: int, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    tracemalloc.start()  # once: starting and stopping it per case grows the process
    try:
        tally = _fuzz(cases, tmp_path)
    finally:
        tracemalloc.stop()
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - before
    assert grown < 100, f"the process's peak memory grew by {grown:.0f} MB"
    assert tally["refused"] > 0 and tally["read"] > 0
    with capsys.disabled():
        print(
            f"\nfuzz: {tally['cases']} cases ({tally['refused']} refused, {tally['read']} read), "
            f"worst {tally['seconds'] * 1000:.1f} ms and {tally['megabytes']:.1f} MB per case, "
            f"peak RSS grew {max(grown, 0):.0f} MB"
        )


def test_mutated_fixtures_are_read_or_refused_within_limits(tmp_path, capsys):
    _run(FAST_CASES, tmp_path, capsys)


@pytest.mark.slow
def test_many_more_mutated_fixtures(tmp_path, capsys):
    _run(10 * FAST_CASES, tmp_path, capsys)
