"""Scores per label value and group, calibration, and leave-one-article-out cross-validation.

`score` and `reliability` are pure: plain label lists and probability arrays in, a
JSON-ready dict out. `evaluate_tagger` scores a trained model and both baselines on
labelled data; `leave_one_article_out` does the same for models that never saw the
article they predict.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import f1_score, hamming_loss, precision_recall_fscore_support
from sklearn.preprocessing import MultiLabelBinarizer

from newstag.config import Config
from newstag.cues import cue_baseline
from newstag.decode import decode
from newstag.model import SentenceTagger
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


def evaluate_tagger(tagger: SentenceTagger, texts: Sequence[str], gold: GroupLabels) -> dict:
    """A trained model, its majority baseline and its cue-word baseline on labelled data;
    both baselines take their fallbacks from the model's training data."""
    taxonomy = tagger.taxonomy
    probabilities = tagger.predict_proba(list(texts))
    predicted = _as_rows(decode(taxonomy, probabilities, tagger.thresholds()), gold)
    baseline = [dict(tagger.majority_) for _ in texts]
    cues = cue_baseline(taxonomy, texts, tagger.cue_fallback_)
    return _metrics(taxonomy, gold, predicted, _as_rows(baseline, gold), _as_rows(cues, gold), probabilities)


def evaluate_dataset(tagger: SentenceTagger, dataset) -> dict:
    """`evaluate_tagger` on a labelled `datasets.Dataset` made with the model's taxonomy."""
    from newstag.dataset import check_taxonomy, group_labels

    check_taxonomy(dataset, tagger.taxonomy)
    gold = {name: group_labels(dataset, name) for name in tagger.taxonomy.group_names}
    metrics = evaluate_tagger(tagger, list(dataset["text"]), gold)
    counts = {"articles": len(set(dataset["article_id"])), "sentences": len(dataset)}
    return {"scheme": "held-out data", **counts, **metrics}


def leave_one_article_out(
    texts: Sequence[str], articles: Sequence[str], gold: GroupLabels, config: Config
) -> dict:
    """Train on all articles but one, predict that one, for every article; score the
    out-of-fold predictions of the model and of both baselines. Thresholds, calibration and
    the baselines' fallbacks come from the training articles of each fold only."""
    if len(set(articles)) < 2:
        return {}
    taxonomy, n = config.taxonomy, len(texts)
    rows: dict[str, list] = {kind: [None] * n for kind in ("model", "majority", "cues")}
    probabilities = {g.name: np.zeros((n, len(g.values))) for g in taxonomy.groups}
    for fold in article_folds(texts, articles, gold, config):
        for kind, fold_rows in _fold_labels(fold, texts, taxonomy).items():
            for row, chosen in zip(fold.test, fold_rows, strict=True):
                rows[kind][row] = chosen
        for name, p in fold.probabilities.items():
            probabilities[name][fold.test] = p
    as_rows = {kind: _as_rows(labels, gold) for kind, labels in rows.items()}
    metrics = _metrics(taxonomy, gold, as_rows["model"], as_rows["majority"], as_rows["cues"], probabilities)
    return {"scheme": "leave-one-article-out", "articles": len(set(articles)), "sentences": n, **metrics}


@dataclass(frozen=True)
class Fold:
    """One article held out: a tagger fitted on the others, and its probabilities for it."""

    train: np.ndarray
    test: np.ndarray
    tagger: SentenceTagger
    probabilities: dict[str, np.ndarray]


def article_folds(texts: Sequence[str], articles: Sequence[str], gold: GroupLabels, config: Config):
    """Leave one article out, for every article in turn (inner folds keep articles whole too)."""
    articles = np.asarray(articles)
    for article in sorted(set(articles)):
        test, train = np.flatnonzero(articles == article), np.flatnonzero(articles != article)
        tagger = SentenceTagger(config.taxonomy, config.model).fit(
            [texts[i] for i in train], _subset(gold, train), articles[train]
        )
        yield Fold(train, test, tagger, tagger.predict_proba([texts[i] for i in test]))


def _fold_labels(fold: Fold, texts: Sequence[str], taxonomy) -> dict[str, list[dict]]:
    """Labels of the held-out rows from the model and both baselines."""
    return {
        "model": decode(taxonomy, fold.probabilities, fold.tagger.thresholds()),
        "majority": [dict(fold.tagger.majority_) for _ in fold.test],
        "cues": cue_baseline(taxonomy, [texts[i] for i in fold.test], fold.tagger.cue_fallback_),
    }


def _metrics(taxonomy, gold, predicted, majority, cues, probabilities) -> dict:
    return {
        "model": score(taxonomy, gold, predicted),
        "majority_baseline": score(taxonomy, gold, majority),
        "cue_baseline": score(taxonomy, gold, cues),
        "calibration": reliability(taxonomy, gold, probabilities),
        "values": {g.name: g.value_names for g in taxonomy.groups},
    }


def _as_rows(labels: list[dict], gold: GroupLabels) -> GroupLabels:
    """One dict per sentence -> group name -> one label list per sentence."""
    return {group: [row[group] for row in labels] for group in gold}


def _subset(gold: GroupLabels, rows) -> GroupLabels:
    return {group: [labels[i] for i in rows] for group, labels in gold.items()}


def _as_floats(value):
    """numpy scalars to plain floats, so reports serialise as JSON."""
    if isinstance(value, dict):
        return {k: _as_floats(v) for k, v in value.items()}
    return float(value) if isinstance(value, np.floating) else value
