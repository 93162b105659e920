"""A reference set's features and calibration, computed once and reused by every fold of
cross-validation against it (`newstag review --with`).

Refitting the features and the calibrated heads on the whole reference in every fold cost
minutes, though the reference is most of every fold's training data. So the feature families
are fitted on the reference alone (already less the judged data's articles and sentences, so
even a family that learns from labels never sees the data's) and every reference row is
computed once; the heads are fitted once on the reference with their inner cross-validation,
and each fold keeps their calibration and thresholds and refits only one binary model per value
(`SentenceTagger.fit_heads`). The encoder runs from an ONNX graph built in memory
(`onnx_encoder.with_built_graphs`), as a saved model's does, not in torch: about twice as fast
on CPU, and torch is not imported (unless a "finetuned" family is fitted). The heads'
calibration, independent fits per value, runs in `jobs` processes. All of it stays in a
per-process cache (`LatestCache`, as the embeddings do) keyed by the SHA-256 of what it depends
on: the model settings, the taxonomy, and every reference sentence (text, context, article,
labels). A changed reference is another key, so it is never judged with stale features. Given a
folder, it is also kept on disk under the same key (`reference_store`), so that the next
`newstag review` process, which a user starts afresh, skips the encoding and the calibration.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from joblib import parallel_config
from sklearn.pipeline import FeatureUnion

from newstag.cache import LatestCache
from newstag.config import Config
from newstag.model import reference_store
from newstag.model.onnx_encoder import with_built_graphs
from newstag.model.tagger import SentenceTagger, fitted_features

MAX_CACHED = 2
"""Reference sets kept: the one being judged against, and one more (a few hundred MB at most)."""
_FITTED = LatestCache(MAX_CACHED)
"""content key -> ReferenceFeatures."""


@dataclass(frozen=True)
class ReferenceFeatures:
    key: str
    features: FeatureUnion
    """The feature families fitted on the reference."""
    rows: object
    """One feature row per reference sentence (a sparse or dense matrix)."""
    calibrated: SentenceTagger
    """Heads fitted on the reference, whose calibration and thresholds every fold keeps."""


def content_key(texts, articles, gold: dict, config: Config) -> str:
    """SHA-256 of the model settings, the taxonomy and every sentence with its context,
    article and labels, in order (the rows of `ReferenceFeatures.rows` follow it)."""
    digest = hashlib.sha256()
    digest.update(repr(config.model).encode())
    digest.update(repr(config.taxonomy).encode())
    groups = sorted(gold)
    for row, (text, article) in enumerate(zip(texts, articles, strict=True)):
        labels = [gold[group][row] for group in groups]
        line = [str(text), getattr(text, "context", ""), str(article), labels]
        digest.update(json.dumps(line, ensure_ascii=False).encode() + b"\n")
    return digest.hexdigest()


def reference_features(
    texts, articles, gold: dict, config: Config, store: Path | None = None, jobs: int = 1
) -> ReferenceFeatures:
    """The reference's fitted features, rows and calibrated heads, from the cache when the
    same reference was seen in this process, or stored in the folder `store` by an earlier one;
    else computed, the heads' fits in `jobs` processes."""
    key = content_key(texts, articles, gold, config)
    cached = _FITTED.get_many([key])
    if key in cached:
        return cached[key]
    stored = reference_store.load(store, key, len(texts), config) if store is not None else None
    if stored is not None:
        calibrated, rows = stored
        with_built_graphs(calibrated.features_)  # the judged data's rows are encoded too
    else:
        features = fitted_features(config.model, config.taxonomy, list(texts), gold)
        with_built_graphs(features)
        rows = features.transform(list(texts))
        tagger = SentenceTagger(config.taxonomy, config.model)
        with parallel_config(n_jobs=jobs):
            calibrated = tagger.fit_heads(features, rows, gold, articles)
        if store is not None:
            reference_store.save(store, key, calibrated, rows)
    found = ReferenceFeatures(key, calibrated.features_, rows, calibrated)
    _FITTED.put_many({key: found})
    return found


def fold_heads(found: ReferenceFeatures, data_rows, folds, config: Config, jobs: int = 1):
    """Each fold's tagger, in order, from `folds`: (the data's training rows, the fold's training
    data, whose reference sentences come last). Its heads are fitted on those data rows and
    every reference row, keeping the reference's calibration (`SentenceTagger.fit_heads`), the
    folds in `jobs` processes: each fold is a few dozen single-threaded binary fits."""
    from joblib import Parallel, delayed

    calibration = copy.copy(found.calibrated)
    calibration.features_ = None  # the fits need only its heads; the features stay here
    tasks = (
        delayed(_heads)(config, stacked(data_rows[train], found.rows), training, calibration)
        for train, training in folds
    )
    if jobs > 1:
        fitted = Parallel(n_jobs=jobs, return_as="generator")(tasks)
    else:
        fitted = (function(*args, **kwargs) for function, args, kwargs in tasks)
    for tagger in fitted:
        tagger.features_ = found.features
        yield tagger


def _heads(config: Config, rows, training, calibrated: SentenceTagger) -> SentenceTagger:
    tagger = SentenceTagger(config.taxonomy, config.model)
    return tagger.fit_heads(None, rows, training.gold, training.articles, calibrated)


def stacked(top, bottom):
    """Feature rows one above the other, sparse when either is."""
    if sp.issparse(top) or sp.issparse(bottom):
        return sp.vstack([top, bottom], format="csr")
    return np.vstack([top, bottom])
