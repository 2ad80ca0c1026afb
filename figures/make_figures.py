"""Regenerate every figure in this folder (PDF and PNG) and the sweep data behind them.

    python figures/make_figures.py            # all figures, about a minute on 2 cores
    python figures/make_figures.py --out DIR  # somewhere else (e.g. to compare)

Figures:
1. shallow RAC as an MPS with the Start-End cut (grid-tensor rank <= R);
2. depth-2 copy tree for T = 4 (M = 4 > R = 2, every copy of an input its own leg), whose
   Start-End network cut goes through three COPY tensors inside the network (rank <= 8);
3. the L x T computation grid for L = 3 with its symmetric cut and path degrees;
4. depth vs memory: Start-End separation rank against T for L = 1, 2, 3 at M = R = 2 and 3
   (one panel each);
5. the same for the interleaved partition;
6. bound tightness: exact rank / symmetric bound and grid rank / network cut;
7. the model families (RAC, dense 2RNN, CP-2RNN, MIRNN, linear RNN; depth 1 and 2) at equal
   parameter counts: Start-End separation rank against T, with each family's upper bound;
8. trained models (``--training run``: needs PyTorch, minutes on 2 cores; ``--training replot``
   redraws it from ``training.json``): linear copy (lookahead 8, dim 5, T = 16) by linear RNNs
   of width 25 at depth 1 and 2, and Start-End Similarity by CP-2RNNs of depth 1 and 2 at
   equal parameter counts; loss, the Hankel spectrum and its numerical rank during training.
9. beyond RNNs: the RAC and the CP-2RNN against causal linear attention, the gated SSM and the
   TT-RNN (depth 1 and 2) at equal parameter counts, the same axes (``docs/beyond_rnns.md``).

The sweeps use random integer weights with fixed seeds, so the numbers (``sweeps.json``,
``families.json``, ``beyond_rnns.json``) are reproducible exactly; the images are deterministic
for a given matplotlib version.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, FormatStrFormatter, NullLocator
from matplotlib.transforms import ScaledTranslation

from rac_tn import (
    CP2RNN,
    MIRNN,
    RAC,
    TTRNN,
    GatedSSM,
    LinearAttention,
    LinearRNN,
    SecondOrderRNN,
    draw,
    hankel_rank,
    separation_rank,
    start_end,
    symmetric_bound,
)
from rac_tn.analysis.sweeps import SweepConfig, SweepRow, process_pool, sweep, sweep_configs
from rac_tn.drawing._plot_style import (
    DEPTH_COLOURS,
    DEPTH_DASHES,
    DEPTH_MARKERS,
    PAGE_WIDTH_IN,
    lower_bound_marker,
    lower_bound_size,
)
from rac_tn.drawing._plot_style import plot_rc as _rc
from rac_tn.drawing.mpl import InlineFigure, save
from rac_tn.drawing.plots import plot_bound_tightness, plot_depth_vs_memory

HERE = Path(__file__).resolve().parent
MAX_SAMPLES = 2048  # a rank that reaches it is a certified lower bound, drawn with an arrow up


def sweep_specs() -> dict[str, list[SweepConfig]]:
    """Return the configurations behind figures 4-6."""
    specs: dict[str, list[SweepConfig]] = {}
    # interleaved ranks outgrow the sample cap quickly: shorter sweeps there
    longest = {"start-end": (16, 10), "interleaved": (10, 8)}
    for name, partition in (("start_end", "start-end"), ("interleaved", "interleaved")):
        two, three = longest[partition]
        configs = sweep_configs(
            depths=[1, 2, 3], lengths=range(2, two + 1, 2), hidden=2, inputs=2, partition=partition
        )
        configs += sweep_configs(
            depths=[1, 2, 3],
            lengths=range(2, three + 1, 2),
            hidden=3,
            inputs=3,
            partition=partition,
        )
        specs[name] = configs
    return specs


def _save_both(fig: Figure, out: Path, stem: str) -> list[Path]:
    return [save(fig, out / f"{stem}{suffix}", dpi=300) for suffix in (".pdf", ".png")]


def run_sweeps(
    specs: dict[str, list[SweepConfig]], jobs: int, *, progress: bool = False
) -> dict[str, list[SweepRow]]:
    """Run every sweep of ``specs``, on ``jobs`` worker processes (serially for one job)."""
    if jobs <= 1:
        return {
            name: sweep(configs, max_samples=MAX_SAMPLES, progress=progress)
            for name, configs in specs.items()
        }
    with process_pool(jobs) as pool:
        return {
            name: sweep(configs, executor=pool, max_samples=MAX_SAMPLES, progress=progress)
            for name, configs in specs.items()
        }


# -- figure 7: the model families at equal parameter counts -----------------------------------

FAMILY_INPUT_DIM = 4  # d >= every n chosen at depth 2, so every bilinear rank meets its bound
FAMILY_BUDGET = 68  # parameters per model (the counts are as close to it as the sizes allow)
FAMILY_LENGTHS = tuple(range(2, 17, 2))
FAMILY_DEPTHS = (1, 2)
FAMILY_NAMES = {
    "rac": "RAC",
    "2rnn": "2RNN (dense)",
    "cp2rnn": "CP-2RNN",
    "mirnn": "MIRNN",
    "linear": "linear RNN",
}
FAMILY_STYLE = {  # Okabe-Ito colours; the marker tells the family in greyscale too
    "rac": ("#0072B2", "o"),
    "2rnn": ("#D55E00", "s"),
    "cp2rnn": ("#009E73", "^"),
    "mirnn": ("#CC79A7", "D"),
    "linear": ("#E69F00", "v"),
}
_INITIAL_KEYS = {"h0", "initial_states"}


def family_model(family: str, hidden: int, depth: int, *, input_dim: int = FAMILY_INPUT_DIM):
    """One homogeneous model of ``family`` with random integer weights (seed 0).

    The CP-2RNN has rank K = n (a RAC is the CP-2RNN with C = I and K = n).
    """
    kwargs = {"depth": depth, "seed": 0, "integer": True}
    if family == "rac":
        return RAC.random(input_dim, hidden, **kwargs)
    if family == "cp2rnn":
        return CP2RNN.random(input_dim, hidden, hidden, **kwargs)
    builder = {"2rnn": SecondOrderRNN, "mirnn": MIRNN, "linear": LinearRNN}[family]
    return builder.random(input_dim, hidden, **kwargs)


def parameter_count(model) -> int:
    """Entries of the trained weights: the state dict without the initial states.

    The seed code starts every layer at zero and does not train it; the models here start at
    a generic nonzero state (a homogeneous model started at zero is identically zero), which
    is not counted.
    """
    state = model.to_state_dict()
    return sum(v.size for k, v in state.items() if not set(k.split(".")) & _INITIAL_KEYS)


def equal_budget_models(
    budget: int = FAMILY_BUDGET,
    *,
    input_dim: int = FAMILY_INPUT_DIM,
    depths: tuple[int, ...] = FAMILY_DEPTHS,
) -> dict[tuple[str, int], object]:
    """Per (family, depth), the model whose parameter count is closest to ``budget``.

    Ties go to the smaller hidden size.
    """
    return closest_to_budget(
        FAMILY_NAMES, depths, range(1, 13), budget, parameter_count,
        lambda family, n, depth: family_model(family, n, depth, input_dim=input_dim),
    )  # fmt: skip


def closest_to_budget(
    names: Iterable[str],
    depths: Iterable[int],
    widths: Iterable[int],
    budget: int,
    count: Callable[[Any], int],
    build: Callable[[str, int, int], Any],
) -> dict[tuple[str, int], Any]:
    """Per (name, depth), the model of the ``widths`` whose ``count`` is closest to ``budget``.

    Ties go to the smaller hidden size.
    """
    models = {}
    for depth in depths:
        for name in names:
            candidates = [build(name, n, depth) for n in widths]
            models[name, depth] = min(
                candidates, key=lambda m: (abs(count(m) - budget), m.hidden_dim)
            )
    return models


def family_rows(
    models: dict[tuple[str, int], object], lengths: tuple[int, ...] = FAMILY_LENGTHS
) -> list[dict]:
    """The Start-End ranks and bounds behind figure 7, one row per (family, depth, T).

    ``upper_bound`` is the bound the rank was certified against: the family's symmetric cut,
    and 2 for the linear RNN (degree 1 in every input). ``hankel_rank`` (linear RNN only) is
    the rank of its past-to-future map at ``tau = T/2``.
    """
    rows = []
    for (family, depth), model in models.items():
        for T in lengths:
            partition = start_end(T)
            rank = separation_rank(model, partition, seed=0, max_samples=MAX_SAMPLES)
            row = {
                "family": family,
                "depth": depth,
                "input_dim": model.input_dim,
                "hidden_dim": model.hidden_dim,
                "rank_K": getattr(model, "rank", None),
                "parameters": parameter_count(model),
                "T": T,
                "separation_rank": rank.rank,
                "certified": rank.certified,
                "exact": rank.exact,
                "failure_probability": rank.failure_probability,
                "upper_bound": rank.upper_bound,
                "symmetric_bound": symmetric_bound(model, partition).value,
                "hankel_rank": None,
                "hankel_certified": None,
            }
            if family == "linear":
                hankel = hankel_rank(model, T, seed=0)
                row["hankel_rank"], row["hankel_certified"] = hankel.rank, hankel.certified
            rows.append(row)
    return rows


def _size_label(row: dict, names: dict[str, str] | None = None) -> str:
    n = row["hidden_dim"]
    size = f"$n = K = {n}$" if row["family"] == "cp2rnn" else f"$n = {n}$"
    if row["family"] == "attention":
        size = f"$a = {n}$"
    return f"{(names or FAMILY_NAMES)[row['family']]}, {size}, {row['parameters']} params"


_DASHED = (0, (4, 2))
# the bound lines, one dash pattern per family (by its place in the figure's list), so two
# families' bounds differ in greyscale too; dotted is the Hankel rank's
_BOUND_DASHES = (
    (0, (4.0, 2.0)),
    (0, (6.0, 1.5, 1.5, 1.5)),
    (0, (2.2, 1.2)),
    (0, (6.0, 1.5, 1.5, 1.5, 1.5, 1.5)),
    (0, (9.0, 2.0)),
)
# how a rank is drawn, by what it claims: filled, hollow, filled with an arrow up
_CLAIMS = {
    "rank": ({}, "certified exact rank"),
    "uncertified": ({"markerfacecolor": "white"}, "exact w.h.p., not certified"),
    "lower": ({"markersize": lower_bound_size(3.8)}, "certified lower bound only (sample cap)"),
}


def _claim_marker(claim: str, marker: str):
    """The marker of a rank that makes ``claim``: the lower bound's carries an arrow up."""
    return lower_bound_marker(marker) if claim == "lower" else marker


def _claim(row: dict) -> str:
    if row["certified"]:
        return "rank"
    return "uncertified" if row["exact"] else "lower"


def _dodged(ax: Axes, index: int, count: int, step: float = 2.6):
    """Draw series ``index`` of ``count`` ``step`` points apart along T (the data stay exact)."""
    shift = (index - (count - 1) / 2) * step
    return ax.transData + ScaledTranslation(shift / 72, 0, ax.figure.dpi_scale_trans)


def _plot_family(
    ax: Axes, series: list[dict], offset, styles: dict | None = None, names: dict | None = None
) -> tuple[list[Line2D], set[str]]:
    """One family's bound (dashed), ranks (markers) and Hankel ranks; its legend handles."""
    family = series[0]["family"]
    colour, marker = (styles or FAMILY_STYLE)[family]
    dashes = _BOUND_DASHES[list(names or FAMILY_NAMES).index(family) % len(_BOUND_DASHES)]
    Ts = [r["T"] for r in series]
    line = {"color": colour, "linewidth": 0.8}
    ax.plot(Ts, [r["upper_bound"] for r in series], linestyle=dashes, gid=f"bound:{family}", **line)
    claims = {_claim(r) for r in series}
    for claim in claims:
        points = [(r["T"], r["separation_rank"]) for r in series if _claim(r) == claim]
        ax.plot(*zip(*points, strict=True), marker=_claim_marker(claim, marker), color=colour,
                linestyle="none",
                transform=offset, gid=f"{claim}:{family}", **_CLAIMS[claim][0])  # fmt: skip
    label = _size_label(series[0], names)
    handles = [Line2D([], [], marker=marker, linestyle=dashes, label=label, **line)]
    hankel = [(r["T"], r["hankel_rank"]) for r in series if r["hankel_rank"] is not None]
    if hankel:
        ax.plot(*zip(*hankel, strict=True), marker="x", linestyle=":", transform=offset,
                gid=f"hankel:{family}", **line)  # fmt: skip
        handles.append(
            Line2D([], [], marker="x", linestyle=":", label="linear RNN: Hankel rank", **line)
        )
    return handles, claims


def _log_rank_axis(ax: Axes, top: int) -> None:
    steps = (1, 2, 3, 4, 5, 6, 8, 10) if top <= 10 else (1, 2, 5, 10, 20, 50, 100, 200, 500)
    ticks = [v for v in (*steps, 1000, 2000, 5000) if v <= 1.6 * top]
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(FixedLocator(ticks))
    ax.yaxis.set_major_formatter(FormatStrFormatter("%d"))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.set_ylim(0.8, 1.6 * top)


def plot_families(
    rows: list[dict],
    names: dict[str, str] | None = None,
    styles: dict | None = None,
    bound_label: str = "upper bound (symmetric cut; 2 for the linear RNN)",
    top: int | None = None,
    dodge: float = 4.0,
) -> Figure:
    """Figure 7: Start-End separation rank against T, one panel per depth, one style a family.

    Markers: exact ranks (filled: certified; hollow: not certified), or certified lower bounds
    (filled, with an arrow up: the sample cap was reached). Dashed lines: the upper bound each
    rank was certified against, one dash pattern a family. Dotted ``x``: the linear RNN's
    Hankel rank. Each panel's y axis spans its own data (log scale). Each panel's legend (below it)
    gives every model's sizes and parameter count. ``names``, ``styles``, ``bound_label``,
    ``top`` (the highest rank an axis shows; bounds above it leave the panel) and ``dodge``
    (points between the families' markers at one T) serve figure 9.
    """
    names = names or FAMILY_NAMES
    depths = sorted({r["depth"] for r in rows})
    Ts = sorted({r["T"] for r in rows})
    claims: set[str] = set()
    with rc_context(_rc()):
        fig = InlineFigure(figsize=(PAGE_WIDTH_IN, 3.3), layout="constrained", rc=_rc())
        # each panel spans its own ranks: a shared axis left the shallow panel mostly empty
        axes = fig.subplots(1, len(depths), squeeze=False)[0]
        for ax, depth in zip(axes, depths, strict=True):
            here = [r for r in rows if r["depth"] == depth]
            families = [f for f in names if any(r["family"] == f for r in here)]
            handles = []
            for i, family in enumerate(families):
                series = sorted((r for r in here if r["family"] == family), key=lambda r: r["T"])
                offset = _dodged(ax, i, len(families), dodge)
                more, used = _plot_family(ax, series, offset, styles, names)
                handles, claims = handles + more, claims | used
            name = "shallow ($L = 1$)" if depth == 1 else f"depth $L = {depth}$"
            ax.set_title(f"{name}, $d = {here[0]['input_dim']}$")
            ax.set_xlabel("sequence length $T$")
            ax.set_xticks(Ts)
            ax.margins(x=0.05 * dodge / 2.6)  # room for the outermost dodged markers
            ax.xaxis.set_major_formatter(FormatStrFormatter("%d"))
            ax.xaxis.set_minor_locator(NullLocator())
            ax.grid(True, which="major", linewidth=0.3, alpha=0.5)
            ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.2),
                      frameon=False, handlelength=2.6)  # fmt: skip
            highest = max(max(r["upper_bound"], r["separation_rank"]) for r in here)
            _log_rank_axis(ax, highest if top is None else min(top, highest))
        axes[0].set_ylabel("Start-End separation rank")
        grey = {"color": "0.3", "linestyle": "none"}
        key = [
            Line2D([], [], marker=_claim_marker(claim, "o"), label=label, **grey, **style)
            for claim, (style, label) in _CLAIMS.items()
            if claim in claims
        ]
        key.append(Line2D([], [], color="0.3", linestyle=_DASHED, linewidth=0.8,
                          label=bound_label))  # fmt: skip
        fig.legend(handles=key, loc="outside lower center", ncol=len(key), frameon=False)
    return fig


# -- figure 8: the papers' tasks, trained ------------------------------------------------------

TRAINING_EPS = 1e-2  # the numerical ranks' threshold (relative to the largest singular value)
SES_TASK = {"length": 20, "alphabet": 3, "compared": 10, "classes": 2}


def training_configs() -> list:
    """The runs of figure 8 (needs PyTorch), longest first.

    Linear copy with the depth paper's data and model (Adam, masked MSE, 1000 sequences) at a
    learning rate of 1e-2 (the paper's 1e-3 does not reach 1e-3 in 1000 epochs); Start-End
    Similarity with the Levine et al. schedule (RMSProp 1e-3, fresh batches), 200 steps an
    epoch, by CP-2RNNs with 555 parameters each.
    """
    from rac_tn.training.loop import TrainConfig

    ses = {"task_options": SES_TASK, "epochs": 40, "schedule": {"steps_per_epoch": 200},
           "checkpoint_every": 4}  # fmt: skip
    copy = {"epochs": 500, "schedule": {"lr": 1e-2}, "checkpoint_every": 10}
    return [
        TrainConfig("start-end-similarity", "cp2rnn", depth=2, hidden=6, rank=12, **ses),
        TrainConfig("linear-copy", "linear", depth=2, hidden=25, **copy),
        TrainConfig("start-end-similarity", "cp2rnn", depth=1, hidden=12, rank=12, **ses),
        TrainConfig("linear-copy", "linear", depth=1, hidden=25, **copy),
    ]


def run_training(configs: list, jobs: int) -> list[dict]:
    """Train every config (``jobs`` spawned processes, one torch thread each); their records."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from rac_tn.training.loop import train

    if jobs <= 1:
        return [train(config).record for config in configs]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        return [result.record for result in pool.map(train, configs)]


def _curve(ax: Axes, record: dict, key, **style) -> None:
    rows = [(r["epoch"], key(r)) for r in record["history"] if key(r) is not None]
    L = record["depth"]
    every = max(1, len(rows) // 8)
    ax.plot(*zip(*rows, strict=True), color=DEPTH_COLOURS[L], linestyle=DEPTH_DASHES[L],
            marker=DEPTH_MARKERS[L], markersize=2.2, markevery=every, **style)  # fmt: skip


def _numerical(row: dict) -> int | None:
    return row["memory"].get("eps_ranks", {}).get(repr(TRAINING_EPS))


def plot_training(records: list[dict]) -> Figure:
    """Figure 8: what training does to memory, and what it cannot change.

    (a) linear copy: validation masked MSE by epoch; (b) the final Hankel spectra (NUMERICAL)
    with the exact Hankel ranks (dotted: the architecture's generic rank); (c) the numerical
    Hankel rank at ``TRAINING_EPS`` by epoch against the exact rank; (d) Start-End Similarity:
    validation accuracy by epoch, with the final numerical separation rank in the legend.
    """
    linear = sorted((r for r in records if r["task"] == "linear-copy"), key=lambda r: r["depth"])
    ses = sorted((r for r in records if r["task"] == "start-end-similarity"),
                 key=lambda r: r["depth"])  # fmt: skip
    with rc_context(_rc()):
        fig = InlineFigure(figsize=(PAGE_WIDTH_IN, 4.4), layout="constrained", rc=_rc())
        (a, b), (c, d) = fig.subplots(2, 2)
        for r in linear:
            L, n, final = r["depth"], r["hidden"], r["final"]
            label = f"$L = {L}$, $n = {n}$ ({r['parameters']} parameters)"
            _curve(a, r, lambda row: row["val_loss"], label=label)
            values = [v / final["memory"]["values"][0] for v in final["memory"]["values"]]
            colour = DEPTH_COLOURS[L]
            b.semilogy(range(1, len(values) + 1), values, color=colour, marker=DEPTH_MARKERS[L],
                       markersize=2.2, linestyle="none",
                       label=f"$L = {L}$: exact Hankel rank {final['hankel_rank']}")  # fmt: skip
            b.axvline(final["hankel_rank"], color=colour, linestyle=":", linewidth=0.8)
            _curve(c, r, _numerical, label=f"$L = {L}$, numerical")
            c.axhline(final["hankel_rank"], color=colour, linestyle=":", linewidth=0.8,
                      label=f"$L = {L}$, exact (generic)")  # fmt: skip
        a.axhline(1e-3, color="0.4", linewidth=0.6, linestyle="--", label="target $10^{-3}$")
        a.set(yscale="log", xlabel="epoch", ylabel="validation masked MSE",
              title="(a) linear copy: $p = 8$, $d = 5$, $T = 16$")  # fmt: skip
        b.axhline(TRAINING_EPS, color="0.4", linewidth=0.6, linestyle="--",
                  label=f"$\\varepsilon = {TRAINING_EPS:g}$")  # fmt: skip
        b.set(xlabel="index $i$", ylabel="$\\sigma_i / \\sigma_1$ (numerical)",
              title="(b) final Hankel spectrum, cut $\\tau = 8$")  # fmt: skip
        eps = f"$\\varepsilon = {TRAINING_EPS:g}$"
        c.set(xlabel="epoch", ylabel=f"Hankel $\\varepsilon$-rank, {eps}",
              title="(c) numerical vs exact Hankel rank")  # fmt: skip
        for r in ses:
            final = r["final"]
            rank = final["memory"]["eps_ranks"][repr(TRAINING_EPS)]
            label = (f"$L = {r['depth']}$, $n = {r['hidden']}$, $K = {r['rank']}$ "
                     f"({r['parameters']} par.): test {final['accuracy']:.0%}, "
                     f"sep. $\\varepsilon$-rank {rank}")  # fmt: skip
            _curve(d, r, lambda row: row["val_accuracy"], label=label)
        if ses:
            C = ses[0]["task_options"]["classes"]
            d.axhline(1 / (C + 1), color="0.4", linewidth=0.6, linestyle="--", label="chance")
            T = ses[0]["task_options"]["length"]
            d.set_title(f"(d) Start-End Similarity, $T = {T}$, CP-2RNN")
        d.set(xlabel="epoch", ylabel="validation accuracy")
        for ax in (a, b, c, d):
            ax.grid(True, linewidth=0.3, alpha=0.5)
            ax.legend(frameon=False, fontsize=5.5)
    return fig


# -- figure 9: beyond RNNs -------------------------------------------------------------------

SEQ_LENGTHS = tuple(range(2, 13, 2))
SEQ_NAMES = {
    "rac": "RAC",
    "cp2rnn": "CP-2RNN",
    "attention": "linear attention",
    "ssm": "gated SSM",
    "ttrnn": "TT-RNN",
}
SEQ_STYLE = {
    "rac": FAMILY_STYLE["rac"],
    "cp2rnn": FAMILY_STYLE["cp2rnn"],
    "attention": ("#D55E00", "s"),
    "ssm": ("#CC79A7", "D"),
    "ttrnn": ("#E69F00", "v"),
}


def seq_model(family: str, hidden: int, depth: int, *, input_dim: int = FAMILY_INPUT_DIM):
    """One model of figure 9 with random integer weights (seed 0), one output.

    ``hidden`` is the key dimension a of linear attention (value dimension d, as Henry et al.),
    the state size n of the others.
    """
    kwargs = {"depth": depth, "seed": 0, "integer": True}
    if family == "attention":
        return LinearAttention.random(input_dim, hidden, num_classes=1, **kwargs)
    if family == "ssm":
        return GatedSSM.random(input_dim, hidden, **kwargs)
    if family == "ttrnn":
        return TTRNN.random(input_dim, hidden, **kwargs)
    return family_model(family, hidden, depth, input_dim=input_dim)


def trained_parameters(model) -> int:
    """The weights a model trains: every parameter array but the initial states."""
    if model.family in FAMILY_NAMES:
        return parameter_count(model)
    initial = getattr(model, "initial_states", None) or ()
    return model.num_parameters - sum(h.size for h in initial)


def seq_budget_models(
    budget: int = FAMILY_BUDGET,
    *,
    input_dim: int = FAMILY_INPUT_DIM,
    depths: tuple[int, ...] = FAMILY_DEPTHS,
) -> dict[tuple[str, int], object]:
    """Per (family, depth) of figure 9, the model whose parameter count is closest to ``budget``."""
    return closest_to_budget(
        SEQ_NAMES, depths, range(1, 10), budget, trained_parameters,
        lambda family, n, depth: seq_model(family, n, depth, input_dim=input_dim),
    )  # fmt: skip


def seq_rows(
    models: dict[tuple[str, int], object], lengths: tuple[int, ...] = SEQ_LENGTHS
) -> list[dict]:
    """The Start-End ranks and symmetric cuts behind figure 9, one row per (family, depth, T)."""
    rows = []
    for (family, depth), model in models.items():
        for T in lengths:
            partition = start_end(T)
            rank = separation_rank(model, partition, seed=0, max_samples=MAX_SAMPLES)
            rows.append({
                "family": family,
                "depth": depth,
                "input_dim": model.input_dim,
                "hidden_dim": model.hidden_dim,
                "parameters": trained_parameters(model),
                "T": T,
                "separation_rank": rank.rank,
                "certified": rank.certified,
                "exact": rank.exact,
                "failure_probability": rank.failure_probability,
                "upper_bound": rank.upper_bound,
                "symmetric_bound": symmetric_bound(model, partition).value,
                "hankel_rank": None,
            })  # fmt: skip
    return rows


def plot_beyond_rnns(rows: list[dict]) -> Figure:
    """Figure 9: figure 7's axes for the RAC, the CP-2RNN and the models beyond RNNs.

    The axis stops at ten times the largest rank: linear attention's symmetric cut (its cells
    read the input three times, so its degrees are ``3^L`` times the RAC's) leaves the panel.
    """
    top = 10 * max(r["separation_rank"] for r in rows)
    bound_label = "upper bound (the family's symmetric cut)"
    # five families whose ranks often differ by one: markers a marker's width apart
    return plot_families(rows, SEQ_NAMES, SEQ_STYLE, bound_label, top=top, dodge=4.8)


def main(argv: list[str] | None = None) -> int:
    """Write every figure and the data behind them (``*.json``) into ``--out``; return 0."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="output folder (this one)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes for the sweeps")
    parser.add_argument("--progress", action="store_true", help="show the sweeps' progress")
    parser.add_argument(
        "--training",
        choices=("run", "replot"),
        default=None,
        help="only figure 8: train its models (needs PyTorch) or redraw it from training.json",
    )
    args = parser.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    written: list[Path] = []
    if args.training is not None:
        data_path = out / "training.json"
        if args.training == "run":
            records = run_training(training_configs(), args.jobs)
            data_path.write_text(json.dumps(records, indent=1) + "\n")
            written.append(data_path)
        records = json.loads(data_path.read_text())
        written += _save_both(plot_training(records), out, "fig8_training_memory")
        print(f"wrote {len(written)} files to {out} in {time.perf_counter() - began:.1f} s")
        return 0

    shallow = RAC.random(2, 2, depth=1, seed=0, integer=True)
    written += _save_both(draw(shallow, T=6, cut="start-end", dims=True), out, "fig1_shallow_mps")
    deep = RAC.random(4, 2, depth=2, seed=0, integer=True)  # M > R: the cut enters the network
    written += _save_both(draw(deep, T=4, cut="start-end"), out, "fig2_deep_tree")
    deeper = RAC.random(2, 2, depth=3, seed=0, integer=True)
    grid = draw(deeper, T=8, view="grid", cut="start-end", degrees=True)
    written += _save_both(grid, out, "fig3_grid_symmetric_cut")

    data = run_sweeps(sweep_specs(), jobs=args.jobs, progress=args.progress)
    fig = plot_depth_vs_memory(data["start_end"], title="Start-End partition")
    written += _save_both(fig, out, "fig4_depth_vs_memory_start_end")
    fig = plot_depth_vs_memory(data["interleaved"], title="Interleaved partition")
    written += _save_both(fig, out, "fig5_depth_vs_memory_interleaved")
    tight = [r for r in data["start_end"] if r.T >= 4]
    fig = plot_bound_tightness(tight, title="Start-End: exact rank over upper bound")
    written += _save_both(fig, out, "fig6_bound_tightness")
    family_data = family_rows(equal_budget_models(), FAMILY_LENGTHS)
    written += _save_both(plot_families(family_data), out, "fig7_families_equal_parameters")
    seq_data = seq_rows(seq_budget_models(), SEQ_LENGTHS)
    written += _save_both(plot_beyond_rnns(seq_data), out, "fig9_beyond_rnns")

    rows = {
        name: [{k: v for k, v in r.to_dict().items() if k != "seconds"} for r in rs]
        for name, rs in data.items()
    }
    data_path = out / "sweeps.json"
    data_path.write_text(json.dumps(rows, indent=1) + "\n")
    written.append(data_path)
    families_path = out / "families.json"
    families_path.write_text(json.dumps(family_data, indent=1) + "\n")
    written.append(families_path)
    seq_path = out / "beyond_rnns.json"
    seq_path.write_text(json.dumps(seq_data, indent=1) + "\n")
    written.append(seq_path)
    print(f"wrote {len(written)} files to {out} in {time.perf_counter() - began:.1f} s")
    for path in written:
        print(f"  {path.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
