import xml.etree.ElementTree as ET

import pytest

from newstag.annotate.labelconfig import render_label_config, with_label_lists
from newstag.errors import ConfigError

from .conftest import ROOT


def test_committed_label_config_matches_the_config(taxonomy):
    committed = (ROOT / "labeling" / "label_config.xml").read_text(encoding="utf-8")
    assert committed == render_label_config(taxonomy), "run: newstag label-config"


def test_committed_guidelines_label_lists_match_the_config(taxonomy):
    committed = (ROOT / "labeling" / "guidelines.md").read_text(encoding="utf-8")
    assert committed == with_label_lists(committed, taxonomy), "run: newstag label-config"


def test_one_choices_per_group_with_the_sentence_and_its_context(taxonomy):
    view = ET.fromstring(render_label_config(taxonomy))
    texts = {t.get("name"): t.get("value") for t in view.iter("Text")}
    assert texts == {"context_before": "$context_before", "text": "$text", "context_after": "$context_after"}
    assert [h.get("value") for h in view.iter("Header")][0] == "$title"
    choices = {c.get("name"): c for c in view.iter("Choices")}
    assert list(choices) == taxonomy.group_names
    assert choices["attack_type"].get("choice") == "multiple"
    assert choices["claim_status"].get("choice") == "single-radio"
    assert [c.get("value") for c in choices["actor"]] == taxonomy.group("actor").value_names


def test_guidelines_without_markers_are_an_error(taxonomy):
    with pytest.raises(ConfigError, match="lack the markers"):
        with_label_lists("# guidelines\n", taxonomy)


def test_a_labels_control_over_the_sentence_for_each_span_group(taxonomy):
    view = ET.fromstring(render_label_config(taxonomy))
    [labels] = view.iter("Labels")
    assert (labels.get("name"), labels.get("toName")) == ("responsible", "text")
    assert [label.get("value") for label in labels] == ["responsible"]
    controls = [c.get("name") for c in view if c.tag in ("Choices", "Labels")]
    assert controls == ["attack_type", "actor", "responsible", "claim_status"], (
        "after the group it depends on"
    )


def test_the_guidelines_span_examples_mark_what_they_list():
    """Each worked example's bold words are exactly its spans column, in order."""
    import re

    text = (ROOT / "labeling" / "guidelines.md").read_text(encoding="utf-8")
    section = text[text.index("## Marking who is responsible") : text.index("## When you are unsure")]
    rows = [line for line in section.splitlines() if line.startswith('| "')]
    assert len(rows) >= 8
    for row in rows:
        sentence, _actor, spans, _why = (cell.strip() for cell in row.strip("|").split(" | "))
        listed = re.findall(r"`([^`]+)`", spans) if spans != "none" else []
        assert re.findall(r"\*\*(.+?)\*\*", sentence) == listed, row
