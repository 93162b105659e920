"""How well each feature family tags articles it never saw, on the seeds and the corpus.

    .venv/bin/python benchmarks/quality.py                         # every family the install supports
    .venv/bin/python benchmarks/quality.py --families cues,tfidf+cues --no-held-out   # model selection
    .venv/bin/python benchmarks/quality.py --families '' --loco cues,tfidf+cues        # conflicts only

The corpus' evaluation articles (labeling/corpus/evaluation_articles.txt) are held out: no
model, threshold or choice here is fitted on them. For every family it prints the four
target figures on the held-out articles (the saved model as newstag loads it, its encoder run
from the folder's ONNX graph) and by cross-validation by article on the rest
(the figures a family is chosen by), tagging speed (sentences/s, warm) and the cold start of
`newstag tag` on one short article; then the per-value F1 of the configured family on the
held-out articles, and a learning curve (training sentences vs. F1 per group) as a PNG.

Leave-one-conflict-out (`--loco FAMILY,...`, one table per family): for each conflict (each
task's `conflict` field), a model trained on the seeds' and corpus' articles of every other
conflict tags all the conflict's articles. Evaluation articles are tagged with their conflict
(leaving them out would shrink Gaza, Iraq and Afghanistan under 8 articles) but never trained
on, in any fold, as everywhere in this script. Conflicts with fewer than MIN_CONFLICT_ARTICLES
articles are held out together (one fold, one model that saw none of them), scored and
pooled, and marked too small to judge on their own.
Writes benchmarks/QUALITY.md, benchmarks/quality.json and benchmarks/learning_curve.png.

Spans (`--spans`, issue 20): the `responsible` spans found (token-overlap F1 and exact-match
F1, `annotate.spans.compare`, pooled over sentences) and canonical-party accuracy (the share
of sentences, among those where the gold or the model names a party, whose set of canonical
parties equals the gold set; mentions resolved by `model.parties` article by article, gold and
found alike; a found span whose party disagrees with the sentence's actor values is dropped, as
`tag` drops it). On the evaluation articles, end to end as `tag` runs: the model trained on the
rest predicts the actor, and spans are found only where it names one, reading its actor
values; beside it the same span finder given the gold actor. Leave-one-conflict-out, the span
finder alone (trained on the other conflicts' sentences with a named actor, evaluation
articles never), given the gold actor: it measures finding the words in a war never seen,
apart from the actor classifier's errors, which the end-to-end figure includes.

    .venv/bin/python benchmarks/quality.py --families '' --loco '' --spans   # spans only
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter
from pathlib import Path

from newstag.annotate.dataset import (
    dataset_texts,
    gold_labels,
    group_labels,
    group_spans,
    load_labelled,
    read_article_ids,
    with_articles,
)
from newstag.annotate.spans import Span, compare
from newstag.config import load_config
from newstag.evaluation.report import model_card
from newstag.evaluation.scores import by_group, score
from newstag.model.decode import decode
from newstag.model.embeddings import INSTALL_HINT, embeddings_available
from newstag.model.parties import PartyNames, others_value
from newstag.model.persist import load_model, save_model
from newstag.model.training import train_model
from newstag.model.validation import cross_validate_by_article, evaluate_dataset

ROOT = Path(__file__).resolve().parent.parent
DATA = (ROOT / "labeling" / "seed_annotations.json", ROOT / "labeling" / "corpus")
HELD_OUT = ROOT / "labeling" / "corpus" / "evaluation_articles.txt"
FAMILIES = (
    "cues",
    "tfidf+cues",
    "tfidf+cues+patterns",
    "embeddings+cues",
    "embeddings+tfidf+cues",
    "embeddings+tfidf+cues+patterns",
    "finetuned+tfidf+cues+patterns",
    "finetuned_context+tfidf+cues+patterns",
)
FIGURES = (
    ("attack_type macro-F1", "attack_type", "macro_f1", 0.80),
    ("actor micro-F1", "actor", "micro_f1", 0.80),
    ("claim_status macro-F1", "claim_status", "macro_f1", 0.80),
    ("denial F1", "claim_status", "denial", 0.75),
)
CURVE_SHARES = (0.1, 0.25, 0.5, 0.75, 1.0)
SHORT_ARTICLE = ROOT / "seeds" / "001_0033be0623d06674.txt"
MIN_CONFLICT_ARTICLES = 8


def figures(scores: dict) -> list[float]:
    return [
        scores[group]["values"]["denial"]["f1"] if kind == "denial" else scores[group][kind]
        for _, group, kind, _ in FIGURES
    ]


def cold_start(model: Path) -> float:
    """Seconds for `newstag tag` to load the saved model and tag one short article."""
    newstag = Path(sys.executable).with_name("newstag")
    start = time.perf_counter()
    command = [newstag, "tag", SHORT_ARTICLE, "--model", model, "-f", "jsonl"]
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start


def speed(tagger, texts: list[str]) -> float:
    start = time.perf_counter()
    tagger.predict_proba(texts)
    return len(texts) / (time.perf_counter() - start)


def score_family(family: str, config, development, test, held_out: bool, cv: bool = True) -> dict:
    config = dataclasses.replace(config, model=dataclasses.replace(config.model, features=family))
    texts = dataset_texts(development)
    gold = gold_labels(development, config.taxonomy)
    start = time.perf_counter()
    result = {"cv": cross_validate_by_article(texts, development["article_id"], gold, config)} if cv else {}
    trained = train_model(development, config, cross_validate=False)
    result["train_and_cv_seconds"] = time.perf_counter() - start
    if held_out:
        with tempfile.TemporaryDirectory() as folder:
            # Scored as newstag runs it: loaded from its folder, the encoder from the ONNX graph
            # there, at the config's encoder_precision.
            model = save_model(trained.tagger, trained.meta, model_card(trained.meta), Path(folder) / "m")
            tagger = load_model(model).tagger
            result["held_out"] = evaluate_dataset(tagger, trained.meta["baselines"], test)
            result["sentences_per_second"] = speed(tagger, dataset_texts(test))
            result["cold_start_seconds"] = cold_start(model)
    return result


def learning_curve(config, development, test) -> list[dict]:
    """Scores on the held-out articles of models trained on growing shares of the other articles."""
    articles = sorted(set(development["article_id"]))
    random.Random(0).shuffle(articles)
    points = []
    for share in CURVE_SHARES:
        chosen = set(articles[: max(2, round(share * len(articles)))])
        subset = development.select([i for i, a in enumerate(development["article_id"]) if a in chosen])
        trained = train_model(subset, config, cross_validate=False)
        scores = evaluate_dataset(trained.tagger, trained.meta["baselines"], test)["model"]
        points.append({"sentences": len(subset), "articles": len(chosen), "figures": figures(scores)})
        print(f"learning curve: {len(subset)} sentences -> {figures(scores)}", file=sys.stderr)
    return points


def conflict_folds(conflict_of: dict[str, str]) -> list[list[str]]:
    """The conflicts held out together in each fold: each conflict with at least
    MIN_CONFLICT_ARTICLES articles alone, the smaller ones all together (one model that saw
    none of them, at the cost of one fit)."""
    sizes = Counter(named for named in conflict_of.values() if named)
    large = [[conflict] for conflict in sorted(sizes) if sizes[conflict] >= MIN_CONFLICT_ARTICLES]
    small = sorted(conflict for conflict in sizes if sizes[conflict] < MIN_CONFLICT_ARTICLES)
    return large + ([small] if small else [])


def leave_one_conflict_out(config, dataset, evaluation: set[str]) -> dict:
    """Per conflict and pooled: the four figures on every article of the conflict (evaluation
    articles included) of a model trained on the other conflicts' articles, never on an
    evaluation article."""
    taxonomy, pooled_gold, pooled_rows, result = config.taxonomy, [], [], {"conflicts": {}}
    conflict_of = dict(zip(dataset["article_id"], dataset["conflict"], strict=True))
    for fold in conflict_folds(conflict_of):
        start = time.perf_counter()
        left_out = {article for article, named in conflict_of.items() if named in fold}
        tagger = train_model(with_articles(dataset, left_out | evaluation, keep=False), config, False).tagger
        for conflict in fold:
            inside = {article for article, named in conflict_of.items() if named == conflict}
            test = with_articles(dataset, inside, keep=True)
            gold = gold_labels(test, taxonomy)
            labels = decode(taxonomy, tagger.predict_proba(dataset_texts(test)), tagger.thresholds())
            result["conflicts"][conflict] = {
                "articles": len(inside),
                "evaluation_articles": len(inside & evaluation),
                "sentences": len(test),
                "too_small": len(inside) < MIN_CONFLICT_ARTICLES,
                "figures": figures(score(taxonomy, gold, by_group(labels, gold))),
            }
            pooled_gold.append(gold)
            pooled_rows += labels
        print(f"LOCO {fold}: {time.perf_counter() - start:.0f} s", file=sys.stderr)
    gold = {name: [row for part in pooled_gold for row in part[name]] for name in taxonomy.group_names}
    result["pooled"] = {
        "articles": sum(c["articles"] for c in result["conflicts"].values()),
        "sentences": len(pooled_rows),
        "figures": figures(score(taxonomy, gold, by_group(pooled_rows, gold))),
    }
    return result


SPAN_GROUP = "responsible"
SPAN_TARGETS = {"token_f1": 0.85, "party_accuracy": 0.85}
LOCO_SPAN_TARGET = 0.80


def span_figures(dataset, found: list[list[Span]], parties, found_actors=None) -> dict:
    """Token-overlap and exact-match F1 of `found` against the dataset's spans, and the
    canonical-party accuracy (see the module's docstring). Gold mentions are named with the
    gold actor values, found ones with `found_actors` (each sentence's; the gold ones when
    None), as `tag` names them with the predicted ones."""
    gold = group_spans(dataset, SPAN_GROUP)
    gold_actors = group_labels(dataset, "actor")
    found_actors = gold_actors if found_actors is None else found_actors
    overlap = compare(zip(dataset["text"], gold, found, strict=True))
    named, same, current = 0, 0, None
    rows = zip(dataset["article_id"], gold, found, gold_actors, found_actors, strict=True)
    for article, gold_spans, found_spans, actors, predicted in rows:
        if article != current:
            gold_names, found_names, current = PartyNames(parties), PartyNames(parties), article
        expected = {gold_names.resolve(span.text, actors)[0] for span in gold_spans}
        got = {found_names.resolve(span.text, predicted)[0] for span in found_spans}
        if expected or got:
            named += 1
            same += expected == got
    return {
        "sentences": len(gold),
        "gold_spans": overlap.exact.left,
        "found_spans": overlap.exact.right,
        "token_f1": overlap.tokens.f1 or 0.0,
        "exact_f1": overlap.exact.f1 or 0.0,
        "party_sentences": named,
        "party_accuracy": same / named if named else 0.0,
    }


def as_spans(dataset, runs: list[dict]) -> list[list[Span]]:
    return [
        [Span(start, end, text[start:end]) for start, end, _ in found.get(SPAN_GROUP, [])]
        for text, found in zip(dataset["text"], runs, strict=True)
    ]


def agreeing(dataset, found: list[list[Span]], parties, actors, others) -> list[list[Span]]:
    """Found spans without those whose party disagrees with the sentence's actor values, as
    `tag` drops them (`tagging.tag.party_spans`)."""
    from newstag.tagging.tag import party_spans

    kept, current = [], None
    for article, text, spans, values in zip(
        dataset["article_id"], dataset["text"], found, actors, strict=True
    ):
        if article != current:
            names, current = PartyNames(parties), article
        runs = [(span.start, span.end, 1.0) for span in spans]
        kept.append([Span(p.start, p.end, p.text) for p in party_spans(text, runs, names, values, others)])
    return kept


def label_rows(labels: dict[str, list[list[str]]]) -> list[dict[str, list[str]]]:
    """Group -> rows of values, as rows of group -> values."""
    names = list(labels)
    return [dict(zip(names, values, strict=True)) for values in zip(*labels.values(), strict=True)]


def held_out_spans(config, development, test) -> dict:
    """End to end on the evaluation articles, and with the gold actor (see the docstring)."""
    from newstag.model import embeddings

    embeddings._TOKENS.size = 10**5  # every sentence's token states once, for all the fits here
    start = time.perf_counter()
    tagger = train_model(development, config, cross_validate=False).tagger
    texts = dataset_texts(test)
    predicted = decode(config.taxonomy, tagger.predict_proba(texts), tagger.thresholds())
    gold = label_rows(gold_labels(test, config.taxonomy))
    predicted_actors = [labels["actor"] for labels in predicted]
    gold_actors = [labels["actor"] for labels in gold]
    found_end_to_end = as_spans(test, tagger.find_spans(texts, predicted))
    found_gold_actor = as_spans(test, tagger.find_spans(texts, gold))
    others = others_value(config.taxonomy, config.parties)
    return {
        "end_to_end": span_figures(
            test,
            agreeing(test, found_end_to_end, config.parties, predicted_actors, others),
            config.parties,
            predicted_actors,
        ),
        "gold_actor": span_figures(
            test, agreeing(test, found_gold_actor, config.parties, gold_actors, others), config.parties
        ),
        "seconds": time.perf_counter() - start,
    }


def loco_spans(config, dataset, evaluation: set[str]) -> dict:
    """The span finder alone, leave-one-conflict-out, given the gold actor."""
    from newstag.model.tagger import span_finder

    group = config.taxonomy.spans[0]
    gold = label_rows(gold_labels(dataset, config.taxonomy))
    spans = group_spans(dataset, SPAN_GROUP)
    texts = dataset_texts(dataset)
    eligible = [group.holds(row, 1) for row in gold]
    conflict_of = dict(zip(dataset["article_id"], dataset["conflict"], strict=True))
    others = others_value(config.taxonomy, config.parties)
    result = {"conflicts": {}}
    pooled_rows, pooled_found = [], []
    for fold in conflict_folds(conflict_of):
        left_out = {article for article, named in conflict_of.items() if named in fold} | evaluation
        train = [i for i, a in enumerate(dataset["article_id"]) if eligible[i] and a not in left_out]
        finder = span_finder(config.parties, config.model).fit(
            [texts[i] for i in train], [spans[i] for i in train], [gold[i][group.group] for i in train]
        )
        for conflict in fold:
            rows = [i for i, a in enumerate(dataset["article_id"]) if conflict_of[a] == conflict]
            asked = [i for i in rows if eligible[i]]
            found_runs = finder.find([texts[i] for i in asked], [gold[i][group.group] for i in asked])
            runs = dict(zip(asked, found_runs, strict=True))
            found = [[Span(s, e, texts[i][s:e]) for s, e, _ in runs.get(i, [])] for i in rows]
            found = agreeing(
                dataset.select(rows), found, config.parties, [gold[i][group.group] for i in rows], others
            )
            articles = {dataset["article_id"][i] for i in rows}
            figures_ = span_figures(dataset.select(rows), found, config.parties)
            result["conflicts"][conflict] = {
                "articles": len(articles),
                "too_small": len(articles) < MIN_CONFLICT_ARTICLES,
                **figures_,
            }
            pooled_rows += rows
            pooled_found += found
        print(f"LOCO spans {fold}: done", file=sys.stderr)
    result["pooled"] = span_figures(dataset.select(pooled_rows), pooled_found, config.parties)
    return result


def span_table(held_out: dict, loco: dict | None) -> str:
    columns = ("token_f1", "exact_f1", "party_accuracy")
    lines = [
        "| spans | sentences | gold spans | found spans | token-overlap F1 | exact-match F1 "
        "| party accuracy (sentences) |",
        "|---|---|---|---|---|---|---|",
    ]

    def row(name: str, f: dict) -> str:
        cells = [name, str(f["sentences"]), str(f["gold_spans"]), str(f["found_spans"])]
        cells += [f"{f[c]:.2f}" for c in columns[:2]] + [
            f"{f['party_accuracy']:.2f} ({f['party_sentences']})"
        ]
        return "| " + " | ".join(cells) + " |"

    lines.append(row("evaluation articles, end to end (predicted actor)", held_out["end_to_end"]))
    lines.append(row("evaluation articles, gold actor", held_out["gold_actor"]))
    if loco:
        for conflict, f in loco["conflicts"].items():
            small = f" (too small, under {MIN_CONFLICT_ARTICLES} articles)" if f["too_small"] else ""
            lines.append(row(f"held-out conflict {conflict}, {f['articles']} articles, gold actor{small}", f))
        lines.append(row("**leave-one-conflict-out pooled**", loco["pooled"]))
    lines.append(
        f"| target | | | | ≥ {SPAN_TARGETS['token_f1']:.2f} "
        f"(≥ {LOCO_SPAN_TARGET:.2f} per conflict of ≥ 8 articles) "
        f"| | ≥ {SPAN_TARGETS['party_accuracy']:.2f} |"
    )
    return "\n".join(lines)


def loco_table(loco: dict) -> str:
    names = [label for label, *_ in FIGURES]
    lines = [
        "| held-out conflict | articles | sentences | " + " | ".join(names) + " |",
        "|---|---|---|" + "---|" * len(names),
    ]
    for conflict, row in loco["conflicts"].items():
        small = f" (too small, under {MIN_CONFLICT_ARTICLES} articles)" if row["too_small"] else ""
        shown = conflict + small
        articles = f"{row['articles']} ({row['evaluation_articles']} evaluation)"
        cells = [shown, articles, str(row["sentences"])] + [f"{f:.2f}" for f in row["figures"]]
        lines.append("| " + " | ".join(cells) + " |")
    pooled = loco["pooled"]
    cells = ["**pooled**", str(pooled["articles"]), str(pooled["sentences"])]
    lines.append("| " + " | ".join(cells + [f"**{f:.2f}**" for f in pooled["figures"]]) + " |")
    lines.append(
        "| target (conflicts of ≥ 8 articles; actor pooled) | | | "
        + " | ".join(f"≥ {t:.2f}" for *_, t in FIGURES)
        + " |"
    )
    return "\n".join(lines)


def plot_curve(points: list[dict], family: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 4.5))
    sizes = [p["sentences"] for p in points]
    for index, (label, _, _, target) in enumerate(FIGURES):
        line = axes.plot(sizes, [p["figures"][index] for p in points], marker="o", label=label)[0]
        axes.axhline(target, color=line.get_color(), linestyle=":", linewidth=1)
    axes.set_xlabel("training sentences (seeds + corpus, evaluation articles never included)")
    axes.set_ylabel("F1 on the held-out evaluation articles")
    axes.set_title(f"Learning curve, features = {family} (dotted: targets)")
    axes.set_ylim(0, 1)
    axes.legend(loc="lower right", fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def table(results: dict, held_out: bool) -> str:
    names = [label for label, *_ in FIGURES]
    header = ["features"] + [f"held-out {n}" for n in names] * held_out + [f"CV {n}" for n in names]
    header += ["sentences/s", "cold start s", "train + CV s"] if held_out else ["train + CV s"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for family, result in results.items():
        cells = [family]
        if held_out:
            cells += [f"{f:.2f}" for f in figures(result["held_out"]["model"])]
        cells += (
            [f"{f:.2f}" for f in figures(result["cv"]["model"])] if "cv" in result else ["–"] * len(names)
        )
        if held_out:
            cells += [f"{result['sentences_per_second']:.0f}", f"{result['cold_start_seconds']:.1f}"]
        cells.append(f"{result['train_and_cv_seconds']:.0f}")
        lines.append("| " + " | ".join(cells) + " |")
    last = next(iter(results.values()))
    for kind, label in (("majority_baseline", "majority baseline"), ("cue_baseline", "cue-word baseline")):
        cells = [label]
        if held_out:
            cells += [f"{f:.2f}" for f in figures(last["held_out"][kind])]
        cells += [f"{f:.2f}" for f in figures(last["cv"][kind])] if "cv" in last else ["–"] * len(names)
        lines.append("| " + " | ".join(cells + [""] * (len(header) - len(cells))) + " |")
    targets = [f"≥ {t:.2f}" for *_, t in FIGURES]
    cells = ["target"] + targets * held_out + targets
    lines.append("| " + " | ".join(cells + [""] * (len(header) - len(cells))) + " |")
    return "\n".join(lines)


def value_table(scores: dict) -> str:
    lines = ["| group | value | F1 | precision | recall | support |", "|---|---|---|---|---|---|"]
    for group, group_scores in scores.items():
        for value, s in group_scores["values"].items():
            if s["support"]:
                shown = " | ".join(f"{s[key]:.2f}" for key in ("f1", "precision", "recall"))
                lines.append(f"| {group} | {value} | {shown} | {s['support']} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=ROOT / "configs" / "default.toml")
    parser.add_argument("--families", default=",".join(FAMILIES))
    parser.add_argument("--no-held-out", dest="held_out", action="store_false", help="Cross-validation only.")
    parser.add_argument(
        "--loco",
        default=None,
        help="Feature families (comma-separated) to score leave-one-conflict-out (default: the "
        "configured one; '' for none).",
    )
    parser.add_argument(
        "--no-cv", dest="cv", action="store_false", help="No cross-validation and no learning curve."
    )
    parser.add_argument(
        "--spans",
        action="store_true",
        help="Score the responsible spans (evaluation articles and by conflict).",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    config = load_config(args.config)
    dataset = load_labelled(DATA, config.taxonomy)
    held_out = read_article_ids(HELD_OUT)
    development = with_articles(dataset, held_out, keep=False)
    test = with_articles(dataset, held_out, keep=True)
    results, report = {}, []
    for family in filter(None, args.families.split(",")):
        if "embeddings" in family and not embeddings_available():
            print(f"skipping {family}: {INSTALL_HINT}", file=sys.stderr)
            continue
        results[family] = score_family(family, config, development, test, args.held_out, args.cv)
        print(table({family: results[family]}, args.held_out).splitlines()[2], file=sys.stderr)
        # Each family's row is kept as soon as it exists: a run stopped later loses no row.
        report = family_report(results, development, test, args.held_out)
        write(args.out, report, results)
    loco_families = config.model.features if args.loco is None else args.loco
    for family in filter(None, loco_families.split(",")):
        family_config = dataclasses.replace(config, model=dataclasses.replace(config.model, features=family))
        loco = leave_one_conflict_out(family_config, dataset, held_out)
        results.setdefault("leave_one_conflict_out", {})[family] = loco
        title = (
            f"Leave-one-conflict-out, `{family}`: each conflict's articles (evaluation articles "
            f"included) tagged by a model trained on the other conflicts' (evaluation articles never):"
        )
        report += ["", title, "", loco_table(loco)]
        write(args.out, report, results)  # each family's figures are kept as soon as they exist
    if args.spans:
        spans_held_out = held_out_spans(config, development, test)
        spans_loco = loco_spans(config, dataset, held_out)
        results["spans"] = {"held_out": spans_held_out, "leave_one_conflict_out": spans_loco}
        title = (
            f"`{SPAN_GROUP}` spans, `{config.model.features}` (see the docstring for what each row measures):"
        )
        report += ["", title, "", span_table(spans_held_out, spans_loco)]
        write(args.out, report, results)
    if args.held_out and args.families and args.cv:
        family = config.model.features
        chosen = results.get(family) or score_family(family, config, development, test, True)
        per_value = value_table(chosen["held_out"]["model"])
        report += ["", f"Per value, `{family}` on the held-out articles:", "", per_value]
        write(args.out, report, results)
        points = learning_curve(config, development, test)
        plot_curve(points, family, args.out / "learning_curve.png")
        results["learning_curve"] = {family: points}
    write(args.out, report, results)
    print("\n".join(report))


def family_report(results: dict, development, test, held_out: bool) -> list[str]:
    intro = (
        f"{len(development)} sentences from {len(set(development['article_id']))} articles for training "
        f"and cross-validation ({next(iter(results.values())).get('cv', {}).get('scheme', 'not run')}); "
        f"{len(test)} sentences from {len(set(test['article_id']))} held-out evaluation articles."
    )
    return [intro, "", table(results, held_out)]


def write(out: Path, report: list[str], results: dict) -> None:
    (out / "QUALITY.md").write_text("\n".join(report) + "\n", encoding="utf-8")
    (out / "quality.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
