"""The sentence tagger: one scikit-learn pipeline per label group.

A single-choice group is a multinomial logistic regression; a multiple-choice group is
one-vs-rest logistic regression over a binarised label set. Probabilities always come
back in the taxonomy's value order, whatever values a training fold happened to contain.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import MultiLabelBinarizer

from newstag.config import ModelConfig
from newstag.errors import ConfigError
from newstag.taxonomy import LabelGroup, Taxonomy

Probabilities = dict[str, np.ndarray]
"""Group name -> array (n_sentences, n_values) in the taxonomy's value order."""


def text_features(config: ModelConfig) -> FeatureUnion:
    if config.features != "tfidf":
        raise ConfigError(f"[model] features = {config.features!r} is not known; use 'tfidf'")
    return FeatureUnion(
        [
            ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, lowercase=True)),
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)),
        ]
    )


def _classifier(group: LabelGroup, config: ModelConfig):
    # liblinear fits each binary problem of one-vs-rest several times faster than lbfgs on
    # sparse n-grams; a single-choice group needs a multinomial solver.
    if group.multiple:
        return OneVsRestClassifier(
            LogisticRegression(C=config.C, class_weight="balanced", solver="liblinear")
        )
    return LogisticRegression(
        C=config.C, class_weight="balanced", max_iter=5000, random_state=config.random_state
    )


class GroupClassifier:
    """Text -> probabilities over one group's values."""

    def __init__(self, group: LabelGroup, config: ModelConfig):
        self.group = group
        self.pipeline = Pipeline(
            [("features", text_features(config)), ("classifier", _classifier(group, config))]
        )

    def fit(self, texts: Sequence[str], labels: Sequence[Sequence[str]]) -> GroupClassifier:
        values = self.group.value_names
        if self.group.multiple:
            self.binarizer_ = MultiLabelBinarizer(classes=values)
            target = self.binarizer_.fit_transform(labels)
            present = target.sum(axis=0) > 0
            self.columns_ = np.flatnonzero(present)
            self.pipeline.fit(list(texts), target[:, present])
        else:
            self.pipeline.fit(list(texts), [chosen[0] for chosen in labels])
            self.columns_ = np.array([values.index(c) for c in self.pipeline.classes_])
        return self

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        probabilities = np.zeros((len(texts), len(self.group.values)))
        if len(texts):
            probabilities[:, self.columns_] = self.pipeline.predict_proba(list(texts))
        return probabilities


class SentenceTagger:
    """All groups of a taxonomy; `predict_proba` gives each group's probabilities."""

    def __init__(self, taxonomy: Taxonomy, config: ModelConfig):
        self.taxonomy = taxonomy
        self.config = config
        self.classifiers = {g.name: GroupClassifier(g, config) for g in taxonomy.groups}

    def fit(self, texts: Sequence[str], labels: dict[str, Sequence[Sequence[str]]]) -> SentenceTagger:
        for name, classifier in self.classifiers.items():
            classifier.fit(texts, labels[name])
        return self

    def predict_proba(self, texts: Sequence[str]) -> Probabilities:
        return {name: c.predict_proba(texts) for name, c in self.classifiers.items()}
