"""What a rank computation starts from: the model as a RAC, its templates, its proven bound."""

from __future__ import annotations

from typing import cast

import numpy as np

from rac_tn._checks import check_templates, positive_int
from rac_tn.bounds.cut_bound import CutBound
from rac_tn.bounds.symmetric import symmetric_bound
from rac_tn.exact.layered import RankTarget
from rac_tn.models.protocol import RecurrentModel
from rac_tn.models.rac import RAC
from rac_tn.network.layered import runs_own_layers
from rac_tn.partition import Partition
from rac_tn.results import GRID_TENSOR_RANK, SEPARATION_RANK


def family_as_rac(
    model: RecurrentModel,
    partition: Partition,
    method: str,
    templates: object,
    upper_bound: CutBound | int | None,
) -> tuple[RAC | RankTarget, object, CutBound | int | None]:
    """A model's exact RAC equivalent (a RAC's is itself), its templates, and its own bound.

    A model whose cells read their input several times is ranked through its own layers
    instead (:class:`~rac_tn.exact.layered.RankTarget`).
    """
    if not isinstance(partition, Partition):
        raise TypeError(f"partition must be a Partition, got {type(partition).__name__}")
    rac: RAC | RankTarget
    if runs_own_layers(model):
        rac = RankTarget(model)
    else:
        rac = cast(RAC, model.to_rac())  # a RAC (or a DyadicRAC)
    N = None
    if method == "grid":
        F = check_templates(templates, model.input_dim, allow_int=True)
        N = F.shape[0]
        if model.augmented_input:
            F = np.hstack([F, np.ones((N, 1), dtype=F.dtype)])
        templates = F
    if upper_bound is None:
        upper_bound = symmetric_bound(model, partition, templates=N).value
    if not model.multiplicative:
        # degree 1 in every input: y = a(x_P) + b(x_Q) + c has separation rank <= 2
        given = upper_bound.value if isinstance(upper_bound, CutBound) else upper_bound
        upper_bound = min(given, 2)
    return rac, templates, upper_bound


def symmetric_value(
    rac: RecurrentModel,
    partition: Partition,
    upper_bound: CutBound | int | None,
    templates: int | None,
) -> int:
    """The symmetric cut bound's value: the caller's (checked) or computed."""
    if upper_bound is None:
        return symmetric_bound(rac, partition, templates=templates).value
    if isinstance(upper_bound, CutBound):
        quantity = SEPARATION_RANK if templates is None else GRID_TENSOR_RANK
        if upper_bound.partition != partition or upper_bound.quantity != quantity:
            raise ValueError(
                f"upper_bound must be a bound on the {quantity} for this partition, got "
                f"{upper_bound!r}"
            )
        return upper_bound.value
    return positive_int(upper_bound, "upper_bound")
