"""Compare sentence splitters on the seed articles: sentence counts, time, and where they differ.

    .venv/bin/pip install pysbd blingfire   # the candidates newstag did not choose
    .venv/bin/python benchmarks/splitters.py

Each splitter gets the same input newstag gives syntok: one non-empty line at a time,
bullet markers stripped. Prints counts and milliseconds, then every line they split
differently.
"""

from __future__ import annotations

import time
from pathlib import Path

from syntok import segmenter

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def split_syntok(line: str) -> list[str]:
    return ["".join(t.spacing + t.value for t in s).strip() for p in segmenter.analyze(line) for s in p]


def split_pysbd(line: str) -> list[str]:
    import pysbd

    return [s.strip() for s in pysbd.Segmenter(language="en", clean=False).segment(line) if s.strip()]


def split_blingfire(line: str) -> list[str]:
    import blingfire

    return [s for s in blingfire.text_to_sentences(line).split("\n") if s.strip()]


def seed_lines() -> list[str]:
    lines = []
    for path in sorted(SEEDS.glob("*.txt")):
        lines += [line.strip().lstrip("•").strip() for line in path.read_text(encoding="utf-8").splitlines()]
    return [line for line in lines if line]


def main() -> None:
    lines = seed_lines()
    results = {}
    for name, split in [("syntok", split_syntok), ("pysbd", split_pysbd), ("blingfire", split_blingfire)]:
        try:
            start = time.perf_counter()
            results[name] = [split(line) for line in lines]
            elapsed = (time.perf_counter() - start) * 1000
        except ImportError:
            print(f"{name}: not installed (pip install {name})")
            continue
        print(f"{name:10} {sum(map(len, results[name])):4} sentences  {elapsed:7.1f} ms")
    for i, line in enumerate(lines):
        if len({tuple(result[i]) for result in results.values()}) > 1:
            print(f"\n{line[:100]}")
            for name, result in results.items():
                print(f"  {name:10} {result[i]}")


if __name__ == "__main__":
    main()
