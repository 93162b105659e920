from newstag.text.articles import Article, read_articles
from newstag.text.sentences import split_article

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
