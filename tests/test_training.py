import dataclasses
import json

import pytest
from typer.testing import CliRunner

from newstag.cli.main import app
from newstag.config import config_to_dict
from newstag.evaluation.report import model_card, summary_table
from newstag.model.training import train_model

from .conftest import ROOT


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
    assert meta["metrics"] == {} and "no cross-validated scores: it was trained without" in model_card(meta)


def test_model_version_follows_data_and_config(config):
    from newstag.config import config_from_dict, config_to_dict
    from newstag.model.training import model_version

    raw = config_to_dict(config)
    other = config_from_dict(dict(raw, model={**raw["model"], "C": 1.0}))
    assert model_version("a" * 64, config) == model_version("a" * 64, config)
    assert model_version("a" * 64, config) != model_version("b" * 64, config)
    assert model_version("a" * 64, config) != model_version("a" * 64, other)


# --- small data gets a clear answer ---


def seed_tasks(articles: int, per_article: int | None = None) -> list[dict]:
    tasks = json.loads((ROOT / "labeling" / "seed_annotations.json").read_text(encoding="utf-8"))
    chosen = sorted({t["data"]["article_id"] for t in tasks})[:articles]
    kept = [t for t in tasks if t["data"]["article_id"] in chosen]
    return kept if per_article is None else kept[:per_article]


def write(tmp_path, tasks, name="export.json"):
    path = tmp_path / name
    path.write_text(json.dumps(tasks), encoding="utf-8")
    return path


def test_one_article_trains_and_says_it_has_no_cross_validated_scores(tmp_path):
    data, model = write(tmp_path, seed_tasks(1, 12)), tmp_path / "model"
    trained = CliRunner().invoke(app, ["train", "--data", str(data), "-o", str(model)])
    assert trained.exit_code == 0, trained.output
    reason = "no cross-validated scores: cross-validation by article needs labelled sentences from at least 2"
    assert reason in trained.output
    assert "too few examples (under 5) to learn or score these values: attack_type:" in trained.output
    assert reason in (model / "README.md").read_text(encoding="utf-8")
    shown = CliRunner().invoke(app, ["info", "--model", str(model)])
    assert reason in shown.stdout and "Small data: too few examples" in shown.stdout


def test_a_model_trained_without_cross_validation_says_so(tmp_path):
    data, model = write(tmp_path, seed_tasks(2)), tmp_path / "model"
    assert (
        CliRunner()
        .invoke(app, ["train", "--data", str(data), "-o", str(model), "--no-cross-validate"])
        .exit_code
        == 0
    )
    card = (model / "README.md").read_text(encoding="utf-8")
    assert "no cross-validated scores: it was trained without (--no-cross-validate" in card
    assert "not a score of this model" not in card  # no --quality, no benchmark table


def test_the_benchmark_table_is_labelled_as_not_this_models_score(tmp_path):
    data, model = write(tmp_path, seed_tasks(2)), tmp_path / "model"
    args = [
        "train",
        "--data",
        str(data),
        "-o",
        str(model),
        "--quality",
        str(ROOT / "benchmarks" / "QUALITY.md"),
    ]
    assert CliRunner().invoke(app, args).exit_code == 0
    assert "benchmark on the seed sentences (benchmarks/quality.py), not a score of this model" in (
        model / "README.md"
    ).read_text(encoding="utf-8")


def assert_ends_in_one_line_error(result, fragment: str) -> None:
    """Progress and small-data lines first, then the error as one line, no traceback."""
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    last = result.stderr.splitlines()[-1]
    assert last.startswith("newstag: error: ") and fragment in last, result.stderr


def test_review_on_one_article_is_a_one_line_error(tmp_path):
    result = CliRunner().invoke(app, ["review", str(write(tmp_path, seed_tasks(1, 3)))])
    assert_ends_in_one_line_error(result, "needs labelled sentences from at least 2 articles, the data has 1")


def test_review_when_a_fold_cannot_learn_is_a_one_line_error(tmp_path, monkeypatch):
    # With no reference: a models/default trained in this checkout (`make demo`) would
    # otherwise lend its training data, and every fold could learn.
    monkeypatch.setattr("newstag.cli.review.DEFAULT_MODEL", tmp_path / "no-model")
    three_each = [t for t in seed_tasks(2) if t["data"]["index"] < 3]  # every one a claim
    result = CliRunner().invoke(app, ["review", str(write(tmp_path, three_each))])
    assert_ends_in_one_line_error(result, "leaving out 000_2d15d2f2265082b8, every sentence has the same")


def test_the_final_fit_keeps_articles_whole_in_its_calibration_and_threshold_folds(
    small_dataset, config, monkeypatch
):
    """The inner folds of the final fit, like those of the cross-validation, never split an
    article: a spy on the splitter records every (train, test) it hands out."""
    from newstag.model import calibration

    handed_out = []

    def spy(n, articles, cv):
        splits = real(n, articles, cv)
        handed_out.extend(splits)
        return splits

    real = calibration._splits
    monkeypatch.setattr(calibration, "_splits", spy)
    cheap = dataclasses.replace(config, model=dataclasses.replace(config.model, features="cues"))
    train_model(small_dataset, cheap, cross_validate=False)
    articles = list(small_dataset["article_id"])
    assert handed_out
    for train, test in handed_out:
        split = {articles[i] for i in train} & {articles[i] for i in test}
        assert not split, f"articles {sorted(split)} on both sides of an inner fold"
