"""What every command shares: the config option and the one place errors become a line."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from newstag.config import DEFAULT_CONFIG
from newstag.errors import NewstagError

ConfigOption = Annotated[
    Path, typer.Option("--config", "-c", help="The taxonomy/model/studio config (TOML).")
]
DEFAULT_CONFIG_PATH = DEFAULT_CONFIG
DEFAULT_MODEL = Path("models/default")
ForceOption = Annotated[bool, typer.Option(help="Replace the output (-o) if it exists.")]


@contextmanager
def one_line_errors() -> Iterator[None]:
    """The library raises; here a NewstagError or OS error becomes one line and exit code 1."""
    try:
        yield
    except NewstagError as error:
        _fail(str(error))
    except BrokenPipeError:
        raise  # the reader of stdout has gone: no error (cli/pipes.py)
    except OSError as error:
        _fail(f"{error.filename or ''}: {error.strerror or error}".lstrip(": "))


def _fail(message: str) -> None:
    print(f"newstag: error: {message}", file=sys.stderr)
    raise typer.Exit(1)


def info(message: str) -> None:
    """Diagnostics go to stderr, so stdout carries only data."""
    print(message, file=sys.stderr)


@contextmanager
def progress_bar(description: str) -> Iterator[Callable[..., None]]:
    """A progress line on stderr while a long step runs, only when stderr is a terminal.
    Yields `update(done=None, total=None, text="")`: counts for a bar, text for what runs."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    console = Console(stderr=True)
    with Progress(*columns, console=console, transient=True, disable=not console.is_terminal) as bar:
        task = bar.add_task(description, total=None)

        def update(done: int | None = None, total: int | None = None, text: str = "") -> None:
            shown = f"{description} {text.strip()}"[:70] if text else description
            bar.update(task, completed=done, total=total, description=shown)

        yield update
