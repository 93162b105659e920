"""The label taxonomy: groups, their values, and the consistency rules between them."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import cached_property

from newstag.errors import ConfigError

Labels = Mapping[str, Collection[str]]
"""One sentence's labels: group name -> the values chosen (one for a single-choice group)."""

SpanCounts = Mapping[str, int]
"""How many spans of each span group one sentence holds: span group name -> count."""


@dataclass(frozen=True)
class LabelValue:
    name: str
    description: str
    cues: tuple[str, ...] = ()


@dataclass(frozen=True)
class LabelGroup:
    name: str
    question: str
    multiple: bool
    values: tuple[LabelValue, ...]
    exclusive: tuple[str, ...] = ()

    @cached_property
    def value_names(self) -> list[str]:
        return [value.name for value in self.values]

    def violations(self, chosen: list[str]) -> list[str]:
        """Every way the values `chosen` break this group's own rules; empty when valid."""
        unknown = [value for value in chosen if value not in self.value_names]
        if unknown:
            return [f"{self.name}: {unknown} not among {self.value_names}"]
        if not chosen:
            return [f"{self.name}: no value chosen"]
        if not self.multiple and len(chosen) > 1:
            return [f"{self.name}: takes one value, got {chosen}"]
        clashes = [value for value in self.exclusive if value in chosen and len(chosen) > 1]
        return [f"{self.name}: {value!r} cannot stand with {chosen}" for value in clashes]


@dataclass(frozen=True)
class Rule:
    """When group `if_group` has `if_value`, group `then_group` must (not) have `then_value`."""

    if_group: str
    if_value: str
    then_group: str
    then_value: str
    then_present: bool

    def holds(self, labels: Labels) -> bool:
        if self.if_value not in labels.get(self.if_group, ()):
            return True
        return (self.then_value in labels.get(self.then_group, ())) == self.then_present

    def __str__(self) -> str:
        relation = "=" if self.then_present else "!="
        return f"{self.if_group} = {self.if_value} -> {self.then_group} {relation} {self.then_value}"


@dataclass(frozen=True)
class SpanGroup:
    """Words annotators mark in the sentence (a Label Studio `Labels` control), such as each
    mention of a party that `group` holds responsible. Its consistency rule: a span stands
    only in a sentence whose `group` holds none of `not_with` (a named value)."""

    name: str
    question: str
    description: str
    group: str
    not_with: tuple[str, ...] = ()

    def holds(self, labels: Labels, spans: int) -> bool:
        return not spans or not set(self.not_with) & set(labels.get(self.group, ()))

    def __str__(self) -> str:
        return f"a {self.name} span stands only where {self.group} is not {' or '.join(self.not_with)}"


@dataclass(frozen=True)
class ReportGroups:
    """Which groups the analyst's report crosses: `who` is held responsible (the rows, split by
    the parties its span groups name; `others` is its value for every party it does not name),
    `how` (the columns), and the value of group `stance` that marks a denial."""

    who: str
    how: str
    stance: str
    denial: str
    others: str | None = None

    def __str__(self) -> str:
        return f"who = {self.who}, how = {self.how}, denial = {self.stance} = {self.denial}"


_CONDITION = re.compile(r"^\s*(\w+)\s*(=|!=)\s*(\w+)\s*$")


def parse_condition(text: str) -> tuple[str, str]:
    """Parse "group = value"."""
    condition = _CONDITION.match(text)
    if not condition or condition[2] != "=":
        raise ConfigError(f"{text!r} is not of the form 'group = value'")
    return condition[1], condition[3]


def parse_rule(text: str) -> list[Rule]:
    """Parse "A = x -> B != y" (one rule) or "A = x <-> B = y" (two rules)."""
    arrow = "<->" if "<->" in text else "->"
    parts = text.split(arrow)
    conditions = [_CONDITION.match(part) for part in parts]
    if len(parts) != 2 or not all(conditions):
        raise ConfigError(f"rule {text!r} is not of the form 'group = value -> group != value' (or '<->')")
    (g1, op1, v1), (g2, op2, v2) = (c.groups() for c in conditions)
    if op1 != "=":
        raise ConfigError(f"rule {text!r}: the condition before the arrow must use '='")
    rules = [Rule(g1, v1, g2, v2, op2 == "=")]
    if arrow == "<->":
        if op2 != "=":
            raise ConfigError(f"rule {text!r}: both sides of '<->' must use '='")
        rules.append(Rule(g2, v2, g1, v1, True))
    return rules


@dataclass(frozen=True)
class Taxonomy:
    groups: tuple[LabelGroup, ...]
    rules: tuple[Rule, ...] = ()
    name: str = ""
    version: str = ""
    spans: tuple[SpanGroup, ...] = ()
    report: ReportGroups | None = None

    def __post_init__(self) -> None:
        for rule in self.rules:
            for group, value in ((rule.if_group, rule.if_value), (rule.then_group, rule.then_value)):
                if value not in self.group(group).value_names:
                    raise ConfigError(f"rule '{rule}' names {group}={value}, not in the taxonomy")
        for group in self.groups:
            unknown = set(group.exclusive) - set(group.value_names)
            if unknown:
                raise ConfigError(f"group {group.name!r}: exclusive values {sorted(unknown)} unknown")
        for spans in self.spans:
            if spans.name in self.group_names:
                raise ConfigError(f"span group {spans.name!r} has the name of a label group; rename it")
            unknown = set(spans.not_with) - set(self.group(spans.group).value_names)
            if unknown:
                raise ConfigError(f"span group {spans.name!r}: not_with values {sorted(unknown)} unknown")
        if self.report:
            self._check_report(self.report)

    def _check_report(self, report: ReportGroups) -> None:
        self.group(report.how), self.group(report.who)
        for group, value in ((report.stance, report.denial), (report.who, report.others)):
            if value is not None and value not in self.group(group).value_names:
                raise ConfigError(f"report groups: {value!r} is not a value of {group!r}")

    @cached_property
    def group_names(self) -> list[str]:
        return [group.name for group in self.groups]

    def group(self, name: str) -> LabelGroup:
        for group in self.groups:
            if group.name == name:
                return group
        raise ConfigError(f"no label group {name!r}; the taxonomy has {self.group_names}")

    @cached_property
    def span_names(self) -> list[str]:
        return [spans.name for spans in self.spans]

    def violations(self, labels: Labels, spans: SpanCounts | None = None) -> list[str]:
        """Every way `labels` (and the sentence's number of `spans` per span group) break the
        taxonomy, as readable sentences; empty when valid."""
        problems = [f"unknown label group {name!r}" for name in labels if name not in self.group_names]
        for group in self.groups:
            problems += group.violations(list(labels.get(group.name, ())))
        problems += [f"breaks rule '{rule}'" for rule in self.rules if not rule.holds(labels)]
        spans = spans or {}
        problems += [f"unknown span group {name!r}" for name in spans if name not in self.span_names]
        problems += [
            f"breaks rule '{span_group}' ({spans[span_group.name]} span(s), {span_group.group} "
            f"{'|'.join(labels.get(span_group.group, ()))})"
            for span_group in self.spans
            if not span_group.holds(labels, spans.get(span_group.name, 0))
        ]
        return problems
