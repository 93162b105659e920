"""Krippendorff's alpha checked against the `krippendorff` package and textbook values."""

from __future__ import annotations

import copy
import json
import math

import krippendorff
import numpy as np
import pytest

from newstag.annotate.agreement import (
    AnnotatedTask,
    agreement,
    alpha,
    collect,
    disagreements,
    jaccard_distance,
    masi_distance,
    nominal,
    render,
)

# Krippendorff (2011), "Computing Krippendorff's alpha-reliability", section C: four coders,
# twelve units, nominal alpha = 0.743 (None = missing).
TEXTBOOK = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]


def units_of(matrix):
    """Coder-by-unit matrix -> per unit, the values given."""
    return [[row[u] for row in matrix if row[u] is not None] for u in range(len(matrix[0]))]


def test_textbook_nominal_alpha():
    assert alpha(units_of(TEXTBOOK)) == pytest.approx(0.743, abs=5e-4)


@pytest.mark.parametrize("seed", range(5))
def test_nominal_alpha_matches_the_krippendorff_package(seed):
    rng = np.random.default_rng(seed)
    matrix = rng.integers(0, 4, size=(3, 30)).astype(float)
    matrix[:, ::3] = matrix[0, ::3]  # some agreement
    matrix[rng.random(matrix.shape) < 0.2] = np.nan
    expected = krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")
    rows = [[None if math.isnan(v) else int(v) for v in row] for row in matrix]
    assert alpha(units_of(rows)) == pytest.approx(expected, abs=1e-9)


def test_masi_alpha_matches_the_krippendorff_package_with_a_custom_metric():
    rng = np.random.default_rng(7)
    domain = [frozenset(), frozenset("a"), frozenset("b"), frozenset("ab"), frozenset("bc"), frozenset("abc")]
    codes = rng.integers(1, len(domain), size=(3, 40))
    codes[1, ::2] = codes[0, ::2]
    distances = np.array([[masi_distance(x, y) for y in domain] for x in domain])

    def metric(v1, v2, i1, i2, n_v, dtype=np.float64):
        return distances[v1.astype(int), v2.astype(int)].astype(dtype)

    expected = krippendorff.alpha(
        reliability_data=codes.astype(float),
        value_domain=list(range(len(domain))),
        level_of_measurement=metric,
    )
    rows = [[domain[c] for c in row] for row in codes]
    assert alpha(units_of(rows), masi_distance) == pytest.approx(expected, abs=1e-9)


def test_distances():
    a, ab, c = frozenset("a"), frozenset("ab"), frozenset("c")
    assert masi_distance(a, a) == 0 and masi_distance(a, c) == 1
    assert masi_distance(a, ab) == pytest.approx(1 - 0.5 * 2 / 3)
    assert masi_distance(frozenset("ab"), frozenset("bc")) == pytest.approx(1 - (1 / 3) * (1 / 3))
    assert jaccard_distance(a, ab) == 0.5 and nominal("x", "y") == 1


def test_alpha_is_undefined_without_pairs_or_variation():
    assert alpha([[1], [2]]) is None
    assert alpha([[1, 1], [1, 1]]) is None
    assert alpha([[1, 1], [2, 2]]) == 1.0


def multi_annotator_export(seed_tasks: list[dict]) -> list[dict]:
    """Ten seed tasks, each annotated again by a second annotator who reads three of them differently."""
    tasks = copy.deepcopy(seed_tasks[:10])
    for number, task in enumerate(tasks):
        second = copy.deepcopy(task["annotations"][0])
        second["completed_by"] = 2
        if number in (1, 4, 7):
            for item in second["result"]:
                if item["from_name"] == "claim_status":
                    item["value"]["choices"] = ["none" if item["value"]["choices"] != ["none"] else "claim"]
        task["annotations"].append(second)
    return tasks


@pytest.fixture
def seed_tasks(in_project):
    return json.loads((in_project / "labeling" / "seed_annotations.json").read_text())


def test_report_on_a_two_annotator_export(seed_tasks, taxonomy):
    report = agreement(collect(multi_annotator_export(seed_tasks), taxonomy), taxonomy)
    assert report.tasks == 10
    assert report.groups["attack_type"] == 1.0 and report.groups["actor"] == 1.0
    assert report.groups["claim_status"] < 0.8
    assert list(report.pairs) == [("1", "2")] and report.pairs[("1", "2")]["tasks"] == 10
    assert len(report.disagreements) == 3
    assert set(report.disagreements[0]["groups"]) == {"claim_status"}
    text = render(report)
    assert "3 tasks to adjudicate" in text and "1 vs 2 (10 tasks)" in text


def test_cancelled_annotations_do_not_count(small_export_path, taxonomy):
    tasks = collect(json.loads(small_export_path.read_text()), taxonomy)
    by_name = {t.name: t for t in tasks}
    assert list(by_name["task 2 (a1:1)"].by_annotator) == ["1"]
    report = agreement(tasks, taxonomy)
    assert report.tasks == 2
    assert [d["task"] for d in report.disagreements] == ["task 13 (a3:4)"]


def test_single_annotator_exports_say_so(taxonomy):
    one = [AnnotatedTask("task 1", "x", {"1": {"claim_status": ["claim"]}})]
    assert "no task has two or more annotators" in render(agreement(one, taxonomy))


def test_disagreements_sorted_by_groups_in_dispute(taxonomy):
    a = {"attack_type": ["none"], "actor": ["none"], "claim_status": ["none"]}
    b = {"attack_type": ["air_strike"], "actor": ["russia"], "claim_status": ["claim"]}
    c = {**a, "claim_status": ["claim"]}
    tasks = [AnnotatedTask("one", "", {"x": a, "y": c}), AnnotatedTask("three", "", {"x": a, "y": b})]
    assert [d["task"] for d in disagreements(tasks, taxonomy)] == ["three", "one"]


def test_import_annotations_reports_agreement(in_project, tmp_path, small_export_path):
    from typer.testing import CliRunner

    from newstag.cli.main import app

    arguments = ["import-annotations", str(small_export_path), "-o", str(tmp_path / "d")]
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 0, result.output
    assert "agreement over 2 tasks" in result.stderr
    assert "task 13 (a3:4): claim_status: 1=claim vs 2=none" in result.stderr


def test_ground_truth_settles_a_task_and_is_not_an_annotator(seed_tasks, taxonomy):
    tasks = multi_annotator_export(seed_tasks)
    disputed = agreement(collect(tasks, taxonomy), taxonomy).disagreements[0]["task"]
    task = next(t for t in tasks if f"task {t.get('id')}" in disputed)
    adjudication = {**task["annotations"][0], "completed_by": 3, "ground_truth": True}
    task["annotations"].append(adjudication)
    report = agreement(collect(tasks, taxonomy), taxonomy)
    assert len(report.disagreements) == 2 and disputed not in [d["task"] for d in report.disagreements]
    assert all("3" not in pair for pair in report.pairs)
    assert "1 tasks adjudicated" in render(report)


def test_span_agreement_on_hand_made_pairs(taxonomy):
    from newstag.annotate.spans import Span

    labels = {"attack_type": ["shelling_missile"], "actor": ["other_actor"], "claim_status": ["claim"]}
    sentence = "Houthi rebels shelled the city while the Saudi-led coalition bombed it."
    houthi, rebels = Span(0, 13, "Houthi rebels"), Span(7, 13, "rebels")
    coalition, the_coalition = Span(41, 60, "Saudi-led coalition"), Span(37, 60, "the Saudi-led coalition")
    quiet = {"attack_type": ["none"], "actor": ["none"], "claim_status": ["none"]}

    def task(name, text, x, y, z=None, chosen=labels):
        spans = {"x": {"responsible": x}, "y": {"responsible": y}} | ({"z": {"responsible": z}} if z else {})
        return AnnotatedTask(name, text, {who: chosen for who in spans}, spans_by_annotator=spans)

    tasks = [
        task("both", sentence, [houthi, coalition], [rebels, the_coalition]),
        task("same", "Russian jets struck.", [Span(0, 7, "Russian")], [Span(0, 7, "Russian")]),
        task("nothing", "Talks resumed.", [], [], chosen=quiet),
    ]
    report = agreement(tasks, taxonomy)
    # tokens: 5 of 6 + 6 shared in "both", 1 of 1 + 1 in "same" -> 2*6/14; exact: 1 of 3 + 3 spans.
    assert report.spans["responsible"].tokens.f1 == pytest.approx(12 / 14)
    assert report.spans["responsible"].exact.f1 == pytest.approx(2 / 6)
    assert report.pairs[("x", "y")]["spans"]["responsible"].exact.f1 == pytest.approx(2 / 6)
    [disputed] = report.disagreements
    assert disputed["groups"] == {
        "responsible": {
            "x": ["Houthi rebels@0", "Saudi-led coalition@41"],
            "y": ["rebels@7", "the Saudi-led coalition@37"],
        }
    }
    text = render(report)
    assert "responsible spans: token F1 0.857, exact-match F1 0.333 (6 spans marked" in text
    assert "x vs y (3 tasks): attack_type" in text and "responsible spans token F1 0.857" in text
    # A third annotator on one task: every pair counts (x-y, x-z, y-z).
    three = agreement([task("three", "Russian jets struck.", *[[Span(0, 7, "Russian")]] * 3)], taxonomy)
    assert three.spans["responsible"].exact.left == 3 and three.spans["responsible"].exact.f1 == 1.0


def test_span_agreement_from_an_export(seed_tasks, taxonomy):
    """Spans read from annotations as the import reads them; a wrong offset is refused."""
    from newstag.annotate.spans import Span, span_result
    from newstag.errors import AnnotationError

    tasks = multi_annotator_export(seed_tasks)
    for task in tasks:  # the seeds carry the adjudicated spans: this test marks its own
        for annotation in task["annotations"]:
            annotation["result"] = [item for item in annotation["result"] if item["type"] != "labels"]
    named = next(t for t in tasks if len(t["annotations"]) == 2 and "Russian" in t["data"]["text"])
    start = named["data"]["text"].index("Russian")
    named["annotations"][0]["result"].append(span_result("responsible", Span(start, start + 7, "Russian")))
    report = agreement(collect(tasks, taxonomy), taxonomy)
    assert report.spans["responsible"].exact.f1 == 0.0 and report.spans["responsible"].exact.left == 1
    named["annotations"][0]["result"][-1]["value"]["start"] += 1
    with pytest.raises(AnnotationError, match="does not match the sentence"):
        collect(tasks, taxonomy)


def test_import_annotations_reports_span_agreement_and_refuses_a_bad_span(
    in_project, tmp_path, small_export_path
):
    from typer.testing import CliRunner

    from newstag.annotate.spans import Span, span_result
    from newstag.cli.main import app

    from .conftest import assert_one_line_error

    tasks = json.loads(small_export_path.read_text())
    task = tasks[1]  # "Activists blamed Russian warplanes for the air strike.", actor russia
    second = {**copy.deepcopy(task["annotations"][0]), "completed_by": 2}
    task["annotations"] = [task["annotations"][0], second]
    for annotation in task["annotations"]:
        annotation["result"].append(span_result("responsible", Span(17, 24, "Russian")))
    second["result"][-1] = span_result("responsible", Span(17, 34, "Russian warplanes"))
    export = tmp_path / "export.json"
    export.write_text(json.dumps(tasks))
    arguments = ["import-annotations", str(export), "-o", str(tmp_path / "d")]
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 0, result.output
    assert "responsible spans: token F1 0.667, exact-match F1 0.000 (2 spans marked" in result.stderr
    assert "task 2 (a1:1): responsible: 1=Russian@17 vs 2=Russian warplanes@17" in result.stderr

    tasks[3]["annotations"][0]["result"].append(span_result("responsible", Span(4, 21, "foreign ministers")))
    export.write_text(json.dumps(tasks))
    result = CliRunner().invoke(app, [*arguments[:3], str(tmp_path / "e")])
    assert_one_line_error(result, "task 4 (a1:3): breaks rule 'a responsible span stands only where actor")
