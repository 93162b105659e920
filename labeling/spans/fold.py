"""Fold the adjudicated `responsible` spans into the Label Studio exports, through the loop
every correction goes through: labels.py takes each annotator's labels out of a batch's export,
the spans join the annotation the dataset trains on, and build.py writes the export again.

    python labeling/spans/fold.py            # rewrites labeling/corpus/*.json and the seeds

Where a sentence's spans go (they are the adjudicator's, so they never enter an independent
annotator's annotation beside a second one, which would make the annotators agree on spans
neither marked):
- a task with a ground-truth annotation: into it;
- a task with one annotation: into it (it is the one the dataset uses);
- a task annotated twice, with agreeing choices and no ground truth: a new ground-truth
  annotation by the adjudicator (annotator 3, as for the corpus' other adjudications) with
  those choices and the spans. The agreement report leaves ground truth out.
A span on a sentence whose final `actor` holds no named value is refused. The seeds, a Label
Studio export of their own that build.py did not write, get their spans in their one
annotation in place. `labels/neg.<annotator>.jsonl`, the label file the `neg` batch is built
from, gets its spans too. Running it again changes nothing.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
LABELING = HERE.parent
CORPUS = LABELING / "corpus"
sys.path.insert(0, str(CORPUS))

import build  # noqa: E402
import labels  # noqa: E402

ADJUDICATOR = 3
NAME = "responsible"
NAMED_EXCLUDED = {"none", "unidentified"}


def read_adjudicated(path: Path = HERE / "adjudicated.jsonl") -> dict[str, list[str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return {r["sentence_id"]: r["spans"] for r in map(json.loads, filter(None, lines)) if r["spans"]}


def place(export: list[dict], spans: dict[str, list[str]]) -> dict[int, list[dict]]:
    """Each annotator's label records for the batch, with the spans placed (see above)."""
    by_annotator = labels.annotators_labels(export)
    records = {a: {r["sentence_id"]: r for r in rs} for a, rs in by_annotator.items()}
    for task in export:
        sentence_id = task["data"]["sentence_id"]
        if sentence_id not in spans:
            continue
        annotators = [a["completed_by"] for a in task["annotations"]]
        truths = [a["completed_by"] for a in task["annotations"] if a.get("ground_truth")]
        if truths or len(annotators) == 1:
            target = (truths or annotators)[-1]
        else:
            choices = [{g: records[a][sentence_id][g] for g in build.GROUPS} for a in annotators]
            if any(
                {g: sorted(v) for g, v in c.items()} != {g: sorted(v) for g, v in choices[0].items()}
                for c in choices
            ):
                sys.exit(f"{sentence_id}: annotators disagree and nobody adjudicated; no place for spans")
            target = ADJUDICATOR
            records.setdefault(target, {})[sentence_id] = {"sentence_id": sentence_id, **choices[0]}
        record = records[target][sentence_id]
        if not set(record["actor"]) - NAMED_EXCLUDED:
            sys.exit(f"{sentence_id}: spans {spans[sentence_id]} but actor {record['actor']}: no named value")
        record[NAME] = spans[sentence_id]
    return {a: _in_task_order(export, rs) for a, rs in records.items()}


def _in_task_order(export: list[dict], records: dict[str, dict]) -> list[dict]:
    return [records[t["data"]["sentence_id"]] for t in export if t["data"]["sentence_id"] in records]


def write_lines(path: Path, records: list[dict]) -> None:
    tmp = path.with_name(path.name + ".partial")
    tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    tmp.replace(path)


def rebuild(batch: Path, spans: dict[str, list[str]]) -> None:
    export = json.loads(batch.read_text(encoding="utf-8"))
    placed = place(export, spans)
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        tasks = folder / "tasks.json"
        tasks.write_text(json.dumps([{"data": t["data"]} for t in export], ensure_ascii=False), "utf-8")
        argv = [str(tasks), "-o", str(batch)]
        for annotator, records in placed.items():
            write_lines(folder / f"{annotator}.jsonl", records)
            flag = "--adjudicated" if annotator == ADJUDICATOR else "--labels"
            argv += [flag, f"{folder / f'{annotator}.jsonl'}={annotator}"]
        sys.argv = ["build.py", *argv]
        build.main()
    for annotator, records in placed.items():
        label_file = CORPUS / "labels" / f"{batch.stem}.{annotator}.jsonl"
        if label_file.exists():
            write_lines(label_file, records)


def fold_seeds(path: Path, spans: dict[str, list[str]]) -> None:
    export = json.loads(path.read_text(encoding="utf-8"))
    for task in export:
        sentence_id = task["data"]["sentence_id"]
        (only,) = task["annotations"]
        only["result"] = [item for item in only["result"] if item.get("type") != "labels"]
        if sentence_id in spans:
            actor = next(i["value"]["choices"] for i in only["result"] if i["from_name"] == "actor")
            if not set(actor) - NAMED_EXCLUDED:
                sys.exit(f"{sentence_id}: spans {spans[sentence_id]} but actor {actor}: no named value")
            found = build.located_spans({NAME: spans[sentence_id]}, task["data"]["text"], sentence_id)
            only["result"] += [
                {"id": f"{task['id']}-{NAME}-{i}", "origin": "manual", **result}
                for i, result in enumerate(found)
            ]
    tmp = path.with_name(path.name + ".partial")
    tmp.write_text(json.dumps(export, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)


def main() -> None:
    spans = read_adjudicated()
    fold_seeds(LABELING / "seed_annotations.json", spans)
    for batch in sorted(CORPUS.glob("*.json")):
        rebuild(batch, spans)


if __name__ == "__main__":
    main()
