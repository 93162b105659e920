"""Scores per label value and group, and calibration: plain label lists and probability arrays
in, a JSON-ready dict out. Nothing here knows a model: `model/validation.py` fits the taggers
whose predictions these functions score."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import f1_score, hamming_loss, precision_recall_fscore_support
from sklearn.preprocessing import MultiLabelBinarizer

from newstag.taxonomy import LabelGroup, Taxonomy

GroupLabels = dict[str, list[list[str]]]
"""Group name -> one list of values per sentence."""

RELIABILITY_BINS = 10


def score(taxonomy: Taxonomy, gold: GroupLabels, predicted: GroupLabels) -> dict:
    """Per value precision, recall, F1 and support; per group macro-F1 (over the values that
    occur in the gold labels), micro-F1 and a gold x predicted count matrix; for a
    multiple-choice group also example-based F1 and Hamming loss."""
    return _as_floats({g.name: _score_group(g, gold[g.name], predicted[g.name]) for g in taxonomy.groups})


def _score_group(group: LabelGroup, gold: list, predicted: list) -> dict:
    binarizer = MultiLabelBinarizer(classes=group.value_names)
    y_true = binarizer.fit_transform(gold)
    y_pred = binarizer.transform(predicted)
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, average=None, zero_division=0
    )
    occurring = support > 0
    scores = {
        "values": {
            name: {"precision": p, "recall": r, "f1": f, "support": int(s)}
            for name, p, r, f, s in zip(group.value_names, precision, recall, f1, support, strict=True)
        },
        "macro_f1": float(f1[occurring].mean()) if occurring.any() else 0.0,
        "micro_f1": float(f1_score(y_true, y_pred, average="micro", zero_division=0)),
        # Row: a gold value; column: a predicted value; cell: sentences with both. For a
        # single-choice group this is the confusion matrix; for a multiple-choice group it
        # also shows which value was predicted instead of (or beside) which.
        "confusion": (y_true.T @ y_pred).tolist(),
    }
    if group.multiple:
        scores["example_f1"] = float(f1_score(y_true, y_pred, average="samples", zero_division=0))
        scores["hamming_loss"] = float(hamming_loss(y_true, y_pred))
    return scores


def reliability(taxonomy: Taxonomy, gold: GroupLabels, probabilities: dict[str, np.ndarray]) -> dict:
    """Per group, every (sentence, value) probability against whether the value is gold:
    equal-width bins of mean predicted probability vs. observed frequency, Brier score and
    expected calibration error."""
    report = {}
    for group in taxonomy.groups:
        y = MultiLabelBinarizer(classes=group.value_names).fit_transform(gold[group.name]).ravel()
        p = np.asarray(probabilities[group.name], dtype=float).ravel()
        which = np.minimum((p * RELIABILITY_BINS).astype(int), RELIABILITY_BINS - 1)
        bins = [
            {
                "lower": b / RELIABILITY_BINS,
                "upper": (b + 1) / RELIABILITY_BINS,
                "count": int((which == b).sum()),
                "mean_predicted": float(p[which == b].mean()) if (which == b).any() else None,
                "observed": float(y[which == b].mean()) if (which == b).any() else None,
            }
            for b in range(RELIABILITY_BINS)
        ]
        gaps = [b["count"] * abs(b["mean_predicted"] - b["observed"]) for b in bins if b["count"]]
        report[group.name] = {
            "bins": bins,
            "brier": float(np.mean((p - y) ** 2)) if len(y) else 0.0,
            "ece": float(sum(gaps) / max(len(y), 1)),
        }
    return report


def metrics(taxonomy: Taxonomy, gold: GroupLabels, predicted: dict[str, list[dict]], probabilities) -> dict:
    """The model's scores beside its baselines', and its calibration. `predicted`: "model",
    "majority" and "cues" -> one dict of labels (group -> values) per sentence."""
    rows = {kind: by_group(labels, gold) for kind, labels in predicted.items()}
    return {
        "model": score(taxonomy, gold, rows["model"]),
        "majority_baseline": score(taxonomy, gold, rows["majority"]),
        "cue_baseline": score(taxonomy, gold, rows["cues"]),
        "calibration": reliability(taxonomy, gold, probabilities),
        "values": {g.name: g.value_names for g in taxonomy.groups},
    }


def by_group(labels: list[dict], gold: GroupLabels) -> GroupLabels:
    """One dict per sentence -> group name -> one label list per sentence."""
    return {group: [row[group] for row in labels] for group in gold}


def _as_floats(value):
    """numpy scalars to plain floats, so reports serialise as JSON."""
    if isinstance(value, dict):
        return {k: _as_floats(v) for k, v in value.items()}
    return float(value) if isinstance(value, np.floating) else value
