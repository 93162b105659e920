"""What every command shares: the options' spellings, the one place errors become a line, and
the note an old spelling gets.

The vocabulary (tests/test_cli.py checks it on every command): `--model` for a model folder,
`-o/--output` with `--force` for whatever a command writes, `--jobs/-j` for processes, and
`-c/--config` only for the project config.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
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
MODEL_HELP = "A model folder made by newstag train."
ModelOption = Annotated[Path, typer.Option(help=MODEL_HELP)]
RenamedModelOption = Annotated[Path | None, typer.Option("--model", help=f"{MODEL_HELP} [{DEFAULT_MODEL}]")]
"""--model where the model was positional: None tells "not given" from the default."""
ForceOption = Annotated[bool, typer.Option(help="Replace the output (-o) if it exists.")]
JobsOption = Annotated[
    int, typer.Option("--jobs", "-j", min=1, help="Worker processes; output keeps the input order.")
]
SentenceConfigOption = Annotated[
    Path | None, typer.Option(help="A config whose sentence settings to use [the model's own].")
]
# The spellings of the last release, accepted until the next one with a note on stderr.
LegacyModelArgument = Annotated[Path | None, typer.Argument(hidden=True, show_default=False)]
LegacySentenceConfigOption = Annotated[Path | None, typer.Option("--config", "-c", hidden=True)]


def deprecated(old: str, new: str) -> None:
    """One line on stderr for a spelling that still works this release."""
    info(f"newstag: deprecated: {old} is now {new}; the old spelling goes in the next release")


def renamed(value, old_value, old: str, new: str, default=None):
    """The value of a renamed option or argument, from whichever spelling was given."""
    if old_value is None:
        return default if value is None else value
    if value is not None:
        from newstag.errors import InputError

        raise InputError(f"give {new} once: {old} is its old spelling")
    deprecated(old, new)
    return old_value


def chosen_sentence_config(path: Path | None, old_path: Path | None) -> Path | None:
    """--sentence-config, once spelled --config/-c in `tag`, `report` and `batch`."""
    return renamed(path, old_path, "--config/-c", "--sentence-config")


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
