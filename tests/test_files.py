import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from newstag.errors import InputError
from newstag.files import (
    MARKER,
    TEMP_PREFIX,
    atomic_folder,
    atomic_writer,
    check_target,
    parse_json,
    refuse_to_overwrite,
    write_atomic,
)


def test_write_atomic_replaces_whole_file(tmp_path):
    target = tmp_path / "sub" / "out.json"
    write_atomic(target, "first")
    write_atomic(target, "second")
    assert target.read_text() == "second"
    assert os.listdir(target.parent) == ["out.json"]


def test_failed_write_leaves_old_file_and_no_temp(tmp_path, monkeypatch):
    target = tmp_path / "out.json"
    target.write_text("old")

    def fail(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError):
        write_atomic(target, "new")
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["out.json"]


# --- The write discipline: targets refused, folders swapped whole, temp files on signals ---


def test_temp_names_are_newstags_own(tmp_path):
    with atomic_writer(tmp_path / "out.json") as file:
        (staging,) = os.listdir(tmp_path)
        assert staging.startswith(TEMP_PREFIX)
        file.write("x")
    assert os.listdir(tmp_path) == ["out.json"]


@pytest.mark.parametrize("name", [".", "..", ""])
def test_working_folder_and_its_parents_are_refused(tmp_path, monkeypatch, name):
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    with pytest.raises(InputError, match="working folder or one above it"):
        refuse_to_overwrite(Path(name or str(tmp_path)), force=True)


def test_the_input_and_its_ancestors_are_refused(tmp_path):
    data = tmp_path / "in" / "export.json"
    data.parent.mkdir()
    data.write_text("[]")
    for target in (data, data.parent):
        with pytest.raises(InputError, match="is, or holds, the input"):
            refuse_to_overwrite(target, force=True, inputs=[data])


def test_a_symlink_is_refused_and_neither_it_nor_its_target_changes(tmp_path):
    real = tmp_path / "real.json"
    real.write_text("keep")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    with pytest.raises(InputError, match="is a symlink"):
        refuse_to_overwrite(link, force=True)
    assert link.is_symlink() and real.read_text() == "keep"


@pytest.mark.parametrize("make", ["fifo", "device"])
def test_a_fifo_or_device_is_refused(tmp_path, make):
    if make == "fifo":
        target = tmp_path / "pipe"
        os.mkfifo(target)
    else:
        target = Path("/dev/null")
    with pytest.raises(InputError, match="device, FIFO or socket"):
        refuse_to_overwrite(target, force=True)
    assert not Path("/dev/null").is_file()


def test_a_folder_newstag_did_not_write_is_refused_even_with_force(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "holiday.jpg").write_bytes(b"\xff")
    with pytest.raises(InputError, match="folder newstag did not write"):
        check_target(folder)
    assert (folder / "holiday.jpg").exists()


def test_atomic_folder_swaps_whole_and_marks_it(tmp_path):
    target = tmp_path / "out"
    with atomic_folder(target) as folder:
        (folder / "a.txt").write_text("1")
    with pytest.raises(RuntimeError), atomic_folder(target) as folder:
        (folder / "a.txt").write_text("2")
        raise RuntimeError("disk full")
    assert (target / "a.txt").read_text() == "1" and (target / MARKER).exists()
    assert sorted(os.listdir(tmp_path)) == ["out"]
    check_target(target)  # newstag's own folder may be replaced with --force
    with atomic_folder(target) as folder:
        (folder / "b.txt").write_text("3")
    assert sorted(os.listdir(target)) == [MARKER, "b.txt"] and os.listdir(tmp_path) == ["out"]


def test_an_unrelated_tmp_folder_beside_the_target_is_never_touched(tmp_path):
    (tmp_path / "X.tmp").mkdir()
    (tmp_path / "X.tmp" / "mine.txt").write_text("user data")
    (tmp_path / ".X.tmp").mkdir()
    with atomic_folder(tmp_path / "X") as folder:
        (folder / "data").write_text("d")
    assert (tmp_path / "X.tmp" / "mine.txt").read_text() == "user data" and (tmp_path / ".X.tmp").is_dir()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_temp_files_are_removed_on_sigint_and_sigterm(tmp_path, signum):
    """A real process writing slowly, interrupted: no temporary file, the old output kept."""
    target = tmp_path / "out.txt"
    target.write_text("old")
    script = (
        "import sys, time\n"
        "from newstag.files import atomic_writer, exit_on_sigterm\n"
        "exit_on_sigterm()\n"
        f"with atomic_writer({str(target)!r}) as out:\n"
        "    out.write('x' * 100000); out.flush(); print('writing', flush=True)\n"
        "    time.sleep(60)\n"
    )
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout.readline() == b"writing\n"
    assert any(name.startswith(TEMP_PREFIX) for name in os.listdir(tmp_path))
    process.send_signal(signum)
    process.wait(30)
    assert process.returncode != 0
    assert os.listdir(tmp_path) == ["out.txt"] and target.read_text() == "old"


def test_cli_main_removes_its_temp_file_on_sigterm(tmp_path, trained_model_dir):
    """`newstag tag -o` from the console script, terminated mid-run, leaves no hidden file."""
    body = "Soldiers shelled the town. " * 200
    articles = tmp_path / "in.jsonl"
    articles.write_text(
        "".join(json.dumps({"id": f"a{i}", "title": "T", "text": body}) + "\n" for i in range(3000))
    )
    output = tmp_path / "out" / "tagged.jsonl"
    output.parent.mkdir()
    newstag = Path(sys.executable).with_name("newstag")
    command = [newstag, "tag", articles, "--model", trained_model_dir, "-f", "jsonl", "-o", output]
    process = subprocess.Popen(command, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not os.listdir(output.parent) and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.2)
    assert process.poll() is None, process.stderr.read()
    process.send_signal(signal.SIGTERM)
    process.wait(60)
    assert process.returncode != 0 and os.listdir(output.parent) == []


def test_json_reads_are_bounded():
    with pytest.raises(InputError, match="nested too deeply"):
        parse_json(b"[" * 100 + b"]" * 100, "x.json", "fix it")
    with pytest.raises(InputError, match="over the 1 MB"):
        parse_json(b" " * (2**20 + 1), "x.json", "fix it", max_bytes=2**20)
    with pytest.raises(InputError, match=r"unpaired surrogate escape \(\\ud800\)"):
        parse_json(b'["a\\ud800"]', "x.json", "fix it")
    assert parse_json(b'["\\ud83d\\ude00", "[[[["]', "x.json", "fix") == ["\U0001f600", "[[[["]


def test_a_folder_a_background_thread_writes_is_removed_when_sigterm_ends_the_process(tmp_path):
    """As `serve` retrains in a daemon thread: SIGTERM ends the process, the thread is
    stopped without unwinding, and its staging folder must not stay behind."""
    script = (
        "import sys, threading, time\n"
        "from newstag.files import atomic_folder, exit_on_sigterm\n"
        "exit_on_sigterm()\n"
        "def retrain():\n"
        "    with atomic_folder(sys.argv[1]) as staging:\n"
        "        (staging / 'model.skops').write_text('half')\n"
        "        print('writing', flush=True)\n"
        "        time.sleep(600)\n"
        "threading.Thread(target=retrain, daemon=True).start()\n"
        "time.sleep(600)\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script, str(tmp_path / "live")], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout.readline() == "writing\n"
    process.send_signal(signal.SIGTERM)
    process.wait(60)
    assert os.listdir(tmp_path) == []
