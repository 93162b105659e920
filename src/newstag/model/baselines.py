"""The two baselines every model is scored beside: the majority label set, and the cue-word
rule (every value whose cues occur, made consistent by the decoder).

Both are fitted on a model's training data and kept in its metadata (meta.json), not in the
fitted model: they serve its evaluation, never its predictions.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from newstag.model.cues import cue_matches
from newstag.model.decode import decode
from newstag.taxonomy import Taxonomy

MATCHED, FALLBACK, UNMATCHED = 0.9, 0.6, 0.1


def fit_baselines(taxonomy: Taxonomy, texts: Sequence[str], gold: dict) -> dict:
    """The baselines of a model trained on `texts` with labels `gold` (group -> one list of
    values per text), as plain lists: {"majority": {group: values}, "cue_fallback": ...}."""
    return {
        "majority": {
            name: list(Counter(map(tuple, rows)).most_common(1)[0][0]) for name, rows in gold.items()
        },
        "cue_fallback": cue_fallback(taxonomy, texts, gold),
    }


def baseline_labels(taxonomy: Taxonomy, baselines: dict, texts: Sequence[str]) -> dict[str, list[dict]]:
    """Each baseline's labels for `texts`: "majority" and "cues" -> one dict per text."""
    return {
        "majority": [dict(baselines["majority"]) for _ in texts],
        "cues": cue_baseline(taxonomy, texts, baselines["cue_fallback"]),
    }


def cue_fallback(taxonomy: Taxonomy, texts: Sequence[str], gold: dict) -> dict[str, list[str]]:
    """Per group, the most frequent label set among training sentences where none of the
    group's cues occur (all sentences when every one has a match)."""
    fallback = {}
    for name, matched in cue_matches(taxonomy, texts).items():
        rows = np.flatnonzero(~matched.any(axis=1))
        pool = [tuple(gold[name][i]) for i in rows] or [tuple(labels) for labels in gold[name]]
        fallback[name] = list(Counter(pool).most_common(1)[0][0])
    return fallback


def cue_probabilities(taxonomy: Taxonomy, texts: Sequence[str], fallback: dict) -> dict[str, np.ndarray]:
    """Pseudo-probabilities from cue matches: a matched value is likely, an unmatched one
    unlikely, and a group with no match at all leans to its `fallback` values."""
    probabilities = {}
    for group, matched in zip(taxonomy.groups, cue_matches(taxonomy, texts).values(), strict=True):
        leaning = np.isin(group.value_names, fallback[group.name])
        p = np.where(matched, MATCHED, UNMATCHED)
        p[~matched.any(axis=1)] = np.where(leaning, FALLBACK, UNMATCHED)
        probabilities[group.name] = p if group.multiple else p / p.sum(axis=1, keepdims=True)
    return probabilities


def cue_baseline(taxonomy: Taxonomy, texts: Sequence[str], fallback: dict) -> list[dict]:
    """The rule baseline: every value whose cues occur, made consistent by the decoder."""
    return decode(taxonomy, cue_probabilities(taxonomy, texts, fallback), 0.5)
