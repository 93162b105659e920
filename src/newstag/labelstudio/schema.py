"""Pure checks on label configs, predictions and exports: no server, no SDK."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable

from newstag.errors import AnnotationError, LabelStudioError


def choices(label_config: str) -> dict[str, set[str]]:
    """Each Choices group and each Labels span group of a label config with the values
    (choices, span labels) it offers."""
    try:
        root = ET.fromstring(label_config)
    except ET.ParseError as error:
        raise LabelStudioError(f"the label config is not valid XML: {error}") from None
    offered = {
        group.get("name", ""): {choice.get("value", "") for choice in group.iter("Choice")}
        for group in root.iter("Choices")
    }
    spans = {
        group.get("name", ""): {label.get("value", "") for label in group.iter("Label")}
        for group in root.iter("Labels")
    }
    return {**offered, **spans}


def _values(item: dict) -> list:
    """The choices, or the span labels, of one result item."""
    value = item.get("value", {})
    return [*value.get("choices", []), *value.get("labels", [])]


def same_config(left: str, right: str) -> bool:
    """Equal up to whitespace between tags (Label Studio strips the trailing newline)."""
    try:
        return ET.canonicalize(left, strip_text=True) == ET.canonicalize(right, strip_text=True)
    except ET.ParseError:
        return left.strip() == right.strip()


def used_choices(export: Iterable[dict]) -> set[tuple[str, str]]:
    """(group, value) pairs that annotations and drafts in a Label Studio export use."""
    used = set()
    for task in export:
        for annotation in [*task.get("annotations", []), *task.get("drafts", [])]:
            for item in annotation.get("result") or []:
                for value in _values(item):
                    used.add((item.get("from_name", ""), value))
    return used


def orphaned(export: Iterable[dict], label_config: str) -> list[str]:
    """'group=value' labels in use that the new label config no longer offers, sorted."""
    offered = choices(label_config)
    return sorted(
        f"{group}={value}" for group, value in used_choices(export) if value not in offered.get(group, set())
    )


def check_prediction(prediction: dict, offered: dict[str, set[str]], where: str) -> None:
    """A prediction must name a model version and use only groups and values the config has."""
    if not prediction.get("model_version"):
        raise AnnotationError(f"{where}: prediction has no model_version; predict again with a model")
    for item in prediction.get("result", []):
        group = item.get("from_name")
        if group not in offered:
            raise AnnotationError(
                f"{where}: prediction uses group {group!r}, the label config has {sorted(offered)}"
            )
        unknown = set(_values(item)) - offered[group]
        if unknown:
            raise AnnotationError(
                f"{where}: prediction uses {sorted(unknown)} in {group!r}, which the label "
                f"config does not offer; predict again with a model trained on this taxonomy"
            )
