"""Where a found span begins and ends, by the spec's rule (section 4): the words that name the
party, with their head noun when it denotes the party, never a verb or a clause after it.

The word classifier sees each word with its neighbours only, so at cross-validation on the
training articles (benchmarks/span_breakdown.py) its commonest boundary errors were a name
without its head noun or a head noun without its name ("Houthi", "army", "government" where the
annotators marked "Houthi rebels", "Sudanese army", "government forces"), part of a name of
several words ("Forces" of "Rapid Support Forces", "al-Islam" of "Jaysh al-Islam") and a word of
the clause after the party ("Troops supporting"). So a run of found words is widened over the
rest of a name of capitalised words, over an adjacent head noun after a name or a modifier, and
over a name or modifier (with its possessive) before a head noun; trailing verbs and function
words are dropped.
"""

from __future__ import annotations

SPEC_HEADS = frozenset(
    [
        "forces",
        "force",
        "army",
        "troops",
        "militia",
        "militias",
        "rebels",
        "fighters",
        "government",
        "regime",
        "coalition",
        "ministry",
        "military",
        "junta",
        "soldiers",
        "militants",
        "authorities",
        "officials",
        "group",
        "allies",
    ]
)
"""The head nouns that denote a party (the spec's list and their kin in the corpus' spans)."""
MODIFIERS = frozenset(
    ["security", "government", "regime", "coalition", "rebel", "opposition", "armed", "special"]
)
"""Common words that stand before a head noun in a party's name ("security forces")."""
CONNECTORS = frozenset(["al", "el", "bin", "ibn", "of"])
"""Lower-case words inside a name of capitalised words ("Bashar al Assad")."""
FUNCTION_WORDS = frozenset(
    ["and", "or", "of", "to", "in", "on", "at", "by", "for", "with", "who", "which", "that"]
)
POSSESSIVE = ("'", "’")
TITLE_CASE = 0.75
"""A sentence with more capitalised words than this share is a headline: its capitals name
nothing."""


class _Sentence:
    def __init__(self, text: str, words: list[tuple[int, int]], aliases):
        self.text, self.words, self.aliases = text, words, aliases
        capitalised = sum(self.word(i)[:1].isupper() for i in range(len(words)))
        self.headline = capitalised > TITLE_CASE * sum(self.word(i)[:1].isalpha() for i in range(len(words)))

    def word(self, i: int) -> str:
        return self.text[slice(*self.words[i])]

    def spaced(self, i: int) -> bool:
        """White space, and only white space, between word i and the next."""
        gap = self.text[self.words[i][1] : self.words[i + 1][0]] if i + 1 < len(self.words) else ""
        return bool(gap) and not gap.strip()

    def joined(self, i: int) -> bool:
        return i + 1 < len(self.words) and self.words[i][1] == self.words[i + 1][0]

    def capitalised(self, i: int) -> bool:
        return not self.headline and self.word(i)[:1].isupper()

    def name(self, i: int) -> bool:
        """A word that names: in the alias table, capitalised (the first of the sentence only if
        the table has it), or joined by a hyphen to a name ("led" of "Saudi-led")."""
        found = self.word(i)
        if found.lower() in self.aliases or (found[:1].isupper() and i > 0):
            return True
        return i >= 2 and self.word(i - 1) == "-" and self.joined(i - 2) and self.name(i - 2)

    def head(self, i: int) -> bool:
        return self.word(i).lower() in SPEC_HEADS

    def modifier(self, i: int) -> bool:
        return self.word(i).lower() in MODIFIERS


def completed(text: str, words: list[tuple[int, int]], run: list[int], aliases) -> list[int]:
    """`run` (indices into `words`) widened to its whole name and head noun, without trailing
    verbs or function words; `aliases`: lower-case words of the alias table."""
    sentence = _Sentence(text, words, aliases)
    first, last = _whole_name(sentence, run[0], run[-1])
    while (
        sentence.spaced(last) and (sentence.name(last) or sentence.modifier(last)) and sentence.head(last + 1)
    ):
        last += 1
    last = _possessive_head(sentence, last)
    while first > 0 and (sentence.head(first) or sentence.modifier(first)):
        before = _name_before(sentence, first)
        if before is None:
            break
        first = before
    while last > first and _trailing(sentence.word(last)):
        last -= 1
    return list(range(first, last + 1))


def _whole_name(sentence: _Sentence, first: int, last: int) -> tuple[int, int]:
    """The run widened over the capitalised words (and connectors or a possessive between them)
    around it; the sentence's first word only if the alias table has it ("Yesterday")."""
    if sentence.capitalised(first) or sentence.word(first) in CONNECTORS:
        while (
            first > 0
            and sentence.spaced(first - 1)
            and sentence.capitalised(first - 1)
            and sentence.name(first - 1)
        ):
            first -= 1
    while sentence.capitalised(last):
        following = _next_in_name(sentence, last)
        if following is None or not sentence.capitalised(following):
            break
        last = following
    return first, last


def _next_in_name(sentence: _Sentence, last: int) -> int | None:
    """The next word that may continue a name: after a space, a connector ("al") or a
    possessive ("People's")."""
    if sentence.spaced(last):
        following = last + 1
        if sentence.word(following) in CONNECTORS and sentence.spaced(following):
            following += 1
        return following
    if (
        last + 3 < len(sentence.words)
        and sentence.word(last + 1) in POSSESSIVE
        and sentence.word(last + 2) == "s"
        and sentence.spaced(last + 2)
    ):
        return last + 3
    return None


def _possessive_head(sentence: _Sentence, last: int) -> int:
    """The head noun after a name's possessive ("Assad's forces"), else `last`."""
    if (
        sentence.name(last)
        and last + 3 < len(sentence.words)
        and sentence.word(last + 1) in POSSESSIVE
        and sentence.word(last + 2) == "s"
        and sentence.joined(last)
        and sentence.spaced(last + 2)
        and sentence.head(last + 3)
    ):
        return last + 3
    return last


def _name_before(sentence: _Sentence, first: int) -> int | None:
    """The index of the name or modifier before word `first` ("Sudanese" of "Sudanese army",
    "Assad" of "Assad's forces", "security" of "security forces"), or None."""
    i = first - 1
    if i >= 2 and sentence.word(i) == "s" and sentence.word(i - 1) in POSSESSIVE and sentence.joined(i - 2):
        i -= 2
        return i if sentence.name(i) else None
    if sentence.spaced(i) and (sentence.name(i) or sentence.modifier(i)):
        return i
    return None


def _trailing(word: str) -> bool:
    """A word no mention of a party ends with: a verb form or a function word."""
    lower = word.lower()
    return word.islower() and (lower in FUNCTION_WORDS or lower.endswith(("ing", "ed")))
