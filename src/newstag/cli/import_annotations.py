from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from newstag.cli.common import DEFAULT_CONFIG_PATH, ConfigOption, ForceOption, info, one_line_errors

DEFAULT_OUTPUT = Path("data/annotations")


def import_annotations(
    export_files: Annotated[
        list[Path],
        typer.Argument(metavar="EXPORT.json...", help="Label Studio JSON exports, or folders of them."),
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="Dataset folder to write.")] = DEFAULT_OUTPUT,
    force: ForceOption = False,
    config: ConfigOption = DEFAULT_CONFIG_PATH,
) -> None:
    """Turn Label Studio JSON exports into one labelled dataset (datasets.Dataset on disk)."""
    from newstag.annotate.annotations import examples_from_export, load_exports
    from newstag.annotate.dataset import save_dataset, to_dataset
    from newstag.config import load_config
    from newstag.files import refuse_to_overwrite

    with one_line_errors():
        tasks = load_exports(export_files)  # a missing or malformed export is named first
        refuse_to_overwrite(output, force, export_files)
        taxonomy = load_config(config).taxonomy
        report = examples_from_export(tasks, taxonomy)
        save_dataset(to_dataset(report.examples, taxonomy), output, force, export_files)
        report_import(report, tasks, taxonomy, output)


def report_import(report, tasks: list[dict], taxonomy, output: Path) -> None:
    """What an import kept and left out, and how far the annotators agree (on stderr)."""
    from newstag.annotate.agreement import export_agreement

    for tie in report.ties:
        info(f"left out, {tie}")
    drafts = sum(len(task.get("drafts") or []) for task in tasks)
    info(
        f"wrote {len(report.examples)} labelled sentences to {output} "
        f"({report.unannotated} tasks without a submitted annotation, "
        f"{report.cancelled} cancelled or skipped annotations, {drafts} unsubmitted drafts, "
        f"{len(report.ties)} ties left out)"
    )
    agreement = export_agreement(tasks, taxonomy)
    if agreement:
        info(agreement)
