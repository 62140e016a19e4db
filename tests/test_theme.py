"""THEME: what a reader sees of the built-in theme, in built HTML and in Chromium.

Room around `main`, wide formulas and tables on a phone, accessibility checked by the real
axe-core, the dev server's error overlay, the per-language 404 pages, the post navigation
and the header links. Static pages are served from a built public/ folder; the overlay
needs `blogkit serve` (test_browser's `server` fixture). Skipped like test_browser.py
without /usr/bin/chromium, except in CI.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import build_site, make_site, post, sample_site, skip_without_chromium, static_host

skip_without_chromium()

import test_browser  # noqa: E402 (after the skip, as the imports below)
from playwright.sync_api import Browser, Page, expect  # noqa: E402
from test_browser import Server, settle  # noqa: E402

# test_browser's fixtures, found by pytest under these names: its Chromium and, for the
# overlay, `blogkit serve` of its sample site (one of each for this module).
server = test_browser.server

AXE = Path(__file__).parent.parent / ".test-tools/node_modules/axe-core/axe.min.js"
"""axe-core, installed by scripts/test from tests/tools/package-lock.json."""
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
LONG_SUM = "".join(rf"\frac{{x_{{{i}}}}}{{y_{{{i}}}}} + " for i in range(12)) + "z"
WIDE_POST = post("宽内容", "2025-12-02", f"""\
## 编号公式

$$
E = mc^2 + \\frac{{a}}{{b}} + x_1 + x_2 + x_3 + x_4 + x_5 + x_6 + x_7 + x_8 \\tag{{1}}
$$

## 长公式

$$
{LONG_SUM}
$$

## 宽表格

| name | value | url |
|---|---|---|
| `a_rather_long_identifier_name` | `another_long_identifier` | `https://example.com/a/long/path` |

## 代码

```python
#!/usr/bin/env python3
# A comment, a decorator, an exception, word operators, escapes and interpolation.
import re

@cache
def check(x):
    if x is not None and not re.match(r"^a+$", x):
        raise ValueError(f"bad {{x!r}}\\n")
```
""", tags=["宽"])
"""A post with a tagged formula, a formula and a table all wider than a phone, and code
with the tokens light Pygments styles colour most faintly (comments, decorators...)."""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built sample site (15 zh posts, 11 en) and the wide post: its public/ folder."""
    root = make_site(tmp_path_factory.mktemp("theme-site"),
                     {**sample_site(14), "content/posts/wide/index.zh.md": WIDE_POST})
    build_site(root)
    return root / "public"


@pytest.fixture(scope="module")
def base(site: Path) -> Iterator[str]:
    """`http://127.0.0.1:PORT/blog/`, serving the built site as a static host does."""
    with static_host(site) as url:
        yield url


def open_page(browser: Browser, url: str, viewport: dict[str, int] = DESKTOP,
              scheme: str = "light") -> Page:
    """A settled page in a context of its own (closed with the page's context by the caller)."""
    context = browser.new_context(viewport=viewport, color_scheme=scheme)  # type: ignore[arg-type]
    page = context.new_page()
    page.goto(url)
    settle(page)
    return page


def read(site: Path, name: str) -> str:
    return (site / name).read_text(encoding="utf-8")


# -- 1. room above and below the content -----------------------------------------------

ROOM = """() => {
    const main = document.querySelector('main');
    const first = [...main.querySelectorAll('*')].find(
        e => [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()));
    const header = document.querySelector('.site-header').getBoundingClientRect();
    const footer = document.querySelector('.site-footer').getBoundingClientRect();
    return [first.getBoundingClientRect().top - header.bottom,
            footer.top - main.lastElementChild.getBoundingClientRect().bottom];
}"""
"""The gaps (px) between the header and the first text of `main`, and between the last
thing in `main` (a post's navigation, the home page's pagination) and the footer."""


@pytest.mark.parametrize("path", ["posts/feature/", "posts/post-05/", "tags/", "categories/",
                                  "tags/katex/", "archives/", "about/", "en/posts/feature/",
                                  "en/archives/"])
def test_every_page_has_room_above_and_below_like_the_home_page(
        browser: Browser, base: str, path: str) -> None:
    home = open_page(browser, base)
    home_top, home_bottom = home.evaluate(ROOM)
    home.context.close()
    page = open_page(browser, base + path)
    top, bottom = page.evaluate(ROOM)
    page.context.close()
    assert home_top > 0 and home_bottom > 0
    assert home_top / 2 <= top <= home_top * 2, (top, home_top)
    # At least as much room below (a short page's footer is lower still: main's min-height).
    assert bottom >= home_bottom / 2, (bottom, home_bottom)


# -- 2. wide formulas and tables on a phone ----------------------------------------------

BOXES = """() => [...document.querySelectorAll('.post-body .katex-display, .post-body table')]
    .map(box => {
        const style = getComputedStyle(box);
        return {kind: box.tagName, overflowX: style.overflowX, image: style.backgroundImage,
                attachment: style.backgroundAttachment,
                overflows: box.scrollWidth > box.clientWidth};
    })"""
TAGS = """() => [...document.querySelectorAll('.katex-display .tag')].map(tag => {
    const box = tag.closest('.katex-display');
    box.scrollLeft = box.scrollWidth;  // the tag is at the end: scrolled to, it is in view
    const bases = [...tag.parentElement.querySelectorAll(':scope > .base')]
        .map(base => base.getBoundingClientRect());
    const own = tag.getBoundingClientRect(), outer = box.getBoundingClientRect();
    return {tagLeft: own.left, tagRight: own.right, boxRight: outer.right,
            formulaRight: Math.max(...bases.map(b => b.right))};
})"""


def test_wide_formulas_and_tables_scroll_in_their_own_box_on_a_phone(
        browser: Browser, base: str) -> None:
    page = open_page(browser, base + "posts/wide/", PHONE)
    try:
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
        boxes = page.evaluate(BOXES)
        wide = [box for box in boxes if box["overflows"]]
        assert [box["kind"] for box in wide] == ["SPAN", "SPAN", "TABLE"], boxes
        for box in wide:
            assert box["overflowX"] == "auto", box
            # The cue: shadows fixed to the box, covers that scroll with the content.
            assert "gradient" in box["image"] and "local" in box["attachment"] \
                and "scroll" in box["attachment"], box
    finally:
        page.context.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_formula_tag_never_overlaps_its_formula(browser: Browser, base: str,
                                                  viewport: dict[str, int]) -> None:
    page = open_page(browser, base + "posts/wide/", viewport)
    try:
        tags = page.evaluate(TAGS)
        assert len(tags) == 1
        for tag in tags:
            assert tag["tagLeft"] >= tag["formulaRight"] - 0.5, tag
            assert tag["tagRight"] <= tag["boxRight"] + 0.5, tag
    finally:
        page.context.close()


# -- 3. accessibility, by axe-core -------------------------------------------------------

def axe_violations(page: Page, rules: list[str] | None = None) -> list[dict[str, Any]]:
    """axe-core's violations on `page`: of `rules`, or of every rule axe runs by default."""
    assert AXE.is_file(), f"{AXE} is missing: run `bash scripts/test --version` to install it"
    page.add_script_tag(path=str(AXE))
    options = {"runOnly": {"type": "rule", "values": rules}} if rules else {}
    found: list[dict[str, Any]] = page.evaluate(
        """options => axe.run(document, options).then(result => result.violations.map(v => ({
            id: v.id, help: v.help,
            nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ': ' + n.failureSummary)
        })))""", options)
    return found


PAGES = ["", "page/2/", "posts/feature/", "posts/wide/", "about/", "categories/",
         "categories/deep-learning/", "tags/", "tags/katex/", "archives/", "404.html",
         "en/", "en/posts/feature/", "en/tags/", "en/404.html"]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_headings_links_and_highlighted_code_pass_axe(browser: Browser, base: str,
                                                     scheme: str) -> None:
    for path in ("posts/wide/", "en/posts/feature/"):
        page = open_page(browser, base + path, scheme=scheme)
        try:
            assert page.locator(".post-body .heading-anchor").count() >= 3
            assert page.locator("pre.highlight .k, pre.highlight .nf").count() > 0
            assert axe_violations(page, ["aria-hidden-focus", "color-contrast"]) == [], path
        finally:
            page.context.close()


@pytest.mark.parametrize("scheme", ["light", "dark", "dark-by-toggle"])
def test_every_kind_of_page_passes_every_axe_rule(browser: Browser, base: str,
                                                 scheme: str) -> None:
    """In the system's light and dark schemes, and dark chosen with the header's toggle on
    a light system (the choice then holds on every page of the context)."""
    chosen = None
    if scheme == "dark-by-toggle":
        chosen = open_page(browser, base, scheme="light")
        chosen.get_by_role("button", name="深色模式").click()
        expect(chosen.locator("html")).to_have_attribute("data-theme", "dark")
    found = {}
    for path in PAGES:
        if chosen is None:
            page = open_page(browser, base + path, scheme=scheme)
        else:
            page = chosen.context.new_page()
            page.goto(base + path)
            settle(page)
            expect(page.locator("html")).to_have_attribute("data-theme", "dark")
        try:
            violations = axe_violations(page)
        finally:
            if chosen is None:
                page.context.close()
            else:
                page.close()
        if violations:
            found[path] = violations
    if chosen is not None:
        chosen.context.close()
    assert found == {}


def test_heading_links_are_named_in_the_page_language(browser: Browser, base: str) -> None:
    for path, name in (("posts/feature/", "本节链接"),
                       ("en/posts/feature/", "Link to this section")):
        page = open_page(browser, base + path)
        try:
            links = page.locator(".post-body h2, .post-body h3").get_by_role("link", name=name)
            expect(links).to_have_count(3)
        finally:
            page.context.close()


# -- 4. the dev server's error overlay ----------------------------------------------------

HEAVY_CODE = ("code, li, ul, small, strong { color: #fdfdfd !important; "
              "background: #ffffff !important; font-size: 6px !important; } "
              "div { color: #fdfdfd; background: #ffffff; }")
"""A theme that styles code (and everything else an overlay is made of) heavily."""
CONTRAST = """host => {
    const root = host.shadowRoot || host;
    const code = root.querySelector('code');
    const rgb = value => value.match(/[\\d.]+/g).map(Number);
    const luminance = ([r, g, b]) => [r, g, b].map(c => c / 255)
        .map(c => c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4)
        .reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i], 0);
    let node = code, background = null;
    while (node && !background) {  // the first opaque background, out through the host
        const colour = rgb(getComputedStyle(node).backgroundColor);
        if (colour.length === 3 || colour[3] > 0) background = colour.slice(0, 3);
        node = node.parentElement || (node.getRootNode() instanceof ShadowRoot
                                      ? node.getRootNode().host : null);
    }
    const [a, b] = [luminance(rgb(getComputedStyle(code).color)), luminance(background)];
    return {text: code.textContent, contrast: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)};
}"""


def test_the_overlay_is_readable_whatever_the_theme_styles(server: Server,
                                                          browser: Browser) -> None:
    about = server.root / "content/about.zh.md"
    good = about.read_text(encoding="utf-8")
    page = open_page(browser, server.url("about/"))
    try:
        about.write_text("---\ntitle: [broken\n---\n", encoding="utf-8")
        overlay = page.locator("#blogkit-overlay")
        expect(overlay).to_be_visible(timeout=20_000)  # the page reloads itself
        settle(page)
        page.add_style_tag(content=HEAVY_CODE)
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
            found = overlay.evaluate(CONTRAST)
            assert found["text"].startswith("content/about.zh.md:"), found
            assert found["contrast"] >= 4.5, (scheme, found)
    finally:
        about.write_text(good, encoding="utf-8")
        expect(page.locator("#blogkit-overlay")).to_have_count(0, timeout=20_000)
        page.context.close()


# -- 6. a 404 page per language -----------------------------------------------------------

def test_every_language_has_its_own_404_page(site: Path) -> None:
    zh, en = read(site, "404.html"), read(site, "en/404.html")
    assert '<html lang="zh">' in zh and "页面不存在" in zh and 'href="/blog/">首页' in zh
    assert '<html lang="en">' in en and "Page not found" in en and "页面" not in en
    assert 'href="/blog/en/">Home' in en and 'href="/blog/en/">Back to the home page' in en
    # The language switcher links the two.
    assert 'hreflang="en" href="/blog/en/404.html"' in zh
    assert 'hreflang="zh" href="/blog/404.html"' in en


def test_the_root_404_page_speaks_the_language_of_the_missing_path(browser: Browser,
                                                                   base: str) -> None:
    """A static host answers every missing path with the root 404.html (GitHub Pages,
    Netlify): under /en/ it shows the English message; elsewhere, and without
    JavaScript, the default language's."""
    shown = {}
    for path, script in (("en/no-such-post/", True), ("no-such-post/", True),
                         ("en/no-such-post/", False)):
        context = browser.new_context(java_script_enabled=script)
        page = context.new_page()
        answer = page.goto(base + path)
        assert answer is not None and answer.status == 404
        visible = page.locator(".not-found:visible h1")
        expect(visible).to_have_count(1)
        shown[(path, script)] = (visible.inner_text(), page.evaluate(
            "document.documentElement.lang"), page.title())
        context.close()
    assert shown[("en/no-such-post/", True)] == ("404 · Page not found", "en",
                                                 "404 · Page not found")
    assert shown[("no-such-post/", True)][:2] == ("404 · 页面不存在", "zh")
    assert shown[("en/no-such-post/", False)][:2] == ("404 · 页面不存在", "zh")


# -- 7. the post navigation and the header links -------------------------------------------

POST_NAV = re.compile(r'<nav class="post-nav"[^>]*>(.*?)</nav>', re.DOTALL)
NAV_LINK = re.compile(r'<a class="(older|newer)" rel="(prev|next)" href="([^"]*)">'
                      r"<span>([^<]*)</span>([^<]*)</a>")


def test_the_older_post_is_on_the_left_and_the_newer_on_the_right(site: Path) -> None:
    nav = POST_NAV.search(read(site, "posts/post-05/index.html"))
    assert nav is not None
    links = [match.groups() for match in NAV_LINK.finditer(nav.group(1))]
    assert links == [("older", "prev", "/blog/posts/post-04/", "上一篇", "第 4 篇文章"),
                     ("newer", "next", "/blog/posts/post-06/", "下一篇", "第 6 篇文章")]
    en = POST_NAV.search(read(site, "en/posts/post-05/index.html"))
    assert en is not None
    assert [m.group(4) for m in NAV_LINK.finditer(en.group(1))] == ["Previous", "Next"]


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_post_navigation_reads_older_then_newer(browser: Browser, base: str,
                                                    viewport: dict[str, int]) -> None:
    page = open_page(browser, base + "posts/post-05/", viewport)
    try:
        older = page.locator("nav.post-nav a", has_text="上一篇")
        newer = page.locator("nav.post-nav a", has_text="下一篇")
        expect(older).to_contain_text("第 4 篇文章")
        expect(newer).to_contain_text("第 6 篇文章")
        first, second = older.bounding_box(), newer.bounding_box()
        assert first is not None and second is not None
        # Side by side: older left; stacked on a phone: older first.
        assert (first["x"], first["y"]) < (second["x"], second["y"])
        if viewport is DESKTOP:
            assert first["x"] + first["width"] <= second["x"]
    finally:
        page.context.close()


def test_the_header_links_the_tags_page_in_each_language(site: Path) -> None:
    for page, label, url in (("index.html", "标签", "/blog/tags/"),
                             ("en/posts/feature/index.html", "Tags", "/blog/en/tags/")):
        header = read(site, page).split("</header>", 1)[0]
        assert f'<a href="{url}">{label}</a>' in header, page
    tags = read(site, "en/tags/index.html").split("</header>", 1)[0]
    assert '<a href="/blog/en/tags/" aria-current="page">Tags</a>' in tags
    labels = re.findall(r"<a [^>]*>([^<]*)</a>", read(site, "index.html").split(
        '<nav class="site-nav"', 1)[1].split("</nav>", 1)[0])
    assert labels == ["首页", "分类", "标签", "归档", "关于"]


def test_the_tags_link_in_the_header_opens_the_tags_page(browser: Browser, base: str) -> None:
    page = open_page(browser, base + "en/posts/feature/")
    try:
        page.locator("nav.site-nav").get_by_role("link", name="Tags", exact=True).click()
        page.wait_for_url(base + "en/tags/")
        expect(page.locator("main h1")).to_have_text("Tags")
        expect(page.locator("nav.site-nav [aria-current=page]")).to_have_text("Tags")
        expect(page.locator(".term-list")).to_contain_text("KaTeX")
    finally:
        page.context.close()

