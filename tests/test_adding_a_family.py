"""The docs page "Adding a model family" runs as written: one class outside the package, one
registry call, and every entry point takes the new family (its code checks the new family's
exact output against a loop written there)."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib.pyplot as plt

from rac_tn.models import family_names, unregister_family

PAGE = Path(__file__).resolve().parents[1] / "docs" / "adding_a_family.md"


def test_the_page_example_defines_registers_and_analyses_a_new_family():
    code = "\n".join(re.findall(r"```python\n(.*?)```", PAGE.read_text(), re.S))
    namespace: dict = {}
    try:
        exec(compile(code, str(PAGE), "exec"), namespace)
        assert "gated_rac" in family_names()
        rank, bound = namespace["rank"], namespace["bound"]
        assert rank.rank <= bound.value and namespace["report"].rank.rank == rank.rank
        assert namespace["rows"][0].model == "gated_rac"
    finally:
        if "gated_rac" in family_names():
            unregister_family("gated_rac")
        plt.close("all")
