"""Sentences as Label Studio tasks: the import format, one task per sentence."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from newstag.errors import InputError
from newstag.files import parse_json
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
    """The sentence a task shows (the inverse of `sentence_task`); `number` names it in errors."""
    data = task.get("data") if isinstance(task, dict) else None
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        raise InputError(f"task {number} has no data.text; give tasks made by newstag export")
    sentence_id, article_id = sentence_ids(data, f"task-{number}")
    return Sentence(
        id=sentence_id,
        article_id=article_id,
        index=_whole_number(data, "index", 0, number),
        text=data["text"],
        start=_whole_number(data, "start", 0, number),
        end=_whole_number(data, "end", len(data["text"]), number),
        title=str(data.get("title") or ""),
        context_before=str(data.get("context_before") or ""),
        context_after=str(data.get("context_after") or ""),
    )


def _whole_number(data: dict, key: str, default: int, number: int) -> int:
    value = data.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).lstrip("-").isdigit():
        raise InputError(
            f"task {number}: data.{key} is {value!r}; expected a whole number (or no {key}): "
            f"give tasks made by newstag export"
        )
    return int(value)


def sentence_ids(data: dict, fallback: str) -> tuple[str, str]:
    """(sentence id, article id) of a task's data, as `sentence_task` wrote them. A task made
    elsewhere is called `fallback`; its article is its sentence id up to the last ":"."""
    sentence_id = str(data.get("sentence_id") or fallback)
    return sentence_id, str(data.get("article_id") or sentence_id.rsplit(":", 1)[0])


def load_tasks(path: Path | str, fix: str = "make it with newstag export") -> list[dict]:
    """A JSON list of Label Studio tasks, each with `data`: an import file or an export.
    `fix` ends every error message: how to get a good file."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path} does not exist; {fix}") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a folder, not a JSON file; {fix}") from None
    tasks = parse_json(data, str(path), fix)
    if not isinstance(tasks, list) or not all(isinstance(t, dict) and "data" in t for t in tasks):
        raise InputError(f"{path} is not a Label Studio JSON export or import file (a list of tasks); {fix}")
    return tasks
