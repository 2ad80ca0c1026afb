"""Row 6: peak memory, from the OS, of every method measured in rows 1 and 5.

Not run on its own: rows 1 and 5 run each (case, method) in a fresh process
(:func:`_suite.run_child`), and this row tabulates what those processes reported:

- *peak*: the process's ``VmHWM`` (``/proc/self/status``) at the end: the high-water mark of
  its resident set, every call included. (Not ``getrusage(RUSAGE_SELF).ru_maxrss``: Linux
  carries that across fork and exec, so a child of a large parent would start at the parent's
  peak; ``VmHWM`` belongs to the new process image.)
- *before the call*: the same, read after imports and set-up, just before the first call;
- *growth*: the difference, i.e. how far the calls pushed the high-water mark;
- *search workers*: cotengra's pool processes (quimb auto-hq only), peak RSS (``VmHWM``) of each,
  read before they are stopped. Forked from the measured process, they share its pages, so
  their RSS counts the parent's memory again; they are listed, not added.

Every process imports numpy, quimb, cotengra, numba and FLINT, so the baseline is about the
same everywhere; compare the growth column.
"""

from __future__ import annotations

from _suite import ChildResult, RowResult, Table, Target, run_child

CALIBRATION_MIB = 256


def run(memory_rows: list[tuple[int, str, str, ChildResult]]) -> RowResult:
    """``memory_rows``: (row number, case, method, child result) from rows 1 and 5.

    Adds one calibration process, which fills a fresh 256 MiB array per call: its growth
    column should read 256.
    """
    calibration = run_child("_suite", "allocate", {"mib": CALIBRATION_MIB}, reps=2, warmup=False)
    memory_rows = [
        *memory_rows,
        (6, "calibration", f"fill a {CALIBRATION_MIB} MiB array", calibration),
    ]
    body = []
    for row, case, method, child in memory_rows:
        helpers = child.helpers_mib
        workers = f"{len(helpers)} x <= {max(helpers):.0f} MiB" if helpers else "—"
        body.append(
            [
                str(row),
                case,
                method,
                f"{child.peak_mib:.0f}",
                f"{child.baseline_mib:.0f}",
                f"{child.call_mib:.0f}",
                workers,
            ]
        )
    targets = [Target("peak memory of each method, rows 1 and 5", "table below", "report", None)]
    notes = [
        "Growth: how far the calls raised the peak above that of imports and set-up. "
        "Temporaries count; memory freed and reused across repetitions counts once.",
        f"Calibration (last line): a process that only fills a {CALIBRATION_MIB} MiB numpy array "
        f"per call shows a growth of {calibration.call_mib:.0f} MiB.",
    ]
    return RowResult(
        6,
        "peak memory (OS) of the methods in rows 1 and 5",
        "Each method ran in its own fresh process (the timing processes of rows 1 and 5), so "
        "every number is that method's own peak, never a maximum over earlier measurements. "
        "MiB, the process's peak resident set size as the kernel keeps it (`VmHWM` in "
        "`/proc/self/status`), read inside the measured process before the first call and "
        "after the last.",
        [
            Table(
                [
                    "row",
                    "case",
                    "method",
                    "peak RSS (MiB)",
                    "before the call",
                    "growth (peak - before)",
                    "search workers (peak RSS each)",
                ],
                body,
            )
        ],
        targets,
        notes,
        None,
    )
