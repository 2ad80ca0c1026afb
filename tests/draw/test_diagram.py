"""The facade rac_tn.diagram: it resolves a RAC / network / report and a partition into a
network and a computed bound (the bound rac_tn.bounds computes), and checks its arguments."""

from __future__ import annotations

import ast
import importlib
import pathlib
import subprocess
import sys

import pytest
from _drawing import rac_of

from rac_tn import RAC, compile_rac
from rac_tn.bounds import network_cut_bound, symmetric_bound
from rac_tn.diagram import build_scene, draw, to_tikz
from rac_tn.partition import interleaved, start_end

DRAW_PACKAGE = importlib.import_module("rac_tn.drawing")


def test_cut_given_as_partition_computes_the_bound_of_the_view():
    rac = rac_of(2, M=3)
    scene = build_scene(rac, T=4, cut="start-end")
    assert scene.meta["cut"].method == "network-cut"
    assert scene.meta["cut"].value == network_cut_bound(compile_rac(rac, 4), start_end(4)).value
    grid = build_scene(rac, T=4, view="grid", cut=start_end(4))
    assert grid.meta["cut"].value == symmetric_bound(rac, start_end(4)).value


def test_report_draws_its_network_and_grid_with_its_bounds():
    analysis = pytest.importorskip("rac_tn.analysis")
    rac = rac_of(2, M=3)
    report = analysis.analyze(rac, start_end(4))
    scene = build_scene(report)
    if report.network_bound is not None:
        bonds = {e.name for e in report.network_bound.cut if e.category == "bond"}
        inputs = {e.name for e in report.network_bound.cut if e.category == "hyperedge"}
        # a cut input index is drawn as the input legs it cuts (one leg per copy)
        highlighted = {e.ref for e in scene.edges if e.highlight}
        assert bonds <= highlighted and highlighted - bonds == inputs
        assert scene.meta["cut"] == report.network_bound
    grid = build_scene(report, view="grid")
    if report.symmetric_bound is not None:
        assert {n.ref for n in grid.nodes if n.highlight} == {
            e.name for e in report.symmetric_bound.cut
        }


def test_rac_tn_draw_is_the_function_whatever_was_imported_first():
    import types

    import rac_tn
    import rac_tn.drawing.mpl
    from rac_tn import draw as public_draw

    assert isinstance(public_draw, types.FunctionType) and rac_tn.draw is public_draw
    fig = public_draw(rac_of(1), T=3)
    assert fig.get_figwidth() > 0
    assert rac_tn.to_tikz(rac_of(1), T=3).startswith("\\documentclass")


def test_bad_arguments_name_the_argument():
    rac = rac_of(2)
    net = compile_rac(rac, 4)
    with pytest.raises(ValueError, match="T is required"):
        draw(rac)
    with pytest.raises(ValueError, match="view"):
        build_scene(rac, T=4, view="tree")
    with pytest.raises(TypeError, match="obj"):
        build_scene("rac", T=4)
    with pytest.raises(TypeError, match="cut"):
        build_scene(rac, T=4, cut=42)
    with pytest.raises(TypeError, match="colour"):
        build_scene(rac, T=4, colour="red")
    with pytest.raises(ValueError, match="labels"):
        build_scene(rac, T=4, labels="big")
    with pytest.raises(ValueError, match="T = 5"):
        build_scene(net, T=5)
    with pytest.raises(ValueError, match="cut"):
        build_scene(rac, T=3, cut="start-end")  # odd T
    with pytest.raises(ValueError, match="differs"):
        build_scene(rac, T=4, cut="start-end", partition=interleaved(4))
    sym = symmetric_bound(rac, start_end(4))
    with pytest.raises(ValueError, match="view='grid'"):
        build_scene(net, cut=sym)
    with pytest.raises(ValueError, match="view='network'"):
        build_scene(net, view="grid", cut=network_cut_bound(net, start_end(4)))
    with pytest.raises(ValueError, match="T = 6"):
        build_scene(rac, T=6, view="grid", cut=sym)
    with pytest.raises(ValueError, match="view='grid'"):
        build_scene(RAC.random(2, 2, depth=4, seed=0), T=16)  # too many tensors to draw
    with pytest.raises(TypeError, match="standalone"):
        to_tikz(rac, T=4, standalone="yes")


def test_from_rac_tn_import_draw_works_before_and_after_importing_the_package():
    # a fresh interpreter: first the lazy export, then after rac_tn.drawing.mpl bound the package
    code = (
        "from rac_tn import RAC, draw\n"
        "assert callable(draw)\n"
        "draw(RAC.random(2, 2, seed=0), T=3)\n"
        "import rac_tn.drawing.mpl\n"
        "from rac_tn import draw as again\n"
        "assert again(RAC.random(2, 2, seed=0), T=3).get_figwidth() > 0\n"
        "import rac_tn, types\n"
        "assert isinstance(rac_tn.draw, types.FunctionType)\n"
        "assert rac_tn.drawing.mpl.save is not None\n"
        "assert rac_tn.to_tikz(RAC.random(2, 2, seed=0), T=3).startswith('\\\\documentclass')\n"
    )
    root = pathlib.Path(DRAW_PACKAGE.__file__).parents[2]
    env = {"PYTHONPATH": str(root), "MPLBACKEND": "Agg", "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]


# What rac_tn.draw may import from the modules that compute: data types only (isinstance
# checks, signatures). Modules that only compute may not be imported at all.
DATA_TYPES = {
    "rac_tn.bounds": {"CutBound", "CutElement"},
    "rac_tn.bounds.cut_bound": {"CutBound", "CutElement"},
    "rac_tn.bounds.theorems": {"TheoremBound", "TheoremBounds"},
    "rac_tn.network": {"RacNetwork", "TensorPlace", "IndexInfo"},
    "rac_tn.network.compiled": {"RacNetwork", "TensorPlace", "IndexInfo"},
}
FORBIDDEN = {"rac_tn.bounds.flow", "rac_tn.diagram", "rac_tn.analysis", "rac_tn.network.contract"}


def _core_imports(path: pathlib.Path) -> list[tuple[str, set[str]]]:
    """(module, imported names) of every import of a rac_tn module outside rac_tn.drawing."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(a.name, {"*"}) for a in node.names if a.name.startswith("rac_tn.")]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("rac_tn"):
            found.append((node.module, {a.name for a in node.names}))
    return [(m, names) for m, names in found if not m.startswith("rac_tn.drawing")]


def test_the_draw_package_never_computes_a_cut_or_compiles():
    """rac_tn.draw imports no bound, no compile_rac, no max-flow: only data types."""
    package = pathlib.Path(DRAW_PACKAGE.__file__).parent
    for path in sorted(package.glob("*.py")):
        for module, names in _core_imports(path):
            assert module not in FORBIDDEN, (path.name, module)
            if module in DATA_TYPES:
                assert names <= DATA_TYPES[module], (path.name, module, names)
