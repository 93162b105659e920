"""Splitting an article into sentences to label, and keeping account of the text left out.

Each line is split on its own (headlines, bullets and captions end without punctuation),
then with syntok, which on the seed articles kept "U.N." and closing quotes intact where
pysbd and blingfire did not (see README, "Sentence splitting").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from syntok import segmenter

from newstag.config import SentenceConfig
from newstag.text.articles import Article

BULLET = re.compile(r"^[•·▪●◦*\-–]\s+")
DASH_START = re.compile(r"^[–—]\s")


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
    return SplitArticle(article, _sentences(article, spans), dropped)


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
        for start, end in _syntok_spans(line[skip:]):
            yield "sentence", offset + skip + start, offset + skip + end
        offset += len(line) + 1


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
        self.rules = [(re.compile(p), "boilerplate") for p in config.boilerplate]
        self.rules += [(re.compile(p), "timestamp") for p in config.timestamps]

    def reason_to_drop(self, text: str) -> str | None:
        stripped = text.strip()
        if not any(char.isalnum() for char in stripped):
            return "punctuation only"
        return next((reason for rule, reason in self.rules if rule.search(stripped)), None)
