"""The ``rac-tn`` command and the demo."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import pty
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
from _processes import alive, cores, descendants, drain, read_until

import rac_tn.analysis.sweeps
from rac_tn.cli import main
from rac_tn.cli.demo import DEMO_FILES, MANIFEST, check_demo_dir, run_demo, summary
from rac_tn.cli.outputs import OutputPathError

REPO = Path(__file__).resolve().parents[1]


def _strip_time(rows):
    return [{k: v for k, v in row.items() if k != "seconds"} for row in rows]


def test_version_and_help(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert "rac-tn" in capsys.readouterr().out


def test_no_command_prints_help_and_exits_2(capsys):
    assert main([]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "usage: rac-tn" in captured.err


def test_help_lists_commands_and_every_option_with_its_default(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    top = capsys.readouterr().out
    for command, words in [("demo", "report.md"), ("table", "exact rank"), ("draw", "network")]:
        (line,) = [line for line in top.splitlines() if line.strip().startswith(command + " ")]
        assert words in line  # one line each, with a description
    with pytest.raises(SystemExit):
        main(["table", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for option, default in [("--length", "4:12:2"), ("--jobs", "1"), ("--format", "md")]:
        assert re.search(re.escape(option) + r".*?\(default: " + re.escape(default) + r"\)", text)
    assert "--quiet" in text
    with pytest.raises(SystemExit):
        main(["demo", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "(default: rac_tn_demo)" in text and "--force" in text and "--quiet" in text


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
    text = summary(result)
    assert "L = 2: 8 (certified: meets the symmetric bound); generic rank proven = 8" in text


@pytest.mark.slow
def test_demo_command(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path / "d"), "--max-length", "4", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "wrote 10 files" in out and "L = 2: 6 (certified" in out


# -- item 5: output paths are checked before any work ----------------------------------------


@pytest.fixture
def no_sweep(monkeypatch):
    """Any sweep started fails the test: a bad path must be refused first."""

    def refuse(*args, **kwargs):
        raise AssertionError("the sweep ran before the output path was checked")

    monkeypatch.setattr(rac_tn.analysis.sweeps, "sweep", refuse)


@pytest.fixture
def unwritable_folder(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    if _writable(folder):  # root writes anywhere; /sys refuses root too
        folder = Path("/sys")
        if not folder.is_dir() or _writable(folder):
            pytest.skip("no folder this user cannot write to")
    yield folder
    (tmp_path / "locked").chmod(0o700)


def _writable(folder):
    try:
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError:
        return False


def _one_line_error(capsys, *words):
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("\n") == 1, err
    for word in words:
        assert word in err, err
    return err


def test_table_output_into_a_missing_folder_is_refused_before_the_sweep(tmp_path, capsys, no_sweep):
    missing = tmp_path / "typo" / "t.csv"
    assert main(["table", "--depth", "1", "--length", "4", "-o", str(missing)]) == 2
    _one_line_error(capsys, "rac-tn table: error:", "-o", "does not exist", str(missing.parent))


def test_table_output_naming_a_folder_is_refused(tmp_path, capsys, no_sweep):
    assert main(["table", "--depth", "1", "--length", "4", "-o", str(tmp_path)]) == 2
    _one_line_error(capsys, "is a folder")


def test_table_output_into_an_unwritable_folder_is_refused(unwritable_folder, capsys, no_sweep):
    out = unwritable_folder / "t.csv"
    assert main(["table", "--depth", "1", "--length", "4", "-o", str(out)]) == 2
    _one_line_error(capsys, "cannot write in folder")


def test_draw_output_paths_are_checked(tmp_path, capsys):
    assert main(["draw", "-o", str(tmp_path / "nope" / "f.pdf")]) == 2
    _one_line_error(capsys, "rac-tn draw: error: -o", "does not exist")
    assert main(["draw", "-o", "-"]) == 2
    _one_line_error(capsys, "draw writes a file")


def test_demo_out_naming_a_file_is_refused(tmp_path, capsys):
    file = tmp_path / "notes.txt"
    file.write_text("mine")
    assert main(["demo", "--out", str(file)]) == 2
    _one_line_error(capsys, "rac-tn demo: error: --out", "is a file, not a folder")
    assert main(["demo", "--out", str(file / "sub")]) == 2
    _one_line_error(capsys, "is a file, not a folder")
    assert file.read_text() == "mine"


def test_a_path_mistake_in_a_fresh_process_is_one_line_exit_2(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "rac_tn", "table", "-o", str(tmp_path / "no" / "t.md")],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("rac-tn table: error: -o: folder")


def test_dash_o_dash_writes_to_stdout(capsys):
    args = ["table", "--depth", "1", "--length", "2", "--format", "json", "-o", "-"]
    assert main(args) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert (row["L"], row["T"], row["separation_rank"]) == (1, 2, 2)


# -- item 6: the demo never overwrites files it did not write --------------------------------


def test_demo_refuses_a_folder_holding_the_users_files(tmp_path, capsys):
    folder = tmp_path / "paper"
    folder.mkdir()
    (folder / "report.md").write_text("my own report")
    assert main(["demo", "--out", str(folder)]) == 2
    _one_line_error(capsys, "--out", "report.md", "--force")
    assert (folder / "report.md").read_text() == "my own report"
    with pytest.raises(OutputPathError, match="force=True"):
        run_demo(folder)
    assert check_demo_dir(folder, force=True) == folder


def test_demo_folder_check_trusts_only_unchanged_files_of_its_manifest(tmp_path):
    assert check_demo_dir(tmp_path / "new") == tmp_path / "new"  # missing: created later
    folder = tmp_path / "d"
    folder.mkdir()
    assert check_demo_dir(folder) == folder  # empty
    (folder / "report.md").write_text("demo text")
    (folder / MANIFEST).write_text(
        json.dumps({"files": {"report.md": hashlib.sha256(b"demo text").hexdigest()}})
    )
    assert check_demo_dir(folder) == folder  # only the demo's own, unchanged file
    (folder / "report.md").write_text("demo text, edited by hand")
    with pytest.raises(OutputPathError, match="changed since the demo wrote it"):
        check_demo_dir(folder)
    (folder / "report.md").write_text("demo text")
    (folder / "extra.txt").write_text("x")
    with pytest.raises(OutputPathError, match="extra.txt"):
        check_demo_dir(folder)


@pytest.mark.slow
def test_demo_rewrites_its_own_folder_but_not_a_users_file(tmp_path, capsys):
    out = tmp_path / "d"
    args = ["demo", "--out", str(out), "--max-length", "2", "--quiet"]
    assert main(args) == 0
    assert main(args) == 0  # its own files: rewritten
    written = json.loads((out / MANIFEST).read_text())["files"]
    assert sorted(written) == sorted(DEMO_FILES)
    (out / "notes.md").write_text("mine")
    capsys.readouterr()
    assert main(args) == 2
    assert "notes.md" in capsys.readouterr().err
    assert main([*args, "--force"]) == 0
    assert (out / "notes.md").read_text() == "mine"


# -- item 8: lengths, numpy integers ---------------------------------------------------------


def test_skipped_odd_lengths_are_said_on_stderr(capsys):
    assert main(["table", "--depth", "1", "--length", "2:5", "--format", "csv"]) == 0
    captured = capsys.readouterr()
    assert [row["T"] for row in csv.DictReader(io.StringIO(captured.out))] == ["2", "4"]
    assert "skipped odd lengths 3, 5: Start-End needs even T" in captured.err


@pytest.mark.parametrize(
    "length,message",
    [
        ("5:3", "--length 5:3 is an empty range (start 5 > stop 3)"),
        ("0:4", "--length values must be positive integers, got 0"),
        ("4:8:0", "--length must be start:stop[:step]"),
        (",", "--length must be start:stop[:step]"),
    ],
)
def test_length_range_errors_say_what_is_wrong(length, message, capsys):
    assert main(["table", "--length", length]) == 2
    _one_line_error(capsys, message)


def test_run_demo_names_its_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="inputs must be a positive integer, got 0"):
        run_demo(tmp_path / "d", inputs=np.int64(0))
    with pytest.raises(TypeError, match="hidden must be a positive integer"):
        run_demo(tmp_path / "d", hidden="2")
    assert not (tmp_path / "d").exists()


@pytest.mark.slow
def test_run_demo_accepts_numpy_integers(tmp_path):
    result = run_demo(
        tmp_path / "d", inputs=np.int64(2), hidden=np.int32(2), max_length=np.int64(2)
    )
    assert [(row.L, row.T, row.separation_rank) for row in result.rows] == [
        (1, 2, 2),
        (2, 2, 2),
        (3, 2, 2),
    ]  # T = 2 splits into two single steps: rank min(M, R) = 2 at every depth


# -- items 7 and 9: Ctrl-C / SIGTERM and progress, in a real process -------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    "jobs,signum",
    [(2, signal.SIGINT), (2, signal.SIGTERM), (1, signal.SIGINT)],
    ids=["ctrl-c-2-jobs", "sigterm-2-jobs", "ctrl-c-serial"],
)
def test_a_stopped_table_keeps_its_rows_and_leaves_no_process(tmp_path, jobs, signum):
    """Ctrl-C (SIGINT to the whole process group, as a terminal sends it) or SIGTERM (to the
    command only) mid-sweep: the command stops within seconds, writes the finished rows, says
    how many, exits 128 + signal, and no worker survives. stderr is a terminal, so the
    progress bar shows the rows done; the signal is sent once it shows two."""
    if jobs > cores():
        pytest.skip(f"--jobs {jobs} is capped at the {cores()} cores of this machine")
    out = tmp_path / "t.csv"
    command = [sys.executable, "-m", "rac_tn", "table", "--depth", "1", "2", "3"]
    command += ["--length", "2:40:2", "--format", "csv", "-o", str(out), "--jobs", str(jobs)]
    master, slave = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "120", "TERM": "xterm"}
    proc = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stderr=slave, env=env, start_new_session=True
    )
    os.close(slave)
    try:
        # the count follows a colour code ("\x1b[32m17/60"), so no \b before it: a fast
        # machine's first redraw past 1 can be two digits
        text, match = read_until(master, r"(?<!\d)([2-9]|[1-5]\d)/60\b", "", timeout=120)
        assert match, f"no progress bar on the terminal: {text!r}"
        children = descendants(proc.pid)
        if jobs > 1:
            assert len(children) >= jobs
        sent = time.monotonic()
        if signum == signal.SIGINT:
            os.killpg(proc.pid, signum)
        else:
            proc.send_signal(signum)
        text, match = read_until(master, r"interrupted: (\d+) of 60 rows finished", text, 15)
        status = proc.wait(timeout=15)
        assert time.monotonic() - sent < 10
        text = drain(master, text)  # what a worker may print after the parent's last line
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        os.close(master)
    assert status == 128 + signum
    assert match, text
    done = int(match.group(1))
    assert 2 <= done < 60
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert len(rows) == done
    assert all(row["separation_rank"] for row in rows)
    assert "Traceback" not in text
    deadline = time.monotonic() + 5  # the resource tracker exits once its parent has gone
    while alive(children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert alive(children) == []


# -- rac-tn analyze ---------------------------------------------------------------------------


def _diagonal_rac_npz(path, *, extra=None, drop=()):
    """A depth-1 RAC whose W^H is diagonal: channel r evolves alone, so
    y = sum_r W^O_r prod_t (W^I f_t)_r h0_r, a sum of one product per channel that W^O keeps.
    With W^O = (1, 1, 0) and rows of W^I not proportional, the separation rank is 2 for every
    partition."""
    arrays = {
        "input_weights_0": np.array([[1, 2], [3, 1], [1, 1]]),
        "hidden_weights_0": np.diag([2, 3, 5]),
        "output_weights": np.array([[1, 1, 0]]),
        "initial_states_0": np.array([1, 1, 1]),
    }
    arrays.update(extra or {})
    for name in drop:
        arrays.pop(name)
    np.savez(path, **arrays)
    return path


def test_analyze_weights_from_npz_any_partition(tmp_path, capsys):
    weights = _diagonal_rac_npz(tmp_path / "rac.npz")
    assert (
        main(
            [
                "analyze",
                "--weights",
                str(weights),
                "--partition",
                "1,2,5",
                "--length",
                "6",
                "--format",
                "json",
                "-o",
                "-",
            ]
        )
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert data["rac"] == {"M": 2, "R": 3, "L": 1, "C": 1, "integer": True}
    assert data["start"] == [1, 2, 5] and data["end"] == [3, 4, 6]
    assert [r["rank"] for r in data["ranks"]] == [2]


def test_analyze_formats_agree(tmp_path, capsys):
    common = ["analyze", "--depth", "2", "--length", "4", "--inputs", "2", "--hidden", "2"]
    assert main([*common, "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert list(rows[0]) == [
        "quantity",
        "value",
        "log2",
        "claim",
        "origin",
        "method",
        "seconds",
        "note",
    ]
    exact = [r for r in rows if r["origin"] == "exact computation mod p"]
    # depth 2, M = R = 2, T = 4, Start-End: rank R * ((R, T/2)) = 2 * 3 = 6 (Theorem 1.2's
    # multi-homogeneous form meets the exact rank here, as tests/test_sweeps.py checks)
    assert exact[0]["quantity"] == "separation rank" and exact[0]["value"] == "6"
    out = tmp_path / "report.md"
    assert main([*common, "--format", "md", "-o", str(out)]) == 0
    text = out.read_text()
    assert text.startswith("**RAC** M=2, R=2, L=2, Y=1; T=4") and "| 6 |" in text
    assert "wrote the report" in capsys.readouterr().err
    assert main([*common, "--format", "json", "--float", "--bounds-only"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["rac"]["integer"] is False and data["ranks"] == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--weights", "{missing}"], "no such file"),
        (["--weights", "{no_output}"], "missing the array 'output_weights'"),
        (["--weights", "{bad_shape}"], "hidden_weights[0] must be R x R"),
        (["--weights", "{gap}"], "missing hidden_weights_1"),
        (["--weights", "{not_npz}"], "not a readable .npz"),
        (["--weights", "{good}", "--depth", "2"], "--weights gives the model; drop --depth"),
        (["--partition", "1,9", "--length", "6"], "--partition: start holds times outside"),
        (["--partition", "start-end", "--length", "5"], "--partition"),
        (["--depth", "0"], "--depth must be a positive integer"),
        (["-o", "{missing_dir}/r.md"], "-o"),
    ],
)
def test_analyze_bad_input_is_one_line_exit_2(args, message, tmp_path, capsys):
    paths = {
        "missing": tmp_path / "missing.npz",
        "no_output": _diagonal_rac_npz(tmp_path / "a.npz", drop=["output_weights"]),
        "bad_shape": _diagonal_rac_npz(tmp_path / "b.npz", extra={"hidden_weights_0": np.eye(2)}),
        "gap": _diagonal_rac_npz(
            tmp_path / "c.npz",
            extra={
                "hidden_weights_2": np.eye(3),
                "input_weights_1": np.eye(3),
                "input_weights_2": np.eye(3),
            },
        ),
        "not_npz": tmp_path / "d.npz",
        "good": _diagonal_rac_npz(tmp_path / "e.npz"),
        "missing_dir": tmp_path / "nowhere",
    }
    paths["not_npz"].write_text("not an archive")
    args = [a.format(**paths) for a in args]
    assert main(["analyze", *args]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and err.startswith("rac-tn analyze: error:")
    assert message in err


def test_analyze_help_lists_its_options_with_defaults(capsys):
    with pytest.raises(SystemExit):
        main(["analyze", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for option, default in [
        ("--length", "8"),
        ("--partition", "start-end"),
        ("--depth", "2"),
        ("--format", "md"),
    ]:
        assert re.search(re.escape(option) + r".*?\(default: " + re.escape(default) + r"\)", text)
    for option in ("--weights", "--integer", "--float", "--quiet", "-o"):
        assert option in text


def test_analyze_takes_a_model_family(capsys):
    """--model/--rank/--bias: the known CP value (n, K) = (3, 2) at depth 2, T = 6 is 8."""
    assert (
        main(
            [
                "analyze",
                "--model",
                "cp2rnn",
                "--inputs",
                "3",
                "--hidden",
                "3",
                "--rank",
                "2",
                "--length",
                "6",
                "--format",
                "json",
                "--quiet",
            ]
        )
        == 0
    )
    report = json.loads(capsys.readouterr().out)
    assert report["rac"]["family"] == "cp2rnn" and report["ranks"][0]["rank"] == 8
    assert main(["analyze", "--model", "linear", "--bias", "--length", "8", "--quiet"]) == 0
    assert "Hankel rank" in capsys.readouterr().out
    assert main(["analyze", "--model", "rac", "--bias"]) == 2
    assert "not rac" in capsys.readouterr().err
