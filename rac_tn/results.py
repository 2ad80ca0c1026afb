"""The vocabulary shared by every result, and their JSON encoding (one home for both).

Every number the library reports says what it is about (:data:`Quantity`) and what it claims
(:data:`Claim`). Results are frozen dataclasses deriving from :class:`Serialisable`: their
``to_dict()`` is JSON-safe (exact integers stay Python ints, which JSON keeps exactly) and
carries the schema version (``"schema": 1``), and ``from_dict()`` rebuilds an equal object
from it (or from a payload written before the schema key existed).

Examples
--------
>>> jsonable((1, ("h", 2, 3), frozenset({2, 1})))
[1, ['h', 2, 3], [1, 2]]
>>> tuples([1, ["h", 2, 3]])
(1, ('h', 2, 3))
"""

from __future__ import annotations

import dataclasses
import functools
import math
import sys
import types
from collections.abc import Callable, Hashable, Mapping
from collections.abc import Set as AbstractSet
from typing import Any, ClassVar, Literal, NamedTuple, Self, Union, get_args, get_origin

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

#: The version of the JSON layout that ``to_dict()`` writes (the ``"schema"`` key). A payload
#: without the key was written before it existed and reads as version 1; a larger version is
#: refused (it was written by a newer rac_tn).
SCHEMA = 1


@dataclasses.dataclass(frozen=True)
class Codec:
    """How a result stores one field when not under its own name.

    Attributes
    ----------
    keys
        The payload keys that hold the field.
    encode
        ``value -> {key: data}``; None: the field's JSON form under ``keys[0]``.
    decode
        ``payload -> value``, given the whole payload; None: ``keys[0]`` read by the field's
        type hint.

    Examples
    --------
    >>> Codec(("rac",)).keys                  # a field stored under the key "rac"
    ('rac',)
    """

    keys: tuple[str, ...]
    encode: Callable[[Any], dict[str, Any]] | None = None
    decode: Callable[[Mapping[str, Any]], Any] | None = None


class Serialisable:
    """``to_dict()`` / ``from_dict()`` for a frozen dataclass, from its fields and type hints.

    Every field with ``init=True`` is stored under its name, encoded by :func:`jsonable`
    (nested results as their own dicts, tuples and sets as lists, exact ints as ints) and
    decoded by its type hint (``int``, ``float``, ``bool``, ``str``, ``Literal`` values
    (checked), ``X | None``, tuples, frozensets, numpy arrays, nested results). Missing keys
    take the field's default, so payloads written before a field existed still load. A class
    adjusts its layout with one-line class attributes:

    ``_json_skip``
        Fields never stored (live objects; ``init=False`` fields are never stored either).
    ``_json_optional``
        Fields left out while every one of them is at its default.
    ``_json_codecs``
        Fields stored under other keys: ``{field: Codec(...)}``.
    ``_json_schema``
        False for a plain record whose dict is its columns: no ``"schema"`` key.
    """

    _json_skip: ClassVar[tuple[str, ...]] = ()
    _json_optional: ClassVar[tuple[str, ...]] = ()
    _json_codecs: ClassVar[Mapping[str, Codec]] = types.MappingProxyType({})
    _json_schema: ClassVar[bool] = True

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe data, one key per stored field, and ``"schema"`` (the layout version).

        Returns
        -------
        dict
            Exact integers stay Python ints (JSON keeps them exactly); :meth:`from_dict`
            rebuilds an equal object, also after ``json.dumps``/``json.loads``.

        Examples
        --------
        >>> from rac_tn import theorem_bounds
        >>> data = theorem_bounds(2, 3, 1, 6).to_dict()
        >>> data["schema"], data["entries"][0]["value"]
        (1, 3)
        """
        data = _encode(self)
        return {"schema": SCHEMA, **data} if self._json_schema else data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Rebuild the object that :meth:`to_dict` described.

        Parameters
        ----------
        data
            The output of :meth:`to_dict`, possibly through JSON; a payload without
            ``"schema"`` (written by an earlier version) reads too.

        Returns
        -------
        object
            An object of this class, equal to the one serialised.

        Raises
        ------
        TypeError
            When ``data`` is not a mapping.
        ValueError
            For a schema newer than :data:`SCHEMA`, an unknown or missing key, or a value of
            the wrong type.

        Examples
        --------
        >>> from rac_tn.bounds.theorems import TheoremBounds, theorem_bounds
        >>> bounds = theorem_bounds(2, 3, 1, 6)
        >>> TheoremBounds.from_dict(bounds.to_dict()) == bounds
        True
        """
        return _decode(cls, data)


class _Stored(NamedTuple):
    """One stored field: its dataclass field, resolved type hint and codec (or None)."""

    field: dataclasses.Field
    hint: Any
    codec: Codec | None


@functools.cache
def _plan(cls: type) -> tuple[_Stored, ...]:
    """The stored fields of ``cls``, their hints resolved once (at first use, not import)."""
    names = {f.name for f in dataclasses.fields(cls)}
    for name in (*cls._json_skip, *cls._json_optional, *cls._json_codecs):
        if name not in names:
            raise TypeError(f"{cls.__name__} declares {name!r} for JSON, which is not a field")
    namespace = vars(sys.modules[cls.__module__])
    stored = []
    for f in dataclasses.fields(cls):
        if not f.init or f.name in cls._json_skip:
            continue
        try:
            hint = (
                eval(f.type, namespace, {cls.__name__: cls}) if isinstance(f.type, str) else f.type
            )
        except NameError as exc:
            raise TypeError(
                f"{cls.__name__}.{f.name}: cannot resolve its type hint {f.type!r} ({exc})"
            ) from exc
        stored.append(_Stored(f, hint, cls._json_codecs.get(f.name)))
    return tuple(stored)


def _default(f: dataclasses.Field) -> Any:
    """The default of field ``f`` (``MISSING`` when it has none)."""
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return f.default


def _encode(obj: Serialisable) -> dict[str, Any]:
    """The stored fields of ``obj`` as JSON-safe data (no schema key: nested results)."""
    plan = _plan(type(obj))
    optional = obj._json_optional
    if optional and all(
        getattr(obj, s.field.name) == _default(s.field) for s in plan if s.field.name in optional
    ):
        plan = tuple(s for s in plan if s.field.name not in optional)
    data: dict[str, Any] = {}
    for field, _, codec in plan:
        value = getattr(obj, field.name)
        if codec is None:
            data[field.name] = jsonable(value)
        elif codec.encode is None:
            data[codec.keys[0]] = jsonable(value)
        else:
            data.update(codec.encode(value))
    return data


def _decode(cls: type, data: Any, where: str | None = None) -> Any:
    """Rebuild a ``cls`` from its payload; ``where`` names a nested payload in errors."""
    where = where or cls.__name__
    if not isinstance(data, Mapping):
        raise TypeError(
            f"{where} must be a mapping (the output of to_dict), got {type(data).__name__}"
        )
    schema = data.get("schema", 1)
    if not (isinstance(schema, int) and not isinstance(schema, bool) and schema >= 1):
        raise ValueError(f"{where}: 'schema' must be a positive integer, got {schema!r}")
    if schema > SCHEMA:
        raise ValueError(
            f"{where}: the payload has schema {schema}, written by a newer rac_tn; this "
            f"version reads schema {SCHEMA} and earlier (upgrade rac_tn to read it)"
        )
    plan = _plan(cls)
    keys = {key for s in plan for key in (s.codec.keys if s.codec else (s.field.name,))}
    unknown = sorted(set(data) - keys - {"schema"}, key=str)
    if unknown:
        raise ValueError(f"{where}: unknown keys {unknown}; expected some of {sorted(keys)}")
    kwargs = {}
    for field, hint, codec in plan:
        keys_here = codec.keys if codec else (field.name,)
        if not any(key in data for key in keys_here):
            if _default(field) is dataclasses.MISSING:
                raise ValueError(f"{where}: the payload lacks {keys_here[0]!r}")
            continue
        if codec is not None and codec.decode is not None:
            kwargs[field.name] = codec.decode(data)
        else:
            kwargs[field.name] = _value(hint, data[keys_here[0]], f"{where}.{field.name}")
    return cls(**kwargs)


def _value(hint: Any, data: Any, where: str) -> Any:
    """``data`` (decoded JSON) as a value of type ``hint``; ``where`` names it in errors."""
    origin, args = get_origin(hint), get_args(hint)
    if hint in (Any, object, Hashable):
        return tuples(data)
    if origin in (Union, types.UnionType):
        options = [a for a in args if a is not type(None)]
        if data is None and len(options) < len(args):
            return None
        return _value(options[0], data, where) if len(options) == 1 else tuples(data)
    if data is None:
        raise ValueError(f"{where} is None in the payload; expected {_name(hint)}")
    if origin is Literal:
        if isinstance(data, str) and data in args:
            return data
        raise ValueError(f"{where} must be one of {', '.join(map(repr, args))}, got {data!r}")
    if hint in (tuple, list) or origin in (tuple, list):
        if not isinstance(data, (list, tuple)):
            raise ValueError(f"{where} must be a list, got {data!r}")
        if not args:
            items = tuple(tuples(item) for item in data)
        elif (len(args) == 2 and args[1] is Ellipsis) or origin is list:
            items = tuple(_value(args[0], v, f"{where}[{i}]") for i, v in enumerate(data))
        elif len(args) == len(data):
            items = tuple(
                _value(a, v, f"{where}[{i}]")
                for i, (a, v) in enumerate(zip(args, data, strict=True))
            )
        else:
            raise ValueError(f"{where} must have {len(args)} entries, got {data!r}")
        return list(items) if list in (hint, origin) else items
    if hint in (frozenset, set) or origin in (frozenset, set, AbstractSet):
        if not isinstance(data, (list, tuple)):
            raise ValueError(f"{where} must be a list, got {data!r}")
        items = (_value(args[0], v, where) if args else tuples(v) for v in data)
        return set(items) if set in (hint, origin) else frozenset(items)
    if hint in (dict, Mapping) or origin in (dict, Mapping):
        if not isinstance(data, Mapping):
            raise ValueError(f"{where} must be a mapping, got {data!r}")
        return {k: _value(args[1], v, f"{where}[{k!r}]") if args else v for k, v in data.items()}
    if hint is np.ndarray or origin is np.ndarray:
        return np.asarray(data)
    if hint is bool:
        if isinstance(data, bool):
            return data
    elif hint is int:
        if isinstance(data, int) and not isinstance(data, bool):
            return int(data)
    elif hint is float:
        if isinstance(data, (int, float)) and not isinstance(data, bool):
            return float(data)
    elif hint is str:
        if isinstance(data, str):
            return data
    elif isinstance(hint, type) and issubclass(hint, Serialisable):
        return _decode(hint, data, where)
    elif callable(getattr(hint, "from_dict", None)):
        return hint.from_dict(data)
    else:
        raise TypeError(f"{where}: no JSON decoding for the type {hint!r}")
    raise ValueError(f"{where} must be {_name(hint)}, got {data!r}")


def _name(hint: Any) -> str:
    """A type hint's name for error messages."""
    return getattr(hint, "__name__", None) or str(hint)


def jsonable(value: Any) -> Any:
    """``value`` as JSON-safe data.

    Tuples and lists become lists, sets sorted lists, results their dict (nested: no
    ``"schema"`` key), numpy scalars Python numbers. Non-finite floats are refused: JSON cannot
    hold them, and no result may contain one.

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
    if isinstance(value, Serialisable):
        return _encode(value)
    if hasattr(value, "to_dict") and dataclasses.is_dataclass(value):
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
