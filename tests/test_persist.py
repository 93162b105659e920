import json
import shutil

import numpy as np
import pytest

from newstag.errors import ModelError
from newstag.persist import load_model

SENTENCES = [
    "Russian jets bombed the hospital.",
    "The talks resume on Monday.",
    "Damascus denied the attack.",
]


def test_train_save_load_gives_identical_probabilities(trained_model_dir, small_dataset, config):
    from newstag.training import train_model

    fresh = train_model(small_dataset, config, cross_validate=False).tagger.predict_proba(SENTENCES)
    loaded = load_model(trained_model_dir).tagger.predict_proba(SENTENCES)
    for group in fresh:
        np.testing.assert_array_equal(fresh[group], loaded[group])


def test_meta_records_labels_versions_data_hash_and_metrics(trained_model_dir):
    meta = json.loads((trained_model_dir / "meta.json").read_text())
    assert meta["labels"]["claim_status"] == ["claim", "denial", "none"]
    assert {"scikit-learn", "numpy", "joblib", "datasets", "python"} <= set(meta["versions"])
    assert len(meta["training_data"]["sha256"]) == 64
    assert meta["metrics"]["scheme"] == "leave-one-article-out"
    assert meta["config"]["model"]["name"] == "default"
    assert "# newstag model" in (trained_model_dir / "README.md").read_text()


def test_tampered_model_file_is_not_loaded(tmp_path, trained_model_dir):
    copy = shutil.copytree(trained_model_dir, tmp_path / "copy")
    with (copy / "model.joblib").open("ab") as file:
        file.write(b"\x00")
    with pytest.raises(ModelError, match="does not match the hash"):
        load_model(copy)


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
        (copy / "model.joblib").unlink()
    with pytest.raises(ModelError) as error:
        load_model(copy)
    assert "\n" not in str(error.value)
