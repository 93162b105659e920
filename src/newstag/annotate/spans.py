"""Text spans in a sentence (spec section 4): read and checked from a Label Studio `labels`
result, written back as one, and compared between two readings of the same sentence.

Offsets are Python string indices into the sentence (characters, not bytes): Label Studio
1.23 writes them so, after an emoji too (tests/test_browser.py marks a span after one).
Token-level F1 counts the sentence's tokens (words and punctuation marks) that both readings
cover; exact-match F1 counts spans with the same start and end.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from newstag.annotate.fields import is_whole
from newstag.errors import AnnotationError
from newstag.taxonomy import Labels, Taxonomy

TO_NAME = "text"
_TOKEN = re.compile(r"\w+|[^\w\s]")


@dataclass(frozen=True, order=True)
class Span:
    start: int
    end: int
    text: str


@dataclass(frozen=True, order=True)
class PartySpan(Span):
    """A span a model found: its words, the canonical party they name (the alias table's name,
    or the words themselves when no alias matches), the taxonomy's actor value for that party
    when it has one, and the model's score for the span."""

    party: str = ""
    actor: str | None = None
    score: float = 1.0


def standing_spans(
    sentence: str,
    found: dict[str, list[PartySpan]],
    labels: Labels,
    taxonomy: Taxonomy,
    groups: Iterable[str] | None = None,
) -> list[tuple[str, PartySpan]]:
    """(span group, span) for each found span that may stand beside `labels` (of the span
    groups of `groups`, or all): none in a sentence whose labels hold no named value of the
    span group's group (the spec's rule: no `responsible` span where the actor is none or
    unidentified), and none whose text is not the sentence's at its offsets."""
    return [
        (span_group.name, span)
        for span_group in taxonomy.spans
        if (groups is None or span_group.group in groups) and span_group.holds(labels, 1)
        for span in found.get(span_group.name, ())
        if 0 <= span.start < span.end and sentence[span.start : span.end] == span.text
    ]


def annotation_spans(annotation: dict, taxonomy: Taxonomy, sentence, where: str) -> dict[str, list[Span]]:
    """The spans of one annotation (or prediction), by span group (every group of the
    taxonomy, empty when none was marked), sorted; each one checked against the sentence."""
    spans: dict[str, set[Span]] = {}
    for item in annotation.get("result") or []:
        if item.get("type") != "labels":
            continue
        name = item.get("from_name")
        if name not in taxonomy.span_names:
            raise AnnotationError(
                f"{where}: span group {name!r} is not in the taxonomy {taxonomy.span_names}"
            )
        if item.get("to_name") != TO_NAME or not isinstance(sentence, str):
            raise AnnotationError(f"{where}: {name} spans must be marked in the sentence (to_name 'text')")
        spans.setdefault(name, set()).add(_span(item.get("value"), name, sentence, where))
    return {name: sorted(spans.get(name, ())) for name in taxonomy.span_names}


def _span(value, name: str, sentence: str, where: str) -> Span:
    value = value if isinstance(value, dict) else {}
    start, end, text, labels = (value.get(key) for key in ("start", "end", "text", "labels"))
    if not (is_whole(start) and is_whole(end)) or not isinstance(text, str):
        raise AnnotationError(f"{where}: a {name} span needs whole-number start and end and its text")
    if labels != [name]:
        raise AnnotationError(f"{where}: a {name} span is labelled {labels!r}; expected [{name!r}]")
    if not 0 <= start < end <= len(sentence):
        raise AnnotationError(
            f"{where}: {name} span {text!r} at {start}-{end} is outside the sentence (0-{len(sentence)})"
        )
    if sentence[start:end] != text:
        raise AnnotationError(
            f"{where}: {name} span {text!r} at {start}-{end} does not match the sentence there "
            f"({sentence[start:end]!r}); export the project again"
        )
    return Span(start, end, text)


def span_result(name: str, span: Span) -> dict:
    """A Label Studio result for one span (an annotation's or a prediction's)."""
    value = {"start": span.start, "end": span.end, "text": span.text, "labels": [name]}
    return {"from_name": name, "to_name": TO_NAME, "type": "labels", "value": value}


def span_rows(spans: Iterable[Span]) -> list[dict]:
    """Spans as the dataset stores them: a list of {start, end, text}."""
    return [asdict(span) for span in spans]


def spans_from_rows(rows: Iterable[dict]) -> list[Span]:
    return [Span(row["start"], row["end"], row["text"]) for row in rows]


def token_indices(sentence: str, spans: Iterable[Span]) -> set[int]:
    """The sentence's tokens (by position) that any span overlaps."""
    spans = list(spans)
    if not spans:  # most sentences: no need to tokenise
        return set()
    return {
        i
        for i, (start, end) in enumerate(token_offsets(sentence))
        if any(start < span.end and span.start < end for span in spans)
    }


def token_offsets(sentence: str) -> list[tuple[int, int]]:
    """The sentence's tokens (words and punctuation marks) as (start, end)."""
    return [token.span() for token in _TOKEN.finditer(sentence)]


@dataclass
class Overlap:
    """Counts pooled over sentences: what both readings share, and what each one has."""

    both: int = 0
    left: int = 0
    right: int = 0

    def add(self, left: set, right: set) -> None:
        self.both += len(left & right)
        self.left += len(left)
        self.right += len(right)

    @property
    def f1(self) -> float | None:
        """2|A∩B| / (|A| + |B|): symmetric, so it is the same whichever side is the reference;
        None when neither side marked anything."""
        total = self.left + self.right
        return 2 * self.both / total if total else None


@dataclass
class SpanAgreement:
    tokens: Overlap
    exact: Overlap


def compare(pairs: Iterable[tuple[str, list[Span], list[Span]]]) -> SpanAgreement:
    """Token-level and exact-match overlap over (sentence, spans, spans) triples."""
    result = SpanAgreement(Overlap(), Overlap())
    for sentence, left, right in pairs:
        result.tokens.add(token_indices(sentence, left), token_indices(sentence, right))
        result.exact.add({(s.start, s.end) for s in left}, {(s.start, s.end) for s in right})
    return result
