"""BUILD with a cache (as the dev server does): after any edits, identical to a clean build."""

from __future__ import annotations

import re
import shutil
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import make_site, post, read_counted, site_config
from conftest import write_file as write

from blogkit.build import BuildOptions, Compiled, compile_site
from blogkit.build_cache import BuildCache
from blogkit.changes import classify
from blogkit.errors import BuildError
from blogkit.patch import prepare
from blogkit.templates import THEME_DIR

FRONT = {"categories": ["3D Model"], "tags": ["t1"]}
"""What the posts of the site are filed under (unless a test says otherwise)."""


def snapshot(compiled: Compiled) -> dict[str, bytes]:
    files = {output.path: output.data for output in compiled.outputs}
    files.update({static.path: static.source.read_bytes() for static in compiled.statics})
    return files


@pytest.fixture()
def site(tmp_path: Path) -> Path:
    """Five posts in zh and en, two a page; p0 is a bundle with a figure."""
    files = {}
    for number in range(5):
        files[f"content/posts/p{number}/index.zh.md"] = post(
            f"文{number}", f"2026-01-0{number + 1}", f"正文 {number} $x_{number}$", **FRONT)
        files[f"content/posts/p{number}/index.en.md"] = post(
            f"Post {number}", f"2026-01-0{number + 1}", f"Body {number}", **FRONT)
    files["content/posts/p0/fig.svg"] = "<svg xmlns='http://www.w3.org/2000/svg'/>"
    files["static/robots.txt"] = "User-agent: *\n"
    return make_site(tmp_path, files, per_page=2)


def check(site: Path, cache: BuildCache, changed: set[Path] | None = None) -> Compiled:
    """Rebuild with the cache (told what `changed`, as the watcher tells the dev server)
    and compare with a clean build of the same files."""
    options = BuildOptions(source=site)
    incremental = compile_site(options, cache,
                               classify(site, changed) if changed is not None else None)
    clean = compile_site(options)
    assert snapshot(incremental) == snapshot(clean)
    return incremental


def test_first_build_renders_everything_and_a_second_nothing(site: Path) -> None:
    cache = BuildCache()
    first = check(site, cache)
    assert first.rendered == first.pages
    second = check(site, cache)
    assert second.rendered == 0 and second.formulas["katex"] == 0


def test_editing_a_post_rerenders_only_the_pages_that_show_it(
        site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = BuildCache()
    first = check(site, cache)
    assert first.markdown == 10
    write(site, "content/posts/p2/index.en.md",
          post("Post 2 renamed", "2026-01-03", "New", **FRONT))
    reads = read_counted(monkeypatch)
    edited = compile_site(BuildOptions(source=site), cache)
    # Files whose size and mtime are unchanged are not read again; one body is rendered.
    assert reads == [site / "content/posts/p2/index.en.md"]
    assert edited.markdown == 1
    # Its page, the en home pages, its category and tag pages, the archive, the zh
    # translation (switcher) and its neighbours (previous/next titles): not the zh site.
    assert 0 < edited.rendered < first.pages // 2
    assert snapshot(edited) == snapshot(compile_site(BuildOptions(source=site)))


def test_a_template_change_rerenders_pages_but_no_markdown(site: Path) -> None:
    cache = BuildCache()
    first = check(site, cache)
    write(site, "templates/page.html", '{% extends "theme/page.html" %}')
    changed = check(site, cache)
    assert changed.rendered == first.pages
    assert changed.markdown == 0


def test_a_static_file_change_renders_no_page(site: Path) -> None:
    cache = BuildCache()
    check(site, cache)
    write(site, "static/robots.txt", "User-agent: *\nDisallow: /drafts/\n")
    assert check(site, cache).rendered == 0


def test_adding_deleting_and_renaming_posts_and_assets(site: Path) -> None:
    cache = BuildCache()
    check(site, cache)
    write(site, "content/posts/p9.zh.md",
          post("新", "2026-02-01", "新文章", categories=["Generative Model"], tags=["t1"]))
    added = check(site, cache)
    assert "posts/p9/index.html" in snapshot(added)
    shutil.rmtree(site / "content/posts/p1")
    deleted = check(site, cache)
    assert not any(path.startswith("posts/p1/") for path in snapshot(deleted))
    (site / "content/posts/p9.zh.md").rename(site / "content/posts/p10.zh.md")
    renamed = snapshot(check(site, cache))
    assert "posts/p10/index.html" in renamed and "posts/p9/index.html" not in renamed
    write(site, "content/posts/p3/extra/data.txt", "data")
    assert "posts/p3/extra/data.txt" in snapshot(check(site, cache))
    (site / "content/posts/p0/fig.svg").unlink()
    assert "posts/p0/fig.svg" not in snapshot(check(site, cache))


def test_a_config_change_rebuilds_everything(site: Path) -> None:
    cache = BuildCache()
    first = check(site, cache)
    write(site, "blogkit.yaml", site_config(per_page=3))
    changed = check(site, cache)
    assert changed.rendered == changed.pages and changed.pages < first.pages


def test_fixing_a_broken_link_target_is_seen(site: Path) -> None:
    cache = BuildCache()
    check(site, cache)
    write(site, "content/posts/p4/index.zh.md",
          post("文4", "2026-01-05", "见 [新文](../p7/index.zh.md)", **FRONT))
    with pytest.raises(Exception, match="error"):
        compile_site(BuildOptions(source=site), cache)
    write(site, "content/posts/p7/index.zh.md", post("文7", "2026-01-08", "七", **FRONT))
    fixed = check(site, cache)
    assert b'href="/blog/posts/p7/"' in snapshot(fixed)["posts/p4/index.html"]


def test_the_watcher_s_changed_paths_are_enough(site: Path) -> None:
    """Told which files changed, a rebuild walks content/ only when files came or went."""
    cache = BuildCache()
    check(site, cache)
    edited = site / "content/posts/p2/index.en.md"
    write(site, "content/posts/p2/index.en.md",
          post("Post 2 edited", "2026-01-03", "Edited", **FRONT))
    assert b"Post 2 edited" in snapshot(check(site, cache, {edited}))["en/posts/p2/index.html"]
    added = site / "content/posts/p8/index.zh.md"
    write(site, "content/posts/p8/index.zh.md", post("新八", "2026-03-01", "八", **FRONT))
    assert "posts/p8/index.html" in snapshot(check(site, cache, {added}))
    shutil.rmtree(site / "content/posts/p3")
    gone = {site / "content/posts/p3/index.zh.md", site / "content/posts/p3/index.en.md"}
    assert not any(p.startswith("posts/p3/") for p in snapshot(check(site, cache, gone)))
    figure = site / "content/posts/p0/fig.svg"
    figure.write_text("<svg xmlns='http://www.w3.org/2000/svg'><g/></svg>", encoding="utf-8")
    assert snapshot(check(site, cache, {figure}))["posts/p0/fig.svg"].endswith(b"<g/></svg>")
    static = site / "static/new.txt"
    write(site, "static/new.txt", "new")
    assert snapshot(check(site, cache, {static}))["new.txt"] == b"new"
    check(site, cache, {site / "templates/nothing.html"})  # outside content/: nothing to walk


def test_editing_a_post_s_text_leaves_its_neighbours_and_translation_alone(site: Path) -> None:
    cache = BuildCache()
    check(site, cache)
    before = {path: made_from for path, (made_from, _) in cache.outputs.items()}
    write(site, "content/posts/p2/index.en.md",
          post("Post 2", "2026-01-03", "Body 2, longer.", **FRONT))
    edited = check(site, cache)
    after = {path: made_from for path, (made_from, _) in cache.outputs.items()}
    changed = {path for path in after if after[path] != before.get(path)}
    assert "en/posts/p2/index.html" in changed
    # Neighbours show only its title and URL, its translation only its URL: all unchanged.
    assert not changed & {"en/posts/p1/index.html", "en/posts/p3/index.html",
                          "posts/p2/index.html"}
    assert edited.rendered == len(changed & {p for p in after if p.endswith(".html")})


def changed_pages(site: Path, cache: BuildCache, edit: str, body: str,
                  changed: set[Path] | None = None) -> set[str]:
    """Write `body` into post p2 (en) as `edit`, rebuild; return the pages made anew."""
    before = {path: made_from for path, (made_from, _) in cache.outputs.items()}
    write(site, "content/posts/p2/index.en.md", post("Post 2", "2026-01-03", body, **FRONT))
    rebuilt = check(site, cache, changed)
    after = {path: made_from for path, (made_from, _) in cache.outputs.items()}
    pages = {path for path in after if after[path] != before.get(path) and path.endswith(".html")}
    assert rebuilt.rendered == len(pages), edit
    return pages


LISTINGS_OF_P2 = {"en/page/2/index.html", "en/categories/3d-model/page/2/index.html",
                  "en/tags/t1/page/2/index.html", "en/archives/index.html"}
"""The listing pages that show p2 (two posts a page, newest first)."""


def test_text_past_the_excerpt_re_renders_the_post_s_page_alone(site: Path) -> None:
    """Listings show a post's title and excerpt: text after the excerpt leaves them alone."""
    cache = BuildCache()
    write(site, "content/posts/p2/index.en.md",
          post("Post 2", "2026-01-03", "Intro $a$.\n\n<!--more-->\n\nRest.", **FRONT))
    check(site, cache)
    page = "en/posts/p2/index.html"
    late = changed_pages(site, cache, "late", "Intro $a$.\n\n<!--more-->\n\nRest, longer.")
    assert late == {page}
    early = changed_pages(site, cache, "early", "Intro $b$.\n\n<!--more-->\n\nRest, longer.")
    # The archive shows titles, yet reads a `description` (the page's): names are not told
    # apart by the object they are read from, so the excerpt's text counts there too.
    assert early == {page} | LISTINGS_OF_P2
    assert "<!--more-->" not in snapshot(check(site, cache))["en/page/2/index.html"].decode()


def test_a_listing_template_reading_the_body_re_renders_on_any_edit(site: Path) -> None:
    write(site, "templates/archive.html",
          '{% extends "theme/archive.html" %}{% block main %}{{ super() }}'
          "{% for group in years %}{% for post in group.posts %}"
          "<p>{{ post.html | length }}</p>{% endfor %}{% endfor %}{% endblock %}\n")
    cache = BuildCache()
    write(site, "content/posts/p2/index.en.md",
          post("Post 2", "2026-01-03", "Intro.\n\n<!--more-->\n\nRest.", **FRONT))
    check(site, cache)
    late = changed_pages(site, cache, "late", "Intro.\n\n<!--more-->\n\nRest, longer.")
    assert late == {"en/posts/p2/index.html", "en/archives/index.html"}


def edit(site: Path, cache: BuildCache, name: str, text: str) -> Compiled:
    """Write one file and rebuild, told what changed as the dev server is."""
    write(site, name, text)
    return check(site, cache, {site / name})


P2 = "content/posts/p2/index.en.md"


def test_an_edit_to_a_post_s_text_alone_patches_the_last_build(site: Path) -> None:
    """Text past the excerpt: the last build is patched (one page made), and every kind
    of edit after it still gives what a clean build gives."""
    cache = BuildCache()
    write(site, P2, post("Post 2", "2026-01-03", "Intro.\n\n<!--more-->\n\nRest.", **FRONT))
    check(site, cache)
    text = edit(site, cache, P2, post("Post 2", "2026-01-03", "Intro.\n\n<!--more-->\n\nMore.",
                                      **FRONT))
    assert text.patched and text.rendered == 1
    assert b"More." in snapshot(text)["en/posts/p2/index.html"]
    formula = edit(site, cache, P2, post("Post 2", "2026-01-03",
                                         "Intro.\n\n<!--more-->\n\n$e^{i\\pi}+1=0$", **FRONT))
    assert formula.patched and b"katex" in snapshot(formula)["en/posts/p2/index.html"]
    # Not text alone: the excerpt, the title, a category, a broken link, a bad formula.
    excerpt = edit(site, cache, P2, post("Post 2", "2026-01-03",
                                         "New intro.\n\n<!--more-->\n\n", **FRONT))
    assert not excerpt.patched and excerpt.rendered > 1
    assert not edit(site, cache, P2, post("Post 2!", "2026-01-03", "New intro.", **FRONT)).patched
    assert not edit(site, cache, P2, post("Post 2!", "2026-01-03", "New intro.",
                                          categories=["Generative Model"], tags=["t1"])).patched
    with pytest.raises(BuildError) as link:
        edit(site, cache, P2, post("Post 2!", "2026-01-03", "[x](../nowhere/index.md)", **FRONT))
    assert "no published post" in link.value.errors[0].message
    with pytest.raises(BuildError) as tex:
        edit(site, cache, P2, post("Post 2!", "2026-01-03", "A.\n\n<!--more-->\n\n$\\frac{$",
                                   **FRONT))
    assert "KaTeX" in tex.value.errors[0].message
    fixed = edit(site, cache, P2, post("Post 2!", "2026-01-03", "A.\n\n<!--more-->\n\nB.", **FRONT))
    assert not fixed.patched  # the last build failed: nothing to patch
    again = edit(site, cache, P2, post("Post 2!", "2026-01-03", "A.\n\n<!--more-->\n\nC.", **FRONT))
    assert again.patched and again.rendered == 1


def test_a_patch_remakes_the_feeds_showing_the_post(site: Path) -> None:
    cache = BuildCache()
    newest = "content/posts/p4/index.en.md"
    write(site, newest, post("Post 4", "2026-01-05", "Intro.\n\n<!--more-->\n\nRest.", **FRONT))
    first = snapshot(check(site, cache))
    patched = edit(site, cache, newest, post("Post 4", "2026-01-05",
                                            "Intro.\n\n<!--more-->\n\nChanged.", **FRONT))
    assert patched.patched
    files = snapshot(patched)
    assert b"Changed." in files["en/atom.xml"] and files["en/atom.xml"] != first["en/atom.xml"]


def test_a_page_s_text_is_patched_too(site: Path) -> None:
    cache = BuildCache()
    write(site, "content/about.en.md", post("About", "2026-01-01", "About us.", **FRONT))
    check(site, cache)
    patched = edit(site, cache, "content/about.en.md",
                   post("About", "2026-01-01", "About me.", **FRONT))
    assert patched.patched and b"About me." in snapshot(patched)["en/about/index.html"]


def test_a_post_that_comes_due_is_never_missed_by_a_patch(site: Path) -> None:
    cache = BuildCache()
    soon = (datetime.now(timezone.utc) + timedelta(seconds=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    write(site, "content/posts/soon/index.en.md", post("Soon", soon, "Soon.", **FRONT))
    assert "en/posts/soon/index.html" not in snapshot(check(site, cache))
    time.sleep(2.5)
    due = edit(site, cache, P2, post("Post 2", "2026-01-03", "Body 2, edited.", **FRONT))
    assert not due.patched and "en/posts/soon/index.html" in snapshot(due)


def test_a_build_prepared_for_patching_patches_the_same(site: Path) -> None:
    """The dev server prepares while idle (`patch.prepare`); the patch is the same."""
    cache = BuildCache()
    write(site, P2, post("Post 2", "2026-01-03", "Intro.\n\n<!--more-->\n\n```python\nx = 1\n```",
                         **FRONT))
    check(site, cache)
    prepare(cache)
    assert cache.last is not None and cache.last.shown_by is not None
    patched = edit(site, cache, P2, post("Post 2", "2026-01-03",
                                         "Intro.\n\n<!--more-->\n\n```python\nx = 2\n```", **FRONT))
    assert patched.patched and patched.rendered == 1


EXTRAS_UI = {"zh": {"series": "系列", "series_position": "系列：{name} ({n}/{total})",
                    "related_posts": "相关文章"},
             "en": {"series": "Series", "series_position": "Series: {name} ({n}/{total})",
                    "related_posts": "Related posts"}}
"""The strings of the post extras, as the site's overrides (until the theme has them)."""


def with_extras(site: Path) -> None:
    """Have the site's post pages show `_post_extras.html` (related posts, series)."""
    write(site, "blogkit.yaml", site_config(per_page=2, languages=[
        {"code": code, "ui": EXTRAS_UI[code]} for code in ("zh", "en")]))
    if "_post_extras.html" not in (THEME_DIR / "templates/post.html").read_text("utf-8"):
        write(site, "templates/post.html", '{% extends "theme/post.html" %}{% block main %}'
              '{{ super() }}{% include "_post_extras.html" %}{% endblock %}\n')


def remade(site: Path, cache: BuildCache, edits: dict[str, str]
           ) -> tuple[set[str], dict[str, bytes]]:
    """Write `edits`, rebuild (checked against a clean build); return the pages made
    anew, and every file."""
    before = {path: made_from for path, (made_from, _) in cache.outputs.items()}
    for name, text in edits.items():
        write(site, name, text)
    rebuilt = check(site, cache)
    after = {path: made_from for path, (made_from, _) in cache.outputs.items()}
    pages = {path for path in after if after[path] != before.get(path) and path.endswith(".html")}
    assert rebuilt.rendered == len(pages)
    return pages, snapshot(rebuilt)


def test_a_post_s_page_re_renders_when_its_related_posts_change_and_only_then(
        site: Path) -> None:
    """Every post relates to the others (one category, one tag); p2 and p0 sharing one
    more tag puts each first in the other's list: those two pages change, not p1's, p3's
    or p4's, and not when the text of a related post changes."""
    with_extras(site)
    write(site, "content/posts/p2/index.en.md",
          post("Post 2", "2026-01-03", "Body 2", categories=["3D Model"], tags=["t1", "t2"]))
    cache = BuildCache()
    first = snapshot(check(site, cache))
    assert related_links(first["en/posts/p2/index.html"]) == ["p4", "p3", "p1", "p0"]
    pages, files = remade(site, cache, {"content/posts/p0/index.en.md": post(
        "Post 0", "2026-01-01", "Body 0", categories=["3D Model"], tags=["t1", "t2"])})
    assert related_links(files["en/posts/p2/index.html"]) == ["p0", "p4", "p3", "p1"]
    assert related_links(files["en/posts/p0/index.html"])[0] == "p2"
    assert {"en/posts/p0/index.html", "en/posts/p2/index.html"} <= pages
    assert not pages & {f"en/posts/p{n}/index.html" for n in (1, 3, 4)}
    assert not any(page.startswith("posts/") for page in pages)  # the zh site
    # Related posts show titles: text past p0's title leaves the pages listing it alone.
    pages, _ = remade(site, cache, {"content/posts/p0/index.en.md": post(
        "Post 0", "2026-01-01", "Body 0, longer", categories=["3D Model"], tags=["t1", "t2"])})
    assert not pages & {f"en/posts/p{n}/index.html" for n in (1, 2, 3, 4)}
    # Its title: every page listing it.
    pages, _ = remade(site, cache, {"content/posts/p0/index.en.md": post(
        "Post 0!", "2026-01-01", "Body 0, longer", categories=["3D Model"], tags=["t1", "t2"])})
    assert {f"en/posts/p{n}/index.html" for n in range(5)} <= pages


def related_links(html: bytes) -> list[str]:
    """The names of the posts a page's related section links, in order."""
    found = re.search(rb'<section class="related-posts".*?</section>', html, re.S)
    return [name.decode() for name in re.findall(rb'href="/blog/en/posts/([^/"]*)/"',
                                                 found.group(0))] if found else []


def test_series_pages_and_boxes_re_render_when_the_series_changes(site: Path) -> None:
    with_extras(site)
    for number in (1, 3):
        write(site, f"content/posts/p{number}/index.en.md", post(
            f"Post {number}", f"2026-01-0{number + 1}", f"Body {number}", series="S", **FRONT))
    cache = BuildCache()
    first = snapshot(check(site, cache))
    assert b"Series: S (2/2)" in first["en/posts/p3/index.html"]
    assert "en/series/s/index.html" in first and "series/index.html" not in first
    # p2 joins, between the two: their boxes, the series' pages; not p0's or p4's page.
    pages, files = remade(site, cache, {"content/posts/p2/index.en.md": post(
        "Post 2", "2026-01-03", "Intro.\n\n<!--more-->\n\nRest.", series="S", **FRONT)})
    assert {"en/posts/p1/index.html", "en/posts/p2/index.html", "en/posts/p3/index.html",
            "en/series/s/index.html", "en/series/index.html"} <= pages
    assert not pages & {"en/posts/p0/index.html", "en/posts/p4/index.html"}
    assert b"Series: S (3/3)" in files["en/posts/p3/index.html"]
    # Its text past the excerpt: its own page (patched by the dev server), no other.
    text = edit(site, cache, P2, post("Post 2", "2026-01-03", "Intro.\n\n<!--more-->\n\nMore.",
                                      series="S", **FRONT))
    assert text.patched and text.rendered == 1
    # Leaving the series: the last post of a language's series takes its pages with it.
    for number in (1, 2, 3):
        write(site, f"content/posts/p{number}/index.en.md", post(
            f"Post {number}", f"2026-01-0{number + 1}", f"Body {number}", **FRONT))
    gone = snapshot(check(site, cache))
    assert not any(path.startswith("en/series/") for path in gone)
