"""Span agreement of the two independent `responsible` annotators, through newstag's own report.

    python labeling/spans/agreement.py        # prints `newstag import-annotations`' agreement

annotator-b.jsonl holds the second annotator's spans for a random 24% of the sentences that
annotator-a.jsonl covers (every seed and corpus sentence with a named actor). Each line:
{"sentence_id", "spans": [the words, as written, in their order in the sentence], "note"}.
This script writes a temporary Label Studio export in which each of those sentences has both
annotators' annotations (the sentence's final choices, which both were shown, and their
spans, found in the sentence left to right) and runs `newstag import-annotations` on it. Only
the span figures say something: the choices are the same in both annotations by design.
Sentences whose spans can no longer be found (rewritten since) are left out and counted.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
LABELING = HERE.parent
ANNOTATORS = {"annotator-a.jsonl": 4, "annotator-b.jsonl": 5}
GROUPS = ("attack_type", "actor", "claim_status")


def read_spans(path: Path) -> dict[str, list[str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return {record["sentence_id"]: record["spans"] for record in map(json.loads, filter(None, lines))}


def locate(sentence: str, words: list[str]) -> list[dict] | None:
    """Label Studio span results for `words`, found left to right; None if one is missing."""
    results, start = [], 0
    for text in words:
        found = sentence.find(text, start)
        if found < 0:
            return None
        value = {"start": found, "end": found + len(text), "text": text, "labels": ["responsible"]}
        results.append({"from_name": "responsible", "to_name": "text", "type": "labels", "value": value})
        start = found + len(text)
    return results


def final_tasks() -> dict[str, dict]:
    """Every seed and corpus task by sentence id, with its final choices (newstag's import)."""
    sys.path.insert(0, str(LABELING.parent / "src"))
    from newstag.annotate.annotations import examples_from_export, load_export
    from newstag.config import load_config

    taxonomy = load_config(LABELING.parent / "configs" / "default.toml").taxonomy
    tasks = {}
    for path in [LABELING / "seed_annotations.json", *sorted((LABELING / "corpus").glob("*.json"))]:
        export = load_export(path)
        chosen = {e.sentence_id: e.labels for e in examples_from_export(export, taxonomy).examples}
        for task in export:
            sentence_id = task["data"]["sentence_id"]
            if sentence_id in chosen:
                tasks[sentence_id] = {"data": task["data"], "labels": chosen[sentence_id]}
    return tasks


def main() -> int:
    tasks = final_tasks()
    marked = {annotator: read_spans(HERE / name) for name, annotator in ANNOTATORS.items()}
    shared = sorted(set.intersection(*(set(spans) for spans in marked.values())))
    export, lost = [], 0
    for number, sentence_id in enumerate(shared, start=1):
        task = tasks[sentence_id]
        found = {who: locate(task["data"]["text"], spans[sentence_id]) for who, spans in marked.items()}
        if any(results is None for results in found.values()):
            lost += 1
            continue
        choices = [
            {"from_name": g, "to_name": "text", "type": "choices", "value": {"choices": task["labels"][g]}}
            for g in GROUPS
        ]
        annotations = [{"completed_by": who, "result": choices + found[who]} for who in found]
        export.append({"id": number, "data": task["data"], "annotations": annotations})
    print(f"{len(export)} sentences marked by both annotators ({lost} left out: rewritten since)")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "two-annotators.json"
        path.write_text(json.dumps(export), encoding="utf-8")
        newstag = Path(sys.executable).with_name("newstag")
        command = [str(newstag), "import-annotations", str(path), "-o", str(Path(folder) / "dataset")]
        return subprocess.run(command, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
