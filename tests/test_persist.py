import hashlib
import json
import pathlib
import pickle
import shutil
import subprocess
import sys

import numpy as np
import pytest

from newstag.errors import ModelError
from newstag.model.persist import load_model, save_model

SENTENCES = [
    "Russian jets bombed the hospital.",
    "The talks resume on Monday.",
    "Damascus denied the attack.",
]


def test_train_save_load_gives_identical_probabilities(tmp_path, small_dataset, config):
    from newstag.model.training import train_model

    trained = train_model(small_dataset, config, cross_validate=False)
    save_model(trained.tagger, trained.meta, "card", tmp_path / "model")
    fresh = trained.tagger.predict_proba(SENTENCES)
    loaded = load_model(tmp_path / "model").tagger.predict_proba(SENTENCES)
    for group in fresh:
        # Trained in torch, loaded with the folder's fp32 ONNX graph: the same arithmetic in
        # another order of float operations.
        np.testing.assert_allclose(fresh[group], loaded[group], rtol=0, atol=1e-6)


def test_training_twice_on_the_same_data_gives_the_same_model(small_dataset, config):
    from newstag.model.training import train_model

    first, second = (
        train_model(small_dataset, config, cross_validate=False).tagger.predict_proba(SENTENCES)
        for _ in range(2)
    )
    for group in first:
        np.testing.assert_array_equal(first[group], second[group])


def test_meta_records_labels_versions_data_hash_and_metrics(trained_model_dir):
    meta = json.loads((trained_model_dir / "meta.json").read_text())
    assert meta["labels"]["claim_status"] == ["claim", "denial", "none"]
    assert {"scikit-learn", "numpy", "skops", "datasets", "python"} <= set(meta["versions"])
    assert len(meta["training_data"]["sha256"]) == 64
    assert meta["metrics"]["scheme"] == "leave-one-article-out"
    assert meta["config"]["model"]["name"] == "default"
    assert "# newstag model" in (trained_model_dir / "README.md").read_text()


def test_tampered_model_file_is_not_loaded(tmp_path, trained_model_dir):
    copy = shutil.copytree(trained_model_dir, tmp_path / "copy")
    with (copy / "model.skops").open("ab") as file:
        file.write(b"\x00")
    with pytest.raises(ModelError, match="does not match the SHA-256"):
        load_model(copy)


@pytest.mark.parametrize("damage", ["missing", "changed"])
def test_a_missing_or_changed_onnx_graph_is_refused_in_one_line(tmp_path, trained_model_dir, damage):
    """The encoder's ONNX graph, which inference runs, is checked like the rest of the folder."""
    copy = shutil.copytree(trained_model_dir, tmp_path / "copy")
    meta = json.loads((copy / "meta.json").read_text())
    assert list(meta["graphs_sha256"]) == ["embeddings.onnx"]
    graph = copy / "embeddings.onnx"
    if damage == "missing":
        graph.unlink()
    else:
        data = bytearray(graph.read_bytes())
        data[len(data) // 2] ^= 1
        graph.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="embeddings.onnx is missing or does not match the SHA-256"):
        load_model(copy)


def test_a_loaded_model_encodes_with_its_onnx_graph_and_without_torch(trained_model_dir):
    """`newstag tag` on a model with embeddings never imports torch: only training needs it."""
    script = (
        "import sys; from newstag.model.persist import load_model; "
        f"saved = load_model({str(trained_model_dir)!r}); "
        "saved.tagger.predict_proba(['Jets bombed the hospital.']); "
        "print('torch' in sys.modules, 'onnxruntime' in sys.modules)"
    )
    found = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert found.stdout.split() == ["False", "True"]


def test_model_from_another_format_version_is_refused(tmp_path, trained_model_dir):
    copy = shutil.copytree(trained_model_dir, tmp_path / "copy")
    meta = json.loads((copy / "meta.json").read_text())
    (copy / "meta.json").write_text(json.dumps(dict(meta, format_version=99)))
    with pytest.raises(ModelError, match="format 99"):
        load_model(copy)


@pytest.mark.parametrize("broken", ["missing_meta", "bad_meta", "missing_model"])
def test_incomplete_folders_are_one_line_errors(tmp_path, trained_model_dir, broken):
    copy = shutil.copytree(trained_model_dir, tmp_path / "copy")
    if broken == "missing_meta":
        (copy / "meta.json").unlink()
    elif broken == "bad_meta":
        (copy / "meta.json").write_text("{")
    else:
        (copy / "model.skops").unlink()
    with pytest.raises(ModelError) as error:
        load_model(copy)
    assert "\n" not in str(error.value)


def test_pickled_model_of_format_1_is_refused_without_running_it(tmp_path, trained_model_dir):
    copy = shutil.copytree(trained_model_dir, tmp_path / "copy")
    marker = tmp_path / "pwned"
    (copy / "model.joblib").write_bytes(pickle.dumps(RunsCode(marker)))
    meta = json.loads((copy / "meta.json").read_text())
    digest = hashlib.sha256((copy / "model.joblib").read_bytes()).hexdigest()
    (copy / "meta.json").write_text(json.dumps(dict(meta, format_version=1, model_sha256=digest)))
    with pytest.raises(ModelError, match="pickled model"):
        load_model(copy)
    assert not marker.exists()


def test_tamperer_who_rewrites_meta_too_cannot_smuggle_a_foreign_type(tmp_path, trained_model_dir):
    import skops.io

    copy = shutil.copytree(trained_model_dir, tmp_path / "copy")
    skops.io.dump(Foreign(), copy / "model.skops")
    meta = json.loads((copy / "meta.json").read_text())
    digest = hashlib.sha256((copy / "model.skops").read_bytes()).hexdigest()
    (copy / "meta.json").write_text(json.dumps(dict(meta, model_sha256=digest)))
    with pytest.raises(ModelError, match="does not trust.*Foreign") as error:
        load_model(copy)
    assert "\n" not in str(error.value)


def test_only_classes_defined_in_newstag_are_trusted():
    from newstag.model.persist import _is_own_class

    assert _is_own_class("newstag.model.persist.SavedModel")
    assert not _is_own_class("newstag.model.persist.Path")  # pathlib's, merely imported
    assert not _is_own_class("newstag.model.persist.load_model")  # a function, not a class
    assert not _is_own_class("newstag.nowhere.Thing")
    assert not _is_own_class("os.system")


def test_model_trained_with_another_scikit_learn_is_refused(tmp_path, trained_model_dir):
    copy = shutil.copytree(trained_model_dir, tmp_path / "copy")
    meta = json.loads((copy / "meta.json").read_text())
    meta["versions"]["scikit-learn"] = "0.24.2"
    (copy / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="scikit-learn 0.24.2.*install scikit-learn==0.24.2"):
        load_model(copy)


def test_a_model_file_that_is_not_a_skops_archive_is_one_line(tmp_path, trained_model_dir):
    copy = shutil.copytree(trained_model_dir, tmp_path / "copy")
    (copy / "model.skops").write_bytes(b"not a zip")
    meta = json.loads((copy / "meta.json").read_text())
    digest = hashlib.sha256(b"not a zip").hexdigest()
    (copy / "meta.json").write_text(json.dumps(dict(meta, model_sha256=digest)))
    with pytest.raises(ModelError, match="not a readable skops model"):
        load_model(copy)


class RunsCode:
    """Unpickling this creates a file: the proof that a loader ran code named by the file."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (pathlib.Path.touch, (self.marker,))


class Foreign:
    pass


def test_loading_a_model_imports_only_what_it_uses(trained_model_dir):
    """skops' own list of trusted types would import all of scikit-learn, and torch when the
    embeddings extra is installed, for a model that uses neither."""
    code = (
        "import sys; from newstag.model.persist import load_model; load_model(sys.argv[1]); "
        "print(sorted(m for m in ('torch', 'dask', 'sklearn.gaussian_process') if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code, str(trained_model_dir)], capture_output=True, text=True
    )
    assert loaded.stdout.strip() == "[]", loaded.stderr


def test_public_concrete_scikit_learn_estimators_are_trusted():
    from newstag.model.persist import _is_sklearn_estimator

    assert _is_sklearn_estimator("sklearn.linear_model._logistic.LogisticRegression")
    assert _is_sklearn_estimator("sklearn.pipeline.Pipeline")
    assert not _is_sklearn_estimator("sklearn.base.BaseEstimator")
    assert not _is_sklearn_estimator("sklearn.linear_model._base.LinearModel")  # abstract
    assert not _is_sklearn_estimator("sklearn.utils.all_estimators")  # a function
    assert not _is_sklearn_estimator("sklearn.utils._testing.MinimalClassifier")  # test helper
    assert not _is_sklearn_estimator("os.system")


def test_tfidf_vocabularies_are_saved_as_arrays_and_load_whole(tmp_path):
    """skops saves a dict entry by entry: a vocabulary of n-grams as a dict made loading slow."""
    import zipfile

    from newstag.model.features import CompactTfidf
    from newstag.model.persist import _skops_io, trusted_types

    texts = ["Jets struck the hospital.", "The army denied it, saying rebels shelled the area."]
    vectorizer = CompactTfidf(analyzer="char_wb", ngram_range=(2, 5)).fit(texts)
    path = tmp_path / "v.skops"
    _skops_io().dump(vectorizer, path)
    assert "vocabulary_" in vectorizer.__dict__  # saving leaves the fitted object whole
    schema = json.loads(zipfile.ZipFile(path).read("schema.json"))
    assert "vocabulary_" not in schema["content"]["content"]
    loaded = _skops_io().load(path, trusted=trusted_types(path))
    assert loaded.vocabulary_ == vectorizer.vocabulary_
    assert (loaded.transform(texts) != vectorizer.transform(texts)).nnz == 0
