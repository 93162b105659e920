"""Issue 23's probes (docs/robustness.md): hostile input that hung newstag, read without
bound, left processes or temp files behind, or ended in a traceback. Each now ends in exit 0
or one line, with nothing outside the target changed. Probes that could hang run the real
console script under a deadline, so a regression fails instead of blocking the suite."""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

NEWSTAG = Path(sys.executable).with_name("newstag")
CONFIG = ROOT / "configs" / "default.toml"
DEADLINE = 120
"""Seconds a probe may take before it counts as a hang (each takes a few seconds when it holds)."""


def newstag(
    *args, stdin=None, timeout: float = DEADLINE, cwd=None, preexec_fn=None
) -> subprocess.CompletedProcess:
    """The console script, as a user runs it; a probe still running at the deadline fails."""
    try:
        return subprocess.run(
            [str(NEWSTAG), *map(str, args)],
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=stdin,
            cwd=cwd,
            preexec_fn=preexec_fn,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"newstag {' '.join(map(str, args))} still ran after {timeout} s")


def assert_ok_or_one_line(result: subprocess.CompletedProcess, fragment: str = "") -> None:
    """Exit 0, or exit 1 with `newstag: error: ...` as the last stderr line and no traceback."""
    assert "Traceback" not in result.stderr, result.stderr
    if result.returncode == 0:
        return
    lines = result.stderr.splitlines()
    assert result.returncode == 1, result.stderr
    assert [line for line in lines if line.startswith("newstag: error: ")] == lines[-1:], result.stderr
    assert fragment in lines[-1], result.stderr


def assert_one_line(result: subprocess.CompletedProcess, fragment: str) -> None:
    assert result.returncode == 1, (result.returncode, result.stderr)
    assert_ok_or_one_line(result, fragment)


def config_with(tmp_path: Path, boilerplate: str) -> Path:
    """The project's config with one more boilerplate rule."""
    text = CONFIG.read_text(encoding="utf-8")
    text = re.sub(
        r"^boilerplate = \[\n", lambda m: m.group(0) + f"    {json.dumps(boilerplate)},\n", text, flags=re.M
    )
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


# --- ReDoS: a user's regular expression that backtracks catastrophically ----------------------

CATASTROPHIC = {"(a|aa)+": r"^(a|aa)+$", "(a+)+": r"^(a+)+$"}


@pytest.mark.parametrize("name", list(CATASTROPHIC))
def test_a_catastrophic_boilerplate_rule_in_the_config_ends_export(tmp_path, name):
    article = tmp_path / "a.txt"
    article.write_text("Title\n\n" + "a" * 60 + "!\n\nJets bombed the hospital.\n")
    result = newstag(
        "export", article, "-o", tmp_path / "tasks.json", "-c", config_with(tmp_path, CATASTROPHIC[name])
    )
    assert_ok_or_one_line(result, "backtracks catastrophically")


def test_a_catastrophic_rule_in_a_models_meta_json_ends_tag(tmp_path, trained_model_dir):
    model = shutil.copytree(trained_model_dir, tmp_path / "model")
    meta = json.loads((model / "meta.json").read_text())
    meta["config"]["sentences"]["boilerplate"].append(CATASTROPHIC["(a|aa)+"])
    (model / "meta.json").write_text(json.dumps(meta))
    article = tmp_path / "a.txt"
    article.write_text("Title\n\n" + "a" * 60 + "!\n")
    result = newstag("tag", article, "--model", model, "-o", tmp_path / "out.jsonl", "-f", "jsonl")
    assert_one_line(result, "backtracks catastrophically")
    assert sorted(os.listdir(tmp_path)) == ["a.txt", "model"]


# --- Unbounded reads: /dev/zero, a binary file, NUL bytes ------------------------------------


def limited_memory():
    """As a child's preexec_fn: 4 GB of address space, so that a regression fails with a
    MemoryError instead of filling the shared machine (one read 22.9 GB of /dev/zero)."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (4 * 2**30, 4 * 2**30))


def newstag_limited(*args, cwd=None) -> subprocess.CompletedProcess:
    return newstag(*args, cwd=cwd, preexec_fn=limited_memory)


ZERO_READERS = {
    "import-annotations": lambda t, m: ["import-annotations", "/dev/zero", "-o", t / "out"],
    "predict": lambda t, m: ["predict", "/dev/zero", "--model", m, "-o", t / "out"],
    "queue": lambda t, m: ["queue", "/dev/zero", "--model", m, "-o", t / "out"],
    "export -c": lambda t, m: ["export", SEED, "-o", t / "out", "-c", "/dev/zero"],
    "train --hold-out": lambda t, m: ["train", "--data", EXPORT, "-o", t / "out", "--hold-out", "/dev/zero"],
    "evaluate --only": lambda t, m: ["evaluate", m, EXPORT, "-o", t / "out", "--only", "/dev/zero"],
    "train --quality": lambda t, m: ["train", "--data", EXPORT, "-o", t / "out", "--quality", "/dev/zero"],
}
SEED = ROOT / "seeds" / "001_0033be0623d06674.txt"
EXPORT = ROOT / "tests" / "data" / "export_small.json"


@pytest.mark.parametrize("command", list(ZERO_READERS))
def test_dev_zero_as_any_input_is_refused_at_its_first_chunk(tmp_path, trained_model_dir, command):
    result = newstag_limited(*ZERO_READERS[command](tmp_path, trained_model_dir), cwd=ROOT)
    assert_one_line(result, "it holds NUL bytes, as a binary file does")
    assert os.listdir(tmp_path) == []


def test_a_binary_quality_table_is_one_line(tmp_path):
    quality = tmp_path / "quality.md"
    quality.write_bytes(bytes(range(256)) * 4)
    result = newstag("train", "--data", EXPORT, "-o", tmp_path / "out", "--quality", quality, cwd=ROOT)
    assert_one_line(result, "holds NUL bytes")
    assert os.listdir(tmp_path) == ["quality.md"]


def test_a_non_utf8_hold_out_list_is_one_line(tmp_path):
    ids = tmp_path / "ids.txt"
    ids.write_bytes(b"a1\n\xff\xfe\n")
    result = newstag("train", "--data", EXPORT, "-o", tmp_path / "out", "--hold-out", ids, cwd=ROOT)
    assert_one_line(result, "is not UTF-8")


@pytest.mark.parametrize("output_format", ["csv", "jsonl", "table", "report"])
def test_nul_characters_in_a_jsonl_article_never_reach_the_output(tmp_path, trained_model_dir, output_format):
    article = tmp_path / "a.jsonl"
    record = {
        "id": "a\u00001",
        "title": "Hospital\u0000 hit",
        "text": "Jets bombed\u0000 the hospital.",
        "outlet": "X\u0000",
    }
    article.write_text(json.dumps(record) + "\n")
    out = tmp_path / "out"
    if output_format == "report":
        result = newstag("report", article, "--model", trained_model_dir, "-o", out)
    else:
        result = newstag("tag", article, "--model", trained_model_dir, "-f", output_format, "-o", out)
    assert result.returncode == 0, result.stderr
    written = out.read_bytes()
    assert b"\x00" not in written and b"\\u0000" not in written and b"bombed the hospital" in written


# --- Workers that die ------------------------------------------------------------------------


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def test_a_jobs_worker_killed_from_outside_ends_tag_in_one_line(tmp_path, trained_model_dir):
    """SIGKILL one of `tag -j 2`'s workers mid-run: one line, exit 1, no temp file, no process."""
    import signal
    import time

    body = "Soldiers shelled the town. Jets bombed the hospital. " * 40
    articles = tmp_path / "in.jsonl"
    articles.write_text("".join(json.dumps({"id": f"a{i}", "text": body}) + "\n" for i in range(3000)))
    out = tmp_path / "out"
    out.mkdir()
    command = [
        NEWSTAG,
        "tag",
        articles,
        "--model",
        trained_model_dir,
        "-f",
        "jsonl",
        "-o",
        out / "t.jsonl",
        "-j",
        "2",
    ]
    process = subprocess.Popen(list(map(str, command)), stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + DEADLINE
        while not (os.listdir(out) and len(children(process.pid)) >= 2) and time.monotonic() < deadline:
            assert process.poll() is None, process.stderr.read()
            time.sleep(0.2)
        workers = children(process.pid)
        os.kill(workers[0], signal.SIGKILL)
        stderr = process.communicate(timeout=DEADLINE)[1]
    except subprocess.TimeoutExpired:
        pytest.fail("tag -j 2 still ran after one of its workers was killed")
    finally:
        for pid in [*children(process.pid), process.pid] if process.poll() is None else []:
            os.kill(pid, signal.SIGKILL)
    assert process.returncode == 1 and stderr.splitlines()[-1:] == [
        line for line in stderr.splitlines() if line.startswith("newstag: error:")
    ]
    assert "worker process died" in stderr and "Traceback" not in stderr
    assert os.listdir(out) == []
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)


def test_a_dead_serve_worker_is_replaced_and_health_says_down_until_it_is(trained_model_dir, tmp_path):
    """SIGKILL the prediction worker of a running backend: /health answers DOWN, the next
    /predict waits for fresh workers and succeeds, then /health is UP again (before: every
    /predict answered 500 while /health said UP, until the next retrain)."""
    import signal
    import time

    from fastapi.testclient import TestClient

    from newstag.backend.app import create_app
    from newstag.backend.live import LiveModel
    from newstag.model.persist import load_model

    live = LiveModel(load_model(trained_model_dir), lambda output: None, tmp_path / "live", workers=1)
    client = TestClient(create_app(live))
    tasks = {"tasks": [{"id": 1, "data": {"text": "Russian jets bombed the hospital."}}]}
    try:
        assert client.post("/predict", json=tasks).status_code == 200
        pool = live._serving[1]
        (worker,) = pool._processes
        os.kill(worker, signal.SIGKILL)
        deadline = time.monotonic() + DEADLINE
        while not pool._broken and time.monotonic() < deadline:  # the pool's own thread sees the death
            time.sleep(0.1)
        health = client.get("/health")
        assert health.status_code == 503 and health.json()["status"] == "DOWN"
        answer = client.post(
            "/predict", json={"tasks": [{"id": 2, "data": {"text": "Shelling hit a clinic."}}]}
        )
        assert answer.status_code == 200, answer.text
        assert client.get("/health").json()["status"] == "UP"
        assert worker not in live._serving[1]._processes
    finally:
        live.close()


# --- Sentence length: a one-line article of megabytes ----------------------------------------


def test_a_huge_sentence_is_cut_for_the_model_and_said_so(tmp_path, trained_model_dir):
    """A 2 MB line without a sentence end (a 9.9 MB one took 43 s and 2.5 GB before) is cut
    into sentences of at most MAX_SENTENCE_CHARS characters, every character kept."""
    from newstag.config import load_config
    from newstag.text.articles import read_articles
    from newstag.text.sentences import MAX_SENTENCE_CHARS, split_article

    article = tmp_path / "a.txt"
    article.write_text("Hospital hit\n\n" + "jets bombed the hospital and " * 70_000 + "\n")
    (split,) = [split_article(a, load_config(CONFIG).sentences) for a in read_articles([article])]
    assert split.cut == 1 and max(len(s.text) for s in split.sentences) <= MAX_SENTENCE_CHARS
    assert "".join(s.text for s in split.sentences).replace(" ", "") == split.article.text.replace(
        " ", ""
    ).replace("\n", "")
    result = newstag(
        "tag", article, "--model", trained_model_dir, "-f", "jsonl", "-o", tmp_path / "out.jsonl"
    )
    assert result.returncode == 0, result.stderr
    assert "1 sentences over 2000 characters were cut" in result.stderr


# --- batch: a corrupt partition, a decompression bomb ----------------------------------------


def test_batch_reports_a_corrupt_and_a_bomb_partition_once_each_without_a_traceback(
    tmp_path, trained_model_dir
):
    import gzip

    corpus = tmp_path / "in"
    corpus.mkdir()
    good = json.dumps({"id": "a", "text": "Jets bombed the hospital."}) + "\n"
    (corpus / "good.jsonl").write_text(good)
    (corpus / "corrupt.jsonl.gz").write_bytes(gzip.compress(good.encode() * 50)[:-30])
    (corpus / "bomb.jsonl.gz").write_bytes(gzip.compress(b"\n" * (80 * 2**20), compresslevel=9))
    output = tmp_path / "out"
    result = newstag("batch", corpus, output, "--model", trained_model_dir, "--workers", "1")
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    failed = [line for line in result.stderr.splitlines() if "FAILED" in line]
    assert len(failed) == 2, result.stderr
    assert "corrupt.jsonl.gz FAILED: corrupt.jsonl.gz is corrupt or truncated" in " ".join(failed)
    assert "bomb.jsonl.gz FAILED: bomb.jsonl.gz inflates past 65 MB" in " ".join(failed)
    assert result.stderr.splitlines()[-1].startswith("newstag: error: 2 of 3 partitions failed")
    assert sorted(os.listdir(output)) == ["good.jsonl"]


# --- Config: duplicate names -----------------------------------------------------------------


@pytest.mark.parametrize("kind", ["group", "value"])
def test_a_config_naming_a_group_or_value_twice_is_one_line(tmp_path, kind):
    import tomllib

    from newstag.config import config_from_dict
    from newstag.errors import ConfigError

    raw = tomllib.loads(CONFIG.read_text(encoding="utf-8"))
    groups = raw["taxonomy"]["groups"]
    if kind == "group":
        groups.append(copy.deepcopy(groups[0]))
    else:
        groups[0]["values"].append(copy.deepcopy(groups[0]["values"][0]))
    with pytest.raises(ConfigError, match=f"the {kind} name .* is used twice"):
        config_from_dict(raw, "config.toml")


# --- The backend: the text per task, the tasks per request ------------------------------------


def test_the_backend_bounds_the_text_per_task_and_the_tasks_per_request(
    trained_model_dir, tmp_path, monkeypatch
):
    from fastapi.testclient import TestClient

    from newstag.backend.app import MAX_TASKS_PER_REQUEST, create_app
    from newstag.backend.live import LiveModel
    from newstag.model.persist import load_model
    from newstag.text.sentences import MAX_SENTENCE_CHARS

    saved = load_model(trained_model_dir)
    seen: list[int] = []
    real = type(saved.tagger).predict_proba
    monkeypatch.setattr(
        type(saved.tagger),
        "predict_proba",
        lambda self, texts: seen.extend(map(len, texts)) or real(self, texts),
    )
    client = TestClient(create_app(LiveModel(saved, lambda output: None, tmp_path / "live")))
    huge = "Jets bombed the hospital and the school nearby " * 150_000  # 7 MB, one sentence
    answer = client.post("/predict", json={"tasks": [{"id": 1, "data": {"text": huge}}]})
    assert answer.status_code == 200 and seen and max(seen) <= MAX_SENTENCE_CHARS
    many = {"tasks": [{"id": n, "data": {"text": "Hi."}} for n in range(MAX_TASKS_PER_REQUEST + 1)]}
    refused = client.post("/predict", json=many)
    assert refused.status_code == 413 and "send at most" in refused.json()["error"]
