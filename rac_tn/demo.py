"""``rac-tn demo``: the diagrams, the depth-vs-memory plot and a report, in one directory.

Examples
--------
>>> result = run_demo("rac_tn_demo", progress=False)       # doctest: +SKIP
>>> sorted(p.name for p in result.files)                    # doctest: +SKIP
['deep_tree_start_end.pdf', 'deep_tree_start_end.png', ...]
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from matplotlib.figure import Figure
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from rac_tn._checks import positive_int
from rac_tn._format import short_int
from rac_tn.analysis import Report, analyze
from rac_tn.diagram import draw
from rac_tn.draw.mpl import save
from rac_tn.draw.plots import plot_depth_vs_memory
from rac_tn.model import RAC
from rac_tn.partition import start_end
from rac_tn.sweeps import SweepRow, rows_to_csv, rows_to_markdown, sweep, sweep_configs

DEMO_FILES = (
    "shallow_mps_start_end.pdf",
    "shallow_mps_start_end.png",
    "deep_tree_start_end.pdf",
    "deep_tree_start_end.png",
    "grid_symmetric_cut.pdf",
    "grid_symmetric_cut.png",
    "depth_vs_memory.pdf",
    "depth_vs_memory.png",
    "sweep.csv",
    "report.md",
)


@dataclass(frozen=True)
class DemoResult:
    """What :func:`run_demo` wrote and the numbers it summarised.

    Attributes
    ----------
    out_dir
        The output directory.
    files
        Every file written, in order.
    rows
        The sweep's rows (depths 1-3, Start-End).
    seconds
        Wall time.
    """

    out_dir: Path
    files: tuple[Path, ...] = ()
    rows: tuple[SweepRow, ...] = ()
    seconds: float = 0.0


def run_demo(
    out_dir: str | Path = "rac_tn_demo",
    *,
    inputs: int = 2,
    hidden: int = 2,
    max_length: int = 12,
    seed: int = 0,
    progress: bool = True,
) -> DemoResult:
    """Write the demo files into ``out_dir`` (created if missing) and return what was written.

    Parameters
    ----------
    out_dir
        The output directory.
    inputs, hidden
        The input size M and hidden size R of every RAC.
    max_length
        The sweep covers depths 1-3 and even ``T`` up to ``max_length`` (Start-End), with
        exact sampled ranks and every bound.
    seed
        Seeds the weights and the sampled ranks.
    progress
        Show a progress bar (rich).

    Returns
    -------
    DemoResult
        The files (see ``DEMO_FILES``) and the sweep's rows.
    """
    for name, value in (("inputs", inputs), ("hidden", hidden), ("max_length", max_length)):
        positive_int(value, name)
    if max_length < 2:
        raise ValueError(
            f"max_length must be at least 2 (Start-End needs even T), got {max_length}"
        )
    began = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    configs = sweep_configs(
        depths=[1, 2, 3],
        lengths=range(2, max_length + 1, 2),
        hidden=hidden,
        inputs=inputs,
        seed=seed,
    )

    def figure(fig: Figure, stem: str) -> None:
        for suffix in (".pdf", ".png"):
            files.append(save(fig, out / f"{stem}{suffix}", dpi=200))

    with _Progress(progress, total=4 + len(configs)) as bar:
        shallow = RAC.random(inputs, hidden, depth=1, seed=seed, integer=True)
        deep = RAC.random(inputs, hidden, depth=2, seed=seed, integer=True)
        deeper = RAC.random(inputs, hidden, depth=3, seed=seed, integer=True)
        bar.step("shallow RAC as an MPS")
        figure(draw(shallow, T=6, cut="start-end", dims=True), "shallow_mps_start_end")
        bar.step("depth-2 copy tree")
        figure(draw(deep, T=4, cut="start-end"), "deep_tree_start_end")
        bar.step("computation grid, L = 3")
        figure(draw(deeper, T=8, view="grid", cut="start-end", degrees=True), "grid_symmetric_cut")

        bar.step("exact ranks")
        rows = sweep(configs, progress=lambda done, total: bar.step(f"sweep {done}/{total}"))
        fig = plot_depth_vs_memory(
            rows, title=f"Start-End separation rank, M = {inputs}, R = {hidden}"
        )
        figure(fig, "depth_vs_memory")
        files.append(_write(out / "sweep.csv", rows_to_csv(rows)))
        report = analyze(deep, start_end(8))
        files.append(_write(out / "report.md", _report_text(report, rows)))
    return DemoResult(out, tuple(files), tuple(rows), time.perf_counter() - began)


def summary(result: DemoResult) -> str:
    """Summarise a demo for the terminal: the depth gap at the largest T, and the files."""
    lines = [
        f"rac-tn demo: wrote {len(result.files)} files to {result.out_dir}/ "
        f"in {result.seconds:.1f} s"
    ]
    if result.rows:
        T = max(row.T for row in result.rows)
        lines.append(f"Start-End separation rank at T = {T} (exact, mod 2^61-1):")
        for row in (row for row in result.rows if row.T == T):
            rank = short_int(row.separation_rank)
            how = "exact" if row.rank_exact else "certified lower bound"
            bound = short_int(row.symmetric_bound)
            lines.append(f"  L = {row.L}: {rank} ({how}); symmetric bound {bound}")
    lines.extend(f"  {path}" for path in result.files)
    return "\n".join(lines)


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def _report_text(report: Report, rows: Sequence[SweepRow]) -> str:
    text = [
        "# rac-tn demo report",
        "",
        "## One depth-2 RAC, Start-End partition of T = 8",
        "",
        "Every number is labelled with what it is: an upper or lower bound, a theorem's value, "
        "or an exact rank (computed modulo the prime 2^61 - 1; equal to the rank over the "
        "rationals except with the stated probability).",
        "",
        report.to_markdown(),
        "",
        "## Sweep: Start-End separation rank against depth and length",
        "",
        rows_to_markdown(rows),
        "",
        "Figures: `shallow_mps_start_end`, `deep_tree_start_end`, `grid_symmetric_cut`, "
        "`depth_vs_memory` (.pdf and .png).",
        "",
    ]
    return "\n".join(text)


class _Progress:
    """A rich progress bar (or nothing) with a one-call ``step(description)``."""

    def __init__(self, enabled: bool, total: int) -> None:
        self.total = total
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        if enabled:
            self._progress = Progress(
                TextColumn("{task.description:<28}"),
                BarColumn(),
                TimeElapsedColumn(),
                transient=True,
            )

    def __enter__(self) -> _Progress:
        if self._progress is not None:
            self._progress.__enter__()
            self._task = self._progress.add_task("starting", total=self.total)
        return self

    def step(self, description: str) -> None:
        """Advance by one and show ``description``."""
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, advance=1, description=description)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.__exit__(kind, exc, traceback)
