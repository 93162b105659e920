"""Atomic file writes (a reader never sees a half-written file), and no write over an existing
output unless the user said --force.

The text goes to a temporary file in the target's folder (so that the final rename stays
on one file system), which replaces the target only once everything is written and synced.
On any error, or an interrupt, the temporary file is removed and the target is untouched.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from newstag.errors import InputError


def refuse_to_overwrite(path: Path | str, force: bool) -> None:
    """An existing file or folder is replaced only when the user passed --force."""
    if Path(path).exists() and not force:
        raise InputError(f"{path} exists; pass --force to replace it, or write elsewhere with -o")


@contextmanager
def atomic_writer(path: Path | str, newline: str | None = None) -> Iterator[TextIO]:
    """A text file to write into (streaming is fine); it becomes `path` when the block ends."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, staging = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline=newline) as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        os.chmod(staging, 0o666 & ~_umask())  # mkstemp's 0600 would hide the output from others
        os.replace(staging, path)
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise


def write_atomic(path: Path | str, text: str) -> None:
    with atomic_writer(path) as file:
        file.write(text)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
