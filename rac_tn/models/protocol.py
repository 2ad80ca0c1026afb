"""The one model protocol: what every layer of the pipeline may ask of any model.

The RAC (:class:`rac_tn.RAC`) and every family (:class:`~rac_tn.models.BilinearModel`
subclasses) satisfy :class:`RecurrentModel` directly; compile, bounds, ranks, analysis, sweeps
and drawing read only these members, never the concrete class. :class:`ModelCommon` derives the
shared answers (aliases, degrees, tensor counts, description) from the primitive ones.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from rac_tn.counting import copy_tree_tensor_count, input_degrees, layer_copy_counts

if TYPE_CHECKING:
    from rac_tn.models.layers import BilinearLayer

#: The network shapes a model compiles to: a tensor train (depth 1) or the copy tree.
NETWORK_KINDS = ("mps", "tree")


@runtime_checkable
class RecurrentModel(Protocol):
    """What compile, bounds, rank, analysis, sweeps and drawing may use of any model.

    Attributes
    ----------
    family
        The registry name (``'rac'``, ``'2rnn'``, ``'cp2rnn'``, ``'mirnn'``, ``'linear'`` or a
        user's own, see :func:`~rac_tn.models.register_family`).
    input_dim, hidden_dim, depth, num_classes
        d (M), n (R), L and the number of outputs; ``M``, ``R``, ``L`` are aliases.
    rank
        The CP rank K of a CP core, None otherwise.
    bias
        True when the cells have first-order terms or biases (augmented vectors).
    node_dim, input_node_dim, input_cut_dim
        What the symmetric cut prices a cell at, an input node's dimension, and what the
        symmetric cut prices an input at.
    augmented_input
        True when layer 1 reads ``x~ = (x, 1)``.
    state_dims
        Per layer, the dimension of the (augmented) state vector.
    multiplicative
        True for bilinear cells (degree ``C(T-t+L-1, L-1)`` in ``x_t``); False for a model whose
        output has degree 1 in every input (the linear RNN).
    arities
        Per layer, how many times a cell reads its input (1 for a bilinear cell; derived from
        :attr:`layers`): each layer multiplies the degrees below it by its arity.
    layers, readout
        The model as :class:`~rac_tn.models.BilinearLayer` objects and a
        ``num_classes x state_dims[-1]`` readout: everything else is derived from these.
    """

    # read-only members (properties, so that computed sizes satisfy them)
    @property
    def family(self) -> str:
        """The registry name."""

    @property
    def input_dim(self) -> int:
        """The input size d (M)."""

    @property
    def hidden_dim(self) -> int:
        """The hidden width n (R)."""

    @property
    def depth(self) -> int:
        """L, the number of layers."""

    @property
    def num_classes(self) -> int:
        """The number of outputs."""

    @property
    def M(self) -> int:  # noqa: N802 - the paper's symbol
        """Alias of :attr:`input_dim`."""

    @property
    def R(self) -> int:  # noqa: N802 - the paper's symbol
        """Alias of :attr:`hidden_dim`."""

    @property
    def L(self) -> int:  # noqa: N802 - the paper's symbol
        """Alias of :attr:`depth`."""

    @property
    def rank(self) -> int | None:
        """The CP rank K of a CP core, None otherwise."""

    @property
    def bias(self) -> bool:
        """True when the cells have first-order terms or biases."""

    @property
    def node_dim(self) -> int:
        """What the symmetric cut prices a cell at."""

    @property
    def input_node_dim(self) -> int:
        """An input node's dimension."""

    @property
    def input_cut_dim(self) -> int:
        """What the symmetric cut prices an input at."""

    @property
    def augmented_input(self) -> bool:
        """True when layer 1 reads ``x~ = (x, 1)``."""

    @property
    def state_dims(self) -> tuple[int, ...]:
        """Per layer, the dimension of the (augmented) state vector."""

    @property
    def multiplicative(self) -> bool:
        """True for bilinear cells, False for degree 1 in every input."""

    @property
    def arities(self) -> tuple[int, ...]:
        """Per layer, how many times a cell reads its input (1 for a bilinear cell)."""

    @property
    def layers(self) -> tuple[BilinearLayer, ...]:
        """The model as bilinear layers, bottom first."""

    @property
    def readout(self) -> np.ndarray:
        """The ``num_classes x state_dims[-1]`` readout."""

    @property
    def is_integer(self) -> bool:
        """True when every weight has an integer dtype."""

    @property
    def num_parameters(self) -> int:
        """The number of parameter entries."""

    def forward(self, X: object, *, every_step: bool = False) -> np.ndarray:
        """``y`` in float64, shape ``(C,)`` / ``(batch, C)`` (``T`` axis with ``every_step``)."""

    def forward_mod(self, X: object, p: int = ..., *, every_step: bool = False) -> np.ndarray:
        """``y`` exactly modulo the prime ``p`` (uint64 residues)."""

    def to_rac(self) -> RecurrentModel:
        """The exact RAC equivalent (a :class:`rac_tn.RAC`) reading :meth:`rac_inputs`."""

    def rac_inputs(self, X: object) -> np.ndarray:
        """``X`` as the RAC equivalent reads it (``(x, 1)`` with affine terms)."""

    def input_degrees(self, T: int) -> tuple[int, ...]:
        """The degree of the output in each input ``x_1 .. x_T``."""

    def count_tensors(self, T: int, kind: str | None = None) -> int:
        """The number of tensors its compiled network has, in closed form."""

    def zero_reason(self) -> str | None:
        """Why the model is identically zero, when a structural reason proves it; else None."""
        ...

    def describe(self) -> dict[str, Any]:
        """The sizes, JSON-safe."""


def check_model(model: object, name: str = "model") -> RecurrentModel:
    """``model`` itself when it satisfies :class:`RecurrentModel`, else a TypeError naming ``name``.

    Examples
    --------
    >>> from rac_tn import RAC
    >>> check_model(RAC.random(2, 2, seed=0)).family
    'rac'
    """
    if not isinstance(model, RecurrentModel):
        raise TypeError(
            f"{name} must be a model (a rac_tn.RAC, a family such as rac_tn.CP2RNN, or any "
            f"object satisfying rac_tn.models.RecurrentModel), got {type(model).__name__}"
        )
    return model


#: Former name of :func:`check_model` (every model now satisfies the protocol itself).
as_model = check_model


def rac_form(model: RecurrentModel) -> bool:
    """True when every layer is the RAC's own cell (compiled as the RAC's MPS or copy tree)."""
    return all(layer.core == "mi" for layer in model.layers)


class ModelCommon:
    """The protocol's derived members, shared by the RAC and every family.

    Its methods read the primitive members of :class:`RecurrentModel`, which the concrete
    class defines (hence ``self: RecurrentModel`` for type checkers).
    """

    @property
    def M(self: RecurrentModel) -> int:  # noqa: N802 - the paper's symbol
        """Alias of :attr:`input_dim`."""
        return self.input_dim

    @property
    def R(self: RecurrentModel) -> int:  # noqa: N802 - the paper's symbol
        """Alias of :attr:`hidden_dim`."""
        return self.hidden_dim

    @property
    def L(self: RecurrentModel) -> int:  # noqa: N802 - the paper's symbol
        """Alias of :attr:`depth`."""
        return self.depth

    @property
    def arities(self: RecurrentModel) -> tuple[int, ...]:
        """Per layer, how many times a cell reads its input (1 for a bilinear cell)."""
        return tuple(layer.arity for layer in self.layers)

    def input_degrees(self: RecurrentModel, T: int) -> tuple[int, ...]:
        """The output's degree in each input ``x_1 .. x_T``: ``C(T-t+L-1, L-1)``, or all 1.

        Cells of arity k multiply the degrees below them by k
        (:func:`~rac_tn.counting.degree_scales`). The degree is that of the homogenised
        output in ``x~_t = (x_t, 1)`` when the model reads augmented inputs.

        Examples
        --------
        >>> from rac_tn import RAC
        >>> RAC.random(2, 2, depth=2, seed=0).input_degrees(4)
        (4, 3, 2, 1)
        """
        if not self.multiplicative:
            return input_degrees(1, T)
        return input_degrees(self.depth, T, self.arities)

    def count_tensors(self: RecurrentModel, T: int, kind: str | None = None) -> int:
        """The number of tensors :func:`~rac_tn.compile_rac` builds for length ``T``.

        A model in the RAC's form (every layer ``'mi'``) has the RAC's tensor train (depth 1,
        ``T + 2`` tensors) or copy tree (3 tensors per cell copy); another model has the copy
        tree with 4 tensors per copy of a CP layer (``2k + 2`` for one of arity k: ``A``,
        ``C``, k input factors and k COPY tensors) and 1 per copy of a dense one.

        Examples
        --------
        >>> from rac_tn import RAC, CP2RNN
        >>> RAC.random(2, 2, seed=0).count_tensors(10), RAC.random(2, 2, 2).count_tensors(4)
        (12, 48)
        >>> CP2RNN.random(2, 3, 2, seed=0).count_tensors(4)
        18
        """
        if kind is not None and kind not in NETWORK_KINDS:
            raise ValueError(f"kind must be 'mps' or 'tree' (or None), got {kind!r}")
        if kind == "mps" and self.depth != 1:
            raise ValueError(
                f"kind='mps' needs depth 1, got depth L = {self.depth}: a deep model's network "
                "is the copy tree (kind='tree')"
            )
        if all(layer.core == "mi" for layer in self.layers):
            if kind == "mps" or (kind is None and self.depth == 1):
                return T + 2
            return copy_tree_tensor_count(self.depth, T, [3] * self.depth)
        per_copy = [1 if layer.core == "dense" else 2 * layer.arity + 2 for layer in self.layers]
        return copy_tree_tensor_count(self.depth, T, per_copy, self.arities)

    def zero_reason(self: RecurrentModel) -> str | None:
        """Why the model is identically zero, when a structural reason proves it; else None.

        A layer without affine terms is bilinear in its previous state, so started at
        ``h_0 = 0`` it stays 0; layers above it without affine terms read zeros and stay 0 too.

        Examples
        --------
        >>> from rac_tn import RAC
        >>> RAC.random(2, 2, seed=0).zero_reason() is None
        True
        """
        if not np.any(np.asarray(self.readout) != 0):
            return "its readout is zero"
        layers = self.layers
        for index, layer in enumerate(layers):
            above = layers[index:]
            if any(lay.affine for lay in above):
                continue
            if not np.any(np.asarray(layer.initial_state) != 0):
                return (
                    f"layer {index + 1} has no affine terms and starts at h_0 = 0, so its state is "
                    "0 at every step (the cell is bilinear in it), and so are the layers above "
                    "and the output; pass nonzero initial_states"
                )
        return None

    def layer_copies(self: RecurrentModel, T: int) -> tuple[int, ...]:
        """Per layer, the copies of its cells in the copy tree (``C(T+L-l, L-l+1) g_l``)."""
        return layer_copy_counts(self.depth, T, self.arities)

    def describe(self: RecurrentModel) -> dict[str, Any]:
        """The model's sizes as JSON-safe data (what a report records)."""
        return {
            "family": self.family,
            "input_dim": self.input_dim,
            "hidden_dim": self.hidden_dim,
            "depth": self.depth,
            "num_classes": self.num_classes,
            "rank": self.rank,
            "bias": self.bias,
            "node_dim": self.node_dim,
            "input_node_dim": self.input_node_dim,
            "weights": "integer" if self.is_integer else "float",
        }
