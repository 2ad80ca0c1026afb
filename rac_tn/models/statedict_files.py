"""Read a file of named arrays (a state dict) as numpy arrays, without torch, within limits.

Three formats, chosen by the suffix:

- ``.npz``: numpy's archive. Each member's ``.npy`` header is parsed here: only real numeric
  arrays are read (bool, integers, float16/32/64; never pickled objects), and before anything
  is decompressed, the sizes the zip directory declares are checked against the file's own
  size (at most :data:`NPZ_EXPANSION` times it, plus 16 MiB: a 2 MB zip bomb is refused at
  once) and each header's shape against its member's size.
- ``.safetensors``: parsed here (an 8-byte little-endian header length, a JSON header giving
  each tensor's ``dtype``, ``shape`` and ``data_offsets``, then the raw bytes); dtypes F64,
  F32, F16, BF16 (read as float32, exactly), I64, I32, I16, I8, U8 and BOOL; any other dtype
  is refused by name. The header is read and checked first (at most
  :data:`MAX_SAFETENSORS_HEADER` bytes, its tensors covering the body exactly, without
  overlaps or gaps, as the format requires); the body is read only then.
- ``.pt`` / ``.pth``: torch's zip format, read by :mod:`rac_tn.models.torch_pickle` (a pickle
  checked before it is unpickled, a restricted unpickler that runs no foreign code, only the
  storages the tensors use read). torch is not needed, and not used even when installed: its
  own loader crashes on some crafted files.

Extended-precision floats (``np.longdouble``) and complex numbers are refused: weights are
read exactly, and float64 is the widest type read exactly. A file whose tensors need more
memory than the machine has free is refused before they are read. Every refusal is a
:class:`StateDictFileError` whose one-line message names the file; a value from the file put
into a message is bounded and its control characters are escaped.

Used by :mod:`rac_tn.models.weights`.
"""

from __future__ import annotations

import json
import math
import os
import struct
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

import numpy as np

from rac_tn._checks import available_memory
from rac_tn._format import human_bytes, printable, shown
from rac_tn.models.torch_pickle import TorchFileError, open_zip, read_torch_zip

__all__ = [
    "MAX_SAFETENSORS_HEADER",
    "NPZ_EXPANSION",
    "SUFFIXES",
    "StateDictFileError",
    "read_arrays",
    "read_npz",
]

#: The suffixes :func:`read_arrays` reads.
SUFFIXES = (".npz", ".safetensors", ".pt", ".pth")
#: The largest JSON header of a ``.safetensors`` file read (a few hundred bytes per tensor).
MAX_SAFETENSORS_HEADER = 4 * 2**20
#: An ``.npz`` may declare at most this many times its own size, plus 16 MiB, uncompressed.
NPZ_EXPANSION = 16
_NPZ_SLACK = 16 * 2**20
_MAX_TENSORS = 100_000
_MAX_DIMS = 64

_SAFETENSORS_DTYPES = {
    "F64": "<f8",
    "F32": "<f4",
    "F16": "<f2",
    "BF16": "<u2",  # converted to float32 below
    "I64": "<i8",
    "I32": "<i4",
    "I16": "<i2",
    "I8": "i1",
    "U8": "u1",
    "BOOL": "?",
}


class StateDictFileError(ValueError):
    """A file that is not a readable state dict (the message names the file and the cause)."""


def read_arrays(file: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """The named arrays of an ``.npz``, ``.safetensors`` or ``.pt`` file.

    Parameters
    ----------
    file
        A path; its suffix chooses the format (see the module).

    Returns
    -------
    dict
        Name to numpy array, in the file's order (bfloat16 tensors as float32, exactly).

    Raises
    ------
    StateDictFileError
        A missing file, an unknown suffix, a malformed file, an unsupported dtype, a limit
        exceeded, or a pickle that needs anything besides torch's tensor rebuilding. The
        message (one line) names the file.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "w.npz"
    >>> np.savez(path, w=np.ones((2, 2)))
    >>> {k: v.shape for k, v in read_arrays(path).items()}
    {'w': (2, 2)}
    """
    path = Path(os.fspath(file))
    where = printable(str(path))
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise StateDictFileError(
            f"{where}: unknown weights format {shown(suffix or '(no suffix)', 40)}; expected "
            f"one of {', '.join(SUFFIXES)}"
        )
    if not path.is_file():
        raise StateDictFileError(f"{where}: no such file")
    try:
        if suffix == ".npz":
            return read_npz(path, where)
        if suffix == ".safetensors":
            return _read_safetensors(path, where)
        return _read_torch(path, where)
    except StateDictFileError:
        raise
    except MemoryError:
        raise StateDictFileError(f"{where}: its arrays do not fit in memory") from None
    except Exception as exc:  # anything a malformed file raises: one line, never a traceback
        raise StateDictFileError(
            f"{where}: not a readable {suffix} file ({_reason(exc)})"
        ) from None


def _reason(exc: BaseException) -> str:
    """An exception from reading a malformed file, as a short printable reason."""
    text = str(exc) if isinstance(exc, ValueError) else f"{type(exc).__name__}: {exc}"
    return printable(text, 300)


def _check_memory(where: str, need: int) -> None:
    """Refuse to read ``need`` bytes of arrays when the machine has less memory available."""
    available = available_memory()
    if available is not None and need > available:
        raise StateDictFileError(
            f"{where}: its arrays need {human_bytes(need)}, more than the "
            f"{human_bytes(available)} of memory available"
        )


# -- .npz ---------------------------------------------------------------------------------------


def read_npz(file: str | os.PathLike[str] | IO[bytes], where: str = "<file>") -> dict:
    """The arrays of an ``.npz`` archive (a path or a seekable binary file), checked.

    Parameters
    ----------
    file
        The archive.
    where
        Names it in messages.

    Returns
    -------
    dict
        Name (without ``.npy``) to array.

    Raises
    ------
    StateDictFileError
        Sizes over the limits (see the module), members that are not numeric ``.npy`` arrays,
        extended-precision or complex dtypes.
    zipfile.BadZipFile, OSError, ValueError
        An archive that cannot be read (the caller words it).
    """
    if isinstance(file, (str, os.PathLike)):
        size = os.path.getsize(file)
    else:
        size = file.seek(0, os.SEEK_END)
        file.seek(0)
    try:
        archive = open_zip(file)
    except TorchFileError as exc:
        raise StateDictFileError(f"{where}: {exc}") from None
    with archive:
        infos = archive.infolist()
        declared = sum(info.file_size for info in infos)
        if declared > NPZ_EXPANSION * size + _NPZ_SLACK:
            raise StateDictFileError(
                f"{where}: declares {human_bytes(declared)} of arrays in a file of "
                f"{human_bytes(size)} (at most {NPZ_EXPANSION} times its size plus 16 MiB): "
                "a zip bomb, or re-save it with np.savez"
            )
        _check_memory(where, declared)
        out = {}
        for info in infos:
            name = info.filename
            if not name.endswith(".npy"):
                raise StateDictFileError(
                    f"{where}: member {shown(name, 80)} is not an array (.npy); np.savez "
                    "writes only arrays"
                )
            out[name[: -len(".npy")]] = _npy_member(archive, info, where)
    return out


def _npy_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, where: str) -> np.ndarray:
    """One ``.npy`` member: header parsed and checked against the member's size, then read."""
    label = f"{where}: array {shown(info.filename[:-4], 80)}"
    with archive.open(info) as member:
        version = np.lib.format.read_magic(member)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(member)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(member)
        else:
            raise StateDictFileError(f"{label} has .npy format {version}, not 1.0 or 2.0")
        _check_dtype(dtype, label)
        if len(shape) > _MAX_DIMS:
            raise StateDictFileError(f"{label} has {len(shape)} dimensions")
        nbytes = math.prod(shape) * dtype.itemsize
        if member.tell() + nbytes != info.file_size:
            raise StateDictFileError(
                f"{label}: its header gives shape {shown(shape, 80)} of {dtype} "
                f"({nbytes} bytes), its member holds {info.file_size - member.tell()}"
            )
        data = member.read(nbytes)
        if len(data) != nbytes or member.read(1):  # the last read checks the CRC
            raise StateDictFileError(f"{label} is shorter than its header says")
    array = np.frombuffer(data, dtype=dtype).reshape(shape, order="F" if fortran else "C")
    return array.astype(dtype.newbyteorder("="), copy=True)


def _check_dtype(dtype: np.dtype, label: str) -> None:
    """Only real numbers read exactly: bool, integers, floats up to float64."""
    if dtype.kind == "f" and dtype.itemsize > 8:
        raise StateDictFileError(
            f"{label} has dtype {dtype} (extended precision): rac_tn reads weights exactly and "
            "would have to round it; convert it to float64 first if that rounding is intended"
        )
    if dtype.kind not in "biuf" or dtype.fields is not None or dtype.subdtype is not None:
        raise StateDictFileError(
            f"{label} has dtype {printable(str(dtype), 60)}; weights are bool, integer or float "
            "(float16, float32, float64) arrays"
        )


# -- .safetensors -------------------------------------------------------------------------------


def _read_safetensors(path: Path, where: str) -> dict[str, np.ndarray]:
    size = path.stat().st_size
    with path.open("rb") as file:
        head = file.read(8)
        if len(head) < 8:
            raise StateDictFileError(f"{where}: too short for a .safetensors file")
        (length,) = struct.unpack("<Q", head)
        if length > min(MAX_SAFETENSORS_HEADER, size - 8):
            raise StateDictFileError(
                f"{where}: header length {length} exceeds the file or "
                f"{human_bytes(MAX_SAFETENSORS_HEADER)}"
            )
        text = file.read(length)
    try:
        header = json.loads(text.decode("utf-8"), object_pairs_hook=_no_duplicates)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        reason = "nested too deep" if isinstance(exc, RecursionError) else printable(str(exc), 120)
        raise StateDictFileError(f"{where}: the header is not JSON ({reason})") from None
    if not isinstance(header, dict):
        raise StateDictFileError(f"{where}: the header is not a JSON object")
    header.pop("__metadata__", None)
    if len(header) > _MAX_TENSORS:
        raise StateDictFileError(f"{where}: the header lists more than {_MAX_TENSORS} tensors")
    tensors = {name: _safetensor_entry(where, name, info) for name, info in header.items()}
    body = size - 8 - length
    _check_coverage(where, tensors, body)
    _check_memory(where, body)
    out = {}
    with path.open("rb") as file:
        for name, (dtype_name, shape, begin, end) in tensors.items():
            file.seek(8 + length + begin)
            raw = file.read(end - begin)
            if len(raw) != end - begin:  # pragma: no cover (the file shrank meanwhile)
                raise StateDictFileError(f"{where}: tensor {shown(name, 80)} is cut short")
            array = np.frombuffer(raw, dtype=np.dtype(_SAFETENSORS_DTYPES[dtype_name]))
            array = array.reshape(shape)
            if dtype_name == "BF16":
                out[name] = _bf16_to_float32(array)
            else:
                out[name] = array.astype(array.dtype.newbyteorder("="), copy=True)
    return out


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object's pairs as a dict, refusing a name given twice."""
    out = dict(pairs)
    if len(out) != len(pairs):
        names = [name for name, _ in pairs]
        twice = next(name for name in names if names.count(name) > 1)
        raise ValueError(f"the name {shown(twice, 80)} appears twice")
    return out


def _safetensor_entry(where: str, name: str, info: Any) -> tuple[str, list[int], int, int]:
    """One tensor's header entry, checked: (dtype, shape, begin, end)."""
    label = f"{where}: tensor {shown(name, 80)}"
    if not isinstance(info, Mapping):
        raise StateDictFileError(f"{label} lacks dtype, shape or data_offsets")
    dtype_name, shape, offsets = info.get("dtype"), info.get("shape"), info.get("data_offsets")
    if dtype_name is None or shape is None or offsets is None:
        raise StateDictFileError(f"{label} lacks dtype, shape or data_offsets")
    if not isinstance(dtype_name, str) or dtype_name not in _SAFETENSORS_DTYPES:
        raise StateDictFileError(
            f"{label} has dtype {shown(dtype_name, 40)}, which rac_tn does not read "
            f"(supported: {', '.join(_SAFETENSORS_DTYPES)})"
        )
    if not (
        isinstance(shape, list)
        and len(shape) <= _MAX_DIMS
        and all(type(s) is int and s >= 0 for s in shape)
    ):
        raise StateDictFileError(f"{label} has a bad shape {shown(shape, 80)}")
    if not (
        isinstance(offsets, list)
        and len(offsets) == 2
        and all(type(o) is int and o >= 0 for o in offsets)
    ):
        raise StateDictFileError(f"{label} has bad data_offsets {shown(offsets, 80)}")
    begin, end = offsets
    nbytes = math.prod(shape) * np.dtype(_SAFETENSORS_DTYPES[dtype_name]).itemsize
    if end - begin != nbytes:
        raise StateDictFileError(
            f"{label} ({dtype_name}, shape {shown(shape, 60)}) has data_offsets "
            f"[{begin}, {end}] that do not match its size of {nbytes} bytes"
        )
    return dtype_name, shape, begin, end


def _check_coverage(where: str, tensors: dict, body: int) -> None:
    """The tensors' byte ranges tile the body: no overlap, no gap, nothing after them."""
    spans = sorted((begin, end, name) for name, (_, _, begin, end) in tensors.items())
    expected, previous = 0, None
    for begin, end, name in spans:
        if begin < expected:
            raise StateDictFileError(
                f"{where}: tensors {shown(previous, 60)} and {shown(name, 60)} overlap in the "
                "file (data_offsets)"
            )
        if begin > expected:
            raise StateDictFileError(
                f"{where}: bytes [{expected}, {begin}) of the body belong to no tensor"
            )
        expected, previous = end, name
    if expected != body:
        if expected > body:
            raise StateDictFileError(
                f"{where}: tensor {shown(previous, 60)} has data_offsets that do not match "
                f"the file (its body has {body} bytes)"
            )
        raise StateDictFileError(
            f"{where}: the file has {human_bytes(body - expected)} after its last tensor "
            "(not a .safetensors file, or cut and joined)"
        )


def _bf16_to_float32(bits: np.ndarray) -> np.ndarray:
    """bfloat16 bit patterns (uint16) as float32: the top half of the float32 word, exact."""
    return (bits.astype(np.uint32) << 16).view(np.float32)


# -- torch files ------------------------------------------------------------------------------


def _read_torch(path: Path, where: str) -> dict[str, np.ndarray]:
    """A ``torch.save`` zip archive (see :mod:`rac_tn.models.torch_pickle`)."""
    if not zipfile.is_zipfile(path):
        raise StateDictFileError(
            f"{where}: not torch's zip format (a legacy torch.save file?); rac_tn reads the zip "
            "format that torch.save writes by default since torch 1.6: re-save the state dict "
            "(torch.save(torch.load(old, weights_only=True), new))"
        )
    try:
        return read_torch_zip(path)
    except ValueError as exc:  # TorchFileError, and ValueErrors of malformed pickles
        raise StateDictFileError(f"{where}: {printable(str(exc), 400)}") from None
    except MemoryError:
        raise
    except Exception as exc:  # a malformed archive or pickle: one line, never a traceback
        raise StateDictFileError(f"{where}: not a readable .pt file ({_reason(exc)})") from None


def _unpickle_torch_zip(path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """The torch reader alone, with this module's errors (for the tests)."""
    path = Path(path)
    return _read_torch(path, printable(str(path)))
