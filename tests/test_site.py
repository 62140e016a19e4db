"""ASSEMBLE: posts + bodies -> Site: order, translations, taxonomies, links, their errors."""

from __future__ import annotations

import pickle
import re
from dataclasses import replace
from pathlib import Path

from conftest import build_site, files, make_site, post, write_file

from blogkit.bodies import body_keys, render_all
from blogkit.config import load_config
from blogkit.content import load_content
from blogkit.errors import SourceError
from blogkit.formulas import render_formulas
from blogkit.links import BROKEN_LINK, link_errors, link_targets, resolve_links
from blogkit.site import Entry, Site, Term, assemble, site_paths, with_entries

BROKEN = BROKEN_LINK
LINK_HINT = ("paths are relative to this file, e.g. ../other-post/index.zh.md, ../other-post/ "
             "or image.png beside it; drafts and future posts are not published")


def assembled(root: Path) -> tuple[Site, list[str]]:
    """The site in `root` assembled as a build does it, after the stages before it; and
    every error of those stages as `path:line:col: message`, in the order a build
    reports them."""
    config = load_config(root.resolve())
    loaded = load_content(config)
    keys = body_keys(config, loaded.posts)
    bodies, _ = render_all(config, loaded.posts, keys, workers=1)
    formulas = render_formulas(config, loaded.posts, bodies, keep_going=False)
    site, errors = assemble(config, loaded.posts, bodies, formulas.html, keys, loaded.broken)
    return site, [shown(error, root) for error in loaded.errors + formulas.errors + errors]


def shown(error: SourceError, root: Path) -> str:
    return f"{error.location(root.resolve())}: {error.message}"


def hrefs(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="([^"]*)"', html)


def test_posts_are_newest_first_and_the_same_moment_is_ordered_by_key(tmp_path: Path) -> None:
    site, errors = assembled(make_site(tmp_path, {
        "content/posts/old.zh.md": post("旧", "2026-01-01", "正文"),
        # The same moment as 2026-01-02 in the site's zone (UTC), written in another zone;
        # the bundle is read after the file beside it.
        "content/posts/tie-a/index.zh.md": post("甲", "2026-01-02T08:00:00+08:00", "正文"),
        "content/posts/tie-b.zh.md": post("乙", "2026-01-02", "正文"),
        "content/posts/later.zh.md": post("晚", "2026-01-02T00:00:01Z", "正文"),
        "content/posts/new.zh.md": post("新", "2026-01-03", "正文"),
        "content/about.zh.md": post("关于", "2027-01-01", "页面"),
    }))
    assert errors == []
    assert [entry.post.key for entry in site.posts["zh"]] == [
        "posts/new", "posts/later", "posts/tie-a", "posts/tie-b", "posts/old"]
    assert [entry.post.key for entry in site.pages["zh"]] == ["about"]  # not among posts
    assert site.posts["en"] == ()


def test_translations_are_grouped_by_their_key(tmp_path: Path) -> None:
    site, _ = assembled(make_site(tmp_path, {
        "content/posts/vae/index.zh.md": post("变分自编码器", "2026-01-01", "正文"),
        "content/posts/vae/index.en.md": post("VAE", "2026-01-01", "Text."),
        "content/posts/gan.zh.md": post("生成对抗网络", "2026-01-02", "正文"),
        "content/about.zh.md": post("关于", "2026-01-01", "页面"),
        "content/about.en.md": post("About", "2026-01-01", "Page."),
    }))
    assert {key: {lang: entry.url for lang, entry in found.items()}
            for key, found in site.translations.items()} == {
        "posts/vae": {"zh": "/posts/vae/", "en": "/en/posts/vae/"},
        "posts/gan": {"zh": "/posts/gan/"},
        "about": {"zh": "/about/", "en": "/en/about/"},
    }
    assert [entry.post.title for entry in site.posts["en"]] == ["VAE"]


def test_categories_and_tags_per_language_with_labels_and_slugs(tmp_path: Path) -> None:
    site, _ = assembled(make_site(tmp_path, {
        "content/posts/a/index.zh.md": post("甲", "2026-01-01", "正文",
                                            categories=["3D Model", "Generative Model"],
                                            tags=["扩散模型", "VAE"]),
        "content/posts/a/index.en.md": post("A", "2026-01-01", "Text.",
                                            categories=["Generative Model"], tags=["vae"]),
        "content/posts/b.zh.md": post("乙", "2026-01-02", "正文", categories=["3D Model"],
                                      tags=["vae"]),
    }))

    def terms(found: dict[str, tuple[Term, ...]]) -> dict[str, list[tuple[object, ...]]]:
        return {lang: [(t.name, t.label, t.slug, t.url_path, [e.post.key for e in t.entries])
                       for t in listed] for lang, listed in found.items()}

    # Categories in the configuration's order, labelled in each language.
    assert terms(site.categories) == {
        "zh": [("Generative Model", "生成模型", "generative-model",
                "categories/generative-model/", ["posts/a"]),
               ("3D Model", "三维模型", "3d-model", "categories/3d-model/",
                ["posts/b", "posts/a"])],
        "en": [("Generative Model", "Generative Model", "generative-model",
                "categories/generative-model/", ["posts/a"])],
    }
    # Tags by name; one slug for both spellings, named by the newest post's; a CJK tag
    # keeps its characters.
    assert terms(site.tags) == {
        "zh": [("vae", "vae", "vae", "tags/vae/", ["posts/b", "posts/a"]),
               ("扩散模型", "扩散模型", "扩散模型", "tags/扩散模型/", ["posts/a"])],
        "en": [("vae", "vae", "vae", "tags/vae/", ["posts/a"])],
    }


LINKED = {
    "content/posts/a/index.zh.md": post(
        "甲", "2026-01-01",
        "见[乙](../b.zh.md#s)、[丙](../c/)、[图](../c/fig.png)与![本地](img/x.svg)。"),
    "content/posts/a/index.en.md": post("A", "2026-01-01", "See [c](../c/) and ![own](img/x.svg)."),
    "content/posts/a/img/x.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
    "content/posts/b.zh.md": post("乙", "2026-01-02", "正文"),
    "content/posts/c/index.zh.md": post("丙", "2026-01-03", "正文"),
    "content/posts/c/fig.png": b"\x89PNG\r\n\x1a\n",
}
"""Links to a sibling post, a bundle, another bundle's file and the post's own file."""


def test_links_to_posts_bundles_and_their_files_become_urls_with_the_base_path(
        tmp_path: Path) -> None:
    site, errors = assembled(make_site(tmp_path, LINKED))
    assert errors == []
    zh, en = site.translations["posts/a"]["zh"], site.translations["posts/a"]["en"]
    # an image is linked to its file too (the link around it first)
    assert hrefs(zh.html) == ["/blog/posts/b/#s", "/blog/posts/c/", "/blog/posts/c/fig.png",
                              "/blog/posts/a/img/x.svg", "/blog/posts/a/img/x.svg"]
    # From English: the bundle has no English post (the default language's is linked), and
    # the post's own file is copied beside its English page.
    assert hrefs(en.html) == ["/blog/posts/c/", "/blog/en/posts/a/img/x.svg",
                              "/blog/en/posts/a/img/x.svg"]


def test_a_post_named_without_its_file_suffix_is_linked_in_the_linking_posts_language(
        tmp_path: Path) -> None:
    # Hexo's {% post_link flat %} names a post by its file name alone; so may an author.
    site, errors = assembled(make_site(tmp_path, {
        "content/posts/a.zh.md": post("A", "2026-01-02", "[平](flat) [单](single)"),
        "content/posts/a.en.md": post("A", "2026-01-02", "[flat](flat) [single](single)"),
        "content/posts/flat.zh.md": post("平", "2026-01-01", "正文"),
        "content/posts/flat.en.md": post("Flat", "2026-01-01", "Text"),
        "content/posts/single.md": post("单", "2026-01-01", "只有中文"),
    }))
    assert errors == []
    zh, en = site.translations["posts/a"]["zh"], site.translations["posts/a"]["en"]
    assert hrefs(zh.html) == ["/blog/posts/flat/", "/blog/posts/single/"]
    assert hrefs(en.html) == ["/blog/en/posts/flat/", "/blog/posts/single/"]


def test_link_targets_hold_every_published_file_bundle_and_asset(tmp_path: Path) -> None:
    root = make_site(tmp_path, LINKED).resolve()
    config = load_config(root)
    posts = load_content(config).posts
    targets = link_targets(config, posts, frozenset({"posts/broken.md"}))
    assert sorted(targets.by_rel) == ["posts/a/index.en.md", "posts/a/index.zh.md",
                                      "posts/b.zh.md", "posts/c/index.zh.md"]
    assert {folder: sorted(found) for folder, found in targets.bundles.items()} == {
        "posts/a/": ["en", "zh"], "posts/c/": ["zh"]}
    assert targets.asset_files == {"posts/a/img/x.svg", "posts/c/fig.png"}
    assert (targets.base_path, targets.default_lang) == ("/blog", "zh")
    assert targets.broken == {"posts/broken.md"}
    # Its key is stable, and stands for where everything is.
    assert link_targets(config, posts, frozenset({"posts/broken.md"})).key == targets.key
    moved = [replace(posts[0], url="/elsewhere/"), *posts[1:]]
    assert link_targets(config, moved, frozenset({"posts/broken.md"})).key != targets.key


def test_a_broken_link_in_a_tag_with_a_class_keeps_one_class_attribute(tmp_path: Path) -> None:
    """A shortcode's tag with a class (Hexo's `asset_img left ...`) and the link around an
    image are marked by `data-broken` only (a second class attribute is invalid HTML); a
    plain link or image gets the class too."""
    site, errors = assembled(make_site(tmp_path, {"content/posts/a.zh.md": post(
        "甲", "2026-01-01", "{% asset_img left gone.jpg 按钮 %} [链接](gone.md) ![图](gone.png)")}))
    assert len(errors) == 3
    html = site.translations["posts/a"]["zh"].html
    assert '<img src="gone.jpg" data-broken="nothing is published there" class="left"' in html
    assert f'<a href="gone.md"{BROKEN}>' in html
    assert ('<a class="image-link" href="gone.png" data-broken="nothing is published there">'
            f'<img src="gone.png"{BROKEN}') in html
    assert not re.search(r"<[^<>]*\sclass=[^<>]*\sclass=", html)


def test_resolve_links_replaces_markers_in_href_and_src_only(tmp_path: Path) -> None:
    site, _ = assembled(make_site(tmp_path, LINKED))
    assert site.links is not None
    text = ('<a href="blogkit:link:posts/c#top">c</a><img src="blogkit:link:posts/c/fig.png">'
            '<abbr title="blogkit:link:posts/b.zh.md">b</abbr>'
            '<a href="blogkit:link:posts/nowhere.md">?</a>')
    assert resolve_links(site.links, "en", text) == (
        '<a href="/blog/posts/c/#top">c</a><img src="/blog/posts/c/fig.png">'
        '<abbr title="blogkit:link:posts/b.zh.md">b</abbr>'
        f'<a href="posts/nowhere.md"{BROKEN}>?</a>')
    assert resolve_links(site.links, "zh", "no markers") == "no markers"


def test_a_broken_link_is_reported_at_its_place_with_a_hint(tmp_path: Path) -> None:
    root = make_site(tmp_path, {
        "content/posts/a.zh.md": post("甲", "2026-01-01",
                                      "第一行。\n\n见 [别处](../nowhere/) 吧。"),
    })
    site, errors = assembled(root)  # at the line and column of the link's path
    assert errors == ["content/posts/a.zh.md:7:8: link to '../nowhere/': no published post "
                      "or page-bundle file is there"]
    (entry,) = site.posts["zh"]
    (error,) = link_errors(entry)
    assert (error.hint, error.kind, error.severity) == (LINK_HINT, "link", "error")
    # Kept as written and marked (shown only under --keep-going: else the build stops).
    assert f'<a href="../nowhere/"{BROKEN}>别处</a>' in entry.html


def test_a_link_to_a_file_with_errors_of_its_own_is_not_reported_again(tmp_path: Path) -> None:
    root = make_site(tmp_path, {
        "content/posts/a.zh.md": post(
            "甲", "2026-01-01", "[乙](b.zh.md)、[丙](c/)、[丙](c/index.zh.md)与[无](none.md)"),
        "content/posts/b.zh.md": post("乙", "2026-13-01", "日期不对"),
        "content/posts/c/index.zh.md": post("丙", "2026-01-01", "正文", categroies=["x"]),
    })
    _, errors = assembled(root)
    assert errors == [
        "content/posts/b.zh.md:3:7: invalid date '2026-13-01'",
        "content/posts/c/index.zh.md:4:1: unknown front matter key 'categroies'",
        "content/posts/a.zh.md:5:45: link to 'none.md': no published post or page-bundle file "
        "is there",
    ]


def test_a_link_to_a_file_of_a_bundle_whose_post_has_errors_is_not_reported_again(
        tmp_path: Path) -> None:
    root = make_site(tmp_path, {
        "content/posts/a.zh.md": post("甲", "2026-01-01",
                                      "[丙](c/)与![图](c/fig.png)、![图](c/img/sub.png)"),
        "content/posts/c/index.zh.md": post("丙", "2026-13-01", "日期不对"),
        "content/posts/c/fig.png": b"\x89PNG\r\n\x1a\n",
        "content/posts/c/img/sub.png": b"\x89PNG\r\n\x1a\n",
        # A bundle whose English post is valid still publishes its files: no error either.
        "content/posts/d/index.zh.md": post("丁", "2026-13-01", "日期不对"),
        "content/posts/d/index.en.md": post("D", "2026-01-01", "Fine."),
        "content/posts/d/fig.png": b"\x89PNG\r\n\x1a\n",
        "content/posts/b.zh.md": post("乙", "2026-01-01", "![图](d/fig.png)与![无](d/none.png)"),
    })
    site, errors = assembled(root)
    assert errors == ["content/posts/c/index.zh.md:3:7: invalid date '2026-13-01'",
                      "content/posts/d/index.zh.md:3:7: invalid date '2026-13-01'",
                      "content/posts/b.zh.md:5:22: link to 'd/none.png': no published post or "
                      "page-bundle file is there"]
    # On the page, the links into the left-out bundle are kept as written and marked.
    html = site.translations["posts/a"]["zh"].html
    assert f'<a href="c/"{BROKEN}>' in html and f'src="c/fig.png"{BROKEN}' in html
    assert hrefs(site.translations["posts/b"]["zh"].html)[0] == "/blog/en/posts/d/fig.png"


def test_links_on_one_line_are_each_at_their_own_column(tmp_path: Path) -> None:
    root = make_site(tmp_path, {
        "content/posts/a.zh.md": post("甲", "2026-01-01", (
            "见[一](gone.md)和[二](gone.md)，![图](gone.png \"t\") [三](<gone.md>)\n"
            "[四][ref]、[五][ref]与[六][other]\n"
            "\n"
            "[ref]: ../missing/\n"
            "  [other]: <gone.md> \"title\"")),
    })
    _, errors = assembled(root)
    where = [error.split(": link to ")[0].split(":", 1)[1] + " " + error.split("'")[1]
             for error in errors]
    # One error per place: the two uses of [ref] are one mistake, in its definition.
    assert where == ["5:6 gone.md", "5:19 gone.md", "5:33 gone.png", "5:52 gone.md",
                     "8:8 ../missing/", "9:13 gone.md"]


ROOTED = {
    "content/posts/a/index.zh.md": post("甲", "2026-01-01", (
        "![先验](/images/cn/prior.svg) [乙](/posts/b/#s) [标签](/tags/vae/)\n"
        "[订阅](/atom.xml) [英文](/en/posts/b) [图](/posts/a/fig.png) [首页](/)\n"
        "[旧路径](/blog/images/cn/prior.svg) [主题](/css/blogkit.css)\n"
        "[无](/images/none.png) [无页](/posts/none/) [另站](//cdn.example.com/x.js)\n"
        "[全路径](/posts/b/index.html)"), tags=["VAE"]),
    "content/posts/a/fig.png": b"\x89PNG\r\n\x1a\n",
    "content/posts/b/index.zh.md": post("乙", "2026-01-02", "正文"),
    "content/posts/b/index.en.md": post("B", "2026-01-02", "Text."),
    "static/images/cn/prior.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
}
"""Root-relative links to a static file, a post, a tag page, a feed, a translation, a
bundle file, the home page, one with the base path already, a theme file, two that lead
nowhere, a protocol-relative URL (not a site path) and a page by its index.html."""


def test_root_relative_links_are_from_the_site_root_and_checked(tmp_path: Path) -> None:
    root = make_site(tmp_path, ROOTED)
    config = load_config(root.resolve())
    loaded = load_content(config)
    keys = body_keys(config, loaded.posts)
    bodies, _ = render_all(config, loaded.posts, keys, workers=1)
    formulas = render_formulas(config, loaded.posts, bodies, keep_going=False)
    asked: list[int] = []

    def statics() -> list[str]:
        asked.append(1)
        return ["images/cn/prior.svg", "css/blogkit.css", "posts/a/fig.png"]

    site, errors = assemble(config, loaded.posts, bodies, formulas.html, keys, loaded.broken,
                            statics)
    assert [shown(error, root) for error in errors] == [
        "content/posts/a/index.zh.md:9:5: link to '/images/none.png': the site publishes no "
        "page or file there",
        "content/posts/a/index.zh.md:9:28: link to '/posts/none/': the site publishes no page "
        "or file there"]
    assert "static/" in errors[0].hint and asked == [1]
    html = site.translations["posts/a"]["zh"].html
    assert hrefs(html) == [  # the image's link to its file, then the image
        "/blog/images/cn/prior.svg", "/blog/images/cn/prior.svg", "/blog/posts/b/#s",
        "/blog/tags/vae/", "/blog/atom.xml",
        "/blog/en/posts/b", "/blog/posts/a/fig.png", "/blog/", "/blog/images/cn/prior.svg",
        "/blog/css/blogkit.css", "/images/none.png", "/posts/none/", "//cdn.example.com/x.js",
        "/blog/posts/b/index.html"]
    assert f'<a href="/posts/none/"{BROKEN}>' in html


def test_a_site_without_root_relative_links_never_lists_its_paths(tmp_path: Path) -> None:
    root = make_site(tmp_path, LINKED)
    config = load_config(root.resolve())
    loaded = load_content(config)
    keys = body_keys(config, loaded.posts)
    bodies, _ = render_all(config, loaded.posts, keys, workers=1)
    formulas = render_formulas(config, loaded.posts, bodies, keep_going=False)

    def statics() -> list[str]:
        raise AssertionError("static files listed for a site without root-relative links")

    site, errors = assemble(config, loaded.posts, bodies, formulas.html, keys, loaded.broken,
                            statics)
    assert errors == [] and site.links is not None and site.links.site_paths is None


def test_two_files_wanting_the_same_url_are_reported(tmp_path: Path) -> None:
    root = make_site(tmp_path, {
        "content/posts/one.zh.md": post("一", "2026-01-01", "正文", slug="same"),
        "content/posts/two/index.zh.md": post("二", "2026-01-02", "正文", slug="same"),
    })
    _, errors = assembled(root)
    assert errors == ["content/posts/two/index.zh.md:4:7: two files want the URL /posts/same/: "
                      "this one and content/posts/one.zh.md"]


def test_an_entry_is_a_plain_value_that_survives_pickling(tmp_path: Path) -> None:
    site, errors = assembled(make_site(tmp_path, {
        **LINKED,
        "content/posts/b.zh.md": post("乙 $x$", "2026-01-02", "见[丙](c/)，公式 $a^2$。"),
    }))
    assert errors == []
    entry = site.translations["posts/b"]["zh"]
    assert '<a href="/blog/posts/c/">' in entry.html and 'class="katex"' in entry.html
    copy = pickle.loads(pickle.dumps(entry))
    assert copy.html == entry.html
    assert copy.title_html == entry.title_html and 'class="katex"' in copy.title_html
    assert copy == entry


def test_with_entries_swaps_an_entry_wherever_it_is_shown(tmp_path: Path) -> None:
    files = {
        "content/posts/p1/index.zh.md": post("一", "2026-01-01", "正文", tags=["t"]),
        "content/posts/p1/index.en.md": post("One", "2026-01-01", "Text.", tags=["t"]),
        "content/posts/p2/index.zh.md": post("二", "2026-01-02", "正文", tags=["t"]),
        "content/posts/p2/index.en.md": post("Two", "2026-01-02", "Intro.\n\n<!--more-->\n\nRest.",
                                             categories=["3D Model"], tags=["t"]),
    }
    before, _ = assembled(make_site(tmp_path, files))
    write_file(tmp_path, "content/posts/p2/index.en.md", post(
        "Two", "2026-01-02", "Intro.\n\n<!--more-->\n\nRest, longer.", categories=["3D Model"],
        tags=["t"]))
    after, _ = assembled(tmp_path)
    old, new = before.translations["posts/p2"]["en"], after.translations["posts/p2"]["en"]
    assert old.token != new.token
    swapped = with_entries(before, [(old, new)])

    def tokens(entries: tuple[Entry, ...]) -> list[str]:
        return [entry.token for entry in entries]

    assert tokens(swapped.posts["en"]) == tokens(after.posts["en"]) != tokens(before.posts["en"])
    assert tokens(swapped.categories["en"][0].entries) == \
        tokens(after.categories["en"][0].entries)
    assert tokens(swapped.tags["en"][0].entries) == tokens(after.tags["en"][0].entries)
    assert swapped.translations["posts/p2"] == {"zh": before.translations["posts/p2"]["zh"],
                                                "en": new}
    # The other language is left as it was, object for object; so is the site swapped from.
    assert swapped.posts["zh"] is before.posts["zh"]
    assert all(a is b for a, b in zip(swapped.tags["zh"], before.tags["zh"], strict=True))
    assert before.translations["posts/p2"]["en"] is old


def test_site_paths_are_every_page_and_file_a_build_publishes(tmp_path: Path) -> None:
    # Pagination (per_page 1), categories with feeds, tags, two languages, a page, a
    # bundle file and a static file: what root-relative links are checked against.
    root = make_site(tmp_path, {
        **LINKED,
        "content/posts/b.zh.md": post("乙", "2026-01-02", "[根](/)", categories=["3D Model"],
                                      tags=["扩散模型", "VAE"]),
        "content/about.en.md": post("About", "2026-01-01", "Page."),
        "static/images/cn/prior.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
    }, per_page=1)
    build_site(root)
    published = set()
    for path in files(root / "public"):
        if path.startswith("katex/") or path == ".blogkit-output":
            continue  # KaTeX's files: no post links them
        published.add("/" + (path[:-len("index.html")] if path.endswith("index.html")
                             else path))
    site, errors = assembled(root)
    assert errors == [] and site.links is not None and site.links.site_paths is not None
    statics = {"/" + name for name in ("images/cn/prior.svg", "posts/a/img/x.svg",
                                       "en/posts/a/img/x.svg", "posts/c/fig.png")}
    theme = {path for path in published if path.startswith(("/css/", "/js/"))
             or path == "/favicon.svg"} - {"/css/highlight.css"}
    assert site_paths(site, [p[1:] for p in statics | theme]) == published


def test_site_paths_have_the_series_pages(tmp_path: Path) -> None:
    ui = {"series": "Series", "series_position": "{name} {n}/{total}", "related_posts": "R"}
    root = make_site(tmp_path, {
        "content/posts/a.zh.md": post("甲", "2026-01-01", "正文", series="扩散 入门"),
        "content/posts/b.zh.md": post("乙", "2026-01-02", "[根](/)", series="扩散 入门"),
        "content/posts/a.en.md": post("A", "2026-01-01", "Text.", series="Diffusion"),
        "content/posts/c.en.md": post("C", "2026-01-03", "Text.", series="Other"),
    }, languages=[{"code": "zh", "ui": ui}, {"code": "en", "ui": ui}])
    build_site(root)
    published = {"/" + (path[:-len("index.html")] if path.endswith("index.html") else path)
                 for path in files(root / "public") if path != ".blogkit-output"}
    site, errors = assembled(root)
    assert errors == []
    theme = {path[1:] for path in published if path.startswith(("/css/", "/js/"))
             or path == "/favicon.svg"} - {"css/highlight.css"}
    found = site_paths(site, theme)
    assert found == published
    assert {"/series/", "/series/扩散-入门/", "/en/series/", "/en/series/diffusion/",
            "/en/series/other/"} <= found


def test_related_posts_and_series_are_assembled_and_swapped(tmp_path: Path) -> None:
    files = {
        "content/posts/p1.en.md": post("One", "2026-01-01", "Text.", tags=["t"], series="S"),
        "content/posts/p2.en.md": post("Two", "2026-01-02", "Intro.", tags=["t", "u"],
                                       series="S"),
        "content/posts/p3.en.md": post("Three", "2026-01-03", "Text.", tags=["u"],
                                       categories=["3D Model"]),
        "content/posts/p4.en.md": post("Four", "2026-01-02", "Text.", tags=["v"],
                                       categories=["3D Model"], series="S"),
        "content/posts/p1.zh.md": post("一", "2026-01-01", "正文", tags=["t"]),
    }
    before, errors = assembled(make_site(tmp_path, files))
    assert errors == []

    def keys(entries: tuple[Entry, ...]) -> list[str]:
        return [entry.post.key for entry in entries]

    related = before.related["en"]
    assert keys(related["posts/p2.en.md"]) == ["posts/p3", "posts/p1"]  # ties: the newer
    assert keys(related["posts/p3.en.md"]) == ["posts/p2", "posts/p4"]  # 2 before 1
    assert keys(related["posts/p4.en.md"]) == ["posts/p3"]
    assert "posts/p1.zh.md" not in before.related["zh"]  # no other zh post relates
    series = before.series["en"]["s"]
    assert (series.name, keys(series.entries)) == ("S", ["posts/p1", "posts/p2", "posts/p4"])
    assert before.series_of(before.translations["posts/p4"]["en"]) is series
    assert before.series_of(before.translations["posts/p3"]["en"]) is None
    assert before.series["zh"] == {}

    write_file(tmp_path, "content/posts/p2.en.md", post(
        "Two", "2026-01-02", "Intro, longer.", tags=["t", "u"], series="S"))
    after, _ = assembled(tmp_path)
    old, new = before.translations["posts/p2"]["en"], after.translations["posts/p2"]["en"]
    swapped = with_entries(before, [(old, new)])
    assert swapped.related["en"]["posts/p3.en.md"][0] is new
    assert swapped.series["en"]["s"].entries[1] is new
    assert swapped.related["zh"] is before.related["zh"]
    assert before.series["en"]["s"].entries[1] is old
