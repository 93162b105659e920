"""Model predictions as Label Studio pre-annotations, attached to tasks."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby

from newstag.articles import Article
from newstag.persist import SavedModel
from newstag.sentences import SplitArticle
from newstag.tag import TaggedSentence, tag_articles
from newstag.tasks import task_sentence


def with_predictions(tasks: Sequence[dict], model: SavedModel) -> list[dict]:
    """The same tasks, each with one prediction of `model` (replacing an older one of the
    same model version, so predicting again adds nothing)."""
    sentences = [task_sentence(task, number) for number, task in enumerate(tasks)]
    splits = [
        SplitArticle(Article(id=article_id, title="", text=""), list(group), [])
        for article_id, group in groupby(sentences, key=lambda s: s.article_id)
    ]
    tagged = [t for article in tag_articles(splits, model) for t in article.sentences]
    result = []
    for task, sentence in zip(tasks, tagged, strict=True):
        kept = [p for p in task.get("predictions", []) if p.get("model_version") != model.version]
        result.append({**task, "predictions": [*kept, prediction(sentence, model.version)]})
    return result


def prediction(tagged: TaggedSentence, model_version: str) -> dict:
    """One Label Studio prediction; its score is the confidence of the least sure group."""
    return {
        "model_version": model_version,
        "score": round(min(tagged.confidence(group) for group in tagged.labels), 4),
        "result": [
            {"from_name": group, "to_name": "text", "type": "choices", "value": {"choices": values}}
            for group, values in tagged.labels.items()
        ],
    }
