"""The ``rac-tn`` command: argument parsing (:mod:`.parser`), commands and the demo."""

from __future__ import annotations

from rac_tn.cli.parser import main

__all__ = ["main"]
