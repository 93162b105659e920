"""The majority and cue-word baselines, fitted on training data and kept in the metadata."""

import json

from newstag.annotate.dataset import gold_labels
from newstag.model.baselines import baseline_labels, cue_baseline, cue_fallback, fit_baselines


def test_baselines_are_plain_data_fitted_on_the_training_labels(taxonomy, small_dataset):
    texts = list(small_dataset["text"])
    gold = gold_labels(small_dataset, taxonomy)
    baselines = fit_baselines(taxonomy, texts, gold)
    assert json.loads(json.dumps(baselines)) == baselines
    assert baselines["majority"]["claim_status"] == ["claim"]
    labels = baseline_labels(taxonomy, baselines, ["Russian jets bombed the hospital.", "Talks resumed."])
    assert labels["majority"] == [baselines["majority"]] * 2
    assert labels["cues"][0]["attack_type"] == ["air_strike"]


def test_cue_baseline_labels_are_consistent_and_follow_cues(taxonomy, small_dataset):
    texts = list(small_dataset["text"])
    gold = gold_labels(small_dataset, taxonomy)
    fallback = cue_fallback(taxonomy, texts, gold)
    labels = cue_baseline(taxonomy, ["Russian jets bombed the hospital.", "Moscow denied it."], fallback)
    assert labels[0]["attack_type"] == ["air_strike"] and labels[0]["actor"] == ["russia"]
    assert labels[1]["claim_status"] == ["denial"]
    assert all(taxonomy.violations(row) == [] for row in labels)
