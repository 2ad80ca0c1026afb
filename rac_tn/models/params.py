"""Parameter checks, random draws and state-dict plumbing shared by the family files.

State dicts follow the seed papers' PyTorch code (torch is not needed: values may be numpy
arrays or anything with ``.detach().cpu().numpy()``). Keys may carry the wrappers PyTorch adds
(``module.`` from DataParallel, ``_orig_mod.`` from ``torch.compile``). A stacked model's
layers are ``<prefix>.<i>.<name>`` (the depth paper's ``cprnn_layers.0.A``); a one-layer model's
are bare (``A``). The decoder is ``decoder.1.*`` (``nn.Sequential(Dropout, Linear)`` of the
ICML code), ``decoder.*`` (the depth paper's ``DeepCPRNN``) or ``fc.*`` (its ``DeepRNN``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, TypeVar, cast

import numpy as np

from rac_tn._arrays import as_weight as _as_weight
from rac_tn._arrays import is_integer_array, to_numpy
from rac_tn._checks import check_seed, positive_int


class _Decoded(Protocol):
    """What :func:`decoder_dict` reads of a family (its depth and decoder)."""

    @property
    def depth(self) -> int: ...
    @property
    def decoder_weight(self) -> np.ndarray: ...
    @property
    def decoder_bias(self) -> np.ndarray | None: ...


#: Keys a loader accepts and leaves out of the model: the input embedding (the model reads
#: the embedded vectors; use :func:`embedding_templates` for the grid-tensor templates).
IGNORED_KEYS = ("embedding.weight",)
DECODER_PREFIXES = ("decoder.1.", "decoder.", "fc.")
_WRAPPERS = ("module.", "_orig_mod.")
_T = TypeVar("_T")
_LAYER_KEY = re.compile(r"^(?P<prefix>(?:[A-Za-z_]\w*\.)*?)(?P<index>\d+)\.(?P<name>\w+)$")


def weight(value: object, name: str, ndim: int) -> np.ndarray:
    """A read-only int64 / float64 copy of ``value`` (checked, the argument named)."""
    return _as_weight(to_numpy(value), name, ndim)


def per_layer(value: object, name: str, ndim: int) -> tuple[np.ndarray, ...]:
    """One array per layer: an ``ndim``-D array (one layer) or a sequence of them."""
    if value is None:
        raise TypeError(f"{name} is required")
    arr = value if isinstance(value, (list, tuple)) else to_numpy(value)
    if isinstance(arr, np.ndarray) and arr.ndim == ndim and arr.dtype != object:
        return (weight(arr, f"{name}[0]", ndim),)
    if isinstance(arr, (list, tuple)) and _nested_numbers(arr, ndim):
        return (weight(arr, f"{name}[0]", ndim),)  # one layer written as nested lists
    if isinstance(value, (str, bytes)) or not isinstance(arr, Sequence | np.ndarray):
        raise TypeError(f"{name} must be a {ndim}-D array or a list of them (one per layer)")
    if len(arr) == 0:
        raise ValueError(f"{name} must hold one array per layer (depth >= 1), got none")
    missing = [i for i, v in enumerate(arr) if v is None]
    if missing:  # affine and homogeneous layers do not mix in one stack
        raise ValueError(
            f"{name} must be given for every layer or for none (None for layer(s) "
            f"{', '.join(map(str, missing))} of {len(arr)}): a stack is affine or homogeneous"
        )
    return tuple(weight(v, f"{name}[{i}]", ndim) for i, v in enumerate(arr))


def _nested_numbers(value: object, depth: int) -> bool:
    """True when ``value`` is a rectangular ``depth``-deep nesting of lists of numbers."""
    if depth == 0:
        return isinstance(value, int | float | np.number) and not isinstance(value, bool)
    if not isinstance(value, (list, tuple)) or not value:
        return False
    return all(_nested_numbers(v, depth - 1) for v in value)


def optional_per_layer(value: object, name: str, ndim: int) -> tuple[np.ndarray, ...] | None:
    """As :func:`per_layer`, None staying None."""
    return None if value is None else per_layer(value, name, ndim)


def check_depth(depth: int, **groups: tuple | None) -> None:
    """Every per-layer group has ``depth`` entries (the first group's name in the message)."""
    for name, group in groups.items():
        if group is not None and len(group) != depth:
            raise ValueError(f"{name} has {len(group)} layers, expected depth = {depth}")


def check_shape(arr: np.ndarray, expected: tuple[int, ...], name: str, meaning: str) -> None:
    """A ValueError naming ``name`` when ``arr.shape != expected``."""
    if arr.shape != expected:
        raise ValueError(f"{name} must have shape {expected} ({meaning}), got {arr.shape}")


def initial_states(value: object, depth: int, n: int, dtype: np.dtype) -> tuple[np.ndarray, ...]:
    """Per-layer ``h_0``: ``None`` or ``"ones"`` (the default), ``"zeros"``, or one vector each."""
    if value is None or isinstance(value, str):
        fill = STATE_FILLS.get("ones" if value is None else value)
        if fill is None:
            raise ValueError(
                f"initial_states must be 'ones', 'zeros' or one length-{n} vector per layer, "
                f"got {value!r}"
            )
        return tuple(
            weight(np.full(n, fill, dtype=dtype), "initial_states", 1) for _ in range(depth)
        )
    states = per_layer(value, "initial_states", 1)
    check_depth(depth, initial_states=states)
    for i, h in enumerate(states):
        check_shape(h, (n,), f"initial_states[{i}]", "n, the hidden size")
    return states


STATE_FILLS = {"ones": 1, "zeros": 0}
"""The named initial states: every family starts at ones unless told (the RAC's start; a
homogeneous cell started at zeros is identically zero); loaders ask for the seed code's zeros."""


def common_dtype(*groups: object) -> np.dtype:
    """int64 when every array is integer, object when one holds symbolic values, else float64.

    Symbolic values: an object array of anything but Python ints (``function_dimension``'s dual
    numbers).
    """
    arrays: list[Any] = []
    for g in groups:
        if g is None:
            continue
        arrays.extend(g if isinstance(g, tuple) else (g,))
    if any(a.dtype == object and not is_integer_array(a) for a in arrays):
        return np.dtype(object)
    integer = all(is_integer_array(a) for a in arrays)
    return np.dtype(np.int64 if integer else np.float64)


class Drawer:
    """Random arrays: integers in ``(-2**20, 2**20)``, or uniform in ``(-scale, scale)``.

    The integer range is the RAC's (generic weights for exact ranks); the float range is the
    seed code's initialisation ``U(-1/sqrt(n), 1/sqrt(n))``.
    """

    def __init__(self, seed: object, integer: bool, scale: float) -> None:
        self.rng = np.random.default_rng(check_seed(seed))
        self.integer, self.scale = bool(integer), float(scale)

    def __call__(self, *shape: int) -> np.ndarray:
        """A read-only array of the given shape (a model takes it without a copy)."""
        if self.integer:
            bound = 1 << 20
            out = self.rng.integers(-bound + 1, bound, size=shape, dtype=np.int64)
        else:
            out = self.rng.uniform(-self.scale, self.scale, size=shape)
        out.flags.writeable = False
        return out

    def nonzero(self, *shape: int) -> np.ndarray:
        """An array with no zero entry (generic initial states)."""
        out = self(*shape)
        while not np.all(out):
            out = np.where(out == 0, self(*shape), out)
        return out


def sizes(**values: object) -> dict[str, int]:
    """Each value checked as a positive int, by name."""
    return {name: positive_int(v, name) for name, v in values.items()}


# -- state dicts ------------------------------------------------------------------------------


def as_state_dict(state_dict: object) -> dict[str, np.ndarray]:
    """A state dict's keys without PyTorch's wrappers, values as numpy arrays."""
    if not isinstance(state_dict, Mapping):
        raise TypeError(
            f"state_dict must be a mapping of names to arrays, got {type(state_dict).__name__}"
        )
    out = {}
    for key, value in state_dict.items():
        name = str(key)
        stripped = True
        while stripped:
            stripped = False
            for wrapper in _WRAPPERS:
                if name.startswith(wrapper):
                    name, stripped = name[len(wrapper) :], True
        out[name] = to_numpy(value)
    return out


def split_layers(
    sd: Mapping[str, np.ndarray], names: Sequence[str], required: Sequence[str]
) -> tuple[list[dict[str, np.ndarray]], str | None, set[str]]:
    """The per-layer parameters: ``(layers, prefix, keys used)``.

    Bare keys (``A``) are one layer; ``<prefix><i>.<name>`` keys are layer i (one prefix,
    indices 0..L-1). ``required`` names must be in every layer.
    """
    flat = {k: v for k, v in sd.items() if k in names}
    layered: dict[str, dict[int, dict[str, np.ndarray]]] = {}
    used = set(flat)
    for key, value in sd.items():
        match = _LAYER_KEY.match(key)
        if match and match["name"] in names and not key.startswith(DECODER_PREFIXES):
            per = layered.setdefault(match["prefix"], {})
            per.setdefault(int(match["index"]), {})[match["name"]] = value
            used.add(key)
    if flat and layered:
        raise ValueError(
            f"state_dict mixes one-layer keys {sorted(flat)} with stacked-layer keys "
            f"under {sorted(layered)}"
        )
    if len(layered) > 1:
        raise ValueError(f"state_dict holds layers under several prefixes: {sorted(layered)}")
    if flat:
        layers, prefix = [flat], None
    elif layered:
        prefix, per = next(iter(layered.items()))
        indices = sorted(per)
        if indices != list(range(len(indices))):
            raise ValueError(
                f"state_dict's layers {prefix}<i> must be numbered 0..L-1, got {indices}"
            )
        layers = [per[i] for i in indices]
    else:
        raise ValueError(
            f"state_dict has none of the cell's parameters {tuple(names)} (keys: {sorted(sd)[:8]})"
        )
    for i, layer in enumerate(layers):
        missing = [name for name in required if name not in layer]
        if missing:
            where = "" if prefix is None else f" in layer {prefix}{i}"
            raise ValueError(f"state_dict is missing {missing}{where}")
    return layers, prefix, used


def read_decoder(
    sd: Mapping[str, np.ndarray],
) -> tuple[np.ndarray, np.ndarray | None, set[str]]:
    """The decoder's ``(weight, bias or None, keys used)`` from :data:`DECODER_PREFIXES`."""
    found = [prefix for prefix in DECODER_PREFIXES if prefix + "weight" in sd]
    if not found:
        raise ValueError(
            "state_dict has no decoder: expected 'decoder.1.weight' (ICML code), "
            "'decoder.weight' (DeepCPRNN) or 'fc.weight' (DeepRNN)"
        )
    if len(found) > 1:
        raise ValueError(f"state_dict has several decoders: {[f + 'weight' for f in found]}")
    prefix = found[0]
    bias = sd.get(prefix + "bias")
    used = {prefix + "weight"} | ({prefix + "bias"} if bias is not None else set())
    return sd[prefix + "weight"], bias, used


def check_unused(sd: Mapping[str, np.ndarray], used: set[str], strict: bool) -> None:
    """With ``strict``, a ValueError listing the keys no parameter took."""
    extra = sorted(set(sd) - used - set(IGNORED_KEYS))
    if strict and extra:
        raise ValueError(
            f"state_dict has keys this model does not use: {extra} (pass strict=False to "
            "ignore them)"
        )


def embedding_templates(state_dict: object) -> np.ndarray | None:
    """The embedding table ``embedding.weight`` (vocab x d), or None for one-hot inputs.

    A seed model with ``use_embedding`` reads the embedded vectors: its rows are the natural
    templates of the grid tensor (symbol i is ``embedding.weight[i]``).

    Examples
    --------
    >>> embedding_templates({"embedding.weight": np.eye(2)}).shape
    (2, 2)
    """
    sd = as_state_dict(state_dict)
    table = sd.get("embedding.weight")
    return None if table is None else np.asarray(table, dtype=np.float64)


def layer_prefix(depth: int, prefix: str) -> Callable[[int, str], str]:
    """Key maker: bare names for one layer, ``<prefix><i>.<name>`` for a stack."""

    def key(i: int, name: str) -> str:
        return name if depth == 1 else f"{prefix}{i}.{name}"

    return key


def decoder_prefix(depth: int) -> str:
    """``decoder.1.`` for one layer (ICML code), ``decoder.`` for a stack (DeepCPRNN)."""
    return "decoder.1." if depth == 1 else "decoder."


def layer_arrays(model: Any, names: Sequence[str], prefix: str) -> dict[str, np.ndarray]:
    """Each layer's arrays under ``names`` (those not None) and its nonzero ``h0``, writable.

    Keyed as :func:`layer_prefix` keys them, layer by layer (a state dict's order).
    """
    key = layer_prefix(model.depth, prefix)
    out: dict[str, np.ndarray] = {}
    for i in range(model.depth):
        for name in names:
            group = getattr(model, name)
            if group is not None:
                out[key(i, name)] = writable(group[i])
        if model.initial_states[i].any():
            out[key(i, "h0")] = writable(model.initial_states[i])
    return out


def writable(arr: np.ndarray) -> np.ndarray:
    """A writable copy (state dicts hand out arrays the caller may change)."""
    return np.array(arr, copy=True)


def decoder_bias(value: object, classes: int, affine: bool) -> np.ndarray | None:
    """The decoder's bias (checked), only with a cell that has a constant coordinate."""
    if value is None:
        return None
    bias = weight(value, "decoder_bias", 1)
    check_shape(bias, (classes,), "decoder_bias", "num_classes")
    if not affine:
        raise ValueError(
            "decoder_bias needs a cell with first-order terms and bias (its constant "
            "coordinate carries it); pass zero first-order terms, or no decoder_bias"
        )
    return bias


def decoder_dict(model: _Decoded, prefix: str | None = None) -> dict[str, np.ndarray]:
    """The decoder under the seed code's keys (``prefix``: :func:`decoder_prefix` by default)."""
    prefix = decoder_prefix(model.depth) if prefix is None else prefix
    out = {prefix + "weight": writable(model.decoder_weight)}
    if model.decoder_bias is not None:
        out[prefix + "bias"] = writable(model.decoder_bias)
    return out


def all_or_none(values: Sequence[_T | None], name: str) -> list[_T] | None:
    """None when no layer has ``name``, the list when all do, else an error."""
    present = [v is not None for v in values]
    if not any(present):
        return None
    if not all(present):
        raise ValueError(f"state_dict has {name} for some layers only")
    return cast("list[_T]", values)  # every entry is present


def decoder(
    weight_value: object, bias_value: object, n: int, affine: bool
) -> tuple[np.ndarray, np.ndarray | None]:
    """The decoder's weight (``num_classes x n``) and bias, checked."""
    dec = weight(weight_value, "decoder_weight", 2)
    check_shape(dec, (dec.shape[0], n), "decoder_weight", "num_classes x n")
    return dec, decoder_bias(bias_value, dec.shape[0], affine)


def set_fields(obj: object, **values: object) -> None:
    """Store checked values on a frozen dataclass (from its ``__post_init__``)."""
    for name, value in values.items():
        object.__setattr__(obj, name, value)
