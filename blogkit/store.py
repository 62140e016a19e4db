"""CACHE helper: pickled values by key in a sqlite file, shared by the stages that cache.

A damaged file is replaced, never trusted; an entry that does not unpickle to the
expected type (a stale pickle of another blogkit version) counts as a miss. Keys are
digests of everything a value is a function of, so entries never need invalidating.
"""

from __future__ import annotations

import pickle
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Generic, TypeVar

T = TypeVar("T")
PICKLE_PROTOCOL = pickle.HIGHEST_PROTOCOL
_BATCH = 500


class PickleStore(Generic[T]):
    """Values of one type in one table; use as a context manager."""

    def __init__(self, path: Path, table: str, kind: type[T]) -> None:
        self.table, self.kind = table, kind
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = self._open(path)
        except sqlite3.DatabaseError:
            path.unlink(missing_ok=True)  # a damaged cache is rebuilt, never trusted
            self.db = self._open(path)

    def _open(self, path: Path) -> sqlite3.Connection:
        db = sqlite3.connect(path, timeout=30)
        db.execute(f"CREATE TABLE IF NOT EXISTS {self.table} (key TEXT PRIMARY KEY, value BLOB)")
        return db

    def __enter__(self) -> PickleStore[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.db.close()

    def get_many(self, keys: Mapping[str, str]) -> dict[str, T]:
        """The values found for {name: key}, by name."""
        by_key = {key: name for name, key in keys.items()}
        found: dict[str, T] = {}
        items = list(by_key)
        for start in range(0, len(items), _BATCH):
            batch = items[start:start + _BATCH]
            marks = ",".join("?" * len(batch))
            rows = self.db.execute(
                f"SELECT key, value FROM {self.table} WHERE key IN ({marks})", batch)
            for key, blob in rows:
                try:
                    value = pickle.loads(blob)
                except Exception:  # noqa: BLE001 (a stale pickle from another version)
                    continue
                if isinstance(value, self.kind):
                    found[by_key[key]] = value
        return found

    def put_many(self, values: Mapping[str, T]) -> None:
        """Store {key: value} in one transaction."""
        self.put_pickled({key: pickle.dumps(value, protocol=PICKLE_PROTOCOL)
                          for key, value in values.items()})

    def put_pickled(self, blobs: Mapping[str, bytes]) -> None:
        """Store {key: value already pickled with PICKLE_PROTOCOL} in one transaction."""
        if not blobs:
            return
        with self.db:
            self.db.executemany(
                f"INSERT OR REPLACE INTO {self.table} (key, value) VALUES (?, ?)",
                list(blobs.items()))
