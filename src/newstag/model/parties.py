"""From a mention ("the paramilitary RSF", "Russian", "Moscow") to its canonical party.

The alias table (`[[parties]]` in the config) names the known parties. A mention names the
party of the longest alias among its words; one that no alias matches is compared, by string
similarity (difflib's ratio, or its initials: "RSF" for "Rapid Support Forces"), with the
aliases and with the parties named earlier in the same article, and otherwise is a party of
its own: its words without a leading article or a trailing possessive.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from newstag.config import Party

_WORD = re.compile(r"\w+|[^\w\s]")
LEADING = {"the", "a", "an"}
POSSESSIVE = re.compile(r"\s*['’]s?$")
SIMILAR = 0.85
"""difflib ratio from which two names are the same party ("Rapid Support Force" and "Rapid
Support Forces" score 0.97; "Syrian army" and "Syrian navy" 0.82)."""


MIN_SIMILAR = 4
"""Shorter names are compared only as they are written (and as initials): "is" is not "IS"."""


def words(text: str) -> list[str]:
    """A mention's words, matched case-insensitively except words in capitals ("IS", "US")."""
    return [w if w.isupper() and len(w) > 1 else w.lower() for w in _WORD.findall(text)]


def plain_name(text: str) -> str:
    """The mention without a leading article or a trailing possessive."""
    text = POSSESSIVE.sub("", text.strip())
    first, _, rest = text.partition(" ")
    return rest if first.lower() in LEADING and rest else text


def _initials(text: str) -> str:
    return "".join(w[0] for w in text.split() if w[:1].isupper())


class PartyNames:
    """Canonical parties for the mentions of one article (`resolve`, in reading order)."""

    def __init__(self, parties: tuple[Party, ...]):
        self.parties = parties
        self._aliases = sorted(
            ((words(alias), party) for party in parties for alias in party.aliases),
            key=lambda pair: -len(pair[0]),
        )
        self._seen: list[str] = []

    def resolve(self, mention: str) -> tuple[str, str | None]:
        """(canonical party, its actor value or None)."""
        party = self._by_alias(words(mention)) or self._similar(plain_name(mention))
        if isinstance(party, Party):
            return party.name, party.actor or None
        name = party or self._initials_of(plain_name(mention)) or plain_name(mention)
        if name not in self._seen:
            self._seen.append(name)
        return name, None

    def _by_alias(self, found: list[str]) -> Party | None:
        for alias, party in self._aliases:  # longest first
            n = len(alias)
            if any(found[i : i + n] == alias for i in range(len(found) - n + 1)):
                return party
        return None

    def _similar(self, name: str) -> Party | str | None:
        if len(name) < MIN_SIMILAR:
            return None
        for party in self.parties:
            if any(SequenceMatcher(None, name.lower(), a.lower()).ratio() >= SIMILAR for a in party.aliases):
                return party
        return self._similar_seen(name)

    def _similar_seen(self, name: str) -> str | None:
        for seen in self._seen:
            if SequenceMatcher(None, name.lower(), seen.lower()).ratio() >= SIMILAR:
                return seen
        return None

    def _initials_of(self, name: str) -> str | None:
        """The party named earlier in the article whose initials `name` is ("ADF")."""
        if name.isupper() and len(name) > 1:
            return next((seen for seen in self._seen if name == _initials(seen)), None)
        return None


def alias_words(parties: tuple[Party, ...]) -> tuple[tuple[str, str], ...]:
    """(word of an alias, lower case, the party's actor value or ""): the span finder's input."""
    from newstag.annotate.spans import token_offsets

    pairs = {
        (alias[start:end].lower(), party.actor)
        for party in parties
        for alias in party.aliases
        for start, end in token_offsets(alias)
    }
    return tuple(sorted(pairs))


def sentence_parties(names: PartyNames, mentions) -> set[str]:
    """The set of parties a sentence's mentions (texts) name."""
    return {names.resolve(mention)[0] for mention in mentions}
