import pytest

from newstag.errors import ConfigError
from newstag.taxonomy import parse_rule


def test_valid_labels_have_no_violations(taxonomy):
    labels = {
        "attack_type": ["air_strike", "shelling_missile"],
        "actor": ["russia"],
        "claim_status": ["claim"],
    }
    assert taxonomy.violations(labels) == []


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        (
            {"attack_type": ["none", "air_strike"], "actor": ["russia"], "claim_status": ["claim"]},
            "'none' cannot",
        ),
        (
            {"attack_type": ["air_strike"], "actor": ["unidentified", "russia"], "claim_status": ["claim"]},
            "unidentified",
        ),
        (
            {"attack_type": ["air_strike"], "actor": ["russia"], "claim_status": ["claim", "denial"]},
            "takes one value",
        ),
        ({"attack_type": ["laser"], "actor": ["russia"], "claim_status": ["claim"]}, "['laser'] not among"),
        ({"attack_type": [], "actor": ["russia"], "claim_status": ["claim"]}, "no value chosen"),
        ({"attack_type": ["none"], "actor": ["none"], "claim_status": ["denial"]}, "denial -> actor != none"),
        (
            {"attack_type": ["none"], "actor": ["none"], "claim_status": ["claim"]},
            "none -> claim_status != claim",
        ),
        (
            {"attack_type": ["none"], "actor": ["russia"], "claim_status": ["none"]},
            "attack_type = none -> actor = none",
        ),
        (
            {"attack_type": ["air_strike"], "actor": ["none"], "claim_status": ["none"]},
            "actor = none -> attack_type",
        ),
        (
            {"attack_type": ["air_strike"], "actor": ["russia"], "claim_status": ["claim"], "mood": ["x"]},
            "unknown",
        ),
    ],
)
def test_each_broken_rule_is_reported(taxonomy, labels, expected):
    assert any(expected in problem for problem in taxonomy.violations(labels))


def test_two_way_rule_gives_two_rules():
    rules = parse_rule("attack_type = none <-> actor = none")
    assert [str(r) for r in rules] == [
        "attack_type = none -> actor = none",
        "actor = none -> attack_type = none",
    ]


@pytest.mark.parametrize(
    "text", ["attack_type = none", "a != x -> b = y", "a = x <-> b != y", "a = x -> -> b"]
)
def test_malformed_rules_are_config_errors(text):
    with pytest.raises(ConfigError):
        parse_rule(text)


RUSSIA = {"attack_type": ["air_strike"], "actor": ["russia"], "claim_status": ["claim"]}


@pytest.mark.parametrize("actor", ["none", "unidentified"])
def test_a_responsible_span_needs_a_named_actor(taxonomy, actor):
    labels = {**RUSSIA, "actor": [actor]} if actor == "unidentified" else {g: ["none"] for g in RUSSIA}
    assert taxonomy.violations(labels, {"responsible": 0}) == []
    assert taxonomy.violations(labels, {"responsible": 2}) == [
        "breaks rule 'a responsible span stands only where actor is not none or unidentified' "
        f"(2 span(s), actor {actor})"
    ]
    assert taxonomy.violations(RUSSIA, {"responsible": 2}) == []
    assert taxonomy.violations(RUSSIA, {"blamed": 1}) == ["unknown span group 'blamed'"]
