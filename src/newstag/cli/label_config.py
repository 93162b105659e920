from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from newstag.cli.common import DEFAULT_CONFIG_PATH, ConfigOption, info, one_line_errors

DEFAULT_OUTPUT = Path("labeling/label_config.xml")


def label_config(
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the XML.")] = DEFAULT_OUTPUT,
    check: Annotated[bool, typer.Option(help="Only check that OUTPUT matches the config.")] = False,
    config: ConfigOption = DEFAULT_CONFIG_PATH,
) -> None:
    """Render the Label Studio label config from the taxonomy in the config."""
    from newstag.config import load_config
    from newstag.errors import ConfigError
    from newstag.files import write_atomic
    from newstag.labelconfig import render_label_config

    with one_line_errors():
        xml = render_label_config(load_config(config).taxonomy)
        if check:
            if not output.is_file() or output.read_text(encoding="utf-8") != xml:
                raise ConfigError(f"{output} differs from {config}; run newstag label-config")
            info(f"{output} matches {config}")
            return
        write_atomic(output, xml)
        info(f"wrote {output}")
