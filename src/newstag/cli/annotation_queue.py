from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from newstag.cli.common import (
    DEFAULT_CONFIG_PATH,
    DEFAULT_MODEL,
    ConfigOption,
    ForceOption,
    ModelOption,
    info,
    one_line_errors,
)
from newstag.cli.progress import progress_bar


def queue(
    tasks_file: Annotated[
        Path | None,
        typer.Argument(metavar="[TASKS.json]", help="Tasks or an export; not needed with --project."),
    ] = None,
    model: ModelOption = DEFAULT_MODEL,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Ordered tasks file to write.")
    ] = None,
    force: ForceOption = False,
    project: Annotated[
        str | None, typer.Option(help="Order this Label Studio project's unlabelled tasks instead.")
    ] = None,
    diversity: Annotated[float, typer.Option(help="0 = uncertainty only; 1 = diversity only.")] = 0.3,
    strategy: Annotated[str, typer.Option(help="entropy or margin.")] = "entropy",
    show: Annotated[
        int, typer.Option(help="How many of the top tasks to list on stderr, with --project too.")
    ] = 10,
    config: ConfigOption = DEFAULT_CONFIG_PATH,
) -> None:
    """Order unlabelled sentences by how much a label would teach the model (most uncertain
    first, near-copies pushed down): into a tasks file, or as a view in a Label Studio project."""
    from newstag.annotate.annotations import load_export
    from newstag.assist.annotation_queue import queue_tasks
    from newstag.errors import InputError
    from newstag.files import refuse_to_overwrite, write_json
    from newstag.model.persist import load_model

    with one_line_errors():
        if (tasks_file is None) == (project is None):
            raise InputError("give either TASKS.json (with -o) or --project NAME")
        saved = load_model(model)
        if project is not None:
            _live(project, saved, diversity, strategy, config, show)
            return
        if output is None:
            raise InputError("pass --output/-o for the ordered tasks file")
        refuse_to_overwrite(output, force, [tasks_file, model])
        ordered = queue_tasks(load_export(tasks_file), saved, diversity, strategy)
        write_json(output, ordered)
        _show(ordered, show)
        info(f"queued {len(ordered)} unlabelled tasks into {output} (field data.queue_rank)")


def _live(project: str, saved, diversity: float, strategy: str, config: Path, show: int) -> None:
    from newstag.config import load_config
    from newstag.labelstudio import views
    from newstag.labelstudio.session import open_connection

    connection = open_connection(load_config(config).studio)
    handle = views.open_project(connection, project)
    with progress_bar("writing queue ranks") as update:
        result = views.apply_queue(handle, saved, diversity, strategy, update)
    _show(result.ordered, show)
    info(
        f"ranked {result.ranked} unlabelled tasks of {project!r}; annotators get them in that order "
        f"from the tab {result.view!r} with 'Label Tasks As Displayed' (the arrow beside 'Label All Tasks')"
    )


def _show(ordered: list[dict], count: int) -> None:
    for task in ordered[:count]:
        data = task["data"]
        text = " ".join(data["text"].split())
        info(f"{data['queue_rank']:>4}  {task['meta']['newstag_uncertainty']:.2f}  {text[:90]}")
