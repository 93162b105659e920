"""From a mention ("the paramilitary RSF", "Russian", "Moscow") to its canonical party.

The alias table (`[[parties]]` in the config) names the known parties. A mention names the
party of the longest alias among its words; one that no alias matches is compared, by string
similarity (difflib's ratio, or its initials: "RSF" for "Rapid Support Forces"), with the
aliases and with the parties named earlier in the same article, and otherwise is a party of
its own: its words without a leading article or a trailing possessive.

A common-noun mention ("the regime", "government forces", "the coalition": no word in capitals
or capitalised) names no party by its own words: it names the one party of the table that the
sentence's actor values name ("regime" where the actor is `syrian_government`), else the party
named last in the article by a mention that shares its head noun ("the coalition" after "the
Saudi-led coalition"), else a party of its own words. In the training data such mentions are a
quarter of all spans ("coalition", "rebels", "government forces", "army", "junta", ...).

A found span whose party does not agree with the sentence's actor values (`agrees`) is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from difflib import SequenceMatcher

from newstag.config import Party
from newstag.model.span_bounds import MODIFIERS, SPEC_HEADS

_WORD = re.compile(r"\w+|[^\w\s]")
LEADING = {"the", "a", "an"}
POSSESSIVE = re.compile(r"\s*['’]s?$")
SIMILAR = 0.85
"""difflib ratio from which two names are the same party ("Rapid Support Force" and "Rapid
Support Forces" score 0.97; "Syrian army" and "Syrian navy" 0.82)."""


MIN_SIMILAR = 4
"""Shorter names are compared only as they are written (and as initials): "is" is not "IS"."""


SHORT = 3
"""Words in capitals up to this length are matched only in capitals ("IS" is not "is"); longer
ones in any case ("Isis" is "ISIS")."""


def words(text: str) -> list[str]:
    """A mention's words, matched case-insensitively except short words in capitals ("IS", "US")."""
    return [w if w.isupper() and 1 < len(w) <= SHORT else w.lower() for w in _WORD.findall(text)]


def plain_name(text: str) -> str:
    """The mention without a leading article or a trailing possessive."""
    text = POSSESSIVE.sub("", text.strip())
    first, _, rest = text.partition(" ")
    return rest if first.lower() in LEADING and rest else text


COMMON = SPEC_HEADS | MODIFIERS
"""Words that name no party of their own, even capitalised at a sentence's start ("Rebel
fighters", "Coalition")."""


def _capitalised(mention: str) -> bool:
    """Whether a word of the mention is a name (capitalised or in capitals, and not a head noun
    or modifier): "Syrian army", "RSF"; not "the regime", "Government forces"."""
    return any(w[:1].isupper() and w.lower() not in COMMON for w in _WORD.findall(plain_name(mention)))


def _stems(mention: str) -> set[str]:
    """The mention's words, lower case, without a plural "s" ("forces" -> "force")."""
    found = (w.lower() for w in _WORD.findall(plain_name(mention)) if w[:1].isalnum())
    return {w[:-1] if len(w) > 3 and w.endswith("s") else w for w in found}


MEMBERS = frozenset(["force", "troop", "fighter", "soldier", "member", "unit", "militant"])
"""Heads that any party's mention may take ("government forces", "RSF fighters"): a common-noun
mention is matched with an earlier one by its other words, when it has any."""


def _key_stems(mention: str) -> set[str]:
    stems = _stems(mention)
    return (stems - MEMBERS) or stems


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
        self._by_actor = {party.actor: party for party in parties if party.actor}
        self._seen: list[str] = []
        self._mentions: list[tuple[set[str], tuple[str, str | None]]] = []
        """Each mention resolved so far in the article: (its words, lower case; its result)."""

    def resolve(self, mention: str, actors: Sequence[str] = ()) -> tuple[str, str | None]:
        """(canonical party, its actor value or None); `actors`: the sentence's actor values,
        which name the party of a common-noun mention."""
        found = self._named(mention) if _capitalised(mention) else self._common(mention, actors)
        self._mentions.append((_stems(mention), found))
        return found

    def _named(self, mention: str) -> tuple[str, str | None]:
        party = self._by_alias(words(mention)) or self._similar(plain_name(mention))
        if isinstance(party, Party):
            return party.name, party.actor or None
        name = party or self._initials_of(plain_name(mention)) or plain_name(mention)
        if name not in self._seen:
            self._seen.append(name)
        return name, None

    def _common(self, mention: str, actors: Sequence[str]) -> tuple[str, str | None]:
        key = _key_stems(mention)
        party = self._of_actors(key, actors)
        if party is not None:
            return party.name, party.actor or None
        earlier = next((found for seen, found in reversed(self._mentions) if key and key <= seen), None)
        return earlier or self._named(mention)

    def _of_actors(self, key: set[str], actors: Sequence[str]) -> Party | None:
        """The party of the sentence's one actor value, or of the one among several whose
        aliases hold the mention's words ("regime" where the actors are syrian_government and
        russia)."""
        parties = [self._by_actor[actor] for actor in actors if actor in self._by_actor]
        if len(parties) == len(actors) == 1:
            return parties[0]
        holding = [p for p in parties if any(key <= _stems(alias) for alias in p.aliases)]
        return holding[0] if len(holding) == 1 else None

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


def agrees(actor: str | None, actors: Sequence[str], others: str | None) -> bool:
    """Whether a found span's party may stand beside the sentence's actor values: the actor group
    holds responsible the parties the spans name, so the party's actor value (`others` for a
    party the table gives none) is among them. A mention of Russia beside actor `isis`, or of an
    unknown party beside a sentence without `others`, is not the one blamed. At cross-validation
    on the training articles this raised party accuracy from 0.68 to 0.71 given the gold actor.
    With no `others` (a config without an alias table) or no actor values, every party agrees."""
    value = actor or others
    return value is None or not actors or value in actors


def others_value(taxonomy, parties) -> str | None:
    """The actor value of a party the alias table gives none (the report's `others`, e.g.
    `other_actor`), for `agrees`; None without a table, so that every party agrees."""
    return taxonomy.report.others if taxonomy.report and parties else None


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
