from __future__ import annotations

import sys
from contextlib import AbstractContextManager, nullcontext
from enum import Enum
from pathlib import Path
from typing import Annotated, TextIO

import typer

from newstag.cli.common import (
    DEFAULT_MODEL,
    ForceOption,
    JobsOption,
    LegacySentenceConfigOption,
    ModelOption,
    SentenceConfigOption,
    chosen_sentence_config,
    one_line_errors,
)
from newstag.cli.export import Articles, say_cut


class Format(str, Enum):
    table = "table"
    jsonl = "jsonl"
    csv = "csv"


def tag(
    articles: Articles,
    model: ModelOption = DEFAULT_MODEL,
    output_format: Annotated[
        Format, typer.Option("--format", "-f", help="table, jsonl or csv.")
    ] = Format.table,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here (whole or not at all), not to stdout.")
    ] = None,
    force: ForceOption = False,
    jobs: JobsOption = 1,
    sentence_config: SentenceConfigOption = None,
    old_sentence_config: LegacySentenceConfigOption = None,
) -> None:
    """Label every sentence of the articles, with probabilities, and summarise each article.

    Articles are read, tagged and written one at a time, so any amount of input fits in memory.
    """
    from newstag.tagging.parallel import tag_inputs

    with one_line_errors(), _destination(output, force, [*articles, model]) as out:
        config = chosen_sentence_config(sentence_config, old_sentence_config)
        saved, tagged = tag_inputs(articles, model, config, jobs)
        write = _writer(output_format, out, saved, color=output is None and out.isatty())
        cut = 0
        for article in tagged:
            write(article)
            out.flush()
            cut += article.split.cut
        say_cut(cut)


def _destination(output: Path | None, force: bool, inputs: list) -> AbstractContextManager[TextIO]:
    """stdout, or a temporary file that becomes OUTPUT only when everything is written."""
    from newstag.files import atomic_writer, refuse_to_overwrite

    if output is None:
        return nullcontext(sys.stdout)
    refuse_to_overwrite(output, force, [p for p in inputs if p != "-"])
    return atomic_writer(output, newline="")


def _writer(output_format: Format, out: TextIO, saved, color: bool):
    if output_format is Format.jsonl:
        import json

        from newstag.tagging.tag import article_record

        return lambda t: out.write(json.dumps(article_record(t, saved.version), ensure_ascii=False) + "\n")
    if output_format is Format.csv:
        return _csv_writer(out, saved.tagger.taxonomy.span_names)
    from newstag.cli.table import render_table

    taxonomy, thresholds = saved.tagger.taxonomy, saved.tagger.thresholds()
    return lambda t: out.write(render_table(t, taxonomy.group_names, color, taxonomy, thresholds))


def _csv_writer(out: TextIO, span_names):
    import csv

    from newstag.tagging.tag import sentence_rows

    state: dict = {}

    def write(tagged) -> None:
        for row in sentence_rows(tagged, span_names):
            if "writer" not in state:  # the columns depend on the taxonomy only: the first row's
                state["writer"] = csv.DictWriter(out, fieldnames=list(row))
                state["writer"].writeheader()
            state["writer"].writerow(row)

    return write
