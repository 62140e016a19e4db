"""PARSE helper: TeX -> HTML through KaTeX, with an on-disk formula cache.

KaTeX runs in one long-lived Node process (``katex/worker.js``) fed JSON lines, so a
build pays Node's start-up once, not once per formula. Results, errors included, are
kept in a sqlite file keyed by everything that decides the output, so a rebuild that
changed no formula never starts Node at all. The pinned KaTeX is installed with
``npm ci`` into the user's cache on first use.
"""

from __future__ import annotations

import collections
import contextlib
import hashlib
import json
import os
import queue
import shutil
import sqlite3
import tempfile
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any, NamedTuple

from .store import CacheDb

if TYPE_CHECKING:
    import subprocess

NODE_MISSING = (
    "Node.js (the `node` command) is needed to render math. Install it (Debian/Ubuntu: "
    "`apt-get install nodejs npm`; or https://nodejs.org) and run the build again."
)
NPM_MISSING = (
    "npm (the `npm` command) is needed once, to install KaTeX for rendering math. Install it "
    "(Debian/Ubuntu: `apt-get install npm`; or https://nodejs.org) and run the build again, "
    "or set BLOGKIT_KATEX_DIR to a folder whose node_modules/ holds katex."
)
TIMEOUT_PREFIX = "KaTeX timed out after "
CRASHED = "the KaTeX worker exited while rendering this formula"
_CACHE_SCHEMA = "blogkit-tex-1"  # part of every cache key: bump when worker options change
_WORKER_JS = Path(__file__).parent / "katex" / "worker.js"
_EOF = object()


class TexSetupError(Exception):
    """Math cannot be rendered on this machine; the message says what to do about it."""


class Formula(NamedTuple):
    """One formula as written in a page.

    A named tuple, not a dataclass: formulas are dict keys by the ten thousand, and a
    tuple hashes and compares in C.
    """

    tex: str
    display: bool


@dataclass(frozen=True)
class Rendered:
    """KaTeX's answer for one formula: HTML, or an error with where it is."""

    html: str  # "" when error is set
    error: str | None  # KaTeX's message, e.g. "Undefined control sequence: \\foo"
    position: int | None  # character offset of the error within tex, when KaTeX gives one
    warnings: tuple[str, ...] = ()  # non-fatal complaints of KaTeX's strict mode


_MATHML_OPEN = '<span class="katex-mathml">'


def mathml_only(result: Rendered) -> Rendered | None:
    """KaTeX's `mathml` output of a formula, taken from its `htmlAndMathml` output.

    htmlAndMathml is `<span class="katex"><span class="katex-mathml"><math>...</math>
    </span><span class="katex-html">...</span></span>` (inside a `katex-display` span for
    display math); `mathml` is `<span class="katex"><math>...</math></span>` for both.
    Errors are the same either way. None if the HTML is not shaped like that.
    """
    if result.error is not None:
        return result
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


def _package_file(name: str) -> bytes:
    return resources.files("blogkit").joinpath("katex", name).read_bytes()


def pinned_engine() -> str:
    """What decides the KaTeX that renders formulas: the pinned lock, or an override folder."""
    lock = hashlib.sha256(_package_file("package-lock.json")).hexdigest()
    return f"{lock} {os.environ.get('BLOGKIT_KATEX_DIR', '')}"


def katex_install_dir() -> Path:
    """Return a node_modules folder holding the pinned katex, installing it on first use."""
    override = os.environ.get("BLOGKIT_KATEX_DIR")
    if override:
        node_modules = Path(override).expanduser() / "node_modules"
        if not (node_modules / "katex" / "package.json").is_file():
            raise TexSetupError(
                f"BLOGKIT_KATEX_DIR is {override}, but {node_modules / 'katex'} does not exist. "
                "Run `npm ci` in that folder with blogkit's katex/package.json and "
                "package-lock.json, or unset BLOGKIT_KATEX_DIR to let blogkit install KaTeX."
            )
        return node_modules
    lock = _package_file("package-lock.json")
    cache_home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    target = cache_home / "blogkit" / f"katex-{hashlib.sha256(lock).hexdigest()[:12]}"
    if (target / "node_modules" / "katex" / "package.json").is_file():
        return target / "node_modules"
    npm = shutil.which("npm")
    if npm is None:
        raise TexSetupError(NPM_MISSING)
    import subprocess  # here, as in _Worker: a build with every formula cached runs nothing
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        (staging / "package.json").write_bytes(_package_file("package.json"))
        (staging / "package-lock.json").write_bytes(lock)
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
            cwd=staging, capture_output=True, text=True, timeout=600, check=False,
        )
        if done.returncode != 0 or not (staging / "node_modules/katex/package.json").is_file():
            tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-15:])
            raise TexSetupError(
                f"`npm ci` of KaTeX in {target.parent} failed (exit {done.returncode}). Check "
                "that the npm registry is reachable and run the build again, or set "
                f"BLOGKIT_KATEX_DIR to a folder whose node_modules/ holds katex.\n{tail}"
            )
        if target.exists() and not (target / "node_modules/katex/package.json").is_file():
            shutil.rmtree(target, ignore_errors=True)  # leftover of an older, broken attempt
        try:
            staging.rename(target)
        except OSError as exc:
            if not (target / "node_modules/katex/package.json").is_file():
                raise TexSetupError(f"Could not move KaTeX into {target}: {exc}") from exc
    except subprocess.TimeoutExpired as exc:
        raise TexSetupError("`npm ci` for KaTeX ran over 10 minutes; run the build again.") from exc
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)  # we lost a race, or failed
    return target / "node_modules"


def katex_version(node_modules: Path) -> str:
    """Return the version of the katex in `node_modules`, read from its package.json."""
    manifest = node_modules / "katex" / "package.json"
    try:
        version = json.loads(manifest.read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise TexSetupError(f"{manifest} is missing or broken; delete {node_modules.parent} "
                            "and run the build again to reinstall KaTeX.") from exc
    return str(version)


def katex_assets(node_modules: Path) -> tuple[Path, Path]:
    """Return (katex.min.css, fonts folder) of the katex in `node_modules`."""
    dist = node_modules / "katex" / "dist"
    css, fonts = dist / "katex.min.css", dist / "fonts"
    if not css.is_file() or not fonts.is_dir():
        raise TexSetupError(f"{dist} lacks katex.min.css or fonts/; delete {node_modules.parent} "
                            "and run the build again to reinstall KaTeX.")
    return css, fonts


class _Worker:
    """One Node process, with threads draining its stdout (into a queue) and stderr."""

    def __init__(self, node: str, node_modules: Path) -> None:
        import subprocess

        env = dict(os.environ, BLOGKIT_KATEX_NODE_MODULES=str(node_modules))
        self.proc = subprocess.Popen(
            [node, str(_WORKER_JS)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, env=env,
        )
        self.replies: queue.Queue[object] = queue.Queue()
        self.stderr: collections.deque[str] = collections.deque(maxlen=20)
        self._threads = [threading.Thread(target=t, daemon=True)
                         for t in (self._read_stdout, self._read_stderr)]
        for thread in self._threads:
            thread.start()

    def _read_stdout(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            try:
                self.replies.put(json.loads(line))
            except ValueError:
                continue
        self.replies.put(_EOF)

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.stderr.append(line.decode("utf-8", "replace").rstrip())

    def send(self, lines: Sequence[bytes]) -> threading.Thread:
        """Write `lines` from a thread, so a full pipe never blocks the reader."""
        stdin = self.proc.stdin
        assert stdin is not None
        thread = threading.Thread(target=_write_all, args=(stdin, lines), daemon=True)
        thread.start()
        return thread

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait()
        for thread in self._threads:
            thread.join(timeout=5)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()


def _write_all(stream: IO[bytes], lines: Sequence[bytes]) -> None:
    try:
        stream.write(b"".join(lines))
        stream.flush()
    except (OSError, ValueError):
        pass  # the worker died or was killed; the reader notices


def _request(rid: int, formula: Formula, output: str) -> bytes:
    body = {"id": rid, "tex": formula.tex, "display": formula.display, "output": output}
    return json.dumps(body).encode("ascii") + b"\n"


def _parse_reply(reply: Mapping[str, Any]) -> Rendered:
    raw_warnings = reply.get("warnings")
    warnings = tuple(str(w) for w in raw_warnings) if isinstance(raw_warnings, list) else ()
    error, position, html = reply.get("error"), reply.get("position"), reply.get("html")
    if error is not None or not isinstance(html, str):
        pos = position if isinstance(position, int) and not isinstance(position, bool) else None
        return Rendered("", str(error or "the KaTeX worker sent no HTML"), pos, warnings)
    return Rendered(html, None, None, warnings)


class KatexEngine:
    """A long-lived Node worker; context manager; close() kills the process."""

    def __init__(
        self, node_modules: Path, macros: Mapping[str, str], timeout: float = 10.0
    ) -> None:
        node = shutil.which("node")
        if node is None:
            raise TexSetupError(NODE_MISSING)
        self._node, self._node_modules = node, node_modules
        self._config = json.dumps({"config": {"macros": dict(macros)}}).encode("ascii") + b"\n"
        self.timeout = timeout
        self._next_id = 0
        self._worker: _Worker | None = None
        self.version: str = str(self._start().get("version", ""))

    @property
    def process(self) -> subprocess.Popen[bytes] | None:
        """The running Node process, if any."""
        return self._worker.proc if self._worker is not None else None

    def _start(self) -> dict[str, Any]:
        """Start a worker, send the macros, and wait until it answers a version request."""
        worker = _Worker(self._node, self._node_modules)
        worker.send([self._config, b'{"version": true}\n']).join(timeout=5)
        try:
            reply = worker.replies.get(timeout=max(self.timeout, 30.0))
        except queue.Empty:
            reply = None
        if not isinstance(reply, dict) or "version" not in reply:
            worker.kill()
            detail = "\n".join(worker.stderr)
            raise TexSetupError(f"The KaTeX worker (node {_WORKER_JS}) did not start. Delete "
                                f"{self._node_modules.parent} and run the build again.\n{detail}")
        self._worker = worker
        return reply

    def _stop(self) -> None:
        if self._worker is not None:
            self._worker.kill()
            self._worker = None

    def render(self, formulas: Sequence[Formula], output: str = "htmlAndMathml") -> list[Rendered]:
        """Render a batch in one go; results come back in input order."""
        results: list[Rendered | None] = [None] * len(formulas)
        todo = list(range(len(formulas)))
        crashed_once: set[int] = set()
        while todo:
            if self._worker is None:
                self._start()
            worker = self._worker
            assert worker is not None
            by_id: dict[int, int] = {}
            for index in todo:
                self._next_id += 1
                by_id[self._next_id] = index
            order = list(by_id)
            writer = worker.send([_request(rid, formulas[by_id[rid]], output) for rid in order])
            head = 0  # order[head] is the oldest unanswered request: the one the worker is on
            while head < len(order):
                try:
                    reply = worker.replies.get(timeout=self.timeout)
                except queue.Empty:
                    results[by_id[order[head]]] = Rendered(
                        "", f"{TIMEOUT_PREFIX}{self.timeout:g} s", None)
                    head += 1
                    self._stop()
                    break
                if reply is _EOF:
                    culprit = by_id[order[head]]
                    if culprit in crashed_once:  # it killed the worker twice: give up on it
                        results[culprit] = Rendered("", CRASHED, None)
                        head += 1
                    crashed_once.add(culprit)
                    self._stop()
                    break
                rid = reply.get("id") if isinstance(reply, dict) else None
                if not isinstance(rid, int) or rid not in by_id:
                    continue
                assert isinstance(reply, dict)
                index = by_id[rid]
                if results[index] is None:
                    results[index] = _parse_reply(reply)
                while head < len(order) and results[by_id[order[head]]] is not None:
                    head += 1
            writer.join(timeout=5)
            todo = [by_id[rid] for rid in order[head:] if results[by_id[rid]] is None]
        return [r if r is not None else Rendered("", CRASHED, None) for r in results]

    def close(self) -> None:
        """Kill the worker. The engine restarts it if `render` is called again."""
        self._stop()

    def __enter__(self) -> KatexEngine:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


class FormulaCache:
    """Formulas cached on disk (sqlite3, one file) keyed by sha256 of (katex version, output,
    display, macros (sorted JSON), tex). Stores html, error, position, warnings: errors are
    cached too."""

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
        # The JSON of [schema, version, output, display, macros, tex], written out as
        # json.dumps would, with only the formula's part made per formula.
        settings = json.dumps([_CACHE_SCHEMA, version, output])[:-1]
        macro_json = json.dumps(json.dumps(dict(macros), sort_keys=True))
        heads = {display: f"{settings}, {json.dumps(display)}, {macro_json}, "
                 for display in (True, False)}
        quoted = json.encoder.encode_basestring_ascii
        return [hashlib.sha256(f"{heads[f.display]}{quoted(f.tex)}]".encode("ascii")).hexdigest()
                for f in formulas]

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
