"""The sentence tagger: the configured feature families, computed once per sentence, then one
classifier per label group.

The features (a FeatureUnion fitted on the training sentences; only the "finetuned" family
uses their labels, all groups at once) are the same for every group, so they are fitted and
computed once. Each group's classifier is
one calibrated binary logistic regression per value (`CalibratedClassifier`): one-vs-rest for
a multiple-choice group, renormalised to sum to one for a single-choice group. Probabilities
always come back in the taxonomy's value order, whatever values a training fold happened to
contain.

Both estimators follow scikit-learn's conventions: `__init__` only stores its parameters,
`fit` builds the pipelines, fitted attributes end in "_", and `clone` gives an unfitted copy.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion
from sklearn.preprocessing import MultiLabelBinarizer
from sklearn.utils.validation import check_is_fitted

from newstag.annotate.spans import Span
from newstag.config import ModelConfig, Party
from newstag.model.calibration import CalibratedClassifier
from newstag.model.features import feature_parts, text_features
from newstag.model.parties import alias_words
from newstag.model.spanfinder import SpanFinder
from newstag.taxonomy import LabelGroup, SpanGroup, Taxonomy

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


def span_finder(parties: tuple[Party, ...], config: ModelConfig) -> SpanFinder:
    """The span finder `fit` builds (loading checks a saved one against it)."""
    return SpanFinder(aliases=alias_words(parties), random_state=config.random_state)


def values_of(group: SpanGroup, values) -> dict[str, list[str]]:
    return {group.group: list(values)}


class GroupClassifier(BaseEstimator):
    """Feature rows -> probabilities over one group's values."""

    def __init__(self, group: LabelGroup, config: ModelConfig):
        self.group = group
        self.config = config

    def fit(self, X, labels: Sequence[Sequence[str]], articles=None) -> GroupClassifier:
        """`X`: one feature row per sentence; `labels`: the values chosen for each;
        `articles`: one article id per row."""
        values = self.group.value_names
        self.classifier_ = _classifier(self.config)
        if self.group.multiple:
            target = MultiLabelBinarizer(classes=values).fit_transform(labels)
            self.classifier_.fit(X, target, articles=articles)
            self.columns_ = np.arange(len(values))
            self.thresholds_ = self.classifier_.thresholds_
        else:
            self.classifier_.fit(X, [chosen[0] for chosen in labels], articles=articles)
            self.columns_ = np.array([values.index(c) for c in self.classifier_.classes_])
            self.thresholds_ = None
        return self

    def refitted(self, X, labels: Sequence[Sequence[str]], articles=None) -> GroupClassifier:
        """A copy with this one's calibration and thresholds, fitted on `X`, `labels`
        (`CalibratedClassifier.refitted`); fitted whole when they hold a value this one
        never saw."""
        check_is_fitted(self)
        if self.group.multiple:
            target = MultiLabelBinarizer(classes=self.group.value_names).fit_transform(labels)
        else:
            target = np.array([chosen[0] for chosen in labels])
            if not set(target) <= set(self.classifier_.classes_):
                return GroupClassifier(self.group, self.config).fit(X, labels, articles)
        fitted = copy.copy(self)
        fitted.classifier_ = self.classifier_.refitted(X, target)
        return fitted

    def predict_proba(self, X) -> np.ndarray:
        check_is_fitted(self)
        probabilities = np.zeros((X.shape[0], len(self.group.values)))
        probabilities[:, self.columns_] = self.classifier_.predict_proba(X)
        return probabilities


def fitted_features(
    config: ModelConfig, taxonomy: Taxonomy, texts: list[str], labels, fitted_steps: dict | None = None
) -> FeatureUnion:
    """The configured feature families fitted on `texts`; `fitted_steps` (step name -> fitted
    step) are kept as they are."""
    union = text_features(config, taxonomy)
    kept = {name: FrozenEstimator(step) for name, step in (fitted_steps or {}).items()}
    # Only a fine-tuned encoder among the feature steps learns from the labels.
    union.set_params(**kept).fit(texts, labels)
    union.transformer_list = [
        (name, step.estimator if isinstance(step, FrozenEstimator) else step)
        for name, step in union.transformer_list
    ]
    return union


class SentenceTagger(BaseEstimator):
    """All groups of a taxonomy; `predict_proba` gives each group's probabilities."""

    def __init__(self, taxonomy: Taxonomy, config: ModelConfig):
        self.taxonomy = taxonomy
        self.config = config

    def fit(
        self,
        texts: Sequence[str],
        labels: dict[str, Sequence[Sequence[str]]],
        articles=None,
        fitted_steps: dict | None = None,
        spans: dict[str, Sequence[Sequence[Span]]] | None = None,
        parties: tuple[Party, ...] = (),
    ) -> SentenceTagger:
        """`articles` (one article id per text) keeps each article in one inner fold;
        `fitted_steps` (feature step name -> fitted step) are used as they are, not fitted
        again: a retrain that refits the heads keeps another model's fine-tuned encoder.
        `spans` (span group -> each text's spans) train a span finder per span group that has
        any, when the features hold the sentence embeddings (whose forward pass gives the
        finder its token states); `parties` is the alias table it reads."""
        texts = list(texts)
        union = fitted_features(self.config, self.taxonomy, texts, labels, fitted_steps)
        self.fit_heads(union, union.transform(texts), labels, articles)
        self.span_finders_ = self._fit_span_finders(texts, labels, spans or {}, parties)
        return self

    def fit_heads(
        self,
        features,
        X,
        labels: dict[str, Sequence[Sequence[str]]],
        articles=None,
        calibrated: SentenceTagger | None = None,
    ) -> SentenceTagger:
        """Only the heads, on rows `X` that the fitted `features` made: cross-validation against
        a reference set computes the features once and fits just the heads in every fold;
        with `calibrated` (a tagger fitted on most of the same rows) they keep its calibration
        and thresholds (`GroupClassifier.refitted`)."""
        self.features_ = features
        self.classifiers_ = {
            group.name: (
                calibrated.classifiers_[group.name].refitted(X, labels[group.name], articles)
                if calibrated is not None
                else GroupClassifier(group, self.config).fit(X, labels[group.name], articles)
            )
            for group in self.taxonomy.groups
        }
        return self

    def _fit_span_finders(self, texts, labels, spans, parties) -> dict[str, SpanFinder]:
        if "embeddings" not in feature_parts(self.config.features):
            return {}
        finders = {}
        for group in self.taxonomy.spans:
            marked = spans.get(group.name)
            if not marked or not any(marked):
                continue
            rows = [
                i for i, values in enumerate(labels[group.group]) if group.holds(values_of(group, values), 1)
            ]
            finders[group.name] = span_finder(parties, self.config).fit(
                [texts[i] for i in rows], [marked[i] for i in rows], [labels[group.group][i] for i in rows]
            )
        return finders

    def find_spans(self, texts: Sequence[str], labels: Sequence[dict[str, list[str]]]) -> list[dict]:
        """Each text's spans, span group -> [(start, end, score)], found only where the
        sentence's labels allow the group's spans (a named actor); empty for the rest."""
        check_is_fitted(self)
        found: list[dict] = [{} for _ in texts]
        for group in self.taxonomy.spans:
            finder = vars(self).get("span_finders_", {}).get(group.name)
            rows = [i for i, chosen in enumerate(labels) if group.holds(chosen, 1)]
            if finder is None or not rows:
                continue
            results = finder.find([texts[i] for i in rows], [labels[i].get(group.group, []) for i in rows])
            for i, result in zip(rows, results, strict=True):
                found[i][group.name] = result
        return found

    def predict_proba(self, texts: Sequence[str]) -> Probabilities:
        check_is_fitted(self)
        if not len(texts):
            return {g.name: np.zeros((0, len(g.values))) for g in self.taxonomy.groups}
        return self.head_probabilities(self.features_.transform(list(texts)))

    def head_probabilities(self, X) -> Probabilities:
        """`predict_proba` of feature rows that `features_` made."""
        check_is_fitted(self)
        return {name: c.predict_proba(X) for name, c in self.classifiers_.items()}

    def thresholds(self) -> dict[str, np.ndarray]:
        """Decision thresholds per multiple-choice group, one per value, for `decode`; chosen
        by cross-validation on the training data."""
        check_is_fitted(self)
        return {name: c.thresholds_ for name, c in self.classifiers_.items() if c.thresholds_ is not None}
