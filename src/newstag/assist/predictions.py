"""Model predictions as Label Studio pre-annotations: for `export --model`, `predict` and the
ML backend alike."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from itertools import groupby

from newstag.annotate.spans import span_result, standing_spans
from newstag.annotate.tasks import task_sentence
from newstag.model.persist import SavedModel
from newstag.tagging.tag import TaggedSentence, tag_articles
from newstag.taxonomy import Taxonomy
from newstag.text.articles import Article
from newstag.text.sentences import MAX_SENTENCE_CHARS, Sentence, SplitArticle

TO_NAME = "text"


def predict_tasks(tasks: Sequence[dict], model: SavedModel) -> list[dict]:
    """One prediction per task, in the tasks' order."""
    sentences = task_sentences(tasks)
    splits = [
        SplitArticle(Article(id=article_id, title="", text=""), list(group), [])
        for article_id, group in groupby(sentences, key=lambda s: s.article_id)
    ]
    taxonomy = model.tagger.taxonomy
    return [
        prediction(t, model.version, taxonomy)
        for article in tag_articles(splits, model)
        for t in article.sentences
    ]


def task_sentences(tasks: Sequence[dict]) -> list[Sentence]:
    """The sentence of each task as the model reads it (`tag.model_input` of it is the
    model's whole input: a prediction depends on nothing else)."""
    return [_capped(task_sentence(task, number)) for number, task in enumerate(tasks)]


def _capped(sentence):
    """The model reads at most MAX_SENTENCE_CHARS of a task's text, as of an article's
    sentence: a 7 MB task held every other /predict up for a minute."""
    if len(sentence.text) <= MAX_SENTENCE_CHARS:
        return sentence
    return replace(sentence, text=sentence.text[:MAX_SENTENCE_CHARS])


def with_predictions(tasks: Sequence[dict], model: SavedModel) -> list[dict]:
    """The same tasks, each with one prediction of `model` (replacing an older one of the
    same model version, so predicting again adds nothing). A prediction named only by its id
    (as Label Studio's export names them) means nothing to another project and is left out."""
    result = []
    for task, new in zip(tasks, predict_tasks(tasks, model), strict=True):
        kept = [
            p
            for p in task.get("predictions", [])
            if isinstance(p, dict) and p.get("model_version") != model.version
        ]
        result.append({**task, "predictions": [*kept, new]})
    return result


def prediction(tagged: TaggedSentence, model_version: str, taxonomy: Taxonomy) -> dict:
    """One Label Studio prediction. Its score is the smallest probability among the values
    chosen and the spans found, over all groups: a task is only as sure as its least sure
    choice, and Label Studio sorts and filters tasks by it. Uncertain values (chosen below their
    thresholds) are not pre-selected: their group is left for the annotator to choose, and its
    low probability flags the task for review through that score. Each group's result, and each
    span, carries its own score."""
    sure = tagged.sure_labels
    choices = [
        {
            "id": f"newstag-{group}",
            "from_name": group,
            "to_name": TO_NAME,
            "type": "choices",
            "value": {"choices": sure[group]},
            "score": round(tagged.confidence(group), 4),
        }
        for group in tagged.labels
        if sure[group]
    ]
    spans = standing_spans(tagged.sentence.text, tagged.spans, tagged.labels, taxonomy)
    scores = [tagged.confidence(group) for group in tagged.labels] + [span.score for _, span in spans]
    return {
        "model_version": model_version,
        "score": round(min(scores), 4),
        "result": choices
        + [
            {**span_result(name, span), "id": f"newstag-{name}-{number}", "score": round(span.score, 4)}
            for number, (name, span) in enumerate(spans)
        ],
    }
