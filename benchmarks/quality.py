"""Leave-one-article-out scores of every feature family on the seed annotations, side by side.

    .venv/bin/python benchmarks/quality.py            # the default install's families
    make install-embeddings                           # then the embedding families run too
    .venv/bin/python benchmarks/quality.py --data EXPORT.json --config configs/default.toml

Every family is trained and scored exactly as `newstag train` does (thresholds and
calibration from the training articles of each fold only). Prints one Markdown table: the
targets' four figures per family, then the majority and cue-word baselines.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
import warnings
from pathlib import Path

from newstag.annotate.dataset import group_labels, load_labelled
from newstag.config import load_config
from newstag.model.embeddings import INSTALL_HINT, embeddings_available
from newstag.model.validation import leave_one_article_out

ROOT = Path(__file__).resolve().parent.parent
FAMILIES = ("tfidf", "cues", "tfidf+cues", "embeddings", "embeddings+cues", "embeddings+tfidf+cues")
HEADER = (
    "| features | attack_type macro-F1 | actor micro-F1 | claim_status macro-F1 | denial F1 | seconds |\n"
    "|---|---|---|---|---|---|"
)
TARGETS = "| target | ≥ 0.70 | ≥ 0.75 | ≥ 0.70 | ≥ 0.60 | |"


def row(name: str, scores: dict, seconds: float | None) -> str:
    figures = (
        scores["attack_type"]["macro_f1"],
        scores["actor"]["micro_f1"],
        scores["claim_status"]["macro_f1"],
        scores["claim_status"]["values"]["denial"]["f1"],
    )
    timing = f"{seconds:.0f}" if seconds is not None else ""
    return f"| {name} | " + " | ".join(f"{f:.2f}" for f in figures) + f" | {timing} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "labeling" / "seed_annotations.json")
    parser.add_argument("--config", type=Path, default=ROOT / "configs" / "default.toml")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    config = load_config(args.config)
    dataset = load_labelled(args.data, config.taxonomy)
    texts = list(dataset["text"])
    gold = {group: group_labels(dataset, group) for group in config.taxonomy.group_names}
    lines, baselines = [HEADER], None
    for family in FAMILIES:
        if "embeddings" in family and not embeddings_available():
            print(f"skipping {family}: {INSTALL_HINT}", file=sys.stderr)
            continue
        family_config = dataclasses.replace(config, model=dataclasses.replace(config.model, features=family))
        start = time.perf_counter()
        metrics = leave_one_article_out(texts, dataset["article_id"], gold, family_config)
        lines.append(row(family, metrics["model"], time.perf_counter() - start))
        print(lines[-1], file=sys.stderr)
        baselines = metrics
    lines.append(row("majority baseline", baselines["majority_baseline"], None))
    lines.append(row("cue-word baseline", baselines["cue_baseline"], None))
    lines.append(TARGETS)
    articles = len(set(dataset["article_id"]))
    print(f"Leave-one-article-out on {len(texts)} sentences from {articles} articles:\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
