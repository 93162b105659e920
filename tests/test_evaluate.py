import json

import numpy as np
import pytest
from typer.testing import CliRunner

from newstag.annotate.dataset import gold_labels
from newstag.cli.main import app
from newstag.evaluation.scores import reliability, score
from newstag.model.baselines import fit_baselines
from newstag.model.tagger import SentenceTagger
from newstag.model.validation import cross_validate_by_article, evaluate_tagger

from .conftest import assert_one_line_error


def _labels(rows):
    return {
        "attack_type": [r[0] for r in rows],
        "actor": [r[1] for r in rows],
        "claim_status": [r[2] for r in rows],
    }


GOLD = _labels(
    [
        (["air_strike"], ["russia"], ["claim"]),
        (["air_strike", "shelling_missile"], ["syrian_government"], ["claim"]),
        (["none"], ["none"], ["none"]),
    ]
)
PREDICTED = _labels(
    [
        (["air_strike"], ["russia"], ["claim"]),
        (["air_strike"], ["russia"], ["denial"]),
        (["none"], ["none"], ["none"]),
    ]
)


def test_score_per_value_group_and_example(taxonomy):
    report = score(taxonomy, GOLD, PREDICTED)
    attack = report["attack_type"]
    assert attack["values"]["shelling_missile"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    # russia predicted twice, right once: precision and recall differ, so a swap shows.
    russia = report["actor"]["values"]["russia"]
    assert russia == {"precision": 0.5, "recall": 1.0, "f1": pytest.approx(2 / 3), "support": 1}
    assert report["claim_status"]["values"]["claim"]["precision"] == 1.0
    assert report["claim_status"]["values"]["claim"]["recall"] == 0.5
    assert attack["macro_f1"] == pytest.approx((1 + 0 + 1) / 3)  # over values that occur
    assert attack["micro_f1"] == pytest.approx(2 * 3 / (3 + 4))
    assert attack["example_f1"] == pytest.approx((1 + 2 / 3 + 1) / 3)
    assert attack["hamming_loss"] == pytest.approx(1 / 21)
    assert "example_f1" not in report["claim_status"]
    claims = np.array(report["claim_status"]["confusion"])
    assert claims.tolist() == [[1, 1, 0], [0, 0, 0], [0, 0, 1]]
    actor = np.array(report["actor"]["confusion"])
    names = taxonomy.group("actor").value_names
    assert actor[names.index("syrian_government"), names.index("russia")] == 1
    json.dumps(report)


def test_reliability_of_perfect_and_of_overconfident_probabilities(taxonomy):
    gold = {
        "attack_type": [["air_strike"], ["none"]],
        "actor": [["russia"], ["none"]],
        "claim_status": [["claim"], ["none"]],
    }
    perfect = {
        g.name: np.array([[float(v in row) for v in g.value_names] for row in gold[g.name]])
        for g in taxonomy.groups
    }
    report = reliability(taxonomy, gold, perfect)
    assert report["actor"]["brier"] == 0 and report["actor"]["ece"] == 0
    wrong = {name: 1 - p for name, p in perfect.items()}
    assert reliability(taxonomy, gold, wrong)["actor"]["ece"] == pytest.approx(1)
    assert sum(b["count"] for b in report["attack_type"]["bins"]) == 2 * 7


@pytest.fixture(scope="module")
def small(small_dataset, taxonomy):
    texts = list(small_dataset["text"])
    return (
        texts,
        list(small_dataset["article_id"]),
        gold_labels(small_dataset, taxonomy),
    )


def test_cross_validation_never_trains_on_the_test_article(config, small, monkeypatch):
    texts, articles, gold = small
    seen = []
    fit = SentenceTagger.fit

    def recording_fit(self, train_texts, labels, articles=None):
        seen.append((set(train_texts), set(articles)))
        return fit(self, train_texts, labels, articles)

    monkeypatch.setattr(SentenceTagger, "fit", recording_fit)
    metrics = cross_validate_by_article(texts, articles, gold, config)
    assert len(seen) == len(set(articles))
    for (train_texts, train_articles), article in zip(seen, sorted(set(articles)), strict=True):
        assert article not in train_articles
        assert not train_texts & {t for t, a in zip(texts, articles, strict=True) if a == article}
    assert {"model", "majority_baseline", "cue_baseline", "calibration"} <= set(metrics)
    assert metrics["sentences"] == len(texts)


def test_evaluate_tagger_scores_model_and_baselines(config, small):
    texts, articles, gold = small
    tagger = SentenceTagger(config.taxonomy, config.model).fit(texts, gold, articles)
    metrics = evaluate_tagger(tagger, fit_baselines(config.taxonomy, texts, gold), texts, gold)
    assert (
        metrics["model"]["claim_status"]["micro_f1"]
        >= metrics["majority_baseline"]["claim_status"]["micro_f1"]
    )
    assert set(metrics["cue_baseline"]) == set(config.taxonomy.group_names)


def test_evaluate_command_prints_the_report_and_writes_the_files(
    small_dataset, in_project, tmp_path, trained_model_dir, small_export_path
):
    out = tmp_path / "report"
    result = CliRunner().invoke(
        app, ["evaluate", str(small_export_path), "--model", str(trained_model_dir), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "| attack_type |" in result.stdout and "cue words" in result.stdout
    names = {p.name for p in out.iterdir()}
    assert {"metrics.json", "report.md", "reliability.png", "confusion_actor.png"} <= names
    assert (out / "reliability.png").read_bytes()[:4] == b"\x89PNG"
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["scheme"] == "held-out data" and metrics["sentences"] == len(small_dataset)
    again = ["evaluate", str(small_export_path), "--model", str(trained_model_dir), "-o", str(out)]
    assert_one_line_error(CliRunner().invoke(app, again), "pass --force")
    assert CliRunner().invoke(app, [*again, "--force"]).exit_code == 0


def test_evaluate_command_errors_in_one_line(in_project, tmp_path, trained_model_dir):
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    result = CliRunner().invoke(app, ["evaluate", str(bad), "--model", str(trained_model_dir)])
    assert_one_line_error(result, "not a JSON file")


def test_many_articles_are_grouped_into_folds_never_split():
    from newstag.model.validation import fold_indices

    articles = np.repeat([f"a{i}" for i in range(25)], 3)
    folds = fold_indices(articles, folds=10)
    assert len(folds) == 10
    tested = np.concatenate([test for _, test in folds])
    assert sorted(tested) == list(range(len(articles)))
    for train, test in folds:
        assert not set(articles[train]) & set(articles[test])
    assert len(fold_indices(articles[:9], folds=10)) == 3
