"""The `newstag` command: one module per command, each a thin wrapper over the library."""

from __future__ import annotations

import typer

from newstag.cli import (
    annotation_queue,
    batch,
    evaluate,
    export,
    import_annotations,
    info,
    label_config,
    predict,
    pull,
    report,
    review,
    serve,
    tag,
    train,
)
from newstag.cli.studio import studio_app

app = typer.Typer(
    name="newstag",
    help="Turn news articles into labelled training data and a model that tags new articles.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
    # Plain help: typer's rich help formatting alone costs more than the 0.2 s `--help` budget.
    rich_markup_mode=None,
)
app.command("label-config")(label_config.label_config)
app.command("export")(export.export)
app.command("import-annotations")(import_annotations.import_annotations)
app.command("train")(train.train)
app.command("tag")(tag.tag)
app.command("batch")(batch.batch)
app.command("report")(report.report)
app.command("info")(info.info)
app.command("evaluate")(evaluate.evaluate)
app.command("predict")(predict.predict)
app.command("pull")(pull.pull)
app.command("queue")(annotation_queue.queue)
app.command("review")(review.review)
app.command("serve")(serve.serve)
app.command("retrain")(serve.retrain)
studio_app.command("connect")(serve.connect)
app.add_typer(studio_app, name="studio")


def main() -> None:
    from newstag.cli.pipes import run_until_stdout_closes
    from newstag.files import exit_on_sigterm

    exit_on_sigterm()
    run_until_stdout_closes(app)
