"""Every command that prints survives a closed stdout (`newstag info | head -1`): exit code 0,
no message. Each runs as the real `newstag` program, its stdout a pipe whose reader is gone."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

NEWSTAG = Path(sys.executable).parent / "newstag"
SEEDS = ROOT / "seeds"


def run_with_closed_stdout(*args) -> subprocess.CompletedProcess:
    reader, writer = os.pipe()
    os.close(reader)  # the reader is gone before the first byte: every write fails
    try:
        return subprocess.run(
            [str(NEWSTAG), *map(str, args)], stdout=writer, stderr=subprocess.PIPE, text=True, cwd=ROOT
        )
    finally:
        os.close(writer)


COMMANDS = {
    "help": lambda m, d, t: ["--help"],
    "info": lambda m, d, t: ["info", "--model", m],
    "tag table": lambda m, d, t: ["tag", SEEDS, "--model", m],
    "tag jsonl": lambda m, d, t: ["tag", SEEDS, "--model", m, "-f", "jsonl"],
    "tag csv, 2 jobs": lambda m, d, t: ["tag", SEEDS, "--model", m, "-f", "csv", "--jobs", "2"],
    "train": lambda m, d, t: ["train", "--data", d, "-o", t / "model", "--no-cross-validate"],
    "evaluate": lambda m, d, t: ["evaluate", d, "--model", m, "-o", t / "evaluation"],
    "report": lambda m, d, t: ["report", SEEDS, "--model", m, "-o", t / "report.html"],
    "review": lambda m, d, t: ["review", d, "--model", m],
    "review --json": lambda m, d, t: ["review", d, "--model", m, "--json"],
}
"""Every command that writes to stdout without a Label Studio server (`retrain`, `studio status`
and `studio login` print only when one runs)."""


@pytest.mark.parametrize("name", COMMANDS)
def test_a_closed_stdout_ends_the_command_quietly_with_exit_code_0(
    name, trained_model_dir, small_export_path, tmp_path
):
    finished = run_with_closed_stdout(*COMMANDS[name](trained_model_dir, small_export_path, tmp_path))
    assert finished.returncode == 0, finished.stderr
    for sign in ("Broken pipe", "BrokenPipe", "Traceback", "Exception ignored", "error"):
        assert sign not in finished.stderr, finished.stderr
