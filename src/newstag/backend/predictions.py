"""A model's labels for Label Studio tasks, as predictions in Label Studio's format.

The score is the model's confidence in its whole answer: the smallest probability among the
values it chose, over all groups (a task is only as sure as its least sure choice).
"""

from __future__ import annotations

from collections.abc import Sequence

from newstag.decode import decode
from newstag.errors import InputError
from newstag.queue import decision_threshold

TO_NAME = "text"


def predict_tasks(saved, tasks: Sequence[dict]) -> list[dict]:
    """One prediction per task, in the tasks' order. `saved` is a persist.SavedModel."""
    texts = [_text(task, number) for number, task in enumerate(tasks)]
    if not texts:
        return []
    tagger = saved.tagger
    probabilities = tagger.predict_proba(texts)
    decoded = decode(tagger.taxonomy, probabilities, decision_threshold(tagger))
    predictions = []
    for row, labels in enumerate(decoded):
        chosen = [
            float(probabilities[g.name][row][g.value_names.index(v)])
            for g in tagger.taxonomy.groups
            for v in labels[g.name]
        ]
        predictions.append(prediction(labels, min(chosen), saved.version))
    return predictions


def prediction(labels: dict[str, list[str]], score: float, model_version: str) -> dict:
    result = [
        {
            "id": f"newstag-{group}",
            "from_name": group,
            "to_name": TO_NAME,
            "type": "choices",
            "value": {"choices": list(values)},
        }
        for group, values in labels.items()
    ]
    return {"result": result, "score": round(score, 4), "model_version": model_version}


def _text(task: dict, number: int) -> str:
    text = (task.get("data") or {}).get("text")
    if not isinstance(text, str):
        raise InputError(f"task {task.get('id', number)} has no data.text; is it a newstag task?")
    return text
