"""Typos cost nothing: sizes bounded before any work (``--length``, ``--dpi``, ``--jobs``),
every message that echoes what was typed or read escapes control characters, and every
piece of advice names an option the command has."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

import rac_tn.analysis.reports
import rac_tn.analysis.sweeps
import rac_tn.cli.commands as commands
from rac_tn.cli import main


def _one_line(capsys, *words):
    out, err = capsys.readouterr()
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert all(c.isprintable() for c in err.rstrip("\n")), err
    for word in words:
        assert word in err, err
    return out, err


@pytest.mark.parametrize(
    "args,words",
    [
        (["table", "--length", "4:99999999999"], ["--length is at most 1000, got 99999999999"]),
        (["table", "--length", "2,4,1001"], ["--length is at most 1000, got 1001"]),
        (
            ["analyze", "--length", "99999999999999999999998", "--bounds-only"],
            ["--length is at most 1000, got 99999999999999999999998"],
        ),
        (["analyze", "--length", "9" * 30], ["--length is at most 1000, got 1.0000e30"]),
        (["draw", "-o", "{tmp}/d.png", "--length", "5000"], ["--length is at most 1000"]),
        (
            ["draw", "-o", "{tmp}/d.png", "--dpi", "20000"],
            ["--dpi is at most 1200 (print quality is 300-600), got 20000"],
        ),
    ],
)
def test_huge_sizes_are_refused_at_once(args, words, tmp_path, capsys, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("work started before the sizes were checked")

    monkeypatch.setattr(rac_tn.analysis.sweeps, "sweep", refuse)
    monkeypatch.setattr(rac_tn.analysis.reports, "analyze", refuse)
    start = time.perf_counter()
    assert main([a.format(tmp=tmp_path) for a in args]) == 2
    assert time.perf_counter() - start < 2.0
    _one_line(capsys, *words)
    assert not (tmp_path / "d.png").exists()


def test_a_png_past_the_pixel_limit_is_refused_before_it_is_rendered(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(commands, "MAX_PIXELS", 10_000)
    out = tmp_path / "d.png"
    assert main(["draw", "-o", str(out), "--dpi", "300"]) == 2
    _one_line(capsys, "--dpi 300: the image would have", "lower --dpi, or write .pdf or .svg")
    assert not out.exists()
    assert main(["draw", "-o", str(tmp_path / "d.pdf"), "--dpi", "300", "--quiet"]) == 0


def test_jobs_beyond_the_cores_are_capped_with_a_note(capsys, monkeypatch):
    pools = []

    def pool(n):
        pools.append(n)
        return ThreadPoolExecutor(n)

    monkeypatch.setattr(rac_tn.analysis.sweeps, "process_pool", pool)
    monkeypatch.setattr(commands, "usable_cores", lambda: 2)
    args = ["table", "--depth", "1", "2", "--length", "2,4", "--format", "csv"]
    assert main([*args, "--jobs", "12"]) == 0
    out, err = capsys.readouterr()
    assert pools == [2] and len(out.splitlines()) == 5  # header + 4 rows
    assert "note: --jobs 12 is more than the 2 cores here; using 2" in err
    assert main([*args, "--jobs", "2", "--depth", "1", "--length", "2"]) == 0
    assert pools == [2] and "note" not in capsys.readouterr().err  # one row: no pool at all


def test_messages_escape_what_was_typed(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        main(["table", "--bogus\x1b[2J"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "--bogus\\x1b[2J" in err and "\x1b" not in err
    assert main(["table", "--partition", "x\x1b[2J\nall checks passed"]) == 2
    _one_line(capsys, "x\\x1b[2J\\nall checks passed")
    out = tmp_path / "fig\x1b[2J.pdf"
    assert main(["draw", "-o", str(out)]) == 0
    _one_line(capsys, "wrote", "fig\\x1b[2J.pdf")


def test_advice_names_options_the_command_has(tmp_path, capsys):
    assert main(["draw", "-o", str(tmp_path / "d.pdf"), "--cut", "start-end", "--length", "3"]) == 2
    _, err = _one_line(capsys, "--cut: start_end needs an even T", "(--cut 1,2,...)")
    assert "Partition(" not in err


def test_a_run_that_does_not_fit_in_memory_is_one_line(capsys, monkeypatch):
    def too_big(*args, **kwargs):
        raise MemoryError("Unable to allocate 6.94 EiB")

    monkeypatch.setattr(rac_tn.analysis.reports, "analyze", too_big)
    assert main(["analyze", "--hidden", "3", "--bounds-only"]) == 2
    _one_line(capsys, "do not fit this machine (MemoryError: Unable to allocate 6.94 EiB)")
