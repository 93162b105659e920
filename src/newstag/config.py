"""One typed configuration, read from TOML and passed in explicitly (never loaded at import).

The dataclasses' defaults are the shipped configs/default.toml (a test compares them), and a
model keeps its resolved config, `config_to_dict`, in its meta.json.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import tomllib

from newstag.errors import ConfigError
from newstag.taxonomy import (
    LabelGroup,
    LabelValue,
    ReportGroups,
    SpanGroup,
    Taxonomy,
    parse_condition,
    parse_rule,
)

DEFAULT_CONFIG = Path("configs/default.toml")


@dataclass(frozen=True)
class SentenceConfig:
    """Lines (or split sentences) matching these regexes are dropped, with the reason given."""

    boilerplate: tuple[str, ...] = (
        r"^View full page\b",
        r"^Set as default press image$",
        r"^Popular Articles$",
        r"^Your browser doesn.t support",
        r"^Watch video report\b.*:$",
        r"^Live Updates:",
        r"^\[(Photo|Image)\b[^\]]*\]$",
        r"^\|",
    )
    timestamps: tuple[str, ...] = (
        r"^[A-Z][a-z]+\.? \d{1,2}, \d{4}( \d{1,2}:\d{2})?( \([A-Z]+\))?$",
        r"^([^:]{1,40}: )?\d{1,2} \w+ \d{4},? \d{1,2}:\d{2}$",
    )


@dataclass(frozen=True)
class ModelConfig:
    name: str = "default"
    features: str = "embeddings+tfidf+cues+patterns"
    agents: str = "actor"
    C: float = 4.0
    threshold: float = 0.35
    random_state: int = 0
    encoder_precision: str = "fp32"


@dataclass(frozen=True)
class StudioConfig:
    host: str = "127.0.0.1"
    port: int = 8080
    label_studio_version: str = "1.23.2"
    home: str = ".studio"

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


@dataclass(frozen=True)
class Party:
    """A canonical party of the alias table (`[[parties]]`): the mentions that name it, and the
    actor value it is, or "" when the taxonomy has none for it."""

    name: str
    aliases: tuple[str, ...]
    actor: str = ""


@dataclass(frozen=True)
class Config:
    taxonomy: Taxonomy
    sentences: SentenceConfig = field(default_factory=SentenceConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    studio: StudioConfig = field(default_factory=StudioConfig)
    parties: tuple[Party, ...] = ()
    """The alias table (`[[parties]]`; configs/default.toml ships one); empty: spans are named
    by string similarity alone."""


MAX_CONFIG_BYTES = 2**20


def load_config(path: Path | str = DEFAULT_CONFIG) -> Config:
    from newstag.files import read_text_limited

    path = Path(path)
    if not path.exists():
        raise ConfigError(f"config file {path} not found; pass --config PATH")
    text = read_text_limited(
        path, MAX_CONFIG_BYTES, "pass --config PATH of a TOML config", ConfigError, "TOML"
    )
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"config file {path} is not valid TOML: {error}") from None
    return config_from_dict(raw, source=str(path))


def config_from_dict(raw: dict[str, Any], source: str = "config") -> Config:
    _reject_unknown(raw, {"taxonomy", "sentences", "model", "studio", "parties"}, source)
    if "taxonomy" not in raw:
        raise ConfigError(f"{source}: missing the [taxonomy] section")
    taxonomy = _taxonomy(raw["taxonomy"], f"{source}: [taxonomy]")
    parties = _party_table(raw["parties"], f"{source}: [[parties]]", taxonomy) if "parties" in raw else ()
    return Config(
        taxonomy=taxonomy,
        sentences=_section(SentenceConfig, raw.get("sentences", {}), f"{source}: [sentences]"),
        model=_section(ModelConfig, raw.get("model", {}), f"{source}: [model]"),
        studio=_section(StudioConfig, raw.get("studio", {}), f"{source}: [studio]"),
        parties=parties,
    )


def config_to_dict(config: Config) -> dict[str, Any]:
    """The resolved config, defaults filled in, as `config_from_dict` reads it back."""
    sections = {name: asdict(getattr(config, name)) for name in ("sentences", "model", "studio")}
    plain = {
        name: {k: list(v) if isinstance(v, tuple) else v for k, v in s.items()}
        for name, s in sections.items()
    }
    parties = [{**asdict(party), "aliases": list(party.aliases)} for party in config.parties]
    return {"taxonomy": _taxonomy_dict(config.taxonomy), **plain, "parties": parties}


def _party_table(raw, where: str, taxonomy: Taxonomy) -> tuple[Party, ...]:
    """The alias table: each party named once, each alias (ignoring case) in one party only,
    each actor a named value of the group the span groups explain."""
    _require(raw, list, where, "a list of [[parties]] tables")
    named = {v for spans in taxonomy.spans for v in taxonomy.group(spans.group).value_names} - {
        v for spans in taxonomy.spans for v in spans.not_with
    }
    parties, owner = [], {}
    for i, row in enumerate(raw):
        at = f"{where}[{i}]"
        _require(row, dict, at, "a table with name, aliases and actor")
        _reject_unknown(row, {"name", "aliases", "actor"}, at)
        _require(row.get("name"), str, f"{at}.name", "the party's name (a string)")
        _require(row.get("aliases"), list, f"{at}.aliases", "a list of the words that name it")
        for j, alias in enumerate(row["aliases"]):
            _require(alias, str, f"{at}.aliases[{j}]", "a string")
            if alias.strip().lower() in owner:
                raise ConfigError(
                    f"{at}.aliases[{j}]: {alias!r} is already an alias of {owner[alias.strip().lower()]!r}; "
                    f"give each alias one party"
                )
            owner[alias.strip().lower()] = row["name"]
        actor = row.get("actor", "")
        _require(actor, str, f"{at}.actor", 'an actor value (a string), or "" for none')
        if actor and actor not in named:
            raise ConfigError(
                f"{at}.actor is {actor!r}; expected one of the named actor values {sorted(named)}"
            )
        parties.append(Party(row["name"], tuple(row["aliases"]), actor))
    _refuse_repeated([party.name for party in parties], where, "party")
    return tuple(parties)


def _section(kind: type, values: dict[str, Any], where: str):
    _require(values, dict, where, "a table")
    _reject_unknown(values, {f.name for f in fields(kind)}, where)
    defaults = asdict(kind())
    for key, value in values.items():
        _check_value(value, defaults[key], f"{where}.{key}")
    converted = {key: tuple(v) if isinstance(v, list) else v for key, v in values.items()}
    for key, (low, high, expected) in RANGES.get(kind.__name__, {}).items():
        if key in converted and not low < converted[key] < high:
            raise ConfigError(f"{where}.{key} is {converted[key]!r}; expected {expected}")
    for key, allowed in CHOICES.get(kind.__name__, {}).items():
        if key in converted and converted[key] not in allowed:
            raise ConfigError(f"{where}.{key} is {converted[key]!r}; expected one of {list(allowed)}")
    return kind(**converted)


CHOICES = {"ModelConfig": {"encoder_precision": ("int8", "fp32")}}
RANGES = {
    "ModelConfig": {
        "C": (0, float("inf"), "a number above 0"),
        "threshold": (0, 1, "a number between 0 and 1"),
    },
    "StudioConfig": {"port": (0, 65536, "a port number, 1 to 65535")},
}


def _check_value(value, default, where: str) -> None:
    """A value has its default's type (an int is a float too); a list of regexes compiles."""
    if isinstance(default, tuple):
        from newstag.regexes import UserPattern  # imported only where a config has patterns

        _require(value, list, where, "a list of regular expressions (strings)")
        for i, pattern in enumerate(value):
            _require(pattern, str, f"{where}[{i}]", "a regular expression (a string)")
            UserPattern(pattern, f"{where}[{i}]")  # compiles it, or one line
    elif isinstance(default, float):
        _require(value, (int, float), where, "a number")
    else:
        _require(value, type(default), where, {int: "an integer", str: "a string"}[type(default)])


def _require(value, kind, where: str, expected: str) -> None:
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise ConfigError(f"{where} is {value!r} ({type(value).__name__}); expected {expected}")


def _taxonomy(raw: dict[str, Any], where: str) -> Taxonomy:
    _require(raw, dict, where, "a table")
    _reject_unknown(raw, {"name", "version", "groups", "rules", "spans", "report"}, where)
    _require(raw.get("groups", []), list, f"{where}.groups", "a list of [[taxonomy.groups]] tables")
    groups = tuple(_group(g, f"{where}.groups[{i}]") for i, g in enumerate(raw.get("groups", [])))
    if not groups:
        raise ConfigError(f"{where}: no label groups defined")
    _refuse_repeated([g.name for g in groups], f"{where}.groups", "group")
    rules_raw = raw.get("rules", {})
    _require(rules_raw, dict, f"{where}.rules", "a table")
    _reject_unknown(rules_raw, {"implications"}, f"{where}.rules")
    _require(rules_raw.get("implications", []), list, f"{where}.rules.implications", "a list of strings")
    for i, text in enumerate(rules_raw.get("implications", [])):
        _require(text, str, f"{where}.rules.implications[{i}]", "a rule (a string)")
    rules = tuple(rule for text in rules_raw.get("implications", []) for rule in parse_rule(text))
    _require(raw.get("spans", []), list, f"{where}.spans", "a list of [[taxonomy.spans]] tables")
    spans = tuple(_span_group(s, f"{where}.spans[{i}]", groups) for i, s in enumerate(raw.get("spans", [])))
    name, version = str(raw.get("name", "")), str(raw.get("version", ""))
    report = _report_groups(raw["report"], f"{where}.report") if "report" in raw else None
    return Taxonomy(groups, rules, name=name, version=version, spans=spans, report=report)


def _report_groups(raw: dict[str, Any], where: str) -> ReportGroups:
    _require(raw, dict, where, "a table with who, how, denial and others")
    _reject_unknown(raw, {"who", "how", "denial", "others"}, where)
    for key in ("who", "how", "denial"):
        _require(raw.get(key), str, f"{where}.{key}", "a string")
    _require(raw.get("others", ""), str, f"{where}.others", "a value name (a string)")
    try:
        stance, denial = parse_condition(raw["denial"])
    except ConfigError as error:
        raise ConfigError(f"{where}.denial: {error}") from None
    return ReportGroups(raw["who"], raw["how"], stance, denial, raw.get("others"))


def _span_group(raw: dict[str, Any], where: str, groups: tuple[LabelGroup, ...]) -> SpanGroup:
    _require(raw, dict, where, "a [[taxonomy.spans]] table")
    _reject_unknown(raw, {"name", "question", "description", "group", "not_with"}, where)
    _require(raw.get("name"), str, f"{where}.name", "the span group's name (a string)")
    for key in ("question", "description"):
        _require(raw.get(key, ""), str, f"{where}.{key}", "a string")
    names = [group.name for group in groups]
    if raw.get("group") not in names:
        raise ConfigError(f"{where}.group is {raw.get('group')!r}; expected one of the label groups {names}")
    _require(raw.get("not_with", []), list, f"{where}.not_with", "a list of value names")
    return SpanGroup(
        name=raw["name"],
        question=raw.get("question", raw["name"]),
        description=raw.get("description", ""),
        group=raw["group"],
        not_with=tuple(raw.get("not_with", ())),
    )


def _refuse_repeated(names: list[str], where: str, kind: str) -> None:
    """Two groups (or values of a group) of one name would be two Label Studio controls that
    write the same field, and one column of the model for both."""
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ConfigError(
            f"{where}: the {kind} name {repeated[0]!r} is used twice; give each {kind} its own name"
        )


def _taxonomy_dict(taxonomy: Taxonomy) -> dict[str, Any]:
    groups = [
        {
            "name": group.name,
            "question": group.question,
            "choice": "multiple" if group.multiple else "single",
            "exclusive": list(group.exclusive),
            "values": [
                {"name": v.name, "description": v.description, "cues": list(v.cues)} for v in group.values
            ],
        }
        for group in taxonomy.groups
    ]
    rules = {"implications": [str(rule) for rule in taxonomy.rules]}
    spans = [{**asdict(spans), "not_with": list(spans.not_with)} for spans in taxonomy.spans]
    report = taxonomy.report
    return {
        "name": taxonomy.name,
        "version": taxonomy.version,
        "groups": groups,
        "rules": rules,
        "spans": spans,
        **({"report": _report_dict(report)} if report else {}),
    }


def _report_dict(report: ReportGroups) -> dict[str, str]:
    plain = {"who": report.who, "how": report.how, "denial": f"{report.stance} = {report.denial}"}
    return plain | ({"others": report.others} if report.others else {})


def _group(raw: dict[str, Any], where: str) -> LabelGroup:
    _require(raw, dict, where, "a [[taxonomy.groups]] table")
    _reject_unknown(raw, {"name", "question", "choice", "exclusive", "values"}, where)
    _require(raw.get("name"), str, f"{where}.name", "the group's name (a string)")
    _require(raw.get("question", ""), str, f"{where}.question", "a string")
    _require(raw.get("values", []), list, f"{where}.values", "a list of [[...values]] tables")
    _require(raw.get("exclusive", []), list, f"{where}.exclusive", "a list of value names")
    if raw.get("choice") not in ("single", "multiple"):
        raise ConfigError(f"{where}: choice must be 'single' or 'multiple', got {raw.get('choice')!r}")
    values = []
    for i, value in enumerate(raw.get("values", [])):
        _require(value, dict, f"{where}.values[{i}]", "a table with name, description, cues")
        _reject_unknown(value, {"name", "description", "cues"}, f"{where}.values[{i}]")
        _require(value.get("name"), str, f"{where}.values[{i}].name", "the value's name (a string)")
        _require(value.get("description", ""), str, f"{where}.values[{i}].description", "a string")
        _require(value.get("cues", []), list, f"{where}.values[{i}].cues", "a list of strings")
        values.append(LabelValue(value["name"], value.get("description", ""), tuple(value.get("cues", ()))))
    _refuse_repeated([v.name for v in values], f"{where}.values", "value")
    return LabelGroup(
        name=raw["name"],
        question=raw.get("question", raw["name"]),
        multiple=raw["choice"] == "multiple",
        values=tuple(values),
        exclusive=tuple(raw.get("exclusive", ())),
    )


def _reject_unknown(values: dict[str, Any], known: set[str], where: str) -> None:
    unknown = sorted(set(values) - known)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {unknown}; known keys are {sorted(known)}")
