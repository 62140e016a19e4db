"""CJK SPACING: gaps at Han/Latin and Han/formula boundaries of running text, none inside
code, links or math, and none where the author typed a space."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import CHROMIUM, build_site, make_site, needs_chromium, post, static_host
from hypothesis import given
from hypothesis import strategies as st

from blogkit.cjk_spacing import GAP, MATH_GAP, space_cjk
from blogkit.errors import BuildError

F = '<bk-math data-i="0"></bk-math>'


@pytest.mark.parametrize(("html", "spaced"), [
    ("<p>用GPT模型</p>", f"<p>用{GAP}GPT{GAP}模型</p>"),
    ("<p>第3章和2024年</p>", f"<p>第{GAP}3{GAP}章和{GAP}2024{GAP}年</p>"),
    ("<p>用 GPT 模型</p>", "<p>用 GPT 模型</p>"),  # spaces typed: left as they are
    ("<p>中文，English。</p>", "<p>中文，English。</p>"),  # punctuation is no Han letter
    (f"<p>设{F}为向量</p>", f"<p>设{MATH_GAP}{F}{MATH_GAP}为向量</p>"),
    (f"<p>设 {F} 为</p>", f"<p>设 {F} 为</p>"),
    ("<p>中文<strong>bold</strong>中文</p>",
     f"<p>中文<strong>{GAP}bold</strong>{GAP}中文</p>"),  # a run goes on across inline tags
    ("<p><code>x中文y</code>和<a href='/a'>链接Link</a></p>",
     "<p><code>x中文y</code>和<a href='/a'>链接Link</a></p>"),  # code and link text untouched
    ("<pre><code>print('中文abc')</code></pre><p>ok</p>",
     "<pre><code>print('中文abc')</code></pre><p>ok</p>"),
    ("<p>中文</p><p>English</p>", "<p>中文</p><p>English</p>"),  # no gap across blocks
    ("<li>中文</li><li>A</li>", "<li>中文</li><li>A</li>"),
    ("<p>Ünïcode与Ελληνικά和кириллица</p>",
     f"<p>Ünïcode{GAP}与{GAP}Ελληνικά{GAP}和{GAP}кириллица</p>"),
    ("<p>日本語とEnglish</p>", f"<p>日本語と{GAP}English</p>"),  # kana too
    ("<p>中&amp;A</p>", "<p>中&amp;A</p>"),
    ('<p><img alt="图A" src="a中.png">中A</p>', f'<p><img alt="图A" src="a中.png">中{GAP}A</p>'),
    ("<!-- 中A --><p>x</p>", "<!-- 中A --><p>x</p>"),
    ("<p>Only English here.</p>", "<p>Only English here.</p>"),
])
def test_gaps_where_clreq_puts_a_quarter_em(html: str, spaced: str) -> None:
    assert space_cjk(html) == spaced


TEXT = st.text(alphabet="中文GPT模型a1 ，<>&/=\"'bcodepr", max_size=60)


@given(TEXT)
def test_removing_the_gaps_gives_back_the_html(html: str) -> None:
    """Whatever the input (broken tags too), only gaps are added."""
    spaced = space_cjk(html)
    assert spaced.replace(MATH_GAP, "").replace(GAP, "") == html


@given(st.lists(st.sampled_from(["中文", "GPT", " ", "<em>", "</em>", "<code>", "</code>",
                                 F, "，", "<p>", "</p>"]), max_size=20))
def test_never_a_gap_inside_code_or_beside_a_space(parts: list[str]) -> None:
    spaced = space_cjk("".join(parts))
    for code in re.findall(r"<code>(.*?)</code>", spaced, re.DOTALL):
        assert GAP not in code and MATH_GAP not in code
    assert f" {GAP}" not in spaced and f"{GAP} " not in spaced


@pytest.mark.parametrize("piece", ["<!--中A", "<a 中A", "中A<", "<code>中A", "</p>中"])
def test_hostile_repetition_is_handled_in_one_pass(piece: str) -> None:
    """100,000 unclosed comments, tags or lone `<` (one pass: each `<` finds its `>` once)."""
    html = piece * 100_000
    assert space_cjk(html).replace(GAP, "") == html


def built_page(tmp_path: Path, spacing: bool) -> Path:
    root = make_site(tmp_path / ("on" if spacing else "off"), {
        "content/posts/a.md": post(
            "用GPT模型", "2025-01-01",
            "用GPT模型估计 $p_\\theta$与$x$，见[链接Link](b.md)和`code中文`。\n\n"
            "```python\nprint('中文abc')\n```\n"),
        "content/posts/b.md": post("B", "2025-01-02", "b"),
    }, **({"typography": {"cjk_spacing": True}} if spacing else {}))
    return build_site(root).output


def test_a_build_spaces_running_text_only_when_asked(tmp_path: Path) -> None:
    off = (built_page(tmp_path, False) / "posts/a/index.html").read_text()
    assert "cjk-gap" not in off
    on = (built_page(tmp_path, True) / "posts/a/index.html").read_text()
    assert f"<h1 class=\"post-title\">用{GAP}GPT{GAP}模型</h1>" in on
    assert f"用{GAP}GPT{GAP}模型估计" in on and f"与{MATH_GAP}" in on
    assert "链接Link</a>" in on and "<code>code中文</code>" in on  # link text and code as written
    code = on.split("<pre", 1)[1].split("</pre>", 1)[0]
    assert "cjk-gap" not in code


def test_the_setting_is_validated(tmp_path: Path) -> None:
    make_site(tmp_path, {"content/posts/a.md": post("A", "2025-01-01", "x")},
              typography={"cjk_spacing": "yes", "autospace": True})
    with pytest.raises(BuildError) as raised:
        build_site(tmp_path)
    assert sorted(error.message for error in raised.value.errors) == [
        "typography.cjk_spacing must be true or false", "unknown typography setting 'autospace'"]


@needs_chromium
def test_the_browser_shows_room_between_han_and_latin(tmp_path: Path) -> None:
    """Measured: the title `用GPT模型` has two boundaries; spaced, its text is wider by a
    quarter em at each."""
    from playwright.sync_api import sync_playwright

    gaps = {}
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            for spacing in (False, True):
                page = browser.new_page()
                with static_host(built_page(tmp_path, spacing)) as base:
                    page.goto(base + "posts/a/")
                    page.wait_for_load_state("load")
                gaps[spacing] = page.evaluate("""() => {
                    const title = document.querySelector('h1.post-title');
                    const range = document.createRange();
                    range.selectNodeContents(title);
                    return range.getBoundingClientRect().width
                        / parseFloat(getComputedStyle(title).fontSize);
                }""")
                page.close()
        finally:
            browser.close()
    assert 2 * 0.2 <= gaps[True] - gaps[False] <= 2 * 0.3, gaps
