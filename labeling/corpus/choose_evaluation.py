"""Choose the corpus' evaluation articles, by a rule fixed before any model work.

Per batch (the article id before its last "-"), the fifth of its articles (rounded up) with
the smallest sha1("evaluation:" + article id). The rule depends on nothing but the ids, so
no score can have steered it. The chosen ids go to evaluation_articles.txt; those articles
are never trained on, never used for thresholds or model selection (see README.md here).

    python labeling/corpus/choose_evaluation.py ARTICLE_ID... > labeling/corpus/evaluation_articles.txt
"""

from __future__ import annotations

import hashlib
import math
import sys
from collections import defaultdict


def rank(article_id: str) -> int:
    return int(hashlib.sha1(f"evaluation:{article_id}".encode()).hexdigest(), 16)


def choose(article_ids: list[str], share: float = 0.2) -> list[str]:
    batches = defaultdict(list)
    for article_id in set(article_ids):
        batches[article_id.rsplit("-", 1)[0]].append(article_id)
    chosen = []
    for ids in batches.values():
        chosen += sorted(ids, key=rank)[: math.ceil(share * len(ids))]
    return sorted(chosen)


if __name__ == "__main__":
    print("\n".join(choose(sys.argv[1:])))
