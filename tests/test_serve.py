"""The ML backend: retraining and swapping on given trainers, the HTTP contract, and the real
Label Studio connected to it (an annotation retrains; a new task carries a fresh prediction)."""

from __future__ import annotations

import json
import logging
import time
from functools import partial

import pytest
from fastapi.testclient import TestClient

from newstag.backend.app import create_app
from newstag.backend.live import LiveModel
from newstag.backend.serve import Server, build, merge_exports
from newstag.model.persist import load_model, save_model

from .conftest import ROOT


def backend_versions(project) -> list[tuple[int, str]]:
    """(ML backend id, model_version) of each backend connected to a Label Studio project."""
    from newstag.labelstudio.client import call_sdk

    listing = partial(project.connection.sdk.ml.list, project=project.id)
    return [
        (b.id, b.model_version or "")
        for b in call_sdk(project.connection, "list ML backends", listing, safe=True)
    ]


@pytest.fixture(scope="module")
def saved(trained_model_dir):
    return load_model(trained_model_dir)


def trainer_from(saved, version="v2"):
    return lambda output: save_model(saved.tagger, {**saved.meta, "model_version": version}, "card", output)


def failing(output):
    raise ValueError("every sentence has the same claim_status")


def test_retrain_swaps_the_model_and_version(saved, tmp_path):
    live = LiveModel(saved, trainer_from(saved), tmp_path / "live", every=2)
    assert live.annotated() is False and live.pending == 1
    assert live.annotated() is True
    live.wait(60)
    assert live.model_version == "v2" and live.last.error is None
    assert (tmp_path / "live" / "meta.json").exists()
    assert live.status()["annotations_since_training"] == 0


def test_a_failed_retrain_keeps_serving_and_says_why(saved, tmp_path):
    live = LiveModel(saved, failing, tmp_path / "live")
    assert live.retrain("test")
    live.wait(60)
    assert live.model_version == saved.version
    assert "same claim_status" in live.status()["last_retrain"]["error"]


def labelled(sentence_id, label, task_id=1, cancelled=False):
    annotation = {"result": label, "was_cancelled": cancelled}
    return {"id": task_id, "data": {"sentence_id": sentence_id}, "annotations": [annotation]}


def test_merge_exports_a_project_label_replaces_the_base_label():
    base = [labelled("a:0", "old"), labelled("a:1", "kept"), {"id": 3, "data": {}, "annotations": []}]
    merged = merge_exports(base, [labelled("a:0", "new", task_id=9), labelled("b:0", "added", task_id=10)])
    assert [t["annotations"][0]["result"] for t in merged] == ["new", "kept", "added"]


def test_merge_exports_an_unlabelled_task_replaces_nothing():
    base = [labelled("a:0", "base"), labelled("a:1", "base")]
    project = [
        {"id": 7, "data": {"sentence_id": "a:0"}, "annotations": []},
        {"id": 8, "data": {"sentence_id": "a:1"}},
        labelled("a:2", "skipped", task_id=9, cancelled=True),
    ]
    merged = merge_exports(base, project)
    assert [t["data"]["sentence_id"] for t in merged] == ["a:0", "a:1"]
    assert all(t["annotations"][0]["result"] == "base" for t in merged)


def test_worker_processes_predict_what_the_server_would_and_follow_a_retrain(saved, tmp_path):
    from newstag.assist.predictions import predict_tasks

    tasks = [
        {"id": n, "data": {"text": text}} for n, text in enumerate(["Jets hit Aleppo.", "Talks resumed."])
    ]
    live = LiveModel(saved, trainer_from(saved), tmp_path / "live", workers=1)
    try:
        assert live.predict(tasks) == predict_tasks(tasks, saved)
        old_pool = live._serving[1]
        assert live.retrain("test")
        live.wait(120)
        assert live.last.error is None and live._serving[1] is not old_pool
        assert [p["model_version"] for p in live.predict(tasks)] == ["v2", "v2"]  # from the new workers
    finally:
        live.close()


def counting_predictions(monkeypatch) -> list[int]:
    """How many tasks each model call got, from now on."""
    from newstag.backend import live as live_module

    asked: list[int] = []
    real = live_module.predict_tasks
    monkeypatch.setattr(
        live_module, "predict_tasks", lambda tasks, model: asked.append(len(tasks)) or real(tasks, model)
    )
    return asked


def test_a_repeated_sentence_is_answered_from_the_cache_without_the_model(saved, tmp_path, monkeypatch):
    from newstag.assist.predictions import predict_tasks

    asked = counting_predictions(monkeypatch)
    live = LiveModel(saved, trainer_from(saved), tmp_path / "live")
    first = live.predict([{"data": {"text": "Jets hit Aleppo."}}, {"data": {"text": "Talks resumed."}}])
    again = live.predict([{"data": {"text": "Talks resumed."}}, {"data": {"text": "A new sentence."}}])
    assert asked == [2, 1]  # only the sentence not seen before went to the model
    assert (
        again[0] == first[1] and again[1] == predict_tasks([{"data": {"text": "A new sentence."}}], saved)[0]
    )


def test_upcoming_tasks_are_predicted_ahead_and_again_after_a_retrain(saved, tmp_path, monkeypatch):
    tasks = [{"data": {"text": f"Shells hit district {n} of the city."}} for n in range(11)]
    live = LiveModel(saved, trainer_from(saved), tmp_path / "live", upcoming=lambda: tasks)
    live.predict_ahead().join(60)
    asked = counting_predictions(monkeypatch)
    assert [p["model_version"] for p in live.predict(tasks)] == [saved.version] * 11 and asked == []
    assert live.retrain("test")
    wait_for(
        lambda: (live.status()["predicted_ahead"] or {}).get("model_version") == "v2", 60, "the new model"
    )
    assert asked == [8, 3]  # the new model, ahead, a few tasks at a time
    assert [p["model_version"] for p in live.predict(tasks)] == ["v2"] * 11 and asked == [8, 3]


def test_predicting_ahead_survives_a_failing_source_and_says_why(saved, tmp_path, caplog):
    def down():
        raise ConnectionError("Label Studio is down")

    live = LiveModel(saved, trainer_from(saved), tmp_path / "live", upcoming=down)
    log = logging.getLogger("newstag.serve")
    log.addHandler(caplog.handler)  # directly: `serve_log` stops newstag's records reaching the root
    try:
        live.predict_ahead().join(60)
    finally:
        log.removeHandler(caplog.handler)
    assert "could not predict the upcoming tasks ahead: Label Studio is down" in caplog.text
    assert live.status()["predicted_ahead"] is None
    assert live.predict([{"data": {"text": "Jets hit Aleppo."}}])[0]["model_version"] == saved.version


@pytest.fixture
def http(saved, tmp_path):
    projects = []
    live = LiveModel(saved, trainer_from(saved), tmp_path / "live", every=2)
    return TestClient(create_app(live, projects.append)), live, projects


def test_health_setup_and_predict(http, saved):
    client, live, projects = http
    assert client.get("/health").json()["status"] == "UP"
    assert client.post("/setup", json={"project": "7.1700000000", "schema": "<View/>"}).json() == {
        "model_version": saved.version
    }
    tasks = [
        {"id": 1, "data": {"text": "Russian jets bombed the hospital."}},
        {"id": 2, "data": {"text": "Hi."}},
    ]
    body = client.post("/predict", json={"tasks": tasks, "project": "7.1700000000"}).json()
    assert len(body["results"]) == 2 and projects == [7, 7]
    first = body["results"][0]
    assert first["model_version"] == saved.version and 0 <= first["score"] <= 1
    assert {item["from_name"] for item in first["result"]} == {"attack_type", "actor", "claim_status"}
    assert all(item["type"] == "choices" and item["to_name"] == "text" for item in first["result"])
    bad = client.post("/predict", json={"tasks": [{"id": 3, "data": {}}]})
    assert bad.status_code == 400 and "no data.text" in bad.json()["error"]


def test_webhook_counts_annotations_and_retrains(http):
    client, live, _ = http
    event = {"action": "ANNOTATION_CREATED", "annotation": {"id": 1}, "project": {"id": 3}}
    assert client.post("/webhook", json=event).json()["retraining"] is False
    assert (
        client.post("/webhook", json={"action": "PROJECT_UPDATED", "project": {"id": 3}}).status_code == 200
    )
    assert client.post("/webhook", json=event).json()["retraining"] is True
    live.wait(60)
    assert client.get("/status").json()["model_version"] == "v2"


# --- under abuse: oversized and malformed requests, a project with no Label Studio ---


@pytest.mark.parametrize(
    "path, body",
    [
        ("/predict", {"tasks": 5}),
        ("/predict", {"tasks": ["a sentence"]}),
        ("/predict", {"tasks": [{"data": {"text": "Jets.", "index": "x"}}]}),
        ("/predict", {"tasks": [{"data": {"text": 7}}]}),
        ("/predict", [1, 2]),
        ("/webhook", {"action": "ANNOTATION_CREATED", "project": 5}),
        ("/webhook", {"action": "ANNOTATION_CREATED", "project": "x", "annotations": "y"}),
        ("/setup", "not an object"),
    ],
)
def test_malformed_requests_get_a_4xx_with_a_reason(http, path, body):
    client, _, _ = http
    response = client.post(path, json=body)
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.json().get("error") or response.json().get("detail")


def test_a_malformed_json_body_is_a_4xx(http):
    client, _, _ = http
    response = client.post("/predict", content=b"{not json", headers={"content-type": "application/json"})
    assert 400 <= response.status_code < 500


def test_a_body_over_the_limit_is_refused_before_it_is_read(http):
    from newstag.backend.app import MAX_BODY_BYTES

    client, _, _ = http
    big = b'{"tasks": [' + b" " * MAX_BODY_BYTES + b"]}"
    response = client.post("/predict", content=big, headers={"content-type": "application/json"})
    assert response.status_code == 413 and "request body over" in response.json()["error"]

    def chunks():  # no Content-Length: counted as it streams in
        for _ in range(MAX_BODY_BYTES // 2**20 + 2):
            yield b" " * 2**20

    response = client.post("/predict", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413


def test_health_answers_while_a_large_request_is_sent(saved, tmp_path):
    """A slow client sending a big body does not hold up /health (the body limit caps it)."""
    import socket
    import urllib.request

    live = LiveModel(saved, trainer_from(saved), tmp_path / "live")
    server = Server(create_app(live), "127.0.0.1", 0).start()
    try:
        host, port = server.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port))) as slow:
            slow.sendall(b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n")
            slow.sendall(b"Content-Length: 7000000\r\n\r\n" + b" " * 3_000_000)
            started = time.monotonic()
            with urllib.request.urlopen(server.url + "/health", timeout=10) as response:
                assert json.load(response)["status"] == "UP"
            assert time.monotonic() - started < 10
    finally:
        server.stop()


def test_a_project_in_a_request_without_label_studio_does_not_break_retrains(
    saved, tmp_path, small_export_path
):
    """No Label Studio connection: the project is not remembered, retrains use the base data."""
    from newstag.backend.serve import Projects, make_trainer
    from newstag.config import config_from_dict

    projects = Projects(connection=None)
    config = config_from_dict(saved.meta["config"])
    live = LiveModel(saved, make_trainer(config, small_export_path, projects), tmp_path / "live")
    client = TestClient(create_app(live, projects.remember))
    tasks = [{"data": {"text": "Jets bombed the town."}}]
    assert client.post("/predict", json={"tasks": tasks, "project": "12.1700000000"}).status_code == 200
    assert live.retrain("test")
    live.wait(120)
    assert live.last.error is None, live.last.error


# --- against the real Label Studio ---


@pytest.fixture
def backend(trained_model_dir, small_export_path, studio_connection, tmp_path):
    app, live, projects = build(trained_model_dir, small_export_path, tmp_path / "live", 1, studio_connection)
    server = Server(app, "127.0.0.1", 0).start()
    yield server, live
    server.stop()


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.5)
    pytest.fail(f"timed out waiting for {what}")


@pytest.mark.studio
def test_an_annotation_retrains_and_a_new_task_gets_the_new_prediction(
    backend, studio_project, studio_tasks, monkeypatch
):
    from newstag.labelstudio import client, ml

    server, live = backend
    first_version = live.model_version
    client.import_tasks(studio_project, studio_tasks[:2])
    ml.connect_backend(studio_project, server.url)  # the project calls: its tasks are predicted ahead
    assert [v for _, v in backend_versions(studio_project)] == [first_version]
    ahead = {"model_version": first_version, "tasks": 2}
    wait_for(lambda: live.status()["predicted_ahead"] == ahead, 120, "predictions ahead")
    asked = counting_predictions(monkeypatch)
    sdk = studio_project.connection.sdk
    ids = client.task_ids(studio_project)
    shown = sdk.tasks.get(ids["aleppo-test:0"])  # opening a task asks the backend
    assert [p.model_version for p in shown.predictions] == [first_version]
    assert asked == []  # answered from what was predicted ahead

    result = [
        {"from_name": g, "to_name": "text", "type": "choices", "value": {"choices": v}}
        for g, v in (
            ("attack_type", ["shelling_missile"]),
            ("actor", ["opposition"]),
            ("claim_status", ["claim"]),
        )
    ]
    sdk.annotations.create(ids["aleppo-test:1"], result=result)  # the webhook starts a retrain
    wait_for(lambda: live.model_version != first_version and not live.training, 180, "the retrain")
    assert live.last.error is None
    new_version = live.model_version

    client.import_tasks(studio_project, studio_tasks[2:3])
    fresh = sdk.tasks.get(client.task_ids(studio_project)["aleppo-test:2"])
    assert [p.model_version for p in fresh.predictions] == [new_version]
    assert {r["from_name"] for r in fresh.predictions[0].result} == {"attack_type", "actor", "claim_status"}
    assert [v for _, v in backend_versions(studio_project)] == [new_version]


# --- `make studio`'s project: the seed sentences, three of them annotated in Label Studio ---

SEEDS = ROOT / "seeds"
SEED_ANNOTATIONS = ROOT / "labeling" / "seed_annotations.json"
DENIAL = "The government dismissed the claims as false, saying its forces target only terrorists."


def claim_status(saved, text: str) -> list[str]:
    from newstag.model.decode import decode

    probabilities = saved.tagger.predict_proba([text])
    return decode(saved.tagger.taxonomy, probabilities, saved.tagger.thresholds())[0]["claim_status"]


@pytest.fixture(scope="module")
def seed_model(tmp_path_factory, config):
    from newstag.annotate.dataset import load_labelled
    from newstag.model.training import train_and_save

    directory = tmp_path_factory.mktemp("seed") / "model"
    train_and_save(load_labelled(SEED_ANNOTATIONS, config.taxonomy), config, directory, cross_validate=False)
    return directory


@pytest.mark.studio
def test_a_live_retrain_learns_from_the_seeds_and_the_projects_labels(
    seed_model, studio_project, studio_login, in_project, tmp_path
):
    from typer.testing import CliRunner

    from newstag.annotate.annotations import load_export
    from newstag.cli.main import app
    from newstag.labelstudio import client

    env = {"LABEL_STUDIO_URL": studio_login.url, "LABEL_STUDIO_API_KEY": studio_login.token}
    exported = CliRunner().invoke(app, ["export", str(SEEDS), "--project", studio_project.title], env=env)
    assert exported.exit_code == 0, exported.output
    base = {t["data"]["sentence_id"]: t for t in load_export(SEED_ANNOTATIONS)}
    ids = client.task_ids(studio_project)
    annotated = sorted(ids)[:3]
    for sentence_id in annotated:
        result = base[sentence_id]["annotations"][0]["result"]
        studio_project.connection.sdk.annotations.create(ids[sentence_id], result=result)

    _, live, projects = build(seed_model, SEED_ANNOTATIONS, tmp_path / "live", 3, studio_project.connection)
    assert claim_status(live.saved, DENIAL) == ["denial"]
    projects.remember(studio_project.id)
    assert live.retrain("test")
    live.wait(300)
    assert live.last.error is None, live.last.error
    trained_on = live.saved.meta["training_data"]
    print(f"retrained on {trained_on['sentences']} sentences from {trained_on['articles']} articles")
    assert trained_on["sentences"] == len(set(base) | set(annotated)) >= 169
    assert claim_status(live.saved, DENIAL) == ["denial"]


def test_serve_logs_carry_the_time_and_no_http_requests(capsys):
    import logging
    import re

    from newstag.cli.serve import serve_log

    serve_log().info("retrained (3 annotations): now serving v2")
    logging.getLogger("httpx").info("HTTP Request: GET http://127.0.0.1:8080/api/projects/1 200 OK")
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1, lines
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d newstag serve: retrained .* now serving v2", lines[0]
    )
