"""The documentation site builds strictly, lists every public name, and a broken reference fails.

Each build takes a few seconds, so these tests are marked slow (CI runs them; `.ci/run` also
runs ``mkdocs build --strict`` itself). They build a copy of the documentation's sources in a
temporary folder, so nothing is written into the checkout.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import os
import shutil
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

import rac_tn
import rac_tn.models
from rac_tn.cli.parser import build_parser

REPO = Path(__file__).resolve().parents[1]
pytest.importorskip("mkdocs", reason='mkdocs is not installed (pip install "rac_tn[docs]")')
pytest.importorskip("mkdocstrings", reason='mkdocstrings is not installed ("rac_tn[docs]")')


def _copy_sources(dest: Path) -> Path:
    for name in ("mkdocs.yml", "README.md", "CITATION.cff", "LICENSE"):
        shutil.copy(REPO / name, dest / name)
    shutil.copytree(REPO / "docs", dest / "docs")
    shutil.copytree(REPO / "tutorials", dest / "tutorials")  # pages run at build time
    (dest / "figures").mkdir()
    for png in (REPO / "figures").glob("*.png"):
        shutil.copy(png, dest / "figures" / png.name)
    return dest


def _build(root: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(root / "site")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The documentation built once (strictly) for the tests that read the built site."""
    root = _copy_sources(tmp_path_factory.mktemp("docs"))
    result = _build(root)
    assert result.returncode == 0, result.stderr
    return root / "site"


def _inventory(site: Path) -> set[str]:
    """The object names of the site's ``objects.inv`` (Sphinx inventory, version 2)."""
    header, body = (site / "objects.inv").read_bytes().split(b"zlib.\n", 1)
    assert header.startswith(b"# Sphinx inventory version 2")
    return {line.split(" ", 1)[0] for line in zlib.decompress(body).decode().splitlines()}


def _documented_as(name: str, obj: object, exported_from: str) -> set[str]:
    """Names under which ``obj`` may be documented: its export, its module, its canonical place."""
    module = getattr(obj, "__module__", None)
    qualname = getattr(obj, "__qualname__", name)
    return {f"rac_tn.{name}", f"{exported_from}.{name}", f"{module}.{qualname}"}


@pytest.mark.slow
def test_every_public_name_has_an_api_entry(site):
    inventory = _inventory(site)
    exported = {name: rac_tn._EXPORTS[name] for name in rac_tn.__all__ if name != "__version__"}
    # public types reached through a module rather than rac_tn itself
    exported |= {"Style": "rac_tn.drawing.style"}
    exported |= {
        name: "rac_tn.drawing.plots" for name in ("plot_depth_vs_memory", "plot_bound_tightness")
    }
    exported |= {name: "rac_tn.models" for name in rac_tn.models.__all__}
    missing = []
    for name, module in exported.items():
        obj = getattr(importlib.import_module(module), name)
        if not (inspect.isclass(obj) or inspect.isfunction(obj)):  # constants, type aliases
            continue
        if not _documented_as(name, obj, module) & inventory:
            missing.append(name)
    assert not missing, f"no API entry for {missing}"


@pytest.mark.slow
def test_the_cli_page_lists_every_option(site):
    page = (site / "api" / "cli" / "index.html").read_text()
    parser = build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                assert f"rac-tn {name}" in page
                for option in sub._actions:
                    for flag in option.option_strings:
                        assert flag in page, (name, flag)


@pytest.mark.slow
def test_the_docs_build_strictly_with_the_api_reference(site):
    tmp_path = site.parent
    sweeps = (tmp_path / "site" / "api" / "sweeps" / "index.html").read_text()
    for name in ("sweep_chunk", "RayExecutor", "to_dataframe", "ChunkError"):
        assert f'id="rac_tn.analysis.sweeps.{name}"' in sweeps  # documented from its docstring
    assert (tmp_path / "site" / "figures" / "fig1_shallow_mps.png").exists()
    gallery = (tmp_path / "site" / "gallery" / "index.html").read_text()
    assert "fig1_shallow_mps.png" in gallery


@pytest.mark.slow
@pytest.mark.parametrize(
    ("page", "message"),
    [
        (
            "See [sweep][rac_tn.analysis.sweeps.no_such_function].",
            "rac_tn.analysis.sweeps.no_such_function",
        ),
        ("::: rac_tn.no_such_module", "rac_tn.no_such_module"),
        ("[a missing page](missing.md)", "missing.md"),
    ],
)
def test_a_broken_reference_fails_the_build(tmp_path, page, message):
    root = _copy_sources(tmp_path)
    (root / "docs" / "citing.md").write_text(f"# Citing\n\n{page}\n")
    result = _build(root)
    assert result.returncode != 0 and message in result.stderr + result.stdout
