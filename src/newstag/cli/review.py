from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from newstag.cli.common import (
    DEFAULT_CONFIG_PATH,
    DEFAULT_MODEL,
    ConfigOption,
    JobsOption,
    info,
    one_line_errors,
)
from newstag.cli.progress import progress_bar, spinner


def review(
    data: Annotated[
        Path | None,
        typer.Argument(help="A Label Studio JSON export or a saved dataset; not needed with --project."),
    ] = None,
    model: Annotated[
        Path | None,
        typer.Option(
            help="Refit with this model folder's settings (else --config's); without --with, the "
            f"data it (or a trained {DEFAULT_MODEL}) was trained on is the reference, each source that "
            "is still as it was."
        ),
    ] = None,
    project: Annotated[
        str | None,
        typer.Option(help="Review this Label Studio project and put the suspects in a tab of it."),
    ] = None,
    reference: Annotated[
        list[Path] | None,
        typer.Option(
            "--with",
            help="Also train every fold on this labelled reference set (exports, folders of them, "
            "saved datasets; repeatable), less DATA's own articles and sentences: a far better judge "
            "than DATA's other articles alone. Only DATA is judged.",
        ),
    ] = None,
    limit: Annotated[int, typer.Option(help="Show at most this many (0 = all).")] = 20,
    jobs: JobsOption = 2,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines on stdout instead of a table.")] = False,
    config: ConfigOption = DEFAULT_CONFIG_PATH,
) -> None:
    """List the annotations most likely to be wrong: each sentence is predicted by a model that
    never saw its article (trained on DATA's other articles, and on --with), and labels it
    confidently contradicts come first, with its alternative and the evidence: each value's
    probability and the threshold (its mean probability where annotators chose it) it fell
    below or reached."""
    from newstag.annotate.dataset import load_labelled
    from newstag.assist.label_errors import review as find_suspects
    from newstag.cache import cache_folder
    from newstag.errors import InputError
    from newstag.model.validation import rare_in_dataset

    with one_line_errors():
        if data is None and project is None:
            raise InputError("give DATA (an export or dataset folder) or --project NAME")
        settings = _settings(model, config)
        handle = _project(project, settings) if project else None
        dataset = _dataset(data, handle, settings)
        extra = load_labelled(reference, settings.taxonomy) if reference else _model_data(model, settings)
        also = (
            f" plus the {len(extra)} of the reference (less any of DATA's articles or sentences)"
            if extra
            else ""
        )
        info(f"refitting out-of-fold (by article) on {len(dataset)} sentences{also} ...")
        note = rare_in_dataset(dataset, settings.taxonomy, "judge")
        if note:
            info(f"small data: {note}")
        with progress_bar("cross-validation folds") as progress:
            suspects = find_suspects(dataset, settings, progress, extra, cache_folder(), jobs)
        shown = suspects[:limit] if limit else suspects
        _print(shown, as_json)
        info(f"{len(suspects)} likely errors among {len(dataset)} sentences ({len(shown)} shown)")
        if handle is not None:
            from newstag.labelstudio import views

            tab = views.show_tasks(handle, [s["sentence_id"] for s in shown], views.REVIEW_VIEW)
            info(f"the {len(shown)} sentences are in the tab {tab!r} of {project!r} for a second look")


def _settings(model: Path | None, config: Path):
    from newstag.config import load_config

    if model is None:
        return load_config(config)
    from newstag.model.persist import read_meta, trained_config

    return trained_config(read_meta(model), model)


def _model_data(model: Path | None, settings):
    """Without --with, the data the model (--model, else models/default when trained) learnt
    from is the reference: its sources that are at hand as they were. One line says which."""
    from newstag.annotate.sources import describe, training_reference
    from newstag.model.persist import read_meta

    model = model or (DEFAULT_MODEL if (DEFAULT_MODEL / "meta.json").is_file() else None)
    if model is None:
        info(f"no reference: no --with, and no trained {DEFAULT_MODEL} to judge with; --with names one")
        return None
    training_data = read_meta(model).get("training_data") or {}
    dataset, used, skipped = training_reference(training_data, settings.taxonomy)
    why = "; ".join(f"{path}: {reason}" for path, reason in skipped)
    if dataset is None:
        why = why or "its sources were not recorded"
        info(f"no reference: the data {model} was trained on is not at hand ({why}); --with names one")
        return None
    left_out = f"; left out {why}" if why else ""
    info(
        f"judging against the data {model} was trained on, {describe(used)}{left_out}; --with chooses another"
    )
    return dataset


def _project(name: str, settings):
    from newstag.labelstudio import views
    from newstag.labelstudio.session import open_connection

    return views.open_project(open_connection(settings.studio), name)


def _dataset(data: Path | None, handle, settings):
    from newstag.annotate.annotations import examples_from_export
    from newstag.annotate.dataset import load_labelled, to_dataset

    if data is not None:
        return load_labelled(data, settings.taxonomy)
    from newstag.labelstudio import client

    with spinner("exporting the project's annotations ..."):
        export = client.export_annotations(handle)
    return to_dataset(examples_from_export(export, settings.taxonomy).examples, settings.taxonomy)


def _print(suspects: list[dict], as_json: bool) -> None:
    if as_json:
        for suspect in suspects:
            sys.stdout.write(json.dumps(suspect, ensure_ascii=False) + "\n")
        return
    for number, s in enumerate(suspects, start=1):
        text = " ".join(s["text"].split())
        head = f"{number:>3}. {s['sentence_id']}  {s['group']}"
        print(f"{head}  quality {s['quality']:.2f}  margin {s['margin']:+.2f}")
        given, suggested = (_shown(s[f"p_{k}"]) or ", ".join(s[k]) or "-" for k in ("given", "suggested"))
        print(f"     given {given}  ->  suggested {suggested}")
        print(f"     why: {s['why']}")
        print(f"     {text[:150]}")


def _shown(probabilities: dict[str, float]) -> str:
    return " | ".join(f"{value} ({p:.2f})" for value, p in probabilities.items())
