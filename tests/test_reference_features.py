"""A reference set's features: fitted once, reused from the cache by a second review, and
recomputed when the reference changes."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from newstag.model import reference_features as module


def cheap(config, features="tfidf+cues"):
    return dataclasses.replace(config, model=dataclasses.replace(config.model, features=features))


@pytest.fixture
def seeds_and_batch(in_project, config):
    from newstag.annotate.dataset import load_labelled
    from newstag.assist.label_errors import labelled

    seeds = load_labelled("labeling/seed_annotations.json", config.taxonomy)
    batch = load_labelled("labeling/corpus/syr-a.json", config.taxonomy)
    return seeds, batch, labelled(batch, config.taxonomy)


def test_a_second_review_reuses_the_references_features(seeds_and_batch, config, fits):
    from newstag.assist.label_errors import review

    seeds, batch, _ = seeds_and_batch
    settings = cheap(config)
    first = review(seeds, settings, reference=batch)
    second = review(seeds, settings, reference=batch)
    assert fits == [len(batch)]  # the whole batch: none of it is of the seeds' articles
    assert len(module._FITTED) == 1
    assert first == second


def test_a_changed_reference_is_fitted_again(seeds_and_batch, config, fits):
    """One label or one text of the reference changed: another key, features fitted again."""
    from newstag.model.validation import Labelled

    _, _, batch = seeds_and_batch
    settings = cheap(config)
    module.reference_features(batch.texts, batch.articles, batch.gold, settings)
    relabelled = {group: [list(labels) for labels in values] for group, values in batch.gold.items()}
    relabelled["claim_status"][0] = ["denial"] if relabelled["claim_status"][0] != ["denial"] else ["claim"]
    module.reference_features(batch.texts, batch.articles, relabelled, settings)
    edited = Labelled([batch.texts[0] + " Edited."] + batch.texts[1:], batch.articles, batch.gold)
    module.reference_features(edited.texts, edited.articles, edited.gold, settings)
    module.reference_features(batch.texts, batch.articles, batch.gold, cheap(config, "cues"))
    assert len(fits) == 4
    again = module.reference_features(edited.texts, edited.articles, edited.gold, settings)
    assert len(fits) == 4 and again.rows.shape[0] == len(batch.texts)


def test_the_context_is_part_of_the_key(config):
    from newstag.text.sentences import InContext

    gold = {"claim_status": [["claim"]]}
    keys = {
        module.content_key([InContext("A strike hit.", context)], np.array(["a"]), gold, config)
        for context in ("Title one", "Title two")
    }
    assert len(keys) == 2


def test_folds_fit_heads_on_the_same_rows_as_a_full_refit(seeds_and_batch, config, fits):
    """Shared features change only what the heads see, not which sentences they learn from."""
    from newstag.assist.label_errors import labelled
    from newstag.model.validation import article_folds

    seeds, _, batch = seeds_and_batch
    data, settings = labelled(seeds, config.taxonomy), cheap(config)
    arguments = (data.texts, data.articles, data.gold, settings, 5, None, batch)
    shared = list(article_folds(*arguments))
    refit = list(article_folds(*arguments, refit_features=True))
    assert fits == [len(batch.texts)]
    for one, other in zip(shared, refit, strict=True):
        assert one.trained_on.texts == other.trained_on.texts
        assert one.tagger.features_ is shared[0].tagger.features_
        assert list(one.test) == list(other.test)
        assert all(
            p.shape == (len(one.test), other.probabilities[g].shape[1]) for g, p in one.probabilities.items()
        )


def test_folds_fitted_in_two_processes_are_the_folds_fitted_here(seeds_and_batch, config, fits):
    """`jobs=2` fits the folds' heads in worker processes: the same models, in the same order."""
    from newstag.assist.label_errors import labelled
    from newstag.model.validation import article_folds

    seeds, _, batch = seeds_and_batch
    data, settings = labelled(seeds, config.taxonomy), cheap(config)
    arguments = (data.texts, data.articles, data.gold, settings, 5, None, batch)
    here = list(article_folds(*arguments))
    workers = list(article_folds(*arguments, jobs=2))
    assert fits == [len(batch.texts)]
    for one, other in zip(here, workers, strict=True):
        assert list(one.test) == list(other.test)
        assert other.tagger.features_ is one.tagger.features_
        for group, p in one.probabilities.items():
            np.testing.assert_array_equal(p, other.probabilities[group])
        for group, thresholds in one.tagger.thresholds().items():
            np.testing.assert_array_equal(thresholds, other.tagger.thresholds()[group])
