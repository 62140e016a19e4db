"""BUILD: whole small sites, end to end, asserting on their output."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import make_site, post

from blogkit.build import BuildOptions, build
from blogkit.errors import BuildError

SETTINGS: dict[str, object] = {"base_url": "https://user.github.io/blog/", "per_page": 2}
"""Base path /blog/ on another host (seen in hreflang URLs); two posts a page."""


def read(root: Path, path: str) -> str:
    return (root / "public" / path).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def blog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("blog")
    make_site(root, {
        "content/posts/a/index.zh.md": post("甲", "2026-01-01", "甲的正文，见[乙](../b.zh.md)。",
                                            categories="Generative Model", tags=["扩散模型"]),
        "content/posts/a/index.en.md": post("Alpha", "2026-01-01", "Alpha body ![fig](fig.svg)",
                                            categories="Generative Model", tags=["Diffusion"]),
        "content/posts/a/fig.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
        "content/posts/b.zh.md": post("乙", "2026-01-02", "乙\n\n<!--more-->\n\n更多",
                                      categories="3D Model"),
        "content/posts/c.zh.md": post("丙", "2026-01-02", "正文", categories=["Self-Supervised"]),
        "content/posts/d.zh.md": post("丁", "2026-01-03", "正文", draft=True),
        "content/posts/e.zh.md": post("戊", "2999-01-01", "正文"),
        "content/about.zh.md": post("关于", "2026-01-01", "关于本站"),
        "content/about.en.md": post("About", "2026-01-01", "About this site"),
        "static/robots.txt": "User-agent: *\n",
    }, **SETTINGS)
    build(BuildOptions(source=root))
    return root


def titles(html: str) -> list[str]:
    return re.findall(r'<h[23] class="entry-title"><a href="[^"]+">([^<]+)</a>', html)


def test_home_is_newest_first_with_a_stable_tie_break_and_paginated(blog: Path) -> None:
    page1, page2 = read(blog, "index.html"), read(blog, "page/2/index.html")
    assert titles(page1) == ["乙", "丙"]  # same date: ordered by translation key
    assert titles(page2) == ["甲"]
    assert "INCOMING TRANSMISSION" in page1 and "LATEST UPDATES" in page1
    assert 'href="/blog/page/2/"' in page1 and 'rel="next"' in page1
    assert 'rel="prev" href="/blog/"' in page2
    assert not (blog / "public/page/3").exists()


def test_links_between_posts_and_to_bundle_files_become_urls(tmp_path: Path) -> None:
    root = make_site(tmp_path, {
        "content/posts/a/index.zh.md": post(
            "甲", "2026-01-01", '见[乙](../b.zh.md#s)与![图](img/fig.svg)，'
            '<abbr title="blogkit:link:posts/b.zh.md">原样</abbr>'),
        "content/posts/a/img/fig.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
        "content/posts/b.zh.md": post("乙", "2026-01-02", "正文"),
    }, **SETTINGS)
    build(BuildOptions(source=root))
    html = read(root, "posts/a/index.html")
    assert 'href="/blog/posts/b/#s"' in html
    assert 'src="/blog/posts/a/img/fig.svg"' in html
    # Only href and src hold link markers: a look-alike in another attribute is text.
    assert '<abbr title="blogkit:link:posts/b.zh.md">' in html


def test_drafts_and_future_posts_are_left_out(blog: Path) -> None:
    assert not (blog / "public/posts/d").exists()
    assert not (blog / "public/posts/e").exists()


def test_drafts_and_future_flags_include_them(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"content/posts/d.md": post("D", "2026-01-01", "正文", draft=True),
                                "content/posts/e.md": post("E", "2999-01-01", "正文")},
                     **SETTINGS)
    build(BuildOptions(source=root, drafts=True, future=True))
    assert (root / "public/posts/d/index.html").is_file()
    assert (root / "public/posts/e/index.html").is_file()


def test_urls_per_language(blog: Path) -> None:
    for path in ["posts/a/index.html", "en/posts/a/index.html", "about/index.html",
                 "en/about/index.html", "en/index.html", "categories/index.html",
                 "categories/generative-model/index.html", "categories/3d-model/index.html",
                 "tags/扩散模型/index.html", "en/tags/diffusion/index.html",
                 "archives/index.html", "en/archives/index.html", "404.html", "robots.txt",
                 "css/blogkit.css", "css/highlight.css"]:
        assert (blog / "public" / path).is_file(), path


def test_post_page(blog: Path) -> None:
    html = read(blog, "posts/a/index.html")
    assert '<html lang="zh">' in html
    assert "2026年1月1日" in html
    assert 'href="/blog/categories/generative-model/"' in html and "生成模型" in html
    assert 'href="/blog/tags/%E6%89%A9%E6%95%A3%E6%A8%A1%E5%9E%8B/"' in html
    assert 'href="/blog/posts/b/"' in html  # the link to ../b/index.zh.md
    assert "约 1 分钟" in html
    en = read(blog, "en/posts/a/index.html")
    assert "Jan 1, 2026" in en and '<html lang="en">' in en
    assert '<img src="/blog/en/posts/a/fig.svg" alt="fig"' in en
    assert (blog / "public/en/posts/a/fig.svg").is_file()
    assert (blog / "public/posts/a/fig.svg").is_file()


def test_previous_and_next_posts(blog: Path) -> None:
    html = read(blog, "posts/c/index.html")
    assert re.search(r'class="newer" rel="next" href="/blog/posts/b/"', html)
    assert re.search(r'class="older" rel="prev" href="/blog/posts/a/"', html)


def test_language_switcher_and_alternates(blog: Path) -> None:
    html = read(blog, "posts/a/index.html")
    assert '<a class="lang" lang="en" hreflang="en" href="/blog/en/posts/a/">English</a>' in html
    assert '<link rel="alternate" hreflang="en" href="https://user.github.io/blog/en/posts/a/">' \
        in html
    assert 'hreflang="x-default" href="https://user.github.io/blog/posts/a/"' in html
    untranslated = read(blog, "posts/b/index.html")
    assert 'hreflang="en" href="/blog/en/">English</a>' in untranslated
    assert '<link rel="alternate" hreflang' not in untranslated  # feeds are alternates too
    home_page_2 = read(blog, "page/2/index.html")
    assert 'hreflang="en" href="/blog/en/">English</a>' in home_page_2  # en has one page only
    category = read(blog, "categories/generative-model/index.html")
    assert 'href="/blog/en/categories/generative-model/">English</a>' in category


def test_more_marker_ends_the_excerpt(blog: Path) -> None:
    home = read(blog, "index.html")
    assert "<p>乙</p>" in home and "更多" not in home


def test_category_tag_and_archive_pages(blog: Path) -> None:
    assert titles(read(blog, "categories/3d-model/index.html")) == ["乙"]
    overview = read(blog, "categories/index.html")
    assert "生成模型" in overview and "三维模型" in overview
    archive = read(blog, "archives/index.html")
    assert archive.index("乙") < archive.index("甲") and ">2026<" in archive


def test_pages_are_deterministic_and_their_only_scripts_are_the_theme_s(
        blog: Path, tmp_path: Path) -> None:
    before = {p: p.read_bytes() for p in (blog / "public").rglob("*") if p.is_file()}
    build(BuildOptions(source=blog))
    after = {p: p.read_bytes() for p in (blog / "public").rglob("*") if p.is_file()}
    assert before == after
    # No script renders anything (formulas are HTML already): a page has JSON-LD data, the
    # theme's inline colour-scheme line and its deferred blogkit.js (copy buttons, toggle).
    scripts = {re.sub(rb" data-[a-z-]+=\"[^\"]*\"", b"", tag)
               for p, data in after.items() if p.suffix == ".html"
               for tag in re.findall(rb"<script[^>]*>", data)}
    assert scripts <= {b'<script type="application/ld+json">', b"<script>",
                       b'<script src="/blog/js/blogkit.js" defer>'}, scripts
    assert not [p for p in after if p.suffix == ".js" and "katex" in p.name]


def test_site_templates_override_the_theme_and_can_extend_it(tmp_path: Path) -> None:
    root = make_site(tmp_path, {
        "content/posts/a.md": post("A", "2026-01-01", "正文"),
        "templates/post.html": '{% extends "theme/post.html" %}{% block main %}OVERRIDE '
                               "{{ super() }}{% endblock %}",
    }, **SETTINGS)
    build(BuildOptions(source=root))
    html = read(root, "posts/a/index.html")
    assert "OVERRIDE" in html and "<article" in html
    # Compiled templates are kept for the next build, and a changed template is compiled anew.
    assert any((root / ".blogkit-cache/jinja").iterdir())
    (root / "templates/post.html").write_text(
        '{% extends "theme/post.html" %}{% block main %}CHANGED {{ super() }}{% endblock %}',
        encoding="utf-8")
    build(BuildOptions(source=root))
    assert "CHANGED" in read(root, "posts/a/index.html")


def test_template_error_is_positioned(tmp_path: Path) -> None:
    root = make_site(tmp_path, {
        "content/posts/a.md": post("A", "2026-01-01", "正文"),
        "templates/post.html": "line one\n{{ post.no_such_field }}\n",
    }, **SETTINGS)
    with pytest.raises(BuildError) as caught:
        build(BuildOptions(source=root))
    error = caught.value.errors[0]
    assert error.path.name == "post.html" and error.line == 2
    assert "no_such_field" in error.message


def test_static_file_colliding_with_a_page_is_an_error(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"content/posts/a.md": post("A", "2026-01-01", "正文"),
                                "static/posts/a/index.html": "x"}, **SETTINGS)
    with pytest.raises(BuildError) as caught:
        build(BuildOptions(source=root))
    assert "two things write posts/a/index.html" in caught.value.errors[0].message


def test_third_language_is_only_config_away(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"content/posts/a.ja.md": post("ア", "2026-01-01", "正文"),
                                "content/posts/a.zh.md": post("甲", "2026-01-01", "正文")},
                     **SETTINGS, languages=("zh", "en", "ja"))
    build(BuildOptions(source=root))
    html = read(root, "ja/posts/a/index.html")
    assert '<html lang="ja">' in html
    assert 'hreflang="zh" href="https://user.github.io/blog/posts/a/"' in html
    assert 'href="/blog/ja/posts/a/">日本語</a>' in read(root, "posts/a/index.html")


def test_every_kind_of_mistake_is_reported_in_one_run(tmp_path: Path) -> None:
    root = make_site(tmp_path, {
        "content/posts/a.md": "---\ntitle: A\ndate: 2026-13-01\n---\n",
        "content/posts/b.md": post("B", "2026-01-01", "see [a](a.md) and [x](missing.md)"),
        "content/posts/c.md": post("C", "2026-01-01", r"bad $\frac{1}{$ formula"),
    }, **SETTINGS)
    with pytest.raises(BuildError) as caught:
        build(BuildOptions(source=root))
    found = [(e.path.name, e.line, e.message.split(" ")[0]) for e in caught.value.errors]
    # The link to the broken a.md is not reported twice; the missing one is.
    assert found == [("a.md", 3, "invalid"), ("b.md", 5, "link"), ("c.md", 5, "KaTeX:")]


def test_root_relative_links_get_the_base_path_and_are_checked(tmp_path: Path) -> None:
    # A Hugo blog at a project-site address: /images/... means the site's root.
    root = make_site(tmp_path, {
        "content/posts/vae/index.zh.md": post("变分自编码器", "2026-01-01", (
            "![先验](/images/cn/prior.svg) 见[自回归](/posts/ar/)与[旧写法](/blog/posts/ar/)。")),
        "content/posts/ar.zh.md": post("自回归", "2026-01-02", "正文"),
        "static/images/cn/prior.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
    }, **SETTINGS)
    build(BuildOptions(source=root))
    html = read(root, "posts/vae/index.html")
    assert '<img src="/blog/images/cn/prior.svg" alt="先验"' in html
    assert html.count('<a href="/blog/posts/ar/">') == 2
    (root / "static/images/cn/prior.svg").unlink()  # the static file checked, not a guess
    with pytest.raises(BuildError) as caught:
        build(BuildOptions(source=root))
    assert [(e.path.name, e.line, e.col, e.kind) for e in caught.value.errors] == [
        ("index.zh.md", 5, 7, "link")]


def test_mistakes_of_each_kind_and_their_fallbacks_under_keep_going(tmp_path: Path) -> None:
    root = make_site(tmp_path, {
        "content/posts/a.md": "---\ntitle: A\ndate: 2026-13-01\n---\n",
        "content/posts/b.md": post("B", "2026-01-01", "see [x](missing.md)\n\n"
                                   "{% include note.html %}"),
        "content/posts/c.md": post("C", "2026-01-01", r"bad $\frac{1}{$ formula"),
    }, **SETTINGS)
    with pytest.raises(BuildError) as caught:
        build(BuildOptions(source=root))
    found = [(e.path.name, e.line, e.kind, e.severity) for e in caught.value.errors]
    assert found == [("a.md", 3, "file", "error"), ("b.md", 5, "link", "error"),
                     ("b.md", 7, "markup", "error"), ("c.md", 5, "tex", "error")]
    result = build(BuildOptions(source=root, keep_going=True))
    assert [(e.path.name, e.line, e.kind, e.severity) for e in result.left_out] == [
        ("a.md", 3, "file", "error")]
    assert sorted((e.path.name, e.line, e.kind, e.severity) for e in result.warnings) == [
        ("b.md", 5, "link", "warning"), ("b.md", 7, "markup", "warning"),
        ("c.md", 5, "tex", "warning")]
    assert "{% include note.html %}" in read(root, "posts/b/index.html")
    assert not (root / "public/posts/a").exists()
