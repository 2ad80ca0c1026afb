"""The tutorial notebooks are what ``tutorials/_build.py`` writes, stored without outputs.

(The notebooks themselves run in the test suite through nbmake: ``testpaths`` holds
``tutorials``.)
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from _helpers import load_script

TUTORIALS = Path(__file__).resolve().parents[1] / "tutorials"


@pytest.fixture(scope="module")
def builder():
    return load_script(TUTORIALS / "_build.py", "tutorials_build")


def test_every_built_notebook_is_committed_with_its_sources(builder):
    committed = sorted(p.name for p in TUTORIALS.glob("*.ipynb"))
    assert committed == sorted(builder.NOTEBOOKS)
    assert "04_second_order_family.ipynb" in committed
    for name in committed:
        stored = nbformat.read(TUTORIALS / name, as_version=4)
        nbformat.validate(stored)
        assert builder.cell_sources(stored) == builder.cell_sources(builder.notebook(name)), name
        assert all(not cell.get("outputs") for cell in stored.cells), name


def test_build_writes_only_what_changed(builder, tmp_path):
    assert sorted(builder.build(tmp_path)) == sorted(builder.NOTEBOOKS)
    assert builder.build(tmp_path) == []  # unchanged sources: nothing rewritten
    first = sorted(builder.NOTEBOOKS)[0]
    nb = nbformat.read(tmp_path / first, as_version=4)
    nb.cells[0].source += " (edited)"
    nbformat.write(nb, tmp_path / first)
    assert builder.build(tmp_path) == [first]
