"""Property tests and a fuzzing run of the CLI: whatever the article text, export or task
JSON, a command ends with exit 0, or exit 1 and one line on stderr; and no file outside
its target (-o) changes. Bounded: a few dozen generated inputs per command."""

from __future__ import annotations

import json
import random
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from newstag.cli.main import app

from .conftest import ROOT

runner = CliRunner()
few = settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
CONFIG = ROOT / "configs" / "default.toml"


def snapshot(folder: Path) -> dict:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_exit_0_or_one_line(args: list, folder: Path, target: Path) -> None:
    """Run the command in `folder`; nothing outside `target` may change."""
    before = snapshot(folder)
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    if result.exit_code != 0:
        assert result.exit_code == 1, result.output
        errors = [line for line in result.stderr.splitlines() if line.startswith("newstag: error: ")]
        assert errors == result.stderr.splitlines()[-1:], result.stderr
    after = snapshot(folder)
    outside = {name for name in before.keys() | after.keys() if not (folder / name).is_relative_to(target)}
    assert {n: before.get(n) for n in outside} == {n: after.get(n) for n in outside}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
task_fields = st.fixed_dictionaries(
    {"text": st.text(max_size=60) | json_values},
    optional={
        "index": json_values,
        "start": json_values,
        "end": json_values,
        "sentence_id": st.text(max_size=8) | json_values,
        "article_id": json_values,
        "title": json_values,
    },
)
span_results = st.fixed_dictionaries(
    {
        "from_name": st.just("responsible") | json_values,
        "to_name": st.just("text") | json_values,
        "type": st.just("labels"),
        "value": st.fixed_dictionaries(
            {"start": json_values, "end": json_values, "text": json_values, "labels": json_values}
        )
        | json_values,
    }
)
results = st.lists(
    st.fixed_dictionaries(
        {
            "from_name": st.sampled_from(["attack_type", "actor", "claim_status", "other"]) | json_values,
            "type": st.just("choices") | json_values,
            "value": st.fixed_dictionaries(
                {"choices": st.lists(st.sampled_from(["air_strike", "none", "claim"]))}
            )
            | json_values,
        }
    )
    | span_results,
    max_size=3,
)
tasks = st.lists(
    st.fixed_dictionaries(
        {"id": st.integers(0, 5) | json_values, "data": task_fields},
        optional={
            "annotations": st.lists(st.fixed_dictionaries({"result": results}), max_size=2) | json_values
        },
    ),
    max_size=5,
)


@few
@given(text=st.binary(max_size=400) | st.text(max_size=400).map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_export_of_any_article_text(text):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "article.txt").write_bytes(text)
        out = folder / "out.json"
        assert_exit_0_or_one_line(["export", folder / "article.txt", "-o", out, "-c", CONFIG], folder, out)


@few
@given(lines=st.lists(json_values | st.builds(lambda t: {"text": t}, st.text(max_size=80)), max_size=4))
def test_tag_of_any_jsonl(lines, trained_model_dir):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        text = "".join(json.dumps(line) + "\n" for line in lines)
        (folder / "a.jsonl").write_text(text)
        out = folder / "out.jsonl"
        args = ["tag", folder / "a.jsonl", "--model", trained_model_dir, "-f", "jsonl", "-o", out]
        assert_exit_0_or_one_line(args, folder, out)


@few
@given(export=tasks | json_values)
def test_import_annotations_of_any_export(export):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "export.json").write_text(json.dumps(export))
        out = folder / "ds"
        args = ["import-annotations", folder / "export.json", "-o", out, "-c", CONFIG]
        assert_exit_0_or_one_line(args, folder, out)


@few
@given(given_tasks=tasks | json_values)
def test_predict_on_any_task_json(given_tasks, trained_model_dir):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "tasks.json").write_text(json.dumps(given_tasks))
        out = folder / "out.json"
        args = ["predict", folder / "tasks.json", "-o", out, "--model", trained_model_dir, "-c", CONFIG]
        assert_exit_0_or_one_line(args, folder, out)


# --- A fuzzing run: valid inputs, mutated, through every command that reads them ----------


def mutations(data: bytes, rng: random.Random) -> list[bytes]:
    """Byte flips, truncations, insertions of hostile pieces, and the input nested deeply."""
    hostile = [b"\\ud800", b"\x00", b"\xff\xfe", b"[" * 5000, b'"index": "x", ', b"\x93\x94", b"\r"]
    found = []
    for _ in range(6):
        cut = rng.randrange(len(data))
        choice = rng.randrange(4)
        if choice == 0:
            found.append(data[:cut])
        elif choice == 1:
            found.append(data[:cut] + bytes([rng.randrange(256)]) + data[cut + 1 :])
        else:
            found.append(data[:cut] + rng.choice(hostile) + data[cut:])
    return found


@pytest.fixture(scope="module")
def valid_inputs(small_export_path) -> dict[str, bytes]:
    article = {"id": "a", "title": "Strike", "text": "Jets bombed the town. The army denied it."}
    return {
        "article.jsonl": (json.dumps(article) + "\n") * 2,
        "export.json": small_export_path.read_text(),
        "config.toml": CONFIG.read_text(),
    }


COMMANDS = {
    "article.jsonl": [
        ["export", "{input}", "-o", "{out}/tasks.json", "-c", CONFIG],
        ["tag", "{input}", "--model", "{model}", "-o", "{out}/tagged.csv", "-f", "csv"],
    ],
    "export.json": [
        ["import-annotations", "{input}", "-o", "{out}/ds", "-c", CONFIG],
        ["predict", "{input}", "-o", "{out}/p.json", "--model", "{model}", "-c", CONFIG],
        ["queue", "{input}", "-o", "{out}/q.json", "--model", "{model}"],
        ["train", "--data", "{input}", "-o", "{out}/m", "--no-cross-validate", "-c", CONFIG],
    ],
    "config.toml": [["export", ROOT / "seeds", "-o", "{out}/tasks.json", "-c", "{input}"]],
}


@pytest.mark.parametrize("seed", range(5))
def test_fuzzing_run_over_mutated_inputs(seed, valid_inputs, trained_model_dir, in_project):
    rng = random.Random(seed)
    for name, text in valid_inputs.items():
        for number, data in enumerate(mutations(text.encode(), rng)):
            command = COMMANDS[name][number % len(COMMANDS[name])]
            with tempfile.TemporaryDirectory() as tmp:
                folder = Path(tmp)
                (folder / name).write_bytes(data)
                (folder / "out").mkdir()
                fields = {"input": folder / name, "out": folder / "out", "model": trained_model_dir}
                args = [str(arg).format(**fields) for arg in command]
                assert_exit_0_or_one_line(args, folder, folder / "out")
