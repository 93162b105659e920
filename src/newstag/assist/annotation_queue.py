"""The annotation queue: unlabelled sentences ordered by how much a label would teach the model.

Uncertainty is measured per label group and averaged over the groups, each in [0, 1]:

- a single-choice group: the normalised entropy of its distribution ("entropy"), or one minus
  the margin between the two most probable values ("margin");
- a multiple-choice group is a set of yes/no decisions taken at the model's threshold, so
  each value's probability is first shifted so that the threshold counts as even odds (as
  `decode` does); the group is as uncertain as its most uncertain decision.

A diversity guard keeps the top of the queue from being near-copies (maximal marginal
relevance): each next pick maximises (1 - diversity) * uncertainty - diversity * the highest
TF-IDF cosine similarity to a sentence already picked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from newstag.annotate.annotations import submitted
from newstag.errors import InputError
from newstag.model.decode import group_thresholds
from newstag.model.odds import at_even_odds, clip
from newstag.taxonomy import LabelGroup, Taxonomy

STRATEGIES = ("entropy", "margin")
RANK_FIELD = "queue_rank"


@dataclass(frozen=True)
class QueueItem:
    index: int
    """Row of the input."""
    uncertainty: float
    redundancy: float
    """Highest similarity to a sentence picked before it (0 for the first)."""


def group_uncertainty(
    group: LabelGroup, probabilities: np.ndarray, threshold, strategy: str = "entropy"
) -> np.ndarray:
    p = clip(probabilities)
    if group.multiple:
        shifted = at_even_odds(p, threshold)
        if strategy == "margin":
            return (1 - np.abs(2 * shifted - 1)).max(axis=1)
        return _binary_entropy(shifted).max(axis=1)
    if strategy == "margin":
        top_two = np.sort(p, axis=1)[:, -2:]
        return 1 - (top_two[:, 1] - top_two[:, 0])
    p = p / p.sum(axis=1, keepdims=True)
    return -(p * np.log(p)).sum(axis=1) / np.log(p.shape[1])


def uncertainty(
    taxonomy: Taxonomy, probabilities: dict[str, np.ndarray], threshold, strategy: str = "entropy"
) -> np.ndarray:
    """Mean uncertainty over the groups, one number in [0, 1] per sentence. `threshold`: one
    for all values, or per multiple-choice group one per value (as `decode` takes them)."""
    if strategy not in STRATEGIES:
        raise InputError(f"uncertainty strategy {strategy!r} is not known; use one of {STRATEGIES}")
    per_group = [
        group_uncertainty(g, probabilities[g.name], group_thresholds(g, threshold), strategy)
        for g in taxonomy.groups
    ]
    return np.mean(per_group, axis=0)


def text_vectors(texts: Sequence[str]):
    """L2-normalised TF-IDF word vectors, so that a dot product is the cosine similarity."""
    from scipy.sparse import csr_matrix
    from sklearn.feature_extraction.text import TfidfVectorizer

    try:
        return TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2)).fit_transform(list(texts))
    except ValueError:  # no word in any text: nothing to compare, so no redundancy
        return csr_matrix((len(texts), 1))


def diverse_order(scores: np.ndarray, vectors, diversity: float, limit: int | None = None) -> list[QueueItem]:
    """Maximal marginal relevance over the first `limit` picks; the rest by score alone."""
    if not 0 <= diversity <= 1:
        raise InputError(f"diversity must be between 0 and 1, got {diversity}")
    scores = np.asarray(scores, dtype=float)
    n = len(scores)
    limit = n if limit is None else min(limit, n)
    redundancy = np.zeros(n)
    available = np.ones(n, dtype=bool)
    picked: list[QueueItem] = []
    for _ in range(limit):
        value = np.where(available, (1 - diversity) * scores - diversity * redundancy, -np.inf)
        best = int(np.argmax(value))
        picked.append(QueueItem(best, float(scores[best]), float(redundancy[best])))
        available[best] = False
        similarity = np.asarray((vectors @ vectors[best].T).todense()).ravel()
        redundancy = np.maximum(redundancy, similarity)
    rest = sorted(np.flatnonzero(available), key=lambda i: -scores[i])
    return picked + [QueueItem(int(i), float(scores[i]), float(redundancy[i])) for i in rest]


def rank(
    texts: Sequence[str],
    probabilities: dict[str, np.ndarray],
    taxonomy: Taxonomy,
    threshold,
    diversity: float = 0.3,
    strategy: str = "entropy",
    limit: int | None = None,
) -> list[QueueItem]:
    """The sentences in the order to annotate them."""
    if not len(texts):
        return []
    scores = uncertainty(taxonomy, probabilities, threshold, strategy)
    return diverse_order(scores, text_vectors(texts), diversity, limit)


def unlabelled(tasks: Sequence[dict]) -> list[int]:
    """Positions of the tasks without a submitted (not cancelled) annotation."""
    return [number for number, task in enumerate(tasks) if not submitted(task)]


def queue_tasks(
    tasks: Sequence[dict], model, diversity: float = 0.3, strategy: str = "entropy"
) -> list[dict]:
    """The unlabelled tasks in queue order, each with `data.queue_rank` (1 = first) and its
    uncertainty under `meta`, in Label Studio's import format. `model` is a SavedModel; its
    uncertainty is measured at the model's own per-value thresholds, where `tag` decides."""
    positions = unlabelled(tasks)
    texts = [_text(tasks[p], p) for p in positions]
    probabilities = model.tagger.predict_proba(texts) if texts else {}
    items = rank(texts, probabilities, model.tagger.taxonomy, model.tagger.thresholds(), diversity, strategy)
    ordered = []
    for number, item in enumerate(items, start=1):
        task = tasks[positions[item.index]]
        meta = {
            **(task.get("meta") or {}),
            "newstag_uncertainty": round(item.uncertainty, 4),
            "newstag_model_version": model.version,
        }
        ordered.append({**task, "data": {**task["data"], RANK_FIELD: number}, "meta": meta})
    return ordered


def _text(task: dict, number: int) -> str:
    text = (task.get("data") or {}).get("text")
    if not isinstance(text, str):
        raise InputError(f"task {number} has no data.text; write tasks with `newstag export`")
    return text


def _binary_entropy(p: np.ndarray) -> np.ndarray:
    return -(p * np.log2(p) + (1 - p) * np.log2(1 - p))
