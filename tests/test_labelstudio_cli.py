"""export --project, --model, predict and pull through the CLI, against the real Label Studio."""

from __future__ import annotations

import json
import uuid

import pytest
from typer.testing import CliRunner

from newstag.annotate.dataset import group_labels, load_saved_dataset
from newstag.cli.main import app
from newstag.labelstudio import client

from .conftest import ROOT, assert_one_line_error

runner = CliRunner()
SEEDS = ROOT / "seeds"
ONE_SEED = SEEDS / "001_0033be0623d06674.txt"


def run(*args, env=None):
    return runner.invoke(app, [str(a) for a in args], env=env)


@pytest.fixture
def studio_env(studio_login):
    """The CLI finds a team's server through these variables."""
    return {"LABEL_STUDIO_URL": studio_login.url, "LABEL_STUDIO_API_KEY": studio_login.token}


@pytest.fixture
def project_name() -> str:
    return f"cli-{uuid.uuid4().hex[:8]}"


def annotate(project, sentence_id: str, labels: dict[str, list[str]]) -> None:
    ids = client.task_ids(project)
    result = [
        {"from_name": group, "to_name": "text", "type": "choices", "value": {"choices": values}}
        for group, values in labels.items()
    ]
    project.connection.sdk.annotations.create(ids[sentence_id], result=result)


def test_export_twice_leaves_the_task_count_unchanged(
    in_project, studio_env, studio_connection, project_name
):
    first = run("export", SEEDS, "--project", project_name, env=studio_env)
    assert first.exit_code == 0, first.output
    assert "169 tasks added, 0 already there" in first.stderr
    again = run("export", SEEDS, "--project", project_name, env=studio_env)
    assert again.exit_code == 0 and "0 tasks added, 169 already there" in again.stderr
    project = client.find_project(studio_connection, project_name)
    assert len(client.task_ids(project)) == 169
    assert studio_env["LABEL_STUDIO_API_KEY"] not in first.output + again.output


def test_predictions_reach_the_project_preselected(
    in_project, studio_env, studio_connection, project_name, trained_model_dir
):
    result = run("export", ONE_SEED, "--project", project_name, "--model", trained_model_dir, env=studio_env)
    assert result.exit_code == 0, result.output
    project = client.find_project(studio_connection, project_name)
    tasks = client.task_ids(project)
    assert f"{len(tasks)} predictions added" in result.stderr
    version = json.loads((trained_model_dir / "meta.json").read_text())["model_version"]
    details = studio_connection.sdk.projects.get(project.id)
    assert details.model_version == version and details.show_collab_predictions
    predictions = list(studio_connection.sdk.predictions.list(task=next(iter(tasks.values()))))
    assert [p.model_version for p in predictions] == [version]
    assert {r["from_name"] for r in predictions[0].result} == {"attack_type", "actor", "claim_status"}
    again = run("export", ONE_SEED, "--project", project_name, "--model", trained_model_dir, env=studio_env)
    assert "0 predictions added" in again.stderr


def test_found_spans_reach_the_project_as_pre_annotated_spans(
    in_project, studio_env, studio_connection, project_name, trained_model_dir, model_finds_spans
):
    """export --model sends the spans tagging finds beside the choices, with their offsets and
    scores, and none in a sentence whose pre-selected actor is none or unidentified."""
    seed = SEEDS / "003_4e408d3cb1d83e4a.txt"
    result = run("export", seed, "--project", project_name, "--model", trained_model_dir, env=studio_env)
    assert result.exit_code == 0, result.output
    project = client.find_project(studio_connection, project_name)
    spans = []
    for task in client.export_annotations(project):
        [prediction] = studio_connection.sdk.predictions.list(task=task["id"])
        actor = [r["value"]["choices"] for r in prediction.result if r["from_name"] == "actor"]
        found = [r for r in prediction.result if r["type"] == "labels"]
        assert not (found and set(*actor) & {"none", "unidentified"}), task["data"]["text"]
        for span in found:
            value = span["value"]
            assert task["data"]["text"][value["start"] : value["end"]] == value["text"]
            assert value["labels"] == ["responsible"] and span["score"] == 0.8
        spans += [span["value"]["text"] for span in found]
    assert spans and set(spans) <= {"Russian", "Moscow"}


def test_annotations_come_back_through_pull_and_train(
    in_project, tmp_path, studio_env, studio_connection, project_name
):
    assert run("export", SEEDS, "--project", project_name, env=studio_env).exit_code == 0
    project = client.find_project(studio_connection, project_name)
    gold = {
        "000_2d15d2f2265082b8:3": (
            ["air_strike", "ground_assault"],
            ["syrian_government", "russia"],
            "claim",
        ),
        "000_2d15d2f2265082b8:5": (["none"], ["none"], "none"),
        "001_0033be0623d06674:15": (["unspecified"], ["russia"], "denial"),
        "001_0033be0623d06674:4": (["none"], ["none"], "none"),
    }
    for sentence_id, (attack, actor, claim) in gold.items():
        annotate(project, sentence_id, {"attack_type": attack, "actor": actor, "claim_status": [claim]})
    dataset_dir, snapshots = tmp_path / "ds", tmp_path / "exports"
    pulled = run(
        "pull", "--project", project_name, "-o", dataset_dir, "--snapshots", snapshots, env=studio_env
    )
    assert pulled.exit_code == 0, pulled.output
    assert "wrote 4 labelled sentences" in pulled.stderr and "165 tasks without" in pulled.stderr

    dataset = load_saved_dataset(dataset_dir)
    claims = dict(zip(dataset["sentence_id"], group_labels(dataset, "claim_status"), strict=True))
    assert claims == {sid: [labels[2]] for sid, labels in gold.items()}
    assert len(list(snapshots.iterdir())) == 1
    assert len(json.loads(next(snapshots.iterdir()).read_text())) == 169

    again = ["pull", "--project", project_name, "-o", dataset_dir, "--snapshots", snapshots]
    assert_one_line_error(run(*again, env=studio_env), "pass --force")
    assert len(list(snapshots.iterdir())) == 1, "a refused pull fetches nothing"
    assert run(*again, "--force", env=studio_env).exit_code == 0
    assert len(list(snapshots.iterdir())) == 2, "each pull keeps its own snapshot"
    trained = run("train", "--data", dataset_dir, "-o", tmp_path / "model")
    assert trained.exit_code == 0, trained.output


def test_a_project_with_another_label_config_needs_update_config(
    in_project, studio_env, studio_connection, project_name, label_config_xml
):
    client.ensure_project(studio_connection, project_name, label_config_xml.replace("$title", "$article"))
    refused = run("export", ONE_SEED, "--project", project_name, env=studio_env)
    assert_one_line_error(refused, "pass --update-config")
    assert (
        run("export", ONE_SEED, "--project", project_name, "--update-config", env=studio_env).exit_code == 0
    )


def test_refused_token_and_unknown_project_are_one_line_errors(in_project, studio_env, project_name):
    refused = run(
        "export", ONE_SEED, "--project", project_name, env={**studio_env, "LABEL_STUDIO_API_KEY": "x.y.z"}
    )
    assert_one_line_error(refused, "token")
    assert_one_line_error(run("pull", "--project", project_name, env=studio_env), "has no project")


@pytest.mark.studio
def test_a_second_start_says_the_server_already_runs(studio, in_project, tmp_path):
    """`make studio` run again: `studio start` finds the running server and says so."""
    from .conftest import STUDIO_VENV

    if not (studio.home / "venv").exists():
        (studio.home / "venv").symlink_to(STUDIO_VENV)
    text = (in_project / "configs" / "default.toml").read_text(encoding="utf-8")
    text = text.replace("port = 8080", f"port = {studio.port}").replace(
        'home = ".studio"', f'home = "{studio.home}"'
    )
    config = tmp_path / "config.toml"
    config.write_text(text, encoding="utf-8")
    result = run("studio", "start", "--config", config)
    assert result.exit_code == 0, result.output
    assert f"Label Studio is already running at {studio.url} (pid " in result.stderr
    assert "starting" not in result.stderr


@pytest.mark.studio
def test_queue_project_shows_the_top_of_the_queue(in_project, studio_env, project_name, trained_model_dir):
    assert run("export", ONE_SEED, "--project", project_name, env=studio_env).exit_code == 0
    args = ["queue", "--project", project_name, "--model", trained_model_dir, "--show", "3"]
    result = run(*args, env=studio_env)
    assert result.exit_code == 0, result.output
    listed = [line.split()[0] for line in result.stderr.splitlines() if line[:4].strip().isdigit()]
    assert listed == ["1", "2", "3"], result.stderr
