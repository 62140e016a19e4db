"""SERVE: build in memory, serve on the loopback interface, rebuild on change, reload.

The dev server keeps a `BuildCache`, so a rebuild redoes only what changed, and holds
each built site in memory as one `ServedSite`. A rebuild makes a new `ServedSite` and
swaps it in with one assignment, so a request never sees a half-built site; a failed
rebuild keeps the last good site and shows its errors in an overlay on every page.
Browsers reload through a long-poll endpoint that answers when a newer site exists.
The site is served under its base path (`/blog/` when base_url has one).
"""

from __future__ import annotations

import contextlib
import gc
import html
import json
import mimetypes
import posixpath
import signal
import socket
import sys
import threading
import time
import traceback
import webbrowser
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from .build import BuildOptions, collector_paused, compile_site
from .build_cache import BuildCache
from .changes import classify
from .config import load_config
from .errors import BuildError, SourceError, UsageError, overlay_html
from .katex_install import TexSetupError
from .patch import prepare as prepare_patch
from .watcher import watch_site

RELOAD_PATH = "__blogkit/reload"
"""Long-poll endpoint under the base path: `?epoch=N` answers once the site is newer than N."""
POLL_SECONDS = 25.0
_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".woff2": "font/woff2",
    ".txt": "text/plain; charset=utf-8",
}
_BARE_404 = b"<!DOCTYPE html><title>404</title><body><p>404 not found</p></body>"


@dataclass(frozen=True)
class ServedSite:
    """One complete build as served: page bytes, static files by source path, errors."""

    epoch: int
    files: dict[str, bytes | Path] = field(default_factory=dict)
    errors: tuple[SourceError, ...] = ()
    """The last rebuild's errors (the files are then those of the last good build)."""


class DevServer:
    """Builds, rebuilds on change, and holds the site that requests are answered from."""

    def __init__(self, options: BuildOptions, base_path: str) -> None:
        self.options = options
        self.root = options.source.resolve()
        self.base_path = base_path
        self.cache = BuildCache()
        self.site = ServedSite(0)
        self.changed = threading.Condition()
        self.building = threading.Lock()
        """Held while the cache is in use: the first build (in the main thread) and the
        watcher's rebuilds never overlap."""

    def rebuild(self, reason: str = "start", changed: set[Path] | None = None) -> str:
        """Build with the cache and swap the result in; return the line to print.

        `changed` are the files the watcher saw change (None: unknown, look at all).
        """
        start = time.perf_counter()
        try:
            # The cyclic collector's full passes over the cached site would cost more than
            # the rebuild; it runs while the server is idle instead (see `watch`).
            with self.building, collector_paused():
                changes = classify(self.root, changed) if changed is not None else None
                compiled = compile_site(self.options, self.cache, changes)
        except Exception as exc:  # noqa: BLE001 (see _as_errors)
            # Whatever fails, the server keeps the last good site and keeps watching.
            errors = _as_errors(exc)
            site = ServedSite(self.site.epoch + 1, self.site.files, errors)
            details = "\n".join(error.format(self.root) for error in errors)
            if not isinstance(exc, (BuildError, TexSetupError)):
                details = "".join(traceback.format_exception(exc)) + details
            summary = f"{details}\n{reason}: failed with {len(errors)} error(s)"
        else:
            files: dict[str, bytes | Path] = {o.path: o.data for o in compiled.outputs
                                              if o.data is not None}
            files.update({s.path: s.source for s in compiled.statics})
            site = ServedSite(self.site.epoch + 1, files)
            summary = (f"{reason}: {compiled.rendered} of {compiled.pages} pages re-rendered")
        millis = (time.perf_counter() - start) * 1000
        with self.changed:
            self.site = site
            self.changed.notify_all()
        return f"{summary} in {millis:.0f} ms"

    def wait_newer(self, epoch: int, timeout: float) -> int:
        """Block until the served site is newer than `epoch` (or the timeout); return its epoch."""
        with self.changed:
            self.changed.wait_for(lambda: self.site.epoch > epoch, timeout)
            return self.site.epoch

    def watch(self, stop: threading.Event, ready: threading.Event) -> None:
        """Rebuild on every burst of changes to the site's inputs, until `stop` is set;
        get ready for the next edit while idle. `ready` is set once the watcher sees
        events (see `start_watching`)."""
        watch_site(self.root, self.options.output_dir.resolve(), self.sentinel,
                   self._rebuild_changed, self.prepare, stop, ready)

    def _rebuild_changed(self, paths: set[Path]) -> None:
        """Rebuild for the files the watcher reported, and print the line saying so."""
        names = sorted(path.relative_to(self.root).as_posix() for path in paths)
        shown = ", ".join(names[:3]) + (f" (+{len(names) - 3} more)" if len(names) > 3 else "")
        line = self.rebuild(shown, paths)
        # A closed terminal (a broken pipe) must not stop the server.
        with contextlib.suppress(OSError):
            print(line, flush=True)

    def prepare(self) -> None:
        """While idle after a full build: get ready to patch it (see `patch.prepare`), and
        collect garbage now rather than when a request or the next edit allocates."""
        with self.building:
            prepare_patch(self.cache)
            gc.collect()

    @property
    def sentinel(self) -> Path:
        return self.root / ".blogkit-cache" / "watching"

    def start_watching(self, stop: threading.Event) -> threading.Thread:
        """Start the watcher and return once it sees events, so no edit after this is missed.

        The watcher reports nothing about being set up; touching a file in the cache folder
        until the watcher reports it is the handshake.
        """
        ready = threading.Event()
        watcher = threading.Thread(target=self.watch, args=(stop, ready), daemon=True)
        watcher.start()
        self.sentinel.parent.mkdir(parents=True, exist_ok=True)
        for attempt in range(100):
            self.sentinel.write_text(str(attempt), encoding="utf-8")
            if ready.wait(0.05):
                break
        self.sentinel.unlink(missing_ok=True)
        return watcher


def serve(options: BuildOptions, host: str, port: int, open_browser: bool = False) -> int:
    """Build, serve and watch until interrupted."""
    root = options.source.resolve()
    base_path = load_config(root).base_path
    server_state = DevServer(options, base_path)
    stop = threading.Event()
    # SIGTERM (a service manager, `kill`) ends the server as cleanly as Ctrl-C does.
    signal.signal(signal.SIGTERM, _interrupt)
    server: ThreadingHTTPServer | None = None
    watcher: threading.Thread | None = None
    try:  # Ctrl-C at any moment, even during the first build, ends cleanly
        watcher = server_state.start_watching(stop)
        print(server_state.rebuild(), flush=True)
        server_state.prepare()  # before the first edit can come
        server = _bind(host, port, server_state)
        address = f"http://{host}:{server.server_address[1]}{base_path}"
        print(f"serving {root.name} at {address} (Ctrl-C to stop)", flush=True)
        if open_browser:
            webbrowser.open(address)
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        print("stopped", flush=True)
    finally:
        stop.set()
        if server is not None:
            server.server_close()
        if watcher is not None:
            watcher.join(timeout=2)
    return 0


def _as_errors(exc: Exception) -> tuple[SourceError, ...]:
    """The errors to show for a failed rebuild, in the terminal and the overlay."""
    if isinstance(exc, BuildError):
        return tuple(exc.errors)
    if isinstance(exc, TexSetupError):
        return (SourceError(Path("KaTeX"), None, None, str(exc)),)
    return (SourceError(Path("blogkit"), None, None,
                        f"internal error (a bug in blogkit, please report it): {exc!r}"),)


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def _bind(host: str, port: int, state: DevServer) -> ThreadingHTTPServer:
    handler = partial(SiteHandler, state=state)
    for candidate in range(port, port + 20):
        try:
            server = ThreadingHTTPServer((host, candidate), handler)
        except (OSError, OverflowError) as exc:
            if getattr(exc, "errno", None) not in (98, 48, 10048):  # address in use
                raise UsageError(f"cannot serve on {host}:{candidate}: {exc}") from None
            print(f"port {candidate} is taken; trying {candidate + 1}", file=sys.stderr)
            continue
        server.daemon_threads = True
        return server
    raise UsageError(f"ports {port}-{port + 19} are all taken; pass --port with a free one")


class SiteHandler(BaseHTTPRequestHandler):
    """Answer from the dev server's current site, with the reload script and overlay."""

    protocol_version = "HTTP/1.1"

    def __init__(self, *args: object, state: DevServer, **kwargs: object) -> None:
        self.state = state
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def handle(self) -> None:
        # A browser that leaves a page mid-answer (a click, a reload, the long poll given
        # up) closes the connection: nothing went wrong, so no traceback is printed.
        with contextlib.suppress(ConnectionError):
            super().handle()

    def do_GET(self) -> None:  # noqa: N802 (the http.server API)
        self._respond(head=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self._respond(head=True)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def _respond(self, head: bool) -> None:
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        base = self.state.base_path
        query = f"?{parts.query}" if parts.query else ""
        if path + "/" == base:
            return self._redirect(base + query)
        if not path.startswith(base):
            return self._outside(head)
        relative = path[len(base):]
        if relative == RELOAD_PATH:
            return self._reload(parse_qs(parts.query), head)
        site = self.state.site  # one snapshot for the whole request
        key = clean_path(relative)
        if key is None:
            return self._not_found(head, site, key)
        if key == "" or key.endswith("/"):
            key += "index.html"
        elif key not in site.files and f"{key}/index.html" in site.files:
            return self._redirect(parts.path + "/" + query)  # as sent: percent-encoded
        content = site.files.get(key)
        if content is None:
            return self._not_found(head, site, key)
        data = _read(content)
        if data is None:
            return self._not_found(head, site, key)
        type_ = _content_type(key)
        if type_.startswith("text/html"):
            data = inject(data, site, base, self.state.root)
        self._send(HTTPStatus.OK, data, type_, head)

    def _reload(self, query: dict[str, list[str]], head: bool) -> None:
        try:
            epoch = int(query.get("epoch", ["-1"])[0])
        except ValueError:
            epoch = -1
        current = self.state.wait_newer(epoch, POLL_SECONDS)
        self._send(HTTPStatus.OK, json.dumps({"epoch": current}).encode(),
                   "application/json; charset=utf-8", head)

    def _redirect(self, location: str) -> None:
        self.send_response(HTTPStatus.MOVED_PERMANENTLY)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _outside(self, head: bool) -> None:
        """A path outside the site's base path (`/` for a site at `/blog/`): a page that
        links to the site, since that is what was meant (still a 404: nothing is there)."""
        base = html.escape(self.state.base_path)
        body = (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>404</title></head>'
                f'<body><p>This site is served under <a href="{base}">{base}</a> (its '
                f'base_url\'s path).</p></body></html>').encode()
        self._send(HTTPStatus.NOT_FOUND, body, "text/html; charset=utf-8", head)

    def _not_found(self, head: bool, site: ServedSite, key: str | None) -> None:
        page = next((site.files[name] for name in not_found_pages(key) if name in site.files),
                    None)
        body = (_read(page) if page is not None else None) or _BARE_404
        data = inject(body, site, self.state.base_path, self.state.root)
        self._send(HTTPStatus.NOT_FOUND, data, "text/html; charset=utf-8", head)

    def _send(self, status: HTTPStatus, body: bytes, content_type: str, head: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if not head:
            self.wfile.write(body)


def clean_path(relative: str) -> str | None:
    """Return a request path as a key of the site's files, or None if it tries to leave it."""
    if "\\" in relative or "\x00" in relative:
        return None
    segments = relative.split("/")
    if any(segment in ("..", ".") for segment in segments):
        return None
    normal = posixpath.normpath("/" + relative).lstrip("/")
    if normal == ".":
        normal = ""
    return normal + "/" if relative.endswith("/") and normal else normal


def not_found_pages(key: str | None) -> list[str]:
    """The 404 pages that may answer for a missing `key`, nearest first: `en/x/` is
    answered by `en/404.html` (the English one) if there is one, else by `404.html`.
    Cloudflare Pages looks up the tree the same way; see the README for other hosts."""
    folders = (key or "").split("/")[:-1]
    return [f"{'/'.join(folders[:depth])}/404.html" for depth in range(len(folders), 0, -1)
            ] + ["404.html"]


def inject(page: bytes, site: ServedSite, base_path: str, root: Path | None = None) -> bytes:
    """Add the reload script (and the error overlay) to an HTML page, only while serving."""
    extra = _reload_script(site.epoch, base_path)
    if site.errors:
        extra = _overlay(site.errors, root) + extra
    marker = b"</body>"
    where = page.rfind(marker)
    return page[:where] + extra + page[where:] if where != -1 else page + extra


def _reload_script(epoch: int, base_path: str) -> bytes:
    url = json.dumps(base_path + RELOAD_PATH)
    script = (
        f'<script data-blogkit="reload">(function(){{var epoch={epoch},url={url};'
        "function poll(){fetch(url+'?epoch='+epoch,{cache:'no-store'})"
        ".then(function(r){return r.json()})"
        ".then(function(d){if(d.epoch>epoch){location.reload()}else{poll()}})"
        ".catch(function(){setTimeout(poll,1000)})}poll()})();</script>"
    )
    return script.encode()


# The overlay is a shadow root (declarative: `<template shadowrootmode>`, so it shows
# without JavaScript), so no rule of the site's theme (its `code`, `ul`, colours) reaches
# it; its host is styled inline, after `all: initial`, against the theme's rules for `div`.
_OVERLAY_HOST = ("all:initial;display:block;position:fixed;inset:auto 1rem 1rem 1rem;"
                 "max-height:60vh;overflow:auto;z-index:2147483647;background:#2b0d0d;"
                 "color:#ffe4e4;border:2px solid #ff6b6b;border-radius:8px;"
                 "padding:1rem 1.25rem;font:14px/1.5 ui-monospace,monospace;"
                 "box-shadow:0 8px 30px rgba(0,0,0,.4)")
_OVERLAY_STYLE = (
    "*{box-sizing:border-box}strong{font-weight:700}"
    "ul{list-style:none;margin:.5rem 0 0;padding:0}li{margin:.25rem 0}"
    "code{font:inherit;color:#ffd479;background:#451a1a;padding:0 .25em;border-radius:3px}"
    "small{font-size:.9em;color:#f6c4c4}")


def _overlay(errors: Iterable[SourceError], root: Path | None) -> bytes:
    return (f'<div id="blogkit-overlay" role="alert" style="{_OVERLAY_HOST}">'
            f'<template shadowrootmode="open"><style>{_OVERLAY_STYLE}</style>'
            f"<strong>blogkit: the last rebuild failed; showing the last good site.</strong>"
            f"{overlay_html(errors, root)}</template></div>").encode()


def _read(content: bytes | Path) -> bytes | None:
    if isinstance(content, bytes):
        return content
    try:
        return content.read_bytes()
    except OSError:
        return None


def _content_type(path: str) -> str:
    suffix = posixpath.splitext(path)[1]
    return _TYPES.get(suffix) or mimetypes.guess_type(path)[0] or "application/octet-stream"


def free_port(host: str = "127.0.0.1") -> int:
    """Return a port that is free right now (for tests)."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])
