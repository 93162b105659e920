"""A reference set's features, computed once and reused by every fold of cross-validation against
it (`newstag review --with`).

Refitting and recomputing the features of the whole reference in every fold cost minutes; the
heads are all a fold needs. The feature families are fitted on the reference alone (already
less the judged data's articles and sentences, so even a family that learns from labels never
sees the data's), and every reference row is computed once. They stay in a per-process cache
(`LatestCache`, as the embeddings do) keyed by the SHA-256 of all they depend on: the feature
settings, the taxonomy, and every reference sentence (text, context, article, labels). A
changed reference is another key, so it is never judged with stale features.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.pipeline import FeatureUnion

from newstag.cache import LatestCache
from newstag.config import Config
from newstag.model.tagger import fitted_features

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


def content_key(texts, articles, gold: dict, config: Config) -> str:
    """SHA-256 of the feature settings, the taxonomy and every sentence with its context,
    article and labels, in order (the rows of `ReferenceFeatures.rows` follow it)."""
    digest = hashlib.sha256()
    digest.update(repr((config.model.features, config.model.agents, config.model.random_state)).encode())
    digest.update(repr(config.taxonomy).encode())
    groups = sorted(gold)
    for row, (text, article) in enumerate(zip(texts, articles, strict=True)):
        labels = [gold[group][row] for group in groups]
        line = [str(text), getattr(text, "context", ""), str(article), labels]
        digest.update(json.dumps(line, ensure_ascii=False).encode() + b"\n")
    return digest.hexdigest()


def reference_features(texts, articles, gold: dict, config: Config) -> ReferenceFeatures:
    """The reference's fitted features and rows, from the cache when the same reference was
    seen in this process."""
    key = content_key(texts, articles, gold, config)
    cached = _FITTED.get_many([key])
    if key in cached:
        return cached[key]
    features = fitted_features(config.model, config.taxonomy, list(texts), gold)
    found = ReferenceFeatures(key, features, features.transform(list(texts)))
    _FITTED.put_many({key: found})
    return found


def stacked(top, bottom):
    """Feature rows one above the other, sparse when either is."""
    if sp.issparse(top) or sp.issparse(bottom):
        return sp.vstack([top, bottom], format="csr")
    return np.vstack([top, bottom])
