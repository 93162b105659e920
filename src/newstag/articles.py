"""Reading articles from .txt, .jsonl and .html files, folders of them, or stdin."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from newstag.errors import InputError

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


def read_articles(paths: Iterable[str | Path]) -> Iterator[Article]:
    """Yield the articles in `paths` (files, folders, or "-" for stdin), in a stable order."""
    seen: dict[str, str] = {}
    for path in paths:
        for article in _read_path(str(path)):
            if article.id in seen:
                raise InputError(
                    f"article id {article.id!r} appears twice ({seen[article.id]} and "
                    f"{article.source}); article ids must be unique"
                )
            seen[article.id] = article.source or ""
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
    text = decode(file.read_bytes(), str(file))
    if suffix == ".jsonl":
        yield from articles_from_jsonl(text, file.stem, str(file))
    elif suffix == ".txt":
        yield article_from_text(text, file.stem, str(file))
    else:
        yield article_from_html(text, file.stem, str(file))


def _read_stdin() -> Iterator[Article]:
    text = decode(sys.stdin.buffer.read(), "stdin")
    if text.lstrip().startswith("{"):
        yield from articles_from_jsonl(text, "stdin", "stdin")
    elif text.lstrip().lower().startswith(("<!doctype", "<html")):
        yield article_from_html(text, "stdin", "stdin")
    else:
        yield article_from_text(text, "stdin", "stdin")


def decode(data: bytes, where: str) -> str:
    """Bytes to text: UTF-8 (a BOM is dropped), else Windows-1252; line ends become \\n."""
    if b"\x00" in data:
        raise InputError(f"{where} is a binary file, not text; give a .txt, .jsonl or .html article")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise InputError(
                f"{where} is neither UTF-8 nor Windows-1252 text; convert it to UTF-8 "
                f"(e.g. iconv -f LATIN1 -t UTF-8)"
            ) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise InputError(f"{where} is empty; an article needs at least a title line")
    return text


def article_from_text(text: str, article_id: str, source: str) -> Article:
    """A plain-text article: its first non-empty line is the title."""
    title = next(line.strip() for line in text.splitlines() if line.strip())
    return Article(id=article_id, title=title, text=text, source=source)


def articles_from_jsonl(text: str, stem: str, source: str) -> Iterator[Article]:
    """One article a line: {"id", "title", "text", optional "date", "url"}."""
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{source}, line {number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise InputError(f"{where} is not valid JSON ({error.msg})") from None
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            raise InputError(f'{where} needs an object with a "text" string (and "title", "id")')
        title = str(record.get("title") or "").strip()
        body = record["text"]
        if not (title or body.strip()):
            raise InputError(f"{where} has an empty title and text")
        yield Article(
            id=str(record.get("id") or f"{stem}-{number}"),
            title=title or next(line.strip() for line in body.splitlines() if line.strip()),
            text=f"{title}\n\n{body}" if title else body,
            date=record.get("date"),
            url=record.get("url"),
            source=where,
        )


def article_from_html(html: str, article_id: str, source: str) -> Article:
    """The article in a web page, without its menus and scripts (trafilatura)."""
    import trafilatura  # heavy: only when HTML is read

    document = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False)
    body = (document.text or "").strip() if document else ""
    if not body:
        raise InputError(f"{source}: no article text found in the HTML page")
    title = (document.title or "").strip()
    return Article(
        id=article_id,
        title=title or body.splitlines()[0],
        text=f"{title}\n\n{body}" if title else body,
        date=document.date,
        url=document.url,
        source=source,
    )
