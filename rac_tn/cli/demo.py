"""``rac-tn demo``: the diagrams, the depth-vs-memory plot and a report, in one directory.

Examples
--------
>>> result = run_demo("rac_tn_demo", progress=False)       # doctest: +SKIP
>>> sorted(p.name for p in result.files)                    # doctest: +SKIP
['deep_tree_start_end.pdf', 'deep_tree_start_end.png', ...]
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from matplotlib.figure import Figure

from rac_tn import __version__
from rac_tn._checks import check_seed, positive_int
from rac_tn._format import short_int
from rac_tn._progress import ProgressBar
from rac_tn.analysis.reports import Report, analyze
from rac_tn.analysis.sweeps import SweepRow, rows_to_csv, rows_to_markdown, sweep, sweep_configs
from rac_tn.cli.outputs import OutputPathError, check_output_dir
from rac_tn.diagram import draw
from rac_tn.drawing.mpl import save
from rac_tn.drawing.plots import plot_depth_vs_memory
from rac_tn.exact.certify import LARGE_PRIME_RANGE, PRIME_RANGE
from rac_tn.models.rac import RAC
from rac_tn.partition import start_end

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

#: The file, in the output folder, listing what the demo wrote there (names and SHA-256), so
#: that a later run rewrites that folder but never a file the demo did not write.
MANIFEST = ".rac-tn-demo.json"


@dataclass(frozen=True)
class DemoResult:
    """What :func:`run_demo` wrote (``out_dir``, ``files``), the sweep's ``rows``, ``seconds``."""

    out_dir: Path
    files: tuple[Path, ...] = ()
    rows: tuple[SweepRow, ...] = ()
    seconds: float = 0.0


def run_demo(
    out_dir: str | os.PathLike[str] = "rac_tn_demo",
    *,
    inputs: int = 2,
    hidden: int = 2,
    max_length: int = 12,
    seed: int = 0,
    progress: bool = False,
    force: bool = False,
) -> DemoResult:
    """Write the demo files into ``out_dir`` (created if missing) and return what was written.

    Parameters
    ----------
    out_dir
        The output folder: missing, empty, or written by an earlier demo
        (:func:`check_demo_dir`); anything else is refused before any work unless ``force``.
    inputs, hidden
        The input size M and hidden size R of every RAC.
    max_length
        The sweep covers depths 1-3 and even ``T`` up to ``max_length`` (Start-End).
    seed
        Seeds the weights and the sampled ranks.
    progress
        Show a progress bar on stderr.
    force
        Write into ``out_dir`` whatever it holds (the demo's own file names are overwritten).

    Returns
    -------
    DemoResult
    """
    inputs = positive_int(inputs, "inputs")
    hidden = positive_int(hidden, "hidden")
    max_length = positive_int(max_length, "max_length")
    seed = check_seed(seed)
    if max_length < 2:
        raise ValueError(
            f"max_length must be at least 2 (Start-End needs even T), got {max_length}"
        )
    out = check_demo_dir(out_dir, force=force)
    began = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    configs = sweep_configs(
        depths=[1, 2, 3],
        lengths=range(2, max_length + 1, 2),
        hidden=hidden,
        inputs=inputs,
        seed=seed,  # type: ignore[arg-type]  # check_seed's None or Generator: as sweep_configs
    )

    def figure(fig: Figure, stem: str) -> None:
        for suffix in (".pdf", ".png"):
            files.append(save(fig, out / f"{stem}{suffix}", dpi=200))
            _record(out, files)

    with ProgressBar(progress, total=4 + len(configs), description="starting") as bar:
        shallow = RAC.random(inputs, hidden, depth=1, seed=seed, integer=True)
        deep = RAC.random(inputs, hidden, depth=2, seed=seed, integer=True)
        deeper = RAC.random(inputs, hidden, depth=3, seed=seed, integer=True)
        bar.step("shallow RAC as an MPS")
        figure(draw(shallow, T=6, cut="start-end", dims=True), "shallow_mps_start_end")
        bar.step("depth-2 copy tree")
        # with M > R the minimum network cut goes through the network (COPY tensors), not
        # through the input legs: the figure shows what the network cut counts
        wide = RAC.random(max(inputs, 2 * hidden), hidden, depth=2, seed=seed, integer=True)
        figure(draw(wide, T=4, cut="start-end"), "deep_tree_start_end")
        bar.step("computation grid, L = 3")
        figure(draw(deeper, T=8, view="grid", cut="start-end", degrees=True), "grid_symmetric_cut")

        bar.step("exact ranks")
        rows = sweep(configs, progress=lambda done, total: bar.step(f"sweep {done}/{total}"))
        fig = plot_depth_vs_memory(
            rows, title=f"Start-End separation rank, M = {inputs}, R = {hidden}"
        )
        figure(fig, "depth_vs_memory")
        files.append(_write(out / "sweep.csv", rows_to_csv(rows)))
        _record(out, files)
        report = analyze(deep, start_end(8))
        deeper_report = analyze(deeper, start_end(8))  # the End-span row: a depth-3 certificate
        files.append(_write(out / "report.md", _report_text(report, deeper_report, rows)))
        _record(out, files)
    return DemoResult(out, tuple(files), tuple(rows), time.perf_counter() - began)


def check_demo_dir(
    out_dir: str | os.PathLike[str], *, force: bool = False, name: str = "out_dir"
) -> Path:
    """``out_dir`` if the demo may write there: missing, empty, or an earlier demo's files only.

    Otherwise, unless ``force``, an :class:`~rac_tn.cli.outputs.OutputPathError` (a ValueError)
    naming ``name`` and saying why.
    """
    out = check_output_dir(out_dir, name)
    if force or not out.exists():
        return out
    written = _manifest(out)
    foreign = []
    for entry in sorted(out.iterdir(), key=lambda path: path.name):
        if entry.name == MANIFEST:
            continue
        if entry.name not in written or not entry.is_file():
            foreign.append(entry.name)
        elif _sha256(entry) != written[entry.name]:
            foreign.append(f"{entry.name} (changed since the demo wrote it)")
    if foreign:
        shown = ", ".join(foreign[:3]) + (
            f" and {len(foreign) - 3} more" if len(foreign) > 3 else ""
        )
        raise OutputPathError(
            f"{name}: {out} holds files the demo did not write ({shown}); choose a new or "
            "empty folder, or force it (--force; force=True in Python)"
        )
    return out


def _manifest(out: Path) -> dict[str, str]:
    """The files an earlier demo wrote into ``out`` and their SHA-256 ({} if none)."""
    try:
        data = json.loads((out / MANIFEST).read_text())
        files = data["files"]
        return {str(name): str(digest) for name, digest in files.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def _record(out: Path, files: Sequence[Path]) -> None:
    """Rewrite the manifest of ``out``: every file written so far, with its SHA-256."""
    data = {
        "written_by": f"rac-tn demo {__version__}",
        "files": {path.name: _sha256(path) for path in files},
    }
    (out / MANIFEST).write_text(json.dumps(data, indent=1) + "\n")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def summary(result: DemoResult) -> str:
    """Summarise a demo for the terminal: the depth gap at the largest T, and the files."""
    lines = [
        f"rac-tn demo: wrote {len(result.files)} files to {result.out_dir}/ "
        f"in {result.seconds:.1f} s"
    ]
    if result.rows:
        T = max(row.T for row in result.rows)
        lines.append(
            f"Start-End separation rank at T = {T} (exact, modulo random primes; "
            "random integer weights):"
        )
        for row in (row for row in result.rows if row.T == T):
            # the demo's sweep ranks every row (one class, exact=True)
            assert row.separation_rank is not None and row.rank_status is not None
            rank = short_int(row.separation_rank)
            how = _how_sure(row)
            generic = row.generic_rank or ""
            generic = f"proven = {generic}" if not generic.startswith("[") else f"in {generic}"
            lines.append(f"  L = {row.L}: {rank} ({how}); generic rank {generic}")
    lines.extend(f"  {path}" for path in result.files)
    return "\n".join(lines)


def _how_sure(row: SweepRow) -> str:
    """A sweep row's rank status in words: which proof certifies it, or its probability."""
    if row.rank_status == "exact":
        return f"exact with probability >= 1 - {row.failure_probability:.0e}"
    if row.rank_status != "certified":
        return "lower bound only"
    if row.separation_rank == row.symmetric_bound:
        return "certified: meets the symmetric bound"
    if row.separation_rank == row.end_span:
        return "certified: meets the End-span bound of these weights"
    return "certified: computed over Q on unisolvent grids"


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def _range_text(bounds: tuple[int, int]) -> str:
    """``(2^a, 2^b)`` for a range of powers of two."""
    return "(" + ", ".join(f"2^{b.bit_length() - 1}" for b in bounds) + ")"


def _report_text(report: Report, deeper: Report, rows: Sequence[SweepRow]) -> str:
    text = [
        "# rac-tn demo report",
        "",
        "## One depth-2 RAC, Start-End partition of T = 8",
        "",
        "Every number is labelled with what it is: an upper or lower bound, a theorem's value, "
        "or an exact rank (computed modulo random primes, the first from "
        f"{_range_text(PRIME_RANGE)}, later ones from {_range_text(LARGE_PRIME_RANGE)}; equal "
        "to the rank over the rationals except with the stated probability, and certainly "
        "equal when certified).",
        "",
        report.to_markdown(),
        "",
        "## One depth-3 RAC, Start-End partition of T = 8",
        "",
        "At depth 3 the symmetric cut is not tight; the End-span row is a proven upper bound for "
        "these very weights (relations among the End polynomials found modulo primes, lifted to "
        "the rationals and verified exactly): a rank that meets it is certified.",
        "",
        deeper.to_markdown(),
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
