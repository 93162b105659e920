"""Who reports, not who is responsible (model/sources.py): outlets, monitors and those told."""

import pytest

from newstag.model.sources import reported_by, source_flags


def _reported(text: str, mention: str) -> bool:
    start = text.index(mention)
    return reported_by(text, start, start + len(mention))


@pytest.mark.parametrize(
    ("text", "mention"),
    [
        ("The moment of the attack was captured by an Al Jazeera crew.", "Al Jazeera"),
        ("A doctor told Reuters that jets struck the clinic.", "Reuters"),
        ("Human Rights Watch said the market was shelled.", "Human Rights Watch"),
        ("The Syrian Observatory for Human Rights reported 12 dead.", "Observatory for Human Rights"),
        ("A BBC correspondent saw the crater.", "BBC"),
    ],
)
def test_a_source_of_the_report_is_not_a_party(text, mention):
    assert _reported(text, mention)


@pytest.mark.parametrize(
    ("text", "mention"),
    [
        ("The clinic was hit by Russian jets, Al Jazeera reported.", "Russian"),
        ("According to the ministry, there are no hospitals in the town.", "ministry"),
        ("Russia accused the White Helmets of staging the attack.", "White Helmets"),
        ("The Syrian Arab News Agency denied the strike.", "Syrian Arab News Agency"),
        ("The Rapid Support Forces shelled the hospital.", "Rapid Support Forces"),
    ],
)
def test_a_party_or_a_cited_denier_is_not_a_source(text, mention):
    assert not _reported(text, mention)


def test_the_flags_say_where_a_word_stands():
    text = "According to AFP, they told the BBC crew"
    assert source_flags(text, 13, 16) == (True, False, True, False)
    assert source_flags(text, 32, 35) == (True, True, False, True)
