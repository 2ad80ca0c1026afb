"""Weight files crafted the way an attacker would (not tests): pickles, zips and headers by hand.

``HOSTILE`` maps a name to a function ``make(folder) -> Path`` writing one such file, each a
few hundred bytes to a few MB (sparse files may claim gigabytes without using the disk), and
``EXPECTED`` what reading it must give: ``"refused: <words>"`` or ``"loads"``. The builders
write opcodes and zip records themselves, so that they need neither torch nor the code under
test.
"""

from __future__ import annotations

import io
import json
import struct
import zlib
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parent / "data" / "statedicts"

# -- pickle opcodes, protocol 2 ------------------------------------------------------------------


def p_str(text: str) -> bytes:
    raw = text.encode()
    return b"X" + struct.pack("<I", len(raw)) + raw


def p_int(value: int) -> bytes:
    raw = value.to_bytes((value.bit_length() + 8) // 8, "little", signed=True)
    return b"\x8a" + bytes([len(raw)]) + raw


def p_tuple(*items: bytes) -> bytes:
    return b"(" + b"".join(items) + b"t"


def p_global(module: str, name: str) -> bytes:
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def p_tensor(key: str, offset: int, size, stride, storage: str = "FloatStorage") -> bytes:
    """``torch._utils._rebuild_tensor_v2(storage key, offset, size, stride, False, {})``."""
    pid = p_tuple(p_str("storage"), p_global("torch", storage), p_str(key), p_str("cpu"), p_int(0))
    args = p_tuple(
        pid + b"Q",
        p_int(offset),
        p_tuple(*map(p_int, size)),
        p_tuple(*map(p_int, stride)),
        b"\x89",
        b"}",
    )
    return p_global("torch._utils", "_rebuild_tensor_v2") + args + b"R"


def p_dict(items: dict[str, bytes]) -> bytes:
    """``{name: value, ...}`` from the names and each value's opcodes."""
    return b"\x80\x02}(" + b"".join(p_str(k) + v for k, v in items.items()) + b"u."


# -- zip archives by hand: stored members, some of them sparse -----------------------------------


def write_zip(path: Path, members: list[tuple[str, bytes | int]]) -> Path:
    """A zip of stored members; an int member is that many zero bytes left as a hole (sparse)."""
    central = b""
    with open(path, "wb") as file:
        for name, data in members:
            raw_name = name.encode()
            size = data if isinstance(data, int) else len(data)
            crc = 0 if isinstance(data, int) else zlib.crc32(data)
            offset = file.tell()
            file.write(
                struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 0, 0, 0, crc, size, size,
                            len(raw_name), 0) + raw_name
            )  # fmt: skip
            if isinstance(data, int):
                file.seek(size, 1)
            else:
                file.write(data)
            central += (
                struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 0, 0, 0, crc, size, size,
                            len(raw_name), 0, 0, 0, 0, 0, offset) + raw_name
            )  # fmt: skip
        start = file.tell()
        file.write(central)
        file.write(
            struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members),
                        len(central), start, 0)
        )  # fmt: skip
    return path


def torch_zip(path: Path, pickle: bytes, storages: dict[str, bytes | int]) -> Path:
    """torch.save's layout: ``archive/data.pkl``, ``archive/data/<key>``, ``byteorder``."""
    members = [("archive/data.pkl", pickle), ("archive/byteorder", b"little")]
    members += [(f"archive/data/{key}", data) for key, data in storages.items()]
    return write_zip(path, members)


def fixture_state_dict(stem: str = "cprnn") -> dict[str, np.ndarray]:
    with np.load(DATA / f"{stem}.npz") as loaded:
        return {name: loaded[name] for name in loaded.files}


def pt_of(path: Path, arrays: dict[str, np.ndarray], extra=None, aliases=None) -> Path:
    """A .pt of float32 ``arrays`` (one storage each), ``aliases`` {new: old} sharing a view,
    ``extra`` storages no tensor uses."""
    items, storages = {}, {}
    for i, (name, array) in enumerate(arrays.items()):
        array = np.ascontiguousarray(array, dtype="<f4")
        stride = [int(s) // 4 for s in array.strides]
        items[name] = p_tensor(str(i), 0, array.shape, stride)
        storages[str(i)] = array.tobytes()
    for new, old in (aliases or {}).items():
        items[new] = items[old]
    storages.update(extra or {})
    return torch_zip(path, p_dict(items), storages)


# -- the files ------------------------------------------------------------------------------------


def deep_key_pt(folder: Path) -> Path:
    """A dict key that is a tuple nested 200,000 deep (hashing it overflows the C stack)."""
    key = b"K\x00" + b"\x85" * 200_000  # TUPLE1 200,000 times
    pickle = b"\x80\x02}" + key + b"K\x01s."
    return torch_zip(folder / "deep_key.pt", pickle, {})


def huge_repr_pt(folder: Path) -> Path:
    """A persistent id whose repr is 2**60 items long (a tuple of itself, shared, 60 times)."""
    body = b")q\x00"  # EMPTY_TUPLE, BINPUT 0
    for i in range(60):
        body += b"h" + bytes([i]) + b"h" + bytes([i]) + b"\x86q" + bytes([i + 1])
    pickle = b"\x80\x02}" + p_str("w") + body + b"Qs."
    return torch_zip(folder / "huge_repr.pt", pickle, {})


def zero_strides_pt(folder: Path) -> Path:
    """One float viewed as a 20000 x 20000 tensor (strides 0): 1.6 GB from 4 bytes."""
    pickle = p_dict({"w": p_tensor("0", 0, (20000, 20000), (0, 0))})
    return torch_zip(folder / "zero_strides.pt", pickle, {"0": b"\x00" * 4})


def overlapping_views_pt(folder: Path) -> Path:
    """2000 names, each a 2000-float view of one 16 KB storage at its own offset: 16 MB."""
    items = {f"w{i}": p_tensor("0", i, (2000,), (1,)) for i in range(2000)}
    return torch_zip(folder / "overlapping_views.pt", p_dict(items), {"0": bytes(16000)})


def tied_weights_pt(folder: Path) -> Path:
    """The cprnn fixture with 2000 more names tying one weight (one shared array, not 2000)."""
    arrays = fixture_state_dict()
    return pt_of(folder / "tied.pt", arrays, aliases={f"tied.{i}": "A" for i in range(2000)})


def unused_storage_pt(folder: Path) -> Path:
    """The cprnn fixture plus a 2 GiB storage no tensor uses (a hole in a sparse file)."""
    return pt_of(folder / "unused.pt", fixture_state_dict(), extra={"999": 2 * 2**30})


def big_storage_small_tensor_pt(folder: Path) -> Path:
    """A 6-float tensor whose storage is 2 GiB (sparse): reading it would cost 2 GiB."""
    pickle = p_dict({"w": p_tensor("0", 0, (2, 3), (3, 1))})
    return torch_zip(folder / "big_storage.pt", pickle, {"0": 2 * 2**30})


def self_reference_pt(folder: Path) -> Path:
    """A state dict holding a list that holds itself."""
    pickle = b"\x80\x02}" + p_str("w") + b"]q\x00h\x00as."
    return torch_zip(folder / "self_reference.pt", pickle, {})


def deep_dicts_pt(folder: Path) -> Path:
    """state_dict -> state_dict -> ... 5000 deep."""
    pickle = b"\x80\x02" + (b"}" + p_str("state_dict")) * 5000 + b"K\x01" + b"s" * 5000 + b"."
    return torch_zip(folder / "deep_dicts.pt", pickle, {})


def code_pt(folder: Path) -> Path:
    """os.system by REDUCE: must be refused before it is looked up."""
    pickle = b"\x80\x02" + p_global("os", "system") + p_tuple(p_str("true")) + b"R."
    return torch_zip(folder / "code.pt", pickle, {})


def zip_bomb_npz(folder: Path) -> Path:
    """256 MiB of zeros as one compressed .npy member (a few hundred KB of file)."""
    path = folder / "bomb.npz"
    header = np.lib.format.header_data_from_array_1_0(np.zeros(0))
    header["shape"] = (32 * 2**20,)
    stream = io.BytesIO()
    np.lib.format.write_array_header_1_0(stream, header)
    head = stream.getvalue()
    compressor = zlib.compressobj(1, zlib.DEFLATED, -15)
    chunks, crc = [compressor.compress(head)], zlib.crc32(head)
    zeros = bytes(2**20)
    for _ in range(256):
        chunks.append(compressor.compress(zeros))
        crc = zlib.crc32(zeros, crc)
    chunks.append(compressor.flush())
    data = b"".join(chunks)
    size = len(head) + 256 * 2**20
    name = b"w.npy"
    local = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(data), size,
                        len(name), 0) + name  # fmt: skip
    central = struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, crc, len(data), size,
                          len(name), 0, 0, 0, 0, 0, 0) + name  # fmt: skip
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 1, 1, len(central),
                      len(local) + len(data), 0)  # fmt: skip
    path.write_bytes(local + data + central + end)
    return path


def longdouble_npz(folder: Path) -> Path:
    """A RAC whose W^H has determinant -2**-60 in extended precision (rank 2, not 1)."""
    path = folder / "longdouble.npz"
    hidden = np.array([[1, 1], [1, 1 + np.longdouble(2) ** -60]], dtype=np.longdouble)
    np.savez(
        path,
        input_weights_0=np.eye(2),
        hidden_weights_0=hidden,
        output_weights=np.ones((1, 2)),
    )
    return path


def terminal_names_npz(folder: Path) -> Path:
    """Keys that would clear the screen and forge a line, if printed raw."""
    path = folder / "names.npz"
    np.savez(path, **{"\x1b[2J\x1b[H": np.ones(2), "\nall checks passed\r": np.ones(2)})
    return path


def overlapping_safetensors(folder: Path) -> Path:
    """Two thousand names over the same 4 KB of data (offsets that overlap)."""
    header = {f"w{i}": {"dtype": "F32", "shape": [1024], "data_offsets": [0, 4096]}
              for i in range(2000)}  # fmt: skip
    text = json.dumps(header).encode()
    path = folder / "overlap.safetensors"
    path.write_bytes(struct.pack("<Q", len(text)) + text + bytes(4096))
    return path


def sparse_safetensors(folder: Path) -> Path:
    """A valid one-tensor header followed by a 6 GiB hole (sparse): must not be read."""
    text = json.dumps({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}).encode()
    path = folder / "sparse.safetensors"
    with open(path, "wb") as file:
        file.write(struct.pack("<Q", len(text)) + text + bytes(4))
        file.truncate(8 + len(text) + 4 + 6 * 2**30)
    return path


def huge_header_safetensors(folder: Path) -> Path:
    """A header length of 2**63 in a 16-byte file."""
    path = folder / "huge_header.safetensors"
    path.write_bytes(struct.pack("<Q", 2**63) + b"{}      ")
    return path


def deep_json_safetensors(folder: Path) -> Path:
    """A header nested 100,000 deep."""
    text = b'{"__metadata__": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    path = folder / "deep.safetensors"
    path.write_bytes(struct.pack("<Q", len(text)) + text)
    return path


def big_number_safetensors(folder: Path) -> Path:
    """A shape of 10**5000 and offsets past 2**64 (overflow, where sizes are multiplied)."""
    text = b'{"w": {"dtype": "F32", "shape": [1' + b"0" * 5000 + b'], "data_offsets": [0, 1e999]}}'
    path = folder / "big_number.safetensors"
    path.write_bytes(struct.pack("<Q", len(text)) + text)
    return path


HOSTILE = {
    "deep_key.pt": (deep_key_pt, "refused: nests objects deeper"),
    "huge_repr.pt": (huge_repr_pt, "refused: more than 8388608 parts"),
    "zero_strides.pt": (zero_strides_pt, "refused: overlap"),
    "overlapping_views.pt": (overlapping_views_pt, "refused: views that overlap"),
    "tied.pt": (tied_weights_pt, "loads"),
    "unused.pt": (unused_storage_pt, "loads"),
    "big_storage.pt": (big_storage_small_tensor_pt, "refused: storages hold"),
    "self_reference.pt": (self_reference_pt, "refused: contains itself"),
    "deep_dicts.pt": (deep_dicts_pt, "refused: nests objects deeper"),
    "code.pt": (code_pt, "refused: refused global os.system"),
    "bomb.npz": (zip_bomb_npz, "refused: zip bomb"),
    "longdouble.npz": (longdouble_npz, "refused: extended precision"),
    "names.npz": (terminal_names_npz, "refused: no model family matches"),
    "overlap.safetensors": (overlapping_safetensors, "refused: overlap"),
    "sparse.safetensors": (sparse_safetensors, "refused: after its last tensor"),
    "huge_header.safetensors": (huge_header_safetensors, "refused: header length"),
    "deep.safetensors": (deep_json_safetensors, "refused: nested too deep"),
    "big_number.safetensors": (big_number_safetensors, "refused: not JSON"),
}
