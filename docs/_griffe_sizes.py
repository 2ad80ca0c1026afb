"""A griffe extension: sizes declared with ``rac_tn.models.sizes`` are documented as properties.

``input_dim = Size("B", 0)`` followed by a docstring is, at run time, a read-only ``int``
property; griffe reads the source, so it would show a class attribute and its declaration. This
extension gives such members the label, type and signature of the property they are
(``Present(...)``: a ``bool``).
"""

from __future__ import annotations

from typing import Any

import griffe

#: The descriptor classes of ``rac_tn.models.sizes`` and the type each one's value has.
_TYPES = {"Size": "int", "Present": "bool"}


class SizeProperties(griffe.Extension):
    """Document ``name = Size(...)`` / ``Present(...)`` class members as properties."""

    def on_attribute_instance(self, *, attr: griffe.Attribute, **kwargs: Any) -> None:
        value = attr.value
        if not (attr.parent is not None and attr.parent.is_class):
            return
        if not isinstance(value, griffe.ExprCall):
            return
        kind = _TYPES.get(str(value.function))
        if kind is None:
            return
        attr.labels = {"property"}
        attr.annotation = kind
        attr.value = None
