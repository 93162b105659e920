"""Tagging articles: labels and probabilities per sentence, and a summary per article."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import TypeVar

from newstag.annotate.spans import PartySpan
from newstag.model.decode import decode, uncertain_values
from newstag.model.parties import PartyNames, agrees, others_value
from newstag.model.persist import SavedModel
from newstag.text.sentences import InContext, Sentence, SplitArticle, in_context

T = TypeVar("T")

IGNORED_IN_SUMMARY = {"none"}
UNCERTAIN = "uncertain"
"""How every output marks a value chosen below its threshold (`decode.uncertain_values`)."""


@dataclass(frozen=True)
class TaggedSentence:
    sentence: Sentence
    labels: dict[str, list[str]]
    probabilities: dict[str, dict[str, float]]
    uncertain: dict[str, list[str]] = field(default_factory=dict)
    """Group -> the chosen values below their thresholds (none for most sentences)."""
    spans: dict[str, list[PartySpan]] = field(default_factory=dict)
    """Span group (`taxonomy.span_names`) -> the spans found, in sentence order (empty when the
    model finds no spans)."""

    def confidence(self, group: str) -> float:
        """The probability of the least probable chosen value: how sure the whole answer is."""
        return min(self.probabilities[group][value] for value in self.labels[group])

    @property
    def sure_labels(self) -> dict[str, list[str]]:
        """The labels less the uncertain values: what counts and summaries count."""
        return {
            group: [value for value in values if value not in self.uncertain.get(group, ())]
            for group, values in self.labels.items()
        }


@dataclass(frozen=True)
class TaggedArticle:
    split: SplitArticle
    sentences: list[TaggedSentence]

    @property
    def summary(self) -> dict:
        """For each group, each value found (but "none") with the sentences that carry it;
        uncertain values are not found (see `uncertain_summary`)."""
        return _found(self.sentences, lambda tagged: tagged.sure_labels)

    @property
    def uncertain_summary(self) -> dict:
        """The same for the uncertain values, shown apart."""
        return _found(self.sentences, lambda tagged: tagged.uncertain)

    @property
    def parties(self) -> dict[str, dict[str, list[int]]]:
        """For each span group, each canonical party named with the sentences that name it."""
        return _found(self.sentences, lambda tagged: _span_parties(tagged.spans))


def _span_parties(spans: dict[str, list[PartySpan]]) -> dict[str, list[str]]:
    return {name: list(dict.fromkeys(span.party for span in found)) for name, found in spans.items()}


def _found(sentences: list[TaggedSentence], labels_of) -> dict[str, dict[str, list[int]]]:
    found: dict[str, dict[str, list[int]]] = {}
    for tagged in sentences:
        for group, values in labels_of(tagged).items():
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
    parties = model.config.parties
    for batch in batched(articles, lambda split: len(split.sentences), batch_sentences):
        yield from _tag_batch(batch, model, parties)


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


def model_input(sentence: Sentence) -> InContext:
    """What the model reads of a sentence: its text, with its title and neighbours as context."""
    return in_context(sentence.text, sentence.title, sentence.context_before, sentence.context_after)


def _tag_batch(batch: list[SplitArticle], model: SavedModel, parties=()) -> Iterator[TaggedArticle]:
    taxonomy = model.tagger.taxonomy
    texts = [model_input(sentence) for split in batch for sentence in split.sentences]
    probabilities = model.tagger.predict_proba(texts)
    thresholds = model.tagger.thresholds()
    labels = decode(taxonomy, probabilities, thresholds)
    found = model.tagger.find_spans(texts, labels)
    values = {g.name: g.value_names for g in taxonomy.groups}
    labelled_by = {span_group.name: span_group.group for span_group in taxonomy.spans}
    others = others_value(taxonomy, parties)
    row = 0
    for split in batch:
        sentences = []
        names = PartyNames(parties)  # an article's later mentions may name its earlier parties
        for sentence in split.sentences:
            chosen = {group: probabilities[group][row].tolist() for group in values}
            by_value = {
                g: dict(zip(value_names, chosen[g], strict=True)) for g, value_names in values.items()
            }
            uncertain = uncertain_values(taxonomy, labels[row], by_value, thresholds)
            spans = {
                name: party_spans(sentence.text, runs, names, labels[row].get(labelled_by[name], ()), others)
                for name, runs in found[row].items()
            }
            sentences.append(TaggedSentence(sentence, labels[row], by_value, uncertain, spans))
            row += 1
        yield TaggedArticle(split, sentences)


def party_spans(text: str, runs, names: PartyNames, actors=(), others: str | None = None) -> list[PartySpan]:
    """Found spans, (start, end, score), with the canonical party each names (`actors`: the
    sentence's values of the group the spans belong to, which name a common-noun mention's),
    without those whose party disagrees with them (`parties.agrees`; `others`: the group's value
    for a party it has none of)."""
    spans = []
    for start, end, score in runs:
        party, actor = names.resolve(text[start:end], actors)
        if agrees(actor, actors, others):
            spans.append(PartySpan(start, end, text[start:end], party, actor, round(score, 4)))
    return spans


def article_record(tagged: TaggedArticle, model_version: str) -> dict:
    """One JSON line per article."""
    article = tagged.split.article
    return {
        "article_id": article.id,
        "title": article.title,
        "location": article.location,
        "model_version": model_version,
        "summary": tagged.summary,
        UNCERTAIN: tagged.uncertain_summary,
        "parties": tagged.parties,
        "sentences": [
            {
                "sentence_id": t.sentence.id,
                "index": t.sentence.index,
                "text": t.sentence.text,
                "start": t.sentence.start,
                "end": t.sentence.end,
                "labels": t.labels,
                UNCERTAIN: t.uncertain,
                "spans": {name: [asdict(span) for span in found] for name, found in t.spans.items()},
                "probabilities": {
                    g: {v: round(p, 4) for v, p in ps.items()} for g, ps in t.probabilities.items()
                },
            }
            for t in tagged.sentences
        ],
    }


def sentence_rows(tagged: TaggedArticle, span_names: Sequence[str] = ()) -> Iterator[dict]:
    """One flat row per sentence, for CSV: chosen values joined by "|", the uncertain ones among
    them ("actor:us_coalition", joined by "|"), for each of `span_names` the spans' words, their
    offsets ("start-end") and canonical parties (each joined by "|"), then every probability."""
    for t in tagged.sentences:
        row = {
            "article_id": t.sentence.article_id,
            "sentence_id": t.sentence.id,
            "index": t.sentence.index,
            "text": t.sentence.text,
        }
        row.update({group: "|".join(values) for group, values in t.labels.items()})
        row[UNCERTAIN] = "|".join(
            f"{group}:{value}" for group, values in t.uncertain.items() for value in values
        )
        for name in span_names:
            found = t.spans.get(name, [])
            row[name] = "|".join(span.text for span in found)
            row[f"{name}_offsets"] = "|".join(f"{span.start}-{span.end}" for span in found)
            row[f"{name}_party"] = "|".join(span.party for span in found)
        for group, probabilities in t.probabilities.items():
            row.update({f"p_{group}_{value}": round(p, 4) for value, p in probabilities.items()})
        yield row
