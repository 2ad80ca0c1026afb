"""Progress display for ``progress=``: a bar, status lines, a callback, or nothing.

A rich bar on stderr (True), whole status lines on stderr (``'lines'``, for logs and batch
jobs), a callable ``progress(done, total)``, or nothing (False).
"""

from __future__ import annotations

import importlib.util
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

#: What ``progress=`` accepts: a flag, ``'lines'``, or a callable ``progress(done, total)``.
ProgressArg = bool | str | Callable[[int, int], None] | None

#: ``progress='lines'`` with more steps than this prints at most one line per ``_LINE_SECONDS``.
_EVERY_STEP_UP_TO = 50
_LINE_SECONDS = 5.0


class ProgressBar:
    """A progress bar of ``total`` steps on stderr (a no-op when not ``enabled``).

    A rich bar in a terminal, and in a notebook with ``ipywidgets`` (the ``notebook`` extra);
    in a notebook without it, one line of text rewritten in place (rich would only warn).
    """

    def __init__(self, enabled: bool, total: int, description: str = "") -> None:
        self.total = total
        self.description = description
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        self._line: _TextLine | None = None
        if not enabled:
            return
        console = Console(stderr=True)
        if console.is_jupyter and importlib.util.find_spec("ipywidgets") is None:
            self._line = _TextLine(total, description)
            return
        self._progress = Progress(
            TextColumn("{task.description:<24}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        )

    def __enter__(self) -> ProgressBar:
        if self._progress is not None:
            self._progress.__enter__()
            self._task = self._progress.add_task(self.description, total=self.total)
        return self

    def step(self, description: str | None = None) -> None:
        """Advance by one step and show ``description`` (if given)."""
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, advance=1, description=description)
        elif self._line is not None:
            self._line.show(self._line.done + 1, self._line.total, description)

    def update(self, done: int, total: int) -> None:
        """Show ``done`` of ``total`` steps (a ``progress(done, total)`` callback)."""
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, completed=done, total=total)
        elif self._line is not None:
            self._line.show(done, total)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.__exit__(kind, exc, traceback)
        elif self._line is not None:
            self._line.close()


class _TextLine:
    """One stderr line rewritten with a carriage return (a notebook's stream shows the last)."""

    def __init__(self, total: int, description: str) -> None:
        self.done, self.total, self.description = 0, total, description
        self._begin = self._shown = time.monotonic()
        self.show(0, total)

    def show(self, done: int, total: int, description: str | None = None) -> None:
        """Rewrite the line (at most five times a second, and always at the end)."""
        self.done, self.total = done, total
        self.description = description or self.description
        now = time.monotonic()
        if done < total and done and now - self._shown < 0.2:
            return
        self._shown = now
        width = 30
        filled = width * done // total if total > 0 else width
        bar = "#" * filled + "-" * (width - filled)
        sys.stderr.write(
            f"\r{self.description:<24} {bar} {done}/{total} {now - self._begin:6.1f} s"
        )
        sys.stderr.flush()

    def close(self) -> None:
        """End the line."""
        sys.stderr.write("\n")
        sys.stderr.flush()


class StatusLines:
    """Progress as whole lines on stderr (``description: 3 of 7, 12.4 s``), for any stream.

    A log file or a batch job's output reads them as they come; a bar rewritten in place would
    be one line at the end. Up to 50 steps, every step is a line; beyond, one line at most
    every 5 seconds, and always the last.
    """

    def __init__(self, total: int, description: str, unit: str = "") -> None:
        self.total, self.description, self.unit = total, description, unit
        self._begin = time.monotonic()
        self._shown: float | None = None
        self._done = -1

    def update(self, done: int, total: int) -> None:
        """Print ``done`` of ``total`` when it is news (see the class)."""
        now = time.monotonic()
        if done == self._done:
            return
        if total > _EVERY_STEP_UP_TO and done < total and self._shown is not None:
            if now - self._shown < _LINE_SECONDS:
                return
        self._done, self._shown = done, now
        unit = f" {self.unit}" if self.unit else ""
        print(
            f"{self.description}: {done} of {total}{unit}, {now - self._begin:.1f} s",
            file=sys.stderr,
            flush=True,
        )


def status_line(progress: ProgressArg, text: str) -> None:
    """One status line on stderr when ``progress='lines'`` (a stage begins or ends)."""
    if progress == "lines":
        print(text, file=sys.stderr, flush=True)


def _ignore(done: int, total: int) -> None:
    """A progress callback that shows nothing."""


def check_progress(progress: object) -> ProgressArg:
    """``progress`` if it is a valid ``progress=`` argument, else a TypeError naming it."""
    if progress is None or isinstance(progress, bool) or progress == "lines":
        return progress
    if callable(progress) and not isinstance(progress, str):
        return progress
    raise TypeError(
        "progress must be True, False, 'lines' or a callable progress(done, total), got "
        f"{progress!r}"
    )


@contextmanager
def progress_callback(
    progress: ProgressArg, total: int, description: str = "", unit: str = ""
) -> Iterator[Callable[[int, int], None]]:
    """A context yielding ``report(done, total)`` for a function's ``progress=`` argument.

    ``unit`` names the steps in status lines (``'rounds'``, ``'rows'``).
    """
    if progress is None or progress is False:
        yield _ignore
    elif progress is True:
        with ProgressBar(True, total, description) as bar:
            yield bar.update
    elif progress == "lines":
        yield StatusLines(total, description, unit).update
    else:
        yield check_progress(progress)  # type: ignore[misc]
