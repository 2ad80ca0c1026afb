"""Argument checks: every message names the argument; numpy integers are integers."""

from __future__ import annotations

import numpy as np
import pytest

from rac_tn._checks import (
    FloatRangeError,
    check_class_index,
    check_float_range,
    check_seed,
    check_templates,
    positive_int,
    template_count,
)


def test_positive_int_accepts_numpy_and_names_the_argument():
    assert positive_int(np.uint8(3), "T") == 3 and type(positive_int(np.int64(3), "T")) is int
    for bad, error in ((True, TypeError), (2.0, TypeError), ("2", TypeError), (0, ValueError)):
        with pytest.raises(error, match="^T must be a positive integer"):
            positive_int(bad, "T")


def test_seed_class_and_templates():
    assert check_seed(None) is None and check_seed(np.int32(4)) == 4
    with pytest.raises(TypeError, match="seed must be"):
        check_seed("abc")
    with pytest.raises(ValueError, match="class_index must be in 0..1"):
        check_class_index(2, 2)
    assert check_templates(None, 3).shape == (3, 3)
    with pytest.raises(ValueError, match="M = 3"):
        check_templates(np.ones((2, 2)), 3)
    with pytest.raises(TypeError, match="a template count N is accepted only"):
        check_templates(5, 3)
    assert template_count(np.ones((4, 3)), 3) == 4 and template_count(np.int64(7), 3) == 7


def test_float_range_refuses_inf_and_nan():
    assert check_float_range(np.ones(3), "y", "").sum() == 3
    with pytest.raises(FloatRangeError, match="2 of 3 entries"):
        check_float_range(np.array([1.0, np.inf, np.nan]), "y", "use the exact route")
