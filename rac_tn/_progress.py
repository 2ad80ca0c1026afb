"""Progress display for ``progress=``: a rich bar on stderr (True), a callback, or nothing."""

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

#: What ``progress=`` accepts: a flag, or a callable ``progress(done, total)``.
ProgressArg = bool | Callable[[int, int], None] | None


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


def _ignore(done: int, total: int) -> None:
    """A progress callback that shows nothing."""


@contextmanager
def progress_callback(
    progress: ProgressArg, total: int, description: str = ""
) -> Iterator[Callable[[int, int], None]]:
    """A context yielding ``report(done, total)`` for a function's ``progress=`` argument."""
    if progress is None or progress is False:
        yield _ignore
    elif progress is True:
        with ProgressBar(True, total, description) as bar:
            yield bar.update
    elif callable(progress):
        yield progress
    else:
        raise TypeError(
            f"progress must be True, False or a callable progress(done, total), got {progress!r}"
        )
