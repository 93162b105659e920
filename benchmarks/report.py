"""The report on many articles: time to build, peak memory, file size, and how fast Chromium
opens it and applies a filter.

    .venv/bin/python benchmarks/report.py [--model models/default] [--copies 200 --copies 2]

The corpus is the seed articles repeated COPIES times (throughput.py's corpus, so no sentence
repeats), each copy dated in one of twelve months and given an outlet, so that the timeline
is filled. "build" runs the installed `newstag report` (start-up, model loading, tagging,
writing); its peak memory is that process's maximum resident set. "load" is Chromium's
navigation to the load event of the file, headless; "filter" is a click on the largest
count until the page says how many sentences match. Prints a Markdown table and the machine.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from common import NEWSTAG, machine, write_corpus  # noqa: E402

PEAK_RSS = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def dated_corpus(folder: Path, copies: int) -> tuple[Path, int]:
    plain, _ = write_corpus(folder, copies)
    dated = folder / "dated.jsonl"
    with plain.open(encoding="utf-8") as source, dated.open("w", encoding="utf-8") as out:
        for n, line in enumerate(source):
            record = json.loads(line)
            record.update(date=f"2016-{n % 12 + 1:02d}-15", outlet=f"Outlet {n % 7}")
            out.write(json.dumps(record) + "\n")
    return dated, n + 1


def build(corpus: Path, model: Path, report: Path) -> tuple[float, float]:
    """(seconds, peak MB) of `newstag report`."""
    command = [str(NEWSTAG), "report", str(corpus), "--model", str(model), "-o", str(report), "--force"]
    start = time.perf_counter()
    peak_kb = subprocess.run(
        [sys.executable, "-c", PEAK_RSS, *command], check=True, capture_output=True, text=True
    ).stdout
    return time.perf_counter() - start, int(peak_kb) / 1024


def open_in_chromium(report: Path) -> tuple[float, float]:
    """(seconds to the load event, seconds for one filter) in headless Debian Chromium."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        start = time.perf_counter()
        page.goto(report.as_uri(), wait_until="load", timeout=300_000)
        loaded = time.perf_counter() - start
        largest = max(page.locator("a.count").all(), key=lambda link: int(link.inner_text()))
        start = time.perf_counter()
        largest.click()
        page.wait_for_function("document.getElementById('f-status').textContent.includes('match')")
        filtered = time.perf_counter() - start
        browser.close()
    return loaded, filtered


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "default")
    parser.add_argument("--copies", type=int, action="append", help="times the seeds are repeated [200]")
    args = parser.parse_args()
    print(f"Machine: {machine()}\n")
    print("| articles | build (s) | peak memory (MB) | file (MB) | Chromium load (s) | one filter (s) |")
    print("|---:|---:|---:|---:|---:|---:|")
    for copies in args.copies or [200]:
        with tempfile.TemporaryDirectory() as tmp:
            corpus, articles = dated_corpus(Path(tmp), copies)
            report = Path(tmp) / "report.html"
            seconds, peak = build(corpus, args.model.resolve(), report)
            loaded, filtered = open_in_chromium(report)
            size = report.stat().st_size / 1e6
            figures = f"{seconds:.1f} | {peak:.0f} | {size:.1f} | {loaded:.2f} | {filtered:.2f}"
            print(f"| {articles:,} | {figures} |", flush=True)


if __name__ == "__main__":
    main()
