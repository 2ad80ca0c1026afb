"""The RAC through the shared protocol (a thin adapter; :class:`rac_tn.RAC` is unchanged).

A RAC layer ``h_t = (W^H h_{t-1}) * (W^I x_t)`` is the CP layer ``A = (W^H)^T``,
``B = (W^I)^T``, ``C = I`` (``K = R``): the CP-2RNN with ``C = I``. Its RAC equivalent is
itself.
"""

from __future__ import annotations

import dataclasses

import numpy as np

import rac_tn.models.params as P
from rac_tn.arith import modular
from rac_tn.models.base import BilinearModel
from rac_tn.models.layers import BilinearLayer
from rac_tn.models.rac import RAC


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class RACModel(BilinearModel):
    """A :class:`~rac_tn.RAC` seen through :class:`~rac_tn.models.RecurrentModel`.

    Parameters
    ----------
    rac
        The RAC.

    Examples
    --------
    >>> model = RACModel(RAC.random(2, 3, depth=2, seed=0))
    >>> model.family, model.node_dim, model.to_rac() is model.rac
    ('rac', 3, True)
    """

    family = "rac"

    rac: RAC

    def __post_init__(self) -> None:
        if not isinstance(self.rac, RAC):
            raise TypeError(f"rac must be a RAC, got {type(self.rac).__name__}")

    @property
    def input_dim(self) -> int:
        """M."""
        return self.rac.input_dim

    @property
    def hidden_dim(self) -> int:
        """R."""
        return self.rac.hidden_dim

    @property
    def depth(self) -> int:
        """L."""
        return self.rac.depth

    @property
    def bias(self) -> bool:
        """Always False: a RAC has no first-order terms."""
        return False

    @property
    def C(self) -> int:  # noqa: N802 - the paper's symbol
        """Alias of :attr:`num_classes` (as :attr:`rac_tn.RAC.C`)."""
        return self.num_classes

    def _arrays(self) -> list[np.ndarray]:
        return self.rac._arrays()

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.rac == other.rac

    def __hash__(self) -> int:
        return hash(self.rac)

    def __repr__(self) -> str:
        return f"RACModel({self.rac!r})"

    def _build_layers(self) -> tuple[BilinearLayer, ...]:
        rac = self.rac
        eye = np.eye(rac.R, dtype=np.result_type(*rac.hidden_weights, *rac.input_weights))
        return tuple(
            BilinearLayer.cp(wh.T, wi.T, eye, h0)
            for wh, wi, h0 in zip(
                rac.hidden_weights, rac.input_weights, rac.initial_states, strict=True
            )
        )

    @property
    def readout(self) -> np.ndarray:
        """``W^O``."""
        return self.rac.output_weights

    def to_rac(self) -> RAC:
        """The RAC itself."""
        return self.rac

    def forward(self, X: object, *, every_step: bool = False) -> np.ndarray:
        """As :meth:`rac_tn.RAC.forward` (and read after every step with ``every_step``)."""
        if not every_step:
            return self.rac.forward(X)
        return super().forward(X, every_step=True)

    __call__ = forward

    def forward_mod(
        self, X: object, p: int = modular.MERSENNE61, *, every_step: bool = False
    ) -> np.ndarray:
        """As :meth:`rac_tn.RAC.forward_mod` (and read after every step with ``every_step``)."""
        if not every_step:
            return self.rac.forward_mod(X, p)
        return super().forward_mod(X, p, every_step=True)

    @classmethod
    def random(cls, *args: object, **kwargs: object) -> RACModel:
        """:meth:`rac_tn.RAC.random`, wrapped."""
        return cls(RAC.random(*args, **kwargs))

    def to_state_dict(self) -> dict[str, np.ndarray]:
        """The weights as ``input_weights.<i>``, ``hidden_weights.<i>``, ``initial_states.<i>`` ...

        and ``output_weights`` (read back by :meth:`from_state_dict`).
        """
        rac, out = self.rac, {"output_weights": P.writable(self.rac.output_weights)}
        for i in range(rac.depth):
            out[f"input_weights.{i}"] = P.writable(rac.input_weights[i])
            out[f"hidden_weights.{i}"] = P.writable(rac.hidden_weights[i])
            out[f"initial_states.{i}"] = P.writable(rac.initial_states[i])
        return out

    @classmethod
    def from_state_dict(cls, state_dict: object, *, strict: bool = True) -> RACModel:
        """The inverse of :meth:`to_state_dict`."""
        sd = P.as_state_dict(state_dict)
        groups = {}
        for name in ("input_weights", "hidden_weights", "initial_states"):
            count = sum(1 for key in sd if key.startswith(name + "."))
            groups[name] = [sd[f"{name}.{i}"] for i in range(count)]
        P.check_unused(sd, {k for k in sd if k.split(".")[0] in (*groups, "output_weights")},
                       strict)  # fmt: skip
        return cls(RAC(output_weights=sd["output_weights"], **groups))


def as_model(model: object) -> BilinearModel:
    """Any model as a :class:`~rac_tn.models.RecurrentModel`: a RAC wrapped, a family as is.

    Examples
    --------
    >>> as_model(RAC.random(2, 2, seed=0)).family
    'rac'
    """
    if isinstance(model, BilinearModel):
        return model
    if isinstance(model, RAC):
        return RACModel(model)
    raise TypeError(
        f"expected a RAC or a model family from rac_tn.models, got {type(model).__name__}"
    )
