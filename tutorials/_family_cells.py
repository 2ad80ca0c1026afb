"""Cell sources of ``04_second_order_family.ipynb`` (written by ``_build.py``)."""

from __future__ import annotations

CELLS = [
    (
        "md",
        """# 04 — The second-order family: 2RNN, CP-2RNN, MIRNN, linear RNN

The RAC is one member of a family of bilinear recurrent cells (Lizaire et al., ICML 2024;
Lizaire et al. 2026 on depth). Hidden size `n`, input size `d`, CP rank `K`; with identity
activations each of them computes a polynomial of its inputs, and the whole pipeline applies:

| family | one layer |
|---|---|
| 2RNN (dense core) | `h_t = A ×1 h_{t-1} ×2 x_t` (+ `V h_{t-1} + U x_t + b`), `A`: n × d × n |
| CP-2RNN | `h_t = C[(Aᵀh_{t-1}) ⊙ (Bᵀx_t)]` (+ first-order terms), `A`: n×K, `B`: d×K, `C`: n×K |
| MIRNN | `h_t = α⊙(W x_t)⊙(U h_{t-1}) + β1⊙(U h_{t-1}) + β2⊙(W x_t) + b` |
| linear RNN | `h_t = V h_{t-1} + U x_t + b` |
| RAC | the MIRNN with β1 = β2 = b = 0, or the CP-2RNN with `C = I`, `K = n` |

Every family has the same constructor shape, any depth, and optional first-order terms and
biases (`bias=True`); `integer=True` draws integer weights (for exact ranks), the default draws
floats as the seed code initialises them.""",
    ),
    (
        "code",
        """import numpy as np

from rac_tn import (
    CP2RNN,
    MIRNN,
    RAC,
    LinearRNN,
    SecondOrderRNN,
    analyze,
    compile_rac,
    hankel_rank,
    network_cut_bound,
    separation_rank,
    start_end,
    symmetric_bound,
)

d, n, K = 3, 3, 2
floats = {
    "2RNN": SecondOrderRNN.random(d, n, seed=0),
    "CP-2RNN": CP2RNN.random(d, n, K, seed=0),
    "MIRNN": MIRNN.random(d, n, seed=0),
    "linear RNN": LinearRNN.random(d, n, seed=0),
    "RAC": RAC.random(d, n, seed=0),
}
integers = {
    "2RNN": SecondOrderRNN.random(d, n, seed=0, integer=True),
    "CP-2RNN": CP2RNN.random(d, n, K, seed=0, integer=True),
    "MIRNN": MIRNN.random(d, n, seed=0, integer=True),
    "linear RNN": LinearRNN.random(d, n, seed=0, integer=True),
    "RAC": RAC.random(d, n, seed=0, integer=True),
}
for name, model in floats.items():
    print(f"{name:11}", model)
print(integers["CP-2RNN"].A[0])""",
    ),
    (
        "md",
        """Models are frozen: their weights are read-only arrays, so nothing computed from a model can
go stale. `random` draws a generic nonzero initial state per layer (a homogeneous model started
at zero, as the seed code starts, is identically zero).""",
    ),
    (
        "code",
        """cp = floats["CP-2RNN"]
try:
    cp.A[0][0, 0] = 1.0
except ValueError as err:
    print("read-only:", err)
print(cp.initial_states[0])""",
    ),
    (
        "md",
        """## Forward against a loop written from the formulas

`forward` takes `(T, d)` or `(batch, T, d)`. Here each family's cell is written out as the seed
code computes it (`h @ A`, `x @ B`, ... with the gate replaced by the identity) and run step by
step: the two agree.""",
    ),
    (
        "code",
        """so, cp, mi, lin = (floats[k] for k in ("2RNN", "CP-2RNN", "MIRNN", "linear RNN"))
cells = {
    "2RNN": (so, lambda h, x: np.einsum("i,j,ijk->k", h, x, so.w[0])),
    "CP-2RNN": (cp, lambda h, x: cp.C[0] @ ((h @ cp.A[0]) * (x @ cp.B[0]))),
    "MIRNN": (mi, lambda h, x: mi.alpha[0] * (x @ mi.w[0]) * (h @ mi.u[0])),
    "linear RNN": (lin, lambda h, x: h @ lin.u[0] + x @ lin.w[0]),
}


def run(model, cell, X):
    h = model.initial_states[0]
    for x in X:
        h = cell(h, x)
    return model.decoder_weight @ h


X = np.random.default_rng(1).normal(size=(5, 6, d))  # 5 sequences, T = 6
for name, (model, cell) in cells.items():
    loop = np.array([run(model, cell, seq) for seq in X])
    np.testing.assert_allclose(model.forward(X), loop, rtol=1e-12)
    print(f"{name:11} forward = loop:", model.forward(X[0]))""",
    ),
    (
        "md",
        """Integer models are evaluated exactly too: `forward_mod` works modulo a prime, here
against the same loop on Python integers. A RAC is the CP-2RNN with `C = I` and `K = n`
(`A = (W^H)ᵀ`, `B = (W^I)ᵀ`):""",
    ),
    (
        "code",
        """p = 2**61 - 1
cp_int = integers["CP-2RNN"]
A, B, C = (np.asarray(a, dtype=object) for a in (cp_int.A[0], cp_int.B[0], cp_int.C[0]))
X_int = np.random.default_rng(2).integers(-5, 6, size=(6, d))
h = np.asarray(cp_int.initial_states[0], dtype=object)
for x in X_int.astype(object):
    h = C @ ((h @ A) * (x @ B))
exact = (np.asarray(cp_int.decoder_weight, dtype=object) @ h)[0]
print(f"y = {exact} ({len(str(abs(exact)))} digits)")
assert int(cp_int.forward_mod(X_int, p)[0]) == exact % p

rac = integers["RAC"]
as_cp = CP2RNN(
    A=rac.hidden_weights[0].T,
    B=rac.input_weights[0].T,
    C=np.eye(n, dtype=np.int64),
    decoder_weight=rac.output_weights,
    initial_states=rac.initial_states,
)
assert (as_cp.forward_mod(X_int, p) == rac.forward_mod(X_int, p)).all()""",
    ),
    (
        "md",
        """The seed code reads its decoder after every step (sequence to sequence):
`every_step=True` returns `(T, C)` per sequence.""",
    ),
    (
        "code",
        """steps = cp.forward(X[0], every_step=True)
print(steps.shape)
np.testing.assert_allclose(steps[-1], cp.forward(X[0]), rtol=1e-12)
np.testing.assert_allclose(steps[2], cp.forward(X[0, :3]), rtol=1e-12)""",
    ),
    (
        "md",
        """## Compiling to a quimb tensor network

`compile_rac` takes any family: an MPS for one layer, the copy tree for several. A CP core
becomes a COPY (δ) tensor of dimension K with its three factor matrices `A`, `B`, `C` (tags
name them); a dense core is one order-3 tensor `CORE`; first-order terms and biases become
augmented vectors of dimension n + 1, exactly.""",
    ),
    (
        "code",
        """net = compile_rac(cp, T=6)
print(net.kind, net.tn.num_tensors, net.input_inds)
np.testing.assert_allclose(net.evaluate(X), cp.forward(X), rtol=1e-10)
for tensor in compile_rac(cp, T=2).tn:  # every tensor of a two-step CP network
    print(f"{' '.join(sorted(tensor.tags)):16} {tensor.shape}")

deep = CP2RNN.random(d, n, K, depth=2, bias=True, seed=0)
tree = compile_rac(deep, T=4)
print(tree.kind, tree.tn.num_tensors)
np.testing.assert_allclose(tree.evaluate(X[:, :4]), deep.forward(X[:, :4]), rtol=1e-10)
core = compile_rac(so, T=4).tn.select_tensors(["CORE3", "T1"])[0]
print("dense core:", sorted(core.tags), core.shape)""",
    ),
    (
        "md",
        """## Trained weights from a state dict

The loaders read the seed code's parameter names (torch tensors, or numpy arrays as here;
torch is not needed). The CP-2RNN cell computes
`einsum('br,br,hr->bh', h @ A, x @ B, C) + h @ V + x @ U + d`, the 2RNN cell
`einsum('bi,bj,ijk->bk', [h; 1], [x; 1], w)` with `w` of shape (n+1) × (d+1) × n, the MIRNN
cell `alpha * (x @ w) * (h @ u) + beta1 * (h @ u) + beta2 * (x @ w) + b`; the decoder is
`decoder.1`. The initial state is zero, as in the seed code.

A trained model's gate (tanh, ...) is not polynomial: **the analysis is of the
identity-activation circuit**, the same weights with every activation replaced by the
identity. Float weights are exact dyadic rationals, so the exact ranks below are those of that
circuit, not of a rounded copy.""",
    ),
    (
        "code",
        """rng = np.random.default_rng(3)
h_dim, x_dim, rank = 3, 2, 2
decoder = {"decoder.1.weight": rng.normal(size=(1, h_dim)), "decoder.1.bias": rng.normal(size=1)}
cp_sd = {
    "A": rng.normal(size=(h_dim, rank)),
    "B": rng.normal(size=(x_dim, rank)),
    "C": rng.normal(size=(h_dim, rank)),
    "U": rng.normal(size=(x_dim, h_dim)),
    "V": rng.normal(size=(h_dim, h_dim)),
    "d": rng.normal(size=h_dim),
    **decoder,
}
so_sd = {"w": rng.normal(size=(h_dim + 1, x_dim + 1, h_dim)), **decoder}
mi_sd = {
    "alpha": rng.normal(size=h_dim),
    "w": rng.normal(size=(x_dim, h_dim)),
    "u": rng.normal(size=(h_dim, h_dim)),
    "beta1": rng.normal(size=h_dim),
    "beta2": rng.normal(size=h_dim),
    "b": rng.normal(size=h_dim),
    **decoder,
}
trained = {
    "CP-2RNN": CP2RNN.from_state_dict(cp_sd),
    "2RNN": SecondOrderRNN.from_state_dict(so_sd),
    "MIRNN": MIRNN.from_state_dict(mi_sd),
}
for name, model in trained.items():
    print(f"{name:8}", model)
print(trained["CP-2RNN"].circuit)""",
    ),
    (
        "md",
        """The same recurrences written from the seed code's formulas, identity gate, zero initial
state:""",
    ),
    (
        "code",
        """one = np.ones(1)
seed_cells = {
    "CP-2RNN": lambda h, x, s=cp_sd: (
        np.einsum("r,r,hr->h", h @ s["A"], x @ s["B"], s["C"]) + h @ s["V"] + x @ s["U"] + s["d"]
    ),
    "2RNN": lambda h, x, s=so_sd: np.einsum(
        "i,j,ijk->k", np.concatenate([h, one]), np.concatenate([x, one]), s["w"]
    ),
    "MIRNN": lambda h, x, s=mi_sd: (
        s["alpha"] * (x @ s["w"]) * (h @ s["u"])
        + s["beta1"] * (h @ s["u"])
        + s["beta2"] * (x @ s["w"])
        + s["b"]
    ),
}
X_tr = rng.normal(size=(4, 5, x_dim))
for name, cell in seed_cells.items():
    expected = []
    for seq in X_tr:
        h = np.zeros(h_dim)
        for x in seq:
            h = cell(h, x)
        expected.append(decoder["decoder.1.weight"] @ h + decoder["decoder.1.bias"])
    np.testing.assert_allclose(trained[name].forward(X_tr), expected, rtol=1e-12)
    print(f"{name:8} loaded = seed formula")
assert all(np.array_equal(v, cp_sd[k]) for k, v in trained["CP-2RNN"].to_state_dict().items()
           if k in cp_sd)""",
    ),
    (
        "md",
        """## Upper bounds by minimum cuts

`symmetric_bound` works on the L × T computation grid and prices a cell at the family's node
dimension: n for a dense core, min(n, K) for a CP core, n + 1 with affine terms (the augmented
state). `network_cut_bound` works on the compiled network (any quimb network, in fact): its
minimum cut finds the CP core's COPY tensor of dimension K by itself. It bounds the rank of the
grid tensor (one-hot inputs); the symmetric cut bounds the separation rank of the function.
For the linear RNN both cuts price its augmented state (n + 1); the bound that holds there, 2,
comes from its degree (last section), and `separation_rank` and `analyze` apply it.""",
    ),
    (
        "code",
        """P = start_end(6)
for name, model in integers.items():
    sym = symmetric_bound(model, P)
    cut = network_cut_bound(compile_rac(model, T=6), P)
    node = getattr(model, "node_dim", n)
    print(f"{name:11} node dim {node}  symmetric {sym.value}  network cut {cut.value}",
          [(element.category, element.dim) for element in cut.cut])
cp_cut = network_cut_bound(compile_rac(integers["CP-2RNN"], T=6), P)
assert cp_cut.value == min(n, K) and cp_cut.cut[0].category == "delta"
print(cp_cut)""",
    ),
    (
        "md",
        """## Exact separation ranks

`separation_rank` evaluates the model exactly modulo random large primes on random inputs;
with random integer weights the result is the generic rank of the architecture when it meets the
symmetric bound (`certified`). The values the design lists: a shallow homogeneous 2RNN with
n = 3 has Start-End rank 3 (4 with affine terms); a CP-2RNN with (n, K) = (3, 2) has 2; a
depth-2 homogeneous CP-2RNN at T = 6 has `m ((m, T/2)) = 8` for m = min(n, K) = 2.""",
    ),
    (
        "code",
        """checks = {
    "2RNN n=3": (SecondOrderRNN.random(3, 3, seed=0, integer=True), 3),
    "2RNN n=3 affine": (SecondOrderRNN.random(3, 3, bias=True, seed=0, integer=True), 4),
    "CP-2RNN (3, 2)": (CP2RNN.random(3, 3, 2, seed=0, integer=True), 2),
    "CP-2RNN L=2 (2, 3)": (CP2RNN.random(3, 2, 3, depth=2, seed=0, integer=True), 8),
    "CP-2RNN L=2 (3, 2)": (CP2RNN.random(3, 3, 2, depth=2, seed=0, integer=True), 8),
}
for name, (model, expected) in checks.items():
    result = separation_rank(model, P, seed=0)
    print(f"{name:19} {result.rank:2} {result.claim:12} certified={result.certified}")
    assert result.rank == expected and result.certified""",
    ),
    (
        "md",
        """The loaded float model gets the exact rank of its own (identity-activation) circuit:""",
    ),
    (
        "code",
        """result = separation_rank(trained["CP-2RNN"], P, seed=0)
print(result)
assert result.certified""",
    ),
    (
        "md",
        """## Everything side by side

`analyze` gathers the bounds, the exact ranks and their claims in one report (a frozen object
with `to_markdown()` and `to_dict()`):""",
    ),
    (
        "code",
        """report = analyze(CP2RNN.random(3, 3, 2, depth=2, seed=0, integer=True), P)
print(report.to_markdown())""",
    ),
    (
        "md",
        """## The linear RNN: Start-End rank is the wrong measure

A linear RNN's output has degree 1 in every input at every depth, `y = a(x_P) + b(x_Q) + c`, so
its separation rank is at most 2 for **every** partition, however long its memory. What grows
with its memory is the rank of its past-to-future (Hankel) map across the cut,
`H[(s, c), (t, m)] = ∂y_{s,c} / ∂x_{t,m}` (s after the cut, t before): at most n for one layer,
L·n for L layers (and at most the matrix's sides).""",
    ),
    (
        "code",
        """for depth in (1, 2):
    linear = LinearRNN.random(2, 3, depth=depth, seed=0, integer=True)
    ranks = [separation_rank(linear, start_end(T), seed=0).rank for T in (4, 8)]
    hankel = [hankel_rank(linear, T, seed=0) for T in (4, 8, 12, 16)]
    print(f"L = {depth}: separation ranks {ranks}, Hankel ranks {[h.rank for h in hankel]}",
          f"(bounds {[h.upper_bound for h in hankel]})")
    assert ranks == [2, 2] and all(h.certified for h in hankel)
    assert hankel[-1].rank == depth * 3""",
    ),
    ("md", """`analyze` says so, and adds the Hankel rank to the report:"""),
    (
        "code",
        """linear_report = analyze(LinearRNN.random(2, 3, depth=2, seed=0, integer=True), start_end(8))
print(linear_report.to_markdown())""",
    ),
    (
        "md",
        """## Drawing a family

`draw` takes any family as it takes a RAC. Each CP core is drawn as the second-order papers
draw a CP decomposition: its three factor matrices A (reads the previous state), B (reads the
input or the layer below) and C (writes the new state) around a diamond, the COPY tensor of
dimension K. With `cut="start-end"` the figure shows the minimum network cut, computed, not
drawn by hand; `view="grid"` draws the computation grid with the symmetric cut, its nodes
priced at the family's dimensions (min(n, K) for CP, n + 1 with affine terms).""",
    ),
    (
        "code",
        """import math

from rac_tn import draw, network_cut_bound, to_tikz

cp = CP2RNN.random(3, 3, 2, depth=2, seed=0)
fig = draw(cp, T=4, cut="start-end", dims=True)
drawn = network_cut_bound(compile_rac(cp, 4), start_end(4))
print("the drawn cut:", drawn.value)  # m ((m, T/2)) = 2 * 3 with m = min(n, K) = 2
assert drawn.value == 2 * math.comb(2 + 2 - 1, 2)
fig""",
    ),
    (
        "code",
        """affine = SecondOrderRNN.random(2, 3, depth=2, bias=True, seed=0)
draw(affine, T=6, view="grid", cut="start-end")""",
    ),
    (
        "md",
        """`to_tikz` returns the same figure as a LaTeX document (or, with `standalone=False`, the
bare `tikzpicture` to `\\input` into a paper); `fig.savefig("cp.pdf")` writes a vector PDF.""",
    ),
    (
        "code",
        """tex = to_tikz(cp, T=4, cut="start-end", standalone=False)
print(tex.splitlines()[0], "...", f"({len(tex.splitlines())} lines)")""",
    ),
    (
        "md",
        """In short: every family goes through the same calls as the RAC (`forward`, `compile_rac`,
the two cut bounds, `separation_rank`, `analyze`, `draw`); trained weights load by the seed code's names
and are analysed as their identity-activation circuit, exactly; and for the linear RNN the
Hankel rank, not the separation rank, measures memory. Figure 7 of the gallery
(`figures/make_figures.py`) compares the families' Start-End ranks at equal parameter counts.""",
    ),
]
