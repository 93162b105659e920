"""The human-readable `tag` output: a table of sentences and a summary per article."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table


def render_table(tagged, groups: list[str], color: bool) -> str:
    """One article: its sentences with their labels in each of the taxonomy's `groups`, then
    its summary."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=140, force_terminal=color, no_color=not color)
    console.print(_sentence_table(tagged, groups))
    console.print(_summary(tagged, groups), highlight=False, soft_wrap=True)
    console.print()
    return buffer.getvalue()


def _sentence_table(tagged, groups: list[str]) -> Table:
    article = tagged.split.article
    table = Table(title=f"{article.id}: {article.title}", title_justify="left", show_lines=False)
    table.add_column("#", justify="right")
    table.add_column("sentence", ratio=3, overflow="fold")
    for group in groups:
        table.add_column(group, ratio=1)
    for t in tagged.sentences:
        cells = [", ".join(f"{v} {t.probabilities[g][v]:.2f}" for v in t.labels[g]) for g in groups]
        table.add_row(str(t.sentence.index), t.sentence.text, *cells)
    return table


def _summary(tagged, groups: list[str]) -> str:
    """Per group, each value found (but "none") with the sentences that carry it."""
    summary = tagged.summary
    lines = ["Summary:"]
    for group in groups:
        found = summary.get(group, {})
        listed = "; ".join(f"{v} (sentences {_indices(s)})" for v, s in found.items()) or "none found"
        lines.append(f"  {group}: {listed}")
    return "\n".join(lines)


def _indices(indices: list[int]) -> str:
    return ", ".join(map(str, indices))
