"""Read a file of named arrays (a state dict) as numpy arrays, without needing torch.

Three formats, chosen by the suffix:

- ``.npz``: numpy's archive (``allow_pickle=False``).
- ``.safetensors``: parsed here (an 8-byte little-endian header length, a JSON header giving
  each tensor's ``dtype``, ``shape`` and ``data_offsets``, then the raw bytes); dtypes F64,
  F32, F16, BF16 (read as float32, exactly), I64, I32, I16, I8, U8 and BOOL; any other dtype
  is refused by name.
- ``.pt`` / ``.pth``: ``torch.load(weights_only=True)`` when torch is importable; otherwise a
  restricted unpickler of torch's zip format that admits only torch's tensor-rebuild
  functions, its storage and dtype names and ``collections.OrderedDict``: any other global
  (``os.system``, ...) is refused before it is looked up, so no pickle runs code.

Used by :mod:`rac_tn.models.weights`.
"""

from __future__ import annotations

import collections
import io
import json
import os
import pickle
import struct
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any, ClassVar

import numpy as np

__all__ = ["SUFFIXES", "StateDictFileError", "read_arrays"]

#: The suffixes :func:`read_arrays` reads.
SUFFIXES = (".npz", ".safetensors", ".pt", ".pth")

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
# torch's storage classes and dtypes, by the names its pickles use
_STORAGES = {
    "DoubleStorage": "f8",
    "FloatStorage": "f4",
    "HalfStorage": "f2",
    "BFloat16Storage": "bf16",
    "LongStorage": "i8",
    "IntStorage": "i4",
    "ShortStorage": "i2",
    "CharStorage": "i1",
    "ByteStorage": "u1",
    "BoolStorage": "?",
    "UntypedStorage": "u1",
}
_DTYPES = {
    "float64": "f8",
    "double": "f8",
    "float32": "f4",
    "float": "f4",
    "float16": "f2",
    "half": "f2",
    "bfloat16": "bf16",
    "int64": "i8",
    "long": "i8",
    "int32": "i4",
    "int": "i4",
    "int16": "i2",
    "short": "i2",
    "int8": "i1",
    "uint8": "u1",
    "bool": "?",
}
_MAX_HEADER = 100_000_000


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
        A missing file, an unknown suffix, a malformed file, an unsupported dtype, or a pickle
        that needs anything besides torch's tensor rebuilding. The message names the file.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "w.npz"
    >>> np.savez(path, w=np.ones((2, 2)))
    >>> {k: v.shape for k, v in read_arrays(path).items()}
    {'w': (2, 2)}
    """
    path = Path(os.fspath(file))
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise StateDictFileError(
            f"{path}: unknown weights format {suffix or '(no suffix)'!r}; expected one of "
            f"{', '.join(SUFFIXES)}"
        )
    if not path.is_file():
        raise StateDictFileError(f"{path}: no such file")
    try:
        if suffix == ".npz":
            return _read_npz(path)
        if suffix == ".safetensors":
            return _read_safetensors(path)
        return _read_torch(path)
    except StateDictFileError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, struct.error) as exc:
        raise StateDictFileError(f"{path}: not a readable {suffix} file ({exc})") from None


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    loaded = np.load(path, allow_pickle=False)
    if not isinstance(loaded, np.lib.npyio.NpzFile):
        raise StateDictFileError(f"{path}: not an .npz archive of named arrays")
    with loaded:
        return {name: loaded[name] for name in loaded.files}


def _read_safetensors(path: Path) -> dict[str, np.ndarray]:
    data = path.read_bytes()
    if len(data) < 8:
        raise StateDictFileError(f"{path}: too short for a .safetensors file")
    (length,) = struct.unpack("<Q", data[:8])
    if length > min(_MAX_HEADER, len(data) - 8):
        raise StateDictFileError(f"{path}: header length {length} exceeds the file")
    try:
        header = json.loads(data[8 : 8 + length].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StateDictFileError(f"{path}: the header is not JSON ({exc})") from None
    if not isinstance(header, dict):
        raise StateDictFileError(f"{path}: the header is not a JSON object")
    body = memoryview(data)[8 + length :]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        out[name] = _safetensor(path, name, info, body)
    return out


def _safetensor(path: Path, name: str, info: Any, body: memoryview) -> np.ndarray:
    """One tensor of a .safetensors body, checked (dtype by name, shape, offsets)."""
    try:
        dtype_name, shape, (begin, end) = info["dtype"], info["shape"], info["data_offsets"]
    except (KeyError, TypeError, ValueError):
        raise StateDictFileError(
            f"{path}: tensor {name!r} lacks dtype, shape or data_offsets"
        ) from None
    if dtype_name not in _SAFETENSORS_DTYPES:
        raise StateDictFileError(
            f"{path}: tensor {name!r} has dtype {dtype_name!r}, which rac_tn does not read "
            f"(supported: {', '.join(_SAFETENSORS_DTYPES)})"
        )
    if not (isinstance(shape, list) and all(isinstance(s, int) and s >= 0 for s in shape)):
        raise StateDictFileError(f"{path}: tensor {name!r} has a bad shape {shape!r}")
    dtype = np.dtype(_SAFETENSORS_DTYPES[dtype_name])
    count = int(np.prod(shape, dtype=np.int64)) if shape else 1
    if not (0 <= begin <= end <= len(body)) or end - begin != count * dtype.itemsize:
        raise StateDictFileError(
            f"{path}: tensor {name!r} ({dtype_name}, shape {shape}) has data_offsets "
            f"[{begin}, {end}] that do not match its size or the file"
        )
    array = np.frombuffer(body[begin:end], dtype=dtype).reshape(shape)
    if dtype_name == "BF16":
        return _bf16_to_float32(array)
    return array.astype(dtype.newbyteorder("="), copy=True)


def _bf16_to_float32(bits: np.ndarray) -> np.ndarray:
    """bfloat16 bit patterns (uint16) as float32: the top half of the float32 word, exact."""
    return (bits.astype(np.uint32) << 16).view(np.float32)


# -- torch files ------------------------------------------------------------------------------


def _read_torch(path: Path) -> dict[str, np.ndarray]:
    try:
        import torch  # optional: the restricted unpickler below needs no torch
    except ImportError:
        return _state_dict(path, _unpickle_torch_zip(path))
    try:
        loaded = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        raise StateDictFileError(
            f"{path}: torch.load(weights_only=True) refused it ({exc})"
        ) from None
    except RuntimeError as exc:
        raise StateDictFileError(f"{path}: not a readable .pt file ({exc})") from None
    return _state_dict(path, _tensors_to_numpy(loaded, torch))


def _tensors_to_numpy(value: Any, torch: Any) -> Any:
    if isinstance(value, torch.Tensor):
        tensor = value.detach().cpu()
        if tensor.dtype == torch.bfloat16:
            tensor = tensor.float()  # exact: bfloat16 is the top half of a float32
        return tensor.numpy().copy()
    if isinstance(value, Mapping):
        return {k: _tensors_to_numpy(v, torch) for k, v in value.items()}
    return value


def _state_dict(path: Path, loaded: Any) -> dict[str, np.ndarray]:
    """The mapping of names to arrays (or the one under ``state_dict`` / ``model_state_dict``)."""
    if isinstance(loaded, Mapping):
        if all(isinstance(v, np.ndarray) for v in loaded.values()):
            return {str(k): v for k, v in loaded.items()}
        for key in ("state_dict", "model_state_dict"):
            inner = loaded.get(key)
            if isinstance(inner, Mapping):
                return _state_dict(path, inner)
        kinds = {str(k): type(v).__name__ for k, v in loaded.items()}
        raise StateDictFileError(
            f"{path}: holds a mapping whose values are not all tensors ({kinds}); save "
            "model.state_dict()"
        )
    raise StateDictFileError(
        f"{path}: holds a {type(loaded).__name__}, not a state dict; save model.state_dict()"
    )


class _Storage:
    """A storage class named in a pickle: only its element type matters here."""

    def __init__(self, name: str, kind: str) -> None:
        self.name, self.kind = name, kind


def _numpy_dtype(kind: str) -> np.dtype:
    return np.dtype("<u2") if kind == "bf16" else np.dtype(kind).newbyteorder("<")


def _rebuild_tensor(
    storage: np.ndarray, offset: int, size: tuple, stride: tuple, *_: Any
) -> np.ndarray:
    """torch._utils._rebuild_tensor_v2: a strided view of a storage, bounds-checked, copied."""
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    if len(size) != len(stride) or min(size, default=0) < 0 or min(stride, default=0) < 0:
        raise pickle.UnpicklingError(f"bad tensor size {size} / stride {stride}")
    if 0 in size:
        return np.zeros(size, dtype=storage.dtype)
    last = int(offset) + sum((n - 1) * s for n, s in zip(size, stride, strict=True))
    if offset < 0 or last >= storage.size:
        raise pickle.UnpicklingError(
            f"tensor of size {size}, stride {stride}, offset {offset} reaches past its "
            f"storage of {storage.size} elements"
        )
    view = np.lib.stride_tricks.as_strided(
        storage[offset:],
        shape=size,
        strides=tuple(s * storage.itemsize for s in stride),
        writeable=False,
    )
    return np.array(view, copy=True)


def _rebuild_tensor_v3(
    storage: np.ndarray, offset: int, size: tuple, stride: tuple, grad: Any, hooks: Any,
    dtype: str, *_: Any,
) -> np.ndarray:  # fmt: skip
    """torch._utils._rebuild_tensor_v3: an untyped storage read as ``dtype``."""
    return _rebuild_tensor(storage.view(_numpy_dtype(dtype)), offset, size, stride)


def _rebuild_parameter(data: np.ndarray, *_: Any) -> np.ndarray:
    """torch._utils._rebuild_parameter: a Parameter is its data here."""
    return data


_TORCH_FUNCTIONS = {
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
    ("torch._utils", "_rebuild_tensor_v3"): _rebuild_tensor_v3,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("collections", "OrderedDict"): collections.OrderedDict,
}


class _TorchUnpickler(pickle._Unpickler):
    """Unpickles torch's ``data.pkl``, admitting only the globals of a state dict.

    The pure-Python unpickler, so that BUILD (which sets attributes or calls
    ``__setstate__`` on an object) can be limited too: only an OrderedDict's ``_metadata``
    (what ``state_dict()`` attaches) is set; BUILD on anything else (a function, an array) is
    refused.
    """

    dispatch: ClassVar[dict[int, Callable[..., Any]]] = dict(pickle._Unpickler.dispatch)
    stack: list[Any]  # the pure-Python unpickler's (not in the stubs)

    def __init__(self, file: IO[bytes], archive: zipfile.ZipFile, prefix: str, order: str):
        super().__init__(file)
        self.archive, self.prefix, self.order = archive, prefix, order
        self.storages: dict[str, np.ndarray] = {}

    def load_build(self) -> None:
        """BUILD: ``_metadata`` on an OrderedDict only."""
        state = self.stack.pop()
        inst = self.stack[-1]
        if type(inst) is not collections.OrderedDict or not (
            isinstance(state, dict) and set(state) <= {"_metadata"}
        ):
            raise pickle.UnpicklingError(
                f"refused to set state on a {type(inst).__name__}: a state dict sets only an "
                "OrderedDict's _metadata"
            )
        inst.__dict__.update(state)

    dispatch[pickle.BUILD[0]] = load_build

    def find_class(self, module: str, name: str) -> Any:
        found = _TORCH_FUNCTIONS.get((module, name))
        if found is not None:
            return found
        if module == "torch" and name in _STORAGES:
            return _Storage(name, _STORAGES[name])
        if module == "torch" and name in _DTYPES:
            return _DTYPES[name]
        raise pickle.UnpicklingError(
            f"refused global {module}.{name}: without torch, rac_tn reads only state dicts "
            "of tensors (torch's tensor-rebuild functions, storages and OrderedDict); "
            "this pickle asks for something else and is not run"
        )

    def persistent_load(self, pid: Any) -> np.ndarray:
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
            raise pickle.UnpicklingError(f"unexpected persistent id {pid!r}")
        _, storage_type, key, _location, _numel = pid
        if not isinstance(storage_type, _Storage):
            raise pickle.UnpicklingError(f"unexpected storage type {storage_type!r}")
        key = str(key)
        if key not in self.storages:
            raw = self.archive.read(f"{self.prefix}data/{key}")
            dtype = _numpy_dtype(storage_type.kind)
            if self.order == "big":
                dtype = dtype.newbyteorder(">")
            if len(raw) % dtype.itemsize:
                raise pickle.UnpicklingError(f"storage {key} is not a whole number of elements")
            array = np.frombuffer(raw, dtype=dtype).astype(dtype.newbyteorder("="))
            self.storages[key] = array
        array = self.storages[key]
        return _bf16_to_float32(array) if storage_type.kind == "bf16" else array


def _unpickle_torch_zip(path: Path) -> Any:
    """Torch's zip format (``<name>/data.pkl`` and ``<name>/data/<key>``) without torch."""
    if not zipfile.is_zipfile(path):
        raise StateDictFileError(
            f"{path}: not torch's zip format (a legacy torch.save file?); without torch rac_tn "
            "reads only the zip format that torch.save writes by default; install torch or "
            "re-save the state dict"
        )
    with zipfile.ZipFile(path) as archive:
        pickles = [n for n in archive.namelist() if n.endswith("data.pkl")]
        if len(pickles) != 1:
            raise StateDictFileError(f"{path}: expected one data.pkl in the archive, got {pickles}")
        prefix = pickles[0][: -len("data.pkl")]
        names = set(archive.namelist())
        order = "little"
        if prefix + "byteorder" in names:
            order = archive.read(prefix + "byteorder").decode("ascii").strip()
        unpickler = _TorchUnpickler(io.BytesIO(archive.read(pickles[0])), archive, prefix, order)
        try:
            return unpickler.load()
        except (pickle.UnpicklingError, KeyError, AttributeError, TypeError, ValueError) as exc:
            raise StateDictFileError(f"{path}: {exc}") from None
