"""Label Studio's ML API: connect a project to `newstag serve`, and read projects by id.

Goes through the SDK object of `client.Connection`, and through `client.call_sdk` for the
one-line errors and safe retries; `client` stays the only module importing the SDK.
"""

from __future__ import annotations

from functools import partial

from newstag.labelstudio import client
from newstag.labelstudio.client import Connection, Project, call_sdk

BACKEND_TITLE = "newstag"


def project_by_id(connection: Connection, project_id: int) -> Project:
    read = partial(connection.sdk.projects.get, project_id)
    full = call_sdk(connection, f"read project {project_id}", read, safe=True)
    return Project(connection, full.id, full.title or str(project_id), full.label_config or "")


def export_by_id(connection: Connection, project_id: int) -> list[dict]:
    return client.export_annotations(project_by_id(connection, project_id))


def connect_backend(project: Project, url: str, title: str = BACKEND_TITLE) -> int:
    """Attach the ML backend at `url` (once; again only updates it) and make annotators see
    its live predictions pre-selected. Returns the ML backend's id."""
    sdk, connection = project.connection.sdk, project.connection
    listing = partial(sdk.ml.list, project=project.id)
    existing = [b for b in call_sdk(connection, "list ML backends", listing, safe=True) if b.url == url]
    if existing:
        backend_id = existing[0].id
        update = partial(sdk.ml.update, backend_id, title=title, auto_update=True)
        call_sdk(connection, f"update the ML backend of {project.title!r}", update, safe=True)
    else:
        create = partial(sdk.ml.create, project=project.id, url=url, title=title, auto_update=True)
        what = f"connect {project.title!r} to the ML backend at {url} (is `newstag serve` running?)"
        backend_id = call_sdk(connection, what, create).id
    # Live predictions are the ones of the backend named in the project's model_version.
    client.show_predictions(project, title)
    return backend_id
