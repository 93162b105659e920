"""The fine-tuned encoder feature step: sklearn conventions, masked parties, what it trains, and
its weights saved as safetensors beside the model."""

import dataclasses
import json

import numpy as np
import pytest
from sklearn.utils.estimator_checks import (
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_set_params,
)

from newstag.cache import LatestCache
from newstag.errors import ModelError
from newstag.model import finetune
from newstag.model.embeddings import INSTALL_HINT, embeddings_available
from newstag.model.finetune import FineTunedEncoder, mask_parties, party_pattern, tuned_steps

TEXTS = ["Moscow denied its jets were involved.", "Shells hit the clinic in Aleppo."]


@pytest.fixture(scope="module")
def tuned(small_dataset, config):
    """A model with the fine-tuned family, trained on the small data (one epoch)."""
    if not embeddings_available():
        pytest.fail(f"the embeddings extra is not installed: {INSTALL_HINT}")
    from newstag.model.training import train_model

    family = dataclasses.replace(config.model, features="finetuned+cues")
    trained = train_model(small_dataset, dataclasses.replace(config, model=family), cross_validate=False)
    return trained


def forget_vectors(monkeypatch):
    """A fresh process's view: no fine-tuned vector or tensor made earlier in this one."""
    monkeypatch.setattr(finetune, "_VECTORS", LatestCache(100))
    monkeypatch.setattr(finetune, "_TENSORS", {})


def test_the_encoder_step_follows_sklearn_conventions():
    for check in (
        check_no_attributes_set_in_init,
        check_parameters_default_constructible,
        check_get_params_invariance,
        check_set_params,
    ):
        check("FineTunedEncoder", FineTunedEncoder())


def test_named_parties_and_capitalised_names_are_masked(config):
    cues = tuple(cue for value in config.taxonomy.group("actor").values for cue in value.cues)
    pattern = party_pattern(cues)
    masked = mask_parties("Russian jets and regime forces bombed the MSF hospital, the rebels said.", pattern)
    assert masked == "[MASK] jets and [MASK] forces bombed the [MASK] hospital, the [MASK] said."
    assert mask_parties("The ministry denied it.", pattern) == "The ministry denied it."


def test_the_party_named_makes_no_difference_to_the_features(tuned):
    """What a sentence says about a denial is the same whoever denies it."""
    (step,) = tuned_steps(tuned.tagger).values()
    vectors = step.transform(["Russia denied bombing the hospital.", "Israel denied bombing the hospital."])
    np.testing.assert_array_equal(vectors[0], vectors[1])


def test_only_the_top_layer_is_fine_tuned_and_it_moved(tuned):
    from newstag.model.embeddings import bundled_model_path, encoder_at

    (step,) = tuned_steps(tuned.tagger).values()
    original = encoder_at(bundled_model_path()).layer_weights(5)
    assert set(step.weights_) == set(original)
    assert any(not np.allclose(step.weights_[name], original[name].numpy()) for name in original)
    vectors = step.transform(TEXTS)
    assert vectors.shape == (2, 384) and np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)


def with_precision(trained, precision: str):
    """The same fitted model, its encoder to be exported at `precision`."""
    import copy

    tagger = copy.copy(trained.tagger)
    tagger.config = dataclasses.replace(tagger.config, encoder_precision=precision)
    meta = copy.deepcopy(trained.meta)
    meta["config"]["model"]["encoder_precision"] = precision
    return tagger, meta


@pytest.mark.parametrize(("precision", "tolerance"), [("fp32", 1e-5), ("int8", 0.05)])
def test_the_weights_are_saved_as_safetensors_and_the_onnx_graph_gives_the_same_probabilities(
    tuned, tmp_path, monkeypatch, precision, tolerance
):
    """The fine-tuned encoder's ONNX graph computes what training computed in torch: the same
    figures in fp32, close ones in int8 (benchmarks/quality.py measures what int8 costs)."""
    from newstag.model.persist import MODEL_FILE, WEIGHTS_FILE, load_model, save_model

    tagger, meta = with_precision(tuned, precision)
    folder = save_model(tagger, meta, "card", tmp_path / "m")
    assert (folder / WEIGHTS_FILE).is_file() and (folder / "finetuned.onnx").is_file()
    assert (folder / MODEL_FILE).stat().st_size < (folder / WEIGHTS_FILE).stat().st_size / 10
    before = tuned.tagger.predict_proba(TEXTS)
    forget_vectors(monkeypatch)
    loaded = load_model(folder).tagger
    (step,) = tuned_steps(loaded).values()
    assert step.graph_.path == str(folder / "finetuned.onnx")
    after = loaded.predict_proba(TEXTS)
    assert all(np.allclose(before[g], after[g], atol=tolerance) for g in before)
    assert precision == "fp32" or not all(np.allclose(before[g], after[g], atol=1e-6) for g in before)


@pytest.mark.parametrize("damage", ["missing", "changed"])
def test_missing_or_changed_weights_are_refused_in_one_line(tuned, tmp_path, damage):
    from newstag.model.persist import WEIGHTS_FILE, load_model, save_model

    folder = save_model(tuned.tagger, tuned.meta, "card", tmp_path / "m")
    if damage == "missing":
        (folder / WEIGHTS_FILE).unlink()
    else:
        data = bytearray((folder / WEIGHTS_FILE).read_bytes())
        data[-1] ^= 1
        (folder / WEIGHTS_FILE).write_bytes(bytes(data))
    with pytest.raises(ModelError, match="missing or does not match the SHA-256"):
        load_model(folder)


def test_weights_that_match_meta_but_not_the_model_are_refused(tuned, tmp_path):
    """Rewriting meta.json's checksum too does not swap in another encoder."""
    import hashlib

    from safetensors.numpy import load_file, save_file

    from newstag.model.persist import META_FILE, WEIGHTS_FILE, load_model, save_model

    folder = save_model(tuned.tagger, tuned.meta, "card", tmp_path / "m")
    weights = {name: w * 1.01 for name, w in load_file(str(folder / WEIGHTS_FILE)).items()}
    save_file(weights, str(folder / WEIGHTS_FILE))
    meta = json.loads((folder / META_FILE).read_text())
    meta["weights_sha256"] = hashlib.sha256((folder / WEIGHTS_FILE).read_bytes()).hexdigest()
    (folder / META_FILE).write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="not the encoder this model was fitted with"):
        load_model(folder)


def test_with_context_the_same_sentence_reads_differently_beside_other_sentences(small_dataset, config):
    from newstag.annotate.dataset import dataset_texts, gold_labels
    from newstag.model.features import _fine_tuned
    from newstag.text.sentences import in_context

    gold = gold_labels(small_dataset, config.taxonomy)
    sentence = "It denied the report."
    accused = in_context(sentence, "Hospital bombed", "Witnesses blamed its jets for the strike.", "")
    asked = in_context(sentence, "Talks resume", "The minister was asked about the budget.", "")
    for context in (True, False):
        step = _fine_tuned(config.model, config.taxonomy, context=context).set_params(epochs=1)
        vectors = step.fit(dataset_texts(small_dataset), gold).transform([accused, asked])
        assert np.array_equal(vectors[0], vectors[1]) is not context


def test_a_sentence_in_context_is_its_plain_text_to_every_other_feature():
    from newstag.text.sentences import in_context

    text = in_context("Shells hit the clinic.", "Clinic shelled", "Before.", "After.")
    assert text == "Shells hit the clinic." and text.lower() == "shells hit the clinic."
    assert text.context == "Clinic shelled Before. After."


@pytest.mark.parametrize("fine_tune", [False, True])
def test_live_retrains_refit_the_heads_only_unless_asked_to_fine_tune(
    tuned, tmp_path, small_export_path, monkeypatch, fine_tune
):
    from newstag.backend.serve import build
    from newstag.model.persist import load_model, save_model

    served = save_model(tuned.tagger, tuned.meta, "card", tmp_path / "served")
    real, fine_tunes = finetune._train_top, []
    monkeypatch.setattr(finetune, "_train_top", lambda *args: fine_tunes.append(1) or real(*args))
    live = build(
        served, tmp_path / "live", 0, data=[small_export_path], replace_data=True, fine_tune=fine_tune
    )[1]
    try:
        assert live.retrain("test")
        live.wait()
    finally:
        live.close()
    assert live.last.error is None, live.last.error
    (before,) = tuned_steps(tuned.tagger).values()
    (after,) = tuned_steps(load_model(tmp_path / "live").tagger).values()
    assert len(fine_tunes) == int(fine_tune)  # the same data fine-tunes to the same weights
    assert after.digest_ == before.digest_


def test_the_backend_cache_serves_a_context_model_no_prediction_made_in_another_context(
    small_dataset, config, tmp_path
):
    """The same sentence beside another accusation is another input to a model with context:
    the live backend's cache is keyed by what the model reads, not by the sentence alone."""
    from newstag.assist.predictions import predict_tasks
    from newstag.backend.live import LiveModel
    from newstag.model.persist import load_model, save_model
    from newstag.model.training import train_model

    family = dataclasses.replace(config.model, features="finetuned_context")
    trained = train_model(small_dataset, dataclasses.replace(config, model=family), cross_validate=False)
    saved = load_model(save_model(trained.tagger, trained.meta, "card", tmp_path / "m"))
    sentence = {"text": "It denied the report.", "title": "Hospital bombed", "article_id": "a"}
    accused = {"data": {**sentence, "context_before": "Witnesses blamed its jets for the strike."}}
    asked = {"data": {**sentence, "context_before": "The minister was asked about the budget."}}
    fresh = [predict_tasks([task], saved)[0] for task in (accused, asked)]
    assert fresh[0] != fresh[1]
    live = LiveModel(saved, lambda output: None, tmp_path / "live")
    assert live.predict([accused]) == fresh[:1]
    assert live.predict([asked]) == fresh[1:]
