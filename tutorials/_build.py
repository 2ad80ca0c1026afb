"""Write the tutorial notebooks from the cell sources below (outputs are produced by the tests).

python tutorials/_build.py
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

NOTEBOOKS = {
    "01_networks_and_contraction.ipynb": [
        (
            "md",
            """# 01 — Building RAC tensor networks and contracting them

A Recurrent Arithmetic Circuit (RAC) merges its hidden state and its input by Multiplicative
Integration, `h^{l,t} = (W^{H,l} h^{l,t-1}) ⊙ (W^{I,l} h^{l-1,t})`. `compile_rac` turns one into a
real quimb `TensorNetwork`: an MPS for depth 1, the *copy tree* for depth ≥ 2 (a network cannot
copy a vector, so every use of a hidden state gets its own copy of the sub-network).""",
        ),
        (
            "code",
            """from math import comb

import numpy as np
import quimb.tensor as qtn

from rac_tn import RAC, compile_rac, grid_tensor

shallow = RAC.random(input_dim=2, hidden_dim=3, depth=1, seed=0)
deep = RAC.random(input_dim=2, hidden_dim=3, depth=2, seed=0)
mps, tree = compile_rac(shallow, T=6), compile_rac(deep, T=4)
print(mps.kind, mps.tn.num_tensors, mps.input_inds)
print(tree.kind, tree.tn.num_tensors, isinstance(tree.tn, qtn.TensorNetwork))""",
        ),
        (
            "md",
            """Tags and index names are data: select every $W^{I,1}$ copy of input 1. Input $t$
appears $n_t = \\binom{T-t+L-1}{L-1}$ times in the tree, all on the one hyperedge `d{t}`.""",
        ),
        (
            "code",
            """for t in range(1, 5):
    copies = len(tree.tn.select_tensors(["WI", "L1", f"T{t}"]))
    print(f"input {t}: {copies} copies, n_t = {comb(4 - t + 1, 1)}")
assert all(len(tree.tn.select_tensors(["WI", "L1", f"T{t}"])) == comb(4 - t + 1, 1)
           for t in range(1, 5))""",
        ),
        ("md", "Contracting the network equals the recurrence (`rac.forward`):"),
        (
            "code",
            """X = np.eye(2)[np.random.default_rng(1).integers(0, 2, size=(3, 4))]  # 3 one-hot sequences
print(tree.evaluate(X).ravel(), deep.forward(X).ravel())
np.testing.assert_allclose(tree.evaluate(X), deep.forward(X), rtol=1e-10)""",
        ),
        (
            "md",
            """## Paths and costs
The compiler emits a structured path (a left-to-right sweep for the MPS, bottom-up for the tree)
that needs no search; cotengra optimisers are available on request. Costs come from a cotengra
`ContractionTree`.""",
        ),
        (
            "code",
            """print(tree.contraction_cost())              # the structured path
print(tree.contraction_cost(optimize="auto"))  # a cotengra search""",
        ),
        (
            "md",
            """## Grid tensors
`A[d_1..d_T] = y(F[d_1], ..., F[d_T])` for template rows `F` (default: the identity). Three
methods agree; `'auto'` picks the fastest.""",
        ),
        (
            "code",
            """A = grid_tensor(deep, 4)
for method in ("network", "prefix", "brute"):
    np.testing.assert_allclose(grid_tensor(deep, 4, method=method), A, rtol=1e-10)
print(A.shape)
F = np.random.default_rng(2).random((3, 2))     # N = 3 templates in R^2
print(tree.grid_tensor(templates=F).shape)""",
        ),
        ("md", "The shallow network is a quimb `MatrixProductState`, so quimb's MPS tools apply:"),
        (
            "code",
            """psi = mps.to_mps()
print(type(psi).__name__, psi.max_bond())
np.testing.assert_allclose(psi.to_dense().ravel(), grid_tensor(shallow, 6).ravel(), rtol=1e-10)""",
        ),
    ],
    "02_separation_rank.ipynb": [
        (
            "md",
            """# 02 — Separation rank: bounds, exact ranks, and what each number means

For a partition (P, Q) of the time steps, the separation rank is the least K with
`y = Σ_{ν≤K} g_ν(x_P) g'_ν(x_Q)`. The paper proves that the Start-End separation rank of a
shallow RAC is at most R, while depth 2 reaches ((min(M,R), T/2)) for generic weights.""",
        ),
        (
            "code",
            """from rac_tn import (
    RAC,
    analyze,
    compile_rac,
    interleaved,
    network_cut_bound,
    separation_rank,
    spectrum,
    start_end,
    symmetric_bound,
    theorem_bounds,
)

rac = RAC.random(input_dim=3, hidden_dim=3, depth=2, seed=0, integer=True)
P = start_end(8)
print(P)""",
        ),
        ("md", """**Theorem values** (closed forms, each labelled with its source):"""),
        (
            "code",
            """for name, entry in theorem_bounds(3, 3, 2, 8).items():
    print(f"{name:18} {entry.value:>6}  {entry.claim:12} {entry.origin}")""",
        ),
        (
            "md",
            """**Upper bounds by minimum cuts.** The network cut works on the compiled network and
bounds the rank of the matricized grid tensor; the symmetric cut works on the L × T computation
grid (it never builds the copy tree) and bounds the separation rank of the function.""",
        ),
        (
            "code",
            """net_bound = network_cut_bound(compile_rac(rac, 8), P)
sym_bound = symmetric_bound(rac, P)
print(net_bound)
print(sym_bound)
for element in sym_bound.cut:
    print("  ", element.name, "dim", element.dim, "degree", element.degree, "->", element.factor)""",
        ),
        (
            "md",
            """**Exact ranks.** Random integer weights and arithmetic modulo a random prime, drawn
from (2^20, 2^21) (later attempts from (2^61, 2^62)): a rank mod p never exceeds the rank over
the rationals, and equals it except with the stated (Schwartz–Zippel) probability. When it
meets a proven upper bound, it is certain.""",
        ),
        (
            "code",
            """rank = separation_rank(rac, P, seed=0)
print(rank)
assert rank.rank <= sym_bound.value
assert rank.rank >= theorem_bounds(3, 3, 2, 8)["depth2_lower"].value
print("R * ((R, T/2)) =", 3 * 15)""",
        ),
        (
            "md",
            """A floating-point SVD "rank" is **not** a rank: the grid tensor's entries span many orders
of magnitude. `spectrum` gives the singular values, labelled numerical, for plots only.""",
        ),
        (
            "code",
            """s = spectrum(RAC.random(3, 3, depth=2, seed=0), P)
print(s)""",
        ),
        ("md", "**Everything side by side**, for any partition:"),
        (
            "code",
            """report = analyze(rac, interleaved(6))
report""",
        ),
        ("code", """print(report.to_markdown())"""),
    ],
    "03_diagrams.ipynb": [
        (
            "md",
            """# 03 — Diagrams for papers

`draw` returns a matplotlib Figure (save it as PDF, SVG or PNG; a notebook shows it inline);
`to_tikz` returns a standalone LaTeX document that compiles with pdflatex. Layouts are computed
from the structure (never a force layout): the MPS is a chain, the copy tree runs time left to
right and layers upward. Figures fit a page's text width (16 cm, or `width=`); a network that
cannot be drawn legibly within it is refused with a message.""",
        ),
        (
            "code",
            """import pathlib
import tempfile

from rac_tn import RAC, draw, start_end, symmetric_bound, to_tikz
from rac_tn.drawing.mpl import save

out = pathlib.Path(tempfile.mkdtemp())
shallow = RAC.random(2, 2, depth=1, seed=0, integer=True)
fig = draw(shallow, T=6, cut="start-end", dims=True)
save(fig, out / "mps.pdf")
save(fig, out / "mps.png", dpi=200)
fig""",
        ),
        (
            "md",
            """A deep RAC's network is the *copy tree*: each copy of input `x_t` is its own leg with
its label (the paper's convention), COPY tensors are dots. With `M > R` the minimum network
cut goes through the network (here through three COPY tensors): it is drawn as a closed
curve around the Start side, and the legend says which rank it bounds.""",
        ),
        (
            "code",
            """deep = RAC.random(4, 2, depth=2, seed=0, integer=True)
draw(deep, T=4, cut="start-end")""",
        ),
        (
            "md",
            """`hyperedges=True` joins the copies of each input in one dot (the grid-tensor reading),
legible for small T only. Too large a network is refused, pointing to the grid view:""",
        ),
        (
            "code",
            """draw(deep, T=4, hyperedges=True, partition="start-end")""",
        ),
        (
            "code",
            """try:
    draw(RAC.random(2, 2, depth=3, seed=0), T=6)
except ValueError as err:
    print(err)""",
        ),
        (
            "md",
            """The grid view with the symmetric cut: the nodes that feed the other side are ringed and
labelled with their degree; path degrees (`n_t` beside each input) on request.""",
        ),
        (
            "code",
            """deeper = RAC.random(2, 2, depth=3, seed=0, integer=True)
bound = symmetric_bound(deeper, start_end(8))
draw(deeper, T=8, view="grid", cut=bound, degrees=True)""",
        ),
        (
            "md",
            """TikZ export (a whole document, or a bare `tikzpicture` with `standalone=False` for
`\\input` into a paper that loads `\\usetikzlibrary{backgrounds,calc}`): one `\\tikzset` of
styles (`rac/tensor`, `rac/copy`, `rac/cut`, `rac/start side`, ...), named nodes and edges
between them, in the document's own font. Only the nodes are placed at numbers: labels, the
cut's outline and the shading are placed from the nodes they go with, so moving a node in the
`.tex` moves them too.""",
        ),
        (
            "code",
            """tex = to_tikz(deep, T=4, cut="start-end")
(out / "tree.tex").write_text(tex)
print("\\n".join(line for line in tex.splitlines() if "rac/tensor/" in line or "(WH-2-4)" in line))
print(to_tikz(deep, T=4, standalone=False).splitlines()[0])""",
        ),
    ],
}


def _cells(stem: str) -> list[tuple[str, str]]:
    """The cells of a notebook kept in its own file (``_build.py`` stays readable)."""
    spec = importlib.util.spec_from_file_location(stem, HERE / f"{stem}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.CELLS


NOTEBOOKS["04_second_order_family.ipynb"] = _cells("_family_cells")


def notebook(name: str) -> nbformat.NotebookNode:
    """The notebook ``name`` from its cell sources (no outputs; cell ids from the name)."""
    nb = new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    stem = name.split("_")[0]
    nb.cells = [
        new_markdown_cell(src, id=f"{stem}-{i}")
        if kind == "md"
        else new_code_cell(src, id=f"{stem}-{i}")
        for i, (kind, src) in enumerate(NOTEBOOKS[name])
    ]
    return nb


def cell_sources(nb: nbformat.NotebookNode) -> list[tuple[str, str]]:
    """``(cell type, source)`` of every cell: what a notebook says, ids and outputs aside."""
    return [(cell.cell_type, cell.source) for cell in nb.cells]


def build(out: Path = HERE) -> list[str]:
    """Write every notebook whose cells changed into ``out``; return the names written.

    A notebook whose cell sources are unchanged is left alone (its cell ids stay put).
    """
    written = []
    for name in NOTEBOOKS:
        nb, path = notebook(name), out / name
        if path.exists() and cell_sources(nbformat.read(path, as_version=4)) == cell_sources(nb):
            continue
        nbformat.write(nb, path)
        written.append(name)
    return written


if __name__ == "__main__":
    print("wrote", build() or "nothing (every notebook is up to date)")
