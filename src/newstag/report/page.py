"""The report page, written as the tagged articles stream in.

Articles are rendered one at a time into a temporary file while their labels are counted;
the head of the page (counts, filters, the model's scores) is written once the last one is
in, then the articles are copied after it. Memory holds the counts, never the articles.
The page is one file: its style and filter script are inline, and its Content Security
Policy lets nothing load from anywhere and no script run but that one.
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import tempfile
from collections.abc import Iterable
from html import escape
from importlib import resources
from typing import TextIO

from newstag.report import WEAK_BELOW
from newstag.report.render import count_table, filters, render_article
from newstag.report.tally import (
    ACTOR_ATTACK,
    DENIALS,
    NO_ACTOR,
    TIMELINE,
    Tally,
    report_groups,
)
from newstag.tagging.tag import IGNORED_IN_SUMMARY, UNCERTAIN, TaggedArticle
from newstag.taxonomy import Taxonomy


def write_page(
    tagged: Iterable[TaggedArticle],
    out: TextIO,
    meta: dict,
    taxonomy: Taxonomy,
    weak_below: float = WEAK_BELOW,
) -> Tally:
    """Write the report of `tagged` (a stream) to `out`; return what was counted.
    `meta` is the model's meta.json: its version and cross-validated scores are shown."""
    f1 = value_f1(meta)
    report_groups(taxonomy)  # before any work: a taxonomy without them cannot be reported
    tally = Tally(taxonomy)
    with tempfile.TemporaryFile("w+", encoding="utf-8") as articles:
        for number, article in enumerate(tagged):
            tally.add(article)
            articles.write(render_article(article, number, f1, taxonomy, weak_below))
        out.write(_head(meta, tally, taxonomy, weak_below))
        articles.seek(0)
        shutil.copyfileobj(articles, out)
    out.write(f"</section><script>{_asset('filters.js')}</script></body></html>\n")
    return tally


def value_f1(meta: dict) -> dict[str, dict[str, float]]:
    """group -> value -> F1 from the model's cross-validation; empty when none was run."""
    model = (meta.get("metrics") or {}).get("model", {})
    return {group: {v: s["f1"] for v, s in scores["values"].items()} for group, scores in model.items()}


def _head(meta: dict, tally: Tally, taxonomy: Taxonomy, weak_below: float) -> str:
    title = f"newstag report: {tally.articles} articles"
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_policy()}">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_asset('page.css')}</style></head><body>"
        f"<header><h1>{escape(title)}, {tally.sentences} sentences</h1>"
        f"<p>Tagged by model <b>{escape(str(meta.get('name', '?')))}</b> version "
        f"<code>{escape(str(meta.get('model_version', '?')))}</code>. Labels with a probability "
        f'below {weak_below:.2f} are <span class="v weak">faded</span>; denials are '
        f'<span class="v denial">marked</span>; labels chosen below their threshold are marked '
        f'<span class="v {UNCERTAIN}">{UNCERTAIN}</span> and counted apart. '
        "Click a count to see the sentences behind it.</p>"
        f"</header>{_overview(tally, taxonomy)}{_model(meta)}"
        f'<section id="articles"><h2 class="section">Articles</h2>'
        f"{filters(taxonomy, sorted(tally.dated), list(tally.parties))}"
    )


def _overview(tally: Tally, taxonomy: Taxonomy) -> str:
    groups = report_groups(taxonomy)
    attacks = _shown(taxonomy.group(groups.how).value_names)
    actors = _rows(tally, taxonomy)
    pairs, denials, timeline = (tally.table(name) for name in (ACTOR_ATTACK, DENIALS, TIMELINE))
    counted = [a for a in actors if any(k[0] == a for k in pairs)]
    denied = [a for a in actors if (a, groups.denial) in denials]
    parts = [
        f"<h3>Sentences by {escape(groups.who)} held responsible (and the parties named) and "
        f"{escape(groups.how)}</h3>",
        count_table(ACTOR_ATTACK, pairs, counted, attacks, taxonomy),
        f"<h3>Denials by {escape(groups.who)} (and the parties named)</h3>",
        count_table(DENIALS, denials, denied, [groups.denial], taxonomy, bars=True)
        if denials
        else "<p>No denials found.</p>",
        f"<h3>Timeline: sentences by month of the article and {escape(groups.how)}</h3>",
        _timeline(tally, timeline, attacks, taxonomy),
        _uncertain(tally),
    ]
    return f'<section id="overview"><h2 class="section">Across articles</h2>{"".join(parts)}</section>'


def _rows(tally: Tally, taxonomy: Taxonomy) -> list[str]:
    """The `who` values in the taxonomy's order, each followed by the parties found that stand
    for it, most counted first; the parties the taxonomy has no value for come in place of
    `others` (after its own row, for the sentences no span names); then none and uncertain."""
    groups = report_groups(taxonomy)
    counts = {row: n for (table, row, _), n in tally.sentence_counts.items() if table == ACTOR_ATTACK}

    def standing_for(value: str | None) -> list[str]:
        found = [p for p, actor in tally.parties.items() if (actor or groups.others) == value]
        return sorted(found, key=lambda party: -counts.get(party, 0))

    values = _shown(taxonomy.group(groups.who).value_names)
    rows = [row for value in values for row in [value, *standing_for(value)]]
    known = set(values) | {groups.others}
    strays = [p for p, actor in tally.parties.items() if (actor or groups.others) not in known]
    return [*rows, *strays, NO_ACTOR, UNCERTAIN]


def _uncertain(tally: Tally) -> str:
    """The labels chosen below their thresholds, which no count above includes."""
    if not tally.uncertain:
        return "<p>No uncertain labels: every label counted cleared its threshold.</p>"
    listed = ", ".join(
        f'<span class="v {UNCERTAIN}">{escape(group)}: {escape(value)}</span> {count}'
        for (group, value), count in sorted(tally.uncertain.items())
    )
    return (
        f"<h3>Uncertain labels, not counted above</h3><p>Chosen only because no value of their group "
        f"cleared its threshold (sentences): {listed}.</p>"
    )


def _shown(values: list[str]) -> list[str]:
    return [v for v in values if v not in IGNORED_IN_SUMMARY]


def _timeline(tally: Tally, cells: dict, attacks: list[str], taxonomy: Taxonomy) -> str:
    undated = tally.articles - sum(tally.dated.values())
    note = f"<p>{undated} of {tally.articles} articles have no date and are not in the timeline.</p>"
    if not tally.dated:
        return note
    months = sorted(tally.dated)
    rows = count_table(TIMELINE, cells, months, attacks, taxonomy)
    per_month = ", ".join(f"{m}: {tally.dated[m]}" for m in months)
    return f"{rows}<p>Articles per month: {escape(per_month)}.</p>" + (note if undated else "")


def _model(meta: dict) -> str:
    """The model's version and its cross-validated score on every value: which labels to trust."""
    metrics = meta.get("metrics") or {}
    data = meta.get("training_data") or {}
    about = (
        f"<p>Model <code>{escape(str(meta.get('model_version', '?')))}</code>, trained "
        f"{escape(str(meta.get('trained_at', '?')))} on {escape(str(data.get('sentences', '?')))} "
        f"sentences from {escape(str(data.get('articles', '?')))} articles.</p>"
    )
    if not metrics:
        return (
            f'<section id="model"><h2 class="section">The model</h2>{about}'
            "<p>No cross-validation was run for this model: its labels have no scores.</p></section>"
        )
    rows = "".join(
        f"<tr><td>{escape(group)}</td><td>{escape(value)}</td>"
        + "".join(f"<td>{_score(s[k])}</td>" for k in ("precision", "recall"))
        + f'<td class="f1" style="--v:{s["f1"] or 0:.3f}">{_score(s["f1"])}</td>'
        + f"<td>{escape(str(s['support']))}</td></tr>"
        for group, scores in metrics["model"].items()
        for value, s in scores["values"].items()
    )
    scheme = escape(f"{metrics.get('scheme', '')} cross-validation over {metrics.get('articles')} articles")
    return (
        f'<section id="model"><h2 class="section">The model: which labels to trust</h2>{about}'
        f"<p>Scores from {scheme}: each sentence predicted by a model that never saw its article. "
        f"A label with a low F1 or little support is a lead to check, not a finding.</p>"
        f'<table class="scores"><tr><th>group</th><th>value</th><th>precision</th><th>recall</th>'
        f"<th>F1</th><th>support</th></tr>{rows}</table></section>"
    )


def _score(value) -> str:
    return "–" if value is None else f"{value:.2f}"


def _asset(name: str) -> str:
    return resources.files("newstag.report").joinpath(name).read_text(encoding="utf-8")


def _policy() -> str:
    """Nothing is fetched; inline style is allowed, and the filter script is the only one that runs."""
    digest = base64.b64encode(hashlib.sha256(_asset("filters.js").encode()).digest()).decode()
    return f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{digest}'; img-src data:"
