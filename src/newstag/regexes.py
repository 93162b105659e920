"""Regular expressions that users write (the config's boilerplate and timestamp rules, which
a model's meta.json carries too): compiled by the `regex` module and run with a time limit.
A pattern that backtracks catastrophically (`^(a|aa)+$` on a long line of a's) then ends the
run in one line naming it, instead of hanging `export` or `tag`. The patterns newstag builds
itself (from escaped cue words) cannot backtrack that way, and stay with `re`."""

from __future__ import annotations

import regex

from newstag.errors import ConfigError

SEARCH_SECONDS = 1.0
"""Far above what any sane rule takes on a capped sentence (microseconds)."""


class UserPattern:
    """A compiled user pattern whose `search` gives up after SEARCH_SECONDS."""

    def __init__(self, pattern: str, where: str):
        self.pattern, self.where = pattern, where
        try:
            self._compiled = regex.compile(pattern)
        except (regex.error, ValueError, OverflowError) as error:
            raise ConfigError(
                f"{where} = {pattern!r} is not a valid regular expression ({error}); fix or remove it"
            ) from None

    def search(self, text: str):
        try:
            return self._compiled.search(text, timeout=SEARCH_SECONDS)
        except TimeoutError:
            raise ConfigError(
                f"{self.where} = {self.pattern!r} ran over {SEARCH_SECONDS:g} s on a sentence of "
                f"{len(text)} characters: it backtracks catastrophically; rewrite it without nested "
                f"repetition such as (a|aa)+ or (a+)+, or remove it"
            ) from None
