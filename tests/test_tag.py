from newstag.articles import Article
from newstag.persist import load_model
from newstag.sentences import split_article
from newstag.tag import article_record, sentence_rows, tag_articles

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
