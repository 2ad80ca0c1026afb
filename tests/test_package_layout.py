"""The package's shape: packages by subject, imports only downward, small modules, one protocol.

Read from the source with ``ast`` (every import statement counts, those under
``if TYPE_CHECKING:`` excepted), so the rules hold for the code as written, not for one run.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "rac_tn"

#: Bottom to top. A module may import its own layer and the layers below it, never above.
LAYERS = [
    {
        "_checks",
        "_format",
        "_arrays",
        "_progress",
        "_threads",
        "counting",
        "partition",
        "results",
        "tasks",
    },
    {"arith"},
    {"models"},
    {"network"},
    {"bounds"},
    {"exact"},
    {"analysis"},
    {"training"},
    {"drawing"},
    {"diagram"},
    {"cli", "__main__"},
]
RANK = {name: i for i, layer in enumerate(LAYERS) for name in layer}
CONCRETE_MODELS = {"RAC", "BilinearModel", "CP2RNN", "SecondOrderRNN", "MIRNN", "LinearRNN"}


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _runtime_imports(path: Path) -> list[str]:
    """Every ``rac_tn`` module imported outside ``if TYPE_CHECKING:`` blocks."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped |= {id(n) for child in node.body for n in ast.walk(child)}
    found = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.startswith("rac_tn")]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("rac_tn"):
            found += [f"{node.module}.{a.name}" for a in node.names] + [node.module]
    return found


def _owner(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def test_at_most_16_modules_directly_in_the_package_and_none_over_500_lines():
    top = [p for p in PACKAGE.glob("*.py")]
    assert len(top) <= 16, sorted(p.name for p in top)
    long = {str(p.relative_to(PACKAGE)): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 500}  # fmt: skip
    assert not long


def test_imports_go_down_the_layers_and_never_in_a_circle():
    modules = _modules()
    graph = nx.DiGraph()
    for name, path in modules.items():
        layer = _owner(name)
        if layer is None:  # rac_tn/__init__.py: lazy exports only
            continue
        assert layer in RANK, f"{name}: put it in a layer of this test"
        for target in _runtime_imports(path):
            target_layer = _owner(target)
            if target_layer is None or target_layer not in RANK:
                continue
            assert RANK[target_layer] <= RANK[layer], f"{name} imports {target} (upward)"
            resolved = target if target in modules else target.rsplit(".", 1)[0]
            if (
                resolved in modules
                and resolved != name
                and not modules[resolved].name == ("__init__.py")
            ):
                graph.add_edge(name, resolved)
    cycles = list(nx.simple_cycles(graph))
    assert not cycles, cycles[:3]


def test_no_layer_asks_which_model_class_it_holds():
    """No ``isinstance`` on a concrete model class outside the models package."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path.parent.name == "models":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "isinstance":
                names = {n.id for n in ast.walk(node.args[1]) if isinstance(n, ast.Name)}
                if names & CONCRETE_MODELS:
                    offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert not offenders


@pytest.mark.parametrize(
    ("module", "forbidden"),
    [
        ("rac_tn.bounds.theorems", ("numba", "quimb", "flint")),
        ("rac_tn.counting", ("numba", "quimb", "flint")),
        ("rac_tn.drawing", ("numba", "quimb", "flint", "rac_tn.network.compiled")),
        ("rac_tn.models.registry", ("numpy", "numba", "quimb")),
        ("rac_tn.tasks", ("numba", "quimb", "flint", "torch", "scipy")),
    ],
)
def test_light_modules_stay_light(module, forbidden):
    code = f"import sys, {module}; print(sorted(m for m in {forbidden!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", (module, out.stdout)
