"""Throughput of `newstag tag` end to end against the model's bare predict_proba, and CLI start-up.

    .venv/bin/python benchmarks/throughput.py [--model models/default ...] [--copies 20]

The corpus is the seed articles repeated COPIES times as one JSONL file, every line of copy N
ending in " [N]" so that no sentence repeats (a real corpus has few exact repeats, and newstag
caches per-sentence cue counts). "bare" is
predict_proba on the same sentences, already split, in one process with the model loaded:
the floor of the work. "end to end" runs the installed `newstag tag` command (start-up,
model loading, reading, splitting, tagging, writing JSONL). Prints a Markdown table and the
machine it ran on. Timings vary with the machine's load: compare rows of one run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NEWSTAG = Path(sys.executable).parent / "newstag"
SHORT = "Hospital hit\n\nJets struck the hospital overnight, doctors said. The army denied it.\n"


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown CPU",
    )
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, load average {load}"


def write_corpus(folder: Path, copies: int) -> tuple[Path, int]:
    from newstag.text.articles import read_articles

    seeds = list(read_articles([ROOT / "seeds"]))
    path = folder / "corpus.jsonl"
    with path.open("w", encoding="utf-8") as file:
        for n in range(copies):
            for article in seeds:
                text = "\n".join(
                    f"{line} [{n}]" if line.strip() else line for line in article.text.split("\n")
                )
                file.write(json.dumps({"id": f"{article.id}-{n}", "text": text}) + "\n")
    return path, path.stat().st_size


def bare(model_dir: Path, corpus: Path) -> tuple[int, float]:
    """(sentences, seconds) of predict_proba alone on the corpus' sentences."""
    from newstag.config import load_config
    from newstag.model.persist import load_model
    from newstag.text.articles import read_articles
    from newstag.text.sentences import split_articles

    model = load_model(model_dir)
    splits = split_articles(read_articles([corpus]), load_config(ROOT / "configs/default.toml").sentences)
    texts = [s.text for split in splits for s in split.sentences]
    model.tagger.predict_proba(texts[:10])  # warm up
    start = time.perf_counter()
    model.tagger.predict_proba(texts)
    return len(texts), time.perf_counter() - start


def timed(command: list[str], repeat: int = 1) -> float:
    """Best wall time of `repeat` runs, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
        best = min(best, time.perf_counter() - start)
    return best


def rows_for(model_dir: Path, corpus: Path, size: int, folder: Path) -> list[str]:
    sentences, seconds = bare(model_dir, corpus)
    floor = sentences / seconds
    mb = size / seconds / 1e6
    rows = [f"| {model_dir.name} | bare predict_proba (floor) | {floor:,.0f} | {mb:.2f} | 100% |"]
    for jobs in (1, 2):
        out = folder / f"out{jobs}.jsonl"
        command = [str(NEWSTAG), "tag", str(corpus), "--model", str(model_dir), "-f", "jsonl", "-o", str(out)]
        wall = timed([*command, "--jobs", str(jobs)])
        rate = sentences / wall
        rows.append(
            f"| {model_dir.name} | newstag tag --jobs {jobs} | {rate:,.0f} | {size / wall / 1e6:.2f} "
            f"| {rate / floor:.0%} |"
        )
    return rows


def startup_rows(model_dir: Path, folder: Path) -> list[str]:
    short = folder / "short.txt"
    short.write_text(SHORT)
    help_time = timed([str(NEWSTAG), "--help"], repeat=5)
    one = timed([str(NEWSTAG), "tag", str(short), "--model", str(model_dir)], repeat=3)
    return [
        f"| `newstag --help` | {help_time:.2f} s | < 0.3 s |",
        f"| `newstag tag` one short article ({model_dir.name}) | {one:.2f} s | - |",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, action="append", help="model folder(s) [models/default]")
    parser.add_argument("--copies", type=int, default=20, help="times the seed articles are repeated")
    args = parser.parse_args()
    models = [m.resolve() for m in (args.model or [ROOT / "models" / "default"])]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        corpus, size = write_corpus(folder, args.copies)
        print(f"Machine: {machine()}")
        print(f"Corpus: the 5 seed articles x {args.copies}, {size / 1e6:.1f} MB of JSONL\n")
        print("| model | what | sentences/s | MB/s | of the floor |\n|---|---|---:|---:|---:|")
        for model_dir in models:
            print("\n".join(rows_for(model_dir, corpus, size, folder)), flush=True)
        print("\n| start-up | best wall time | target |\n|---|---:|---|")
        print("\n".join(startup_rows(models[0], folder)))


if __name__ == "__main__":
    main()
