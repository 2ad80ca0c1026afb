"""The page of diagram kinds shows pictures its own code draws (docs/diagrams.md)."""

from __future__ import annotations

import re
from pathlib import Path

from _helpers import load_script

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _script():
    return load_script(DOCS / "make_diagram_kinds.py", "kinds")


def test_every_picture_of_the_page_is_drawn_by_the_code_under_it(tmp_path):
    page = (DOCS / "diagrams.md").read_text()
    shown = re.findall(r"\]\(images/([^)]+\.png)\)", page)
    assert len(shown) == 6 and len(set(shown)) == 6
    written = _script().run(tmp_path)
    assert [p.name for p in written] == shown
    for path in written:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", path
        assert (DOCS / "images" / path.name).exists(), f"{path.name} is not committed"
    # each picture is saved by the block right under it
    sections = page.split("\n## ")[1:]
    for section, name in zip(sections, shown, strict=True):
        assert f'savefig("{name}"' in section, name
