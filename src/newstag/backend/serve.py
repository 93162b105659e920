"""Wiring: the served model, what a retrain learns from, and the uvicorn server.

A retrain learns from the base data plus the annotated tasks of the current export of every
Label Studio project that has called this backend. The base data is, by default, the data the
served model was trained on, as its meta.json records it (`annotate.sources`), read once at
start and refused when a file is missing or has changed; `--data` adds to it or, when asked,
replaces it. The served model's held-out articles stay held out. A project's annotation of a
sentence replaces the base one (matched by sentence id), and a task nobody has annotated yet
replaces nothing. Those unannotated tasks are the ones every model predicts ahead, from the
moment a project first calls.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from newstag.annotate.annotations import submitted
from newstag.backend.app import create_app
from newstag.backend.live import LiveModel
from newstag.errors import InputError, LabelStudioError, ModelError


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


@dataclass(frozen=True)
class BaseData:
    """What every retrain learns from besides the projects' annotations."""

    dataset: object
    """A datasets.Dataset, its held-out articles left out."""
    sources: list[dict]
    held_out: set[str] = field(default_factory=set)
    replaced: bool = False
    """True when --data replaces the data the model was trained on."""

    def describe(self, model_dir: Path | str) -> str:
        from newstag.annotate.sources import describe

        whose = "" if self.replaced else f"the data {model_dir} was trained on: "
        kept_out = f", less the {len(self.held_out)} held-out articles" if self.held_out else ""
        return (
            f"retrains learn from {whose}{describe(self.sources)}{kept_out}, plus the projects' annotations"
        )


def check_data_options(added: Sequence[Path], replace: bool) -> None:
    """--data paths that exist, and --replace-data only with --data."""
    for path in added:
        if not Path(path).exists():
            raise InputError(f"--data {path} does not exist; give an export, a folder of them or a dataset")
    if replace and not added:
        raise InputError("--replace-data needs the data to retrain on: pass it with --data PATH")


def load_base_data(meta: dict, model_dir: Path | str, taxonomy, added: Sequence[Path] = (), replace=False):
    """The base data of every retrain: the model's recorded training data (unless `replace`),
    plus `added`. Refused in one line when a path does not exist, or when the recorded data
    is unknown, missing or changed."""
    from newstag.annotate.sources import changed_files, load_sources

    check_data_options(added, replace)
    training_data = meta.get("training_data") or {}
    recorded = [] if replace else training_data.get("sources")
    fix = "restore it, or pass the data to retrain on with --data PATH --replace-data"
    if not recorded and not replace:
        raise ModelError(
            f"{model_dir} does not record the data it was trained on (trained by an older newstag); "
            f"retrain it with newstag train, or pass that data with --data PATH --replace-data"
        )
    changed = changed_files(recorded)
    if changed:
        file, state = changed[0]
        raise ModelError(f"{model_dir} was trained on {file}, which {state} since; {fix}")
    held_out = set(training_data.get("held_out_articles") or ())
    paths = [record["path"] for record in recorded if record.get("files")] + [str(p) for p in added]
    dataset, sources = load_sources(paths, taxonomy, held_out)
    return BaseData(dataset, sources, held_out, replace)


def with_annotations(base: BaseData, tasks: list[dict], taxonomy, projects: Sequence[int] = ()):
    """The base data with the projects' annotated tasks: a project's label replaces the base
    one of the same sentence. Returns the dataset and the sources to record."""
    from datasets import concatenate_datasets

    from newstag.annotate.annotations import examples_from_export
    from newstag.annotate.dataset import to_dataset

    examples = examples_from_export(tasks, taxonomy).examples
    new = [example for example in examples if example.article_id not in base.held_out]
    if not new:
        return base.dataset, base.sources
    relabelled = {example.sentence_id for example in new}
    kept = [row for row, sentence in enumerate(base.dataset["sentence_id"]) if sentence not in relabelled]
    dataset = concatenate_datasets([base.dataset.select(kept), to_dataset(new, taxonomy)])
    annotations = {
        "path": "Label Studio project " + ", ".join(map(str, projects)),
        "projects": list(projects),
        "sentences": len(new),
        "articles": len({example.article_id for example in new}),
        "relabelled": len(base.dataset) - len(kept),
    }
    return dataset, [*base.sources, annotations]


def make_trainer(config, base: BaseData, projects: Projects, encoder_of=None) -> Callable[[Path], object]:
    """Retrains on the base data and the projects' annotations; with `encoder_of` (the served
    model's tagger) a fine-tuned encoder is kept and only the heads are refitted."""

    def train(output: Path):
        from newstag.model.training import train_and_save

        tasks = merge_exports(*projects.exports())
        dataset, sources = with_annotations(base, tasks, config.taxonomy, sorted(projects.ids))
        held_out = sorted(base.held_out)
        return train_and_save(
            dataset,
            config,
            output,
            cross_validate=False,
            excluded_articles=held_out,
            sources=sources,
            encoder_of=encoder_of,
        )

    return train


def build(
    model_dir: Path,
    output: Path,
    every: int,
    connection=None,
    workers: int = 0,
    data: Sequence[Path] = (),
    replace_data: bool = False,
    fine_tune: bool = False,
):
    """The FastAPI app, its LiveModel (predicting in `workers` processes, or in this one), its
    Projects and the BaseData every retrain learns from. Retrains keep the served model's
    fine-tuned encoder unless `fine_tune`."""
    from newstag.model.persist import load_model

    saved = load_model(model_dir)
    config = saved.config
    base = load_base_data(saved.meta, model_dir, config.taxonomy, data, replace_data)
    projects = Projects(connection)
    upcoming = projects.unannotated if connection is not None else None
    trainer = make_trainer(config, base, projects, None if fine_tune else saved.tagger)
    live = LiveModel(saved, trainer, output, every, workers, upcoming, retrain_sources=base.sources)

    def remember(project_id: int) -> None:
        if projects.remember(project_id):
            live.predict_ahead()

    return create_app(live, remember), live, projects, base


class Server:
    """uvicorn in a background thread (for tests and `serve`'s foreground loop alike). Port 0
    takes a free port; `url` names it once the server has started."""

    def __init__(self, app, host: str = "127.0.0.1", port: int = 9090):
        import uvicorn

        self.host = host
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
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://{self.host}:{port}"
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
