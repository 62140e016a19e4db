"""OUTPUT: every HTML page of a built site is well-formed, self-contained and fully linked."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import html5lib
import pytest
from conftest import build_site, make_site, post, sample_site
from html5lib.html5parser import ParseError

BASE_PATH = "/blog/"


@dataclass
class Page:
    """One parsed output page."""

    rel: str
    """Path relative to the output folder (`en/posts/post-00/index.html`)."""
    root: ET.Element
    errors: list[str] = field(default_factory=list)
    """html5lib parse errors, empty for a valid page."""

    def elements(self, tag: str) -> list[ET.Element]:
        return list(self.root.iter(tag))

    @property
    def ids(self) -> list[str]:
        return [el.attrib["id"] for el in self.root.iter() if "id" in el.attrib]


@pytest.fixture(scope="module")
def output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """15 zh posts (10 translated into en), a feature post in both, an about page in both."""
    root = tmp_path_factory.mktemp("html-site")
    make_site(root, sample_site(15))
    return build_site(root).output


@pytest.fixture(scope="module")
def pages(output: Path) -> dict[str, Page]:
    """Every .html file of the output, parsed by html5lib (errors kept, see the test)."""
    parsed: dict[str, Page] = {}
    for path in sorted(output.rglob("*.html")):
        rel = path.relative_to(output).as_posix()
        data = path.read_bytes()
        try:
            root = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(data)
            parsed[rel] = Page(rel, root)
        except ParseError:
            # Parse again leniently, to report every error of the page, not only the first.
            parser = html5lib.HTMLParser(strict=False, namespaceHTMLElements=False)
            root = parser.parse(data)
            errors = [f"line {line}:{col} {code} {params or ''}"
                      for (line, col), code, params in parser.errors]
            parsed[rel] = Page(rel, root, errors or ["strict parse failed"])
    return parsed


def page_lang(rel: str) -> str:
    return "en" if rel.startswith("en/") else "zh"


def resolve(output: Path, url: str) -> Path | None:
    """Map a root-relative URL of the site to the output file it names (None: outside base)."""
    path = unquote(urlsplit(url).path)
    if not path.startswith(BASE_PATH):
        return None
    target = output / path[len(BASE_PATH):]
    return target / "index.html" if path.endswith("/") else target


def links(page: Page) -> list[tuple[str, str]]:
    """(element tag, URL) of every a[href], link[href], img[src], script[src] and source[src]."""
    found = []
    for tag, attr in (("a", "href"), ("link", "href"), ("img", "src"), ("script", "src"),
                      ("source", "src"), ("iframe", "src")):
        found += [(tag, el.attrib[attr]) for el in page.elements(tag) if attr in el.attrib]
    return found


def test_the_site_has_every_kind_of_page(pages: dict[str, Page]) -> None:
    expected = {"index.html", "page/2/index.html", "404.html", "about/index.html",
                "en/about/index.html", "posts/feature/index.html", "en/posts/feature/index.html",
                "posts/post-14/index.html", "en/index.html", "archives/index.html",
                "categories/index.html", "tags/index.html", "categories/deep-learning/index.html",
                "tags/扩散模型/index.html", "en/tags/diffusion/index.html"}
    assert expected <= set(pages), sorted(expected - set(pages))


def test_every_page_parses_without_html5lib_errors(pages: dict[str, Page]) -> None:
    bad = {rel: page.errors for rel, page in pages.items() if page.errors}
    assert not bad, bad


def test_html_lang_is_the_page_language(pages: dict[str, Page]) -> None:
    wrong = {rel: page.root.get("lang") for rel, page in pages.items()
             if page.root.get("lang") != page_lang(rel)}
    assert not wrong, wrong


def test_no_broken_internal_links(output: Path, pages: dict[str, Page]) -> None:
    broken = []
    for rel, page in pages.items():
        for tag, url in links(page):
            if not url.startswith("/") or url.startswith("//"):
                continue
            target = resolve(output, url)
            if target is None or not target.is_file():
                broken.append(f"{rel}: <{tag}> {url}")
    assert not broken, "\n".join(broken)


def test_fragment_links_point_at_an_id(output: Path, pages: dict[str, Page]) -> None:
    """`#x` on the page itself, or `/blog/page/#x` on another page, names an existing id."""
    broken = []
    for rel, page in pages.items():
        for tag, url in links(page):
            if tag != "a" or "#" not in url:
                continue
            if url.startswith("#"):
                target_page: Page | None = page
            else:
                target = resolve(output, url)
                target_page = (pages.get(target.relative_to(output).as_posix())
                               if target is not None and target.is_file() else None)
            fragment = unquote(url.split("#", 1)[1])
            if target_page is None or fragment not in target_page.ids:
                broken.append(f"{rel}: {url}")
    assert not broken, "\n".join(broken)


def test_pages_are_self_contained(pages: dict[str, Page]) -> None:
    """No CDN: only the canonical and hreflang <link>s are absolute."""
    external = []
    for rel, page in pages.items():
        for el in page.root.iter():
            for attr in ("href", "src", "srcset", "data", "poster", "action"):
                value = el.attrib.get(attr, "")
                if not value.lower().lstrip().startswith(("http", "//")):
                    continue
                if el.tag == "link" and el.attrib.get("rel") in ("canonical", "alternate"):
                    continue
                external.append(f"{rel}: <{el.tag} {attr}={value}>")
    assert not external, "\n".join(external)


def test_absolute_links_use_the_base_url(pages: dict[str, Page]) -> None:
    for rel, page in pages.items():
        for el in page.elements("link"):
            if el.attrib.get("rel") in ("canonical", "alternate"):
                assert el.attrib["href"].startswith("https://example.com/blog/"), rel


def test_ids_are_unique_on_every_page(pages: dict[str, Page]) -> None:
    duplicated = {}
    for rel, page in pages.items():
        ids = page.ids
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            duplicated[rel] = repeated
    assert not duplicated, duplicated


def alternates(page: Page) -> dict[str, str]:
    return {el.attrib["hreflang"]: el.attrib["href"] for el in page.elements("link")
            if el.attrib.get("rel") == "alternate" and "hreflang" in el.attrib}


def test_a_translated_post_lists_its_hreflang_alternates(pages: dict[str, Page]) -> None:
    expected = {"zh": "https://example.com/blog/posts/post-00/",
                "en": "https://example.com/blog/en/posts/post-00/",
                "x-default": "https://example.com/blog/posts/post-00/"}
    assert alternates(pages["posts/post-00/index.html"]) == expected
    assert alternates(pages["en/posts/post-00/index.html"]) == expected
    assert set(alternates(pages["about/index.html"])) == {"zh", "en", "x-default"}


def test_a_post_without_translation_has_no_hreflang_alternates(pages: dict[str, Page]) -> None:
    assert alternates(pages["posts/post-14/index.html"]) == {}
    canonical = [el.attrib["href"] for el in pages["posts/post-14/index.html"].elements("link")
                 if el.attrib.get("rel") == "canonical"]
    assert canonical == ["https://example.com/blog/posts/post-14/"]


def test_the_feature_post_renders_every_construct(pages: dict[str, Page]) -> None:
    """Guards the other tests: the constructs they check really are in the output."""
    page = pages["posts/feature/index.html"]
    classes = {cls for el in page.root.iter() for cls in el.attrib.get("class", "").split()}
    assert {"katex", "katex-display", "footnote-ref", "footnotes", "toc", "highlight"} <= classes
    assert page.elements("table") and page.elements("img") and page.elements("pre")
    heading = next(h for h in page.elements("h2") if h.attrib.get("id", "").startswith("损失函数"))
    assert any("katex" in el.attrib.get("class", "").split() for el in heading.iter())


def test_heading_ids_do_not_collide_with_theme_and_footnote_ids(tmp_path: Path) -> None:
    body = "## Main\n\nText[^1].\n\n## toc title\n\n## fn1\n\n[^1]: A note."
    make_site(tmp_path, {"content/posts/a.zh.md": post("甲", "2025-01-01", body)})
    data = (build_site(tmp_path).output / "posts/a/index.html").read_bytes()
    page = Page("posts/a/index.html", html5lib.parse(data, namespaceHTMLElements=False))
    ids = page.ids
    assert len(ids) == len(set(ids)), sorted(ids)
