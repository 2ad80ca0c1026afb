"""Progress display for ``progress=``: a rich bar on stderr (True), a callback, or nothing."""

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
    """A rich progress bar of ``total`` steps on stderr (a no-op when not ``enabled``)."""

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
