"""The past-to-future map of a linear RNN, against its impulse responses written out."""

from __future__ import annotations

import json

import numpy as np
import pytest
import sympy

from rac_tn import CP2RNN, LinearRNN, start_end
from rac_tn.exact.hankel import HankelRank, hankel_rank


def hankel_by_hand(model, T, tau):
    """Shallow seed formula h_t = h_{t-1} u + x_t w + b, y_t = h_t dec^T: the block of
    d y_s / d x_t is w u^(s-t) dec^T (d x C), for t <= tau < s."""
    w = np.array(model.w[0], dtype=object)
    u = np.array(model.u[0], dtype=object)
    dec = np.array(model.decoder_weight, dtype=object)
    n = u.shape[0]
    power = [np.eye(n, dtype=int).astype(object)]
    for _ in range(T):
        power.append(power[-1].dot(u))
    rows = []
    for s in range(tau + 1, T + 1):
        blocks = [w.dot(power[s - t]).dot(dec.T).T for t in range(1, tau + 1)]  # C x d each
        rows.append(np.hstack(blocks))
    return np.vstack(rows)


@pytest.mark.parametrize(("n", "d", "T", "seed"), [(3, 2, 8, 0), (2, 1, 10, 1), (4, 3, 6, 2)])
def test_shallow_hankel_rank_is_the_rank_of_the_impulse_responses(n, d, T, seed):
    model = LinearRNN.random(d, n, seed=seed, integer=True)
    H = hankel_by_hand(model, T, T // 2)
    expected = sympy.Matrix(H.tolist()).rank()
    result = hankel_rank(model, T, seed=0)
    assert result.rank == expected and result.shape == H.shape
    assert result.upper_bound == min(n, (T // 2) * d, (T - T // 2))
    assert result.certified == (expected == result.upper_bound)


def test_stacked_hankel_rank_reaches_L_n_and_round_trips():
    model = LinearRNN.random(2, 2, depth=3, seed=1, integer=True)
    result = hankel_rank(model, start_end(16), seed=0)
    assert result.rank == 6 == result.upper_bound and result.certified  # L n = 6 < 8
    assert HankelRank.from_dict(json.loads(json.dumps(result.to_dict()))) == result


def test_hankel_rank_refuses_nonlinear_models_and_non_cuts():
    with pytest.raises(TypeError, match="linear RNN"):
        hankel_rank(CP2RNN.random(2, 2, 2, seed=0), 6)
    from rac_tn import interleaved

    with pytest.raises(ValueError, match="1..tau"):
        hankel_rank(LinearRNN.random(2, 2, seed=0), interleaved(6))
