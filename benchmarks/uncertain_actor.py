"""Which actor is honest when no actor value clears its threshold? Measured on the corpus'
evaluation articles, which the model never saw.

    .venv/bin/python benchmarks/uncertain_actor.py [--model models/default]

For every held-out sentence whose decoded actor is uncertain (chosen below its threshold),
prints the gold actor against three fallbacks: the most probable value (what decoding
chooses), `unidentified` and `none` (where the rules allow it), and the actor micro-F1 over all
held-out sentences with each fallback put in the uncertain sentences' place.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from newstag.annotate.dataset import (
    dataset_texts,
    gold_labels,
    load_labelled,
    read_article_ids,
    with_articles,
)
from newstag.evaluation.scores import score
from newstag.model.decode import decode, uncertain_values
from newstag.model.persist import load_model

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "labeling" / "corpus"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "default")
    args = parser.parse_args()
    saved = load_model(args.model)
    taxonomy, thresholds = saved.tagger.taxonomy, saved.tagger.thresholds()
    dataset = load_labelled([CORPUS], taxonomy)
    dataset = with_articles(dataset, read_article_ids(CORPUS / "evaluation_articles.txt"), keep=True)
    gold = gold_labels(dataset, taxonomy)
    probabilities = saved.tagger.predict_proba(dataset_texts(dataset))
    labels = decode(taxonomy, probabilities, thresholds)
    names = {g.name: g.value_names for g in taxonomy.groups}
    unsure = []
    for row, chosen in enumerate(labels):
        by_value = {g: dict(zip(names[g], probabilities[g][row].tolist(), strict=True)) for g in names}
        if "actor" in uncertain_values(taxonomy, chosen, by_value, thresholds):
            unsure.append(row)
    print(f"{args.model}: {len(labels)} held-out sentences, {len(unsure)} with an uncertain actor\n")
    print("gold actor of those sentences:", dict(Counter("|".join(gold["actor"][r]) for r in unsure)))
    fallbacks = {
        "most probable (decoded)": lambda row: labels[row]["actor"],
        "unidentified": lambda row: ["unidentified"],
        "none (unidentified for a denial or claim)": lambda row: (
            ["none"] if labels[row]["attack_type"] == ["none"] else ["unidentified"]
        ),
    }
    print("\n| fallback | right on the uncertain sentences | actor micro-F1, all held-out | macro-F1 |")
    print("|---|---|---|---|")
    for name, fallback in fallbacks.items():
        predicted = [list(chosen["actor"]) for chosen in labels]
        for row in unsure:
            predicted[row] = fallback(row)
        right = sum(sorted(predicted[r]) == sorted(gold["actor"][r]) for r in unsure)
        others = {g: [chosen[g] for chosen in labels] for g in taxonomy.group_names if g != "actor"}
        actor = score(taxonomy, gold, {**others, "actor": predicted})["actor"]
        print(f"| {name} | {right} of {len(unsure)} | {actor['micro_f1']:.3f} | {actor['macro_f1']:.3f} |")


if __name__ == "__main__":
    main()
