"""Where a model's training data came from: each source path, the SHA-256 of every file read from
it, and how many sentences and articles it gave.

`newstag train` records the sources in meta.json, so that a retrain (`newstag serve`) can read
the same data again, and refuse it when a file is missing or has changed since: a retrain
never learns from less than the model it replaces, and never from other data unknowingly.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from newstag.annotate.annotations import export_files
from newstag.annotate.dataset import load_labelled, with_articles
from newstag.errors import InputError
from newstag.files import file_sha256
from newstag.taxonomy import Taxonomy


def load_sources(paths: Sequence[Path | str], taxonomy: Taxonomy, held_out: Iterable[str] = ()):
    """The labelled sentences of `paths` as one dataset, less the articles in `held_out`, and
    one record per path: {path, files: {file: sha256}, sentences, articles}."""
    from datasets import concatenate_datasets

    held_out = set(held_out)
    parts = [(Path(path), load_labelled([path], taxonomy)) for path in paths]
    if not parts:
        raise InputError("no training data given; name an export, a folder of them or a dataset folder")
    _check_apart(parts)
    records = [source_record(path, part, held_out) for path, part in parts]
    dataset = concatenate_datasets([part for _, part in parts]) if len(parts) > 1 else parts[0][1]
    if held_out:
        dataset = with_articles(dataset, held_out, keep=False)
    return dataset, records


def _check_apart(parts) -> None:
    """A sentence in two sources is refused: which of its labels counts would depend on order."""
    first_seen: dict[str, Path] = {}
    for path, part in parts:
        for sentence_id in part["sentence_id"]:
            if sentence_id in first_seen:
                raise InputError(
                    f"sentence {sentence_id!r} is in two tasks (in {first_seen[sentence_id]} and in "
                    f"{path}); keep one, and give each source once"
                )
            first_seen[sentence_id] = path


def source_record(path: Path, part, held_out: set[str] = frozenset()) -> dict:
    """What one source gave (its held-out articles left out), with the digest of every file read."""
    articles = [article for article in part["article_id"] if article not in held_out]
    return {
        "path": str(path),
        "files": {str(file): file_sha256(file) for file in files_read(path)},
        "sentences": len(articles),
        "articles": len(set(articles)),
    }


def files_read(path: Path) -> list[Path]:
    """The files a source is read from: a dataset folder's files, a folder's exports, or the file."""
    if (path / "dataset_info.json").is_file():
        return sorted(file for file in path.rglob("*") if file.is_file() and file.name != ".newstag")
    return export_files([path])


def changed_files(records: Sequence[dict]) -> list[tuple[str, str]]:
    """(file, "is missing" or "has changed") for every recorded file that is not as it was."""
    found = []
    for record in records:
        for file, digest in (record.get("files") or {}).items():
            if not Path(file).is_file():
                found.append((file, "is missing"))
            elif file_sha256(Path(file)) != digest:
                found.append((file, "has changed"))
    return found


def sources_at_hand(records: Sequence[dict]) -> tuple[list[dict], list[tuple[str, str]]]:
    """The recorded sources every file of which is as it was, and (source, why not) for the
    others: a source is used whole or not at all."""
    usable, skipped = [], []
    for record in records:
        changed = changed_files([record])
        if not record.get("files"):
            skipped.append((record.get("path", "?"), "its files were not recorded"))
        elif changed:
            file, what = changed[0]
            skipped.append((record["path"], f"{file} {what}"))
        else:
            usable.append(record)
    return usable, skipped


def training_reference(training_data: dict, taxonomy: Taxonomy):
    """A model's own training data (meta.json's `training_data`) as a reference to judge
    labels against: (dataset or None, the sources used, (source, why not) for those left out).
    Its held-out articles stay out."""
    usable, skipped = sources_at_hand(training_data.get("sources") or [])
    if not usable:
        return None, [], skipped
    held_out = training_data.get("held_out_articles") or ()
    dataset, records = load_sources([record["path"] for record in usable], taxonomy, held_out)
    return dataset, records, skipped


def describe(records: Sequence[dict]) -> str:
    """'labeling/corpus (1,690 sentences, 135 articles), ...' for people."""
    return ", ".join(
        f"{record['path']} ({record['sentences']:,} sentences, {record['articles']:,} articles)"
        for record in records
    )
