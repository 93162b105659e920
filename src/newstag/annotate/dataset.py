"""Labelled examples as a `datasets.Dataset` with typed label features, saved to disk."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from newstag.annotate.annotations import TEXT_FIELDS, Example
from newstag.annotate.spans import Span, span_rows, spans_from_rows
from newstag.errors import InputError, one_line
from newstag.files import atomic_folder, read_text_limited, refuse_to_overwrite
from newstag.taxonomy import Taxonomy

STRING_COLUMNS = ("sentence_id", "article_id", *TEXT_FIELDS, "conflict")


def features_for(taxonomy: Taxonomy):
    from datasets import ClassLabel, Features, List, Value

    columns = {name: Value("string") for name in STRING_COLUMNS}
    for group in taxonomy.groups:
        label = ClassLabel(names=group.value_names)
        columns[group.name] = List(label) if group.multiple else label
    span = {"start": Value("int32"), "end": Value("int32"), "text": Value("string")}
    for name in taxonomy.span_names:
        columns[name] = List(span)
    columns["annotators"] = Value("int32")
    return Features(columns)


def to_dataset(examples: list[Example], taxonomy: Taxonomy):
    from datasets import Dataset

    rows = {name: [] for name in features_for(taxonomy)}
    for example in examples:
        for name in STRING_COLUMNS:
            rows[name].append(getattr(example, name))
        for group in taxonomy.groups:
            values = example.labels[group.name]
            rows[group.name].append(values if group.multiple else values[0])
        for name in taxonomy.span_names:
            rows[name].append(span_rows(example.spans.get(name, ())))
        rows["annotators"].append(example.annotators)
    return Dataset.from_dict(rows, features=features_for(taxonomy))


def group_labels(dataset, group_name: str) -> list[list[str]]:
    """The label names of one group for every row, as lists (one item for single choice)."""
    feature = dataset.features[group_name]
    names = (feature.feature if hasattr(feature, "feature") else feature).names
    return [
        [names[i] for i in value] if isinstance(value, list) else [names[value]]
        for value in dataset[group_name]
    ]


def group_spans(dataset, name: str) -> list[list[Span]]:
    """The spans of one span group for every row."""
    return [spans_from_rows(rows) for rows in dataset[name]]


def with_span_columns(dataset, taxonomy: Taxonomy):
    """A dataset saved before its taxonomy had span groups, with an empty list of spans in
    every row for each (no span was marked then), typed as `to_dataset` types them."""
    missing = [name for name in taxonomy.span_names if name not in dataset.features]
    for name in missing:
        dataset = dataset.add_column(name, [[] for _ in range(len(dataset))])
    return dataset.cast(features_for(taxonomy)) if missing else dataset


def gold_labels(dataset, taxonomy: Taxonomy) -> dict[str, list[list[str]]]:
    """Every group's labels for every row: group name -> `group_labels`."""
    return {name: group_labels(dataset, name) for name in taxonomy.group_names}


def check_taxonomy(dataset, taxonomy: Taxonomy) -> None:
    """A dataset saved under another taxonomy cannot train this one's model."""
    for group in taxonomy.groups:
        if group.name not in dataset.features:
            raise InputError(f"the dataset has no column {group.name!r}; re-import it with this config")
        feature = dataset.features[group.name]
        names = (feature.feature if hasattr(feature, "feature") else feature).names
        if names != group.value_names:
            raise InputError(
                f"the dataset's {group.name} values {names} differ from the config's "
                f"{group.value_names}; re-import the annotations with this config"
            )


def save_dataset(dataset, directory: Path | str, force: bool = False, inputs=()) -> None:
    """Write atomically (see `files.atomic_folder`); `inputs` may not be inside the target."""
    from datasets.utils.logging import disable_progress_bar

    refuse_to_overwrite(directory, force, inputs)
    disable_progress_bar()
    with atomic_folder(directory) as staging:
        dataset.save_to_disk(str(staging))


def load_saved_dataset(directory: Path | str):
    from datasets import load_from_disk

    if not Path(directory, "dataset_info.json").is_file():
        raise InputError(f"{directory} is not a saved dataset (run newstag import-annotations)")
    try:
        dataset = load_from_disk(str(directory))
    except Exception as error:  # datasets and pyarrow raise many types on a corrupt folder
        reason = one_line(error, limit=200)
        raise InputError(
            f"{directory} is a corrupt dataset folder ({type(error).__name__}: {reason}); "
            f"re-create it with newstag import-annotations --force"
        ) from None
    if "conflict" not in dataset.column_names:  # saved before articles named their conflict
        dataset = dataset.add_column("conflict", [""] * len(dataset))
    return dataset


def data_hash(dataset) -> str:
    """A fingerprint of the training data: texts and labels, independent of row order."""
    rows = sorted(json.dumps(row, sort_keys=True, ensure_ascii=False) for row in dataset)
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()


def load_labelled(paths, taxonomy: Taxonomy):
    """Labelled sentences from one path or several: saved dataset folders, Label Studio JSON
    exports, or folders of exports (read on the fly), as one dataset."""
    from datasets import concatenate_datasets

    from newstag.annotate.annotations import examples_from_export, load_exports

    paths = [Path(paths)] if isinstance(paths, str | Path) else [Path(p) for p in paths]
    saved = [p for p in paths if (p / "dataset_info.json").is_file()]
    parts = [load_saved_dataset(p) for p in saved]
    for part in parts:
        check_taxonomy(part, taxonomy)
    parts = [with_span_columns(part, taxonomy) for part in parts]
    exports = [p for p in paths if p not in saved]
    if exports:
        parts.append(to_dataset(examples_from_export(load_exports(exports), taxonomy).examples, taxonomy))
    dataset = parts[0] if len(parts) == 1 else concatenate_datasets(parts)
    _check_unique(dataset["sentence_id"])
    return dataset


def _check_unique(sentence_ids: list[str]) -> None:
    seen = set()
    for sentence_id in sentence_ids:
        if sentence_id in seen:
            raise InputError(f"sentence {sentence_id!r} is labelled in two of the data sources; keep one")
        seen.add(sentence_id)


MAX_ID_LIST_BYTES = 64 * 2**20


def read_article_ids(path: Path | str) -> set[str]:
    """Article ids, one a line (blank lines and # comments ignored)."""
    fix = "give a text file of article ids, one a line"
    lines = read_text_limited(path, MAX_ID_LIST_BYTES, fix, what="a list of article ids").splitlines()
    ids = {line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")}
    if not ids:
        raise InputError(f"{path} lists no article ids; give one id a line")
    return ids


def with_articles(dataset, articles: set[str], keep: bool):
    """The rows whose article is in `articles` (keep=True) or is not (keep=False)."""
    rows = [i for i, article in enumerate(dataset["article_id"]) if (article in articles) == keep]
    if not rows:
        raise InputError("no labelled sentence is left after selecting articles; check the list of ids")
    return dataset.select(rows)


def dataset_texts(dataset) -> list:
    """The sentences of a labelled dataset, each with its title and neighbours (`InContext`)."""
    from newstag.text.sentences import in_context

    columns = [dataset[name] for name in ("text", "title", "context_before", "context_after")]
    return [in_context(*row) for row in zip(*columns, strict=True)]
