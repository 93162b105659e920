"""From probabilities to labels that obey the taxonomy's consistency rules.

Each group proposes a few candidate label sets; the most probable combination of
candidates that breaks no rule wins. For a multiple-choice group, the decision threshold
shifts each value's log-odds so that a probability at the threshold counts as even odds.
With at most a handful of candidates per group the search is exhaustive, and "none" in
every group always satisfies the rules, so a consistent answer always exists.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from newstag.taxonomy import LabelGroup, Taxonomy

EPSILON = 1e-9


def decode(taxonomy: Taxonomy, probabilities: dict[str, np.ndarray], threshold: float) -> list[dict]:
    """Labels for every row: group -> list of values."""
    n_rows = len(next(iter(probabilities.values()))) if probabilities else 0
    return [
        decode_row(taxonomy, {g: p[row] for g, p in probabilities.items()}, threshold)
        for row in range(n_rows)
    ]


def decode_row(taxonomy: Taxonomy, row: dict[str, np.ndarray], threshold: float) -> dict:
    options = []
    for group in taxonomy.groups:
        p = np.clip(row[group.name], EPSILON, 1 - EPSILON)
        if group.multiple:
            p = 1 / (1 + np.exp(-(_logit(p) - _logit(threshold))))
        options.append([(labels, _log_likelihood(group, p, labels)) for labels in _candidates(group, p)])
    best, best_score = None, -math.inf
    for combination in itertools.product(*options):
        labels = {g.name: list(c[0]) for g, c in zip(taxonomy.groups, combination, strict=True)}
        score = sum(c[1] for c in combination)
        if score > best_score and not taxonomy.violations(labels):
            best, best_score = labels, score
    return best


def _logit(p):
    return np.log(p) - np.log(1 - p)


def _candidates(group: LabelGroup, probabilities: np.ndarray) -> set[tuple]:
    names = group.value_names
    if not group.multiple:
        return {(name,) for name in names}
    ranked = [names[i] for i in np.argsort(-probabilities)]
    inclusive = [n for n in ranked if n not in group.exclusive]
    above = tuple(n for n in inclusive if probabilities[names.index(n)] >= 0.5)
    candidates = {(n,) for n in group.exclusive} | {(inclusive[0],)}
    if above:
        candidates.add(above)
    return candidates


def _log_likelihood(group: LabelGroup, probabilities: np.ndarray, labels: tuple) -> float:
    """log P(labels): one value for a single-choice group, each value's yes/no otherwise."""
    if not group.multiple:
        return float(np.log(probabilities[group.value_names.index(labels[0])]))
    chosen = np.isin(group.value_names, labels)
    return float(np.log(np.where(chosen, probabilities, 1 - probabilities)).sum())
