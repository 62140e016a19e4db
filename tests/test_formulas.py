"""MATH: formulas of a whole site through KaTeX: errors at their lines, cache, assets."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import make_site, post, write_file

from blogkit.build import BuildOptions, build, compile_site
from blogkit.build_cache import BuildCache
from blogkit.changes import classify
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


# -- macros defined in a post ----------------------------------------------------------------

ELBO = r"""$$
\newcommand{\E}{\mathbb{E}}
\newcommand{\KL}[2]{D_{\mathrm{KL}}\left(#1 \,\|\, #2\right)}
\DeclareMathOperator*{\argmax}{arg\,max}
$$

证据下界（ELBO）写作

$$
\log p_\theta(x) \ge \E_{q_\phi(z\mid x)}[\log p_\theta(x\mid z)] - \KL{q_\phi(z\mid x)}{p(z)}
$$

训练目标是 $\theta^* = \argmax_\theta \E_{x\sim\mathcal{D}}[\log p_\theta(x)]$。
"""
"""A definitions block at the top of a post, MathJax style (lines 5-9), used below."""

USES_E = "变分自编码器的目标同样是 $\\E[\\log p_\\theta(x)]$ 的下界。\n"
"""A post that uses \\E without defining it (its \\E at line 5, column 15)."""


def _page(root: Path, name: str) -> str:
    return (root / f"public/posts/{name}/index.html").read_text(encoding="utf-8")


def test_definitions_apply_to_the_rest_of_their_post_only(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"content/posts/elbo.md": post("ELBO", "2026-01-20", ELBO),
                                "content/posts/vae.md": post("VAE", "2026-01-21", USES_E)},
                     **SETTINGS)
    with pytest.raises(BuildError) as caught:
        build(BuildOptions(source=root))
    [error] = caught.value.errors  # none in elbo.md: its formulas have its definitions
    assert error.path.name == "vae.md" and (error.line, error.col) == (5, 15)
    assert error.message == "KaTeX: Undefined control sequence: \\E"
    assert error.hint == (
        "in the formula '\\E[\\log p_\\theta(x)]': define \\E in blogkit.yaml under "
        "math: macros: ('\\E': '...'), or with \\newcommand{\\E}{...} in an earlier formula "
        "of this post (if it is a KaTeX command, check its spelling)")

    result = build(BuildOptions(source=root, keep_going=True))
    assert [(w.path.name, w.line, w.col) for w in result.warnings] == [("vae.md", 5, 15)]
    html = _page(root, "elbo")
    assert "math-error" not in html
    assert 'mathvariant="double-struck">E</mi>' in html  # \E in both formulas below
    assert '<msub><mi>D</mi><mrow><mi mathvariant="normal">K</mi>' in html  # \KL{q}{p}
    assert '<mi mathvariant="normal">arg\u2009max</mi>' in html  # \argmax, declared
    # The definitions block shows nothing: no empty display box, its TeX nowhere.
    body = html[html.index("<body"):]
    assert body.count('class="katex-display"') == 1 and "newcommand" not in body
    assert body.count('class="katex"') == 2
    assert 'class="math-error"' in _page(root, "vae")
    home = (root / "public/index.html").read_text(encoding="utf-8")
    home = home[home.index("<body"):]
    assert "double-struck" in home and "newcommand" not in home  # the excerpt, too
    feed = (root / "public/atom.xml").read_text(encoding="utf-8")
    assert "double-struck" in feed and "newcommand" not in feed  # MathML of the feed


def test_a_definitions_block_is_not_in_the_page_description(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"content/posts/elbo.md": post("ELBO", "2026-01-20", ELBO)},
                     **SETTINGS)
    build(BuildOptions(source=root))
    head = _page(root, "elbo").partition("<body")[0]
    assert '<meta name="description" content="证据下界（ELBO）写作' in head


def test_a_definition_applies_only_after_it(tmp_path: Path) -> None:
    text = ("先看期望 $\\E[x]$ 的定义。\n\n$$\n\\newcommand{\\E}{\\mathbb{E}}\n$$\n\n"
            "之后 $\\E[y]$ 就可以用了。\n")
    root = make_site(tmp_path, {"content/posts/a.md": post("A", "2026-01-20", text)},
                     **SETTINGS)
    with pytest.raises(BuildError) as caught:
        build(BuildOptions(source=root))
    [error] = caught.value.errors  # the use before the definition, not the one after it
    assert (error.line, error.col) == (5, 7)
    assert error.message == "KaTeX: Undefined control sequence: \\E"
    assert error.hint == (
        "in the formula '\\E[x]': \\E is defined at line 7, after this use, and a "
        "definition applies only to the formulas after it; move it into an earlier formula, "
        "or define \\E in blogkit.yaml under math: macros")


def test_a_katex_warning_is_reported_once_per_formula(tmp_path: Path) -> None:
    text = "损失 $L = 损失函数(x)$ 和 $\\text{损失} + x$ 与 $y$。\n"
    root = make_site(tmp_path, {"content/posts/a.md": post("A", "2026-01-20", text)},
                     **SETTINGS)
    result = build(BuildOptions(source=root))
    [warning] = result.warnings
    assert (warning.path.name, warning.line, warning.col) == ("a.md", 5, 4)
    assert warning.message == ('KaTeX warning: Unicode text character "损", "失", "函", "数" '
                               "used in math mode [unicodeTextInMathMode]")
    assert "\\text{" in warning.hint and warning.severity == "warning"


def test_editing_a_definition_renders_the_formulas_after_it_again(tmp_path: Path) -> None:
    files = {"content/posts/elbo.md": post("ELBO", "2026-01-20", ELBO),
             "content/posts/a.md": GOOD}
    root = make_site(tmp_path, files, **SETTINGS)
    first = build(BuildOptions(source=root))
    assert 'mathvariant="double-struck">E</mi>' in _page(root, "elbo")

    # Unrelated edits (the text of this post, another post) take every formula from the cache.
    write_file(root, "content/posts/elbo.md", post("ELBO", "2026-01-20",
                                                   ELBO.replace("写作", "可以写作")))
    write_file(root, "content/posts/a.md", GOOD.replace("Text.", "More text."))
    unrelated = build(BuildOptions(source=root))
    assert unrelated.formulas["katex"] == 0
    assert unrelated.formulas["cache_hits"] == first.formulas["distinct"]
    assert "可以写作" in _page(root, "elbo")

    # A new definition: that formula and the two after it go to KaTeX, nothing else.
    write_file(root, "content/posts/elbo.md", post(
        "ELBO", "2026-01-20", ELBO.replace("{\\mathbb{E}}", "{\\mathcal{E}}")))
    edited = build(BuildOptions(source=root))
    assert edited.formulas["katex"] == 3
    html = _page(root, "elbo")
    assert 'mathvariant="double-struck">E</mi>' not in html
    assert html.count('mathvariant="script">E</mi>') == 2


def test_the_dev_server_s_rebuilds_after_definition_edits_equal_clean_builds(
    tmp_path: Path
) -> None:
    root = make_site(tmp_path, {"content/posts/elbo.md": post("ELBO", "2026-01-20", ELBO),
                                "content/posts/a.md": GOOD}, **SETTINGS)
    options, cache = BuildOptions(source=root), BuildCache()

    def rebuilt(text: str) -> dict[str, bytes]:
        write_file(root, "content/posts/elbo.md", post("ELBO", "2026-01-20", text))
        changed = {root / "content/posts/elbo.md"}
        incremental = compile_site(options, cache, classify(root, changed))
        pages = {o.path: o.data for o in incremental.outputs}
        assert pages == {o.path: o.data for o in compile_site(options).outputs}
        return pages

    compile_site(options, cache)
    for text in (ELBO.replace("{\\mathbb{E}}", "{\\mathcal{E}}"),  # a definition
                 ELBO.replace("写作", "可以写作"),  # the text (the patch path)
                 ELBO.replace("$$\n\\newcommand{\\E}", "$$\n\\newcommand{\\F}{F}\n"
                                                      "\\newcommand{\\E}")):  # one more
        page = rebuilt(text)["posts/elbo/index.html"]
        assert page is not None and b"math-error" not in page
    assert b'mathvariant="double-struck">E</mi>' in page
