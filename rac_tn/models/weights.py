"""A model's weights from a file: a RAC's ``.npz``, or a seed-code state dict of any family.

A RAC's file names its arrays as the arguments of :class:`~rac_tn.models.rac.RAC`:
``input_weights_0``, ..., ``input_weights_{L-1}``, ``hidden_weights_0``, ..., ``output_weights``
and, optionally, ``initial_states_0``, ... (all ones when absent); the dotted names of
:meth:`~rac_tn.models.rac.RAC.to_state_dict` (``input_weights.0``, as a torch module's state
dict has them) are read too. Any program writes such a
file with ``numpy.savez``; :func:`save_weights` does.

A family's file is the seed code's ``model.state_dict()`` saved as ``.pt`` (``torch.save``),
``.safetensors`` or ``.npz``; :func:`load_model` reads any of them (torch is not needed, see
:mod:`rac_tn.models.statedict_files`) and finds the family from the parameter names
(:func:`detect_family`). ``rac-tn analyze --weights FILE`` runs the full report on the file.

Examples
--------
>>> import io
>>> from rac_tn import RAC
>>> rac = RAC.random(2, 3, depth=2, seed=0, integer=True)
>>> buffer = io.BytesIO()
>>> save_weights(rac, buffer)
>>> _ = buffer.seek(0)
>>> back = load_weights(buffer)
>>> (back.M, back.R, back.L, back.C), (back.output_weights == rac.output_weights).all()
((2, 3, 2, 1), np.True_)
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from typing import IO, Any

import numpy as np

from rac_tn._format import message_text, printable, shown
from rac_tn.models.protocol import RecurrentModel
from rac_tn.models.rac import RAC
from rac_tn.models.registry import FamilyEntry, family_names, get_family
from rac_tn.models.statedict_files import StateDictFileError, read_arrays, read_npz

__all__ = [
    "DYADIC_NOTE",
    "detect_family",
    "load_model",
    "load_weights",
    "save_weights",
    "weights_notes",
]

#: What a loaded model's float weights mean for the exact ranks.
DYADIC_NOTE = (
    "float weights are read as the exact dyadic rationals they store (0.1 as float32 is "
    "13421773 / 2**27), so the exact ranks are those of this very circuit, not of a rounding"
)

_LAYERED = ("input_weights", "hidden_weights", "initial_states")
# ``input_weights_0`` (save_weights) or ``input_weights.0`` (RAC.to_state_dict, a torch module)
_NAME = re.compile(r"^(input_weights|hidden_weights|initial_states)[_.](\d+)$")


def save_weights(rac: RAC, file: str | os.PathLike[str] | IO[bytes]) -> None:
    """Write ``rac``'s weights and initial states to an ``.npz`` file (see the module).

    Parameters
    ----------
    rac
        The model.
    file
        A path (numpy adds ``.npz`` when missing) or a binary file object.
    """
    arrays: dict[str, np.ndarray] = {"output_weights": np.asarray(rac.output_weights)}
    for name in _LAYERED:
        for i, array in enumerate(getattr(rac, name)):
            arrays[f"{name}_{i}"] = np.asarray(array)
    np.savez(file, **arrays)  # type: ignore[arg-type]  # numpy's stub: ** might fill allow_pickle


def load_weights(
    file: str | os.PathLike[str] | IO[bytes], *, model: str | None = None, strict: bool = True
) -> RAC | RecurrentModel:
    """Read a model from a file: a RAC's ``.npz``, or a state dict of any family.

    Parameters
    ----------
    file
        A path (``.npz``, ``.safetensors``, ``.pt``) or a binary file object (``.npz``).
    model
        Force the family (``'rac'``, ``'2rnn'``, ``'cp2rnn'``, ``'mirnn'``, ``'linear'``);
        by default :func:`detect_family` reads it from the array names.
    strict
        Refuse arrays no parameter takes (``rac-tn analyze --ignore-extra-keys`` passes
        False: they are ignored).

    Returns
    -------
    RAC or RecurrentModel
        A :class:`~rac_tn.RAC` for a RAC's arrays (checked like any RAC), else the family's
        ``from_state_dict``.

    Raises
    ------
    ValueError
        When the file is missing or unreadable (or over a reader's limits, see
        :mod:`rac_tn.models.statedict_files`), no family matches its names, or the arrays do
        not make a model. The message (one line) names the file (and the keys it holds).
    """
    if isinstance(file, (str, os.PathLike)):
        where = printable(os.fspath(file))
        try:
            arrays = read_arrays(file)
        except StateDictFileError as exc:
            raise ValueError(str(exc)) from None
    else:
        where = printable(str(getattr(file, "name", "<file>")))
        arrays = _read_npz_object(file, where)
    family = detect_family(arrays, where) if model is None else model
    entry = get_family(family)
    if family == "rac":
        return rac_from_arrays(arrays, where, strict=strict)
    try:
        return _load(entry, arrays, strict)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{where}: as a {family} state dict: {message_text(exc)}") from None


def _load(entry: FamilyEntry, arrays: dict[str, Any], strict: bool) -> Any:
    """The family's model from the arrays; ``strict=False`` reaches ``from_state_dict``."""
    if strict or entry.loader is not None:
        return entry.load(arrays)
    return entry.model_class.from_state_dict(arrays, strict=False)


#: :func:`load_weights` under the name a family's user looks for.
load_model = load_weights


def detect_family(arrays: Iterable[Any], where: str = "state_dict") -> str:
    """The family whose seed-code parameter names the keys hold.

    ``A, B, C`` (CP-2RNN, with optional ``U, V, d``), ``alpha`` (MIRNN: ``alpha, w, u,
    beta1, beta2, b``), ``w`` without ``u`` (2RNN), ``w`` and ``u`` or ``weight_ih`` /
    ``weight_hh`` (linear RNN), ``input_weights_<i>`` / ``output_weights`` (RAC), ``Q, K, V``
    (linear attention), ``gate_weight, input_weight`` (gated SSM), ``W, E`` or ``wih.weight,
    whh.weight`` (TT-RNN). A key's last dotted part is its name (``cprnn_layers.0.A`` is
    ``A``), and so are its last two (``tnn.cell.wih.weight`` is ``weight`` and ``wih.weight``);
    the decoder and embedding are not looked at.

    Parameters
    ----------
    arrays
        A mapping (or the keys) of the state dict.
    where
        Names the source in the error.

    Returns
    -------
    str
        ``'rac'``, ``'2rnn'``, ``'cp2rnn'``, ``'mirnn'`` or ``'linear'``.

    Raises
    ------
    ValueError
        When no family, or more than one, matches; the message lists the keys seen.

    Examples
    --------
    >>> detect_family(["cprnn_layers.0.A", "cprnn_layers.0.B", "cprnn_layers.0.C", "fc.weight"])
    'cp2rnn'
    >>> detect_family({"w": 0, "decoder.1.weight": 0})
    '2rnn'
    """
    keys = [str(k) for k in arrays]
    read = [key for key in keys if not key.startswith(("decoder.", "fc.", "embedding."))]
    names = {key.rsplit(".", 1)[-1] for key in read}
    names |= {".".join(key.split(".")[-2:]) for key in read if "." in key}
    matches = []
    for name in family_names():
        detect = get_family(name).detect
        if detect is not None and detect(names):
            matches.append(name)
    if len(matches) == 1:
        return matches[0]
    seen = ", ".join(printable(key, 60) for key in keys[:20]) + (", ..." if len(keys) > 20 else "")
    if not matches:
        raise ValueError(
            f"{where}: no model family matches its keys ({seen}); expected the seed code's "
            "names: A, B, C[, U, V, d] (cp2rnn), w (2rnn), alpha, w, u, beta1, beta2, b "
            "(mirnn), w, u[, b] or weight_ih, weight_hh (linear), input_weights_0.., "
            "output_weights (rac), Q, K, V (attention), gate_weight, input_weight (ssm), W, E "
            "or wih.weight, whh.weight (ttrnn); or pass the family (--model)"
        )
    raise ValueError(
        f"{where}: its keys ({seen}) match several families {matches}; pass one (--model)"
    )


def weights_notes(model: RAC | RecurrentModel) -> tuple[str, ...]:
    """What a report on loaded weights must say: the circuit analysed and the exact reading.

    Parameters
    ----------
    model
        The loaded model.

    Returns
    -------
    tuple of str
        For a family, :data:`~rac_tn.models.ACTIVATION_NOTE`; for float weights,
        :data:`DYADIC_NOTE` (integer weights are exact as they are).
    """
    circuit = getattr(model, "circuit", None)  # not a protocol member: a family may lack it
    notes = [] if circuit is None else ["the analysis is of " + circuit]
    if not model.is_integer:
        notes.append(DYADIC_NOTE)
    return tuple(notes)


def _read_npz_object(file: IO[bytes], where: str) -> dict[str, np.ndarray]:
    """The arrays of an ``.npz`` given as a file object (checked as a file path is)."""
    try:
        return read_npz(file, where)
    except StateDictFileError as exc:
        raise ValueError(str(exc)) from None
    except MemoryError:
        raise ValueError(f"{where}: its arrays do not fit in memory") from None
    except Exception as exc:  # a malformed archive: one line, never a traceback
        reason = printable(f"{type(exc).__name__}: {exc}", 300)
        raise ValueError(f"{where}: not a readable .npz archive of arrays ({reason})") from None


def rac_from_arrays(
    arrays: dict[str, np.ndarray], where: str = "arrays", *, strict: bool = True
) -> RAC:
    """A RAC from arrays named as the module says (errors name ``where`` and the array).

    With ``strict=False`` arrays of other names are ignored.
    """
    arrays = dict(arrays)
    layers: dict[str, dict[int, np.ndarray]] = {name: {} for name in _LAYERED}
    output = arrays.pop("output_weights", None)
    for name, array in arrays.items():
        match = _NAME.match(name)
        if match is None:
            if not strict:
                continue
            raise ValueError(
                f"{where}: unexpected array {shown(name, 80)}; expected input_weights_0.., "
                "hidden_weights_0.., output_weights and optionally initial_states_0.. "
                "(rac-tn analyze --ignore-extra-keys, or strict=False, ignores the others)"
            )
        if len(match.group(2)) > 6:
            raise ValueError(f"{where}: array {shown(name, 80)} names a layer past 999999")
        group, index = layers[match.group(1)], int(match.group(2))
        if index in group:
            raise ValueError(f"{where}: layer {index} of {match.group(1)} is given twice")
        group[index] = array
    if output is None:
        raise ValueError(f"{where}: missing the array 'output_weights'")
    lists: dict[str, Any] = {}  # lists of arrays; initial_states may be None
    for name, found in layers.items():
        if not found and name == "initial_states":
            lists[name] = None
            continue
        if not found:
            raise ValueError(f"{where}: missing the arrays {name}_0, {name}_1, ...")
        expected = list(range(len(found)))
        if sorted(found) != expected:
            missing = next(i for i in expected if i not in found)
            raise ValueError(f"{where}: missing {name}_{missing} (layers count from 0)")
        lists[name] = [found[i] for i in expected]
    try:
        return RAC(lists["input_weights"], lists["hidden_weights"], output, lists["initial_states"])
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{where}: {message_text(exc)}") from None
