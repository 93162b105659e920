"""Write a Label Studio JSON export from `newstag export` tasks and annotators' label files.

Each annotator reads the tasks and writes one JSON line per sentence:
    {"sentence_id": "...", "attack_type": [...], "actor": [...], "claim_status": ["claim"],
     "responsible": ["the words of each span", "in their order in the sentence"]}
("responsible" may be left out when the sentence has no span.) This script attaches those
choices and spans (offsets found left to right) to the tasks as Label Studio annotations (one
annotator a `completed_by` id) and writes the file `newstag import-annotations` reads. An adjudicated label
file becomes a ground-truth annotation, which wins over the others, as in Label Studio.

    python labeling/corpus/build.py tasks.json --labels a.jsonl=1 [--labels b.jsonl=2]
        [--adjudicated adj.jsonl=3] -o labeling/corpus/batch-01.json
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from pathlib import Path

GROUPS = ("attack_type", "actor", "claim_status")
SPAN_GROUPS = ("responsible",)
STAMP = "2026-12-01T00:00:00.000000Z"


def read_labels(path: Path) -> dict[str, dict[str, list[str]]]:
    labels = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        record = json.loads(line)
        sentence_id = record["sentence_id"]
        if sentence_id in labels:
            sys.exit(f"{path}, line {number}: {sentence_id} labelled twice")
        chosen = {}
        for group in GROUPS:
            value = record.get(group)
            chosen[group] = [value] if isinstance(value, str) else list(value or [])
        for name in SPAN_GROUPS:
            if record.get(name):
                chosen[name] = list(record[name])
        labels[sentence_id] = chosen
    return labels


def span_results(sentence: str, name: str, words: list[str]) -> list[dict] | None:
    """Label Studio `labels` results for a span group's words, each found in the sentence after
    the one before; None when one of them is not there."""
    results, start = [], 0
    for text in words:
        found = sentence.find(text, start)
        if found < 0:
            return None
        value = {"start": found, "end": found + len(text), "text": text, "labels": [name]}
        results.append({"from_name": name, "to_name": "text", "type": "labels", "value": value})
        start = found + len(text)
    return results


def located_spans(labels: dict[str, list[str]], sentence: str, where: str) -> list[dict]:
    results = []
    for name in SPAN_GROUPS:
        found = span_results(sentence, name, labels.get(name, []))
        if found is None:
            sys.exit(f"{where}: {name} spans {labels[name]} are not all in the sentence {sentence!r}")
        results += found
    return results


def annotation(
    labels: dict[str, list[str]], annotator: int, task_id: int, ground_truth: bool, spans: list[dict] = ()
) -> dict:
    spans = [
        {"id": uuid.uuid5(uuid.NAMESPACE_URL, f"{task_id}/{annotator}/span/{i}").hex[:10], **result}
        for i, result in enumerate(spans)
    ]
    return {
        "id": task_id * 10 + annotator,
        "completed_by": annotator,
        "result": [
            {
                "id": uuid.uuid5(uuid.NAMESPACE_URL, f"{task_id}/{annotator}/{group}").hex[:10],
                "from_name": group,
                "to_name": "text",
                "type": "choices",
                "origin": "manual",
                "value": {"choices": labels[group]},
            }
            for group in GROUPS
        ]
        + spans,
        "was_cancelled": False,
        "ground_truth": ground_truth,
        "created_at": STAMP,
        "updated_at": STAMP,
        "lead_time": 0.0,
        "task": task_id,
    }


def pair(text: str) -> tuple[Path, int]:
    path, _, annotator = text.rpartition("=")
    return Path(path), int(annotator)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("tasks", type=Path)
    parser.add_argument("--labels", type=pair, action="append", default=[], help="FILE=ANNOTATOR_ID")
    parser.add_argument("--adjudicated", type=pair, help="FILE=ANNOTATOR_ID, kept as ground truth")
    parser.add_argument("--first-task-id", type=int, default=1)
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args()

    tasks = json.loads(args.tasks.read_text(encoding="utf-8"))
    sources = [(read_labels(path), annotator, False) for path, annotator in args.labels]
    if args.adjudicated:
        path, annotator = args.adjudicated
        sources.append((read_labels(path), annotator, True))
    known = {task["data"]["sentence_id"] for task in tasks}
    for labels, annotator, _ in sources:
        stray = sorted(set(labels) - known)
        if stray:
            sys.exit(f"annotator {annotator} labelled sentences not in {args.tasks}: {stray[:5]}")
    if sources and (missing := sorted(known - set(sources[0][0]))):
        sys.exit(f"annotator {sources[0][1]} left {len(missing)} sentences unlabelled: {missing[:5]}")

    export = []
    for task_id, task in enumerate(tasks, start=args.first_task_id):
        sentence_id = task["data"]["sentence_id"]
        annotations = [
            annotation(
                labels[sentence_id],
                annotator,
                task_id,
                truth,
                located_spans(
                    labels[sentence_id], task["data"]["text"], f"annotator {annotator}, {sentence_id}"
                ),
            )
            for labels, annotator, truth in sources
            if sentence_id in labels
        ]
        export.append({"id": task_id, "data": task["data"], "annotations": annotations, "predictions": []})
    tmp = args.output.with_name(args.output.name + ".partial")
    tmp.write_text(json.dumps(export, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(args.output)
    print(f"wrote {len(export)} tasks to {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
