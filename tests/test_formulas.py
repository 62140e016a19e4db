"""MATH: formulas of a whole site through KaTeX: errors at their lines, cache, assets."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import make_site, post

from blogkit.build import BuildOptions, build
from blogkit.errors import BuildError

GOOD = r"""---
title: 关于 $p_\theta(x)$
date: 2026-01-18
---
其中$x\in\R^n$表示样本，\(a_1*b_1\) 不是强调。

\[
\log p_\theta(x) \ge \mathbb{E}_{z\sim q_\phi(z\mid x)}[\log p_\theta(x\mid z)] \tag{1}
\]

## 小节 $W_q$

Text.
"""


SETTINGS: dict[str, object] = {
    "base_url": "https://example.com/", "languages": ({"code": "zh", "title": "博客"}, "en"),
    "math": {"macros": {"\\R": "\\mathbb{R}"}}}
"""At the root of its host (KaTeX's files at /katex/), zh titled 博客, the macro \\R."""


def test_formulas_render_with_macros_tags_and_assets(tmp_path: Path) -> None:
    root = make_site(tmp_path, {
        "content/posts/a.zh.md": GOOD, "content/posts/a.en.md": GOOD,
        "content/posts/plain.md": post("P", "2026-01-01", "no math")}, **SETTINGS)
    result = build(BuildOptions(source=root))
    html = (root / "public/posts/a/index.html").read_text(encoding="utf-8")
    assert html.count('class="katex"') >= 4  # title, two in the body, heading (+ TOC)
    assert "<math" in html and 'mathvariant="double-struck"' in html  # MathML; \R applied
    assert "(1)" in html  # \tag
    assert "<title>关于 p_θ(x) | 博客</title>" in html
    assert 'id="小节-w-q"' in html
    assert '<link rel="stylesheet" href="/katex/katex.min.css">' in html
    plain = (root / "public/posts/plain/index.html").read_text(encoding="utf-8")
    assert "katex.min.css" not in plain
    fonts = sorted(p.name for p in (root / "public/katex/fonts").iterdir())
    assert "KaTeX_Main-Regular.woff2" in fonts and all(f.endswith(".woff2") for f in fonts)
    css = (root / "public/katex/katex.min.css").read_text(encoding="utf-8")
    assert "url(fonts/KaTeX_Main-Regular.woff2)" in css
    # Both languages and the TOC share formulas: each distinct one goes to KaTeX once.
    assert result.formulas["uses"] > result.formulas["distinct"]
    assert result.formulas["katex"] == result.formulas["distinct"]


def test_second_build_takes_every_formula_from_the_cache(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"content/posts/a.zh.md": GOOD}, **SETTINGS)
    first = build(BuildOptions(source=root))
    page = (root / "public/posts/a/index.html").read_bytes()
    # Into another folder: an unchanged output would be kept without rendering anything.
    second = build(BuildOptions(source=root, output=root / "again"))
    assert second.formulas["katex"] == 0
    assert second.formulas["cache_hits"] == first.formulas["distinct"]
    assert (root / "again/posts/a/index.html").read_bytes() == page
    shutil.rmtree(root / ".blogkit-cache")
    third = build(BuildOptions(source=root))
    assert third.formulas["katex"] == first.formulas["distinct"]


BAD = r"""---
title: T
date: 2026-01-18
---
First line.

Inline error here: $\frac{a}{$ and another \(\undefinedmacro x\).

$$
a = b \\
c = \badcommand d
$$
"""


def test_katex_errors_point_at_the_formula_in_the_file(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"content/posts/bad.md": BAD}, **SETTINGS)
    with pytest.raises(BuildError) as caught:
        build(BuildOptions(source=root))
    found = [(e.line, e.col, e.message) for e in caught.value.errors]
    assert len(found) == 3
    assert found[0][:2] == (7, 30) and found[0][2].startswith("KaTeX: ")
    assert found[1][0] == 7 and "undefinedmacro" in found[1][2]
    assert found[1][1] == 46  # the column of \undefinedmacro itself
    assert found[2][0] == 11  # the display formula's own inner line
    assert all("formula" in e.hint for e in caught.value.errors)
    assert not (root / "public").exists()


def test_keep_going_shows_error_boxes_and_warns(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"content/posts/bad.md": BAD}, **SETTINGS)
    result = build(BuildOptions(source=root, keep_going=True))
    assert len(result.warnings) == 3
    assert all(w.severity == "warning" for w in result.warnings)
    html = (root / "public/posts/bad/index.html").read_text(encoding="utf-8")
    assert html.count('class="math-error"') == 3
    # Errors are cached too, and reported again on the next build.
    again = build(BuildOptions(source=root, keep_going=True))
    assert again.formulas["katex"] == 0 and len(again.warnings) == 3
