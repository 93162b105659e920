import copy
import json

import pytest

from newstag.annotate.annotations import examples_from_export, load_export
from newstag.errors import AnnotationError, InputError


@pytest.fixture
def tasks(small_export_path):
    return json.loads(small_export_path.read_text())


def test_submitted_annotations_become_examples(tasks, taxonomy):
    report = examples_from_export(tasks, taxonomy)
    assert len(report.examples) == 12
    first = report.examples[0]
    assert (first.sentence_id, first.article_id, first.annotators) == ("a1:0", "a1", 2)
    assert first.labels == {
        "attack_type": ["air_strike"],
        "actor": ["unidentified"],
        "claim_status": ["claim"],
    }


def test_cancelled_dropped_and_ties_reported(tasks, taxonomy):
    report = examples_from_export(tasks, taxonomy)
    assert report.cancelled == 2 and report.unannotated == 1
    assert report.ties == ["task 13 (a3:4): annotators tie on claim_status ({('claim',): 1, ('none',): 1})"]


def test_majority_wins_and_ground_truth_overrides(tasks, taxonomy):
    task = tasks[12]
    third = copy.deepcopy(task["annotations"][1])
    task["annotations"].append(third)  # two say "none" now
    [example] = [e for e in examples_from_export([task], taxonomy).examples]
    assert example.labels["claim_status"] == ["none"]
    task["annotations"][0]["ground_truth"] = True
    [example] = examples_from_export([task], taxonomy).examples
    assert example.labels["claim_status"] == ["claim"]


def test_of_two_ground_truths_the_last_in_the_export_wins(tasks, taxonomy):
    task = tasks[12]
    for annotation in task["annotations"]:
        annotation["ground_truth"] = True
    labels = [a["result"] for a in task["annotations"]]
    [example] = examples_from_export([task], taxonomy).examples
    assert example.labels["claim_status"] == ["none"]
    task["annotations"].reverse()
    [example] = examples_from_export([task], taxonomy).examples
    assert example.labels["claim_status"] == ["claim"] and labels[0] != labels[1]


def test_unknown_value_is_rejected_with_the_task_id(tasks, taxonomy):
    tasks[4]["annotations"][0]["result"][0]["value"]["choices"] = ["laser"]
    with pytest.raises(AnnotationError, match=r"task 5 \(a2:0\): attack_type: \['laser'\] not among"):
        examples_from_export(tasks, taxonomy)


def test_broken_consistency_rule_is_rejected(tasks, taxonomy):
    tasks[3]["annotations"][0]["result"][2]["value"]["choices"] = ["denial"]  # none/none/denial
    with pytest.raises(AnnotationError, match=r"task 4 \(a1:3\): breaks rule 'claim_status = denial"):
        examples_from_export(tasks, taxonomy)


def test_unknown_group_is_rejected(tasks, taxonomy):
    tasks[0]["annotations"][0]["result"][0]["from_name"] = "sentiment"
    with pytest.raises(AnnotationError, match="'sentiment' is not in the taxonomy"):
        examples_from_export(tasks, taxonomy)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is not a JSON file"),
        (b'[{"data": ', "is not a JSON file"),
        (b'{"a": 1}', "not a Label Studio JSON export"),
        (b"\xff\xfe\x00", "is not a JSON file"),
    ],
)
def test_malformed_export_files(tmp_path, content, message):
    path = tmp_path / "export.json"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        load_export(path)


def test_seed_annotations_cover_every_seed_sentence(config, taxonomy):
    from newstag.text.articles import read_articles
    from newstag.text.sentences import split_articles

    from .conftest import ROOT

    report = examples_from_export(load_export(ROOT / "labeling" / "seed_annotations.json"), taxonomy)
    gold = {e.sentence_id: e.text for e in report.examples}
    current = {
        s.id: s.text
        for split in split_articles(read_articles([ROOT / "seeds"]), config.sentences)
        for s in split.sentences
    }
    assert gold == current, "the seed annotations no longer match how the seeds are split"
    assert report.ties == [] and report.unannotated == 0


def mark(task: dict, annotation: int, word: str, **extra) -> None:
    """Add a `responsible` span over the first `word` of the task's sentence."""
    from newstag.annotate.spans import Span, span_result

    start = task["data"]["text"].index(word)
    item = span_result("responsible", Span(start, start + len(word), word))
    task["annotations"][annotation]["result"].append({**item, **extra})


def test_spans_are_imported_with_their_offsets_and_text(tasks, taxonomy):
    from newstag.annotate.spans import Span

    mark(tasks[2], 0, "Moscow")  # "Moscow denied that its aircraft were involved."
    report = examples_from_export(tasks, taxonomy)
    by_id = {e.sentence_id: e for e in report.examples}
    assert by_id["a1:2"].spans == {"responsible": [Span(0, 6, "Moscow")]}
    assert all(e.spans == {"responsible": []} for i, e in by_id.items() if i != "a1:2")


def test_an_export_without_spans_imports_as_before(tasks, taxonomy):
    report = examples_from_export(tasks, taxonomy)
    assert len(report.examples) == 12 and all(e.spans == {"responsible": []} for e in report.examples)


@pytest.mark.parametrize("task, word", [(3, "foreign ministers"), (0, "Jets")])  # actor none; unidentified
def test_a_span_without_a_named_actor_is_refused_naming_the_task(tasks, taxonomy, task, word):
    mark(tasks[task], 0, word)
    with pytest.raises(AnnotationError) as error:
        examples_from_export(tasks, taxonomy)
    name = f"task {task + 1} (a1:{task})"
    message = f"{name}: breaks rule 'a responsible span stands only where actor is not none or unidentified'"
    assert message in str(error.value) and "\n" not in str(error.value)


def test_a_span_whose_text_differs_from_the_sentence_is_refused(tasks, taxonomy):
    mark(tasks[1], 0, "Russian")
    tasks[1]["annotations"][0]["result"][-1]["value"]["text"] = "Russia"
    with pytest.raises(
        AnnotationError, match=r"task 2 \(a1:1\): responsible span 'Russia' at 17-24 does not"
    ):
        examples_from_export(tasks, taxonomy)


def test_annotators_vote_on_the_whole_set_of_spans(tasks, taxonomy):
    from newstag.annotate.spans import Span

    task = tasks[1]  # "Activists blamed Russian warplanes for the air strike.", by two annotators
    task["annotations"] = [
        task["annotations"][0],
        {**copy.deepcopy(task["annotations"][0]), "completed_by": 2},
    ]
    mark(task, 0, "Russian")
    [tie] = examples_from_export([task], taxonomy).ties
    assert "annotators tie on responsible spans ({'Russian@17': 1, '-': 1})" in tie
    mark(task, 1, "Russian")
    [example] = examples_from_export([task], taxonomy).examples
    assert example.spans == {"responsible": [Span(17, 24, "Russian")]}
    unmarked = {**copy.deepcopy(task["annotations"][0]), "completed_by": 3}
    unmarked["result"].pop()
    task["annotations"].insert(0, unmarked)  # the first of three marks nothing: two to one
    [example] = examples_from_export([task], taxonomy).examples
    assert example.spans == {"responsible": [Span(17, 24, "Russian")]} and example.annotators == 3


def test_one_sentence_in_two_tasks_with_other_spans_is_refused(tasks, taxonomy):
    again = {**copy.deepcopy(tasks[1]), "id": 99}
    mark(again, 0, "Russian")
    with pytest.raises(
        AnnotationError, match=r"task 2 \(a1:1\) and task 99 \(a1:1\) label sentence 'a1:1' differently"
    ):
        examples_from_export([tasks[1], again], taxonomy)
