"""Likely span errors (spec section 4), beside the label suspects of `label_errors`.

Three signs, each cheap and each said plainly in the suspect's `why`:

- a span in a sentence whose labels hold no named value of its group (the spec's rule: no
  `responsible` span where the actor is none or unidentified);
- a span in a sentence whose actor the out-of-fold model doubts, suggesting only such values:
  if the model is right, the spans go too;
- a named actor given, no span marked, and one of that actor value's cue words in the sentence:
  a mention left unmarked (the spec: a named actor has at least one span, unless only a pronoun
  names it). Only in data where the span group was annotated at all (some row has a span).

The span model's own view (a marked span it confidently rejects, or one it confidently finds
that nobody marked) needs its out-of-fold spans, which the span model does not give yet.
"""

from __future__ import annotations

import re

from newstag.annotate.dataset import gold_labels, group_spans
from newstag.annotate.spans import Span
from newstag.model.cues import cue_pattern
from newstag.taxonomy import SpanGroup, Taxonomy

BROKEN_RULE, UNMARKED = 0.0, 1.0
"""Where these signs rank among the label suspects (by `quality`, least first): a broken rule
first, an unmarked cue last (no model doubts it). A doubted actor's spans take the quality of
the label suspect they follow."""


def with_span_suspects(records: list[dict], dataset, taxonomy: Taxonomy) -> list[dict]:
    """The label suspects `records` (most likely first) with the span suspects among them."""
    found = [
        s for span_group in taxonomy.spans for s in _span_suspects(span_group, records, dataset, taxonomy)
    ]
    return sorted([*records, *found], key=lambda record: record["quality"])


def _span_suspects(span_group: SpanGroup, records: list[dict], dataset, taxonomy: Taxonomy) -> list[dict]:
    if span_group.name not in dataset.features:
        return []
    spans, labels = group_spans(dataset, span_group.name), gold_labels(dataset, taxonomy)[span_group.group]
    doubted = {r["sentence_id"]: r for r in records if r["group"] == span_group.group}
    annotated = any(spans)
    suspects = []
    for row, (marked, given) in enumerate(zip(spans, labels, strict=True)):
        sentence_id, text = dataset[row]["sentence_id"], dataset[row]["text"]
        doubt = doubted.get(sentence_id)
        if marked and not span_group.holds({span_group.group: given}, len(marked)):
            why = f"a {span_group.name} span beside {span_group.group} {'|'.join(given)}, against the rule"
            suspects.append(_record(sentence_id, text, span_group, marked, [], why, BROKEN_RULE))
        elif marked and doubt and set(doubt["suggested"]) <= set(span_group.not_with):
            why = (
                f"the model suggests {span_group.group} {'|'.join(doubt['suggested'])} "
                f"(see its suspect): then these spans go too"
            )
            suspects.append(_record(sentence_id, text, span_group, marked, [], why, doubt["quality"]))
        elif annotated and not marked and span_group.holds({span_group.group: given}, 1):
            unmarked = _cue_mentions(text, given, span_group, taxonomy)
            if unmarked:
                named = f"{span_group.group} {'|'.join(given)}"
                why = f"{named} given and named here, but no {span_group.name} span marks it"
                suspects.append(_record(sentence_id, text, span_group, [], unmarked, why, UNMARKED))
    return suspects


def _cue_mentions(text: str, given: list[str], span_group: SpanGroup, taxonomy: Taxonomy) -> list[Span]:
    """Where the cue words of the given named values stand in the sentence, in its order."""
    group = taxonomy.group(span_group.group)
    cues = [cue for value in group.values if value.name in given for cue in value.cues]
    pattern = cue_pattern(cues)
    if pattern is None:
        return []
    return [Span(m.start(), m.end(), m[0]) for m in re.finditer(pattern + r"\w*", text, re.IGNORECASE)]


def _record(
    sentence_id: str, text: str, span_group: SpanGroup, given: list, suggested: list, why: str, quality
) -> dict:
    """A span suspect, with the keys of a label suspect: the given and suggested spans as
    "text@start-end"."""
    return {
        "sentence_id": sentence_id,
        "text": text,
        "group": span_group.name,
        "given": [_named(span) for span in given],
        "suggested": [_named(span) for span in suggested],
        "p_given": {},
        "p_suggested": {},
        "thresholds": {},
        "why": why,
        "changes": [f"-{_named(span)}" for span in given] + [f"+{_named(span)}" for span in suggested],
        "quality": quality,
        "margin": 0.0,
    }


def _named(span: Span) -> str:
    return f"{span.text}@{span.start}-{span.end}"
