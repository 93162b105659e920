"""The embedding transformer (the optional extra, which `make test` installs)."""

import pickle
import subprocess
import sys

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import (
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_set_params,
)

from newstag.cache import LatestCache
from newstag.model.embeddings import INSTALL_HINT, SentenceEmbedder, embeddings_available

from .conftest import keys_oldest_first


@pytest.fixture(autouse=True)
def _extra_installed(request):
    if "needs_extra" in request.keywords and not embeddings_available():
        pytest.fail(f"the embeddings extra is not installed: {INSTALL_HINT}")


needs_extra = pytest.mark.needs_extra


def test_cli_start_up_imports_neither_torch_nor_sentence_transformers():
    code = (
        "import sys, newstag.cli.main, newstag.model.tagger, newstag.model.features;"
        "print(sorted(m for m in ('torch', 'sentence_transformers') if m in sys.modules))"
    )
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert output.stdout.strip() == "[]"


def test_embedder_follows_sklearn_conventions():
    # parametrize_with_checks skips transformers of raw text; these checks do not fit.
    for check in (
        check_no_attributes_set_in_init,
        check_parameters_default_constructible,
        check_get_params_invariance,
        check_set_params,
    ):
        check("SentenceEmbedder", SentenceEmbedder())


@needs_extra
def test_bundled_model_embeds_offline_and_similar_sentences_are_close():
    texts = [
        "Russian jets bombed the hospital.",
        "Warplanes struck the clinic.",
        "The talks resume in Geneva.",
    ]
    embedder = SentenceEmbedder().fit(texts)
    vectors = embedder.transform(texts)
    assert vectors.shape == (3, 384) and embedder.n_features_out_ == 384
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
    assert np.allclose(clone(embedder).fit(texts).transform(texts), vectors, atol=1e-6)


@needs_extra
def test_the_vector_cache_keeps_only_the_latest_texts_and_still_answers_every_text(monkeypatch):
    from newstag.model import embeddings

    monkeypatch.setattr(embeddings, "_VECTORS", LatestCache(3))
    path = embeddings.bundled_model_path()
    texts = [f"Shelling hit the market {n} times." for n in range(5)]
    first = embeddings.encode(texts, path)
    assert [text for _, text in keys_oldest_first(embeddings._VECTORS)] == texts[2:]
    again = embeddings.encode([texts[0], texts[4]], path)  # one forgotten, one cached
    np.testing.assert_allclose(again, first[[0, 4]], atol=1e-6)
    assert [text for _, text in keys_oldest_first(embeddings._VECTORS)] == [texts[3], texts[4], texts[0]]


@needs_extra
def test_a_fitted_embedder_pickles_without_the_weights():
    embedder = SentenceEmbedder().fit(["a sentence"])
    assert len(pickle.dumps(embedder)) < 2000


@needs_extra
def test_an_embedding_model_saves_and_loads_with_identical_probabilities(small_dataset, config, tmp_path):
    import dataclasses

    from newstag.model.persist import load_model, save_model
    from newstag.model.training import train_model

    family = dataclasses.replace(config.model, features="embeddings+cues")
    trained = train_model(small_dataset, dataclasses.replace(config, model=family), cross_validate=False)
    loaded = load_model(save_model(trained.tagger, trained.meta, "card", tmp_path / "m")).tagger
    texts = ["Moscow denied its jets were involved.", "Shells hit the clinic."]
    before, after = trained.tagger.predict_proba(texts), loaded.predict_proba(texts)
    # Trained in torch, loaded with the folder's fp32 ONNX graph: the same arithmetic in
    # another order of float operations.
    assert all(np.allclose(before[g], after[g], rtol=0, atol=1e-6) for g in before)
