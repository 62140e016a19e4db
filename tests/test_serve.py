"""SERVE: the real dev server on a free loopback port: reload, rebuilds, overlay, safety."""

from __future__ import annotations

import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import make_site, post, site_config
from conftest import write_file as write

from blogkit.build import BuildOptions, build
from blogkit.serve import RELOAD_PATH, free_port

PER_PAGE = 2
FRONT = {"categories": ["3D Model"]}
"""What the posts of the site are filed under."""


class Server:
    """`blogkit serve` in a subprocess, with its printed lines collected."""

    def __init__(self, site: Path) -> None:
        self.site = site
        self.port = free_port()
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "blogkit", "serve", "-s", str(site), "--port", str(self.port)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
        threading.Thread(target=self._read, daemon=True).start()
        self.wait_for_line("serving ")

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for_line(self, text: str, after: int = 0, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.lines[after:]:
                if text in line:
                    return line
            if self.process.poll() is not None:
                break
            time.sleep(0.02)
        raise AssertionError(f"no line with {text!r}; got: {self.lines}")

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}/blog/{path}"

    def get(self, path: str) -> tuple[int, dict[str, str], bytes]:
        try:
            with urllib.request.urlopen(self.url(path), timeout=30) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def epoch(self) -> int:
        return int(re.findall(rb'"epoch": (\d+)', self.get(f"{RELOAD_PATH}?epoch=-1")[2])[0])

    def edit(self, name: str, text: str) -> str:
        """Write a file, wait for the rebuild it causes, return the printed line."""
        seen = len(self.lines)
        write(self.site, name, text)
        return self.wait_for_line(" in ", after=seen)

    def stop(self) -> int:
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=10)


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[Server]:
    files = {f"content/posts/p{number}.zh.md":
             post(f"文{number}", f"2026-01-0{number + 1}", f"正文{number} $x_{number}$", **FRONT)
             for number in range(3)}
    files["content/posts/p0.en.md"] = post("Zero", "2026-01-01", "Body", **FRONT)
    files["static/robots.txt"] = "User-agent: *\n"
    running = Server(make_site(tmp_path, files, per_page=PER_PAGE))
    yield running
    if running.process.poll() is None:
        running.process.kill()
        running.process.wait()


def strip_reload(data: bytes) -> bytes:
    return re.sub(rb'<script data-blogkit="reload">.*?</script>', b"", data)


def test_serves_the_site_with_the_reload_script_only_while_serving(server: Server) -> None:
    status, headers, data = server.get("")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert b'<script data-blogkit="reload">' in data and "LATEST UPDATES" in data.decode()
    assert not (server.site / "public").exists()  # served from memory
    build(BuildOptions(source=server.site))
    built = (server.site / "public/index.html").read_bytes()
    assert b'data-blogkit="reload"' not in built  # the theme's own scripts only
    assert strip_reload(data) == built


def test_reload_fires_when_a_rebuild_finishes(server: Server) -> None:
    epoch = server.epoch()
    answer: list[bytes] = []
    waiter = threading.Thread(
        target=lambda: answer.append(server.get(f"{RELOAD_PATH}?epoch={epoch}")[2]))
    waiter.start()
    time.sleep(0.3)
    assert not answer  # the long poll waits for a newer site
    line = server.edit("content/posts/p1.zh.md", post("文1改", "2026-01-02", "新的正文", **FRONT))
    waiter.join(timeout=10)
    assert answer and f'"epoch": {epoch + 1}'.encode() in answer[0]
    assert "content/posts/p1.zh.md" in line
    assert "新的正文" in server.get("posts/p1/")[2].decode()


def test_rerender_counts_per_kind_of_change(server: Server) -> None:
    total = int(server.wait_for_line("start:").split(" of ")[1].split()[0])

    def rendered(line: str) -> int:
        return int(re.search(r": (\d+) of (\d+) pages re-rendered", line).group(1))  # type: ignore[union-attr]

    assert 0 < rendered(server.edit("content/posts/p2.zh.md",
                                    post("文2", "2026-01-03", "改了", **FRONT))) < total
    assert rendered(server.edit("static/robots.txt", "User-agent: *\nDisallow:\n")) == 0
    assert server.get("robots.txt")[2] == b"User-agent: *\nDisallow:\n"
    assert rendered(server.edit("templates/post.html", '{% extends "theme/post.html" %}')) \
        == total
    assert rendered(server.edit("blogkit.yaml", site_config(per_page=PER_PAGE, author="X"))) \
        == total


def test_a_bad_edit_shows_an_overlay_and_keeps_the_last_good_site(server: Server) -> None:
    line = server.edit("content/posts/p1.zh.md", "---\ntitle: [broken\ndate: 2026-01-02\n---\n")
    assert "failed" in line
    status, _, data = server.get("posts/p1/")
    page = data.decode()
    assert status == 200 and "正文1" in page  # the last good page
    assert 'id="blogkit-overlay"' in page and "content/posts/p1.zh.md:3:5" in page
    assert "opened at line 2, column 8" in page
    assert 'id="blogkit-overlay"' in server.get("")[2].decode()
    server.edit("content/posts/p1.zh.md", post("文1", "2026-01-02", "修好了", **FRONT))
    fixed = server.get("posts/p1/")[2].decode()
    assert "blogkit-overlay" not in fixed and "修好了" in fixed


def test_a_tex_or_template_error_also_shows_in_the_overlay(server: Server) -> None:
    server.edit("content/posts/p1.zh.md", post("文1", "2026-01-02", r"坏 $\frac{1}{$", **FRONT))
    assert "KaTeX" in server.get("")[2].decode()
    server.edit("content/posts/p1.zh.md", post("文1", "2026-01-02", "好", **FRONT))
    server.edit("templates/post.html", "{{ post.nope }}")
    page = server.get("posts/p1/")[2].decode()
    assert "blogkit-overlay" in page and "templates/post.html:1" in page


def test_deleting_and_adding_posts(server: Server) -> None:
    seen = len(server.lines)
    (server.site / "content/posts/p2.zh.md").unlink()
    server.wait_for_line(" in ", after=seen)
    assert server.get("posts/p2/")[0] == 404
    server.edit("content/posts/p9.zh.md", post("文9", "2026-01-09", "九", **FRONT))
    assert server.get("posts/p9/")[0] == 200


def test_edits_then_identical_to_a_clean_build(server: Server, tmp_path: Path) -> None:
    server.edit("content/posts/p1.zh.md", post("文1", "2026-01-05", "调整日期后的正文", **FRONT))
    server.edit("content/posts/p3.en.md", post("Three", "2026-01-04", "New post", **FRONT))
    server.edit("templates/page.html", '{% extends "theme/page.html" %}')
    seen = len(server.lines)
    (server.site / "content/posts/p2.zh.md").rename(server.site / "content/posts/p7.zh.md")
    server.wait_for_line(" in ", after=seen)
    # Text past the excerpt, front matter as before: the server patches its last build.
    server.edit("content/posts/p8.en.md",
                post("Eight", "2026-01-08", "A.\n\n<!--more-->\n\nB.", **FRONT))
    patched = server.edit("content/posts/p8.en.md",
                          post("Eight", "2026-01-08", "A.\n\n<!--more-->\n\nB, $x^2$.", **FRONT))
    assert ": 1 of " in patched
    out = tmp_path.parent / (tmp_path.name + "-clean")
    build(BuildOptions(source=server.site, output=out))
    try:
        built = sorted(p for p in out.rglob("*") if p.is_file() and p.name != ".blogkit-output")
        for path in built:
            relative = path.relative_to(out).as_posix()
            status, _, data = server.get(urllib.request.quote(relative))
            assert status == 200, relative
            assert strip_reload(data) == path.read_bytes(), relative
    finally:
        shutil.rmtree(out)


def test_never_serves_outside_the_site(server: Server, tmp_path: Path) -> None:
    secret = tmp_path.parent / "secret.txt"
    secret.write_text("secret", encoding="utf-8")
    (server.site / "static/link.txt").symlink_to(secret)
    server.edit("static/robots.txt", "User-agent: *\n#\n")
    for attempt in ["../blogkit.yaml", "%2e%2e/blogkit.yaml", "..%2fblogkit.yaml",
                    "posts/..%5c..%5cblogkit.yaml", "link.txt", "%00", "posts/../../x"]:
        status, _, data = server.get(attempt)
        assert status == 404 and b"secret" not in data, attempt
    assert server.get("")[0] == 200


def test_redirects_content_types_and_404(server: Server) -> None:
    request = urllib.request.Request(server.url("en"), method="HEAD")
    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as caught:
        opener.open(request, timeout=10)
    assert caught.value.code == 301 and caught.value.headers["Location"] == "/blog/en/"
    assert server.get("css/blogkit.css")[1]["Content-Type"] == "text/css; charset=utf-8"
    assert server.get("katex/fonts/KaTeX_Main-Regular.woff2")[1]["Content-Type"] == "font/woff2"
    assert server.get("favicon.svg")[1]["Content-Type"] == "image/svg+xml"
    status, _, data = server.get("no/such/page/")
    assert status == 404 and "404" in data.decode()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def test_parallel_requests_all_succeed(server: Server) -> None:
    paths = ["", "posts/p0/", "en/", "css/blogkit.css", "categories/", "archives/"] * 10
    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(lambda path: server.get(path)[0], paths))
    assert statuses == [200] * len(paths)


def test_taken_port_moves_to_the_next_and_ctrl_c_exits_cleanly(server: Server) -> None:
    second = subprocess.Popen(
        [sys.executable, "-m", "blogkit", "serve", "-s", str(server.site), "--port",
         str(server.port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = []
        assert second.stdout is not None
        for line in second.stdout:
            lines.append(line)
            if "serving " in line:
                break
        text = "".join(lines)
        assert f"port {server.port} is taken; trying {server.port + 1}" in text
        assert f":{server.port + 1}/blog/" in text
    finally:
        second.send_signal(signal.SIGINT)
        assert second.wait(timeout=10) == 0
    # A formula never seen before starts the KaTeX worker: it must be gone after the rebuild
    # (asked of the live server: a finished process has no children to find).
    server.edit("content/posts/p1.zh.md",
                post("文1", "2026-01-02", r"新公式 $\zeta_{42}^{7}$", **FRONT))
    children = subprocess.run(["pgrep", "-P", str(server.process.pid)], capture_output=True)
    assert children.stdout == b""  # no Node worker or other child left behind
    assert server.stop() == 0


def test_sigterm_stops_the_server_cleanly(server: Server) -> None:
    server.process.terminate()
    assert server.process.wait(timeout=10) == 0
    server.wait_for_line("stopped")


def test_rename_and_replace_saves_and_bursts_are_one_rebuild(server: Server) -> None:
    seen = len(server.lines)
    target = server.site / "content/posts/p1.zh.md"
    for number in range(5):  # an editor that writes a temporary file, then renames it
        temporary = target.with_name(f".p1.zh.md.{number}.tmp")
        temporary.write_text(post("文1", "2026-01-02", f"第{number}版", **FRONT), encoding="utf-8")
        temporary.replace(target)
        time.sleep(0.02)
    server.wait_for_line(" in ", after=seen)
    time.sleep(1.0)  # any rebuild still to come would have started by now
    rebuilds = [line for line in server.lines[seen:] if "re-rendered" in line]
    assert 1 <= len(rebuilds) <= 2, rebuilds
    assert all(".tmp" not in line for line in rebuilds)
    assert "第4版" in server.get("posts/p1/")[2].decode()


def test_the_root_of_a_site_under_a_base_path_links_to_the_site(server: Server) -> None:
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{server.port}/", timeout=10)
    except urllib.error.HTTPError as error:
        status, data = error.code, error.read().decode()
    assert status == 404
    assert 'served under <a href="/blog/">/blog/</a>' in data


def test_serve_help_has_no_output_option() -> None:
    done = subprocess.run([sys.executable, "-m", "blogkit", "serve", "--help"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0 and "--drafts" in done.stdout
    assert "--output" not in done.stdout and "-o " not in done.stdout


def _leave_mid_answer(server: Server, path: str) -> None:
    """Ask for `path`, read a little of the answer, and drop the connection (a reset)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as client:
        client.sendall(f"GET /blog/{path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        assert client.recv(1024).startswith(b"HTTP/1.1 200")
        # Linger 0: close sends a reset, as a browser leaving a page mid-download does.
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def test_a_browser_leaving_mid_answer_prints_no_traceback(server: Server) -> None:
    server.edit("static/big.txt", "x" * 30_000_000)  # far more than the sockets buffer
    seen = len(server.lines)
    for _ in range(3):
        _leave_mid_answer(server, "big.txt")
    # The long poll given up while it waits, as a page that is left gives it up.
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as client:
        client.sendall(f"GET /blog/{RELOAD_PATH}?epoch={server.epoch()} HTTP/1.1\r\n"
                       "Host: 127.0.0.1\r\n\r\n".encode())
    server.edit("content/posts/p1.zh.md", post("文1", "2026-01-02", "又一版", **FRONT))
    assert server.get("big.txt")[0] == 200  # the server still answers
    time.sleep(0.5)  # a failed write is reported at once; give its thread the time to print
    assert server.stop() == 0
    printed = "\n".join(server.lines[seen:])
    for word in ("Traceback", "BrokenPipe", "ConnectionReset", "Exception occurred"):
        assert word not in printed, printed


EDITOR_TEMPORARIES = ["sedf148rq", ".p1.zh.md.swp", ".p1.zh.md.swx", "p1.zh.md~", "4913",
                      ".#p1.zh.md"]
"""What sed -i, vim and emacs write beside content/posts/p1.zh.md while saving it."""


def test_editor_temporaries_are_never_named_in_the_rebuild_log(server: Server) -> None:
    folder = server.site / "content/posts"
    seen = len(server.lines)
    for name in EDITOR_TEMPORARIES:
        (folder / name).write_text("temporary\n", encoding="utf-8")
    (folder / "4913").unlink()  # vim's probe is deleted at once
    # sed -i: the new text goes to its temporary file, which then replaces the file.
    (folder / "sedf148rq").write_text(post("文1", "2026-01-02", "用 sed 改过", **FRONT),
                                      encoding="utf-8")
    (folder / "sedf148rq").replace(folder / "p1.zh.md")
    server.wait_for_line("re-rendered", after=seen)
    line = server.edit("content/posts/p2.zh.md", post("文2", "2026-01-03", "真的改了", **FRONT))
    assert "content/posts/p2.zh.md" in line  # a real edit still rebuilds
    logged = server.lines[seen:]
    assert all(name not in text for name in EDITOR_TEMPORARIES for text in logged), logged
    assert "用 sed 改过" in server.get("posts/p1/")[2].decode()


def test_a_missing_page_under_a_language_gets_that_language_404(server: Server) -> None:
    for path, lang, text in (("en/no/such/page/", "en", "Page not found"),
                             ("en/posts/nothing.html", "en", "Page not found"),
                             ("no/such/page/", "zh", "页面不存在"),
                             ("posts/../../x", "zh", "页面不存在")):
        status, headers, data = server.get(path)
        page = data.decode()
        assert status == 404 and headers["Content-Type"] == "text/html; charset=utf-8", path
        assert f'<html lang="{lang}">' in page and text in page, path
    assert server.get("en/404.html")[0] == 200
