"""Partitions of a corpus: which files there are, reading their articles, writing their output.

A partition is one JSONL (optionally gzipped) or Parquet file under the input folder, on
the local disk or at any fsspec URL (s3://, gs://, hdfs://, ... with that protocol's package
installed). Its output is one JSONL file under the output folder, at the same relative path,
written whole or not at all: a partition whose output exists is done.

Nothing here needs Dask: the engine calls these on its workers, the tests call them directly.
"""

from __future__ import annotations

import json
import posixpath
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from newstag.errors import InputError, one_line
from newstag.files import check_target
from newstag.text.articles import Article, articles_from_jsonl, limited_lines, unique_ids

JSONL = (".jsonl", ".jsonl.gz")
PARQUET = (".parquet",)
COMPRESSED = (".gz",)
PARQUET_BATCH_ROWS = 1000


@dataclass(frozen=True)
class Partition:
    name: str
    """Path relative to the input folder: how the partition is reported."""
    url: str
    """What fsspec opens, on whichever machine reads it."""
    location: str
    """How the records name it: the input as given + name, as `newstag tag` names a file in a folder."""
    output: str
    """The output file's URL."""


@dataclass(frozen=True)
class Plan:
    todo: list[Partition]
    done: list[Partition]
    """Their output exists already (an earlier run wrote it): skipped."""


def plan_batch(input_url: str, output_url: str, replace: bool = False) -> Plan:
    """The input's partitions, split into those still to tag and those already written (all
    are to tag again when `replace`)."""
    partitions = list_partitions(input_url, output_url)
    if replace:
        return Plan(todo=partitions, done=[])
    out_fs, out_root = _filesystem(output_url)
    # One listing, not one request per partition: an object store may hold millions of them.
    listed = out_fs.find(out_root) if out_fs.exists(out_root) else []
    existing = {out_fs.unstrip_protocol(f) for f in listed}
    written = {p.output for p in partitions if p.output in existing}
    return Plan(
        todo=[p for p in partitions if p.output not in written],
        done=[p for p in partitions if p.output in written],
    )


def list_partitions(input_url: str, output_url: str) -> list[Partition]:
    fs, root = _filesystem(input_url)
    if not fs.exists(root):
        raise InputError(f"{input_url} does not exist; give a folder (or URL) of .jsonl or .parquet files")
    files = [root] if fs.isfile(root) else sorted(fs.find(root))
    names = [
        posixpath.basename(f) if f == root else posixpath.relpath(f, root) for f in files if _is_partition(f)
    ]
    if not names:
        raise InputError(f"{input_url} holds no {', '.join(JSONL + PARQUET)} files")
    out_fs, out_root = _filesystem(output_url)
    if type(out_fs) is type(fs) and (out_root == root or out_root.startswith(root.rstrip("/") + "/")):
        raise InputError(
            f"{output_url} is {input_url} or inside it: the tagged files would be read as input "
            f"next time; give an OUTPUT outside the input"
        )
    if _is_local(out_fs):  # the rule every writer follows; OUTPUT is only added to, never replaced
        check_target(out_root, [root] if _is_local(fs) else [], adds_to_folder=True)
    base = _join(input_url, "", local=_is_local(fs)) if fs.isfile(root) else None
    partitions = [
        Partition(
            name=name,
            url=fs.unstrip_protocol(root if base else posixpath.join(root, name)),
            location=base or _join(input_url, name, local=_is_local(fs)),
            output=out_fs.unstrip_protocol(posixpath.join(out_root, _output_name(name))),
        )
        for name in names
    ]
    _check_unique_outputs(partitions)
    return partitions


def read_partition(partition: Partition) -> Iterator[Article]:
    """The partition's articles, streamed; article ids must be unique within it. A corrupt or
    truncated file, or one that inflates like a bomb, is one InputError naming it (reported
    once, not retried: it would fail again)."""
    import zlib

    import fsspec

    try:
        if partition.name.endswith(COMPRESSED):
            _check_inflation(partition)
        with fsspec.open(partition.url, "rb", compression="infer") as stream:
            if _is_parquet(partition.name):
                lines = _parquet_lines(stream, partition.name)
            else:
                lines = limited_lines(stream, partition.location)
            yield from unique_ids(articles_from_jsonl(lines, _stem(partition.name), partition.location))
    except (OSError, EOFError, zlib.error) as error:
        raise InputError(
            f"{partition.name} is corrupt or truncated ({type(error).__name__}: {one_line(error, 160)}); "
            f"replace it, then run again (written partitions are skipped)"
        ) from None


MAX_INFLATION = 50
"""Compressed JSONL of news inflates 3-10 times; a bomb (2 MB of gzip holding gigabytes of
blank lines ran `batch` past 10 minutes) is refused once it passes this ratio..."""
MIN_INFLATED_BYTES = 64 * 2**20
"""...and this many bytes, so that small files of repetitive records are never refused."""
MAX_INFLATE_SECONDS = 120
INFLATE_BLOCK = 2**20


def _check_inflation(partition: Partition) -> None:
    """Inflate a compressed partition once, in blocks, before reading its lines: refuse it
    when it inflates past its bound or takes longer than MAX_INFLATE_SECONDS. (Refusing while
    reading line by line would take minutes: a bomb is millions of blank lines.)"""
    import time

    import fsspec

    fs = _filesystem(partition.url)[0]
    limit = max(MIN_INFLATED_BYTES, MAX_INFLATION * (fs.size(partition.url) or 0))
    inflated, start = 0, time.monotonic()
    with fsspec.open(partition.url, "rb", compression="infer") as stream:
        while block := stream.read(INFLATE_BLOCK):
            inflated += len(block)
            if inflated > limit or time.monotonic() - start > MAX_INFLATE_SECONDS:
                raise InputError(
                    f"{partition.name} inflates past {inflated // 2**20} MB (its bound: {MAX_INFLATION} "
                    f"times its compressed size, at least {MIN_INFLATED_BYTES // 2**20} MB, in "
                    f"{MAX_INFLATE_SECONDS} s): a decompression bomb, or not news; replace it, then run again"
                )


def write_partition(url: str, lines: Iterable[str]) -> int:
    """Write the lines to `url` atomically (a temporary file, then a rename); return their number."""
    from newstag.files import TEMP_PREFIX, atomic_writer

    fs, path = _filesystem(url)
    if _is_local(fs):
        with atomic_writer(path, newline="") as file:
            return _write(file, lines)
    staging = posixpath.join(posixpath.dirname(path), f"{TEMP_PREFIX}{uuid.uuid4().hex}")
    try:
        with fs.open(staging, "w", encoding="utf-8", newline="") as file:
            count = _write(file, lines)
        fs.mv(staging, path)
    except BaseException:
        if fs.exists(staging):
            fs.rm(staging)
        raise
    return count


def _write(file, lines: Iterable[str]) -> int:
    count = 0
    for line in lines:
        file.write(line)
        count += 1
    return count


def _parquet_lines(stream, name: str) -> Iterator[bytes]:
    """Each row as a JSON line, so that rows and JSONL lines become articles by the same rules."""
    import pyarrow
    import pyarrow.parquet as pq

    try:
        for batch in pq.ParquetFile(stream).iter_batches(batch_size=PARQUET_BATCH_ROWS):
            for row in batch.to_pylist():
                yield json.dumps(row, default=str, ensure_ascii=False).encode()
    except (pyarrow.ArrowException, OSError) as error:
        raise InputError(
            f"{name} is not a readable Parquet file ({' '.join(str(error).split())[:200]})"
        ) from None


def _check_unique_outputs(partitions: list[Partition]) -> None:
    seen: dict[str, str] = {}
    for partition in partitions:
        if partition.output in seen:
            raise InputError(
                f"{seen[partition.output]} and {partition.name} would both be written to "
                f"{partition.output}; rename one of them"
            )
        seen[partition.output] = partition.name


def _filesystem(url: str):
    from fsspec.core import url_to_fs

    return url_to_fs(url)


def _is_local(fs) -> bool:
    from fsspec.implementations.local import LocalFileSystem

    return isinstance(fs, LocalFileSystem)


def _join(base: str, name: str, local: bool) -> str:
    """As `newstag tag` names files: a local path normalised by pathlib, a URL joined with "/"."""
    if local and "://" not in base:
        return str(Path(base, name))
    return f"{base.rstrip('/')}/{name}" if name else base


def _is_partition(path: str) -> bool:
    base = posixpath.basename(path)
    return not base.startswith(".") and base.lower().endswith(JSONL + PARQUET)


def _is_parquet(name: str) -> bool:
    return name.lower().endswith(PARQUET)


def _stem(name: str) -> str:
    """part-1.jsonl.gz -> part-1: default article ids are "<stem>-<line>", as in `newstag tag`."""
    base = posixpath.basename(name)
    suffix = next(s for s in JSONL[::-1] + PARQUET if base.lower().endswith(s))
    return base[: -len(suffix)]


def _output_name(name: str) -> str:
    return posixpath.join(posixpath.dirname(name), _stem(name) + ".jsonl")
