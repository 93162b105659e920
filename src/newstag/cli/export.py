from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from newstag.cli.common import DEFAULT_CONFIG_PATH, ConfigOption, ForceOption, info, one_line_errors

Articles = Annotated[
    list[str], typer.Argument(help="Article files (.txt .jsonl .html), folders, or - for stdin.")
]


def export(
    articles: Articles,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Label Studio import file.")] = None,
    force: ForceOption = False,
    project: Annotated[str | None, typer.Option(help="Import into this Label Studio project.")] = None,
    update_config: Annotated[
        bool, typer.Option(help="Replace the project's label config if it differs.")
    ] = False,
    model: Annotated[Path | None, typer.Option(help="Attach this model's predictions.")] = None,
    config: ConfigOption = DEFAULT_CONFIG_PATH,
) -> None:
    """Split articles into sentences and write them as Label Studio tasks, one per sentence:
    to a file (-o), or into a live project (--project), which gains only new sentences."""
    from newstag.annotate.tasks import sentence_tasks
    from newstag.config import load_config
    from newstag.errors import InputError
    from newstag.files import refuse_to_overwrite, write_json
    from newstag.text.articles import read_articles
    from newstag.text.sentences import split_articles

    with one_line_errors():
        if not (output or project):
            raise InputError("say where the tasks go: --output FILE, --project NAME, or both")
        if output:
            refuse_to_overwrite(output, force, [*articles, *([model] if model else [])])
        settings = load_config(config)
        tasks, dropped, cut = [], 0, 0
        for split in split_articles(read_articles(articles), settings.sentences):
            tasks += sentence_tasks(split.sentences, split.article)
            dropped += len(split.dropped)
            cut += split.cut
        say_cut(cut)
        if model:
            from newstag.assist.predictions import with_predictions
            from newstag.model.persist import check_labels, load_model

            saved = load_model(model)
            check_labels(saved.meta, model, settings.taxonomy, str(config))
            tasks = with_predictions(tasks, saved)
        if output:
            write_json(output, tasks)
            info(f"wrote {len(tasks)} tasks to {output} ({dropped} boilerplate pieces left out)")
        if project:
            _send(tasks, project, update_config, settings)


def say_cut(cut: int) -> None:
    """Tell the user when over-long sentences were cut (on stderr)."""
    from newstag.text.sentences import MAX_SENTENCE_CHARS

    if cut:
        info(f"{cut} sentences over {MAX_SENTENCE_CHARS} characters were cut into pieces that long")


def _send(tasks: list[dict], name: str, update_config: bool, settings) -> None:
    from newstag.annotate.labelconfig import render_label_config
    from newstag.labelstudio import client
    from newstag.labelstudio.session import open_connection

    connection = open_connection(settings.studio)
    project = client.ensure_project(connection, name, render_label_config(settings.taxonomy), update_config)
    counts = client.import_tasks(project, tasks)
    info(f"project {name!r}: {counts.added} tasks added, {counts.skipped} already there")
    if any(task.get("predictions") for task in tasks):
        added = client.attach_predictions(project, tasks)
        info(f"project {name!r}: {added} predictions added, shown pre-selected to annotators")
