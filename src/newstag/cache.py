"""A bounded cache that forgets the least recently used entries, safe across threads; and the
folder where newstag keeps what it may recompute (`cache_folder`)."""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterable, Mapping
from pathlib import Path


class LatestCache:
    """At most `size` entries; reading or writing an entry makes it the most recent."""

    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def get_many(self, keys: Iterable[Hashable]) -> dict:
        """The entries of `keys` that are cached."""
        with self._lock:
            found = {}
            for key in keys:
                if key in self._items:
                    self._items.move_to_end(key)
                    found[key] = self._items[key]
            return found

    def put_many(self, entries: Mapping[Hashable, object]) -> None:
        with self._lock:
            for key, value in entries.items():
                self._items[key] = value
                self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


CACHE_VARIABLE = "NEWSTAG_CACHE_DIR"


def cache_folder() -> Path:
    """Where computed data that is costly to recompute is kept between runs: $NEWSTAG_CACHE_DIR,
    else newstag/ in $XDG_CACHE_HOME (~/.cache by default). Deleting it loses nothing."""
    if os.environ.get(CACHE_VARIABLE):
        return Path(os.environ[CACHE_VARIABLE])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "newstag"
