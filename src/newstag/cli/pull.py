from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated

import typer

from newstag.cli.common import DEFAULT_CONFIG_PATH, ConfigOption, ForceOption, info, one_line_errors
from newstag.cli.import_annotations import DEFAULT_OUTPUT, report_import
from newstag.cli.progress import spinner


def pull(
    project: Annotated[str, typer.Option(help="The Label Studio project to pull.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Dataset folder to write.")] = DEFAULT_OUTPUT,
    force: ForceOption = False,
    snapshots: Annotated[Path, typer.Option(help="Folder for the raw exports.")] = Path("data/exports"),
    config: ConfigOption = DEFAULT_CONFIG_PATH,
) -> None:
    """Fetch a live project's annotations into the dataset `import-annotations` makes; the raw
    export is kept as a timestamped snapshot, so pulling again loses nothing."""
    from newstag.annotate.annotations import examples_from_export
    from newstag.annotate.dataset import save_dataset, to_dataset
    from newstag.config import load_config
    from newstag.files import check_target, refuse_to_overwrite, write_json
    from newstag.labelstudio import client, views
    from newstag.labelstudio.session import open_connection

    with one_line_errors():
        refuse_to_overwrite(output, force)  # before the export is fetched
        check_target(snapshots, adds_to_folder=True)
        settings = load_config(config)
        found = views.open_project(open_connection(settings.studio), project)
        with spinner(f"exporting {project!r} ..."):
            tasks = client.export_annotations(found)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        snapshot = snapshots / f"{_safe(project)}-{stamp}.json"
        write_json(snapshot, tasks)
        info(f"saved the raw export of {len(tasks)} tasks to {snapshot}")
        report = examples_from_export(tasks, settings.taxonomy)
        save_dataset(to_dataset(report.examples, settings.taxonomy), output, force=force)
        report_import(report, tasks, settings.taxonomy, output)


def _safe(name: str) -> str:
    return "".join(char if char.isalnum() or char in "-_" else "_" for char in name)
