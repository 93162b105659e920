"""Spans read from Label Studio results, checked against their sentence, and compared."""

from __future__ import annotations

import pytest

from newstag.annotate.spans import Span, annotation_spans, compare, span_result, token_indices
from newstag.errors import AnnotationError

SENTENCE = "Shelling by the Rapid Support Forces hit the hospital, and the RSF denied it."


def result(start: int, end: int, text: str, **changes) -> dict:
    item = span_result("responsible", Span(start, end, text))
    item.update(changes)
    return item


def spans_of(*items, sentence=SENTENCE, taxonomy) -> list[Span]:
    return annotation_spans({"result": list(items)}, taxonomy, sentence, "task 7")["responsible"]


def test_spans_read_sorted_with_offsets_and_text(taxonomy):
    second, first = result(63, 66, "RSF"), result(16, 36, "Rapid Support Forces")
    choice = {"from_name": "actor", "type": "choices", "value": {"choices": ["other_actor"]}}
    assert spans_of(second, choice, first, first, taxonomy=taxonomy) == [
        Span(16, 36, "Rapid Support Forces"),
        Span(63, 66, "RSF"),
    ]
    assert annotation_spans({"result": [choice]}, taxonomy, SENTENCE, "task 7") == {"responsible": []}


def test_a_span_result_is_label_studios_labels_result():
    assert span_result("responsible", Span(63, 66, "RSF")) == {
        "from_name": "responsible",
        "to_name": "text",
        "type": "labels",
        "value": {"start": 63, "end": 66, "text": "RSF", "labels": ["responsible"]},
    }


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (
            result(60, 80, "the RSF denied it.!!"),
            "span 'the RSF denied it.!!' at 60-80 is outside the sentence",
        ),
        (result(-1, 3, "She"), "outside the sentence"),
        (
            result(12, 36, "the Rapid Support Forces!"),
            "does not match the sentence there ('the Rapid Support Forces')",
        ),
        (
            result(16, 36, "Rapid Support Forces", from_name="blamed"),
            "span group 'blamed' is not in the taxonomy",
        ),
        (result(16, 36, "Rapid Support Forces", to_name="context_before"), "must be marked in the sentence"),
        (result(16, "36", "Rapid Support Forces"), "needs whole-number start and end"),
        (
            {
                **result(16, 36, "x"),
                "value": {"start": 16, "end": 36, "text": "Rapid Support Forces", "labels": []},
            },
            "labelled []",
        ),
    ],
)
def test_bad_spans_are_refused_naming_the_task(taxonomy, item, message):
    with pytest.raises(AnnotationError, match="task 7") as error:
        spans_of(item, taxonomy=taxonomy)
    assert message in str(error.value) and "\n" not in str(error.value)


def test_offsets_count_characters_after_an_emoji(taxonomy):
    """As Label Studio writes them (the browser test); UTF-16 offsets would be one further."""
    sentence = "🚨 Breaking: Russian jets hit the clinic."
    start = sentence.index("Russian")
    assert spans_of(result(start, start + 7, "Russian"), sentence=sentence, taxonomy=taxonomy) == [
        Span(start, start + 7, "Russian")
    ]
    with pytest.raises(AnnotationError, match="does not match the sentence there"):
        spans_of(result(start + 1, start + 8, "Russian"), sentence=sentence, taxonomy=taxonomy)


def test_tokens_a_span_overlaps():
    sentence = "Assad's forces dropped barrel bombs."
    assert token_indices(sentence, [Span(0, 14, "Assad's forces")]) == {0, 1, 2, 3}
    assert token_indices(sentence, [Span(0, 3, "Ass")]) == {0}, "a partly covered token counts"
    assert token_indices(sentence, [Span(0, 5, "Assad")]) == {0}, "the token right after does not"
    assert token_indices(sentence, [Span(6, 7, "s")]) == {2}, "nor the token right before"
    assert token_indices(sentence, []) == set()


def test_token_and_exact_match_f1_on_hand_made_pairs():
    sentence = "Houthi rebels shelled the city while the Saudi-led coalition bombed it."
    houthi, rebels = Span(0, 13, "Houthi rebels"), Span(7, 13, "rebels")
    coalition, the_coalition = Span(41, 60, "Saudi-led coalition"), Span(37, 60, "the Saudi-led coalition")
    same = compare([(sentence, [houthi, coalition], [houthi, coalition])])
    assert (same.tokens.f1, same.exact.f1) == (1.0, 1.0)
    # tokens: left {Houthi, rebels, Saudi, -, led, coalition} = 6, right {rebels, the, Saudi, -, led,
    # coalition} = 6, both 5 -> 10/12; exact: no span shared.
    partial = compare([(sentence, [houthi, coalition], [rebels, the_coalition])])
    assert partial.tokens.f1 == pytest.approx(10 / 12) and partial.exact.f1 == 0.0
    # one of two spans missed: tokens 2*2/(6+2)... pooled with a sentence both leave empty.
    missed = compare([(sentence, [houthi, coalition], [houthi]), ("No one was hurt.", [], [])])
    assert missed.tokens.f1 == pytest.approx(2 * 2 / (6 + 2)) and missed.exact.f1 == pytest.approx(2 / 3)
    assert compare([("No one was hurt.", [], [])]).tokens.f1 is None
