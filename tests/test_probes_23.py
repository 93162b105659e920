"""Issue 23's probes (docs/robustness.md): hostile input that hung newstag, read without
bound, left processes or temp files behind, or ended in a traceback. Each now ends in exit 0
or one line, with nothing outside the target changed. Probes that could hang run the real
console script under a deadline, so a regression fails instead of blocking the suite."""

from __future__ import annotations

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


def newstag(*args, stdin=None, timeout: float = DEADLINE, cwd=None) -> subprocess.CompletedProcess:
    """The console script, as a user runs it; a probe still running at the deadline fails."""
    try:
        return subprocess.run(
            [str(NEWSTAG), *map(str, args)],
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=stdin,
            cwd=cwd,
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
