"""The Label Studio labelling interface, generated from the taxonomy."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from newstag.taxonomy import Taxonomy

CONTEXT_STYLE = "color: #666; font-size: 90%; padding: 4px 0"
SENTENCE_STYLE = "font-size: 120%; padding: 8px; background: #fffbe6; border-left: 4px solid #f5a623"


def render_label_config(taxonomy: Taxonomy) -> str:
    """The <View> annotators see: title, context, the sentence, and one Choices per group."""
    view = ET.Element("View")
    ET.SubElement(view, "Header", value="$title", size="5")
    _text(view, "context_before", CONTEXT_STYLE)
    _text(view, "text", SENTENCE_STYLE)
    _text(view, "context_after", CONTEXT_STYLE)
    for group in taxonomy.groups:
        ET.SubElement(view, "Header", value=group.question, size="6")
        choices = ET.SubElement(
            view,
            "Choices",
            name=group.name,
            toName="text",
            choice="multiple" if group.multiple else "single-radio",
            showInline="true",
            required="true",
        )
        for value in group.values:
            ET.SubElement(choices, "Choice", value=value.name, hint=value.description)
    ET.indent(view, space="  ")
    return ET.tostring(view, encoding="unicode") + "\n"


def _text(view: ET.Element, name: str, style: str) -> None:
    box = ET.SubElement(view, "View", style=style)
    ET.SubElement(box, "Text", name=name, value=f"${name}")
