from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from newstag.cli.common import DEFAULT_CONFIG_PATH, ConfigOption, info, one_line_errors

DEFAULT_DATA = Path("labeling/seed_annotations.json")


def train(
    data: Annotated[
        Path, typer.Option(help="A Label Studio JSON export or a saved dataset folder.")
    ] = DEFAULT_DATA,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Model folder [models/<model.name>].")
    ] = None,
    force: Annotated[bool, typer.Option(help="Replace the model folder if it exists.")] = False,
    cross_validate: Annotated[bool, typer.Option(help="Score by leave-one-article-out first.")] = True,
    config: ConfigOption = DEFAULT_CONFIG_PATH,
) -> None:
    """Train one scikit-learn pipeline per label group and save the model folder."""
    from newstag.annotate.dataset import load_labelled
    from newstag.cli.info import print_scores
    from newstag.config import load_config
    from newstag.errors import ModelError
    from newstag.evaluation.report import write_report
    from newstag.model.training import train_and_save

    with one_line_errors():
        settings = load_config(config)
        output = output or Path("models") / settings.model.name
        if output.exists() and not force:
            raise ModelError(f"{output} exists; pass --force to replace it, or --output elsewhere")
        dataset = load_labelled(data, settings.taxonomy)
        info(f"training on {len(dataset)} sentences from {data} ...")
        trained = train_and_save(dataset, settings, output, cross_validate, _quality_table())
        print_scores(trained.meta)
        if trained.meta["metrics"]:
            write_report(trained.meta["metrics"], output / "evaluation", trained.meta["thresholds"])
            info(f"wrote the cross-validation report and plots to {output / 'evaluation'}")
        info(f"saved {output} (model_version {trained.meta['model_version']})")


def _quality_table() -> str | None:
    """The feature families' comparison from benchmarks/quality.py, for the model card."""
    path = Path("benchmarks/QUALITY.md")
    return path.read_text(encoding="utf-8") if path.is_file() else None
