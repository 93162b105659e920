"""Sentences as Label Studio tasks: the import format, one task per sentence."""

from __future__ import annotations

from collections.abc import Iterable

from newstag.sentences import Sentence


def sentence_task(sentence: Sentence) -> dict:
    return {
        "data": {
            "text": sentence.text,
            "title": sentence.title,
            "context_before": sentence.context_before,
            "context_after": sentence.context_after,
            "sentence_id": sentence.id,
            "article_id": sentence.article_id,
            "index": sentence.index,
            "start": sentence.start,
            "end": sentence.end,
        }
    }


def sentence_tasks(sentences: Iterable[Sentence]) -> list[dict]:
    return [sentence_task(sentence) for sentence in sentences]
