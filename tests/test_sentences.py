import pytest

from newstag.text import sentences
from newstag.text.articles import Article, read_articles
from newstag.text.sentences import _line_spans, _plain_spans, _syntok_spans, split_article

from .conftest import ROOT


def split(config, text, article_id="a"):
    return split_article(Article(id=article_id, title=text.split("\n")[0], text=text), config.sentences)


def test_no_text_is_silently_lost_in_the_seeds(config):
    for article in read_articles([ROOT / "seeds"]):
        result = split_article(article, config.sentences)
        covered = set()
        for piece in [*result.sentences, *result.dropped]:
            assert article.text[piece.start : piece.end] == piece.text
            covered.update(range(piece.start, piece.end))
        lost = [i for i, char in enumerate(article.text) if not char.isspace() and i not in covered]
        assert lost == [], article.id


def test_headlines_and_bullets_without_punctuation_are_sentences(config):
    result = split(
        config, "Hospital hit in Aleppo\n\n  • Clip shows two bombs\n  • Air strikes hit buildings\n"
    )
    assert [s.text for s in result.sentences] == [
        "Hospital hit in Aleppo",
        "Clip shows two bombs",
        "Air strikes hit buildings",
    ]
    assert [d.reason for d in result.dropped] == ["bullet marker", "bullet marker"]


def test_abbreviations_and_quotations_stay_whole(config):
    text = "T\n'The building has collapsed. All are dead,' he said. U.N. officials said 400 died."
    texts = [s.text for s in split(config, text).sentences]
    assert texts == [
        "T",
        "'The building has collapsed.",
        "All are dead,' he said.",
        "U.N. officials said 400 died.",
    ]


def test_boilerplate_timestamps_and_credits_are_dropped_with_reasons(config):
    text = (
        "Title\nView full page →\nNov 21, 2016 22:49 (GMT)\nSet as default press image\n"
        "The clinics were hit. [Photo by AP Photo/Manu Brabo, File]The blood bank was bombed."
    )
    result = split(config, text)
    assert [s.text for s in result.sentences] == [
        "Title",
        "The clinics were hit.",
        "The blood bank was bombed.",
    ]
    assert [d.reason for d in result.dropped] == ["boilerplate", "timestamp", "boilerplate", "boilerplate"]


def test_dateline_dash_stays_with_its_sentence(config):
    result = split(config, "T\nGeneva (AFP) – There are no more hospitals, the UN said.")
    assert result.sentences[1].text == "Geneva (AFP) – There are no more hospitals, the UN said."


def test_ids_offsets_and_context(config):
    result = split(config, "Title\nFirst one. Second one.", article_id="art")
    first, second, third = result.sentences
    assert [s.id for s in result.sentences] == ["art:0", "art:1", "art:2"]
    assert (second.start, second.end, second.text) == (6, 16, "First one.")
    assert (second.context_before, second.context_after) == ("Title", "Second one.")
    assert first.context_before == "" and third.context_after == ""


def test_the_fast_splitter_keeps_syntoks_splits_of_the_seeds_and_the_corpus(config, monkeypatch):
    folders = [ROOT / "seeds", *sorted((ROOT / "labeling/corpus/articles").glob("*.jsonl"))]
    articles = list(read_articles(folders))
    fast = [split_article(article, config.sentences) for article in articles]
    lines = [line for article in articles for line in article.text.split("\n") if line.strip()]
    assert sum(_plain_spans(line) is not None for line in lines) > 0.8 * len(lines)  # the usual path
    monkeypatch.setattr(sentences, "_plain_spans", lambda line: None)
    for article, split in zip(articles, fast, strict=True):
        assert split == split_article(article, config.sentences), article.id


@pytest.mark.parametrize(
    "line",
    [
        "Mr. Smith left. He said so.",
        "The U.S. Army came. It left.",
        "It hit at 5 p.m. Nobody knew.",
        "He left...  Then came back.",
        "Is it? No! Yes.",
        'He said "no." Then he left.',
        "A b; C d. E f.",
        "It rose 3.5 per cent. Then fell.",
        "in 2015. The end",
        "ok.The end",
    ],
)
def test_the_fast_splitter_agrees_with_syntok_on_awkward_lines(line):
    assert _line_spans(line) == list(_syntok_spans(line))
