"""Metrics as Markdown tables, for the terminal and the model card alike."""

from __future__ import annotations


def summary_table(metrics: dict) -> str:
    """Macro- and micro-F1 per group, model beside the majority baseline."""
    lines = [
        "| group | macro-F1 | micro-F1 | majority macro-F1 | majority micro-F1 |",
        "|---|---|---|---|---|",
    ]
    for group, scores in metrics["model"].items():
        baseline = metrics["majority_baseline"][group]
        lines.append(
            f"| {group} | {scores['macro_f1']:.2f} | {scores['micro_f1']:.2f} "
            f"| {baseline['macro_f1']:.2f} | {baseline['micro_f1']:.2f} |"
        )
    return "\n".join(lines)


def value_table(metrics: dict) -> str:
    """Precision, recall, F1 and support for every value of every group."""
    lines = ["| group | value | precision | recall | F1 | support |", "|---|---|---|---|---|---|"]
    for group, scores in metrics["model"].items():
        for value, s in scores["values"].items():
            lines.append(
                f"| {group} | {value} | {s['precision']:.2f} | {s['recall']:.2f} "
                f"| {s['f1']:.2f} | {s['support']} |"
            )
    return "\n".join(lines)


def model_card(meta: dict) -> str:
    data = meta["training_data"]
    metrics = meta.get("metrics") or {}
    scores = (
        f"Scored by {metrics['scheme']} cross-validation over {metrics['articles']} articles "
        f"({metrics['sentences']} sentences): every sentence is predicted by a model that never "
        f"saw its article.\n\n{summary_table(metrics)}\n\n{value_table(metrics)}\n"
        if metrics
        else "No cross-validation was run for this model.\n"
    )
    versions = ", ".join(f"{k} {v}" for k, v in meta["versions"].items())
    labels = "\n".join(f"- `{group}`: {', '.join(values)}" for group, values in meta["labels"].items())
    return f"""# newstag model `{meta["name"]}`

Version `{meta["model_version"]}`, trained {meta["trained_at"]}.

Tags each sentence of a news article about attacks with how the violence was carried out,
who is held responsible, and whether the sentence is a claim or a denial (see
`labeling/guidelines.md`). One scikit-learn pipeline per label group; predictions are
decoded so that they obey the taxonomy's consistency rules.

## Labels

{labels}

## Training data

{data["sentences"]} sentences from {data["articles"]} articles, SHA-256 `{data["sha256"]}`.

## Scores

{scores}
## Limits

Trained on few articles from one conflict and period: expect lower scores on other
outlets, conflicts and writing styles, and no knowledge of values that are rare or absent
in the training data (support 0 above). Labels describe what a sentence says, not what is
true.

## Software

{versions}
"""
