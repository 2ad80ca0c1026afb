"""Models: the RAC and the polynomial families behind one protocol, a registry, weights I/O.

Every model satisfies :class:`RecurrentModel` (:mod:`.protocol`) directly: the RAC
(:mod:`.rac`) and each family in its own file (:mod:`.cp`, :mod:`.second_order`, :mod:`.mirnn`,
:mod:`.linear`, and beyond RNNs :mod:`.attention`, :mod:`.ssm`, :mod:`.ttrnn`, on the frozen
base :mod:`.base`), all reducing, with identity activations, to layers on augmented vectors
(:mod:`.layers`; linear attention's read their input three times) with an exact RAC
equivalent (:mod:`.torac`); :mod:`.parametrised` rebuilds a model's layers at other parameter
values; :mod:`.sizes` declares the size properties by the array axis each is read from.
:mod:`.registry` names the families (the CLI's ``--model`` and the state-dict loader read it);
:mod:`.weights` reads weight files; :mod:`.computation_grid` is the model's computation DAG.
Names are imported on first use, so reading the registry stays cheap.

Examples
--------
>>> import numpy as np
>>> from rac_tn.models import CP2RNN
>>> model = CP2RNN.random(input_dim=2, hidden_dim=3, rank=2, seed=0, integer=True)
>>> X = np.eye(2, dtype=int)[[0, 1, 1, 0]]
>>> bool(model.to_rac().forward_mod(model.rac_inputs(X))[0] == model.forward_mod(X)[0])
True
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rac_tn.models.attention import LinearAttention
    from rac_tn.models.base import ACTIVATION_NOTE, BilinearModel
    from rac_tn.models.computation_grid import computation_grid
    from rac_tn.models.cp import CP2RNN
    from rac_tn.models.layers import BilinearLayer
    from rac_tn.models.linear import LinearRNN
    from rac_tn.models.mirnn import MIRNN
    from rac_tn.models.params import embedding_templates
    from rac_tn.models.protocol import RecurrentModel, as_model, check_model
    from rac_tn.models.rac import RAC
    from rac_tn.models.random_models import random_model
    from rac_tn.models.registry import (
        FamilyEntry,
        family_names,
        get_family,
        register_family,
        unregister_family,
    )
    from rac_tn.models.second_order import SecondOrderRNN
    from rac_tn.models.ssm import GatedSSM
    from rac_tn.models.torac import DyadicRAC, rac_from_layers
    from rac_tn.models.ttrnn import TTRNN

_EXPORTS = {
    "ACTIVATION_NOTE": "base",
    "LinearAttention": "attention",
    "BilinearModel": "base",
    "computation_grid": "computation_grid",
    "CP2RNN": "cp",
    "BilinearLayer": "layers",
    "LinearRNN": "linear",
    "MIRNN": "mirnn",
    "embedding_templates": "params",
    "RecurrentModel": "protocol",
    "as_model": "protocol",
    "check_model": "protocol",
    "RAC": "rac",
    "random_model": "random_models",
    "FamilyEntry": "registry",
    "family_names": "registry",
    "get_family": "registry",
    "register_family": "registry",
    "unregister_family": "registry",
    "SecondOrderRNN": "second_order",
    "GatedSSM": "ssm",
    "TTRNN": "ttrnn",
    "DyadicRAC": "torac",
    "rac_from_layers": "torac",
}

__all__ = [
    "ACTIVATION_NOTE",
    "BilinearLayer",
    "BilinearModel",
    "CP2RNN",
    "DyadicRAC",
    "FamilyEntry",
    "GatedSSM",
    "LinearAttention",
    "LinearRNN",
    "MIRNN",
    "RAC",
    "RecurrentModel",
    "SecondOrderRNN",
    "TTRNN",
    "as_model",
    "check_model",
    "computation_grid",
    "embedding_templates",
    "family_names",
    "get_family",
    "rac_from_layers",
    "random_model",
    "register_family",
    "unregister_family",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'rac_tn.models' has no attribute {name!r}")
    value = getattr(import_module(f"rac_tn.models.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
