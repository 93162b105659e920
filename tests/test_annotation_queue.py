"""The annotation queue on given arrays: uncertainty, diversity, task ordering."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from newstag.assist.annotation_queue import (
    diverse_order,
    group_uncertainty,
    queue_tasks,
    rank,
    text_vectors,
    uncertainty,
    unlabelled,
)
from newstag.cli.main import app
from newstag.errors import InputError

from .conftest import assert_one_line_error


def test_single_choice_entropy_and_margin(taxonomy):
    group = taxonomy.group("claim_status")
    p = np.array([[1.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3], [0.5, 0.5, 0.0]])
    entropy = group_uncertainty(group, p, 0.35)
    # 0 and 1 are clipped to odds.EPSILON (1e-6) first: a certain answer is near 0, not 0.
    assert entropy[0] == pytest.approx(0, abs=1e-4) and entropy[1] == pytest.approx(1)
    assert 0 < entropy[2] < 1
    margin = group_uncertainty(group, p, 0.35, "margin")
    assert margin[0] == pytest.approx(0, abs=1e-4) and margin[2] == pytest.approx(1)


def test_multiple_choice_is_most_uncertain_at_the_threshold(taxonomy):
    group = taxonomy.group("attack_type")
    k = len(group.values)
    at_threshold = np.full((1, k), 0.01)
    at_threshold[0, 0] = 0.35
    at_half = np.full((1, k), 0.01)
    at_half[0, 0] = 0.5
    sure = np.full((1, k), 0.01)
    sure[0, 0] = 0.99
    values = [group_uncertainty(group, p, 0.35)[0] for p in (at_threshold, at_half, sure)]
    assert values[0] == pytest.approx(1) and values[0] > values[1] > values[2]


def test_uncertainty_averages_the_groups(taxonomy):
    n = 2
    probabilities = {g.name: np.full((n, len(g.values)), 1 / len(g.values)) for g in taxonomy.groups}
    probabilities["claim_status"] = np.array([[1 / 3] * 3, [1.0, 0, 0]])
    u = uncertainty(taxonomy, probabilities, 0.35)
    assert u[0] > u[1] and u[0] <= 1
    with pytest.raises(InputError, match="not known"):
        uncertainty(taxonomy, probabilities, 0.35, "random")


def test_diversity_pushes_near_copies_down():
    texts = [
        "Russian jets bombed the hospital in Idlib",
        "Russian jets bombed the hospital in Idlib on Monday",
        "The UN called for an end to the siege of Madaya",
        "Rebels shelled a clinic in Aleppo",
    ]
    scores = np.array([0.9, 0.89, 0.6, 0.5])
    vectors = text_vectors(texts)
    plain = [item.index for item in diverse_order(scores, vectors, diversity=0.0)]
    guarded = [item.index for item in diverse_order(scores, vectors, diversity=0.5)]
    assert plain == [0, 1, 2, 3]
    assert guarded[0] == 0 and guarded.index(1) > guarded.index(2)
    items = diverse_order(scores, vectors, diversity=0.5)
    assert items[0].redundancy == 0 and max(i.redundancy for i in items) > 0.5


def test_limit_orders_the_rest_by_score():
    vectors = text_vectors(["alpha beta", "gamma delta", "epsilon", "omega"])
    order = [i.index for i in diverse_order(np.array([0.1, 0.4, 0.3, 0.2]), vectors, 0.3, limit=1)]
    assert order == [1, 2, 3, 0]
    with pytest.raises(InputError, match="between 0 and 1"):
        diverse_order(np.zeros(4), vectors, 2.0)


def test_rank_on_empty_input(taxonomy):
    assert rank([], {}, taxonomy, 0.35) == []


def test_texts_without_words_still_get_vectors():
    assert text_vectors(["!", "?"]).shape[0] == 2


def test_unlabelled_ignores_cancelled_annotations():
    tasks = [
        {"data": {}, "annotations": [{"was_cancelled": False}]},
        {"data": {}, "annotations": [{"was_cancelled": True}]},
        {"data": {}},
    ]
    assert unlabelled(tasks) == [1, 2]


@pytest.fixture(scope="module")
def saved(trained_model_dir):
    from newstag.model.persist import load_model

    return load_model(trained_model_dir)


def test_queue_tasks_keeps_task_data_and_numbers_the_order(saved, in_project):
    tasks = json.loads((in_project / "tests" / "data" / "labelstudio" / "tasks.json").read_text())
    ordered = queue_tasks(tasks, saved)
    assert len(ordered) == len(unlabelled(tasks))
    assert [t["data"]["queue_rank"] for t in ordered] == list(range(1, len(ordered) + 1))
    assert {t["data"]["sentence_id"] for t in ordered} == {
        tasks[i]["data"]["sentence_id"] for i in unlabelled(tasks)
    }
    assert all(0 <= t["meta"]["newstag_uncertainty"] <= 1 for t in ordered)


def test_queue_command_writes_the_ordered_file(trained_model_dir, in_project, tmp_path):
    tasks = in_project / "tests" / "data" / "labelstudio" / "tasks.json"
    out = tmp_path / "queue.json"
    result = CliRunner().invoke(app, ["queue", str(tasks), "--model", str(trained_model_dir), "-o", str(out)])
    assert result.exit_code == 0, result.output
    ordered = json.loads(out.read_text())
    assert ordered[0]["data"]["queue_rank"] == 1
    assert "queued" in result.stderr
    again = ["queue", str(tasks), "--model", str(trained_model_dir), "-o", str(out)]
    assert_one_line_error(CliRunner().invoke(app, again), "pass --force")
    assert CliRunner().invoke(app, [*again, "--force"]).exit_code == 0


@pytest.mark.studio
def test_the_queue_becomes_a_tab_ordered_by_rank(saved, studio_project, studio_tasks):
    from newstag.labelstudio import client, views

    client.import_tasks(studio_project, studio_tasks)
    progress = []
    result = views.apply_queue(
        studio_project, saved, progress=lambda done, total: progress.append((done, total))
    )
    assert result.ranked == len(studio_tasks)
    assert progress == [(done, len(studio_tasks)) for done in range(1, len(studio_tasks) + 1)]
    sdk = studio_project.connection.sdk
    [tab] = [v for v in sdk.views.list(project=studio_project.id) if v.data.get("title") == views.QUEUE_VIEW]
    assert tab.data["ordering"] == ["tasks:data.queue_rank"]
    ranks = sorted(sdk.tasks.get(i).data["queue_rank"] for i in client.task_ids(studio_project).values())
    assert ranks == list(range(1, len(studio_tasks) + 1))
    in_tab = [t.data["queue_rank"] for t in sdk.tasks.list(project=studio_project.id, view=tab.id)]
    assert in_tab == sorted(in_tab)  # the tab serves the tasks in queue order
    assert views.apply_queue(studio_project, saved).ranked == len(studio_tasks)  # again: same tab
    titles = [v.data.get("title") for v in sdk.views.list(project=studio_project.id)]
    assert titles.count(views.QUEUE_VIEW) == 1


def test_the_most_uncertain_task_comes_first(saved, in_project):
    """Without the diversity guard the queue is uncertainty, highest first; reversing the
    order or zeroing the uncertainty fails here."""
    tasks = json.loads((in_project / "tests" / "data" / "labelstudio" / "tasks.json").read_text())
    shown = [t["meta"]["newstag_uncertainty"] for t in queue_tasks(tasks, saved, diversity=0.0)]
    assert shown == sorted(shown, reverse=True) and shown[0] > shown[-1] > 0


def test_the_queue_measures_uncertainty_at_the_models_thresholds(saved, in_project):
    tasks = json.loads((in_project / "tests" / "data" / "labelstudio" / "tasks.json").read_text())
    texts = [t["data"]["text"] for t in tasks]
    # Per-value thresholds unlike the single one, whatever cross-validation chose on the small
    # export (with so few examples it may keep the single threshold for every value).
    for classifier in saved.tagger.classifiers_.values():
        if classifier.thresholds_ is not None:
            classifier.thresholds_ = np.linspace(0.05, 0.6, len(classifier.thresholds_))
    probabilities = saved.tagger.predict_proba(texts)
    learned = uncertainty(saved.tagger.taxonomy, probabilities, saved.tagger.thresholds())
    single = uncertainty(saved.tagger.taxonomy, probabilities, saved.tagger.config.threshold)
    assert not np.allclose(learned, single, atol=1e-3)  # else this test could not tell them apart
    by_id = {t["data"]["sentence_id"]: t["meta"]["newstag_uncertainty"] for t in queue_tasks(tasks, saved)}
    assert [by_id[t["data"]["sentence_id"]] for t in tasks] == pytest.approx(learned, abs=1e-4)
