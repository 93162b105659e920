"""`newstag serve`, `newstag retrain` and `newstag studio connect`: the live ML backend."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from newstag.cli.common import (
    DEFAULT_CONFIG_PATH,
    DEFAULT_MODEL,
    ConfigOption,
    ForceOption,
    LegacyModelArgument,
    RenamedModelOption,
    info,
    one_line_errors,
    renamed,
)

DEFAULT_URL = "http://127.0.0.1:9090"


def serve(
    model: RenamedModelOption = None,
    old_model: LegacyModelArgument = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 9090,
    data: Annotated[
        list[Path] | None,
        typer.Option(
            help="Annotations every retrain learns from besides the data MODEL was trained on (repeatable)."
        ),
    ] = None,
    replace_data: Annotated[
        bool, typer.Option(help="Retrain on --data instead of the data MODEL was trained on.")
    ] = False,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Where retrained models go [MODEL-live].")
    ] = None,
    force: ForceOption = False,
    every: Annotated[int, typer.Option(help="Retrain after this many new annotations (0 = never).")] = 10,
    connect: Annotated[
        str | None, typer.Option(help="Connect this Label Studio project to the backend once it runs.")
    ] = None,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            "-j",
            min=0,
            help="Worker processes that predict, each with a copy of the model (0 = in the server's). [2]",
        ),
    ] = None,
    old_jobs: Annotated[int | None, typer.Option("--workers", min=0, hidden=True)] = None,
    fine_tune: Annotated[
        bool,
        typer.Option(help="Retrains fine-tune the encoder again (slow) instead of refitting the heads only."),
    ] = False,
    config: ConfigOption = DEFAULT_CONFIG_PATH,
) -> None:
    """Serve a model as a Label Studio ML backend: live predictions, retraining in the background."""
    from newstag.backend.serve import Server, build, check_data_options

    log = serve_log()
    with one_line_errors():
        from newstag.config import load_config
        from newstag.files import refuse_to_overwrite
        from newstag.model.persist import check_labels, read_meta

        model = renamed(model, old_model, "serve MODEL", "serve --model MODEL", DEFAULT_MODEL)
        jobs = renamed(jobs, old_jobs, "--workers", "--jobs", default=2)
        check_labels(read_meta(model), model, load_config(config).taxonomy, str(config))
        check_data_options(data or (), replace_data)  # before anything connects or starts
        output = output or model.with_name(model.name + "-live")
        refuse_to_overwrite(output, force, [model, *(data or [])])  # every retrain replaces it
        connection = _studio_connection(config)
        app, live, _, base = build(
            model, output, every, connection, jobs, data or (), replace_data, fine_tune
        )
        log.info(base.describe(model))
        server = Server(app, host, port).start()
        log.info("serving %s at %s; retrained models go to %s", live.model_version, server.url, output)
        if connect:
            _connect(connect, server.url.replace("0.0.0.0", "127.0.0.1"), config)
    try:
        server.thread.join()
    except KeyboardInterrupt:
        server.stop()
    finally:
        live.close()


def serve_log():
    """newstag's own log lines on stderr, each with its time; not the HTTP clients' (httpx
    logs every request Label Studio's SDK makes at INFO), which stay at the root's WARNING."""
    import logging

    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s newstag serve: %(message)s", "%Y-%m-%d %H:%M:%S"))
    log = logging.getLogger("newstag")
    log.handlers[:] = [handler]
    log.setLevel(logging.INFO)
    log.propagate = False
    return logging.getLogger("newstag.serve")


def retrain(
    url: Annotated[str, typer.Option(help="The running `newstag serve`.")] = DEFAULT_URL,
    wait: Annotated[bool, typer.Option(help="Wait for the retrain and report its outcome.")] = True,
) -> None:
    """Ask the running backend to retrain now on the base data and the projects' annotations."""
    import time

    from newstag.errors import ModelError

    with one_line_errors():
        before = _backend(url, "/retrain", post=True)
        info(
            f"retraining (serving {before['model_version']})"
            if before["retraining"]
            else "a retrain runs already"
        )
        status = before
        while wait and status["training"]:
            time.sleep(1)
            status = _backend(url, "/status")
        last = status.get("last_retrain") or {}
        if wait and last.get("error"):
            raise ModelError(f"retrain failed, still serving {status['model_version']}: {last['error']}")
        print(status["model_version"])


def connect(
    project: Annotated[str, typer.Argument(help="The Label Studio project.")],
    url: Annotated[str, typer.Option(help="The running `newstag serve`.")] = DEFAULT_URL,
    config: ConfigOption = DEFAULT_CONFIG_PATH,
) -> None:
    """Connect a project to `newstag serve`: annotators then see its live predictions."""
    with one_line_errors():
        _connect(project, url, config)


def _connect(project: str, url: str, config: Path) -> None:
    from newstag.config import load_config
    from newstag.labelstudio import ml, views
    from newstag.labelstudio.session import open_connection

    connection = open_connection(load_config(config).studio)
    backend = ml.connect_backend(views.open_project(connection, project), url)
    info(f"project {project!r} uses the ML backend at {url} (id {backend}) for live predictions")


def _studio_connection(config: Path):
    from newstag.config import load_config
    from newstag.errors import LabelStudioError
    from newstag.labelstudio.session import open_connection

    try:
        return open_connection(load_config(config).studio)
    except LabelStudioError as error:
        info(f"no Label Studio connection ({error}); retrains learn from the base data only")
        return None


def _backend(url: str, path: str, post: bool = False) -> dict:
    import json
    import urllib.error
    import urllib.request

    from newstag.errors import ModelError

    request = urllib.request.Request(
        url.rstrip("/") + path, data=b"" if post else None, method="POST" if post else "GET"
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)
    except (urllib.error.URLError, OSError):
        raise ModelError(
            f"no newstag backend answers at {url}; start it with `newstag serve --model MODEL`"
        ) from None
