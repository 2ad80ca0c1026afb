"""The linear RNN, stacked: ``h_t = h_{t-1} @ u + x_t @ w + b``.

The seed code's names: ``w`` (d x n), ``u`` (n x n), ``b`` (``MaudeLiz/cprnn``,
``models/rnn.py``, whose gate is tanh: the identity here), or the depth paper's stacked
``DeepRNN`` with ``LinearRNNCell`` (``MaudeLiz/Role_of_Depth_in_RNNs``, ``src/models.py``):
``rnn_layers.<i>.weight_ih`` (n x d, so ``w = weight_ih^T``), ``weight_hh`` (``u =
weight_hh^T``), ``bias_ih + bias_hh`` (``b``) and the readout ``fc.*``.

Its output has degree 1 in every input at every depth (a stack of linear maps is linear), so
its separation rank is at most 2 for every partition (``y = a(x_P) + b(x_Q) + c``): the
start-end rank does not measure its memory. As CP terms on augmented vectors: ``n`` terms
``(e_i, 1, u[i])``, ``min(d, n)`` terms for ``x @ w`` and the constant ``(1, 1, (b, 1))``.
"""

from __future__ import annotations

import dataclasses
from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np

import rac_tn.models.params as P
from rac_tn.models.base import BilinearModel
from rac_tn.models.layers import BilinearLayer, Terms
from rac_tn.models.sizes import Present, Size

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

_NAMES = ("w", "u", "b", "h0")
_DEEP_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "h0")


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class LinearRNN(BilinearModel):
    """A linear RNN of any depth.

    Parameters
    ----------
    w, u
        Per layer (a list, or one array for one layer): ``w`` d x n (n x n above layer 1),
        ``u`` n x n.
    decoder_weight
        ``num_classes x n``.
    b
        Per-layer bias (length n), or None (``bias=False``).
    decoder_bias
        Length ``num_classes`` (the state always carries a constant coordinate here).
    initial_states
        Per layer ``h_0`` (length n), or ``"ones"`` (the default, as for the RAC) or
        ``"zeros"`` (the seed code's start, which :meth:`from_state_dict` uses; a homogeneous
        model started at zero is identically zero, and its report says so).

    Examples
    --------
    >>> model = LinearRNN.random(2, 3, depth=2, seed=0)
    >>> model.multiplicative, model.node_dim, model.layers[0].num_terms
    (False, 4, 6)
    """

    family = "linear"
    multiplicative = False

    w: tuple[np.ndarray, ...]
    u: tuple[np.ndarray, ...]
    decoder_weight: np.ndarray
    b: tuple[np.ndarray, ...] | None = None
    decoder_bias: np.ndarray | None = None
    initial_states: tuple[np.ndarray, ...] = None  # type: ignore[assignment]  # __post_init__ sets it

    if TYPE_CHECKING:  # what the constructor takes (__post_init__ checks and converts it)

        def __init__(
            self,
            w: ArrayLike,
            u: ArrayLike,
            decoder_weight: ArrayLike,
            b: ArrayLike | None = None,
            decoder_bias: ArrayLike | None = None,
            initial_states: ArrayLike | None = None,
        ) -> None: ...

    def __post_init__(self) -> None:
        w, u = P.per_layer(self.w, "w", 2), P.per_layer(self.u, "u", 2)
        b = P.optional_per_layer(self.b, "b", 1)
        L, n = len(w), u[0].shape[0]
        P.check_depth(L, u=u, b=b)
        for i in range(L):
            d = w[0].shape[0] if i == 0 else n
            P.check_shape(w[i], (d, n), f"w[{i}]", "input size x n")
            P.check_shape(u[i], (n, n), f"u[{i}]", "n x n")
            if b is not None:
                P.check_shape(b[i], (n,), f"b[{i}]", "n")
        dec, dec_b = P.decoder(self.decoder_weight, self.decoder_bias, n, True)
        h0 = P.initial_states(self.initial_states, L, n, P.common_dtype(w, u))
        P.set_fields(self, w=w, u=u, b=b, decoder_weight=dec, decoder_bias=dec_b,
                     initial_states=h0)  # fmt: skip

    input_dim = Size("w", 0)
    """d, the input size."""
    hidden_dim = Size("u", 0)
    """n, the hidden size."""
    depth = Size("w")
    """L, the number of layers."""
    bias = Present("b")
    """True with a bias ``b`` (the cell is affine either way)."""

    def _build_layers(self) -> tuple[BilinearLayer, ...]:
        dtype = P.common_dtype(*(getattr(self, f.name) for f in dataclasses.fields(self)))
        layers = []
        for i in range(self.depth):
            terms = Terms(self.hidden_dim, self.w[i].shape[0], True, dtype)
            terms.state_linear(self.u[i])
            terms.input_linear(self.w[i])
            terms.constant(None if self.b is None else self.b[i])
            layers.append(terms.layer(self.initial_states[i]))
        return tuple(layers)

    @classmethod
    def random(
        cls,
        input_dim: int,
        hidden_dim: int,
        depth: int = 1,
        *,
        bias: bool = False,
        num_classes: int = 1,
        seed: int | np.random.Generator | None = None,
        integer: bool = False,
    ) -> LinearRNN:
        """A linear RNN with random weights and a generic nonzero initial state per layer.

        Floats from ``U(-1/sqrt(n), 1/sqrt(n))``; ``integer=True``: integers from
        ``(-2**20, 2**20)``.
        """
        s = P.sizes(input_dim=input_dim, hidden_dim=hidden_dim, depth=depth,
                    num_classes=num_classes)  # fmt: skip
        d, n, L, C = s["input_dim"], s["hidden_dim"], s["depth"], s["num_classes"]
        draw = P.Drawer(seed, integer, 1.0 / np.sqrt(n))
        dims = [d] + [n] * (L - 1)
        return cls(
            w=[draw(m, n) for m in dims],
            u=[draw(n, n) for _ in dims],
            decoder_weight=draw(C, n),
            b=[draw(n) for _ in dims] if bias else None,
            decoder_bias=draw(C) if bias else None,
            initial_states=[draw.nonzero(n) for _ in dims],
        )

    @classmethod
    def from_state_dict(cls, state_dict: object, *, strict: bool = True) -> LinearRNN:
        """A linear RNN from either seed's parameters (torch tensors or numpy arrays).

        Keys: ``w, u, b`` (``models/rnn.py``; stacked ``<prefix>.<i>.w``), or the depth
        paper's ``rnn_layers.<i>.weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh``
        (``w = weight_ih^T``, ``u = weight_hh^T``, ``b = bias_ih + bias_hh``, which must be
        exact in float64); the decoder ``decoder.1.*``, ``decoder.*`` or ``fc.*``;
        ``embedding.weight`` is ignored. Initial states zero unless ``h0`` keys are present.
        """
        sd = P.as_state_dict(state_dict)
        deep = any(key.rsplit(".", 1)[-1] in _DEEP_NAMES[:4] for key in sd)
        names = _DEEP_NAMES if deep else _NAMES
        required = ("weight_ih", "weight_hh") if deep else ("w", "u")
        layers, _, used = P.split_layers(sd, names, required)
        weight, bias, dec_used = P.read_decoder(sd)
        P.check_unused(sd, used | dec_used, strict)
        h0 = P.all_or_none([layer.get("h0") for layer in layers], "h0")
        if not deep:
            w, u = [x["w"] for x in layers], [x["u"] for x in layers]
            b = P.all_or_none([x.get("b") for x in layers], "b")
        else:
            w = [np.asarray(x["weight_ih"]).T for x in layers]
            u = [np.asarray(x["weight_hh"]).T for x in layers]
            b = P.all_or_none([_sum_biases(x) for x in layers], "bias_ih")
        return cls(
            w=w,
            u=u,
            b=b,
            decoder_weight=weight,
            decoder_bias=bias,
            initial_states="zeros" if h0 is None else h0,
        )

    def to_state_dict(self) -> dict[str, np.ndarray]:
        """The parameters under the seed code's keys (read back by :meth:`from_state_dict`).

        One layer: ``w, u, b`` and ``decoder.1.*`` (``models/rnn.py``); a stack as the depth
        paper's ``DeepRNN``: ``rnn_layers.<i>.weight_ih`` ... (``bias_hh`` zero) and ``fc.*``.
        Nonzero initial states are written as ``h0``.
        """
        out = {}
        if self.depth == 1:
            out = {"w": P.writable(self.w[0]), "u": P.writable(self.u[0])}
            if self.b is not None:
                out["b"] = P.writable(self.b[0])
            if self.initial_states[0].any():
                out["h0"] = P.writable(self.initial_states[0])
            return out | P.decoder_dict(self)
        for i in range(self.depth):
            key = f"rnn_layers.{i}."
            out[key + "weight_ih"] = P.writable(self.w[i].T)
            out[key + "weight_hh"] = P.writable(self.u[i].T)
            if self.b is not None:
                out[key + "bias_ih"] = P.writable(self.b[i])
                out[key + "bias_hh"] = np.zeros_like(self.b[i])
            if self.initial_states[i].any():
                out[key + "h0"] = P.writable(self.initial_states[i])
        return out | P.decoder_dict(self, "fc.")


def _sum_biases(layer: dict[str, np.ndarray]) -> np.ndarray | None:
    """``bias_ih + bias_hh``, refused when float64 cannot hold the sum exactly."""
    parts = [layer.get("bias_ih"), layer.get("bias_hh")]
    if parts[0] is None and parts[1] is None:
        return None
    if parts[0] is None or parts[1] is None:
        raise ValueError("state_dict has only one of bias_ih and bias_hh in a layer")
    a, b = (np.asarray(x) for x in parts)
    if np.issubdtype(a.dtype, np.integer) and np.issubdtype(b.dtype, np.integer):
        return a.astype(np.int64) + b.astype(np.int64)
    a, b = a.astype(np.float64), b.astype(np.float64)
    total = a + b
    for x, y, s in zip(a.ravel(), b.ravel(), total.ravel(), strict=True):
        if Fraction(float(x)) + Fraction(float(y)) != Fraction(float(s)):
            raise ValueError(
                "bias_ih + bias_hh is not exact in float64; pass b = bias_ih + bias_hh "
                "yourself (LinearRNN(w=..., u=..., b=...)) to accept the rounding"
            )
    return total
