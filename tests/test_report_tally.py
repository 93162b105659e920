from newstag.report.tally import (
    ACTOR_ATTACK,
    DENIALS,
    TIMELINE,
    Count,
    Tally,
    cell_filter,
    month_of,
    responsible_rows,
    sentence_cells,
    sentence_tokens,
)
from newstag.text.articles import Article

from .conftest import hand_tagged

TEXT = "Hospital hit\n\nRussian jets bombed the hospital. Moscow denied it. Shells fell on the market."
LABELS = [
    {"attack_type": ["unspecified"], "actor": ["unidentified"], "claim_status": ["claim"]},
    {"attack_type": ["air_strike"], "actor": ["russia", "syrian_government"], "claim_status": ["claim"]},
    {"actor": ["russia"], "claim_status": ["denial"]},
    {"attack_type": ["shelling_missile"], "claim_status": ["claim"]},
]


def article(article_id: str, date: str | None) -> Article:
    return Article(id=article_id, title="Hospital hit", text=TEXT, date=date)


def one_sentence(labels: dict, config, uncertain: dict | None = None):
    chosen, unsure = [{}, labels, {}, {}], [{}, uncertain or {}, {}, {}]
    return hand_tagged(article("a", None), chosen, config, uncertain=unsure).sentences[1]


def test_a_sentence_counts_once_per_actor_and_attack_type_and_its_denial_per_actor(config):
    labels = {
        "attack_type": ["air_strike", "shelling_missile"],
        "actor": ["russia"],
        "claim_status": ["denial"],
    }
    assert sorted(sentence_cells(one_sentence(labels, config), "2016-04", config.taxonomy)) == [
        (ACTOR_ATTACK, "russia", "air_strike"),
        (ACTOR_ATTACK, "russia", "shelling_missile"),
        (DENIALS, "russia", "denial"),
        (TIMELINE, "2016-04", "air_strike"),
        (TIMELINE, "2016-04", "shelling_missile"),
    ]
    unnamed = {"attack_type": ["none"], "actor": ["none"], "claim_status": ["denial"]}
    assert list(sentence_cells(one_sentence(unnamed, config), None, config.taxonomy)) == [
        (DENIALS, "none", "denial")
    ]


def test_uncertain_values_count_apart_and_a_denial_without_a_sure_actor_in_the_uncertain_row(config):
    labels = {"attack_type": ["air_strike"], "actor": ["us_coalition"], "claim_status": ["denial"]}
    unsure = one_sentence(labels, config, {"actor": ["us_coalition"]})
    assert list(sentence_cells(unsure, None, config.taxonomy)) == [(DENIALS, "uncertain", "denial")]
    assert sentence_tokens(unsure) == ["attack_type:air_strike", "claim_status:denial", "actor:uncertain"]
    assert cell_filter((DENIALS, "uncertain", "denial"), config.taxonomy)[0] == [
        "actor:uncertain",
        "claim_status:denial",
    ]
    tally = Tally(config.taxonomy)
    tally.add(hand_tagged(article("a", None), LABELS, config, uncertain=[{}, {}, {"actor": ["russia"]}, {}]))
    assert tally.table(DENIALS) == {("uncertain", "denial"): Count(1, 1)}
    assert tally.uncertain == {("actor", "russia"): 1}
    assert ("russia", "air_strike") in tally.table(ACTOR_ATTACK)  # the sure one, in sentence 1


def test_counts_add_up_sentences_and_articles_across_articles(config):
    tally = Tally(config.taxonomy)
    tally.add(hand_tagged(article("a", "2016-04-28"), LABELS, config))
    tally.add(hand_tagged(article("b", "2016-05-02T09:00"), LABELS, config))
    tally.add(hand_tagged(article("c", "last Tuesday"), LABELS[:1] + [{}] * 3, config))
    assert (tally.articles, tally.sentences, dict(tally.dated)) == (3, 12, {"2016-04": 1, "2016-05": 1})
    assert tally.table(ACTOR_ATTACK) == {
        ("unidentified", "unspecified"): Count(3, 3),
        ("russia", "air_strike"): Count(2, 2),
        ("syrian_government", "air_strike"): Count(2, 2),
    }
    assert tally.table(DENIALS) == {("russia", "denial"): Count(2, 2)}
    assert tally.table(TIMELINE)[("2016-05", "shelling_missile")] == Count(1, 1)


def test_each_cell_filters_for_the_labels_it_counts(taxonomy):
    assert cell_filter((ACTOR_ATTACK, "russia", "air_strike"), taxonomy) == (
        ["actor:russia", "attack_type:air_strike"],
        None,
        None,
    )
    assert cell_filter((DENIALS, "none", "denial"), taxonomy) == (
        ["actor:none", "claim_status:denial"],
        None,
        None,
    )
    assert cell_filter((TIMELINE, "2016-04", "chemical"), taxonomy) == (
        ["attack_type:chemical"],
        None,
        "2016-04",
    )
    assert cell_filter((DENIALS, "@Houthis", "denial"), taxonomy) == (
        ["claim_status:denial"],
        "@Houthis",
        None,
    )


def test_only_iso_dates_have_a_month():
    assert [month_of(d) for d in ("2016-04-28", "2016-04", "2016-041", "28/04/2016", None)] == [
        "2016-04",
        "2016-04",
        None,
        None,
        None,
    ]


def test_an_article_counts_once_in_a_cell_however_many_of_its_sentences_are_there(config):
    twice = [
        {"attack_type": ["air_strike"], "actor": ["russia"], "claim_status": ["claim"]},
        {"attack_type": ["air_strike"], "actor": ["russia"], "claim_status": ["claim"]},
        {"actor": ["russia"], "claim_status": ["denial"]},
        {"attack_type": ["air_strike"], "actor": ["russia"], "claim_status": ["denial"]},
    ]
    tally = Tally(config.taxonomy)
    tally.add(hand_tagged(article("a", "2016-04-28"), twice, config))
    tally.add(hand_tagged(article("b", None), twice, config))
    assert (tally.articles, tally.sentences, dict(tally.dated)) == (2, 8, {"2016-04": 1})
    assert tally.table(ACTOR_ATTACK) == {("russia", "air_strike"): Count(6, 2)}
    assert tally.table(DENIALS) == {("russia", "denial"): Count(4, 2)}
    assert tally.table(TIMELINE) == {("2016-04", "air_strike"): Count(3, 1)}


SUDAN = "RSF fighters and Russian jets hit the clinic. The army shelled it. Unknown gunmen fired."


def sudan(config):
    """Spans as the span model will give them: an unmapped party (the taxonomy's other_actor),
    a mapped one, a sentence with no span, and a span beside `unidentified` (against the rule)."""
    from .conftest import party_span

    first, third = "RSF fighters and Russian jets hit the clinic.", "Unknown gunmen fired."
    labels = [
        {"attack_type": ["air_strike", "ground_assault"], "actor": ["other_actor", "russia"]},
        {"attack_type": ["shelling_missile"], "actor": ["other_actor"], "claim_status": ["claim"]},
        {"attack_type": ["ground_assault"], "actor": ["unidentified"], "claim_status": ["claim"]},
    ]
    spans = [
        {
            "responsible": [
                party_span(first, "RSF fighters", "Rapid Support Forces"),
                party_span(first, "Russian", "Russia", "russia"),
            ]
        },
        {},
        {"responsible": [party_span(third, "gunmen", "gunmen")]},
    ]
    labels = [{}, *labels]
    return hand_tagged(
        Article(id="s", title="Sudan", text=f"Sudan\n\n{SUDAN}"), labels, config, spans=[{}, *spans]
    )


def test_a_named_party_takes_the_place_of_the_value_it_stands_for(config):
    tagged = sudan(config)
    assert [responsible_rows(t, config.taxonomy) for t in tagged.sentences] == [
        [],
        ["@Rapid Support Forces", "@Russia"],  # other_actor becomes the name behind it
        ["other_actor"],  # no span: the value stays
        ["unidentified"],  # its span breaks the rule and is not counted
    ]
    tally = Tally(config.taxonomy)
    tally.add(tagged)
    assert set(tally.table(ACTOR_ATTACK)) == {
        ("@Rapid Support Forces", "air_strike"),
        ("@Rapid Support Forces", "ground_assault"),
        ("@Russia", "air_strike"),
        ("@Russia", "ground_assault"),
        ("other_actor", "shelling_missile"),
        ("unidentified", "ground_assault"),
    }
    assert tally.parties == {"@Rapid Support Forces": None, "@Russia": "russia"}


def test_a_partys_denial_counts_in_its_row_and_filters_by_the_party(config):
    from .conftest import party_span

    text = "Denial\n\nThe Houthi rebels denied shelling the hospital."
    labels = [{}, {"attack_type": ["shelling_missile"], "actor": ["other_actor"], "claim_status": ["denial"]}]
    spans = [{}, {"responsible": [party_span(text.split("\n\n")[1], "Houthi rebels", "Houthis")]}]
    tally = Tally(config.taxonomy)
    tally.add(hand_tagged(Article(id="h", title="Denial", text=text), labels, config, spans=spans))
    assert tally.table(DENIALS) == {("@Houthis", "denial"): Count(1, 1)}
    assert cell_filter((DENIALS, "@Houthis", "denial"), config.taxonomy)[1] == "@Houthis"


def test_spans_beside_an_uncertain_actor_count_in_the_uncertain_row_only(config):
    from .conftest import party_span

    sentence = "Russian jets bombed the hospital."
    labels = [{}, {"attack_type": ["air_strike"], "actor": ["russia"], "claim_status": ["denial"]}]
    spans = [{}, {"responsible": [party_span(sentence, "Russian", "Russia", "russia")]}]
    article = Article(id="u", title="Unsure", text=f"Unsure\n\n{sentence}")
    tagged = hand_tagged(article, labels, config, uncertain=[{}, {"actor": ["russia"]}], spans=spans)
    assert responsible_rows(tagged.sentences[1], config.taxonomy) == []
    assert list(sentence_cells(tagged.sentences[1], None, config.taxonomy)) == [
        (DENIALS, "uncertain", "denial")
    ]
