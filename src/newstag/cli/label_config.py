from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from newstag.cli.common import DEFAULT_CONFIG_PATH, ConfigOption, ForceOption, info, one_line_errors

DEFAULT_XML = Path("labeling/label_config.xml")
DEFAULT_GUIDELINES = Path("labeling/guidelines.md")


def label_config(
    output: Annotated[Path, typer.Option("--output", "-o", help="The label config XML.")] = DEFAULT_XML,
    guidelines: Annotated[
        Path, typer.Option(help="Guidelines whose label lists to update.")
    ] = DEFAULT_GUIDELINES,
    check: Annotated[bool, typer.Option(help="Only check that both files match the config.")] = False,
    force: ForceOption = False,
    config: ConfigOption = DEFAULT_CONFIG_PATH,
) -> None:
    """Render the Label Studio label config, and the guidelines' label lists, from the config;
    a file that differs is replaced only with --force."""
    from newstag.annotate.labelconfig import render_label_config, with_label_lists
    from newstag.config import load_config
    from newstag.errors import ConfigError, InputError
    from newstag.files import check_target, refuse_to_overwrite, write_atomic

    with one_line_errors():
        if not check:
            check_target(output, [config, guidelines])
            check_target(guidelines, [config, output])
        taxonomy = load_config(config).taxonomy
        if not guidelines.is_file():
            raise InputError(f"{guidelines} does not exist; pass --guidelines PATH")
        current = guidelines.read_text(encoding="utf-8")
        expected = {output: render_label_config(taxonomy), guidelines: with_label_lists(current, taxonomy)}
        for path, text in expected.items():
            if path.is_file() and path.read_text(encoding="utf-8") == text:
                continue
            if check:
                raise ConfigError(f"{path} differs from {config}; run newstag label-config --force")
            refuse_to_overwrite(path, force, [config])
            write_atomic(path, text)
            info(f"wrote {path}")
        if check:
            info(f"{output} and {guidelines} match {config}")
