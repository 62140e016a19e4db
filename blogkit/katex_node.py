"""PARSE helper: TeX -> HTML in one long-lived Node process running KaTeX.

KaTeX runs in ``katex/worker.js``, fed JSON lines, so a build pays Node's start-up once,
not once per formula. A formula that hangs the worker (or kills it twice) gets an error
as its result, and a fresh worker goes on with the rest of the batch.
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import queue
import re
import shutil
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any, NamedTuple

from .katex_install import NODE_MISSING, TexSetupError

if TYPE_CHECKING:
    import subprocess

TIMEOUT_PREFIX = "KaTeX timed out after "
CRASHED = "the KaTeX worker exited while rendering this formula"
_WORKER_JS = Path(__file__).parent / "katex" / "worker.js"
_EOF = object()


_DEFINES = re.compile(r"\\(?:(?:re)?newcommand|providecommand|[gex]?def|let|futurelet"
                      r"|DeclareMathOperator)(?![A-Za-z@])")
r"""A command that defines a macro (`\global` only prefixes `\def` or `\let`)."""


def defines_macros(tex: str) -> bool:
    r"""Whether `tex` defines a macro (`\newcommand`, `\def`, `\DeclareMathOperator`...),
    which then applies to the formulas after it in its post (see `Formula.context`)."""
    # Every defining command's name holds one of these words: most formulas are out after
    # four substring scans, without the regular expression.
    return (("def" in tex or "command" in tex or "let" in tex or "Declare" in tex)
            and _DEFINES.search(tex) is not None)


class Formula(NamedTuple):
    """One formula as written in a page.

    A named tuple, not a dataclass: formulas are dict keys by the ten thousand, and a
    tuple hashes and compares in C.
    """

    tex: str
    display: bool
    context: tuple[str, ...] = ()
    """The TeX of the formulas before this one in its post that define macros (in source
    order; see `formulas.formula_keys`): empty in a post that defines none."""


@dataclass(frozen=True)
class Rendered:
    """KaTeX's answer for one formula: HTML, or an error with where it is."""

    html: str  # "" when error is set, or when the formula shows nothing (only defines macros)
    error: str | None  # KaTeX's message, e.g. "Undefined control sequence: \\foo"
    position: int | None  # character offset of the error within tex, when KaTeX gives one
    warnings: tuple[str, ...] = ()  # non-fatal complaints of KaTeX's strict mode


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
    body: dict[str, object] = {"id": rid, "tex": formula.tex, "display": formula.display,
                               "output": output}
    if formula.context:
        body["context"] = formula.context
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


