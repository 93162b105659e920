"""From probabilities to labels that obey the taxonomy's consistency rules.

Each group proposes a few candidate label sets; the most probable combination of
candidates that breaks no rule wins. For a multiple-choice group, the decision threshold
shifts each value's log-odds so that a probability at the threshold counts as even odds.
With at most a handful of candidates per group the search is exhaustive, and "none" in
every group always satisfies the rules, so a consistent answer always exists.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from newstag.errors import ConfigError
from newstag.model.odds import at_even_odds, clip
from newstag.taxonomy import LabelGroup, Taxonomy

Thresholds = float | Mapping[str, "float | Sequence[float] | np.ndarray"]
"""One threshold for every multiple-choice value, or group name -> one threshold for the
group or one per value (in the taxonomy's order); a group not named gets 0.5."""


def decode(taxonomy: Taxonomy, probabilities: dict[str, np.ndarray], thresholds: Thresholds) -> list[dict]:
    """Labels for every row: group -> list of values."""
    if not probabilities:
        return []
    adjusted = {
        g.name: _adjusted(g, np.asarray(probabilities[g.name], dtype=float), thresholds)
        for g in taxonomy.groups
    }
    n_rows = len(next(iter(adjusted.values())))
    return [_best_consistent(taxonomy, {g: p[row] for g, p in adjusted.items()}) for row in range(n_rows)]


def _adjusted(group: LabelGroup, probabilities: np.ndarray, thresholds: Thresholds) -> np.ndarray:
    """Clipped probabilities; for a multiple-choice group, shifted so a threshold is even odds."""
    p = clip(probabilities)
    return at_even_odds(p, group_thresholds(group, thresholds)) if group.multiple else p


def _best_consistent(taxonomy: Taxonomy, row: dict[str, np.ndarray]) -> dict:
    """The most probable combination of candidates that breaks no rule: usually each group's
    own best, else the next best combination that is consistent."""
    options = []
    for group in taxonomy.groups:
        log_likelihood = _LogLikelihood(group, row[group.name])
        options.append([(labels, log_likelihood(labels)) for labels in _candidates(group, row[group.name])])
    for combination in _best_first(options):
        labels = {g.name: list(c[0]) for g, c in zip(taxonomy.groups, combination, strict=True)}
        if not taxonomy.violations(labels):
            return labels
    raise ConfigError("no candidate labels satisfy the taxonomy's rules; give each group an exclusive 'none'")


def _best_first(options: list[list[tuple]]) -> Iterator[tuple]:
    """Each group's best option first; then, only if needed, every combination best first."""
    yield tuple(max(group_options, key=lambda option: option[1]) for group_options in options)
    yield from sorted(itertools.product(*options), key=lambda c: -sum(score for _, score in c))


def group_thresholds(group: LabelGroup, thresholds: Thresholds) -> np.ndarray:
    """One threshold per value of `group`, strictly between 0 and 1."""
    chosen = thresholds if isinstance(thresholds, int | float) else thresholds.get(group.name, 0.5)
    values = np.asarray(chosen, dtype=float).ravel()
    if values.size not in (1, len(group.values)):
        raise ConfigError(f"{group.name}: got {values.size} thresholds for {len(group.values)} values")
    if np.any(values <= 0) or np.any(values >= 1):
        raise ConfigError(f"{group.name}: thresholds must lie strictly in (0, 1), got {values.tolist()}")
    return np.broadcast_to(values, (len(group.values),))


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


class _LogLikelihood:
    """log P(labels) for one group and row: the chosen value's probability for a single-choice
    group; otherwise each value's yes or no, all "no" plus the gain of each "yes"."""

    def __init__(self, group: LabelGroup, probabilities: np.ndarray):
        self.index = {name: i for i, name in enumerate(group.value_names)}
        self.log_yes = np.log(probabilities).tolist()
        self.multiple = group.multiple
        if group.multiple:
            log_no = np.log(1 - probabilities)
            self.all_no = float(log_no.sum())
            self.gain = (np.log(probabilities) - log_no).tolist()

    def __call__(self, labels: tuple) -> float:
        if not self.multiple:
            return self.log_yes[self.index[labels[0]]]
        return self.all_no + sum(self.gain[self.index[name]] for name in labels)


def uncertain_values(
    taxonomy: Taxonomy, labels: dict, probabilities: dict[str, dict[str, float]], thresholds: Thresholds
) -> dict[str, list[str]]:
    """Per multiple-choice group, the chosen values whose probability is below their own
    threshold: the group took them only because no value cleared its threshold (or a rule
    needed one). They are no better than a guess, and every output marks them so. A
    single-choice group has no thresholds: its most probable value is never uncertain."""
    found = {}
    for group in taxonomy.groups:
        if not group.multiple:
            continue
        limits = dict(zip(group.value_names, group_thresholds(group, thresholds).tolist(), strict=True))
        below = [value for value in labels[group.name] if probabilities[group.name][value] < limits[value]]
        if below:
            found[group.name] = below
    return found


@dataclass(frozen=True)
class Decision:
    """How one group's labels came about, for people reading them. Each value comes as
    (name, probability, threshold); a single-choice group has no threshold (None): it takes
    its most probable value."""

    chosen: list[tuple[str, float, float | None]]
    dropped: list[tuple[str, float, float | None]]
    """Values the group would take on its own (above threshold, or most probable) but does not."""
    reason: str | None
    """Why the labels differ from the group's own answer: the rule that answer would break."""


def explain(
    taxonomy: Taxonomy, labels: dict, probabilities: dict[str, dict[str, float]], thresholds: Thresholds
) -> dict[str, Decision]:
    """Per group: the chosen values, those dropped, and why (the consistency rule involved)."""
    return {
        g.name: _decision(taxonomy, g, labels, probabilities[g.name], thresholds) for g in taxonomy.groups
    }


def _decision(
    taxonomy: Taxonomy, group: LabelGroup, labels: dict, p: dict[str, float], thresholds
) -> Decision:
    limits = dict(zip(group.value_names, group_thresholds(group, thresholds).tolist(), strict=True))
    if group.multiple:
        own = [v for v in group.value_names if p[v] >= limits[v]]
    else:
        own, limits = [max(p, key=p.get)], {}
    chosen = labels[group.name]
    reason = None
    if sorted(own) != sorted(chosen):
        broken = taxonomy.violations({**labels, group.name: own}) if own else []
        if not own:
            reason = "no value clears its threshold"
        else:
            reason = broken[0] if broken else "the most probable answer across the groups"
    return Decision(
        [(v, p[v], limits.get(v)) for v in chosen],
        [(v, p[v], limits.get(v)) for v in own if v not in chosen],
        reason,
    )
