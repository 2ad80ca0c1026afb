"""The CP-factorised second-order RNN (CP-2RNN) of Lizaire et al. (ICML 2024), stacked.

One layer, in the seed code's own terms (``MaudeLiz/cprnn``, ``models/cp_rnn.py``; stacked as
``DeepCPRNN`` in ``MaudeLiz/Role_of_Depth_in_RNNs``, ``src/models.py``), with the identity as
its gate::

    h_t = einsum('br,br,hr->bh', h_{t-1} @ A, x_t @ B, C) + h_{t-1} @ V + x_t @ U + d
        = C[(A^T h_{t-1}) * (B^T x_t)] + V^T h_{t-1} + U^T x_t + d

``A``: n x K, ``B``: d x K (n x K above layer 1), ``C``: n x K, ``U``: d x n, ``V``: n x n,
``d``: n. Layer l reads layer l - 1's state; the decoder reads the last layer (after every step
in the seed code: :meth:`forward` with ``every_step=True``). Without ``U, V, d``
(``bias=False``) the cell is homogeneous and a RAC is the case ``C = I``, ``K = n``.
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

_NAMES = ("A", "B", "C", "U", "V", "d", "h0")


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class CP2RNN(BilinearModel):
    """A CP-2RNN of any depth (identity activations).

    Parameters
    ----------
    A, B, C
        Per layer (a list, or one array for one layer): ``A`` n x K, ``B`` d x K (n x K for
        layers 2..L), ``C`` n x K.
    decoder_weight
        ``num_classes x n`` (the seed code's ``nn.Linear`` weight).
    U, V, d
        The first-order terms and bias, all three or none (``bias``): ``U`` d x n (n x n
        above layer 1), ``V`` n x n, ``d`` length n.
    decoder_bias
        Length ``num_classes``; only with first-order terms (a homogeneous cell has no
        constant coordinate to carry it).
    initial_states
        Per layer ``h_0`` (length n), or ``"ones"`` (the default, as for the RAC) or
        ``"zeros"`` (the seed code's start, which :meth:`from_state_dict` uses; a homogeneous
        model started at zero is identically zero, and its report says so).

    Notes
    -----
    ``num_classes`` is the number of outputs; the attribute ``C`` is the CP factor (so this
    family has no ``.C`` alias for ``num_classes``).

    Examples
    --------
    >>> model = CP2RNN.random(input_dim=2, hidden_dim=3, rank=2, seed=0)
    >>> model.rank, model.node_dim, model.forward(np.eye(2)[[0, 1, 1]]).shape
    (2, 2, (1,))
    """

    family = "cp2rnn"

    A: tuple[np.ndarray, ...]
    B: tuple[np.ndarray, ...]
    C: tuple[np.ndarray, ...]
    decoder_weight: np.ndarray
    U: tuple[np.ndarray, ...] | None = None
    V: tuple[np.ndarray, ...] | None = None
    d: tuple[np.ndarray, ...] | None = None
    decoder_bias: np.ndarray | None = None
    initial_states: tuple[np.ndarray, ...] = None  # type: ignore[assignment]  # __post_init__ sets it

    if TYPE_CHECKING:  # what the constructor takes (__post_init__ checks and converts it)

        def __init__(
            self,
            A: ArrayLike,
            B: ArrayLike,
            C: ArrayLike,
            decoder_weight: ArrayLike,
            U: ArrayLike | None = None,
            V: ArrayLike | None = None,
            d: ArrayLike | None = None,
            decoder_bias: ArrayLike | None = None,
            initial_states: ArrayLike | None = None,
        ) -> None: ...

    def __post_init__(self) -> None:
        A, B, C = (P.per_layer(getattr(self, k), k, 2) for k in ("A", "B", "C"))
        U, V, d = (P.optional_per_layer(getattr(self, k), k, n) for k, n in _AFFINE)
        given = [k for k, v in zip("UVd", (U, V, d), strict=True) if v is not None]
        if given and len(given) != 3:
            raise ValueError(
                f"U, V and d come together (the first-order terms and bias); got only {given}"
            )
        L = len(A)
        P.check_depth(L, B=B, C=C, U=U, V=V, d=d)
        n, K = A[0].shape
        dims = [B[0].shape[0]] + [n] * (L - 1)
        for i in range(L):
            P.check_shape(A[i], (n, K), f"A[{i}]", "n x K")
            P.check_shape(B[i], (dims[i], K), f"B[{i}]", "input size x K")
            P.check_shape(C[i], (n, K), f"C[{i}]", "n x K")
            if U is not None:
                assert V is not None and d is not None  # all three or none (checked above)
                P.check_shape(U[i], (dims[i], n), f"U[{i}]", "input size x n")
                P.check_shape(V[i], (n, n), f"V[{i}]", "n x n")
                P.check_shape(d[i], (n,), f"d[{i}]", "n")
        dec = P.weight(self.decoder_weight, "decoder_weight", 2)
        P.check_shape(dec, (dec.shape[0], n), "decoder_weight", "num_classes x n")
        dec_b = P.decoder_bias(self.decoder_bias, dec.shape[0], U is not None)
        h0 = P.initial_states(self.initial_states, L, n, P.common_dtype(A, B, C))
        for name, value in zip(
            ("A", "B", "C", "U", "V", "d", "decoder_weight", "decoder_bias", "initial_states"),
            (A, B, C, U, V, d, dec, dec_b, h0),
            strict=True,
        ):
            object.__setattr__(self, name, value)

    # -- sizes ---------------------------------------------------------------------------------

    input_dim = Size("B", 0)
    """d, the input size."""
    hidden_dim = Size("A", 0)
    """n, the hidden size."""
    depth = Size("A")
    """L, the number of layers."""
    rank = Size("A", 1)
    """K, the CP rank of every layer's core."""
    bias = Present("U")
    """True with first-order terms and bias (``U, V, d``)."""

    # -- the bilinear form ---------------------------------------------------------------------

    def _build_layers(self) -> tuple[BilinearLayer, ...]:
        dtype = P.common_dtype(*(getattr(self, f.name) for f in dataclasses.fields(self)))
        n, layers = self.hidden_dim, []
        for i in range(self.depth):
            terms = Terms(n, self.B[i].shape[0], self.bias, dtype)
            terms.bilinear(self.A[i], self.B[i], self.C[i])
            if self.bias:
                assert self.U is not None and self.V is not None and self.d is not None
                terms.state_linear(self.V[i])
                terms.input_linear(self.U[i])
                terms.constant(self.d[i])
            layers.append(terms.layer(self.initial_states[i]))
        return tuple(layers)

    # -- construction --------------------------------------------------------------------------

    @classmethod
    def random(
        cls,
        input_dim: int,
        hidden_dim: int,
        rank: int,
        depth: int = 1,
        *,
        bias: bool = False,
        num_classes: int = 1,
        seed: int | np.random.Generator | None = None,
        integer: bool = False,
    ) -> CP2RNN:
        """A CP-2RNN with random weights and a generic nonzero initial state per layer.

        Floats are drawn as the seed code initialises (``U(-1/sqrt(n), 1/sqrt(n))``); with
        ``integer=True``, integers from ``(-2**20, 2**20)`` (generic weights for exact ranks).

        Examples
        --------
        >>> CP2RNN.random(3, 2, 4, depth=2, bias=True, seed=0, integer=True).describe()["node_dim"]
        3
        """
        s = P.sizes(
            input_dim=input_dim, hidden_dim=hidden_dim, rank=rank, depth=depth,
            num_classes=num_classes,
        )  # fmt: skip
        d, n, K, L = s["input_dim"], s["hidden_dim"], s["rank"], s["depth"]
        draw = P.Drawer(seed, integer, 1.0 / np.sqrt(n))
        dims = [d] + [n] * (L - 1)
        affine: dict[str, ArrayLike] = {}
        if bias:
            affine = {
                "U": [draw(m, n) for m in dims],
                "V": [draw(n, n) for _ in dims],
                "d": [draw(n) for _ in dims],
                "decoder_bias": draw(s["num_classes"]),
            }
        return cls(
            A=[draw(n, K) for _ in dims],
            B=[draw(m, K) for m in dims],
            C=[draw(n, K) for _ in dims],
            decoder_weight=draw(s["num_classes"], n),
            initial_states=[draw.nonzero(n) for _ in dims],
            **affine,
        )

    @classmethod
    def from_state_dict(cls, state_dict: object, *, strict: bool = True) -> CP2RNN:
        """A CP-2RNN from the seed code's parameters (torch tensors or numpy arrays).

        Keys: ``A, B, C, U, V, d`` (one layer, ``models/cp_rnn.py``) or
        ``cprnn_layers.<i>.A`` ... (``DeepCPRNN``; any one ``<prefix>.<i>.`` is accepted);
        the decoder ``decoder.1.weight``/``decoder.1.bias`` (or ``decoder.*``, ``fc.*``);
        ``embedding.weight`` is ignored (see :func:`~rac_tn.models.embedding_templates`).
        Initial states are zero as in the seed code, unless ``h0`` keys are present (as
        :meth:`to_state_dict` writes them). The analysis is of the identity-activation
        circuit (:data:`~rac_tn.models.ACTIVATION_NOTE`); float weights are read exactly.

        Parameters
        ----------
        state_dict
            A mapping of names to arrays (``model.state_dict()``).
        strict
            Refuse keys no parameter takes (besides ``embedding.weight``).
        """
        sd = P.as_state_dict(state_dict)
        layers, _, used = P.split_layers(sd, _NAMES, ("A", "B", "C"))
        weight, bias, dec_used = P.read_decoder(sd)
        P.check_unused(sd, used | dec_used, strict)
        group: dict[str, list[Any]] = {k: [layer.get(k) for layer in layers] for k in _NAMES}
        affine = {k: P.all_or_none(group[k], k) for k in ("U", "V", "d")}
        bias = _promote(bias, affine, layers, sd, cls)
        h0 = P.all_or_none(group["h0"], "h0")
        return cls(
            A=group["A"], B=group["B"], C=group["C"], decoder_weight=weight,
            decoder_bias=bias, initial_states="zeros" if h0 is None else h0, **affine,
        )  # fmt: skip

    def to_state_dict(self) -> dict[str, np.ndarray]:
        """The parameters under the seed code's keys (read back by :meth:`from_state_dict`).

        One layer: ``A, B, C, U, V, d`` and ``decoder.1.*`` (ICML code); a stack:
        ``cprnn_layers.<i>.*`` and ``decoder.*`` (``DeepCPRNN``). Nonzero initial states are
        written as ``h0`` (``cprnn_layers.<i>.h0``), a key the seed code does not have.
        """
        names = ("A", "B", "C", "U", "V", "d")
        return P.layer_arrays(self, names, "cprnn_layers.") | P.decoder_dict(self)


_AFFINE = (("U", 2), ("V", 2), ("d", 1))


def _promote(
    bias: np.ndarray | None, affine: dict, layers: list, sd: dict, cls: type
) -> np.ndarray | None:
    """A homogeneous cell with a nonzero decoder bias gets zero first-order terms (exact)."""
    if bias is None or affine["U"] is not None:
        return bias
    if not np.any(bias):
        return None
    n = np.asarray(layers[0]["A"]).shape[0]
    dims = [np.asarray(layers[0]["B"]).shape[0]] + [n] * (len(layers) - 1)
    dtype = np.asarray(bias).dtype
    affine["U"] = [np.zeros((m, n), dtype) for m in dims]
    affine["V"] = [np.zeros((n, n), dtype) for _ in dims]
    affine["d"] = [np.zeros(n, dtype) for _ in dims]
    return bias
