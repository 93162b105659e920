import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newstag.errors import ConfigError
from newstag.model.decode import decode, explain, group_thresholds


def decode_row(taxonomy, row, thresholds) -> dict:
    """The labels of one row of probabilities (group -> one probability per value)."""
    return decode(taxonomy, {g: np.asarray(p)[None, :] for g, p in row.items()}, thresholds)[0]


def _row(taxonomy, **overrides):
    row = {g.name: np.full(len(g.values), 0.05) for g in taxonomy.groups}
    for group, values in overrides.items():
        names = taxonomy.group(group).value_names
        for value, p in values.items():
            row[group][names.index(value)] = p
    return row


def test_clear_probabilities_give_the_obvious_labels(taxonomy):
    row = _row(
        taxonomy,
        attack_type={"air_strike": 0.9},
        actor={"russia": 0.8},
        claim_status={"claim": 0.9},
    )
    assert decode_row(taxonomy, row, 0.5) == {
        "attack_type": ["air_strike"],
        "actor": ["russia"],
        "claim_status": ["claim"],
    }


def test_a_per_value_threshold_decides_that_value_only(taxonomy):
    row = _row(
        taxonomy,
        attack_type={"air_strike": 0.9, "shelling_missile": 0.3},
        actor={"russia": 0.9},
        claim_status={"claim": 0.9},
    )
    assert decode_row(taxonomy, row, 0.5)["attack_type"] == ["air_strike"]
    low_for_shelling = np.full(7, 0.5)
    low_for_shelling[1] = 0.2
    labels = decode_row(taxonomy, row, {"attack_type": low_for_shelling})
    assert sorted(labels["attack_type"]) == ["air_strike", "shelling_missile"]


def test_thresholds_are_checked(taxonomy):
    group = taxonomy.group("attack_type")
    assert group_thresholds(group, 0.3).tolist() == [0.3] * 7
    assert group_thresholds(group, {}).tolist() == [0.5] * 7
    with pytest.raises(ConfigError, match="strictly"):
        group_thresholds(group, 1.0)
    with pytest.raises(ConfigError, match="2 thresholds for 7 values"):
        group_thresholds(group, {"attack_type": [0.2, 0.3]})


probabilities = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


def _vector(data, group, elements):
    return np.array(data.draw(st.lists(elements, min_size=len(group.values), max_size=len(group.values))))


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_every_decoded_row_obeys_the_rules(taxonomy, data):
    row = {
        g.name: np.array(data.draw(st.lists(probabilities, min_size=len(g.values), max_size=len(g.values))))
        for g in taxonomy.groups
    }
    thresholds = {
        g.name: np.array(
            data.draw(st.lists(st.floats(0.05, 0.95), min_size=len(g.values), max_size=len(g.values)))
        )
        for g in taxonomy.groups
        if g.multiple
    }
    labels = decode_row(taxonomy, row, thresholds)
    assert taxonomy.violations(labels) == []
    as_dicts = {g.name: dict(zip(g.value_names, row[g.name].tolist(), strict=True)) for g in taxonomy.groups}
    for group, decision in explain(taxonomy, labels, as_dicts, thresholds).items():
        below = [name for name, p, t in decision.chosen if t is not None and p < t]
        assert not below or decision.reason, (group, decision)  # chosen below threshold: says why
        names = taxonomy.group(group).value_names
        limits = dict(zip(names, thresholds[group], strict=True)) if group in thresholds else {}
        above = {name for name, limit in limits.items() if as_dicts[group][name] >= limit}
        dropped = {name for name, _, _ in decision.dropped}
        assert above - set(labels[group]) <= dropped  # every value above threshold is shown
        assert not dropped or decision.reason


def test_a_rule_that_overrides_a_threshold_is_shown(taxonomy):
    """The case from the field: `none` clears its threshold but a rule forces an attack type;
    the table shows the forced value below its threshold, the dropped `none`, and the rule."""
    row = _row(
        taxonomy,
        attack_type={"none": 0.43, "ground_assault": 0.05},
        actor={"syrian_government": 0.9},
        claim_status={"claim": 0.9},
    )
    thresholds = {"attack_type": 0.4, "actor": 0.4}
    labels = decode_row(taxonomy, row, thresholds)
    as_dicts = {g.name: dict(zip(g.value_names, row[g.name].tolist(), strict=True)) for g in taxonomy.groups}
    decision = explain(taxonomy, labels, as_dicts, thresholds)["attack_type"]
    [(chosen, p, threshold)] = decision.chosen
    assert chosen != "none" and p < threshold == 0.4
    assert [name for name, _, _ in decision.dropped] == ["none"]
    assert "rule" in decision.reason and "attack_type = none" in decision.reason


def test_decode_handles_many_rows_and_none(taxonomy):
    probabilities = {g.name: np.full((3, len(g.values)), 0.1) for g in taxonomy.groups}
    assert len(decode(taxonomy, probabilities, 0.35)) == 3
    assert decode(taxonomy, {}, 0.35) == []


def test_a_value_chosen_below_its_threshold_is_uncertain(taxonomy):
    from newstag.model.decode import uncertain_values

    # "A military spokesman said no Syrian aircraft had flown": no actor clears its threshold.
    row = _row(
        taxonomy, attack_type={"air_strike": 0.9}, actor={"us_coalition": 0.09}, claim_status={"denial": 0.8}
    )
    thresholds = {"attack_type": 0.5, "actor": 0.15}
    labels = decode_row(taxonomy, row, thresholds)
    assert labels["actor"] == ["us_coalition"]
    by_value = {g.name: dict(zip(g.value_names, row[g.name].tolist(), strict=True)) for g in taxonomy.groups}
    assert uncertain_values(taxonomy, labels, by_value, thresholds) == {"actor": ["us_coalition"]}
    sure = _row(taxonomy, attack_type={"air_strike": 0.9}, actor={"russia": 0.8}, claim_status={"claim": 0.9})
    labels = decode_row(taxonomy, sure, thresholds)
    by_value = {g.name: dict(zip(g.value_names, sure[g.name].tolist(), strict=True)) for g in taxonomy.groups}
    assert uncertain_values(taxonomy, labels, by_value, thresholds) == {}
