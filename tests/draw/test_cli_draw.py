"""The ``rac-tn draw`` command: every output format, the variants, the argument errors.

Formats are recognised by their magic bytes; a PNG's pixel width by its IHDR chunk.
"""

from __future__ import annotations

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
