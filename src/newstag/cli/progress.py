"""Progress on stderr for the steps that take seconds, only when stderr is a terminal: the
library reports (done, total) through a callback and never prints."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def progress_bar(description: str) -> Iterator[Callable[..., None]]:
    """A bar with elapsed and remaining time. Yields `update(done=None, total=None, text="")`:
    counts move the bar (the library's `progress(done, total)`), text says what runs now."""
    if not sys.stderr.isatty():
        yield lambda done=None, total=None, text="": None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(
        *columns, TimeElapsedColumn(), TimeRemainingColumn(), console=Console(stderr=True), transient=True
    ) as bar:
        task = bar.add_task(description, total=None)

        def update(done: int | None = None, total: int | None = None, text: str = "") -> None:
            shown = f"{description} {text.strip()}"[:70] if text else description
            bar.update(task, completed=done, total=total, description=shown)

        yield update


@contextmanager
def spinner(description: str) -> Iterator[None]:
    """A spinner with the time elapsed, for a wait of unknown length (one HTTP export, say)."""
    if not sys.stderr.isatty():
        yield
        return
    from rich.console import Console

    with Console(stderr=True).status(description):
        yield
