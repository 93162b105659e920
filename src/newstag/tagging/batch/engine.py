"""Running a batch on Dask: the model goes to each worker once, each partition is one task.

The model folder's files travel inside a worker plugin. The scheduler hands the plugin to
every worker when it is registered and to every worker that joins later (one restarted after
a crash, say), and the worker loads the model once, into this module's `_loaded`. Tasks carry
only the partition's name and URLs: workers read their input themselves, and write their
output atomically, so a task that runs twice (its worker died after writing) writes the same
file again and no record is lost or doubled.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from distributed import Client, LocalCluster, WorkerPlugin, as_completed

from newstag.config import SentenceConfig
from newstag.errors import ModelError, NewstagError, one_line
from newstag.model.persist import META_FILE, MODEL_FILE, model_files, read_meta
from newstag.tagging.batch.partitions import Partition, read_partition, write_partition

RETRIES = 2
"""Extra attempts for a task that raised an unexpected error. A task whose worker died is
rescheduled by Dask on its own, up to `distributed.scheduler.allowed-failures` (3) times."""
CONNECT_TIMEOUT = "20s"

_loaded: dict[str, tuple] = {}
"""In a worker process: model key -> (SavedModel, SentenceConfig)."""
_loads: dict[str, int] = {}
"""In a worker process: how many times each model was loaded (the tests check: once)."""


@dataclass(frozen=True)
class PartitionResult:
    name: str
    articles: int = 0
    error: str | None = None
    """One line; None when the partition was tagged and written."""


class ModelPlugin(WorkerPlugin):
    """Carries a model folder's files to each worker, which loads the model when it joins."""

    idempotent = True
    """Registered again under the same name (same model, same sentence config) on a long-lived
    cluster, it is not sent again: each worker loads a model once in its life, not once per run."""

    def __init__(self, key: str, files: dict[str, bytes], sentences: SentenceConfig):
        self.key = key
        self.files = files
        self.sentences = sentences

    def setup(self, worker) -> None:
        from newstag.model.persist import load_model

        folder = Path(worker.local_directory) / f"newstag-model-{self.key}"
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in self.files.items():
            (folder / name).write_bytes(data)
        _loaded[self.key] = (load_model(folder), self.sentences)  # checks the hash, as `tag` does
        _loads[self.key] = _loads.get(self.key, 0) + 1

    def teardown(self, worker) -> None:
        _loaded.pop(self.key, None)


@contextmanager
def connect(scheduler: str | None = None, workers: int | None = None) -> Iterator[Client]:
    """A client of the scheduler at `scheduler`, or of a local cluster of `workers` processes."""
    if scheduler:
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT)
        except OSError as error:
            raise NewstagError(
                f"cannot reach a Dask scheduler at {scheduler} ({' '.join(str(error).split())[:200]}); "
                f"start one with `dask scheduler`, or run locally with --workers N"
            ) from None
        with client:
            yield client
        return
    with (
        LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def ship_model(client: Client, model_dir: Path | str, sentences: SentenceConfig) -> str:
    """Send the model to every worker (now and later ones) once; return the key tasks use."""
    model_dir = Path(model_dir)
    meta = read_meta(model_dir)
    if not (model_dir / MODEL_FILE).is_file() or not meta.get("model_sha256"):
        raise ModelError(
            f"{model_dir} has no {MODEL_FILE} or no hash of it in {META_FILE}; retrain the model"
        )
    key = f"{meta['model_sha256'][:16]}-{_digest(repr(sentences))}"
    files = {name: (model_dir / name).read_bytes() for name in model_files(meta)}
    name = f"newstag-model-{key}"
    try:
        client.register_plugin(ModelPlugin(key, files, sentences), name=name)
    except BaseException:
        with suppress(Exception):  # else the next run would take the failed plugin as sent
            client.unregister_worker_plugin(name)
        raise
    return key


def run_batch(
    client: Client,
    partitions: list[Partition],
    model_dir: Path | str,
    sentences: SentenceConfig,
    retries: int = RETRIES,
) -> Iterator[PartitionResult]:
    """Tag every partition on the cluster; yield each one's result as it finishes, failed or not."""
    if not partitions:
        return
    key = ship_model(client, model_dir, sentences)
    run = uuid.uuid4().hex[:8]
    futures = {
        client.submit(tag_partition, p, key, retries=retries, key=f"newstag-{run}-{p.name}"): p
        for p in partitions
    }
    try:
        for future in as_completed(futures):
            yield _result(future, futures[future])
    finally:
        client.cancel(list(futures))  # when the caller stops early: no work left behind


def tag_partition(partition: Partition, key: str) -> PartitionResult:
    """On a worker: read, split and tag one partition, and write its records as `tag --format jsonl`."""
    from newstag.tagging.tag import article_record, tag_articles
    from newstag.text.sentences import split_articles

    if key not in _loaded:
        raise ModelError(f"model {key} was not loaded on this worker; see the worker's log for why")
    model, sentences = _loaded[key]
    tagged = tag_articles(split_articles(read_partition(partition), sentences), model)
    lines = (json.dumps(article_record(t, model.version), ensure_ascii=False) + "\n" for t in tagged)
    try:
        return PartitionResult(partition.name, articles=write_partition(partition.output, lines))
    except NewstagError as error:  # bad input: reported, not retried (it would fail again)
        return PartitionResult(partition.name, error=str(error))


def _result(future, partition: Partition) -> PartitionResult:
    try:
        return future.result()
    except Exception as error:  # retries spent, or every worker that tried it died
        message = one_line(error)
        return PartitionResult(partition.name, error=f"{type(error).__name__}: {message}")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:8]
