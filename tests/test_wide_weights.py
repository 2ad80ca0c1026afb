"""Weights beyond int64 and nested lists: read exactly, analysed exactly.

Each value is checked against the model's polynomial written here in Python integers.
"""

from __future__ import annotations

import numpy as np
import pytest

from rac_tn import CP2RNN, MIRNN, RAC, LinearRNN, separation_rank, start_end
from rac_tn.models import BilinearLayer  # noqa: F401 - the layer form the families share

P = 2**61 - 1


def test_a_linear_rnn_whose_rac_form_passes_int64_is_exact():
    # h_t = h_{t-1} u + x_t w (h_0 = 0), y = decoder h_T: y = 2**31 * 2**32 * sum_t x_t
    model = LinearRNN(w=[[2**32]], u=[[1]], decoder_weight=[[2**31]], initial_states="zeros")
    X = np.array([[3], [5], [-7]])
    expected = 2**31 * 2**32 * (3 + 5 - 7)
    assert int(model.forward_mod(X, P)[0]) == expected % P
    assert int(model.to_rac().forward_mod(model.rac_inputs(X), P)[0]) == expected % P
    assert separation_rank(model, start_end(4), seed=0).rank == 2  # y = a(x_P) + b(x_Q)
    # the default start is h_0 = 1: y = 2**31 * (1 + 2**32 * sum_t x_t)
    started = LinearRNN(w=[[2**32]], u=[[1]], decoder_weight=[[2**31]])
    assert int(started.forward_mod(X, P)[0]) == (2**31 * (1 + 2**32 * (3 + 5 - 7))) % P


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


@pytest.mark.parametrize("family", ["cp2rnn", "linear", "mirnn"])
def test_mixing_affine_and_homogeneous_layers_is_one_clear_error(family):
    n, d = 2, 3
    two = [np.ones((d, n)), np.ones((n, n))]
    if family == "cp2rnn":
        build = lambda: CP2RNN(  # noqa: E731
            A=[np.ones((n, 2))] * 2, B=[np.ones((d, 2)), np.ones((n, 2))], C=[np.ones((n, 2))] * 2,
            decoder_weight=np.ones((1, n)), U=[two[0], None], V=[np.ones((n, n)), None],
            d=[np.ones(n), None],
        )  # fmt: skip
        name = "U"
    elif family == "linear":
        build = lambda: LinearRNN(  # noqa: E731
            w=two, u=[np.ones((n, n))] * 2, b=[np.ones(n), None], decoder_weight=np.ones((1, n))
        )
        name = "b"
    else:
        build = lambda: MIRNN(  # noqa: E731
            alpha=[np.ones(n)] * 2, w=two, u=[np.ones((n, n))] * 2, beta1=[np.ones(n), None],
            beta2=[np.ones(n), None], b=[np.ones(n), None], decoder_weight=np.ones((1, n)),
        )  # fmt: skip
        name = "beta1"
    with pytest.raises(
        ValueError, match=rf"{name} must be given for every layer or for none .*1 of 2"
    ):
        build()
