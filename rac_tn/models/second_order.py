"""The second-order RNN (2RNN) with a dense core, stacked.

One layer, in the seed code's terms (``MaudeLiz/cprnn``, ``models/second_order_rnn.py``) with
the identity as its gate::

    h_t = einsum('bi,bj,ijk->bk', [h_{t-1}; 1], [x_t; 1], w)      w: (n+1) x (d+1) x n

The affine terms (``V h + U x + b`` and the bias) are the slices of ``w`` at the appended ones.
Without them (``bias=False``) the core is ``n x d x n`` on ``h`` and ``x`` themselves
(``h_t = A x_1 h_{t-1} x_2 x_t``). Layer l reads layer l - 1's state (its core is
``(n+1) x (n+1) x n``, resp. ``n x n x n``); the decoder reads the last layer.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import numpy as np

import rac_tn.models.params as P
from rac_tn.models.base import BilinearModel
from rac_tn.models.layers import BilinearLayer
from rac_tn.models.sizes import Size

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

_NAMES = ("w", "h0")


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class SecondOrderRNN(BilinearModel):
    """A second-order RNN with a dense core, any depth (identity activations).

    Parameters
    ----------
    w
        Per layer (a list, or one array for one layer): ``(n+1) x (d+1) x n`` with affine
        terms (the seed code's shape, on ``[h; 1]`` and ``[x; 1]``), or ``n x d x n`` without;
        ``d = n`` above layer 1.
    decoder_weight
        ``num_classes x n``.
    decoder_bias
        Length ``num_classes``; only with affine terms.
    initial_states
        Per layer ``h_0`` (length n), or ``"ones"`` (the default, as for the RAC) or
        ``"zeros"`` (the seed code's start, which :meth:`from_state_dict` uses; a homogeneous
        model started at zero is identically zero, and its report says so).

    Examples
    --------
    >>> model = SecondOrderRNN.random(2, 3, bias=True, seed=0)
    >>> model.w[0].shape, model.node_dim, model.input_node_dim
    ((4, 3, 3), 4, 3)
    """

    family = "2rnn"

    w: tuple[np.ndarray, ...]
    decoder_weight: np.ndarray
    decoder_bias: np.ndarray | None = None
    initial_states: tuple[np.ndarray, ...] = None  # type: ignore[assignment]  # __post_init__ sets it

    if TYPE_CHECKING:  # what the constructor takes (__post_init__ checks and converts it)

        def __init__(
            self,
            w: ArrayLike,
            decoder_weight: ArrayLike,
            decoder_bias: ArrayLike | None = None,
            initial_states: ArrayLike | None = None,
        ) -> None: ...

    def __post_init__(self) -> None:
        w = P.per_layer(self.w, "w", 3)
        n = w[0].shape[2]
        if w[0].shape[0] not in (n, n + 1):
            raise ValueError(
                f"w[0] must be (n+1) x (d+1) x n (affine) or n x d x n, got shape {w[0].shape}"
            )
        affine = w[0].shape[0] == n + 1
        for i, core in enumerate(w):
            d = core.shape[1] - affine if i == 0 else n
            expected = (n + affine, d + affine, n)
            meaning = "(n+1) x (d+1) x n" if affine else "n x d x n"
            P.check_shape(core, expected, f"w[{i}]", meaning + (", d = n above layer 1" * (i > 0)))
        dec, dec_b = P.decoder(self.decoder_weight, self.decoder_bias, n, affine)
        h0 = P.initial_states(self.initial_states, len(w), n, P.common_dtype(w))
        P.set_fields(self, w=w, decoder_weight=dec, decoder_bias=dec_b, initial_states=h0)

    input_dim = Size("w", 1, minus="bias")
    """d, the input size."""
    hidden_dim = Size("w", 2)
    """n, the hidden size."""
    depth = Size("w")
    """L, the number of layers."""

    @property
    def bias(self) -> bool:
        """True when the core acts on ``[h; 1]`` and ``[x; 1]``."""
        return self.w[0].shape[0] == self.w[0].shape[2] + 1

    def _build_layers(self) -> tuple[BilinearLayer, ...]:
        dtype = P.common_dtype(self.w, self.decoder_weight, self.initial_states)
        n, layers = self.hidden_dim, []
        for core, h0 in zip(self.w, self.initial_states, strict=True):
            if not self.bias:
                layers.append(BilinearLayer.dense(core.astype(dtype), h0, affine=False))
                continue
            a, b, _ = core.shape
            full = np.zeros((a, b, n + 1), dtype=dtype)
            full[:, :, :n] = core
            full[n, b - 1, n] = 1  # the constant: 1 * 1
            state = np.append(h0.astype(dtype), np.ones(1, dtype))
            layers.append(BilinearLayer.dense(full, state, affine=True))
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
    ) -> SecondOrderRNN:
        """A 2RNN with random weights and a generic nonzero initial state per layer.

        Floats as the seed code initialises (``U(-1/sqrt(n), 1/sqrt(n))``); ``integer=True``:
        integers from ``(-2**20, 2**20)``.
        """
        s = P.sizes(input_dim=input_dim, hidden_dim=hidden_dim, depth=depth,
                    num_classes=num_classes)  # fmt: skip
        d, n, L, C = s["input_dim"], s["hidden_dim"], s["depth"], s["num_classes"]
        draw = P.Drawer(seed, integer, 1.0 / np.sqrt(n))
        a = int(bool(bias))
        dims = [d] + [n] * (L - 1)
        return cls(
            w=[draw(n + a, m + a, n) for m in dims],
            decoder_weight=draw(C, n),
            decoder_bias=draw(C) if bias else None,
            initial_states=[draw.nonzero(n) for _ in dims],
        )

    @classmethod
    def from_state_dict(cls, state_dict: object, *, strict: bool = True) -> SecondOrderRNN:
        """A 2RNN from the seed code's parameters (torch tensors or numpy arrays).

        Keys: ``w`` (one layer, ``models/second_order_rnn.py``) or ``<prefix>.<i>.w`` for a
        stack (the seed code has none; :meth:`to_state_dict` writes ``layers.<i>.w``), the
        decoder ``decoder.1.weight``/``decoder.1.bias`` (or ``decoder.*``, ``fc.*``);
        ``embedding.weight`` is ignored. Initial states zero unless ``h0`` keys are present.
        The analysis is of the identity-activation circuit; float weights are read exactly.
        """
        sd = P.as_state_dict(state_dict)
        layers, _, used = P.split_layers(sd, _NAMES, ("w",))
        weight, bias, dec_used = P.read_decoder(sd)
        P.check_unused(sd, used | dec_used, strict)
        w = [np.asarray(layer["w"]) for layer in layers]
        n = w[0].shape[-1] if w[0].ndim == 3 else None
        if bias is not None and n is not None and w[0].shape[0] == n:
            if not np.any(bias):
                bias = None
            else:  # a homogeneous core with a decoder bias: zero affine slices (exact)
                w = [np.pad(core, ((0, 1), (0, 1), (0, 0))) for core in w]
        h0 = P.all_or_none([layer.get("h0") for layer in layers], "h0")
        return cls(
            w=w,
            decoder_weight=weight,
            decoder_bias=bias,
            initial_states="zeros" if h0 is None else h0,
        )

    def to_state_dict(self) -> dict[str, np.ndarray]:
        """``w`` and ``decoder.1.*`` (one layer), ``layers.<i>.w`` and ``decoder.*`` (stack).

        Nonzero initial states are written as ``h0`` / ``layers.<i>.h0``.
        """
        return P.layer_arrays(self, ("w",), "layers.") | P.decoder_dict(self)
