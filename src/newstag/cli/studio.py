"""`newstag studio install|start|stop|status|login`: the local Label Studio server."""

from __future__ import annotations

from typing import Annotated

import typer

from newstag.cli.common import DEFAULT_CONFIG_PATH, ConfigOption, info, one_line_errors
from newstag.cli.progress import progress_bar

studio_app = typer.Typer(
    name="studio",
    help="Run a local Label Studio (installed into its own virtual environment).",
    no_args_is_help=True,
)


def _studio(config):
    from newstag.config import load_config
    from newstag.labelstudio.server import Studio

    return Studio.from_config(load_config(config).studio)


@studio_app.command()
def install(config: ConfigOption = DEFAULT_CONFIG_PATH) -> None:
    """Install Label Studio into its own venv (the first `start` does this too)."""
    from newstag.labelstudio import server

    with one_line_errors():
        studio = _studio(config)
        if server.is_installed(studio):
            info(f"label-studio=={studio.version} is already installed in {studio.venv}")
            return
        _install(server, studio)
        info(f"installed into {studio.venv}")


def _install(server, studio) -> None:
    info(f"installing label-studio=={studio.version}, as locked, into {studio.venv} (a few minutes)...")
    with progress_bar("pip:") as update:
        server.install(studio, on_line=lambda line: update(text=line))


@studio_app.command()
def start(
    config: ConfigOption = DEFAULT_CONFIG_PATH,
    show_login: Annotated[bool, typer.Option(help="Also print the admin login.")] = False,
) -> None:
    """Start Label Studio on the configured host and port (installing it the first time)."""
    from newstag.labelstudio import server

    with one_line_errors():
        studio = _studio(config)
        if not server.is_installed(studio):
            _install(server, studio)
        state = server.status(studio)
        if state.running:
            info(f"Label Studio is already running at {state.url} (pid {state.pid}); log: {studio.log_file}")
        else:
            info(f"starting Label Studio at {studio.url} (the first start takes a minute or two)...")
        login = server.start(studio)
        if not state.running:
            info(f"Label Studio runs at {studio.url}; log: {studio.log_file}")
        if show_login:
            _print_login(login)


@studio_app.command()
def stop(config: ConfigOption = DEFAULT_CONFIG_PATH) -> None:
    """Stop the Label Studio that `start` started."""
    from newstag.labelstudio import server

    with one_line_errors():
        stopped = server.stop(_studio(config))
        info("Label Studio stopped" if stopped else "Label Studio was not running")


@studio_app.command()
def status(config: ConfigOption = DEFAULT_CONFIG_PATH) -> None:
    """Say whether Label Studio runs; exit code 1 when it does not."""
    from newstag.labelstudio import server

    with one_line_errors():
        state = server.status(_studio(config))
    if not state.running:
        info(f"Label Studio is not running at {state.url}; run `newstag studio start`")
        raise typer.Exit(1)
    print(f"running at {state.url} (pid {state.pid})")


@studio_app.command()
def login(config: ConfigOption = DEFAULT_CONFIG_PATH) -> None:
    """Print the URL and the admin login of the running Label Studio."""
    from newstag.labelstudio import server

    with one_line_errors():
        _print_login(server.credentials(_studio(config)))


def _print_login(credentials) -> None:
    print(f"url:      {credentials.url}")
    print(f"email:    {credentials.email}")
    print(f"password: {credentials.password}")
