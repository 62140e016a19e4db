"""CACHE helper: pickled values by key in a sqlite file, shared by the stages that cache.

A damaged file is replaced, never trusted (whether found so when opened or when read);
an entry that does not unpickle to the expected type (a stale pickle of another blogkit
version) counts as a miss. Keys are digests of everything a value is a function of, so
entries never need invalidating.

Cache files are never synced to disk (`PRAGMA synchronous=OFF`): every entry can be
made again, and waiting for the disk took about half a second of a cold build (the
bodies and posts caches are tens of MB). What that risks, a file damaged by an operating
system crash, is what the replacing above is for.
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
        self.path, self.table, self.kind = path, table, kind
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = self._open()
        except sqlite3.DatabaseError as exc:
            if not is_damage(exc):
                raise
            remove_cache_file(path)
            self.db = self._open()

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30)
        try:
            db.execute("PRAGMA synchronous=OFF")
            db.execute(f"CREATE TABLE IF NOT EXISTS {self.table} "
                       "(key TEXT PRIMARY KEY, value BLOB)")
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    def _start_over(self) -> None:
        """Replace the file, found damaged while in use, with an empty one."""
        self.db.close()
        remove_cache_file(self.path)
        self.db = self._open()

    def __enter__(self) -> PickleStore[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.db.close()

    def get_many(self, keys: Mapping[str, str]) -> dict[str, T]:
        """The values found for {name: key}, by name."""
        by_key = {key: name for name, key in keys.items()}
        found: dict[str, T] = {}
        items = list(by_key)
        try:
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
        except sqlite3.DatabaseError as exc:
            if not is_damage(exc):
                raise
            self._start_over()
            return {}  # what was read of a damaged file is not trusted either
        return found

    def put_many(self, values: Mapping[str, T]) -> None:
        """Store {key: value} in one transaction."""
        self.put_pickled({key: pickle.dumps(value, protocol=PICKLE_PROTOCOL)
                          for key, value in values.items()})

    def put_pickled(self, blobs: Mapping[str, bytes]) -> None:
        """Store {key: value already pickled with PICKLE_PROTOCOL} in one transaction."""
        if not blobs:
            return
        rows = list(blobs.items())
        try:
            self._insert(rows)
        except sqlite3.DatabaseError as exc:
            if not is_damage(exc):
                raise
            self._start_over()
            self._insert(rows)

    def _insert(self, rows: list[tuple[str, bytes]]) -> None:
        with self.db:
            self.db.executemany(
                f"INSERT OR REPLACE INTO {self.table} (key, value) VALUES (?, ?)", rows)


def is_damage(exc: sqlite3.DatabaseError) -> bool:
    """Whether `exc` says the file is damaged (not a database, a malformed page), as
    opposed to a full disk or a file another build holds locked."""
    return not isinstance(exc, sqlite3.OperationalError)


def remove_cache_file(path: Path) -> None:
    """Delete a damaged cache file, with the journals sqlite might apply to its successor."""
    for stale in (path, path.with_name(path.name + "-journal"),
                  path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)
