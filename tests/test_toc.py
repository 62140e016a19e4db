"""THEME: the reader's view of a post in Chromium: its table of contents, reading progress
bar and back-to-top button.

On wide screens the table of contents is a sticky column beside the text that marks the
section in view (`aria-current`); on a phone it stays the box above the text; without
JavaScript it is plain links. The progress bar and the back-to-top button's showing come
from blogkit.js. The built site is served as a static host serves it. Skipped like
test_browser.py without /usr/bin/chromium, except in CI.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from conftest import build_site, make_site, post, skip_without_chromium, static_host

skip_without_chromium()

from playwright.sync_api import Browser, Locator, Page, expect  # noqa: E402
from test_browser import settle  # noqa: E402
from test_theme import axe_violations  # noqa: E402

# test_browser's fixtures, found by pytest under these names (one Chromium for the module).

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
WIDE = [1200, 1440, 1920]
"""Widths (px) with room for the contents beside the 46rem text column."""
SECTIONS = ["引言", "一个相当长的小节标题，用来检查目录栏里的换行是否正常", "方法", "实验",
            "讨论", "结论"]
"""The zh long post's h2 headings, in order (the third has an h3, 细节)."""
PARAGRAPH = ("这是一段足够长的正文，用来让每一节都比屏幕高一些，这样滚动时才能看出目录标记的是"
             "哪一节。Diffusion models learn to reverse a noising process step by step. ") * 4


def long_body(headings: list[str], sub: str) -> str:
    parts = []
    for i, heading in enumerate(headings):
        # The last section is short: its heading cannot scroll to the top of the window.
        text = "Fin." if i == len(headings) - 1 else "\n\n".join([PARAGRAPH] * 4)
        parts.append(f"## {heading}\n\n{text}")
        if i == 2:
            parts.append(f"### {sub}\n\n" + "\n\n".join([PARAGRAPH] * 2) + "\n\n"
                         "$$\n" + " + ".join(f"x_{{{n}}}^2" for n in range(8)) + "\n$$\n\n"
                         "```python\n"
                         "result = step(x_t, t)\n```")
    return "\n\n".join(parts)


FILES = {
    "content/posts/long/index.zh.md": post("长文章", "2025-06-01", long_body(SECTIONS, "细节"),
                                           tags=["长文"]),
    "content/posts/long/index.en.md": post(
        "A long post", "2025-06-01",
        long_body(["Introduction", "A rather long section heading to check the wrapping",
                   "Method", "Experiments", "Discussion", "Conclusion"], "Details")),
    "content/posts/short/index.zh.md": post("短文章", "2025-06-02", "只有一段。"),
    "content/posts/many/index.zh.md": post("很多节", "2025-06-03", "\n\n".join(
        f"## 第 {i} 节\n\n{PARAGRAPH}" for i in range(40))),
}


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`http://127.0.0.1:PORT/blog/`, serving the built site of FILES."""
    root = make_site(tmp_path_factory.mktemp("toc-site"), FILES)
    build_site(root)
    with static_host(root / "public") as url:
        yield url


def open_page(browser: Browser, url: str, viewport: dict[str, int] = DESKTOP,
              scheme: str = "light", javascript: bool = True) -> Page:
    """A settled page in a context of its own (closed with the page's context by the caller)."""
    context = browser.new_context(viewport=viewport, color_scheme=scheme,  # type: ignore[arg-type]
                                  java_script_enabled=javascript)
    page = context.new_page()
    page.goto(url)
    settle(page)
    return page


def box(locator: Locator) -> dict[str, float]:
    found = locator.bounding_box()
    assert found is not None
    return found


def scroll_to_heading(page: Page, name: str) -> None:
    """Scroll as a click on its link would: the heading at the top (its scroll margin)."""
    page.locator(".post-body").get_by_role("heading", name=name).evaluate(
        "heading => heading.scrollIntoView()")


def overflows(page: Page) -> bool:
    return bool(page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth"))


# -- 1. wide screens: a sticky column beside the text ------------------------------------

SCROLL_BOXES = """() => [...document.querySelectorAll(
    '.post-body pre, .post-body table, .post-body .katex-display')].map(
    element => element.getBoundingClientRect().right)"""


@pytest.mark.parametrize("width", WIDE)
def test_the_contents_are_a_sticky_column_beside_the_text(browser: Browser, base: str,
                                                         width: int) -> None:
    page = open_page(browser, base + "posts/long/", {"width": width, "height": 900})
    try:
        toc, text = page.locator("nav.toc"), page.locator(".post-body")
        before = box(text)
        nav = box(toc)
        # Beside the column, a gap between, inside the window; the page does not scroll sideways.
        assert nav["x"] >= before["x"] + before["width"] + 16, (nav, before)
        assert nav["x"] + nav["width"] <= page.evaluate("document.documentElement.clientWidth")
        assert all(right <= before["x"] + before["width"] + 0.5
                   for right in page.evaluate(SCROLL_BOXES))
        assert not overflows(page)
        # Level with the post's header, not above or below it.
        header = box(page.locator(".post-header"))
        assert abs(nav["y"] - header["y"]) <= 1, (nav, header)
        # Far down the post, the contents are still on screen, and the text has not moved.
        scroll_to_heading(page, SECTIONS[4])
        expect(toc.get_by_role("link", name=SECTIONS[4])).to_be_in_viewport()
        expect(toc.locator("details")).to_be_in_viewport()
        after = box(text)
        assert (after["x"], after["width"]) == (before["x"], before["width"])
        sticky = box(toc.locator("details"))
        assert sticky["y"] >= 0 and sticky["x"] >= after["x"] + after["width"] + 16
    finally:
        page.context.close()


# -- 2. the section in view is marked -----------------------------------------------------

LINK_BOXES = """toc => [...toc.querySelectorAll('a')].map(a => {
    const r = a.getBoundingClientRect();
    return [r.x, r.width, r.height];
})"""


def test_the_section_in_view_is_marked_while_scrolling(browser: Browser, base: str) -> None:
    page = open_page(browser, base + "posts/long/")
    try:
        toc = page.locator("nav.toc")
        marked = toc.locator('a[aria-current="true"]')
        sizes = toc.evaluate(LINK_BOXES)
        for name in (SECTIONS[2], "细节", SECTIONS[4], SECTIONS[1]):  # down, then back up
            scroll_to_heading(page, name)
            expect(marked).to_have_count(1)
            expect(marked).to_have_text(name)
        # Marking moves nothing: every link keeps its place and size in the column.
        assert toc.evaluate(LINK_BOXES) == sizes
        # The last section cannot scroll to the top of the window; jumped to, it is marked.
        toc.get_by_role("link", name=SECTIONS[-1]).click()
        expect(marked).to_have_text(SECTIONS[-1])
        expect(marked).to_have_count(1)
        # Scrolling on, the reading position decides again.
        scroll_to_heading(page, SECTIONS[3])
        expect(marked).to_have_text(SECTIONS[3])
    finally:
        page.context.close()


def test_a_long_table_of_contents_scrolls_in_its_column_to_the_marked_link(
        browser: Browser, base: str) -> None:
    page = open_page(browser, base + "posts/many/", {"width": 1200, "height": 700})
    try:
        details = page.locator("nav.toc details")
        assert details.evaluate("box => box.scrollHeight > box.clientHeight")
        for name in ("第 30 节", "第 39 节", "第 2 节"):
            scroll_to_heading(page, name)
            marked = page.locator('nav.toc a[aria-current="true"]')
            expect(marked).to_have_text(name)
            expect(marked).to_be_in_viewport()  # not clipped away by its scrolling column
        # The column, not the page, scrolled: the heading is still at the top of the window.
        heading = page.locator(".post-body").get_by_role("heading", name="第 2 节", exact=False)
        assert abs(box(heading)["y"] - 16) <= 1
    finally:
        page.context.close()


def test_on_a_phone_the_contents_stay_a_box_above_the_text(browser: Browser,
                                                          base: str) -> None:
    page = open_page(browser, base + "posts/long/", PHONE)
    try:
        toc, details = page.locator("nav.toc"), page.locator("nav.toc details")
        nav, text = box(toc), box(page.locator(".post-body"))
        assert nav["y"] + nav["height"] <= text["y"] and abs(nav["x"] - text["x"]) <= 1
        expect(details).to_have_attribute("open", "")
        page.locator("nav.toc summary").click()
        expect(details).not_to_have_attribute("open", "")
        expect(toc.get_by_role("link", name=SECTIONS[0])).to_be_hidden()
        assert not overflows(page)
        page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
        expect(page.locator(".back-to-top")).to_be_visible()
        assert not overflows(page)
    finally:
        page.context.close()


def test_without_javascript_the_contents_are_plain_links(browser: Browser, base: str) -> None:
    page = open_page(browser, base + "posts/long/", javascript=False)
    try:
        toc = page.locator("nav.toc")
        toc.get_by_role("link", name=SECTIONS[3]).click()
        page.wait_for_url(re.compile("#"))
        heading = page.locator(".post-body").get_by_role("heading", name=SECTIONS[3])
        expect(heading).to_be_in_viewport()
        expect(toc.locator("[aria-current]")).to_have_count(0)
        expect(page.locator(".reading-progress")).to_have_count(0)
        # Back to top: a plain link in the footer, named in the page's language.
        back = page.locator("footer.site-footer").get_by_role("link", name="回到顶部")
        expect(back).to_be_visible()
        back.click()
        page.wait_for_function("window.scrollY === 0")
    finally:
        page.context.close()


# -- 3. reading progress and back to top -------------------------------------------------

SCALE = """() => {
    const bar = document.querySelector('.reading-progress');
    return new DOMMatrixReadOnly(getComputedStyle(bar).transform).a;
}"""


def test_the_progress_bar_grows_with_scrolling(browser: Browser, base: str) -> None:
    page = open_page(browser, base + "posts/long/")
    try:
        bar = page.locator(".reading-progress")
        expect(bar).to_have_count(1)
        expect(bar).to_have_attribute("aria-hidden", "true")
        expect(bar).to_have_attribute("style", re.compile(r"scaleX\(0\)"))
        page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight / 2)")
        page.wait_for_function(f"({SCALE})() > 0 && ({SCALE})() < 1")
        page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
        expect(bar).to_have_attribute("style", re.compile(r"scaleX\(1\)"))
        top, left = box(bar)["y"], box(bar)["x"]
        assert top == 0 and left == 0
    finally:
        page.context.close()
    # Posts only: not on the home page.
    home = open_page(browser, base)
    try:
        expect(home.locator(".reading-progress")).to_have_count(0)
    finally:
        home.context.close()


@pytest.mark.parametrize(("path", "name"), [("posts/long/", "回到顶部"),
                                             ("en/posts/long/", "Back to top")])
def test_back_to_top_shows_once_scrolled_and_is_reached_by_keyboard(
        browser: Browser, base: str, path: str, name: str) -> None:
    page = open_page(browser, base + path)
    try:
        back = page.locator("a.back-to-top")
        expect(back).to_be_hidden()  # at the top: neither shown nor in the tab order
        # The keyboard: from the last link of the page's content, Tab reaches it.
        page.locator("main a").last.focus()
        expect(page.get_by_role("link", name=name, exact=True)).to_be_visible()
        page.keyboard.press("Tab")
        expect(back).to_be_focused()
        page.keyboard.press("Enter")
        page.wait_for_function("window.scrollY === 0")
        expect(back).to_be_hidden()
        # The keyboard is back at the top too: the next Tab is the skip link.
        page.keyboard.press("Tab")
        expect(page.locator(".skip-link")).to_be_focused()
    finally:
        page.context.close()


# -- 4. accessibility of the scrolled states ---------------------------------------------

@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_scrolled_post_passes_every_axe_rule(browser: Browser, base: str, scheme: str,
                                               viewport: dict[str, int]) -> None:
    """Scrolled down: a link marked, the progress bar part grown, back-to-top shown."""
    for path, heading in (("posts/long/", SECTIONS[3]), ("en/posts/long/", "Experiments")):
        page = open_page(browser, base + path, viewport, scheme)
        try:
            scroll_to_heading(page, heading)
            expect(page.locator('nav.toc a[aria-current="true"]')).to_have_text(heading)
            expect(page.locator(".back-to-top")).to_be_visible()
            assert axe_violations(page) == [], (path, scheme)
        finally:
            page.context.close()
