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

from newstag.annotate.spans import PartySpan, standing_spans
from newstag.errors import ConfigError
from newstag.tagging.tag import IGNORED_IN_SUMMARY, UNCERTAIN, TaggedArticle, TaggedSentence
from newstag.taxonomy import ReportGroups, Taxonomy

NO_ACTOR = "none"
ACTOR_ATTACK, DENIALS, TIMELINE = "actor_attack", "denials", "timeline"
"""The three tables: who x how (actor x attack type), denials by who, month x how."""
PARTY = "@"
"""How a party is named in the page: "@Rapid Support Forces" (no taxonomy value starts so)."""

Cell = tuple[str, str, str]
"""(table, row, column): a row of the first two tables is a `who` value or a party ("@Russia"),
a timeline row a month; a column is a `how` value, or the denial value."""


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


def party_token(party: str) -> str:
    """How a party is named in the page's filters: its words, on one line."""
    return PARTY + " ".join(party.replace("|", "/").split())


def report_groups(taxonomy: Taxonomy) -> ReportGroups:
    if taxonomy.report is None:
        raise ConfigError(
            "the model's taxonomy names no report groups ([taxonomy.report] with who, how and "
            "denial); add them to its config and train it again"
        )
    return taxonomy.report


def party_spans(tagged: TaggedSentence, taxonomy: Taxonomy) -> list[PartySpan]:
    """The spans found of the parties the `who` group holds responsible, as the report shows
    them: only beside a sure named value (the spec's rule; an uncertain `who` counts in the row
    "uncertain", spans or not), in sentence order."""
    who = report_groups(taxonomy).who
    if not tagged.sure_labels.get(who):
        return []
    return sorted(
        span
        for _, span in standing_spans(tagged.sentence.text, tagged.spans, tagged.sure_labels, taxonomy, [who])
    )


def sentence_tokens(tagged: TaggedSentence) -> list[str]:
    """The filter tokens of a sentence: its sure labels, and "group:uncertain" for each group
    with uncertain values."""
    sure = [token(group, value) for group, values in tagged.sure_labels.items() for value in values]
    return sure + [token(group, UNCERTAIN) for group in tagged.uncertain]


def responsible_rows(tagged: TaggedSentence, taxonomy: Taxonomy) -> list[str]:
    """The rows one sentence counts in: the parties its spans name ("@Russia"), then each sure
    named `who` value that no span stands for (a span stands for its party's value, or for
    `others` when the taxonomy has no value for its party)."""
    groups = report_groups(taxonomy)
    named = [v for v in tagged.sure_labels.get(groups.who, ()) if v not in IGNORED_IN_SUMMARY]
    spans = party_spans(tagged, taxonomy)
    covered = {span.actor or groups.others for span in spans}
    parties = list(dict.fromkeys(party_token(span.party) for span in spans))
    return parties + [v for v in named if v not in covered]


def row_tokens(tagged: TaggedSentence, taxonomy: Taxonomy) -> list[str]:
    """What the page's actor-or-party filter matches, as the tables count: the sentence's rows
    (its parties, and the `who` values no span stands for, none included), and "who:uncertain"
    when its `who` values are uncertain."""
    groups = report_groups(taxonomy)
    rows = [
        row if row.startswith(PARTY) else token(groups.who, row) for row in responsible_rows(tagged, taxonomy)
    ]
    ignored = [v for v in tagged.sure_labels.get(groups.who, ()) if v in IGNORED_IN_SUMMARY]
    unsure = [UNCERTAIN] if groups.who in tagged.uncertain else []
    return rows + [token(groups.who, v) for v in [*ignored, *unsure]]


def sentence_cells(tagged: TaggedSentence, month: str | None, taxonomy: Taxonomy) -> Iterator[Cell]:
    """The table cells one sentence counts in: by its sure labels (and the spans beside them)
    only."""
    groups = report_groups(taxonomy)
    labels = tagged.sure_labels
    attacks = [v for v in labels.get(groups.how, ()) if v not in IGNORED_IN_SUMMARY]
    actors = responsible_rows(tagged, taxonomy)
    for actor in actors:
        for attack in attacks:
            yield ACTOR_ATTACK, actor, attack
    if groups.denial in labels.get(groups.stance, ()):
        for actor in actors or [UNCERTAIN if groups.who in tagged.uncertain else NO_ACTOR]:
            yield DENIALS, actor, groups.denial
    if month:
        for attack in attacks:
            yield TIMELINE, month, attack


def cell_filter(cell: Cell, taxonomy: Taxonomy) -> tuple[list[str], str | None, str | None]:
    """What a sentence must carry to be counted in `cell`: its labels, its party (a party row)
    and the month of its article (a timeline row)."""
    groups = report_groups(taxonomy)
    table, row, column = cell
    if table == TIMELINE:
        return [token(groups.how, column)], None, row
    party = row if row.startswith(PARTY) else None
    who = [] if party else [token(groups.who, row)]
    if table == ACTOR_ATTACK:
        return [*who, token(groups.how, column)], party, None
    return [*who, token(groups.stance, column)], party, None


@dataclass
class Tally:
    taxonomy: Taxonomy
    articles: int = 0
    sentences: int = 0
    dated: Counter = field(default_factory=Counter)
    """Articles per month."""
    sentence_counts: Counter = field(default_factory=Counter)
    article_counts: Counter = field(default_factory=Counter)
    uncertain: Counter = field(default_factory=Counter)
    """(group, value) -> sentences where the value was chosen below its threshold."""
    parties: dict[str, str | None] = field(default_factory=dict)
    """Party token -> the `who` value its party stands for (None: `others`), as first found."""

    def add(self, tagged: TaggedArticle) -> None:
        taxonomy = self.taxonomy
        month = month_of(tagged.split.article.date)
        found = Counter(cell for t in tagged.sentences for cell in sentence_cells(t, month, taxonomy))
        for t in tagged.sentences:
            for span in party_spans(t, taxonomy):
                self.parties.setdefault(party_token(span.party), span.actor)
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
