"""CHECK: `blogkit check` run as an author or CI runs it, on a site with one of every
problem (tests/check/, its exact report in tests/check/expected.txt)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import make_site, post

FIXTURE = Path(__file__).parent / "check"


def blogkit(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The command as CI runs it: no standard input, CI=true."""
    return subprocess.run([sys.executable, "-m", "blogkit", *args], cwd=cwd,
                          capture_output=True, text=True, stdin=subprocess.DEVNULL,
                          env={**os.environ, "CI": "true"}, timeout=300, check=False)


@pytest.fixture()
def site(tmp_path: Path) -> Path:
    """A copy of the fixture (check writes its caches into the site's .blogkit-cache/)."""
    return Path(shutil.copytree(FIXTURE, tmp_path / "site",
                                ignore=shutil.ignore_patterns("expected.txt", ".blogkit-cache")))


def test_the_report_of_a_site_with_every_problem(site: Path) -> None:
    done = blogkit("check", cwd=site)
    expected = (FIXTURE / "expected.txt").read_text(encoding="utf-8")
    assert done.stdout == expected, done.stdout
    assert done.returncode == 1 and done.stderr == ""
    assert not (site / "public").exists()  # nothing is built
    again = blogkit("check", "-s", str(site), cwd=site.parent)  # warm: the same report
    assert again.stdout == expected and again.returncode == 1


def test_json_says_what_the_text_says(site: Path) -> None:
    text = blogkit("check", cwd=site).stdout.splitlines()
    done = blogkit("check", "--format", "json", cwd=site)
    assert done.returncode == 1
    report = json.loads(done.stdout)
    shown = [line for line in text if not line.startswith(("    hint:", "check:"))]
    assert len(report["problems"]) == 14 and len(report["notes"]) == 5
    for item, line in zip(report["problems"] + report["notes"], shown, strict=True):
        where = ":".join(str(part) for part in (item["path"], item["line"], item["col"])
                         if part is not None)
        assert line == f"{where}: {item['severity']}: {item['message']}"
    kinds = {item["kind"] for item in report["problems"]}
    assert kinds == {"link", "anchor", "translation", "front matter"}


def test_a_clean_site_passes(tmp_path: Path) -> None:
    root = make_site(tmp_path, {
        "content/posts/a/index.zh.md": post("甲", "2026-01-01", "见[下文](#小节)。\n\n## 小节\n",
                                            categories=["Deep Learning"]),
        "content/posts/a/index.en.md": post("A", "2026-01-01", "See [B](../b.en.md#part).",
                                            categories=["Deep Learning"]),
        "content/posts/b.en.md": post("B", "2026-01-02", "## Part\n", categories=["3D Model"]),
        "content/posts/b.zh.md": post("乙", "2026-01-02", "文", categories=["3D Model"])})
    done = blogkit("check", cwd=root)
    assert (done.returncode, done.stdout) == (0, "check: 0 problems, 0 listed\n"), done.stdout


def test_no_site_names_blogkit_new_site(tmp_path: Path) -> None:
    done = blogkit("check", cwd=tmp_path)
    assert done.returncode == 1
    assert "no blogkit.yaml in" in done.stderr and "blogkit new site DIR" in done.stderr


class Links(BaseHTTPRequestHandler):
    """A local site for external links: /ok, /gone (404), /no-head (refuses HEAD), /slow."""

    asked: list[str] = []

    def do_HEAD(self) -> None:  # noqa: N802 (the http.server API)
        self._answer(head=True)

    def do_GET(self) -> None:  # noqa: N802
        self._answer(head=False)

    def _answer(self, head: bool) -> None:
        Links.asked.append(f"{self.command} {self.path}")
        if self.path == "/slow":
            time.sleep(2)
        status = {"/ok": HTTPStatus.OK, "/gone": HTTPStatus.NOT_FOUND,
                  "/slow": HTTPStatus.OK}.get(self.path)
        if self.path == "/no-head":
            status = HTTPStatus.METHOD_NOT_ALLOWED if head else HTTPStatus.OK
        self.send_response(status or HTTPStatus.NOT_FOUND)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture()
def links_server() -> Iterator[str]:
    Links.asked = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Links)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_external_links_against_a_local_server(tmp_path: Path, links_server: str) -> None:
    body = (f"[ok]({links_server}/ok#part) and [gone]({links_server}/gone)\n\n"
            f"<{links_server}/no-head> [slow]({links_server}/slow)\n\n"
            f"```\n[in code]({links_server}/code)\n```\n")
    root = make_site(tmp_path, {"content/posts/a.en.md": post(
        "A", "2026-01-01", body, categories=["Deep Learning"])}, languages=("en",))
    quiet = blogkit("check", cwd=root)
    assert quiet.returncode == 0 and Links.asked == []  # off by default
    done = blogkit("check", "--external", "--timeout", "0.5", cwd=root)
    assert done.returncode == 1
    problems = [line for line in done.stdout.splitlines() if ": warning: " in line]
    lines = body.split("\n")  # the body starts on line 6
    gone, slow = lines[0].index("(http", 5) + 2, lines[2].index("(http") + 2
    assert problems == [
        f"content/posts/a.en.md:6:{gone}: warning: link to {links_server}/gone: HTTP 404",
        f"content/posts/a.en.md:8:{slow}: warning: link to {links_server}/slow: "
        "no answer in 0.5 s"], done.stdout
    assert sorted(set(Links.asked)) == ["GET /no-head", "HEAD /gone", "HEAD /no-head",
                                        "HEAD /ok", "HEAD /slow"]
    asked = len(Links.asked)
    cached = blogkit("check", "--external", "--timeout", "0.5", cwd=root)
    assert cached.stdout == done.stdout and len(Links.asked) == asked  # kept for a day
