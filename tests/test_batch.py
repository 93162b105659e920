"""newstag batch on a real Dask cluster: worker processes on 127.0.0.1, started by the tests.

The reference is always the single-machine `newstag tag --format jsonl` on the same files.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newstag.cli.main import app
from newstag.errors import InputError
from newstag.tagging.batch import engine
from newstag.tagging.batch.engine import connect, run_batch
from newstag.tagging.batch.partitions import list_partitions, plan_batch, write_partition

from .conftest import ROOT, assert_one_line_error

runner = CliRunner()
WORKERS = 2


@pytest.fixture(scope="module")
def client():
    with connect(workers=WORKERS) as local:
        yield local


def write_corpus(folder: Path, partitions: int) -> Path:
    """`partitions` JSONL files, each with the seed articles under new ids."""
    from newstag.text.articles import read_articles

    seeds = list(read_articles([ROOT / "seeds"]))
    folder.mkdir(parents=True)
    for p in range(partitions):
        lines = [
            json.dumps({"id": f"{a.id}-{p}", "title": a.title, "text": a.text.split("\n", 1)[1]})
            for a in seeds
        ]
        (folder / f"part-{p:02}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def single_machine(corpus: Path, model: Path, tmp_path: Path) -> list[dict]:
    output = tmp_path / "single.jsonl"
    args = ["tag", str(corpus), "--model", str(model), "--format", "jsonl", "-o", str(output)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]


def assert_same_records(output: Path, expected: list[dict]) -> None:
    """Every record once, equal to the single machine's; within a partition, in the same order."""
    by_file: dict[str, list[dict]] = {}
    for record in expected:
        by_file.setdefault(Path(record["location"].split(", line ")[0]).stem, []).append(record)
    written = {f.stem: f for f in output.glob("*.jsonl")}
    assert sorted(written) == sorted(by_file)
    for stem, records in by_file.items():
        lines = written[stem].read_text(encoding="utf-8").splitlines()
        assert [json.loads(line) for line in lines] == records


def loads_per_worker(client) -> dict[str, dict[str, int]]:
    """worker address -> {model key: times loaded}: how often each worker received the model."""
    return client.run(_worker_loads)


def _worker_loads() -> dict[str, int]:
    return dict(engine._loads)


def run(client, corpus: Path | str, output: Path, model: Path, config) -> list:
    plan = plan_batch(str(corpus), str(output))
    return list(run_batch(client, plan.todo, model, config.sentences))


def test_distributed_output_equals_single_machine(client, trained_model_dir, config, tmp_path):
    corpus = write_corpus(tmp_path / "in", partitions=6)
    results = run(client, corpus, tmp_path / "out", trained_model_dir, config)
    assert [r.error for r in results] == [None] * 6 and sum(r.articles for r in results) == 30
    assert_same_records(tmp_path / "out", single_machine(corpus, trained_model_dir, tmp_path))
    loads = loads_per_worker(client)
    assert len(loads) == WORKERS and all(list(n.values()) == [1] for n in loads.values())


def test_a_killed_worker_loses_and_duplicates_nothing(client, trained_model_dir, config, tmp_path):
    corpus = write_corpus(tmp_path / "in", partitions=10)
    plan = plan_batch(str(corpus), str(tmp_path / "out"))
    killed = None
    results = []
    for result in run_batch(client, plan.todo, trained_model_dir, config.sentences):
        results.append(result)
        busy = [worker for worker, tasks in client.processing().items() if tasks]
        if killed is None and busy:  # mid-run: that worker is tagging a partition right now
            killed = client.run(os.getpid, workers=busy[:1])[busy[0]]
            os.kill(killed, signal.SIGKILL)
    assert killed is not None, "no worker was busy after the first partition: nothing was killed"
    assert [r.error for r in results] == [None] * 10
    assert_same_records(tmp_path / "out", single_machine(corpus, trained_model_dir, tmp_path))
    client.wait_for_workers(WORKERS, timeout=120)
    assert killed not in client.run(os.getpid).values()  # the nanny started a new worker
    # the new worker loaded the model when it joined; the other one has not loaded it again
    assert all(list(n.values()) == [1] for n in loads_per_worker(client).values())


def test_cli_reports_a_bad_partition_finishes_the_rest_and_a_rerun_skips_done(
    client, trained_model_dir, tmp_path
):
    corpus = write_corpus(tmp_path / "in", partitions=3)
    (corpus / "broken.jsonl").write_text('{"id": "a", "text": "Jets bombed it."}\nnot json\n')
    output = tmp_path / "out"
    args = ["batch", str(corpus), "-o", str(output), "--model", str(trained_model_dir)]
    args += ["--scheduler", client.scheduler.address]

    first = runner.invoke(app, args)
    assert first.exit_code == 1
    failures = [line for line in first.stderr.splitlines() if "FAILED" in line]
    assert len(failures) == 1 and (
        f"broken.jsonl FAILED: {corpus / 'broken.jsonl'}, line 2 is not valid JSON (Expecting value)"
        in failures[0]
    )
    assert first.stderr.splitlines()[-1].startswith("newstag: error: 1 of 4 partitions failed (broken.jsonl)")
    assert "articles/s" in first.stderr
    assert sorted(f.name for f in output.iterdir()) == ["part-00.jsonl", "part-01.jsonl", "part-02.jsonl"]

    before = {f.name: f.stat().st_mtime_ns for f in output.iterdir()}
    (output / "part-01.jsonl").unlink()
    second = runner.invoke(app, args)
    assert second.exit_code == 1
    assert second.stderr.splitlines()[0] == "4 partitions: 2 already written (skipped), 2 to tag"
    assert {f.name: f.stat().st_mtime_ns for f in output.iterdir() if f.name != "part-01.jsonl"} == {
        name: mtime for name, mtime in before.items() if name != "part-01.jsonl"
    }
    (corpus / "broken.jsonl").unlink()
    forced = runner.invoke(app, [*args, "--force"])
    assert forced.exit_code == 0, forced.output
    assert forced.stderr.splitlines()[0] == "3 partitions: 0 already written (skipped), 3 to tag"
    assert_same_records(output, single_machine(corpus, trained_model_dir, tmp_path))


def test_parquet_partitions_give_the_records_of_the_same_rows_in_jsonl(
    client, trained_model_dir, config, tmp_path
):
    import pyarrow as pa
    import pyarrow.parquet as pq

    corpus = write_corpus(tmp_path / "in", partitions=1)
    rows = [json.loads(line) for line in (corpus / "part-00.jsonl").read_text().splitlines()]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "in" / "rows.parquet")
    results = run(client, corpus.as_uri(), tmp_path / "out", trained_model_dir, config)  # an fsspec URL
    assert [r.error for r in results] == [None, None]
    as_jsonl, as_parquet = (
        [
            {**json.loads(line), "location": None}
            for line in (tmp_path / "out" / name).read_text().splitlines()
        ]
        for name in ("part-00.jsonl", "rows.jsonl")
    )
    assert as_parquet == as_jsonl and len(as_jsonl) == 5


def test_partitions_keep_their_relative_paths_and_skip_other_files(tmp_path):
    corpus = tmp_path / "in"
    (corpus / "2024").mkdir(parents=True)
    for name in ("2024/a.jsonl", "b.jsonl.gz", "c.parquet", "notes.txt", ".a.jsonl.tmp", ".hidden.jsonl"):
        (corpus / name).write_text("")
    partitions = list_partitions(str(corpus), str(tmp_path / "out"))
    assert [p.name for p in partitions] == ["2024/a.jsonl", "b.jsonl.gz", "c.parquet"]
    assert [p.output.rsplit("/out/", 1)[1] for p in partitions] == ["2024/a.jsonl", "b.jsonl", "c.jsonl"]
    assert partitions[0].location == str(corpus / "2024" / "a.jsonl")  # as `newstag tag` names it


@pytest.mark.parametrize(
    "names, fragment",
    [((), "holds no .jsonl"), (("a.jsonl", "a.parquet"), "would both be written to")],
)
def test_partition_listing_errors_are_one_line(tmp_path, names, fragment):
    (tmp_path / "in").mkdir()
    for name in names:
        (tmp_path / "in" / name).write_text("")
    with pytest.raises(InputError, match=fragment):
        list_partitions(str(tmp_path / "in"), str(tmp_path / "out"))


def test_a_partition_that_fails_while_written_leaves_no_file(tmp_path):
    def lines():
        yield "{}\n"
        raise InputError("line 2 is bad")

    with pytest.raises(InputError):
        write_partition(str(tmp_path / "out" / "p.jsonl"), lines())
    assert list((tmp_path / "out").iterdir()) == []


def test_output_inside_the_input_is_refused(tmp_path):
    (tmp_path / "p.jsonl").write_text('{"id": "a", "text": "Jets hit a clinic."}\n')
    for output in (tmp_path, tmp_path / "tagged"):
        with pytest.raises(InputError, match="inside it"):
            list_partitions(str(tmp_path), str(output))
    assert [p.name for p in tmp_path.iterdir()] == ["p.jsonl"]


def test_cli_refuses_both_a_scheduler_and_local_workers(tmp_path):
    args = [
        "batch",
        str(tmp_path),
        "-o",
        str(tmp_path / "out"),
        "--scheduler",
        "tcp://127.0.0.1:1",
        "--jobs=2",
    ]
    result = runner.invoke(app, args)
    assert_one_line_error(result, "not both")
