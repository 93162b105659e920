"""Feature families, named in `[model] features` and joined with "+": "tfidf" (word and
character n-grams), "cues" (the taxonomy's cue-word counts), "patterns" (denying, blaming
and who stands where a perpetrator stands), "embeddings" (sentence embeddings; needs the
optional extra), "finetuned" (the same encoder, its top layer fine-tuned on the labels, named
parties masked: `finetune`), "finetuned_context" (the same, reading each sentence beside its
title and neighbours)."""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from newstag.config import ModelConfig
from newstag.errors import ConfigError
from newstag.model.cues import CueCounter, cue_table
from newstag.model.patterns import PatternCounter
from newstag.taxonomy import Taxonomy

FAMILIES = ("tfidf", "cues", "patterns", "embeddings", "finetuned", "finetuned_context")


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
            ("words", CompactTfidf(ngram_range=(1, 2), sublinear_tf=True, lowercase=True)),
            ("chars", CompactTfidf(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)),
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
    for family in ("finetuned", "finetuned_context"):
        if family in parts:
            transformers.append(
                (family, _fine_tuned(config, taxonomy, context=family == "finetuned_context"))
            )
    return FeatureUnion(transformers)


def _fine_tuned(config: ModelConfig, taxonomy: Taxonomy, context: bool):
    from newstag.model.embeddings import require_embeddings
    from newstag.model.finetune import FineTunedEncoder

    require_embeddings()
    groups = tuple((g.name, tuple(g.value_names), g.multiple) for g in taxonomy.groups)
    parties = tuple(cue for value in taxonomy.group(config.agents).values for cue in value.cues)
    return FineTunedEncoder(groups, parties, random_state=config.random_state, context=context)


class CompactTfidf(TfidfVectorizer):
    """A TfidfVectorizer whose vocabulary is saved as two arrays. skops saves a dict entry by
    entry, and the n-grams of three groups took longer to load than the rest of `newstag tag`."""

    def __getstate__(self):
        state = dict(super().__getstate__())  # object.__getstate__ gives __dict__ itself
        vocabulary = state.pop("vocabulary_", None)
        if vocabulary is not None:
            state["vocabulary_terms_"] = np.array(list(vocabulary), dtype=str)
            state["vocabulary_columns_"] = np.fromiter(
                vocabulary.values(), dtype=np.int64, count=len(vocabulary)
            )
        return state

    def __setstate__(self, state):
        state = dict(state)
        terms = state.pop("vocabulary_terms_", None)
        columns = state.pop("vocabulary_columns_", None)
        if terms is not None:
            state["vocabulary_"] = dict(zip(terms.tolist(), columns.tolist(), strict=True))
        super().__setstate__(state)
