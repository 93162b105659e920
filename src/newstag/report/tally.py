"""The counts across articles that the report shows: plain labels in, counts out.

Every count is of sentences (and, beside it, of the articles they come from), so that each
one can link to exactly the sentences behind it. Labels are counted as `tag` gives them, weak
ones included (the page shows how sure each one is), but not the uncertain ones, chosen below
their thresholds: those are counted apart, and a group with only uncertain values counts in the
row "uncertain".
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from newstag.tagging.tag import IGNORED_IN_SUMMARY, UNCERTAIN, TaggedArticle, TaggedSentence

ATTACK, ACTOR, CLAIM = "attack_type", "actor", "claim_status"
DENIAL = "denial"
NO_ACTOR = "none"
ACTOR_ATTACK, DENIALS, TIMELINE = "actor_attack", "denials", "timeline"
"""The three tables: actor x attack type, denials by actor, month x attack type."""

Cell = tuple[str, str, str]
"""(table, row, column)."""


@dataclass(frozen=True)
class Count:
    sentences: int
    articles: int


def month_of(date: str | None) -> str | None:
    """ "2016-04-28" (or "2016-04-28T10:00") -> "2016-04"; anything else has no month."""
    match = re.match(r"(\d{4})-(\d{2})(?!\d)", date or "")
    return f"{match[1]}-{match[2]}" if match else None


def token(group: str, value: str) -> str:
    """How a label is named in the page's filters: "actor:russia"."""
    return f"{group}:{value}"


def sentence_tokens(tagged: TaggedSentence) -> list[str]:
    """The filter tokens of a sentence: its sure labels, and "group:uncertain" for each group
    with uncertain values."""
    sure = [token(group, value) for group, values in tagged.sure_labels.items() for value in values]
    return sure + [token(group, UNCERTAIN) for group in tagged.uncertain]


def sentence_cells(tagged: TaggedSentence, month: str | None) -> Iterator[Cell]:
    """The table cells one sentence counts in: by its sure labels only."""
    labels = tagged.sure_labels
    attacks = [v for v in labels.get(ATTACK, ()) if v not in IGNORED_IN_SUMMARY]
    actors = [v for v in labels.get(ACTOR, ()) if v not in IGNORED_IN_SUMMARY]
    for actor in actors:
        for attack in attacks:
            yield ACTOR_ATTACK, actor, attack
    if DENIAL in labels.get(CLAIM, ()):
        for actor in actors or [UNCERTAIN if ACTOR in tagged.uncertain else NO_ACTOR]:
            yield DENIALS, actor, DENIAL
    if month:
        for attack in attacks:
            yield TIMELINE, month, attack


def cell_filter(cell: Cell) -> tuple[list[str], str | None]:
    """The labels a sentence must carry to be counted in `cell`, and the month of its article."""
    table, row, column = cell
    if table == ACTOR_ATTACK:
        return [token(ACTOR, row), token(ATTACK, column)], None
    if table == DENIALS:
        return [token(ACTOR, row), token(CLAIM, DENIAL)], None
    return [token(ATTACK, column)], row


@dataclass
class Tally:
    articles: int = 0
    sentences: int = 0
    dated: Counter = field(default_factory=Counter)
    """Articles per month."""
    sentence_counts: Counter = field(default_factory=Counter)
    article_counts: Counter = field(default_factory=Counter)
    uncertain: Counter = field(default_factory=Counter)
    """(group, value) -> sentences where the value was chosen below its threshold."""

    def add(self, tagged: TaggedArticle) -> None:
        month = month_of(tagged.split.article.date)
        found = Counter(cell for t in tagged.sentences for cell in sentence_cells(t, month))
        self.uncertain.update(
            (g, v) for t in tagged.sentences for g, values in t.uncertain.items() for v in values
        )
        self.sentence_counts.update(found)
        self.article_counts.update(found.keys())
        self.articles += 1
        self.sentences += len(tagged.sentences)
        if month:
            self.dated[month] += 1

    def table(self, name: str) -> dict[tuple[str, str], Count]:
        """(row, column) -> Count for every non-empty cell of one table."""
        return {
            (row, column): Count(n, self.article_counts[(table, row, column)])
            for (table, row, column), n in self.sentence_counts.items()
            if table == name
        }
