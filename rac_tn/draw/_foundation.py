"""TEMPORARY stand-ins for the lead's foundation (removed when main has it)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np


def positive_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a positive integer, got {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value}")
    return int(value)


def format_bound(value: int, log2: float | None = None) -> str:
    if value < 10**6:
        return f"{value}"
    if value & (value - 1) == 0:
        return f"2^{{{value.bit_length() - 1}}}"
    lg = math.log2(value) if log2 is None else log2
    return f"2^{{{lg:.1f}}}"


def copy_tree_walk(L: int, T: int) -> Iterator[tuple[int, int, str]]:
    todo: list[tuple[bool, int, int, str]] = [(False, L, T, "")]
    while todo:
        leaving, layer, t, route = todo.pop()
        if leaving:
            yield layer, t, route
            continue
        todo.append((True, layer, t, route))
        if layer > 1:
            todo.append((False, layer - 1, t, route + "i"))
        if t > 1:
            todo.append((False, layer, t - 1, route + "h"))


@dataclass(frozen=True)
class IndexInfo:
    role: str
    symbol: str
    dim: int


def index_info(net, ind: str) -> IndexInfo:
    dim = net.tn.ind_size(ind)
    if ind.startswith("d"):
        return IndexInfo("input", "M", dim)
    if ind == "c":
        return IndexInfo("class", "C", dim)
    return IndexInfo("state", "R", dim)
