from __future__ import annotations

import csv
import io
import json
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from newstag.cli.common import DEFAULT_CONFIG_PATH, DEFAULT_MODEL, ConfigOption, one_line_errors
from newstag.cli.export import Articles


class Format(str, Enum):
    table = "table"
    jsonl = "jsonl"
    csv = "csv"


def tag(
    articles: Articles,
    model: Annotated[Path, typer.Option(help="A model folder made by newstag train.")] = DEFAULT_MODEL,
    output_format: Annotated[
        Format, typer.Option("--format", "-f", help="table, jsonl or csv.")
    ] = Format.table,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here, not to stdout.")] = None,
    config: ConfigOption = DEFAULT_CONFIG_PATH,
) -> None:
    """Label every sentence of the articles, with probabilities, and summarise each article."""
    from newstag.articles import read_articles
    from newstag.config import load_config
    from newstag.files import write_atomic
    from newstag.persist import load_model
    from newstag.sentences import split_articles
    from newstag.tag import tag_articles

    with one_line_errors():
        saved = load_model(model)
        splits = split_articles(read_articles(articles), load_config(config).sentences)
        tagged = list(tag_articles(splits, saved))
        text = _render(tagged, output_format, saved.version, to_terminal=output is None)
        if output:
            write_atomic(output, text)
        else:
            sys.stdout.write(text)


def _render(tagged, output_format: Format, model_version: str, to_terminal: bool) -> str:
    from newstag.tag import article_record, sentence_rows

    if output_format is Format.jsonl:
        return "".join(
            json.dumps(article_record(t, model_version), ensure_ascii=False) + "\n" for t in tagged
        )
    if output_format is Format.csv:
        rows = [row for t in tagged for row in sentence_rows(t)]
        buffer = io.StringIO()
        if rows:
            writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        return buffer.getvalue()
    from newstag.cli.table import render_tables

    return render_tables(tagged, color=to_terminal and sys.stdout.isatty())
