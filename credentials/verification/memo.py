"""A small thread-safe LRU map with expiry, for per-process caches of the public verification endpoints.

Per process on purpose: every entry's key carries what makes it current (a credential's
``status_version``, which every status change bumps in the same transaction as the published lists), so
processes never need to tell each other anything, and a hit costs no network round trip.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any, Generic, TypeVar

V = TypeVar("V")


class Memo(Generic[V]):
    def __init__(self, *, size: int, ttl: float) -> None:
        self._size = size
        self._ttl = ttl
        self._items: OrderedDict[Any, tuple[float, V]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> V | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            expires, value = item
            if expires < time.monotonic():
                del self._items[key]
                return None
            self._items.move_to_end(key)
            return value

    def set(self, key: Any, value: V, *, ttl: float | None = None) -> None:
        expires = time.monotonic() + (self._ttl if ttl is None else min(ttl, self._ttl))
        with self._lock:
            self._items[key] = (expires, value)
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)
