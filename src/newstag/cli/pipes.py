"""A closed stdout ends a command quietly: `newstag info | head -1` exits 0 with no message.

The reader of stdout went away because it has what it wanted, so this is no error. Python
raises BrokenPipeError on the first write after the reader closes (it ignores SIGPIPE); typer
turns one raised inside a command into exit code 1, wrapping stdout in click's flush pacifier;
and output still buffered when the command ends fails at the interpreter's final flush. All
three end here: stdout is pointed at /dev/null (so no later flush fails) and the exit code is 0.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable


def run_until_stdout_closes(command: Callable[[], object]) -> None:
    """Run `command` (the typer app, which ends in SystemExit); a closed stdout exits 0."""
    try:
        command()
    except BrokenPipeError:
        _quiet()
    except SystemExit:
        if _stdout_closed():
            _quiet()
        raise
    if _stdout_closed():
        _quiet()


PACIFIERS = {"PacifyFlushWrapper", "_PacifyFlushWrapper"}
"""What typer (its own copy of click) and click wrap stdout in after a broken pipe."""


def _stdout_closed() -> bool:
    if type(sys.stdout).__name__ in PACIFIERS:
        return True
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        return True
    except (OSError, ValueError):
        return False
    return False


def _quiet() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.__stdout__.fileno())
    raise SystemExit(0)
