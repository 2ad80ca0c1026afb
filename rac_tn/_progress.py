"""Progress display: a rich bar on stderr, the caller's own callback, or nothing.

Library functions take ``progress=`` (False by default, so code that calls them prints
nothing): True shows a rich bar on stderr, a callable is called as ``progress(done, total)``.
The ``rac-tn`` command passes True only when stderr is a terminal and ``--quiet`` is not set.

Examples
--------
>>> seen = []
>>> with progress_callback(lambda done, total: seen.append((done, total)), 2) as report:
...     report(1, 2)
>>> seen
[(1, 2)]
>>> with progress_callback(False, 2) as report:
...     report(1, 2)    # does nothing
"""

from __future__ import annotations

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
    """A rich progress bar on stderr (or nothing, when not ``enabled``).

    Parameters
    ----------
    enabled
        Show the bar; False makes every method a no-op.
    total
        The number of steps.
    description
        The text left of the bar.
    """

    def __init__(self, enabled: bool, total: int, description: str = "") -> None:
        self.total = total
        self.description = description
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        if enabled:
            self._progress = Progress(
                TextColumn("{task.description:<24}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
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

    def update(self, done: int, total: int) -> None:
        """Show ``done`` of ``total`` steps (a ``progress(done, total)`` callback)."""
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, completed=done, total=total)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.__exit__(kind, exc, traceback)


def _ignore(done: int, total: int) -> None:
    """A progress callback that shows nothing."""


@contextmanager
def progress_callback(
    progress: ProgressArg, total: int, description: str = ""
) -> Iterator[Callable[[int, int], None]]:
    """A ``report(done, total)`` callable for the ``progress=`` argument of a function.

    Parameters
    ----------
    progress
        True for a rich bar on stderr (closed when the block ends), a callable to be called
        as ``progress(done, total)``, or False / None for nothing.
    total
        The number of steps (the bar's length).
    description
        The bar's text.

    Yields
    ------
    callable
        Call it as ``report(done, total)`` after each step.
    """
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
