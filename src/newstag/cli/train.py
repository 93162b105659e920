from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from newstag.cli.common import DEFAULT_CONFIG_PATH, ConfigOption, ForceOption, info, one_line_errors
from newstag.cli.progress import progress_bars

DEFAULT_DATA = Path("labeling/seed_annotations.json")
FINE_TUNING = "fine-tuning the encoder (batches of every epoch, each fit)"


def train(
    data: Annotated[
        list[Path],
        typer.Option(help="A Label Studio JSON export, a folder of them, or a dataset folder; repeatable."),
    ] = [DEFAULT_DATA],  # noqa: B006 (typer reads the default, never mutates it)
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Model folder [models/<model.name>].")
    ] = None,
    force: ForceOption = False,
    cross_validate: Annotated[bool, typer.Option(help="Score by cross-validation by article first.")] = True,
    quality: Annotated[
        Path | None,
        typer.Option(
            exists=True, dir_okay=False, help="A Markdown table for the model card (benchmarks/QUALITY.md)."
        ),
    ] = None,
    hold_out: Annotated[
        Path | None,
        typer.Option(
            exists=True,
            dir_okay=False,
            help="Article ids (one a line) never to train on, e.g. labeling/corpus/evaluation_articles.txt.",
        ),
    ] = None,
    config: ConfigOption = DEFAULT_CONFIG_PATH,
) -> None:
    """Train the tagger (the features computed once per sentence, then one classifier per label
    group) and save the model folder."""
    from newstag.annotate.dataset import read_article_ids
    from newstag.annotate.sources import load_sources
    from newstag.cli.info import print_scores
    from newstag.config import load_config
    from newstag.files import read_text_limited, refuse_to_overwrite
    from newstag.model.finetune import fine_tuning_progress
    from newstag.model.training import EVALUATION_FOLDER, train_and_save

    with one_line_errors():
        settings = load_config(config)
        output = output or Path("models") / settings.model.name
        refuse_to_overwrite(output, force, data)
        held_out = read_article_ids(hold_out) if hold_out else set()
        dataset, sources = load_sources(data, settings.taxonomy, held_out)
        if held_out:
            info(f"holding out the {len(held_out)} articles listed in {hold_out}")
        info(f"training on {len(dataset)} sentences from {', '.join(map(str, data))} ...")
        table = (
            read_text_limited(quality, 2**20, "give a Markdown table", what="Markdown") if quality else None
        )
        bars = progress_bars("cross-validation folds, then the final fit", FINE_TUNING)
        with bars as (progress, tuning), fine_tuning_progress(tuning):
            trained = train_and_save(
                dataset, settings, output, cross_validate, table, sorted(held_out), progress, sources
            )
        print_scores(trained.meta)
        if trained.meta["metrics"]:
            info(f"wrote the cross-validation report and plots to {output / EVALUATION_FOLDER}")
        info(f"saved {output} (model_version {trained.meta['model_version']})")
