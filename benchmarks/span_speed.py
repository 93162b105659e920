"""What the span finder costs `tag`: bare predict_proba, tag_articles without the span finder,
and with it, in one process on the seeds and examples/ repeated (each copy's lines made
unique), every run with the encoder's caches emptied first.

    .venv/bin/python benchmarks/span_speed.py MODEL_DIR      # a model trained with spans

Not the `newstag tag` command end to end (benchmarks/throughput.py measures that); a quick
check of the spans' share. Timings vary with the machine's load, which it prints.
"""

import os
import sys
import time

from newstag.config import load_config
from newstag.model import embeddings
from newstag.model.persist import load_model
from newstag.tagging.tag import tag_articles
from newstag.text.articles import Article, read_articles
from newstag.text.sentences import split_article

COPIES = 6


def main() -> None:
    config = load_config("configs/default.toml")
    model = load_model(sys.argv[1])
    articles = list(read_articles(["seeds", "examples/sudan-el-fasher.txt"]))
    splits = [
        split_article(
            Article(
                id=f"{a.id}-{n}",
                title=a.title,
                text="\n".join(line + f" [{n}]" if line.strip() else line for line in a.text.splitlines()),
            ),
            config.sentences,
        )
        for n in range(COPIES)
        for a in articles
    ]
    texts = [s.text for split in splits for s in split.sentences]
    print(f"load average {os.getloadavg()}, {len(texts)} sentences")

    def seconds(work) -> float:
        embeddings._VECTORS._items.clear()
        embeddings._TOKENS._items.clear()
        start = time.perf_counter()
        work()
        return time.perf_counter() - start

    seconds(lambda: model.tagger.predict_proba(texts))  # warm up
    bare = seconds(lambda: model.tagger.predict_proba(texts))
    with_spans = seconds(lambda: list(tag_articles(splits, model)))
    finders, model.tagger.span_finders_ = model.tagger.span_finders_, {}
    without = seconds(lambda: list(tag_articles(splits, model)))
    model.tagger.span_finders_ = finders
    for name, took in (
        ("bare predict_proba", bare),
        ("tag without spans", without),
        ("tag with spans", with_spans),
    ):
        print(f"{name}: {len(texts) / took:,.0f} sentences/s = {bare / took:.0%} of bare")
    print(f"load average after {os.getloadavg()}")


if __name__ == "__main__":
    main()
