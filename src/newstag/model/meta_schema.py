"""meta.json is untrusted input: model folders are shared artifacts, and whoever wrote one
may have put anything in it. Every field newstag reads is checked here against its type,
range and length before any reader (`info`, `report`, the model card, the backend) sees it:
a wrong one is one line naming the field. Fields newstag does not read are let through.

Names (the model's, its version, label groups and values) are short and printable; other
text is bounded and holds no control characters (an escape sequence in a name would drive
the terminal `newstag info` prints to); numbers are finite, probabilities within 0..1.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from newstag.errors import ModelError

MAX_NAME = 200
MAX_TEXT = 2000
MAX_ITEMS = 10_000
MAX_COUNT = 10**12

Check = Callable[[object, str], None]


MISSING = object()


class _Invalid(Exception):
    def __init__(self, at: str, value, expected: str):
        super().__init__(at)
        self.at, self.value, self.expected = at, value, expected


def text(limit: int = MAX_TEXT, name: bool = False) -> Check:
    """A string of at most `limit` characters, without control characters (a `name` has no
    line breaks or tabs either, and is not empty)."""
    expected = f"{'a name' if name else 'text'} of at most {limit} characters without control characters"

    def check(value, at: str) -> None:
        if not isinstance(value, str) or len(value) > limit or (name and not value.strip()):
            raise _Invalid(at, value, expected)
        allowed = "" if name else "\n\t"
        if any((ord(c) < 32 and c not in allowed) or 127 <= ord(c) < 160 for c in value):
            raise _Invalid(at, value, expected)

    return check


def number(low: float | None = None, high: float | None = None) -> Check:
    expected = "a number" + (f" from {low:g} to {high:g}" if low is not None and high is not None else "")

    def check(value, at: str) -> None:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise _Invalid(at, value, expected)
        if (low is not None and value < low) or (high is not None and value > high):
            raise _Invalid(at, value, expected)

    return check


def whole(low: int = 0, high: int = MAX_COUNT) -> Check:
    expected = f"a whole number from {low} to {high}"

    def check(value, at: str) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise _Invalid(at, value, expected)

    return check


def optional(inner: Check) -> Check:
    """null, or what `inner` accepts."""

    def check(value, at: str) -> None:
        if value is not None:
            inner(value, at)

    return check


def listing(item: Check, limit: int = MAX_ITEMS) -> Check:
    def check(value, at: str) -> None:
        if not isinstance(value, list) or len(value) > limit:
            raise _Invalid(at, value, f"a list of at most {limit} items")
        for number_, entry in enumerate(value):
            item(entry, f"{at}[{number_}]")

    return check


def mapping(item: Check, limit: int = MAX_ITEMS) -> Check:
    """An object whose keys are names and whose values `item` accepts."""
    key = text(MAX_NAME, name=True)

    def check(value, at: str) -> None:
        if not isinstance(value, dict) or len(value) > limit:
            raise _Invalid(at, value, f"an object of at most {limit} entries")
        for name, entry in value.items():
            key(name, f"{at} key {name[:40]!r}")
            item(entry, f"{at}.{name}")

    return check


def fields(required: dict[str, Check], optional_fields: dict[str, Check] | None = None) -> Check:
    """An object with these fields (others are let through, unread)."""

    def check(value, at: str) -> None:
        if not isinstance(value, dict):
            raise _Invalid(at, value, "an object")
        for name, inner in required.items():
            if name not in value:
                raise _Invalid(f"{at}.{name}".lstrip("."), MISSING, "")
            inner(value[name], f"{at}.{name}".lstrip("."))
        for name, inner in (optional_fields or {}).items():
            if name in value:
                inner(value[name], f"{at}.{name}".lstrip("."))

    return check


NAME = text(MAX_NAME, name=True)
PROBABILITY = number(0.0, 1.0)
VALUE_SCORES = fields(
    {"precision": PROBABILITY, "recall": PROBABILITY, "f1": optional(PROBABILITY), "support": whole()}
)
GROUP_SCORES = fields(
    {"values": mapping(VALUE_SCORES), "macro_f1": PROBABILITY, "micro_f1": PROBABILITY},
    {
        "confusion": listing(listing(whole())),
        "example_f1": PROBABILITY,
        "hamming_loss": PROBABILITY,
    },
)
CALIBRATION_BIN = fields(
    {
        "lower": PROBABILITY,
        "upper": PROBABILITY,
        "count": whole(),
        "mean_predicted": optional(PROBABILITY),
        "observed": optional(PROBABILITY),
    }
)
METRICS = fields(
    {"model": mapping(GROUP_SCORES)},
    {
        "scheme": text(MAX_NAME),
        "articles": whole(),
        "sentences": whole(),
        "majority_baseline": mapping(GROUP_SCORES),
        "cue_baseline": mapping(GROUP_SCORES),
        "calibration": mapping(
            fields({"bins": listing(CALIBRATION_BIN, 1000), "brier": number(0, 1), "ece": number(0, 1)})
        ),
        "values": mapping(listing(NAME)),
    },
)
META = fields(
    {
        "name": NAME,
        "model_version": NAME,
        "trained_at": text(64, name=True),
        "format_version": whole(),
        "model_sha256": text(64, name=True),
        "labels": mapping(listing(NAME, 1000), 100),
        "config": fields({"model": fields({})}),
        "training_data": fields(
            {"sentences": whole(), "articles": whole()},
            {"sha256": optional(text(64, name=True)), "held_out_articles": listing(NAME, 10**6)},
        ),
        "versions": mapping(text(MAX_NAME), 100),
    },
    {
        "metrics": optional(lambda value, at: value == {} or METRICS(value, at)),
        "small_data": listing(text(), 100),
        "graphs_sha256": mapping(text(64, name=True), 10),
        "thresholds": mapping(mapping(PROBABILITY)),
        "baselines": fields({"majority": mapping(listing(NAME))}),
        "spans": mapping(fields({"sentences": whole(), "marked": whole()}), 100),
    },
)


def check_meta(meta, where: str) -> None:
    """Refuse, in one line naming the field, a meta.json that breaks the schema above."""
    try:
        META(meta, "")
    except _Invalid as invalid:
        if invalid.value is MISSING:
            problem = "is missing"
        else:
            shown = repr(invalid.value)
            shown = shown if len(shown) <= 60 else shown[:57] + "..."
            problem = f"is {shown} ({type(invalid.value).__name__}); expected {invalid.expected}"
        raise ModelError(
            f"{where}: {invalid.at or 'the file'} {problem}; the model folder is damaged or was not "
            f"written by newstag train: retrain it, or copy its folder again"
        ) from None
