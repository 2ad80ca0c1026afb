"""Size properties declared by where they are read: one line a size instead of a property each.

A model's sizes are shapes of its parameter arrays: ``input_dim = Size("B", 0)`` reads
``B[0].shape[0]`` (layer 1's array of the per-layer field ``B``), ``depth = Size("A")`` reads
``len(A)``, ``bias = Present("U")`` is True when the optional field ``U`` is given. The
docstring written under the declaration is the property's documentation.

Examples
--------
>>> import numpy as np
>>> class Cell:
...     input_dim = Size("w", 1)
...     depth = Size("w")
...     bias = Present("b")
...     def __init__(self, w, b=None):
...         self.w, self.b = w, b
>>> cell = Cell((np.zeros((3, 2)), np.zeros((3, 3))))
>>> cell.input_dim, cell.depth, cell.bias
(2, 2, False)
"""

from __future__ import annotations

from typing import Any, Generic, Self, TypeVar, overload

_T = TypeVar("_T")


class _ReadOnly(Generic[_T]):
    """A read-only property whose value :meth:`_read` computes (a property's errors on writes)."""

    name = "?"

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name  # the last name bound, as a property's

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> Self: ...
    @overload
    def __get__(self, obj: object, owner: type | None = None) -> _T: ...
    def __get__(self, obj: object | None, owner: type | None = None) -> Self | _T:
        return self if obj is None else self._read(obj)

    def _read(self, obj: Any) -> _T:
        """The value for ``obj``."""
        raise NotImplementedError

    def __set__(self, obj: object, value: object) -> None:
        raise AttributeError(
            f"property {self.name!r} of {type(obj).__name__!r} object has no setter"
        )

    def __delete__(self, obj: object) -> None:
        raise AttributeError(
            f"property {self.name!r} of {type(obj).__name__!r} object has no deleter"
        )


class Size(_ReadOnly[int]):
    """A read-only int property: ``len(field)``, or ``field[layer].shape[axis]``.

    Parameters
    ----------
    field
        The name of the attribute read (a per-layer tuple of arrays, or one array with
        ``layer=None``).
    axis
        The axis whose length is the size; None for the number of layers, ``len(field)``.
    layer
        Which layer's array to read (layer 1's by default); None when the field is one array.
    minus
        The name of a bool attribute subtracted (a constant coordinate an array carries when
        it is True).
    """

    def __init__(
        self, field: str, axis: int | None = None, *, layer: int | None = 0, minus: str = ""
    ) -> None:
        self.field, self.axis, self.layer, self.minus = field, axis, layer, minus

    def _read(self, obj: Any) -> int:
        value = getattr(obj, self.field)
        if self.axis is None:
            return len(value)
        array = value if self.layer is None else value[self.layer]
        return array.shape[self.axis] - (getattr(obj, self.minus) if self.minus else 0)

    def __repr__(self) -> str:
        return f"Size({self.field!r}, {self.axis!r})"


class Present(_ReadOnly[bool]):
    """A read-only bool property: True when any of the named optional attributes is not None.

    Examples
    --------
    >>> from rac_tn.models import CP2RNN
    >>> CP2RNN.random(2, 2, 2, seed=0).bias, CP2RNN.random(2, 2, 2, bias=True, seed=0).bias
    (False, True)
    """

    def __init__(self, *fields: str) -> None:
        self.fields = fields

    def _read(self, obj: Any) -> bool:
        return any(getattr(obj, name) is not None for name in self.fields)

    def __repr__(self) -> str:
        return f"Present({', '.join(map(repr, self.fields))})"


__all__ = ["Present", "Size"]
