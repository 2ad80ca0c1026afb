"""The vocabulary shared by every result, and their JSON encoding (one home for both).

Every number the library reports says what it is about (:data:`Quantity`) and what it claims
(:data:`Claim`). Results are frozen dataclasses whose ``to_dict()`` is JSON-safe (exact
integers stay Python ints, which JSON keeps exactly) and whose ``from_dict()`` rebuilds an
equal object.

Examples
--------
>>> jsonable((1, ("h", 2, 3), frozenset({2, 1})))
[1, ['h', 2, 3], [1, 2]]
>>> tuples([1, ["h", 2, 3]])
(1, ('h', 2, 3))
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any, Literal, get_args

import numpy as np

#: What a number is about: the separation rank of the function, the rank of the matricized
#: grid tensor (identity templates unless said otherwise), or the rank of a linear RNN's
#: past-to-future map (:mod:`rac_tn.exact.hankel`).
Quantity = Literal["separation rank", "grid-tensor rank", "Hankel rank"]
#: The separation rank of the function y.
SEPARATION_RANK: Quantity = "separation rank"
#: The rank of the matricized grid tensor.
GRID_TENSOR_RANK: Quantity = "grid-tensor rank"
#: The rank of a linear RNN's past-to-future map.
HANKEL_RANK: Quantity = "Hankel rank"
QUANTITIES: tuple[Quantity, ...] = (SEPARATION_RANK, GRID_TENSOR_RANK, HANKEL_RANK)

#: What a number claims.
Claim = Literal[
    "upper bound",
    "lower bound",
    "exact rank",
    "certified lower bound",
    "numerical",
    "theorem value",
]
CLAIMS: tuple[Claim, ...] = get_args(Claim)


def jsonable(value: Any) -> Any:
    """``value`` as JSON-safe data.

    Tuples and lists become lists, sets sorted lists, dataclasses with ``to_dict`` their dict,
    numpy scalars Python numbers. Non-finite floats are refused: JSON cannot hold them, and
    no result may contain one.

    Parameters
    ----------
    value
        A result field: a number, string, None, container, numpy array or result dataclass.

    Returns
    -------
    object
        Nested lists, dicts (string keys), ints, floats, bools, strings and None.

    Raises
    ------
    ValueError
        For a NaN or infinite float.
    TypeError
        For a type with no JSON form.

    Examples
    --------
    >>> jsonable({"shape": (2, 3), 4: np.float64(0.5)})
    {'shape': [2, 3], '4': 0.5}
    >>> jsonable(float("inf"))
    Traceback (most recent call last):
    ...
    ValueError: a result holds the non-finite number inf
    """
    if dataclasses.is_dataclass(value) and hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(value):
            raise ValueError(f"a result holds the non-finite number {value!r}")
        return float(value)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (set, frozenset)):
        return [jsonable(v) for v in sorted(value, key=_order)]
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return [jsonable(v) for v in value.tolist()]
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    raise TypeError(f"cannot encode {type(value).__name__} as JSON data")


def tuples(value: Any) -> Any:
    """Lists back to tuples, recursively (the decoding of :func:`jsonable` for names).

    Parameters
    ----------
    value
        Decoded JSON data.

    Returns
    -------
    object
        ``value`` with every list turned into a tuple (other values unchanged).

    Examples
    --------
    >>> tuples(["h", 1, [2, 3]])
    ('h', 1, (2, 3))
    """
    if isinstance(value, list):
        return tuple(tuples(v) for v in value)
    return value


def _order(value: Any) -> tuple[str, str]:
    """A deterministic sort key for mixed sets (tensor ids, index names, grid nodes)."""
    return (type(value).__name__, repr(value))
