import json

import pytest

from newstag.annotate.dataset import data_hash, group_labels, load_labelled, load_saved_dataset, save_dataset
from newstag.errors import InputError

from .conftest import DATA


def test_typed_features_per_group(small_dataset):
    features = small_dataset.features
    assert features["claim_status"].names == ["claim", "denial", "none"]
    assert features["attack_type"].feature.names[0] == "air_strike"
    assert group_labels(small_dataset, "actor")[1] == ["russia"]
    assert group_labels(small_dataset, "claim_status")[2] == ["denial"]


def test_save_load_roundtrip_and_force(tmp_path, small_dataset, taxonomy):
    target = tmp_path / "ds"
    save_dataset(small_dataset, target)
    with pytest.raises(InputError, match="pass --force"):
        save_dataset(small_dataset, target)
    save_dataset(small_dataset, target, force=True)
    loaded = load_labelled(target, taxonomy)
    assert data_hash(loaded) == data_hash(small_dataset)
    assert not (tmp_path / "ds.tmp").exists()


def test_hash_ignores_row_order_but_not_labels(small_dataset):
    shuffled = small_dataset.shuffle(seed=1)
    assert data_hash(shuffled) == data_hash(small_dataset)
    assert data_hash(small_dataset.select(range(11))) != data_hash(small_dataset)


def test_dataset_from_another_taxonomy_is_refused(tmp_path, small_dataset, config):
    from newstag.config import config_from_dict, config_to_dict

    raw = config_to_dict(config)
    groups = [dict(g) for g in raw["taxonomy"]["groups"]]
    groups[2] = dict(
        groups[2],
        values=groups[2]["values"][:2] + [{"name": "unclear", "description": ""}] + groups[2]["values"][2:],
    )
    other = config_from_dict(dict(raw, taxonomy=dict(raw["taxonomy"], groups=groups))).taxonomy
    save_dataset(small_dataset, tmp_path / "ds")
    with pytest.raises(InputError, match="differ from the config's"):
        load_labelled(tmp_path / "ds", other)


def test_missing_dataset_folder(tmp_path):
    with pytest.raises(InputError, match="not a saved dataset"):
        load_saved_dataset(tmp_path)


def test_spans_are_a_list_of_start_end_text(tmp_path, taxonomy):
    import json

    from newstag.annotate.annotations import examples_from_export
    from newstag.annotate.dataset import group_spans, to_dataset
    from newstag.annotate.spans import Span, span_result

    from .conftest import DATA

    tasks = json.loads((DATA / "export_small.json").read_text())
    tasks[1]["annotations"][0]["result"].append(span_result("responsible", Span(17, 24, "Russian")))
    dataset = to_dataset(examples_from_export(tasks, taxonomy).examples, taxonomy)
    assert dataset[1]["responsible"] == [{"start": 17, "end": 24, "text": "Russian"}]
    save_dataset(dataset, tmp_path / "ds")
    loaded = load_labelled(tmp_path / "ds", taxonomy)
    assert group_spans(loaded, "responsible")[1] == [Span(17, 24, "Russian")]
    assert group_spans(loaded, "responsible")[0] == []


def test_a_dataset_saved_before_span_groups_loads_with_empty_spans(tmp_path, small_dataset, taxonomy):
    """Beside an export, as `train --data old-dataset --data export.json` reads them."""
    import json

    tasks = json.loads((DATA / "export_small.json").read_text())
    (tmp_path / "export.json").write_text(json.dumps(tasks[6:]))
    save_dataset(small_dataset.select(range(4)).remove_columns("responsible"), tmp_path / "old")
    loaded = load_labelled([tmp_path / "old", tmp_path / "export.json"], taxonomy)
    assert loaded.features == small_dataset.features
    assert loaded["responsible"] == [[]] * len(loaded) and len(loaded) == 4 + 6


def test_dataset_saved_before_the_conflict_column_still_loads_and_joins(tmp_path, small_dataset, taxonomy):
    save_dataset(small_dataset.remove_columns("conflict"), tmp_path / "old")
    assert load_saved_dataset(tmp_path / "old")["conflict"] == [""] * len(small_dataset)
    rest = tmp_path / "rest.json"
    tasks = json.loads((DATA / "export_small.json").read_text())
    for task in tasks:
        task["data"]["sentence_id"] = "new-" + task["data"]["sentence_id"]
        task["data"]["article_id"] = "new-" + task["data"]["article_id"]
        task["data"]["conflict"] = "yemen"
    rest.write_text(json.dumps(tasks))
    joined = load_labelled([tmp_path / "old", rest], taxonomy)
    assert sorted(set(joined["conflict"])) == ["", "yemen"]
