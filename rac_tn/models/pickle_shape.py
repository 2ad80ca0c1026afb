"""A pickle's shape, checked without running it: size, opcodes, nesting, self-reference.

:func:`check_pickle` is the first step of reading a ``.pt`` file
(:mod:`rac_tn.models.torch_pickle`): it refuses, before anything is unpickled, the pickles
that would crash, hang or exhaust the interpreter while being unpickled or hashed.
"""

from __future__ import annotations

import array
import pickle  # noqa: F401 - used by the doctests
import pickletools
from typing import Any

from rac_tn._format import human_bytes, printable

__all__ = [
    "MAX_EXPANDED",
    "MAX_NESTING",
    "MAX_PICKLE_BYTES",
    "MAX_PICKLE_OPS",
    "PickleRefused",
    "check_pickle",
]

#: The largest pickle read (a state dict's pickle is a few hundred bytes per tensor).
MAX_PICKLE_BYTES = 4 * 2**20
#: The most opcodes (about 25 per tensor; each costs a few microseconds).
MAX_PICKLE_OPS = 300_000
#: The deepest nesting of objects (a state dict needs about 6).
MAX_NESTING = 100


class PickleRefused(ValueError):
    """A pickle refused by :func:`check_pickle` (the message says which limit)."""


_MUTATORS = {"APPEND", "APPENDS", "SETITEM", "SETITEMS", "ADDITEMS", "BUILD"}
#: The most objects an object may expand to, shared parts counted each time they appear (a
#: tuple's hash visits them all: a tuple of a tuple of ... shared 60 times is 2**60 visits).
MAX_EXPANDED = 2**23


def _opcode_table() -> dict[int, tuple[str, Any, bool, int, int]]:
    """Opcode byte -> (name, argument size, takes a mark, items below the mark, pushes)."""
    table = {}
    for op in pickletools.opcodes:
        arg = op.arg
        size: Any = 0 if arg is None else arg.n
        if arg is not None and arg.name == "stringnl_noescape_pair":
            size = "pair"
        before = op.stack_before
        mark = pickletools.markobject in before
        below = before.index(pickletools.markobject) if mark else len(before)
        table[ord(op.code)] = (op.name, size, mark, below, len(op.stack_after))
    return table


_OPCODES = _opcode_table()
_LENGTH_BYTES = {
    pickletools.TAKEN_FROM_ARGUMENT1: (1, False),
    pickletools.TAKEN_FROM_ARGUMENT4: (4, True),
    pickletools.TAKEN_FROM_ARGUMENT4U: (4, False),
    pickletools.TAKEN_FROM_ARGUMENT8U: (8, False),
}


def _argument_end(data: bytes, pos: int, size: Any) -> int:
    """Where the argument starting at ``pos`` ends (sizes from the opcode table)."""
    if size == "pair":
        return data.index(b"\n", data.index(b"\n", pos) + 1) + 1
    if size == pickletools.UP_TO_NEWLINE:
        return data.index(b"\n", pos) + 1
    if size >= 0:
        return pos + size
    width, signed = _LENGTH_BYTES[size]
    length = int.from_bytes(data[pos : pos + width], "little", signed=signed)
    if length < 0:
        raise ValueError("a negative length")
    return pos + width + length


class _Shape:
    """The model of the unpickler: a stack of node ids, and per node its nesting and size."""

    def __init__(self) -> None:
        self.depth = bytearray()  # nesting, at most MAX_NESTING + 1
        self.size = array.array("q")  # objects it expands to, at most MAX_EXPANDED + 1
        self.used = bytearray()  # 1 once inside another object

    def new(self, taken: list[int]) -> int:
        """A node built from ``taken``."""
        depth, size = 0, 1
        for t in taken:
            depth = max(depth, self.depth[t])
            size += self.size[t]
            self.used[t] = 1
        depth += 1
        if depth > MAX_NESTING or size > MAX_EXPANDED:
            self._check(depth, size)
        self.depth.append(depth)
        self.size.append(min(size, MAX_EXPANDED + 1))
        self.used.append(0)
        return len(self.depth) - 1

    def fill(self, target: int, items: list[int]) -> None:
        """``target`` receives ``items`` (appended, set as items or as its state)."""
        if self.used[target] or target in items:
            raise PickleRefused(
                "the pickle fills an object after placing it in another (an object that "
                "contains itself)"
            )
        depth = max(self.depth[target], 1 + max((self.depth[t] for t in items), default=0))
        size = self.size[target] + sum(self.size[t] for t in items)
        self._check(depth, size)
        for t in items:
            self.used[t] = 1
        self.depth[target] = depth
        self.size[target] = min(size, MAX_EXPANDED + 1)

    @staticmethod
    def _check(depth: int, size: int) -> None:
        if depth > MAX_NESTING:
            raise PickleRefused(f"the pickle nests objects deeper than {MAX_NESTING}")
        if size > MAX_EXPANDED:
            raise PickleRefused(
                f"the pickle builds an object of more than {MAX_EXPANDED} parts (shared parts "
                "counted each time)"
            )


def check_pickle(data: bytes) -> None:
    """Refuse a pickle that is too long, nested too deep or self-referential (nothing runs).

    The opcodes are followed on a model of the unpickler's stack whose entries are nodes: each
    object built records how deep its nesting goes and how many objects it expands to (shared
    parts counted each time they appear: hashing or comparing it visits them all), and an
    object filled (a list appended to, a dict given items) after it was placed in another is
    refused, as a pickler writes that only for an object that contains itself. A pickle of
    more than :data:`MAX_PICKLE_BYTES` bytes or :data:`MAX_PICKLE_OPS` opcodes is refused too.

    Parameters
    ----------
    data
        The pickle's bytes.

    Raises
    ------
    PickleRefused
        Over a limit, a self-reference, or bytes that are not a pickle.

    Examples
    --------
    >>> check_pickle(pickle.dumps({"w": (1, 2)}))
    >>> deep = ()
    >>> for _ in range(200):
    ...     deep = (deep,)
    >>> check_pickle(pickle.dumps(deep))
    Traceback (most recent call last):
    ...
    rac_tn.models.pickle_shape.PickleRefused: the pickle nests objects deeper than 100
    """
    if len(data) > MAX_PICKLE_BYTES:
        raise PickleRefused(
            f"the pickle has {human_bytes(len(data))}, more than a state dict needs "
            f"(at most {human_bytes(MAX_PICKLE_BYTES)})"
        )
    try:
        _follow(data)
    except (ValueError, IndexError) as exc:
        if isinstance(exc, PickleRefused):
            raise
        reason = "an opcode takes more than the stack holds" if isinstance(exc, IndexError) else exc
        raise PickleRefused(f"the pickle is malformed ({printable(str(reason), 80)})") from None


def _follow(data: bytes) -> None:
    """Run the opcodes of ``data`` on the model stack (see :func:`check_pickle`)."""
    shape = _Shape()
    stack: list[int] = []
    marks: list[int] = []
    memo: dict[int, int] = {}
    pos, ops = 0, 0
    while True:
        ops += 1
        if ops > MAX_PICKLE_OPS:
            raise PickleRefused(f"the pickle has more than {MAX_PICKLE_OPS} opcodes")
        if pos >= len(data):
            raise ValueError("it ends without STOP")
        entry = _OPCODES.get(data[pos])
        if entry is None:
            raise ValueError(f"unknown opcode {data[pos]:#04x} at byte {pos}")
        name, size, mark, below, pushes = entry
        start, pos = pos + 1, _argument_end(data, pos + 1, size)
        if pos > len(data):
            raise ValueError("it is cut short")
        if name == "STOP":
            return
        if name in ("MARK", "PUT", "BINPUT", "LONG_BINPUT", "MEMOIZE"):
            if name == "MARK":
                marks.append(len(stack))
            else:
                key = len(memo) if name == "MEMOIZE" else _memo_key(data, start, pos, name)
                memo[key] = stack[-1]
        elif name in ("GET", "BINGET", "LONG_BINGET"):
            key = _memo_key(data, start, pos, name)
            if key not in memo:
                raise ValueError(f"{name} of memo entry {key}, which no PUT wrote")
            stack.append(memo[key])
        elif name == "DUP":
            stack.append(stack[-1])
        elif name == "POP" and marks and len(stack) == marks[-1]:
            marks.pop()
        elif name == "POP":
            stack.pop()
        elif name == "POP_MARK":
            del stack[marks.pop() :]
        else:
            taken = []
            if mark:
                first = marks.pop()
                taken = stack[first:]
                del stack[first:]
            if below:
                if len(stack) < below or (marks and len(stack) - below < marks[-1]):
                    raise IndexError("the stack runs out")
                taken = stack[-below:] + taken
                del stack[-below:]
            if name in _MUTATORS:
                shape.fill(taken[0], taken[1:])
                stack.append(taken[0])
            elif pushes and not taken:  # a constant, a global: the common case, kept quick
                stack.append(len(shape.depth))
                shape.depth.append(1)
                shape.size.append(1)
                shape.used.append(0)
            elif pushes:
                stack.append(shape.new(taken))


def _memo_key(data: bytes, start: int, end: int, name: str) -> int:
    """The memo index of a PUT or GET opcode's argument."""
    if name in ("PUT", "GET"):
        return int(data[start : end - 1])
    return int.from_bytes(data[start:end], "little")
