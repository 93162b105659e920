"""The one write discipline for every output, and bounded reads of JSON and zip files.

Every output (a file, a dataset folder, a model folder, a report, a batch partition) is
written beside its target under a name newstag owns (`.newstag-tmp-<random>`, which no user
file is expected to have), synced, then put in place by one rename: a reader sees the old
output or the whole new one, never a half. On any error, Ctrl-C or SIGTERM the temporary
file or folder is removed and the target is untouched.

Before anything is written, every writer calls `refuse_to_overwrite`, the one rule for
targets. It refuses a target that would lose data newstag does not own: `-` (not a file
name), `.`, `..` or any folder holding the working directory or an input, the input itself
or anything inside an input folder, anything inside a folder newstag wrote (a model,
dataset or report folder: its files belong to it, and its next replacement would take a
stranger along), a symlink (newstag does not follow or replace links: give the path it
points to), a device, a FIFO or a socket, and a folder that newstag did not write (it holds
no `.newstag` marker and no model, dataset or report files). Existing outputs are replaced
only with --force, and a replaced file keeps its mode (and, as root, its owner).
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import secrets
import shutil
import signal
import stat
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from newstag.errors import InputError

TEMP_PREFIX = ".newstag-tmp-"
MARKER = ".newstag"
"""An empty file in every folder newstag writes: such a folder may be replaced with --force."""
OWN_FOLDER_FILES = (MARKER, "meta.json", "dataset_info.json", "metrics.json")
"""Any of these marks a folder as newstag's (the last three: folders written before the marker)."""

MAX_JSON_BYTES = 512 * 2**20
MAX_JSON_DEPTH = 64
MAX_ZIP_MEMBER_BYTES = 64 * 2**20


def refuse_to_overwrite(
    path: Path | str, force: bool, inputs: Iterable[Path | str] = (), adds_to_folder: bool = False
) -> None:
    """The one rule for an output target (see the module's docstring): refuse a target that is
    not safe to write, and an existing one unless the user passed --force. `adds_to_folder`:
    the writer only adds new files to the folder `path` (batch), so it is never replaced."""
    check_target(path, inputs, adds_to_folder)
    if os.path.lexists(path) and not force and not adds_to_folder:
        raise InputError(f"{path} exists; pass --force to replace it, or write elsewhere with -o")


def check_target(path: Path | str, inputs: Iterable[Path | str] = (), adds_to_folder: bool = False) -> None:
    """One line for a target whose replacement could lose data that newstag does not own."""
    if str(path) == "-":
        raise InputError("-o - is not a file name; leave -o out to write to stdout where the command can")
    path = Path(path)
    if path.name in ("", ".", "..") or path.resolve() in (Path.cwd(), *Path.cwd().parents):
        raise InputError(f"-o {path} is the working folder or one above it; give a new name, e.g. -o out/")
    if path.is_symlink():
        raise InputError(
            f"-o {path} is a symlink; newstag neither replaces nor follows links: give the path "
            f"it points to ({os.path.realpath(path)})"
        )
    _check_not_an_input(path, inputs)
    owner = next((folder for folder in path.resolve().parents if _is_own_folder(folder)), None)
    if owner is not None:
        raise InputError(
            f"-o {path} is inside {owner}, a folder newstag wrote (a model, dataset or report): its "
            f"files belong to it; write the output elsewhere"
        )
    if not os.path.lexists(path):
        return
    mode = os.stat(path).st_mode
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise InputError(
            f"-o {path} is a device, FIFO or socket, not a file; give a file name (leave -o out for stdout)"
        )
    if stat.S_ISDIR(mode) and not adds_to_folder and any(path.iterdir()) and not _is_own_folder(path):
        raise InputError(
            f"-o {path} is a folder newstag did not write (it has no {MARKER} marker); give a new "
            f"folder name, newstag does not replace folders it did not make"
        )


def _check_not_an_input(path: Path, inputs: Iterable[Path | str]) -> None:
    resolved = path.resolve()
    for given in map(Path, inputs):
        if str(given) == "-" or not given.exists():
            continue
        if resolved in (given.resolve(), *given.resolve().parents):
            raise InputError(f"-o {path} is, or holds, the input {given}; write the output elsewhere")
        if given.is_dir() and given.resolve() in resolved.parents:
            raise InputError(
                f"-o {path} is inside the input folder {given}: it would replace an input, or be read "
                f"as one next time; write the output elsewhere"
            )


def _is_own_folder(folder: Path) -> bool:
    return folder.is_dir() and any((folder / name).exists() for name in OWN_FOLDER_FILES)


@contextmanager
def atomic_writer(path: Path | str, newline: str | None = None) -> Iterator[TextIO]:
    """A text file to write into (streaming is fine); it becomes `path` when the block ends."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _removed_on_failure(path.parent / _temp_name()) as staging:
        with open(staging, "x", encoding="utf-8", newline=newline) as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        if path.is_dir():
            raise InputError(f"{path} is a folder; give a file name with -o")
        _keep_mode(staging, path)
        os.replace(staging, path)
        _fsync_dir(path.parent)


@contextmanager
def atomic_folder(directory: Path | str) -> Iterator[Path]:
    """A new folder to fill; it replaces `directory` in one rename when the block ends."""
    directory = Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    with _removed_on_failure(directory.parent / _temp_name()) as staging:
        staging.mkdir()
        (staging / MARKER).touch()
        yield staging
        for file in staging.rglob("*"):
            if file.is_file():
                with open(file, "rb") as handle:
                    os.fsync(handle.fileno())
        _swap_in(staging, directory)


def _keep_mode(staging: Path, target: Path) -> None:
    """The new file gets the replaced file's mode (and, as root, its owner: root replacing a
    user's 0600 file must not hand it to root, readable by all); a new file gets the umask's."""
    try:
        old = os.stat(target)
    except FileNotFoundError:
        os.chmod(staging, 0o666 & ~_umask())
        return
    os.chmod(staging, stat.S_IMODE(old.st_mode))
    if os.geteuid() == 0 and (old.st_uid, old.st_gid) != (0, 0):
        os.chown(staging, old.st_uid, old.st_gid)


def _swap_in(staging: Path, directory: Path) -> None:
    """Rename the staging folder over `directory`: the old one is renamed aside first (a folder
    cannot be replaced by rename while it has files) and removed only after the swap."""
    old = directory.parent / _temp_name()
    if os.path.lexists(directory):
        os.rename(directory, old)
    try:
        os.rename(staging, directory)
    except BaseException:
        if os.path.lexists(old):
            os.rename(old, directory)
        raise
    _fsync_dir(directory.parent)
    if old.is_dir():
        shutil.rmtree(old, ignore_errors=True)
    else:  # a file replaced by a folder with --force
        old.unlink(missing_ok=True)


_unfinished: set[Path] = set()
"""Staging files and folders being written, by any thread: see `_remove_unfinished`."""


@contextmanager
def _removed_on_failure(staging: Path) -> Iterator[Path]:
    if not _unfinished:
        atexit.register(_remove_unfinished)  # registering again is harmless: it finds nothing
    _unfinished.add(staging)
    try:
        yield staging
    except BaseException:
        _remove(staging)
        raise
    finally:
        _unfinished.discard(staging)


def _remove(staging: Path) -> None:
    if staging.is_dir() and not staging.is_symlink():
        shutil.rmtree(staging, ignore_errors=True)
    else:
        staging.unlink(missing_ok=True)


def _remove_unfinished() -> None:
    """At exit, what a background thread was still writing (serve's retrain, on SIGTERM):
    daemon threads are stopped without unwinding, so their own cleanup never runs."""
    for staging in list(_unfinished):
        _remove(staging)


def write_atomic(path: Path | str, text: str) -> None:
    with atomic_writer(path) as file:
        file.write(text)


def write_json(path: Path | str, value) -> None:
    """Pretty-printed JSON (UTF-8, non-ASCII kept), written atomically."""
    write_atomic(path, json.dumps(value, indent=2, ensure_ascii=False) + "\n")


def exit_on_sigterm() -> None:
    """SIGTERM unwinds like Ctrl-C does, so every `finally` and cleanup above runs."""

    def _raise(signum, frame):
        raise SystemExit(128 + signum)

    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _raise)


def file_sha256(path: Path | str) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _temp_name() -> str:
    return f"{TEMP_PREFIX}{secrets.token_hex(8)}"


def _fsync_dir(directory: Path) -> None:
    handle = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


READ_CHUNK = 2**20


def read_limited(
    path: Path | str, max_bytes: int, fix: str, error_type=InputError, what: str = "text"
) -> bytes:
    """The bytes of a text input, refused in one line (with `fix`) when it is over `max_bytes`
    (a regular file by its size, before anything is read; a device, FIFO or stream once that
    much has been read) or holds a NUL byte (binary: /dev/zero is refused at its first chunk)."""
    path = Path(path)
    limit = f"the {max_bytes / 2**20:g} MB newstag reads from such a file"
    try:
        with open(path, "rb") as file:
            if stat.S_ISREG(os.fstat(file.fileno()).st_mode) and os.fstat(file.fileno()).st_size > max_bytes:
                raise error_type(f"{path} is over {limit}; {fix}")
            chunks, size = [], 0
            while size <= max_bytes and (chunk := file.read(min(READ_CHUNK, max_bytes + 1 - size))):
                if b"\x00" in chunk:
                    raise error_type(
                        f"{path} is not {what}: it holds NUL bytes, as a binary file does; {fix}"
                    )
                chunks.append(chunk)
                size += len(chunk)
    except FileNotFoundError:
        raise error_type(f"{path} does not exist; {fix}") from None
    except IsADirectoryError:
        raise error_type(f"{path} is a folder, not {what}; {fix}") from None
    if size > max_bytes:
        raise error_type(f"{path} is over {limit}; {fix}")
    return b"".join(chunks)


def read_text_limited(
    path: Path | str, max_bytes: int, fix: str, error_type=InputError, what: str = "text"
) -> str:
    """A UTF-8 text input, read as `read_limited` reads it; bytes that are not UTF-8 are one line."""
    data = read_limited(path, max_bytes, fix, error_type, what)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise error_type(f"{path} is not UTF-8 {what} (byte {error.start}); {fix}") from None


def parse_json(
    data: bytes | str, where: str, fix: str, max_bytes: int = MAX_JSON_BYTES, error_type=InputError
):
    """JSON from bytes or text, refused in one line (with `fix`) when larger than `max_bytes`,
    nested deeper than MAX_JSON_DEPTH, malformed, or holding an unpaired surrogate (\\ud800);
    `error_type` is the NewstagError raised."""
    if len(data) > max_bytes:
        raise error_type(f"{where} is over the {max_bytes // 2**20} MB newstag reads as JSON; {fix}")
    depth = _nesting(data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass"))
    if depth > MAX_JSON_DEPTH:
        raise error_type(f"{where} is JSON nested too deeply ({depth} levels, over {MAX_JSON_DEPTH}); {fix}")
    try:
        value = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        what = "valid JSON" if isinstance(data, str) else "a JSON file"
        raise error_type(f"{where} is not {what} ({_reason(error)}); {fix}") from None
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as error:
        bad = ascii(error.object[error.start : error.end])[1:-1]
        raise error_type(
            f"{where} holds an unpaired surrogate escape ({bad}), which is not text; {fix}"
        ) from None
    return value


def _nesting(data: bytes) -> int:
    """The deepest nesting of [ and { outside strings, found without building anything."""
    import re

    depth = deepest = 0
    for token in re.finditer(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', data):
        char = token.group()[:1]
        if char in b"[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in b"]}":
            depth -= 1
    return deepest


def _reason(error: Exception) -> str:
    return error.msg if isinstance(error, json.JSONDecodeError) else str(error)


def read_zip_member(
    archive, name: str, where: str, fix: str, max_bytes: int = MAX_ZIP_MEMBER_BYTES, error_type=InputError
) -> bytes:
    """One member of an open zipfile, refused once it inflates past `max_bytes` (a zip bomb
    is found after reading that much, not after filling the memory)."""
    try:
        with archive.open(name) as member:
            data = member.read(max_bytes + 1)
    except KeyError:
        raise error_type(f"{where} has no {name}; {fix}") from None
    if len(data) > max_bytes:
        raise error_type(f"{where}: {name} inflates past {max_bytes // 2**20} MB; {fix}")
    return data
