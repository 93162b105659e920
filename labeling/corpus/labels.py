"""Write each annotator's label file from a batch export: the inverse of build.py.

Corrections and rewrites go through the loop the batch was made by: take the labels out of the
export, fix the articles or the adjudicated labels, re-split with `newstag export`, and write the
export again with build.py from these files.

    python labeling/corpus/labels.py labeling/corpus/syr-b.json -o /tmp/syr-b-labels
    # -> /tmp/syr-b-labels/12.jsonl, 2.jsonl, 3.jsonl (ground truth), one line per sentence
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from build import GROUPS, SPAN_GROUPS


def annotators_labels(export: list[dict]) -> dict[int, list[dict]]:
    """{annotator id: [{"sentence_id", group: [values], span group: [words]}, ...]} in the export's
    task order (a span group only when the annotation marked spans in it)."""
    by_annotator: dict[int, list[dict]] = {}
    for task in export:
        for annotation in task["annotations"]:
            chosen = {
                i["from_name"]: i["value"]["choices"] for i in annotation["result"] if i["type"] == "choices"
            }
            record = {"sentence_id": task["data"]["sentence_id"], **{g: chosen.get(g, []) for g in GROUPS}}
            for name in SPAN_GROUPS:
                marked = sorted(
                    (i["value"]["start"], i["value"]["text"])
                    for i in annotation["result"]
                    if i.get("type") == "labels" and i.get("from_name") == name
                )
                if marked:
                    record[name] = [text for _, text in marked]
            by_annotator.setdefault(annotation["completed_by"], []).append(record)
    return by_annotator


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("export", type=Path)
    parser.add_argument("-o", "--output", type=Path, required=True, help="folder for <annotator>.jsonl")
    args = parser.parse_args()
    export = json.loads(args.export.read_text(encoding="utf-8"))
    args.output.mkdir(parents=True, exist_ok=True)
    for annotator, records in annotators_labels(export).items():
        lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
        (args.output / f"{annotator}.jsonl").write_text(lines, encoding="utf-8")
        print(f"{annotator}.jsonl: {len(records)} sentences", file=sys.stderr)


if __name__ == "__main__":
    main()
