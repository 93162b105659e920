"""HTML fragments of the report. Every piece of text from an article, a model or a config
goes through `escape`; a URL becomes a link only when it is http(s)."""

from __future__ import annotations

from html import escape

from newstag.annotate.spans import PartySpan
from newstag.report import WEAK_BELOW
from newstag.report.tally import (
    PARTY,
    Cell,
    Count,
    cell_filter,
    month_of,
    party_spans,
    party_token,
    report_groups,
    row_tokens,
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


def render_article(
    tagged: TaggedArticle, number: int, f1: dict, taxonomy: Taxonomy, weak_below: float = WEAK_BELOW
) -> str:
    """One article: title, where and when, the summary, then its sentences with their labels
    and the parties their spans name highlighted. `f1` is group -> value -> the model's
    cross-validated F1, shown on hover."""
    article = tagged.split.article
    anchor = f"a{number}"
    return (
        f'<article class="art" id="{anchor}"{attrs(data_month=month_of(article.date))}>'
        f"<h2>{escape(article.title)}</h2>{_byline(article)}"
        f"{_summary(tagged, anchor, taxonomy)}"
        f'<div class="text">{_sentences(tagged, anchor, f1, taxonomy, weak_below)}</div></article>\n'
    )


def _byline(article) -> str:
    parts = [escape(p) for p in (article.outlet, article.date) if p]
    url = safe_url(article.url)
    if url:
        parts.append(f'<a href="{escape(url)}" rel="noopener noreferrer">source</a>')
    parts.append(f'<span class="id">{escape(article.id)}</span>')
    return f'<p class="byline">{" · ".join(parts)}</p>'


def _summary(tagged: TaggedArticle, anchor: str, taxonomy: Taxonomy) -> str:
    """What the article says, by group (headed by the group's question), and the parties its
    spans name."""
    rows = [
        f"<dt>{escape(taxonomy.group(group).question)}</dt>"
        f"<dd>{_links(group, values, anchor, '', taxonomy)}</dd>"
        for group, values in tagged.summary.items()
    ]
    named = _named_parties(tagged, anchor, taxonomy)
    if named:
        rows.append(f"<dt>Parties named</dt><dd>{named}</dd>")
    found = "".join(rows) or "<dt>Nothing found</dt><dd>no sentence carries a label</dd>"
    unsure = "; ".join(
        f"{escape(group)}: {_links(group, values, anchor, ' ' + UNCERTAIN, taxonomy)}"
        for group, values in tagged.uncertain_summary.items()
    )
    if unsure:
        found += f'<dt class="uncertain">Uncertain (below threshold, not counted)</dt><dd>{unsure}</dd>'
    return f'<dl class="summary">{found}</dl>'


def _links(
    group: str, values: dict[str, list[int]], anchor: str, extra_class: str, taxonomy: Taxonomy
) -> str:
    return "; ".join(
        f'<span class="{_value_class(group, value, taxonomy)}{extra_class}">{escape(value)}</span> '
        + ", ".join(f'<a href="#{anchor}-s{i}">{i}</a>' for i in indices)
        for value, indices in values.items()
    )


def _named_parties(tagged: TaggedArticle, anchor: str, taxonomy: Taxonomy) -> str:
    """Each party the article's spans name, with the sentences that name it."""
    found: dict[str, list[int]] = {}
    for t in tagged.sentences:
        for span in party_spans(t, taxonomy):
            indices = found.setdefault(party_token(span.party)[len(PARTY) :], [])
            if t.sentence.index not in indices:
                indices.append(t.sentence.index)
    return "; ".join(
        f'<span class="party">{escape(party)}</span> '
        + ", ".join(f'<a href="#{anchor}-s{i}">{i}</a>' for i in indices)
        for party, indices in found.items()
    )


def _value_class(group: str, value: str, taxonomy: Taxonomy) -> str:
    """The chip's classes: its group's, its role in the report's tables, and denial."""
    groups = report_groups(taxonomy)
    role = {groups.who: " who", groups.how: " how"}.get(group, "")
    return f"v g-{escape(group)}{role}" + (
        " denial" if (group, value) == (groups.stance, groups.denial) else ""
    )


def _sentences(tagged: TaggedArticle, anchor: str, f1: dict, taxonomy: Taxonomy, weak_below: float) -> str:
    """The sentences in paragraphs: a new one wherever the article text breaks a line."""
    text = tagged.split.article.text
    paragraphs, current, end = [], [], 0
    for t in tagged.sentences:
        if current and "\n" in text[end : t.sentence.start]:
            paragraphs.append(current)
            current = []
        current.append(_sentence(t, anchor, f1, taxonomy, weak_below))
        end = t.sentence.end
    if current:
        paragraphs.append(current)
    return "".join(f"<p>{' '.join(p)}</p>" for p in paragraphs)


def _sentence(t: TaggedSentence, anchor: str, f1: dict, taxonomy: Taxonomy, weak_below: float) -> str:
    groups = report_groups(taxonomy)
    tokens = " ".join(sentence_tokens(t))
    rows = ROW_SEPARATOR.join(row_tokens(t, taxonomy)) or None
    denial = " denial" if groups.denial in t.labels.get(groups.stance, ()) else ""
    chips = "".join(
        _chip(
            group,
            value,
            t.probabilities[group][value],
            f1,
            weak_below,
            value in t.uncertain.get(group, ()),
            taxonomy,
        )
        for group, values in t.labels.items()
        for value in values
        if value not in IGNORED_IN_SUMMARY
    )
    return (
        f'<span class="s{denial}" id="{anchor}-s{t.sentence.index}"{attrs(data_l=tokens, data_r=rows)}>'
        f'<span class="n">{t.sentence.index}</span>{highlighted(t.sentence.text, party_spans(t, taxonomy))}'
        + (f'<span class="chips">{chips}</span>' if chips else "")
        + "</span>"
    )


ROW_SEPARATOR = "|"
"""Between the row tokens of a sentence's data-r (a party's holds no "|", a label's no space)."""


def highlighted(text: str, spans: list[PartySpan]) -> str:
    """The escaped sentence with each span (in sentence order, each the sentence's text at its
    offsets; one overlapping an earlier one is left out) marked, its canonical party and score
    on hover."""
    pieces, end = [], 0
    for span in spans:
        if span.start < end:
            continue
        title = f"{span.party} ({span.score:.2f})"
        pieces.append(escape(text[end : span.start]))
        pieces.append(f'<mark class="party"{attrs(title=title)}>{escape(span.text)}</mark>')
        end = span.end
    return "".join(pieces) + escape(text[end:])


def _chip(
    group: str,
    value: str,
    probability: float,
    f1: dict,
    weak_below: float,
    uncertain: bool,
    taxonomy: Taxonomy,
) -> str:
    """A label with its probability; an uncertain one (below its threshold) is marked so."""
    weak = f" weak {UNCERTAIN}" if uncertain else " weak" if probability < weak_below else ""
    score = f1.get(group, {}).get(value)
    title = f"cross-validated F1 {score:.2f}" if score is not None else None
    if uncertain:
        title = "uncertain: below its threshold, not counted" + (f"; {title}" if title else "")
    mark = f' <span class="u">{UNCERTAIN}</span>' if uncertain else ""
    return (
        f'<span class="{_value_class(group, value, taxonomy)}{weak}"{attrs(title=title)}>'
        f'{escape(value)} <span class="p">{probability:.2f}</span>{mark}</span>'
    )


def count_table(
    name: str,
    cells: dict[tuple[str, str], Count],
    rows: list[str],
    columns: list[str],
    taxonomy: Taxonomy,
    bars: bool = False,
) -> str:
    """A table of counts, shaded by size (as bars when `bars`); every count links to the
    sentences behind it through the page's filters. A party's row is headed by its name."""
    largest = max((c.sentences for c in cells.values()), default=1)
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = "".join(
        f"<tr>{_row_head(row)}"
        + "".join(
            _count_cell((name, row, column), cells.get((row, column)), largest, taxonomy)
            for column in columns
        )
        + "</tr>"
        for row in rows
    )
    kind = "bars" if bars else "heat"
    return f'<table class="counts {kind}" id="t-{escape(name)}"><tr><th></th>{head}</tr>{body}</table>'


def _row_head(row: str) -> str:
    if row.startswith(PARTY):
        return f'<th class="party">{escape(row[len(PARTY) :])}</th>'
    return f"<th>{escape(row)}</th>"


def _count_cell(cell: Cell, count: Count | None, largest: int, taxonomy: Taxonomy) -> str:
    if count is None:
        return '<td class="c"></td>'
    labels, party, month = cell_filter(cell, taxonomy)
    title = f"{count.sentences} sentences in {count.articles} articles"
    link = attrs(data_f=" ".join(labels), data_party=party, data_month=month, title=title)
    return (
        f'<td class="c" style="--v:{count.sentences / largest:.3f}">'
        f'<a class="count" href="#articles"{link}>{count.sentences}</a></td>'
    )


def filters(taxonomy: Taxonomy, months: list[str], parties: list[str]) -> str:
    """The filter controls: any label, an actor or a party its spans name, a month (when
    articles have dates), denials only. The form tells the script which tokens are the `who`
    group's and which one is the denial."""
    groups = report_groups(taxonomy)
    labels = [(token(g.name, v), f"{g.name}: {v}") for g in taxonomy.groups for v in g.value_names]
    labels += [(token(g.name, UNCERTAIN), f"{g.name}: {UNCERTAIN}") for g in taxonomy.groups if g.multiple]
    actors = [(token(groups.who, v), v) for v in [*taxonomy.group(groups.who).value_names, UNCERTAIN]]
    named = [(party, party[len(PARTY) :]) for party in sorted(parties, key=str.casefold)]
    month = _select("f-month", "Month", [(m, m) for m in months]) if months else ""
    form = attrs(data_who=token(groups.who, ""), data_denial=token(groups.stance, groups.denial))
    return (
        f'<form class="filters" id="filters"{form}>'
        + _select("f-label", "Label", labels)
        + _select("f-actor", "Actor or party", actors, {"Parties named": named} if named else {})
        + month
        + '<label><input type="checkbox" id="f-denial"> Denials only</label>'
        + '<button type="button" id="f-clear">Show all</button>'
        + '<output id="f-status" aria-live="polite"></output></form>'
    )


def _select(element_id: str, label: str, options: list[tuple[str, str]], grouped: dict | None = None) -> str:
    choices = _options(options) + "".join(
        f"<optgroup{attrs(label=name)}>{_options(members)}</optgroup>"
        for name, members in (grouped or {}).items()
    )
    return f'<label>{label} <select id="{element_id}"><option value="">any</option>{choices}</select></label>'


def _options(options: list[tuple[str, str]]) -> str:
    return "".join(f"<option{attrs(value=value)}>{escape(text)}</option>" for value, text in options)
