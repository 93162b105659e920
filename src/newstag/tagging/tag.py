"""Tagging articles: labels and probabilities per sentence, and a summary per article."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from newstag.model.decode import decode
from newstag.model.persist import SavedModel
from newstag.text.sentences import Sentence, SplitArticle, in_context

T = TypeVar("T")

IGNORED_IN_SUMMARY = {"none"}


@dataclass(frozen=True)
class TaggedSentence:
    sentence: Sentence
    labels: dict[str, list[str]]
    probabilities: dict[str, dict[str, float]]

    def confidence(self, group: str) -> float:
        """The probability of the least probable chosen value: how sure the whole answer is."""
        return min(self.probabilities[group][value] for value in self.labels[group])


@dataclass(frozen=True)
class TaggedArticle:
    split: SplitArticle
    sentences: list[TaggedSentence]

    @property
    def summary(self) -> dict:
        """For each group, each value found (but "none") with the sentences that carry it."""
        found: dict[str, dict[str, list[int]]] = {}
        for tagged in self.sentences:
            for group, values in tagged.labels.items():
                for value in values:
                    if value not in IGNORED_IN_SUMMARY:
                        found.setdefault(group, {}).setdefault(value, []).append(tagged.sentence.index)
        return found


BATCH_SENTENCES = 256
"""Sentences of consecutive articles are predicted together: one predict_proba call per
article would spend more time in scikit-learn's per-call overhead than in the model."""


def tag_articles(
    articles: Iterable[SplitArticle], model: SavedModel, batch_sentences: int = BATCH_SENTENCES
) -> Iterator[TaggedArticle]:
    """Tag split articles, yielding each in input order once its batch is predicted."""
    for batch in batched(articles, lambda split: len(split.sentences), batch_sentences):
        yield from _tag_batch(batch, model)


def batched(items: Iterable[T], weight: Callable[[T], int], limit: int) -> Iterator[list[T]]:
    """Consecutive items grouped until their total weight reaches `limit`."""
    batch: list[T] = []
    total = 0
    for item in items:
        batch.append(item)
        total += weight(item)
        if total >= limit:
            yield batch
            batch, total = [], 0
    if batch:
        yield batch


def _tag_batch(batch: list[SplitArticle], model: SavedModel) -> Iterator[TaggedArticle]:
    taxonomy = model.tagger.taxonomy
    texts = [
        in_context(sentence.text, sentence.title, sentence.context_before, sentence.context_after)
        for split in batch
        for sentence in split.sentences
    ]
    probabilities = model.tagger.predict_proba(texts)
    labels = decode(taxonomy, probabilities, model.tagger.thresholds())
    values = {g.name: g.value_names for g in taxonomy.groups}
    row = 0
    for split in batch:
        sentences = []
        for sentence in split.sentences:
            chosen = {group: probabilities[group][row].tolist() for group in values}
            sentences.append(
                TaggedSentence(
                    sentence,
                    labels[row],
                    {g: dict(zip(names, chosen[g], strict=True)) for g, names in values.items()},
                )
            )
            row += 1
        yield TaggedArticle(split, sentences)


def article_record(tagged: TaggedArticle, model_version: str) -> dict:
    """One JSON line per article."""
    article = tagged.split.article
    return {
        "article_id": article.id,
        "title": article.title,
        "source": article.source,
        "model_version": model_version,
        "summary": tagged.summary,
        "sentences": [
            {
                "sentence_id": t.sentence.id,
                "index": t.sentence.index,
                "text": t.sentence.text,
                "start": t.sentence.start,
                "end": t.sentence.end,
                "labels": t.labels,
                "probabilities": {
                    g: {v: round(p, 4) for v, p in ps.items()} for g, ps in t.probabilities.items()
                },
            }
            for t in tagged.sentences
        ],
    }


def sentence_rows(tagged: TaggedArticle) -> Iterator[dict]:
    """One flat row per sentence, for CSV: chosen values joined by "|", then every probability."""
    for t in tagged.sentences:
        row = {
            "article_id": t.sentence.article_id,
            "sentence_id": t.sentence.id,
            "index": t.sentence.index,
            "text": t.sentence.text,
        }
        row.update({group: "|".join(values) for group, values in t.labels.items()})
        for group, probabilities in t.probabilities.items():
            row.update({f"p_{group}_{value}": round(p, 4) for value, p in probabilities.items()})
        yield row
