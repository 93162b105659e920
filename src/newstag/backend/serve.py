"""Wiring: the served model, what a retrain learns from, and the uvicorn server.

A retrain learns from the base data (the seed annotations, say) plus the annotated tasks of
the current export of every Label Studio project that has called this backend; a project's
annotation of a sentence replaces the base one (matched by sentence id), and a task nobody
has annotated yet replaces nothing. Those unannotated tasks are the ones every model predicts
ahead, from the moment a project first calls.
"""

from __future__ import annotations

import random
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

from newstag.annotate.annotations import submitted
from newstag.backend.app import create_app
from newstag.backend.live import LiveModel
from newstag.errors import LabelStudioError


def merge_exports(*exports: list[dict]) -> list[dict]:
    """The annotated tasks of several exports; a later export's task replaces an earlier one
    with the same sentence id."""
    merged: dict[str, dict] = {}
    for number, export in enumerate(exports):
        for task in export:
            if submitted(task):
                key = (task.get("data") or {}).get("sentence_id") or f"{number}:{task.get('id')}"
                merged[key] = task
    return list(merged.values())


class Projects:
    """The Label Studio projects this backend serves, and their annotations."""

    def __init__(self, connection=None):
        self.connection = connection
        self.ids: set[int] = set()

    def remember(self, project_id: int) -> bool:
        """True when the project is new. Without a Label Studio connection a project's
        annotations cannot be read: a request naming one must not break every later retrain,
        which then learns from the base data."""
        if self.connection is None or project_id in self.ids:
            return False
        self.ids.add(project_id)
        return True

    def exports(self) -> list[list[dict]]:
        if not self.ids:
            return []
        if self.connection is None:
            raise LabelStudioError(
                "cannot read the projects' annotations: no Label Studio connection; "
                "start `newstag studio start` first, or point [studio] in --config at the server"
            )
        from newstag.labelstudio.ml import export_by_id

        return [export_by_id(self.connection, project_id) for project_id in sorted(self.ids)]

    def unannotated(self) -> list[dict]:
        """The tasks of every project that nobody has annotated yet."""
        return [task for export in self.exports() for task in export if not submitted(task)]


def make_trainer(config, base: Path | None, projects: Projects, encoder_of=None) -> Callable[[Path], object]:
    """Retrains on the base data and the projects' annotations; with `encoder_of` (the served
    model's tagger) a fine-tuned encoder is kept and only the heads are refitted."""

    def train(output: Path):
        from newstag.annotate.annotations import examples_from_export, load_export
        from newstag.annotate.dataset import to_dataset
        from newstag.model.training import train_and_save

        tasks = merge_exports(load_export(base) if base else [], *projects.exports())
        examples = examples_from_export(tasks, config.taxonomy).examples
        dataset = to_dataset(examples, config.taxonomy)
        return train_and_save(dataset, config, output, cross_validate=False, encoder_of=encoder_of)

    return train


def build(
    model_dir: Path,
    base: Path | None,
    output: Path,
    every: int,
    connection=None,
    workers: int = 0,
    fine_tune: bool = False,
):
    """The FastAPI app, its LiveModel (predicting in `workers` processes, or in this one) and
    its Projects. Retrains keep the served model's fine-tuned encoder unless `fine_tune`."""
    from newstag.config import config_from_dict
    from newstag.model.persist import load_model

    saved = load_model(model_dir)
    config = config_from_dict(saved.meta["config"], source=f"{model_dir}/meta.json")
    projects = Projects(connection)
    upcoming = projects.unannotated if connection is not None else None
    trainer = make_trainer(config, base, projects, None if fine_tune else saved.tagger)
    live = LiveModel(saved, trainer, output, every, workers, upcoming)

    def remember(project_id: int) -> None:
        if projects.remember(project_id):
            live.predict_ahead()

    return create_app(live, remember), live, projects


class Server:
    """uvicorn in a background thread (for tests and `serve`'s foreground loop alike)."""

    def __init__(self, app, host: str = "127.0.0.1", port: int = 9090):
        import uvicorn

        self.url = f"http://{host}:{port}"
        config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="uvicorn", daemon=True)

    def start(self, timeout: float = 20.0) -> Server:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise LabelStudioError(f"the ML backend did not start on {self.url}; is the port taken?")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def free_loopback_port() -> int:
    """A free port below the kernel's ephemeral range (32768 and up on Linux). A client
    polling a port in that range before the server listens can connect to itself and read
    its own request back, which looks like a broken server."""
    for port in random.sample(range(20000, 32000), 200):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free loopback port between 20000 and 32000")
