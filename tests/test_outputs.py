"""PUBLISH: feeds, sitemap.xml, robots.txt and head metadata, checked by real clients.

feedparser reads the feeds, xmlschema checks sitemap.xml against the sitemaps.org XSD, the
Nu Html Checker reads every page.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import html5lib
import pytest
from checkers import SITEMAP_XSD, module, tool, vnu_errors
from conftest import BASE_URL, FEATURE_FIGURE, build_site, feature_post, make_posts, make_site, post

BASE = BASE_URL
"""The sites' base URL: base path /blog/."""
SETTINGS: dict[str, object] = {"timezone": "Asia/Shanghai", "per_page": 4,
                               "author": "Ann <Lee> & Co", "feeds": {"limit": 6}}
"""Dates in +08:00, 4 posts a page, 6 posts a feed."""
TITLE_ZH = 'A <b>&amp; "quoted" </script> title'
"""As written; `&amp;` is a Markdown entity, so the title reads TITLE_ZH_TEXT."""
TITLE_ZH_TEXT = 'A <b>& "quoted" </script> title'
TITLE_EN = 'A <b> & "quoted" </script> title'
"""No entity: reads exactly as written."""
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def tricky_post(title: str, lang: str) -> str:
    body = ("正文链接到[第 0 篇](../post-00/)，公式 $a<b$。" if lang == "zh"
            else "Links to [post 0](../post-00/), formula $a<b$.")
    return post(title, "2025-06-01", f"{body}\n\n```html\n</script><!-- code -->\n```",
                updated="2025-07-01", categories=["Computer Vision"], tags=["x<y"],
                extra={"image": "cover.png"})


@pytest.fixture(scope="module")
def output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """9 posts in zh and en, a feature post, a post with a tricky title, an about page."""
    root = tmp_path_factory.mktemp("outputs-site")
    make_site(root, {
        **make_posts(9),
        "content/posts/feature/index.zh.md": feature_post("zh"),
        "content/posts/feature/index.en.md": feature_post("en"),
        "content/posts/feature/fig.svg": FEATURE_FIGURE,
        "content/posts/tricky/index.zh.md": tricky_post(TITLE_ZH, "zh"),
        "content/posts/tricky/index.en.md": tricky_post(TITLE_EN, "en"),
        "content/posts/tricky/cover.png": b"\x89PNG\r\n\x1a\n",
        "content/about.zh.md": post("关于", "2025-01-01", "关于本站。"),
        "content/about.en.md": post("About", "2025-01-01", "About this site."),
    }, **SETTINGS)
    return build_site(root).output


def feed(output: Path, rel: str, sanitize: bool = False) -> Any:
    """Parse a feed with feedparser: no bozo. URLs are left as written unless asked."""
    feedparser = module("feedparser")
    parsed = feedparser.parse((output / rel).read_bytes(), resolve_relative_uris=False,
                              sanitize_html=sanitize)
    assert not parsed.bozo, f"{rel}: {parsed.get('bozo_exception')}"
    return parsed


def json_feed(output: Path, rel: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((output / rel).read_text(encoding="utf-8"))
    assert data["version"] == "https://jsonfeed.org/version/1.1"
    return data


def post_urls(prefix: str, names: list[str]) -> list[str]:
    return [f"{BASE}{prefix}posts/{name}/" for name in names]


NEWEST = ["feature", "tricky", "post-08", "post-07", "post-06", "post-05"]
"""The six newest posts (feeds.limit), newest first."""
FEEDS = ["atom.xml", "rss.xml"]


@pytest.mark.parametrize("prefix", ["", "en/"])
def test_language_feeds_hold_the_newest_posts_newest_first(output: Path, prefix: str) -> None:
    expected = post_urls(prefix, NEWEST)
    for name in FEEDS:
        parsed = feed(output, prefix + name)
        assert [entry.link for entry in parsed.entries] == expected, name
        assert [entry.id for entry in parsed.entries] == expected, name
        assert parsed.feed.link == BASE + prefix
    data = json_feed(output, prefix + "feed.json")
    assert [item["id"] for item in data["items"]] == expected
    assert [item["url"] for item in data["items"]] == expected
    assert data["feed_url"] == f"{BASE}{prefix}feed.json" and data["home_page_url"] == BASE + prefix
    assert data["authors"] == [{"name": "Ann <Lee> & Co"}]
    assert data["language"] == (prefix.strip("/") or "zh")


def test_category_feeds_hold_only_their_category(output: Path) -> None:
    expected = {  # make_posts: post i is in CATEGORIES[i % 5]
        "categories/deep-learning/": ("深度学习", ["feature", "post-08", "post-03"]),
        "en/categories/computer-vision/": ("Computer Vision", ["tricky", "post-06", "post-01"]),
    }
    for folder, (label, names) in expected.items():
        prefix = "en/" if folder.startswith("en/") else ""
        for name in FEEDS:
            parsed = feed(output, folder + name)
            assert [entry.link for entry in parsed.entries] == post_urls(prefix, names)
            assert all(label in [tag.term for tag in entry.tags] for entry in parsed.entries)
            assert parsed.feed.title.startswith(label)
        data = json_feed(output, folder + "feed.json")
        assert [item["url"] for item in data["items"]] == post_urls(prefix, names)
    # Every category of every language has its feeds, and they show nothing else.
    for listing in output.glob("**/categories/*/index.html"):
        folder = listing.parent
        for name in FEEDS:
            parsed = feed(output, (folder / name).relative_to(output).as_posix())
            assert 1 <= len(parsed.entries) <= 6
            label = parsed.feed.title.split(" | ")[0]
            assert all(label in [tag.term for tag in e.tags] for e in parsed.entries)


def test_tags_have_feeds_only_when_asked(output: Path, tmp_path: Path) -> None:
    assert not list(output.glob("**/tags/*/*.xml"))  # the default: none
    root = make_site(tmp_path / "site", {
        "content/posts/a.md": post("A", "2025-01-01", "a", tags=["VAE", "扩散"]),
        "content/posts/b.md": post("B", "2025-01-02", "b", tags=["扩散"]),
        "content/posts/c.md": post("C", "2025-01-03", "c"),
    }, feeds={"tags": True})
    public = build_site(root).output
    for tag, names in (("vae", ["a"]), ("扩散", ["b", "a"])):
        for name in FEEDS:
            parsed = feed(public, f"tags/{tag}/{name}")
            assert [entry.link for entry in parsed.entries] == post_urls("", names)
        links = feed_links(head(public, f"tags/{tag}/index.html")[1])
        assert links[3] == ("application/atom+xml", f"{BASE}tags/{quote(tag)}/atom.xml"), links
    assert len(feed_links(head(public, "index.html")[1])) == 3


def test_feeds_carry_the_original_image_not_its_variants(tmp_path: Path) -> None:
    image = module("PIL.Image")
    root = make_site(tmp_path / "site", {
        "content/posts/a/index.md": post("A", "2025-01-01", "![wide](wide.png)"),
    })
    image.new("RGB", (1600, 900), (200, 80, 40)).save(root / "content/posts/a/wide.png")
    public = build_site(root).output
    page = (public / "posts/a/index.html").read_text()
    assert 'srcset="/blog/posts/a/wide.png.480w.webp 480w' in page
    for name in FEEDS:
        text = (public / name).read_text()
        assert "srcset" not in text and "sizes=" not in text
        assert "https://example.com/blog/posts/a/wide.png" in text
        assert "wide.png.480w.webp" not in text


def test_feed_times_are_rfc3339_with_their_zone(output: Path) -> None:
    root = ET.parse(output / "atom.xml").getroot()
    times = [el.text or "" for el in root.iter() if el.tag in (f"{ATOM}updated",
                                                               f"{ATOM}published")]
    assert times and all(RFC3339.match(value) for value in times), times
    tricky = feed(output, "atom.xml").entries[1]
    assert tricky.published == "2025-06-01T00:00:00+08:00"
    assert tricky.updated == "2025-07-01T00:00:00+08:00"
    rss = ET.parse(output / "rss.xml").getroot()
    dates = [parsedate_to_datetime(el.text or "") for el in rss.iter("pubDate")]
    assert dates and all(d.utcoffset() is not None for d in dates)
    for item in json_feed(output, "feed.json")["items"]:
        for key in ("date_published", "date_modified"):
            assert RFC3339.match(item[key]) and datetime.fromisoformat(item[key]).tzinfo


def test_links_and_images_in_content_are_absolute(output: Path) -> None:
    for prefix in ("", "en/"):
        entry = feed(output, prefix + "atom.xml").entries[0]  # the feature post
        content = entry.content[0].value
        assert f'src="{BASE}{prefix}posts/feature/fig.svg"' in content
        assert f'href="{BASE}{prefix}posts/post-00/"' in content
        assert f'href="{BASE}{prefix}posts/feature/#fn1"' in content  # footnotes too
        assert "heading-anchor" not in content
        for name in ("atom.xml", "rss.xml", "feed.json"):
            text = (output / prefix / name).read_text(encoding="utf-8")
            if name != "feed.json":  # the content is escaped HTML inside the XML
                text = "".join(el.text or "" for el in ET.fromstring(text).iter())
            else:
                text = "".join(i["content_html"] for i in json.loads(text)["items"])
            urls = re.findall(r"""\s(?:href|src)=["']([^"']*)""", text)
            assert urls and all(url.startswith(BASE) for url in urls), name


def test_formulas_are_mathml_only(output: Path) -> None:
    for path in output.rglob("*"):
        if path.name in ("atom.xml", "rss.xml", "feed.json"):
            assert b"katex-html" not in path.read_bytes(), path
    # Shown by a reader that sanitises HTML as feedparser does: the MathML survives.
    entry = feed(output, "en/atom.xml", sanitize=True).entries[0]
    content = entry.content[0].value
    assert content.count("<math") >= 4 and "\\alpha + \\beta</annotation>" in content
    data = json_feed(output, "en/feed.json")
    assert "<math" in data["items"][0]["content_html"]


def test_titles_are_plain_text(output: Path) -> None:
    for prefix, title in (("", TITLE_ZH_TEXT), ("en/", TITLE_EN)):
        for name in FEEDS:
            assert feed(output, prefix + name).entries[1].title == title
        assert json_feed(output, prefix + "feed.json")["items"][1]["title"] == title
    # A formula in a title becomes readable text.
    assert feed(output, "en/atom.xml").entries[0].title == "Feature test: E = mc^2"


def test_excerpt_feeds_and_stable_ids(tmp_path: Path) -> None:
    root = make_site(tmp_path, {
        "content/posts/a.zh.md": post("甲", "2025-01-01",
                                      "开头。\n\n<!--more-->\n\n后文不在摘要里。"),
        "content/posts/b.zh.md": post("乙", "2025-01-02", "乙的正文。"),
    }, feeds={"limit": 2, "content": "excerpt"})
    build_site(root)
    output = root / "public"
    before = {name: (output / name).read_bytes() for name in ("atom.xml", "rss.xml", "feed.json")}
    entries = feed(output, "atom.xml").entries
    assert [e.title for e in entries] == ["乙", "甲"]
    assert "content" not in entries[1] and "开头" in entries[1].summary
    assert "后文" not in entries[1].summary
    assert f'href="{BASE}posts/a/"' in entries[1].summary  # read more, absolute
    ids = {name: [e.id for e in feed(output, name).entries] for name in FEEDS}

    # A rebuild changes nothing; a new post comes first and leaves the others' ids alone.
    build_site(root)
    assert {name: (output / name).read_bytes() for name in before} == before
    (root / "content/posts/c.zh.md").write_text(post("丙", "2025-01-03", "丙。"), encoding="utf-8")
    build_site(root)
    for name in FEEDS:
        now = [e.id for e in feed(output, name).entries]
        assert now == [f"{BASE}posts/c/", *ids[name][:1]]  # limit 2
    assert json_feed(output, "feed.json")["items"][1]["id"] == ids["atom.xml"][0]
    # A language without posts has empty feeds, still valid.
    assert [feed(output, "en/" + name).entries for name in FEEDS] == [[], []]
    assert json_feed(output, "en/feed.json")["items"] == []


# -- sitemap.xml and robots.txt -------------------------------------------------------------

XHTML_LINK_XSD = """\
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" elementFormDefault="qualified"
           targetNamespace="http://www.w3.org/1999/xhtml">
  <!-- XHTML 1.0 Strict's <link>, the attributes a sitemap uses: not shipped by the sitemap
       package (its all.xsd imports it from w3.org), so restated here. -->
  <xs:element name="link">
    <xs:complexType>
      <xs:attribute name="rel" type="xs:NMTOKENS" use="required"/>
      <xs:attribute name="hreflang" type="xs:language" use="required"/>
      <xs:attribute name="href" type="xs:anyURI" use="required"/>
    </xs:complexType>
  </xs:element>
</xs:schema>
"""


def test_sitemap_is_valid(output: Path, tmp_path: Path) -> None:
    xmlschema = module("xmlschema")
    xsd = tool(SITEMAP_XSD)
    tree = ET.parse(output / "sitemap.xml")
    # The sitemaps.org schema as shipped, on the sitemap without its xhtml:link elements
    # (its strict wildcard needs the XHTML schema, which the package does not ship)...
    bare = ET.fromstring(ET.tostring(tree.getroot()))
    for url in bare:
        for link in url.findall(f"{XHTML}link"):
            url.remove(link)
    xmlschema.XMLSchema(str(xsd)).validate(bare)
    # ...then the whole sitemap, with XHTML's <link> restated for the alternates.
    (tmp_path / "xhtml-link.xsd").write_text(XHTML_LINK_XSD, encoding="utf-8")
    schema = xmlschema.XMLSchema(str(xsd), locations=[
        ("http://www.w3.org/1999/xhtml", str(tmp_path / "xhtml-link.xsd"))])
    schema.validate(str(output / "sitemap.xml"))


def sitemap_urls(output: Path) -> dict[str, tuple[str | None, dict[str, str]]]:
    """loc -> (lastmod, {hreflang: href})."""
    found = {}
    for url in ET.parse(output / "sitemap.xml").getroot():
        loc = url.findtext(f"{SITEMAP}loc") or ""
        links = {link.attrib["hreflang"]: link.attrib["href"]
                 for link in url.findall(f"{XHTML}link")}
        assert all(link.attrib["rel"] == "alternate" for link in url.findall(f"{XHTML}link"))
        found[loc] = (url.findtext(f"{SITEMAP}lastmod"), links)
    return found


def test_sitemap_lists_every_page_with_lastmod_and_alternates(output: Path) -> None:
    urls = sitemap_urls(output)
    pages = {BASE + quote(p.relative_to(output).as_posix().removesuffix("index.html"))
             for p in output.rglob("*.html") if p.name != "404.html"}
    assert set(urls) == pages
    assert urls[BASE + "posts/tricky/"][0] == "2025-07-01T00:00:00+08:00"  # updated
    assert urls[BASE + "posts/post-00/"][0] == "2025-01-01T00:00:00+08:00"  # date
    assert urls[BASE][0] == "2025-12-01T00:00:00+08:00"  # the newest post shown
    assert urls[BASE + "page/2/"][0] == "2025-01-07T00:00:00+08:00"  # posts 6 5 4 3
    assert urls[BASE + "about/"][0] == "2025-01-01T00:00:00+08:00"
    assert urls[BASE + "posts/feature/"][1] == {
        "zh": BASE + "posts/feature/", "en": BASE + "en/posts/feature/",
        "x-default": BASE + "posts/feature/"}
    for loc, (_, links) in urls.items():
        if links:  # translated pages point at each other, each listing itself
            assert loc in links.values() and links["x-default"] == links["zh"]
            for href in links.values():
                assert urls[href][1] == links


def test_pages_without_a_date_show_none_and_have_no_lastmod(tmp_path: Path) -> None:
    # A page needs no date (as in Jekyll, Hugo and MkDocs); it stands in as 1970-01-01,
    # which nothing may show: Hugo leaves <lastmod> out for such a zero date.
    root = make_site(tmp_path, {
        "content/about.md": "# About\n\nI write about machine learning.\n",
        "content/uses.md": "---\ntitle: Uses\nupdated: 2025-03-01\n---\nA laptop.\n",
        "content/cv.md": "---\ntitle: CV\ndate: 2025-02-01\n---\nPapers.\n",
        "content/posts/vae.md": post("VAE", "2025-01-05", "The ELBO."),
    }, languages=("en",), timezone="Asia/Shanghai")
    build_site(root)
    urls = sitemap_urls(root / "public")
    assert urls[BASE + "about/"][0] is None
    assert urls[BASE + "uses/"][0] == "2025-03-01T00:00:00+08:00"  # a change it gives
    assert urls[BASE + "cv/"][0] == "2025-02-01T00:00:00+08:00"
    assert urls[BASE][0] == "2025-01-05T00:00:00+08:00"
    about = (root / "public/about/index.html").read_text(encoding="utf-8")
    assert "<time" not in about and 'og:type" content="website"' in about
    assert "article:published_time" not in about and "datePublished" not in about
    for path in (root / "public").rglob("*"):
        if path.suffix in (".html", ".xml", ".json"):
            assert "1970" not in path.read_text(encoding="utf-8"), path


def test_robots_txt_points_at_the_sitemap(output: Path) -> None:
    text = (output / "robots.txt").read_text(encoding="utf-8")
    assert text == f"User-agent: *\nDisallow:\n\nSitemap: {BASE}sitemap.xml\n"


def test_a_sites_own_robots_txt_wins(tmp_path: Path) -> None:
    mine = "User-agent: *\nDisallow: /drafts/\n"
    root = make_site(tmp_path, {**make_posts(1, with_math=False), "static/robots.txt": mine})
    build_site(root)  # no collision
    assert (root / "public/robots.txt").read_text(encoding="utf-8") == mine


# -- head metadata ---------------------------------------------------------------------------

def head(output: Path, rel: str) -> tuple[str, ET.Element]:
    text = (output / rel).read_text(encoding="utf-8")
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    return text, parser.parse(text).find("head")


def metas(head: ET.Element) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for meta in head.iter("meta"):
        key = meta.get("property") or meta.get("name")
        if key:
            found.setdefault(key, []).append(meta.get("content", ""))
    return found


def feed_links(head: ET.Element) -> list[tuple[str, str]]:
    return [(link.get("type", ""), link.get("href", "")) for link in head.iter("link")
            if link.get("rel") == "alternate" and link.get("type")]


def test_open_graph_twitter_and_json_ld_on_a_post(output: Path) -> None:
    _, page = head(output, "en/posts/feature/index.html")
    tags = metas(page)
    assert tags["og:type"] == ["article"] and tags["og:title"] == ["Feature test: E = mc^2"]
    assert tags["og:url"] == [f"{BASE}en/posts/feature/"]
    assert tags["og:locale"] == ["en_US"] and tags["og:locale:alternate"] == ["zh_CN"]
    assert tags["og:site_name"] == ["Test Blog"]
    assert tags["og:image"] == tags["twitter:image"] == [f"{BASE}en/posts/feature/fig.svg"]
    assert tags["twitter:card"] == ["summary_large_image"]
    assert tags["article:published_time"] == ["2025-12-01T00:00:00+08:00"]
    assert tags["article:tag"] == ["Diffusion", "KaTeX"]
    assert tags["og:description"] == tags["description"] == tags["twitter:description"]
    data = json.loads(page.find("script").text or "")
    assert data["@type"] == "BlogPosting" and data["headline"] == "Feature test: E = mc^2"
    assert data["inLanguage"] == "en" and data["url"] == f"{BASE}en/posts/feature/"
    assert data["datePublished"] == data["dateModified"] == "2025-12-01T00:00:00+08:00"
    assert data["author"] == {"@type": "Person", "name": "Ann <Lee> & Co"}
    assert data["keywords"] == ["Diffusion", "KaTeX", "Deep Learning"]
    assert data["image"] == f"{BASE}en/posts/feature/fig.svg"


def test_other_pages_are_websites_without_json_ld(output: Path) -> None:
    for rel in ("index.html", "en/about/index.html", "categories/index.html", "404.html"):
        text, page = head(output, rel)
        tags = metas(page)
        assert tags["og:type"] == ["website"] and tags["twitter:card"] == ["summary"], rel
        assert "application/ld+json" not in text and "og:image" not in tags
    assert metas(head(output, "index.html")[1])["og:locale"] == ["zh_CN"]


def test_tricky_titles_stay_escaped_in_pages(output: Path) -> None:
    for rel, title, category in (("posts/tricky/index.html", TITLE_ZH_TEXT, "计算机视觉"),
                                 ("en/posts/tricky/index.html", TITLE_EN, "Computer Vision")):
        text, page = head(output, rel)
        assert page.findtext("title", "").startswith(title + " | ")
        tags = metas(page)
        assert tags["og:title"] == tags["twitter:title"] == [title]
        scripts = re.findall(r'<script type="application/ld\+json">(.*?)</script>', text, re.S)
        assert len(scripts) == 1 and "<" not in scripts[0] and "&" not in scripts[0]
        data = json.loads(scripts[0])
        assert data["headline"] == title and data["keywords"] == ["x<y", category]
        assert data["dateModified"] == "2025-07-01T00:00:00+08:00"
        # extra.image is a file of the post's bundle
        assert tags["og:image"] == [BASE + rel.removesuffix("index.html") + "cover.png"]
        body = text.split("</head>", 1)[1]
        assert "</script>" not in body.replace("&lt;/script&gt;", "")


def test_every_page_links_its_feeds(output: Path) -> None:
    for path in output.rglob("*.html"):
        rel = path.relative_to(output).as_posix()
        links = feed_links(head(output, rel)[1])
        prefix = "en/" if rel.startswith("en/") else ""
        assert links[:3] == [("application/atom+xml", f"{BASE}{prefix}atom.xml"),
                             ("application/rss+xml", f"{BASE}{prefix}rss.xml"),
                             ("application/feed+json", f"{BASE}{prefix}feed.json")], rel
        category = re.match(r"(en/)?categories/([^/]+)/", rel)
        assert len(links) == (6 if category else 3), rel
        for _, href in links:
            assert (output / href.removeprefix(BASE)).is_file(), href
    links = feed_links(head(output, "en/categories/3d-model/index.html")[1])
    assert links[3] == ("application/atom+xml", f"{BASE}en/categories/3d-model/atom.xml")


def test_every_page_type_passes_the_nu_html_checker(output: Path) -> None:
    pages = sorted(output.rglob("*.html"))
    kinds = {"index.html", "page/2/index.html", "posts/feature/index.html", "about/index.html",
             "categories/index.html", "categories/deep-learning/index.html",
             "tags/katex/index.html", "archives/index.html", "404.html",
             "en/posts/tricky/index.html"}
    assert kinds <= {p.relative_to(output).as_posix() for p in pages}
    assert vnu_errors(output, pages) == []


def test_base_path_is_in_every_asset_and_link(output: Path) -> None:
    text, page = head(output, "posts/feature/index.html")
    stylesheets = [link.get("href", "") for link in page.iter("link")
                   if link.get("rel") == "stylesheet"]
    assert stylesheets and all(href.startswith("/blog/") for href in stylesheets)
    assert all(loc.startswith(BASE) for loc in sitemap_urls(output))

