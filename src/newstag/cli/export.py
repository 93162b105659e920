from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from newstag.cli.common import DEFAULT_CONFIG_PATH, ConfigOption, info, one_line_errors

Articles = Annotated[
    list[str], typer.Argument(help="Article files (.txt .jsonl .html), folders, or - for stdin.")
]


def export(
    articles: Articles,
    output: Annotated[Path, typer.Option("--output", "-o", help="Label Studio import file to write.")],
    config: ConfigOption = DEFAULT_CONFIG_PATH,
) -> None:
    """Split articles into sentences and write them as Label Studio tasks, one per sentence."""
    from newstag.articles import read_articles
    from newstag.config import load_config
    from newstag.files import write_atomic
    from newstag.sentences import split_articles
    from newstag.tasks import sentence_tasks

    with one_line_errors():
        settings = load_config(config)
        tasks, dropped = [], 0
        for split in split_articles(read_articles(articles), settings.sentences):
            tasks += sentence_tasks(split.sentences)
            dropped += len(split.dropped)
        write_atomic(output, json.dumps(tasks, indent=2, ensure_ascii=False) + "\n")
        info(f"wrote {len(tasks)} tasks to {output} ({dropped} boilerplate pieces left out)")
