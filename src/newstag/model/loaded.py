"""What a loaded model file must hold before newstag uses it.

skops rebuilds a SentenceTagger without running code from the file, but the file chooses
every attribute: a crafted or damaged one can hold a tagger with the wrong inner objects,
unfitted parts, columns out of range, or a regular expression of its own (a token pattern
that backtracks). Each is refused here in one line, so nothing downstream meets it as a
traceback or a hang. The rule: every part is what `train` would build from the config in
meta.json (same types, same parameters, same patterns), its fitted arrays have the shapes
the taxonomy implies, and its classifiers give finite probabilities for a row of features.
"""

from __future__ import annotations

import numpy as np

from newstag.config import config_from_dict
from newstag.errors import ModelError, one_line
from newstag.model.calibration import CalibratedClassifier
from newstag.model.cues import CueCounter
from newstag.model.features import CompactTfidf, text_features
from newstag.model.patterns import PatternCounter
from newstag.model.spanfinder import OUTSIDE, SpanFinder, actors_by_word
from newstag.model.tagger import GroupClassifier, SentenceTagger, _classifier, span_finder

PROBE = ["Jets bombed the hospital on Tuesday, the ministry said."]


def check_tagger(tagger: SentenceTagger, meta: dict, where: str) -> None:
    """Refuse a tagger that is not what `train` builds from meta.json's config."""
    try:
        problem = _problem(tagger, meta)
    except (AttributeError, TypeError, ValueError, KeyError, IndexError) as error:
        problem = f"its parts are malformed ({one_line(error, 120)})"
    if problem:
        raise ModelError(
            f"{where} holds a damaged or crafted tagger: {problem}; it was not used. Retrain the "
            f"model with newstag train --force, or copy its folder again"
        )


def _problem(tagger: SentenceTagger, meta: dict) -> str | None:
    config = config_from_dict(meta["config"], "meta.json")
    if (
        type(tagger.__dict__.get("taxonomy")) is not type(config.taxonomy)
        or tagger.taxonomy != config.taxonomy
    ):
        return "its taxonomy differs from the config in meta.json"
    if tagger.__dict__.get("config") != config.model:
        return "its model settings differ from the config in meta.json"
    if {g.name: g.value_names for g in config.taxonomy.groups} != meta["labels"]:
        return "the labels in meta.json differ from its config's"
    if not {"features_", "classifiers_"} <= set(vars(tagger)):
        return "it is not fitted"
    return (
        _features_problem(tagger, config)
        or _classifiers_problem(tagger, config)
        or _prediction_problem(tagger)
        or _span_finders_problem(tagger, config)
    )


def _features_problem(tagger: SentenceTagger, config) -> str | None:
    expected = text_features(config.model, config.taxonomy)
    found = tagger.features_
    if type(found) is not type(expected) or not isinstance(found.transformer_list, list):
        return "its features are not a FeatureUnion"
    shape = [(name, type(part)) for name, part in expected.transformer_list]
    if [(name, type(part)) for name, part in found.transformer_list] != shape:
        return f"its feature families are not {[name for name, _ in shape]}"
    for (name, part), (_, fresh) in zip(found.transformer_list, expected.transformer_list, strict=True):
        if _params(part) != _params(fresh):
            return f"its {name} features have other parameters than train sets"
        if isinstance(fresh, CueCounter | PatternCounter):  # their patterns run with `re`: none of the file's
            fresh.fit(PROBE)
            for attribute in ("patterns_", "context_patterns_", "agent_patterns_", "n_features_out_"):
                if vars(part).get(attribute) != getattr(fresh, attribute, None):
                    return f"its {name} features hold patterns of their own"
    return None


def _params(estimator) -> dict:
    """Parameters as comparable plain values (an estimator parameter by its class and params)."""
    return {
        key: (type(value), _params(value)) if hasattr(value, "get_params") else value
        for key, value in estimator.get_params(deep=False).items()
    }


def _classifiers_problem(tagger: SentenceTagger, config) -> str | None:
    classifiers = tagger.classifiers_
    names = [group.name for group in config.taxonomy.groups]
    if not isinstance(classifiers, dict) or list(classifiers) != names:
        return f"its classifiers are not one per group {names}"
    for group in config.taxonomy.groups:
        found = classifiers[group.name]
        if type(found) is not GroupClassifier or found.__dict__.get("group") != group:
            return f"its {group.name} classifier is not a GroupClassifier of that group"
        inner = found.__dict__.get("classifier_")
        if type(inner) is not CalibratedClassifier or _params(inner) != _params(_classifier(config.model)):
            return f"its {group.name} classifier is not the calibrated classifier train makes"
        problem = _columns_problem(found, inner, len(group.values), group.multiple)
        if problem:
            return f"its {group.name} classifier {problem}"
    return None


def _columns_problem(found: GroupClassifier, inner: CalibratedClassifier, values: int, multiple: bool):
    columns, thresholds = found.__dict__.get("columns_"), found.__dict__.get("thresholds_")
    if not isinstance(columns, np.ndarray) or columns.ndim != 1 or columns.dtype.kind not in "iu":
        return "has no integer columns"
    if len(set(columns.tolist())) != len(columns) or not all(0 <= c < values for c in columns.tolist()):
        return f"has columns outside the group's {values} values, or repeated"
    if len(getattr(inner, "estimators_", ())) not in (len(columns), 1) or not hasattr(inner, "calibrators_"):
        return "is not fitted for its columns"
    if multiple != (thresholds is not None):
        return "has thresholds where its group has none, or none where it needs them"
    if thresholds is not None and (
        not isinstance(thresholds, np.ndarray)
        or thresholds.shape != (values,)
        or not np.all(np.isfinite(thresholds))
        or not np.all((thresholds >= 0) & (thresholds <= 1))
    ):
        return "has thresholds that are not one probability per value"
    return None


def _feature_width(tagger: SentenceTagger) -> int:
    """The number of feature columns the fitted parts give, read from their fitted attributes
    (computing features would load the sentence encoder, which the caller may never need)."""
    width = 0
    for _, part in tagger.features_.transformer_list:
        if isinstance(part, CompactTfidf):
            columns = sorted(part.vocabulary_.values())
            if columns != list(range(len(part.idf_))):
                raise ValueError("a tfidf vocabulary does not match its weights")
            width += len(columns)
        else:
            width += int(vars(part)["n_features_out_"])
    return width


def _prediction_problem(tagger: SentenceTagger) -> str | None:
    """Each group's classifier on an all-zero feature row: it takes the features' width and
    gives one probability per value."""
    from scipy.sparse import csr_matrix

    try:
        row = csr_matrix((1, _feature_width(tagger)))
        probabilities = {name: found.predict_proba(row) for name, found in tagger.classifiers_.items()}
    except Exception as error:  # noqa: BLE001 (any failure of a crafted object is the file's fault)
        return f"it cannot predict ({type(error).__name__}: {one_line(error, 120)})"
    for group in tagger.taxonomy.groups:
        found = probabilities[group.name]
        if not isinstance(found, np.ndarray) or found.shape != (1, len(group.values)):
            return f"it predicts the wrong shape for {group.name}"
        if not np.all(np.isfinite(found)) or not np.all((found >= 0) & (found <= 1)):
            return f"it predicts probabilities outside 0..1 for {group.name}"
    return None


def _span_finders_problem(tagger: SentenceTagger, config) -> str | None:
    """Span finders (a model trained before them has none): one per span group of the
    taxonomy at most, each what `train` builds from the config's alias table, its regression
    fitted on the features it computes, with finite weights."""
    finders = vars(tagger).get("span_finders_", {})
    if not isinstance(finders, dict) or not set(finders) <= set(config.taxonomy.span_names):
        return f"its span finders are not one per span group {list(config.taxonomy.span_names)}"
    expected = span_finder(config.parties, config.model)
    for name, finder in finders.items():
        if type(finder) is not SpanFinder or _params(finder) != _params(expected):
            return f"its {name} span finder is not the one train builds from the config's parties"
        if vars(finder).get("actors_of_") != actors_by_word(expected.aliases):
            return f"its {name} span finder holds aliases of its own"
        regression = vars(finder).get("classifier_")
        fresh = expected.regression()
        if type(regression) is not type(fresh) or _params(regression) != _params(fresh):
            return f"its {name} span finder's classifier is not the logistic regression train fits"
        coef, intercept = vars(regression).get("coef_"), vars(regression).get("intercept_")
        classes = vars(regression).get("classes_")
        if not all(isinstance(a, np.ndarray) for a in (coef, intercept, classes)):
            return f"its {name} span finder is not fitted"
        if coef.ndim != 2 or coef.shape[0] != len(intercept) or coef.shape[1] != finder.n_features_in_:
            return f"its {name} span finder's weights do not fit its features"
        if (
            not np.all(np.isfinite(coef))
            or not set(classes.tolist()) <= {OUTSIDE, 1, 2}
            or OUTSIDE not in classes
        ):
            return f"its {name} span finder has weights or classes it cannot have"
    return None
