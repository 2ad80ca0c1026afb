"""The model families: RAC, 2RNN, CP-2RNN, MIRNN and linear RNN, one protocol.

Each family is a frozen object (read-only arrays) in its own file; all of them reduce, with
identity activations, to bilinear layers on augmented vectors
(:class:`~rac_tn.models.BilinearLayer`) and share :class:`~rac_tn.models.RecurrentModel`:
sizes, ``forward`` (float, optionally read after every step), exact ``forward_mod``, the exact
RAC equivalent ``to_rac()`` and state-dict loaders with the seed papers' parameter names.

Examples
--------
>>> from rac_tn.models import CP2RNN
>>> model = CP2RNN.random(input_dim=2, hidden_dim=3, rank=2, seed=0, integer=True)
>>> X = np.eye(2, dtype=int)[[0, 1, 1, 0]]
>>> bool(model.to_rac().forward_mod(model.rac_inputs(X))[0] == model.forward_mod(X)[0])
True
"""

from __future__ import annotations

import numpy as np  # noqa: F401 - used by the doctests

from rac_tn.models.base import (
    ACTIVATION_NOTE,
    FAMILIES,
    BilinearModel,
    Family,
    RecurrentModel,
)
from rac_tn.models.cp import CP2RNN
from rac_tn.models.layers import BilinearLayer
from rac_tn.models.linear import LinearRNN
from rac_tn.models.mirnn import MIRNN
from rac_tn.models.params import embedding_templates
from rac_tn.models.rac_family import RACModel, as_model
from rac_tn.models.random_models import random_model
from rac_tn.models.second_order import SecondOrderRNN
from rac_tn.models.torac import DyadicRAC, rac_from_layers

__all__ = [
    "ACTIVATION_NOTE",
    "FAMILIES",
    "BilinearLayer",
    "BilinearModel",
    "CP2RNN",
    "DyadicRAC",
    "Family",
    "LinearRNN",
    "MIRNN",
    "RACModel",
    "RecurrentModel",
    "SecondOrderRNN",
    "as_model",
    "embedding_templates",
    "rac_from_layers",
    "random_model",
]
