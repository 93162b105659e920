"""Training a sentence tagger from a labelled dataset, with its metadata, and saving it."""

from __future__ import annotations

import hashlib
import json
import platform
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from newstag.annotate.dataset import check_taxonomy, data_hash, dataset_texts, gold_labels, group_spans
from newstag.config import Config, config_to_dict
from newstag.errors import InputError
from newstag.evaluation.report import NO_SCORES, model_card, write_evaluation
from newstag.model.baselines import fit_baselines
from newstag.model.finetune import tuned_steps
from newstag.model.persist import save_model
from newstag.model.tagger import SentenceTagger
from newstag.model.validation import Progress, check_trainable, cross_validate_by_article, rare_values

EVALUATION_FOLDER = "evaluation"
LIBRARIES = ("newstag", "scikit-learn", "numpy", "scipy", "joblib", "datasets")


@dataclass(frozen=True)
class TrainedModel:
    tagger: SentenceTagger
    meta: dict


def train_model(
    dataset,
    config: Config,
    cross_validate: bool = True,
    excluded_articles: Sequence[str] = (),
    progress: Progress | None = None,
    sources: Sequence[dict] = (),
    encoder_of: SentenceTagger | None = None,
) -> TrainedModel:
    """Fit on every sentence; score by cross-validation by article first (when asked and the
    data allows). `excluded_articles` only records, in the metadata, the ids of the articles
    the caller already removed from `dataset` for evaluation; `sources` says where the data
    came from (`annotate.sources`). `meta["small_data"]` says, one line each, where the data
    is too small: no cross-validated scores, values with few examples. `progress` hears of
    each cross-validation fold and of the final fit, one step each. `encoder_of`: a fitted
    tagger whose fine-tuned encoders the final fit keeps instead of fine-tuning anew (the
    heads, and the other feature steps, are fitted)."""
    check_taxonomy(dataset, config.taxonomy)
    texts = dataset_texts(dataset)
    gold = gold_labels(dataset, config.taxonomy)
    check_trainable(gold, config.taxonomy)
    metrics, no_scores = {}, None
    if cross_validate:
        folds = (lambda done, total: progress(done, total + 1)) if progress else None
        try:
            metrics = cross_validate_by_article(texts, dataset["article_id"], gold, config, progress=folds)
        except InputError as error:  # too few articles to hold one out: the model still trains
            no_scores = str(error)
    small_data = [f"{NO_SCORES}: {no_scores}"] if no_scores else []
    small_data += [line for line in [rare_values(config.taxonomy, gold)] if line]
    # Article ids keep the final fit's calibration and threshold folds on whole articles, as
    # the cross-validation's are.
    kept = tuned_steps(encoder_of) if encoder_of is not None else None
    spans = {
        name: group_spans(dataset, name) for name in config.taxonomy.span_names if name in dataset.features
    }
    tagger = SentenceTagger(config.taxonomy, config.model).fit(
        texts, gold, dataset["article_id"], kept, spans, config.parties
    )
    if progress:
        progress(1, 1)
    fingerprint = data_hash(dataset)
    trained_at = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    meta = {
        "name": config.model.name,
        "model_version": f"{config.model.name}-{model_version(fingerprint, config)}",
        "trained_at": trained_at,
        "labels": {g.name: g.value_names for g in config.taxonomy.groups},
        "config": config_to_dict(config),
        "training_data": {
            "sha256": fingerprint,
            "sentences": len(texts),
            "articles": len(set(dataset["article_id"])),
            "held_out_articles": list(excluded_articles),
            "sources": list(sources),
        },
        "versions": {"python": platform.python_version(), **_versions()},
        "metrics": metrics,
        "small_data": small_data,
        "thresholds": threshold_dict(tagger, config),
        "baselines": fit_baselines(config.taxonomy, texts, gold),
        "spans": {
            name: {"sentences": len(spans[name]), "marked": sum(map(bool, spans[name]))}
            for name in tagger.span_finders_
        },
    }
    return TrainedModel(tagger, meta)


def train_and_save(
    dataset,
    config: Config,
    directory: Path | str,
    cross_validate: bool = True,
    quality: str | None = None,
    excluded_articles: Sequence[str] = (),
    progress: Progress | None = None,
    sources: Sequence[dict] = (),
    encoder_of: SentenceTagger | None = None,
) -> TrainedModel:
    """Train, write the model card (with `quality`, a table comparing feature families) and
    save the model folder atomically, with the cross-validation report in evaluation/ when
    there is one: `newstag train` and the ML backend's retrains alike."""
    trained = train_model(dataset, config, cross_validate, excluded_articles, progress, sources, encoder_of)

    def with_evaluation(folder: Path) -> None:
        if trained.meta["metrics"]:
            write_evaluation(trained.meta["metrics"], folder / EVALUATION_FOLDER, trained.meta["thresholds"])

    save_model(trained.tagger, trained.meta, model_card(trained.meta, quality), directory, with_evaluation)
    return trained


def threshold_dict(tagger: SentenceTagger, config: Config) -> dict[str, dict[str, float]]:
    """Group -> value -> the decision threshold chosen by cross-validation."""
    return {
        group: dict(zip(config.taxonomy.group(group).value_names, map(float, values), strict=True))
        for group, values in tagger.thresholds().items()
    }


def _versions() -> dict[str, str]:
    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def model_version(data_sha256: str, config: Config) -> str:
    """Training is deterministic, so the same data and config give the same model and version;
    a change to either gives a new version (Label Studio then asks for fresh predictions)."""
    settings = json.dumps(config_to_dict(config), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(f"{data_sha256}\n{settings}".encode()).hexdigest()[:8]
