"""mkdocs hooks: files of the repository's top that the README links to are part of the site.

Pages include sections of the README, whose links are relative to the repository's top: the
gallery's images in ``figures/``, ``CITATION.cff`` and ``LICENSE``. This hook adds those files
to the site at the same relative place, so the links resolve (and ``--strict`` checks them
like any other).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[1]


def on_files(files: Files, config: Any, **kwargs: Any) -> Files:
    """Add ``figures/*.png``, ``CITATION.cff`` and ``LICENSE`` to the documentation's files."""
    names = [f"figures/{png.name}" for png in sorted((ROOT / "figures").glob("*.png"))]
    for name in [*names, "CITATION.cff", "LICENSE"]:
        files.append(
            File(
                name,
                src_dir=str(ROOT),
                dest_dir=config["site_dir"],
                use_directory_urls=config["use_directory_urls"],
            )
        )
    return files
