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


def test_a_hostile_span_and_party_are_highlighted_as_text(config):
    from .conftest import party_span

    sentence = f"Body {EVIL} ends."
    article = Article(id="x", title="Title", text=f"Title\n\n{sentence}")
    labels = [{}, {"attack_type": ["unspecified"], "actor": ["other_actor"], "claim_status": ["claim"]}]
    span = party_span(sentence, EVIL, f"Party {EVIL}")
    markup = render_article(
        hand_tagged(article, labels, config, spans=[{}, {"responsible": [span]}]), 0, {}, config.taxonomy
    )
    elements = Elements(markup)
    assert {"script", "img"}.isdisjoint(elements.tags) and elements.tags.count("mark") == 1
    assert not [name for name, _ in elements.attributes if name.startswith("on")]
    assert ("title", f"Party {EVIL} (0.80)") in elements.attributes
    assert ("data-r", f"@Party {EVIL}") in elements.attributes
    assert 'Body <mark class="party" title="Party &lt;script' in markup


def test_spans_are_highlighted_at_their_offsets_and_only_beside_a_named_actor(config):
    from .conftest import party_span

    first, second = (
        "Russian jets and Moscow's navy hit it.",
        "Russian officials said nobody knows who did it.",
    )
    article = Article(id="x", title="Title", text=f"Title\n\n{first} {second}")
    labels = [
        {},
        {"attack_type": ["air_strike"], "actor": ["russia"], "claim_status": ["claim"]},
        {"attack_type": ["unspecified"], "actor": ["unidentified"], "claim_status": ["claim"]},
    ]
    spans = [
        {},
        {
            "responsible": [
                party_span(first, "Moscow", "Russia", "russia"),
                party_span(first, "Russian", "Russia", "russia"),
            ]
        },
        {"responsible": [party_span(second, "Russian", "Russia", "russia")]},
    ]
    markup = render_article(hand_tagged(article, labels, config, spans=spans), 0, {}, config.taxonomy)
    assert (
        '<mark class="party" title="Russia (0.80)">Russian</mark> jets and '
        '<mark class="party" title="Russia (0.80)">Moscow</mark>&#x27;s navy hit it.'
    ) in markup
    assert markup.count("<mark") == 2
    assert 'data-r="@Russia"' in markup and 'data-r="actor:unidentified"' in markup
    assert 'Parties named</dt><dd><span class="party">Russia</span> <a href="#a0-s1">1</a>' in markup
