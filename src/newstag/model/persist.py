"""A model is a folder: model.skops, meta.json, a model card (README.md), when a feature step
was fine-tuned its weights in encoder.safetensors (a format that holds tensors only), and for
each feature step that runs the sentence encoder its ONNX graph (`<step>.onnx`), which
inference runs.

The model is saved in skops' format, which rebuilds objects from a JSON schema and numpy
arrays instead of unpickling: loading calls no function named by the file, and creates only
types that skops knows to be safe (scikit-learn, numpy, scipy) or that newstag defines itself.
meta.json also records the SHA-256 of every file, so a corrupt or half-copied folder is refused.
The trust model is written out in docs/robustness.md.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from functools import cached_property
from importlib import metadata
from pathlib import Path

from newstag.errors import ModelError, one_line
from newstag.files import atomic_folder, file_sha256, parse_json, read_limited, read_zip_member
from newstag.model.meta_schema import check_meta

MODEL_FILE = "model.skops"
META_FILE = "meta.json"
CARD_FILE = "README.md"
WEIGHTS_FILE = "encoder.safetensors"
FORMAT_VERSION = 7
"""Format 7's patterns family also reads each sentence's context (`patterns.CONTEXT`) and tells
an act denied from other senses of "deny", and its span finder reads where a word stands as a
source of the report (`model/sources.py`); format 6's span finder reads its neighbours' word
shapes and has a threshold; format 5 may hold a fine-tuned encoder's weights in WEIGHTS_FILE;
format 4 computes the
features once for all groups (`SentenceTagger.features_`); format 3 had one feature union per
group; skops names every class by its module path, and format 2 has them in the flat modules
before the stage packages. Any other format is refused with "retrain it with newstag train
--force"."""
MAX_META_BYTES = 16 * 2**20
MAX_SCHEMA_BYTES = 16 * 2**20
MAX_MODEL_BYTES = 2**30
"""Uncompressed: the shipped models are a few MB; a zip bomb is refused before it inflates."""
PICKLE_FORMATS = {1: "model.joblib"}
"""Earlier formats, pickled: refused, because unpickling runs whatever code the file names."""

OWN_PACKAGE = "newstag."
"""Besides the types skops trusts itself, a model may hold classes defined in newstag's own
modules: skops creates them with __new__ and sets their attributes, running none of their code
but `__setstate__` (CompactTfidf's turns its two vocabulary arrays back into a dict)."""
SKLEARN_PACKAGE = "sklearn."
NOT_ESTIMATOR_MODULES = {"tests", "externals", "setup", "conftest", "experimental", "estimator_checks"}
"""Parts of a module path scikit-learn's `all_estimators` skips: the same rule skops trusts by."""


@dataclass(frozen=True)
class SavedModel:
    tagger: object
    meta: dict
    directory: Path

    @property
    def version(self) -> str:
        return self.meta["model_version"]

    @cached_property
    def config(self):
        """The config the model was trained with, read from meta.json once: tagging asks for
        it on every batch, and the backend on every request."""
        return trained_config(self.meta, self.directory)


def save_model(tagger, meta: dict, card: str, directory: Path | str, extra=None) -> Path:
    """Write the folder atomically (see `files.atomic_folder`): the model, meta.json, the
    card and whatever `extra(folder)` writes (the evaluation report) appear at once or not at all."""
    from newstag.model.finetune import tuned_weights

    directory = Path(directory)
    with atomic_folder(directory) as staging:
        dump_skops(tagger, staging / MODEL_FILE)
        meta = {
            **meta,
            "versions": {**meta.get("versions", {}), "skops": metadata.version("skops")},
            "format_version": FORMAT_VERSION,
            "model_sha256": file_sha256(staging / MODEL_FILE),
        }
        meta["graphs_sha256"] = _write_graphs(tagger, staging)
        weights = tuned_weights(tagger)
        if weights:
            from safetensors.numpy import save

            (staging / WEIGHTS_FILE).write_bytes(save(weights))  # save_file would make it owner-only
            meta["weights_sha256"] = file_sha256(staging / WEIGHTS_FILE)
        (staging / META_FILE).write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
        (staging / CARD_FILE).write_text(card)
        if extra is not None:
            extra(staging)
    return directory


def _write_graphs(tagger, folder: Path) -> dict[str, str]:
    """Each encoder step's ONNX graph (`onnx_encoder`), at the precision the config names;
    file name -> SHA-256."""
    from newstag.model.onnx_encoder import encoder_steps, graph_file, step_graph

    quantised = tagger.config.encoder_precision == "int8"
    written = {}
    for name, step in encoder_steps(tagger).items():
        path = folder / graph_file(name)
        path.write_bytes(step_graph(step, quantised))
        written[path.name] = file_sha256(path)
    return written


def model_files(meta: dict) -> tuple[str, ...]:
    """The files of a model folder that loading reads: what a copy of it must hold."""
    from newstag.model.onnx_encoder import SUFFIX

    weights = (WEIGHTS_FILE,) if meta.get("weights_sha256") else ()
    graphs = [name for name in meta.get("graphs_sha256") or {} if _plain_name(name, SUFFIX)]
    return (MODEL_FILE, META_FILE, *weights, *sorted(graphs))


def _plain_name(name: str, suffix: str) -> bool:
    """A file name in the folder itself: meta.json is untrusted, and names no path outside it."""
    return name.endswith(suffix) and Path(name).name == name and not name.startswith(".")


def read_meta(directory: Path | str) -> dict:
    directory = Path(directory)
    if not (directory / META_FILE).is_file():
        raise ModelError(f"{directory} is not a newstag model folder (no {META_FILE}); run newstag train")
    meta = parse_json(
        read_limited(directory / META_FILE, MAX_META_BYTES, "retrain the model", ModelError, "JSON"),
        str(directory / META_FILE),
        "retrain the model",
        MAX_META_BYTES,
        ModelError,
    )
    if not isinstance(meta, dict):
        raise ModelError(f"{directory / META_FILE} is not a JSON object; retrain the model")
    _check_format(directory, meta.get("format_version"))
    check_meta(meta, str(directory / META_FILE))
    return meta


def load_model(directory: Path | str) -> SavedModel:
    directory = Path(directory)
    meta = read_meta(directory)
    _check_versions(directory, meta)
    model_file = directory / MODEL_FILE
    if not model_file.is_file():
        raise ModelError(f"{directory} has no {MODEL_FILE}; retrain the model")
    if file_sha256(model_file) != meta.get("model_sha256"):
        raise ModelError(
            f"{model_file} does not match the SHA-256 in {META_FILE}: it is corrupt, or was "
            f"changed after training; copy the whole folder again or retrain the model"
        )
    tagger = load_skops(model_file)
    from newstag.model.tagger import SentenceTagger

    if not isinstance(tagger, SentenceTagger):
        raise ModelError(
            f"{model_file} holds a {type(tagger).__module__}.{type(tagger).__qualname__}, not a newstag "
            f"SentenceTagger; retrain the model with newstag train --force"
        )
    from newstag.model.loaded import check_tagger

    check_tagger(tagger, meta, str(model_file))
    _load_weights(tagger, meta, directory)
    _attach_graphs(tagger, meta, directory)
    return SavedModel(tagger, meta, directory)


def _attach_graphs(tagger, meta: dict, directory: Path) -> None:
    """Hand each encoder step its ONNX graph, checked against meta.json: inference runs it."""
    from newstag.model.onnx_encoder import EncoderGraph, encoder_steps, graph_file

    recorded = meta.get("graphs_sha256") or {}
    for name, step in encoder_steps(tagger).items():
        path = directory / graph_file(name)
        if not path.is_file() or file_sha256(path) != recorded.get(path.name):
            raise ModelError(
                f"{path} is missing or does not match the SHA-256 in {META_FILE}: copy the whole "
                f"folder again or retrain the model"
            )
        step.graph_ = EncoderGraph(str(path), recorded[path.name])
    # A span finder reads the token states of the pass that embeds the sentence (the frozen
    # encoder's), so it runs the same graph and finds them in the same cache.
    embeddings = encoder_steps(tagger).get("embeddings")
    for finder in vars(tagger).get("span_finders_", {}).values():
        finder.graph_ = getattr(embeddings, "graph_", None)


def _load_weights(tagger, meta: dict, directory: Path) -> None:
    """The fine-tuned encoder's weights back into the tagger, checked against meta.json."""
    from newstag.model.finetune import restore_weights, tuned_steps

    if not tuned_steps(tagger):
        return
    weights_file = directory / WEIGHTS_FILE
    if not weights_file.is_file() or file_sha256(weights_file) != meta.get("weights_sha256"):
        raise ModelError(
            f"{weights_file} is missing or does not match the SHA-256 in {META_FILE}: copy the whole "
            f"folder again or retrain the model"
        )
    from safetensors import SafetensorError
    from safetensors.numpy import load_file

    try:
        restore_weights(tagger, load_file(str(weights_file)))
    except (SafetensorError, ValueError) as error:
        raise ModelError(
            f"{weights_file} is not the encoder this model was fitted with ({one_line(error)}); retrain it"
        ) from None


def trained_config(meta: dict, directory: Path | str):
    """The config the model was trained with, as its meta.json records it."""
    from newstag.config import config_from_dict

    return config_from_dict(meta["config"], source=f"{directory}/{META_FILE}")


def sentence_settings(meta: dict, directory: Path | str, config: Path | None = None):
    """How articles are split for this model: as for its training, from any working folder,
    unless `config` (a TOML file) says otherwise."""
    from newstag.config import load_config

    return (load_config(config) if config else trained_config(meta, directory)).sentences


def check_labels(meta: dict, directory: Path | str, taxonomy, config_source: str) -> None:
    """A model predicts its own taxonomy's labels: refuse it where the project's differ."""
    expected = {group.name: group.value_names for group in taxonomy.groups}
    labels = meta.get("labels")
    if labels != expected:
        differing = sorted(set(labels or {}) ^ set(expected)) or [
            name for name in expected if (labels or {}).get(name) != expected[name]
        ]
        group = differing[0]
        raise ModelError(
            f"{directory} was trained on other labels than {config_source} has (group {group}: "
            f"model {(labels or {}).get(group)}, config {expected.get(group)}); retrain it with "
            f"this config (newstag train --force), or pass the config it was trained with (--config)"
        )


def _check_format(directory: Path, version) -> None:
    if isinstance(version, int) and version in PICKLE_FORMATS:
        raise ModelError(
            f"{directory} holds a pickled model (format {version}, {PICKLE_FORMATS[version]}), which "
            f"is not loaded because unpickling can run code; retrain it with newstag train --force"
        )
    if version != FORMAT_VERSION:
        raise ModelError(
            f"{directory} has model format {version}, this newstag reads format "
            f"{FORMAT_VERSION}; retrain it with newstag train --force"
        )


def _check_versions(directory: Path, meta: dict) -> None:
    """scikit-learn does not promise that a model works under another minor version."""
    trained = str((meta.get("versions") or {}).get("scikit-learn", "unknown"))
    installed = metadata.version("scikit-learn")
    if trained.split(".")[:2] != installed.split(".")[:2]:
        raise ModelError(
            f"{directory} was trained with scikit-learn {trained}, this environment has "
            f"{installed}; retrain it with newstag train --force, or install scikit-learn=={trained}"
        )


def dump_skops(value, path: Path) -> None:
    """`value` in skops' format (a model, or the reference store's tagger and rows)."""
    import zipfile

    _skops_io().dump(value, path, compression=zipfile.ZIP_DEFLATED)


def _skops_io():
    """skops.io without its default list of trusted scikit-learn estimators. skops builds that
    list when imported by importing every scikit-learn module, and through them torch and dask
    when installed: seconds, and hundreds of MB, for a model that uses a handful of estimators.
    `trusted_types` names the estimators a file uses, by the same rule, instead."""
    if "skops.io" in sys.modules:
        return sys.modules["skops.io"]
    import sklearn.utils

    every_estimator = sklearn.utils.all_estimators
    sklearn.utils.all_estimators = lambda type_filter=None: []
    try:
        import skops.io
    finally:
        sklearn.utils.all_estimators = every_estimator
    return skops.io


def load_skops(path: Path):
    """What `dump_skops` wrote, rebuilt from data: only types skops trusts or newstag defines."""
    import zipfile

    skops_io = _skops_io()
    from skops.io.exceptions import UntrustedTypesFoundException

    try:
        return skops_io.load(path, trusted=trusted_types(path))
    except UntrustedTypesFoundException as error:
        raise ModelError(
            f"{path} contains types newstag does not trust ({one_line(error)}); it was not "
            f"loaded: retrain the model with this newstag"
        ) from None
    except (
        zipfile.BadZipFile,
        ImportError,
        KeyError,
        ValueError,
        TypeError,
        AttributeError,
        RecursionError,
    ) as error:
        raise ModelError(f"{path} is not a readable skops model ({one_line(error)}); retrain it") from None


def trusted_types(path: Path) -> list[str]:
    """The types named in a skops file that are classes defined in newstag's own modules or
    public scikit-learn estimators. The file is refused before anything is inflated when it
    would inflate past MAX_MODEL_BYTES."""
    import zipfile

    fix = "retrain the model with newstag train --force"
    with zipfile.ZipFile(path) as archive:
        inflated = sum(member.file_size for member in archive.infolist())
        if inflated > MAX_MODEL_BYTES:
            raise ModelError(
                f"{path} would inflate to {inflated // 2**20} MB, over the "
                f"{MAX_MODEL_BYTES // 2**20} MB a model may have; {fix}"
            )
        schema_bytes = read_zip_member(archive, "schema.json", str(path), fix, MAX_SCHEMA_BYTES, ModelError)
    schema = parse_json(schema_bytes, f"{path}: schema.json", fix, error_type=ModelError)
    names = set(_type_names(schema))
    return sorted(name for name in names if _is_own_class(name) or _is_sklearn_estimator(name))


def _type_names(node):
    if isinstance(node, dict):
        if isinstance(node.get("__module__"), str) and isinstance(node.get("__class__"), str):
            yield f"{node['__module__']}.{node['__class__']}"
        for value in node.values():
            yield from _type_names(value)
    elif isinstance(node, list):
        for value in node:
            yield from _type_names(value)


def _is_own_class(name: str) -> bool:
    """Defined (not merely imported) in a newstag module: `newstag.x.Path` is pathlib's, not ours."""
    import importlib

    module, _, qualname = name.rpartition(".")
    if not module.startswith(OWN_PACKAGE):
        return False
    try:
        found = getattr(importlib.import_module(module), qualname, None)
    except ImportError:
        return False
    return isinstance(found, type) and (found.__module__, found.__qualname__) == (module, qualname)


def _is_sklearn_estimator(name: str) -> bool:
    """A public, concrete scikit-learn estimator class: what skops trusts by default."""
    import importlib
    import inspect

    module, _, qualname = name.rpartition(".")
    if not module.startswith(SKLEARN_PACKAGE) or qualname.startswith("_"):
        return False
    if NOT_ESTIMATOR_MODULES & set(module.split(".")):
        return False
    try:
        found = getattr(importlib.import_module(module), qualname, None)
    except ImportError:
        return False
    from sklearn.base import BaseEstimator

    return (
        isinstance(found, type)
        and issubclass(found, BaseEstimator)
        and found is not BaseEstimator
        and not inspect.isabstract(found)
    )
