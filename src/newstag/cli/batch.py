from __future__ import annotations

import os
import time
from typing import Annotated

import typer

from newstag.cli.common import (
    DEFAULT_MODEL,
    LegacySentenceConfigOption,
    ModelOption,
    SentenceConfigOption,
    chosen_sentence_config,
    info,
    one_line_errors,
    renamed,
)


def batch(
    input_url: Annotated[
        str,
        typer.Argument(metavar="INPUT", help="Folder or fsspec URL of .jsonl, .jsonl.gz or .parquet files."),
    ],
    old_output: Annotated[str | None, typer.Argument(metavar="[OUTPUT]", hidden=True)] = None,
    output: Annotated[
        str | None,
        typer.Option("--output", "-o", help="Folder or fsspec URL for the tagged partitions (.jsonl)."),
    ] = None,
    force: Annotated[
        bool, typer.Option(help="Tag again, and replace, the partitions already in the output.")
    ] = False,
    model: ModelOption = DEFAULT_MODEL,
    scheduler: Annotated[
        str | None, typer.Option(help="A running Dask scheduler, e.g. tcp://host:8786.")
    ] = None,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            "-j",
            min=1,
            help="Worker processes on this machine, without --scheduler [one per core].",
        ),
    ] = None,
    old_jobs: Annotated[int | None, typer.Option("--workers", min=1, hidden=True)] = None,
    retries: Annotated[int, typer.Option(min=0, help="Extra attempts for a task that raised an error.")] = 2,
    sentence_config: SentenceConfigOption = None,
    old_sentence_config: LegacySentenceConfigOption = None,
) -> None:
    """Tag a partitioned corpus on a Dask cluster: one output file per input file, each record as
    `newstag tag --format jsonl` writes it.

    Partitions already in the output are skipped (unless --force), so a failed run is finished
    by running it again. Needs Dask: install newstag with its `distributed` extra.
    """
    from newstag.errors import InputError, NewstagError
    from newstag.model.persist import read_meta, sentence_settings
    from newstag.tagging.batch.partitions import plan_batch

    with one_line_errors():
        output = renamed(output, old_output, "batch INPUT OUTPUT", "batch INPUT -o OUTPUT")
        jobs = renamed(jobs, old_jobs, "--workers", "--jobs")
        config = chosen_sentence_config(sentence_config, old_sentence_config)
        if output is None:
            raise InputError("say where the tagged partitions go: -o FOLDER_OR_URL")
        if scheduler and jobs:
            raise InputError("give --scheduler ADDRESS (a cluster) or --jobs N (this machine), not both")
        # A wrong model folder fails here, before a cluster starts.
        sentences = sentence_settings(read_meta(model), model, config)
        plan = plan_batch(input_url, output, replace=force)
        total = len(plan.todo) + len(plan.done)
        info(f"{total} partitions: {len(plan.done)} already written (skipped), {len(plan.todo)} to tag")
        if not plan.todo:
            return
        engine = _engine()
        with engine.connect(scheduler, jobs or os.cpu_count()) as client:
            failed = _run(engine, client, plan.todo, model, sentences, retries)
        if failed:
            raise NewstagError(
                f"{len(failed)} of {len(plan.todo)} partitions failed ({', '.join(failed[:5])}"
                f"{', ...' if len(failed) > 5 else ''}); fix them and run again (written ones are skipped)"
            )


def _engine():
    """The Dask side, imported only here: Dask is an optional extra and slow to import."""
    from newstag.errors import NewstagError

    try:
        from newstag.tagging.batch import engine
    except ImportError as error:
        if error.name and error.name.split(".")[0] in {"dask", "distributed"}:
            raise NewstagError(
                "newstag batch needs Dask distributed; install it with pip install 'newstag[distributed]'"
            ) from None
        raise
    return engine


def _run(engine, client, partitions, model, sentences, retries) -> list[str]:
    """Run the batch, printing one progress line per finished partition; return the failed ones."""
    start = time.monotonic()
    engine.ship_model(client, model, sentences)  # run_batch finds it there and does not send it again
    workers = len(client.scheduler_info()["workers"])
    info(f"model loaded on {workers} workers in {time.monotonic() - start:.1f} s")
    progress = Progress(len(partitions))
    for result in engine.run_batch(client, partitions, model, sentences, retries):
        info(progress.line(result))
    return progress.failed


class Progress:
    """Partitions done / total and articles per second since the batch started."""

    def __init__(self, total: int):
        self.total = total
        self.done = 0
        self.articles = 0
        self.failed: list[str] = []
        self.start = time.monotonic()

    def line(self, result) -> str:
        self.done += 1
        if result.error:
            self.failed.append(result.name)
            return f"[{self.done}/{self.total}] {result.name} FAILED: {result.error}"
        self.articles += result.articles
        rate = self.articles / max(time.monotonic() - self.start, 1e-6)
        return (
            f"[{self.done}/{self.total}] {result.name}: {result.articles} articles "
            f"({self.articles} in all, {rate:.1f} articles/s)"
        )
