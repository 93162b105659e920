"""Peak memory of `newstag tag` at 1x, 10x and 100x input, and of reading a million-line JSONL.

    .venv/bin/python benchmarks/memory.py [--model models/default] [--base 10]

Each measurement is a fresh process; its peak resident set size comes from the kernel
(wait4's ru_maxrss). Streaming means the peak stays flat as the input grows. --jobs 1, so
one process holds everything; with --jobs N each worker adds about the same again.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NEWSTAG = Path(sys.executable).parent / "newstag"
READ_ONLY = "from newstag.text.articles import read_articles\nfor _ in read_articles([{path!r}]): pass\n"


def peak_rss(command: list[str]) -> tuple[float, float]:
    """(peak RSS in MB, wall seconds) of one child process."""
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, cwd=ROOT)
    _, status, usage = os.wait4(child.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(command)}")
    return usage.ru_maxrss / 1024, time.perf_counter() - start


def seed_corpus(folder: Path, copies: int) -> Path:
    from newstag.text.articles import read_articles

    seeds = list(read_articles([ROOT / "seeds"]))
    path = folder / f"seeds-x{copies}.jsonl"
    with path.open("w", encoding="utf-8") as file:
        for n in range(copies):
            for article in seeds:
                file.write(json.dumps({"id": f"{article.id}-{n}", "text": article.text}) + "\n")
    return path


def lines_corpus(folder: Path, lines: int) -> Path:
    path = folder / f"lines-{lines}.jsonl"
    with path.open("w", encoding="utf-8") as file:
        file.writelines(
            f'{{"id": "{i}", "text": "Jets struck clinic {i} overnight."}}\n' for i in range(lines)
        )
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "default")
    parser.add_argument("--base", type=int, default=10, help="copies of the 5 seed articles at 1x")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print("| input | size | peak RSS | wall time |\n|---|---:|---:|---:|")
        for scale in (1, 10, 100):
            corpus = seed_corpus(folder, args.base * scale)
            out = folder / "out.jsonl"
            command = [
                str(NEWSTAG),
                "tag",
                str(corpus),
                "--model",
                str(args.model),
                "-f",
                "jsonl",
                "-o",
                str(out),
            ]
            rss, wall = peak_rss(command)
            articles = 5 * args.base * scale
            size = corpus.stat().st_size / 1e6
            print(
                f"| `tag`, {scale}x: {articles:,} articles | {size:.1f} MB | {rss:.0f} MB | {wall:.0f} s |",
                flush=True,
            )
        for lines in (10_000, 1_000_000):
            corpus = lines_corpus(folder, lines)
            rss, wall = peak_rss([sys.executable, "-c", READ_ONLY.format(path=str(corpus))])
            size = corpus.stat().st_size / 1e6
            print(f"| `read_articles`, {lines:,}-line JSONL | {size:.0f} MB | {rss:.0f} MB | {wall:.0f} s |")


if __name__ == "__main__":
    main()
