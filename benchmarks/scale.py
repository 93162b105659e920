"""Articles per second of `newstag batch` on 1, 2 and 4 local Dask workers, and where the engine costs.

    .venv/bin/python benchmarks/scale.py [--model models/default] [--copies 40] [--per-partition 10]

The corpus is the seed articles repeated COPIES times (each copy's lines marked, so that no
sentence repeats), written as JSONL partitions of
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
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from common import machine  # noqa: E402


def write_corpus(folder: Path, copies: int, per_partition: int, first_copy: int = 0) -> int:
    from newstag.text.articles import read_articles

    seeds = list(read_articles([ROOT / "seeds"]))
    records = [
        {"id": f"{a.id}-{n}", "title": a.title, "text": _unique(a.text.split("\n", 1)[1], n)}
        for n in range(first_copy, first_copy + copies)
        for a in seeds
    ]
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for start in range(0, len(records), per_partition):
        lines = [json.dumps(r) + "\n" for r in records[start : start + per_partition]]
        (folder / f"part-{start // per_partition:05}.jsonl").write_text("".join(lines))
    return len(records)


def _unique(body: str, copy: int) -> str:
    """Every line of copy N ends in " [N]": no sentence repeats, as in a real corpus (newstag
    caches per-sentence cue counts, so repeated seeds would flatter the rates)."""
    return "\n".join(f"{line} [{copy}]" if line.strip() else line for line in body.split("\n"))


def in_process(model_dir: Path, corpora: list[Path], sentences) -> float:
    """Seconds to read, split and tag a corpus in this process, model already loaded (best run)."""
    from newstag.model.persist import load_model
    from newstag.tagging.tag import tag_articles
    from newstag.text.articles import read_articles
    from newstag.text.sentences import split_articles

    model = load_model(model_dir)
    seconds = []
    for corpus in corpora:
        start = time.perf_counter()
        for _ in tag_articles(split_articles(read_articles([corpus]), sentences), model):
            pass
        seconds.append(time.perf_counter() - start)
    return min(seconds)


def on_cluster(workers: int, model_dir: Path, corpora: list[Path], output: Path, sentences) -> dict:
    """Seconds to start the cluster, to ship and load the model, and to tag a corpus (best run)."""
    from newstag.tagging.batch.engine import connect, run_batch, ship_model
    from newstag.tagging.batch.partitions import plan_batch

    start = time.perf_counter()
    with connect(workers=workers) as client:
        ship = time.perf_counter()
        ship_model(client, model_dir, sentences)
        run = {"start_s": ship - start, "ship_s": time.perf_counter() - ship, "tag_s": float("inf")}
        for corpus in corpora:  # the model is on the workers now: run_batch does not send it again
            shutil.rmtree(output, ignore_errors=True)
            plan = plan_batch(str(corpus), str(output))
            began = time.perf_counter()
            results = list(run_batch(client, plan.todo, model_dir, sentences))
            run["tag_s"] = min(run["tag_s"], time.perf_counter() - began)
            failed = [r for r in results if r.error]
            if failed:
                raise SystemExit(f"{len(failed)} partitions failed, e.g. {failed[0].name}: {failed[0].error}")
    return {**run, "partitions": len(results)}


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


def corpora(folder: Path, copies: int, per_partition: int, repeat: int) -> tuple[list[Path], int]:
    """`repeat` corpora of the same size, different sentences: a repeated run hits no cache."""
    paths = [folder / f"in-{r}" for r in range(repeat)]
    articles = [
        write_corpus(path, copies, per_partition, first_copy=r * copies) for r, path in enumerate(paths)
    ]
    return paths, articles[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "default")
    parser.add_argument("--copies", type=int, default=40)
    parser.add_argument("--per-partition", type=int, default=10)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 5, 25, 100])
    parser.add_argument("--repeat", type=int, default=2, help="Tagging runs per row; the fastest counts.")
    args = parser.parse_args()

    from newstag.config import config_from_dict
    from newstag.model.persist import read_meta

    sentences = config_from_dict(read_meta(args.model)["config"], str(args.model)).sentences
    folder = Path(tempfile.mkdtemp(prefix="newstag-scale-"))
    try:
        paths, articles = corpora(folder, args.copies, args.per_partition, args.repeat)
        print(f"machine: {machine()}")
        print(
            f"corpus: {articles} articles (the seeds x {args.copies}), {args.per_partition} a partition; ",
            end="",
        )
        print(f"fastest of {args.repeat} tagging runs\n")
        print(
            f"in-process, no engine: {articles / in_process(args.model, paths, sentences):.1f} articles/s\n"
        )
        print(HEADER.format(first="workers"))
        for workers in args.workers:
            print(
                row(str(workers), articles, on_cluster(workers, args.model, paths, folder / "out", sentences))
            )
        print("\n" + HEADER.format(first="articles per partition (2 workers)"))
        for size in args.sizes:
            paths, _ = corpora(folder, args.copies, size, args.repeat)
            print(row(str(size), articles, on_cluster(2, args.model, paths, folder / "out", sentences)))
        print(f"\nload average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
