"""The training package's numpy half: task specs and the memory measurements.

Every measurement is checked against an independent computation: the Hankel matrix against the
Markov parameters of the recurrence written here (and its exact rank against an exact rank of
that matrix in integers), the sampled separation matrix against one forward pass per pair,
eps-ranks and entropy against their definitions. No torch needed.
"""

from __future__ import annotations

import math

import flint
import numpy as np
import pytest

from rac_tn import CP2RNN, RAC, LinearRNN
from rac_tn.training import TASK_NAMES, TRAINABLE_FAMILIES
from rac_tn.training import memory as M
from rac_tn.training.specs import _OPTIONS, make_task


def test_task_names_are_the_specs_and_the_cli_choices():
    assert tuple(_OPTIONS) == TASK_NAMES
    assert set(TRAINABLE_FAMILIES) == {"linear", "cp2rnn", "mirnn", "2rnn", "rac"}


@pytest.mark.parametrize("name", TASK_NAMES)
def test_each_spec_encodes_its_generator(name):
    spec = make_task(name)
    x, y = spec.sample(6, seed=0)
    raw, targets = spec.generate(6, seed=0)
    assert x.shape == (6, spec.length, spec.input_dim)
    assert np.array_equal(y, targets)
    if spec.loss == "cross_entropy":  # one-hot symbols
        assert np.array_equal(x.argmax(axis=2), raw) and np.array_equal(
            x.sum(axis=2), np.ones((6, spec.length))
        )
        assert int(y.max()) < spec.output_dim
        assert y.shape == ((6, spec.length) if spec.every_step else (6,))
        assert spec.schedule.optimizer == "rmsprop" and spec.schedule.fresh_batches
    else:
        assert np.array_equal(x, raw) and y.shape == x.shape[:2] + (spec.output_dim,)
        assert spec.schedule.optimizer == "adam" and spec.schedule.train_size == 1000
    d = spec.to_dict()
    assert d["name"] == name and d["schedule"]["lr"] == 1e-3


def test_make_task_sizes_follow_the_paper():
    copying = make_task("copying", alphabet=5, memorize=3, delay=4)
    assert (copying.length, copying.input_dim, copying.output_dim) == (10, 7, 7)
    assert copying.schedule.min_delta == pytest.approx(1e-3 * 3 / 10)  # 1e-3 M / T
    ses = make_task("start-end-similarity", length=10, alphabet=4, compared=3, classes=2)
    assert (ses.input_dim, ses.output_dim, ses.every_step) == (5, 3, False)  # a blank pads
    copy = make_task("linear-copy")
    assert (copy.length, copy.options["lookahead"], copy.input_dim) == (16, 8, 5)
    with pytest.raises(ValueError, match="takes the options"):
        make_task("linear-copy", classes=2)
    with pytest.raises(ValueError, match="task must be one of"):
        make_task("parity")
    with pytest.raises(ValueError, match="compared"):
        make_task("start-end-similarity", compared=50)
    with pytest.raises(ValueError, match="lr"):
        copy.schedule.replace(lr=0)
    with pytest.raises(ValueError, match="batch_size"):
        copy.schedule.replace(batch_size=0)
    assert copy.schedule.replace(lr=0.01, patience=None).lr == 0.01


def test_eps_ranks_and_entropy_by_their_definitions():
    s = np.array([4.0, 2.0, 0.3, 0.01, 0.0])
    assert M.eps_ranks(s, (0.5, 0.1, 1e-3)) == {0.5: 1, 0.1: 2, 1e-3: 4}
    p = s**2 / np.sum(s**2)
    want = -sum(q * math.log(q) for q in p if q > 0)
    assert M.entanglement_entropy(s) == pytest.approx(want, rel=1e-12)
    assert M.entanglement_entropy(np.ones(7)) == pytest.approx(math.log(7), rel=1e-12)
    assert M.entanglement_entropy(np.zeros(3)) is None
    assert M.eps_ranks(np.zeros(3)) == {e: 0 for e in M.DEFAULT_EPS}
    with pytest.raises(ValueError, match="eps"):
        M.eps_ranks(s, (0.0,))


def _markov_hankel(model: LinearRNN, T: int, tau: int) -> np.ndarray:
    """d y_s / d x_t of the stacked recurrence h^l_s = h^l_{s-1} u_l + h^{l-1}_s w_l + b_l."""
    d, C = model.input_dim, model.num_classes
    L = model.depth
    H = np.zeros(((T - tau) * C, tau * d), dtype=object)
    for t in range(tau):
        # J[l][s]: d h^l_s / d x_t, a (d x n) matrix per step, 0 before t
        prev = [np.eye(d, dtype=object) if s == t else np.zeros((d, d), dtype=object)
                for s in range(T)]  # fmt: skip
        for layer in range(L):
            w = model.w[layer].astype(object)
            u = model.u[layer].astype(object)
            cur, h = [], np.zeros((d, model.hidden_dim), dtype=object)
            for s in range(T):
                h = h.dot(u) + prev[s].dot(w)
                cur.append(h)
            prev = cur
        for s in range(tau, T):
            block = prev[s].dot(model.decoder_weight.astype(object).T)  # (d, C)
            H[(s - tau) * C : (s - tau + 1) * C, t * d : (t + 1) * d] = block.T
    return H


@pytest.mark.parametrize(("depth", "hidden", "T"), [(1, 3, 6), (2, 2, 8), (2, 4, 6), (3, 2, 7)])
def test_hankel_matrix_is_the_markov_parameters_and_its_exact_rank(depth, hidden, T):
    rng = np.random.default_rng(depth + hidden)
    small = lambda *shape: rng.integers(-2, 3, size=shape)  # noqa: E731 - small: a float SVD is fine
    sizes = [2] + [hidden] * (depth - 1)
    model = LinearRNN(
        w=[small(m, hidden) for m in sizes], u=[small(hidden, hidden) for _ in sizes],
        b=[small(hidden) for _ in sizes], decoder_weight=small(2, hidden), decoder_bias=small(2),
    )  # fmt: skip
    tau = T // 2
    want = _markov_hankel(model, T, tau)
    got = M.hankel_matrix(model, T)
    assert got.shape == want.shape == ((T - tau) * 2, tau * 2)
    scale = max(1.0, float(np.max(np.abs(want.astype(float)))))
    assert np.max(np.abs(got - want.astype(float))) <= 1e-9 * scale
    exact_rank = flint.fmpz_mat([[int(v) for v in row] for row in want]).rank()
    report = M.hankel_memory(model, T, seed=0)
    assert report.exact["rank"] == exact_rank
    assert report.exact["claim"] == ("exact rank" if report.exact["certified"] else
                                     "certified lower bound")  # fmt: skip
    assert report.exact["upper_bound"] == min(depth * hidden, tau * 2, (T - tau) * 2)
    assert report.measure == "hankel" and report.tau == tau
    exact_values = np.linalg.svd(want.astype(float), compute_uv=False)
    assert np.allclose(report.values, exact_values, rtol=0, atol=1e-9 * exact_values[0])


def test_hankel_of_a_shift_register_is_the_copy():
    """A linear RNN that stores the last p inputs copies x_{t-p}: its Hankel rank is tau d."""
    p, d = 3, 2
    n = p * d
    w = np.zeros((d, n))
    w[:, :d] = np.eye(d)  # x_t enters slot 0
    u = np.zeros((n, n))
    for k in range(p - 1):  # slot k moves to slot k + 1
        u[k * d : (k + 1) * d, (k + 1) * d : (k + 2) * d] = np.eye(d)
    dec = np.zeros((d, n))
    dec[:, (p - 1) * d :] = np.eye(d)  # read slot p - 1: y_t = x_{t-p+1}
    model = LinearRNN(w=w, u=u, decoder_weight=dec)
    T = 2 * p
    X = np.random.default_rng(0).standard_normal((3, T, d))
    y = model.forward(X, every_step=True)
    assert np.allclose(y[:, p - 1 :], X[:, : T - p + 1])
    report = M.hankel_memory(model, T, seed=0)
    # past 1..p, future p+1..2p: outputs p..2p-1 (0-based) see x_1..x_p except x_0 -> ...
    H = M.hankel_matrix(model, T)
    assert report.exact["rank"] == np.linalg.matrix_rank(H) == (p - 1) * d
    assert report.eps_ranks[1e-3] == (p - 1) * d
    assert report.entropy == pytest.approx(math.log((p - 1) * d), rel=1e-12)


def test_separation_matrix_is_one_forward_pass_per_pair():
    model = CP2RNN.random(3, 3, 2, depth=2, bias=True, num_classes=2, seed=0)
    rng = np.random.default_rng(1)
    starts, ends = rng.standard_normal((4, 3, 3)), rng.standard_normal((5, 2, 3))
    last = M.separation_matrix(model, starts, ends, every_step=False)
    every = M.separation_matrix(model, starts, ends, every_step=True)
    assert last.shape == (4, 5 * 2) and every.shape == (4, 5 * 2 * 2)
    for i in range(4):
        for j in range(5):
            X = np.concatenate([starts[i], ends[j]])
            assert np.allclose(last[i, 2 * j : 2 * j + 2], model.forward(X), rtol=1e-12)
            steps = model.forward(X, every_step=True)[3:]  # the end steps, (2, C)
            assert np.allclose(every[i, 4 * j : 4 * j + 4], steps.ravel(), rtol=1e-12)


def _one_hot_sampler(M_: int, T: int):
    def sample(count, seed):
        rng = np.random.default_rng(seed)
        return np.eye(M_)[rng.integers(M_, size=(count, T))]

    return sample


def _rac_exact(rac: RAC, X: np.ndarray) -> int:
    """y of a RAC with integer weights at integer inputs, in Python integers."""
    state = X.astype(object)
    for WI, WH, h0 in zip(rac.input_weights, rac.hidden_weights, rac.initial_states):
        h, out = h0.astype(object), []
        for x in state:
            h = WH.astype(object).dot(h) * WI.astype(object).dot(x)
            out.append(h)
        state = out
    return int(rac.output_weights.astype(object).dot(state[-1])[0])


@pytest.mark.parametrize("depth", [1, 2])
def test_separation_spectrum_against_the_exact_rank_of_the_sampled_matrix(depth):
    """Small integer weights: the sampled matrix is exact in integers, ranked by FLINT."""
    T, K = 8, 30
    rng = np.random.default_rng(2)
    small = lambda *shape: rng.integers(-2, 3, size=shape)  # noqa: E731
    rac = RAC([small(2, 3)] + [small(2, 2) for _ in range(depth - 1)],
              [small(2, 2) for _ in range(depth)], small(1, 2))  # fmt: skip
    sample = _one_hot_sampler(3, T)
    report = M.separation_memory(rac, sample, T, every_step=False, samples=K, eps=(1e-9,),
                                 seed=0)  # fmt: skip
    seeds = np.random.SeedSequence(0).spawn(2)  # the two draws separation_memory makes
    starts = sample(K, np.random.default_rng(seeds[0]))[:, : T // 2]
    ends = sample(K, np.random.default_rng(seeds[1]))[:, T // 2 :]
    exact = [[_rac_exact(rac, np.concatenate([a, b]).astype(int)) for b in ends] for a in starts]
    rank = flint.fmpz_mat(exact).rank()
    want = np.linalg.svd(np.array(exact, dtype=float), compute_uv=False)
    assert np.allclose(report.values, want, rtol=0, atol=1e-12 * want[0])
    if depth == 1:
        assert rank <= 2 and report.eps_ranks[1e-9] <= 2  # a shallow RAC: <= R
    else:
        assert rank > 2  # depth passes the shallow bound on these very samples
        assert report.eps_ranks[1e-9] == rank


def test_a_linear_model_has_separation_rank_at_most_2():
    """y = a(x_P) + b(x_Q) + c: the sampled Start-End matrix has rank <= 2."""
    T = 8
    linear = LinearRNN.random(3, 4, depth=2, bias=True, seed=0)
    lin = M.separation_memory(linear, _one_hot_sampler(3, T), T, every_step=False, samples=30,
                              eps=(1e-9,), seed=0)  # fmt: skip
    assert lin.eps_ranks[1e-9] == 2


def test_measure_memory_picks_the_measure_and_the_exact_rank_on_request():
    spec = make_task("start-end-similarity", length=6, alphabet=2, compared=3, classes=1)
    model = CP2RNN.random(spec.input_dim, 2, 2, depth=1, num_classes=spec.output_dim, seed=0,
                          integer=True)  # fmt: skip
    report = M.measure_memory(model, spec, samples=16, exact=True, seed=0)
    assert report.measure == "separation" and report.samples == 16
    # a homogeneous CP-2RNN of rank K: Start-End separation rank <= min(n, K) = 2, reached
    assert report.exact["rank"] == 2 and report.exact["claim"] == "exact rank"
    assert report.eps_ranks[1e-3] <= 2
    linear_spec = make_task("linear-copy", length=6, lookahead=2, dim=2)
    lin = LinearRNN.random(2, 3, depth=1, num_classes=2, seed=0)
    assert M.measure_memory(lin, linear_spec).measure == "hankel"
    data = report.to_dict()
    assert data["claim"] == "numerical" and data["numerical_rank"] == report.numerical_rank()
    assert set(M.summary(report)) >= {"numerical_rank", "entropy_nats", "eps_ranks"}


def test_a_racs_state_dict_loads_by_either_name():
    """RAC.to_state_dict's dotted names (a torch module's) and save_weights' underscored ones."""
    from rac_tn.models.weights import rac_from_arrays

    rac = RAC.random(2, 3, depth=2, seed=0, integer=True)
    dotted = rac.to_state_dict()
    assert rac_from_arrays(dotted) == rac
    underscored = {k.replace(".", "_"): v for k, v in dotted.items()}
    assert rac_from_arrays(underscored) == rac
    with pytest.raises(ValueError, match="given twice"):
        rac_from_arrays({**dotted, "input_weights_0": dotted["input_weights.0"]})
