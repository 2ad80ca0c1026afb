"""The depth-3 gap and the depth-length duality, every rank certified (data for docs/depth3_gap.md).

    python figures/depth3_gap.py gap        # figures/depth3_gap.json: M = R in {2, 3, 4}, L = 3, 4
    python figures/depth3_gap.py duality    # figures/duality.json: sep(L, k) against sep(k, L)
    python figures/depth3_gap.py figure     # figures/fig_depth3_gap.{pdf,png} from the json
    python figures/depth3_gap.py page       # the tables of docs/depth3_gap.md, from the json

Each configuration runs in its own process with a limit on its computation time (``--limit``,
60 s by default, kernels compiled beforehand). The ladder in T (k for the duality) stops at the
first configuration over the limit or not certified: that one is recorded as such (with its
numbers when it finished), so every rank in the tables and the figure is certified. Weights:
``RAC.random(M, R, depth=L, seed=0, integer=True)`` (wide integers: small weights such as
[-99, 99] gave non-generic ranks). Ranks: :func:`rac_tn.separation_rank` (certified when they
meet the symmetric cut or the End span of these weights,
:func:`rac_tn.exact.end_span.end_span_bound`).
"""

from __future__ import annotations

import argparse
import json
import select
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: The sizes of the duality sweep: M = R, and M != R.
SIZES = ((2, 2), (3, 3), (4, 4), (2, 3), (3, 2))
#: No dates in the files: the same data gives the same bytes.
_METADATA = {"pdf": {"CreationDate": None, "ModDate": None}, "png": {"Software": None}}


def one(M: int, R: int, L: int, T: int) -> dict:
    """Every number of one configuration (run in a child process)."""
    from rac_tn import RAC, separation_rank, start_end, symmetric_bound
    from rac_tn.bounds.dead_points import dead_point_bound

    rac = RAC.random(M, R, depth=L, seed=0, integer=True)
    part = start_end(T)
    begin = time.perf_counter()
    sym = symmetric_bound(rac, part).value
    rank = separation_rank(rac, part, seed=0, upper_bound=sym)
    span = rank.end_span
    return {
        "M": M,
        "R": R,
        "L": L,
        "T": T,
        "symmetric": sym,
        "rank": rank.rank,
        "certified": rank.certified,
        "exact": rank.exact,
        "status": rank.status,
        "end_span": None if span is None else span.value,
        "monomials": None if span is None else span.monomials,
        "relations": None if span is None else span.relations,
        "certificate": rank.certificate,
        "dead_point_bound": dead_point_bound(R, L, T, T // 2),
        "seconds": round(time.perf_counter() - begin, 2),
    }


def ladder(M: int, R: int, L: int, lengths: list[int], limit: float) -> list[dict]:
    """:func:`one` at each T of ``lengths`` in one child process, until one passes the limit.

    The child compiles the kernels once and prints one line per configuration; one that has
    not answered ``limit`` seconds after the previous line (plus 120 s for the first, while
    the child imports and compiles) is recorded as over the limit, the child stopped, and the
    larger T not tried.
    """
    cmd = [sys.executable, __file__, "ladder", str(M), str(R), str(L), *map(str, lengths)]
    rows: list[dict] = []
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True) as child:
        assert child.stdout is not None
        for i, T in enumerate(lengths):
            wait = limit + (120 if i == 0 else 0)
            ready, _, _ = select.select([child.stdout], [], [], wait)
            line = child.stdout.readline() if ready else ""
            if not line:
                child.kill()
                rows.append({"M": M, "R": R, "L": L, "T": T, "timeout": limit})
                break
            row = json.loads(line)
            if row["seconds"] > limit:
                row = {"M": M, "R": R, "L": L, "T": T, "timeout": limit, "seconds": row["seconds"]}
            if "timeout" not in row and not row["certified"]:
                row["stop"] = "not certified"
            print(json.dumps(row), flush=True)
            rows.append(row)
            if not done(row):
                child.kill()
                break
    return rows


def done(row: dict) -> bool:
    """A configuration that finished within the limit with a certified rank."""
    return "timeout" not in row and "stop" not in row


def gap(limit: float) -> list[dict]:
    """M = R in {2, 3, 4}, L = 3, 4: T = 2, 4, 6, ... until a configuration passes the limit."""
    rows = []
    for M in (2, 3, 4):
        for L in (3, 4):
            rows += ladder(M, M, L, list(range(2, 200, 2)), limit)
    return rows


def duality(limit: float) -> list[dict]:
    """sep(L, k) = Start-End separation rank at depth L and T = 2k, for L, k <= 6.

    For each sizes and L, k grows until a configuration passes the limit (larger k would too).
    """
    rows = []
    for M, R in SIZES:
        for L in range(1, 7):
            rows += ladder(M, R, L, [2 * k for k in range(1, 7)], limit)
    return rows


def figure(path: Path) -> None:
    """Top: symmetric cut and rank against T; bottom: their difference. One column per M = R.

    Filled markers: certified ranks; hollow: exact with probability >= 1 - 1e-9 only.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    rows = [r for r in json.loads(path.read_text()) if done(r)]
    fig, axes = plt.subplots(2, 3, figsize=(10, 5.2), constrained_layout=True, sharex="col",
                             gridspec_kw={"height_ratios": [2, 1]})  # fmt: skip
    for col, M in enumerate((2, 3, 4)):
        top, bottom = axes[0, col], axes[1, col]
        for L, color in ((3, "tab:blue"), (4, "tab:red")):
            pts = sorted((r["T"], r["symmetric"], r["rank"]) for r in rows
                         if r["M"] == M and r["L"] == L)  # fmt: skip
            if not pts:
                continue
            T = [p[0] for p in pts]
            top.plot(T, [p[1] for p in pts], "--", color=color, label=f"L = {L}: symmetric cut")
            top.plot(T, [p[2] for p in pts], "-", color=color, label=f"L = {L}: rank")
            bottom.plot(T, [p[1] - p[2] for p in pts], "-", color=color)
            for t, sym, rank in pts:
                top.plot([t], [rank], "o", color=color)
                bottom.plot([t], [sym - rank], "o", color=color)
        top.set_yscale("log")
        top.set_title(f"M = R = {M}")
        bottom.set_xlabel("T (Start-End)")
        bottom.xaxis.set_major_locator(MaxNLocator(integer=True))
        bottom.yaxis.set_major_locator(MaxNLocator(integer=True))
        gaps = [r["symmetric"] - r["rank"] for r in rows if r["M"] == M]
        bottom.set_ylim(-0.5, max([4.5, *(1.1 * g for g in gaps)]))
    axes[0, 0].set_ylabel("separation rank")
    axes[1, 0].set_ylabel("symmetric cut - rank")
    axes[0, 0].legend(fontsize=7, title_fontsize=7,
                      title="every rank certified")  # fmt: skip
    for ext in ("pdf", "png"):
        fig.savefig(HERE / f"fig_depth3_gap.{ext}", dpi=150, metadata=_METADATA[ext])


def gap_table(rows: list[dict]) -> str:
    """The gap as a markdown table: one line per configuration that finished in time."""
    lines = [
        "| M = R | L | T | symmetric cut | certified rank | difference | End span: monomials "
        "- relations | dead-point bound (every weight) | certificate |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if not done(r):
            continue
        span = "" if r["end_span"] is None else f"{r['monomials']} - {r['relations']}"
        how = (
            "symmetric cut" if r["rank"] == r["symmetric"]
            else "End span" if r["rank"] == r["end_span"]
            else r["certificate"] or "none"
        )  # fmt: skip
        lines.append(
            f"| {r['M']} | {r['L']} | {r['T']} | {r['symmetric']} | {r['rank']} | "
            f"{r['symmetric'] - r['rank']} | {span} | {r['dead_point_bound']} | {how} |"
        )
    return "\n".join(lines)


def limits_table(rows: list[dict]) -> str:
    """Where each ladder stopped: over the time limit, or a rank that is not certified."""
    lines = ["| M | R | L | T | why the ladder stopped |", "|---|---|---|---|---|"]
    for r in rows:
        if "timeout" in r:
            why = f"over the {r['timeout']:g} s limit"
        elif "stop" in r:
            why = (f"not certified: rank {r['rank']} ({r['status']}), "
                   f"symmetric cut {r['symmetric']}, {r['seconds']:g} s")  # fmt: skip
        else:
            continue
        lines.append(f"| {r['M']} | {r['R']} | {r['L']} | {r['T']} | {why} |")
    return "\n".join(lines)


def duality_table(rows: list[dict], M: int, R: int) -> str:
    """sep(L, k) at sizes (M, R) as an L x k table; ``*`` marks sep(L, k) != sep(k, L)."""
    finished = {(r["L"], r["T"] // 2): r for r in rows
                if r["M"] == M and r["R"] == R and done(r)}  # fmt: skip
    lines = ["| L \\ k | " + " | ".join(str(k) for k in range(1, 7)) + " |"]
    lines.append("|---" * 7 + "|")
    for L in range(1, 7):
        cells = []
        for k in range(1, 7):
            r = finished.get((L, k))
            if r is None:
                cells.append("")
                continue
            mark = ""
            other = finished.get((k, L))
            if other is not None and other["rank"] != r["rank"]:
                mark += " *"
            cells.append(f"{r['rank']}{mark}")
        lines.append(f"| {L} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def duality_pairs(rows: list[dict], M: int, R: int) -> tuple[int, int, list[tuple[int, int]]]:
    """``(pairs tested, pairs equal, unequal pairs)``: both (L, k) and (k, L) done, L < k."""
    ranks = {(r["L"], r["T"] // 2): r["rank"] for r in rows
             if r["M"] == M and r["R"] == R and done(r)}  # fmt: skip
    tested = [(L, k) for (L, k) in ranks if L < k and (k, L) in ranks]
    unequal = sorted((L, k) for L, k in tested if ranks[(L, k)] != ranks[(k, L)])
    return len(tested), len(tested) - len(unequal), unequal


def page() -> str:
    """Every table of docs/depth3_gap.md, from the committed json."""
    gap_rows = json.loads((HERE / "depth3_gap.json").read_text())
    out = ["<!-- gap -->", gap_table(gap_rows), "", "<!-- gap limits -->", limits_table(gap_rows)]
    path = HERE / "duality.json"
    if path.exists():
        rows = json.loads(path.read_text())
        for M, R in SIZES:
            tested, equal, unequal = duality_pairs(rows, M, R)
            shown = ", ".join(f"({L}, {k})" for L, k in unequal) or "none"
            out += ["", f"<!-- duality {M} {R} -->",
                    f"**M = {M}, R = {R}**: {tested} pairs (L, k), L < k, with both ranks; "
                    f"sep(L, k) = sep(k, L) in {equal}; unequal: {shown}.",
                    "", duality_table(rows, M, R)]  # fmt: skip
        out += ["", "<!-- duality limits -->", limits_table(rows)]
    return "\n".join(out)


def warm_up() -> None:
    """Compile the kernels (their first call does) before anything is timed."""
    from rac_tn import RAC, separation_rank, start_end

    separation_rank(RAC.random(2, 2, depth=3, seed=1, integer=True), start_end(6), seed=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["gap", "duality", "figure", "page", "ladder"])
    parser.add_argument("sizes", nargs="*", type=int)
    parser.add_argument("--limit", type=float, default=60.0)
    args = parser.parse_args()
    if args.what == "ladder":
        M, R, L, *lengths = args.sizes
        warm_up()
        for T in lengths:
            print(json.dumps(one(M, R, L, T)), flush=True)
    elif args.what == "gap":
        (HERE / "depth3_gap.json").write_text(json.dumps(gap(args.limit), indent=1) + "\n")
    elif args.what == "duality":
        (HERE / "duality.json").write_text(json.dumps(duality(args.limit), indent=1) + "\n")
    elif args.what == "page":
        print(page())
    else:
        figure(HERE / "depth3_gap.json")


if __name__ == "__main__":
    main()
