"""Scores per label value and group, and leave-one-article-out cross-validation."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np
from sklearn.metrics import f1_score, precision_recall_fscore_support
from sklearn.preprocessing import MultiLabelBinarizer

from newstag.config import Config
from newstag.decode import decode
from newstag.model import SentenceTagger
from newstag.taxonomy import Taxonomy

GroupLabels = dict[str, list[list[str]]]
"""Group name -> one list of values per sentence."""


def score(taxonomy: Taxonomy, gold: GroupLabels, predicted: GroupLabels) -> dict:
    """Precision, recall, F1 and support per value; macro-F1 (over values that occur in
    the gold labels) and micro-F1 per group."""
    report = {}
    for group in taxonomy.groups:
        binarizer = MultiLabelBinarizer(classes=group.value_names)
        y_true = binarizer.fit_transform(gold[group.name])
        y_pred = binarizer.transform(predicted[group.name])
        precision, recall, f1, support = precision_recall_fscore_support(
            y_true, y_pred, average=None, zero_division=0
        )
        occurring = support > 0
        report[group.name] = {
            "values": {
                name: {"precision": p, "recall": r, "f1": f, "support": int(s)}
                for name, p, r, f, s in zip(group.value_names, precision, recall, f1, support, strict=True)
            },
            "macro_f1": float(f1[occurring].mean()) if occurring.any() else 0.0,
            "micro_f1": float(f1_score(y_true, y_pred, average="micro", zero_division=0)),
        }
    return _as_floats(report)


def leave_one_article_out(
    texts: Sequence[str], articles: Sequence[str], gold: GroupLabels, config: Config
) -> dict:
    """Train on all articles but one, predict that one, for every article; score the
    out-of-fold predictions of the model and of the majority baseline."""
    articles = np.asarray(articles)
    if len(set(articles)) < 2:
        return {}
    model_predictions = _out_of_fold(
        articles,
        gold,
        lambda train, test: _fit_predict(
            config, [texts[i] for i in train], _subset(gold, train), [texts[i] for i in test]
        ),
    )
    baseline_predictions = _out_of_fold(
        articles, gold, lambda train, test: _majority(_subset(gold, train), len(test))
    )
    taxonomy = config.taxonomy
    return {
        "scheme": "leave-one-article-out",
        "articles": len(set(articles)),
        "sentences": len(texts),
        "model": score(taxonomy, gold, model_predictions),
        "majority_baseline": score(taxonomy, gold, baseline_predictions),
    }


def _out_of_fold(articles: np.ndarray, gold: GroupLabels, fit_predict: Callable) -> GroupLabels:
    predictions: GroupLabels = {group: [[] for _ in articles] for group in gold}
    for article in sorted(set(articles)):
        test = np.flatnonzero(articles == article)
        train = np.flatnonzero(articles != article)
        for row, labels in zip(test, fit_predict(train, test), strict=True):
            for group, values in labels.items():
                predictions[group][row] = values
    return predictions


def _fit_predict(config: Config, train_texts, train_gold: GroupLabels, test_texts) -> list[dict]:
    tagger = SentenceTagger(config.taxonomy, config.model).fit(train_texts, train_gold)
    return decode(config.taxonomy, tagger.predict_proba(test_texts), config.model.threshold)


def _majority(train_gold: GroupLabels, n: int) -> list[dict]:
    """The most frequent label set of each group in the training data, for every sentence."""
    common = {g: list(Counter(map(tuple, rows)).most_common(1)[0][0]) for g, rows in train_gold.items()}
    return [dict(common) for _ in range(n)]


def _subset(gold: GroupLabels, rows) -> GroupLabels:
    return {group: [labels[i] for i in rows] for group, labels in gold.items()}


def _as_floats(value):
    """numpy scalars to plain floats, so reports serialise as JSON."""
    if isinstance(value, dict):
        return {k: _as_floats(v) for k, v in value.items()}
    return float(value) if isinstance(value, np.floating) else value
