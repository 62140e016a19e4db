"""THEME: code blocks, light and dark, what each page loads, and mixed Chinese and English.

The built HTML first (which pages link css/highlight.css, the head's theme script, the
stylesheets' dark values and font stacks), then the pages in Chromium: the copy button,
the light/dark toggle, Pygments' and KaTeX's colours in each scheme, the code blocks'
parts at desktop and phone widths, inline formulas in running text, and which faces draw
Latin letters. Skipped like test_browser.py without /usr/bin/chromium, except in CI.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import build_site, make_site, post, skip_without_chromium, static_host

skip_without_chromium()

from playwright.sync_api import Browser, BrowserContext, Page, expect  # noqa: E402
from test_browser import settle  # noqa: E402
from test_theme import DESKTOP, PHONE  # noqa: E402

from blogkit.highlight import stylesheet  # noqa: E402

FENCED = '''\
{intro}

```python
import numpy as np
def total(x):  # a comment long enough to run past the right edge of a phone's screen, and on
    return np.sum(x ** 2)
```

```python {{linenos=true,hl_lines=[2]}}
first = 1
second = first + 1
third = second + 1
```

```js title="src/app.js" linenums="1"
let a = 1;
let b = a;
```

```
no language, as written
```

![{figure}](fig.svg)
'''
"""A post's code blocks: labelled, numbered with a marked line, captioned, plain."""
CODE_TEXTS = ["import numpy as np\ndef total(x):  # a comment long enough to run past the right "
              "edge of a phone's screen, and on\n    return np.sum(x ** 2)",
              "first = 1\nsecond = first + 1\nthird = second + 1",
              "let a = 1;\nlet b = a;",
              "no language, as written"]
"""What each block's copy button must put on the clipboard."""
FORMULAS = [r"\frac{a}{b}", r"\frac{\partial L}{\partial \theta}", r"\sum_{i=1}^{n} x_i",
            r"\hat{\theta}_t", r"\binom{n}{k}", r"\sqrt{x}"]
"""Inline formulas of running text: none may make its line taller."""
TALL = r"\dfrac{a}{b}"
"""A display-size fraction inline: its line may grow, by less than a third."""


def _lines(text: str, plain: str, lang: str) -> str:
    said = "的一行。" if lang == "zh" else " in a line."
    return "\n\n".join([plain, *(f"{text} ${tex}${said}" for tex in [*FORMULAS, TALL])])


FIGURE = ('<svg xmlns="http://www.w3.org/2000/svg" width="200" height="80" viewBox="0 0 200 80">'
          '<path d="M10 70 L190 10" stroke="black" stroke-width="3"/></svg>\n')
FILES = {
    "content/posts/code/index.zh.md": post("代码", "2025-12-03", FENCED.format(
        intro=_lines("行内公式", "没有公式的一行，English words 混在中文里。", "zh"), figure="图")),
    "content/posts/code/index.en.md": post("Code", "2025-12-03", FENCED.format(
        intro=_lines("A formula", "A line without a formula, 中文 inside.", "en"),
        figure="figure")),
    "content/posts/code/fig.svg": FIGURE,
    "content/posts/prose/index.zh.md": post("散文", "2025-12-01", "只有文字。", tags=["文字"]),
    "content/posts/teaser/index.zh.md": post("预告", "2025-12-02", """\
开头的代码：

```sh
pip install blogkit
```

<!--more-->

其余的正文。
""", tags=["预告"]),
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_site(tmp_path_factory.mktemp("code-theme"), FILES)
    build_site(root)
    return root / "public"


@pytest.fixture(scope="module")
def base(site: Path) -> Iterator[str]:
    with static_host(site) as url:
        yield url


def read(site: Path, name: str) -> str:
    return (site / name).read_text(encoding="utf-8")


def stylesheets(page_html: str) -> list[str]:
    return re.findall(r'<link rel="stylesheet" href="/blog/([^"]+)">', page_html)


def context(browser: Browser, scheme: str = "light", viewport: dict[str, int] = DESKTOP,
            **options: Any) -> BrowserContext:
    return browser.new_context(viewport=viewport, color_scheme=scheme,  # type: ignore[arg-type]
                               **options)


def open_in(ctx: BrowserContext, url: str) -> Page:
    page = ctx.new_page()
    page.goto(url)
    settle(page)
    return page


# -- in the built HTML ---------------------------------------------------------------------

def test_only_pages_that_show_code_link_the_code_stylesheet(site: Path) -> None:
    assert stylesheets(read(site, "posts/code/index.html")) == [
        "css/blogkit.css", "css/highlight.css", "katex/katex.min.css"]
    assert stylesheets(read(site, "posts/prose/index.html")) == ["css/blogkit.css"]
    # The teaser's excerpt (cut by <!--more-->) holds its code block: listings showing it
    # show code; a tag page listing the prose alone does not.
    assert '<pre class="highlight" data-lang="sh">' in read(site, "index.html")
    assert "css/highlight.css" in stylesheets(read(site, "index.html"))
    assert "css/highlight.css" in stylesheets(read(site, "tags/预告/index.html"))
    for name in ("tags/文字/index.html", "archives/index.html", "tags/index.html",
                 "categories/index.html", "404.html"):
        assert stylesheets(read(site, name)) == ["css/blogkit.css"], name
    # The English code post's automatic excerpt: its formulas, never its code.
    assert stylesheets(read(site, "en/index.html")) == ["css/blogkit.css", "katex/katex.min.css"]
    assert (site / "css/highlight.css").is_file() and (site / "js/blogkit.js").is_file()


def test_the_theme_is_set_before_any_stylesheet_and_the_script_speaks_the_language(
        site: Path) -> None:
    for name, words in (("posts/code/index.html", ("复制", "已复制", "深色模式")),
                        ("en/posts/code/index.html", ("Copy", "Copied", "Dark theme"))):
        head = read(site, name).split("</head>", 1)[0]
        inline = re.search(r"<script>(.*?)</script>", head, re.DOTALL)
        assert inline is not None, name
        # Not deferred, not a module, before the first stylesheet: it runs before styles apply.
        assert inline.start() < head.index('<link rel="stylesheet"'), name
        assert 'localStorage.getItem("blogkit-theme")' in inline.group(1)
        assert 'setAttribute("data-theme",t)' in inline.group(1)
        copy, copied, toggle = words
        assert (f'<script src="/blog/js/blogkit.js" defer data-copy="{copy}" '
                f'data-copied="{copied}"') in head, name
        page = read(site, name)
        assert f'class="theme-toggle" type="button" aria-pressed="false" aria-label="{toggle}"' \
            in page, name


DARK_BLOCK = re.compile(r"(?:@media \(prefers-color-scheme: dark\) \{\s*"
                        r':root:not\(\[data-theme="light"\]\)|:root\[data-theme="dark"\]) \{'
                        r"([^}]*)\}")


def _declarations(block: str) -> dict[str, str]:
    pairs = (line.strip().rstrip(";").split(":", 1) for line in block.split(";\n"))
    return {name.strip(): value.strip().rstrip(";") for name, value in
            (pair for pair in pairs if len(pair) == 2)}


def test_dark_is_the_same_by_the_system_and_by_the_readers_choice(site: Path) -> None:
    css = read(site, "css/blogkit.css")
    blocks = [_declarations(block) for block in DARK_BLOCK.findall(css)]
    assert len(blocks) == 2, blocks
    system, chosen = blocks
    assert chosen.pop("color-scheme") == "dark"
    assert system == chosen and "--bg" in system and "--svg-plate" in system


CJK_FACES = ("PingFang SC", "Hiragino Sans GB", "Noto Sans CJK SC", "Source Han Sans SC",
             "Microsoft YaHei", "WenQuanYi Micro Hei", "Songti SC", "Noto Serif CJK SC",
             "Source Han Serif SC", "SimSun", "Noto Sans Mono CJK SC")


def test_latin_faces_come_before_the_cjk_faces(site: Path) -> None:
    css = read(site, "css/blogkit.css")
    for name in ("sans", "serif", "mono"):
        found = re.search(rf"--font-{name}:([^;]*);", css)
        assert found is not None, name
        faces = [face.strip().strip('"') for face in found.group(1).split(",")]
        cjk = [i for i, face in enumerate(faces) if face in CJK_FACES]
        latin = [i for i, face in enumerate(faces[:-1]) if face not in CJK_FACES]
        assert cjk and latin and max(latin) < min(cjk), (name, faces)
        assert "system-ui" not in faces  # Microsoft YaHei on a Chinese Windows


def test_each_pygments_style_applies_in_its_own_scheme_only() -> None:
    rules = [line.strip() for line in stylesheet().splitlines()
             if line.strip() and not line.startswith(("/*", "@media", "}"))]
    assert rules and all(rule.startswith((":root[data-theme=light] .highlight",
                                          ":root[data-theme=dark] .highlight",
                                          ":root:not([data-theme=dark]) .highlight",
                                          ":root:not([data-theme=light]) .highlight"))
                         for rule in rules), [r for r in rules if ".highlight" not in r][:3]


# -- in the browser: the copy button ------------------------------------------------------

def test_the_copy_button_copies_the_code_and_says_so(browser: Browser, base: str) -> None:
    ctx = context(browser, permissions=["clipboard-read", "clipboard-write"])
    try:
        for path, copy, copied in (("posts/code/", "复制", "已复制"),
                                   ("en/posts/code/", "Copy", "Copied")):
            page = open_in(ctx, base + path)
            buttons = page.locator("main button.copy-code")
            expect(buttons).to_have_count(len(CODE_TEXTS))
            for index, text in enumerate(CODE_TEXTS):
                button = buttons.nth(index)
                expect(button).to_have_text(copy)
                button.click()
                expect(button).to_have_text(copied)
                assert page.evaluate("navigator.clipboard.readText()") == text, (path, index)
            expect(buttons.first).to_have_text(copy, timeout=10_000)  # and back, later
    finally:
        ctx.close()


def test_without_javascript_there_are_labels_but_no_buttons(browser: Browser, base: str) -> None:
    ctx = context(browser, "dark", java_script_enabled=False)
    try:
        page = open_in(ctx, base + "posts/code/")
        expect(page.locator("button.copy-code")).to_have_count(0)
        expect(page.locator("button.theme-toggle")).to_be_hidden()
        labels = page.evaluate("""() => [...document.querySelectorAll('main pre.highlight')]
            .map(pre => getComputedStyle(pre, '::before').content)""")
        # The captioned block's label is in its caption row; the plain block has none.
        assert labels == ['"python"', '"python"', '"js"', "none"], labels
        # The system's dark scheme still applies.
        assert page.evaluate("getComputedStyle(document.body).backgroundColor") == \
            "rgb(17, 20, 23)"
    finally:
        ctx.close()


# -- in the browser: light and dark --------------------------------------------------------

FIRST_PAINT = """() => {
    window.__seen = [];
    new MutationObserver(changes => {
        for (const change of changes) for (const node of change.addedNodes)
            if (node.nodeName === 'LINK' && node.rel === 'stylesheet')
                window.__seen.push(document.documentElement.getAttribute('data-theme'));
    }).observe(document, {childList: true, subtree: true});
}"""
"""Records `data-theme` at the moment each stylesheet link is parsed into the page."""


def test_the_toggle_switches_remembers_and_never_flashes(browser: Browser, base: str) -> None:
    ctx = context(browser, "light")
    ctx.add_init_script(script=f"({FIRST_PAINT})()")
    try:
        page = open_in(ctx, base + "posts/code/")
        toggle = page.get_by_role("button", name="深色模式")
        expect(toggle).to_be_visible()
        expect(toggle).to_have_attribute("aria-pressed", "false")
        assert page.evaluate("getComputedStyle(document.body).backgroundColor") == \
            "rgb(251, 251, 249)"
        toggle.click()
        expect(toggle).to_have_attribute("aria-pressed", "true")
        expect(page.locator("html")).to_have_attribute("data-theme", "dark")
        assert page.evaluate("localStorage.getItem('blogkit-theme')") == "dark"
        assert page.evaluate("getComputedStyle(document.body).backgroundColor") == \
            "rgb(17, 20, 23)"
        # Another page, in the other language: the choice holds from its first stylesheet.
        page.goto(base + "en/posts/code/")
        settle(page)
        assert page.evaluate("window.__seen") == ["dark"] * 3
        toggle = page.get_by_role("button", name="Dark theme")
        expect(toggle).to_have_attribute("aria-pressed", "true")
        toggle.click()  # back to light, on a light system: remembered too
        page.reload()
        settle(page)
        assert page.evaluate("window.__seen") == ["light"] * 3
        expect(toggle).to_have_attribute("aria-pressed", "false")
    finally:
        ctx.close()


TOKENS = """() => {
    const style = sel => getComputedStyle(document.querySelector(sel));
    const k = style('main pre.highlight .k');
    return {pre: style('main pre.highlight').backgroundColor, keyword: k.color,
            weight: k.fontWeight, comment: style('main pre.highlight .c1').color,
            body: style('body').color, katex: style('.post-body .katex').color,
            rule: getComputedStyle(document.querySelector('.post-body .katex .frac-line'))
                .borderBottomColor,
            plate: style('.post-body img[src$=".svg"]').backgroundColor};
}"""
LIGHT = {"pre": "rgb(248, 248, 248)", "keyword": "rgb(0, 128, 0)", "weight": "700",
         "comment": "rgb(61, 123, 123)", "body": "rgb(31, 35, 40)"}
DARK = {"pre": "rgb(39, 40, 34)", "keyword": "rgb(102, 217, 239)", "weight": "400",
        "comment": "rgb(149, 144, 119)", "body": "rgb(227, 230, 234)"}
"""Pygments' `default` and `monokai` styles (no bold keywords in monokai), the theme's text."""


@pytest.mark.parametrize(("system", "chosen", "expected"), [
    ("light", None, LIGHT), ("dark", None, DARK), ("dark", "light", LIGHT),
    ("light", "dark", DARK)])
def test_code_formulas_and_figures_take_the_colours_of_the_scheme(
        browser: Browser, base: str, system: str, chosen: str | None,
        expected: dict[str, str]) -> None:
    ctx = context(browser, system)
    if chosen:
        ctx.add_init_script(script=f"localStorage.setItem('blogkit-theme', '{chosen}')")
    try:
        page = open_in(ctx, base + "posts/code/")
        found = page.evaluate(TOKENS)
        assert {key: found[key] for key in expected} == expected, found
        # KaTeX inherits the text's colour, its fraction lines too.
        assert found["katex"] == found["body"] and found["rule"] == found["body"], found
        # An SVG drawn for a white page gets a light plate in dark mode only.
        plate = "rgba(0, 0, 0, 0)" if expected is LIGHT else "rgb(244, 244, 241)"
        assert found["plate"] == plate, found
    finally:
        ctx.close()


# -- in the browser: the parts of a code block ----------------------------------------------

PARTS = """() => [...document.querySelectorAll('main pre.highlight')].map(pre => {
    const px = value => parseFloat(value) || 0;
    const frame = pre.parentElement, framed = frame.getBoundingClientRect();
    const button = frame.querySelector(':scope > .copy-code').getBoundingClientRect();
    const caption = frame.querySelector(':scope > figcaption');
    const code = pre.querySelector('code');
    const first = (code.querySelector('.line') || code).getClientRects()[0];
    const label = getComputedStyle(pre, '::before');
    let text = null;  // where the label's text is: [left, right]
    if (label.content !== 'none' && label.display !== 'none') {
        // The label is generated content: no box to ask for; measure a copy of its text.
        const probe = document.createElement('span');
        probe.style.font = label.font;
        probe.style.letterSpacing = label.letterSpacing;
        probe.style.whiteSpace = 'nowrap';
        probe.textContent = pre.dataset.lang || '';
        document.body.append(probe);
        const width = probe.getBoundingClientRect().width;
        probe.remove();
        const right = label.position === 'absolute'  // in the caption's row, on the figure
            ? framed.right - px(label.right) - px(label.paddingRight)
            : pre.getBoundingClientRect().right - px(label.paddingRight);
        text = [right - width, right];
    }
    let titleRight = null;
    if (caption) {
        const range = document.createRange();
        range.selectNodeContents(caption);
        titleRight = Math.max(...[...range.getClientRects()].map(r => r.right));
    }
    const rgb = v => v.match(/[\\d.]+/g).map(Number);
    const lum = ([r, g, b]) => [r, g, b].map(c => c / 255)
        .map(c => c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4)
        .reduce((s, c, i) => s + c * [0.2126, 0.7152, 0.0722][i], 0);
    const back = rgb(getComputedStyle(caption || pre).backgroundColor);
    const [a, b] = [lum(rgb(label.color)), lum(back)];
    return {lang: pre.dataset.lang || '', left: framed.left, top: framed.top,
            right: framed.right, button: [button.left, button.top, button.right, button.bottom],
            label: text, titleRight, firstLine: first.top,
            contrast: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)};
})"""
"""Each code block's parts: its frame, copy button, label text, caption text, first line."""


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_label_caption_and_button_share_the_top_row_above_the_code(
        browser: Browser, base: str, scheme: str, viewport: dict[str, int]) -> None:
    ctx = context(browser, scheme, viewport)
    try:
        page = open_in(ctx, base + "posts/code/")
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
        blocks = page.evaluate(PARTS)
        assert [block["lang"] for block in blocks] == ["python", "python", "js", ""]
        for block in blocks:
            left, top, right, bottom = block["button"]
            # In the block's top right corner, above its first line of code.
            assert block["top"] <= top and right <= block["right"], block
            assert bottom <= block["firstLine"], block
            if block["lang"]:
                label_left, label_right = block["label"]
                assert block["left"] <= label_left and label_right <= left, block
                assert block["contrast"] >= 4.5, block
            if block["titleRight"] is not None:  # the caption's text ends before both
                assert block["titleRight"] <= min(left, block["label"][0]), block
    finally:
        ctx.close()


def test_the_top_row_stays_in_view_when_the_code_scrolls(browser: Browser, base: str) -> None:
    ctx = context(browser, "light", PHONE)
    try:
        page = open_in(ctx, base + "posts/code/")
        pre = page.locator("main pre.highlight").first
        assert pre.evaluate("pre => pre.scrollWidth > pre.clientWidth")
        box = pre.bounding_box()
        assert box is not None
        row = {"x": box["x"], "y": box["y"], "width": box["width"], "height": 30}
        code = {**row, "y": box["y"] + 40, "height": box["height"] - 50}
        unscrolled = page.screenshot(clip=row), page.screenshot(clip=code)
        pre.evaluate("pre => { pre.scrollLeft = pre.scrollWidth; }")
        # The code moved; the label and the button did not.
        assert page.screenshot(clip=code) != unscrolled[1]
        assert page.screenshot(clip=row) == unscrolled[0]
    finally:
        ctx.close()


# -- in the browser: running text --------------------------------------------------------------

@pytest.mark.parametrize("path", ["posts/code/", "en/posts/code/"])
def test_inline_formulas_do_not_make_their_line_taller(browser: Browser, base: str,
                                                      path: str) -> None:
    ctx = context(browser, "light")
    try:
        page = open_in(ctx, base + path)
        heights = page.evaluate("""() => [...document.querySelectorAll('.post-body > p')]
            .slice(0, 8).map(p => p.getBoundingClientRect().height)""")
        plain, *usual, tall = heights
        assert len(usual) == len(FORMULAS)
        # One line each (the post's column is wide enough on a desktop).
        line = page.evaluate("parseFloat(getComputedStyle(document.querySelector("
                             "'.post-body > p')).lineHeight)")
        assert plain == pytest.approx(line, abs=1)
        for tex, height in zip(FORMULAS, usual, strict=True):
            assert height <= plain + 1, (tex, height, plain)
        assert tall <= plain * 1.3, (TALL, tall, plain)
    finally:
        ctx.close()


@pytest.mark.parametrize("font", ["sans", "serif"])
def test_latin_letters_are_drawn_by_a_latin_face(browser: Browser, base: str, font: str) -> None:
    ctx = context(browser, "light")
    try:
        page = open_in(ctx, base + "posts/code/")
        # A Latin word and a Chinese one inside the post's Chinese text, in the theme's stack.
        page.evaluate("""font => {
            const p = document.querySelector('.post-body > p');
            p.style.fontFamily = `var(--font-${font})`;
            for (const [id, text] of [['latin', 'Hamiltonian'], ['han', '汉字']]) {
                const span = document.createElement('span');
                span.id = id; span.textContent = text; p.append(span);
            }
        }""", font)
        session = ctx.new_cdp_session(page)
        session.send("DOM.enable")
        session.send("CSS.enable")
        root = session.send("DOM.getDocument")["root"]["nodeId"]
        used = {}
        for name in ("latin", "han"):
            node = session.send("DOM.querySelector", {"nodeId": root, "selector": f"#{name}"})
            fonts = session.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})
            used[name] = [face["familyName"] for face in fonts["fonts"]]
        assert used["latin"] and not any("CJK" in face for face in used["latin"]), used
        assert any("CJK" in face for face in used["han"]), used
    finally:
        ctx.close()
