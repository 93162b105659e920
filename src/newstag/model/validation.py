"""Scoring taggers: a trained one on held-out data, and cross-validation by article.

Cross-validation never splits an article: with up to MAX_FOLDS articles it leaves one article
out at a time, with more it groups the articles into MAX_FOLDS folds (leaving one of 150
articles out would cost fifteen times the training for the same estimate).

Both score the model beside its majority and cue-word baselines (`baselines`) with
`evaluation.scores`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from newstag.config import Config
from newstag.evaluation.scores import GroupLabels, metrics
from newstag.model.baselines import baseline_labels, fit_baselines
from newstag.model.decode import decode
from newstag.model.tagger import SentenceTagger

MAX_FOLDS = 10

Progress = Callable[[int, int], None]
"""Told (steps done, steps in all) as a long computation goes: the CLI draws a progress bar."""


def evaluate_tagger(tagger: SentenceTagger, baselines: dict, texts: Sequence[str], gold: GroupLabels) -> dict:
    """A trained model, its majority baseline and its cue-word baseline on labelled data;
    `baselines` were fitted on the model's training data (they are in its meta.json)."""
    taxonomy = tagger.taxonomy
    probabilities = tagger.predict_proba(list(texts))
    predicted = {
        "model": decode(taxonomy, probabilities, tagger.thresholds()),
        **baseline_labels(taxonomy, baselines, texts),
    }
    return metrics(taxonomy, gold, predicted, probabilities)


def evaluate_dataset(tagger: SentenceTagger, baselines: dict, dataset) -> dict:
    """`evaluate_tagger` on a labelled `datasets.Dataset` made with the model's taxonomy."""
    from newstag.annotate.dataset import check_taxonomy, group_labels

    check_taxonomy(dataset, tagger.taxonomy)
    gold = {name: group_labels(dataset, name) for name in tagger.taxonomy.group_names}
    scores = evaluate_tagger(tagger, baselines, list(dataset["text"]), gold)
    counts = {"articles": len(set(dataset["article_id"])), "sentences": len(dataset)}
    return {"scheme": "held-out data", **counts, **scores}


def cross_validate_by_article(
    texts: Sequence[str],
    articles: Sequence[str],
    gold: GroupLabels,
    config: Config,
    folds: int = MAX_FOLDS,
    progress: Progress | None = None,
) -> dict:
    """Train on the other articles, predict the held-out ones, for every fold; score the
    out-of-fold predictions of the model and of both baselines. Thresholds, calibration and
    the baselines' fallbacks come from the training articles of each fold only."""
    if len(set(articles)) < 2:
        return {}
    taxonomy, n = config.taxonomy, len(texts)
    rows: dict[str, list] = {kind: [None] * n for kind in ("model", "majority", "cues")}
    probabilities = {g.name: np.zeros((n, len(g.values))) for g in taxonomy.groups}
    for fold in article_folds(texts, articles, gold, config, folds, progress):
        for kind, fold_rows in _fold_labels(fold, texts, gold, taxonomy).items():
            for row, chosen in zip(fold.test, fold_rows, strict=True):
                rows[kind][row] = chosen
        for name, p in fold.probabilities.items():
            probabilities[name][fold.test] = p
    scores = metrics(taxonomy, gold, rows, probabilities)
    count = len(set(articles))
    scheme = "leave-one-article-out" if count <= folds else f"{folds} folds by article"
    return {"scheme": scheme, "articles": count, "sentences": n, **scores}


@dataclass(frozen=True)
class Fold:
    """Some articles held out: a tagger fitted on the others, and its probabilities for them."""

    train: np.ndarray
    test: np.ndarray
    tagger: SentenceTagger
    probabilities: dict[str, np.ndarray]


def article_folds(
    texts: Sequence[str],
    articles: Sequence[str],
    gold: GroupLabels,
    config: Config,
    folds: int = MAX_FOLDS,
    progress: Progress | None = None,
):
    """Every fold of `fold_indices` in turn (inner folds keep articles whole too); `progress`
    hears (folds done, folds) after each."""
    articles = np.asarray(articles)
    indices = fold_indices(articles, folds)
    for done, (train, test) in enumerate(indices, start=1):
        tagger = SentenceTagger(config.taxonomy, config.model).fit(
            [texts[i] for i in train], _subset(gold, train), articles[train]
        )
        yield Fold(train, test, tagger, tagger.predict_proba([texts[i] for i in test]))
        if progress:
            progress(done, len(indices))


def fold_indices(articles: np.ndarray, folds: int = MAX_FOLDS) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train rows, test rows) per fold: one article per fold when there are at most `folds`
    articles, else `folds` groups of whole articles (sklearn's GroupKFold, deterministic)."""
    from sklearn.model_selection import GroupKFold

    names = sorted(set(articles))
    if len(names) <= folds:
        return [(np.flatnonzero(articles != a), np.flatnonzero(articles == a)) for a in names]
    return list(GroupKFold(n_splits=folds).split(articles, groups=articles))


def _fold_labels(fold: Fold, texts: Sequence[str], gold: GroupLabels, taxonomy) -> dict[str, list[dict]]:
    """Labels of the held-out rows from the model and from both baselines, the baselines
    fitted on the fold's training articles."""
    baselines = fit_baselines(taxonomy, [texts[i] for i in fold.train], _subset(gold, fold.train))
    return {
        "model": decode(taxonomy, fold.probabilities, fold.tagger.thresholds()),
        **baseline_labels(taxonomy, baselines, [texts[i] for i in fold.test]),
    }


def _subset(gold: GroupLabels, rows) -> GroupLabels:
    return {group: [labels[i] for i in rows] for group, labels in gold.items()}
