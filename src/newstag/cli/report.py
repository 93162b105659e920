from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from newstag.cli.common import (
    DEFAULT_MODEL,
    ForceOption,
    JobsOption,
    LegacySentenceConfigOption,
    ModelOption,
    SentenceConfigOption,
    chosen_sentence_config,
    info,
    one_line_errors,
)
from newstag.cli.export import Articles
from newstag.report import WEAK_BELOW


def report(
    articles: Articles,
    output: Annotated[Path, typer.Option("--output", "-o", help="The HTML file to write.")],
    model: ModelOption = DEFAULT_MODEL,
    force: ForceOption = False,
    jobs: JobsOption = 1,
    sentence_config: SentenceConfigOption = None,
    old_sentence_config: LegacySentenceConfigOption = None,
    weak_below: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Draw labels with a lower probability faded.")
    ] = WEAK_BELOW,
) -> None:
    """Tag the articles and write one HTML page for analysts: each article's sentences with
    their labels, counts across articles that link to their sentences, filters, and the
    model's scores. The page opens from disk and loads nothing from the network."""
    from newstag.files import atomic_writer, refuse_to_overwrite
    from newstag.report.page import write_page
    from newstag.tagging.parallel import tag_inputs

    with one_line_errors():
        config = chosen_sentence_config(sentence_config, old_sentence_config)
        refuse_to_overwrite(output, force, [*(path for path in articles if path != "-"), model])
        saved, tagged = tag_inputs(articles, model, config, jobs)
        with atomic_writer(output) as out:
            tally = write_page(
                tagged, out, saved.meta, _with_report_groups(saved.tagger.taxonomy), weak_below
            )
        info(f"{tally.articles} articles, {tally.sentences} sentences; open the report in a browser:")
        print(output)


def _with_report_groups(taxonomy):
    """A model trained before the config named the report's groups ([taxonomy.report]) takes
    the project config's, when there is one (the page refuses a taxonomy with none)."""
    from dataclasses import replace

    from newstag.config import DEFAULT_CONFIG, load_config

    if taxonomy.report is not None or not DEFAULT_CONFIG.is_file():
        return taxonomy
    return replace(taxonomy, report=load_config(DEFAULT_CONFIG).taxonomy.report)
