"""BROWSER: the built site in Chromium, served by the real `blogkit serve` preview server.

Needs /usr/bin/chromium (Playwright drives it; its own browsers are never downloaded).
Without it the module is skipped, except in CI (the CI environment variable set), where
a missing browser is a failure.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import build_site, make_site, post, sample_site, skip_without_chromium

from blogkit.serve import RELOAD_PATH, free_port

skip_without_chromium()

from playwright.sync_api import (  # noqa: E402 (after the skip: only needed with a browser)
    Browser,
    ConsoleMessage,
    Page,
    Request,
    Response,
    expect,
)

FEATURE_TITLE = "特性测试：E = mc^2"
"""The zh feature post's title as text (<title> has the formula as plain TeX)."""


@dataclass(frozen=True)
class Server:
    base: str
    """`http://127.0.0.1:PORT/blog/`."""
    root: Path
    """The site folder."""

    def url(self, path: str = "") -> str:
        return self.base + path.lstrip("/")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`blogkit serve` of a site with 15 zh posts (page 2 on the zh home), 11 translated."""
    root = tmp_path_factory.mktemp("browser-site")
    make_site(root, sample_site(14))
    build_site(root)  # fails here, with blogkit's message, if the site does not build
    log_path = root.parent / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "blogkit", "serve", "-s", str(root),
             "--port", str(free_port())],
            stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        yield Server(_wait_until_serving(process, log_path), root)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_serving(process: subprocess.Popen[bytes], log_path: Path) -> str:
    """Return the base URL once the server answers; it prints it (it may pick a later port)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        log = log_path.read_text(encoding="utf-8", errors="replace")
        if process.poll() is not None:
            pytest.fail(f"blogkit serve exited with {process.returncode}:\n{log}")
        match = re.search(r" at (http://127\.0\.0\.1:\d+/blog/) ", log)
        if match:
            try:
                with urllib.request.urlopen(match.group(1), timeout=5) as response:
                    if response.status == 200:
                        return match.group(1)
            except (urllib.error.URLError, OSError):
                pass
        time.sleep(0.1)
    pytest.fail(f"blogkit serve did not answer within 120 s:\n{log_path.read_text()}")


@dataclass
class Watch:
    """What went wrong in a browser context: errors, failed requests, 4xx/5xx, other hosts."""

    problems: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    responses: list[Response] = field(default_factory=list)
    reloading: bool = False
    """The page reloads itself: a request still pending then is aborted by the browser."""

    def attach(self, page: Page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("request", self._request)
        page.on("requestfailed", self._failed)
        page.on("response", self._response)

    def _failed(self, request: Request) -> None:
        # The live-reload long poll is still open when the page is left; it is aborted then.
        if RELOAD_PATH in request.url:
            return
        if not (self.reloading and request.failure == "net::ERR_ABORTED"):
            self.problems.append(f"request failed: {request.url} ({request.failure})")

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.problems.append(f"console error: {message.text} at {message.location}")

    def _request(self, request: Request) -> None:
        self.requests.append(request.url)
        if urlsplit(request.url).hostname != "127.0.0.1":
            self.problems.append(f"request outside the site: {request.url}")

    def _response(self, response: Response) -> None:
        self.responses.append(response)
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.url}")

    def assert_clean(self) -> None:
        assert not self.problems, "\n".join(self.problems)
        assert self.requests, "no request was seen: the watch is not attached"


@pytest.fixture
def watch() -> Watch:
    return Watch()


@pytest.fixture
def page(browser: Browser, watch: Watch) -> Iterator[Page]:
    """A fresh page (own context) whose every event `watch` records."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    watch.attach(page)
    yield page
    context.close()


def settle(page: Page) -> None:
    """Wait until the page is loaded and its fonts are fetched, before moving on.

    Not "networkidle": while serving, the live-reload long poll keeps one request open.
    """
    page.wait_for_load_state("load")
    page.evaluate("document.fonts.ready.then(() => true)")


def entries(page: Page) -> list[str]:
    return page.locator("li.post-entry h3.entry-title a").all_inner_texts()


def test_home_page_and_pagination(server: Server, page: Page, watch: Watch,
                                  tmp_path: Path) -> None:
    page.goto(server.url())
    settle(page)
    expect(page.get_by_text("INCOMING TRANSMISSION", exact=True)).to_be_visible()
    expect(page.get_by_text("LATEST UPDATES", exact=True)).to_be_visible()
    expect(page.locator("li.post-entry")).to_have_count(12)
    assert entries(page)[0].startswith("特性测试")
    page.screenshot(path=str(tmp_path / "home.png"), full_page=True)

    page.locator("nav.pagination").get_by_role("link", name="2", exact=True).click()
    page.wait_for_url(re.compile(r"/blog/page/2/$"))
    settle(page)
    assert page.url == server.url("page/2/")
    expect(page.locator("li.post-entry")).to_have_count(3)  # 15 posts, 12 a page
    expect(page.locator("li.post-entry").first).to_be_visible()
    assert entries(page) == ["第 2 篇文章", "第 1 篇文章", "第 0 篇文章"]
    watch.assert_clean()


def test_post_page_and_language_switch(server: Server, page: Page, watch: Watch,
                                       tmp_path: Path) -> None:
    page.goto(server.url())
    settle(page)
    page.locator("h3.entry-title a").filter(has_text="特性测试").click()
    page.wait_for_url(server.url("posts/feature/"))
    settle(page)
    expect(page).to_have_title(f"{FEATURE_TITLE} | 测试博客")
    expect(page.locator("h1.post-title")).to_contain_text("特性测试")
    expect(page.locator("article.post time")).to_have_text("2025年12月1日")
    expect(page.locator("article.post time")).to_have_attribute("datetime",
                                                                "2025-12-01T00:00:00+00:00")
    expect(page.locator(".post-body .katex").first).to_be_visible()
    expect(page.locator(".post-body .katex-display")).to_be_visible()
    expect(page.locator("h1.post-title .katex")).to_be_visible()
    toc = page.locator("nav.toc")
    expect(toc).to_be_visible()
    expect(toc.locator("li")).to_have_count(3)
    expect(page.locator(".post-body img")).to_have_js_property("naturalWidth", 120)
    page.screenshot(path=str(tmp_path / "post.png"), full_page=True)

    toc.locator("a").nth(1).click()  # an in-page anchor with a percent-encoded CJK id
    expect(page.locator("h2#代码")).to_be_in_viewport()

    page.locator("nav.lang-switch").get_by_role("link", name="English", exact=True).click()
    page.wait_for_url(server.url("en/posts/feature/"))
    settle(page)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1.post-title")).to_contain_text("Feature test")
    expect(page.locator("nav.lang-switch .current")).to_have_text("English")
    watch.assert_clean()


def test_switcher_on_an_untranslated_post_goes_to_the_english_home(
        server: Server, page: Page, watch: Watch) -> None:
    page.goto(server.url("posts/post-13/"))
    settle(page)
    expect(page.locator("h1.post-title")).to_have_text("第 13 篇文章")
    expect(page.locator("p.translations")).to_have_count(0)
    page.locator("nav.lang-switch").get_by_role("link", name="English", exact=True).click()
    page.wait_for_url(server.url("en/"))
    settle(page)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("li.post-entry")).to_have_count(11)
    watch.assert_clean()


def test_favicon_and_stylesheets_load(server: Server, page: Page, watch: Watch) -> None:
    page.goto(server.url("posts/feature/"))
    settle(page)
    icon = page.locator('link[rel="icon"]').get_attribute("href")
    assert icon == "/blog/favicon.svg"
    size = page.evaluate("""href => new Promise((resolve, reject) => {
        const image = new Image();
        image.onload = () => resolve([image.naturalWidth, image.naturalHeight]);
        image.onerror = () => reject(new Error("the favicon did not load: " + href));
        image.src = href;
    })""", icon)
    assert size[0] > 0 and size[1] > 0
    assert any(r.url == server.url("favicon.svg") and r.status == 200 for r in watch.responses)
    loaded = page.evaluate("[...document.styleSheets].map(s => [s.href, s.cssRules.length])")
    assert {href for href, _ in loaded} == {server.url("css/blogkit.css"),
                                            server.url("css/highlight.css"),
                                            server.url("katex/katex.min.css")}
    assert all(rules > 0 for _, rules in loaded), loaded
    watch.assert_clean()


def test_missing_page_gets_the_site_404(server: Server, page: Page) -> None:
    """The one 4xx expected: outside the other tests' watch, so they stay strict."""
    response = page.goto(server.url("no/such/page/"))
    assert response is not None and response.status == 404
    expect(page.locator("h1:visible")).to_have_text("404 · 页面不存在")  # the path is no /en/ one


def test_a_folder_url_without_its_slash_redirects(server: Server, page: Page) -> None:
    response = page.goto(server.url("posts/feature"))
    assert response is not None and response.status == 200
    assert page.url == server.url("posts/feature/")
    assert response.request.redirected_from is not None


def test_a_cjk_folder_url_without_its_slash_redirects(server: Server, page: Page) -> None:
    response = page.goto(server.url("tags/扩散模型"))
    assert response is not None and response.status == 200
    assert page.url == server.url("tags/%E6%89%A9%E6%95%A3%E6%A8%A1%E5%9E%8B/")
    expect(page.locator("h1")).to_have_text("扩散模型")


def test_formulas_render_without_javascript(server: Server, browser: Browser) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    watch = Watch()
    watch.attach(page)
    try:
        with page.expect_response(lambda r: r.url.endswith(".woff2")) as font:
            page.goto(server.url("posts/post-03/"))
        settle(page)
        formula = page.locator(".post-body .katex-html").first
        expect(formula).to_be_visible()
        box = formula.bounding_box()
        assert box is not None and box["width"] > 0 and box["height"] > 0
        response = font.value
        assert response.status == 200
        assert response.url.startswith(server.url("katex/fonts/KaTeX_"))
        assert response.headers["content-type"] == "font/woff2"
        watch.assert_clean()
    finally:
        context.close()


def test_the_page_reloads_itself_and_shows_the_overlay(server: Server, page: Page,
                                                      watch: Watch) -> None:
    """Live preview in a real browser: an edit reloads the page; a bad edit overlays it."""
    watch.reloading = True
    about = server.root / "content/about.zh.md"
    page.goto(server.url("about/"))
    settle(page)
    expect(page.locator("main")).to_contain_text("关于本站。")
    about.write_text(post("关于", "2025-01-01", "页面已自动刷新。"), encoding="utf-8")
    expect(page.locator("main")).to_contain_text("页面已自动刷新。", timeout=20_000)
    about.write_text("---\ntitle: [broken\n---\n", encoding="utf-8")
    overlay = page.locator("#blogkit-overlay")
    expect(overlay).to_be_visible(timeout=20_000)
    expect(overlay).to_contain_text("content/about.zh.md")
    expect(page.locator("main")).to_contain_text("页面已自动刷新。")  # the last good page
    about.write_text(post("关于", "2025-01-01", "关于本站。"), encoding="utf-8")
    expect(overlay).to_have_count(0, timeout=20_000)
    expect(page.locator("main")).to_contain_text("关于本站。")
    watch.assert_clean()
