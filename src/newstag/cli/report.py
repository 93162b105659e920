from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from newstag.cli.common import DEFAULT_MODEL, ForceOption, info, one_line_errors
from newstag.cli.export import Articles
from newstag.cli.tag import JobsOption, ModelOption, SentenceConfigOption, tag_input
from newstag.report import WEAK_BELOW


def report(
    articles: Articles,
    output: Annotated[Path, typer.Option("--output", "-o", help="The HTML file to write.")],
    model: ModelOption = DEFAULT_MODEL,
    force: ForceOption = False,
    jobs: JobsOption = 1,
    config: SentenceConfigOption = None,
    weak_below: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Draw labels with a lower probability faded.")
    ] = WEAK_BELOW,
) -> None:
    """Tag the articles and write one HTML page for analysts: each article's sentences with
    their labels, counts across articles that link to their sentences, filters, and the
    model's scores. The page opens from disk and loads nothing from the network."""
    from newstag.files import atomic_writer, refuse_to_overwrite
    from newstag.report.page import write_report

    with one_line_errors():
        refuse_to_overwrite(output, force, [*articles, model])
        saved, tagged = tag_input(articles, model, config, jobs)
        with atomic_writer(output) as out:
            tally = write_report(tagged, out, saved.meta, saved.tagger.taxonomy, weak_below)
        info(f"{tally.articles} articles, {tally.sentences} sentences; open the report in a browser:")
        print(output)
