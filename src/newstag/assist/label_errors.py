"""Likely label errors, confident-learning style (Northcutt et al. 2021, "Confident learning").

Each sentence is predicted by a model that never saw its article (leave-one-article-out).
A class's threshold is the mean probability the model gives that class on the sentences
labelled with it (its mean self-confidence). A sentence is suspect when some *other* class
reaches its own threshold and is the most probable of those that do. Suspects are ranked by
the margin: the probability of the given label minus that of the best other one (most
negative first), and come with the model's alternative.

A single-choice group is one such problem over its values. A multiple-choice group is one
yes/no problem per value: a value the annotator left out but the model is confident about,
or one chosen but confidently absent. The alternative flips those values, falling back to
the model's own decoded answer when the flips would break the group's rules.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from newstag.config import Config
from newstag.evaluation.scores import GroupLabels
from newstag.model.decode import decode
from newstag.model.odds import at_even_odds
from newstag.model.validation import Progress, article_folds
from newstag.taxonomy import LabelGroup, Taxonomy


@dataclass
class OutOfFold:
    """Out-of-fold predictions for every sentence (from a model that never saw its article)."""

    probabilities: dict[str, np.ndarray]
    decoded: list[dict]
    """The model's own (rule-abiding) labels per sentence."""
    known: dict[str, np.ndarray]
    """(n, k) booleans: the fold's training data had that value, so the model can judge it."""
    thresholds: dict[str, np.ndarray]
    """(n, k) decision thresholds of the multiple-choice groups, from each sentence's fold."""


@dataclass(frozen=True)
class Suspect:
    row: int
    group: str
    given: list[str]
    suggested: list[str]
    margin: float
    """p(given) - p(best other); the lower, the likelier an error."""
    changes: list[str]
    """"+value" the model would add, "-value" it would drop."""


def class_thresholds(labels: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
    """Mean self-confidence per class; infinite for a class nobody chose (never suggested)."""
    k = probabilities.shape[1]
    return np.array(
        [probabilities[labels == j, j].mean() if (labels == j).any() else np.inf for j in range(k)]
    )


def confident_flags(labels, probabilities) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For integer labels (n,) and probabilities (n, k): whether each row is suspect, the
    class suggested instead, and the margin p(given) - max p(other)."""
    labels, p = np.asarray(labels), np.asarray(probabilities, dtype=float)
    rows = np.arange(len(labels))
    confident = p >= class_thresholds(labels, p)
    suggested = np.where(confident, p, -np.inf).argmax(axis=1)
    flagged = confident.any(axis=1) & (suggested != labels)
    others = p.copy()
    others[rows, labels] = -np.inf
    margin = p[rows, labels] - others.max(axis=1)
    return flagged, suggested, margin


def likely_errors(taxonomy: Taxonomy, gold: GroupLabels, oof: OutOfFold) -> list[Suspect]:
    """Every (sentence, group) whose given label the out-of-fold model confidently doubts.
    Beyond confident learning's rule, the model must also prefer the alternative (margin < 0):
    rare values get low, poorly calibrated probabilities, and their low thresholds would
    otherwise flag half the data."""
    suspects = []
    for group in taxonomy.groups:
        p, known = oof.probabilities[group.name], oof.known[group.name]
        if group.multiple:
            found = _multiple(group, gold[group.name], at_even_odds(p, oof.thresholds[group.name]), known)
        else:
            found = _single(group, gold[group.name], p, known)
        for row, changes, margin in found:
            given = gold[group.name][row]
            suggested = _apply(group, given, changes) or oof.decoded[row][group.name]
            if sorted(suggested) != sorted(given):  # a doubt with no other answer is no suspect
                suspects.append(Suspect(row, group.name, given, suggested, margin, changes))
    return sorted(suspects, key=lambda s: s.margin)


def _single(group: LabelGroup, gold: list[list[str]], p: np.ndarray, known: np.ndarray):
    names = group.value_names
    labels = np.array([names.index(chosen[0]) for chosen in gold])
    judged = known[np.arange(len(labels)), labels]
    flagged, suggested, margin = confident_flags(labels[judged], p[judged])
    rows = np.flatnonzero(judged)
    for i in np.flatnonzero(flagged & (margin < 0)):
        yield int(rows[i]), [f"-{names[labels[rows[i]]]}", f"+{names[suggested[i]]}"], float(margin[i])


def _multiple(group: LabelGroup, gold: list[list[str]], p: np.ndarray, known: np.ndarray):
    found: dict[int, tuple[list[str], float]] = {}
    for column, name in enumerate(group.value_names):
        rows = np.flatnonzero(known[:, column])
        present = np.array([name in gold[row] for row in rows], dtype=int)
        binary = np.column_stack([1 - p[rows, column], p[rows, column]])
        flagged, _, margin = confident_flags(present, binary)
        for i in np.flatnonzero(flagged & (margin < 0)):
            changes, worst = found.get(int(rows[i]), ([], np.inf))
            changes.append(("-" if present[i] else "+") + name)
            found[int(rows[i])] = (changes, min(worst, float(margin[i])))
    for row, (changes, margin) in sorted(found.items()):
        yield row, changes, margin


def _apply(group: LabelGroup, given: list[str], changes: list[str]) -> list[str] | None:
    """`given` with the changes made, or None when that breaks the group's own rules."""
    added = [c[1:] for c in changes if c.startswith("+")]
    dropped = {c[1:] for c in changes if c.startswith("-")}
    values = [v for v in given if v not in dropped] + added
    if any(v in group.exclusive for v in added):
        values = [v for v in values if v in group.exclusive]
    elif added:
        values = [v for v in values if v not in group.exclusive]
    exclusive_clash = any(v in group.exclusive for v in values) and len(values) > 1
    if not values or exclusive_clash or (not group.multiple and len(values) > 1):
        return None
    return [v for v in group.value_names if v in values]


def out_of_fold(
    texts, articles, gold: GroupLabels, config: Config, progress: Progress | None = None
) -> OutOfFold:
    """Each sentence predicted by a model trained on the other articles; `progress` hears of
    each fold."""
    taxonomy, articles, n = config.taxonomy, np.asarray(articles), len(texts)
    shape = {g.name: (n, len(g.values)) for g in taxonomy.groups}
    oof = OutOfFold(
        {name: np.zeros(size) for name, size in shape.items()},
        [{} for _ in texts],
        {name: np.zeros(size, dtype=bool) for name, size in shape.items()},
        {g.name: np.full(shape[g.name], 0.5) for g in taxonomy.groups if g.multiple},
    )
    for fold in article_folds(texts, articles, gold, config, progress=progress):
        thresholds = fold.tagger.thresholds()
        for group in taxonomy.groups:
            oof.probabilities[group.name][fold.test] = fold.probabilities[group.name]
            oof.known[group.name][fold.test] = _seen(group, [gold[group.name][i] for i in fold.train])
            if group.multiple:
                oof.thresholds[group.name][fold.test] = thresholds.get(group.name, 0.5)
        for row, labels in zip(fold.test, decode(taxonomy, fold.probabilities, thresholds), strict=True):
            oof.decoded[row] = labels
    return oof


def _seen(group: LabelGroup, labels: list[list[str]]) -> np.ndarray:
    """Values the training data had (for a multiple-choice value: both chosen and not)."""
    counts = np.array([sum(name in chosen for chosen in labels) for name in group.value_names])
    return (counts > 0) & (counts < len(labels)) if group.multiple else counts > 0


def review(dataset, config: Config, progress: Progress | None = None) -> list[dict]:
    """Likely errors in a labelled dataset, most likely first, one record per (sentence, group);
    `progress` hears of each cross-validation fold."""
    from newstag.annotate.dataset import check_taxonomy, group_labels

    check_taxonomy(dataset, config.taxonomy)
    texts = list(dataset["text"])
    gold = {group: group_labels(dataset, group) for group in config.taxonomy.group_names}
    oof = out_of_fold(texts, dataset["article_id"], gold, config, progress)
    return [
        {
            "sentence_id": dataset[s.row]["sentence_id"],
            "text": texts[s.row],
            "group": s.group,
            "given": s.given,
            "suggested": s.suggested,
            "changes": s.changes,
            "margin": round(s.margin, 4),
        }
        for s in likely_errors(config.taxonomy, gold, oof)
    ]
