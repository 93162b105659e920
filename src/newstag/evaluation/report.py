"""Metrics as Markdown tables (terminal and model card alike), and the report folder:
metrics.json, report.md and the plots."""

from __future__ import annotations

import json
from pathlib import Path

BASELINES = (("majority_baseline", "majority"), ("cue_baseline", "cue words"))


def _f(value) -> str:
    return "–" if value is None else f"{value:.2f}"


def summary_table(metrics: dict) -> str:
    """Per group: the model's macro-/micro-F1 (and example-based F1 and Hamming loss for a
    multiple-choice group) beside the baselines' macro-/micro-F1."""
    baselines = [(key, name) for key, name in BASELINES if key in metrics]
    header = "| group | macro-F1 | micro-F1 | example F1 | Hamming loss |"
    header += "".join(f" {name} macro-F1 | {name} micro-F1 |" for _, name in baselines)
    lines = [header, "|---" * (5 + 2 * len(baselines)) + "|"]
    for group, s in metrics["model"].items():
        cells = [s["macro_f1"], s["micro_f1"], s.get("example_f1"), s.get("hamming_loss")]
        for key, _ in baselines:
            cells += [metrics[key][group]["macro_f1"], metrics[key][group]["micro_f1"]]
        lines.append(f"| {group} | " + " | ".join(map(_f, cells)) + " |")
    return "\n".join(lines)


def value_table(metrics: dict) -> str:
    """Precision, recall, F1 and support for every value of every group, baselines' F1 beside."""
    baselines = [(key, name) for key, name in BASELINES if key in metrics]
    header = "| group | value | precision | recall | F1 | support |" + "".join(
        f" {name} F1 |" for _, name in baselines
    )
    lines = [header, "|---" * (6 + len(baselines)) + "|"]
    for group, scores in metrics["model"].items():
        for value, s in scores["values"].items():
            cells = [_f(s["precision"]), _f(s["recall"]), _f(s["f1"]), str(s["support"])]
            cells += [_f(metrics[key][group]["values"][value]["f1"]) for key, _ in baselines]
            lines.append(f"| {group} | {value} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def calibration_table(metrics: dict) -> str:
    """Brier score and expected calibration error of every group's probabilities."""
    lines = ["| group | Brier score | expected calibration error |", "|---|---|---|"]
    for group, c in metrics.get("calibration", {}).items():
        lines.append(f"| {group} | {c['brier']:.3f} | {c['ece']:.3f} |")
    return "\n".join(lines)


def threshold_table(thresholds: dict) -> str:
    """The decision threshold of every value of every multiple-choice group."""
    lines = ["| group | value | threshold |", "|---|---|---|"]
    for group, values in thresholds.items():
        lines += [f"| {group} | {value} | {t:.3f} |" for value, t in values.items()]
    return "\n".join(lines)


def full_report(metrics: dict, thresholds: dict | None = None) -> str:
    parts = [summary_table(metrics), value_table(metrics)]
    if metrics.get("calibration"):
        parts.append(calibration_table(metrics))
    if thresholds:
        parts.append(
            "Decision thresholds (chosen by cross-validation on the training data):\n\n"
            + threshold_table(thresholds)
        )
    return "\n\n".join(parts) + "\n"


def write_evaluation(metrics: dict, directory: Path | str, thresholds: dict | None = None) -> list[Path]:
    """metrics.json, report.md, a confusion matrix per group and the reliability plot."""
    from newstag.evaluation.plots import write_plots

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "metrics.json").write_text(json.dumps(metrics, indent=2, ensure_ascii=False) + "\n")
    (directory / "report.md").write_text(full_report(metrics, thresholds))
    return [directory / "metrics.json", directory / "report.md", *write_plots(metrics, directory)]


NO_SCORES = "no cross-validated scores"


def no_scores(meta: dict) -> str:
    """Why a model has no cross-validated scores, in one line."""
    for line in meta.get("small_data") or []:
        if line.startswith(NO_SCORES):
            return f"This model has {line}."
    return f"This model has {NO_SCORES}: it was trained without (--no-cross-validate, or a live retrain)."


def _quality(table: str | None) -> str:
    if not table:
        return "Run benchmarks/quality.py to compare the feature families, then train with --quality."
    return (
        "This table is the benchmark on the seed sentences (benchmarks/quality.py), not a score of "
        f"this model; it shows which feature family to choose.\n\n{table}"
    )


def model_card(meta: dict, quality: str | None = None) -> str:
    """The README.md of a model folder; `quality` is the feature-family comparison table."""
    data = meta["training_data"]
    metrics = meta.get("metrics") or {}
    scores = (
        f"Scored by {metrics['scheme']} cross-validation over {metrics['articles']} articles "
        f"({metrics['sentences']} sentences): every sentence is predicted by a model that never "
        f"saw its article. Beside the model: the majority baseline (the most frequent label "
        f"set) and the cue-word baseline (the values whose cue words occur).\n\n"
        f"{full_report(metrics, meta.get('thresholds'))}"
        if metrics
        else f"{no_scores(meta)}\n"
    )
    notes = "".join(f"- {line}\n" for line in meta.get("small_data") or [])
    small = f"\nWhere the data is too small:\n\n{notes}" if notes else ""
    versions = ", ".join(f"{k} {v}" for k, v in meta["versions"].items())
    labels = "\n".join(f"- `{group}`: {', '.join(values)}" for group, values in meta["labels"].items())
    features = meta["config"]["model"]["features"]
    return f"""# newstag model `{meta["name"]}`

Version `{meta["model_version"]}`, trained {meta["trained_at"]}.

Tags each sentence of a news article about attacks with how the violence was carried out,
who is held responsible, and whether the sentence is a claim or a denial (see
`labeling/guidelines.md`). Features: `{features}`, computed once per sentence for every label
group, then one calibrated logistic regression per value; a multiple-choice value is chosen
above its own threshold, and predictions are decoded so that they obey the taxonomy's
consistency rules.

## Labels

{labels}

## Training data

{data["sentences"]} sentences from {data["articles"]} articles, SHA-256 `{data["sha256"]}`.
{_held_out_note(data.get("held_out_articles") or [])}{small}
## Scores

{scores}
{_spans_note(meta.get("spans") or {})}## Feature families compared

{_quality(quality)}

## Limits

Expect lower scores on outlets, conflicts and writing styles unlike the training data's,
and no knowledge of values that are rare or absent in it (support 0 above). Labels
describe what a sentence says, not what is true.

## Software

{versions}
"""


def _spans_note(spans: dict) -> str:
    if not spans:
        return ""
    lines = "".join(
        f"- `{name}`: learnt from the {found['marked']} sentences with spans among those whose "
        f"actor is a named value\n"
        for name, found in spans.items()
    )
    return (
        "## Spans\n\nSpans are found in the sentences whose predicted actor is a named value: each "
        "word is tagged B/I/O by a logistic regression over the sentence encoder's token states "
        "and pattern features (its own and its neighbours'), a run of such words is completed to "
        "the whole name and its head noun, and each span is resolved to a canonical party by the "
        "config's alias table, string similarity, and, for a common noun such as 'the regime', the "
        "sentence's actor value or the party the article named last with its words. A span that "
        "stands where only a source of the report stands (an outlet, a monitor, 'told Reuters') is "
        "dropped, and so is one whose party is not among the sentence's actor values "
        "(`other_actor` for a party the table gives none). Their scores "
        "(`benchmarks/quality.py --spans`) are in "
        f"the comparison below.\n\n{lines}\n"
    )


def _held_out_note(held_out: list[str]) -> str:
    if not held_out:
        return ""
    return (
        f"\n{len(held_out)} articles were held out and never trained on, nor used for thresholds: "
        f"the held-out scores in the comparison below are about articles this model never saw "
        f"({', '.join(held_out[:5])}{', ...' if len(held_out) > 5 else ''}).\n"
    )
