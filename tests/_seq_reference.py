"""Independent references for linear attention, the gated SSM and the TT-RNN (not a test file).

Written from the sources' formulas on the models' public weight arrays (never through the
library's forward, layers, compile or rank code):

- linear attention (Henry, Marchetti & Kohn; NeuroDim ``attn.py`` without softmax, causal):
  ``o_t = sum_{s <= t} (Q z_t . K z_s) V z_s``, layer l + 1 reads ``o^l``; y = D o^L (or o^L);
- gated SSM: ``h_t = (G x_t + g) * h_{t-1} + B x_t``, layer l + 1 reads ``h^l``; y = D h^L + c;
- TT-RNN (tensortrainlm ``TTLMLargeCell``, no tanh): ``w1 = W h + b``, ``w2 = (E x + c)``
  viewed n x n, ``h[k] = sum_j w1[j] w2[j, k]``; y = D h^L + c.

:func:`loop` runs one sequence on exact numbers (every step); :func:`expand` expands y as a
sparse polynomial in the ``T * d`` input variables (packed monomials of ``_reference.py``), for
coefficient matrices and their exact ranks.
"""

from __future__ import annotations

import numpy as np
from _reference import Expansion, exact, linear, multiply

_BITS = 8  # packed exponent width: every degree per input below 2**7 here


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


def _scale(c, poly: dict) -> dict:
    return {k: c * v for k, v in poly.items()} if c else {}


def _const(c) -> dict:
    return {0: c} if c != 0 else {}


class _Ops:
    """Arithmetic on exact numbers (``poly=False``) or on sparse polynomials."""

    def __init__(self, poly: bool) -> None:
        self.poly = poly

    def zero(self):
        return {} if self.poly else 0

    def const(self, c):
        return _const(c) if self.poly else c

    def add(self, *xs):
        return _add(*xs) if self.poly else sum(xs)

    def mul(self, a, b):
        return multiply(a, b) if self.poly else a * b

    def lin(self, M, xs):  # M @ xs
        if self.poly:
            return linear(M, xs)
        return [sum(m * x for m, x in zip(row, xs)) for row in M]


def _attention(model, ops: _Ops, sequence: list[list]) -> list[list]:
    """Every layer in turn; returns the top layer's ``o_t`` for every t."""
    z = sequence
    for Q, K, V in zip(model.Q, model.K, model.V):
        Q, K, V = _mat(Q), _mat(K), _mat(V)
        q = [ops.lin(Q, zt) for zt in z]
        k = [ops.lin(K, zt) for zt in z]
        v = [ops.lin(V, zt) for zt in z]
        out = []
        for t in range(len(z)):
            o = [ops.zero() for _ in range(len(V))]
            for s in range(t + 1):
                score = ops.add(*(ops.mul(a, b) for a, b in zip(q[t], k[s])))
                o = [ops.add(oj, ops.mul(score, vj)) for oj, vj in zip(o, v[s])]
            out.append(o)
        z = out
    return z


def _ssm(model, ops: _Ops, sequence: list[list]) -> list[list]:
    z = sequence
    for G, g, B, h0 in zip(model.gate_weight, model.gate_bias, model.input_weight,
                           model.initial_states):  # fmt: skip
        G, g, B = _mat(G), _vec(g), _mat(B)
        h = [ops.const(c) for c in _vec(h0)]
        out = []
        for zt in z:
            gate = [ops.add(a, ops.const(c)) for a, c in zip(ops.lin(G, zt), g)]
            drive = ops.lin(B, zt)
            h = [ops.add(ops.mul(a, hi), b) for a, hi, b in zip(gate, h, drive)]
            out.append(h)
        z = out
    return z


def _ttrnn(model, ops: _Ops, sequence: list[list]) -> list[list]:
    z = sequence
    n = model.hidden_dim
    for i, (W, E, h0) in enumerate(zip(model.W, model.E, model.initial_states)):
        W, E = _mat(W), _mat(E)
        b = _vec(model.b[i]) if model.b is not None else [0] * n
        c = _vec(model.E_bias[i]) if model.E_bias is not None else [0] * (n * n)
        h = [ops.const(x) for x in _vec(h0)]
        out = []
        for zt in z:
            w1 = [ops.add(a, ops.const(bb)) for a, bb in zip(ops.lin(W, h), b)]
            w2 = [ops.add(a, ops.const(cc)) for a, cc in zip(ops.lin(E, zt), c)]
            h = [ops.add(*(ops.mul(w1[j], w2[j * n + k]) for j in range(n))) for k in range(n)]
            out.append(h)
        z = out
    return z


def _decode(model, ops: _Ops, top: list) -> list:
    if model.family == "attention":
        if model.decoder_weight is None:
            return top
        return ops.lin(_mat(model.decoder_weight), top)
    y = ops.lin(_mat(model.decoder_weight), top)
    if model.decoder_bias is not None:
        y = [ops.add(a, ops.const(c)) for a, c in zip(y, _vec(model.decoder_bias))]
    return y


_RUN = {"attention": _attention, "ssm": _ssm, "ttrnn": _ttrnn}


def loop(model, X) -> list[list]:
    """``y_t`` after every step of one sequence ``X`` (T x d), exactly: ``[T][C]``."""
    ops = _Ops(poly=False)
    sequence = [[exact(v) for v in row] for row in np.asarray(X).tolist()]
    return [_decode(model, ops, top) for top in _RUN[model.family](model, ops, sequence)]


def expand(model, T: int) -> Expansion:
    """y (the last step) as exact sparse polynomials in the ``T * d`` input variables."""
    d = model.input_dim
    ops = _Ops(poly=True)
    sequence = [[{1 << (_BITS * ((t - 1) * d + m)): 1} for m in range(d)] for t in range(1, T + 1)]
    tops = _RUN[model.family](model, ops, sequence)
    expansion = object.__new__(Expansion)  # reuse its monomial split on our polynomials
    expansion.T, expansion.M, expansion.bits = T, d, _BITS
    expansion.outputs = _decode(model, ops, tops[-1])
    return expansion


def degree_in(expansion: Expansion, t: int, class_index: int = 0) -> int:
    """The total degree of ``y_c`` in ``x_t`` (t = 1..T)."""
    return max(sum(e[t - 1]) for e in map(expansion.exponents, expansion.outputs[class_index]))
