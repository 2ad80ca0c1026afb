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
6. bound tightness: exact rank / symmetric bound and grid rank / network cut.

The sweeps use random integer weights with fixed seeds, so the numbers (``sweeps.json``) are
reproducible exactly; the images are deterministic for a given matplotlib version.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from matplotlib.figure import Figure

from rac_tn import RAC, draw
from rac_tn.draw.mpl import save
from rac_tn.draw.plots import plot_bound_tightness, plot_depth_vs_memory
from rac_tn.sweeps import SweepConfig, SweepRow, process_pool, sweep, sweep_configs

HERE = Path(__file__).resolve().parent
MAX_SAMPLES = 2048  # a rank that reaches it is plotted hollow (a certified lower bound)


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


def main(argv: list[str] | None = None) -> int:
    """Write every figure and ``sweeps.json`` into ``--out``; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="output folder (this one)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes for the sweeps")
    parser.add_argument("--progress", action="store_true", help="show the sweeps' progress")
    args = parser.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    written: list[Path] = []

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

    rows = {
        name: [{k: v for k, v in r.to_dict().items() if k != "seconds"} for r in rs]
        for name, rs in data.items()
    }
    data_path = out / "sweeps.json"
    data_path.write_text(json.dumps(rows, indent=1) + "\n")
    written.append(data_path)
    print(f"wrote {len(written)} files to {out} in {time.perf_counter() - began:.1f} s")
    for path in written:
        print(f"  {path.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
