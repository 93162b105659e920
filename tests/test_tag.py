from newstag.model.persist import load_model
from newstag.tagging.tag import TaggedSentence, article_record, sentence_rows, tag_articles
from newstag.text.articles import Article
from newstag.text.sentences import split_article

TEXT = "Hospital bombed\n\nRussian jets bombed the hospital. Moscow denied the attack. Talks resume Monday."


def tagged_article(trained_model_dir, config):
    split = split_article(Article(id="x", title="Hospital bombed", text=TEXT), config.sentences)
    [tagged] = tag_articles([split], load_model(trained_model_dir))
    return tagged


def test_every_sentence_gets_consistent_labels_and_probabilities(trained_model_dir, config):
    tagged = tagged_article(trained_model_dir, config)
    assert len(tagged.sentences) == 4
    for sentence in tagged.sentences:
        assert config.taxonomy.violations(sentence.labels) == []
        for group, probabilities in sentence.probabilities.items():
            assert set(probabilities) == set(config.taxonomy.group(group).value_names)
            assert all(0.0 <= p <= 1.0 for p in probabilities.values())


def test_summary_lists_values_with_their_sentences(trained_model_dir, config):
    tagged = tagged_article(trained_model_dir, config)
    expected: dict = {}
    for t in tagged.sentences:
        for group, values in t.labels.items():
            for value in values:
                if value != "none":
                    expected.setdefault(group, {}).setdefault(value, []).append(t.sentence.index)
    assert tagged.summary == expected


def test_records_and_rows_carry_the_same_labels(trained_model_dir, config):
    tagged = tagged_article(trained_model_dir, config)
    record = article_record(tagged, "v1")
    rows = list(sentence_rows(tagged))
    assert record["model_version"] == "v1" and len(record["sentences"]) == len(rows) == 4
    for sentence, row in zip(record["sentences"], rows, strict=True):
        assert row["claim_status"] == "|".join(sentence["labels"]["claim_status"])
        assert (
            row[f"p_claim_status_{sentence['labels']['claim_status'][0]}"]
            == sentence["probabilities"]["claim_status"][sentence["labels"]["claim_status"][0]]
        )


def seed_articles(copies: int):
    from dataclasses import replace

    from newstag.text.articles import read_articles

    from .conftest import ROOT

    seeds = list(read_articles([ROOT / "seeds"]))
    return [replace(a, id=f"{a.id}-{n}") for n in range(copies) for a in seeds]


def flat(tagged_articles):
    return [(t.sentence.id, t.labels, t.probabilities) for a in tagged_articles for t in a.sentences]


def test_batching_across_articles_changes_nothing(trained_model_dir, config):
    model = load_model(trained_model_dir)
    splits = [split_article(a, config.sentences) for a in seed_articles(1)]
    one_by_one = flat(tag_articles(splits, model, batch_sentences=1))
    batched = flat(tag_articles(splits, model, batch_sentences=10_000))
    assert batched == one_by_one


def test_two_jobs_give_the_same_output_in_input_order(trained_model_dir, config):
    from newstag.tagging.parallel import chunks, tag_stream

    articles = seed_articles(3)
    assert len(list(chunks(articles, 5000))) > 4
    model = load_model(trained_model_dir)
    serial = list(tag_stream(articles, model, config.sentences, jobs=1))
    parallel = list(tag_stream(articles, model, config.sentences, jobs=2, chunk_chars=5000))
    assert [t.split.article.id for t in parallel] == [a.id for a in articles]
    assert flat(parallel) == flat(serial)


def test_errors_in_the_input_stream_reach_the_caller_with_jobs(trained_model_dir, config):
    import pytest

    from newstag.errors import InputError
    from newstag.tagging.parallel import tag_stream

    def articles():
        yield from seed_articles(1)
        raise InputError("bad article")

    with pytest.raises(InputError, match="bad article"):
        list(tag_stream(articles(), load_model(trained_model_dir), config.sentences, jobs=2))


def test_confidence_is_the_least_probable_chosen_value(config):
    split = split_article(Article(id="x", title="Hospital bombed", text=TEXT), config.sentences)
    sentence = split.sentences[1]
    tagged = TaggedSentence(
        sentence,
        {"attack_type": ["air_strike", "shelling_missile"], "actor": ["russia"], "claim_status": ["claim"]},
        {
            "attack_type": {"air_strike": 0.9, "shelling_missile": 0.6, "none": 0.1},
            "actor": {"russia": 0.8},
            "claim_status": {"claim": 0.7},
        },
    )
    assert tagged.confidence("attack_type") == 0.6
    assert tagged.confidence("actor") == 0.8


UNSURE = [{}, {}, {"actor": ["russia"]}, {}]
"""Sentence 2's actor, russia, was chosen below its threshold."""
HAND_LABELS = [
    {},
    {"attack_type": ["air_strike"], "actor": ["russia"], "claim_status": ["claim"]},
    {"attack_type": ["unspecified"], "actor": ["russia"], "claim_status": ["denial"]},
    {},
]


def test_uncertain_values_are_marked_in_records_and_rows_and_left_out_of_the_summary(config):
    from .conftest import hand_tagged

    article = Article(id="x", title="Hospital bombed", text=TEXT)
    tagged = hand_tagged(article, HAND_LABELS, config, uncertain=UNSURE)
    record = article_record(tagged, "v1")
    assert [s["uncertain"] for s in record["sentences"]] == UNSURE
    assert record["summary"]["actor"] == {"russia": [1]}
    assert record["uncertain"] == {"actor": {"russia": [2]}}
    assert [row["uncertain"] for row in sentence_rows(tagged)] == ["", "", "actor:russia", ""]


def test_the_table_marks_uncertain_values_and_lists_them_apart_in_the_summary(config):
    from newstag.cli.table import render_table

    from .conftest import hand_tagged

    tagged = hand_tagged(
        Article(id="x", title="Hospital bombed", text=TEXT), HAND_LABELS, config, uncertain=UNSURE
    )
    thresholds = {"attack_type": 0.5, "actor": 0.15}
    shown = render_table(tagged, config.taxonomy.group_names, False, config.taxonomy, thresholds)
    assert "russia 0.09 < 0.15 uncertain" in shown
    assert "actor: russia (sentences 1); uncertain: russia (sentences 2)" in shown


def test_a_found_common_noun_is_named_by_the_sentence_actor_value(config):
    """`tag` names "the regime" by the actor value it predicted for the sentence."""
    from newstag.model.parties import PartyNames
    from newstag.tagging.tag import party_spans

    text = "The regime shelled the hospital."
    found = party_spans(text, [(4, 10, 0.9)], PartyNames(config.parties), ["syrian_government"])
    assert [(s.text, s.party, s.actor) for s in found] == [
        ("regime", "Syrian government", "syrian_government")
    ]


def test_a_found_span_whose_party_is_not_the_sentence_actor_is_dropped(config):
    """The actor group holds responsible the parties the spans name: "Russia" beside actor `isis`
    is not the one blamed, nor an unknown party beside a sentence without `other_actor`."""
    from newstag.model.parties import PartyNames
    from newstag.tagging.tag import party_spans

    text = "Russia said the Wagner-backed Zulu Brigade and IS shelled the hospital."
    runs = [(0, 6, 0.9), (30, 42, 0.8), (47, 49, 0.9)]

    def kept(actors):
        found = party_spans(text, runs, PartyNames(config.parties), actors, "other_actor")
        return [span.text for span in found]

    assert kept(["isis"]) == ["IS"]
    assert kept(["isis", "other_actor"]) == ["Zulu Brigade", "IS"]
    assert kept(["russia", "isis"]) == ["Russia", "IS"]
