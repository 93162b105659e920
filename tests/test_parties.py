"""Canonical parties: the alias table (config) and string similarity (model/parties.py)."""

import pytest

from newstag.config import config_from_dict, config_to_dict
from newstag.errors import ConfigError
from newstag.model.parties import PartyNames, alias_words, plain_name


@pytest.fixture
def names(config):
    return PartyNames(config.parties)


@pytest.mark.parametrize(
    ("mention", "party", "actor"),
    [
        ("Rapid Support Forces", "Rapid Support Forces", None),
        ("RSF", "Rapid Support Forces", None),
        ("Moscow", "Russia", "russia"),
        ("Russian", "Russia", "russia"),
        ("Russia's", "Russia", "russia"),
        ("Syrian government forces", "Syrian government", "syrian_government"),
        # the longest alias wins: "Syrian" alone is the government
        ("Syrian Democratic Forces", "Kurdish forces", "kurdish_forces"),
        ("anti-Assad rebel groups", "Syrian opposition", "opposition"),
        ("Saudi-led coalition", "Saudi-led coalition", None),
        ("IS", "Islamic State", "isis"),
        ("Israeli strikes", "Israel", None),
    ],
)
def test_known_mentions_name_their_party(names, mention, party, actor):
    assert names.resolve(mention) == (party, actor)


def test_an_alias_in_capitals_is_not_a_word_in_lower_case(names):
    assert names.resolve("is")[0] != "Islamic State"


def test_a_spelling_close_to_an_alias_names_its_party(names):
    assert names.resolve("Rapid Support Force") == ("Rapid Support Forces", None)


def test_an_unknown_party_is_named_by_its_words_and_matched_again_in_the_article(names, config):
    assert names.resolve("the Allied Democratic Forces") == ("Allied Democratic Forces", None)
    assert names.resolve("Allied Democratic Force")[0] == "Allied Democratic Forces"
    assert names.resolve("ADF")[0] == "Allied Democratic Forces"
    assert PartyNames(config.parties).resolve("ADF")[0] == "ADF", "another article has not seen it"


def test_plain_name_drops_the_article_and_the_possessive():
    assert plain_name("the M23 rebels’") == "M23 rebels"
    assert plain_name("Assad's") == "Assad"


def test_alias_words_are_lower_case_words_with_their_actor(config):
    words = dict(alias_words(config.parties))
    assert words["moscow"] == "russia" and words["rsf"] == ""


def _with_parties(config, parties):
    raw = config_to_dict(config)
    raw["parties"] = parties
    return raw


def test_the_table_reads_back_and_a_config_may_bring_its_own(config):
    assert config_from_dict(config_to_dict(config)).parties == config.parties
    own = [{"name": "M23", "aliases": ["M23", "March 23 Movement"]}]
    assert config_from_dict(_with_parties(config, own)).parties[0].aliases == ("M23", "March 23 Movement")
    without = config_to_dict(config)
    del without["parties"]
    assert config_from_dict(without).parties == (), "no table: names come from string similarity alone"


@pytest.mark.parametrize(
    ("parties", "fragment"),
    [
        ([{"name": "A", "aliases": ["RSF"]}, {"name": "B", "aliases": ["rsf"]}], "already an alias of 'A'"),
        ([{"name": "A", "aliases": ["X"], "actor": "martians"}], "named actor values"),
        ([{"name": "A", "aliases": ["X"], "actor": "unidentified"}], "named actor values"),
        ([{"name": "A", "aliases": "X"}], "aliases"),
        ([{"name": "A", "aliases": ["X"], "colour": "red"}], "unknown key"),
        ([{"name": "A", "aliases": ["X"]}, {"name": "A", "aliases": ["Y"]}], "used twice"),
    ],
)
def test_a_broken_table_is_refused_in_one_line(config, parties, fragment):
    with pytest.raises(ConfigError, match=fragment):
        config_from_dict(_with_parties(config, parties))


@pytest.mark.parametrize(
    ("mention", "actors", "party"),
    [
        ("regime", ["syrian_government"], "Syrian government"),
        ("the ministry", ["russia"], "Russia"),
        ("government forces", ["syrian_government"], "Syrian government"),
        # several actor values: the party whose aliases hold the mention's words
        ("rebels", ["opposition", "syrian_government"], "Syrian opposition"),
        ("regime forces", ["syrian_government", "russia"], "Syrian government"),
    ],
)
def test_a_common_noun_mention_names_the_party_of_the_sentence_actor(names, mention, actors, party):
    assert names.resolve(mention, actors)[0] == party


def test_a_common_noun_mention_without_an_actor_party_stays_its_own_words(names):
    assert names.resolve("regime")[0] == "regime"
    assert names.resolve("regime", ["other_actor"])[0] == "regime"


def test_a_common_noun_mention_names_the_party_named_last_with_its_words(names):
    assert names.resolve("the Saudi-led coalition", ["other_actor"])[0] == "Saudi-led coalition"
    assert names.resolve("the RSF fighters", ["other_actor"])[0] == "Rapid Support Forces"
    assert names.resolve("coalition", ["other_actor"])[0] == "Saudi-led coalition"
    assert names.resolve("coalition forces", ["other_actor"])[0] == "Saudi-led coalition"
    assert names.resolve("the fighters", ["other_actor"])[0] == "Rapid Support Forces"
    # "forces" is any party's head: "government forces" is not the RSF
    assert names.resolve("government forces", ["other_actor"])[0] != "Rapid Support Forces"


def test_a_common_noun_mention_in_another_article_has_no_earlier_party(config):
    assert PartyNames(config.parties).resolve("coalition", ["other_actor"])[0] == "coalition"


def test_a_long_alias_in_capitals_matches_in_any_case(names):
    assert names.resolve("Isis militants")[0] == "Islamic State"
    assert names.resolve("is")[0] != "Islamic State"


def test_a_head_noun_capitalised_at_the_start_of_a_sentence_is_a_common_noun(names):
    assert names.resolve("Regime forces", ["syrian_government"])[0] == "Syrian government"
    assert names.resolve("Rebel fighters", ["opposition"])[0] == "Syrian opposition"
