"""Every command through typer's CliRunner, and each bad input's one-line error."""

import csv
import io
import json
import re

import pytest
from typer.testing import CliRunner

from newstag.annotate.dataset import load_saved_dataset
from newstag.cli.main import app

from .conftest import ROOT, assert_one_line_error

runner = CliRunner()
SEED = str(ROOT / "seeds" / "001_0033be0623d06674.txt")


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_help_lists_the_commands():
    result = run("--help")
    assert result.exit_code == 0
    for command in ("label-config", "export", "import-annotations", "train", "tag", "info"):
        assert command in result.stdout


def test_label_config_check_passes_and_detects_drift(in_project, tmp_path):
    assert run("label-config", "--check").exit_code == 0
    drifted = tmp_path / "config.xml"
    drifted.write_text("<View/>")
    assert_one_line_error(run("label-config", "--check", "-o", drifted), "differs from")


def test_export_writes_one_task_per_sentence_and_is_repeatable(in_project, tmp_path):
    out = tmp_path / "tasks.json"
    assert run("export", ROOT / "seeds", "-o", out).exit_code == 0
    first = out.read_text()
    tasks = json.loads(first)
    assert len(tasks) == 169
    assert set(tasks[0]["data"]) >= {
        "text",
        "title",
        "context_before",
        "context_after",
        "sentence_id",
        "article_id",
    }
    assert_one_line_error(run("export", ROOT / "seeds", "-o", out), "pass --force")
    assert run("export", ROOT / "seeds", "-o", out, "--force").exit_code == 0
    assert out.read_text() == first


def test_import_annotations_then_train_then_tag(in_project, tmp_path, small_export_path):
    dataset, model = tmp_path / "ds", tmp_path / "model"
    result = run("import-annotations", small_export_path, "-o", dataset)
    assert result.exit_code == 0 and "wrote 12 labelled sentences" in result.stderr
    assert "tie on claim_status" in result.stderr
    assert_one_line_error(run("import-annotations", small_export_path, "-o", dataset), "pass --force")

    result = run("train", "--data", dataset, "-o", model)
    assert result.exit_code == 0, result.output
    assert "| claim_status |" in result.stdout
    assert_one_line_error(run("train", "--data", dataset, "-o", model), "pass --force")

    info = run("info", model)
    assert info.exit_code == 0 and "Cross-validated scores (leave-one-article-out" in info.stdout

    table = run("tag", SEED, "--model", model)
    assert table.exit_code == 0 and "Summary:" in table.stdout and "  claim_status: claim" in table.stdout
    assert re.search(r"\b\w+ 0\.\d\d ≥ 0\.\d\d", table.stdout)  # a chosen value beside its threshold
    assert "clears its threshold t" in " ".join(table.stdout.split())  # the legend says how to read it

    lines = run("tag", SEED, "--model", model, "--format", "jsonl").stdout.splitlines()
    record = json.loads(lines[0])
    assert record["article_id"] == "001_0033be0623d06674" and record["sentences"][0]["labels"]

    rows = list(csv.DictReader(io.StringIO(run("tag", SEED, "--model", model, "-f", "csv").stdout)))
    assert len(rows) == len(record["sentences"]) and "p_actor_russia" in rows[0]

    out = tmp_path / "tagged.jsonl"
    assert run("tag", SEED, "--model", model, "-f", "jsonl", "-o", out).exit_code == 0
    assert json.loads(out.read_text())["article_id"] == record["article_id"]
    out.write_text("kept")
    assert_one_line_error(run("tag", SEED, "--model", model, "-o", out), "pass --force")
    assert out.read_text() == "kept"
    assert run("tag", SEED, "--model", model, "-o", out, "--force").exit_code == 0
    assert "Summary:" in out.read_text()


def test_train_reads_no_file_it_was_not_given(in_project, tmp_path, small_export_path):
    """benchmarks/QUALITY.md stands in the working directory; only --quality puts it in the card."""
    cheap = [
        "train",
        "--data",
        small_export_path,
        "--no-cross-validate",
        "--config",
        ROOT / "configs" / "default.toml",
    ]
    assert run(*cheap, "-o", tmp_path / "plain").exit_code == 0
    assert "| features |" not in (tmp_path / "plain" / "README.md").read_text()
    quality = ROOT / "benchmarks" / "QUALITY.md"
    assert run(*cheap, "-o", tmp_path / "card", "--quality", quality).exit_code == 0
    assert "| features |" in (tmp_path / "card" / "README.md").read_text()


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [("empty.txt", b"", "is empty"), ("binary.txt", b"\x00\x01\x02", "binary file")],
)
def test_bad_articles(in_project, tmp_path, name, content, fragment):
    (tmp_path / name).write_bytes(content)
    assert_one_line_error(run("export", tmp_path / name, "-o", tmp_path / "t.json"), fragment)
    assert not (tmp_path / "t.json").exists()


def test_wrong_paths(in_project, tmp_path, trained_model_dir):
    assert_one_line_error(run("export", tmp_path / "nope.txt", "-o", tmp_path / "t.json"), "does not exist")
    assert_one_line_error(run("tag", SEED, "--model", tmp_path), "not a newstag model folder")
    assert_one_line_error(run("import-annotations", tmp_path / "nope.json"), "does not exist")
    assert_one_line_error(run("train", "--config", tmp_path / "nope.toml"), "not found")


def test_malformed_export_and_unknown_label(in_project, tmp_path, small_export_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"not": "a list"}')
    assert_one_line_error(
        run("import-annotations", bad, "-o", tmp_path / "ds"), "not a Label Studio JSON export"
    )
    tasks = json.loads(small_export_path.read_text())
    tasks[0]["annotations"][0]["result"][1]["value"]["choices"] = ["martians"]
    bad.write_text(json.dumps(tasks))
    assert_one_line_error(run("import-annotations", bad, "-o", tmp_path / "ds"), "task 1 (a1:0)")
    assert not (tmp_path / "ds").exists()


def test_tag_needs_no_config_file_it_uses_the_models_own(tmp_path, monkeypatch, trained_model_dir):
    monkeypatch.chdir(tmp_path)  # no configs/ here
    result = run("tag", SEED, "--model", trained_model_dir, "-f", "jsonl")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.splitlines()[0])["article_id"] == "001_0033be0623d06674"


def test_export_keeps_where_each_article_was_published_and_import_keeps_its_conflict(in_project, tmp_path):
    feed = tmp_path / "feed.jsonl"
    record = {
        "id": "a1",
        "title": "Clinic shelled",
        "text": "A clinic was shelled on Monday.",
        "date": "2016-05-03",
        "url": "https://example.org/a1",
        "outlet": "Example News",
        "conflict": "sudan",
    }
    feed.write_text(json.dumps(record) + "\n" + json.dumps({"id": "a2", "text": "No metadata here."}) + "\n")
    out = tmp_path / "tasks.json"
    assert run("export", feed, "-o", out).exit_code == 0
    first, *_, last = json.loads(out.read_text())
    assert {k: first["data"][k] for k in ("source_url", "outlet", "date", "conflict")} == {
        "source_url": "https://example.org/a1",
        "outlet": "Example News",
        "date": "2016-05-03",
        "conflict": "sudan",
    }
    assert not {"source_url", "outlet", "date", "conflict"} & set(last["data"])

    labels = {"attack_type": ["shelling_missile"], "actor": ["unidentified"], "claim_status": ["claim"]}
    exported = json.loads(out.read_text())
    for task in exported:
        task["annotations"] = [
            {
                "completed_by": 1,
                "result": [
                    {"from_name": group, "to_name": "text", "type": "choices", "value": {"choices": values}}
                    for group, values in labels.items()
                ],
            }
        ]
    annotated = tmp_path / "annotated.json"
    annotated.write_text(json.dumps(exported))
    result = run("import-annotations", annotated, "-o", tmp_path / "ds")
    assert result.exit_code == 0, result.output
    dataset = load_saved_dataset(tmp_path / "ds")
    conflicts = dict(zip(dataset["article_id"], dataset["conflict"], strict=True))
    assert conflicts == {"a1": "sudan", "a2": ""}


def test_import_annotations_reads_several_exports_and_folders(in_project, tmp_path, small_export_path):
    tasks = json.loads(small_export_path.read_text())
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "batch-1.json").write_text(json.dumps(tasks[:4]))
    (folder / "batch-2.json").write_text(json.dumps(tasks[4:8]))
    rest = tmp_path / "rest.json"
    rest.write_text(json.dumps(tasks[8:]))
    result = run("import-annotations", folder, rest, "-o", tmp_path / "ds")
    assert result.exit_code == 0, result.output
    assert "wrote 12 labelled sentences" in result.stderr

    (folder / "batch-3.json").write_text(json.dumps(tasks[2:3]))
    assert_one_line_error(run("import-annotations", folder, "-o", tmp_path / "ds2"), "'a1:2' is in two tasks")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert_one_line_error(run("import-annotations", empty, "-o", tmp_path / "ds3"), "holds no .json")


def test_train_and_evaluate_take_several_sources(in_project, tmp_path, small_export_path):
    tasks = json.loads(small_export_path.read_text())
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    first.write_text(json.dumps(tasks[:8]))
    second.write_text(json.dumps(tasks[8:]))
    model = tmp_path / "model"
    result = run("train", "--data", first, "--data", second, "-o", model, "--no-cross-validate")
    assert result.exit_code == 0, result.output
    assert json.loads((model / "meta.json").read_text())["training_data"]["sentences"] == 12
    assert_one_line_error(
        run("train", "--data", first, "--data", first, "-o", tmp_path / "m2"), "is in two tasks"
    )
    result = run("evaluate", model, first, second, "-o", tmp_path / "evaluation")
    assert result.exit_code == 0, result.output
    assert "on 12 sentences" in result.stderr


def test_train_holds_out_and_evaluate_scores_only_listed_articles(in_project, tmp_path, small_export_path):
    listed = tmp_path / "held_out.txt"
    listed.write_text("# evaluation articles\na3\n")
    model = tmp_path / "model"
    result = run(
        "train", "--data", small_export_path, "--hold-out", listed, "-o", model, "--no-cross-validate"
    )
    assert result.exit_code == 0, result.output
    meta = json.loads((model / "meta.json").read_text())
    assert meta["training_data"]["held_out_articles"] == ["a3"] and meta["training_data"]["articles"] == 2
    assert "1 articles were held out" in (model / "README.md").read_text()
    result = run("evaluate", model, small_export_path, "--only", listed, "-o", tmp_path / "evaluation")
    assert result.exit_code == 0, result.output
    assert "on 4 sentences" in result.stderr
    empty = tmp_path / "empty.txt"
    empty.write_text("\n")
    assert_one_line_error(run("evaluate", model, small_export_path, "--only", empty), "lists no article ids")
