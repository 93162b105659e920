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
    minimal = config_from_dict({"taxonomy": resolved["taxonomy"]})
    assert config_to_dict(minimal) == config_to_dict(config), "defaults fill in what is left out"


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
