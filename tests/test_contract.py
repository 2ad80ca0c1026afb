"""Contraction: network values against the recurrence, grid tensors three ways, paths, costs."""

from __future__ import annotations

import doctest
import itertools

import cotengra as ctg
import numpy as np
import pytest
from _helpers import gaussian_rac

import rac_tn.arith.tree_kernels
import rac_tn.network.contract
import rac_tn.network.grid_tensor
from rac_tn import RAC, compile_rac
from rac_tn.arith.modular import MERSENNE61
from rac_tn.network.contract import (
    ContractionCost,
    clear_path_cache,
    contraction_cost,
    evaluate,
)
from rac_tn.network.grid_tensor import grid_tensor, grid_tensor_mod

# (M, R, L, C, T): depths 1..4, one and several classes
SHAPES = [
    (2, 3, 1, 1, 6),
    (3, 2, 1, 3, 4),
    (3, 2, 2, 2, 4),
    (2, 3, 2, 1, 5),
    (2, 2, 3, 1, 5),
    (3, 2, 3, 2, 3),
    (2, 3, 4, 3, 4),
    (2, 2, 4, 1, 1),
]


def loop_grid(rac, T, F=None):
    """The grid tensor by definition: y(F[d_1], ..., F[d_T]), one sequence at a time."""
    F = np.eye(rac.M) if F is None else F
    N = F.shape[0]
    out = np.array([rac.forward(F[list(s)]) for s in itertools.product(range(N), repeat=T)])
    return out.reshape((N,) * T + ((rac.C,) if rac.C > 1 else ()))


def assert_close(actual, expected, rtol=1e-10):
    # entries of a polynomial with Gaussian weights can cancel to near zero: compare on the
    # scale of the largest entry as well
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * np.max(np.abs(expected)))


# -- evaluate ---------------------------------------------------------------------------------


@pytest.mark.parametrize("M, R, L, C, T", SHAPES)
def test_contraction_equals_forward(M, R, L, C, T):
    rng = np.random.default_rng(1)
    for rac in (gaussian_rac(M, R, L, C, seed=2), RAC.random(M, R, depth=L, num_classes=C, seed=3)):
        net = compile_rac(rac, T)
        X = rng.standard_normal((6, T, M))
        # optimize= contracts the network (the default evaluates by the recurrence)
        assert_close(net.evaluate(X, optimize="structured"), rac.forward(X))
        assert net.evaluate(X[0], optimize="structured").shape == (C,)
        assert_close(evaluate(net, X[0], optimize="structured"), rac.forward(X[0]))


def test_contraction_equals_forward_on_tree_kind_and_searched_paths():
    rac = gaussian_rac(3, 2, 1, 2, seed=5)
    X = np.random.default_rng(0).standard_normal((4, 5, 3))
    tree_net = compile_rac(rac, 5, kind="tree")
    assert_close(tree_net.evaluate(X, optimize="structured"), rac.forward(X))
    deep = gaussian_rac(2, 2, 3, 1, seed=6)
    net = compile_rac(deep, 4)
    Y = np.random.default_rng(1).standard_normal((3, 4, 2))
    for optimize in ("greedy", ctg.HyperOptimizer(max_repeats=2, methods=["greedy"])):
        assert_close(net.evaluate(Y, optimize=optimize), deep.forward(Y))


def test_opt_einsum_optimisers_choose_the_path():
    import opt_einsum as oe

    deep = gaussian_rac(2, 2, 2, 1, seed=7)
    net = compile_rac(deep, 4)
    Y = np.random.default_rng(2).standard_normal((3, 4, 2))
    dp = oe.paths.DynamicProgramming(minimize="flops")
    for optimize in (oe.paths.greedy, oe.RandomGreedy(max_repeats=4), dp):
        assert_close(net.evaluate(Y, optimize=optimize), deep.forward(Y))
    # the dynamic programme is optimal among trees without outer products: never worse
    # than opt_einsum's greedy path on the same grid network
    clear_path_cache()
    greedy = net.contraction_cost(oe.paths.greedy)
    clear_path_cache()
    best = net.contraction_cost(dp)
    assert best.optimize == "DynamicProgramming" and best.flops <= greedy.flops
    assert_close(net.grid_tensor(optimize=dp), grid_tensor(deep, 4, method="brute"))


def test_evaluate_rejects_wrong_length():
    net = compile_rac(RAC.random(2, 2, depth=2, seed=0), 4)
    with pytest.raises(ValueError, match="T = 4"):
        net.evaluate(np.ones((3, 2)))
    with pytest.raises(ValueError, match="M = 2"):
        net.evaluate(np.ones((4, 3)))
    with pytest.raises(TypeError, match="RacNetwork"):
        evaluate(RAC.random(2, 2, seed=0), np.ones((4, 2)))


# -- grid tensor ------------------------------------------------------------------------------


@pytest.mark.parametrize("M, R, L, C, T", SHAPES)
def test_grid_tensor_methods_agree_with_definition(M, R, L, C, T):
    rac = gaussian_rac(M, R, L, C, seed=7)
    expected = loop_grid(rac, T)
    assert expected.shape == (M,) * T + ((C,) if C > 1 else ())
    for method in ("auto", "network", "prefix", "brute"):
        A = grid_tensor(rac, T, method=method)
        assert A.shape == expected.shape, method
        assert_close(A, expected)


@pytest.mark.parametrize(
    "M, R, L, C, T, N", [(2, 3, 1, 1, 4, 5), (3, 2, 2, 2, 3, 4), (3, 2, 3, 1, 3, 1)]
)
def test_grid_tensor_with_templates(M, R, L, C, T, N):
    # N != M template rows: A[d_1..d_T] = y(F[d_1], ..., F[d_T])
    rac = gaussian_rac(M, R, L, C, seed=8)
    F = np.random.default_rng(9).standard_normal((N, M))
    expected = loop_grid(rac, T, F)
    net = compile_rac(rac, T)
    for A in (
        grid_tensor(rac, T, F, method="network"),
        grid_tensor(rac, T, F, method="prefix"),
        grid_tensor(rac, T, F, method="brute"),
        net.grid_tensor(F),
        net.grid_tensor(F, method="auto"),
    ):
        assert A.shape == (N,) * T + ((C,) if C > 1 else ())
        assert_close(A, expected)


def test_prefix_blocks_match_unblocked(monkeypatch):
    # block widths from one prefix (every level a block of its own) to the whole tree
    rac = gaussian_rac(3, 2, 2, 2, seed=10)
    expected = loop_grid(rac, 5)
    for width in (1, 3, 9, 80, 10_000):
        monkeypatch.setattr(rac_tn.arith.tree_kernels, "BLOCK_PREFIXES", width)
        assert_close(grid_tensor(rac, 5, method="prefix"), expected)


def test_grid_tensor_of_network_uses_its_T():
    rac = gaussian_rac(2, 2, 2, 1, seed=11)
    net = compile_rac(rac, 3)
    assert_close(grid_tensor(net), loop_grid(rac, 3))
    with pytest.raises(ValueError, match="T = 4"):
        grid_tensor(net, 4)


@pytest.mark.parametrize("p", [1_000_003, MERSENNE61])
@pytest.mark.parametrize("M, R, L, C, T", [(2, 3, 1, 1, 5), (3, 2, 2, 2, 3), (2, 2, 3, 1, 4)])
def test_grid_tensor_mod_equals_forward_mod(p, M, R, L, C, T):
    rac = RAC.random(M, R, depth=L, num_classes=C, seed=12, integer=True)
    F = np.random.default_rng(13).integers(-5, 6, size=(M + 1, M))
    N = F.shape[0]
    seqs = np.array(list(itertools.product(range(N), repeat=T)))
    expected = rac.forward_mod(F[seqs], p=p).reshape((N,) * T + ((C,) if C > 1 else ()))
    A = grid_tensor_mod(rac, T, p, F)
    assert A.dtype == np.uint64 and np.array_equal(A, expected)
    onehot = rac.forward_mod(
        np.eye(M, dtype=np.int64)[np.array(list(itertools.product(range(M), repeat=T)))], p=p
    )
    assert np.array_equal(grid_tensor_mod(rac, T, p).reshape(onehot.shape), onehot)


def test_memory_limit_refuses_before_allocating():
    rac = RAC.random(2, 2, seed=0)
    with pytest.raises(ValueError, match=r"2\^40 = 1,099,511,627,776 entries"):
        grid_tensor(rac, 40)
    with pytest.raises(ValueError, match="max_entries=15"):
        grid_tensor(rac, 4, max_entries=15)
    assert grid_tensor(rac, 4, max_entries=16).shape == (2,) * 4
    with pytest.raises(ValueError, match="entries"):
        grid_tensor_mod(rac, 40)


@pytest.mark.parametrize(
    "args, kwargs, error, match",
    [
        ((3,), {"method": "fast"}, ValueError, "method must be one of"),
        ((3, np.ones((2, 3))), {}, ValueError, "N x M array with M = 2"),
        ((3, np.ones(2)), {}, ValueError, "N x M"),
        ((3, np.array([["a", "b"]])), {}, TypeError, "real numbers"),
        ((3, np.array([[np.nan, 1.0]])), {}, ValueError, "NaN"),
        ((), {}, TypeError, "T .* is required"),
        ((0,), {}, ValueError, "T must be a positive integer"),
        ((3,), {"method": "prefix", "optimize": "greedy"}, ValueError, "optimize= applies"),
        ((3,), {"method": "network", "optimize": "no-such-preset"}, ValueError, "optimize must"),
        ((3,), {"max_entries": -1}, ValueError, "max_entries"),
    ],
)
def test_bad_arguments(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        grid_tensor(RAC.random(2, 2, depth=2, seed=0), *args, **kwargs)


def test_rejects_non_rac():
    with pytest.raises(TypeError, match="or a RacNetwork"):
        grid_tensor(np.eye(2), 3)


# -- paths and costs --------------------------------------------------------------------------


def test_mps_structured_cost_is_the_sweep():
    # left-to-right sweep: largest intermediate is the state times all open legs, R * N^T
    # (before W^O closes it); flops follow the same count
    M, R, T = 2, 4, 6
    net = compile_rac(gaussian_rac(M, R, 1, 1), T)
    cost = net.contraction_cost()
    assert isinstance(cost, ContractionCost)
    assert cost.width == pytest.approx(np.log2(R * M**T))
    assert cost.flops > 0 and cost.tree.N == net.num_tensors
    wider = net.contraction_cost(templates=5)
    assert wider.width == pytest.approx(np.log2(R * 5**T))


def test_paths_are_cached_and_searched_once():
    class CountingOptimizer:
        """A cotengra-style optimiser (has .search) that records how often it searches."""

        def __init__(self):
            self.calls = 0

        def search(self, inputs, output, size_dict, **kwargs):
            self.calls += 1
            return ctg.array_contract_tree(inputs, output, size_dict=size_dict, optimize="greedy")

    clear_path_cache()
    rac = gaussian_rac(2, 2, 2, 1, seed=14)
    net = compile_rac(rac, 4)
    opt = CountingOptimizer()
    first = contraction_cost(net, optimize=opt)
    A = net.grid_tensor(optimize=opt)
    # a fresh network of the same shape reuses the tree too
    B = compile_rac(gaussian_rac(2, 2, 2, 1, seed=15), 4).grid_tensor(optimize=opt)
    assert opt.calls == 1
    assert contraction_cost(net, optimize=opt).tree is first.tree
    assert net.contraction_cost("greedy").tree is net.contraction_cost("greedy").tree
    assert net.contraction_cost().tree is net.contraction_cost(None).tree
    assert_close(A, loop_grid(rac, 4))
    assert_close(B, loop_grid(gaussian_rac(2, 2, 2, 1, seed=15), 4))


@pytest.mark.filterwarnings("ignore:Couldn't import `kahypar`")
def test_cotengra_optimisers_give_the_same_tensor():
    rac = gaussian_rac(2, 3, 2, 2, seed=16)
    net = compile_rac(rac, 4)
    expected = loop_grid(rac, 4)
    for optimize in (None, "structured", "greedy", "auto", ctg.HyperOptimizer(max_repeats=2)):
        assert_close(net.grid_tensor(optimize=optimize), expected)
    tree = net.contraction_tree("greedy")
    assert_close(net.grid_tensor(optimize=tree), expected)
    cost = net.contraction_cost("auto")
    assert cost.width >= np.log2(2**4 * 2) - 1e-9  # the output alone is N^T * C
    assert cost.optimize == "auto" and set(cost.symbols) >= set(net.input_inds)


def test_modified_network_is_refused():
    net = compile_rac(RAC.random(2, 2, depth=2, seed=0), 3)
    net.tn.add_tensor(net.tn.tensors[0].copy())
    with pytest.raises(ValueError, match="modified"):
        net.grid_tensor()


def test_docstring_examples():
    assert doctest.testmod(rac_tn.network.contract).failed == 0
    assert doctest.testmod(rac_tn.network.grid_tensor).failed == 0


def test_a_strided_contraction_result_passes_the_range_check():
    """A cotengra path can return a non-contiguous array; the range check must still read it."""
    from rac_tn.network.grid_routes import _check_range

    rac = RAC.random(2, 2, depth=1, seed=0)
    F = np.eye(2)
    strided = np.ones((16, 4))[:, ::2]  # 16 x 2, not contiguous
    _check_range(rac, 4, F, strided)  # all finite, none tiny: no error
