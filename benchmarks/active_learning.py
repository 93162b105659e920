"""Simulated annotation on the seeds: does the queue order teach the model faster than random?

For each held-out article (leave one article out), the other articles are the pool of
"unlabelled" sentences. Every run starts from the same random handful of labelled
sentences (per seed), then repeatedly trains, picks the next batch from the pool by its
strategy, and reveals their gold labels:

- queue:        `newstag.assist.annotation_queue.rank` (uncertainty across groups, diversity 0.3)
- uncertainty:  the same without the diversity guard (diversity 0)
- random:       a random batch

After each batch the model predicts the held-out article; the predictions of all five
held-out articles are pooled and scored like `newstag train`'s cross-validation (mean of
the three groups' macro-F1). Budgets stop where the smallest pool runs out, so that every
point covers all 169 sentences.

    .venv/bin/python benchmarks/active_learning.py [--seeds 3] [--batch 10] [--jobs 2]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed

from newstag.annotate.dataset import dataset_texts, gold_labels, load_labelled
from newstag.assist.annotation_queue import rank
from newstag.config import load_config
from newstag.evaluation.scores import score
from newstag.model.decode import decode
from newstag.model.tagger import SentenceTagger

ROOT = Path(__file__).resolve().parent.parent
STRATEGIES = {"queue": 0.3, "uncertainty": 0.0, "random": None}


def subset(gold: dict, rows) -> dict:
    return {group: [labels[i] for i in rows] for group, labels in gold.items()}


def initial(pool: np.ndarray, gold: dict, size: int, seed: int) -> list[int]:
    """A random start with at least two claim_status values (a classifier needs two)."""
    rng = np.random.default_rng(seed)
    while True:
        start = list(rng.choice(pool, size=size, replace=False))
        if len({tuple(gold["claim_status"][i]) for i in start}) > 1:
            return start


def run(texts, gold, config, test, pool, strategy, seed, batch, budgets) -> dict[int, list[dict]]:
    """Held-out predictions at every budget for one (article, strategy, seed)."""
    rng = np.random.default_rng(1000 + seed)
    labelled = initial(pool, gold, budgets[0], seed)
    predictions = {}
    for budget in budgets:
        tagger = SentenceTagger(config.taxonomy, config.model).fit(
            [texts[i] for i in labelled], subset(gold, labelled)
        )
        threshold = tagger.thresholds()
        probabilities = tagger.predict_proba([texts[i] for i in test])
        predictions[budget] = decode(config.taxonomy, probabilities, threshold)
        rest = [i for i in pool if i not in set(labelled)]
        labelled += pick(tagger, config, texts, rest, strategy, batch, rng, threshold)
    return predictions


def pick(tagger, config, texts, rest, strategy, batch, rng, threshold) -> list[int]:
    if not rest:
        return []
    if STRATEGIES[strategy] is None:
        return list(rng.choice(rest, size=min(batch, len(rest)), replace=False))
    pool_texts = [texts[i] for i in rest]
    probabilities = tagger.predict_proba(pool_texts)
    items = rank(pool_texts, probabilities, config.taxonomy, threshold, STRATEGIES[strategy], limit=batch)
    return [rest[item.index] for item in items[:batch]]


def curves(args) -> dict:
    config = load_config(ROOT / "configs" / "default.toml")
    dataset = load_labelled(ROOT / "labeling" / "seed_annotations.json", config.taxonomy)
    texts, articles = dataset_texts(dataset), np.asarray(dataset["article_id"])
    gold = gold_labels(dataset, config.taxonomy)
    smallest_pool = min(int((articles != a).sum()) for a in set(articles))
    budgets = list(range(args.batch, smallest_pool + 1, args.batch))
    jobs = [
        (a, strategy, seed)
        for a in sorted(set(articles))
        for strategy in STRATEGIES
        for seed in range(args.seeds)
    ]
    results = Parallel(n_jobs=args.jobs)(
        delayed(run)(
            texts,
            gold,
            config,
            np.flatnonzero(articles == a),
            np.flatnonzero(articles != a),
            strategy,
            seed,
            args.batch,
            budgets,
        )
        for a, strategy, seed in jobs
    )
    table = {strategy: {b: [] for b in budgets} for strategy in STRATEGIES}
    for strategy in STRATEGIES:
        for seed in range(args.seeds):
            for budget in budgets:
                rows = [None] * len(texts)
                for (a, s, sd), predicted in zip(jobs, results, strict=True):
                    if s == strategy and sd == seed:
                        for row, labels in zip(np.flatnonzero(articles == a), predicted[budget], strict=True):
                            rows[row] = labels
                predicted_groups = {g: [r[g] for r in rows] for g in gold}
                scores = score(config.taxonomy, gold, predicted_groups)
                table[strategy][budget].append(float(np.mean([s["macro_f1"] for s in scores.values()])))
    return {"budgets": budgets, "scores": table, "seeds": args.seeds, "batch": args.batch}


def markdown(result: dict) -> str:
    lines = ["| labels | " + " | ".join(STRATEGIES) + " |", "|---|" + "---|" * len(STRATEGIES)]
    for budget in result["budgets"]:
        cells = []
        for strategy in STRATEGIES:
            values = result["scores"][strategy][budget]
            cells.append(f"{np.mean(values):.3f} ± {np.std(values):.3f}")
        lines.append(f"| {budget} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def labels_to_reach(result: dict, target: float) -> dict[str, int | None]:
    needed = {}
    for strategy in STRATEGIES:
        means = [np.mean(result["scores"][strategy][b]) for b in result["budgets"]]
        needed[strategy] = next(
            (b for b, m in zip(result["budgets"], means, strict=True) if m >= target), None
        )
    return needed


def plot(result: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 4.5))
    for strategy in STRATEGIES:
        values = np.array([result["scores"][strategy][b] for b in result["budgets"]])
        mean, std = values.mean(axis=1), values.std(axis=1)
        axes.plot(result["budgets"], mean, marker="o", label=strategy)
        axes.fill_between(result["budgets"], mean - std, mean + std, alpha=0.15)
    axes.set_xlabel("labelled sentences")
    axes.set_ylabel("leave-one-article-out macro-F1 (mean of 3 groups)")
    axes.set_title(f"Simulated annotation on the seeds ({result['seeds']} seeds, ± 1 sd)")
    axes.grid(alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "active_learning.png")
    args = parser.parse_args()
    started = time.monotonic()
    result = curves(args)
    plot(result, args.out)
    args.out.with_suffix(".json").write_text(json.dumps(result, indent=1) + "\n")
    print(markdown(result))
    final = max(np.mean(result["scores"]["random"][result["budgets"][-1]]), 1e-9)
    for share in (0.9, 0.95):
        print(
            f"labels to reach {share:.0%} of random's final score ({share * final:.3f}):",
            labels_to_reach(result, share * final),
        )
    print(f"({time.monotonic() - started:.0f} s; plot: {args.out})")


if __name__ == "__main__":
    main()
