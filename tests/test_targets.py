"""One rule for output targets (`files.refuse_to_overwrite`), checked on every command that
writes: the target is not an input, not inside an input folder, not a file of a folder
newstag wrote (a model), not a symlink, device or FIFO, not `-`; an existing one is replaced
only with --force, and keeps its mode. A refused target changes nothing anywhere."""

from __future__ import annotations

import os
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from newstag.cli.main import app
from newstag.errors import InputError
from newstag.files import TEMP_PREFIX, refuse_to_overwrite

from .conftest import ROOT, assert_one_line_error

runner = CliRunner()
SEED = ROOT / "seeds" / "001_0033be0623d06674.txt"
CONFIG = ROOT / "configs" / "default.toml"


@dataclass
class Inputs:
    """A project in tmp_path: an article folder, an export folder, tasks, a model, a config."""

    root: Path
    articles: Path
    exports: Path
    tasks: Path
    model: Path
    config: Path
    guidelines: Path


@pytest.fixture
def inputs(tmp_path, trained_model_dir, small_export_path) -> Inputs:
    root = tmp_path / "project"
    articles, exports = root / "arts", root / "exps"
    articles.mkdir(parents=True)
    exports.mkdir()
    shutil.copy(SEED, articles / "001.txt")
    shutil.copy(small_export_path, exports / "export.json")
    tasks = root / "tasks.json"
    tasks.write_text('[{"data": {"text": "Jets bombed the hospital."}}]\n')
    model = shutil.copytree(trained_model_dir, root / "model")
    config = shutil.copy(CONFIG, root / "config.toml")
    guidelines = shutil.copy(ROOT / "labeling" / "guidelines.md", root / "guidelines.md")
    return Inputs(root, articles, exports, tasks, model, Path(config), Path(guidelines))


# Each writing command: its arguments with OUTPUT as the target, an input file it reads and a
# folder it reads (the names of `Inputs` fields, or paths inside them).
COMMANDS = {
    "export": (lambda i, o: ["export", i.articles, "-o", o, "-c", i.config], "articles/001.txt", "articles"),
    "tag": (
        lambda i, o: ["tag", i.articles, "--model", i.model, "-f", "jsonl", "-o", o],
        "articles/001.txt",
        "articles",
    ),
    "report": (
        lambda i, o: ["report", i.articles, "--model", i.model, "-o", o],
        "articles/001.txt",
        "articles",
    ),
    "predict": (
        lambda i, o: ["predict", i.tasks, "--model", i.model, "-o", o, "-c", i.config],
        "tasks",
        "model",
    ),
    "queue": (lambda i, o: ["queue", i.tasks, "--model", i.model, "-o", o, "-c", i.config], "tasks", "model"),
    "import-annotations": (
        lambda i, o: ["import-annotations", i.exports, "-o", o, "-c", i.config],
        "exports/export.json",
        "exports",
    ),
    "train": (
        lambda i, o: ["train", "--data", i.exports, "-o", o, "--no-cross-validate", "-c", i.config],
        "exports/export.json",
        "exports",
    ),
    "evaluate": (
        lambda i, o: ["evaluate", i.exports, "--model", i.model, "-o", o],
        "exports/export.json",
        "exports",
    ),
    "label-config": (
        lambda i, o: ["label-config", "-o", o, "--guidelines", i.guidelines, "-c", i.config],
        "config",
        None,
    ),
    "serve": (
        lambda i, o: [
            "serve",
            "--model",
            i.model,
            "-o",
            o,
            "--data",
            i.exports / "export.json",
            "-c",
            i.config,
        ],
        "exports/export.json",
        "model",
    ),
    "pull": (lambda i, o: ["pull", "--project", "p", "-o", o, "-c", i.config], None, None),
}


def resolve(i: Inputs, name: str) -> Path:
    field, _, rest = name.partition("/")
    return getattr(i, field) / rest if rest else getattr(i, field)


def target_for(case: str, i: Inputs, command: str) -> Path:
    """Arrange the case in the project and return the target to pass as -o."""
    _, input_file, input_folder = COMMANDS[command]
    user_file = i.root / "notes.txt"
    user_file.write_text("mine")
    targets = {
        "the input": lambda: resolve(i, input_file),
        "a file in an input folder": lambda: next(p for p in sorted(resolve(i, input_folder).iterdir())),
        "a new file in an input folder": lambda: resolve(i, input_folder) / "new.json",
        "the model file": lambda: i.model / "model.skops",
        "the model's meta.json": lambda: i.model / "meta.json",
        "a new file in a model folder": lambda: i.model / "out.json",
        "a device": lambda: Path("/dev/null"),
        "stdout's dash": lambda: Path("-"),
    }
    if case == "a symlink":
        (i.root / "link").symlink_to(user_file)
        return i.root / "link"
    if case == "a user's folder":
        (i.root / "photos").mkdir()
        (i.root / "photos" / "cat.jpg").write_bytes(b"\xff")
        return i.root / "photos"
    if case == "a fifo":
        os.mkfifo(i.root / "fifo")
        return i.root / "fifo"
    return targets[case]()


IN_MODEL = ("folder newstag wrote", "the input folder")
REFUSED = {
    "the input": ("the input",),
    "a file in an input folder": ("the input",),
    "a new file in an input folder": ("inside the input folder",),
    "the model file": IN_MODEL,
    "the model's meta.json": IN_MODEL,
    "a new file in a model folder": IN_MODEL,
    "a symlink": ("is a symlink",),
    "a user's folder": ("folder newstag did not write",),
    "a fifo": ("device, FIFO or socket",),
    "a device": ("device, FIFO or socket",),
    "stdout's dash": ("-o - is not a file name",),
}
NEEDS_FILE = {"the input": 1, "a file in an input folder": 2, "a new file in an input folder": 2}
REFUSAL_CASES = [
    (command, case)
    for command, (_, *given) in COMMANDS.items()
    for case in REFUSED
    if case not in NEEDS_FILE or given[NEEDS_FILE[case] - 1] is not None
]


def snapshot(folder: Path) -> dict:
    return {
        str(path.relative_to(folder)): (
            os.readlink(path)
            if path.is_symlink()
            else path.read_bytes()
            if path.is_file()
            else oct(path.stat().st_mode)
        )
        for path in sorted(folder.rglob("*"))
    }


def run(args, monkeypatch, root: Path):
    """The command, run in the project; as root, a regression must not replace /dev/null itself."""
    for name in ("replace", "rename"):
        real = getattr(os, name)

        def guarded(source, destination, real=real, **kwargs):
            assert Path(destination) != Path("/dev/null"), "newstag tried to replace /dev/null"
            return real(source, destination, **kwargs)

        monkeypatch.setattr(os, name, guarded)
    monkeypatch.chdir(root)
    return runner.invoke(app, [str(arg) for arg in args])


@pytest.mark.parametrize("command, case", REFUSAL_CASES)
def test_every_writer_refuses_a_target_it_must_not_replace(inputs, command, case, monkeypatch):
    target = target_for(case, inputs, command)
    before = snapshot(inputs.root)
    result = run([*COMMANDS[command][0](inputs, target), "--force"], monkeypatch, inputs.root)
    assert_one_line_error(result, "")
    assert any(fragment in result.stderr for fragment in REFUSED[case]), result.stderr
    assert snapshot(inputs.root) == before and Path("/dev/null").is_char_device()


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_writer_needs_force_to_replace_a_file(inputs, command, monkeypatch):
    argv = COMMANDS[command][0]
    target = inputs.root / "out"
    target.write_text("mine")
    before = snapshot(inputs.root)
    result = run(argv(inputs, target), monkeypatch, inputs.root)
    assert_one_line_error(result, "pass --force")
    assert snapshot(inputs.root) == before


@pytest.mark.parametrize("command", ["export", "tag", "report", "predict", "queue", "label-config"])
def test_force_keeps_the_replaced_files_mode(inputs, command, monkeypatch):
    argv = COMMANDS[command][0]
    target = inputs.root / "out"
    target.write_text("mine")
    target.chmod(0o600)
    result = run([*argv(inputs, target), "--force"], monkeypatch, inputs.root)
    assert result.exit_code == 0, result.output
    assert target.read_text() != "mine" and stat.S_IMODE(target.stat().st_mode) == 0o600


@pytest.mark.parametrize("command", ["import-annotations", "train", "evaluate"])
def test_a_folder_forced_over_a_file_leaves_no_hidden_copy(inputs, command, monkeypatch):
    argv = COMMANDS[command][0]
    target = inputs.root / "out"
    target.write_text("mine")
    result = run([*argv(inputs, target), "--force"], monkeypatch, inputs.root)
    assert result.exit_code == 0, result.output
    assert target.is_dir() and not [p for p in os.listdir(inputs.root) if p.startswith(TEMP_PREFIX)]


def test_the_command_list_names_every_writer():
    """A new command that takes -o must join COMMANDS (batch, whose -o is a folder it only adds
    to, is tested in test_batch.py)."""
    import typer.main

    click_app = typer.main.get_command(app)
    writers = set()
    for name, command in click_app.commands.items():
        sub = getattr(command, "commands", {name: command})
        for sub_name, leaf in sub.items():
            if any("--output" in p.opts for p in leaf.params):
                writers.add(sub_name)
    assert writers - {"batch"} == set(COMMANDS)


# --- The rule itself, on random paths among inputs, model files and links -----------------


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    parts=st.lists(
        st.sampled_from(["arts", "001.txt", "model", "meta.json", "link", "..", "new", "x.json"]),
        min_size=1,
        max_size=4,
    )
)
def test_the_rule_refuses_every_path_that_reaches_an_input_a_model_or_a_link(tmp_path, parts):
    root = tmp_path / "p"
    if not root.exists():
        (root / "arts").mkdir(parents=True)
        (root / "arts" / "001.txt").write_text("article")
        (root / "model").mkdir()
        (root / "model" / "meta.json").write_text("{}")
        (root / "link").symlink_to(root / "arts")
    target = root.joinpath(*parts)
    resolved = Path(os.path.realpath(target))
    through_link = "link" in parts
    reaches_input = resolved == root / "arts" or (root / "arts") in resolved.parents
    in_model = (root / "model") in resolved.parents
    above = resolved in (root, *root.parents)
    refused = True
    try:
        refuse_to_overwrite(target, True, [root / "arts"])
    except InputError:
        pass
    else:
        refused = False
    if reaches_input or in_model or above or through_link and target.is_symlink():
        assert refused, target
    if not refused:
        assert not (reaches_input or in_model), target


def test_force_as_root_keeps_another_users_file_theirs(inputs, monkeypatch):
    """Root replacing a user's 0600 file with --force left it root's and 0644 (run as
    another user, the test checks the mode alone: only root can give a file away)."""
    owner = (4242, 4243) if os.geteuid() == 0 else (os.getuid(), os.getgid())
    target = inputs.root / "theirs.json"
    target.write_text("mine")
    target.chmod(0o600)
    os.chown(target, *owner)
    result = run([*COMMANDS["export"][0](inputs, target), "--force"], monkeypatch, inputs.root)
    assert result.exit_code == 0, result.output
    found = target.stat()
    assert (found.st_uid, found.st_gid, stat.S_IMODE(found.st_mode)) == (*owner, 0o600)
