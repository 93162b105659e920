"""The SDK adapter against the real Label Studio, and its pure checks without one."""

from __future__ import annotations

import socket
import threading

import pytest

from newstag.errors import AnnotationError, InputError, LabelStudioError
from newstag.labelstudio import client, schema


def result(attack: list[str], actor: list[str], claim: str) -> list[dict]:
    groups = {"attack_type": attack, "actor": actor, "claim_status": [claim]}
    return [
        {"from_name": g, "to_name": "text", "type": "choices", "value": {"choices": v}}
        for g, v in groups.items()
    ]


AIR_RUSSIA = result(["air_strike"], ["russia"], "claim")

# --- pure checks ---


def test_orphaned_lists_used_values_the_new_config_drops(label_config_xml):
    export = [{"annotations": [{"result": AIR_RUSSIA}], "drafts": []}]
    assert schema.orphaned(export, label_config_xml) == []
    smaller = label_config_xml.replace('<Choice value="russia"', '<Choice value="moscow"')
    assert schema.orphaned(export, smaller) == ["actor=russia"]


def test_same_config_ignores_whitespace_between_tags(label_config_xml):
    assert schema.same_config(label_config_xml, label_config_xml.strip().replace("\n  ", "\n"))
    assert not schema.same_config(label_config_xml, label_config_xml.replace("air_strike", "air"))


def test_check_prediction_rejects_unknown_values_and_missing_version(label_config_xml):
    offered = schema.choices(label_config_xml)
    schema.check_prediction({"model_version": "m", "result": AIR_RUSSIA}, offered, "t")
    bad = result(["drone"], ["russia"], "claim")
    with pytest.raises(AnnotationError, match="drone"):
        schema.check_prediction({"model_version": "m", "result": bad}, offered, "t")
    with pytest.raises(AnnotationError, match="model_version"):
        schema.check_prediction({"result": AIR_RUSSIA}, offered, "t")


def test_span_results_are_checked_like_choices(label_config_xml):
    from newstag.annotate.spans import Span, span_result

    offered = schema.choices(label_config_xml)
    assert offered["responsible"] == {"responsible"}
    moscow = span_result("responsible", Span(0, 6, "Moscow"))
    schema.check_prediction({"model_version": "m", "result": [*AIR_RUSSIA, moscow]}, offered, "t")
    blamed = {**moscow, "value": {**moscow["value"], "labels": ["blamed"]}}
    with pytest.raises(AnnotationError, match="blamed"):
        schema.check_prediction({"model_version": "m", "result": [blamed]}, offered, "t")
    export = [{"annotations": [{"result": [*AIR_RUSSIA, moscow]}], "drafts": []}]
    without_spans = label_config_xml.replace('<Label value="responsible"', '<Label value="blamed"')
    assert schema.orphaned(export, without_spans) == ["responsible=responsible"]


# --- connection errors ---


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_server_down_is_one_clear_error():
    with pytest.raises(LabelStudioError, match="cannot reach Label Studio .*newstag studio start"):
        client.connect(f"http://127.0.0.1:{free_port()}", "any-token")


def test_reads_that_time_out_are_retried_then_reported():
    """A loopback server that accepts connections and never answers."""
    accepted = []
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        silent.settimeout(10)

        def accept() -> None:
            for _ in range(client.RETRIES):
                accepted.append(silent.accept()[0])

        thread = threading.Thread(target=accept, daemon=True)
        thread.start()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        with pytest.raises(LabelStudioError, match="timed out trying to check the API token"):
            client.connect(url, "any-token", timeout=0.3)
        thread.join(5)
    assert len(accepted) == client.RETRIES
    for connection in accepted:
        connection.close()


@pytest.mark.studio
@pytest.mark.parametrize("token", ["not-a-token", "tampered"])
def test_token_refused(studio, studio_login, token):
    if token == "tampered":
        token = studio_login.token[:-4] + "AAAA"
    with pytest.raises(LabelStudioError, match="refused the API token") as error:
        client.connect(studio.url, token)
    assert studio_login.token not in str(error.value)


@pytest.mark.studio
def test_wrong_url(studio, studio_login):
    with pytest.raises(LabelStudioError, match="check the URL"):
        client.connect(studio.url + "/not-label-studio", studio_login.token)


# --- projects and tasks ---


@pytest.mark.studio
def test_import_twice_adds_nothing_the_second_time(studio_project, studio_tasks):
    first = client.import_tasks(studio_project, studio_tasks[:2])
    assert (first.added, first.skipped) == (2, 0)
    again = client.import_tasks(studio_project, studio_tasks + studio_tasks)
    assert (again.added, again.skipped) == (2, 6)
    assert sorted(client.task_ids(studio_project)) == sorted(t["data"]["sentence_id"] for t in studio_tasks)
    assert len(client.export_annotations(studio_project)) == len(studio_tasks)


@pytest.mark.studio
def test_a_task_without_sentence_id_is_refused(studio_project):
    with pytest.raises(InputError, match="sentence_id"):
        client.import_tasks(studio_project, [{"data": {"text": "x"}}])


@pytest.mark.studio
def test_ensure_project_finds_the_same_project(studio_connection, studio_project, label_config_xml):
    again = client.ensure_project(studio_connection, studio_project.title, label_config_xml)
    assert again.id == studio_project.id


@pytest.mark.studio
def test_annotations_come_back_in_the_export(studio_project, studio_tasks):
    client.import_tasks(studio_project, studio_tasks)
    ids = client.task_ids(studio_project)
    sdk = studio_project.connection.sdk
    sdk.annotations.create(ids["aleppo-test:0"], result=AIR_RUSSIA)
    sdk.annotations.create(ids["aleppo-test:3"], result=[], was_cancelled=True)
    export = {t["data"]["sentence_id"]: t for t in client.export_annotations(studio_project)}
    assert len(export) == len(studio_tasks)
    assert export["aleppo-test:0"]["annotations"][0]["result"] == AIR_RUSSIA
    assert export["aleppo-test:3"]["annotations"][0]["was_cancelled"] is True
    assert export["aleppo-test:1"]["annotations"] == [] and "drafts" in export["aleppo-test:1"]


@pytest.mark.studio
def test_a_changed_config_needs_update_config_and_may_not_orphan(
    studio_connection, studio_project, studio_tasks, label_config_xml
):
    client.import_tasks(studio_project, studio_tasks[:1])
    task = client.task_ids(studio_project)["aleppo-test:0"]
    studio_project.connection.sdk.annotations.create(task, result=AIR_RUSSIA)
    name = studio_project.title
    drops_russia = label_config_xml.replace('<Choice value="russia"', '<Choice value="moscow"')
    with pytest.raises(LabelStudioError, match="--update-config"):
        client.ensure_project(studio_connection, name, drops_russia)
    with pytest.raises(LabelStudioError, match="actor=russia"):
        client.ensure_project(studio_connection, name, drops_russia, update_config=True)
    adds_one = label_config_xml.replace(
        '<Choice value="turkey"', '<Choice value="iran" /><Choice value="turkey"'
    )
    updated = client.ensure_project(studio_connection, name, adds_one, update_config=True)
    assert client.ensure_project(studio_connection, name, adds_one).id == updated.id


# --- predictions ---


@pytest.mark.studio
def test_predictions_are_attached_once_and_shown(studio_connection, studio_project, studio_tasks):
    client.import_tasks(studio_project, studio_tasks)
    prediction = {"model_version": "tfidf-v1", "score": 0.83, "result": AIR_RUSSIA}
    predicted = [{**studio_tasks[0], "predictions": [prediction]}]
    assert client.attach_predictions(studio_project, predicted) == 1
    assert client.attach_predictions(studio_project, predicted) == 0
    sdk = studio_project.connection.sdk
    settings = sdk.projects.get(studio_project.id)
    assert settings.model_version == "tfidf-v1" and settings.show_collab_predictions is True
    task = sdk.tasks.get(str(client.task_ids(studio_project)["aleppo-test:0"]))
    [shown] = task.predictions
    assert shown.model_version == "tfidf-v1" and shown.score == pytest.approx(0.83)
    assert shown.result == AIR_RUSSIA


@pytest.mark.studio
def test_a_project_made_before_spans_takes_the_span_control_with_update_config(
    studio_connection, studio_tasks, taxonomy, label_config_xml
):
    """Projects made before the `responsible` group, with their annotations, take the new
    config once with --update-config: it only adds a control."""
    import dataclasses
    import uuid

    from newstag.annotate.labelconfig import render_label_config

    before_spans = render_label_config(dataclasses.replace(taxonomy, spans=()))
    name = f"before-spans-{uuid.uuid4().hex[:6]}"
    project = client.ensure_project(studio_connection, name, before_spans)
    client.import_tasks(project, studio_tasks[:1])
    project.connection.sdk.annotations.create(client.task_ids(project)["aleppo-test:0"], result=AIR_RUSSIA)
    with pytest.raises(LabelStudioError, match="--update-config"):
        client.ensure_project(studio_connection, name, label_config_xml)
    updated = client.ensure_project(studio_connection, name, label_config_xml, update_config=True)
    assert schema.same_config(updated.label_config, label_config_xml)
    [task] = client.export_annotations(updated)
    assert task["annotations"][0]["result"] == AIR_RUSSIA


@pytest.mark.studio
def test_a_span_prediction_reaches_label_studio(studio_project, studio_tasks):
    """The format item 3's span model will send: Label Studio's labels result, offsets included."""
    from newstag.annotate.spans import Span, span_result

    client.import_tasks(studio_project, studio_tasks)
    moscow = span_result("responsible", Span(0, 6, "Moscow"))  # "Moscow denied its jets were ..."
    prediction = {"model_version": "spans-v1", "score": 0.7, "result": [*AIR_RUSSIA, moscow]}
    assert client.attach_predictions(studio_project, [{**studio_tasks[2], "predictions": [prediction]}]) == 1
    task = studio_project.connection.sdk.tasks.get(str(client.task_ids(studio_project)["aleppo-test:2"]))
    [shown] = task.predictions
    [span] = [item for item in shown.result if item["type"] == "labels"]
    assert span["value"] == {"start": 0, "end": 6, "text": "Moscow", "labels": ["responsible"]}
    assert (span["from_name"], span["to_name"]) == ("responsible", "text")


@pytest.mark.studio
def test_a_prediction_outside_the_config_is_refused(studio_project, studio_tasks):
    client.import_tasks(studio_project, studio_tasks[:1])
    bad = {"model_version": "m", "result": result(["drone"], ["russia"], "claim")}
    with pytest.raises(AnnotationError, match="drone"):
        client.attach_predictions(studio_project, [{**studio_tasks[0], "predictions": [bad]}])
