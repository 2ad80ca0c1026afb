"""Known exact separation ranks of the families, through each family's RAC equivalent.

Values: shallow homogeneous 2RNN n = 3 -> 3, affine -> 4 (Start-End); CP-2RNN (n, K) = (3, 2)
-> 2 = min(n, K); deep homogeneous CP-2RNN L = 2, T = 6 -> m ((m, T/2)) = 8 with m = min(n, K)
for (n, K) = (2, 3) and (3, 2); the linear RNN -> 2 at every depth and for every partition
(y = a(x_P) + b(x_Q) + c). Random integer weights: a lower bound on the generic rank, exact for
these weights.
"""

from __future__ import annotations

from math import comb

import pytest

import rac_tn
from rac_tn.models import CP2RNN, LinearRNN, SecondOrderRNN
from rac_tn.partition import Partition


def sep(model, partition):
    result = rac_tn.separation_rank(model.to_rac(), partition, seed=0)
    assert result.exact
    return result.rank


@pytest.mark.parametrize("bias,expected", [(False, 3), (True, 4)])
def test_shallow_second_order_rnn(bias, expected):
    model = SecondOrderRNN.random(3, 3, bias=bias, seed=1, integer=True)
    assert sep(model, rac_tn.start_end(6)) == expected


def test_shallow_cp_rnn_rank_is_min_n_k():
    model = CP2RNN.random(3, 3, 2, seed=1, integer=True)
    assert sep(model, rac_tn.start_end(6)) == 2


@pytest.mark.parametrize("n,K", [(2, 3), (3, 2)])
def test_deep_cp_rnn(n, K):
    m, T = min(n, K), 6
    model = CP2RNN.random(3, n, K, depth=2, seed=1, integer=True)
    assert sep(model, rac_tn.start_end(T)) == m * comb(m + T // 2 - 1, T // 2) == 8


@pytest.mark.parametrize("depth", [1, 2, 3])
@pytest.mark.parametrize("start", [(1, 2, 3), (1, 3, 5), (2,)])
def test_linear_rnn_rank_is_two_for_every_partition(depth, start):
    model = LinearRNN.random(3, 3, depth, bias=True, seed=depth, integer=True)
    assert sep(model, Partition(6, start)) == 2


def test_rac_equals_cp_rnn_with_identity_c():
    rac = rac_tn.RAC.random(3, 2, depth=2, seed=0, integer=True)
    cp = CP2RNN(
        A=[w.T for w in rac.hidden_weights],
        B=[w.T for w in rac.input_weights],
        C=[[[1, 0], [0, 1]]] * 2,
        decoder_weight=rac.output_weights,
        initial_states=rac.initial_states,
    )
    X = [[[1, 0, 2], [0, 1, 1], [2, 1, 0], [1, 1, 1]]]
    assert cp.forward_mod(X).tolist() == rac.forward_mod(X).tolist()
    assert sep(cp, rac_tn.start_end(4)) == sep(rac_tn.models.as_model(rac), rac_tn.start_end(4))


# -- the pipeline takes a family directly -------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda: rac_tn.SecondOrderRNN.random(3, 3, seed=0, integer=True), 3),
        (lambda: rac_tn.SecondOrderRNN.random(3, 3, bias=True, seed=0, integer=True), 4),
        (lambda: rac_tn.CP2RNN.random(3, 3, 2, seed=0, integer=True), 2),
        (lambda: rac_tn.CP2RNN.random(3, 2, 3, depth=2, seed=0, integer=True), 8),
        (lambda: rac_tn.CP2RNN.random(3, 3, 2, depth=2, seed=0, integer=True), 8),
        (lambda: rac_tn.LinearRNN.random(2, 3, depth=2, seed=0, integer=True), 2),
    ],
)
def test_separation_rank_of_a_family_is_certified_by_its_own_bound(make, expected):
    """Design §5's values (Start-End, T = 6), now through separation_rank(model) and
    symmetric_bound(model) with the family's node dimensions (min(n, K) CP, n + 1 affine)."""
    model = make()
    part = rac_tn.start_end(6)
    for method in ("sampled", "grid"):
        result = rac_tn.separation_rank(model, part, method=method, seed=0)
        assert result.rank == expected and result.certified, (method, result)
    if model.multiplicative:
        assert rac_tn.symmetric_bound(model, part).value == expected
