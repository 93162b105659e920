import dataclasses

import pytest

from newstag.config import config_to_dict
from newstag.evaluation.report import model_card, summary_table
from newstag.model.training import train_model


@pytest.fixture(scope="module")
def trained(small_dataset, config):
    return train_model(small_dataset, config)


def test_meta_holds_thresholds_and_cross_validated_scores_with_baselines(trained, config):
    meta = trained.meta
    assert set(meta["thresholds"]) == {"attack_type", "actor"}
    assert list(meta["thresholds"]["actor"]) == config.taxonomy.group("actor").value_names
    assert all(0 < t < 1 for values in meta["thresholds"].values() for t in values.values())
    metrics = meta["metrics"]
    assert metrics["scheme"] == "leave-one-article-out" and metrics["articles"] == 3
    assert {"model", "majority_baseline", "cue_baseline", "calibration"} <= set(metrics)
    assert meta["baselines"]["majority"]["claim_status"] == ["claim"]
    assert meta["config"] == config_to_dict(config)  # resolved: every default filled in
    assert not hasattr(trained.tagger, "majority_")  # baselines are metadata, not the model


def test_model_card_shows_scores_baselines_and_the_quality_table(trained):
    card = model_card(trained.meta, "| family | x |\n|---|---|")
    assert summary_table(trained.meta["metrics"]) in card
    assert "| family | x |" in card and "threshold" in card


def test_without_cross_validation_there_are_no_metrics(small_dataset, config):
    cheap = dataclasses.replace(config, model=dataclasses.replace(config.model, features="cues"))
    meta = train_model(small_dataset, cheap, cross_validate=False).meta
    assert meta["metrics"] == {} and "No cross-validation" in model_card(meta)


def test_model_version_follows_data_and_config(config):
    from newstag.config import config_from_dict, config_to_dict
    from newstag.model.training import model_version

    raw = config_to_dict(config)
    other = config_from_dict(dict(raw, model={**raw["model"], "C": 1.0}))
    assert model_version("a" * 64, config) == model_version("a" * 64, config)
    assert model_version("a" * 64, config) != model_version("b" * 64, config)
    assert model_version("a" * 64, config) != model_version("a" * 64, other)
