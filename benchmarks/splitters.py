"""Compare sentence splitters on the seed and corpus articles: sentence counts, time, and where they differ.

    .venv/bin/pip install pysbd blingfire   # the candidates newstag did not choose
    .venv/bin/python benchmarks/splitters.py

Each splitter gets the same input newstag gives syntok: one non-empty line at a time,
bullet markers stripped, from the seeds and labeling/corpus/articles. "newstag" is what
newstag runs: a regular expression for lines whose boundaries are all plain, syntok for the
others. Prints counts and milliseconds, then every line they split differently.
"""

from __future__ import annotations

import time
from pathlib import Path

from syntok import segmenter

ROOT = Path(__file__).resolve().parent.parent


def split_syntok(line: str) -> list[str]:
    return ["".join(t.spacing + t.value for t in s).strip() for p in segmenter.analyze(line) for s in p]


def split_newstag(line: str) -> list[str]:
    from newstag.text.sentences import _line_spans

    return [line[start:end] for start, end in _line_spans(line)]


def split_pysbd(line: str) -> list[str]:
    import pysbd

    return [s.strip() for s in pysbd.Segmenter(language="en", clean=False).segment(line) if s.strip()]


def split_blingfire(line: str) -> list[str]:
    import blingfire

    return [s for s in blingfire.text_to_sentences(line).split("\n") if s.strip()]


def seed_lines() -> list[str]:
    from newstag.text.articles import read_articles

    folders = [ROOT / "seeds", *sorted((ROOT / "labeling" / "corpus" / "articles").glob("*.jsonl"))]
    lines = [line.strip().lstrip("•").strip() for a in read_articles(folders) for line in a.text.split("\n")]
    return [line for line in lines if line]


def main() -> None:
    lines = seed_lines()
    results = {}
    for name, split in [
        ("syntok", split_syntok),
        ("newstag", split_newstag),
        ("pysbd", split_pysbd),
        ("blingfire", split_blingfire),
    ]:
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
