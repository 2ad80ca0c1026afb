"""The multiplicative-integration RNN (MIRNN), stacked.

One layer, in the seed code's terms (``MaudeLiz/cprnn``, ``models/mirnn.py``) with the
identity as its gate::

    h_t = alpha * (x_t @ w) * (h_{t-1} @ u) + beta1 * (h_{t-1} @ u) + beta2 * (x_t @ w) + b

``alpha, beta1, beta2, b``: length n; ``w``: d x n (n x n above layer 1); ``u``: n x n. The
first-order terms reuse ``w`` and ``u`` (tied). Without ``beta1, beta2, b`` (``bias=False``)
the cell is ``alpha * (W x) * (U h)``: a RAC with ``W^H = u^T``, ``W^I = w^T`` and the output
scaled by ``alpha``.

As CP terms on augmented vectors (every factor entry a copy of a weight): ``n`` terms
``(u[:, i], w[:, i], alpha_i e_i)``, and with affine terms ``n`` terms ``(u[:, i], 1,
beta1_i e_i)``, ``n`` terms ``(1, w[:, i], beta2_i e_i)`` and the constant ``(1, 1, (b, 1))``:
``K = 3n + 1`` (folding ``alpha`` into ``w`` would give ``2n + 1`` but needs products).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import numpy as np

import rac_tn.models.params as P
from rac_tn.models.base import BilinearModel
from rac_tn.models.layers import BilinearLayer, Terms
from rac_tn.models.sizes import Present, Size

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

_NAMES = ("alpha", "w", "u", "beta1", "beta2", "b", "h0")
_VECTORS = ("alpha", "beta1", "beta2", "b")


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class MIRNN(BilinearModel):
    """A multiplicative-integration RNN of any depth (identity activations).

    Parameters
    ----------
    alpha, w, u
        Per layer (a list, or one array for one layer): ``alpha`` length n, ``w`` d x n
        (n x n above layer 1), ``u`` n x n.
    decoder_weight
        ``num_classes x n``.
    beta1, beta2, b
        The first-order terms and bias, all three or none (``bias``), each length n.
    decoder_bias
        Length ``num_classes``; only with affine terms.
    initial_states
        Per layer ``h_0`` (length n), or ``"ones"`` (the default, as for the RAC) or
        ``"zeros"`` (the seed code's start, which :meth:`from_state_dict` uses; a homogeneous
        model started at zero is identically zero, and its report says so).

    Examples
    --------
    >>> model = MIRNN.random(2, 3, seed=0, bias=True)
    >>> model.node_dim, model.layers[0].num_terms
    (4, 10)
    """

    family = "mirnn"

    alpha: tuple[np.ndarray, ...]
    w: tuple[np.ndarray, ...]
    u: tuple[np.ndarray, ...]
    decoder_weight: np.ndarray
    beta1: tuple[np.ndarray, ...] | None = None
    beta2: tuple[np.ndarray, ...] | None = None
    b: tuple[np.ndarray, ...] | None = None
    decoder_bias: np.ndarray | None = None
    initial_states: tuple[np.ndarray, ...] = None  # type: ignore[assignment]  # __post_init__ sets it

    if TYPE_CHECKING:  # what the constructor takes (__post_init__ checks and converts it)

        def __init__(
            self,
            alpha: ArrayLike,
            w: ArrayLike,
            u: ArrayLike,
            decoder_weight: ArrayLike,
            beta1: ArrayLike | None = None,
            beta2: ArrayLike | None = None,
            b: ArrayLike | None = None,
            decoder_bias: ArrayLike | None = None,
            initial_states: ArrayLike | None = None,
        ) -> None: ...

    def __post_init__(self) -> None:
        alpha = P.per_layer(self.alpha, "alpha", 1)
        w, u = P.per_layer(self.w, "w", 2), P.per_layer(self.u, "u", 2)
        beta1, beta2, b = (P.optional_per_layer(getattr(self, k), k, 1) for k in _VECTORS[1:])
        given = [k for k, v in zip(_VECTORS[1:], (beta1, beta2, b), strict=True) if v is not None]
        if given and len(given) != 3:
            raise ValueError(f"beta1, beta2 and b come together; got only {given}")
        L, n = len(alpha), alpha[0].shape[0]
        P.check_depth(L, w=w, u=u, beta1=beta1, beta2=beta2, b=b)
        for i in range(L):
            P.check_shape(alpha[i], (n,), f"alpha[{i}]", "n")
            d = w[0].shape[0] if i == 0 else n
            P.check_shape(w[i], (d, n), f"w[{i}]", "input size x n")
            P.check_shape(u[i], (n, n), f"u[{i}]", "n x n")
            for name, group in zip(_VECTORS[1:], (beta1, beta2, b), strict=True):
                if group is not None:
                    P.check_shape(group[i], (n,), f"{name}[{i}]", "n")
        dec, dec_b = P.decoder(self.decoder_weight, self.decoder_bias, n, beta1 is not None)
        h0 = P.initial_states(self.initial_states, L, n, P.common_dtype(alpha, w, u))
        P.set_fields(
            self, alpha=alpha, w=w, u=u, beta1=beta1, beta2=beta2, b=b,
            decoder_weight=dec, decoder_bias=dec_b, initial_states=h0,
        )  # fmt: skip

    input_dim = Size("w", 0)
    """d, the input size."""
    hidden_dim = Size("alpha", 0)
    """n, the hidden size."""
    depth = Size("alpha")
    """L, the number of layers."""
    bias = Present("beta1")
    """True with the first-order terms and bias (``beta1, beta2, b``)."""

    def _build_layers(self) -> tuple[BilinearLayer, ...]:
        dtype = P.common_dtype(*(getattr(self, f.name) for f in dataclasses.fields(self)))
        n, layers = self.hidden_dim, []
        eye = np.eye(n, dtype=dtype)
        for i in range(self.depth):
            terms = Terms(n, self.w[i].shape[0], self.bias, dtype)
            terms.bilinear(self.u[i], self.w[i], eye * self.alpha[i])
            if self.bias:
                assert self.beta1 is not None and self.beta2 is not None and self.b is not None
                const_x, const_h = self.w[i].shape[0], n
                for j in range(n):
                    terms.term(self.u[i][:, j], const_x, eye[j] * self.beta1[i][j])
                    terms.term(const_h, self.w[i][:, j], eye[j] * self.beta2[i][j])
                terms.constant(self.b[i])
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
    ) -> MIRNN:
        """An MIRNN with random weights and a generic nonzero initial state per layer.

        Floats as the seed code initialises (``U(-1/sqrt(n), 1/sqrt(n))``); ``integer=True``:
        integers from ``(-2**20, 2**20)``.
        """
        s = P.sizes(input_dim=input_dim, hidden_dim=hidden_dim, depth=depth,
                    num_classes=num_classes)  # fmt: skip
        d, n, L, C = s["input_dim"], s["hidden_dim"], s["depth"], s["num_classes"]
        draw = P.Drawer(seed, integer, 1.0 / np.sqrt(n))
        dims = [d] + [n] * (L - 1)
        affine: dict[str, ArrayLike] = {}
        if bias:
            affine = {k: [draw(n) for _ in dims] for k in _VECTORS[1:]}
            affine["decoder_bias"] = draw(C)
        return cls(
            alpha=[draw(n) for _ in dims],
            w=[draw(m, n) for m in dims],
            u=[draw(n, n) for _ in dims],
            decoder_weight=draw(C, n),
            initial_states=[draw.nonzero(n) for _ in dims],
            **affine,
        )

    @classmethod
    def from_state_dict(cls, state_dict: object, *, strict: bool = True) -> MIRNN:
        """An MIRNN from the seed code's parameters (torch tensors or numpy arrays).

        Keys: ``alpha, w, u, beta1, beta2, b`` (one layer, ``models/mirnn.py``) or
        ``<prefix>.<i>.alpha`` ... for a stack (the seed code has none; :meth:`to_state_dict`
        writes ``layers.<i>.*``), the decoder ``decoder.1.weight``/``decoder.1.bias`` (or
        ``decoder.*``, ``fc.*``); ``embedding.weight`` is ignored. Initial states zero unless
        ``h0`` keys are present. The analysis is of the identity-activation circuit; float
        weights are read exactly.
        """
        sd = P.as_state_dict(state_dict)
        layers, _, used = P.split_layers(sd, _NAMES, ("alpha", "w", "u"))
        weight, bias, dec_used = P.read_decoder(sd)
        P.check_unused(sd, used | dec_used, strict)
        group: dict[str, Any] = {
            k: P.all_or_none([layer.get(k) for layer in layers], k) for k in _NAMES
        }
        if bias is not None and group["beta1"] is None:
            if not np.any(bias):
                bias = None
            else:  # a homogeneous cell with a decoder bias: zero affine terms (exact)
                zeros = [np.zeros_like(np.asarray(a)) for a in group["alpha"]]
                group.update(beta1=zeros, beta2=zeros, b=zeros)
        return cls(
            alpha=group["alpha"], w=group["w"], u=group["u"], decoder_weight=weight,
            beta1=group["beta1"], beta2=group["beta2"], b=group["b"], decoder_bias=bias,
            initial_states="zeros" if group["h0"] is None else group["h0"],
        )  # fmt: skip

    def to_state_dict(self) -> dict[str, np.ndarray]:
        """The seed code's keys (one layer) or ``layers.<i>.*`` (stack), with the decoder.

        Nonzero initial states are written as ``h0`` / ``layers.<i>.h0``.
        """
        names = ("alpha", "w", "u", "beta1", "beta2", "b")
        return P.layer_arrays(self, names, "layers.") | P.decoder_dict(self)
