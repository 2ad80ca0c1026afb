"""A model's parameters as data: its arrays, and its layers rebuilt at other parameter values.

:func:`rac_tn.exact.function_dimension` differentiates the map from a model's parameters to its
function. It needs the parameter arrays (:func:`parameter_arrays`), the layers of the same
architecture at other values of them (:func:`layers_at`: values may be any numbers with ``+``
and ``*``, e.g. exact residues carrying derivatives) and the tangents of the symmetries the
family declares (:func:`symmetry_tangents`: directions in which the function does not change).

Examples
--------
>>> from rac_tn.models import CP2RNN
>>> model = CP2RNN.random(2, 3, 2, seed=0)
>>> [(name, layer, a.shape) for name, layer, a in parameter_arrays(model)][:2]
[('A', 0, (3, 2)), ('B', 0, (2, 2))]
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from rac_tn.models.base import BilinearModel
from rac_tn.models.layers import BilinearLayer
from rac_tn.models.protocol import RecurrentModel
from rac_tn.models.rac import RAC

_RAC_FIELDS = ("input_weights", "hidden_weights", "output_weights", "initial_states")


def _fields(model: RecurrentModel) -> dict[str, Any]:
    if isinstance(model, RAC):
        return {name: getattr(model, name) for name in _RAC_FIELDS}
    if isinstance(model, BilinearModel):
        return {f.name: getattr(model, f.name) for f in dataclasses.fields(model)}
    raise TypeError(
        f"model must be a rac_tn.RAC or a BilinearModel family to be parametrised, got "
        f"{type(model).__name__}"
    )


def parameter_arrays(model: RecurrentModel) -> list[tuple[str, int | None, np.ndarray]]:
    """Every parameter array: ``(field, layer index or None, array)``, in field order.

    A RAC's are its weights and initial states; a family's, every array field (per-layer
    tuples expanded, absent optional ones skipped).
    """
    out: list[tuple[str, int | None, np.ndarray]] = []
    for name, value in _fields(model).items():
        if isinstance(value, tuple):
            out.extend((name, i, a) for i, a in enumerate(value) if isinstance(a, np.ndarray))
        elif isinstance(value, np.ndarray):
            out.append((name, None, value))
    return out


def _values(model: RecurrentModel, arrays: list[np.ndarray]) -> dict[str, Any]:
    """The fields of ``model``, the parameter arrays replaced (:func:`parameter_arrays` order)."""
    fields = dict(_fields(model))
    slots = parameter_arrays(model)
    if len(arrays) != len(slots):
        raise ValueError(f"expected {len(slots)} parameter arrays, got {len(arrays)}")
    grouped: dict[str, list] = {}
    for (name, layer, old), new in zip(slots, arrays, strict=True):
        if np.shape(new) != old.shape:
            raise ValueError(f"{name}: expected shape {old.shape}, got {np.shape(new)}")
        if layer is None:
            fields[name] = new
        else:
            grouped.setdefault(name, list(fields[name]))[layer] = new
    for name, per_layer in grouped.items():
        fields[name] = tuple(per_layer)
    return fields


def layers_at(
    model: RecurrentModel, arrays: list[np.ndarray]
) -> tuple[tuple[BilinearLayer, ...], np.ndarray]:
    """The layers and readout of ``model``'s architecture at other parameter values.

    Parameters
    ----------
    model
        A RAC or a family.
    arrays
        New values of :func:`parameter_arrays` (same order and shapes), of any element type
        with ``+`` and ``*`` (object arrays): no check, no conversion.

    Returns
    -------
    tuple
        ``(layers, readout)``.
    """
    fields = _values(model, arrays)
    if isinstance(model, RAC):
        layers = tuple(
            BilinearLayer.mi(wh, wi, h0)
            for wh, wi, h0 in zip(
                fields["hidden_weights"], fields["input_weights"], fields["initial_states"],
                strict=True,
            )
        )  # fmt: skip
        return layers, fields["output_weights"]
    clone = object.__new__(type(model))
    for name, value in fields.items():
        object.__setattr__(clone, name, value)
    return clone.layers, clone.readout


def symmetry_tangents(model: RecurrentModel, arrays: list[np.ndarray]) -> list[list[np.ndarray]]:
    """Tangents, at the given parameter values, of the symmetries the family declares.

    A family declares them by a method ``_symmetry_tangents(fields)`` returning
    ``{field: per-layer arrays}`` dicts; each tangent is returned here as one array per
    parameter array (zeros where it does not move). A family that declares none has none.
    """
    declared = getattr(model, "_symmetry_tangents", None)
    if declared is None:
        return []
    fields = _values(model, arrays)
    out = []
    for tangent in declared(fields):
        parts = []
        for name, layer, old in parameter_arrays(model):
            moved = tangent.get(name)
            if moved is None:
                parts.append(np.zeros(old.shape, dtype=object))
            else:
                part = moved if layer is None else moved[layer]
                parts.append(np.zeros(old.shape, dtype=object) if part is None else part)
        out.append(parts)
    return out


__all__ = ["layers_at", "parameter_arrays", "symmetry_tangents"]
