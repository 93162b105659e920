"""Splitting an article into sentences to label, and keeping account of the text left out.

Each line is split on its own (headlines, bullets and captions end without punctuation),
then with syntok, which on the seed articles kept "U.N." and closing quotes intact where
pysbd and blingfire did not (see README, "Sentence splitting").

syntok costs more than the model itself, so a line whose every boundary is a plain one (a
lower-case word, one full stop, question or exclamation mark, maybe closing quotes, one
space, a capital) is split by one regular expression; any other line goes to syntok. The
two agree on every line of the seeds and the corpus (tests/test_sentences.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from syntok import segmenter

from newstag.config import SentenceConfig
from newstag.regexes import UserPattern
from newstag.text.articles import Article

BULLET = re.compile(r"^[•·▪●◦*\-–]\s+")
DASH_START = re.compile(r"^[–—]\s")

_CLOSERS = "\"'\u201d\u2019)\\]"
_TERMINAL = re.compile(rf"[.!?\u2026][{_CLOSERS}]*(?=\s|[A-Z])")
"""Where a sentence may end: a terminal mark before white space or a capital."""
_PLAIN_BOUNDARY = re.compile(
    rf"(?<![^ (\"'\u201c\u2018])([a-z]{{2,}})[.!?][{_CLOSERS}]* (?=[\"'\u201c\u2018(]?[A-Z])"
)
"""A boundary syntok always splits at: after a lower-case word, before a capital."""
_LEFT_TO_SYNTOK = re.compile(r"[;\u2013\u2014]|[^\S ]")
"""Semicolons, dashes and white space other than " ", where syntok's rules are subtler."""
_ABBREVIATIONS = frozenset({"al", "approx", "eg", "etc", "ie", "incl", "vs"})


class InContext(str):
    """A sentence's text that also carries the text around it (`context`: the title and the
    neighbouring sentences). Every feature step reads it as the plain text; the fine-tuned
    encoder with context reads `context` too, where the labelling spec says context decides."""

    context: str

    def __new__(cls, text: str, context: str = ""):
        made = super().__new__(cls, text)
        made.context = context
        return made


def in_context(text: str, title: str, before: str, after: str) -> InContext:
    return InContext(text, " ".join(part for part in (title, before, after) if part and part != text))


@dataclass(frozen=True)
class Sentence:
    id: str
    article_id: str
    index: int
    text: str
    start: int
    end: int
    title: str
    context_before: str = ""
    context_after: str = ""


@dataclass(frozen=True)
class Dropped:
    """Text of the article that is not a sentence to label, and why."""

    text: str
    start: int
    end: int
    reason: str


@dataclass(frozen=True)
class SplitArticle:
    article: Article
    sentences: list[Sentence]
    dropped: list[Dropped]
    cut: int = 0
    """Sentences over MAX_SENTENCE_CHARS, each cut into pieces that short (the CLI says so)."""


MAX_SENTENCE_CHARS = 2000
"""News sentences are far shorter; a line with no sentence end (a 10 MB one took 43 s and
2.5 GB in the model's character n-grams) is cut at the last space before this length."""


def split_article(article: Article, config: SentenceConfig) -> SplitArticle:
    spans: list[tuple[int, int]] = []
    dropped: list[Dropped] = []
    patterns = _Patterns(config)
    for kind, start, end in _segments(article.text):
        text = article.text[start:end]
        reason = "bullet marker" if kind == "bullet" else patterns.reason_to_drop(text)
        if reason:
            dropped.append(Dropped(text, start, end, reason))
        elif spans and DASH_START.match(text):
            spans[-1] = (spans[-1][0], end)  # "Geneva (AFP) – There are ..." is one sentence
        else:
            spans.append((start, end))
    capped = [piece for start, end in spans for piece in _pieces(article.text, start, end)]
    cut = sum(end - start > MAX_SENTENCE_CHARS for start, end in spans)
    return SplitArticle(article, _sentences(article, capped), dropped, cut)


def _pieces(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """The span, or for one over MAX_SENTENCE_CHARS, pieces of it cut at the last white space
    before that length (or at the length, in text without any)."""
    while end - start > MAX_SENTENCE_CHARS:
        limit = start + MAX_SENTENCE_CHARS
        space = max(text.rfind(" ", start + 1, limit), text.rfind("\t", start + 1, limit))
        cut = space if space > start else limit
        yield start, cut
        start = cut + len(text[cut:limit]) - len(text[cut:limit].lstrip())
    if end > start:
        yield start, end


def split_articles(articles, config: SentenceConfig) -> Iterator[SplitArticle]:
    for article in articles:
        yield split_article(article, config)


def _segments(text: str) -> Iterator[tuple[str, int, int]]:
    """("sentence" | "bullet", start, end) for every sentence and bullet marker, line by line."""
    offset = 0
    for line in text.split("\n"):
        indent = len(line) - len(line.lstrip())
        marker = BULLET.match(line[indent:])
        if marker:
            yield "bullet", offset + indent, offset + indent + 1
        skip = indent + (marker.end() if marker else 0)
        for start, end in _line_spans(line[skip:]):
            yield "sentence", offset + skip + start, offset + skip + end
        offset += len(line) + 1


def _line_spans(line: str) -> list[tuple[int, int]]:
    plain = _plain_spans(line)
    return plain if plain is not None else list(_syntok_spans(line))


def _plain_spans(line: str) -> list[tuple[int, int]] | None:
    """syntok's spans for a line whose boundaries are all plain ones, else None."""
    if _LEFT_TO_SYNTOK.search(line):
        return None
    boundaries = list(_PLAIN_BOUNDARY.finditer(line))
    ends = [m.end() - 1 for m in boundaries]
    if any(m.group(1) in _ABBREVIATIONS for m in boundaries) or [
        m.start() for m in _TERMINAL.finditer(line)
    ] != [m.start(1) + len(m.group(1)) for m in boundaries]:
        return None
    spans = []
    for start, end in zip([0, *(end + 1 for end in ends)], [*ends, len(line)], strict=True):
        text = line[start:end]
        if text.strip():
            spans.append((start + len(text) - len(text.lstrip(" ")), start + len(text.rstrip(" "))))
    return spans


def _syntok_spans(line: str) -> Iterator[tuple[int, int]]:
    for paragraph in segmenter.analyze(line):
        for tokens in paragraph:
            start = tokens[0].offset
            end = tokens[-1].offset + len(tokens[-1].value)
            if line[start:end].strip():
                yield start, end


def _sentences(article: Article, spans: list[tuple[int, int]]) -> list[Sentence]:
    texts = [article.text[start:end] for start, end in spans]
    return [
        Sentence(
            id=f"{article.id}:{index}",
            article_id=article.id,
            index=index,
            text=texts[index],
            start=start,
            end=end,
            title=article.title,
            context_before=texts[index - 1] if index > 0 else "",
            context_after=texts[index + 1] if index + 1 < len(texts) else "",
        )
        for index, (start, end) in enumerate(spans)
    ]


class _Patterns:
    def __init__(self, config: SentenceConfig):
        self.rules = [
            (UserPattern(p, f"[sentences].{field}[{i}]"), reason)
            for field, reason in (("boilerplate", "boilerplate"), ("timestamps", "timestamp"))
            for i, p in enumerate(getattr(config, field))
        ]

    def reason_to_drop(self, text: str) -> str | None:
        stripped = text.strip()
        if not any(char.isalnum() for char in stripped):
            return "punctuation only"
        return next((reason for rule, reason in self.rules if rule.search(stripped)), None)
