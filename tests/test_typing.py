"""Types for users: the lazy exports are visible to a type checker (mypy)."""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

SNIPPET = """
import numpy as np

import rac_tn
from rac_tn import CP2RNN, RAC, start_end

rac = RAC.random(2, 2, seed=0, integer=True)
reveal_type(rac_tn.separation_rank(rac, start_end(4)))
reveal_type(rac_tn.draw)
A, B = [np.ones((2, 2))], np.ones((2, 2))  # a list of layers, or one layer's array
model = CP2RNN(A=A, B=B, C=[[[1, 0], [0, 1]]], decoder_weight=[[1, 1]])
reveal_type(model.initial_states)
reveal_type(rac_tn.analyze(model, "start-end", T=4))
"""


def _lazy_exports(path: Path) -> tuple[dict[str, str], dict[str, tuple[str, str | None]]]:
    """``_EXPORTS`` of a package ``__init__`` and its ``if TYPE_CHECKING:`` imports."""
    exports: dict[str, str] = {}
    imports: dict[str, tuple[str, str | None]] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for imp in node.body:
                assert isinstance(imp, ast.ImportFrom)
                for alias in imp.names:
                    imports[alias.asname or alias.name] = (str(imp.module), alias.asname)
        target = node.target if isinstance(node, ast.AnnAssign) else None
        if isinstance(node, ast.Assign):
            target = node.targets[0]
        if isinstance(target, ast.Name) and target.id == "_EXPORTS":
            exports = ast.literal_eval(node.value)
    return exports, imports


@pytest.mark.parametrize("package", ["rac_tn", "rac_tn.models"])
def test_every_lazy_export_is_imported_for_type_checkers(package):
    path = ROOT.joinpath(*package.split("."), "__init__.py")
    exports, imports = _lazy_exports(path)
    assert exports and set(imports) == set(exports)
    for name, module in exports.items():
        full = module if module.startswith("rac_tn") else f"{package}.{module}"
        assert imports[name][0] == full, name
    if package == "rac_tn":  # __all__ is computed there: `X as X` marks each re-exported
        assert all(asname == name for name, (_, asname) in imports.items())


def test_import_stays_lazy():
    code = (
        "import sys, rac_tn, rac_tn.models; "
        "print(sorted(m for m in ('quimb', 'numba', 'matplotlib', 'flint') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == "[]"


@pytest.mark.skipif(
    importlib.util.find_spec("mypy") is None,
    reason="mypy is not installed (it is in the test extra: pip install -e '.[test]')",
)
def test_mypy_sees_the_lazy_exports(tmp_path):
    snippet = tmp_path / "snippet.py"
    snippet.write_text(textwrap.dedent(SNIPPET), encoding="utf-8")
    # the project's configuration and cache: warm after `mypy rac_tn` (as .ci/run runs it)
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", "pyproject.toml", str(snippet)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=900,
    )
    revealed = [line.split('Revealed type is "', 1)[1][:-1] for line in out.stdout.splitlines()
                if "Revealed type is" in line]  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
    assert len(revealed) == 4, out.stdout
    assert "error" not in out.stdout
    rank, draw, states, report = revealed
    assert rank == "rac_tn.exact.rank.RankResult"
    # a new Figure without ``ax``, the caller's Axes with it
    assert (
        draw.startswith("Overload(def (obj: ") and "-> matplotlib.figure.Figure, def (obj:" in draw
    )
    assert draw.endswith("-> matplotlib.axes._axes.Axes)")
    assert states.startswith("tuple[numpy.ndarray[")  # never None once constructed
    assert report == "rac_tn.analysis.reports.Report"
