"""Weights beyond int64 and nested lists: read exactly, analysed exactly.

Each value is checked against the model's polynomial written here in Python integers.
"""

from __future__ import annotations

import numpy as np

from rac_tn import CP2RNN, RAC, LinearRNN, separation_rank, start_end
from rac_tn.models import BilinearLayer  # noqa: F401 - the layer form the families share

P = 2**61 - 1


def test_a_linear_rnn_whose_rac_form_passes_int64_is_exact():
    # h_t = h_{t-1} u + x_t w (h_0 = 0), y = decoder h_T: y = 2**31 * 2**32 * sum_t x_t
    model = LinearRNN(w=[[2**32]], u=[[1]], decoder_weight=[[2**31]])
    X = np.array([[3], [5], [-7]])
    expected = 2**31 * 2**32 * (3 + 5 - 7)
    assert int(model.forward_mod(X, P)[0]) == expected % P
    assert int(model.to_rac().forward_mod(model.rac_inputs(X), P)[0]) == expected % P
    assert separation_rank(model, start_end(4), seed=0).rank == 2  # y = a(x_P) + b(x_Q)


def test_python_ints_beyond_int64_are_kept_exact():
    # y = prod_t (2**64 x_{t,1} + x_{t,2}) for a shallow RAC with R = 1
    rac = RAC([[[2**64 + 1, 1]]], [[[1]]], [[1]])
    assert rac.is_integer and rac.input_weights[0].dtype == object
    X = [[1, 2], [3, 4], [0, 1]]
    expected = 1
    for x1, x2 in X:
        expected *= (2**64 + 1) * x1 + x2
    for p in (101, P):
        assert int(rac.forward_mod(X, p)[0]) == expected % p
    assert hash(rac) == hash(RAC([[[2**64 + 1, 1]]], [[[1]]], [[1]]))
    assert rac == RAC([[[2**64 + 1, 1]]], [[[1]]], [[1]])


def test_a_nested_list_is_one_layer():
    # one layer written as nested lists (not one entry per layer)
    model = CP2RNN(
        A=[[1, 2], [3, 4]], B=[[1, 0], [0, 1]], C=[[1, 0], [0, 1]],
        decoder_weight=[[1, 1]], initial_states=[[1, 1]],
    )  # fmt: skip
    assert model.depth == 1 and model.rank == 2
    # h' = C[(A^T h) * (B^T x)] with C = B = I: h'_k = (A^T h)_k x_k
    X = [[2, 3], [1, -1]]
    h = [1, 1]
    for x in X:
        a = [1 * h[0] + 3 * h[1], 2 * h[0] + 4 * h[1]]
        h = [a[0] * x[0], a[1] * x[1]]
    assert int(model.forward_mod(X, P)[0]) == (h[0] + h[1]) % P
