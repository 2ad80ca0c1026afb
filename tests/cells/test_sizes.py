"""Every family's size properties against the shapes of the arrays the model holds.

The layouts below are written from each family's documented parameter shapes (d the input size,
n the hidden size, K a CP rank, a/v attention's key/value dimensions, C the outputs, ``m = d`` at
layer 1 and ``n`` above); the test reads the model's own arrays and checks both that they have
these shapes and that the size properties report the sizes they were built with.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from rac_tn.models import TTRNN, family_names, get_family, random_model

D, N, K, C = 3, 4, 2, 2  # all different, so that a size read off the wrong axis shows


def _layouts(family, d, n, depth, bias):
    """Per field: the expected shape of each layer's array (a list), one array's, or None."""
    m = [d] + [n] * (depth - 1)  # what each layer reads
    per = lambda shape: [shape(k) for k in m]  # noqa: E731
    opt = lambda shape: per(shape) if bias else None  # noqa: E731
    dec = {"decoder_weight": (C, n), "decoder_bias": (C,) if bias else None}
    h0 = {"initial_states": per(lambda k: (n,))}
    a = int(bias)
    return {
        "rac": {
            "input_weights": per(lambda k: (n, k)),
            "hidden_weights": per(lambda k: (n, n)),
            "output_weights": (C, n),
            **h0,
        },
        "2rnn": {"w": per(lambda k: (n + a, k + a, n)), **dec, **h0},
        "cp2rnn": {
            "A": per(lambda k: (n, K)),
            "B": per(lambda k: (k, K)),
            "C": per(lambda k: (n, K)),
            "U": opt(lambda k: (k, n)),
            "V": opt(lambda k: (n, n)),
            "d": opt(lambda k: (n,)),
            **dec,
            **h0,
        },
        "mirnn": {
            "alpha": per(lambda k: (n,)),
            "w": per(lambda k: (k, n)),
            "u": per(lambda k: (n, n)),
            **{name: opt(lambda k: (n,)) for name in ("beta1", "beta2", "b")},
            **dec,
            **h0,
        },
        "linear": {
            "w": per(lambda k: (k, n)),
            "u": per(lambda k: (n, n)),
            "b": opt(lambda k: (n,)),
            **dec,
            **h0,
        },
        # value_dim defaults to d, so every layer reads d values
        "attention": {
            "Q": per(lambda k: (n, d)),
            "K": per(lambda k: (n, d)),
            "V": per(lambda k: (d, d)),
            "decoder_weight": (C, d),
        },
        "ssm": {
            "gate_weight": per(lambda k: (n, k)),
            "gate_bias": per(lambda k: (n,)),
            "input_weight": per(lambda k: (n, k)),
            "decoder_weight": (C, n),
            **h0,
        },
        # random draws b always (as both seed cells); bias adds E_bias and a decoder bias
        "ttrnn": {
            "W": per(lambda k: (n, n)),
            "E": per(lambda k: (n * n, k)),
            "b": per(lambda k: (n,)),
            "E_bias": opt(lambda k: (n * n,)),
            **dec,
            **h0,
        },
    }[family]


def _shape(value):
    """The shape of one array, the list of shapes of per-layer arrays, or None."""
    if value is None:
        return None
    if isinstance(value, tuple):
        return [np.shape(a) for a in value]
    return np.shape(value)


CASES = [
    (family, depth, bias)
    for family in family_names()
    for depth in (1, 2)
    for bias in ((False, True) if "bias" in get_family(family).options else (False,))
]


@pytest.mark.parametrize("family,depth,bias", CASES)
def test_sizes_are_the_shapes_of_the_arrays(family, depth, bias):
    options = {"rank": K} if "rank" in get_family(family).options else {}
    model = random_model(family, D, N, depth, bias=bias, num_classes=C, seed=0, **options)
    layout = _layouts(family, D, N, depth, bias)
    held = {name: _shape(getattr(model, name)) for name in layout}
    assert held == layout
    if dataclasses.is_dataclass(model):  # every parameter field is in the layout
        arrays = {f.name for f in dataclasses.fields(model) if getattr(model, f.name) is not None}
        assert arrays <= set(layout)

    # the sizes, read from the arrays just checked
    first = {name: shapes[0] for name, shapes in held.items() if isinstance(shapes, list)}
    depths = {len(shapes) for shapes in held.values() if isinstance(shapes, list)}
    assert depths == {depth}
    assert model.depth == model.L == depth
    assert model.num_classes == C
    assert model.input_dim == model.M == D
    assert model.hidden_dim == model.R == N
    expected_bias = {
        "rac": False,
        "attention": False,  # no biases (its layers still read (z, 1))
        "ssm": True,  # the gate's bias and B x are affine terms
        "ttrnn": True,  # b is always drawn
    }.get(family, bias)
    assert model.bias is expected_bias
    if family == "rac":
        assert (first["input_weights"][1], first["input_weights"][0]) == (D, N)
        assert model.rank is None
    elif family == "2rnn":
        assert first["w"] == (N + bias, D + bias, N)
        assert model.rank is None
    elif family == "cp2rnn":
        assert (first["B"][0], first["A"][0], first["A"][1]) == (D, N, K)
        assert model.rank == K
        assert model.bias is (model.U is not None)
    elif family == "attention":
        assert (first["Q"][1], first["Q"][0], first["V"][0]) == (D, N, D)
        assert model.key_dim == N and model.value_dim == D
    else:
        assert model.rank is None


@pytest.mark.parametrize("depth", [1, 2])
def test_ttrnn_without_b_or_E_bias_has_no_bias(depth):
    rng = np.random.default_rng(0)
    reads = [D] + [N] * (depth - 1)
    model = TTRNN(
        W=[rng.standard_normal((N, N)) for _ in reads],
        E=[rng.standard_normal((N * N, m)) for m in reads],
        decoder_weight=rng.standard_normal((C, N)),
    )
    assert (model.bias, model.input_dim, model.hidden_dim, model.depth) == (False, D, N, depth)
    only_e_bias = model.replace(E_bias=[rng.standard_normal(N * N) for _ in reads])
    assert only_e_bias.bias is True and only_e_bias.b is None


@pytest.mark.parametrize("family", family_names())
@pytest.mark.parametrize("name", ["input_dim", "hidden_dim", "depth", "bias", "M", "R", "L"])
def test_sizes_are_read_only(family, name):
    model = random_model(family, D, N, 2, seed=0)
    before = getattr(model, name)
    with pytest.raises(AttributeError):
        setattr(model, name, 7)
    with pytest.raises(AttributeError):
        delattr(model, name)
    assert getattr(model, name) == before
