"""A gated diagonal state-space model (Mamba-style selectivity without its non-linearity).

One layer reads ``x_t`` (the layer below's state ``h^{l-1}_t`` above layer 1) and keeps a
diagonal state whose decay is chosen by the input, as in the selective state spaces of Gu & Dao
(Mamba, arXiv 2312.00752, eq. 2 and Algorithm 2) with the exponential/softplus
discretisation replaced by an affine gate::

    h_t = a(x_t) * h_{t-1} + B x_t,        a(x) = G x + g        (elementwise product)

``G``: n x d (n x n above layer 1), ``g``: n, ``B``: n x d; the decoder reads the last layer
linearly (``y = W^O h^L_T + c``). Every layer is bilinear in ``(h~_{t-1}, x~_t)`` on augmented
vectors (``h~ = (h, 1)``, ``x~ = (x, 1)``), as CP terms whose factor entries are copies of the
weights: n gate terms ``(e_i, (G[i], g_i), e_i)``, ``min(d, n)`` terms for ``B x`` and the
constant ``(1, 1, 1)``: ``K = n + min(d, n) + 1``. So the output has the degree
``C(T-t+L-1, L-1)`` in ``x~_t`` of every bilinear cell and the symmetric cut prices a cell at
``n + 1``.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import numpy as np

import rac_tn.models.params as P
from rac_tn.models.base import BilinearModel
from rac_tn.models.layers import BilinearLayer, Terms
from rac_tn.models.sizes import Size

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

_NAMES = ("gate_weight", "gate_bias", "input_weight", "h0")


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class GatedSSM(BilinearModel):
    """A stacked gated diagonal SSM ``h_t = (G x_t + g) * h_{t-1} + B x_t`` (identity gate).

    Parameters
    ----------
    gate_weight, gate_bias, input_weight
        Per layer (a list, or one array for one layer): ``G`` n x d (n x n above layer 1),
        ``g`` length n, ``B`` n x d (n x n above layer 1).
    decoder_weight
        ``num_classes x n``: ``y = W^O h^L_T`` (+ ``decoder_bias``).
    decoder_bias
        Length ``num_classes``, or None.
    initial_states
        Per layer ``h_0`` (length n), or ``"ones"`` (the default, as for every family) or
        ``"zeros"`` (Mamba's start, which :meth:`from_state_dict` and :meth:`random` use).

    Notes
    -----
    The source's selectivity makes ``Delta``, ``B`` and ``C`` functions of the input and
    discretises ``A_bar = exp(Delta A)``; here the decay ``a(x_t)`` is affine and ``B``, ``C``
    are fixed, which keeps the model a polynomial (``B(x_t) x_t`` would be quadratic in
    ``x_t``: that variant is not this family).

    Examples
    --------
    >>> model = GatedSSM.random(2, 3, seed=0, integer=True)
    >>> model.node_dim, model.layers[0].num_terms, model.input_degrees(3)
    (4, 6, (1, 1, 1))
    """

    family = "ssm"

    gate_weight: tuple[np.ndarray, ...]
    gate_bias: tuple[np.ndarray, ...]
    input_weight: tuple[np.ndarray, ...]
    decoder_weight: np.ndarray
    decoder_bias: np.ndarray | None = None
    initial_states: tuple[np.ndarray, ...] = None  # type: ignore[assignment]  # __post_init__ sets it

    if TYPE_CHECKING:  # what the constructor takes (__post_init__ checks and converts it)

        def __init__(
            self,
            gate_weight: ArrayLike,
            gate_bias: ArrayLike,
            input_weight: ArrayLike,
            decoder_weight: ArrayLike,
            decoder_bias: ArrayLike | None = None,
            initial_states: ArrayLike | None = None,
        ) -> None: ...

    def __post_init__(self) -> None:
        G = P.per_layer(self.gate_weight, "gate_weight", 2)
        g = P.per_layer(self.gate_bias, "gate_bias", 1)
        B = P.per_layer(self.input_weight, "input_weight", 2)
        L, n = len(G), G[0].shape[0]
        P.check_depth(L, gate_bias=g, input_weight=B)
        for i in range(L):
            m = G[0].shape[1] if i == 0 else n
            P.check_shape(G[i], (n, m), f"gate_weight[{i}]", "n x input size")
            P.check_shape(g[i], (n,), f"gate_bias[{i}]", "n")
            P.check_shape(B[i], (n, m), f"input_weight[{i}]", "n x input size")
        dec, dec_b = P.decoder(self.decoder_weight, self.decoder_bias, n, True)
        h0 = P.initial_states(self.initial_states, L, n, P.common_dtype(G, g, B))
        P.set_fields(self, gate_weight=G, gate_bias=g, input_weight=B, decoder_weight=dec,
                     decoder_bias=dec_b, initial_states=h0)  # fmt: skip

    input_dim = Size("gate_weight", 1)
    """d, the input size."""
    hidden_dim = Size("gate_weight", 0)
    """n, the state size of every layer."""
    depth = Size("gate_weight")
    """L, the number of layers."""

    @property
    def bias(self) -> bool:
        """True: the gate's bias and ``B x`` are affine terms (augmented vectors)."""
        return True

    def _build_layers(self) -> tuple[BilinearLayer, ...]:
        dtype = P.common_dtype(*(getattr(self, f.name) for f in dataclasses.fields(self)))
        n, layers = self.hidden_dim, []
        for G, g, B, h0 in zip(
            self.gate_weight, self.gate_bias, self.input_weight, self.initial_states, strict=True
        ):
            m = G.shape[1]
            terms = Terms(n, m, True, dtype)
            for i in range(n):
                gate = np.zeros(m + 1, dtype=dtype)
                gate[:m], gate[m] = G[i], g[i]
                terms.add(terms._vec(n + 1, at=i), gate, terms._vec(n + 1, at=i))
            terms.input_linear(B.T)
            terms.constant(None)
            layers.append(terms.layer(h0))
        return tuple(layers)

    @classmethod
    def from_state_dict(cls, state_dict: object, *, strict: bool = True) -> GatedSSM:
        """A gated SSM from :meth:`to_state_dict`'s keys (torch tensors or numpy arrays).

        ``gate_weight, gate_bias, input_weight[, h0]`` (one layer) or ``layers.<i>.<name>``
        (any one ``<prefix>.<i>.``), the decoder ``decoder.*`` (or ``decoder.1.*``, ``fc.*``).
        """
        sd = P.as_state_dict(state_dict)
        layers, _, used = P.split_layers(sd, _NAMES, _NAMES[:3])
        weight, bias, dec_used = P.read_decoder(sd)
        P.check_unused(sd, used | dec_used, strict)
        group: dict[str, list[Any]] = {k: [layer.get(k) for layer in layers] for k in _NAMES}
        h0 = P.all_or_none(group["h0"], "h0")  # absent: the seed code's zeros
        return cls(
            gate_weight=group["gate_weight"], gate_bias=group["gate_bias"],
            input_weight=group["input_weight"], decoder_weight=weight, decoder_bias=bias,
            initial_states="zeros" if h0 is None else h0,
        )  # fmt: skip

    def to_state_dict(self) -> dict[str, np.ndarray]:
        """The parameters under :meth:`from_state_dict`'s keys (``layers.<i>.*`` for a stack)."""
        return P.layer_arrays(self, _NAMES[:3], "layers.") | P.decoder_dict(self, "decoder.")

    @classmethod
    def random(
        cls,
        input_dim: int,
        hidden_dim: int,
        depth: int = 1,
        *,
        num_classes: int = 1,
        seed: int | np.random.Generator | None = None,
        integer: bool = False,
    ) -> GatedSSM:
        """A gated SSM with random weights and zero initial states.

        Floats from ``U(-1/sqrt(n), 1/sqrt(n))``; ``integer=True``: integers from
        ``(-2**20, 2**20)`` (generic weights for exact ranks).

        Examples
        --------
        >>> GatedSSM.random(3, 2, depth=2, seed=0).gate_weight[1].shape
        (2, 2)
        """
        s = P.sizes(input_dim=input_dim, hidden_dim=hidden_dim, depth=depth,
                    num_classes=num_classes)  # fmt: skip
        d, n, L, C = s["input_dim"], s["hidden_dim"], s["depth"], s["num_classes"]
        draw = P.Drawer(seed, integer, 1.0 / np.sqrt(n))
        dims = [d] + [n] * (L - 1)
        return cls(
            gate_weight=[draw(n, m) for m in dims],
            gate_bias=[draw(n) for _ in dims],
            input_weight=[draw(n, m) for m in dims],
            decoder_weight=draw(C, n),
            initial_states="zeros",
        )
