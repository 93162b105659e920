import json

import pytest

from newstag.config import (
    ModelConfig,
    SentenceConfig,
    StudioConfig,
    config_from_dict,
    config_to_dict,
    load_config,
)
from newstag.errors import ConfigError


def test_default_config_holds_the_spec_taxonomy(config):
    assert config.taxonomy.group_names == ["attack_type", "actor", "claim_status"]
    assert config.taxonomy.group("attack_type").multiple
    assert not config.taxonomy.group("claim_status").multiple
    assert "unidentified" in config.taxonomy.group("actor").exclusive
    assert len(config.taxonomy.rules) == 4
    assert config.studio.url == "http://127.0.0.1:8080"


def test_the_dataclass_defaults_are_the_shipped_config(config):
    assert config.sentences == SentenceConfig()
    assert config.model == ModelConfig()
    assert config.studio == StudioConfig()


def test_the_resolved_config_reads_back_as_the_same_config(config):
    resolved = json.loads(json.dumps(config_to_dict(config)))
    assert config_from_dict(resolved) == config
    assert resolved["taxonomy"]["name"] == "attacks-actors-claims"
    minimal = config_to_dict(config_from_dict({"taxonomy": resolved["taxonomy"]}))
    # The alias table names values of the taxonomy it stands beside, so it has no default.
    assert minimal.pop("parties") == [] and resolved.pop("parties")
    assert minimal == resolved, "defaults fill in what is left out"


def test_unknown_keys_are_named_with_their_location(config):
    raw = config_to_dict(config)
    raw = dict(raw, model={**raw["model"], "learning_rate": 0.1})
    with pytest.raises(ConfigError, match=r"\[model\]: unknown key\(s\) \['learning_rate'\]"):
        config_from_dict(raw)


def test_rule_naming_an_unknown_value_is_rejected(config):
    raw = config_to_dict(config)
    taxonomy = dict(raw["taxonomy"], rules={"implications": ["actor = martians -> claim_status = none"]})
    with pytest.raises(ConfigError, match="martians"):
        config_from_dict(dict(raw, taxonomy=taxonomy))


def test_missing_and_malformed_files_are_one_line_errors(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[taxonomy\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad)


@pytest.mark.parametrize(
    "section, key, value, message",
    [
        (
            "sentences",
            "boilerplate",
            ["(["],
            "[sentences].boilerplate[0] = '([' is not a valid regular expression",
        ),
        ("sentences", "boilerplate", "^x", "[sentences].boilerplate is '^x' (str); expected a list"),
        (
            "sentences",
            "timestamps",
            [5],
            "[sentences].timestamps[0] is 5 (int); expected a regular expression",
        ),
        ("model", "C", "big", "[model].C is 'big' (str); expected a number"),
        ("model", "C", -1, "[model].C is -1; expected a number above 0"),
        ("model", "threshold", 7, "[model].threshold is 7; expected a number between 0 and 1"),
        ("model", "random_state", 1.5, "[model].random_state is 1.5 (float); expected an integer"),
        ("model", "name", True, "[model].name is True (bool); expected a string"),
        ("studio", "port", "x", "[studio].port is 'x' (str); expected an integer"),
        ("studio", "port", 70000, "[studio].port is 70000; expected a port number"),
    ],
)
def test_bad_config_values_are_one_line(config, section, key, value, message):
    raw = config_to_dict(config)
    raw[section][key] = value
    with pytest.raises(ConfigError) as error:
        config_from_dict(raw, "c.toml")
    assert message in str(error.value) and "\n" not in str(error.value)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda t: t.update(groups=5), "[taxonomy].groups is 5 (int); expected a list"),
        (lambda t: t["groups"][0].update(name=3), "groups[0].name is 3 (int); expected the group's name"),
        (lambda t: t["groups"][0].update(values=["x"]), "groups[0].values[0] is 'x' (str); expected a table"),
        (lambda t: t["groups"][0]["values"][0].update(cues="war"), "values[0].cues is 'war' (str)"),
        (lambda t: t["rules"].update(implications=[1]), "rules.implications[0] is 1 (int)"),
    ],
)
def test_bad_taxonomy_values_are_one_line(config, change, message):
    raw = config_to_dict(config)
    change(raw["taxonomy"])
    with pytest.raises(ConfigError) as error:
        config_from_dict(raw, "c.toml")
    assert message in str(error.value)


def test_the_responsible_span_group_is_in_the_config(config):
    [spans] = config.taxonomy.spans
    assert (spans.name, spans.group, spans.not_with) == ("responsible", "actor", ("none", "unidentified"))
    assert "head noun" in spans.description


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda s: s.update(colour="red"), "[taxonomy].spans[0]: unknown key(s) ['colour']"),
        (
            lambda s: s.update(group="who"),
            "[taxonomy].spans[0].group is 'who'; expected one of the label groups",
        ),
        (
            lambda s: s.update(not_with="none"),
            "[taxonomy].spans[0].not_with is 'none' (str); expected a list",
        ),
        (
            lambda s: s.update(not_with=["nobody"]),
            "span group 'responsible': not_with values ['nobody'] unknown",
        ),
        (lambda s: s.update(name="actor"), "span group 'actor' has the name of a label group"),
        (lambda s: s.update(description=3), "[taxonomy].spans[0].description is 3 (int); expected a string"),
    ],
)
def test_bad_span_groups_are_one_line_with_their_location(config, change, message):
    raw = config_to_dict(config)
    change(raw["taxonomy"]["spans"][0])
    with pytest.raises(ConfigError) as error:
        config_from_dict(raw, "c.toml")
    assert message in str(error.value) and "\n" not in str(error.value)


def test_the_report_groups_are_in_the_config(config):
    report = config.taxonomy.report
    assert (report.who, report.how, report.stance, report.denial, report.others) == (
        "actor",
        "attack_type",
        "claim_status",
        "denial",
        "other_actor",
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r.update(colour="red"), "[taxonomy].report: unknown key(s) ['colour']"),
        (lambda r: r.update(who="blamed"), "no label group 'blamed'"),
        (lambda r: r.update(who="blamed") or r.pop("others"), "no label group 'blamed'"),
        (lambda r: r.update(how=3), "[taxonomy].report.how is 3 (int); expected a string"),
        (
            lambda r: r.update(denial="claim_status != denial"),
            "[taxonomy].report.denial: 'claim_status != denial'",
        ),
        (lambda r: r.update(denial="claim_status = refusal"), "'refusal' is not a value of 'claim_status'"),
        (lambda r: r.update(others="martians"), "'martians' is not a value of 'actor'"),
        (lambda r: r.pop("who"), "[taxonomy].report.who is None"),
    ],
)
def test_bad_report_groups_are_one_line_with_their_location(config, change, message):
    raw = json.loads(json.dumps(config_to_dict(config)))
    change(raw["taxonomy"]["report"])
    with pytest.raises(ConfigError) as error:
        config_from_dict(raw)
    assert message in str(error.value) and "\n" not in str(error.value)
