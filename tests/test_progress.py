"""Progress: the library reports folds through a callback; the CLI draws a bar on stderr only
when stderr is a terminal."""

import math
import os
import pty
import subprocess
import sys

from newstag.annotate.dataset import dataset_texts, gold_labels
from newstag.assist.label_errors import review
from newstag.model.finetune import FineTunedEncoder, fine_tuning_progress
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


def test_fine_tuning_reports_each_batch_of_every_epoch(small_dataset, taxonomy):
    groups = tuple((g.name, tuple(g.value_names), g.multiple) for g in taxonomy.groups)
    heard = []
    with fine_tuning_progress(lambda done, total: heard.append((done, total))):
        FineTunedEncoder(groups, epochs=2, batch_size=4).fit(
            dataset_texts(small_dataset), gold_labels(small_dataset, taxonomy)
        )
    steps = 2 * math.ceil(len(small_dataset) / 4)
    assert steps > 2 * 2
    assert heard == [(n, steps) for n in range(1, steps + 1)]


def _command(tmp_path, small_export_path, *options: str) -> list[str]:
    command = [NEWSTAG, "train", "--data", str(small_export_path), "--no-cross-validate", *options]
    return command + ["-o", str(tmp_path / "model"), "--force"]


def test_train_draws_a_bar_on_a_terminal_and_none_into_a_pipe(tmp_path, small_export_path):
    piped = subprocess.run(_command(tmp_path, small_export_path), cwd=ROOT, capture_output=True, timeout=600)
    assert piped.returncode == 0
    assert b"final fit" not in piped.stderr
    drawn = _on_terminal(_command(tmp_path, small_export_path))
    assert b"cross-validation folds, then the final fit" in drawn
    assert b"fine-tuning" not in drawn  # the default encoder is frozen: no fine-tuning bar


def test_train_draws_the_fine_tuning_bar_on_a_terminal_and_none_into_a_pipe(
    tmp_path, small_export_path, small_dataset
):
    default = (ROOT / "configs" / "default.toml").read_text(encoding="utf-8")
    tuned = default.replace('features = "embeddings+tfidf+cues+patterns"', 'features = "finetuned+cues"')
    assert tuned != default
    (tmp_path / "tuned.toml").write_text(tuned, encoding="utf-8")
    command = _command(tmp_path, small_export_path, "--config", str(tmp_path / "tuned.toml"))
    piped = subprocess.run(command, cwd=ROOT, capture_output=True, timeout=600)
    assert piped.returncode == 0
    assert b"fine-tuning" not in piped.stderr
    drawn = _on_terminal(command)
    assert b"fine-tuning the encoder (batches of every epoch, each fit)" in drawn
    steps = 3 * math.ceil(len(small_dataset) / 32)
    assert f"{steps}/{steps}".encode() in drawn  # the last batch of the last epoch is shown


def _on_terminal(command: list[str]) -> bytes:
    """What the command draws on stderr when stderr is a terminal."""
    leader, follower = pty.openpty()
    try:
        # Read while it runs: a bar that outgrows the terminal's buffer would otherwise block.
        on_terminal = subprocess.Popen(command, cwd=ROOT, stderr=follower)
        os.close(follower)
        drawn = b""
        while chunk := _read(leader):
            drawn += chunk
        assert on_terminal.wait(timeout=600) == 0
    finally:
        os.close(leader)
    return drawn


def _read(fd: int) -> bytes:
    try:
        return os.read(fd, 65536)
    except OSError:  # the terminal's other end is closed: all is read
        return b""
