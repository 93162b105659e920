"""The catalogue of bad input (docs/robustness.md): each entry ends in one line on stderr,
exit code 1 and no output file, or is read correctly. Entries tested elsewhere are named in
the catalogue; the property tests throw arbitrary data at the readers."""

import json
import os
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from newstag.annotate.annotations import examples_from_export
from newstag.cli.main import app
from newstag.errors import AnnotationError, InputError
from newstag.model.persist import load_model
from newstag.text.articles import Article, article_text, read_articles
from newstag.text.sentences import split_article

from .conftest import ROOT, assert_one_line_error

SEED = ROOT / "seeds" / "001_0033be0623d06674.txt"
runner = CliRunner()
quick = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def tag(model, *args):
    return runner.invoke(app, ["tag", "--model", str(model), *map(str, args)])


def assert_only(folder: Path, names: list[str]):
    """Nothing half-written: no output, and no temporary file left behind."""
    assert sorted(os.listdir(folder)) == sorted(names)


# --- Files that are empty, binary, in another encoding, or too big -------------------------


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("blank.txt", b" \r\n\t\n", "is empty"),
        ("blank.jsonl", b"\n \r\n", "is empty"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00", "binary file"),
        ("binary.jsonl", b'{"text": "a"}\n\x00\x01{\n', "line 2 is a binary file"),
        ("deep.jsonl", b"[" * 100_000 + b"\n", "nested too deeply"),
        ("scripts.html", b"<html><script>var a = 'x';</script><nav>Home</nav></html>", "no article text"),
    ],
)
def test_bad_article_files_fail_in_one_line_and_write_nothing(
    trained_model_dir, tmp_path, name, content, fragment
):
    (tmp_path / name).write_bytes(content)
    assert_one_line_error(tag(trained_model_dir, tmp_path / name, "-o", tmp_path / "out.jsonl"), fragment)
    assert_only(tmp_path, [name])


def test_a_later_bad_article_leaves_no_partial_output(trained_model_dir, tmp_path):
    (tmp_path / "z.txt").write_bytes(b"\x00binary")
    (tmp_path / "out.jsonl").write_text("previous run\n")
    result = tag(
        trained_model_dir, SEED, tmp_path / "z.txt", "-f", "jsonl", "-o", tmp_path / "out.jsonl", "--force"
    )
    assert_one_line_error(result, "binary file")
    assert (tmp_path / "out.jsonl").read_text() == "previous run\n"
    assert_only(tmp_path, ["out.jsonl", "z.txt"])


def test_jsonl_lines_in_cp1252_with_bom_and_crlf_are_read(tmp_path):
    lines = [
        "\ufeff" + json.dumps({"id": "a", "text": "Line one.\r\nLine two.\rEnd."}),
        json.dumps({"id": "b", "text": "It’s hit."}, ensure_ascii=False),
    ]
    (tmp_path / "feed.jsonl").write_bytes(lines[0].encode() + b"\r\n" + lines[1].encode("cp1252") + b"\r\n")
    first, second = read_articles([tmp_path / "feed.jsonl"])
    assert first.text == "Line one.\nLine two.\nEnd." and second.text == "It’s hit."


FIFTY_MB = 50 * 2**20


@pytest.mark.parametrize("name", ["big.txt", "big.html", "big.jsonl"])
def test_a_50_mb_article_is_refused_before_it_is_read(trained_model_dir, tmp_path, name):
    body = b"Shells hit the hospital again. " * (FIFTY_MB // 31)
    (tmp_path / name).write_bytes(b'{"text": "' + body + b'"}\n' if name.endswith("jsonl") else body)
    result = tag(trained_model_dir, tmp_path / name, "-o", tmp_path / "out.jsonl")
    assert_one_line_error(result, "over the 10 MB an article may have; split it")
    assert_only(tmp_path, [name])


def test_a_50_mb_article_on_stdin_is_refused(trained_model_dir):
    result = runner.invoke(
        app, ["tag", "--model", str(trained_model_dir), "-"], input=b"Title\n" + b"x " * (FIFTY_MB // 2)
    )
    assert_one_line_error(result, "stdin is 10 MB or more")


def test_a_million_line_jsonl_is_streamed_not_read_whole(tmp_path):
    path = tmp_path / "million.jsonl"
    with path.open("w") as file:
        file.writelines(f'{{"id": "{i}", "text": "Jets struck clinic {i}."}}\n' for i in range(1_000_000))
    assert path.stat().st_size > 40 * 2**20
    tracemalloc.start()
    articles = read_articles([path])
    first = [next(articles) for _ in range(1000)]
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert first[-1].id == "999"
    assert peak < 4 * 2**20, f"reading 1000 articles of a 40 MB file took {peak / 2**20:.0f} MB"


def test_stdin_jsonl_is_streamed(monkeypatch):
    import io

    class Endless(io.RawIOBase):
        """Lines forever: reading all of stdin first would never return."""

        def readable(self):
            return True

        def readinto(self, buffer):
            line = b'{"text": "A hospital was hit."}\n'
            buffer[: len(line)] = line
            return len(line)

    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BufferedReader(Endless())))
    articles = read_articles(["-"])
    assert [next(articles).id for _ in range(3)] == ["stdin-1", "stdin-2", "stdin-3"]


# --- Exports, labels and models -----------------------------------------------------------


def test_hand_edited_export_with_a_broken_annotation_is_one_line(in_project, tmp_path, small_export_path):
    tasks = json.loads(small_export_path.read_text())
    tasks[0]["annotations"] = "edited by hand"
    tasks[1]["annotations"][0]["result"] = [{"type": "choices", "from_name": "actor", "value": None}]
    (tmp_path / "export.json").write_text(json.dumps(tasks))
    arguments = ["import-annotations", tmp_path / "export.json", "-o", tmp_path / "ds"]
    result = runner.invoke(app, list(map(str, arguments)))
    assert_one_line_error(result, "task 1")
    assert_only(tmp_path, ["export.json"])


def test_a_missing_export_is_named_before_an_existing_output(in_project, tmp_path):
    (tmp_path / "ds").mkdir()
    arguments = ["import-annotations", tmp_path / "missing.json", "-o", tmp_path / "ds"]
    result = runner.invoke(app, list(map(str, arguments)))
    assert_one_line_error(result, "missing.json")
    assert "--force" not in result.stderr


def test_tampered_model_folder_is_refused_in_one_line(trained_model_dir, tmp_path):
    import shutil

    copy = shutil.copytree(trained_model_dir, tmp_path / "model")
    with (copy / "model.skops").open("ab") as file:
        file.write(b"\x00")
    assert_one_line_error(tag(copy, SEED, "-o", tmp_path / "out.txt"), "does not match the SHA-256")
    assert_only(tmp_path, ["model"])


# --- Disks that are full and folders that are read-only -----------------------------------


def test_full_disk_while_writing_output_keeps_the_old_file(trained_model_dir, tmp_path, monkeypatch):
    (tmp_path / "out.csv").write_text("old\n")

    def full(descriptor):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    result = tag(trained_model_dir, SEED, "-f", "csv", "-o", tmp_path / "out.csv", "--force")
    assert_one_line_error(result, "No space left")
    assert (tmp_path / "out.csv").read_text() == "old\n"
    assert_only(tmp_path, ["out.csv"])


def test_full_disk_on_stdout_is_one_line(trained_model_dir, monkeypatch, capsys):
    import typer

    from newstag.cli.tag import tag as tag_command

    with open("/dev/full", "w") as full:
        monkeypatch.setattr("sys.stdout", full)
        with pytest.raises(typer.Exit) as exit_:
            tag_command(
                [str(SEED)], model=trained_model_dir, sentence_config=ROOT / "configs" / "default.toml"
            )
    assert exit_.value.exit_code == 1
    assert capsys.readouterr().err == "newstag: error: No space left on device\n"


def test_read_only_folder_is_one_line(trained_model_dir, tmp_path):
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o500)
    if os.access(folder, os.W_OK):  # root writes anywhere; sysfs refuses new files even to root
        folder = Path("/sys")
    assert_one_line_error(tag(trained_model_dir, SEED, "-o", folder / "out.txt"), "Permission denied")
    assert not (folder / "out.txt").exists()


# --- Properties: arbitrary data never escapes as anything but the project's errors ---------


@quick
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=400))
def test_splitting_never_loses_non_space_text(config, text):
    result = split_article(Article(id="a", title="t", text=text), config.sentences)
    covered = set()
    for piece in [*result.sentences, *result.dropped]:
        assert text[piece.start : piece.end] == piece.text
        covered.update(range(piece.start, piece.end))
    assert [c for i, c in enumerate(text) if not c.isspace() and i not in covered] == []


@quick
@given(st.binary(max_size=300))
def test_article_text_raises_only_input_error_and_leaves_no_carriage_return(data):
    try:
        text = article_text(data, "x")
    except InputError as error:
        assert "\n" not in str(error)
    else:
        assert "\r" not in text and not text.startswith("\ufeff")


NAMES = st.sampled_from(
    ["choices", "actor", "claim_status", "attack_type", "russia", "claim", "none", "text"]
)
JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8) | NAMES,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(NAMES | st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
TASK_KEYS = st.sampled_from(
    ["id", "data", "annotations", "result", "value", "choices", "from_name", "type", "was_cancelled", "text"]
)
TASKISH = st.recursive(
    JSONISH,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TASK_KEYS, inner, max_size=5),
    max_leaves=30,
)


@quick
@given(st.lists(TASKISH, max_size=4))
def test_examples_from_export_raises_only_project_errors_on_jsonish_data(taxonomy, tasks):
    try:
        examples_from_export(tasks, taxonomy)
    except (InputError, AnnotationError) as error:
        assert "\n" not in str(error)


@quick
@given(st.lists(st.binary(max_size=60) | JSONISH.map(lambda v: json.dumps(v).encode()), max_size=5))
def test_jsonl_reader_raises_only_input_error(tmp_path, lines):
    path = tmp_path / "feed.jsonl"
    path.write_bytes(b"\n".join(lines))
    try:
        for article in read_articles([path]):
            assert article.text.strip() and "\r" not in article.text
    except InputError as error:
        assert "\n" not in str(error)


# --- Every field of a task or an export, of the wrong type ----------------------------------

GARBAGE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)
FITS = {
    "text": lambda v: isinstance(v, str),
    "whole": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "score": lambda v: v is None or isinstance(v, int | float) and not isinstance(v, bool),
    "flag": lambda v: isinstance(v, bool),
    "list": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
    "texts": lambda v: isinstance(v, list) and all(isinstance(item, str) for item in v),
    "id": lambda v: isinstance(v, int | str) and not isinstance(v, bool),
    "annotator": lambda v: isinstance(v, int | str | dict) and not isinstance(v, bool),
    "prediction": lambda v: isinstance(v, int | dict) and not isinstance(v, bool),
}
RESULT = ("annotations", 0, "result", 0)
FIELDS = {
    ("id",): "id",
    ("data",): "object",
    **{("data", name): "text" for name in ("text", "title", "context_before", "context_after")},
    **{("data", name): "text" for name in ("sentence_id", "article_id", "source_url", "outlet", "date")},
    **{("data", name): "whole" for name in ("index", "start", "end")},
    **{(name,): "list" for name in ("annotations", "drafts", "predictions")},
    ("annotations", 0): "object",
    ("annotations", 0, "result"): "list",
    RESULT: "object",
    **{(*RESULT, name): "text" for name in ("type", "from_name", "to_name")},
    (*RESULT, "value"): "object",
    (*RESULT, "value", "choices"): "texts",
    ("annotations", 0, "was_cancelled"): "flag",
    ("annotations", 0, "ground_truth"): "flag",
    ("annotations", 0, "completed_by"): "annotator",
    ("predictions", 0): "prediction",
    ("predictions", 0, "model_version"): "text",
    ("predictions", 0, "score"): "score",
    ("drafts", 0, "result"): "list",
}


def good_task(number: int = 7) -> dict:
    """A task as Label Studio exports it, labelled "none" in every group."""
    result = [
        {"from_name": group, "to_name": "text", "type": "choices", "value": {"choices": ["none"]}}
        for group in ("attack_type", "actor", "claim_status")
    ]
    labels = {"result": result, "was_cancelled": False, "ground_truth": False, "completed_by": 1}
    return {
        "id": number,
        "data": {
            "text": "Jets bombed the hospital.",
            **{name: "" for name in ("title", "context_before", "context_after", "source_url", "outlet")},
            **{
                "sentence_id": f"a:{number}",
                "article_id": "a",
                "date": "2016-04-28",
                "index": 0,
                "start": 0,
                "end": 25,
            },
        },
        "annotations": [labels],
        "drafts": [{"result": []}],
        "predictions": [{"model_version": "v1", "score": 0.5, "result": result}],
    }


def with_value(task: dict, path: tuple, value) -> dict:
    holder = task
    for key in path[:-1]:
        holder = holder[key]
    holder[path[-1]] = value
    return task


def spelled(path: tuple) -> str:
    """("annotations", 0, "result") -> "annotations[0].result", as the error names a field."""
    return "".join(f"[{key}]" if isinstance(key, int) else f".{key}" for key in path).lstrip(".")


@quick
@given(
    data=st.data(),
    path=st.sampled_from(sorted(FIELDS, key=str)),
    command=st.sampled_from(["import", "predict"]),
)
def test_every_wrongly_typed_field_is_one_line_naming_task_field_found_and_expected(
    in_project, tmp_path, trained_model_dir, data, path, command
):
    wrong = data.draw(GARBAGE.filter(lambda value: not FITS[FIELDS[path]](value)), label="wrong")
    task = with_value(good_task(), path, wrong)
    file = tmp_path / "tasks.json"
    file.write_text(json.dumps([good_task(6), task]))
    args = {
        "import": ["import-annotations", file, "-o", tmp_path / "ds", "--force"],
        "predict": ["predict", file, "-o", tmp_path / "out.json", "--force", "--model", trained_model_dir],
    }[command]
    result = runner.invoke(app, [str(arg) for arg in args])
    named = "task 1" if path == ("id",) else "task 7"
    assert_one_line_error(result, f"{file} {named}: {spelled(path)} is ")
    assert "; expected " in result.stderr
    assert not (tmp_path / "ds").exists() and not (tmp_path / "out.json").exists()


def test_predictions_named_by_id_as_label_studio_exports_them_are_read(
    in_project, tmp_path, trained_model_dir
):
    file = tmp_path / "export.json"
    file.write_text(json.dumps([good_task(6) | {"predictions": [3, 4]}]))
    imported = runner.invoke(app, ["import-annotations", str(file), "-o", str(tmp_path / "ds")])
    assert imported.exit_code == 0, imported.output
    out = tmp_path / "out.json"
    predicted = runner.invoke(app, ["predict", str(file), "-o", str(out), "--model", str(trained_model_dir)])
    assert predicted.exit_code == 0, predicted.output
    [task] = json.loads(out.read_text())
    assert [p["model_version"] for p in task["predictions"]] == [load_model(trained_model_dir).version]
