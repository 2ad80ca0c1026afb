"""The ``rac-tn draw`` command: every output format, the variants, the argument errors.

Formats are recognised by their magic bytes; a PNG's pixel width by its IHDR chunk.
"""

from __future__ import annotations

import re

import pytest

from rac_tn import RAC
from rac_tn.cli import main as cli_main
from rac_tn.diagram import build_scene


@pytest.mark.parametrize(
    "suffix,magic",
    [(".pdf", b"%PDF"), (".svg", b"<?xml"), (".png", b"\x89PNG"), (".tex", b"\\documentclass")],
)
def test_every_output_format_is_written(tmp_path, suffix, magic, capsys):
    out = tmp_path / f"fig{suffix}"
    args = [
        "draw",
        "--depth",
        "2",
        "--length",
        "4",
        "--hidden",
        "2",
        "--inputs",
        "3",
        "--cut",
        "start-end",
        "-o",
        str(out),
    ]
    assert cli_main(args) == 0
    data = out.read_bytes()
    assert data.startswith(magic) and len(data) > 500
    if suffix == ".png":  # the pixel width follows --dpi and the figure's physical width
        width_px = int.from_bytes(data[16:20], "big")
        width_cm = build_scene(RAC.random(3, 2, depth=2, seed=0), T=4, cut="start-end").width
        assert abs(width_px - width_cm / 2.54 * 300) <= 2


@pytest.mark.parametrize(
    "extra",
    [
        ["--view", "grid", "--cut", "1,2,5", "--length", "6"],
        ["--bound", "symmetric", "--cut", "interleaved"],
        ["--depth", "1", "--length", "6", "--dims"],
    ],
)
def test_cli_variants(tmp_path, extra, capsys):
    out = tmp_path / "fig.svg"
    assert cli_main(["draw", *extra, "-o", str(out)]) == 0
    assert out.stat().st_size > 500


def test_cli_errors(tmp_path, capsys):
    assert cli_main(["draw", "-o", str(tmp_path / "fig.txt")]) == 2
    assert (
        cli_main(
            [
                "draw",
                "--view",
                "grid",
                "--bound",
                "network",
                "--cut",
                "start-end",
                "-o",
                str(tmp_path / "f.pdf"),
            ]
        )
        == 2
    )
    assert cli_main(["draw", "--cut", "1,9", "-o", str(tmp_path / "f.pdf")]) == 2
    assert cli_main(["draw", "--cut", "first", "-o", str(tmp_path / "f.pdf")]) == 2
    err = capsys.readouterr().err
    assert "-o must end in" in err and "outside 1..4" in err and "--cut" in err


# -- model families --------------------------------------------------------------------------


def _tensor_nodes(tex: str, prefix: str) -> int:
    """How many TikZ nodes are named ``prefix-...`` (the tensors of one role)."""
    return len(re.findall(r"\\node\[[^\]]*\] \(" + prefix + r"-[0-9][^)]*\) at", tex))


@pytest.mark.parametrize(
    "model,extra,cores",
    [
        ("rac", [], {"WH": 9, "copy": 9}),
        ("2rnn", ["--bias"], {"core": 9}),
        ("cp2rnn", ["--rank", "3"], {"A": 9, "B": 9, "C": 9, "copy": 9}),
        ("mirnn", [], {"A": 9, "copy": 9}),
        ("linear", [], {"B": 9, "copy": 9}),
    ],
)
def test_cli_draws_every_model_family(tmp_path, model, extra, cores, capsys):
    """``--model`` draws that family: its tensors, 9 copies of a cell at L = 2, T = 3
    (sum over l, t of C(T-t+L-l, L-l) = 6 + 3), and the CP cores' diamonds."""
    out = tmp_path / "fig.tex"
    args = ["draw", "--model", model, *extra, "--length", "3", "--cut", "1", "-o", str(out)]
    assert cli_main(args) == 0
    tex = out.read_text()
    for prefix, count in cores.items():
        assert _tensor_nodes(tex, prefix) == count, prefix
    assert ("rac/diamond" in tex) == (model in ("cp2rnn", "mirnn", "linear"))
    svg = tmp_path / "fig.svg"  # with dimension labels, depth 1
    args = ["draw", "--model", model, *extra, "--depth", "1", "--dims", "-o", str(svg)]
    assert cli_main(args) == 0
    assert svg.read_bytes().startswith(b"<?xml")
    png = tmp_path / "grid.png"
    assert cli_main(["draw", "--model", model, *extra, "--view", "grid", "-o", str(png)]) == 0
    assert png.read_bytes().startswith(b"\x89PNG")


def test_cli_refuses_bad_family_options(tmp_path, capsys):
    out = str(tmp_path / "f.pdf")
    assert cli_main(["draw", "--model", "2rnn", "--rank", "2", "-o", out]) == 2
    assert cli_main(["draw", "--model", "cp2rnn", "--rank", "0", "-o", out]) == 2
    assert cli_main(["draw", "--bias", "-o", out]) == 2
    err = capsys.readouterr().err
    assert "--rank is the CP rank of cp2rnn; --model 2rnn has none" in err
    assert "--rank must be a positive integer, got 0" in err
    assert "--bias" in err and "not rac" in err
    with pytest.raises(SystemExit) as stop:
        cli_main(["draw", "--model", "cp3rnn", "-o", out])
    assert stop.value.code == 2
    assert "invalid choice: 'cp3rnn'" in capsys.readouterr().err
    assert not (tmp_path / "f.pdf").exists()


def test_cli_draw_help_names_the_families(capsys):
    with pytest.raises(SystemExit):
        cli_main(["draw", "--help"])
    text = capsys.readouterr().out
    for word in ("--model", "rac,2rnn,cp2rnn,mirnn,linear", "--rank", "--bias", "diamond"):
        assert word in text
