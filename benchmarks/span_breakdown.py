"""Where the span model's errors come from, by cross-validation on the TRAINING articles only
(the seeds and the corpus without labeling/corpus/evaluation_articles.txt: their errors are
never looked at here).

    .venv/bin/python benchmarks/span_breakdown.py [--folds 5] [--examples 15]

Each fold (whole articles) fits the label heads (features fitted once on all the training
articles, as `review` does) and a span finder on the other folds, then finds the fold's spans
twice: given the gold actor, and given the predicted actor as `tag` runs (the gate: no span
where the predicted actor is not a named value). It prints:

- token-overlap / exact-match F1 and party accuracy, both ways (what quality.py --spans scores);
- the gate: gold tokens lost in sentences whose predicted actor is not named, and tokens found
  in sentences whose gold actor is not named;
- gold spans matched exactly, found with other boundaries (too long, too short, shifted) or
  missed, and found spans that overlap no gold span (extra);
- party accuracy's failures: a missed or extra party, or overlapping spans resolved to
  different parties (the normaliser is not robust to the boundary);
- the normaliser alone on gold spans: does the party of each gold span carry an actor value
  among the sentence's gold actor values (`other_actor` for a party without one)?
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from quality import DATA, HELD_OUT, SPAN_GROUP, agreeing, label_rows, span_figures  # noqa: E402

from newstag.annotate.dataset import (  # noqa: E402
    dataset_texts,
    gold_labels,
    group_spans,
    load_labelled,
    read_article_ids,
    with_articles,
)
from newstag.annotate.spans import Span, token_indices  # noqa: E402
from newstag.config import load_config  # noqa: E402
from newstag.model.decode import decode  # noqa: E402
from newstag.model.parties import PartyNames, others_value  # noqa: E402
from newstag.model.tagger import SentenceTagger, fitted_features, span_finder  # noqa: E402
from newstag.model.validation import fold_indices  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OTHER = "other_actor"


def out_of_fold(config, dataset, folds: int) -> tuple[list, list, list]:
    """(predicted label rows, spans found given the gold actor, spans found given the predicted
    actor), out of fold, one per sentence."""
    texts = dataset_texts(dataset)
    gold = gold_labels(dataset, config.taxonomy)
    rows_gold = label_rows(gold)
    spans = group_spans(dataset, SPAN_GROUP)
    articles = np.array(dataset["article_id"])
    group = config.taxonomy.spans[0]
    features = fitted_features(config.model, config.taxonomy, texts, gold)
    X = features.transform(texts)
    predicted, with_gold, with_predicted = [None] * len(texts), [[]] * len(texts), [[]] * len(texts)
    for number, (train, test) in enumerate(fold_indices(articles, folds)):
        fold_gold = {name: [values[i] for i in train] for name, values in gold.items()}
        tagger = SentenceTagger(config.taxonomy, config.model).fit_heads(
            features, X[train], fold_gold, articles[train]
        )
        labels = decode(config.taxonomy, tagger.head_probabilities(X[test]), tagger.thresholds())
        eligible = [i for i in train if group.holds(rows_gold[i], 1)]
        finder = span_finder(config.parties, config.model).fit(
            [texts[i] for i in eligible],
            [spans[i] for i in eligible],
            [gold[group.group][i] for i in eligible],
        )
        for given, store in (([rows_gold[i] for i in test], with_gold), (labels, with_predicted)):
            asked = [(k, i) for k, i in enumerate(test) if group.holds(given[k], 1)]
            found = finder.find([texts[i] for _, i in asked], [given[k][group.group] for k, i in asked])
            for (_, i), runs in zip(asked, found, strict=True):
                store[i] = [Span(s, e, texts[i][s:e]) for s, e, _ in runs]
        for k, i in enumerate(test):
            predicted[i] = labels[k]
        print(f"fold {number + 1}: done", file=sys.stderr)
    return predicted, with_gold, with_predicted


def span_kinds(text: str, gold: list[Span], found: list[Span]) -> Counter:
    """Each gold span: exact, too_long / too_short / shifted (overlapped by a found span of
    other boundaries), missed; each found span overlapping no gold one: extra."""
    kinds = Counter()
    for span in gold:
        overlapping = [f for f in found if f.start < span.end and span.start < f.end]
        if any((f.start, f.end) == (span.start, span.end) for f in overlapping):
            kinds["exact"] += 1
        elif not overlapping:
            kinds["missed"] += 1
        elif any(f.start <= span.start and span.end <= f.end for f in overlapping):
            kinds["too_long"] += 1
        elif any(span.start <= f.start and f.end <= span.end for f in overlapping):
            kinds["too_short"] += 1
        else:
            kinds["shifted"] += 1
    kinds["extra"] += sum(not any(f.start < g.end and g.start < f.end for g in gold) for f in found)
    return kinds


def party_failures(dataset, found_all, parties, found_actors) -> tuple[Counter, Counter]:
    """Why a sentence's set of parties differs from the gold set, and the (gold, found) party
    pairs of overlapping spans resolved differently."""
    reasons, pairs, current = Counter(), Counter(), None
    gold_all = group_spans(dataset, SPAN_GROUP)
    actors_all = label_rows_of(dataset, "actor")
    rows = zip(dataset["article_id"], gold_all, found_all, actors_all, found_actors, strict=True)
    for article, gold, found, actors, predicted in rows:
        if article != current:
            gold_names, found_names, current = PartyNames(parties), PartyNames(parties), article
        gold_parties = [gold_names.resolve(s.text, actors)[0] for s in gold]
        found_parties = [found_names.resolve(s.text, predicted)[0] for s in found]
        if set(gold_parties) == set(found_parties):
            continue
        for g, gp in zip(gold, gold_parties, strict=True):
            overlapping = [
                fp for f, fp in zip(found, found_parties, strict=True) if f.start < g.end and g.start < f.end
            ]
            if not overlapping:
                reasons["missed span"] += gp not in found_parties
            elif gp not in overlapping:
                reasons["overlapping span, other party"] += 1
                pairs[(g.text, found[[fp for fp in found_parties].index(overlapping[0])].text)] += 1
        for f, fp in zip(found, found_parties, strict=True):
            if fp not in gold_parties and not any(f.start < g.end and g.start < f.end for g in gold):
                reasons["extra span"] += 1
    return reasons, pairs


def normaliser_alone(dataset, parties) -> tuple[int, int, Counter]:
    """Gold spans whose party's actor value is among the gold actor values (a party without one
    counts as `other_actor`), of all gold spans; the commonest failures."""
    right, total, wrong, current = 0, 0, Counter(), None
    for article, spans, actors in zip(
        dataset["article_id"], group_spans(dataset, SPAN_GROUP), label_rows_of(dataset, "actor"), strict=True
    ):
        if article != current:
            names, current = PartyNames(parties), article
        for span in spans:
            party, actor = names.resolve(span.text, actors)
            total += 1
            if (actor or OTHER) in actors:
                right += 1
            else:
                wrong[(span.text, party, actor or OTHER, "|".join(actors))] += 1
    return right, total, wrong


def label_rows_of(dataset, group: str) -> list[list[str]]:
    from newstag.annotate.dataset import group_labels

    return group_labels(dataset, group)


def token_gate(dataset, predicted, group) -> tuple[int, int, int]:
    """(gold tokens, gold tokens in sentences the predicted actor gates out, sentences gated
    out that have gold spans)."""
    total, lost, sentences = 0, 0, 0
    for text, spans, labels in zip(dataset["text"], group_spans(dataset, SPAN_GROUP), predicted, strict=True):
        tokens = len(token_indices(text, spans))
        total += tokens
        if spans and not group.holds(labels, 1):
            lost += tokens
            sentences += 1
    return total, lost, sentences


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=ROOT / "configs" / "default.toml")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--examples", type=int, default=15)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    config = load_config(args.config)
    dataset = load_labelled(DATA, config.taxonomy)
    development = with_articles(dataset, read_article_ids(HELD_OUT), keep=False)
    group = config.taxonomy.spans[0]
    print(f"training articles: {len(set(development['article_id']))}, sentences: {len(development)}")
    parties = config.parties
    right, total, wrong = normaliser_alone(development, parties)
    print(
        f"\nnormaliser alone on gold spans: {right}/{total} = {right / total:.3f} "
        "name a party of the gold actor"
    )
    for (text, party, actor, actors), n in wrong.most_common(args.examples):
        print(f"  {n:3d}  {text!r} -> {party!r} ({actor}), gold actor {actors}")
    predicted, with_gold, with_predicted = out_of_fold(config, development, args.folds)
    gold_actors = label_rows_of(development, "actor")
    predicted_actors = [labels["actor"] for labels in predicted]
    for name, found, actors in (
        ("gold actor", with_gold, gold_actors),
        ("predicted actor (end to end)", with_predicted, predicted_actors),
    ):
        found = agreeing(development, found, parties, actors, others_value(config.taxonomy, config.parties))
        f = span_figures(development, found, parties, actors)
        print(
            f"\n{name}: token F1 {f['token_f1']:.3f}, exact F1 {f['exact_f1']:.3f}, party accuracy "
            f"{f['party_accuracy']:.3f} ({f['party_sentences']} sentences), "
            f"gold {f['gold_spans']}, found {f['found_spans']}"
        )
        kinds = Counter()
        for text, gold, got in zip(
            development["text"], group_spans(development, SPAN_GROUP), found, strict=True
        ):
            kinds += span_kinds(text, gold, got)
        print("  spans: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
        reasons, pairs = party_failures(development, found, parties, actors)
        print("  party failures: " + ", ".join(f"{k} {v}" for k, v in reasons.most_common()))
        for (g, f_), n in pairs.most_common(args.examples):
            print(f"    {n:3d}  gold {g!r} / found {f_!r}")
    total, lost, sentences = token_gate(development, predicted, group)
    extra = sum(
        len(token_indices(text, found))
        for text, found, labels in zip(
            development["text"],
            with_predicted,
            label_rows(gold_labels(development, config.taxonomy)),
            strict=True,
        )
        if not group.holds(labels, 1)
    )
    print(
        f"\ngate: {lost}/{total} gold tokens ({lost / total:.3f}) in {sentences} sentences whose "
        f"predicted actor is not named; {extra} tokens found in sentences whose gold actor is not named"
    )
    boundary = Counter()
    for gold, got in zip(group_spans(development, SPAN_GROUP), with_gold, strict=True):
        for g in gold:
            for f in got:
                if f.start < g.end and g.start < f.end and (f.start, f.end) != (g.start, g.end):
                    boundary[(g.text, f.text)] += 1
    print("\ncommonest boundary differences (gold / found), gold actor:")
    for (g, f), n in boundary.most_common(args.examples):
        print(f"  {n:3d}  {g!r} / {f!r}")


if __name__ == "__main__":
    main()
