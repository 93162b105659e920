"""List every corpus sentence that copies a run of 10 or more words from its stored page.

The corpus is written anew from stored page excerpts (see the data card); a source's own words
may stay only inside quotation marks. This check reads a folder of page texts, one file per
article named by its id (`syr-b-28.txt`), and compares each sentence of that article with its
page: case and punctuation are ignored, and words inside "..." in the sentence do not count.
The page texts are not part of the repository (they are other people's writing): keep them
outside it, e.g. under /tmp.

    python labeling/corpus/copy_check.py PAGES/ [--corpus labeling/corpus] [--all]

Prints one line per copied run and a summary; exits 1 when a run is found (or, with --all,
when an article has no page), 0 when the corpus passes.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

RUN = 10
WORD = re.compile(r"[^\W_]+")
OPENERS, CLOSERS, STRAIGHT = "“«", "”»", '"'


@dataclass(frozen=True)
class Copied:
    sentence_id: str
    words: str
    """The copied run, normalised (lower case, no punctuation)."""


def words(text: str) -> list[str]:
    """Lower-case words without punctuation: "Syria’s al-Quds" -> ["syria", "s", "al", "quds"]."""
    return WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def unquoted_parts(sentence: str) -> list[str]:
    """The stretches of `sentence` outside quotation marks. A quotation can open in an earlier
    sentence or close in a later one, so a lone closing mark quotes what comes before it and a
    lone opening mark what comes after."""
    parts, start, inside = [], 0, False
    for position, mark in enumerate(sentence):
        if mark not in OPENERS + CLOSERS + STRAIGHT:
            continue
        opens = mark in OPENERS or (mark == STRAIGHT and _opens(sentence, position))
        if opens and not inside:
            parts.append(sentence[start:position])
            inside = True
        elif not opens:  # without an opening mark, the sentence began inside a quotation
            inside, start = False, position + 1
    if not inside:
        parts.append(sentence[start:])
    return parts


def _opens(text: str, position: int) -> bool:
    """A straight quotation mark opens when it starts a word: after a space, bracket or dash."""
    before = text[position - 1] if position else " "
    after = text[position + 1] if position + 1 < len(text) else " "
    return (before.isspace() or before in "([—–-") and not after.isspace()


def runs_of(page: str, length: int = RUN) -> set[tuple[str, ...]]:
    page_words = words(page)
    return {tuple(page_words[i : i + length]) for i in range(len(page_words) - length + 1)}


def copied_runs(sentence: str, page_runs: set[tuple[str, ...]], length: int = RUN) -> list[str]:
    """The longest stretches of `sentence` outside quotation marks whose every `length` words
    in a row are also in a row on the page."""
    found = []
    for part in unquoted_parts(sentence):
        part_words = words(part)
        hits = [
            i for i in range(len(part_words) - length + 1) if tuple(part_words[i : i + length]) in page_runs
        ]
        while hits:
            first = last = hits.pop(0)
            while hits and hits[0] == last + 1:
                last = hits.pop(0)
            found.append(" ".join(part_words[first : last + length]))
    return found


def check(tasks: list[dict], pages: dict[str, str]) -> list[Copied]:
    """Every copied run in the tasks whose article has a page."""
    page_runs = {article: runs_of(text) for article, text in pages.items()}
    return [
        Copied(task["data"]["sentence_id"], run)
        for task in tasks
        if task["data"]["article_id"] in page_runs
        for run in copied_runs(task["data"]["text"], page_runs[task["data"]["article_id"]])
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("pages", type=Path, help="folder of <article id>.txt page texts")
    parser.add_argument("--corpus", type=Path, default=Path(__file__).resolve().parent)
    parser.add_argument("--all", action="store_true", help="fail when an article has no page")
    args = parser.parse_args()
    if not args.pages.is_dir():
        sys.exit(f"copy_check: error: {args.pages} is not a folder of page texts")
    pages = {path.stem: path.read_text(encoding="utf-8") for path in sorted(args.pages.glob("*.txt"))}
    tasks = [task for path in sorted(args.corpus.glob("*.json")) for task in json.loads(path.read_text())]
    articles = {task["data"]["article_id"] for task in tasks}
    copied = check(tasks, pages)
    for item in copied:
        print(f"{item.sentence_id}\t{item.words}")
    missing = sorted(articles - set(pages))
    checked = [task for task in tasks if task["data"]["article_id"] in pages]
    print(
        f"{len(copied)} copied runs in {len({c.sentence_id for c in copied})} of {len(checked)} sentences "
        f"checked ({len(articles & set(pages))} of {len(articles)} articles have a page"
        + (f"; none for {', '.join(missing[:10])}{' ...' if len(missing) > 10 else ''}" if missing else "")
        + ")",
        file=sys.stderr,
    )
    sys.exit(1 if copied or (args.all and missing) else 0)


if __name__ == "__main__":
    main()
