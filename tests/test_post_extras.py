"""What ends a post: related posts and series (front matter `series:`), and series pages."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from checkers import vnu_errors
from conftest import build_site, make_site, post
from hypothesis import given, settings
from hypothesis import strategies as st

from blogkit.config import load_config
from blogkit.content import load_content
from blogkit.templates import THEME_DIR, create_environment, names_read

UI = {
    "zh": {"series": "系列", "series_position": "系列：{name} ({n}/{total})",
           "related_posts": "相关文章"},
    "en": {"series": "Series", "series_position": "Series: {name} ({n}/{total})",
           "related_posts": "Related posts"},
}
"""The strings the extras need, given as the site's overrides (until the theme has them)."""


def extras_site(root: Path, files: dict[str, str]) -> Path:
    """A zh/en site of `files` whose post pages show `_post_extras.html`.

    Until the theme's post.html includes the partial, the site's own post.html does.
    """
    if "_post_extras.html" not in (THEME_DIR / "templates/post.html").read_text("utf-8"):
        files = {**files, "templates/post.html":
                 '{% extends "theme/post.html" %}{% block main %}{{ super() }}'
                 '{% include "_post_extras.html" %}{% endblock %}\n'}
    return make_site(root, files, languages=[{"code": code, "ui": UI[code]}
                                             for code in ("zh", "en")])


def page(root: Path, path: str) -> str:
    return (root / "public" / path).read_text("utf-8")


def related(html: str) -> list[str]:
    """The links of a page's related posts, in order ([] when it shows none)."""
    found = re.search(r'<section class="related-posts".*?</section>', html, re.S)
    return re.findall(r'href="([^"]*)"', found.group(0)) if found else []


def series_box(html: str) -> tuple[str, list[str]] | None:
    """A page's series box: its title and its items (`*` marks the current one)."""
    found = re.search(r'<nav class="post-series".*?</nav>', html, re.S)
    if found is None:
        return None
    box = found.group(0)
    title = re.search(r'class="post-series-title"[^>]*><a href="[^"]*">([^<]*)</a>', box)
    assert title is not None
    items = [("*" + current) if current else link for link, current in re.findall(
        r'<li>(?:<a href="([^"]*)">[^<]*</a>|<span aria-current="page">([^<]*)</span>)</li>',
        box)]
    return title.group(1), items


def test_related_posts_share_tags_and_categories_best_first(tmp_path: Path) -> None:
    """Two points a shared tag, one a shared category; ties to the newer post, then the
    key; at most five; never the post itself, another language's, a draft or a future
    post; no section when nothing relates."""
    tomorrow = (date.today() + timedelta(days=2)).isoformat()

    def en(title: str, day: str, **front: object) -> str:
        return post(title, day, "Text.", **front)

    root = extras_site(tmp_path, {
        "content/posts/a.en.md": en("A", "2026-01-01", tags=["x", "y"], categories=["3D Model"]),
        "content/posts/b.en.md": en("B", "2026-01-02", tags=["X", "y"], categories=["3D Model"]),
        "content/posts/c.en.md": en("C", "2026-01-03", tags=["x"],
                                    categories=["Generative Model"]),
        "content/posts/d.en.md": en("D", "2026-01-04", categories=["3D Model"]),
        "content/posts/e.en.md": en("E", "2026-01-05", tags=["z"],
                                    categories=["Computer Vision"]),
        "content/posts/f.en.md": en("F", "2026-01-06", tags=["x"], categories=["3D Model"]),
        "content/posts/c2.en.md": en("C2", "2026-01-07", tags=["y"]),
        "content/posts/k2.en.md": en("K2", "2026-01-08", tags=["y"]),
        "content/posts/k1.en.md": en("K1", "2026-01-08", tags=["y"]),
        "content/posts/draft.en.md": en("Draft", "2026-01-09", tags=["x", "y"], draft=True,
                                        categories=["3D Model"]),
        "content/posts/soon.en.md": en("Soon", tomorrow, tags=["x", "y"],
                                       categories=["3D Model"]),
        "content/posts/a.zh.md": post("甲", "2026-01-01", "正文", tags=["x", "y"],
                                      categories=["3D Model"]),
        "content/posts/zh-only.zh.md": post("乙", "2026-01-10", "正文", tags=["x", "y"],
                                            categories=["3D Model"]),
    })
    build_site(root)
    urls = {name: f"/blog/en/posts/{name}/" for name in ("b", "f", "k1", "k2", "c2", "a")}
    # a: b 2+2+1 (x and X are one tag), f 2+1, then k1, k2, c2 and c at 2 (k1 and k2 share
    # a date: by key), c and d (1) left out.
    assert related(page(root, "en/posts/a/index.html")) == [
        urls["b"], urls["f"], urls["k1"], urls["k2"], urls["c2"]]
    assert related(page(root, "en/posts/e/index.html")) == []
    assert '<section class="related-posts"' not in page(root, "en/posts/e/index.html")
    assert related(page(root, "en/posts/d/index.html"))[:3] == [
        "/blog/en/posts/f/", "/blog/en/posts/b/", urls["a"]]
    # The zh post: only zh posts.
    assert related(page(root, "posts/a/index.html")) == ["/blog/posts/zh-only/"]
    html = page(root, "en/posts/a/index.html")
    assert '<h2 id="related-posts-title">Related posts</h2>' in html
    assert '<h2 id="related-posts-title">相关文章</h2>' in page(root, "posts/a/index.html")


SERIES = {
    "content/posts/s1/index.en.md": post("Part three", "2026-01-03", "Text.",
                                         series="Diffusion 101"),
    "content/posts/s2/index.en.md": post("Part one", "2026-01-01", "Text.",
                                         series="Diffusion 101"),
    "content/posts/s3/index.en.md": post("Part two", "2026-01-02", "Text.",
                                         series="diffusion 101"),
    "content/posts/s1/index.zh.md": post("第三篇", "2026-01-03", "正文", series="扩散入门"),
    "content/posts/s2/index.zh.md": post("第一篇", "2026-01-01", "正文", series="扩散入门"),
    "content/posts/other.en.md": post("Other", "2026-01-04", "Text.", series=["Other $x$"]),
    "content/posts/alone.en.md": post("Alone", "2026-01-05", "Text."),
}


def test_a_series_box_shows_its_posts_oldest_first_and_marks_the_post(tmp_path: Path) -> None:
    root = extras_site(tmp_path, SERIES)
    build_site(root)
    series = "/blog/en/series/diffusion-101/"
    # Names that slugify alike are one series, named by its oldest post's spelling.
    assert series_box(page(root, "en/posts/s3/index.html")) == (
        "Series: Diffusion 101 (2/3)", ["/blog/en/posts/s2/", "*Part two", "/blog/en/posts/s1/"])
    assert series_box(page(root, "en/posts/s2/index.html")) == (
        "Series: Diffusion 101 (1/3)", ["*Part one", "/blog/en/posts/s3/", "/blog/en/posts/s1/"])
    assert f'<a href="{series}">Series: Diffusion 101 (1/3)</a>' in \
        page(root, "en/posts/s2/index.html")
    assert series_box(page(root, "posts/s1/index.html")) == (
        "系列：扩散入门 (2/2)", ["/blog/posts/s2/", "*第三篇"])
    # Hugo's taxonomy form: a list of one name.
    assert series_box(page(root, "en/posts/other/index.html")) == ("Series: Other $x$ (1/1)",
                                                                   ["*Other"])
    assert series_box(page(root, "en/posts/alone/index.html")) is None


def test_series_pages_list_a_series_posts_in_order_and_every_series(tmp_path: Path) -> None:
    root = extras_site(tmp_path, SERIES)
    build_site(root)
    one = page(root, "en/series/diffusion-101/index.html")
    assert "<h1>Diffusion 101</h1>" in one and "<title>Diffusion 101 | Test Blog</title>" in one
    listed = re.search(r'<ol class="series-list">.*?</ol>', one, re.S)
    assert listed is not None
    assert re.findall(r'href="([^"]*)"', listed.group(0)) == [
        "/blog/en/posts/s2/", "/blog/en/posts/s3/", "/blog/en/posts/s1/"]
    assert '<a href="/blog/en/series/">Series</a>' in one
    every = page(root, "en/series/index.html")
    assert re.findall(r'<li><a href="([^"]*)">([^<]*)</a> <span class="count">(\d+)</span>',
                      every) == [("/blog/en/series/diffusion-101/", "Diffusion 101", "3"),
                                 ("/blog/en/series/other-x/", "Other $x$", "1")]
    zh = page(root, "series/扩散入门/index.html")
    assert "<h1>扩散入门</h1>" in zh and "<title>扩散入门 | 测试博客</title>" in zh
    assert "<h1>系列</h1>" in page(root, "series/index.html")
    # In the sitemap, as every other listing.
    sitemap = page(root, "sitemap.xml")
    assert "<loc>https://example.com/blog/en/series/diffusion-101/</loc>" in sitemap
    assert "<loc>https://example.com/blog/en/series/</loc>" in sitemap


def test_series_and_related_markup_passes_the_nu_html_checker(tmp_path: Path) -> None:
    root = extras_site(tmp_path, {
        **SERIES,
        "content/posts/r.en.md": post("R", "2026-01-06", "Text.", series="Diffusion 101",
                                      tags=["t"]),
        "content/posts/q.en.md": post("Q", "2026-01-07", "Text.", tags=["t"])})
    output = build_site(root).output
    pages = [output / name for name in (
        "en/posts/r/index.html", "posts/s1/index.html", "en/series/index.html",
        "en/series/diffusion-101/index.html", "series/扩散入门/index.html")]
    assert related(pages[0].read_text("utf-8")) and series_box(pages[0].read_text("utf-8"))
    assert vnu_errors(output, pages) == []


def test_a_site_without_series_has_no_series_pages(tmp_path: Path) -> None:
    root = extras_site(tmp_path, {"content/posts/a.en.md": post("A", "2026-01-01", "Text.")})
    build_site(root)
    assert not (root / "public/series").exists() and not (root / "public/en/series").exists()


def messages(root: Path) -> list[str]:
    loaded = load_content(load_config(root))
    return [f"{e.location(root)}: {e.message} | {e.hint}" for e in loaded.errors]


@pytest.mark.parametrize(("value", "expected"), [
    ("[a, b]", "content/posts/a.md:4:9: series must be the name of one series | a post is in "
               "one series: write series: Name (its part is told by its date)"),
    ("{name: a}", "content/posts/a.md:4:9: series must be a name, not a mapping | write the "
                  "series' name as text: series: Name"),
    ("true", "content/posts/a.md:4:9: series must be a name, not true or false | write the "
             "series' name as text: series: Name"),
    ("[[a]]", "content/posts/a.md:4:10: series must be a name, not a list | write the "
              "series' name as text: series: Name"),
    ('"  "', "content/posts/a.md:4:9: series must be non-empty text | write series: Name, or "
             "remove it"),
    ("x" * 300, "content/posts/a.md:4:9: the series 'xxxxxxxxxxxxxxxxxxxxxxxx…' makes a URL "
                "name of 300 bytes; file systems allow 255 | give it a shorter `series:` (a "
                "CJK character is 3 bytes in UTF-8; about 80 of them fit)"),
])
def test_a_series_that_is_not_one_name_is_an_error_at_its_place(
        tmp_path: Path, value: str, expected: str) -> None:
    make_site(tmp_path, {"content/posts/a.md": f"---\ntitle: A\ndate: 2026-01-01\n"
                                               f"series: {value}\n---\nText.\n"})
    assert messages(tmp_path) == [expected]


def test_a_series_is_for_posts_and_a_misspelling_gets_a_hint(tmp_path: Path) -> None:
    make_site(tmp_path, {
        "content/about.md": "---\ntitle: About\nseries: S\n---\nText.\n",
        "content/posts/a.md": "---\ntitle: A\ndate: 2026-01-01\nserie: S\n---\nText.\n",
        "content/posts/b.md": "---\ntitle: B\ndate: 2026-01-01\nseries: 42\n---\nText.\n",
    })
    assert messages(tmp_path) == [
        "content/about.md:3:9: only posts can be in a series | remove 'series' from this "
        "page, or move the file under content/posts/",
        "content/posts/a.md:4:1: unknown front matter key 'serie' | did you mean 'series'?",
    ]
    posts = {p.rel: p for p in load_content(load_config(tmp_path)).posts}
    assert posts["posts/b.md"].series == "42"


def test_series_pages_do_not_read_whole_bodies_and_post_pages_read_the_extras(
        tmp_path: Path) -> None:
    """A series page shows titles and dates: an edit past a post's excerpt leaves it be."""
    env = create_environment(tmp_path / "templates")
    found = names_read(env, "series.html")
    assert found is not None and not found & {"html", "toc", "reading_minutes"}
    if "_post_extras.html" in (THEME_DIR / "templates/post.html").read_text("utf-8"):
        post_names = names_read(env, "post.html")
        assert post_names is not None and {"related", "series", "position"} <= post_names


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sets(st.sampled_from("abcdef"), max_size=3),
                          st.sets(st.sampled_from("XYZ"), max_size=2)), max_size=30))
def test_related_posts_are_those_the_rule_ranks_first(posts: list[tuple[set[str], set[str]]]
                                                      ) -> None:
    """Against the rule computed in full for every pair: 2 a shared tag, 1 a shared
    category, the newer (earlier in the newest-first order) among equals, at most five."""
    from types import SimpleNamespace

    from blogkit.post_groups import RELATED_MAX, related_posts

    ordered = tuple(SimpleNamespace(post=SimpleNamespace(rel=f"p{i}", tags=sorted(tags),
                                                         categories=sorted(cats)))
                    for i, (tags, cats) in enumerate(posts))
    expected = {}
    for i, (tags, cats) in enumerate(posts):
        scored = sorted((-(2 * len(tags & other_tags) + len(cats & other_cats)), j)
                        for j, (other_tags, other_cats) in enumerate(posts) if j != i)
        best = [f"p{j}" for score, j in scored if score < 0][:RELATED_MAX]
        if best:
            expected[f"p{i}"] = best
    found = related_posts(ordered)  # type: ignore[arg-type]
    assert {rel: [e.post.rel for e in entries] for rel, entries in found.items()} == expected
