"""Finding a span group's spans in sentences: each word (the tokens span scores count) is
tagged B (begins a span), I (inside one) or O, by a logistic regression over

- the word's MiniLM states, and those of the word before and after: the last layer's states
  of the forward pass that embeds the sentence (`embeddings.token_states`), averaged over the
  word's pieces;
- where the word stands (`patterns.role_flags`: near an attack word, after "by", after a verb
  of blaming, before a verb of denying) and what it looks like (capitalised, in capitals, an
  alias of the party table, a head noun such as "forces", after "the", before a possessive);
- whether it stands as a source of the report (`sources.source_flags`: an outlet's or monitor's
  name, after "told" or "according to", before "crew").

Consecutive B/I words make a span; its score is the mean probability that its words are in
one. A span that stands where only a source of the report stands ("told Al Jazeera", "an Al
Jazeera crew", "Human Rights Watch") is dropped unless the sentence blames it (spec section 4).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

from newstag.annotate.spans import Span, token_offsets
from newstag.model.parties import LEADING
from newstag.model.patterns import ROLES, role_flags
from newstag.model.sources import reported_by, source_flags
from newstag.model.span_bounds import completed

OUTSIDE, BEGIN, INSIDE = 0, 1, 2
HEADS = frozenset(
    [
        "forces",
        "force",
        "army",
        "armies",
        "troops",
        "military",
        "militia",
        "militias",
        "rebels",
        "rebel",
        "fighters",
        "government",
        "regime",
        "coalition",
        "ministry",
        "authorities",
        "soldiers",
        "jets",
        "warplanes",
        "aircraft",
        "air",
        "navy",
        "police",
        "group",
        "groups",
        "militants",
        "terrorists",
        "terrorist",
        "insurgents",
        "extremists",
        "radicals",
        "alliance",
        "separatists",
        "enemy",
        "paramilitary",
        "paramilitaries",
        "mercenaries",
        "factions",
        "organisation",
        "organisations",
        "organization",
        "gunmen",
        "jihadists",
    ]
)
"""Head nouns (spec section 4) and the common nouns that name a party: a span without one of
them, a capitalised word or an alias is not kept."""
OTHER = "other_actor"


class SpanFinder(BaseEstimator):
    """Sentences and their actor values -> spans as (start, end, score). `aliases`: (word of an
    alias of the party table, lower case, the party's actor value or ""); `model_path=None`: the
    encoder the package ships. C = 0.1 scored best of 0.1, 0.25, 0.5 and 2 on a fifth of the
    training articles (never the evaluation ones)."""

    def __init__(
        self,
        aliases: tuple[tuple[str, str], ...] = (),
        C: float = 0.1,
        threshold: float = 0.5,
        model_path: str | None = None,
        random_state=0,
    ):
        self.aliases = aliases
        self.C = C
        self.threshold = threshold
        self.model_path = model_path
        self.random_state = random_state

    def fit(self, texts: Sequence[str], spans: Sequence[Sequence[Span]], actors: Sequence[Sequence[str]]):
        self.actors_of_ = actors_by_word(self.aliases)
        rows, targets = [], []
        for text, states, marked, actor in zip(texts, self._states(texts), spans, actors, strict=True):
            words = token_offsets(text)
            if words:
                rows.append(self._features(text, words, states, actor))
                targets.append(word_tags(words, marked))
        self.classifier_ = self.regression()
        self.classifier_.fit(np.vstack(rows), np.concatenate(targets))
        self.n_features_in_ = self.classifier_.coef_.shape[1]
        return self

    def regression(self) -> LogisticRegression:
        """The unfitted classifier `fit` fits."""
        return LogisticRegression(C=self.C, max_iter=3000, random_state=self.random_state)

    def find(
        self, texts: Sequence[str], actors: Sequence[Sequence[str]]
    ) -> list[list[tuple[int, int, float]]]:
        check_is_fitted(self, "classifier_")
        words = [token_offsets(text) for text in texts]
        rows = [
            self._features(text, found, states, actor)
            for text, found, states, actor in zip(texts, words, self._states(texts), actors, strict=True)
            if found
        ]
        # one predict_proba for all the sentences: its per-call overhead outweighs a sentence's work
        probabilities = iter(
            np.split(self.classifier_.predict_proba(np.vstack(rows)), np.cumsum([len(r) for r in rows])[:-1])
            if rows
            else []
        )
        classes = list(self.classifier_.classes_)
        found_spans = []
        for text, sentence_words in zip(texts, words, strict=True):
            if not sentence_words:
                found_spans.append([])
                continue
            runs = decode_tags(
                text, sentence_words, next(probabilities), classes, self.threshold, self.actors_of_
            )
            found_spans.append([run for run in runs if self._names_a_party(text, *run[:2])])
        return found_spans

    def _names_a_party(self, text: str, start: int, end: int) -> bool:
        """A capitalised word, a head noun or an alias, and not a source of the report (unless
        the sentence blames it)."""
        if reported_by(text, start, end) and not role_flags(text, start, end)[ROLES.index("blamed")]:
            return False
        return any(
            w[:1].isupper() or w.lower() in HEADS or w.lower() in self.actors_of_
            for w in _words(text[start:end])
        )

    def _states(self, texts: Sequence[str]) -> list:
        from newstag.model.embeddings import bundled_model_path, token_states

        if not len(texts):
            return []
        path = self.model_path or bundled_model_path()
        return token_states(list(texts), path, graph=getattr(self, "graph_", None))

    def __getstate__(self):
        # The graph is the model folder's file, handed over on load (persist.py), never saved.
        return {key: value for key, value in super().__getstate__().items() if key != "graph_"}

    def _features(self, text: str, words: list[tuple[int, int]], states, actors) -> np.ndarray:
        own = word_states(words, states)
        padding = np.zeros((1, own.shape[1]), dtype=own.dtype)
        before, after = np.vstack([padding, own[:-1]]), np.vstack([own[1:], padding])
        shapes = np.array(
            [self._shape(text, words, i, set(actors)) for i in range(len(words))], dtype=np.float32
        )
        blank = np.zeros((1, shapes.shape[1]), dtype=np.float32)
        shapes_before, shapes_after = np.vstack([blank, shapes[:-1]]), np.vstack([shapes[1:], blank])
        return np.hstack([own, before, after, shapes, shapes_before, shapes_after]).astype(np.float32)

    def _shape(self, text: str, words: list[tuple[int, int]], i: int, actors: set[str]) -> list[float]:
        start, end = words[i]
        word = text[start:end]
        parties_actors = set(self.actors_of_.get(word.lower(), ()))
        previous = text[slice(*words[i - 1])].lower() if i else ""
        following = text[slice(*words[i + 1])] if i + 1 < len(words) else ""
        return [
            word[:1].isupper(),
            word.isupper() and len(word) > 1,
            bool(parties_actors),
            bool(parties_actors & actors),
            "" in parties_actors and OTHER in actors,
            word.lower() in HEADS,
            previous == "the",
            following in ("'", "’"),
            not word[:1].isalnum(),
            i == 0,
            *role_flags(text, start, end),
            *source_flags(text, start, end),
        ]


def actors_by_word(aliases: tuple[tuple[str, str], ...]) -> dict[str, list[str]]:
    """Alias word -> the actor values ("" for none) of the parties it names."""
    found: dict[str, list[str]] = {}
    for word, actor in aliases:
        if actor not in found.setdefault(word, []):
            found[word].append(actor)
    return found


def _words(text: str) -> list[str]:
    return [text[start:end] for start, end in token_offsets(text)]


def word_states(words: list[tuple[int, int]], states) -> np.ndarray:
    """Each word's state: the mean over the pieces it overlaps (zeros past the encoder's
    length limit)."""
    pieces = states.offsets
    starts, ends = np.array(words).T
    overlap = (pieces[None, :, 0] < ends[:, None]) & (starts[:, None] < pieces[None, :, 1])
    counts = overlap.sum(axis=1, keepdims=True)
    return (overlap @ states.states.astype(np.float32)) / np.maximum(counts, 1)


def word_tags(words: list[tuple[int, int]], spans: Sequence[Span]) -> np.ndarray:
    tags = np.full(len(words), OUTSIDE)
    for span in spans:
        inside = [i for i, (start, end) in enumerate(words) if start < span.end and span.start < end]
        if inside:
            tags[inside[0]] = BEGIN
            tags[inside[1:]] = INSIDE
    return tags


def decode_tags(
    text: str, words, probabilities: np.ndarray, classes: list[int], threshold: float = 0.5, aliases=()
) -> list[tuple[int, int, float]]:
    """Runs of words whose probability of not being O reaches `threshold`, as (start, end, mean
    of that probability); a word more likely B than I begins a new run. Each run is widened to
    whole words and to its name and head noun (`span_bounds.completed`, `aliases`: the alias
    table's words)."""
    column = {tag: classes.index(tag) if tag in classes else None for tag in (OUTSIDE, BEGIN, INSIDE)}
    inside = 1 - probabilities[:, column[OUTSIDE]] if column[OUTSIDE] is not None else np.ones(len(words))
    begin, within = (
        probabilities[:, column[tag]] if column[tag] is not None else np.zeros(len(words))
        for tag in (BEGIN, INSIDE)
    )
    runs: list[list[int]] = []
    for i in np.flatnonzero(inside >= threshold):
        if begin[i] > within[i] or not runs or runs[-1][-1] != i - 1:
            runs.append([int(i)])
        else:
            runs[-1].append(int(i))
    runs = [completed(text, words, whole_words(text, words, run), aliases) for run in runs]
    runs = [trimmed(text, words, run) for run in _merged(runs)]
    return [(words[run[0]][0], words[run[-1]][1], float(inside[run].mean())) for run in runs if run]


def whole_words(text: str, words, run: list[int]) -> list[int]:
    """A run that begins inside a word, as "s forces" of "Assad's forces" or "Qaeda" of
    "Al-Qaeda", widened to the word's start, and one that ends before a hyphen carried on to the
    hyphenated word's end: a span never splits a word."""
    first, last = run[0], run[-1]
    while first > 0 and words[first - 1][1] == words[first][0]:
        first -= 1
    while last + 2 < len(words) and _joined(words, last, last + 2) and text[slice(*words[last + 1])] == "-":
        last += 2
    return list(range(first, last + 1))


def _joined(words, left: int, right: int) -> bool:
    return all(words[i][1] == words[i + 1][0] for i in range(left, right))


def _merged(runs) -> list[list[int]]:
    """Runs that widening made overlap, as one run each."""
    merged: list[list[int]] = []
    for run in runs:
        if merged and run[0] <= merged[-1][-1]:
            merged[-1] = list(range(merged[-1][0], max(merged[-1][-1], run[-1]) + 1))
        else:
            merged.append(run)
    return merged


def trimmed(text: str, words, run: list[int]) -> list[int]:
    """A run without a leading article or punctuation, or trailing punctuation (the spec's
    spans never hold them)."""
    while run and (text[slice(*words[run[0]])].lower() in LEADING or not _alnum(text, words[run[0]])):
        run = run[1:]
    while run and not _alnum(text, words[run[-1]]) and not _abbreviation(text, words, run[-1]):
        run = run[:-1]
    return run


def _abbreviation(text: str, words, i: int) -> bool:
    """The stop of an abbreviation such as "U.S.": joined to a single capital letter."""
    return (
        text[slice(*words[i])] == "."
        and i > 0
        and _joined(words, i - 1, i)
        and len(text[slice(*words[i - 1])]) == 1
        and text[slice(*words[i - 1])].isupper()
    )


def _alnum(text: str, word: tuple[int, int]) -> bool:
    return text[word[0] : word[0] + 1].isalnum()
