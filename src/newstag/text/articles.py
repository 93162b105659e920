"""Reading articles from .txt, .jsonl and .html files, folders of them, or stdin."""

from __future__ import annotations

import itertools
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from newstag.errors import InputError
from newstag.files import parse_json

SUFFIXES = (".txt", ".jsonl", ".html", ".htm")


@dataclass(frozen=True)
class Article:
    """One article. `text` is the whole document, title first; sentence offsets point into it."""

    id: str
    title: str
    text: str
    date: str | None = None
    url: str | None = None
    source: str | None = None
    outlet: str | None = None
    conflict: str | None = None
    """The war or armed conflict the article reports on (e.g. syria, ukraine), when known."""


MAX_ARTICLE_BYTES = 10 * 2**20
"""A news article is tens of kilobytes; a file (or JSONL line) over this is a mistake, such
as a whole corpus in one .txt, and would take minutes and gigabytes to split."""


def read_articles(paths: Iterable[str | Path]) -> Iterator[Article]:
    """Yield the articles in `paths` (files, folders, or "-" for stdin), one at a time, in a
    stable order. JSONL is streamed line by line, so memory does not grow with the file."""
    return unique_ids(article for path in paths for article in _read_path(str(path)))


def unique_ids(articles: Iterable[Article]) -> Iterator[Article]:
    """The articles, passed on as they come; an id seen before is an error."""
    seen: set[str] = set()
    for article in articles:
        if article.id in seen:
            raise InputError(
                f"article id {article.id!r} appears twice (again in {article.source}); "
                f"article ids must be unique"
            )
        seen.add(article.id)
        yield article


def _read_path(path: str) -> Iterator[Article]:
    if path == "-":
        yield from _read_stdin()
        return
    file = Path(path)
    if file.is_dir():
        files = sorted(f for f in file.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES)
        if not files:
            raise InputError(f"{file}/ holds no {', '.join(SUFFIXES)} files")
        for child in files:
            yield from _read_file(child)
    elif file.is_file():
        yield from _read_file(file)
    else:
        raise InputError(f"{file} does not exist; give an article file, a folder, or - for stdin")


def _read_file(file: Path) -> Iterator[Article]:
    suffix = file.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(f"{file}: cannot read {suffix or 'extension-less'} files; use {SUFFIXES}")
    if suffix == ".jsonl":
        with file.open("rb") as stream:
            yield from articles_from_jsonl(limited_lines(stream, str(file)), file.stem, str(file))
        return
    _check_size(file.stat().st_size, str(file))
    text = article_text(file.read_bytes(), str(file))
    if suffix == ".txt":
        yield article_from_text(text, file.stem, str(file))
    else:
        yield article_from_html(text, file.stem, str(file))


def _read_stdin() -> Iterator[Article]:
    """JSONL if the first non-blank line starts with "{", HTML if with "<html", else text."""
    stream = sys.stdin.buffer
    head = []
    for line in limited_lines(stream, "stdin"):
        head.append(line)
        if line.strip():
            break
    first = b"".join(head).lstrip().removeprefix(b"\xef\xbb\xbf").lower()
    if first.startswith(b"{"):
        yield from articles_from_jsonl(
            itertools.chain(head, limited_lines(stream, "stdin")), "stdin", "stdin"
        )
        return
    data = b"".join(head) + stream.read(MAX_ARTICLE_BYTES + 1)
    _check_size(len(data), "stdin")
    text = article_text(data, "stdin")
    if first.startswith((b"<!doctype", b"<html")):
        yield article_from_html(text, "stdin", "stdin")
    else:
        yield article_from_text(text, "stdin", "stdin")


def limited_lines(stream: BinaryIO, where: str) -> Iterator[bytes]:
    """The stream's lines, none longer than an article may be: a line over it is an error,
    found after reading no more than that, so one bad line cannot take all the memory."""
    for number in itertools.count(1):
        line = stream.readline(MAX_ARTICLE_BYTES + 1)
        if not line:
            return
        _check_size(len(line), f"{where}, line {number}")
        yield line


def _check_size(size: int, where: str) -> None:
    if size > MAX_ARTICLE_BYTES:
        raise InputError(
            f"{where} is {size / 2**20:.0f} MB or more, over the {MAX_ARTICLE_BYTES // 2**20} MB an "
            f"article may have; split it into articles (a .txt each, or one JSONL line each)"
        )


def article_text(data: bytes, where: str) -> str:
    """An article's bytes as text (see `text_from_bytes`); empty text is an error."""
    text = text_from_bytes(data, where)
    if not text.strip():
        raise InputError(f"{where} is empty; an article needs at least a title line")
    return text


def text_from_bytes(data: bytes, where: str) -> str:
    """Bytes to text: UTF-8 (a BOM is dropped), else Windows-1252; line ends become \\n."""
    if b"\x00" in data:
        raise InputError(f"{where} is a binary file, not text; give a .txt, .jsonl or .html article")
    try:
        return normalize_newlines(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        pass
    lines = data.removeprefix(b"\xef\xbb\xbf").splitlines(keepends=True)
    if len(lines) == 1:
        return normalize_newlines(_decode_line(lines[0], where))
    decoded = (_decode_line(line, f"{where}, line {n}") for n, line in enumerate(lines, 1))
    return normalize_newlines("".join(decoded))


def _decode_line(line: bytes, where: str) -> str:
    """A file mixing UTF-8 and Windows-1252 (pasted together) is decoded line by line."""
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return line.decode("cp1252")
    except UnicodeDecodeError:
        raise InputError(
            f"{where} is neither UTF-8 nor Windows-1252 text; convert it to UTF-8 "
            f"(e.g. iconv -f LATIN1 -t UTF-8)"
        ) from None


def normalize_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def article_from_text(text: str, article_id: str, source: str) -> Article:
    """A plain-text article: its first non-empty line is the title."""
    title = next(line.strip() for line in text.splitlines() if line.strip())
    return Article(id=article_id, title=title, text=text, source=source)


def articles_from_jsonl(lines: Iterable[bytes], stem: str, source: str) -> Iterator[Article]:
    """One article a line: {"id", "title", "text", optional "date", "url", "outlet", "conflict"}."""
    empty = True
    for number, raw in enumerate(lines, start=1):
        where = f"{source}, line {number}"
        line = text_from_bytes(raw, where)
        if line.strip():
            empty = False
            yield _article_from_record(_json_record(line, where), f"{stem}-{number}", where)
    if empty:
        raise InputError(f"{source} is empty; give one JSON article a line")


def _json_record(line: str, where: str) -> dict:
    record = parse_json(line, where, 'give one JSON article a line: {"id", "title", "text"}')
    if not isinstance(record, dict) or not isinstance(record.get("text"), str):
        raise InputError(f'{where} needs an object with a "text" string (and "title", "id")')
    return record


def _article_from_record(record: dict, default_id: str, where: str) -> Article:
    title = " ".join(str(record.get("title") or "").split())
    body = normalize_newlines(record["text"])
    if not (title or body.strip()):
        raise InputError(f"{where} has an empty title and text")
    return Article(
        id=str(record.get("id") or default_id),
        title=title or next(line.strip() for line in body.splitlines() if line.strip()),
        text=f"{title}\n\n{body}" if title else body,
        date=_optional_text(record.get("date")),
        url=_optional_text(record.get("url")),
        source=where,
        outlet=_optional_text(record.get("outlet")),
        conflict=_optional_text(record.get("conflict")),
    )


def _optional_text(value) -> str | None:
    return None if value is None else str(value)


def article_from_html(html: str, article_id: str, source: str) -> Article:
    """The article in a web page, without its menus and scripts (trafilatura)."""
    import trafilatura  # heavy: only when HTML is read

    try:
        document = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False)
    except (ValueError, TypeError, AttributeError, LookupError, RecursionError) as error:
        raise InputError(f"{source}: the HTML page cannot be parsed ({type(error).__name__})") from None
    body = (document.text or "").strip() if document else ""
    if not body:
        raise InputError(f"{source}: no article text found in the HTML page (only menus, scripts or markup)")
    title = " ".join((document.title or "").split())
    return Article(
        id=article_id,
        title=title or body.splitlines()[0],
        text=f"{title}\n\n{body}" if title else body,
        date=document.date,
        url=document.url,
        source=source,
    )
