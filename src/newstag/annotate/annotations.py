"""From a Label Studio JSON export to one labelled example per sentence.

Pure logic on plain data: the same reader serves an export file and a live project's export.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from newstag.annotate.tasks import load_tasks, sentence_ids
from newstag.errors import AnnotationError, InputError
from newstag.taxonomy import Taxonomy

TEXT_FIELDS = ("text", "title", "context_before", "context_after")


@dataclass(frozen=True)
class Example:
    sentence_id: str
    article_id: str
    text: str
    title: str
    context_before: str
    context_after: str
    labels: dict[str, list[str]]
    annotators: int = 1
    conflict: str = ""
    """The task's data.conflict (the war the article reports on), or "" when not given."""


@dataclass
class ImportReport:
    examples: list[Example] = field(default_factory=list)
    ties: list[str] = field(default_factory=list)
    """Tasks left out because their annotators split evenly, or their majorities clash."""
    unannotated: int = 0
    """Tasks with no submitted annotation (none yet, or only cancelled/skipped ones)."""
    cancelled: int = 0


def load_export(path: Path | str) -> list[dict]:
    """Read a Label Studio JSON export file (a list of tasks)."""
    return load_tasks(path, fix="export the project from Label Studio as JSON")


def export_files(paths) -> list[Path]:
    """The export files named: files as given, folders as their *.json files in name order."""
    files = []
    for path in map(Path, paths):
        if path.is_dir():
            found = sorted(path.glob("*.json"))
            if not found:
                raise InputError(f"{path}/ holds no .json Label Studio exports")
            files += found
        else:
            files.append(path)
    return files


def load_exports(paths) -> list[dict]:
    """The tasks of several exports (files or folders of them), as one export. A sentence in
    two tasks is refused: which of its annotations counts would depend on file order."""
    tasks, first_seen = [], {}
    for file in export_files(paths):
        for task in load_export(file):
            data = task["data"]
            sentence_id = data.get("sentence_id") if isinstance(data, dict) else None
            where = f"{file} task {task.get('id')}"
            if not isinstance(sentence_id, str | None):
                raise InputError(
                    f"{where}: data.sentence_id is {sentence_id!r}; expected a string (or none): "
                    f"export the project from Label Studio again"
                )
            if sentence_id in first_seen:
                raise InputError(
                    f"sentence {sentence_id!r} is in two tasks ({first_seen[sentence_id]} and {where}); "
                    f"keep one (merge their annotations in Label Studio) and export again"
                )
            if sentence_id is not None:
                first_seen[sentence_id] = where
            tasks.append(task)
    return tasks


def submitted(task: dict) -> list[dict]:
    """A task's annotations that were submitted, not cancelled."""
    return [a for a in task.get("annotations") or [] if not a.get("was_cancelled")]


def examples_from_export(tasks: list[dict], taxonomy: Taxonomy) -> ImportReport:
    """The labelled examples of an export's tasks (a file read by `load_export`, or a live
    project's export): every submitted annotation is checked, then each task is resolved by
    majority. Two tasks of one sentence (or one task id twice) count once if they agree; if
    their labels differ, both are named in the error."""
    report = ImportReport()
    problems: list[str] = []
    seen: dict[str, tuple[str, Example]] = {}
    for task in tasks:
        where = _task_name(task)
        _check_shape(task, where)
        annotations = task.get("annotations") or []
        kept = submitted(task)
        report.cancelled += len(annotations) - len(kept)
        label_sets = []
        for annotation in kept:
            labels = annotation_labels(annotation, taxonomy, where)
            problems += [f"{where}: {p}" for p in taxonomy.violations(labels)]
            label_sets.append((labels, bool(annotation.get("ground_truth"))))
        if not label_sets:
            report.unannotated += 1
            continue
        labels, tie = _resolve(label_sets, taxonomy)
        if tie:
            report.ties.append(f"{where}: {tie}")
            continue
        example = _example(task, labels, len(label_sets), where)
        first = seen.setdefault(example.sentence_id, (where, example))
        if first[1] is example:
            report.examples.append(example)
        elif first[1].labels != example.labels:
            problems.append(f"{first[0]} and {where} label sentence {example.sentence_id!r} differently")
    if problems:
        shown = "; ".join(problems[:3]) + (f"; and {len(problems) - 3} more" if len(problems) > 3 else "")
        raise AnnotationError(f"{len(problems)} annotation problem(s): {shown}; fix them and export again")
    return report


def annotation_labels(annotation: dict, taxonomy: Taxonomy, where: str) -> dict[str, list[str]]:
    """The choices of one annotation (or prediction), by group."""
    labels: dict[str, list[str]] = {}
    for item in annotation.get("result") or []:
        if item.get("type") != "choices":
            continue
        group = item.get("from_name")
        value = item.get("value") or {}
        choices = value.get("choices") if isinstance(value, dict) else None
        if group not in taxonomy.group_names:
            raise AnnotationError(
                f"{where}: label group {group!r} is not in the taxonomy {taxonomy.group_names}"
            )
        if not isinstance(choices, list) or not all(isinstance(c, str) for c in choices):
            raise AnnotationError(f"{where}: {group} has no list of choices")
        labels.setdefault(group, []).extend(choices)
    return labels


def _resolve(label_sets: list[tuple[dict, bool]], taxonomy: Taxonomy) -> tuple[dict, str | None]:
    """Majority per group; a ground-truth annotation overrides. Returns (labels, tie message)."""
    truths = [labels for labels, is_truth in label_sets if is_truth]
    if truths:
        return truths[-1], None
    resolved: dict[str, list[str]] = {}
    for group in taxonomy.group_names:
        votes = Counter(tuple(sorted(labels.get(group, ()))) for labels, _ in label_sets)
        (top, count), *rest = votes.most_common()
        if rest and rest[0][1] == count:
            return {}, f"annotators tie on {group} ({dict(votes)})"
        resolved[group] = list(top)
    clash = taxonomy.violations(resolved)
    return resolved, (f"majority labels clash: {clash[0]}" if clash else None)


def _example(task: dict, labels: dict[str, list[str]], annotators: int, where: str) -> Example:
    data = task["data"]
    if not isinstance(data.get("text"), str):
        raise InputError(f"{where} has no text in its data")
    sentence_id, article_id = sentence_ids(data, f"task-{task.get('id')}")
    return Example(
        sentence_id=sentence_id,
        article_id=article_id,
        labels=labels,
        annotators=annotators,
        conflict=str(data.get("conflict") or ""),
        **{name: str(data.get(name) or "") for name in TEXT_FIELDS},
    )


def _check_shape(task, where: str) -> None:
    """A hand-edited export can hold anything: refuse what Label Studio would not have written."""
    fix = "export the project again, or fix the file by hand"
    if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
        raise InputError(f"{where}: a task must be an object with a 'data' object; {fix}")
    annotations = task.get("annotations") or []
    if not isinstance(annotations, list) or not all(isinstance(a, dict) for a in annotations):
        raise InputError(f"{where}: 'annotations' must be a list of objects; {fix}")
    for annotation in annotations:
        result = annotation.get("result") or []
        if not isinstance(result, list) or not all(isinstance(item, dict) for item in result):
            raise InputError(f"{where}: an annotation's 'result' must be a list of objects; {fix}")


def _task_name(task) -> str:
    if not isinstance(task, dict):
        return "a task"
    data = task.get("data")
    sentence_id = data.get("sentence_id") if isinstance(data, dict) else None
    return f"task {task.get('id')}" + (f" ({sentence_id})" if sentence_id else "")
