"""Progress: the library reports folds through a callback; the CLI draws a bar on stderr only
when stderr is a terminal."""

import os
import pty
import subprocess
import sys

from newstag.assist.label_errors import review
from newstag.model.training import train_model

from .conftest import ROOT

NEWSTAG = os.path.join(os.path.dirname(sys.executable), "newstag")


def test_training_reports_each_fold_and_the_final_fit(small_dataset, config):
    heard = []
    train_model(small_dataset, config, progress=lambda done, total: heard.append((done, total)))
    folds = heard[-2][1] - 1
    assert heard == [*((n, folds + 1) for n in range(1, folds + 1)), (1, 1)]


def test_review_reports_each_fold(small_dataset, config):
    heard = []
    review(small_dataset, config, progress=lambda done, total: heard.append((done, total)))
    assert heard == [(n, heard[-1][1]) for n in range(1, heard[-1][1] + 1)]


def _command(tmp_path, small_export_path) -> list[str]:
    command = [NEWSTAG, "train", "--data", str(small_export_path), "--no-cross-validate"]
    return command + ["-o", str(tmp_path / "model"), "--force"]


def test_train_draws_a_bar_on_a_terminal_and_none_into_a_pipe(tmp_path, small_export_path):
    piped = subprocess.run(_command(tmp_path, small_export_path), cwd=ROOT, capture_output=True, timeout=600)
    assert piped.returncode == 0
    assert b"final fit" not in piped.stderr
    leader, follower = pty.openpty()
    try:
        # Read while it runs: a bar that outgrows the terminal's buffer would otherwise block.
        on_terminal = subprocess.Popen(_command(tmp_path, small_export_path), cwd=ROOT, stderr=follower)
        os.close(follower)
        drawn = b""
        while chunk := _read(leader):
            drawn += chunk
        assert on_terminal.wait(timeout=600) == 0
    finally:
        os.close(leader)
    assert b"cross-validation folds, then the final fit" in drawn


def _read(fd: int) -> bytes:
    try:
        return os.read(fd, 65536)
    except OSError:  # the terminal's other end is closed: all is read
        return b""
