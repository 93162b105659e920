"""HTML fragments of the report. Every piece of text from an article, a model or a config
goes through `escape`; a URL becomes a link only when it is http(s)."""

from __future__ import annotations

from html import escape

from newstag.report import WEAK_BELOW
from newstag.report.tally import (
    ACTOR,
    ATTACK,
    CLAIM,
    DENIAL,
    Cell,
    Count,
    cell_filter,
    month_of,
    sentence_tokens,
    token,
)
from newstag.tagging.tag import IGNORED_IN_SUMMARY, UNCERTAIN, TaggedArticle, TaggedSentence
from newstag.taxonomy import Taxonomy


def attrs(**values: str | None) -> str:
    """data-l="..." title="..." : escaped, and left out when None."""
    return "".join(f' {name.replace("_", "-")}="{escape(v)}"' for name, v in values.items() if v is not None)


def safe_url(url: str | None) -> str | None:
    """Only http(s) links: a javascript: or data: URL in an article would run in the page."""
    return url if url and url.lower().startswith(("http://", "https://")) else None


def render_article(tagged: TaggedArticle, number: int, f1: dict, weak_below: float = WEAK_BELOW) -> str:
    """One article: title, where and when, the summary, then its sentences with their labels.
    `f1` is group -> value -> the model's cross-validated F1, shown on hover."""
    article = tagged.split.article
    anchor = f"a{number}"
    return (
        f'<article class="art" id="{anchor}"{attrs(data_month=month_of(article.date))}>'
        f"<h2>{escape(article.title)}</h2>{_byline(article)}"
        f"{_summary(tagged, anchor)}"
        f'<div class="text">{_sentences(tagged, anchor, f1, weak_below)}</div></article>\n'
    )


def _byline(article) -> str:
    parts = [escape(p) for p in (article.outlet, article.date) if p]
    url = safe_url(article.url)
    if url:
        parts.append(f'<a href="{escape(url)}" rel="noopener noreferrer">source</a>')
    parts.append(f'<span class="id">{escape(article.id)}</span>')
    return f'<p class="byline">{" · ".join(parts)}</p>'


SUMMARY_HEADINGS = {ATTACK: "Attack types", ACTOR: "Actors held responsible", CLAIM: "Claims and denials"}


def _summary(tagged: TaggedArticle, anchor: str) -> str:
    rows = [
        f"<dt>{escape(SUMMARY_HEADINGS.get(group, group))}</dt><dd>{_links(group, values, anchor, '')}</dd>"
        for group, values in tagged.summary.items()
    ]
    found = "".join(rows) or "<dt>Nothing found</dt><dd>no sentence carries a label</dd>"
    unsure = "; ".join(
        f"{escape(group)}: {_links(group, values, anchor, ' ' + UNCERTAIN)}"
        for group, values in tagged.uncertain_summary.items()
    )
    if unsure:
        found += f'<dt class="uncertain">Uncertain (below threshold, not counted)</dt><dd>{unsure}</dd>'
    return f'<dl class="summary">{found}</dl>'


def _links(group: str, values: dict[str, list[int]], anchor: str, extra_class: str) -> str:
    return "; ".join(
        f'<span class="{_value_class(group, value)}{extra_class}">{escape(value)}</span> '
        + ", ".join(f'<a href="#{anchor}-s{i}">{i}</a>' for i in indices)
        for value, indices in values.items()
    )


def _value_class(group: str, value: str) -> str:
    return f"v g-{escape(group)}" + (" denial" if (group, value) == (CLAIM, DENIAL) else "")


def _sentences(tagged: TaggedArticle, anchor: str, f1: dict, weak_below: float) -> str:
    """The sentences in paragraphs: a new one wherever the article text breaks a line."""
    text = tagged.split.article.text
    paragraphs, current, end = [], [], 0
    for t in tagged.sentences:
        if current and "\n" in text[end : t.sentence.start]:
            paragraphs.append(current)
            current = []
        current.append(_sentence(t, anchor, f1, weak_below))
        end = t.sentence.end
    if current:
        paragraphs.append(current)
    return "".join(f"<p>{' '.join(p)}</p>" for p in paragraphs)


def _sentence(t: TaggedSentence, anchor: str, f1: dict, weak_below: float) -> str:
    tokens = " ".join(sentence_tokens(t))
    denial = " denial" if DENIAL in t.labels.get(CLAIM, ()) else ""
    chips = "".join(
        _chip(
            group, value, t.probabilities[group][value], f1, weak_below, value in t.uncertain.get(group, ())
        )
        for group, values in t.labels.items()
        for value in values
        if value not in IGNORED_IN_SUMMARY
    )
    return (
        f'<span class="s{denial}" id="{anchor}-s{t.sentence.index}"{attrs(data_l=tokens)}>'
        f'<span class="n">{t.sentence.index}</span>{escape(t.sentence.text)}'
        + (f'<span class="chips">{chips}</span>' if chips else "")
        + "</span>"
    )


def _chip(group: str, value: str, probability: float, f1: dict, weak_below: float, uncertain: bool) -> str:
    """A label with its probability; an uncertain one (below its threshold) is marked so."""
    weak = f" weak {UNCERTAIN}" if uncertain else " weak" if probability < weak_below else ""
    score = f1.get(group, {}).get(value)
    title = f"cross-validated F1 {score:.2f}" if score is not None else None
    if uncertain:
        title = "uncertain: below its threshold, not counted" + (f"; {title}" if title else "")
    mark = f' <span class="u">{UNCERTAIN}</span>' if uncertain else ""
    return (
        f'<span class="{_value_class(group, value)}{weak}"{attrs(title=title)}>'
        f'{escape(value)} <span class="p">{probability:.2f}</span>{mark}</span>'
    )


def count_table(
    name: str, cells: dict[tuple[str, str], Count], rows: list[str], columns: list[str], bars: bool = False
) -> str:
    """A table of counts, shaded by size (as bars when `bars`); every count links to the
    sentences behind it through the page's filters."""
    largest = max((c.sentences for c in cells.values()), default=1)
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = "".join(
        f"<tr><th>{escape(row)}</th>"
        + "".join(_count_cell((name, row, column), cells.get((row, column)), largest) for column in columns)
        + "</tr>"
        for row in rows
    )
    kind = "bars" if bars else "heat"
    return f'<table class="counts {kind}" id="t-{escape(name)}"><tr><th></th>{head}</tr>{body}</table>'


def _count_cell(cell: Cell, count: Count | None, largest: int) -> str:
    if count is None:
        return '<td class="c"></td>'
    labels, month = cell_filter(cell)
    title = f"{count.sentences} sentences in {count.articles} articles"
    link = attrs(data_f=" ".join(labels), data_month=month, title=title)
    return (
        f'<td class="c" style="--v:{count.sentences / largest:.3f}">'
        f'<a class="count" href="#articles"{link}>{count.sentences}</a></td>'
    )


def filters(taxonomy: Taxonomy, months: list[str]) -> str:
    """The filter controls: any label, an actor, a month (when articles have dates), denials only."""
    labels = [(token(g.name, v), f"{g.name}: {v}") for g in taxonomy.groups for v in g.value_names]
    labels += [(token(g.name, UNCERTAIN), f"{g.name}: {UNCERTAIN}") for g in taxonomy.groups if g.multiple]
    actors = [(token(ACTOR, v), v) for v in [*taxonomy.group(ACTOR).value_names, UNCERTAIN]]
    month = _select("f-month", "Month", [(m, m) for m in months]) if months else ""
    return (
        '<form class="filters" id="filters">'
        + _select("f-label", "Label", labels)
        + _select("f-actor", "Actor", actors)
        + month
        + '<label><input type="checkbox" id="f-denial"> Denials only</label>'
        + '<button type="button" id="f-clear">Show all</button>'
        + '<output id="f-status" aria-live="polite"></output></form>'
    )


def _select(element_id: str, label: str, options: list[tuple[str, str]]) -> str:
    choices = "".join(f"<option{attrs(value=value)}>{escape(text)}</option>" for value, text in options)
    return f'<label>{label} <select id="{element_id}"><option value="">any</option>{choices}</select></label>'
