"""The tensor-train RNN cell of the tensor-train language model (TTLM), stacked.

One layer, in the seed code's terms (``shuishen112/tensortrainlm``, ``src/lighting_model_
tensor.py``, ``TTLMLargeCell``) with its activation off (the code's tanh is commented out)::

    w1 = wih(h_{t-1})                     = W h_{t-1} + b            (nn.Linear(n, n))
    w2 = whh(x_t).view(n, n)              = reshape(E x_t + c)       (nn.Linear(d, n*n))
    h_t = einsum('bij,bjk->bik', w1, w2)  : h_t[k] = sum_j w1[j] w2[j, k]

So ``h_t = (W h_{t-1} + b)^T E(x_t)``: the input picks the train's core ``E(x_t)`` (an n x n
matrix, linear in ``x_t``) and the state is the train contracted so far. ``TTLMTinyCell`` is
the case ``E = I`` (the embedding of dimension ``n^2`` is the core itself) and ``c = 0``. Layer
l reads layer l - 1's state (``E``: n^2 x n above layer 1); the decoder reads the last layer.

On augmented vectors (``h~ = (h, 1)``, ``x~ = (x, 1)``) the cell is bilinear, as CP terms whose
factor entries are copies of the weights: one term per bond ``j`` and output ``k``,
``((W[j], b_j), (E[j n + k], c_{j n + k}), e_k)``, and the constant ``(1, 1, 1)``:
``K = n^2 + 1``. Without ``b`` and ``c`` the cell is homogeneous (state ``h``, input ``x``).
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

_NAMES = ("W", "E", "b", "E_bias", "h0")
#: The seed code's keys (one layer), by the names used here.
_SEED = {
    "tnn.cell.wih.weight": "W",
    "tnn.cell.wih.bias": "b",
    "tnn.cell.whh.weight": "E",
    "tnn.cell.whh.bias": "E_bias",
    "out_fc.weight": "decoder.weight",
    "out_fc.bias": "decoder.bias",
}


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class TTRNN(BilinearModel):
    """A stacked tensor-train RNN ``h_t = (W h_{t-1} + b)^T reshape(E x_t + c)`` (no activation).

    Parameters
    ----------
    W, E
        Per layer (a list, or one array for one layer): ``W`` n x n (the seed code's
        ``wih.weight``), ``E`` n^2 x d (n^2 x n above layer 1; ``whh.weight``, row
        ``j n + k`` is entry ``(j, k)`` of the core).
    decoder_weight
        ``num_classes x n`` (``out_fc.weight``).
    b
        Per layer length n (``wih.bias``), or None.
    E_bias
        Per layer length n^2 (``whh.bias``), or None.
    decoder_bias
        Length ``num_classes`` (``out_fc.bias``); only with ``b`` or ``E_bias``.
    initial_states
        Per layer ``h_0`` (length n), or ``"ones"`` (the default, as for every family) or
        ``"zeros"`` (the seed code's start, which :meth:`from_state_dict` and :meth:`random`
        use).

    Examples
    --------
    >>> model = TTRNN.random(3, 2, seed=0, integer=True)
    >>> model.node_dim, model.layers[0].num_terms
    (3, 5)
    """

    family = "ttrnn"

    W: tuple[np.ndarray, ...]
    E: tuple[np.ndarray, ...]
    decoder_weight: np.ndarray
    b: tuple[np.ndarray, ...] | None = None
    E_bias: tuple[np.ndarray, ...] | None = None
    decoder_bias: np.ndarray | None = None
    initial_states: tuple[np.ndarray, ...] = None  # type: ignore[assignment]  # __post_init__ sets it

    if TYPE_CHECKING:  # what the constructor takes (__post_init__ checks and converts it)

        def __init__(
            self,
            W: ArrayLike,
            E: ArrayLike,
            decoder_weight: ArrayLike,
            b: ArrayLike | None = None,
            E_bias: ArrayLike | None = None,
            decoder_bias: ArrayLike | None = None,
            initial_states: ArrayLike | None = None,
        ) -> None: ...

    def __post_init__(self) -> None:
        W, E = P.per_layer(self.W, "W", 2), P.per_layer(self.E, "E", 2)
        b = P.optional_per_layer(self.b, "b", 1)
        c = P.optional_per_layer(self.E_bias, "E_bias", 1)
        L, n = len(W), W[0].shape[0]
        P.check_depth(L, E=E, b=b, E_bias=c)
        for i in range(L):
            m = E[0].shape[1] if i == 0 else n
            P.check_shape(W[i], (n, n), f"W[{i}]", "n x n")
            P.check_shape(E[i], (n * n, m), f"E[{i}]", "n^2 x input size")
            if b is not None:
                P.check_shape(b[i], (n,), f"b[{i}]", "n")
            if c is not None:
                P.check_shape(c[i], (n * n,), f"E_bias[{i}]", "n^2")
        affine = b is not None or c is not None
        dec, dec_b = P.decoder(self.decoder_weight, self.decoder_bias, n, affine)
        h0 = P.initial_states(self.initial_states, L, n, P.common_dtype(W, E))
        P.set_fields(self, W=W, E=E, b=b, E_bias=c, decoder_weight=dec, decoder_bias=dec_b,
                     initial_states=h0)  # fmt: skip

    input_dim = Size("E", 1)
    """d, the input size."""
    hidden_dim = Size("W", 0)
    """n, the train's bond dimension (the state size)."""
    depth = Size("W")
    """L, the number of layers."""
    bias = Present("b", "E_bias")
    """True with ``b`` or ``E_bias`` (augmented vectors)."""

    def _build_layers(self) -> tuple[BilinearLayer, ...]:
        dtype = P.common_dtype(*(getattr(self, f.name) for f in dataclasses.fields(self)))
        n, affine, layers = self.hidden_dim, self.bias, []
        for i in range(self.depth):
            W, E = self.W[i], self.E[i]
            m = E.shape[1]
            terms = Terms(n, m, affine, dtype)
            for j in range(n):
                reads = terms._vec(n + affine, W[j])
                if self.b is not None:
                    reads[n] = self.b[i][j]
                for k in range(n):
                    core = terms._vec(m + affine, E[j * n + k])
                    if self.E_bias is not None:
                        core[m] = self.E_bias[i][j * n + k]
                    terms.add(reads.copy(), core, terms._vec(n + affine, at=k))
            if affine:
                terms.constant(None)
            layers.append(terms.layer(self.initial_states[i]))
        return tuple(layers)

    @classmethod
    def from_state_dict(cls, state_dict: object, *, strict: bool = True) -> TTRNN:
        """A TT-RNN from the seed code's parameters, or from :meth:`to_state_dict`'s keys.

        The seed code's one layer (``TensorLightnightModuleClassification`` with
        ``TTLMLargeCell``): ``tnn.cell.wih.weight`` (W), ``tnn.cell.wih.bias`` (b),
        ``tnn.cell.whh.weight`` (E), ``tnn.cell.whh.bias`` (E_bias) and ``out_fc.*`` (the
        decoder; its sigmoid is not part of the circuit); ``embedding.weight`` is ignored.
        Otherwise ``W, E[, b, E_bias, h0]`` (``layers.<i>.*`` for a stack) and ``decoder.*``.
        """
        sd = P.as_state_dict(state_dict)
        if any(key in sd for key in _SEED):
            sd = {_SEED.get(key, key): value for key, value in sd.items()}
        layers, _, used = P.split_layers(sd, _NAMES, ("W", "E"))
        weight, bias, dec_used = P.read_decoder(sd)
        P.check_unused(sd, used | dec_used, strict)
        group: dict[str, Any] = {
            k: P.all_or_none([layer.get(k) for layer in layers], k) for k in _NAMES
        }
        return cls(
            W=group["W"], E=group["E"], b=group["b"], E_bias=group["E_bias"],
            decoder_weight=weight, decoder_bias=bias,
            initial_states="zeros" if group["h0"] is None else group["h0"],
        )  # fmt: skip

    def to_state_dict(self) -> dict[str, np.ndarray]:
        """The parameters as ``W, E, b, E_bias``, ``h0`` (``layers.<i>.*``) and ``decoder.*``."""
        return P.layer_arrays(self, _NAMES[:4], "layers.") | P.decoder_dict(self, "decoder.")

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
    ) -> TTRNN:
        """A TT-RNN with random weights, ``b`` (as both seed cells) and zero initial states.

        ``bias=True`` adds ``E_bias`` (``TTLMLargeCell``'s ``whh.bias``) and a decoder bias.
        Floats from ``U(-1/sqrt(n), 1/sqrt(n))``; ``integer=True``: integers from
        ``(-2**20, 2**20)``.

        Examples
        --------
        >>> TTRNN.random(3, 2, depth=2, bias=True, seed=0).E[1].shape
        (4, 2)
        """
        s = P.sizes(input_dim=input_dim, hidden_dim=hidden_dim, depth=depth,
                    num_classes=num_classes)  # fmt: skip
        d, n, L, C = s["input_dim"], s["hidden_dim"], s["depth"], s["num_classes"]
        draw = P.Drawer(seed, integer, 1.0 / np.sqrt(n))
        dims = [d] + [n] * (L - 1)
        return cls(
            W=[draw(n, n) for _ in dims],
            E=[draw(n * n, m) for m in dims],
            decoder_weight=draw(C, n),
            b=[draw(n) for _ in dims],
            E_bias=[draw(n * n) for _ in dims] if bias else None,
            decoder_bias=draw(C) if bias else None,
            initial_states="zeros",
        )
