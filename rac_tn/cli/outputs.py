"""Output paths checked before any work starts, with one-line messages naming the option.

A typo in an output path must not cost a long computation: these checks run first, and
everything they reject raises :class:`OutputPathError` (a ValueError) saying what is wrong.

Examples
--------
>>> check_output_file("-", "-o") is None        # "-" is standard output
True
>>> check_output_file("/no/such/folder/t.csv", "-o")
Traceback (most recent call last):
...
rac_tn.cli.outputs.OutputPathError: -o: folder /no/such/folder does not exist
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["OutputPathError", "check_output_dir", "check_output_file"]


class OutputPathError(ValueError):
    """An output path that cannot be written (raised before any work starts)."""


def _check_writable_folder(folder: Path, name: str) -> None:
    """``folder`` exists, is a folder and accepts new files (probed with a temporary file)."""
    if not folder.exists():
        raise OutputPathError(f"{name}: folder {folder} does not exist")
    if not folder.is_dir():
        raise OutputPathError(f"{name}: {folder} is a file, not a folder")
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise OutputPathError(
            f"{name}: cannot write in folder {folder} ({exc.strerror or exc})"
        ) from None


def check_output_file(path: str | os.PathLike[str], name: str) -> Path | None:
    """Check that the file ``path`` can be written; None for ``"-"`` (standard output).

    Parameters
    ----------
    path
        The output file (its folder must exist; an existing file is overwritten).
    name
        The option or argument that gave it, for the message.

    Returns
    -------
    Path or None
        The path, or None for ``"-"``.
    """
    if str(path) == "-":
        return None
    out = Path(path)
    if str(path) == "" or out.is_dir():
        raise OutputPathError(f"{name}: {str(path)!r} is a folder; name a file")
    _check_writable_folder(out.parent, name)
    if out.exists() and not os.access(out, os.W_OK):
        raise OutputPathError(f"{name}: cannot write to {out} (permission denied)")
    return out


def check_output_dir(path: str | os.PathLike[str], name: str) -> Path:
    """Check that the folder ``path`` exists and can be written, or can be created.

    Parameters
    ----------
    path
        The output folder (missing folders are created by the caller).
    name
        The option or argument that gave it, for the message.

    Returns
    -------
    Path
        The path.
    """
    out = Path(path)
    if out.exists():
        if not out.is_dir():
            raise OutputPathError(f"{name}: {out} is a file, not a folder")
        _check_writable_folder(out, name)
        return out
    ancestor = out.absolute().parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    _check_writable_folder(ancestor, name)
    return out
