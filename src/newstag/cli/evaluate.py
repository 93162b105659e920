from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from newstag.cli.common import (
    DEFAULT_MODEL,
    ForceOption,
    RenamedModelOption,
    deprecated,
    info,
    one_line_errors,
)


def evaluate(
    data: Annotated[
        list[Path],
        typer.Argument(exists=True, help="Label Studio JSON exports, folders of them, or dataset folders."),
    ],
    model: RenamedModelOption = None,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Folder for metrics.json, report.md and the PNGs.")
    ] = Path("evaluation"),
    force: ForceOption = False,
    only: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="Score only the article ids listed (one a line)."),
    ] = None,
) -> None:
    """Score a model on labelled data beside the majority and cue-word baselines."""
    from newstag.annotate.dataset import load_labelled, read_article_ids, with_articles
    from newstag.evaluation.report import full_report, write_evaluation
    from newstag.files import atomic_folder, refuse_to_overwrite
    from newstag.model.persist import load_model
    from newstag.model.validation import evaluate_dataset, rare_in_dataset

    with one_line_errors():
        model, data = _model_and_data(model, data)
        refuse_to_overwrite(output, force, [model, *data])
        saved = load_model(model)
        dataset = load_labelled(data, saved.tagger.taxonomy)
        if only:
            dataset = with_articles(dataset, read_article_ids(only), keep=True)
        info(f"scoring {saved.version} on {len(dataset)} sentences from {', '.join(map(str, data))} ...")
        note = rare_in_dataset(dataset, saved.tagger.taxonomy, "score")
        if note:
            info(f"small data: {note}")
        metrics = evaluate_dataset(saved.tagger, saved.meta["baselines"], dataset)
        thresholds = saved.meta.get("thresholds")
        print(full_report(metrics, thresholds))
        with atomic_folder(output) as folder:
            written = write_evaluation(metrics, folder, thresholds)
        info(f"wrote {', '.join(path.name for path in written)} to {output}")


def _model_and_data(model: Path | None, data: list[Path]) -> tuple[Path, list[Path]]:
    """The last release's `evaluate MODEL DATA...`: a model folder before the data."""
    if model is None and len(data) > 1 and (data[0] / "meta.json").is_file():
        deprecated("evaluate MODEL DATA", "evaluate DATA --model MODEL")
        return data[0], data[1:]
    return model or DEFAULT_MODEL, data
