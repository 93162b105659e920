"""Who reports, not who is responsible: the outlets, agencies and monitors a sentence cites.

The spec's section 4 marks the party that the actor group holds responsible, never the mere
speaker: "told Al Jazeera", "according to Reuters", "an Al Jazeera crew", "Human Rights Watch
said" name a source of the report. `make demo` once marked "Al Jazeera" in "captured by an Al
Jazeera crew": after "by" and capitalised, it looked like a perpetrator. These flags let the span
finder's classifier tell the two apart, and `reported_by` drops a found span that stands where a
source stands unless the sentence blames it.
"""

from __future__ import annotations

import re

REPORTERS = frozenset(
    [
        "al",
        "jazeera",
        "reuters",
        "afp",
        "ap",
        "associated",
        "press",
        "bbc",
        "cnn",
        "sky",
        "guardian",
        "times",
        "post",
        "telegraph",
        "independent",
        "observatory",
        "sohr",
        "amnesty",
        "human",
        "rights",
        "watch",
        "hrw",
        "msf",
        "médecins",
        "sans",
        "frontières",
        "doctors",
        "without",
        "borders",
        "physicians",
        "phr",
        "who",
        "un",
        "united",
        "nations",
        "world",
        "health",
        "organization",
        "unicef",
        "ocha",
        "icrc",
        "red",
        "cross",
        "crescent",
        "sams",
        "airwars",
        "acled",
        "bellingcat",
        "monitor",
        "monitors",
        "agency",
        "news",
        "newspaper",
        "television",
        "tv",
        "channel",
        "radio",
    ]
)
"""Words of the names of news outlets, agencies, rights groups and monitors (lower case)."""
CONNECTORS = frozenset(["the", "for", "of", "and", "de"])
"""Words inside such a name that are no part of what marks it ("Observatory for Human Rights")."""
RECIPIENT = re.compile(
    r"\b(?:told|tell(?:s|ing)?|speaking to|spoke to|talking to|interview(?:ed)? (?:with|by)|quoted by"
    r"|captured by|filmed by|recorded by)\s+(?:the\s+|an?\s+)?$",
    re.IGNORECASE,
)
"""Before a source that received or recorded the words: "told", "captured by"."""
CITED = re.compile(
    r"\b(?:according to|cited by|reported by|seen by|obtained by|verified by)\s+(?:the\s+)?$", re.I
)
"""Before a cited source, who may also be the party that denies ("according to the ministry")."""
CREW = re.compile(
    r"^(?:['’]s?)?\s+(?:crews?|camera\w*|correspondents?|reporters?|journalists?|footage)\b", re.IGNORECASE
)
"""After an outlet: its crew, correspondent or footage."""
WINDOW = 40


def source_flags(text: str, start: int, end: int) -> tuple[bool, bool, bool, bool]:
    """Whether the words at start..end are a source's: a word of an outlet's or monitor's name;
    after "told" or "captured by"; after "according to"; before "crew" or "correspondent"."""
    before = text[max(0, start - WINDOW) : start]
    return (
        text[start:end].lower() in REPORTERS,
        bool(RECIPIENT.search(before)),
        bool(CITED.search(before)),
        bool(CREW.search(text[end : end + WINDOW])),
    )


def reported_by(text: str, start: int, end: int) -> bool:
    """A span that stands where only a source stands: after "told" or "captured by", before
    "crew" or "correspondent", or whose words all belong to an outlet's or monitor's name
    ("Human Rights Watch"). A cited source ("according to the ministry") may be the party that
    denies, so it is left to the classifier."""
    words = [w for w in re.findall(r"\w+", text[start:end].lower()) if w not in CONNECTORS]
    _, recipient, _, crew = source_flags(text, start, end)
    return recipient or crew or bool(words) and all(word in REPORTERS for word in words)
