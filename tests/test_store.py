"""CACHE: a damaged cache file only costs the time to make its entries again."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from blogkit.store import PickleStore

PAGE = 4096  # sqlite's default page size: page 1 holds the schema


def damage_past_the_schema(path: Path) -> None:
    """Overwrite every page but the first: the file opens, its table does not read."""
    data = path.read_bytes()
    assert len(data) > 2 * PAGE
    path.write_bytes(data[:PAGE] + bytes(range(256)) * ((len(data) - PAGE) // 256))


def filled(path: Path) -> dict[str, str]:
    values = {f"key{i}": "value " * 50 + str(i) for i in range(200)}
    with PickleStore(path, "entry", str) as store:
        store.put_many(values)
        assert store.get_many({name: name for name in values}) == values
    return values


def test_a_file_damaged_past_its_schema_reads_as_empty_and_is_replaced(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    values = filled(path)
    damage_past_the_schema(path)
    with pytest.raises(sqlite3.DatabaseError):  # what the store must not let through
        sqlite3.connect(path).execute("SELECT count(*) FROM entry").fetchall()
    with PickleStore(path, "entry", str) as store:
        assert store.get_many({name: name for name in values}) == {}
        store.put_many({"key1": "again"})
        assert store.get_many({"key1": "key1", "key2": "key2"}) == {"key1": "again"}
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


def test_a_file_found_damaged_when_written_is_replaced_and_written(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    filled(path)
    damage_past_the_schema(path)
    with PickleStore(path, "entry", str) as store:
        store.put_many({f"key{i}": "new" for i in range(200)})
        assert store.get_many({"key7": "key7"}) == {"key7": "new"}


def test_a_file_that_is_no_database_is_replaced(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    path.write_bytes(b"not a database" * 1000)
    with PickleStore(path, "entry", str) as store:
        assert store.get_many({"a": "a"}) == {}
        store.put_many({"a": "b"})
        assert store.get_many({"a": "a"}) == {"a": "b"}


def test_a_value_of_another_type_is_a_miss(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    with PickleStore(path, "entry", int) as store:
        store.put_many({"a": 1})
    with PickleStore(path, "entry", str) as store:
        assert store.get_many({"a": "a"}) == {}


@pytest.mark.parametrize("mistake", [
    ("SELECT key FROM entry WHERE key = ?", ()),  # ProgrammingError: a missing binding
    ("INSERT INTO entry (key, value) VALUES (?, ?)", ("key1", b"")),  # IntegrityError
])
def test_a_mistake_in_a_statement_fails_loudly_and_keeps_the_file(
        tmp_path: Path, mistake: tuple[str, tuple[object, ...]]) -> None:
    path = tmp_path / "cache.sqlite"
    values = filled(path)
    statement, arguments = mistake
    with PickleStore(path, "entry", str) as store:
        with pytest.raises(sqlite3.DatabaseError) as raised:
            store.db.read(lambda db: db.execute(statement, arguments).fetchall(), [])
        assert not isinstance(raised.value, sqlite3.OperationalError)
        with pytest.raises(sqlite3.DatabaseError):
            store.db.write(lambda db: db.execute(statement, arguments) and None)
        assert store.get_many({name: name for name in values}) == values
