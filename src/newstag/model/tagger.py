"""The sentence tagger: one scikit-learn pipeline per label group.

Each pipeline is the configured feature family followed by one calibrated binary logistic
regression per value (`CalibratedClassifier`): one-vs-rest for a multiple-choice group,
renormalised to sum to one for a single-choice group. Probabilities always come back in the
taxonomy's value order, whatever values a training fold happened to contain.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MultiLabelBinarizer

from newstag.config import ModelConfig
from newstag.model.calibration import CalibratedClassifier
from newstag.model.cues import cue_fallback
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


class GroupClassifier:
    """Text -> probabilities over one group's values."""

    def __init__(self, group: LabelGroup, config: ModelConfig, taxonomy: Taxonomy):
        self.group = group
        self.pipeline = Pipeline(
            [("features", text_features(config, taxonomy)), ("classifier", _classifier(config))]
        )

    def fit(self, texts: Sequence[str], labels: Sequence[Sequence[str]], articles=None) -> GroupClassifier:
        values = self.group.value_names
        if self.group.multiple:
            target = MultiLabelBinarizer(classes=values).fit_transform(labels)
            self.pipeline.fit(list(texts), target, classifier__articles=articles)
            self.columns_ = np.arange(len(values))
        else:
            self.pipeline.fit(list(texts), [chosen[0] for chosen in labels], classifier__articles=articles)
            self.columns_ = np.array([values.index(c) for c in self.pipeline[-1].classes_])
        return self

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        probabilities = np.zeros((len(texts), len(self.group.values)))
        if len(texts):
            probabilities[:, self.columns_] = self.pipeline.predict_proba(list(texts))
        return probabilities

    @property
    def thresholds_(self) -> np.ndarray | None:
        """Per value, the decision threshold chosen by cross-validation (multiple choice only)."""
        return self.pipeline[-1].thresholds_ if self.group.multiple else None


class SentenceTagger:
    """All groups of a taxonomy; `predict_proba` gives each group's probabilities."""

    def __init__(self, taxonomy: Taxonomy, config: ModelConfig):
        self.taxonomy = taxonomy
        self.config = config
        self.classifiers = {g.name: GroupClassifier(g, config, taxonomy) for g in taxonomy.groups}

    def fit(
        self, texts: Sequence[str], labels: dict[str, Sequence[Sequence[str]]], articles=None
    ) -> SentenceTagger:
        """`articles` (one article id per text) keeps each article in one inner fold."""
        for name, classifier in self.classifiers.items():
            classifier.fit(texts, labels[name], articles)
        self.majority_ = {
            name: list(Counter(map(tuple, rows)).most_common(1)[0][0]) for name, rows in labels.items()
        }
        self.cue_fallback_ = cue_fallback(self.taxonomy, texts, labels)
        return self

    def predict_proba(self, texts: Sequence[str]) -> Probabilities:
        return {name: c.predict_proba(texts) for name, c in self.classifiers.items()}

    def thresholds(self) -> dict[str, np.ndarray]:
        """Decision thresholds per multiple-choice group, one per value, for `decode`."""
        return {name: c.thresholds_ for name, c in self.classifiers.items() if c.thresholds_ is not None}
