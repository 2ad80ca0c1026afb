"""The ``rac-tn`` command and the demo."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest

from rac_tn.cli import main
from rac_tn.demo import DEMO_FILES, run_demo, summary


def _strip_time(rows):
    return [{k: v for k, v in row.items() if k != "seconds"} for row in rows]


def test_version_and_help(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert "rac-tn" in capsys.readouterr().out
    assert main([]) == 0
    assert "demo" in capsys.readouterr().out


def test_python_dash_m_runs_the_command():
    done = subprocess.run(
        [sys.executable, "-m", "rac_tn", "--help"], capture_output=True, text=True, check=True
    )
    for command in ("demo", "draw", "table"):
        assert command in done.stdout


@pytest.mark.slow
def test_table_jobs_2_equals_serial(capsys):
    args = ["table", "--depth", "1", "2", "3", "--length", "4:8:2", "--format", "json"]
    assert main(args) == 0
    serial = json.loads(capsys.readouterr().out)
    assert main([*args, "--jobs", "2"]) == 0
    parallel = json.loads(capsys.readouterr().out)
    assert len(serial) == 9
    assert _strip_time(serial) == _strip_time(parallel)


def test_table_csv_and_markdown(tmp_path, capsys):
    out = tmp_path / "t.csv"
    args = ["table", "--depth", "2", "--length", "4,6", "--format", "csv", "-o", str(out)]
    assert main(args) == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [int(r["T"]) for r in rows] == [4, 6]
    assert rows[1]["separation_rank"] == "8"  # R((R, T/2)) = 2 * 4 for M = R = 2, L = 2
    capsys.readouterr()
    assert main(["table", "--depth", "1", "--length", "4", "--partition", "1,3"]) == 0
    table = capsys.readouterr().out
    assert table.startswith("| M | R | L | T |") and "| 1,3 |" in table


@pytest.mark.parametrize(
    "args,message",
    [
        (["table", "--length", "4:x"], "--length must be start:stop"),
        (["table", "--depth", "0"], "--depth values must be positive"),
        (["table", "--length", "5", "--partition", "start-end"], "needs even lengths"),
        (["table", "--length", "4", "--partition", "1,9"], "1..4"),
        (["table", "--jobs", "0"], "--jobs"),
    ],
)
def test_table_bad_arguments(args, message, capsys):
    assert main(args) == 2
    assert message in capsys.readouterr().err


@pytest.mark.slow
def test_demo_writes_every_file(tmp_path):
    result = run_demo(tmp_path / "demo", max_length=6, progress=False)
    names = sorted(p.name for p in result.files)
    assert names == sorted(DEMO_FILES)
    for path in result.files:
        assert path.stat().st_size > 0
    report = (tmp_path / "demo" / "report.md").read_text()
    assert "exact rank" in report and "paper, Theorem 1.2" in report
    depth2 = [r for r in result.rows if r.L == 2]
    assert [r["separation_rank"] for r in depth2] == [2, 6, 8]  # R((R, T/2)), M = R = 2
    assert "L = 2: 8 (exact)" in summary(result)


@pytest.mark.slow
def test_demo_command(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path / "d"), "--max-length", "4", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "wrote 10 files" in out and "L = 2: 6 (exact)" in out
