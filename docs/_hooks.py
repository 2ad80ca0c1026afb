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


#: The marker in ``docs/api/cli.md`` that the commands' ``--help`` texts replace.
CLI_MARKER = "<!-- rac-tn-help -->"


def on_page_markdown(markdown: str, page: Any, config: Any, files: Files, **kwargs: Any) -> str:
    """Replace the CLI marker with ``rac-tn --help`` and each command's ``--help``."""
    if CLI_MARKER not in markdown:
        return markdown
    return markdown.replace(CLI_MARKER, cli_help())


def cli_help(width: int = 100) -> str:
    """The ``--help`` text of ``rac-tn`` and of each command, as markdown sections."""
    import argparse
    import os

    from rac_tn.cli.parser import build_parser

    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(width)
    try:
        parser = build_parser()
        sections = [f"## rac-tn\n\n```text\n{parser.format_help()}```\n"]
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    sections.append(f"## rac-tn {name}\n\n```text\n{sub.format_help()}```\n")
    finally:
        if old is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = old
    return "\n".join(sections)
