"""Causal unnormalised ("lightning") linear attention, stacked.

One layer, as in Henry, Marchetti & Kohn, "Geometry of Lightning Self-Attention: Identifiability
and Dimension" (ICLR 2025; code ``giovanni-marchetti/NeuroDim``, ``attn.py`` with
``normalize=False``), with a causal mask: queries, keys and values are linear in the layer's
input ``z_s`` (``x_s`` at layer 1, the layer below's output above it), and position t reads
every position up to t::

    q_t = Q z_t,  k_s = K z_s,  v_s = V z_s          Q, K: a x m,  V: v x m
    o_t = sum_{s <= t} (q_t . k_s) v_s = S_t^T q_t,  S_t = S_{t-1} + k_t v_t^T   (a x v)

No softmax, no residual, no normalisation; layer l + 1 reads ``o^l`` (so ``m = v`` above layer
1; Henry et al. take ``v = m = d``). The model's output is the top layer's ``o_T`` at the last
position (every position with ``every_step=True``), through a decoder when one is given.

As a recurrent layer the state is ``h~_t = (S_t, o_t, 1)`` (``a v + v + 1`` coordinates) and the
update reads the input three times: ``S_t = S_{t-1} + (K z)(V z)^T`` and ``o_t = S_{t-1}^T Q z
+ (V z)(K z . Q z)`` are, on ``z~ = (z, 1)``, linear in ``h~_{t-1}`` and a product of three
linear forms of ``z~`` per term. So each layer is a CP layer of arity 3
(:class:`~rac_tn.models.BilinearLayer`) with ``K = 4 a v + 1`` terms whose factor entries are
copies of ``Q``, ``K``, ``V`` (or 0 / 1): the output has degree ``3^L C(T-t+L-1, L-1)`` in
``x~_t`` (:func:`~rac_tn.counting.degree_scales`), and the symmetric cut prices a cell at
``a v + v + 1`` and an input at ``d + 1``.
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

#: How many times an attention cell reads its input (query, key and value).
ATTENTION_ARITY = 3


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class LinearAttention(BilinearModel):
    """Stacked causal linear attention ``o_t = sum_{s<=t} (Q z_t . K z_s) V z_s`` (no softmax).

    Parameters
    ----------
    Q, K, V
        Per layer (a list, or one array for one layer): ``Q`` and ``K`` are a x m, ``V`` is
        v x m, with ``m = d`` at layer 1 and ``m = v`` above (a: the key dimension, v: the value
        dimension).
    decoder_weight
        ``num_classes x v``, or None: the output is then ``o_T`` itself (``num_classes = v``),
        as in Henry et al.

    Examples
    --------
    >>> model = LinearAttention.random(2, 1, seed=0, integer=True)
    >>> model.node_dim, model.layers[0].num_terms, model.input_degrees(3)
    (5, 9, (3, 3, 3))
    """

    family = "attention"

    Q: tuple[np.ndarray, ...]
    K: tuple[np.ndarray, ...]
    V: tuple[np.ndarray, ...]
    # None: the output is o_T itself (this family's readout, not the base class's decoder)
    decoder_weight: np.ndarray | None = None  # type: ignore[assignment]

    if TYPE_CHECKING:  # what the constructor takes (__post_init__ checks and converts it)

        def __init__(
            self, Q: ArrayLike, K: ArrayLike, V: ArrayLike, decoder_weight: ArrayLike | None = None
        ) -> None: ...

    def __post_init__(self) -> None:
        Q, K, V = (P.per_layer(getattr(self, k), k, 2) for k in ("Q", "K", "V"))
        L = len(Q)
        P.check_depth(L, K=K, V=V)
        a, d = Q[0].shape
        v = V[0].shape[0]
        for i in range(L):
            m = d if i == 0 else v
            P.check_shape(Q[i], (a, m), f"Q[{i}]", "key dim x input size" + _ABOVE * (i > 0))
            P.check_shape(K[i], (a, m), f"K[{i}]", "key dim x input size" + _ABOVE * (i > 0))
            P.check_shape(V[i], (v, m), f"V[{i}]", "value dim x input size" + _ABOVE * (i > 0))
        dec = None
        if self.decoder_weight is not None:
            dec = P.weight(self.decoder_weight, "decoder_weight", 2)
            P.check_shape(dec, (dec.shape[0], v), "decoder_weight", "num_classes x value dim")
        P.set_fields(self, Q=Q, K=K, V=V, decoder_weight=dec)

    # -- sizes ---------------------------------------------------------------------------------

    input_dim = Size("Q", 1)
    """d, the input size."""
    hidden_dim = Size("Q", 0)
    """a, the key (and query) dimension."""

    @property
    def key_dim(self) -> int:
        """a, the key (and query) dimension (alias of :attr:`hidden_dim`)."""
        return self.hidden_dim

    value_dim = Size("V", 0)
    """v, the value dimension (each layer's output size)."""
    depth = Size("Q")
    """L, the number of attention layers."""

    @property
    def bias(self) -> bool:
        """False: no biases (the layers still read ``(z, 1)``, for the constant terms)."""
        return False

    @property
    def node_dim(self) -> int:
        """``a v + v + 1``: the dimension of the state ``(S_t, o_t, 1)`` a cut crosses."""
        return self.hidden_dim * self.value_dim + self.value_dim + 1

    @property
    def cell_symbol(self) -> str:
        """The drawn symbol of a cell's dimension."""
        return "av+v+1"

    @property
    def readout(self) -> np.ndarray:
        """``C x (a v + v + 1)``: the decoder (or the identity) on the ``o`` coordinates."""
        a, v = self.hidden_dim, self.value_dim
        dec = self.decoder_weight
        dtype = self.Q[0].dtype if dec is None else np.result_type(self.Q[0].dtype, dec.dtype)
        rows = v if dec is None else dec.shape[0]
        out = np.zeros((rows, a * v + v + 1), dtype=dtype)
        out[:, a * v : a * v + v] = np.eye(v, dtype=dtype) if dec is None else dec
        out.flags.writeable = False
        return out

    # -- the layers ----------------------------------------------------------------------------

    def _build_layers(self) -> tuple[BilinearLayer, ...]:
        dtype = P.common_dtype(self.Q, self.K, self.V, self.decoder_weight)
        a, v = self.hidden_dim, self.value_dim
        n = a * v + v  # (S, o); the constant at n
        layers = []
        for i in range(self.depth):
            Q, K, V = self.Q[i], self.K[i], self.V[i]
            m = Q.shape[1]
            # layer 1 reads x~ = (x, 1); layer l reads h~^{l-1} = (S, o, 1), z = o
            width, offset = (m, 0) if i == 0 else (n, a * v)
            terms = Terms(n, width, True, dtype, arity=ATTENTION_ARITY)

            def reads(row: np.ndarray, terms: Terms = terms, offset: int = offset) -> np.ndarray:
                out = terms._vec(terms.input_dim)
                out[offset : offset + row.shape[0]] = row
                return out

            one = terms._vec(terms.input_dim, at=width)
            const = terms._vec(n + 1, at=n)
            for r in range(a):
                for j in range(v):
                    s_rj, o_j = terms._vec(n + 1, at=r * v + j), terms._vec(n + 1, at=a * v + j)
                    terms.add(s_rj, (one, one, one), s_rj)  # S carried
                    terms.add(const, (reads(K[r]), reads(V[j]), one), s_rj)  # + k v^T
                    terms.add(s_rj, (reads(Q[r]), one, one), o_j)  # S_{t-1}^T q
                    terms.add(const, (reads(K[r]), reads(Q[r]), reads(V[j])), o_j)  # v (k . q)
            terms.constant(None)
            layers.append(terms.layer(np.zeros(n, dtype=dtype)))
        return tuple(layers)

    def _symmetry_tangents(self, values: dict[str, Any]) -> list[dict[str, list[Any]]]:
        """Tangents of the parameter symmetries at ``values`` (see :mod:`rac_tn.exact`).

        Per layer ``GL(a)`` on the queries and keys (``Q -> M Q``, ``K -> M^{-T} K``) and the
        scale between them and the values (``Q -> c Q``, ``V -> V / c``); between layers l and
        l + 1, ``GL(v)`` on the output (``V_l -> N V_l``, ``Q, K, V`` of layer l + 1 times
        ``N^{-1}``), and between the top layer and a decoder. Each tangent is ``{field:
        per-layer arrays}`` (zeros elsewhere).
        """
        Q, K, V = values["Q"], values["K"], values["V"]
        decoder = values.get("decoder_weight")
        L, a = len(Q), Q[0].shape[0]
        v = V[0].shape[0]
        zero = {name: [np.zeros_like(x) for x in values[name]] for name in ("Q", "K", "V")}
        out = []

        def tangent(**changes: dict[int, Any]) -> dict[str, list[Any]]:
            t = {name: list(arrays) for name, arrays in zero.items()}
            for name, per_layer in changes.items():
                for i, arr in per_layer.items():
                    t[name][i] = arr
            return t

        for i in range(L):
            for r in range(a):
                for c in range(a):
                    E = np.zeros((a, a), dtype=Q[i].dtype)
                    E[r, c] = 1
                    out.append(tangent(Q={i: E @ Q[i]}, K={i: -(E.T @ K[i])}))
            out.append(tangent(Q={i: Q[i]}, V={i: -V[i]}))
        for i in range(L - 1):
            for r in range(v):
                for c in range(v):
                    E = np.zeros((v, v), dtype=V[i].dtype)
                    E[r, c] = 1
                    out.append(
                        tangent(
                            V={i: E @ V[i], i + 1: -(V[i + 1] @ E)},
                            Q={i + 1: -(Q[i + 1] @ E)},
                            K={i + 1: -(K[i + 1] @ E)},
                        )
                    )
        if decoder is not None:
            for r in range(v):
                for c in range(v):
                    E = np.zeros((v, v), dtype=V[-1].dtype)
                    E[r, c] = 1
                    t = tangent(V={L - 1: E @ V[L - 1]})
                    t["decoder_weight"] = -(decoder @ E)
                    out.append(t)
        return out

    # -- state dicts ---------------------------------------------------------------------------

    @classmethod
    def from_state_dict(cls, state_dict: object, *, strict: bool = True) -> LinearAttention:
        """Linear attention from NeuroDim's parameters (torch tensors or numpy arrays).

        Keys ``Q, K, V`` (one ``attn_layer``; NeuroDim stores them as ``1 x 1 x a x d``, the
        leading ones are dropped) or ``net.<i>.Q`` ... (``deep_attn``; any one ``<prefix>.<i>.``
        is accepted); an optional ``decoder.weight``. ``normalize=True`` (softmax) is not
        polynomial: the weights are read as the lightning (unnormalised) model.
        """
        sd = P.as_state_dict(state_dict)
        layers, _, used = P.split_layers(sd, ("Q", "K", "V"), ("Q", "K", "V"))
        decoder = sd.get("decoder.weight")
        if decoder is not None:
            used = used | {"decoder.weight"}
        P.check_unused(sd, used, strict)
        return cls(
            Q=[_matrix(layer["Q"], "Q") for layer in layers],
            K=[_matrix(layer["K"], "K") for layer in layers],
            V=[_matrix(layer["V"], "V") for layer in layers],
            decoder_weight=decoder,
        )

    def to_state_dict(self) -> dict[str, np.ndarray]:
        """The parameters under NeuroDim's keys (``Q, K, V``; ``net.<i>.Q`` ... for a stack)."""
        key = P.layer_prefix(self.depth, "net.")
        out: dict[str, np.ndarray] = {}
        for i in range(self.depth):
            for name in ("Q", "K", "V"):
                out[key(i, name)] = P.writable(getattr(self, name)[i])
        if self.decoder_weight is not None:
            out["decoder.weight"] = P.writable(self.decoder_weight)
        return out

    # -- construction --------------------------------------------------------------------------

    @classmethod
    def random(
        cls,
        input_dim: int,
        hidden_dim: int,
        depth: int = 1,
        *,
        value_dim: int | None = None,
        num_classes: int | None = None,
        seed: int | np.random.Generator | None = None,
        integer: bool = False,
    ) -> LinearAttention:
        """Linear attention with random weights; ``hidden_dim`` is the key dimension a.

        ``value_dim`` defaults to ``input_dim`` (Henry et al.'s ``V``: d x d);
        ``num_classes=None`` reads ``o_T`` itself, an int draws a decoder. Floats from
        ``U(-1/sqrt(m), 1/sqrt(m))``; ``integer=True``: integers from ``(-2**20, 2**20)``.

        Examples
        --------
        >>> model = LinearAttention.random(4, 2, depth=3, seed=0)
        >>> model.num_parameters, model.num_classes      # 3 (2 a d + d^2) with a = 2, d = 4
        (96, 4)
        """
        s = P.sizes(input_dim=input_dim, hidden_dim=hidden_dim, depth=depth)
        d, a, L = s["input_dim"], s["hidden_dim"], s["depth"]
        v = d if value_dim is None else P.sizes(value_dim=value_dim)["value_dim"]
        draw = P.Drawer(seed, integer, 1.0 / np.sqrt(d))
        dims = [d] + [v] * (L - 1)
        dec = None
        if num_classes is not None:
            dec = draw(P.sizes(num_classes=num_classes)["num_classes"], v)
        return cls(
            Q=[draw(a, m) for m in dims],
            K=[draw(a, m) for m in dims],
            V=[draw(v, m) for m in dims],
            decoder_weight=dec,
        )


_ABOVE = ", m = v above layer 1"


def _matrix(value: object, name: str) -> np.ndarray:
    """A 2-D array, NeuroDim's leading singleton axes (``1 x 1 x a x d``) dropped."""
    arr = np.asarray(value)
    while arr.ndim > 2 and arr.shape[0] == 1:
        arr = arr[0]
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a matrix (or 1 x 1 x rows x cols), got {arr.shape}")
    return arr
