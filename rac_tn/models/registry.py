"""The registry of model families: names, classes, options and state-dict recognition.

The CLI's ``--model``, :func:`~rac_tn.models.random_model`, sweeps and the state-dict loader
read it; a new family is a class satisfying :class:`~rac_tn.models.RecurrentModel` plus one
:func:`register_family` call. Built-in classes are imported on first use, so reading the names
(``rac-tn --help``) stays cheap.

Examples
--------
>>> family_names()
('rac', '2rnn', 'cp2rnn', 'mirnn', 'linear', 'attention', 'ssm', 'ttrnn')
>>> sorted(get_family("cp2rnn").options)
['bias', 'rank']
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from importlib import import_module
from typing import Any

#: Options :func:`~rac_tn.models.random_model` may pass to a family's ``random``.
OPTIONS = frozenset({"rank", "bias"})


@dataclass(frozen=True)
class FamilyEntry:
    """One registered family.

    Attributes
    ----------
    name
        The registry name (``--model NAME``).
    target
        The class, or ``"module:Class"`` imported on first use.
    summary
        One line for help texts.
    options
        Which of ``'rank'`` (a CP rank) and ``'bias'`` (first-order terms) its ``random``
        takes.
    detect
        Given the set of parameter names of a state dict (each key's last dotted part), True
        when they are this family's; None for a family never detected from a file.
    loader
        ``arrays -> model`` (or ``"module:function"``); None for ``target.from_state_dict``.
    """

    name: str
    target: type | str
    summary: str = ""
    options: frozenset[str] = frozenset()
    detect: Callable[[set[str]], bool] | None = None
    loader: Callable[[dict[str, Any]], Any] | str | None = None

    @property
    def model_class(self) -> type[Any]:
        """The family's class."""
        return _resolve(self.target)

    def load(self, arrays: dict[str, Any]) -> Any:
        """A model from a state dict's arrays."""
        if self.loader is None:
            cls = self.model_class
            if not hasattr(cls, "from_state_dict"):
                raise ValueError(
                    f"model {self.name!r} has no weights-file loader (no "
                    f"{cls.__name__}.from_state_dict); build it from its arrays instead"
                )
            return cls.from_state_dict(arrays)
        return _resolve(self.loader)(arrays)


_REGISTRY: dict[str, FamilyEntry] = {}


def _resolve(target: Any) -> Any:
    if not isinstance(target, str):
        return target
    module, _, name = target.partition(":")
    return getattr(import_module(module), name)


def register_family(
    name: str,
    model_class: type | str,
    *,
    summary: str = "",
    options: Collection[str] = (),
    detect: Callable[[set[str]], bool] | None = None,
    loader: Callable[[dict[str, Any]], Any] | str | None = None,
    replace: bool = False,
) -> FamilyEntry:
    """Register a model family under ``name`` (its models' ``family`` attribute).

    Parameters
    ----------
    name
        Lower-case registry name; refused if taken, unless ``replace``.
    model_class
        The class (with ``random(input_dim, hidden_dim, depth=..., *, num_classes, seed,
        integer, ...)``); or ``"module:Class"``.
    summary, options, detect, loader
        See :class:`FamilyEntry`.
    replace
        Replace an existing entry of that name.

    Returns
    -------
    FamilyEntry
    """
    if not isinstance(name, str) or not name or not name.replace("_", "").isalnum():
        raise ValueError(f"name must be a non-empty identifier-like string, got {name!r}")
    unknown = set(options) - OPTIONS
    if unknown:
        raise ValueError(f"options must be among {sorted(OPTIONS)}, got {sorted(unknown)}")
    if name in _REGISTRY and not replace:
        raise ValueError(f"a family named {name!r} is registered already (pass replace=True)")
    entry = FamilyEntry(name, model_class, summary, frozenset(options), detect, loader)
    _REGISTRY[name] = entry
    return entry


def unregister_family(name: str) -> None:
    """Remove a registered family (a user's own; the tests use it to clean up)."""
    get_family(name)
    del _REGISTRY[name]


def family_names() -> tuple[str, ...]:
    """The registered names, built-ins first."""
    return tuple(_REGISTRY)


def get_family(name: str) -> FamilyEntry:
    """The entry of ``name``; ValueError listing the registered names otherwise."""
    entry = _REGISTRY.get(name) if isinstance(name, str) else None
    if entry is None:
        raise ValueError(f"model must be one of {', '.join(_REGISTRY)}; got {name!r}")
    return entry


def _is_rac(names: set[str]) -> bool:
    prefixes = ("input_weights", "hidden_weights", "initial_states")
    return "output_weights" in names or any(n.startswith(prefixes) for n in names)


register_family(
    "rac",
    "rac_tn.models.rac:RAC",
    summary="recurrent arithmetic circuit (Levine, Sharir & Shashua)",
    detect=_is_rac,
    loader="rac_tn.models.weights:rac_from_arrays",
)
register_family(
    "2rnn",
    "rac_tn.models.second_order:SecondOrderRNN",
    summary="second-order RNN, dense core",
    options={"bias"},
    detect=lambda names: "w" in names and not {"u", "alpha"} & names,
)
register_family(
    "cp2rnn",
    "rac_tn.models.cp:CP2RNN",
    summary="second-order RNN with a CP core of rank K",
    options={"rank", "bias"},
    detect=lambda names: {"A", "B", "C"} <= names,
)
register_family(
    "mirnn",
    "rac_tn.models.mirnn:MIRNN",
    summary="multiplicative-integration RNN",
    options={"bias"},
    detect=lambda names: "alpha" in names,
)
register_family(
    "linear",
    "rac_tn.models.linear:LinearRNN",
    summary="linear RNN",
    options={"bias"},
    detect=lambda names: (
        ({"w", "u"} <= names and "alpha" not in names) or {"weight_ih", "weight_hh"} <= names
    ),
)
register_family(
    "attention",
    "rac_tn.models.attention:LinearAttention",
    summary="causal linear (lightning) attention, key dim = hidden (Henry, Marchetti & Kohn)",
    detect=lambda names: {"Q", "K", "V"} <= names,
)
register_family(
    "ssm",
    "rac_tn.models.ssm:GatedSSM",
    summary="gated diagonal state-space model (Mamba-style, affine gate)",
    detect=lambda names: {"gate_weight", "input_weight"} <= names,
)
register_family(
    "ttrnn",
    "rac_tn.models.ttrnn:TTRNN",
    summary="tensor-train RNN (TTLM cell, no activation)",
    options={"bias"},
    detect=lambda names: {"W", "E"} <= names or {"wih.weight", "whh.weight"} <= names,
)
