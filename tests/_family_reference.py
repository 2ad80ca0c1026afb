"""An independent exact reference for the model families (not a test file).

Each family's output is expanded as an exact polynomial by the seed code's per-step formula,
written out here from the model's public weight arrays (never through the library's forward,
compile or rank code; float weights as the dyadic rationals they store), and its separation
rank is the rank over Q of its coefficient matrix (see ``_reference.py``).
"""

from __future__ import annotations

import numpy as np
from _reference import Expansion, exact, linear, multiply, rational_rank

_BITS = 8  # packed exponent width: every degree per input below 2**7 in these sizes


def _var(t: int, m: int, d: int) -> int:
    return 1 << (_BITS * ((t - 1) * d + m))


def _mat(array) -> list[list]:
    return [[exact(v) for v in row] for row in np.asarray(array).tolist()]


def _vec(array) -> list:
    return [exact(v) for v in np.asarray(array).tolist()]


def _add(*polys: dict) -> dict:
    out: dict = {}
    for poly in polys:
        for k, c in poly.items():
            out[k] = out.get(k, 0) + c
    return {k: c for k, c in out.items() if c != 0}


def _const(c) -> dict:
    return {0: c} if c != 0 else {}


def _step(model, i: int, h: list[dict], x: list[dict]) -> list[dict]:
    """One layer's update, written from the seed code's formula (identity gate)."""
    n = model.hidden_dim
    if model.family == "cp2rnn":  # einsum('br,br,hr->bh', h@A, x@B, C) + h@V + x@U + d
        a = linear(list(map(list, zip(*_mat(model.A[i])))), h)  # A^T h
        b = linear(list(map(list, zip(*_mat(model.B[i])))), x)  # B^T x
        prod = [multiply(p, q) for p, q in zip(a, b)]
        out = linear(_mat(model.C[i]), prod)
        if model.bias:
            V, U, d = _mat(model.V[i]), _mat(model.U[i]), _vec(model.d[i])
            hv = linear(list(map(list, zip(*V))), h)
            xu = linear(list(map(list, zip(*U))), x)
            out = [_add(o, p, q, _const(c)) for o, p, q, c in zip(out, hv, xu, d)]
        return out
    if model.family == "2rnn":  # einsum('bi,bj,ijk->bk', [h;1], [x;1], w)
        w = np.asarray(model.w[i])
        hh = h + [{0: 1}] if model.bias else h
        xx = x + [{0: 1}] if model.bias else x
        out = []
        for k in range(n):
            terms = [
                {key: exact(w[a, b, k]) * c for key, c in multiply(hh[a], xx[b]).items()}
                for a in range(len(hh))
                for b in range(len(xx))
                if w[a, b, k] != 0
            ]
            out.append(_add(*terms))
        return out
    if model.family == "mirnn":  # alpha*(x@w)*(h@u) + beta1*(h@u) + beta2*(x@w) + b
        xw = linear(list(map(list, zip(*_mat(model.w[i])))), x)
        hu = linear(list(map(list, zip(*_mat(model.u[i])))), h)
        alpha = _vec(model.alpha[i])
        out = [{k: a * c for k, c in multiply(p, q).items()} for a, p, q in zip(alpha, xw, hu)]
        if model.bias:
            b1, b2, b = _vec(model.beta1[i]), _vec(model.beta2[i]), _vec(model.b[i])
            out = [
                _add(o, {k: s * c for k, c in p.items()}, {k: r * c for k, c in q.items()},
                     _const(c0))
                for o, p, q, s, r, c0 in zip(out, hu, xw, b1, b2, b)
            ]  # fmt: skip
        return out
    assert model.family == "linear"  # h@u + x@w + b
    hu = linear(list(map(list, zip(*_mat(model.u[i])))), h)
    xw = linear(list(map(list, zip(*_mat(model.w[i])))), x)
    b = _vec(model.b[i]) if model.bias else [0] * n
    return [_add(p, q, _const(c)) for p, q, c in zip(hu, xw, b)]


def reference_rank(model, T: int, start, class_index: int = 0) -> int:
    """The exact separation rank of y_0: the rank over Q of its coefficient matrix."""
    d = model.input_dim
    states = [[_const(exact(v)) for v in h.tolist()] for h in model.initial_states]
    for t in range(1, T + 1):
        below = [{_var(t, m, d): 1} for m in range(d)]
        for i in range(model.depth):
            below = states[i] = _step(model, i, states[i], below)
    y = linear(_mat(model.decoder_weight), states[-1])[class_index]
    if model.decoder_bias is not None:
        y = _add(y, _const(exact(model.decoder_bias[class_index])))
    expansion = object.__new__(Expansion)  # reuse its monomial split on our polynomial
    expansion.T, expansion.M, expansion.bits, expansion.outputs = T, d, _BITS, [y]
    matrix, _, _ = expansion.coefficient_matrix(start)
    return rational_rank(matrix)
