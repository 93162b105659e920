"""The taxonomy's cue words, and features that count them (the cue-word baseline that
follows them is in `baselines`).

A cue matches case-insensitively where a word starts and may run on into the word, so
"bomb" also finds "bombs" and "bombing"; the words of a multi-word cue may be separated
by any spaces or hyphens ("barrel bomb" finds "barrel-bombs").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from newstag.taxonomy import Taxonomy

CueTable = tuple[tuple[str, tuple[str, ...]], ...]
"""("group:value", (cue, ...)) for every value, in the taxonomy's order."""


def cue_table(taxonomy: Taxonomy) -> CueTable:
    return tuple((f"{g.name}:{v.name}", tuple(v.cues)) for g in taxonomy.groups for v in g.values)


def cue_pattern(cues: Sequence[str]) -> str | None:
    """One regular expression for a value's cues; None when it has none."""
    words = [r"[\s-]+".join(map(re.escape, cue.split())) for cue in cues if cue.strip()]
    return r"\b(?:" + "|".join(words) + ")" if words else None


@lru_cache(maxsize=1024)
def _compiled(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.IGNORECASE)


@lru_cache(maxsize=8192)
def _counts(patterns: tuple[str | None, ...], text: str) -> tuple[int, ...]:
    """Cached: cross-validation counts the same cues in the same sentences in every fold."""
    return tuple(len(_compiled(p).findall(text)) if p is not None else 0 for p in patterns)


class TextTransformer(TransformerMixin, BaseEstimator):
    """A transformer of raw texts (a list of strings, not a 2-D array) that must be fitted."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.requires_fit = True
        return tags


class CueCounter(TextTransformer):
    """Texts -> how often each value's cues occur, one column per entry of `cues`."""

    def __init__(self, cues: CueTable = ()):
        self.cues = cues

    def fit(self, X, y=None):
        # Plain strings, not compiled patterns: a saved model holds only simple types.
        self.patterns_ = [cue_pattern(patterns) for _, patterns in self.cues]
        self.n_features_out_ = len(self.patterns_)
        return self

    def transform(self, X) -> np.ndarray:
        check_is_fitted(self, "patterns_")
        patterns = tuple(self.patterns_)
        return np.array([_counts(patterns, text) for text in X], dtype=float).reshape(len(X), len(patterns))

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        check_is_fitted(self, "patterns_")
        return np.array([f"cue={name}" for name, _ in self.cues], dtype=object)


def cue_matches(taxonomy: Taxonomy, texts: Sequence[str]) -> dict[str, np.ndarray]:
    """Group -> boolean array (n_texts, n_values): which values' cues occur."""
    counts = CueCounter(cue_table(taxonomy)).fit(texts).transform(texts)
    bounds = np.cumsum([0] + [len(g.values) for g in taxonomy.groups])
    return {g.name: counts[:, bounds[i] : bounds[i + 1]] > 0 for i, g in enumerate(taxonomy.groups)}
