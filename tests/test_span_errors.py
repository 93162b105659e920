"""Likely span errors: each sign on a small hand-made dataset, and through `review`."""

from __future__ import annotations

from newstag.annotate.annotations import Example
from newstag.annotate.dataset import to_dataset
from newstag.annotate.spans import Span
from newstag.assist.span_errors import with_span_suspects

RSF = "The Rapid Support Forces shelled the market."
RUSSIA = "Russian jets bombed the hospital."
UNKNOWN = "The RSF hit the clinic, but who fired is unclear."
PRONOUN = "Its jets bombed the hospital."


def example(number: int, text: str, attack: str, actor: str, spans: list[Span]) -> Example:
    labels = {"attack_type": [attack], "actor": [actor], "claim_status": ["claim"]}
    return Example(f"a:{number}", "a", text, "Title", "", "", labels, spans={"responsible": spans})


def word(text: str, words: str) -> Span:
    start = text.index(words)
    return Span(start, start + len(words), words)


def dataset_of(taxonomy, rows):
    return to_dataset([example(n, *row) for n, row in enumerate(rows)], taxonomy)


def test_a_span_beside_an_unidentified_actor_and_an_unmarked_named_actor_are_suspects(taxonomy):
    dataset = dataset_of(
        taxonomy,
        [
            (RSF, "shelling_missile", "other_actor", [word(RSF, "Rapid Support Forces")]),  # fine
            (RUSSIA, "air_strike", "russia", []),  # "Russian" names the actor: unmarked
            (UNKNOWN, "unspecified", "unidentified", [word(UNKNOWN, "RSF")]),  # against the rule
            (PRONOUN, "air_strike", "russia", []),  # only a pronoun: nothing to mark
        ],
    )
    suspects = with_span_suspects([], dataset, taxonomy)
    assert [(s["sentence_id"], s["given"], s["suggested"], s["quality"]) for s in suspects] == [
        ("a:2", ["RSF@4-7"], [], 0.0),
        ("a:1", [], ["Russian@0-7"], 1.0),
    ]
    assert suspects[0]["group"] == "responsible" and "against the rule" in suspects[0]["why"]


def test_data_without_any_span_is_not_suspected_of_unmarked_mentions(taxonomy):
    dataset = dataset_of(taxonomy, [(RUSSIA, "air_strike", "russia", [])])
    assert with_span_suspects([], dataset, taxonomy) == []


def test_the_spans_of_a_doubted_actor_follow_its_label_suspect(taxonomy):
    dataset = dataset_of(
        taxonomy,
        [
            (RSF, "shelling_missile", "other_actor", [word(RSF, "Rapid Support Forces")]),
            (RUSSIA, "air_strike", "russia", [word(RUSSIA, "Russian")]),
        ],
    )
    doubted = {"sentence_id": "a:0", "group": "actor", "suggested": ["unidentified"], "quality": 0.2}
    other = {"sentence_id": "a:1", "group": "attack_type", "suggested": ["unspecified"], "quality": 0.5}
    merged = with_span_suspects([doubted, other], dataset, taxonomy)
    assert [(s["sentence_id"], s["group"]) for s in merged] == [
        ("a:0", "actor"),
        ("a:0", "responsible"),
        ("a:1", "attack_type"),
    ]
    assert merged[1]["given"] == ["Rapid Support Forces@4-24"] and "unidentified" in merged[1]["why"]


def test_review_puts_a_span_against_the_rule_first(in_project, config):
    import dataclasses

    from newstag.annotate.dataset import group_labels, load_labelled
    from newstag.assist.label_errors import review

    dataset = load_labelled(in_project / "labeling" / "seed_annotations.json", config.taxonomy)
    row = group_labels(dataset, "actor").index(["unidentified"])
    text = dataset[row]["text"]
    marked = {"start": 0, "end": len(text.split()[0]), "text": text.split()[0]}
    dataset = dataset.map(lambda r, i: {"responsible": [marked] if i == row else []}, with_indices=True)
    cheap = dataclasses.replace(config, model=dataclasses.replace(config.model, features="tfidf+cues"))
    found = review(dataset, cheap)
    assert (found[0]["sentence_id"], found[0]["group"]) == (dataset[row]["sentence_id"], "responsible")
    assert [r["quality"] for r in found] == sorted(r["quality"] for r in found)
