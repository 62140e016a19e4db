"""RENDER: pages rendered from a plan, in this process or in a pool of workers."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import BASE_URL, build_site, files, make_posts, make_site, post, write_file

from blogkit.bodies import POOL_THRESHOLD as BODY_POOL_THRESHOLD
from blogkit.errors import BuildError
from blogkit.render import POOL_THRESHOLD as PAGE_POOL_THRESHOLD

_BUILD_WITH = """\
import multiprocessing, os, sys
multiprocessing.set_start_method(sys.argv[1])
forks = []
os.register_at_fork(before=lambda: forks.append(1))  # Node's process is not forked so
from blogkit.cli import main
status = main(["build", "-s", sys.argv[2], "--jobs", "2"])
print("forks:", len(forks))
raise SystemExit(status)
"""


def _built_with(start_method: str, root: Path) -> tuple[dict[str, bytes], int]:
    """The site built with pools started by `start_method`, and how many forks it made."""
    done = subprocess.run([sys.executable, "-c", _BUILD_WITH, start_method, str(root)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return files(root / "public"), int(done.stdout.rsplit("forks:", 1)[1])


@pytest.mark.parametrize("method", ["spawn", "forkserver"])
def test_pools_started_by_any_method_make_the_same_bytes_as_fork(tmp_path: Path,
                                                                   method: str) -> None:
    # Enough posts for both pools: bodies and pages are rendered in workers.
    posts = make_posts(max(BODY_POOL_THRESHOLD, PAGE_POOL_THRESHOLD // 2) + 8)
    forked, forks = _built_with("fork", make_site(tmp_path / "fork", posts))
    other, none = _built_with(method, make_site(tmp_path / method, posts))
    assert forks >= 4  # two workers for the bodies, two for the pages
    assert none == 0
    assert len(forked) > PAGE_POOL_THRESHOLD
    assert other == forked


# -- the head: hreflang alternates and the language switcher ----------------------------------

ABSOLUTE = BASE_URL.rstrip("/")


def alternates(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', html)


def switcher(html: str) -> dict[str, str]:
    """The language switcher: each language's link, "current" for the page's own."""
    nav = html[html.index('<nav class="lang-switch"'):]
    nav = nav[:nav.index("</nav>")]
    links = dict(re.findall(r'<a class="lang" lang="([^"]+)" hreflang="[^"]+" href="([^"]+)">',
                            nav))
    current = re.findall(r'<span class="lang current" lang="([^"]+)"', nav)
    return {**links, **{lang: "current" for lang in current}}


@pytest.fixture(scope="module")
def three_languages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """zh (default), en and ja; two posts a page. `both` is in zh and en, `foreign` in en
    and ja, `zh-only` and `third` in zh alone (so zh has a second home page)."""
    root = make_site(tmp_path_factory.mktemp("three-languages"), {
        "content/posts/both.zh.md": post("两种", "2026-01-01", "正文"),
        "content/posts/both.en.md": post("Both", "2026-01-01", "Text."),
        "content/posts/foreign.en.md": post("Foreign", "2026-01-02", "Text."),
        "content/posts/foreign.ja.md": post("外国", "2026-01-02", "本文。"),
        "content/posts/zh-only.zh.md": post("只有中文", "2026-01-03", "正文"),
        "content/posts/third.zh.md": post("第三", "2026-01-04", "正文"),
    }, per_page=2, languages=("zh", "en", "ja"))
    return build_site(root).output


def test_alternates_list_every_translation_with_x_default_last(three_languages: Path) -> None:
    page = (three_languages / "posts/both/index.html").read_text(encoding="utf-8")
    assert alternates(page) == [("zh", f"{ABSOLUTE}/posts/both/"),
                                ("en", f"{ABSOLUTE}/en/posts/both/"),
                                ("x-default", f"{ABSOLUTE}/posts/both/")]
    # Without the default language, x-default is the first language the page is in.
    foreign = (three_languages / "ja/posts/foreign/index.html").read_text(encoding="utf-8")
    assert alternates(foreign) == [("en", f"{ABSOLUTE}/en/posts/foreign/"),
                                   ("ja", f"{ABSOLUTE}/ja/posts/foreign/"),
                                   ("x-default", f"{ABSOLUTE}/en/posts/foreign/")]
    home = (three_languages / "en/index.html").read_text(encoding="utf-8")
    assert alternates(home) == [("zh", f"{ABSOLUTE}/"), ("en", f"{ABSOLUTE}/en/"),
                                ("ja", f"{ABSOLUTE}/ja/"), ("x-default", f"{ABSOLUTE}/")]


def test_an_untranslated_page_has_no_alternates(three_languages: Path) -> None:
    for rel in ("posts/zh-only/index.html", "page/2/index.html"):
        assert alternates((three_languages / rel).read_text(encoding="utf-8")) == [], rel


def test_the_switcher_links_the_same_page_or_else_that_language_s_home(
        three_languages: Path) -> None:
    def switch(rel: str) -> dict[str, str]:
        return switcher((three_languages / rel).read_text(encoding="utf-8"))

    assert switch("posts/both/index.html") == {
        "zh": "current", "en": "/blog/en/posts/both/", "ja": "/blog/ja/"}
    assert switch("en/posts/foreign/index.html") == {
        "zh": "/blog/", "en": "current", "ja": "/blog/ja/posts/foreign/"}
    assert switch("posts/zh-only/index.html") == {
        "zh": "current", "en": "/blog/en/", "ja": "/blog/ja/"}
    # zh's second home page: the others have one home page only.
    assert switch("page/2/index.html") == {"zh": "current", "en": "/blog/en/", "ja": "/blog/ja/"}


# -- template errors ---------------------------------------------------------------------------


def test_a_template_error_names_the_template_line_and_the_page_once(tmp_path: Path) -> None:
    root = make_site(tmp_path, {
        "content/posts/a.zh.md": post("甲", "2026-01-01", "正文"),
        "content/posts/b.zh.md": post("乙", "2026-01-02", "正文"),
        "templates/post.html": '{% extends "theme/post.html" %}\n{% block main %}\n'
                               "<p>{{ post.title }}</p>\n<p>{{ no_such_variable }}</p>\n"
                               "{% endblock %}\n",
    })
    with pytest.raises(BuildError) as failed:
        build_site(root)
    # Both posts' pages fail the same way: one error, for the first of them.
    assert [(e.path, e.line, e.message) for e in failed.value.errors] == [
        (root.resolve() / "templates/post.html", 4,
         "template error while rendering /posts/a/: 'no_such_variable' is undefined")]
    assert failed.value.errors[0].hint.startswith("fix the template")
    assert not (root / "public").exists()


# -- pages made again only when what they show changed ----------------------------------------


def test_an_edit_past_the_excerpt_renders_the_post_s_page_alone(tmp_path: Path) -> None:
    edited = "content/posts/post-02/index.zh.md"

    def text(excerpt: str, rest: str) -> str:
        return post("第 2 篇文章", "2025-01-03", f"{excerpt}\n\n<!--more-->\n\n{rest}",
                    categories=["Self-Supervised"], tags=["t"])

    root = make_site(tmp_path, {**make_posts(5), edited: text("开头。", "后文。")})
    first = build_site(root)
    assert first.rendered == first.pages
    before = files(root / "public")
    write_file(root, edited, text("开头。", "改过的后文。"))
    late = build_site(root)
    after = files(root / "public")
    changed = {path for path in after if after[path] != before.get(path)}
    assert late.rendered == 1 and late.pages == first.pages
    assert {path for path in changed if path.endswith(".html")} == {"posts/post-02/index.html"}
    # In the excerpt, the listings that show it are made again too.
    write_file(root, edited, text("新的开头。", "改过的后文。"))
    early = build_site(root)
    now = files(root / "public")
    assert early.rendered > 1
    assert {"posts/post-02/index.html", "index.html", "categories/self-supervised/index.html",
            "tags/t/index.html"} <= {path for path in now if now[path] != after.get(path)}


# -- listings and their page links -------------------------------------------------------------


def titles(html: str) -> list[str]:
    return re.findall(r'<h[23] class="entry-title"><a href="[^"]+">([^<]+)</a>', html)


def pager(html: str) -> tuple[list[str], list[tuple[str, str]]]:
    """A listing's page links: `prev URL`/`next URL`, each page's (label, URL or "current")."""
    if 'class="pagination"' not in html:
        return [], []
    nav = html[html.index('<nav class="pagination"'):]
    nav = nav[:nav.index("</nav>")]
    steps = re.findall(r'rel="(prev|next)" href="([^"]+)"', nav)
    pages = re.findall(r'<li>(?:<a href="([^"]+)">(\d+)</a>|<span class="current" '
                       r'aria-current="page">(\d+)</span>)</li>', nav)
    return ([f"{rel} {url}" for rel, url in steps],
            [(label or current, url or "current") for url, label, current in pages])


def test_a_listing_of_twelve_posts_a_page_links_its_pages(tmp_path: Path) -> None:
    # 25 posts in zh: pages of 12, 12 and 1; 12 in en: one page, no page links.
    root = make_site(tmp_path, {**make_posts(25, langs=("zh",), with_math=False),
                                **make_posts(12, langs=("en",), with_math=False)})
    output = build_site(root).output

    def listing(rel: str) -> tuple[list[str], tuple[list[str], list[tuple[str, str]]]]:
        html = (output / rel).read_text(encoding="utf-8")
        return titles(html), pager(html)

    first, second, third = (listing(rel) for rel in (
        "index.html", "page/2/index.html", "page/3/index.html"))
    assert first[0] == [f"第 {i} 篇文章" for i in range(24, 12, -1)]
    assert second[0] == [f"第 {i} 篇文章" for i in range(12, 0, -1)]
    assert third[0] == ["第 0 篇文章"]
    pages = [("1", "/blog/"), ("2", "/blog/page/2/"), ("3", "/blog/page/3/")]
    assert first[1] == (["next /blog/page/2/"], [("1", "current"), *pages[1:]])
    assert second[1] == (["prev /blog/", "next /blog/page/3/"],
                         [pages[0], ("2", "current"), pages[2]])
    assert third[1] == (["prev /blog/page/2/"], [*pages[:2], ("3", "current")])
    assert not (output / "page/4").exists()
    english = listing("en/index.html")
    assert len(english[0]) == 12 and english[1] == ([], [])
    assert not (output / "en/page").exists()
