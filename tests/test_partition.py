"""Partitions of 1..T: the sides, their printing, and helpful errors for bad input."""

from __future__ import annotations

import pytest

from rac_tn import Partition, interleaved, start_end
from rac_tn.partition import as_partition


def test_start_end_halves():
    part = start_end(8)
    assert part.start == (1, 2, 3, 4) and part.end == (5, 6, 7, 8)
    assert part.T == 8 and part.is_start_end
    assert str(part) == "{1,2,3,4 | 5,6,7,8}"


def test_interleaved_odd_times_start():
    part = interleaved(7)
    assert part.start == (1, 3, 5, 7) and part.end == (2, 4, 6)
    assert not part.is_start_end


def test_sides_are_complementary_and_sorted():
    part = Partition(6, [5, 1, 3])
    assert part.start == (1, 3, 5)
    assert sorted(part.start + part.end) == list(range(1, 7))
    assert [part.side_of(t) for t in range(1, 7)] == ["start", "end"] * 3


def test_from_mask_and_mask_round_trip():
    mask = [True, False, False, True, True]
    part = Partition.from_mask(mask)
    assert part.start == (1, 4, 5) and part.mask == tuple(mask)
    assert Partition.from_mask([1, 0]) == Partition(2, [1])


def test_from_sides_and_swapped():
    part = Partition.from_sides([3, 4], [1, 2])
    assert part.start == (3, 4)
    assert part.swapped() == start_end(4)


def test_frozen_and_hashable():
    part = start_end(4)
    assert {part: 1}[Partition(4, (2, 1))] == 1
    with pytest.raises(AttributeError):
        part.T = 6  # type: ignore[misc]


def test_long_partitions_print_runs():
    assert str(start_end(40)) == "{1..20 | 21..40}"
    assert "start=[1..20]" in repr(start_end(40))


def test_as_partition_by_name():
    assert as_partition("start-end", 6) == start_end(6)
    assert as_partition("interleaved", 5) == interleaved(5)
    with pytest.raises(ValueError, match="needs T"):
        as_partition("start-end")
    with pytest.raises(ValueError, match="does not match"):
        as_partition(start_end(4), 6)


@pytest.mark.parametrize("T", [3, 7])
def test_start_end_needs_even_T(T):
    with pytest.raises(ValueError, match="even T"):
        start_end(T)


@pytest.mark.parametrize(
    ("T", "start", "message"),
    [
        (4, [0, 1], r"outside 1\.\.4: \[0\]"),
        (4, [5], r"outside 1\.\.4: \[5\]"),
        (4, [], "start is empty"),
        (4, [1, 2, 3, 4], "end side is empty"),
        (4, [1, 1], r"more than once: \[1\]"),
        (1, [1], "at least 2"),
    ],
)
def test_bad_partitions_raise_helpfully(T, start, message):
    with pytest.raises(ValueError, match=message):
        Partition(T, start)


def test_bad_types_raise():
    with pytest.raises(TypeError, match="T must be a positive integer"):
        Partition(4.0, [1])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="integer times"):
        Partition(4, [1.5])
    with pytest.raises(TypeError, match="iterable"):
        Partition(4, "12")


def test_overlapping_or_incomplete_sides_raise():
    with pytest.raises(ValueError, match=r"overlap at times \[2\]"):
        Partition.from_sides([1, 2], [2, 3])
    with pytest.raises(ValueError, match="missing times"):
        Partition.from_sides([1], [3])
    with pytest.raises(ValueError, match="end is empty"):
        Partition.from_sides([1], [])
    with pytest.raises(ValueError, match="must be a time"):
        start_end(4).side_of(5)


def test_as_partition_parses_names_and_times():
    assert as_partition("start-end", 6) == start_end(6)
    assert as_partition("interleaved", 6) == interleaved(6)
    assert as_partition("1,2,5", 6) == Partition(6, [1, 2, 5])
    with pytest.raises(ValueError, match="start times like"):
        as_partition("a,b", 6)
    with pytest.raises(TypeError, match="partition"):
        as_partition(3, 6)
