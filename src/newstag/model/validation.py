"""Scoring taggers: a trained one on held-out data, and cross-validation by article.

Cross-validation never splits an article: with up to MAX_FOLDS articles it leaves one article
out at a time, with more it groups the articles into MAX_FOLDS folds (leaving one of 150
articles out would cost fifteen times the training for the same estimate).

Both score the model beside its majority and cue-word baselines (`baselines`) with
`evaluation.scores`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from newstag.config import Config
from newstag.errors import InputError
from newstag.evaluation.scores import GroupLabels, metrics
from newstag.model.baselines import baseline_labels, fit_baselines
from newstag.model.decode import decode
from newstag.model.reference_features import fold_heads, reference_features
from newstag.model.tagger import SentenceTagger
from newstag.taxonomy import Taxonomy

MIN_EXAMPLES = 5
"""With fewer examples of a value, a model hardly learns it and a score hardly measures it."""


def rare_values(taxonomy: Taxonomy, gold: GroupLabels, what: str = "learn or score") -> str | None:
    """One line naming each value with fewer than MIN_EXAMPLES examples and its count."""
    parts = []
    for group in taxonomy.groups:
        counts = Counter(value for labels in gold[group.name] for value in labels)
        rare = [f"{value} {counts[value]}" for value in group.value_names if counts[value] < MIN_EXAMPLES]
        if rare:
            parts.append(f"{group.name}: {', '.join(rare)}")
    if not parts:
        return None
    return f"too few examples (under {MIN_EXAMPLES}) to {what} these values: " + "; ".join(parts)


def rare_in_dataset(dataset, taxonomy: Taxonomy, what: str) -> str | None:
    """`rare_values` of a labelled `datasets.Dataset`."""
    from newstag.annotate.dataset import gold_labels

    return rare_values(taxonomy, gold_labels(dataset, taxonomy), what)


def require_articles(articles: Sequence[str]) -> None:
    count = len(set(articles))
    if count < 2:
        raise InputError(
            f"cross-validation by article needs labelled sentences from at least 2 articles, the data has "
            f"{count}; annotate sentences of another article"
        )


def check_trainable(gold: GroupLabels, taxonomy: Taxonomy, where: str = "") -> None:
    """Labelled sentences, and for a single-choice group two different values among them."""
    if not next(iter(gold.values()), []):
        raise InputError(
            f"{where}the training data holds no labelled sentences (an empty export, or only "
            f"unannotated tasks); annotate sentences in Label Studio and export them again"
        )
    for group in taxonomy.groups:
        if not group.multiple and len({tuple(labels) for labels in gold[group.name]}) < 2:
            raise InputError(
                f"{where}every sentence has the same {group.name}; a model needs at least two "
                f"different values to learn from — annotate more sentences"
            )


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
    from newstag.annotate.dataset import check_taxonomy, dataset_texts, gold_labels

    check_taxonomy(dataset, tagger.taxonomy)
    gold = gold_labels(dataset, tagger.taxonomy)
    scores = evaluate_tagger(tagger, baselines, dataset_texts(dataset), gold)
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
class Labelled:
    """Labelled sentences: their texts, article ids and labels per group."""

    texts: list[str]
    articles: np.ndarray
    gold: GroupLabels

    def rows(self, rows) -> Labelled:
        return Labelled([self.texts[i] for i in rows], self.articles[rows], _subset(self.gold, rows))

    def __add__(self, other: Labelled) -> Labelled:
        gold = {group: labels + other.gold[group] for group, labels in self.gold.items()}
        return Labelled(self.texts + other.texts, np.concatenate([self.articles, other.articles]), gold)

    def apart_from(self, texts: Sequence[str], articles: Sequence[str]) -> Labelled:
        """These sentences without any of `articles` or of `texts` (compared with spacing
        collapsed): reference data that must not hold the data being judged."""
        articles, texts = set(articles), {_plain(text) for text in texts}
        keep = [
            i
            for i, (text, article) in enumerate(zip(self.texts, self.articles, strict=True))
            if article not in articles and _plain(text) not in texts
        ]
        return self.rows(np.array(keep, dtype=int))


def _plain(text: str) -> str:
    return " ".join(text.split()).casefold()


@dataclass(frozen=True)
class Fold:
    """Some articles held out: a tagger fitted on the others (plus any reference sentences),
    and its probabilities for them."""

    train: np.ndarray
    test: np.ndarray
    tagger: SentenceTagger
    probabilities: dict[str, np.ndarray]
    trained_on: Labelled


def article_folds(
    texts: Sequence[str],
    articles: Sequence[str],
    gold: GroupLabels,
    config: Config,
    folds: int = MAX_FOLDS,
    progress: Progress | None = None,
    reference: Labelled | None = None,
    refit_features: bool = False,
    store: Path | None = None,
    jobs: int = 1,
):
    """Every fold of `fold_indices` in turn (inner folds keep articles whole too); `progress`
    hears (folds done, folds) after each. `reference` sentences join every fold's training
    data, less those of the data's own articles or texts: only the data's sentences are held
    out. With a reference, the features and the heads' calibration are fitted on it once
    (`reference_features`) and each fold fits only one binary model per value, the folds in
    `jobs` processes; `refit_features` fits everything in every fold instead (the old, slow
    way, for comparison); `store`, a folder, keeps the reference's features between processes."""
    require_articles(articles)
    data = Labelled(list(texts), np.asarray(articles), gold)
    extra = reference.apart_from(texts, articles) if reference is not None else None
    alone = extra is not None and not refit_features and _learnable(extra, config.taxonomy)
    shared = _shared_features(data, extra, config, store, jobs) if alone else None
    indices = fold_indices(data.articles, folds)
    trainings = [_training(data, extra, train, test, config.taxonomy) for train, test in indices]
    if shared is None:
        taggers = (
            SentenceTagger(config.taxonomy, config.model).fit(t.texts, t.gold, t.articles) for t in trainings
        )
    else:
        found, data_rows = shared
        folds_training = [(train, training) for (train, _), training in zip(indices, trainings, strict=True)]
        taggers = fold_heads(found, data_rows, folds_training, config, jobs)
    fitted = zip(indices, trainings, taggers, strict=True)
    for done, ((train, test), training, tagger) in enumerate(fitted, start=1):
        if shared is None:
            probabilities = tagger.predict_proba([texts[i] for i in test])
        else:
            probabilities = tagger.head_probabilities(shared[1][test])
        yield Fold(train, test, tagger, probabilities, training)
        if progress:
            progress(done, len(indices))


def _training(data: Labelled, extra: Labelled | None, train, test, taxonomy: Taxonomy) -> Labelled:
    """A fold's training data: the data's other articles, and the reference; checked."""
    held_out = sorted(set(data.articles[test]))
    shown = ", ".join(held_out[:3]) + (", ..." if len(held_out) > 3 else "")
    training = data.rows(train) + extra if extra is not None else data.rows(train)
    check_trainable(training.gold, taxonomy, f"leaving out {shown}, ")
    return training


def _learnable(reference: Labelled, taxonomy: Taxonomy) -> bool:
    """A reference the features and heads can be fitted on alone; a smaller one (none left
    apart from the data, say) joins every fold's full refit instead."""
    try:
        check_trainable(reference.gold, taxonomy)
    except InputError:
        return False
    return True


def _shared_features(data: Labelled, reference: Labelled, config: Config, store: Path | None, jobs: int):
    """(`ReferenceFeatures`, from the cache when the reference was seen before; the data's
    feature rows)."""
    found = reference_features(reference.texts, reference.articles, reference.gold, config, store, jobs)
    return found, found.features.transform(data.texts)


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
