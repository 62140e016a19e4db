"""PARSE helper: TeX -> HTML through KaTeX, with an on-disk formula cache.

Results, errors included, are kept in a sqlite file keyed by everything that decides the
output, so a rebuild that changed no formula never starts Node at all. KaTeX itself runs
in a Node worker (`katex_node`), installed on first use (`katex_install`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType

from .digest import digest
from .katex_install import katex_install_dir, katex_version
from .katex_node import CRASHED, TIMEOUT_PREFIX, Formula, KatexEngine, Rendered
from .store import CacheDb

_CACHE_SCHEMA = "blogkit-tex-2"  # part of every cache key: bump when worker options change
_MATHML_OPEN = '<span class="katex-mathml">'


def mathml_only(result: Rendered) -> Rendered | None:
    """KaTeX's `mathml` output of a formula, taken from its `htmlAndMathml` output.

    htmlAndMathml is `<span class="katex"><span class="katex-mathml"><math>...</math>
    </span><span class="katex-html">...</span></span>` (inside a `katex-display` span for
    display math); `mathml` is `<span class="katex"><math>...</math></span>` for both.
    Errors are the same either way. None if the HTML is not shaped like that.
    """
    if result.error is not None or not result.html:
        return result  # an error, or a formula that shows nothing, is the same in both
    start = result.html.find(_MATHML_OPEN)
    end = result.html.find("</math>", start)
    if start == -1 or end == -1:
        return None
    math = result.html[start + len(_MATHML_OPEN):end + len("</math>")]
    return Rendered(f'<span class="katex">{math}</span>', None, None, result.warnings)


def _is_transient(result: Rendered) -> bool:
    """A timeout or crash says something about this run, not the formula: never cache it."""
    error = result.error or ""
    return error.startswith(TIMEOUT_PREFIX) or error == CRASHED


class FormulaCache:
    """Formulas cached on disk (sqlite3, one file) keyed by a digest of (katex version,
    output, macros, display, tex, and the post's defining formulas before it when there
    are any). Stores html, error, position, warnings: errors are cached too."""

    _CHUNK = 500

    def __init__(self, path: Path) -> None:
        self._db = CacheDb(path, [
            "PRAGMA journal_mode=WAL",
            # A rowid table: its rows (a few kB of HTML each) would spill out of a WITHOUT
            # ROWID table's index pages and make each lookup by key slower (by about half
            # for a site's 3,000 formulas). The table of that layout is dropped.
            "DROP TABLE IF EXISTS formulas",
            "CREATE TABLE IF NOT EXISTS formula (key TEXT PRIMARY KEY, html TEXT NOT NULL, "
            "error TEXT, position INTEGER, warnings TEXT NOT NULL)",
        ], timeout=60, isolation_level=None)

    @staticmethod
    def key(version: str, output: str, macros: Mapping[str, str], f: Formula) -> str:
        """The cache key of `f` rendered by KaTeX `version` with `output` and `macros`."""
        return FormulaCache.keys(version, output, macros, [f])[0]

    @staticmethod
    def keys(version: str, output: str, macros: Mapping[str, str],
             formulas: Sequence[Formula]) -> list[str]:
        """`key` of each formula (the settings are written out once)."""
        settings = (_CACHE_SCHEMA, version, output, sorted(macros.items()))
        # A formula of a post without definitions (nearly all) keeps the key it would have
        # anyway: the context is written only when there is one.
        return [digest(settings, f.display, f.tex, f.context) if f.context
                else digest(settings, f.display, f.tex) for f in formulas]

    def get_many(self, keys: Sequence[str]) -> dict[str, Rendered]:
        """Return the cached results among `keys` (absent keys are left out)."""
        unique = list(dict.fromkeys(keys))

        def query(db: sqlite3.Connection) -> dict[str, Rendered]:
            found: dict[str, Rendered] = {}
            for start in range(0, len(unique), self._CHUNK):
                chunk = unique[start:start + self._CHUNK]
                rows = db.execute(
                    "SELECT key, html, error, position, warnings FROM formula WHERE key IN "
                    f"({','.join('?' * len(chunk))})", chunk).fetchall()
                for key, html, error, position, warnings in rows:
                    found[key] = Rendered(html, error, position, () if warnings == "[]"
                                          else tuple(json.loads(warnings)))
            return found

        return self._db.read(query, {})

    def put_many(self, items: Mapping[str, Rendered]) -> None:
        """Store `items` (key -> result) in one transaction."""
        rows = [(key, r.html, r.error, r.position, json.dumps(list(r.warnings)))
                for key, r in items.items()]

        def insert(db: sqlite3.Connection) -> None:
            with db:
                db.execute("BEGIN IMMEDIATE")
                db.executemany("INSERT OR REPLACE INTO formula VALUES (?, ?, ?, ?, ?)", rows)

        self._db.write(insert)

    def close(self) -> None:
        self._db.close()


class TexRenderer:
    """Cache in front of an engine: the engine (and Node) starts lazily, only when a formula
    misses the cache."""

    def __init__(self, cache_path: Path, macros: Mapping[str, str],
                 node_modules: Path | None = None, timeout: float = 10.0) -> None:
        self.macros = dict(macros)
        self.cache = FormulaCache(cache_path)
        self.engine: KatexEngine | None = None
        self.hits = 0  # distinct formulas answered from the cache
        self.misses = 0  # distinct formulas sent to KaTeX
        self._node_modules = node_modules
        self._version: str | None = None
        self._timeout = timeout

    @property
    def node_modules(self) -> Path:
        """The katex install in use (installed on first need when none was given)."""
        if self._node_modules is None:
            self._node_modules = katex_install_dir()
        return self._node_modules

    @property
    def version(self) -> str:
        """KaTeX's version, from its package.json: known without starting Node."""
        if self._version is None:
            self._version = katex_version(self.node_modules)
        return self._version

    def render(self, formulas: Sequence[Formula], output: str = "htmlAndMathml") -> list[Rendered]:
        """Render `formulas` (in order), taking what it can from the cache."""
        if not formulas:
            return []
        unique = list(dict.fromkeys(formulas))
        keys = dict(zip(unique, FormulaCache.keys(self.version, output, self.macros, unique),
                        strict=True))
        cached = self.cache.get_many(list(keys.values()))
        missing = [f for f in unique if keys[f] not in cached]
        self.hits += len(unique) - len(missing)
        self.misses += len(missing)
        done = {f: cached[keys[f]] for f in unique if keys[f] in cached}
        if missing:
            if self.engine is None:
                self.engine = KatexEngine(self.node_modules, self.macros, self._timeout)
            fresh = dict(zip(missing, self.engine.render(missing, output), strict=True))
            self.cache.put_many({keys[f]: r for f, r in fresh.items() if not _is_transient(r)})
            done.update(fresh)
        return [done[f] for f in formulas]

    def close(self) -> None:
        """Stop Node (if it was started) and close the cache."""
        if self.engine is not None:
            self.engine.close()
        self.cache.close()

    def __enter__(self) -> TexRenderer:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
