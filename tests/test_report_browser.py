"""An analyst opens the report from disk in Debian's Chromium: every article and every count
is there, each count shows exactly its sentences, filters hide what they should, and an
article's markup stays text."""

from __future__ import annotations

import json

import pytest

from newstag.config import config_from_dict
from newstag.model.persist import load_model
from newstag.report.page import write_page
from newstag.report.tally import (
    ACTOR_ATTACK,
    DENIALS,
    TIMELINE,
    Tally,
    cell_filter,
    party_spans,
    responsible_rows,
)
from newstag.tagging.parallel import tag_stream
from newstag.text.articles import Article, read_articles

from .conftest import ARTIFACTS, ROOT, hand_tagged
from .test_browser import screenshot_on_failure
from .test_cli import run

INJECTED = "<script>window.injected = 1</script>"
TABLES = (ACTOR_ATTACK, DENIALS, TIMELINE)


@pytest.fixture
def corpus(tmp_path) -> list:
    """The seed articles and one JSONL article with an outlet, a date and markup in its text."""
    record = {
        "id": "injected",
        "title": f"Hospital struck {INJECTED}",
        "text": f"Russian jets bombed the hospital {INJECTED} overnight, doctors said. <b>Not bold</b>.",
        "outlet": "Example <i>Wire</i>",
        "date": "2016-04-28",
        "url": "javascript:window.injected = 2",
    }
    (tmp_path / "injected.jsonl").write_text(json.dumps(record) + "\n")
    return [ROOT / "seeds", tmp_path / "injected.jsonl"]


def expected_tally(corpus, model_dir) -> tuple[Tally, list]:
    saved = load_model(model_dir)
    settings = config_from_dict(saved.meta["config"], str(model_dir))
    tally, tagged = Tally(settings.taxonomy), []
    for article in tag_stream(read_articles(corpus), saved, settings.sentences):
        tally.add(article)
        tagged.append(article)
    return tally, tagged


def shown(page, selector: str = "article.art .s") -> list[str]:
    """Ids of the elements the browser displays (articles out of view are not rendered, so
    Playwright's :visible and inner_text would miss them)."""
    return page.locator(selector).evaluate_all("es => es.filter(e => e.checkVisibility()).map(e => e.id)")


def visible_sentences(page) -> int:
    return len(shown(page))


def check_count(page, table: str, row: str, column: str, count, taxonomy) -> None:
    labels, party, month = cell_filter((table, row, column), taxonomy)
    selector = (
        f'#t-{table} a.count[data-f="{" ".join(labels)}"]'
        + (f'[data-month="{month}"]' if month else "")
        + (f'[data-party="{party}"]' if party else ":not([data-party])")
    )
    link = page.locator(selector)
    assert link.inner_text() == str(count.sentences), (table, row, column)
    link.click()
    status = page.locator("#f-status").inner_text()
    assert status == f"{count.sentences} sentences in {count.articles} articles match", (table, row, column)
    assert visible_sentences(page) == count.sentences
    assert len(shown(page, "article.art")) == count.articles


@pytest.mark.browser
def test_analyst_reads_every_article_and_count_in_chromium(
    page, tmp_path, corpus, trained_model_dir, model_finds_spans
):
    report = tmp_path / "report.html"
    result = run("report", *corpus, "--model", trained_model_dir, "-o", report)
    assert result.exit_code == 0, result.output
    tally, tagged = expected_tally(corpus, trained_model_dir)
    taxonomy = tally.taxonomy
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text))
    with screenshot_on_failure(page, "report"):
        page.goto(report.as_uri())
        titles = page.locator("article.art h2").all_text_contents()
        assert titles == [t.split.article.title for t in tagged] and len(titles) == 6
        assert page.locator("#f-status").inner_text() == "6 articles"

        assert page.evaluate("window.injected") is None
        assert INJECTED in titles[-1]
        assert INJECTED in page.locator("#a5 .text").text_content()
        assert "Example <i>Wire</i>" in page.locator("#a5 .byline").text_content()
        assert page.locator("#a5 .byline a").count() == 0

        cells = [(name, *key, count) for name in TABLES for key, count in tally.table(name).items()]
        assert page.locator("a.count").count() == len(cells) > 5
        for cell in cells:
            check_count(page, *cell, tally.taxonomy)

        page.click("#f-clear")
        assert visible_sentences(page) == tally.sentences
        page.select_option("#f-actor", "actor:russia")  # the row: russia where no span names it
        russia = [s for t in tagged for s in t.sentences if "russia" in responsible_rows(s, taxonomy)]
        assert 0 < visible_sentences(page) == len(russia) < tally.sentences
        labels = [page.locator(f"#{i}").get_attribute("data-l").split() for i in shown(page)]
        assert all("actor:russia" in sentence for sentence in labels)
        page.click("#f-clear")
        page.select_option("#f-label", "actor:russia")  # the label: every sentence that has it
        russia = [s for t in tagged for s in t.sentences if "russia" in s.sure_labels["actor"]]
        assert visible_sentences(page) == len(russia)

        page.click("#f-clear")
        page.select_option("#f-actor", "@Russia")  # a party the spans name, for all its mentions
        named = [
            s for t in tagged for s in t.sentences if "Russia" in {p.party for p in party_spans(s, taxonomy)}
        ]
        assert 0 < visible_sentences(page) == len(named)
        assert page.locator(".s:not([hidden]) mark.party").all_text_contents() == [
            p.text for s in named for p in party_spans(s, taxonomy)
        ]
        assert tally.table(ACTOR_ATTACK).get(("@Russia", "air_strike")), "Russia's row counts its air strikes"

        page.select_option("#f-actor", "actor:uncertain")  # the labels no count includes, apart
        unsure = [s for t in tagged for s in t.sentences if "actor" in s.uncertain]
        assert (
            0
            < visible_sentences(page)
            == len(unsure)
            == sum(n for (group, _), n in tally.uncertain.items() if group == "actor")
        )
        assert page.locator(".s:not([hidden]) .v.uncertain").count() >= len(unsure)
        assert "Uncertain labels, not counted above" in page.locator("#overview").inner_text()

        page.click("#f-clear")
        page.screenshot(path=str(ARTIFACTS / "report.png"))
    assert errors == []


@pytest.mark.browser
def test_denials_only_hides_every_other_sentence(page, tmp_path, config, trained_model_dir):
    """Hand-labelled articles: the small test model finds no denials."""
    text = "Hospital hit\n\nJets bombed the hospital. The ministry denied it."
    denial = {"actor": ["syrian_government"], "claim_status": ["denial"]}
    articles = [
        hand_tagged(
            Article(id="a", title="Hospital hit", text=text),
            [{}, {"claim_status": ["claim"]}, denial],
            config,
        ),
        hand_tagged(Article(id="b", title="Hospital hit", text=text), [{}, {}, {}], config),
    ]
    report = tmp_path / "report.html"
    with report.open("w", encoding="utf-8") as out:
        write_page(articles, out, load_model(trained_model_dir).meta, config.taxonomy)
    with screenshot_on_failure(page, "report_denials"):
        page.goto(report.as_uri())
        assert visible_sentences(page) == 6
        page.check("#f-denial")
        assert shown(page) == ["a0-s2"]
        assert page.locator("#a1").is_hidden()
        assert page.locator("#f-status").inner_text() == "1 sentences in 1 articles match"
        page.uncheck("#f-denial")
        assert visible_sentences(page) == 6
