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


def predict(
    tasks_file: Annotated[Path, typer.Argument(metavar="TASKS.json", help="Tasks made by newstag export.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Tasks with predictions, to import.")],
    model: ModelOption = DEFAULT_MODEL,
    force: ForceOption = False,
    config: ConfigOption = DEFAULT_CONFIG_PATH,
) -> None:
    """Attach the model's predictions to tasks, in Label Studio's import format (offline)."""
    from newstag.annotate.tasks import load_tasks
    from newstag.assist.predictions import with_predictions
    from newstag.config import load_config
    from newstag.files import refuse_to_overwrite, write_json
    from newstag.model.persist import check_labels, load_model

    with one_line_errors():
        refuse_to_overwrite(output, force, [tasks_file, model])
        taxonomy = load_config(config).taxonomy
        tasks = load_tasks(tasks_file)  # bad input fails before the model loads
        saved = load_model(model)
        check_labels(saved.meta, model, taxonomy, str(config))
        tasks = with_predictions(tasks, saved)
        write_json(output, tasks)
        info(f"wrote {len(tasks)} tasks with predictions of {saved.version} to {output}")
