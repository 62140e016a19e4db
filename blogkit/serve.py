"""SERVE: build, then serve the output folder on the loopback interface for local preview.

The site is served under its base path (`/blog/` when base_url has one), so every link
works as it will when published. Paths are resolved strictly inside the output folder:
`..`, encoded dots, backslashes and symlinks pointing out all get the site's 404.
"""

from __future__ import annotations

import mimetypes
import posixpath
import socket
import sys
import webbrowser
from functools import partial
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .build import BuildOptions, build
from .config import load_config

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


def serve(options: BuildOptions, host: str, port: int, open_browser: bool = False) -> int:
    """Build once, then serve until interrupted."""
    result = build(options)
    base_path = load_config(options.source.resolve()).base_path
    server = _bind(host, port, result.output.resolve(), base_path)
    address = f"http://{host}:{server.server_address[1]}{base_path}"
    print(f"built {result.pages} pages; serving {result.output} at {address} (Ctrl-C to stop)")
    if open_browser:
        webbrowser.open(address)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def _bind(host: str, port: int, root: Path, base_path: str) -> ThreadingHTTPServer:
    handler = partial(SiteHandler, root=root, base_path=base_path)
    for candidate in range(port, port + 20):
        try:
            return ThreadingHTTPServer((host, candidate), handler)
        except OSError as exc:
            if exc.errno not in (98, 48, 10048):  # address in use (Linux, macOS, Windows)
                raise
            print(f"port {candidate} is taken; trying {candidate + 1}", file=sys.stderr)
    raise OSError(f"ports {port}-{port + 19} are all taken; pass --port with a free one")


class SiteHandler(BaseHTTPRequestHandler):
    """Serve files of one folder under a base path, with the site's 404 page."""

    def __init__(self, *args: object, root: Path, base_path: str, **kwargs: object) -> None:
        self.root = root
        self.base_path = base_path
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def do_GET(self) -> None:  # noqa: N802 (the http.server API)
        self._respond(head=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self._respond(head=True)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def _respond(self, head: bool) -> None:
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        query = f"?{parts.query}" if parts.query else ""
        if path + "/" == self.base_path:
            return self._redirect(self.base_path + query)
        if not path.startswith(self.base_path):
            return self._not_found(head)
        target = resolve_inside(self.root, path[len(self.base_path):])
        if target is not None and target.is_dir():
            if not path.endswith("/"):
                return self._redirect(parts.path + "/" + query)  # as sent: percent-encoded
            target = target / "index.html"
        if target is None or not target.is_file():
            return self._not_found(head)
        self._send(HTTPStatus.OK, target.read_bytes(), _content_type(target), head)

    def _redirect(self, location: str) -> None:
        self.send_response(HTTPStatus.MOVED_PERMANENTLY)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _not_found(self, head: bool) -> None:
        page = self.root / "404.html"
        body = page.read_bytes() if page.is_file() else b"404 not found"
        self._send(HTTPStatus.NOT_FOUND, body, "text/html; charset=utf-8", head)

    def _send(self, status: HTTPStatus, body: bytes, content_type: str, head: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if not head:
            self.wfile.write(body)


def resolve_inside(root: Path, relative: str) -> Path | None:
    """Return root/relative if it stays inside root after resolving links, else None."""
    if "\\" in relative or "\x00" in relative:
        return None
    normal = posixpath.normpath("/" + relative).lstrip("/")
    if any(part == ".." for part in relative.split("/")):
        return None
    candidate = (root / normal).resolve() if normal not in ("", ".") else root
    return candidate if candidate == root or candidate.is_relative_to(root) else None


def _content_type(path: Path) -> str:
    return _TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or (
        "application/octet-stream")


def free_port(host: str = "127.0.0.1") -> int:
    """Return a port that is free right now (for tests)."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])
