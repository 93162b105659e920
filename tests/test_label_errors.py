"""Likely label errors on given arrays, then on the seeds out of fold."""

from __future__ import annotations

import json

import numpy as np
import pytest

from newstag.assist.label_errors import OutOfFold, class_thresholds, confident_flags, likely_errors

from .conftest import assert_one_line_error

P = np.array(
    [
        [0.9, 0.1, 0.0],
        [0.8, 0.2, 0.0],
        [0.2, 0.8, 0.0],
        [0.3, 0.7, 0.0],
        [0.86, 0.14, 0.0],  # labelled 1, but the model is as sure of 0 as on true 0s
        [0.1, 0.1, 0.8],
    ]
)
LABELS = np.array([0, 0, 1, 1, 1, 2])


def test_thresholds_are_mean_self_confidence():
    t = class_thresholds(LABELS, P)
    assert t[0] == pytest.approx(0.85) and t[1] == pytest.approx((0.8 + 0.7 + 0.14) / 3)
    assert np.isinf(class_thresholds(np.array([0, 0]), np.array([[0.6, 0.4], [0.7, 0.3]]))[1])


def test_confident_flags_find_the_mislabelled_row():
    flagged, suggested, margin = confident_flags(LABELS, P)
    assert flagged.tolist() == [False, False, False, False, True, False]
    assert suggested[4] == 0 and margin[4] == pytest.approx(0.14 - 0.86)
    assert margin[0] == pytest.approx(0.8)


def labels(claim, attack=("air_strike",)):
    return {"claim_status": [claim], "attack_type": list(attack), "actor": ["russia"]}


def test_likely_errors_single_and_multiple(taxonomy):
    claim = taxonomy.group("claim_status").value_names  # claim, denial, none
    attack = taxonomy.group("attack_type").value_names
    rows = [labels("claim"), labels("claim"), labels("denial"), labels("denial"), labels("claim")]
    rows[3] = labels("denial", ("air_strike", "unspecified"))
    gold = {g: [r[g] for r in rows] for g in ("claim_status", "attack_type", "actor")}
    p_claim = np.array([[0.9, 0.1, 0], [0.8, 0.2, 0], [0.1, 0.9, 0], [0.2, 0.8, 0], [0.1, 0.9, 0]])
    p_attack = np.zeros((5, len(attack)))
    p_attack[:, attack.index("air_strike")] = 0.9
    p_attack[:, attack.index("unspecified")] = [0.1, 0.1, 0.1, 0.05, 0.1]  # row 3: unlikely
    actor = taxonomy.group("actor").value_names
    p_actor = np.zeros((5, len(actor)))
    p_actor[:, actor.index("russia")] = 0.9
    probabilities = {"claim_status": p_claim, "attack_type": p_attack, "actor": p_actor}
    oof = OutOfFold(
        probabilities,
        [labels("denial") for _ in rows],
        {g: np.ones(p.shape, dtype=bool) for g, p in probabilities.items()},
        {g: np.full(p.shape, 0.5) for g, p in probabilities.items() if g != "claim_status"},
    )
    suspects = likely_errors(taxonomy, gold, oof)
    by_key = {(s.row, s.group): s for s in suspects}
    wrong_claim = by_key[(4, "claim_status")]
    assert wrong_claim.suggested == ["denial"] and wrong_claim.changes == ["-claim", "+denial"]
    assert claim[0] == "claim"
    extra = by_key[(3, "attack_type")]
    assert extra.changes == ["-unspecified"] and extra.suggested == ["air_strike"]
    assert suspects[0].margin == min(s.margin for s in suspects)
    assert all(s.margin < 0 for s in suspects)


def test_the_margin_guard_keeps_a_preferred_label(taxonomy):
    """A rare class's low mean self-confidence makes confident learning doubt a row whose
    given label the model still prefers (margin > 0); review does not flag it."""
    gold = {"claim_status": [["claim"], ["claim"], ["denial"], ["claim"]]}
    p = np.array([[0.9, 0.1, 0], [0.9, 0.1, 0], [0.85, 0.15, 0], [0.6, 0.4, 0]])
    flagged, _, margin = confident_flags(np.array([0, 0, 1, 0]), p)
    assert flagged[3] and margin[3] > 0  # confident learning alone would flag row 3
    rest = {g.name: np.zeros((4, len(g.values))) for g in taxonomy.groups if g.name != "claim_status"}
    oof = OutOfFold(
        {"claim_status": p, **rest},
        [{"claim_status": ["denial"]}] * 4,
        {
            "claim_status": np.ones(p.shape, dtype=bool),
            **{g: np.zeros(x.shape, dtype=bool) for g, x in rest.items()},
        },
        {g: np.full(x.shape, 0.5) for g, x in rest.items()},
    )
    gold.update({g: [["none"]] * 4 for g in rest})
    assert [(s.row, s.group) for s in likely_errors(taxonomy, gold, oof)] == [(2, "claim_status")]


def test_values_a_fold_never_saw_are_not_judged(taxonomy):
    gold = {"claim_status": [["claim"], ["claim"], ["denial"]]}
    p = np.array([[0.9, 0.1, 0], [0.9, 0.1, 0], [1.0, 0.0, 0]])
    known = np.array([[True, True, True], [True, True, True], [True, False, True]])
    rest = {g.name: np.zeros((3, len(g.values))) for g in taxonomy.groups if g.name != "claim_status"}
    oof = OutOfFold(
        {"claim_status": p, **rest},
        [{}] * 3,
        {"claim_status": known, **{g: np.zeros(x.shape, dtype=bool) for g, x in rest.items()}},
        {g: np.full(x.shape, 0.5) for g, x in rest.items()},
    )
    gold.update({g: [["none"]] * 3 for g in rest})
    assert likely_errors(taxonomy, gold, oof) == []


def test_review_finds_suspects_in_the_seeds(in_project, config):
    from newstag.annotate.dataset import load_labelled
    from newstag.assist.label_errors import review

    dataset = load_labelled(in_project / "labeling" / "seed_annotations.json", config.taxonomy)
    found = review(dataset, config)
    assert found and all(r["given"] != r["suggested"] for r in found)
    assert [r["margin"] for r in found] == sorted(r["margin"] for r in found)


def test_review_command_lists_suspects(in_project, small_export_path):
    from typer.testing import CliRunner

    from newstag.cli.main import app

    result = CliRunner().invoke(app, ["review", "labeling/seed_annotations.json", "--limit", "3", "--json"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 3 and {"given", "suggested", "margin", "sentence_id"} <= set(rows[0])
    assert "likely errors among 169 sentences" in result.stderr
    result = CliRunner().invoke(app, ["review"])
    assert_one_line_error(result, "--project")


@pytest.mark.studio
def test_suspects_go_into_a_review_tab(studio_project, studio_tasks):
    from newstag.labelstudio import client, views

    client.import_tasks(studio_project, studio_tasks)
    ids = client.task_ids(studio_project)
    views.show_tasks(studio_project, ["aleppo-test:1", "aleppo-test:3", "missing:0"], views.REVIEW_VIEW)
    sdk = studio_project.connection.sdk
    [tab] = [v for v in sdk.views.list(project=studio_project.id) if v.data.get("title") == views.REVIEW_VIEW]
    values = sorted(item["value"] for item in tab.data["filters"]["items"])
    assert values == sorted([ids["aleppo-test:1"], ids["aleppo-test:3"]])
