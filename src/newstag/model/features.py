"""Feature families, named in `[model] features` and joined with "+": "tfidf" (word and
character n-grams), "cues" (the taxonomy's cue-word counts), "patterns" (denying, blaming
and who stands where a perpetrator stands), "embeddings" (sentence embeddings; needs the
optional extra)."""

from __future__ import annotations

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from newstag.config import ModelConfig
from newstag.errors import ConfigError
from newstag.model.cues import CueCounter, cue_table
from newstag.model.patterns import PatternCounter
from newstag.taxonomy import Taxonomy

FAMILIES = ("tfidf", "cues", "patterns", "embeddings")


def feature_parts(features: str) -> list[str]:
    parts = [part.strip() for part in features.split("+")]
    unknown = [part for part in parts if part not in FAMILIES]
    if unknown or len(set(parts)) != len(parts):
        raise ConfigError(
            f"[model] features = {features!r}: use one or more of {list(FAMILIES)} joined by '+', "
            f"each once (e.g. 'tfidf+cues')"
        )
    return parts


def text_features(config: ModelConfig, taxonomy: Taxonomy) -> FeatureUnion:
    parts = feature_parts(config.features)
    transformers = []
    if "tfidf" in parts:
        transformers += [
            ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, lowercase=True)),
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)),
        ]
    if "cues" in parts:
        transformers.append(("cues", CueCounter(cue_table(taxonomy))))
    if "patterns" in parts:
        agents = taxonomy.group(config.agents).values
        transformers.append(("patterns", PatternCounter(tuple((v.name, v.cues) for v in agents))))
    if "embeddings" in parts:
        from newstag.model.embeddings import SentenceEmbedder, require_embeddings

        require_embeddings()
        transformers.append(("embeddings", SentenceEmbedder()))
    return FeatureUnion(transformers)
