"""Calibrated one-vs-rest probabilities and per-value decision thresholds, both learnt from
out-of-fold predictions on the training data only.

`fit` splits the training rows into folds (by article when `articles` is given, so a
held-out fold is an unseen article), collects each value's out-of-fold probability, fits Platt's
sigmoid on it, and picks the threshold that maximises that value's F1. A value with fewer
than `min_positives` examples on either side keeps the raw probability and the default
threshold: a curve fitted to two points would only add noise. The final binary models are
then fitted on every row.
"""

from __future__ import annotations

import copy
import weakref

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, KFold
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from newstag.model.odds import EPSILON, logit, sigmoid

THRESHOLD_GRID = np.round(np.arange(0.05, 0.951, 0.025), 3)


class CalibratedClassifier(ClassifierMixin, BaseEstimator):
    """One binary `estimator` per value, calibrated; multi-label when `y` is an indicator
    matrix (one threshold per column), otherwise one class per row (probabilities sum to 1)."""

    def __init__(self, estimator=None, cv: int = 5, min_positives: int = 3, threshold: float = 0.5):
        self.estimator = estimator
        self.cv = cv
        self.min_positives = min_positives
        self.threshold = threshold

    def fit(self, X, y, articles=None):
        """`articles`: one article id per row; inner folds keep each article whole."""
        X, y = validate_data(self, X, y, accept_sparse="csr", multi_output=True)
        check_classification_targets(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        self.multilabel_ = type_of_target(y) == "multilabel-indicator"
        Y = self._indicator(y)
        raw, self.estimators_ = _fit_columns(self._estimator(), X, Y, _splits(len(Y), articles, self.cv))
        self.calibrators_ = [self._calibrator(raw[:, j], Y[:, j]) for j in range(Y.shape[1])]
        calibrated = self._calibrate(raw)
        self.thresholds_ = np.array(
            [self._best_threshold(calibrated[:, j], Y[:, j]) for j in range(Y.shape[1])]
        )
        return self

    def refitted(self, X, y) -> CalibratedClassifier:
        """A copy that keeps this one's calibration and thresholds, its binary models fitted
        anew on `X`, `y` (labels of `classes_` only): cross-validation folds that share most
        of their training data (a reference set) share the calibration learnt on it, and fit
        one model per value instead of one per value and inner fold."""
        check_is_fitted(self, "estimators_")
        fitted = copy.copy(self)
        X = validate_data(fitted, X, accept_sparse="csr", reset=False)
        y = np.asarray(y)
        Y = y.astype(int) if self.multilabel_ else (y[:, None] == self.classes_[None, :]).astype(int)
        fitted.estimators_ = [_fit_column(self._estimator(), X, Y[:, j]) for j in range(Y.shape[1])]
        return fitted

    def predict_proba(self, X) -> np.ndarray:
        check_is_fitted(self, "estimators_")
        X = validate_data(self, X, accept_sparse="csr", reset=False)
        return self._calibrate(_stacked_proba(self, X))

    def predict(self, X) -> np.ndarray:
        probabilities = self.predict_proba(X)
        if self.multilabel_:
            return (probabilities >= self.thresholds_).astype(int)
        return self.classes_[np.argmax(probabilities, axis=1)]

    def _indicator(self, y) -> np.ndarray:
        if self.multilabel_:
            self.classes_ = np.arange(y.shape[1])
            return np.asarray(y, dtype=int)
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ValueError(f"needs samples of at least 2 classes, got one class: {self.classes_.tolist()}")
        return (np.asarray(y)[:, None] == self.classes_[None, :]).astype(int)

    def _estimator(self):
        return self.estimator if self.estimator is not None else LogisticRegression()

    def _too_few(self, p: np.ndarray, y: np.ndarray) -> bool:
        """Too few examples on either side (or no probabilities) to fit a sigmoid or a threshold."""
        positives = int(y.sum())
        return bool(np.isnan(p).any()) or min(positives, len(y) - positives) < self.min_positives

    def _calibrator(self, raw: np.ndarray, y: np.ndarray):
        return None if self._too_few(raw, y) else platt(raw, y)

    def _calibrate(self, raw: np.ndarray) -> np.ndarray:
        """Each column through its Platt sigmoid, all at once; a column without one stays raw."""
        fitted = np.array([c is not None for c in self.calibrators_])
        params = np.array([c if c is not None else (1.0, 0.0) for c in self.calibrators_]).reshape(-1, 2)
        calibrated = np.where(fitted, apply_platt((params[:, 0], params[:, 1]), raw), raw)
        if self.multilabel_:
            return calibrated
        return calibrated / np.clip(calibrated.sum(axis=1, keepdims=True), EPSILON, None)

    def _best_threshold(self, p: np.ndarray, y: np.ndarray) -> float:
        if self._too_few(p, y):
            return float(self.threshold)
        scores = [_f1(y, p >= t) for t in THRESHOLD_GRID]
        # Among equally good thresholds, the one closest to the default.
        best = max(range(len(scores)), key=lambda i: (scores[i], -abs(THRESHOLD_GRID[i] - self.threshold)))
        return float(THRESHOLD_GRID[best])

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        tags.input_tags.sparse = True
        return tags


def _splits(n: int, articles, cv: int) -> list:
    if articles is not None and len(set(articles)) >= 2:
        n_articles = len(set(articles))
        return list(GroupKFold(n_splits=min(cv, n_articles)).split(np.zeros(n), groups=articles))
    if n < 2 or cv < 2:
        return []
    return list(KFold(n_splits=min(cv, n)).split(np.zeros(n)))


def _fit_columns(estimator, X, Y: np.ndarray, splits: list) -> tuple[np.ndarray, list]:
    """(each row's probability per column from models that never saw it, NaN where no split
    covers it; each column's model fitted on every row). The columns are independent fits,
    run in the processes that joblib's context grants (`joblib.parallel_config(n_jobs=...)`,
    as `reference_features` calibrates; one, in this process, by default), each fitted exactly
    as alone: liblinear's random generator is global, so threads would make fits differ."""
    from joblib import Parallel, delayed

    fitted = Parallel()(delayed(_fit_column_folds)(estimator, X, Y[:, j], splits) for j in range(Y.shape[1]))
    return np.column_stack([raw for raw, _ in fitted]), [model for _, model in fitted]


def _fit_column_folds(estimator, X, y: np.ndarray, splits: list) -> tuple[np.ndarray, object]:
    """One column's out-of-fold probabilities and its model fitted on every row."""
    raw = np.full(len(y), np.nan)
    for train, test in splits:
        raw[test] = _column_proba(_fit_column(estimator, X[train], y[train]), X[test])
    return raw, _fit_column(estimator, X, y)


def _fit_column(estimator, X, y: np.ndarray):
    """A fitted binary model, or the constant probability when `y` has one class only."""
    if y.min() == y.max():
        return float(y[0])
    return clone(estimator).fit(X, y)


def _stacked_proba(classifier: CalibratedClassifier, X) -> np.ndarray:
    """Every column's probability, as `_column_proba` gives it, from one matrix product: one
    scikit-learn call per value costs more than the arithmetic for a few sentences."""
    models = classifier.estimators_
    stacked = _stacked(classifier)
    if stacked is None:
        return np.column_stack([_column_proba(model, X) for model in models])
    fitted, coef, intercept = stacked
    # LogisticRegression's binary predict_proba: expit of X @ coef.T + intercept.
    scores = safe_sparse_dot(X, coef, dense_output=True) + intercept
    raw = np.empty((X.shape[0], len(models)))
    raw[:] = [model if isinstance(model, float) else np.nan for model in models]
    raw[:, fitted] = expit(scores)
    return raw


_STACKED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
"""Fitted classifier -> (its estimators_, what `_stacked` built from them)."""


def _stacked(classifier: CalibratedClassifier):
    """(columns of fitted models, their coefficients as one C-ordered features x columns
    matrix, their intercepts), built once per fit; None unless all are LogisticRegression."""
    models = classifier.estimators_
    cached = _STACKED.get(classifier)
    if cached is not None and cached[0] is models:
        return cached[1]
    fitted = [j for j, model in enumerate(models) if not isinstance(model, float)]
    stacked = None
    if fitted and all(isinstance(models[j], LogisticRegression) for j in fitted):
        coef = np.ascontiguousarray(np.vstack([models[j].coef_ for j in fitted]).T)
        stacked = (fitted, coef, np.concatenate([models[j].intercept_ for j in fitted]))
    _STACKED[classifier] = (models, stacked)
    return stacked


def _column_proba(model, X) -> np.ndarray:
    if isinstance(model, float):
        return np.full(X.shape[0], model)
    return model.predict_proba(X)[:, 1]


def platt(raw: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Platt's sigmoid on the log-odds, with his smoothed targets for small classes."""
    positives = y.sum()
    target = np.where(y == 1, (positives + 1) / (positives + 2), 1 / (len(y) - positives + 2))
    logits = logit(raw)

    def loss(params):
        z = params[0] * logits + params[1]
        return np.sum(np.logaddexp(0, z) - target * z)

    return tuple(minimize(loss, x0=np.array([1.0, 0.0]), method="L-BFGS-B").x.tolist())


def apply_platt(params: tuple[float, float], raw: np.ndarray) -> np.ndarray:
    return sigmoid(params[0] * logit(raw) + params[1])


def _f1(y: np.ndarray, predicted: np.ndarray) -> float:
    tp = np.sum(predicted & (y == 1))
    return 2 * tp / max(predicted.sum() + y.sum(), 1)
