from __future__ import annotations

from newstag.cli.common import (
    DEFAULT_MODEL,
    LegacyModelArgument,
    RenamedModelOption,
    one_line_errors,
    renamed,
)


def info(
    model: RenamedModelOption = None,
    old_model: LegacyModelArgument = None,
) -> None:
    """Show a model's version, training data and cross-validated scores (reads meta.json only)."""
    from newstag.model.persist import read_meta

    with one_line_errors():
        model = renamed(model, old_model, "info MODEL", "info --model MODEL", DEFAULT_MODEL)
        meta = read_meta(model)
        data = meta["training_data"]
        print(f"Model {meta['name']} ({meta['model_version']}), trained {meta['trained_at']}")
        print(f"on {data['sentences']} sentences from {data['articles']} articles.")
        for source in data.get("sources") or []:
            print(f"  {source['path']}: {source['sentences']} sentences from {source['articles']} articles")
        print()
        print_scores(meta)


def print_scores(meta: dict) -> None:
    from newstag.evaluation.report import NO_SCORES, no_scores, summary_table, value_table

    metrics = meta.get("metrics")
    if metrics:
        print(f"Cross-validated scores ({metrics['scheme']}, {metrics['articles']} articles):\n")
        print(summary_table(metrics) + "\n\n" + value_table(metrics) + "\n")
    else:
        print(no_scores(meta))
    for line in meta.get("small_data") or []:
        if not line.startswith(NO_SCORES):
            print(f"Small data: {line}")
