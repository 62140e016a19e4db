"""PARSE: Markdown -> Body, as readable case files (markdown-it-py's fixture format).

A case file may start with a line naming the `math:` settings its cases are parsed with,
`settings: dollars=kramdown code_spans=true  # why`, the fields of `MarkdownSettings` (a
field not named keeps its default; after `#`, a comment); without it, the defaults.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from blogkit.config_sections import MarkdownSettings
from blogkit.markdown import Body, create_markdown, render_body

CASES = Path(__file__).parent / "cases"


def read_settings(path: Path) -> MarkdownSettings:
    """The settings a case file's first line names (see the module docstring)."""
    first = path.read_text(encoding="utf-8").split("\n", 1)[0]
    if not first.startswith("settings:"):
        return MarkdownSettings()
    values = dict(pair.split("=", 1) for pair in first[len("settings:"):].split("#")[0].split())
    settings = MarkdownSettings(dollars=values.pop("dollars", "pandoc"),
                                code_spans=values.pop("code_spans", "false") == "true")
    assert not values, f"{path.name}: unknown settings {sorted(values)}"
    return settings


def read_cases(path: Path) -> list[tuple[str, str, str]]:
    """Read `title / . / input / . / expected / .` blocks (after a `settings:` line)."""
    lines = path.read_text(encoding="utf-8").split("\n")
    cases = []
    index = 1 if lines[0].startswith("settings:") else 0
    while index < len(lines):
        if not lines[index].strip():
            index += 1
            continue
        title = lines[index]
        assert lines[index + 1] == ".", f"{path.name}: '.' expected after title {title!r}"
        parts: list[list[str]] = [[], []]
        index += 2
        for part in parts:
            while lines[index] != ".":
                part.append(lines[index])
                index += 1
            index += 1
        cases.append((title, "\n".join(parts[0]), "\n".join(parts[1])))
    return cases


def render(text: str, tmp: Path | None = None, excerpt_length: int = 120,
           settings: MarkdownSettings | None = None) -> Body:
    content = (tmp or Path("/nonexistent")) / "content"
    md = create_markdown() if settings is None else create_markdown(settings)
    return render_body(
        md, source=content / "posts" / "p" / "index.md", content_dir=content,
        body=text, body_line=5, title="T", title_line=2, summary=None, summary_line=2,
        excerpt_length=excerpt_length)


def show_math(body: Body, html: str) -> str:
    """Write each formula placeholder as [$tex$] or [$$tex$$] so cases read like the source."""
    def replace(match: re.Match[str]) -> str:
        use = body.formulas[int(match.group(1))]
        return f"[$${use.tex}$$]" if use.display else f"[${use.tex}$]"

    return re.sub(r'<bk-math data-i="(\d+)"></bk-math>', replace, html)


ALL_CASES = [
    pytest.param(source, expected, read_settings(path), id=f"{path.stem}: {title}")
    for path in sorted(CASES.glob("*.md"))
    for title, source, expected in read_cases(path)
]


@pytest.mark.parametrize(("source", "expected", "settings"), ALL_CASES)
def test_case(source: str, expected: str, settings: MarkdownSettings) -> None:
    body = render(source, settings=settings)
    assert show_math(body, body.html).strip() == expected.strip()


def test_formula_positions_point_at_the_source_line() -> None:
    text = "intro\n\nline two has $a_1$ and\nthen \\(b^2\\)\n\n$$\nc\n$$\n"
    body = render(text)
    positions = [(use.tex, use.line, use.col) for use in body.formulas]
    # body_line is 5: body line 0 is file line 5.
    assert ("a_1", 7, 14) in positions
    assert ("b^2", 8, 6) in positions
    assert ("\nc\n", 10, 1) in positions


def test_title_math_is_rendered_and_reduced_to_text() -> None:
    body = render_body(
        create_markdown(), source=Path("/x/content/a.md"), content_dir=Path("/x/content"),
        body="", body_line=4, title=r"Why $p_\theta(x)$ matters", title_line=2, summary=None,
        summary_line=2, excerpt_length=10)
    assert "<bk-math" in body.title_html
    assert body.title_text == "Why p_θ(x) matters"
    assert body.formulas[0].line == 2


def test_tags_in_a_title_are_text() -> None:
    # A title is also <title>, a feed title and JSON-LD: raw HTML in it is shown as written.
    body = render_body(
        create_markdown(), source=Path("/x/content/a.md"), content_dir=Path("/x/content"),
        body="", body_line=4, title='A <b> & "quoted" </script> `<i>` $a<b$ title',
        title_line=2, summary=None, summary_line=2, excerpt_length=10)
    assert body.title_text == 'A <b> & "quoted" </script> <i> a<b title'
    assert body.title_html.startswith(
        "A &lt;b&gt; &amp; &quot;quoted&quot; &lt;/script&gt; <code>&lt;i&gt;</code> <bk-math")
    assert body.formulas[0].tex == "a<b"


def test_toc_collects_h2_to_h4_with_math() -> None:
    body = render("# top\n\n## 第一节 $x_1$\n\n### sub\n\n##### deep\n")
    assert [(t.level, t.text) for t in body.toc] == [(2, "第一节 x_1"), (3, "sub")]
    assert "<bk-math" in body.toc[0].html


def test_reading_time_counts_cjk_and_words_separately() -> None:
    body = render("中" * 600 + "\n\n" + "word " * 400)
    assert (body.cjk_chars, body.latin_words) == (600, 400)
    assert body.reading_minutes == 4  # 600/300 + 400/200


def test_relative_links_become_content_paths_whatever_exists() -> None:
    # A Body never depends on other files: existence is checked when the site is assembled.
    body = render("[v](../vae/index.zh.md#sec) [d](../vae/) ![f](fig%20a.svg) [o](../../../x) "
                  "[e](https://e.com) [a](#top)")
    assert 'href="blogkit:link:posts/vae/index.zh.md#sec"' in body.html
    assert 'href="blogkit:link:posts/vae"' in body.html
    assert 'src="blogkit:link:posts/p/fig%20a.svg"' in body.html
    assert 'href="https://e.com"' in body.html and 'href="#top"' in body.html
    assert [(link.href, link.target, link.line, link.col) for link in body.links] == [
        ("../vae/index.zh.md#sec", "posts/vae/index.zh.md", 5, 5),
        ("../vae/", "posts/vae", 5, 33),
        ("fig%20a.svg", "posts/p/fig a.svg", 5, 47),
        ("../../../x", None, 5, 64),
    ]
