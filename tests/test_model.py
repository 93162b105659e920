import dataclasses

import numpy as np
import pytest
from sklearn import utils
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.utils.estimator_checks import estimator_checks_generator

from newstag.annotate.dataset import gold_labels
from newstag.errors import ConfigError
from newstag.model.calibration import CalibratedClassifier, apply_platt, platt
from newstag.model.features import feature_parts
from newstag.model.tagger import GroupClassifier, SentenceTagger

# Checks that do not apply, left out rather than reported as skipped: array-API input (newstag
# runs on numpy only) and decision_function output (the classifier offers predict_proba).
NOT_APPLICABLE = ("check_array_api_input", "check_classifiers_multilabel_output_format_decision_function")
SKLEARN_CHECKS = [
    (estimator, check)
    for estimator, check in estimator_checks_generator(
        CalibratedClassifier(LogisticRegression(solver="liblinear"), cv=2), mark="skip"
    )
    if not any(name in str(check) for name in NOT_APPLICABLE)
]


@pytest.mark.parametrize(("estimator", "check"), SKLEARN_CHECKS, ids=lambda x: getattr(x, "__name__", None))
def test_calibrated_classifier_follows_sklearn_conventions(estimator, check):
    check(estimator)


# The tagger takes raw texts and label lists, so sklearn's checks that fit on numeric arrays
# cannot run; these run on any estimator (and check_estimators_unfitted predicts unfitted).
API_CHECKS = [
    "check_no_attributes_set_in_init",
    "check_parameters_default_constructible",
    "check_get_params_invariance",
    "check_set_params",
    "check_estimator_cloneable",
    "check_estimator_repr",
    "check_do_not_raise_errors_in_init_or_set_params",
    "check_estimator_tags_renamed",
    "check_valid_tag_types",
    "check_mixin_order",
    "check_estimators_unfitted",
]


def taggers(config):
    taxonomy = config.taxonomy
    return [
        SentenceTagger(taxonomy, config.model),
        GroupClassifier(taxonomy.group("actor"), config.model),
    ]


@pytest.mark.parametrize("check", API_CHECKS)
def test_tagger_and_group_classifier_follow_sklearn_conventions(config, check):
    for estimator in taggers(config):
        getattr(utils.estimator_checks, check)(type(estimator).__name__, estimator)


def test_tagger_clones_unfitted_and_refuses_to_predict_before_fit(config, small_dataset):
    texts = list(small_dataset["text"])
    gold = gold_labels(small_dataset, config.taxonomy)
    tagger, group = taggers(config)
    with pytest.raises(NotFittedError):
        tagger.predict_proba(["Russian jets bombed the hospital."])
    with pytest.raises(NotFittedError):
        group.predict_proba(["Russian jets bombed the hospital."])
    fitted = tagger.fit(texts, gold)
    copy = clone(fitted)
    assert copy.get_params() == fitted.get_params() and not hasattr(copy, "classifiers_")
    again = copy.fit(texts, gold).predict_proba(texts[:3])
    for name, p in fitted.predict_proba(texts[:3]).items():
        np.testing.assert_array_equal(p, again[name])


def test_multilabel_thresholds_come_from_out_of_fold_f1():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3))
    Y = np.column_stack([X[:, 0] > 0.5, X[:, 1] > 0, np.zeros(120, dtype=bool)]).astype(int)
    Y[:2, 2] = 1  # a tiny class: raw probability, default threshold
    articles = np.repeat(np.arange(6), 20)
    model = CalibratedClassifier(LogisticRegression(), threshold=0.4).fit(X, Y, articles=articles)
    assert model.thresholds_.shape == (3,)
    assert model.thresholds_[2] == 0.4 and model.calibrators_[2] is None
    assert model.predict(X).shape == (120, 3)
    probabilities = model.predict_proba(X)
    assert np.all((probabilities >= 0) & (probabilities <= 1))
    assert (model.predict(X)[:, 0] == Y[:, 0]).mean() > 0.9


def test_a_calibration_fitted_in_two_processes_is_the_one_fitted_here(config):
    """`reference_features` calibrates a reference's heads in worker processes (joblib's
    context): every column's sigmoid, threshold and model exactly as fitted in this process."""
    from joblib import parallel_config
    from scipy import sparse

    from newstag.model.tagger import _classifier

    rng = np.random.default_rng(3)
    X = sparse.random(150, 40, density=0.2, format="csr", random_state=3)
    Y = (X[:, :5].toarray() + rng.normal(scale=0.05, size=(150, 5)) > 0.05).astype(int)
    articles = np.repeat(np.arange(10), 15)
    here = _classifier(config.model).fit(X, Y, articles=articles)
    with parallel_config(n_jobs=2):
        workers = _classifier(config.model).fit(X, Y, articles=articles)
    assert workers.calibrators_ == here.calibrators_
    np.testing.assert_array_equal(workers.thresholds_, here.thresholds_)
    for mine, theirs in zip(here.estimators_, workers.estimators_, strict=True):
        np.testing.assert_array_equal(mine.coef_, theirs.coef_)
    np.testing.assert_array_equal(workers.predict_proba(X), here.predict_proba(X))


def test_single_choice_probabilities_sum_to_one():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(90, 2))
    y = np.array(["a", "b", "c"])[np.argmax(np.column_stack([X[:, 0], X[:, 1], -X.sum(axis=1)]), axis=1)]
    model = CalibratedClassifier(LogisticRegression()).fit(X, y, articles=np.repeat(np.arange(3), 30))
    assert np.allclose(model.predict_proba(X).sum(axis=1), 1)
    assert set(model.predict(X)) <= {"a", "b", "c"}


def test_a_refitted_classifier_keeps_the_calibration_and_fits_only_its_models():
    """A fold of review against a reference: the reference's calibration and thresholds, the
    binary models of the fold's own rows (as a full fit's final models would be)."""
    rng = np.random.default_rng(2)
    X = rng.normal(size=(120, 3))
    y = np.array(["a", "b", "c"])[np.argmax(np.column_stack([X[:, 0], X[:, 1], -X.sum(axis=1)]), axis=1)]
    articles = np.repeat(np.arange(4), 30)
    reference = CalibratedClassifier(LogisticRegression()).fit(X[:90], y[:90], articles=articles[:90])
    fold = reference.refitted(X[30:], y[30:])
    full = CalibratedClassifier(LogisticRegression()).fit(X[30:], y[30:], articles=articles[30:])
    assert fold.calibrators_ is reference.calibrators_ and fold.thresholds_ is reference.thresholds_
    for mine, whole in zip(fold.estimators_, full.estimators_, strict=True):
        assert np.allclose(mine.coef_, whole.coef_)
    assert not np.allclose(fold.estimators_[0].coef_, reference.estimators_[0].coef_)
    assert np.allclose(fold.predict_proba(X).sum(axis=1), 1)


def test_platt_maps_scores_monotonically():
    raw = np.linspace(0.05, 0.95, 40)
    y = (raw > 0.7).astype(int)
    params = platt(raw, y)
    calibrated = apply_platt(params, raw)
    assert np.all(np.diff(calibrated) >= 0) and calibrated[-1] > 0.5 > calibrated[0]


def test_feature_families_are_checked():
    assert feature_parts("tfidf+cues") == ["tfidf", "cues"]
    for bad in ("bert", "tfidf+tfidf", ""):
        with pytest.raises(ConfigError, match="features"):
            feature_parts(bad)


@pytest.mark.parametrize("features", ["tfidf", "cues", "tfidf+cues"])
def test_tagger_gives_probabilities_in_taxonomy_order(config, small_dataset, features):
    model_config = dataclasses.replace(config.model, features=features)
    texts = list(small_dataset["text"])
    gold = gold_labels(small_dataset, config.taxonomy)
    tagger = SentenceTagger(config.taxonomy, model_config).fit(texts, gold, small_dataset["article_id"])
    probabilities = tagger.predict_proba(["Russian jets bombed the hospital.", "Talks resumed."])
    for group in config.taxonomy.groups:
        assert probabilities[group.name].shape == (2, len(group.values))
    assert np.allclose(probabilities["claim_status"].sum(axis=1), 1)
    assert set(tagger.thresholds()) == {"attack_type", "actor"}


@pytest.mark.parametrize("sparse", [True, False])
def test_one_matrix_product_gives_each_models_own_probabilities(sparse):
    """The calibrated probabilities are those of one predict_proba call per value: the same
    bits on sparse features (tfidf), the same but for BLAS' summation order on dense ones."""
    from scipy import sparse as sp

    rng = np.random.default_rng(2)
    X = rng.normal(size=(120, 6))
    Y = np.column_stack([X[:, 0] > 0.5, X[:, 1] > 0, X[:, 2] < -1, np.zeros(120, dtype=bool)]).astype(int)
    X = sp.csr_matrix(np.where(np.abs(X) > 1, X, 0)) if sparse else X
    model = CalibratedClassifier(LogisticRegression()).fit(X, Y, articles=np.repeat(np.arange(6), 20))
    assert isinstance(model.estimators_[3], float)  # a value never chosen: a constant
    per_value = np.column_stack(
        [
            np.full(X.shape[0], m) if isinstance(m, float) else m.predict_proba(X)[:, 1]
            for m in model.estimators_
        ]
    )
    expected = np.column_stack(
        [
            per_value[:, j] if c is None else apply_platt(c, per_value[:, j])
            for j, c in enumerate(model.calibrators_)
        ]
    )
    if sparse:
        assert np.array_equal(model.predict_proba(X), expected)
    else:
        np.testing.assert_allclose(model.predict_proba(X), expected, rtol=1e-12, atol=1e-15)
