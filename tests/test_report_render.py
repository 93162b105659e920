from html.parser import HTMLParser

from newstag.report.render import count_table, render_article, safe_url
from newstag.report.tally import Count
from newstag.text.articles import Article

from .conftest import hand_tagged

EVIL = '<script>alert("x")</script><img src=x onerror=alert(1)>'


class Elements(HTMLParser):
    """The tags and attributes a browser would build from the markup."""

    def __init__(self, markup: str):
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self.feed(markup)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += attrs


def evil_article(config, url="javascript:alert(1)"):
    article = Article(
        id=f'id"{EVIL}',
        title=f"Title {EVIL}",
        text=f"Title {EVIL}\n\nBody {EVIL} ends.",
        url=url,
        outlet=f"Outlet {EVIL}",
        date=f"2016-04-28 {EVIL}",
    )
    return hand_tagged(article, [{}, {"actor": ["russia"], "claim_status": ["denial"]}], config, 0.3)


def test_article_text_title_outlet_date_and_id_render_as_text(config):
    markup = render_article(evil_article(config), 0, {"actor": {"russia": 0.87}}, config.taxonomy)
    elements = Elements(markup)
    assert {"script", "img"}.isdisjoint(elements.tags)
    assert not [name for name, _ in elements.attributes if name.startswith("on")]
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in markup
    assert 'href="javascript' not in markup.lower()


def test_only_http_links_are_links(config):
    assert [
        safe_url(u) for u in ("https://a.org/x", "HTTP://a.org", "javascript:alert(1)", "data:x", None)
    ] == [
        "https://a.org/x",
        "HTTP://a.org",
        None,
        None,
        None,
    ]
    markup = render_article(evil_article(config, url='https://a.org/"><script>'), 0, {}, config.taxonomy)
    assert ("href", 'https://a.org/"><script>') in Elements(markup).attributes
    assert "script" not in Elements(markup).tags


def test_a_sentence_shows_its_labels_probabilities_scores_and_weakness(config):
    markup = render_article(
        evil_article(config), 3, {"actor": {"russia": 0.87}}, config.taxonomy, weak_below=0.5
    )
    assert 'id="a3-s1"' in markup and 'class="s denial"' in markup
    assert 'data-l="attack_type:none actor:russia claim_status:denial"' in markup
    assert 'title="cross-validated F1 0.87">russia <span class="p">0.30</span>' in markup
    assert markup.count(" weak") == 2  # russia and denial at 0.3; "none" gets no chip
    assert " weak" not in render_article(evil_article(config), 3, {}, config.taxonomy, weak_below=0.3)


def test_every_count_links_to_its_filter_and_empty_cells_have_none(taxonomy):
    table = count_table(
        "actor_attack",
        {("russia", "air_strike"): Count(4, 2)},
        ["russia"],
        ["air_strike", "chemical"],
        taxonomy,
    )
    assert (
        '<a class="count" href="#articles" data-f="actor:russia attack_type:air_strike" '
        'title="4 sentences in 2 articles">4</a>'
    ) in table
    assert table.count('class="count"') == 1
