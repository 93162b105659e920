"""The served model and its background retraining.

Predictions always use the current model. A retrain runs in one background thread; when it
succeeds, the new model folder is written atomically and the in-memory reference is swapped
in one assignment, so a request sees either the old model or the new one, never a mix. When
it fails, the old model keeps serving and `status()` says why.

With `workers`, predictions run in that many processes, each with its own copy of the model:
in the server's threads the GIL lets one request compute at a time. A retrain starts and
warms a new pool with the new model before the swap; requests already in the old pool finish
there.

A prediction depends only on the model and what it reads (the sentence with its title and
neighbours), so the latest CACHED_PREDICTIONS are kept per model version and input: Label
Studio asks again for a task every time someone opens it until it stores a prediction of the
current version, and a repeat costs no model call.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from newstag.assist.predictions import predict_tasks, task_sentences
from newstag.cache import LatestCache
from newstag.errors import one_line
from newstag.tagging.tag import model_input

log = logging.getLogger("newstag.serve")
CACHED_PREDICTIONS = 20_000

Trainer = Callable[[Path], object]
"""Writes a fresh model folder at the path it is given, or raises."""
Upcoming = Callable[[], list[dict]]
"""The tasks annotators will open next (may raise, e.g. when Label Studio is down)."""
AHEAD_CHUNK = 8


@dataclass(frozen=True)
class RetrainOutcome:
    started_at: str
    finished_at: str
    reason: str
    model_version: str | None
    error: str | None


class LiveModel:
    def __init__(
        self,
        saved,
        trainer: Trainer,
        output: Path | str,
        every: int = 10,
        workers: int = 0,
        upcoming: Upcoming | None = None,
        retrain_sources: list[dict] | None = None,
    ):
        self.workers = workers
        self.retrain_sources = retrain_sources
        """What a retrain learns from besides the projects' annotations (`annotate.sources` records)."""
        self.upcoming = upcoming
        self._serving = (saved, self._start_pool(saved))
        self._trainer = trainer
        self.output = Path(output)
        self.every = every
        self.pending = 0
        self.last: RetrainOutcome | None = None
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._cache = LatestCache(CACHED_PREDICTIONS)
        """(model version, sentence, its context) -> prediction: the whole of what the model reads
        (`tag.model_input`), since a model with context reads the same sentence differently
        beside other sentences."""
        self._ahead: threading.Thread | None = None
        self._replacing: threading.Thread | None = None
        self.predicted_ahead: dict | None = None
        """The last model version whose upcoming tasks were all predicted ahead, and how many."""

    @property
    def saved(self):
        return self._serving[0]

    @property
    def model_version(self) -> str:
        return self.saved.version

    @property
    def training(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def predict(self, tasks: list[dict], retry: bool = True) -> list[dict]:
        saved, pool = self._serving
        inputs = [_read(sentence) for sentence in task_sentences(tasks)]
        known = {key[1:]: p for key, p in self._cache.get_many((saved.version, *r) for r in inputs).items()}
        missing = [(task, read) for task, read in zip(tasks, inputs, strict=True) if read not in known]
        if missing:
            asked = [task for task, _ in missing]
            try:
                fresh = pool.submit(_predict, asked).result() if pool else predict_tasks(asked, saved)
            except RuntimeError:  # BrokenProcessPool, or a pool shut down by a retrain's swap
                if not retry:
                    raise
                if self._serving[1] is pool:  # not replaced by a retrain: a worker died
                    if not _is_broken(pool):
                        raise
                    self._replace_broken(pool).join()
                return self.predict(tasks, retry=False)
            new = dict(zip((read for _, read in missing), fresh, strict=True))
            self._cache.put_many({(saved.version, *read): p for read, p in new.items()})
            known.update(new)
        return [known[read] for read in inputs]

    def predict_ahead(self) -> threading.Thread | None:
        """Predict the upcoming tasks with the current model in a background thread (unless one
        runs already, or there is nothing to ask)."""
        if self.upcoming is None:
            return None
        with self._lock:
            if self._ahead is None or not self._ahead.is_alive():
                self._ahead = threading.Thread(target=self._run_ahead, name="ahead", daemon=True)
                self._ahead.start()
            return self._ahead

    def _run_ahead(self) -> None:
        try:
            while True:  # again whenever a new model comes in on the way
                version = self.model_version
                tasks = self.upcoming()
                for start in range(0, len(tasks), AHEAD_CHUNK):
                    if self.model_version != version:
                        break
                    self.predict(tasks[start : start + AHEAD_CHUNK])
                else:
                    self.predicted_ahead = {"model_version": version, "tasks": len(tasks)}
                    log.info("predicted %d upcoming tasks ahead with %s", len(tasks), version)
                    return
        except Exception as error:  # noqa: BLE001 - only a head start is lost; requests still work
            log.warning("could not predict the upcoming tasks ahead: %s", one_line(error))

    @property
    def healthy(self) -> bool:
        """False while a prediction worker has died and the workers are being replaced (the
        replacement starts here, so a health check alone brings them back)."""
        pool = self._serving[1]
        if pool is None or not _is_broken(pool):
            return True
        self._replace_broken(pool)
        return False

    def _replace_broken(self, broken: ProcessPoolExecutor) -> threading.Thread:
        """Start (once) a thread that swaps in fresh workers for the `broken` pool."""
        with self._lock:
            if self._replacing is None or not self._replacing.is_alive():
                self._replacing = threading.Thread(
                    target=self._swap_pool, args=(broken,), name="replace-workers", daemon=True
                )
                self._replacing.start()
            return self._replacing

    def _swap_pool(self, broken: ProcessPoolExecutor) -> None:
        saved = self.saved
        log.warning("a prediction worker died; starting %d new workers for %s", self.workers, saved.version)
        fresh = self._start_pool(saved)
        if self._serving[1] is broken:
            self._serving = (saved, fresh)
        else:  # a retrain swapped in its own pool meanwhile
            fresh.shutdown(wait=False)
        broken.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        """Stop the worker processes, if any."""
        if self._serving[1] is not None:
            self._serving[1].shutdown(cancel_futures=True)

    def _start_pool(self, saved) -> ProcessPoolExecutor | None:
        """A pool whose workers have loaded `saved` from its folder, or None without workers."""
        if not self.workers:
            return None
        # forkserver: forking this process, with uvicorn's threads running, could copy a held lock.
        context = multiprocessing.get_context("forkserver")
        pool = ProcessPoolExecutor(
            self.workers, context, initializer=_load_worker, initargs=(saved.directory,)
        )
        warm_up = [{"data": {"text": "Warming up."}}]  # features that load lazily (embeddings) load now
        for future in [pool.submit(_predict, warm_up) for _ in range(self.workers)]:
            future.result()  # workers start and load the model now, not on the first requests
        return pool

    def annotated(self, count: int = 1) -> bool:
        """Count new annotations; start a retrain once `every` have come in. True if started."""
        with self._lock:
            self.pending += count
            due = self.every > 0 and self.pending >= self.every
        return self.retrain(f"{self.pending} new annotations") if due else False

    def retrain(self, reason: str) -> bool:
        """Start retraining in the background unless a retrain runs already."""
        with self._lock:
            if self.training:
                return False
            self.pending = 0
            self._thread = threading.Thread(target=self._run, args=(reason,), name="retrain", daemon=True)
            self._thread.start()
            return True

    def wait(self, timeout: float | None = None) -> None:
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _run(self, reason: str) -> None:
        from newstag.model.persist import load_model

        started = _now()
        try:
            self._trainer(self.output)  # written atomically: a failed retrain leaves the old folder
            saved = load_model(self.output)
            old_pool = self._serving[1]
            self._serving = (saved, self._start_pool(saved))  # the swap: one reference assignment
            if old_pool is not None:
                old_pool.shutdown(wait=False)  # its queued requests still finish
            self.last = RetrainOutcome(started, _now(), reason, saved.version, None)
            log.info("retrained (%s): now serving %s", reason, saved.version)
            self.predict_ahead()
        except Exception as error:  # noqa: BLE001 - any failure keeps the old model serving
            message = one_line(error) or type(error).__name__
            self.last = RetrainOutcome(started, _now(), reason, None, message)
            log.warning("retrain failed (%s); still serving %s: %s", reason, self.model_version, message)

    def status(self) -> dict:
        last = self.last.__dict__ if self.last else None
        return {
            "model_version": self.model_version,
            "training": self.training,
            "annotations_since_training": self.pending,
            "retrain_every": self.every,
            "last_retrain": last,
            "predicted_ahead": self.predicted_ahead,
            "training_data": served_data(self.saved.meta),
            "retrains_learn_from": self.retrain_sources,
        }


def served_data(meta: dict) -> dict:
    """The served model's sentences and articles, in all and per source."""
    data = meta.get("training_data") or {}
    sources = [
        {key: source.get(key) for key in ("path", "sentences", "articles")}
        for source in data.get("sources") or []
    ]
    return {"sentences": data.get("sentences"), "articles": data.get("articles"), "sources": sources}


_worker_model = None


def _load_worker(directory: Path) -> None:
    from newstag.model.embeddings import one_thread_per_process
    from newstag.model.persist import load_model
    from newstag.tagging.parallel import default_signals

    default_signals()
    one_thread_per_process()
    global _worker_model
    _worker_model = load_model(directory)


def _predict(tasks: list[dict]) -> list[dict]:
    return predict_tasks(tasks, _worker_model)


def _read(sentence) -> tuple[str, str]:
    """A task's sentence as the prediction cache keys it: everything the model reads."""
    read = model_input(sentence)
    return str(read), read.context


def _is_broken(pool: ProcessPoolExecutor) -> bool:
    """CPython's executor marks itself broken when a worker dies (no public API says so)."""
    return bool(getattr(pool, "_broken", False))


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
