"""Issue 13's probes, as an adversarial user tried them: each ends in exit 0 with the right
output, or one line on stderr and exit 1, and no file outside the target changes."""

import copy
import hashlib
import json
import os
import shutil
import signal
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newstag.cli.main import app
from newstag.errors import AnnotationError, ModelError
from newstag.files import TEMP_PREFIX

from .conftest import ROOT, assert_one_line_error

runner = CliRunner()
SEEDS = ROOT / "labeling" / "seed_annotations.json"


def assert_ends_in_one_error(result, fragment: str) -> None:
    """Progress lines may come first; then exactly one error line, the last, and no traceback."""
    lines = result.stderr.splitlines()
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert [line for line in lines if line.startswith("newstag: error: ")] == lines[-1:], result.stderr
    assert fragment in lines[-1], result.stderr


def _killed(chunk):
    os.kill(os.getpid(), signal.SIGKILL)


def run(*args):
    return runner.invoke(app, [str(arg) for arg in args])


def snapshot(folder: Path) -> dict:
    """Every file under `folder` (a symlink as its target), with its bytes."""
    return {
        str(path.relative_to(folder)): os.readlink(path) if path.is_symlink() else path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() or path.is_symlink()
    }


# --- Writes: data newstag does not own -----------------------------------------------------


def test_import_annotations_never_deletes_an_unrelated_x_tmp(in_project, tmp_path, small_export_path):
    (tmp_path / "X.tmp").mkdir()
    (tmp_path / "X.tmp" / "notes.txt").write_text("mine")
    result = run("import-annotations", small_export_path, "-o", tmp_path / "X")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "X.tmp" / "notes.txt").read_text() == "mine"


def test_import_annotations_into_the_parent_folder_is_refused(in_project, tmp_path, small_export_path):
    work = tmp_path / "work"
    work.mkdir()
    (tmp_path / "precious.txt").write_text("keep")
    export = shutil.copy(small_export_path, work / "export.json")
    os.chdir(work)
    before = snapshot(tmp_path)
    result = run("import-annotations", export, "-o", "..", "--force", "-c", ROOT / "configs" / "default.toml")
    assert_one_line_error(result, "working folder or one above it")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("kind", ["symlink", "dev-null", "fifo", "folder", "the input"])
def test_predict_refuses_targets_it_must_not_replace(
    in_project, tmp_path, trained_model_dir, kind, monkeypatch
):
    tasks = tmp_path / "tasks.json"
    tasks.write_text(json.dumps([{"data": {"text": "Jets bombed the town."}}]))
    real = tmp_path / "real.json"
    real.write_text("keep")
    target = {"dev-null": Path("/dev/null"), "the input": tasks}.get(kind, tmp_path / "target")
    if kind == "symlink":
        target.symlink_to(real)
    elif kind == "fifo":
        os.mkfifo(target)
    elif kind == "folder":
        target.mkdir()
        (target / "photo.jpg").write_bytes(b"\xff")
    before = snapshot(tmp_path)
    real_replace = os.replace

    def guarded(source, destination):  # as root, a regression would replace /dev/null itself
        assert Path(destination) != Path("/dev/null"), "newstag tried to replace /dev/null"
        real_replace(source, destination)

    monkeypatch.setattr(os, "replace", guarded)
    result = run("predict", tasks, "-o", target, "--model", trained_model_dir, "--force")
    fragment = {
        "symlink": "is a symlink",
        "dev-null": "device, FIFO or socket",
        "fifo": "device, FIFO or socket",
        "folder": "folder newstag did not write",
        "the input": "is, or holds, the input",
    }[kind]
    assert_one_line_error(result, fragment)
    assert snapshot(tmp_path) == before and Path("/dev/null").is_char_device()


def test_train_writes_model_and_evaluation_at_once(in_project, tmp_path, small_export_path, monkeypatch):
    """A failure while the evaluation report is written leaves the old model folder whole."""
    output = tmp_path / "model"
    assert run("train", "--data", small_export_path, "-o", output, "--no-cross-validate").exit_code == 0
    before = snapshot(output)

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("newstag.model.training.write_evaluation", full_disk)
    result = run("train", "--data", small_export_path, "-o", output, "--force")
    assert_ends_in_one_error(result, "No space left on device")
    assert snapshot(output) == before and os.listdir(tmp_path) == ["model"]
    monkeypatch.undo()
    os.chdir(ROOT)
    result = run("train", "--data", small_export_path, "-o", output, "--force")
    assert result.exit_code == 0, result.output
    assert {"model.skops", "meta.json", "README.md", "evaluation/metrics.json"} <= set(snapshot(output))


def test_ctrl_c_during_import_leaves_no_partial_dataset(in_project, tmp_path, small_export_path, monkeypatch):
    from datasets import Dataset

    def interrupted(self, path, *args, **kwargs):
        Path(path, "data-00000-of-00001.arrow").write_bytes(b"half")
        raise KeyboardInterrupt

    monkeypatch.setattr(Dataset, "save_to_disk", interrupted)
    result = run("import-annotations", small_export_path, "-o", tmp_path / "ds")
    assert result.exit_code != 0
    assert os.listdir(tmp_path) == []


# --- One line for every bad input --------------------------------------------------------


@pytest.mark.parametrize("command", ["tag", "export", "import-annotations", "predict"])
def test_an_unpaired_surrogate_escape_is_one_line(in_project, tmp_path, trained_model_dir, command):
    article = tmp_path / "a.jsonl"
    article.write_text('{"id": "a", "title": "T", "text": "Jets \\ud800 bombed the town."}\n')
    tasks = tmp_path / "tasks.json"
    tasks.write_text('[{"data": {"text": "Jets \\ud800 bombed the town."}}]')
    args = {
        "tag": ["tag", article, "--model", trained_model_dir],
        "export": ["export", article, "-o", tmp_path / "out.json"],
        "import-annotations": ["import-annotations", tasks, "-o", tmp_path / "ds"],
        "predict": ["predict", tasks, "-o", tmp_path / "out.json", "--model", trained_model_dir],
    }[command]
    assert_one_line_error(run(*args), r"unpaired surrogate escape (\ud800)")
    assert sorted(os.listdir(tmp_path)) == ["a.jsonl", "tasks.json"]


def test_an_empty_export_then_train_is_one_line(in_project, tmp_path):
    (tmp_path / "empty.json").write_text("[]")
    result = run("train", "--data", tmp_path / "empty.json", "-o", tmp_path / "m")
    assert_ends_in_one_error(result, "holds no labelled sentences")
    assert not (tmp_path / "m").exists()


def test_a_corrupt_dataset_folder_is_one_line(in_project, tmp_path, small_export_path):
    dataset = tmp_path / "ds"
    assert run("import-annotations", small_export_path, "-o", dataset).exit_code == 0
    (arrow,) = dataset.glob("*.arrow")
    arrow.write_bytes(arrow.read_bytes()[:100])
    result = run("train", "--data", dataset, "-o", tmp_path / "m")
    assert_one_line_error(result, "is a corrupt dataset folder")


@pytest.mark.parametrize("field, value", [("index", "x"), ("start", [1]), ("end", 2.5), ("index", True)])
def test_tasks_with_a_non_integer_number_field_are_one_line(
    in_project, tmp_path, trained_model_dir, field, value
):
    tasks = tmp_path / "tasks.json"
    tasks.write_text(json.dumps([{"data": {"text": "Jets bombed the town.", field: value}}]))
    result = run("predict", tasks, "-o", tmp_path / "out.json", "--model", trained_model_dir)
    assert_one_line_error(result, f"task 0: data.{field} is {value!r} (")
    assert "; expected a whole number;" in result.stderr


def test_a_mixed_utf8_and_cp1252_text_is_decoded_line_by_line(tmp_path):
    from newstag.text.articles import read_articles

    article = tmp_path / "mixed.txt"
    article.write_bytes("Título en español\n".encode() + "Café “quoted”\n".encode("cp1252"))
    (read,) = read_articles([article])
    assert read.text == "Título en español\nCafé “quoted”\n"


def test_text_in_neither_encoding_names_its_line(tmp_path):
    from newstag.text.articles import read_articles

    article = tmp_path / "bad.txt"
    article.write_bytes("Título\n".encode() + b"ok\nbad \x81 byte\n")
    with pytest.raises(Exception, match=r"bad.txt, line 3 is neither UTF-8 nor Windows-1252"):
        list(read_articles([article]))


def test_a_killed_jobs_worker_is_one_line(in_project, tmp_path, trained_model_dir, monkeypatch):
    monkeypatch.setattr("newstag.tagging.parallel._tag_chunk", _killed)
    articles = tmp_path / "a.jsonl"
    articles.write_text(
        "".join(json.dumps({"id": f"a{i}", "text": "Jets bombed it."}) + "\n" for i in range(20))
    )
    result = run("tag", articles, "--model", trained_model_dir, "--jobs", "2", "-o", tmp_path / "out.jsonl")
    assert_one_line_error(result, "a --jobs worker process died")
    assert sorted(os.listdir(tmp_path)) == ["a.jsonl"]


# --- Model files: a trusted but wrong object, a deep or inflating schema -----------------------


def _rewrite_model(folder: Path, schema: bytes | None = None, members: dict | None = None) -> None:
    """Replace the skops file's schema (or add members), and update meta.json's SHA-256 to match."""
    model = folder / "model.skops"
    with zipfile.ZipFile(model) as archive:
        contents = {name: archive.read(name) for name in archive.namelist()}
    if schema is not None:
        contents["schema.json"] = schema
    contents.update(members or {})
    with zipfile.ZipFile(model, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in contents.items():
            archive.writestr(name, data)
    meta = json.loads((folder / "meta.json").read_text())
    meta["model_sha256"] = hashlib.sha256(model.read_bytes()).hexdigest()
    (folder / "meta.json").write_text(json.dumps(meta))


def test_a_skops_file_holding_a_trusted_but_wrong_object_is_refused(tmp_path, trained_model_dir):
    import skops.io

    from newstag.model.persist import load_model

    folder = shutil.copytree(trained_model_dir, tmp_path / "m")
    skops.io.dump({"not": "a tagger"}, folder / "model.skops")
    _rewrite_model(folder)
    with pytest.raises(ModelError, match="holds a builtins.dict, not a newstag SentenceTagger"):
        load_model(folder)


def test_a_deeply_nested_schema_is_refused(tmp_path, trained_model_dir):
    from newstag.model.persist import load_model

    folder = shutil.copytree(trained_model_dir, tmp_path / "m")
    _rewrite_model(folder, schema=b'{"a": ' * 200_000 + b"1" + b"}" * 200_000)
    with pytest.raises(ModelError, match="nested too deeply"):
        load_model(folder)


def test_a_zip_bomb_schema_is_refused_without_inflating_it(tmp_path, trained_model_dir):
    import tracemalloc

    from newstag.model.persist import load_model

    folder = shutil.copytree(trained_model_dir, tmp_path / "m")
    _rewrite_model(folder, schema=b" " * (200 * 2**20))  # 200 MB of spaces, 200 KB zipped
    assert (folder / "model.skops").stat().st_size < 2**20
    tracemalloc.start()
    with pytest.raises(ModelError, match="inflates past 16 MB"):
        load_model(folder)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 64 * 2**20


def test_a_model_whose_members_inflate_past_the_limit_is_refused(tmp_path, trained_model_dir):
    from newstag.model.persist import load_model

    folder = shutil.copytree(trained_model_dir, tmp_path / "m")
    _rewrite_model(folder, members={f"big{i}.npy": b"\0" * (300 * 2**20) for i in range(4)})
    with pytest.raises(ModelError, match="would inflate to"):
        load_model(folder)


# --- Taxonomy checks wherever models meet data -----------------------------------------------


@pytest.fixture
def other_taxonomy_config(tmp_path) -> Path:
    text = (ROOT / "configs" / "default.toml").read_text()
    changed = text.replace('name = "air_strike"', 'name = "airstrike"', 1)
    assert changed != text
    path = tmp_path / "other.toml"
    path.write_text(changed)
    return path


@pytest.mark.parametrize("command", ["export", "predict", "serve"])
def test_a_model_of_another_taxonomy_is_refused(
    in_project, tmp_path, trained_model_dir, other_taxonomy_config, command
):
    article = ROOT / "seeds" / "001_0033be0623d06674.txt"
    tasks = tmp_path / "tasks.json"
    tasks.write_text(json.dumps([{"data": {"text": "Jets bombed the town."}}]))
    out = tmp_path / "out.json"
    config = ["--config", other_taxonomy_config]
    args = {
        "export": ["export", article, "-o", out, "--model", trained_model_dir, *config],
        "predict": ["predict", tasks, "-o", out, "--model", trained_model_dir, *config],
        "serve": ["serve", "--model", trained_model_dir, "--port", "1", *config],
    }[command]
    assert_one_line_error(run(*args), "was trained on other labels than")
    assert not out.exists()


def test_duplicate_task_ids_with_conflicting_labels_name_both(taxonomy, small_export_path):
    from newstag.annotate.annotations import examples_from_export

    tasks = json.loads(small_export_path.read_text())
    twin = copy.deepcopy(tasks[0])
    for item in (item for annotation in twin["annotations"] for item in annotation["result"]):
        if item["from_name"] == "attack_type":
            item["value"]["choices"] = ["shelling_missile"]
    twin["id"] = 99
    with pytest.raises(
        AnnotationError, match=r"task 1 \(a1:0\) and task 99 \(a1:0\) label sentence 'a1:0' differently"
    ):
        examples_from_export([*tasks, twin], taxonomy)
    same = copy.deepcopy(tasks[0])
    assert len(examples_from_export([*tasks, same], taxonomy).examples) == len(
        examples_from_export(tasks, taxonomy).examples
    )


def test_no_temp_file_is_left_by_any_probe(tmp_path):
    """The temporary names are newstag's own: none may be left in the project after the suite."""
    assert not [p for p in ROOT.glob(f"**/{TEMP_PREFIX}*") if ".venv" not in p.parts]
