"""The reference's features on disk: a fresh process reuses them, a changed reference is a new
key, and a corrupt or foreign store is recomputed, never trusted."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from newstag.model import reference_features as module
from newstag.model import reference_store


def cheap(config):
    return dataclasses.replace(config, model=dataclasses.replace(config.model, features="tfidf+cues"))


@pytest.fixture
def batch(in_project, config):
    from newstag.annotate.dataset import load_labelled
    from newstag.assist.label_errors import labelled

    whole = labelled(load_labelled("labeling/corpus/syr-a.json", config.taxonomy), config.taxonomy)
    return whole.rows(np.flatnonzero(np.isin(whole.articles, sorted(set(whole.articles))[:8])))


def fresh(batch, settings, store, gold=None):
    """`reference_features` as a new process calls it: nothing in this process' cache."""
    module._FITTED = module.LatestCache(module.MAX_CACHED)  # the fixture `fits` puts the original back
    return module.reference_features(batch.texts, batch.articles, gold or batch.gold, settings, store)


def probabilities(found):
    return found.calibrated.head_probabilities(found.rows)


def test_the_stored_reference_is_read_by_the_next_process(batch, config, fits, tmp_path):
    settings = cheap(config)
    first = fresh(batch, settings, tmp_path)
    [stored] = tmp_path.glob("reference-*")
    files = {path.name: path.stat().st_mtime_ns for path in stored.iterdir()}
    second = fresh(batch, settings, tmp_path)
    assert fits == [len(batch.texts)]
    assert {path.name: path.stat().st_mtime_ns for path in stored.iterdir()} == files
    assert (first.rows != second.rows).nnz == 0
    for group, p in probabilities(first).items():
        np.testing.assert_array_equal(p, probabilities(second)[group])


def test_a_changed_reference_is_stored_under_a_new_key(batch, config, fits, tmp_path):
    settings = cheap(config)
    fresh(batch, settings, tmp_path)
    relabelled = {group: [list(labels) for labels in values] for group, values in batch.gold.items()}
    relabelled["claim_status"][0] = ["denial"] if relabelled["claim_status"][0] != ["denial"] else ["claim"]
    fresh(batch, settings, tmp_path, relabelled)
    assert len(fits) == 2 and len(list(tmp_path.glob("reference-*"))) == 2
    fresh(batch, settings, tmp_path, relabelled)
    fresh(batch, settings, tmp_path)
    assert len(fits) == 2


def corrupt_rows(folder):
    (folder / reference_store.ROWS).write_bytes(b"not a numpy archive")


def foreign_rows(folder):
    """Rows of the right shape that the store did not compute: readable, but not its digest."""
    rows = sp.load_npz(folder / reference_store.ROWS)
    (folder / reference_store.ROWS).unlink()
    reference_store._save_rows(sp.csr_matrix(rows.shape), folder / reference_store.ROWS)


def corrupt_tagger(folder):
    data = bytearray((folder / reference_store.FILE).read_bytes())
    data[len(data) // 2 : len(data) // 2 + 64] = bytes(64)
    (folder / reference_store.FILE).write_bytes(bytes(data))


def other_key(folder):
    """Another reference's folder renamed to this one's key: its manifest names the other."""
    manifest = (folder / reference_store.MANIFEST).read_text()
    key = folder.name.removeprefix(reference_store.PREFIX)
    (folder / reference_store.MANIFEST).write_text(manifest.replace(key, "0" * len(key)))


@pytest.mark.parametrize("damage", [corrupt_rows, foreign_rows, corrupt_tagger, other_key])
def test_a_damaged_store_is_recomputed(batch, config, fits, tmp_path, damage):
    settings = cheap(config)
    first = fresh(batch, settings, tmp_path)
    [stored] = tmp_path.glob("reference-*")
    damage(stored)
    again = fresh(batch, settings, tmp_path)
    assert len(fits) == 2
    assert (first.rows != again.rows).nnz == 0
    fresh(batch, settings, tmp_path)  # and stored anew, whole
    assert len(fits) == 2


def review_process(data, reference, config_path, cache):
    newstag = Path(sys.executable).parent / "newstag"
    command = [str(newstag), "review", str(data), "--with", str(reference)]
    command += ["--config", str(config_path), "--limit", "0", "--json"]
    env = {**os.environ, "NEWSTAG_CACHE_DIR": str(cache)}
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)


def test_review_processes_share_the_store_and_survive_a_corrupt_one(in_project, tmp_path, monkeypatch):
    """A second `newstag review --with` process reuses what the first stored (the folder is not
    written again); a review that finds it corrupt says nothing of it, and recomputes."""
    from typer.testing import CliRunner

    from newstag.cli.main import app

    config_path = tmp_path / "config.toml"
    default = (in_project / "configs" / "default.toml").read_text()
    quick = default.replace('features = "embeddings+tfidf+cues+patterns"', 'features = "tfidf+cues"')
    config_path.write_text(quick)
    data, reference = "tests/data/export_small.json", "labeling/corpus/syr-a.json"
    cache = tmp_path / "cache"
    first = review_process(data, reference, config_path, cache)
    assert first.returncode == 0, first.stderr
    [stored] = cache.glob("reference-*")
    written = stored.stat().st_ino, (stored / reference_store.FILE).stat().st_mtime_ns
    second = review_process(data, reference, config_path, cache)
    assert second.returncode == 0, second.stderr
    assert (stored.stat().st_ino, (stored / reference_store.FILE).stat().st_mtime_ns) == written
    assert second.stdout == first.stdout
    corrupt_tagger(stored)
    monkeypatch.setenv("NEWSTAG_CACHE_DIR", str(cache))
    monkeypatch.setattr(module, "_FITTED", module.LatestCache(module.MAX_CACHED))
    command = ["review", data, "--with", reference, "--config", str(config_path), "--limit", "0", "--json"]
    third = CliRunner().invoke(app, command)
    assert third.exit_code == 0 and "Traceback" not in third.output, third.output
    assert third.stdout == first.stdout
    [restored] = cache.glob("reference-*")
    assert restored.stat().st_ino != written[0]


def test_a_tagger_of_other_settings_is_not_trusted_with_a_matching_manifest(batch, config, fits, tmp_path):
    """A tamperer who rewrites the manifest too: the tagger is checked as a model folder's is."""
    import json

    from newstag.model.tagger import SentenceTagger, fitted_features

    settings = cheap(config)
    fresh(batch, settings, tmp_path)
    [stored] = tmp_path.glob("reference-*")
    other = dataclasses.replace(settings, model=dataclasses.replace(settings.model, features="cues"))
    features = fitted_features(other.model, other.taxonomy, batch.texts, batch.gold)
    crafted = SentenceTagger(other.taxonomy, other.model)
    crafted.fit_heads(features, features.transform(batch.texts), batch.gold, batch.articles)
    (stored / reference_store.FILE).unlink()
    from newstag.model.persist import dump_skops

    dump_skops(crafted, stored / reference_store.FILE)
    key = stored.name.removeprefix(reference_store.PREFIX)
    (stored / reference_store.MANIFEST).write_text(json.dumps(reference_store._expected(key, stored)))
    fresh(batch, settings, tmp_path)
    assert len(fits) == 2


NO_TORCH_REVIEW = """
import sys, dataclasses
from pathlib import Path
from newstag.annotate.dataset import load_labelled
from newstag.assist.label_errors import review
from newstag.config import load_config
config = load_config("configs/default.toml")
config = dataclasses.replace(config, model=dataclasses.replace(config.model, features="embeddings+cues"))
data = load_labelled("tests/data/export_small.json", config.taxonomy)
reference = load_labelled("labeling/corpus/syr-a.json", config.taxonomy)
review(data, config, reference=reference, store=Path(sys.argv[1]))
print("torch" in sys.modules, "onnxruntime" in sys.modules)
"""


def test_a_review_with_embeddings_encodes_in_onnx_runtime_and_never_imports_torch(in_project, tmp_path):
    """Cold (the reference encoded) and warm (read from the store, the data encoded): the
    encoder runs from an ONNX graph built in memory, as a saved model's does, never in torch."""
    for state in ("cold", "warm"):
        run = [sys.executable, "-c", NO_TORCH_REVIEW, str(tmp_path)]
        found = subprocess.run(run, capture_output=True, text=True, timeout=600)
        assert found.returncode == 0, found.stderr
        assert found.stdout.split() == ["False", "True"], state
    assert len(list(tmp_path.glob("reference-*"))) == 1


def test_the_references_onnx_vectors_are_torchs(batch, config, fits):
    """The vectors of the graph built for review agree with torch's to the tolerance a saved
    model's graph is held to (tests/test_persist.py)."""
    from newstag.model.embeddings import bundled_model_path, encode

    settings = dataclasses.replace(config, model=dataclasses.replace(config.model, features="embeddings"))
    found = module.reference_features(batch.texts, batch.articles, batch.gold, settings)
    [graph] = [step.graph_ for _, step in found.features.transformer_list]
    assert graph.serialised is not None
    np.testing.assert_allclose(found.rows, encode(batch.texts, bundled_model_path()), rtol=0, atol=1e-6)
