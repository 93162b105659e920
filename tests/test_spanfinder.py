"""The span finder (model/spanfinder.py): B/I/O per word over the encoder's token states, trained
in `newstag train` when the data has spans, saved and checked with the model, run by `tag`."""

import csv
import io
import json
import subprocess
import sys

import numpy as np
import pytest

from newstag.annotate.spans import PartySpan, Span, compare, token_offsets
from newstag.errors import ModelError
from newstag.model.spanfinder import BEGIN, INSIDE, OUTSIDE, decode_tags, word_tags

from .conftest import ROOT

SEEDS = ROOT / "labeling" / "seed_annotations.json"
SUDAN = ROOT / "examples" / "sudan-el-fasher.txt"


def test_words_are_tagged_begin_inside_outside():
    text = "Jets of the Syrian Arab Army and Russia struck."
    words = token_offsets(text)
    spans = [Span(12, 28, "Syrian Arab Army"), Span(33, 39, "Russia")]
    tags = word_tags(words, spans).tolist()
    assert tags == [OUTSIDE, OUTSIDE, OUTSIDE, BEGIN, INSIDE, INSIDE, OUTSIDE, BEGIN, OUTSIDE, OUTSIDE]


def _probabilities(tags):
    rows = np.full((len(tags), 3), 0.05)
    for row, tag in enumerate(tags):
        rows[row, tag] = 0.9
    return rows


def test_runs_become_spans_without_a_leading_article_or_edge_punctuation():
    text = "The Rapid Support Forces, RSF: shelled it."
    words = token_offsets(text)  # The Rapid Support Forces , RSF : shelled it .
    tags = [BEGIN, INSIDE, INSIDE, INSIDE, INSIDE, BEGIN, INSIDE, OUTSIDE, OUTSIDE, OUTSIDE]
    found = decode_tags(text, words, _probabilities(tags), [OUTSIDE, BEGIN, INSIDE])
    assert [text[s:e] for s, e, _ in found] == ["Rapid Support Forces", "RSF"]
    assert all(0.9 <= score <= 0.96 for *_, score in found)


def test_an_inside_word_after_an_outside_one_begins_a_span():
    text = "Russian and Syrian jets"
    words = token_offsets(text)
    found = decode_tags(text, words, _probabilities([INSIDE, OUTSIDE, INSIDE, OUTSIDE]), [0, 1, 2])
    assert [text[s:e] for s, e, _ in found] == ["Russian", "Syrian"]


@pytest.fixture(scope="module")
def seed_model(tmp_path_factory, config):
    """A model trained as `newstag train` does on the seeds, whose annotations carry spans."""
    from newstag.annotate.sources import load_sources
    from newstag.model.persist import load_model
    from newstag.model.training import train_and_save

    directory = tmp_path_factory.mktemp("spans") / "model"
    dataset, sources = load_sources([SEEDS], config.taxonomy)
    train_and_save(dataset, config, directory, cross_validate=False, sources=sources)
    return load_model(directory)


def test_train_fits_a_span_finder_that_finds_the_spans_it_learnt(seed_model, config):
    from newstag.annotate.dataset import dataset_texts, gold_labels, group_spans, load_labelled

    dataset = load_labelled(SEEDS, config.taxonomy)
    texts, gold = dataset_texts(dataset), gold_labels(dataset, config.taxonomy)
    rows = [dict(zip(gold, values, strict=True)) for values in zip(*gold.values(), strict=True)]
    found = seed_model.tagger.find_spans(texts, rows)
    spans = [
        [Span(s, e, t[s:e]) for s, e, _ in f.get("responsible", [])]
        for t, f in zip(texts, found, strict=True)
    ]
    gold_spans = group_spans(dataset, "responsible")
    overlap = compare(zip(dataset["text"], gold_spans, spans, strict=True))
    assert overlap.tokens.f1 > 0.9, overlap
    assert seed_model.meta["spans"]["responsible"]["marked"] == sum(map(bool, gold_spans)) > 40
    unnamed = [i for i, row in enumerate(rows) if row["actor"] in (["unidentified"], ["none"])]
    assert unnamed and not any(found[i] for i in unnamed), "spans only where the actor is a named value"


def test_tag_names_the_parties_of_each_sentence(seed_model, config):
    from newstag.tagging.tag import article_record, sentence_rows, tag_articles
    from newstag.text.articles import read_articles
    from newstag.text.sentences import split_article

    articles = [split_article(a, config.sentences) for a in read_articles([ROOT / "seeds", SUDAN])]
    tagged = list(tag_articles(articles, seed_model))
    spans = [s for article in tagged for t in article.sentences for s in t.spans.get("responsible", [])]
    assert spans and all(isinstance(s, PartySpan) for s in spans)
    assert {"Russia", "Syrian government"} <= {s.party for s in spans}
    russian = next(s for s in spans if s.party == "Russia")
    assert russian.actor == "russia" and 0 < russian.score <= 1
    for article in tagged:
        for t in article.sentences:
            if t.spans.get("responsible"):
                assert t.labels["actor"] not in (["unidentified"], ["none"])
                assert all(t.sentence.text[s.start : s.end] == s.text for s in t.spans["responsible"])
    record = json.loads(json.dumps(article_record(tagged[0], "v")))
    marked = [s for s in record["sentences"] if s["spans"].get("responsible")]
    assert set(marked[0]["spans"]["responsible"][0]) == {"start", "end", "text", "party", "actor", "score"}
    assert record["parties"]["responsible"]
    buffer = io.StringIO()
    rows = list(sentence_rows(tagged[0], ["responsible"]))
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writerows(rows)
    row = next(r for r in rows if r["responsible"])
    assert len(row["responsible"].split("|")) == len(row["responsible_offsets"].split("|"))
    assert len(row["responsible_party"].split("|")) == len(row["responsible"].split("|"))


def test_the_cli_table_prints_spans_with_their_party(seed_model):
    from typer.testing import CliRunner

    from newstag.cli.main import app

    result = CliRunner().invoke(app, ["tag", str(ROOT / "seeds"), "--model", str(seed_model.directory)])
    assert result.exit_code == 0, result.output
    assert "responsible → party" in result.output and "→ Russia" in result.output
    assert "responsible parties: " in result.output


def test_token_states_come_from_the_pass_that_embeds_the_sentence(monkeypatch):
    from newstag.model import embeddings

    path = embeddings.bundled_model_path()
    texts = ["Sentence states probe: RSF fighters shelled the hospital."]
    encoder = embeddings.encoder_at(path)
    calls = []
    real = encoder.encode
    monkeypatch.setattr(encoder, "encode", lambda *a, **k: calls.append(a) or real(*a, **k))
    embeddings.encode(texts, path)
    states = embeddings.token_states(texts, path)
    assert len(calls) == 1
    assert states[0].states.shape == (len(states[0].offsets), encoder.config["hidden_size"])
    start, end = states[0].offsets[0]
    assert texts[0][start:end].lower() == "sentence"


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda f: f.actors_of_.update({"pwned": ["russia"]}), "aliases of its own"),
        (lambda f: setattr(f, "C", 1e9), "the one train builds"),
        (lambda f: setattr(f.classifier_, "coef_", f.classifier_.coef_[:, :5]), "do not fit its features"),
    ],
)
def test_a_crafted_span_finder_is_refused(seed_model, tmp_path, change, fragment):
    import copy

    from newstag.model.persist import load_model, save_model

    tagger = copy.deepcopy(seed_model.tagger)
    change(tagger.span_finders_["responsible"])
    save_model(tagger, seed_model.meta, "card", tmp_path / "m")
    with pytest.raises(ModelError, match=fragment):
        load_model(tmp_path / "m")


def test_a_loaded_model_finds_spans_from_its_onnx_pass_without_torch(seed_model):
    """At inference the span finder reads the token states of the ONNX pass that embeds the
    sentence (the graph persist hands it), so `tag` with spans never imports torch."""
    script = (
        "import sys; from newstag.model.persist import load_model; "
        "from newstag.model import onnx_encoder; "
        f"saved = load_model({str(seed_model.directory)!r}); "
        "calls = []; real = onnx_encoder.OnnxEncoder.encode; "
        "onnx_encoder.OnnxEncoder.encode = lambda self, *a, **k: calls.append(1) or real(self, *a, **k); "
        "texts = ['Russian jets bombed the hospital in Azaz, activists said.']; "
        "saved.tagger.predict_proba(texts); "
        "found = saved.tagger.find_spans(texts, [{'actor': ['russia']}]); "
        "print('torch' in sys.modules, len(calls), bool(found[0].get('responsible')))"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "1", "True"]


def test_a_span_never_splits_a_word():
    """The finder may tag only the end of "Assad's" or the start of "Al-Qaeda": the span takes
    the whole word, and a possessive after a name stays out."""
    text = "Assad's forces and Al-Qaeda cells hit Russia's depot."
    words = token_offsets(text)  # Assad ' s forces and Al - Qaeda cells hit Russia ' s depot .
    tags = [OUTSIDE, OUTSIDE, BEGIN, INSIDE, OUTSIDE, BEGIN, OUTSIDE, OUTSIDE, OUTSIDE]
    tags += [OUTSIDE, BEGIN, OUTSIDE, OUTSIDE, OUTSIDE, OUTSIDE]
    found = decode_tags(text, words, _probabilities(tags), [OUTSIDE, BEGIN, INSIDE])
    assert [text[s:e] for s, e, _ in found] == ["Assad's forces", "Al-Qaeda", "Russia"]


def test_a_word_is_in_a_span_when_its_probability_of_not_being_outside_reaches_the_threshold():
    """O is the likeliest single tag of "Houthi" (0.45), yet B or I together (0.55) clear 0.5."""
    text = "Houthi shelling hit Taiz."
    words = token_offsets(text)
    probabilities = np.array([[0.45, 0.3, 0.25], [0.9, 0.05, 0.05], [0.9, 0.05, 0.05]])
    probabilities = np.vstack([probabilities, [[0.9, 0.05, 0.05]] * (len(words) - 3)])
    found = decode_tags(text, words, probabilities, [OUTSIDE, BEGIN, INSIDE], threshold=0.5)
    assert [text[s:e] for s, e, _ in found] == ["Houthi"]
    assert decode_tags(text, words, probabilities, [OUTSIDE, BEGIN, INSIDE], threshold=0.6) == []


def test_the_stop_of_an_abbreviation_stays_in_the_span():
    text = "It was hit by U.S. jets."
    words = token_offsets(text)  # It was hit by U . S . jets .
    tags = [OUTSIDE] * 4 + [BEGIN, INSIDE, INSIDE, INSIDE] + [OUTSIDE, OUTSIDE]
    found = decode_tags(text, words, _probabilities(tags), [OUTSIDE, BEGIN, INSIDE])
    assert [text[s:e] for s, e, _ in found] == ["U.S."]


def test_a_source_of_the_report_is_never_a_found_span():
    """Spec section 4: the outlet that recorded or was told of an attack is not responsible
    ("captured by an Al Jazeera crew" once gave "Al Jazeera" in `make demo`). A finder that learnt
    that a capitalised name after "by an", even before "crew", is the party (without the filter it
    finds "Al Jazeera" here) still leaves the outlet out."""
    from newstag.model.spanfinder import SpanFinder

    texts = [
        "The clinic was shelled by an Alliance Militia on Monday.",
        "The market was bombed by an Houthi Brigade again.",
        "The school was hit by an Wagner Unit at dawn.",
        "The convoy was struck by an Arakan Army crew overnight.",
        "Witnesses said the jets belonged to the Saudi Coalition.",
    ]
    names = ["Alliance Militia", "Houthi Brigade", "Wagner Unit", "Arakan Army", "Saudi Coalition"]
    spans = [[Span(t.index(n), t.index(n) + len(n), n)] for t, n in zip(texts, names, strict=True)]
    finder = SpanFinder(C=10.0).fit(texts, spans, [["other_actor"]] * len(texts))
    text = "The moment was captured by an Al Jazeera crew, after the hospital was hit by an Kurdish Militia."
    found = [text[s:e] for s, e, _ in finder.find([text], [["other_actor"]])[0]]
    assert "Kurdish Militia" in found
    assert not any("Jazeera" in span for span in found)
