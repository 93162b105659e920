"""The ML backend: retraining and swapping on given trainers, the HTTP contract, and the real
Label Studio connected to it (an annotation retrains; a new task carries a fresh prediction)."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from newstag.backend.app import create_app
from newstag.backend.live import LiveModel
from newstag.backend.serve import Server, build, free_loopback_port, merge_exports
from newstag.model.persist import load_model, save_model


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


def test_merge_exports_later_wins():
    base = [{"id": 1, "data": {"sentence_id": "a:0"}, "annotations": ["old"]}, {"id": 2, "data": {}}]
    live = [{"id": 9, "data": {"sentence_id": "a:0"}, "annotations": ["new"]}]
    merged = merge_exports(base, live)
    assert len(merged) == 2 and merged[0]["annotations"] == ["new"]


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


# --- against the real Label Studio ---


@pytest.fixture
def backend(trained_model_dir, small_export_path, studio_connection, tmp_path):
    app, live, projects = build(trained_model_dir, small_export_path, tmp_path / "live", 1, studio_connection)
    server = Server(app, "127.0.0.1", free_loopback_port()).start()
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
def test_an_annotation_retrains_and_a_new_task_gets_the_new_prediction(backend, studio_project, studio_tasks):
    from newstag.labelstudio import client, ml

    server, live = backend
    first_version = live.model_version
    client.import_tasks(studio_project, studio_tasks[:2])
    ml.connect_backend(studio_project, server.url)
    assert [v for _, v in ml.backend_versions(studio_project)] == [first_version]
    sdk = studio_project.connection.sdk
    ids = client.task_ids(studio_project)
    shown = sdk.tasks.get(ids["aleppo-test:0"])  # opening a task asks the backend
    assert [p.model_version for p in shown.predictions] == [first_version]

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
    assert [v for _, v in ml.backend_versions(studio_project)] == [new_version]
