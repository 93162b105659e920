"""The sentence tagger: one scikit-learn pipeline per label group.

Each pipeline is the configured feature family followed by one calibrated binary logistic
regression per value (`CalibratedClassifier`): one-vs-rest for a multiple-choice group,
renormalised to sum to one for a single-choice group. Probabilities always come back in the
taxonomy's value order, whatever values a training fold happened to contain.

Both estimators follow scikit-learn's conventions: `__init__` only stores its parameters,
`fit` builds the pipelines, fitted attributes end in "_", and `clone` gives an unfitted copy.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MultiLabelBinarizer
from sklearn.utils.validation import check_is_fitted

from newstag.config import ModelConfig
from newstag.model.calibration import CalibratedClassifier
from newstag.model.features import text_features
from newstag.taxonomy import LabelGroup, Taxonomy

Probabilities = dict[str, np.ndarray]
"""Group name -> array (n_sentences, n_values) in the taxonomy's value order."""

INNER_FOLDS = 5
MIN_POSITIVES = 3


def _classifier(config: ModelConfig) -> CalibratedClassifier:
    # liblinear's dual solver fits one binary problem on thousands of sparse n-grams and a
    # few hundred sentences several times faster than lbfgs or the primal solver.
    # liblinear shuffles its coordinates: without a fixed random_state two trainings differ.
    binary = LogisticRegression(
        C=config.C,
        class_weight="balanced",
        solver="liblinear",
        dual=True,
        max_iter=2000,
        random_state=config.random_state,
    )
    return CalibratedClassifier(
        binary, cv=INNER_FOLDS, min_positives=MIN_POSITIVES, threshold=config.threshold
    )


class GroupClassifier(BaseEstimator):
    """Text -> probabilities over one group's values."""

    def __init__(self, group: LabelGroup, config: ModelConfig, taxonomy: Taxonomy):
        self.group = group
        self.config = config
        self.taxonomy = taxonomy

    def fit(self, texts: Sequence[str], labels: Sequence[Sequence[str]], articles=None) -> GroupClassifier:
        """`labels`: the values chosen for each text; `articles`: one article id per text."""
        values = self.group.value_names
        self.pipeline_ = Pipeline(
            [
                ("features", text_features(self.config, self.taxonomy)),
                ("classifier", _classifier(self.config)),
            ]
        )
        if self.group.multiple:
            target = MultiLabelBinarizer(classes=values).fit_transform(labels)
            self.pipeline_.fit(list(texts), target, classifier__articles=articles)
            self.columns_ = np.arange(len(values))
            self.thresholds_ = self.pipeline_[-1].thresholds_
        else:
            self.pipeline_.fit(list(texts), [chosen[0] for chosen in labels], classifier__articles=articles)
            self.columns_ = np.array([values.index(c) for c in self.pipeline_[-1].classes_])
            self.thresholds_ = None
        return self

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        check_is_fitted(self)
        probabilities = np.zeros((len(texts), len(self.group.values)))
        if len(texts):
            probabilities[:, self.columns_] = self.pipeline_.predict_proba(list(texts))
        return probabilities


class SentenceTagger(BaseEstimator):
    """All groups of a taxonomy; `predict_proba` gives each group's probabilities."""

    def __init__(self, taxonomy: Taxonomy, config: ModelConfig):
        self.taxonomy = taxonomy
        self.config = config

    def fit(
        self, texts: Sequence[str], labels: dict[str, Sequence[Sequence[str]]], articles=None
    ) -> SentenceTagger:
        """`articles` (one article id per text) keeps each article in one inner fold."""
        self.classifiers_ = {
            group.name: GroupClassifier(group, self.config, self.taxonomy).fit(
                texts, labels[group.name], articles
            )
            for group in self.taxonomy.groups
        }
        return self

    def predict_proba(self, texts: Sequence[str]) -> Probabilities:
        check_is_fitted(self)
        return {name: c.predict_proba(texts) for name, c in self.classifiers_.items()}

    def thresholds(self) -> dict[str, np.ndarray]:
        """Decision thresholds per multiple-choice group, one per value, for `decode`; chosen
        by cross-validation on the training data."""
        check_is_fitted(self)
        return {name: c.thresholds_ for name, c in self.classifiers_.items() if c.thresholds_ is not None}
