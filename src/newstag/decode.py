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
from collections.abc import Mapping, Sequence

import numpy as np

from newstag.errors import ConfigError
from newstag.taxonomy import LabelGroup, Taxonomy

EPSILON = 1e-9

Thresholds = float | Mapping[str, "float | Sequence[float] | np.ndarray"]
"""One threshold for every multiple-choice value, or group name -> one threshold for the
group or one per value (in the taxonomy's order); a group not named gets 0.5."""


def decode(taxonomy: Taxonomy, probabilities: dict[str, np.ndarray], thresholds: Thresholds) -> list[dict]:
    """Labels for every row: group -> list of values."""
    n_rows = len(next(iter(probabilities.values()))) if probabilities else 0
    return [
        decode_row(taxonomy, {g: p[row] for g, p in probabilities.items()}, thresholds)
        for row in range(n_rows)
    ]


def decode_row(taxonomy: Taxonomy, row: dict[str, np.ndarray], thresholds: Thresholds) -> dict:
    options = []
    for group in taxonomy.groups:
        p = np.clip(row[group.name], EPSILON, 1 - EPSILON)
        if group.multiple:
            p = 1 / (1 + np.exp(-(_logit(p) - _logit(group_thresholds(group, thresholds)))))
        options.append([(labels, _log_likelihood(group, p, labels)) for labels in _candidates(group, p)])
    best, best_score = None, -math.inf
    for combination in itertools.product(*options):
        labels = {g.name: list(c[0]) for g, c in zip(taxonomy.groups, combination, strict=True)}
        score = sum(c[1] for c in combination)
        if score > best_score and not taxonomy.violations(labels):
            best, best_score = labels, score
    return best


def group_thresholds(group: LabelGroup, thresholds: Thresholds) -> np.ndarray:
    """One threshold per value of `group`, strictly between 0 and 1."""
    chosen = thresholds if isinstance(thresholds, int | float) else thresholds.get(group.name, 0.5)
    values = np.asarray(chosen, dtype=float).ravel()
    if values.size not in (1, len(group.values)):
        raise ConfigError(f"{group.name}: got {values.size} thresholds for {len(group.values)} values")
    if np.any(values <= 0) or np.any(values >= 1):
        raise ConfigError(f"{group.name}: thresholds must lie strictly in (0, 1), got {values.tolist()}")
    return np.broadcast_to(values, (len(group.values),))


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
