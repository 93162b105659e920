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
    with progress_bars(description) as (update,):
        yield update


@contextmanager
def progress_bars(first: str, *others: str) -> Iterator[tuple[Callable[..., None], ...]]:
    """Bars drawn together (rich draws one live display at a time), one `update` each as
    `progress_bar`'s. The first shows from the start; each other bar from its first update, so
    a step that may not run (fine-tuning under a frozen encoder) draws nothing, and it starts
    again, its times too, when its count goes back (the next fit's batches)."""
    descriptions = (first, *others)
    if not sys.stderr.isatty():
        yield tuple(lambda done=None, total=None, text="": None for _ in descriptions)
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
        yield (_bar_row(bar, first, later=False), *(_bar_row(bar, other, later=True) for other in others))


def _bar_row(bar, description: str, later: bool) -> Callable[..., None]:
    task = bar.add_task(description, total=None, visible=not later)
    last = 0

    def update(done: int | None = None, total: int | None = None, text: str = "") -> None:
        nonlocal last
        if later and done is not None and done < last:
            bar.reset(task)
        last = done if done is not None else last
        shown = f"{description} {text.strip()}"[:70] if text else description
        bar.update(task, completed=done, total=total, description=shown, visible=True)

    return update


@contextmanager
def spinner(description: str) -> Iterator[None]:
    """A spinner with the time elapsed, for a wait of unknown length (one HTTP export, say)."""
    if not sys.stderr.isatty():
        yield
        return
    from rich.console import Console

    with Console(stderr=True).status(description):
        yield
