"""A griffe extension: the docstrings' Sphinx roles become links in the API reference.

``:class:`~rac_tn.partition.Partition``` (and ``:func:``, ``:meth:``, ``:attr:``, ``:data:``,
``:mod:``, ``:exc:``) becomes an optional mkdocs-autorefs reference: a link where the target
is documented, plain code where it is not (a private helper, a third-party class). A name
without a module (``:class:`Report```) is looked up in the docstring's own module first.
Explicit references in the pages (``[text][rac_tn.analysis.sweeps.sweep]``, ``:::
rac_tn.models.rac``)
stay strict: ``mkdocs build --strict`` fails on any that is broken.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:class|func|meth|attr|data|mod|exc|obj):`(~?)([^`<>]+?)`")
#: ``rac_tn.X`` names that the package exports lazily, by the module that defines them.
_EXPORTS: dict[str, str] = {}


def _exports() -> dict[str, str]:
    if not _EXPORTS:
        import rac_tn

        _EXPORTS.update(rac_tn._EXPORTS)
    return _EXPORTS


def _identifier(target: str, obj: griffe.Object) -> str:
    head, _, rest = target.partition(".")
    if target.startswith("rac_tn."):
        name = target.removeprefix("rac_tn.")
        first = name.split(".")[0]
        module = _exports().get(first)
        return f"{module}.{name}" if module else target
    module = obj if obj.is_module else obj.module
    scope = obj if obj.is_class else obj.parent if obj.parent is not None else module
    for base in (scope, module):
        if base is not None and head in base.members:
            return f"{base.path}.{target}"
    return target


class SphinxRoles(griffe.Extension):
    """Rewrite Sphinx roles in every docstring into optional autorefs (see the module)."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is None:
            return

        def link(match: re.Match[str]) -> str:
            short, target = match.group(1), match.group(2).strip()
            title = target.rsplit(".", 1)[-1] if short else target
            identifier = _identifier(target, obj)
            return f'<autoref identifier="{identifier}" optional><code>{title}</code></autoref>'

        obj.docstring.value = _ROLE.sub(link, obj.docstring.value)
