"""A model is a folder: model.joblib, meta.json and a model card (README.md).

meta.json records the SHA-256 of model.joblib. Loading refuses a folder whose joblib file
does not match it, because unpickling runs code: only the file newstag wrote is loaded.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from newstag.errors import ModelError
from newstag.model import SentenceTagger

MODEL_FILE = "model.joblib"
META_FILE = "meta.json"
CARD_FILE = "README.md"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class SavedModel:
    tagger: SentenceTagger
    meta: dict
    directory: Path

    @property
    def version(self) -> str:
        return self.meta["model_version"]


def save_model(tagger: SentenceTagger, meta: dict, card: str, directory: Path | str) -> Path:
    """Write the folder atomically: into a sibling staging folder, then swap it in."""
    import joblib

    directory = Path(directory)
    staging = directory.with_name(f".{directory.name}.tmp")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    joblib.dump(tagger, staging / MODEL_FILE)
    meta = {**meta, "format_version": FORMAT_VERSION, "model_sha256": _sha256(staging / MODEL_FILE)}
    (staging / META_FILE).write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
    (staging / CARD_FILE).write_text(card)
    old = directory.with_name(f".{directory.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if directory.exists():
        directory.rename(old)
    staging.rename(directory)
    shutil.rmtree(old, ignore_errors=True)
    return directory


def read_meta(directory: Path | str) -> dict:
    directory = Path(directory)
    if not (directory / META_FILE).is_file():
        raise ModelError(f"{directory} is not a newstag model folder (no {META_FILE}); run newstag train")
    try:
        meta = json.loads((directory / META_FILE).read_text())
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ModelError(f"{directory / META_FILE} is not valid JSON; retrain the model") from None
    if meta.get("format_version") != FORMAT_VERSION:
        raise ModelError(
            f"{directory} has model format {meta.get('format_version')}, this newstag reads "
            f"{FORMAT_VERSION}; retrain it with newstag train"
        )
    return meta


def load_model(directory: Path | str) -> SavedModel:
    import joblib

    directory = Path(directory)
    meta = read_meta(directory)
    model_file = directory / MODEL_FILE
    if not model_file.is_file():
        raise ModelError(f"{directory} has no {MODEL_FILE}; retrain the model")
    if _sha256(model_file) != meta.get("model_sha256"):
        raise ModelError(
            f"{model_file} does not match the hash in {META_FILE}: it was changed after "
            f"training, and is not loaded because unpickling can run code; retrain the model"
        )
    return SavedModel(joblib.load(model_file), meta, directory)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
