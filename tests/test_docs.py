"""The documentation site builds strictly, and a broken reference fails the build.

Each build takes a few seconds, so both tests are marked slow (CI runs them; `.ci/run` also
runs ``mkdocs build --strict`` itself). They build a copy of the documentation's sources in a
temporary folder, so nothing is written into the checkout.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
pytest.importorskip("mkdocs", reason='mkdocs is not installed (pip install "rac_tn[docs]")')
pytest.importorskip("mkdocstrings", reason='mkdocstrings is not installed ("rac_tn[docs]")')


def _copy_sources(dest: Path) -> Path:
    for name in ("mkdocs.yml", "README.md", "CITATION.cff", "LICENSE"):
        shutil.copy(REPO / name, dest / name)
    shutil.copytree(REPO / "docs", dest / "docs")
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


@pytest.mark.slow
def test_the_docs_build_strictly_with_the_api_reference(tmp_path):
    result = _build(_copy_sources(tmp_path))
    assert result.returncode == 0, result.stderr
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
