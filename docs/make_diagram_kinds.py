"""Regenerate the pictures of docs/diagrams.md by running that page's Python blocks.

The page shows each picture above the code that draws it; this runs the blocks, in order and
in one namespace, with ``docs/images/`` as the working folder, so the code and the pictures
cannot drift apart::

    python docs/make_diagram_kinds.py
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

HERE = Path(__file__).resolve().parent
PAGE = HERE / "diagrams.md"


def blocks(page: Path = PAGE) -> list[str]:
    """The page's Python code blocks, in order."""
    return re.findall(r"```python\n(.*?)```", page.read_text(), flags=re.S)


def run(folder: Path) -> list[Path]:
    """Run every block in ``folder``; return the pictures the page shows, as written there."""
    import matplotlib.pyplot as plt

    before = Path.cwd()
    os.chdir(folder)
    try:
        namespace: dict[str, object] = {"__name__": "__diagrams__"}
        for code in blocks():
            exec(compile(code, str(PAGE), "exec"), namespace)  # noqa: S102 - our own page
            plt.close("all")
    finally:
        os.chdir(before)
    names = re.findall(r"\]\(images/([^)]+\.png)\)", PAGE.read_text())
    return [folder / name for name in names]


if __name__ == "__main__":
    written = run(HERE / "images")
    missing = [p for p in written if not p.exists()]
    print(f"wrote {len(written) - len(missing)} pictures to {HERE / 'images'}")
    sys.exit(1 if missing else 0)
