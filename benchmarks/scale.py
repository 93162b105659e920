"""Articles per second of `newstag batch` on 1, 2 and 4 local Dask workers, and where the engine costs.

    .venv/bin/python benchmarks/scale.py [--model models/default] [--copies 40] [--per-partition 10]

The corpus is the seed articles repeated COPIES times, written as JSONL partitions of
PER_PARTITION articles. For each number of workers a local cluster of worker processes (one
thread each) is started, the model is shipped to the workers (each loads it), and the batch
runs; the three phases are timed apart. "in-process" tags the same articles in this process
with no engine: the rate one core reaches. A second table keeps 2 workers and the corpus and
changes the partition size, to show the per-partition overhead. Timings vary with the machine's
load: compare rows of one run. Needs the `distributed` extra.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from throughput import machine  # noqa: E402


def write_corpus(folder: Path, copies: int, per_partition: int) -> int:
    from newstag.articles import read_articles

    seeds = list(read_articles([ROOT / "seeds"]))
    records = [
        {"id": f"{a.id}-{n}", "title": a.title, "text": a.text.split("\n", 1)[1]}
        for n in range(copies)
        for a in seeds
    ]
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for start in range(0, len(records), per_partition):
        lines = [json.dumps(r) + "\n" for r in records[start : start + per_partition]]
        (folder / f"part-{start // per_partition:05}.jsonl").write_text("".join(lines))
    return len(records)


def in_process(model_dir: Path, corpus: Path, sentences) -> float:
    """Seconds to read, split and tag the corpus in this process, model already loaded."""
    from newstag.articles import read_articles
    from newstag.persist import load_model
    from newstag.sentences import split_articles
    from newstag.tag import tag_articles

    model = load_model(model_dir)
    start = time.perf_counter()
    for _ in tag_articles(split_articles(read_articles([corpus]), sentences), model):
        pass
    return time.perf_counter() - start


def on_cluster(workers: int, model_dir: Path, corpus: Path, output: Path, sentences) -> dict:
    """Seconds to start the cluster, to ship and load the model, and to tag the partitions."""
    from newstag.batch.engine import connect, run_batch, ship_model
    from newstag.batch.partitions import plan_batch

    shutil.rmtree(output, ignore_errors=True)
    plan = plan_batch(str(corpus), str(output))
    times = {"start": time.perf_counter()}
    with connect(workers=workers) as client:
        times["ship"] = time.perf_counter()
        ship_model(client, model_dir, sentences)
        times["tag"] = time.perf_counter()
        results = list(run_batch(client, plan.todo, model_dir, sentences))  # the model is there: not resent
        times["end"] = time.perf_counter()
    failed = [r for r in results if r.error]
    if failed:
        raise SystemExit(f"{len(failed)} partitions failed, e.g. {failed[0].name}: {failed[0].error}")
    return {
        "partitions": len(results),
        "start_s": times["ship"] - times["start"],
        "ship_s": times["tag"] - times["ship"],
        "tag_s": times["end"] - times["tag"],
    }


def row(label: str, articles: int, run: dict) -> str:
    total = run["start_s"] + run["ship_s"] + run["tag_s"]
    return (
        f"| {label} | {run['partitions']} | {run['start_s']:.1f} | {run['ship_s']:.1f} | {run['tag_s']:.1f} "
        f"| {articles / run['tag_s']:.1f} | {articles / total:.1f} |"
    )


HEADER = (
    "| {first} | partitions | cluster start s | model shipped + loaded s | tagging s "
    "| articles/s (tagging) | articles/s (end to end) |\n|---|---|---|---|---|---|---|"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "default")
    parser.add_argument("--copies", type=int, default=40)
    parser.add_argument("--per-partition", type=int, default=10)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 5, 25, 100])
    args = parser.parse_args()

    from newstag.config import load_config

    sentences = load_config(ROOT / "configs" / "default.toml").sentences
    folder = Path(tempfile.mkdtemp(prefix="newstag-scale-"))
    try:
        articles = write_corpus(folder / "in", args.copies, args.per_partition)
        print(f"machine: {machine()}")
        print(
            f"corpus: {articles} articles (the seeds x {args.copies}), {args.per_partition} per partition\n"
        )
        rate = articles / in_process(args.model, folder / "in", sentences)
        print(f"in-process, no engine: {rate:.1f} articles/s\n")
        print(HEADER.format(first="workers"))
        for workers in args.workers:
            print(
                row(
                    str(workers),
                    articles,
                    on_cluster(workers, args.model, folder / "in", folder / "out", sentences),
                )
            )
        print("\n" + HEADER.format(first="articles per partition (2 workers)"))
        for size in args.sizes:
            write_corpus(folder / "in", args.copies, size)
            print(
                row(str(size), articles, on_cluster(2, args.model, folder / "in", folder / "out", sentences))
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
