"""From a Label Studio JSON export to one labelled example per sentence.

Pure logic on plain data: the same reader serves an export file and a live project's export.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from newstag.annotate.fields import check_tasks
from newstag.annotate.spans import Span, annotation_spans
from newstag.annotate.tasks import load_tasks, sentence_ids
from newstag.errors import AnnotationError, InputError
from newstag.taxonomy import Taxonomy

TEXT_FIELDS = ("text", "title", "context_before", "context_after")
FIX = "export the project from Label Studio as JSON again, or fix the file by hand"


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
    spans: dict[str, list[Span]] = field(default_factory=dict)
    """Span group -> the spans marked in `text` (a group without spans may be left out)."""
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
    return load_tasks(path, fix=FIX)


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
            sentence_id = task["data"].get("sentence_id")
            where = f"{file} task {task.get('id')}"
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
    return [a for a in task.get("annotations", []) if not a.get("was_cancelled")]


def examples_from_export(tasks: list[dict], taxonomy: Taxonomy) -> ImportReport:
    """The labelled examples of an export's tasks (a file read by `load_export`, or a live
    project's export): every submitted annotation is checked, then each task is resolved by
    majority. Two tasks of one sentence (or one task id twice) count once if they agree; if
    their labels differ, both are named in the error."""
    check_tasks(tasks, "the export", FIX)
    report = ImportReport()
    problems: list[str] = []
    seen: dict[str, tuple[str, Example]] = {}
    for task in tasks:
        where = _task_name(task)
        annotations = task.get("annotations", [])
        kept = submitted(task)
        report.cancelled += len(annotations) - len(kept)
        readings = []
        for annotation in kept:
            labels = annotation_labels(annotation, taxonomy, where)
            spans = annotation_spans(annotation, taxonomy, task["data"].get("text"), where)
            problems += [f"{where}: {p}" for p in taxonomy.violations(labels, span_counts(spans))]
            readings.append(Reading(labels, spans, bool(annotation.get("ground_truth"))))
        if not readings:
            report.unannotated += 1
            continue
        resolved, tie = _resolve(readings, taxonomy)
        if tie:
            report.ties.append(f"{where}: {tie}")
            continue
        example = _example(task, resolved, len(readings))
        first = seen.setdefault(example.sentence_id, (where, example))
        if first[1] is example:
            report.examples.append(example)
        elif (first[1].labels, first[1].spans) != (example.labels, example.spans):
            problems.append(f"{first[0]} and {where} label sentence {example.sentence_id!r} differently")
    if problems:
        shown = "; ".join(problems[:3]) + (f"; and {len(problems) - 3} more" if len(problems) > 3 else "")
        raise AnnotationError(f"{len(problems)} annotation problem(s): {shown}; fix them and export again")
    return report


def annotation_labels(annotation: dict, taxonomy: Taxonomy, where: str) -> dict[str, list[str]]:
    """The choices of one annotation (or prediction), by group."""
    labels: dict[str, list[str]] = {}
    for item in annotation.get("result", []):
        if item.get("type") != "choices":
            continue
        group = item.get("from_name")
        choices = item.get("value", {}).get("choices")
        if group not in taxonomy.group_names:
            raise AnnotationError(
                f"{where}: label group {group!r} is not in the taxonomy {taxonomy.group_names}"
            )
        if choices is None:
            raise AnnotationError(f"{where}: {group} has no list of choices")
        labels.setdefault(group, []).extend(choices)
    return labels


def span_counts(spans: dict[str, list[Span]]) -> dict[str, int]:
    return {name: len(found) for name, found in spans.items()}


@dataclass(frozen=True)
class Reading:
    """One annotator's answer to a task: choices by group, spans by span group."""

    labels: dict[str, list[str]]
    spans: dict[str, list[Span]]
    ground_truth: bool = False


def _resolve(readings: list[Reading], taxonomy: Taxonomy) -> tuple[Reading, str | None]:
    """Majority per group and per span group (the whole set of spans votes); a ground-truth
    annotation overrides. Returns (the resolved reading, tie message)."""
    truths = [reading for reading in readings if reading.ground_truth]
    if truths:
        return truths[-1], None
    labels: dict[str, list[str]] = {}
    for group in taxonomy.group_names:
        votes = Counter(tuple(sorted(reading.labels.get(group, ()))) for reading in readings)
        (top, count), *rest = votes.most_common()
        if rest and rest[0][1] == count:
            return Reading({}, {}), f"annotators tie on {group} ({dict(votes)})"
        labels[group] = list(top)
    spans: dict[str, list[Span]] = {}
    for name in taxonomy.span_names:
        votes = Counter(tuple(reading.spans.get(name, ())) for reading in readings)
        (top, count), *rest = votes.most_common()
        if rest and rest[0][1] == count:
            shown = {"|".join(f"{s.text}@{s.start}" for s in v) or "-": n for v, n in votes.items()}
            return Reading({}, {}), f"annotators tie on {name} spans ({shown})"
        spans[name] = list(top)
    clash = taxonomy.violations(labels, span_counts(spans))
    return Reading(labels, spans), (f"majority labels clash: {clash[0]}" if clash else None)


def _example(task: dict, resolved: Reading, annotators: int) -> Example:
    data = task["data"]
    sentence_id, article_id = sentence_ids(data, f"task-{task.get('id')}")
    return Example(
        sentence_id=sentence_id,
        article_id=article_id,
        labels=resolved.labels,
        annotators=annotators,
        spans=resolved.spans,
        conflict=data.get("conflict", ""),
        **{name: data.get(name, "") for name in TEXT_FIELDS},
    )


def _task_name(task: dict) -> str:
    sentence_id = task["data"].get("sentence_id")
    return f"task {task.get('id')}" + (f" ({sentence_id})" if sentence_id else "")
