"""Likely label errors, confident-learning style (Northcutt et al. 2021, "Confident learning").

Each sentence is predicted by a model that never saw its article (leave-one-article-out),
optionally trained on a labelled reference set as well, which makes it a far better judge
than the other articles of a small dataset alone. A value's threshold is the mean
probability the model gives it on the sentences labelled with it (its mean
self-confidence). A label is suspect only when all of these hold (cleanlab's
`filter_by="both"` idea, plus the model's own preference):

- the given value is below its own threshold: the model is less sure of it here than it is,
  on average, where annotators chose it;
- another value reaches its own threshold (the most probable such value is the suggestion);
- the model prefers that value to the given one (margin p(given) - p(suggested) < 0): rare
  values get low, poorly calibrated thresholds that alone would flag much of the data;
- the suggestion fits the sentence's other labels (as given, or as also suggested) by the
  taxonomy's rules, which every exported label obeys.

Suspects are ranked by the model's confidence in the given label, least first (cleanlab's
label quality score): p(given) for a single-choice group; for a multiple-choice group each
value's probability of being as given, on the even-odds scale, averaged from the most to
the least confident with an exponential moving average (QUALITY_ALPHA), so that the worst
value counts most and each further doubted value lowers the score. They carry the evidence:
each value's probability and the threshold it fell below or reached.

A single-choice group is one such problem over its values. A multiple-choice group is one
yes/no problem per value, with probabilities moved so that the model's own decision
threshold for the value is even odds: a value the annotator left out but the model is
confident about, or one chosen but confidently absent. The suggestion flips those values,
falling back to the model's own decoded answer when the flips would break the group's rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from newstag.assist.span_errors import with_span_suspects
from newstag.config import Config
from newstag.evaluation.scores import GroupLabels
from newstag.model.decode import decode
from newstag.model.odds import at_even_odds, logit, sigmoid
from newstag.model.validation import MAX_FOLDS, Labelled, Progress, article_folds
from newstag.taxonomy import LabelGroup, Taxonomy

QUALITY_ALPHA = 0.8
"""cleanlab's default weight of each next-worse value in a multiple-choice label's score."""


REFERENCE_FOLDS = 2
"""Folds by article when a reference set joins every fold: the reference is most of each
fold's training data, so 2 folds leave it nearly what 5 would, at two fifths of the fits (the
seeds against the corpus: as many planted flips in the top 10, 20 and 30, fewer clean labels
flagged; benchmarks/LABEL_ERRORS.md)."""


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
class Evidence:
    """One value behind a suspicion: a given value whose probability fell below its threshold,
    or a suggested one whose probability reached it."""

    value: str
    given: bool
    p: float
    threshold: float

    def __str__(self) -> str:
        verb = "below" if self.given else "reaches"
        return f"p({self.value}) {self.p:.2f} {verb} {self.threshold:.2f}"


@dataclass(frozen=True)
class Suspect:
    row: int
    group: str
    given: list[str]
    suggested: list[str]
    quality: float
    """The model's confidence in the given label (`label_quality`); the lower, the likelier
    an error."""
    margin: float
    """p(given) - p(suggested), on the even-odds scale for a multiple-choice value."""
    changes: list[str]
    """"+value" the model would add, "-value" it would drop."""
    evidence: list[Evidence]


def class_thresholds(labels: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
    """Mean self-confidence per class; infinite for a class nobody chose (never suggested)."""
    k = probabilities.shape[1]
    return np.array(
        [probabilities[labels == j, j].mean() if (labels == j).any() else np.inf for j in range(k)]
    )


@dataclass(frozen=True)
class Flags:
    """Confident learning's verdict on integer labels (n,) against probabilities (n, k)."""

    flagged: np.ndarray
    suggested: np.ndarray
    """The most probable other class that reaches its threshold (meaningful where flagged)."""
    margin: np.ndarray
    """p(given) - p(suggested)."""
    thresholds: np.ndarray
    """(k,) each class's threshold."""


def confident_flags(labels, probabilities) -> Flags:
    """Rows whose given class is below its threshold while another class reaches its own and
    is more probable than the given one."""
    labels, p = np.asarray(labels), np.asarray(probabilities, dtype=float)
    rows, thresholds = np.arange(len(labels)), class_thresholds(labels, probabilities)
    others = np.where(p >= thresholds, p, -np.inf)
    others[rows, labels] = -np.inf
    suggested = others.argmax(axis=1)
    margin = p[rows, labels] - p[rows, suggested]
    below = p[rows, labels] < thresholds[labels]
    flagged = below & np.isfinite(others[rows, suggested]) & (margin < 0)
    return Flags(flagged, suggested, margin, thresholds)


def likely_errors(taxonomy: Taxonomy, gold: GroupLabels, oof: OutOfFold) -> list[Suspect]:
    """Every (sentence, group) whose given label the out-of-fold model confidently doubts,
    most likely first."""
    suspects = []
    for group in taxonomy.groups:
        if group.multiple:
            found = _multiple(group, gold[group.name], oof)
        else:
            found = _single(group, gold[group.name], oof)
        for row, changes, margin, evidence in found:
            given = gold[group.name][row]
            suggested = _apply(group, given, changes) or oof.decoded[row][group.name]
            if sorted(suggested) != sorted(given):  # a doubt with no other answer is no suspect
                quality = label_quality(group, given, _scaled(group, oof, row))
                suspects.append(
                    Suspect(row, group.name, given, suggested, quality, margin, changes, evidence)
                )
    return sorted(_fitting(taxonomy, gold, suspects), key=lambda s: (s.quality, s.margin))


def label_quality(group: LabelGroup, given: list[str], p: np.ndarray) -> float:
    """The model's confidence in a given label: p(given) for a single-choice group; for a
    multiple-choice group the exponential moving average of each value's p(as given), from
    the most confident to the least."""
    if not group.multiple:
        return float(p[group.value_names.index(given[0])])
    as_given = [p[i] if name in given else 1 - p[i] for i, name in enumerate(group.value_names)]
    average, *rest = sorted(as_given, reverse=True)
    for score in rest:
        average = QUALITY_ALPHA * score + (1 - QUALITY_ALPHA) * average
    return float(average)


def _scaled(group: LabelGroup, oof: OutOfFold, row: int) -> np.ndarray:
    """A row's probabilities, on the even-odds scale for a multiple-choice group."""
    p = oof.probabilities[group.name][row]
    return at_even_odds(p, oof.thresholds[group.name][row]) if group.multiple else p


def _fitting(taxonomy: Taxonomy, gold: GroupLabels, suspects: list[Suspect]) -> list[Suspect]:
    """The suspects whose suggestion fits the sentence's other labels, as given or as also
    suggested, by the taxonomy's rules: exported labels obey them, so a suggestion that
    breaks them against labels nobody doubts is the model's confusion."""
    suggested: dict[int, dict[str, list[str]]] = {}
    for s in suspects:
        suggested.setdefault(s.row, {})[s.group] = s.suggested
    kept = []
    for s in suspects:
        given = {group: labels[s.row] for group, labels in gold.items()}
        alone = {**given, s.group: s.suggested}
        if not taxonomy.violations(alone) or not taxonomy.violations({**given, **suggested[s.row]}):
            kept.append(s)
    return kept


def _single(group: LabelGroup, gold: list[list[str]], oof: OutOfFold):
    names, p, known = group.value_names, oof.probabilities[group.name], oof.known[group.name]
    labels = np.array([names.index(chosen[0]) for chosen in gold])
    judged = known[np.arange(len(labels)), labels]
    flags = confident_flags(labels[judged], p[judged])
    rows = np.flatnonzero(judged)
    for i in np.flatnonzero(flags.flagged):
        row, given, suggested = int(rows[i]), labels[rows[i]], flags.suggested[i]
        evidence = [
            Evidence(names[given], True, float(p[row, given]), float(flags.thresholds[given])),
            Evidence(names[suggested], False, float(p[row, suggested]), float(flags.thresholds[suggested])),
        ]
        yield row, [f"-{names[given]}", f"+{names[suggested]}"], float(flags.margin[i]), evidence


def _multiple(group: LabelGroup, gold: list[list[str]], oof: OutOfFold):
    """Per value, a yes/no problem on the even-odds scale; the evidence is given in plain
    probabilities, each threshold moved back by the row's own decision threshold."""
    p, decision = oof.probabilities[group.name], oof.thresholds[group.name]
    even = at_even_odds(p, decision)
    found: dict[int, tuple[list[str], float, list[Evidence]]] = {}
    for column, name in enumerate(group.value_names):
        rows = np.flatnonzero(oof.known[group.name][:, column])
        present = np.array([name in gold[row] for row in rows], dtype=int)
        flags = confident_flags(present, np.column_stack([1 - even[rows, column], even[rows, column]]))
        for i in np.flatnonzero(flags.flagged):
            row, chosen = int(rows[i]), bool(present[i])
            # present: p(value) fell to where "absent" is confident; absent: it reached "present"'s threshold
            bound = 1 - flags.thresholds[0] if chosen else flags.thresholds[1]
            threshold = float(sigmoid(logit(bound) + logit(decision[row, column])))
            changes, worst, evidence = found.get(row, ([], np.inf, []))
            changes.append(("-" if chosen else "+") + name)
            evidence.append(Evidence(name, chosen, float(p[row, column]), threshold))
            found[row] = (changes, min(worst, float(flags.margin[i])), evidence)
    for row, (changes, margin, evidence) in sorted(found.items()):
        yield row, changes, margin, evidence


def _apply(group: LabelGroup, given: list[str], changes: list[str]) -> list[str] | None:
    """`given` with the changes made, or None when that breaks the group's own rules."""
    added = [c[1:] for c in changes if c.startswith("+")]
    dropped = {c[1:] for c in changes if c.startswith("-")}
    values = [v for v in given if v not in dropped] + added
    if any(v in group.exclusive for v in added):
        values = [v for v in values if v in group.exclusive]
    elif added:
        values = [v for v in values if v not in group.exclusive]
    if group.violations(values):
        return None
    return [v for v in group.value_names if v in values]


def out_of_fold(
    texts,
    articles,
    gold: GroupLabels,
    config: Config,
    progress: Progress | None = None,
    reference: Labelled | None = None,
    refit_features: bool = False,
    store: Path | None = None,
    jobs: int = 1,
) -> OutOfFold:
    """Each sentence predicted by a model trained on the other articles and on `reference`
    (less the data's own articles and sentences; its features computed once, unless
    `refit_features`, and kept in the folder `store`; the folds in `jobs` processes:
    `article_folds`); `progress` hears of each fold."""
    taxonomy, articles, n = config.taxonomy, np.asarray(articles), len(texts)
    shape = {g.name: (n, len(g.values)) for g in taxonomy.groups}
    oof = OutOfFold(
        {name: np.zeros(size) for name, size in shape.items()},
        [{} for _ in texts],
        {name: np.zeros(size, dtype=bool) for name, size in shape.items()},
        {g.name: np.full(shape[g.name], 0.5) for g in taxonomy.groups if g.multiple},
    )
    folds = MAX_FOLDS if reference is None else REFERENCE_FOLDS
    options = (folds, progress, reference, refit_features, store, jobs)
    found = article_folds(texts, articles, gold, config, *options)
    for fold in found:
        thresholds = fold.tagger.thresholds()
        for group in taxonomy.groups:
            oof.probabilities[group.name][fold.test] = fold.probabilities[group.name]
            oof.known[group.name][fold.test] = _seen(group, fold.trained_on.gold[group.name])
            if group.multiple:
                oof.thresholds[group.name][fold.test] = thresholds.get(group.name, 0.5)
        for row, labels in zip(fold.test, decode(taxonomy, fold.probabilities, thresholds), strict=True):
            oof.decoded[row] = labels
    return oof


def _seen(group: LabelGroup, labels: list[list[str]]) -> np.ndarray:
    """Values the training data had (for a multiple-choice value: both chosen and not)."""
    counts = np.array([sum(name in chosen for chosen in labels) for name in group.value_names])
    return (counts > 0) & (counts < len(labels)) if group.multiple else counts > 0


def review(
    dataset,
    config: Config,
    progress: Progress | None = None,
    reference=None,
    store: Path | None = None,
    jobs: int = 1,
) -> list[dict]:
    """Likely errors in a labelled dataset, most likely first, one record per (sentence, group)
    with its evidence; `reference`, a labelled dataset, joins every fold's training data (its
    sentences of the dataset's articles or texts left out), its features kept in the folder
    `store` between runs and the folds fitted in `jobs` processes; `progress` hears of each fold."""
    from newstag.annotate.dataset import check_taxonomy

    check_taxonomy(dataset, config.taxonomy)
    data = labelled(dataset, config.taxonomy)
    if reference is not None:
        check_taxonomy(reference, config.taxonomy)
        reference = labelled(reference, config.taxonomy)
    oof = out_of_fold(data.texts, data.articles, data.gold, config, progress, reference, False, store, jobs)
    records = [
        _record(dataset, s, oof.probabilities[s.group], config.taxonomy)
        for s in likely_errors(config.taxonomy, data.gold, oof)
    ]
    return with_span_suspects(records, dataset, config.taxonomy)


def labelled(dataset, taxonomy: Taxonomy) -> Labelled:
    """The model's real input (`dataset_texts`: each sentence with its context), article ids
    and labels of a labelled dataset."""
    from newstag.annotate.dataset import dataset_texts, gold_labels

    gold = gold_labels(dataset, taxonomy)
    return Labelled(dataset_texts(dataset), np.asarray(dataset["article_id"]), gold)


def _record(dataset, s: Suspect, p: np.ndarray, taxonomy: Taxonomy) -> dict:
    names = taxonomy.group(s.group).value_names
    return {
        "sentence_id": dataset[s.row]["sentence_id"],
        "text": dataset[s.row]["text"],
        "group": s.group,
        "given": s.given,
        "suggested": s.suggested,
        "p_given": {v: round(float(p[s.row, names.index(v)]), 4) for v in s.given},
        "p_suggested": {v: round(float(p[s.row, names.index(v)]), 4) for v in s.suggested},
        "thresholds": {e.value: round(e.threshold, 4) for e in s.evidence},
        "why": "; ".join(str(e) for e in s.evidence),
        "changes": s.changes,
        "quality": round(s.quality, 4),
        "margin": round(s.margin, 4),
    }
