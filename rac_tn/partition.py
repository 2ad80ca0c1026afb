"""Partitions of the time steps ``{1..T}`` into a start part P and an end part Q (1-based times).

A separation rank is always taken with respect to such a partition.

Examples
--------
>>> start_end(8)
Partition(T=8, start=(1, 2, 3, 4), end=(5, 6, 7, 8))
>>> str(interleaved(6))
'{1,3,5 | 2,4,6}'
>>> Partition.from_mask([1, 0, 0, 1]).start
(1, 4)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from rac_tn._checks import is_int
from rac_tn.results import Serialisable


def _check_T(T: object) -> int:
    """``T`` as an int >= 2 (a partition needs a time on each side), or an error."""
    if not is_int(T):
        raise TypeError(f"T must be a positive integer (the sequence length), got {T!r}")
    if T < 2:
        raise ValueError(
            f"T must be at least 2 (a partition needs a non-empty start and end), got {T}"
        )
    return int(T)


@dataclass(frozen=True, init=False)
class Partition(Serialisable):
    """A partition (P, Q) of the time steps ``1..T``: ``start`` = P, ``end`` = Q (both sorted).

    Parameters
    ----------
    T
        The sequence length (at least 2).
    start
        The times in P (1-based, any order, no repeats); Q is the complement.

    Raises
    ------
    TypeError
        When ``T`` or a time is not an integer, or ``start`` is not an iterable.
    ValueError
        When ``T < 2``, a time lies outside ``1..T`` or is repeated, or a side is empty.

    See Also
    --------
    start_end, interleaved, as_partition

    Examples
    --------
    >>> part = Partition(6, [1, 2, 5])
    >>> part.end, part.side_of(3)
    ((3, 4, 6), 'end')
    """

    T: int
    start: tuple[int, ...]
    end: tuple[int, ...] = field(init=False)

    _json_schema = False  # a plain record {"T": ..., "start": [...]}, nested in results

    def __init__(self, T: int, start: Iterable[int]) -> None:
        T = _check_T(T)
        if isinstance(start, (str, bytes)) or not isinstance(start, Iterable | np.ndarray):
            raise TypeError(f"start must be an iterable of times in 1..{T}, got {start!r}")
        times = []
        for t in start:
            if not is_int(t):
                raise TypeError(f"start must hold integer times in 1..{T}, got {t!r}")
            times.append(int(t))
        outside = sorted({t for t in times if not 1 <= t <= T})
        if outside:
            raise ValueError(f"start holds times outside 1..{T}: {outside}")
        if len(set(times)) != len(times):
            repeated = sorted({t for t in times if times.count(t) > 1})
            raise ValueError(f"start lists times more than once: {repeated}")
        if not times:
            raise ValueError("start is empty: both sides of a partition need at least one time")
        if len(times) == T:
            raise ValueError(
                f"start holds all {T} times, so the end side is empty: both sides of a "
                "partition need at least one time"
            )
        chosen = set(times)
        object.__setattr__(self, "T", T)
        object.__setattr__(self, "start", tuple(sorted(chosen)))
        object.__setattr__(self, "end", tuple(t for t in range(1, T + 1) if t not in chosen))

    @classmethod
    def from_sides(cls, start: Iterable[int], end: Iterable[int]) -> Partition:
        """Build from both sides (``T`` is their total count); ValueError unless they tile ``1..T``.

        Examples
        --------
        >>> str(Partition.from_sides([1, 2], [3, 4]))
        '{1,2 | 3,4}'
        """
        start, end = [int(t) for t in start], [int(t) for t in end]
        if not start or not end:
            side = "start" if not start else "end"
            raise ValueError(f"{side} is empty: both sides of a partition need at least one time")
        overlap = sorted(set(start) & set(end))
        if overlap:
            raise ValueError(f"start and end overlap at times {overlap}")
        T = len(start) + len(end)
        missing = sorted(set(range(1, T + 1)) - set(start) - set(end))
        if missing:
            raise ValueError(
                f"start and end must cover 1..{T} exactly; missing times {missing} "
                f"(got start={sorted(start)}, end={sorted(end)})"
            )
        return cls(T, start)

    @classmethod
    def from_mask(cls, mask: Iterable[object]) -> Partition:
        """Build from T booleans (or 0/1): ``mask[t-1]`` true puts time ``t`` in P.

        Examples
        --------
        >>> str(Partition.from_mask([True, False, True, False]))
        '{1,3 | 2,4}'
        """
        values = list(np.asarray(list(mask)).ravel())
        if any(v not in (0, 1, True, False) for v in values):
            raise ValueError(f"mask must hold booleans (or 0/1), got {values}")
        return cls(len(values), [t for t, v in enumerate(values, start=1) if v])

    @property
    def mask(self) -> tuple[bool, ...]:
        """``mask[t-1]`` is True when time ``t`` is in the start part."""
        chosen = set(self.start)
        return tuple(t in chosen for t in range(1, self.T + 1))

    def side_of(self, t: int) -> str:
        """``'start'`` (t in P) or ``'end'`` (t in Q); ValueError for a time outside ``1..T``.

        Examples
        --------
        >>> start_end(4).side_of(3)
        'end'
        """
        if not is_int(t) or not 1 <= t <= self.T:
            raise ValueError(f"t must be a time in 1..{self.T}, got {t!r}")
        return "start" if t in self.start else "end"

    def swapped(self) -> Partition:
        """The same partition with the sides exchanged (separation rank is symmetric).

        Examples
        --------
        >>> str(start_end(4).swapped())
        '{3,4 | 1,2}'
        """
        return Partition(self.T, self.end)

    @property
    def is_start_end(self) -> bool:
        """True for the Start-End partition ``{1..T/2 | T/2+1..T}`` of the paper."""
        return self.T % 2 == 0 and self.start == tuple(range(1, self.T // 2 + 1))

    def __str__(self) -> str:
        return "{" + _times(self.start, self.T) + " | " + _times(self.end, self.T) + "}"

    def __repr__(self) -> str:
        if self.T <= _SHORT:
            return f"Partition(T={self.T}, start={self.start}, end={self.end})"
        return f"Partition(T={self.T}, start=[{_times(self.start, self.T)}])"


_SHORT = 16  # up to this T, times are listed one by one; beyond, runs print as 'a..b'


def _times(times: tuple[int, ...], T: int) -> str:
    """The sorted ``times`` as text: ``'1,2,3'`` up to ``T = 16``, runs ``'1..8,10'`` beyond."""
    if T <= _SHORT:
        return ",".join(map(str, times))
    runs: list[str] = []
    first = prev = times[0]
    for t in (*times[1:], None):
        if t is not None and t == prev + 1:
            prev = t
            continue
        runs.append(
            str(first)
            if first == prev
            else f"{first},{prev}"
            if prev == first + 1
            else f"{first}..{prev}"
        )
        if t is not None:
            first = prev = t
    return ",".join(runs)


def start_end(T: int) -> Partition:
    """The Start-End partition ``P = {1..T/2}``, ``Q = {T/2+1..T}``; ValueError for an odd T.

    Examples
    --------
    >>> str(start_end(4))
    '{1,2 | 3,4}'
    """
    T = _check_T(T)
    if T % 2:
        raise ValueError(
            f"start_end needs an even T (P = 1..T/2, Q = T/2+1..T), got T = {T}; use "
            "Partition(T, range(1, k + 1)) for an unbalanced split"
        )
    return Partition(T, range(1, T // 2 + 1))


def interleaved(T: int) -> Partition:
    """The interleaved partition: odd times in P, even times in Q (``T >= 2``).

    Examples
    --------
    >>> str(interleaved(5))
    '{1,3,5 | 2,4}'
    """
    T = _check_T(T)
    return Partition(T, range(1, T + 1, 2))


#: The partitions :func:`as_partition` knows by name.
PARTITION_NAMES = ("start-end", "interleaved")


def as_partition(partition: Partition | str, T: int | None = None) -> Partition:
    """A :class:`Partition`, or one given by name with ``T``: the one home of partition parsing.

    Parameters
    ----------
    partition
        A Partition, ``'start-end'`` (or ``'se'``), ``'interleaved'``, or start times like
        ``'1,2,5'``.
    T
        The sequence length; required for a name, checked against a Partition.

    Raises
    ------
    TypeError
        When ``partition`` is neither a Partition nor a string.
    ValueError
        When a name comes without ``T``, ``T`` differs from a Partition's, or the string is
        neither a known name nor a list of start times.

    Examples
    --------
    >>> str(as_partition("se", 4))
    '{1,2 | 3,4}'
    >>> str(as_partition("1,2,5", 6))
    '{1,2,5 | 3,4,6}'
    """
    if isinstance(partition, Partition):
        if T is not None and T != partition.T:
            raise ValueError(f"T = {T} does not match the partition's T = {partition.T}")
        return partition
    if not isinstance(partition, str):
        raise TypeError(
            f"partition must be a Partition or a string, got {type(partition).__name__}"
        )
    if T is None:
        raise ValueError(f"partition {partition!r} given by name needs T")
    key = partition.strip().lower().replace("_", "-")
    if key in ("start-end", "se"):
        return start_end(T)
    if key == "interleaved":
        return interleaved(T)
    try:
        start = [int(part) for part in key.split(",") if part.strip()]
    except ValueError:
        raise ValueError(
            "partition must be a Partition, 'start-end', 'interleaved' or start times like "
            f"'1,2,5', got {partition!r}"
        ) from None
    return Partition(T, start)
