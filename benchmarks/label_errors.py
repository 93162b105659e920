"""`newstag review` against cleanlab's `find_label_issues`, on the seeds as they are and with
planted label flips, with and without a reference set.

    .venv/bin/pip install -e '.[benchmarks]'          # cleanlab, the maintained reference
    .venv/bin/python benchmarks/label_errors.py [--with labeling/corpus] [--flips 20] [--seeds 0 1 2]
        [--before] [--model models/default] [--first-only]

Every method judges the same out-of-fold probabilities: each sentence of DATA predicted by a
model that never saw its article, trained on DATA's other articles alone ("none") or on them
plus the reference set less DATA's articles and sentences (`newstag review DATA --with REF`).
A flip changes one group of one sentence: claim_status to another value, attack_type between
`none` and an attack. Prints, per reference and method, how many (sentence, group) labels it
flags on the clean data, and, averaged over the random seeds of the flips (lowest-highest in
brackets), its precision and recall on the flips: over everything it flags, and over its top
k, the list an adjudicator reads; and the seconds the out-of-fold refits took per review.

The reference's features are computed once and only the heads are fitted per fold
(`newstag.model.reference_features`); `--before` also runs the old way, which refits the
features in every fold, for the time and the precision side by side. `--model M` also judges
against M's own training data (its sources at hand, as `newstag review --model M` without
`--with` does); `--model-only` runs only that.

First, what a user waits for: `newstag review DATA --with REF` as a fresh process, twice, with
an empty cache folder (cold: the reference is encoded and calibrated) and then with the one
the first run filled (warm: `model/reference_store.py`), each with its wall and CPU seconds and
the load average; `--first-only` stops there.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

from newstag.annotate.dataset import load_labelled
from newstag.annotate.sources import describe, training_reference
from newstag.assist.label_errors import labelled, likely_errors, out_of_fold
from newstag.config import load_config
from newstag.model.persist import read_meta

ROOT = Path(__file__).resolve().parent.parent
TOP = (10, 20, 30)
JOBS = 2
"""Processes for the folds, as `newstag review` uses by default."""


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


def cleanlab_ranked(taxonomy, gold, oof, filter_by: str) -> list[tuple[int, str]]:
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
            issues = find_label_issues(labels, p, multi_label=True, filter_by=filter_by)
            quality = multi_quality(labels, p)
        else:
            labels = np.array([names.index(chosen[0]) for chosen in gold[group.name]])
            p = p / p.sum(axis=1, keepdims=True)
            issues = find_label_issues(labels, p, filter_by=filter_by)
            quality = get_label_quality_scores(labels, p)
        scored += [(float(quality[row]), int(row), group.name) for row in np.flatnonzero(issues)]
    return [(row, group) for _, row, group in sorted(scored)]


METHODS = {
    "newstag review": newstag_ranked,
    "cleanlab (default: prune_by_noise_rate)": lambda t, g, o: cleanlab_ranked(
        t, g, o, "prune_by_noise_rate"
    ),
    "cleanlab filter_by=both": lambda t, g, o: cleanlab_ranked(t, g, o, "both"),
}


def judge(data, gold, config, reference, refit: bool) -> tuple[dict[str, list[tuple[int, str]]], float]:
    """Each method's ranked flags, and the seconds the out-of-fold refits took."""
    start, cpu = time.perf_counter(), time.process_time()
    options = {"reference": reference, "refit_features": refit, "jobs": JOBS}
    oof = out_of_fold(data.texts, data.articles, gold, config, **options)
    seconds = time.perf_counter() - start
    print(f"    (this process's CPU time, not its workers': {time.process_time() - cpu:.0f} s)", flush=True)
    return {method: ranked(config.taxonomy, gold, oof) for method, ranked in METHODS.items()}, seconds


def first_reviews(data: Path, reference: list[Path], config: Path) -> None:
    """`newstag review` in a fresh process with a cold cache folder, then with the warm one."""
    newstag = Path(sys.executable).parent / "newstag"
    command = [str(newstag), "review", str(data), "--config", str(config), "--limit", "0", "--json"]
    for path in reference:
        command += ["--with", str(path)]
    with tempfile.TemporaryDirectory(prefix="newstag-cache-") as cache:
        env = {**os.environ, "NEWSTAG_CACHE_DIR": cache}
        for state in ("cold", "warm"):
            load = os.getloadavg()[0]
            before, start = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
            done = subprocess.run(command, env=env, capture_output=True)
            seconds, after = time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
            if done.returncode:
                sys.exit(f"newstag review failed: {done.stderr.decode()[-500:]}")
            suspects = done.stdout.decode().count("\n")
            print(
                f"first review in a fresh process, {state} cache: {seconds:.1f} s wall, {cpu:.1f} s CPU, "
                f"{suspects} suspects (load average {load:.1f} at start, {os.getloadavg()[0]:.1f} at end)",
                flush=True,
            )


def precision_recall(flagged: list, flipped: set) -> tuple[float, float]:
    hits = len(set(flagged) & flipped)
    return hits / max(len(flagged), 1), hits / len(flipped)


def spread(values: list[float]) -> str:
    return (
        f"{np.mean(values):.2f} ({min(values):.2f}-{max(values):.2f})"
        if len(values) > 1
        else f"{values[0]:.2f}"
    )


def run(data, config, reference, name: str, flips: int, seeds: list[int], refit: bool = False) -> list[str]:
    """Table rows for one reference: the clean data, then the flips of every seed."""
    on_clean, seconds = judge(data, data.gold, config, reference, refit)
    times = [seconds]
    print(f"  {name}: out-of-fold refits {seconds:.0f} s", flush=True)
    scores: dict[str, list[list[float]]] = {method: [] for method in METHODS}
    for seed in seeds:
        noisy = {g: [list(v) for v in labels] for g, labels in data.gold.items()}
        flipped = plant_flips(noisy, config.taxonomy, flips, np.random.default_rng(seed))
        on_noisy, seconds = judge(data, noisy, config, reference, refit)
        times.append(seconds)
        print(f"  {name}, flips of seed {seed}: out-of-fold refits {seconds:.0f} s", flush=True)
        for method, ranked in on_noisy.items():
            figures = [len(ranked), *precision_recall(ranked, flipped)]
            for k in TOP:
                figures += precision_recall(ranked[:k], flipped)
            scores[method].append(figures)
    rows = []
    for method, figures in scores.items():
        clean = on_clean[method]
        columns = [spread([f[i] for f in figures]) for i in range(1, 1 + 2 + 2 * len(TOP))]
        pairs = [f"{columns[i]} / {columns[i + 1]}" for i in range(0, len(columns), 2)]
        flagged = f"{np.mean([f[0] for f in figures]):.0f}"
        sentences = len({row for row, _ in clean})
        rows.append(
            f"| {name} | {spread(times)} | {method} | {len(clean)} ({sentences}, "
            f"{sentences / len(data.texts):.0%}) | {flagged} | " + " | ".join(pairs) + " |"
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "labeling" / "seed_annotations.json")
    parser.add_argument(
        "--with", dest="reference", type=Path, nargs="+", default=[ROOT / "labeling" / "corpus"]
    )
    parser.add_argument("--config", type=Path, default=ROOT / "configs" / "default.toml")
    parser.add_argument("--flips", type=int, default=20)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--before", action="store_true", help="also refit the features in every fold")
    parser.add_argument("--model", type=Path, help="also judge against this model's own training data")
    parser.add_argument("--first-only", action="store_true", help="only time the first reviews")
    parser.add_argument(
        "--model-only", action="store_true", help="only judge against --model's own data (no timing)"
    )
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    if not args.model_only:
        first_reviews(args.data, args.reference, args.config)
    if args.first_only:
        return
    config = load_config(args.config)
    data = labelled(load_labelled(args.data, config.taxonomy), config.taxonomy)
    reference = labelled(load_labelled(args.reference, config.taxonomy), config.taxonomy)
    kept = len(reference.apart_from(data.texts, data.articles).texts)
    shown = ", ".join(str(p.relative_to(ROOT) if p.is_relative_to(ROOT) else p) for p in args.reference)
    print(
        f"{args.data.name}: {len(data.texts)} sentences, {len(set(data.articles))} articles, "
        f"{len(data.texts) * len(config.taxonomy.groups)} (sentence, group) labels; {args.flips} flips "
        f"planted per seed, seeds {args.seeds}; reference {shown}: {kept} sentences apart from the data's; "
        f"features {config.model.features}\n"
    )
    rows = []
    if not args.model_only:
        rows += run(data, config, None, "none", args.flips, args.seeds)
        rows += run(data, config, reference, shown, args.flips, args.seeds)
    if args.before:
        rows += run(data, config, reference, f"{shown}, refit every fold", args.flips, args.seeds, refit=True)
    if args.model:
        own = own_reference(args.model, config)
        if own is not None:
            rows += run(data, config, own, f"{args.model.name}'s own data", args.flips, args.seeds)
    columns = [
        "reference",
        "refits per review (s)",
        "method",
        "flagged on clean data (sentences, share)",
        "flagged with flips",
        "P / R all",
    ]
    print("\n| " + " | ".join(columns + [f"P / R top {k}" for k in TOP]) + " |")
    print("|---|---|---|---|---|---|" + "---|" * len(TOP))
    print("\n".join(rows))


def own_reference(model: Path, config):
    """The model's own training data, as `newstag review --model` finds it without --with."""
    training_data = read_meta(model).get("training_data") or {}
    dataset, used, skipped = training_reference(training_data, config.taxonomy)
    print(
        f"{model}'s own data: {describe(used) or 'none at hand'}; left out: {skipped or 'none'}", flush=True
    )
    return labelled(dataset, config.taxonomy) if dataset is not None else None


if __name__ == "__main__":
    main()
