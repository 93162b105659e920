"""What several benchmarks share: where things are, the machine they ran on, the corpus of
repeated seed articles. Benchmarks import this, never each other's scripts' internals, so
none of them depends on another one's start-up."""

from __future__ import annotations

import json
import os
import platform
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NEWSTAG = Path(sys.executable).parent / "newstag"


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
    """The seed articles `copies` times as one JSONL file, each copy's lines made unique; (path, bytes)."""
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
