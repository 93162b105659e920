"""Who denies, who is blamed, who acts: the "patterns" feature family.

Cue words say that Russia is mentioned; they cannot say whether Russia is the one that
bombed, the one blamed, the one denying, or the victim. These features count, per sentence:

- statement patterns: verbs of denying (CAMEO 016: deny, reject, dismiss, rule out,
  refute...), the accusation, allegation, claim, involvement or responsibility they deny, or
  the act ("denied targeting", "denied that ..."), and an accusation named before its denial
  ("a claim the coalition denied"); words that call a report false ("baseless", "fabricated",
  "staged"), "nothing to do with", "did not strike" and "only struck terrorists"
  deflections, "no shells were fired"; verbs of accusing (CAMEO 112: accuse, blame, hold
  responsible, allege), hedges, negations, quotation marks and attribution;
- the other senses of those words, which are no denial: "denied access", "missions were
  denied", "neither confirmed nor denied", "rejected the ceasefire proposal", and rebuttals
  ("despite the denials", "contesting the ministry's claim");
- in the sentence's context (the title and the neighbouring sentences), accusing, denying
  and calling false: a denial answers an accusation shown in the context (the labelling
  spec), and a denier's account runs on over several sentences;
- for every value of the agent group (`[model] agents`, the actor group), how often one of
  its cues stands where a perpetrator stands: near an attack word, after "by", after a verb
  of blaming, or before a verb of denying.

A saved model holds only the pattern strings; they are compiled on first use.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
from sklearn.utils.validation import check_is_fitted

from newstag.model.cues import CueTable, TextTransformer, cue_pattern

DENY = (
    r"(?:den(?:y|ies|ied|ying|ials?)|reject\w*|dismiss\w*|rul\w* out|refut\w*|rebuff\w*|disput\w*"
    r"|insist\w*|push\w* back against|brush\w* aside|wav\w* away|cast\w* doubt)"
)
DENIED_OBJECT = (
    r"(?:accusation|allegation|claim|report|involvement|responsibility|charge|blame|role|stor(?:y|ies)|news"
    r"|finding|account|version)s?\b"
)
DENIED_ACT = (
    r"(?:that|having|any|bomb\w*|shell\w*|strik\w*|target\w*|attack\w*|hitting|fir\w*|kill\w*|carr\w* out"
    r"|the (?:attack|strike|bombing|shelling|raid|massacre|incident))\b"
)
DENIED_BY = r"(?:den(?:y|ies|ied)|reject\w*|dismiss\w*)\b"
ACT = (
    r"(?:carr\w* out|target\w*|strik\w*|struck|bomb\w*|attack\w*|shell\w*|hit|fir(?:e|ed|ing)|us(?:e|ed|ing))"
)
FALSE = (
    r"(?:baseless|groundless|unfounded|false\w*|fabricat\w*|fake\w*|lies|staged|hoax|propaganda"
    r"|disinformation|misinformation|provocation|fiction|absurd|nonsense|unsubstantiated|slander\w*)"
)
DEFLECT = (
    r"(?:nothing to do with|not involved|no involvement|no role|no part|not responsible"
    r"|(?:was|were) not behind"
    rf"|(?:did|does|do|had|has|have|would|could|are|were)(?: not|n't| never) (?:\w+ ){{0,2}}?{ACT}"
    r"|never (?:target|strike|bomb|attack)\w*|(?:were|was) not (?:\w+ )?(?:civilians|doctors)"
    r"|only (?:target|hit|struck|strik)\w* (?:terrorist|militant|military|fighter)\w*)"
)
NO_ACT = (
    r"\bno (?:\w+ ){0,2}?(?:strikes?|airstrikes?|shells?|missiles?|rockets?|missions?|bombs?)\W+"
    rf"(?:\w+\W+){{0,2}}?{ACT}"
)
OTHER_SENSE = {
    # "denied" that is not a party denying an attack: the spec's hard negatives.
    "deny_access": (
        r"\b(?:den(?:y|ies|ied|ying|ial of)|refus\w*|block\w*)\W+(?:\w+\W+){0,3}?(?:access|entry|permission"
        r"|passage|visas?|aid|treatment|care|the right|food|water|fuel|supplies|missions?)\b"
        r"|\b(?:been|were|was|are|be|being)\s+(?:\w+ly\s+)?denied\b"
    ),
    "noncommittal": (
        r"\bneither (?:confirm\w*|den\w*) nor (?:confirm\w*|den\w*)"
        r"|\b(?:not|n't) (?:confirm|deny) or (?:confirm|deny)"
        r"|\bdeclin\w* to (?:comment|confirm)"
    ),
    "reject_proposal": (
        r"\breject\w*\W+(?:\w+\W+){0,4}?(?:offer|proposal|plan|strategy|ceasefire|call|demand|resolution"
        r"|deal|talks|truce)s?\b"
    ),
    "rebut": (
        r"\b(?:despite|contrary to|contradict\w*|contest\w*|dismiss\w*|refut\w*|debunk\w*|disprov\w*"
        r"|expos\w*)"
        r"\W+(?:\w+\W+){0,5}?(?:denial|claim|account|version|assertion)s?\b"
    ),
}
ACCUSE = (
    r"(?:accus(?:e|es|ed|ing)\b|blam(?:e|es|ed|ing)\b|held \w+ responsible|hold\w* \w+ responsible"
    r"|alleg(?:e|es|ed|ing)\b|condemn\w*|attribut\w*)"
)
ATTACK = (
    r"(?:bomb\w*|shell\w*|strik\w*|struck|hit|attack\w*|target\w*|kill\w*|fir(?:e|ed|ing)|drop\w*"
    r"|launch\w*|raid\w*|jets?|warplanes?|planes?|aircraft|forces|troops|artillery|missiles?|rockets?"
    r"|shot|storm\w*|seiz\w*|besieg\w*|siege|destroy\w*|carried out|responsible|behind)"
)

STATEMENTS = {
    "deny": rf"\b{DENY}",
    "deny_accusation": rf"\b{DENY}\W+(?:\w+\W+){{0,4}}{DENIED_OBJECT}",
    "deny_act": rf"\b{DENY}\W+(?:\w+\W+){{0,2}}?{DENIED_ACT}",
    "accusation_denied": rf"\b{DENIED_OBJECT}\W+(?:\w+\W+){{0,4}}?{DENIED_BY}",
    "no_act": NO_ACT,
    "called_false": rf"\b{FALSE}",
    "deflect": rf"\b{DEFLECT}",
    "accuse": rf"\b{ACCUSE}",
    "hedge": r"\b(?:reportedly|allegedly|suspected|believed to|apparently|unconfirmed|said to)\b",
    "negation": r"\b(?:not|no|never|neither|nor)\b|n't\b",
    "quotation": r"[\"“”]",
    "attribution": r"\b(?:said|says|told|stated|statement|according to)\b",
    **OTHER_SENSE,
}
CONTEXT = {
    # A denial answers an accusation shown in the context (the spec), and a denier's account
    # runs on over several sentences.
    "accuse": STATEMENTS["accuse"],
    "deny": STATEMENTS["deny"],
    "deny_accusation": STATEMENTS["deny_accusation"],
    "called_false": STATEMENTS["called_false"],
}
ROLES = ("acting", "after_by", "blamed", "denying")
WINDOW = 60
"""Characters either side of an agent's mention that are searched for its role."""


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.IGNORECASE)


def _roles(text: str, agent: str) -> list[int]:
    """How often the agent's cues stand in each of ROLES in `text`."""
    counts = [0] * len(ROLES)
    for match in _compiled(agent).finditer(text):
        for role, present in enumerate(role_flags(text, *match.span())):
            counts[role] += present
    return counts


def role_flags(text: str, start: int, end: int) -> tuple[bool, ...]:
    """Whether the words at start..end stand in each of ROLES: near an attack word, after "by",
    after a verb of blaming, before a verb of denying."""
    before, around = text[max(0, start - WINDOW) : start], text[max(0, start - WINDOW) : end + WINDOW]
    return (
        bool(_compiled(rf"\b{ATTACK}\b").search(around)),
        bool(_compiled(r"\bby(?:\s+(?:the|a|an|its|their))?\s+(?:\w+\s+){0,2}$").search(before)),
        bool(_compiled(rf"{ACCUSE}\W+(?:\w+\W+){{0,6}}$").search(before)),
        bool(_compiled(rf"^\W*(?:\w+\W+){{0,8}}?{DENY}").search(text[end : end + WINDOW])),
    )


@lru_cache(maxsize=8192)
def _row(
    patterns: tuple[str, ...],
    context_patterns: tuple[str, ...],
    agents: tuple[str, ...],
    text: str,
    context: str,
) -> tuple[int, ...]:
    """Cached: cross-validation computes the same row for the same sentence in every fold."""
    row = [len(_compiled(pattern).findall(text)) for pattern in patterns]
    row += [len(_compiled(pattern).findall(context)) for pattern in context_patterns]
    for agent in agents:
        row += _roles(text, agent)
    return tuple(row)


class PatternCounter(TextTransformer):
    """Texts -> counts of the statement patterns, of the CONTEXT patterns in each text's `context`
    (title and neighbours, `text.sentences.InContext`; none for a plain string), then ROLES
    counts for every agent value."""

    def __init__(self, agents: CueTable = ()):
        self.agents = agents

    def fit(self, X, y=None):
        self.patterns_ = list(STATEMENTS.values())
        self.context_patterns_ = list(CONTEXT.values())
        self.agent_patterns_ = [pattern for _, cues in self.agents if (pattern := cue_pattern(cues))]
        statements = len(self.patterns_) + len(self.context_patterns_)
        self.n_features_out_ = statements + len(ROLES) * len(self.agent_patterns_)
        return self

    def transform(self, X) -> np.ndarray:
        check_is_fitted(self, "patterns_")
        patterns, agents = tuple(self.patterns_), tuple(self.agent_patterns_)
        context = tuple(self.context_patterns_)
        rows = [_row(patterns, context, agents, str(text), getattr(text, "context", "")) for text in X]
        return np.array(rows, dtype=float).reshape(len(X), self.n_features_out_)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        check_is_fitted(self, "patterns_")
        agents = [name for name, cues in self.agents if cue_pattern(cues)]
        names = [f"pattern={name}" for name in STATEMENTS]
        names += [f"context={name}" for name in CONTEXT]
        names += [f"{agent}:{role}" for agent in agents for role in ROLES]
        return np.array(names, dtype=object)
