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
