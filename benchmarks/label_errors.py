"""`newstag review` against cleanlab's `find_label_issues`, on the seeds as they are and with
planted label flips.

    .venv/bin/pip install -e '.[benchmarks]'          # cleanlab, the maintained reference
    .venv/bin/python benchmarks/label_errors.py [--flips 20] [--seed 0]

Both judge the same leave-one-article-out probabilities (each sentence predicted by a model
that never saw its article). A flip changes one group of one sentence: claim_status to
another value, attack_type between `none` and an attack. Prints, per method, how many
(sentence, group) labels it flags on the clean seeds, and its precision and recall on the
flips: over everything it flags, and over its top k, the list an adjudicator reads.
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import numpy as np

from newstag.annotate.dataset import group_labels, load_labelled
from newstag.assist.label_errors import likely_errors, out_of_fold
from newstag.config import load_config

ROOT = Path(__file__).resolve().parent.parent
TOP = (10, 20)


def plant_flips(gold: dict, taxonomy, count: int, rng) -> set[tuple[int, str]]:
    """Flip `count` labels, half in claim_status, half in attack_type; returns what was flipped."""
    n, flipped = len(gold["claim_status"]), set()
    claims = taxonomy.group("claim_status").value_names
    for row in rng.choice(n, count // 2, replace=False):
        given = gold["claim_status"][row][0]
        gold["claim_status"][row] = [str(rng.choice([v for v in claims if v != given]))]
        flipped.add((int(row), "claim_status"))
    for row in rng.choice(n, count - count // 2, replace=False):
        gold["attack_type"][row] = ["air_strike"] if "none" in gold["attack_type"][row] else ["none"]
        flipped.add((int(row), "attack_type"))
    return flipped


def newstag_ranked(taxonomy, gold, oof) -> list[tuple[int, str]]:
    return [(s.row, s.group) for s in likely_errors(taxonomy, gold, oof)]


def cleanlab_ranked(taxonomy, gold, oof) -> list[tuple[int, str]]:
    """cleanlab's issues (multi-label for the multiple-choice groups), ranked by its label
    quality score, worst first."""
    from cleanlab.filter import find_label_issues
    from cleanlab.multilabel_classification.rank import get_label_quality_scores as multi_quality
    from cleanlab.rank import get_label_quality_scores

    scored = []
    for group in taxonomy.groups:
        names, p = group.value_names, oof.probabilities[group.name]
        if group.multiple:
            labels = [[names.index(v) for v in chosen] for chosen in gold[group.name]]
            issues = find_label_issues(labels, p, multi_label=True)
            quality = multi_quality(labels, p)
        else:
            labels = np.array([names.index(chosen[0]) for chosen in gold[group.name]])
            p = p / p.sum(axis=1, keepdims=True)
            issues = find_label_issues(labels, p)
            quality = get_label_quality_scores(labels, p)
        scored += [(float(quality[row]), int(row), group.name) for row in np.flatnonzero(issues)]
    return [(row, group) for _, row, group in sorted(scored)]


def judge(texts, articles, gold, config) -> dict[str, list[tuple[int, str]]]:
    oof = out_of_fold(texts, articles, gold, config)
    return {
        "newstag review": newstag_ranked(config.taxonomy, gold, oof),
        "cleanlab find_label_issues": cleanlab_ranked(config.taxonomy, gold, oof),
    }


def precision_recall(flagged: list, flipped: set) -> str:
    hits = len(set(flagged) & flipped)
    return f"{hits / max(len(flagged), 1):.2f} / {hits / len(flipped):.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "labeling" / "seed_annotations.json")
    parser.add_argument("--config", type=Path, default=ROOT / "configs" / "default.toml")
    parser.add_argument("--flips", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    config = load_config(args.config)
    dataset = load_labelled(args.data, config.taxonomy)
    texts, articles = list(dataset["text"]), dataset["article_id"]
    clean = {g: group_labels(dataset, g) for g in config.taxonomy.group_names}
    noisy = {g: [list(v) for v in labels] for g, labels in clean.items()}
    flipped = plant_flips(noisy, config.taxonomy, args.flips, np.random.default_rng(args.seed))
    on_clean, on_noisy = judge(texts, articles, clean, config), judge(texts, articles, noisy, config)
    labels = len(texts) * len(config.taxonomy.groups)
    print(f"{len(texts)} sentences, {labels} (sentence, group) labels; {len(flipped)} flips planted\n")
    tops = " | ".join(f"P / R top {k}" for k in TOP)
    print(f"| method | flagged on clean seeds (sentences) | flagged with flips | P / R all | {tops} |")
    print("|---|---|---|---|" + "---|" * len(TOP))
    for method, ranked in on_noisy.items():
        clean_flags = on_clean[method]
        top = " | ".join(precision_recall(ranked[:k], flipped) for k in TOP)
        print(
            f"| {method} | {len(clean_flags)} ({len({row for row, _ in clean_flags})}) | {len(ranked)} | "
            f"{precision_recall(ranked, flipped)} | {top} |"
        )


if __name__ == "__main__":
    main()
