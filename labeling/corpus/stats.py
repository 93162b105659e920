"""The data card's figures, from the corpus files themselves.

.venv/bin/python labeling/corpus/stats.py     # Markdown tables on stdout
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from newstag.annotate.annotations import examples_from_export, load_exports
from newstag.config import load_config

HERE = Path(__file__).resolve().parent
GROUPS = ("attack_type", "actor", "claim_status")


def main() -> None:
    taxonomy = load_config(HERE.parent.parent / "configs" / "default.toml").taxonomy
    held_out = set((HERE / "evaluation_articles.txt").read_text().split())
    files = sorted((HERE / "articles").glob("*.jsonl"))
    articles = [json.loads(line) for path in files for line in path.open(encoding="utf-8")]
    tasks = load_exports([HERE])
    examples = examples_from_export(tasks, taxonomy).examples
    independent = [[a for a in t["annotations"] if not a.get("ground_truth")] for t in tasks]
    dates = sorted(a["date"] for a in articles if "date" in a)
    print(f"- {len(articles)} articles, {len(examples)} sentences")
    print(
        f"- {sum(len(a) > 1 for a in independent)} sentences annotated twice, independently; "
        f"{sum(any(a.get('ground_truth') for a in t['annotations']) for t in tasks)} adjudicated"
    )
    print(
        f"- {len({a['outlet'] for a in articles})} outlets; dates {dates[0]} to {dates[-1]} "
        f"({len(articles) - len(dates)} undated)"
    )
    print(
        f"- held out for evaluation: {len(held_out)} articles, "
        f"{sum(e.article_id in held_out for e in examples)} sentences\n"
    )
    print("| batch | articles | sentences | held-out articles |\n|---|---|---|---|")
    for batch in sorted({a["id"].rsplit("-", 1)[0] for a in articles}):
        ids = {a["id"] for a in articles if a["id"].rsplit("-", 1)[0] == batch}
        print(
            f"| {batch} | {len(ids)} | {sum(e.article_id in ids for e in examples)} | {len(ids & held_out)} |"
        )
    print("\n| conflict | articles | sentences | held-out articles |\n|---|---|---|---|")
    conflict_of = {a["id"]: a["conflict"] for a in articles}
    for conflict, count in Counter(conflict_of.values()).most_common():
        sentences = sum(e.conflict == conflict for e in examples)
        held = sum(name == conflict for article, name in conflict_of.items() if article in held_out)
        print(f"| {conflict} | {count} | {sentences} | {held} |")
    for group in taxonomy.groups:
        counts = Counter(v for e in examples for v in e.labels[group.name])
        held = Counter(v for e in examples if e.article_id in held_out for v in e.labels[group.name])
        print(f"\n| `{group.name}` | sentences | of them held out |\n|---|---|---|")
        for value in group.value_names:
            print(f"| `{value}` | {counts[value]} | {held[value]} |")


if __name__ == "__main__":
    main()
