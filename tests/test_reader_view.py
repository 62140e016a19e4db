"""READER VIEW: every kind of page, in both languages, on a desktop and a phone, light and
dark, as a reader's chromium shows it: axe-core finds nothing, the page never scrolls
sideways, the title has room under the header, and a screenshot of each is kept.

The screenshots are written to `.test-screenshots/` at the repository's root (or the
folder `BLOGKIT_SCREENSHOTS` names), never committed: they are for a person to look at.
Skipped like test_browser.py without /usr/bin/chromium, except in CI.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import (
    build_site,
    feature_post,
    make_posts,
    make_site,
    post,
    skip_without_chromium,
    static_host,
)

skip_without_chromium()

from playwright.sync_api import Browser  # noqa: E402
from test_theme import DESKTOP, PHONE, WIDE_POST, axe_violations, open_page  # noqa: E402

SCREENSHOTS = Path(os.environ.get("BLOGKIT_SCREENSHOTS")
                   or Path(__file__).parent.parent / ".test-screenshots")
KINDS = ["home", "home page 2", "post with math and code", "wide post", "page", "categories",
         "category", "tags", "tag", "archive", "404"]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """14 posts a language (two pages of 12), the feature post with math, code, a table and
    a figure, the wide post (a tagged formula, a long one, a wide table), an about page."""
    root = make_site(tmp_path_factory.mktemp("reader-view"), {
        **make_posts(13, langs=("zh", "en")),
        "content/posts/feature/index.zh.md": feature_post("zh"),
        "content/posts/feature/index.en.md": feature_post("en"),
        "content/posts/feature/fig.svg": "<svg xmlns='http://www.w3.org/2000/svg' "
                                         "width='40' height='20'/>",
        "content/posts/wide/index.zh.md": WIDE_POST,
        "content/about.zh.md": post("关于", "2025-01-01", "关于本站。"),
        "content/about.en.md": post("About", "2025-01-01", "About this site."),
    })
    build_site(root)
    return root / "public"


@pytest.fixture(scope="module")
def base(site: Path) -> Iterator[str]:
    with static_host(site) as url:
        yield url


def pages(site: Path) -> dict[tuple[str, str], str]:
    """(language, kind) → the page's path below the base path, found in the built site."""
    found = {}
    for lang, prefix in (("zh", ""), ("en", "en/")):
        category = sorted((site / prefix / "categories").glob("*/index.html"))[0].parent.name
        tag = sorted((site / prefix / "tags").glob("*/index.html"))[0].parent.name
        paths = [prefix, f"{prefix}page/2/", f"{prefix}posts/feature/",
                 "posts/wide/" if lang == "zh" else None, f"{prefix}about/",
                 f"{prefix}categories/", f"{prefix}categories/{category}/", f"{prefix}tags/",
                 f"{prefix}tags/{tag}/", f"{prefix}archives/", f"{prefix}404.html"]
        for kind, path in zip(KINDS, paths, strict=True):
            if path is not None:
                assert (site / path.removesuffix("/") / ("" if path.endswith(".html")
                                                         else "index.html")).is_file(), path
                found[(lang, kind)] = path
    return found


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_every_page_kind_reads_well(browser: Browser, site: Path, base: str, width: str,
                                    scheme: str) -> None:
    viewport = DESKTOP if width == "desktop" else PHONE
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems: dict[str, object] = {}
    for (lang, kind), path in pages(site).items():
        page = open_page(browser, base + path, viewport, scheme)
        try:
            name = f"{lang}-{kind.replace(' ', '-')}-{width}-{scheme}"
            page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth")
            room = page.evaluate("""() => {
                const header = document.querySelector('header').getBoundingClientRect();
                const title = document.querySelector('main h1, main h2');
                return title ? title.getBoundingClientRect().top - header.bottom : null;
            }""")
            violations = axe_violations(page)
        finally:
            page.context.close()
        if overflow > 0:
            problems[f"{name}: scrolls sideways"] = overflow
        if room is None or room < 8:
            problems[f"{name}: title under the header"] = room
        if violations:
            problems[f"{name}: axe"] = violations
    assert problems == {}


def test_only_boxes_that_scroll_are_tab_stops(browser: Browser, base: str) -> None:
    """The wide post's formulas, table and code scroll in their own box on a phone: each is
    reachable by keyboard (axe's scrollable-region-focusable). On a desktop, where some fit,
    those that fit are no tab stops (the window's width changed: looked at again)."""
    state = """() => [...document.querySelectorAll('pre, .katex-display, main table')].map(
        e => [e.scrollWidth > e.clientWidth + 1, e.getAttribute('tabindex') === '0'])"""
    page = open_page(browser, base + "posts/wide/", PHONE)
    try:
        boxes = page.evaluate(state)
        assert len(boxes) >= 3 and all(scrolls for scrolls, _ in boxes), boxes
        assert all(stop == scrolls for scrolls, stop in boxes), boxes
        page.set_viewport_size(DESKTOP)
        page.wait_for_function(f"() => ({state})().every(([s, t]) => s === t)")
        boxes = page.evaluate(state)
        assert any(not scrolls for scrolls, _ in boxes), boxes
    finally:
        page.context.close()
