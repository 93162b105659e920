"""The one module that talks to Label Studio, through label-studio-sdk 2.x.

Every SDK call goes through `call_sdk`, which turns transport and HTTP failures into one-line
LabelStudioErrors and retries time-outs only for calls that are safe to repeat (reads).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

import httpx
from label_studio_sdk import LabelStudio
from label_studio_sdk.core.api_error import ApiError

from newstag.annotate.fields import check_tasks
from newstag.errors import InputError, LabelStudioError
from newstag.labelstudio import schema

T = TypeVar("T")
RETRIES = 3
PAGE_SIZE = 500


@dataclass(frozen=True)
class Connection:
    url: str
    sdk: LabelStudio = field(repr=False, compare=False)


@dataclass(frozen=True)
class Project:
    connection: Connection
    id: int
    title: str
    label_config: str = field(repr=False)


@dataclass(frozen=True)
class ImportCounts:
    added: int
    skipped: int


def connect(url: str, token: str, timeout: float = 60.0) -> Connection:
    """A checked connection: the server answers and accepts the token."""
    url = url.rstrip("/")
    try:
        # max_retries=0: the SDK would also retry POSTs; `call_sdk` retries only safe calls.
        sdk = LabelStudio(base_url=url, api_key=token, timeout=timeout, max_retries=0)
    except ApiError:
        raise LabelStudioError(_token_refused(url, "connect")) from None
    connection = Connection(url, sdk)
    try:
        call_sdk(connection, "check the API token", sdk.users.whoami, safe=True)
    except ValueError:
        raise LabelStudioError(f"{url} does not answer like Label Studio; check the URL") from None
    return connection


def ensure_project(
    connection: Connection, name: str, label_config: str, update_config: bool = False
) -> Project:
    """The project titled `name`, created when missing, its label config checked or updated."""
    found = find_project(connection, name)
    if found is None:
        create = partial(connection.sdk.projects.create, title=name, label_config=label_config)
        created = call_sdk(connection, f"create project {name!r}", create)
        return Project(connection, created.id, name, label_config)
    if schema.same_config(found.label_config, label_config):
        return found
    if not update_config:
        raise LabelStudioError(
            f"project {name!r} has a label config that differs from the generated one; "
            f"pass --update-config to replace it"
        )
    return _update_config(found, label_config)


def find_project(connection: Connection, name: str) -> Project | None:
    def listing() -> list:
        # The title filter matches substrings, so the exact title is checked here.
        return [p for p in connection.sdk.projects.list(title=name) if p.title == name]

    matches = call_sdk(connection, "list projects", listing, safe=True)
    if len(matches) > 1:
        ids = sorted(p.id for p in matches)
        raise LabelStudioError(f"{len(ids)} projects are titled {name!r} (ids {ids}); rename all but one")
    if not matches:
        return None
    read = partial(connection.sdk.projects.get, matches[0].id)
    full = call_sdk(connection, f"read project {name!r}", read, safe=True)
    return Project(connection, full.id, name, full.label_config or "")


def import_tasks(project: Project, tasks: Sequence[dict]) -> ImportCounts:
    """Add the tasks whose `data.sentence_id` the project lacks; Label Studio does not dedupe."""
    known = set(task_ids(project))
    fresh = []
    for number, task in enumerate(tasks):
        sentence_id = _sentence_id(task, number)
        if sentence_id not in known:
            known.add(sentence_id)
            fresh.append({"data": task["data"]})
    if fresh:
        send = partial(project.connection.sdk.projects.import_tasks, project.id, request=fresh)
        what = f"import tasks into {project.title!r} (run again: it skips what is there)"
        call_sdk(project.connection, what, send)
    return ImportCounts(added=len(fresh), skipped=len(tasks) - len(fresh))


def task_ids(project: Project) -> dict[str, int]:
    """Task id by sentence id, for every task of the project."""

    def listing() -> list:
        pages = project.connection.sdk.tasks.list(project=project.id, include="id,data", page_size=PAGE_SIZE)
        return list(pages)

    tasks = call_sdk(project.connection, f"list the tasks of {project.title!r}", listing, safe=True)
    return {task.data.get("sentence_id"): task.id for task in tasks if task.data}


def attach_predictions(project: Project, tasks: Iterable[dict]) -> int:
    """Add each task's `predictions` to the matching project task, once per model version,
    and make annotators see them pre-selected. Returns how many were added."""
    ids, offered = task_ids(project), schema.choices(project.label_config)
    existing = _prediction_keys(project)
    requests, versions = [], []
    for number, task in enumerate(tasks):
        sentence_id = _sentence_id(task, number)
        for prediction in task.get("predictions", []):
            schema.check_prediction(prediction, offered, f"task {sentence_id}")
            if sentence_id not in ids:
                raise InputError(f"task {sentence_id} is not in project {project.title!r}; import it first")
            versions.append(prediction["model_version"])
            if (ids[sentence_id], prediction["model_version"]) not in existing:
                requests.append({**_prediction_fields(prediction), "task": ids[sentence_id]})
    if requests:
        send = partial(project.connection.sdk.projects.import_predictions, project.id, request=requests)
        call_sdk(project.connection, f"import predictions into {project.title!r}", send)
    if versions:
        show_predictions(project, versions[-1])
    return len(requests)


def show_predictions(project: Project, model_version: str) -> None:
    """Pre-select this model version's predictions for annotators."""
    update = partial(
        project.connection.sdk.projects.update,
        project.id,
        model_version=model_version,
        show_collab_predictions=True,
    )
    call_sdk(project.connection, f"show predictions in {project.title!r}", update, safe=True)


def export_annotations(project: Project) -> list[dict[str, Any]]:
    """Label Studio's JSON export of every task: annotations (cancelled too), drafts, predictions."""
    sdk = project.connection.sdk

    def download() -> bytes:
        chunks = sdk.projects.exports.download_sync(project.id, export_type="JSON", download_all_tasks=True)
        return b"".join(chunks)

    raw = call_sdk(project.connection, f"export {project.title!r}", download, safe=True)
    return check_tasks(json.loads(raw), f"the export of {project.title!r}", "fix the task in Label Studio")


def _update_config(project: Project, label_config: str) -> Project:
    lost = schema.orphaned(export_annotations(project), label_config)
    if lost:
        raise LabelStudioError(
            f"the new label config drops {', '.join(lost)}, which annotations in {project.title!r} "
            f"use; keep those values in the taxonomy or relabel those tasks first"
        )
    update = partial(project.connection.sdk.projects.update, project.id, label_config=label_config)
    call_sdk(project.connection, f"update the label config of {project.title!r}", update, safe=True)
    return Project(project.connection, project.id, project.title, label_config)


def _prediction_keys(project: Project) -> set[tuple[int, str]]:
    def listing() -> list:
        return list(project.connection.sdk.predictions.list(project=project.id))

    what = f"list predictions of {project.title!r}"
    predictions = call_sdk(project.connection, what, listing, safe=True)
    return {(p.task, p.model_version) for p in predictions}


def _prediction_fields(prediction: dict) -> dict:
    fields = {"result": prediction["result"], "model_version": prediction["model_version"]}
    if prediction.get("score") is not None:
        fields["score"] = float(prediction["score"])
    return fields


def _sentence_id(task: dict, number: int) -> str:
    sentence_id = (task.get("data") or {}).get("sentence_id")
    if not sentence_id:
        raise InputError(f"task {number} has no data.sentence_id; write tasks with `newstag export`")
    return sentence_id


def call_sdk(connection: Connection, what: str, action: Callable[[], T], safe: bool = False) -> T:
    """`action()`, an SDK call; its failures become one-line LabelStudioErrors that say it was
    trying to `what`. Time-outs are retried only when the call is `safe` to repeat (a read)."""
    attempts = RETRIES if safe else 1
    for attempt in range(attempts):
        try:
            return action()
        except httpx.TimeoutException:
            if attempt + 1 == attempts:
                message = f"Label Studio at {connection.url} timed out trying to {what}"
                raise LabelStudioError(message) from None
            time.sleep(2**attempt)
        except httpx.TransportError:
            raise LabelStudioError(
                f"cannot reach Label Studio at {connection.url}; start it with `newstag studio start` "
                f"or pass the right URL"
            ) from None
        except ApiError as error:
            raise LabelStudioError(_api_message(connection.url, what, error)) from None
    raise AssertionError("unreachable")


def _api_message(url: str, what: str, error: ApiError) -> str:
    if error.status_code in (401, 403):
        return _token_refused(url, what)
    if error.status_code == 404:
        return f"Label Studio at {url} answered 404 trying to {what}; check the URL and the project name"
    return f"Label Studio at {url} failed to {what} (HTTP {error.status_code}: {_detail(error.body)})"


def _token_refused(url: str, what: str) -> str:
    return (
        f"Label Studio at {url} refused the API token trying to {what}; run `newstag studio start` "
        f"to renew the stored token, or pass a valid personal access token"
    )


def _detail(body: object) -> str:
    if isinstance(body, dict):
        body = body.get("detail") or body.get("validation_errors") or body
    return " ".join(str(body).split())[:300]
