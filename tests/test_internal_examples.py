"""The worked examples of internal helpers (formerly their doctests), each checked by hand.

Internal modules keep one-line docstrings; the small cases that illustrated them live here,
with the arithmetic that makes each value right written next to it.
"""

from __future__ import annotations

import math
from collections import namedtuple

import numpy as np
import pytest
import quimb.tensor as qtn

from rac_tn._arrays import as_weight, check_sequences, normalised, random_weights
from rac_tn._checks import (
    DEFAULT_MAX_ENTRIES,
    FloatRangeError,
    check_choice,
    check_class_index,
    check_fits_in_memory,
    check_float_range,
    check_max_entries,
    check_seed,
    check_templates,
    is_int,
    nonnegative_int,
    positive_int,
    template_count,
)
from rac_tn._format import format_bound, human_bytes, short_int
from rac_tn._progress import progress_callback
from rac_tn.bounds.flow import (
    SINK,
    SOURCE,
    CutGraph,
    bits,
    min_cut_arrays,
    min_cut_source_side,
    tensor_network_min_cut,
)
from rac_tn.bounds.staircase import (
    boundary,
    cheapest_staircase,
    exact_factors,
    log2_cost,
    min_staircase,
)
from rac_tn.counting import product
from rac_tn.exact.certify import _integral_abs

# -- bounds.staircase ---------------------------------------------------------------------------


def test_staircase_boundary_examples():
    # L = 2, T = 6, widths (3, 1), start inputs 1..3: cell (1, 3) feeds (1, 4) [paths C(3, 1)
    # = 3] and (2, 3) [C(3, 0) = 1]; (1, 2) feeds (2, 2) only; (2, 1) feeds (2, 2)
    assert boundary(2, 6, (3, 1), [1, 2, 3]) == [
        (("h", 1, 3), "R", 4),
        (("h", 1, 2), "R", 1),
        (("h", 2, 1), "R", 1),
    ]
    # the MPS (L = 1): one bond, the state h^{1,2}
    assert boundary(1, 4, (2,), [1, 2]) == [(("h", 1, 2), "R", 1)]


def test_staircase_costs_examples():
    # the boundary above priced at R = 2: ((2, 4)) * ((2, 1)) * ((2, 1)) = 5 * 2 * 2
    cost = log2_cost(2, 2, 2, 6, (3, 1), np.array([1, 2, 3]), None)
    assert math.isclose(cost, math.log2(20), abs_tol=1e-9)
    # the cheapest closed set at M = R = 2, L = 2, T = 6 is every cell of times 1..3
    assert cheapest_staircase(2, 2, 2, 6, 3, None) == (3, 3)
    assert min_staircase(2, 2, 2, 6, 3, None, bound=10.0) == (3, 3)
    # L = 1, T = 4, no cells: the two start inputs, degree 1 each, ((2, 1)) = 2
    assert exact_factors(2, 2, 1, 4, [1, 2], (0,), None) == [
        (("x", 1), 2, 1, 2),
        (("x", 2), 2, 1, 2),
    ]


# -- bounds.flow --------------------------------------------------------------------------------


def test_flow_arithmetic_examples():
    assert (bits(8), bits(1)) == (3.0, 0.0)
    assert product([2, 3, 7]) == 42
    assert product([]) == 1


def test_min_cut_examples():
    # two paths source -> 2 -> sink (1 and 3 bits) and source -> 3 -> sink (2 and 0.5 bits):
    # the cheapest cut crosses 0 -> 2 and 3 -> 1 (1.5 bits)
    mask = min_cut_arrays(
        4,
        np.array([0, 2, 0, 3]),
        np.array([2, 1, 3, 1]),
        np.array([1.0, 3.0, 2.0, 0.5]),
        bound=1.5,
    )
    assert mask.tolist() == [True, False, False, True]
    arcs = [(SOURCE, "a", 1.0), ("a", SINK, 3.0), (SOURCE, "b", 2.0), ("b", SINK, 0.5)]
    assert sorted(min_cut_source_side(arcs, bound=1.5)) == ["b", "source"]


def test_cut_graph_merges_a_series_tensor_at_the_cheaper_cost():
    graph = CutGraph()
    graph.add_edge("x", "t", 1.0, ("bond 1",))
    graph.add_edge("t", "y", 2.0, ("bond 2",))
    graph.reduce({"t"})
    assert graph.arcs() == [("x", "y", 1.0), ("y", "x", 1.0)]
    assert graph.cut_elements({"x"}) == ["bond 1"]


def test_tensor_network_min_cut_of_two_tensors_is_their_bond():
    Element = namedtuple("Element", "category name dim")
    tn = qtn.TensorNetwork(
        [
            qtn.Tensor(np.ones((3, 2)), inds=("d1", "k")),
            qtn.Tensor(np.ones((2, 3)), inds=("k", "d2")),
        ]
    )
    cut, side = tensor_network_min_cut(tn, ["d1"], ["d2"], (), Element)
    assert cut == [Element(category="bond", name="k", dim=2)]
    assert sorted(side, key=str) == [0, "d1"]


# -- exact.certify ------------------------------------------------------------------------------


def test_integral_abs_scales_by_the_least_power_of_two():
    # 0.75 = 3/4 needs 2**2; |-2.0| * 4 = 8
    assert _integral_abs(np.array([0.75, -2.0])).tolist() == [3.0, 8.0]
    assert _integral_abs(np.array([0.0, 0.0])).tolist() == [0.0, 0.0]


# -- the leaves: _checks, _format, _progress, _arrays -----------------------------------------


def test_checks_examples():
    assert positive_int(np.int64(3), "T") == 3
    with pytest.raises(ValueError, match="T must be a positive integer, got 0"):
        positive_int(0, "T")
    assert (is_int(3), is_int(np.int32(3)), is_int(True), is_int(3.0)) == (True, True, False, False)
    assert nonnegative_int(0, "k") == 0
    assert check_choice("grid", "view", ("network", "grid")) == "grid"
    assert check_class_index(1, 2) == 1
    assert check_seed(np.int64(5)) == 5
    assert check_templates(None, 2).tolist() == [[1.0, 0.0], [0.0, 1.0]]
    counts = (template_count(5, 3), template_count(None, 3), template_count(np.ones((4, 3)), 3))
    assert counts == (5, None, 4)
    assert check_max_entries(None) == DEFAULT_MAX_ENTRIES and check_max_entries(100) == 100
    assert check_fits_in_memory(1024, "a small array") is None
    assert check_float_range(np.array([1.0, 2.0]), "y", "Use forward_mod.").tolist() == [1.0, 2.0]
    with pytest.raises(FloatRangeError, match=r"y overflows float64 \(1 of 2 entries"):
        check_float_range(np.array([np.inf, 1.0]), "y", "Use forward_mod.")


def test_format_examples():
    assert (short_int(2**10), short_int(3**1000, 12)) == ("1024", "1.3221e477")
    assert (short_int(123456, 4), short_int(123456)) == ("1.2346e5", "123456")
    assert human_bytes(3 * 2**30) == "3.0 GiB"
    assert (human_bytes(512), human_bytes(1536)) == ("512 B", "1.5 KiB")
    assert format_bound(2**40) == "2^{40}"
    assert format_bound(10) == "10"
    assert format_bound(3**30) == "2^{47.6}"  # rounded up: 3**30 > 2**47.5


def test_progress_callback_examples():
    seen = []
    with progress_callback(lambda done, total: seen.append((done, total)), 2) as report:
        report(1, 2)
    assert seen == [(1, 2)]
    with progress_callback(False, 2) as report:
        assert report(1, 2) is None  # does nothing


def test_arrays_examples():
    w = as_weight([[1, 2], [3, 4]], "W", 2)
    assert w.dtype == np.int64 and not w.flags.writeable
    scaled, exponent = normalised(np.array([[3.0, -8.0]]))  # 8 = 0.5 * 2**4
    assert scaled.tolist() == [[0.1875, -0.5]] and exponent.tolist() == [4]
    wi, wh, wo = random_weights(3, 2, 2, 1, np.random.default_rng(0), integer=True)
    assert [w.shape for w in wi] == [(2, 3), (2, 2)] and wo.shape == (1, 2)
    batch, single = check_sequences(np.ones((4, 2)), 2)
    assert batch.shape == (1, 4, 2) and single


def test_a_notebook_without_ipywidgets_gets_a_text_line_and_no_warning(monkeypatch, capsys):
    import importlib.util
    import warnings

    import rich.console

    import rac_tn._progress as progress

    monkeypatch.setattr(rich.console, "_is_jupyter", lambda: True)
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "ipywidgets" else real_find_spec(name, *a),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # rich's "install ipywidgets" warning would fail here
        with progress_callback(True, 4, "rows") as report:
            for done in range(1, 5):
                report(done, 4)
    err = capsys.readouterr().err
    last = err.rstrip("\n").rsplit("\r", 1)[-1]
    assert last.startswith("rows") and " " + "#" * 30 + " 4/4 " in last
    assert err.endswith("\n") and err.count("\n") == 1
    assert progress.ProgressBar(True, 2)._line is not None
