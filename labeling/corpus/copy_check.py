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


def unquoted_parts(sentence: str, inside: bool = False) -> tuple[list[str], bool]:
    """The stretches of `sentence` outside quotation marks, and whether it ends inside one.
    `inside` says the sentence begins inside a quotation opened in an earlier sentence; a
    closing mark with no opening one means the same."""
    parts, start = [], 0
    for position, mark in enumerate(sentence):
        if mark not in OPENERS + CLOSERS + STRAIGHT:
            continue
        opens = mark in OPENERS or (mark == STRAIGHT and _opens(sentence, position))
        if opens and not inside:
            parts.append(sentence[start:position])
            inside = True
        elif not opens:
            inside, start = False, position + 1
    if not inside:
        parts.append(sentence[start:])
    return parts, inside


def _opens(text: str, position: int) -> bool:
    """A straight quotation mark opens when it starts a word: after a space, bracket or dash."""
    before = text[position - 1] if position else " "
    after = text[position + 1] if position + 1 < len(text) else " "
    return (before.isspace() or before in "([—–-") and not after.isspace()


def runs_of(page: str, length: int = RUN) -> set[tuple[str, ...]]:
    page_words = words(page)
    return {tuple(page_words[i : i + length]) for i in range(len(page_words) - length + 1)}


def copied_runs(parts: list[str], page_runs: set[tuple[str, ...]], length: int = RUN) -> list[str]:
    """The longest stretches of the unquoted `parts` of a sentence whose every `length` words in
    a row are also in a row on the page."""
    found = []
    for part in parts:
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
    """Every copied run in the tasks whose article has a page. Tasks come in article order, as
    `newstag export` writes them, so a quotation that runs over several sentences is followed
    from one to the next (the title stands alone); a quotation left open to the article's end
    was a stray mark, and the sentences after it are checked as unquoted."""
    page_runs = {article: runs_of(text) for article, text in pages.items()}
    articles: dict[str, list[dict]] = {}
    for task in tasks:
        if task["data"]["article_id"] in page_runs:
            articles.setdefault(task["data"]["article_id"], []).append(task["data"])
    copied = []
    for article, sentences in articles.items():
        unquoted = _unquoted_by_sentence(sentences)
        for data in sentences:
            copied += [
                Copied(data["sentence_id"], run)
                for run in copied_runs(unquoted[data["sentence_id"]], page_runs[article])
            ]
    return copied


def _unquoted_by_sentence(sentences: list[dict]) -> dict[str, list[str]]:
    unquoted, inside = {}, False
    for data in sentences:
        title = data.get("index") == 0
        parts, inside = unquoted_parts(data["text"], inside and not title)
        unquoted[data["sentence_id"]] = parts
        inside = inside and not title
    if inside:  # never closed: read the sentences after the stray mark on their own
        opened = max((n for n, d in enumerate(sentences) if unquoted_parts(d["text"])[1]), default=-1)
        for data in sentences[opened + 1 :]:
            unquoted[data["sentence_id"]] = unquoted_parts(data["text"])[0]
    return unquoted


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
    if not articles & set(pages):
        # A folder checked against the wrong corpus would otherwise "pass" having read nothing.
        sys.exit(
            f"copy_check: error: no page in {args.pages} is named after an article of {args.corpus} "
            "(--corpus names the folder of batch exports)"
        )
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
