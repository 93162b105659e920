"""Sentences as Label Studio tasks: the import format, one task per sentence."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from newstag.annotate.fields import check_tasks
from newstag.files import MAX_JSON_BYTES, parse_json, read_limited
from newstag.text.articles import Article
from newstag.text.sentences import Sentence


def sentence_task(sentence: Sentence, article: Article | None = None) -> dict:
    """The task for one sentence; `article` adds where it was published, when known."""
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
            **_provenance(article),
        }
    }


def _provenance(article: Article | None) -> dict:
    if article is None:
        return {}
    known = {
        "source_url": article.url,
        "outlet": article.outlet,
        "date": article.date,
        "conflict": article.conflict,
    }
    return {key: value for key, value in known.items() if value}


def sentence_tasks(sentences: Iterable[Sentence], article: Article | None = None) -> list[dict]:
    return [sentence_task(sentence, article) for sentence in sentences]


def task_sentence(task: dict, number: int = 0) -> Sentence:
    """The sentence a task shows (the inverse of `sentence_task`), from a task whose fields
    `fields.check_tasks` has checked; a task made elsewhere is called task-<number>."""
    data = task["data"]
    sentence_id, article_id = sentence_ids(data, f"task-{number}")
    return Sentence(
        id=sentence_id,
        article_id=article_id,
        index=data.get("index", 0),
        text=data["text"],
        start=data.get("start", 0),
        end=data.get("end", len(data["text"])),
        title=data.get("title", ""),
        context_before=data.get("context_before", ""),
        context_after=data.get("context_after", ""),
    )


def sentence_ids(data: dict, fallback: str) -> tuple[str, str]:
    """(sentence id, article id) of a task's data, as `sentence_task` wrote them. A task made
    elsewhere is called `fallback`; its article is its sentence id up to the last ":"."""
    sentence_id = data.get("sentence_id") or fallback
    return sentence_id, data.get("article_id") or sentence_id.rsplit(":", 1)[0]


def load_tasks(path: Path | str, fix: str = "make it with newstag export") -> list[dict]:
    """A JSON list of Label Studio tasks, each with `data`: an import file or an export.
    `fix` ends every error message: how to get a good file."""
    path = Path(path)
    tasks = parse_json(read_limited(path, MAX_JSON_BYTES, fix, what="a JSON file"), str(path), fix)
    return check_tasks(tasks, str(path), fix)
