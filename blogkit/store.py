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
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")
PICKLE_PROTOCOL = pickle.HIGHEST_PROTOCOL
_BATCH = 500


class CacheDb:
    """The connection to one sqlite cache file: never synced, and replaced by an empty
    file whenever it is found damaged (opened, read or written). Shared by every cache."""

    def __init__(self, path: Path, schema: Sequence[str], **connect: Any) -> None:
        """`schema`: the statements that set a connection up (pragmas, CREATE TABLE);
        `connect`: sqlite3.connect's arguments besides the path."""
        self.path, self._schema, self._connect = path, schema, connect
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = self._open()
        except sqlite3.DatabaseError as exc:
            if not is_damage(exc):
                raise
            _remove(path)
            self.db = self._open()

    def _open(self) -> sqlite3.Connection:
        db: sqlite3.Connection = sqlite3.connect(self.path, **self._connect)
        try:
            db.execute("PRAGMA synchronous=OFF")
            for statement in self._schema:
                db.execute(statement)
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    def read(self, query: Callable[[sqlite3.Connection], R], nothing: R) -> R:
        """`query(connection)`; `nothing` if the file is found damaged (what was read of
        it is not trusted either)."""
        try:
            return query(self.db)
        except sqlite3.DatabaseError as exc:
            if not is_damage(exc):
                raise
            self._start_over()
            return nothing

    def write(self, change: Callable[[sqlite3.Connection], None]) -> None:
        """`change(connection)`, into an empty file if this one is found damaged."""
        try:
            change(self.db)
        except sqlite3.DatabaseError as exc:
            if not is_damage(exc):
                raise
            self._start_over()
            change(self.db)

    def close(self) -> None:
        self.db.close()

    def _start_over(self) -> None:
        self.db.close()
        _remove(self.path)
        self.db = self._open()


_DAMAGE_CODES = frozenset({11, 26})
"""SQLITE_CORRUPT and SQLITE_NOTADB: the primary result codes of a damaged file."""


def is_damage(exc: sqlite3.DatabaseError) -> bool:
    """Whether `exc` says the file is damaged (not a database, a malformed page), as
    opposed to a full disk, a file another build holds locked, or a mistake in our SQL
    (which must fail loudly, not cost a cache rebuild)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in _DAMAGE_CODES
    # Python 3.10 gives no result code; it raises damage as a bare DatabaseError.
    return type(exc) is sqlite3.DatabaseError


def _remove(path: Path) -> None:
    """Delete a damaged cache file, with the journals sqlite might apply to its successor."""
    for stale in (path, path.with_name(path.name + "-journal"),
                  path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)


class PickleStore(Generic[T]):
    """Values of one type in one table; use as a context manager."""

    def __init__(self, path: Path, table: str, kind: type[T]) -> None:
        self.table, self.kind = table, kind
        self.db = CacheDb(path, [f"CREATE TABLE IF NOT EXISTS {table} "
                                 "(key TEXT PRIMARY KEY, value BLOB)"], timeout=30)

    def __enter__(self) -> PickleStore[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    def get_many(self, keys: Mapping[str, str]) -> dict[str, T]:
        """The values found for {name: key}, by name."""
        by_key = {key: name for name, key in keys.items()}

        def query(db: sqlite3.Connection) -> dict[str, T]:
            found: dict[str, T] = {}
            for key, blob in self._select(db, "key, value", list(by_key)):
                try:
                    value = pickle.loads(blob)
                except Exception:  # noqa: BLE001 (a stale pickle from another version)
                    continue
                if isinstance(value, self.kind):
                    found[by_key[key]] = value
            return found

        return self.db.read(query, {})

    def known(self, keys: Mapping[str, str]) -> set[str]:
        """The names of {name: key} whose key has a value (not unpickled, nor checked)."""
        by_key = {key: name for name, key in keys.items()}

        def query(db: sqlite3.Connection) -> set[str]:
            return {by_key[key] for (key,) in self._select(db, "key", list(by_key))}

        return self.db.read(query, set())

    def _select(self, db: sqlite3.Connection, columns: str, keys: list[str]
                ) -> Iterator[tuple[Any, ...]]:
        """`columns` of the rows of `keys`, asked for in batches (sqlite limits parameters)."""
        for start in range(0, len(keys), _BATCH):
            batch = keys[start:start + _BATCH]
            marks = ",".join("?" * len(batch))
            yield from db.execute(
                f"SELECT {columns} FROM {self.table} WHERE key IN ({marks})", batch)

    def put_many(self, values: Mapping[str, T]) -> None:
        """Store {key: value} in one transaction."""
        self.put_pickled({key: pickle.dumps(value, protocol=PICKLE_PROTOCOL)
                          for key, value in values.items()})

    def put_pickled(self, blobs: Mapping[str, bytes]) -> None:
        """Store {key: value already pickled with PICKLE_PROTOCOL} in one transaction."""
        if not blobs:
            return
        rows = list(blobs.items())

        def insert(db: sqlite3.Connection) -> None:
            with db:
                db.executemany(
                    f"INSERT OR REPLACE INTO {self.table} (key, value) VALUES (?, ?)", rows)

        self.db.write(insert)
