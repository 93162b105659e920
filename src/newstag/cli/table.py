"""The human-readable `tag` output: a table of sentences and a summary per article."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table

from newstag.tagging.tag import UNCERTAIN


def render_table(tagged, groups: list[str], color: bool, taxonomy, thresholds) -> str:
    """One article: its sentences with their labels in each of the taxonomy's `groups` (each
    beside its threshold, from the model's `thresholds`), then its summary."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=140, force_terminal=color, no_color=not color)
    console.print(_sentence_table(tagged, groups, taxonomy, thresholds))
    console.print(_summary(tagged, groups), highlight=False, soft_wrap=True)
    console.print()
    return buffer.getvalue()


LEGEND = (
    "value p ≥ t: chosen, its probability clears its threshold t; a single-choice group takes its "
    "most probable value. A value chosen below its threshold is marked uncertain and is not counted "
    "in the summary; one chosen below it, or dropped above it, says why."
)


def _sentence_table(tagged, groups: list[str], taxonomy, thresholds) -> Table:
    from newstag.model.decode import explain

    article = tagged.split.article
    table = Table(
        title=f"{article.id}: {article.title}", title_justify="left", show_lines=False, caption=LEGEND
    )
    table.add_column("#", justify="right")
    table.add_column("sentence", ratio=3, overflow="fold")
    for group in groups:
        table.add_column(group, ratio=1)
    span_names = [name for name in taxonomy.span_names if any(t.spans.get(name) for t in tagged.sentences)]
    for name in span_names:
        table.add_column(f"{name} → party", ratio=1, overflow="fold")
    for t in tagged.sentences:
        decisions = explain(taxonomy, t.labels, t.probabilities, thresholds)
        spans = [_spans(t.spans.get(name, [])) for name in span_names]
        table.add_row(str(t.sentence.index), t.sentence.text, *(_cell(decisions[g]) for g in groups), *spans)
    return table


def _spans(found) -> str:
    """Each span: its words, offsets and the canonical party they name."""
    return "\n".join(f"{s.text!r} {s.start}-{s.end} → {s.party}" for s in found)


def _cell(decision) -> str:
    """Chosen values with probability and threshold; then the values dropped and the reason."""
    lines = [_value(*chosen) for chosen in decision.chosen]
    lines += [f"dropped {_value(*dropped)}".removesuffix(f" {UNCERTAIN}") for dropped in decision.dropped]
    if decision.reason:
        lines.append(f"({decision.reason})")
    return "\n".join(lines)


def _value(name: str, p: float, threshold: float | None) -> str:
    if threshold is None:
        return f"{name} {p:.2f}"
    if p < threshold:
        return f"{name} {p:.2f} < {threshold:.2f} {UNCERTAIN}"
    return f"{name} {p:.2f} ≥ {threshold:.2f}"


def _summary(tagged, groups: list[str]) -> str:
    """Per group, each value found (but "none") with the sentences that carry it; the
    uncertain values apart."""
    summary, uncertain = tagged.summary, tagged.uncertain_summary
    lines = ["Summary:"]
    for group in groups:
        listed = _listed(summary.get(group, {})) or "none found"
        unsure = _listed(uncertain.get(group, {}))
        lines.append(f"  {group}: {listed}" + (f"; {UNCERTAIN}: {unsure}" if unsure else ""))
    for name, parties in tagged.parties.items():
        lines.append(f"  {name} parties: {_listed(parties)}")
    return "\n".join(lines)


def _listed(found: dict[str, list[int]]) -> str:
    return "; ".join(f"{v} (sentences {_indices(s)})" for v, s in found.items())


def _indices(indices: list[int]) -> str:
    return ", ".join(map(str, indices))
