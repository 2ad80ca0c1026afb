"""Torch's zip checkpoints (``torch.save``) read without torch and without trusting the file.

A ``.pt`` file is a zip archive: ``<name>/data.pkl`` (a pickle naming each tensor's storage,
offset, size and stride) and ``<name>/data/<key>`` (each storage's raw bytes). Reading one
runs in three steps, each bounded so that a small file stays cheap whatever it holds:

1. :func:`~rac_tn.models.pickle_shape.check_pickle` follows the pickle's opcodes without
   running any of them and refuses a pickle too long, nested too deep (a dict key nested
   200,000 deep crashes the interpreter when hashed), expanding to too many parts (a tuple
   of itself shared 60 times hashes for ever) or holding an object that contains itself.
2. A restricted unpickler admits only torch's tensor-rebuild functions, its storage and dtype
   names and ``collections.OrderedDict`` (any other global, ``os.system`` included, is refused
   before it is looked up); tensors come out as placeholders, checked (strides that overlap,
   zero strides included, are refused) but not read.
3. Only the storages the state dict's tensors use are read (each fully, so that its CRC is
   checked), after two checks of the sizes the archive declares: the tensors' values may not
   exceed twice the file's size (views that overlap would multiply them; identical views, tied
   weights, become one shared read-only array), and the storages read may not exceed four
   times the values taken from them (a 2 GiB storage behind a 6-element tensor is refused).

Every refusal is a :class:`TorchFileError` (a ValueError) with a one-line message in which
any value from the file is shown bounded and with control characters escaped.
"""

from __future__ import annotations

import collections
import io
import math
import pickle
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from rac_tn._checks import available_memory
from rac_tn._format import human_bytes, printable, shown
from rac_tn.models.pickle_shape import (
    MAX_NESTING,
    MAX_PICKLE_BYTES,
    PickleRefused,
    check_pickle,
)

__all__ = [
    "MAX_DIMS",
    "TorchFileError",
    "open_zip",
    "read_torch_zip",
]

#: The most dimensions of one tensor.
MAX_DIMS = 64
_SLACK = 2**20  # bytes allowed beyond the proportional limits, for tiny files

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
_KINDS = set(_DTYPES.values())


class TorchFileError(PickleRefused):
    """A ``.pt`` file refused: malformed, over a limit, or asking for more than tensors."""


# -- 2. the restricted unpickler: tensors as checked placeholders -----------------------------


class _Storage:
    """A storage class named in a pickle: only its element type matters here."""

    def __init__(self, name: str, kind: str) -> None:
        self.name, self.kind = name, kind


@dataclass(frozen=True)
class _StorageRef:
    """A storage named by a persistent id: its key in ``data/`` and its element type."""

    key: str
    kind: str


@dataclass(frozen=True)
class _TensorRef:
    """A tensor not read yet: a strided view of a storage, in elements of ``kind``."""

    key: str
    kind: str
    offset: int
    size: tuple[int, ...]
    stride: tuple[int, ...]

    @property
    def numel(self) -> int:
        """The number of elements."""
        return math.prod(self.size)

    @property
    def end(self) -> int:
        """One past the last element of the storage the view reads (0 when empty)."""
        if self.numel == 0:
            return 0
        return (
            self.offset + 1 + sum((n - 1) * s for n, s in zip(self.size, self.stride, strict=True))
        )


def _itemsize(kind: str) -> int:
    return 2 if kind == "bf16" else np.dtype(kind).itemsize


def _ints(value: Any, what: str) -> tuple[int, ...]:
    """A tuple of at most MAX_DIMS int64s >= 0 (Python ints, not bools), or refuse."""
    if not isinstance(value, (tuple, list)) or len(value) > MAX_DIMS:
        raise TorchFileError(f"a tensor's {what} is {shown(value, 80)}, not a tuple of sizes")
    if not all(type(v) is int and 0 <= v < 2**63 for v in value):
        raise TorchFileError(f"a tensor's {what} {shown(value, 80)} is not non-negative int64s")
    return tuple(value)


def _rebuild_tensor(storage: Any, offset: Any, size: Any, stride: Any, *_: Any) -> _TensorRef:
    """torch._utils._rebuild_tensor_v2: a strided view of a storage, checked, not read."""
    if not isinstance(storage, _StorageRef):
        raise TorchFileError(f"a tensor's storage is {shown(storage, 80)}, not a storage")
    return _view(storage.key, storage.kind, offset, size, stride)


def _view(key: str, kind: str, offset: Any, size: Any, stride: Any) -> _TensorRef:
    """A checked view: sizes, strides and offset non-negative ints, strides never overlapping."""
    size, stride = _ints(size, "size"), _ints(stride, "stride")
    (offset,) = _ints((offset,), "offset")
    if len(size) != len(stride):
        raise TorchFileError(f"a tensor has size {size} but stride {stride}")
    if 0 in size:
        return _TensorRef(key, kind, offset, size, stride)
    reach = 1  # elements spanned by the dimensions so far, by increasing stride
    pairs = [pair for pair in zip(size, stride, strict=True) if pair[0] > 1]
    for n, s in sorted(pairs, key=lambda pair: pair[1]):
        if s < reach:
            raise TorchFileError(
                f"a tensor of size {size} has strides {stride} that overlap (a stride of 0 "
                "repeats one value); torch.save of a model's state_dict never writes that"
            )
        reach = s * (n - 1) + reach
    return _TensorRef(key, kind, offset, size, stride)


def _rebuild_tensor_v3(
    storage: Any, offset: Any, size: Any, stride: Any, grad: Any, hooks: Any, dtype: Any,
    *_: Any,
) -> _TensorRef:  # fmt: skip
    """torch._utils._rebuild_tensor_v3: an untyped storage read as ``dtype``."""
    if not isinstance(storage, _StorageRef) or dtype not in _KINDS:
        raise TorchFileError(f"a tensor has storage {shown(storage, 60)}, dtype {shown(dtype)}")
    return _view(storage.key, dtype, offset, size, stride)


def _rebuild_parameter(data: Any, *_: Any) -> _TensorRef:
    """torch._utils._rebuild_parameter: a Parameter is its data here."""
    if not isinstance(data, _TensorRef):
        raise TorchFileError(f"a parameter holds {shown(data, 80)}, not a tensor")
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
    (what ``state_dict()`` attaches) is set; BUILD on anything else (a function, a tensor) is
    refused.
    """

    dispatch: ClassVar[dict[int, Callable[..., Any]]] = dict(pickle._Unpickler.dispatch)
    stack: list[Any]  # the pure-Python unpickler's (not in the stubs)

    def __init__(self, file: io.BytesIO) -> None:
        super().__init__(file)
        self.views: list[_TensorRef] = []  # every tensor built, kept or not

    def load_build(self) -> None:
        """BUILD: ``_metadata`` on an OrderedDict only."""
        state = self.stack.pop()
        inst = self.stack[-1]
        if type(inst) is not collections.OrderedDict or not (
            isinstance(state, dict) and set(state) <= {"_metadata"}
        ):
            raise TorchFileError(
                f"refused to set state on a {type(inst).__name__}: a state dict sets only an "
                "OrderedDict's _metadata"
            )
        inst.__dict__.update(state)

    dispatch[pickle.BUILD[0]] = load_build

    def find_class(self, module: str, name: str) -> Any:
        found = _TORCH_FUNCTIONS.get((module, name))
        if found is collections.OrderedDict:
            return found
        if found is not None:
            return _recording(found, self.views)
        if module == "torch" and name in _STORAGES:
            return _Storage(name, _STORAGES[name])
        if module == "torch" and name in _DTYPES:
            return _DTYPES[name]
        raise TorchFileError(
            f"refused global {printable(module, 60)}.{printable(name, 60)}: rac_tn reads "
            "only state dicts of tensors (torch's tensor-rebuild functions, storages and "
            "OrderedDict); this pickle asks for something else and is not run"
        )

    def persistent_load(self, pid: Any) -> _StorageRef:
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
            raise TorchFileError(f"unexpected persistent id {shown(pid, 80)}")
        _, storage_type, key, _location, _numel = pid
        if not isinstance(storage_type, _Storage) or not isinstance(key, str) or len(key) > 200:
            raise TorchFileError(f"unexpected storage {shown(pid, 80)}")
        return _StorageRef(key, storage_type.kind)


def _recording(rebuild: Any, views: list[_TensorRef]) -> Any:
    """``rebuild``, appending each tensor it returns to ``views``."""

    def recorded(*args: Any) -> _TensorRef:
        view = rebuild(*args)
        views.append(view)
        return view

    return recorded


# -- 3. the state dict, then the storages it uses ---------------------------------------------


def _select(loaded: Any) -> Mapping[str, _TensorRef]:
    """The mapping of names to tensors (or the one under ``state_dict`` / ``model_state_dict``)."""
    for _ in range(MAX_NESTING):
        if not isinstance(loaded, Mapping):
            raise TorchFileError(
                f"holds a {type(loaded).__name__}, not a state dict; save model.state_dict()"
            )
        if all(isinstance(v, _TensorRef) for v in loaded.values()):
            bad = [k for k in loaded if not isinstance(k, str)]
            if bad:
                raise TorchFileError(
                    f"has a key {shown(bad[0], 80)} of type {type(bad[0]).__name__}; a state "
                    "dict's keys are parameter names (str)"
                )
            return loaded
        inner = next(
            (loaded[k] for k in ("state_dict", "model_state_dict") if _has_key(loaded, k)), None
        )
        if not isinstance(inner, Mapping):
            kinds = ", ".join(
                f"{shown(k, 40)}: {type(v).__name__}" for k, v in list(loaded.items())[:8]
            )
            more = ", ..." if len(loaded) > 8 else ""
            raise TorchFileError(
                f"holds a mapping whose values are not all tensors ({{{kinds}{more}}}); save "
                "model.state_dict()"
            )
        loaded = inner
    raise TorchFileError("state dicts nested too deep")  # pragma: no cover (MAX_NESTING)


def _has_key(mapping: Mapping, key: str) -> bool:
    """``key in mapping`` for a mapping whose keys may be unhashable-by-design junk."""
    return any(isinstance(k, str) and k == key for k in mapping)


def open_zip(file: Any) -> zipfile.ZipFile:
    """A zip archive whose directory agrees with itself, else refused.

    As many entries as its end record says (a damaged directory otherwise loses members
    silently), and no name twice.

    Raises
    ------
    TorchFileError, zipfile.BadZipFile
        A directory that disagrees with itself, or no zip archive.
    """
    archive = zipfile.ZipFile(file)
    try:
        fp = archive.fp
        # the end record, as ZipFile itself reads it (private, but stable since Python 2)
        read_end = getattr(zipfile, "_EndRecData", None)
        end = read_end(fp) if fp is not None and read_end is not None else None
        names = archive.namelist()
        listed = None if end is None else end[getattr(zipfile, "_ECD_ENTRIES_TOTAL", 4)]
        if listed is not None and listed != len(names):
            raise TorchFileError(
                f"the archive's directory lists {len(names)} members, its end record "
                f"{listed}: a damaged file"
            )
        if len(set(names)) != len(names):
            raise TorchFileError("the archive names one member twice")
    except BaseException:
        archive.close()
        raise
    return archive


def read_torch_zip(path: Path) -> dict[str, np.ndarray]:
    """The state dict of a ``torch.save`` zip archive, as numpy arrays (see the module).

    Parameters
    ----------
    path
        The ``.pt`` / ``.pth`` file.

    Returns
    -------
    dict
        Name to array (bfloat16 as float32, exactly); tied weights share one read-only array.

    Raises
    ------
    TorchFileError
        See the module: every check that fails, with the reason.
    zipfile.BadZipFile, OSError
        An archive that cannot be read (a CRC that does not match included).
    """
    file_size = path.stat().st_size
    with open_zip(path) as archive:
        infos = {info.filename: info for info in archive.infolist()}
        pickles = [name for name in infos if name.endswith("data.pkl")]
        if len(pickles) != 1:
            found = ", ".join(shown(name, 60) for name in pickles[:4])
            raise TorchFileError(f"expected one data.pkl in the archive, found {found or 'none'}")
        prefix = pickles[0][: -len("data.pkl")]
        data = _read_entry(archive, infos[pickles[0]], MAX_PICKLE_BYTES)
        check_pickle(data)
        order = "little"
        if prefix + "byteorder" in infos:
            raw = _read_entry(archive, infos[prefix + "byteorder"], 16)
            order = raw.decode("ascii", errors="replace").strip()
            if order not in ("little", "big"):
                raise TorchFileError(f"byteorder is {shown(order)}, not little or big")
        unpickler = _TorchUnpickler(io.BytesIO(data))
        loaded = unpickler.load()
        entries = _storage_entries(infos, prefix, unpickler.views)
        refs = _select(loaded)
        return _materialise(archive, entries, order, refs, file_size)


def _read_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """An archive entry of at most ``limit`` bytes (its declared size checked first)."""
    if info.file_size > limit:
        raise TorchFileError(
            f"{shown(info.filename, 80)} declares {human_bytes(info.file_size)} (at most "
            f"{human_bytes(limit)})"
        )
    with archive.open(info) as entry:
        data = entry.read(limit + 1)
    if len(data) > limit:  # pragma: no cover (zipfile stops at the declared size)
        raise TorchFileError(f"{shown(info.filename, 80)} is longer than it declares")
    return data


def _storage_entries(
    infos: dict[str, zipfile.ZipInfo], prefix: str, views: list[_TensorRef]
) -> dict[str, zipfile.ZipInfo]:
    """The archive entry of each storage a tensor uses, every tensor within its storage."""
    entries = {}
    for view in views:
        info = infos.get(f"{prefix}data/{view.key}")
        if info is None:
            raise TorchFileError(f"the archive lacks the storage {shown(view.key, 60)}")
        if view.end * _itemsize(view.kind) > info.file_size:
            raise TorchFileError(
                f"a tensor of size {view.size}, stride {view.stride}, offset {view.offset} "
                f"reaches past its storage {shown(view.key, 60)} of {info.file_size} bytes"
            )
        entries[view.key] = info
    return entries


def _materialise(
    archive: zipfile.ZipFile,
    entries: dict[str, zipfile.ZipInfo],
    order: str,
    refs: Mapping[str, _TensorRef],
    file_size: int,
) -> dict[str, np.ndarray]:
    """Read the storages the tensors use (sizes checked first) and cut the tensors out."""
    views = list(dict.fromkeys(refs.values()))  # identical views once: tied weights
    need = sum(v.numel * _itemsize(v.kind) for v in views)
    if need > 2 * file_size + _SLACK:
        raise TorchFileError(
            f"its tensors would hold {human_bytes(need)} of values from a file of "
            f"{human_bytes(file_size)} (views that overlap); re-save them with tensor.clone()"
        )
    by_storage: dict[str, list[_TensorRef]] = {}
    for view in views:
        by_storage.setdefault(view.key, []).append(view)
    entries = {key: entries[key] for key in by_storage}
    stored = sum(info.file_size for info in entries.values())
    if stored > 4 * need + _SLACK:
        raise TorchFileError(
            f"its storages hold {human_bytes(stored)} for {human_bytes(need)} of tensor "
            "values; re-save the tensors with tensor.clone()"
        )
    available = available_memory()
    largest = max((info.file_size for info in entries.values()), default=0)
    if available is not None and need + largest > available:  # the arrays, and one storage
        raise TorchFileError(
            f"its tensors need {human_bytes(need)}, more than the {human_bytes(available)} "
            "of memory available"
        )
    arrays: dict[_TensorRef, np.ndarray] = {}
    for key, on_it in by_storage.items():
        raw = _read_entry(archive, entries[key], entries[key].file_size)
        for view in on_it:
            arrays[view] = _cut(raw, view, order)
    uses = collections.Counter(refs.values())
    for view in views:
        if uses[view] > 1:  # tied weights: one array, read-only so that no name changes another
            arrays[view].flags.writeable = False
    return {name: arrays[view] for name, view in refs.items()}


def _cut(raw: bytes, view: _TensorRef, order: str) -> np.ndarray:
    """The tensor ``view`` of the storage bytes ``raw``, as a new native-order array."""
    kind = "<u2" if view.kind == "bf16" else view.kind
    dtype = np.dtype(kind).newbyteorder("<" if order == "little" else ">")
    if view.numel == 0:
        values = np.zeros(view.size, dtype=dtype.newbyteorder("="))
    else:
        storage = np.frombuffer(raw, dtype=dtype, count=view.end)
        values = np.lib.stride_tricks.as_strided(
            storage[view.offset :],
            shape=view.size,
            strides=tuple(s * dtype.itemsize for s in view.stride),
            writeable=False,
        ).astype(dtype.newbyteorder("="), copy=True)
    if view.kind == "bf16":  # the top half of a float32 word: exact
        return (values.astype(np.uint32) << 16).view(np.float32)
    return values
