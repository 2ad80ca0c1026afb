"""Plain per-step loops written from the seed papers' code (not from rac_tn), for the tests.

Each loop runs one sequence with the identity as every activation, on object arrays (Python
ints or Fractions: exact) or float64, and returns the decoder's output after every step
(``(T, C)``), as the seed models do. The formulas, from ``MaudeLiz/cprnn`` ``models/*.py`` and
``MaudeLiz/Role_of_Depth_in_RNNs`` ``src/models.py``:

- CPRNN:  h = einsum('br,br,hr->bh', h @ A, x @ B, C) + h @ V + x @ U + d
- SecondOrderRNN: h = einsum('bi,bj,ijk->bk', [h, 1], [x, 1], w)
- MIRNN:  h = alpha * (x @ w) * (h @ u) + beta1 * (h @ u) + beta2 * (x @ w) + b
- RNN (rnn.py): h = h @ u + x @ w + b;  LinearRNNCell: x W_ih^T + b_ih + h W_hh^T + b_hh
- stacking (DeepCPRNN / DeepRNN): layer i reads layer i-1's new state at the same step;
  decoder: y_t = h_t W^T + bias.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np


def exact(arr, kind):
    """``arr`` as an object array of Python ints / Fractions, or float64 (``kind='float'``)."""
    a = np.asarray(arr)
    if kind == "float":
        return a.astype(np.float64)
    conv = int if kind == "int" else (lambda v: Fraction(float(v)))
    out = np.empty(a.shape, dtype=object)
    for idx in np.ndindex(a.shape):
        out[idx] = conv(a[idx])
    return out


def _zero(n, kind):
    return exact(np.zeros(n, dtype=np.int64), kind)


def run(step, layers, decoder_w, decoder_b, X, h0s, kind):
    """Generic stacking: ``step(params, h, x) -> h``; returns the decoder after every step."""
    hs = [exact(h, kind) for h in h0s]
    dec_w = exact(decoder_w, kind)
    dec_b = None if decoder_b is None else exact(decoder_b, kind)
    params = [{k: exact(v, kind) for k, v in layer.items()} for layer in layers]
    out = []
    for x in X:
        inp = exact(x, kind)
        for i, p in enumerate(params):
            hs[i] = step(p, hs[i], inp)
            inp = hs[i]
        y = dec_w @ inp
        out.append(y if dec_b is None else y + dec_b)
    return np.array(out)


def cp_step(p, h, x):
    z = (h @ p["A"]) * (x @ p["B"])
    new = p["C"] @ z
    if "U" in p:
        new = new + h @ p["V"] + x @ p["U"] + p["d"]
    return new


def second_order_step(p, h, x):
    w = p["w"]
    if w.shape[0] == w.shape[2] + 1:
        h = np.append(h, 1 if h.dtype != np.float64 else 1.0)
        x = np.append(x, 1 if x.dtype != np.float64 else 1.0)
    n = w.shape[2]
    new = np.array([0 * w[0, 0, 0]] * n, dtype=w.dtype)
    for i in range(w.shape[0]):
        for j in range(w.shape[1]):
            new = new + h[i] * x[j] * w[i, j, :]
    return new


def mirnn_step(p, h, x):
    wx, uh = x @ p["w"], h @ p["u"]
    new = p["alpha"] * wx * uh
    if "beta1" in p:
        new = new + p["beta1"] * uh + p["beta2"] * wx + p["b"]
    return new


def rnn_step(p, h, x):
    new = h @ p["u"] + x @ p["w"]
    return new + p["b"] if "b" in p else new


def linear_cell_step(p, h, x):
    new = x @ p["weight_ih"].T + h @ p["weight_hh"].T
    if "bias_ih" in p:
        new = new + p["bias_ih"] + p["bias_hh"]
    return new


def rac_loop(rac, X):
    """The RAC recurrence in Python ints: y after the last step."""
    hs = [exact(h, "int") for h in rac.initial_states]
    wi = [exact(w, "int") for w in rac.input_weights]
    wh = [exact(w, "int") for w in rac.hidden_weights]
    for x in X:
        inp = exact(x, "int")
        for i in range(rac.depth):
            hs[i] = (wh[i] @ hs[i]) * (wi[i] @ inp)
            inp = hs[i]
    return exact(rac.output_weights, "int") @ hs[-1]


def residues(values, p):
    """Exact values (ints or Fractions) modulo p, as Python ints."""
    out = []
    for v in np.ravel(values):
        f = Fraction(v)
        out.append(f.numerator % p * pow(f.denominator, -1, p) % p)
    return np.array(out, dtype=object).reshape(np.shape(values))
