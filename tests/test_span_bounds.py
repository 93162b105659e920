"""Where a found span begins and ends (model/span_bounds.py): its name and head noun, no verb."""

import pytest

from newstag.annotate.spans import token_offsets
from newstag.model.span_bounds import completed

ALIASES = {"houthi", "sudanese", "assad", "russian", "rsf"}


def _complete(text: str, found: str) -> str:
    words = token_offsets(text)
    start = text.index(found)
    run = [i for i, (s, e) in enumerate(words) if start <= s and e <= start + len(found)]
    run = completed(text, words, run, ALIASES)
    return text[words[run[0]][0] : words[run[-1]][1]]


@pytest.mark.parametrize(
    ("text", "found", "span"),
    [
        ("Yesterday Houthi rebels shelled the clinic.", "Houthi", "Houthi rebels"),
        ("The Sudanese army bombed the market.", "army", "Sudanese army"),
        ("The clinic was hit by Assad's forces on Monday.", "forces", "Assad's forces"),
        (
            "Activists said Syrian government forces shelled it.",
            "government forces",
            "Syrian government forces",
        ),
        ("Troops supporting the junta burned the village.", "Troops supporting", "Troops"),
        ("Russian warplanes struck the hospital.", "Russian", "Russian"),
        ("It was shelled by RSF, witnesses said.", "RSF", "RSF"),
        # a capitalised first word of the sentence is no name unless the table has it
        ("Army units shelled the town.", "Army", "Army"),
        ("Witnesses blamed the army, which denied it.", "army", "army"),
    ],
)
def test_a_run_takes_its_name_and_head_noun_and_no_verb(text, found, span):
    assert _complete(text, found) == span


@pytest.mark.parametrize(
    ("text", "found", "span"),
    [
        ("Shelling by the Rapid Support Forces hit the camp.", "Forces", "Rapid Support Forces"),
        ("Fighters of Jaysh al-Islam fired mortars.", "al-Islam", "Jaysh al-Islam"),
        ("The Tigray People's Liberation Front denied it.", "People", "Tigray People's Liberation Front"),
        ("The strike was blamed on Bashar al Assad by activists.", "Bashar", "Bashar al Assad"),
        ("The Saudi-led coalition denied it.", "Saudi-led", "Saudi-led coalition"),
        ("Witnesses said security forces opened fire.", "forces", "security forces"),
        ("Activists blamed government forces for the attack.", "government", "government forces"),
        ("The strike was blamed on Assad's forces.", "Assad", "Assad's forces"),
        # a headline's capitals are no name of several words
        ("Russian Jets Bomb Syrian Hospital In Idlib", "Russian", "Russian"),
    ],
)
def test_a_run_takes_the_whole_name_and_its_modifier(text, found, span):
    assert _complete(text, found) == span
