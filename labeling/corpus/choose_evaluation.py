"""Choose the corpus' evaluation articles, by a rule fixed before any model work.

An article is held out for evaluation when sha1("evaluation-2:" + its id) is divisible by 4:
about a quarter of the articles, decided by each id alone, so the choice cannot move as
articles are added and no score can have steered it. The salt 2 was picked, before any
article was labelled, as the one that spreads held-out articles most evenly over the six
batches for ids 01-26. Those articles are never trained on, never used for thresholds or
model selection (see README.md here).

    python labeling/corpus/choose_evaluation.py ARTICLE_ID... > labeling/corpus/evaluation_articles.txt
"""

from __future__ import annotations

import hashlib
import sys


def held_out(article_id: str) -> bool:
    return int(hashlib.sha1(f"evaluation-2:{article_id}".encode()).hexdigest(), 16) % 4 == 0


if __name__ == "__main__":
    print("\n".join(sorted(a for a in set(sys.argv[1:]) if held_out(a))))
