"""Data Manager tabs that carry newstag's orderings: the annotation queue and the review list.

The queue writes each unlabelled task's rank into `data.queue_rank` and opens a tab ordered
by it, showing only unlabelled tasks. "Label Tasks As Displayed" (the arrow beside "Label
All Tasks") from that tab serves the tasks in that order; "Label All Tasks" ignores the
tab's ordering and samples by task id. The review tab lists the suspect tasks by id.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from newstag.assist.annotation_queue import RANK_FIELD, queue_tasks
from newstag.errors import LabelStudioError
from newstag.labelstudio import client
from newstag.labelstudio.client import Connection, Project, call_sdk

QUEUE_VIEW = "newstag queue"
REVIEW_VIEW = "newstag review"


@dataclass(frozen=True)
class QueueResult:
    ranked: int
    view: str
    ordered: list[dict]
    """The unlabelled tasks in queue order, each with its rank."""


def open_project(connection: Connection, name: str) -> Project:
    project = client.find_project(connection, name)
    if project is None:
        raise LabelStudioError(
            f"Label Studio has no project {name!r}; create it with `newstag export --project`"
        )
    return project


def apply_queue(
    project: Project,
    saved,
    diversity: float = 0.3,
    strategy: str = "entropy",
    progress: Callable[[int, int], None] | None = None,
) -> QueueResult:
    """Rank the unlabelled tasks and open the queue tab; `progress(done, total)` after each
    task's rank is written (one request per task)."""
    tasks = client.export_annotations(project)
    ordered = queue_tasks(tasks, saved, diversity, strategy)
    for done, task in enumerate(ordered, start=1):
        update = partial(project.connection.sdk.tasks.update, str(task["id"]), data=task["data"])
        call_sdk(project.connection, f"set the queue rank of task {task['id']}", update, safe=True)
        if progress:
            progress(done, len(ordered))
    unlabelled = {"conjunction": "and", "items": [_filter("total_annotations", "equal", "Number", 0)]}
    fields = {key for task in tasks for key in task.get("data") or {}} | {RANK_FIELD}
    columns = only_columns(fields, [f"tasks:data.{RANK_FIELD}", "tasks:data.text"])
    save_view(project, QUEUE_VIEW, unlabelled, [f"tasks:data.{RANK_FIELD}"], columns)
    return QueueResult(len(ordered), QUEUE_VIEW, ordered)


def show_tasks(project: Project, sentence_ids: list[str], title: str) -> str:
    """A tab listing exactly these sentences' tasks."""
    ids = client.task_ids(project)
    items = [_filter("id", "equal", "Number", ids[s]) for s in sentence_ids if s in ids]
    save_view(project, title, {"conjunction": "or", "items": items}, ["tasks:id"])
    return title


def save_view(
    project: Project, title: str, filters: dict, ordering: list[str], columns: dict | None = None
) -> int:
    """Create the tab, or replace the filters, ordering and `columns` (`only_columns`) of the
    tab with that title."""
    sdk, connection = project.connection.sdk, project.connection
    data = {"title": title, "filters": filters, "ordering": ordering, **(columns or {})}
    views = call_sdk(connection, "list tabs", partial(sdk.views.list, project=project.id), safe=True)
    same = [v for v in views if (getattr(v, "data", None) or {}).get("title") == title]
    if same:
        update = partial(sdk.views.update, str(same[0].id), data=data, project=project.id)
        return call_sdk(connection, f"update the tab {title!r}", update, safe=True).id
    create = partial(sdk.views.create, data=data, project=project.id)
    return call_sdk(connection, f"create the tab {title!r}", create).id


TASK_COLUMNS = (
    "id",
    "inner_id",
    "completed_at",
    "total_annotations",
    "cancelled_annotations",
    "total_predictions",
    "annotators",
    "annotations_results",
    "annotations_ids",
    "predictions_score",
    "predictions_model_versions",
    "predictions_results",
    "file_upload",
    "storage_filename",
    "created_at",
    "updated_at",
    "updated_by",
    "avg_lead_time",
    "draft_exists",
    "agreement",
    "reviewers",
    "reviewed",
    "comments",
    "unresolved_comment_count",
    "ground_truth",
)
"""Label Studio's own task columns, all hidden in a tab that shows only newstag's."""


def only_columns(fields: set[str], shown: list[str]) -> dict:
    """A tab's hidden columns: every data field and task column but `shown`, in the table
    ("explore") and in the list beside the labelling view ("labeling")."""
    columns = [f"tasks:data.{key}" for key in sorted(fields)] + [f"tasks:{c}" for c in TASK_COLUMNS]
    hidden = [column for column in columns if column not in shown]
    return {"hiddenColumns": {"explore": hidden, "labeling": hidden}}


def _filter(column: str, operator: str, kind: str, value) -> dict:
    return {"filter": f"filter:tasks:{column}", "operator": operator, "type": kind, "value": value}
