"""A RAC's weights in one ``.npz`` file, named as the arguments of :class:`~rac_tn.model.RAC`.

The arrays are ``input_weights_0``, ..., ``input_weights_{L-1}``, ``hidden_weights_0``, ...,
``output_weights`` and, optionally, ``initial_states_0``, ... (all ones when absent). Any
program writes such a file with ``numpy.savez``; ``rac-tn analyze --weights FILE.npz`` reads it.

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
import zipfile
from typing import IO

import numpy as np

from rac_tn.model import RAC

__all__ = ["load_weights", "save_weights"]

_LAYERED = ("input_weights", "hidden_weights", "initial_states")
_NAME = re.compile(r"^(input_weights|hidden_weights|initial_states)_(\d+)$")


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
    np.savez(file, **arrays)


def load_weights(file: str | os.PathLike[str] | IO[bytes]) -> RAC:
    """Read a RAC from an ``.npz`` file of arrays named as the module says.

    Parameters
    ----------
    file
        A path or a binary file object.

    Returns
    -------
    RAC
        Checked like any RAC (shapes that chain, finite values).

    Raises
    ------
    ValueError
        When the file is missing, is not an ``.npz`` archive, lacks an array, numbers the
        layers with gaps, holds an array that is not named as above, or its shapes do not
        chain. The message names the file and the array.
    """
    where = file if isinstance(file, (str, os.PathLike)) else getattr(file, "name", "<file>")
    try:
        loaded = np.load(file, allow_pickle=False)
    except FileNotFoundError:
        raise ValueError(f"{where}: no such file") from None
    except (OSError, zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise ValueError(f"{where}: not a readable .npz archive of arrays ({exc})") from None
    if not isinstance(loaded, np.lib.npyio.NpzFile):  # a single array (a .npy file)
        raise ValueError(f"{where}: not an .npz archive of named arrays (np.savez writes one)")
    try:
        with loaded:
            arrays = {name: loaded[name] for name in loaded.files}
    except (OSError, zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise ValueError(f"{where}: not a readable .npz archive of arrays ({exc})") from None
    layers: dict[str, dict[int, np.ndarray]] = {name: {} for name in _LAYERED}
    output = arrays.pop("output_weights", None)
    for name, array in arrays.items():
        match = _NAME.match(name)
        if match is None:
            raise ValueError(
                f"{where}: unexpected array {name!r}; expected input_weights_0.., "
                "hidden_weights_0.., output_weights and optionally initial_states_0.."
            )
        layers[match.group(1)][int(match.group(2))] = array
    if output is None:
        raise ValueError(f"{where}: missing the array 'output_weights'")
    lists = {}
    for name, found in layers.items():
        if not found and name == "initial_states":
            lists[name] = None
            continue
        if not found:
            raise ValueError(f"{where}: missing the arrays {name}_0, {name}_1, ...")
        expected = list(range(len(found)))
        if sorted(found) != expected:
            missing = sorted(set(range(max(found) + 1)) - set(found))
            raise ValueError(f"{where}: missing {name}_{missing[0]} (layers count from 0)")
        lists[name] = [found[i] for i in expected]
    try:
        return RAC(lists["input_weights"], lists["hidden_weights"], output, lists["initial_states"])
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{where}: {exc}") from None
