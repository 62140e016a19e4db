"""PARSE helper: fence info strings as Pandoc, Hugo, MkDocs and Docusaurus write them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import build_site, make_site, post
from test_markdown import render

from blogkit.fences import FenceInfo, parse_info, render_fence
from blogkit.highlight import highlight


@pytest.mark.parametrize(("info", "expected"), [
    ("python", FenceInfo("python")),
    ("{.python .input}", FenceInfo("python")),
    ("{.python #train .class}", FenceInfo("python")),
    ('python {linenos=true,hl_lines=[2,"4-5"],linenostart=10}',
     FenceInfo("python", frozenset({2, 4, 5}), None, True, 10)),
    ('go {linenos=inline hl_lines=[3,"6-8"] style=emacs}',
     FenceInfo("go", frozenset({3, 6, 7, 8}), None, True, 1)),
    ('python title="train.py"', FenceInfo("python", title="train.py")),
    ('{.python title="x"}', FenceInfo("python", title="x")),
    ('python hl_lines="2 3"', FenceInfo("python", frozenset({2, 3}))),
    ('{ .python hl_lines="1 3" }', FenceInfo("python", frozenset({1, 3}))),
    ('py title="bubble_sort.py" linenums="1" hl_lines="2-3"',
     FenceInfo("py", frozenset({2, 3}), "bubble_sort.py", True, 1)),
    ('jsx title="/src/components/HelloCodeTitle.js" {1,4-6} showLineNumbers=5',
     FenceInfo("jsx", frozenset({1, 4, 5, 6}), "/src/components/HelloCodeTitle.js", True, 5)),
    ('{.haskell .numberLines startFrom="100"}', FenceInfo("haskell", numbered=True,
                                                         first_number=100)),
    ("go {linenos=false}", FenceInfo("go")),
    ("bash foo=bar style=emacs", FenceInfo("bash")),
    ("", FenceInfo("")),
])
def test_info_strings(info: str, expected: FenceInfo) -> None:
    assert parse_info(info) == expected


def test_a_plain_fence_is_the_highlighter_output_unchanged() -> None:
    code = "x = 1\n"
    assert render_fence(code, parse_info("python"), highlight) == highlight(code, "python")
    assert render_fence(code, parse_info("{.python .input}"), highlight) == highlight(
        code, "python")


def test_extras_go_on_top_of_the_highlighter_that_is_given() -> None:
    # bodies.py keeps highlighted blocks keyed by (code, language): the extras must not
    # reach the highlighter, only the language does.
    calls: list[tuple[str, str]] = []

    def recording(code: str, language: str) -> str:
        calls.append((code, language))
        return highlight(code, language)

    html = render_fence("a\nb\n", parse_info('python hl_lines="2" title="t.py"'), recording)
    assert calls == [("a\nb\n", "python")]
    assert '<span class="line hl">' in html and '<figcaption class="code-title">t.py' in html


def test_marked_lines_keep_the_code_text_exactly() -> None:
    code = 's = """\nmulti\nline\n"""\nprint(s)  # <done>\n'
    html = render("```python {linenos=true,hl_lines=[2,3]}\n" + code + "```").html
    text = re.sub(r"<[^>]+>", "", html)
    for entity, char in (("&quot;", '"'), ("&lt;", "<"), ("&gt;", ">"), ("&#39;", "'")):
        text = text.replace(entity, char)
    assert text.strip() == code.strip()  # the numbers are not text: nothing to copy
    assert html.count('<span class="line') == 5
    assert html.count('<span class="line hl"') == 2
    assert [int(n) for n in re.findall(r'data-line="(\d+)"', html)] == [1, 2, 3, 4, 5]
    assert html.count("<span") == html.count("</span>")


def test_title_is_escaped() -> None:
    html = render('```python title="<script>alert(1)</script>"\npass\n```').html
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_huge_range_is_bounded() -> None:
    assert len(parse_info('python hl_lines="1-999999999"').marked) == 10_001


def test_a_built_site_shows_extras_and_styles_them(tmp_path: Path) -> None:
    body = ('训练循环：\n\n```python title="train.py" hl_lines="2" linenums="1"\n'
            "for step in range(10):\n    loss = step * 2\n```\n\n"
            "> [!TIP]\n> **先热身，**再训练。\n")
    make_site(tmp_path, {"content/posts/t.zh.md": post("训练", "2026-01-01", body)})
    build_site(tmp_path)  # raises, with blogkit's message, if the site does not build
    page = (tmp_path / "public" / "posts" / "t" / "index.html").read_text(encoding="utf-8")
    assert '<figcaption class="code-title">train.py</figcaption>' in page
    assert '<span class="line hl" data-line="2">' in page
    assert '<div class="admonition tip">' in page
    assert "<strong>先热身，</strong>再训练" in page
    css = (tmp_path / "public" / "css" / "blogkit.css").read_text(encoding="utf-8")
    for rule in ("pre.lined .line.hl", "pre.numbered .line::before", "user-select: none",
                 ".code-title", ".admonition.caution", ".admonition-title"):
        assert rule in css
