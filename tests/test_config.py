import pytest

from newstag.config import config_from_dict, load_config
from newstag.errors import ConfigError


def test_default_config_holds_the_spec_taxonomy(config):
    assert config.taxonomy.group_names == ["attack_type", "actor", "claim_status"]
    assert config.taxonomy.group("attack_type").multiple
    assert not config.taxonomy.group("claim_status").multiple
    assert "unidentified" in config.taxonomy.group("actor").exclusive
    assert len(config.taxonomy.rules) == 4
    assert config.studio.url == "http://127.0.0.1:8080"


def test_unknown_keys_are_named_with_their_location(config):
    raw = dict(config.raw, model={**config.raw["model"], "learning_rate": 0.1})
    with pytest.raises(ConfigError, match=r"\[model\]: unknown key\(s\) \['learning_rate'\]"):
        config_from_dict(raw)


def test_rule_naming_an_unknown_value_is_rejected(config):
    taxonomy = dict(
        config.raw["taxonomy"], rules={"implications": ["actor = martians -> claim_status = none"]}
    )
    with pytest.raises(ConfigError, match="martians"):
        config_from_dict(dict(config.raw, taxonomy=taxonomy))


def test_missing_and_malformed_files_are_one_line_errors(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[taxonomy\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad)
