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


#: A decoder: ``(data, where) -> value``; ``where`` names the value in errors, as a string or
#: a pair ``(where, suffix)`` spelled out only when an error needs it (:func:`_spell`).
_Decoder = Callable[[Any, Any], Any]


class _Stored(NamedTuple):
    """One stored field: its name, payload keys, decoder (None: its codec's), codec, default."""

    name: str
    label: str  # ".name", its part of a path in errors
    keys: tuple[str, ...]
    decode: _Decoder | None
    codec: Codec | None
    default: Any  # dataclasses.MISSING when the field is required


class _Plan(NamedTuple):
    """How a class is stored: its fields, every payload key, the optional fields."""

    fields: tuple[_Stored, ...]
    keys: frozenset[str]
    optional: tuple[_Stored, ...]


@functools.cache
def _plan(cls: Any) -> _Plan:
    """How ``cls`` is stored, built once (at first use, not import: hints resolve late)."""
    names = {f.name for f in dataclasses.fields(cls)}
    for name in (*cls._json_skip, *cls._json_optional, *cls._json_codecs):
        if name not in names:
            raise TypeError(f"{cls.__name__} declares {name!r} for JSON, which is not a field")
    namespace = vars(sys.modules[cls.__module__])
    stored = []
    for f in dataclasses.fields(cls):
        if not f.init or f.name in cls._json_skip:
            continue
        codec = cls._json_codecs.get(f.name)
        decode = None
        if codec is None or codec.decode is None:
            hint = f.type
            try:
                if isinstance(hint, str):  # postponed annotations: evaluate in the module
                    hint = eval(hint, namespace, {cls.__name__: cls})
            except NameError as exc:
                raise TypeError(
                    f"{cls.__name__}.{f.name}: cannot resolve its type hint {f.type!r} ({exc})"
                ) from exc
            decode = _decoder(hint)  # type: ignore[arg-type]  # a type hint, hashable
        default = f.default if f.default_factory is dataclasses.MISSING else f.default_factory()
        payload_keys = codec.keys if codec else (f.name,)
        stored.append(_Stored(f.name, "." + f.name, payload_keys, decode, codec, default))
    keys = frozenset(key for s in stored for key in s.keys) | {"schema"}
    optional = tuple(s for s in stored if s.name in cls._json_optional)
    return _Plan(tuple(stored), keys, optional)


def _encode(obj: Serialisable) -> dict[str, Any]:
    """The stored fields of ``obj`` as JSON-safe data (no schema key: nested results)."""
    plan = _plan(type(obj))  # type: ignore[arg-type]  # classes are hashable
    left_out: tuple[_Stored, ...] = ()
    if plan.optional and all(getattr(obj, s.name) == s.default for s in plan.optional):
        left_out = plan.optional
    data: dict[str, Any] = {}
    for s in plan.fields:
        if s in left_out:
            continue
        value = getattr(obj, s.name)
        if s.codec is None or s.codec.encode is None:
            data[s.keys[0]] = jsonable(value)
        else:
            data.update(s.codec.encode(value))
    return data


def _decode(cls: type, data: Any, where: Any = None) -> Any:
    """Rebuild a ``cls`` from its payload; ``where`` names a nested payload in errors."""
    where = cls.__name__ if where is None else where
    if not isinstance(data, Mapping):
        raise TypeError(
            f"{_spell(where)} must be a mapping (the output of to_dict), got {type(data).__name__}"
        )
    schema = data.get("schema", 1)
    if type(schema) is not int or schema < 1:
        raise ValueError(f"{_spell(where)}: 'schema' must be a positive integer, got {schema!r}")
    if schema > SCHEMA:
        raise ValueError(
            f"{_spell(where)}: the payload has schema {schema}, written by a newer rac_tn; this "
            f"version reads schema {SCHEMA} and earlier (upgrade rac_tn to read it)"
        )
    plan = _plan(cls)
    if not plan.keys.issuperset(data):
        unknown = sorted(set(data) - plan.keys, key=str)
        expected = sorted(plan.keys - {"schema"})
        raise ValueError(f"{_spell(where)}: unknown keys {unknown}; expected some of {expected}")
    kwargs = {}
    for s in plan.fields:
        if s.decode is None:  # a codec reading the payload itself
            present = any(key in data for key in s.keys)
            if present:
                assert s.codec is not None and s.codec.decode is not None
                kwargs[s.name] = s.codec.decode(data)
        elif present := s.keys[0] in data:
            kwargs[s.name] = s.decode(data[s.keys[0]], (where, s.label))
        if not present and s.default is dataclasses.MISSING:
            raise ValueError(f"{_spell(where)}: the payload lacks {s.keys[0]!r}")
    return cls(**kwargs)


def _spell(where: Any) -> str:
    """A path in a payload as text: ``'Report.rows[2].value'``."""
    return where if isinstance(where, str) else _spell(where[0]) + where[1]


def _wrong(where: Any, expected: str, data: Any) -> ValueError:
    """The error for a payload value that is not what its field holds."""
    where = _spell(where)
    if data is None:
        return ValueError(f"{where} is None in the payload; expected {expected}")
    return ValueError(f"{where} must be {expected}, got {data!r}")


@functools.cache
def _decoder(hint: Any) -> _Decoder:
    """The decoder of a type hint (built once per hint)."""
    origin, args = get_origin(hint), get_args(hint)
    if hint in (Any, object, Hashable):
        return lambda data, where: tuples(data)
    if origin in (Union, types.UnionType):
        options = [a for a in args if a is not type(None)]
        inner = _decoder(options[0]) if len(options) == 1 else _decoder(Any)
        if len(options) == len(args):
            return inner
        return lambda data, where: None if data is None else inner(data, where)
    if origin is Literal:
        allowed, expected = frozenset(args), "one of " + ", ".join(map(repr, args))

        def literal(data: Any, where: Any) -> Any:
            if isinstance(data, str) and data in allowed:
                return data
            raise _wrong(where, expected, data)

        return literal
    if hint in (tuple, list, frozenset, set) or origin in (tuple, list, frozenset, set):
        return _sequence(hint, origin or hint, args)
    if hint is np.ndarray or origin is np.ndarray:
        return lambda data, where: np.asarray(data)
    if hint in (bool, int, float, str):

        def scalar(data: Any, where: Any) -> Any:
            return data if type(data) is hint else _scalar(hint, data, where)

        return scalar
    if isinstance(hint, type) and issubclass(hint, Serialisable):
        return lambda data, where: _decode(hint, data, where)
    if callable(getattr(hint, "from_dict", None)):
        return lambda data, where: hint.from_dict(data)
    raise TypeError(f"no JSON decoding for the type {hint!r}")


def _scalar(kind: type, data: Any, where: Any) -> Any:
    """``data`` as a bool, int, float or str (ints read as floats; bools are not ints)."""
    if type(data) is kind:
        return data
    if kind is float and type(data) is int:
        return float(data)
    if kind is int and isinstance(data, int) and not isinstance(data, bool):
        return int(data)
    raise _wrong(where, kind.__name__, data)


def _sequence(hint: Any, origin: Any, args: tuple) -> _Decoder:
    """The decoder of a tuple, list, set or frozenset hint (from a JSON list)."""
    if not args:
        items = [_decoder(Any)]
    elif origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
        items = [_decoder(a) for a in args]  # a fixed-length tuple
    else:
        items = [_decoder(args[0])]
    fixed = len(items) if origin is tuple and args and args[-1] is not Ellipsis else None
    build = {tuple: tuple, list: list, set: set, frozenset: frozenset}[origin]

    def sequence(data: Any, where: Any) -> Any:
        if not isinstance(data, (list, tuple)):
            raise _wrong(where, "a list", data)
        if fixed is not None and len(data) != fixed:
            raise ValueError(f"{_spell(where)} must have {fixed} entries, got {data!r}")
        decoders = items * len(data) if fixed is None else items
        try:  # the entries' paths are spelled out only for an error
            return build(d(v, where) for d, v in zip(decoders, data, strict=True))
        except (TypeError, ValueError):
            for i, (d, v) in enumerate(zip(decoders, data, strict=True)):
                d(v, (where, f"[{i}]"))
            raise

    return sequence


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
    kind = type(value)
    if kind is int or kind is str or kind is bool or value is None:
        return value
    if isinstance(value, Serialisable):
        return _encode(value)
    if hasattr(value, "to_dict") and dataclasses.is_dataclass(value):
        return value.to_dict()  # type: ignore[union-attr]  # a dataclass instance here
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
