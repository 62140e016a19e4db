"""PUBLISH: Site -> feeds (Atom, RSS 2.0, JSON Feed 1.1), sitemap.xml and robots.txt.

Each language has feeds of its own beside its home (`/atom.xml`, `/en/atom.xml`), and so
has each category beside its listing (`/categories/<slug>/atom.xml`), in the three formats
of `meta.FEED_FORMATS`. A feed holds the newest `feeds.limit` posts, whole or as their
excerpts (`feeds.content`). Everything a reader gets is absolute: it may show a post far
from the site, so links and images inside the content are made absolute too. Ids are the
posts' absolute URLs, so they never change from one build to the next; times are RFC 3339
with their zone (RFC 822 in RSS, as its spec says); formulas are MathML only (a reader has
no KaTeX stylesheet, and KaTeX's HTML half would show each formula twice).

XML is built with ElementTree and JSON with `json`, so no title or text can break either.
"""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urljoin

from . import __version__
from .digest import digest
from .i18n import load_ui
from .markdown import Body
from .meta import FEED_FORMATS, FeedFormat, feed_folder, page_image
from .plan import PageJob
from .render import Known, Output, Sink, alternates
from .site import Entry, Site, category_of
from .templates import PostView, encode_url
from .writer import StaticFile

ATOM_NS = "http://www.w3.org/2005/Atom"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML_NS = "http://www.w3.org/1999/xhtml"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
# Characters XML 1.0 cannot hold at all, not even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# href/src attribute values. Text and code on a page have their quotes escaped (&quot;),
# so a quoted value after `href=` only occurs inside a tag.
_URL_ATTR = re.compile(r"""(\s(?:href|src)\s*=\s*)(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
# The `#` self-link markdown.py adds to headings: noise in a feed reader.
_HEADING_ANCHOR = re.compile(r' <a class="heading-anchor" href="[^"]*"[^>]*>#</a>')
# An image's resized variants (images.py): a reader shows the original `src`, and the
# candidates of a srcset are root-relative, which a feed cannot carry.
_VARIANTS = re.compile(r'\s(?:srcset|sizes)="[^"]*"')


@dataclass(frozen=True)
class FeedItem:
    """One post as every feed format shows it."""

    url: str
    """Absolute, percent-encoded; also the item's id."""
    title: str
    """Plain text (formulas as readable TeX)."""
    published: datetime
    updated: datetime
    """`updated` of the front matter, else the date."""
    content_html: str
    """The whole post or its excerpt: formulas as MathML, every URL absolute."""
    excerpt: bool
    """True when `content_html` is the excerpt (an Atom summary, not content)."""
    categories: tuple[str, ...]
    """Category labels in the feed's language, then tags."""
    image: str


@dataclass(frozen=True)
class Feed:
    """The newest posts of a language, or of one category in one language."""

    lang: str
    title: str
    description: str
    folder: str
    """Root-relative folder, without the base path: `/`, `/en/categories/3d-model/`."""
    page_url: str
    """Absolute URL of the listing the feed follows."""
    items: tuple[FeedItem, ...]
    updated: datetime

    def url(self, base_url: str, feed: FeedFormat) -> str:
        return encode_url(base_url.rstrip("/") + self.folder + feed.file)


def feed_bodies(site: Site) -> list[Body]:
    """The bodies of every post some feed shows, each once (their formulas go MathML)."""
    return [entry.body for entry in _feed_entries(site).values()]


def feeds(
    site: Site,
    feed_math: Callable[[], Callable[[str, Body], str]],
    site_key: str,
    known: Known,
    sink: Sink,
) -> None:
    """Give every feed in every format to `sink`; a feed whose digest is `known` is not made.

    `feed_math()` returns the function that puts formulas in (as MathML); it is asked for
    only when some feed must be made. A feed's digest stands for its posts' tokens, its
    titles and its time, so writing XML (most of a feed's cost) is skipped when unchanged.
    """
    config = site.config
    absolute = config.base_url.rstrip("/")
    limit = config.feeds.limit
    chosen = _feed_entries(site)
    newest = max((_changed(entry) for entry in chosen.values()), default=_EPOCH)
    items: dict[str, FeedItem] = {}
    fills: list[Callable[[str, Body], str]] = []

    def item(entry: Entry) -> FeedItem:
        if entry.post.rel not in items:
            if not fills:
                fills.append(feed_math())
            items[entry.post.rel] = _item(site, entry, fills[0])
        return items[entry.post.rel]

    writers = ((FEED_FORMATS[0], _atom), (FEED_FORMATS[1], _rss), (FEED_FORMATS[2], _json_feed))
    for lang, title, description, folder, entries in _feed_lists(site):
        shown = entries[:limit]
        # No wall-clock time: an unchanged site gives byte-identical feeds.
        updated = max((_changed(entry) for entry in shown), default=newest)
        key = digest(site_key, lang, title, description, folder,
                     tuple(entry.token for entry in shown), updated)
        for fmt, write in writers:
            path, made_from = folder.lstrip("/") + fmt.file, digest(key, fmt.name)
            what = f"{fmt.name} feed for {folder}"
            if known(path, made_from):
                sink(Output(path, None, what, None, made_from))
                continue
            feed = Feed(lang, title, description, folder, encode_url(absolute + folder),
                        tuple(item(entry) for entry in shown), updated)
            sink(Output(path, write(site, feed), what, None, made_from))


def sitemap(site: Site, jobs: Sequence[PageJob], site_key: str, pages_key: str,
            known: Known, sink: Sink) -> None:
    """Give sitemap.xml to `sink`: every page but 404, its lastmod, and its translations.

    Translations are `xhtml:link` hreflang alternates (with x-default), as Google reads
    them; they are the same as the `<link rel="alternate">` in the pages' heads. They are
    a function of the set of pages (`pages_key`): when neither it nor a date changed,
    the digest is `known` and the sitemap is not made again.
    """
    config = site.config
    absolute = config.base_url.rstrip("/")
    shown = [job for job in jobs if job.page_id != ("404",)]
    lastmods = [_lastmod(site, job) for job in shown]
    key = digest(site_key, pages_key, [job.url for job in shown], lastmods)
    if known("sitemap.xml", key):
        sink(Output("sitemap.xml", None, "sitemap", None, key))
        return
    urls = {(job.lang, job.page_id): job.url for job in jobs}
    pages = [(encode_url(absolute + job.url),
              _rfc3339(lastmod) if lastmod is not None else None,
              tuple((a.lang, a.url) for a in alternates(config, job.page_id, urls)))
             for job, lastmod in zip(shown, lastmods, strict=True)]
    # Prefixed names with their xmlns attributes written out: ET.register_namespace would
    # change ElementTree's global table, and default prefixes (ns0:) are ugly.
    urlset = ET.Element("urlset", {"xmlns": SITEMAP_NS, "xmlns:xhtml": XHTML_NS})
    for loc, lastmod_text, links in pages:
        url = ET.SubElement(urlset, "url")
        _text(url, "loc", loc)
        if lastmod_text is not None:
            _text(url, "lastmod", lastmod_text)
        for lang, href in links:
            ET.SubElement(url, "xhtml:link", {"rel": "alternate", "hreflang": lang, "href": href})
    sink(Output("sitemap.xml", _xml_bytes(urlset), "sitemap", None, key))


def robots(site: Site, statics: Sequence[StaticFile]) -> list[Output]:
    """Return robots.txt allowing everything and naming the sitemap, unless the site has one.

    A `robots.txt` in the site's static/ (or a theme's) is the author's choice and wins:
    nothing is written then, so it is no collision.
    """
    if any(static.path == "robots.txt" for static in statics):
        return []
    sitemap_url = encode_url(site.config.base_url + "sitemap.xml")
    text = f"User-agent: *\nDisallow:\n\nSitemap: {sitemap_url}\n"
    return [Output("robots.txt", text.encode("utf-8"), "robots")]


def _feed_entries(site: Site) -> dict[str, Entry]:
    limit = site.config.feeds.limit
    chosen: dict[str, Entry] = {}
    for lang, posts in site.posts.items():
        lists = [posts] + [term.entries for term in site.categories.get(lang, ())]
        for entries in lists:
            for entry in entries[:limit]:
                chosen.setdefault(entry.post.rel, entry)
    return chosen


def _feed_lists(site: Site) -> Iterable[tuple[str, str, str, str, tuple[Entry, ...]]]:
    """(language, title, description, folder, entries) of every feed."""
    config = site.config
    for language in config.languages:
        lang = language.code
        yield (lang, language.title, language.description, feed_folder(config, lang),
               site.posts[lang])
        terms = (*site.categories[lang], *(site.tags[lang] if config.feeds.tags else ()))
        for term in terms:
            yield (lang, f"{term.label} | {language.title}", language.description,
                   feed_folder(config, lang, term.url_path), term.entries)


def _changed(entry: Entry) -> datetime:
    return entry.post.updated or entry.post.date


def _item(site: Site, entry: Entry, fill_math: Callable[[str, Body], str]) -> FeedItem:
    config = site.config
    post = entry.post
    url = encode_url(config.base_url.rstrip("/") + post.url)
    excerpt = config.feeds.content == "excerpt"
    text = fill_math(entry.linked_excerpt_html if excerpt else entry.linked_html, entry.body)
    if excerpt and entry.body.excerpt_cut:
        ui = load_ui(post.lang, config.language(post.lang).ui)
        text += f'\n<p><a href="{html.escape(url)}">{html.escape(ui["read_more"])}</a></p>'
    text = _absolute_urls(_VARIANTS.sub("", _HEADING_ANCHOR.sub("", text)), url)
    labels = [category_of(config, name).label(post.lang) for name in post.categories]
    return FeedItem(
        url=url, title=entry.body.title_text, published=post.date,
        updated=post.updated or post.date, content_html=text, excerpt=excerpt,
        categories=tuple(dict.fromkeys([*labels, *post.tags])),
        image=page_image(config.base_url, url, post.extra, entry.first_image),
    )


def _absolute_urls(text: str, page_url: str) -> str:
    """Make every href and src absolute, resolved against the post's own URL."""
    def replace(match: re.Match[str]) -> str:
        value = match.group(2) if match.group(2) is not None else match.group(3)
        return f'{match.group(1)}"{html.escape(urljoin(page_url, html.unescape(value)))}"'

    return _URL_ATTR.sub(replace, text)


def _atom(site: Site, feed: Feed) -> bytes:
    """Atom 1.0 (RFC 4287)."""
    config = site.config
    root = ET.Element("feed", {"xmlns": ATOM_NS, _XML_LANG: feed.lang})
    self_url = feed.url(config.base_url, FEED_FORMATS[0])
    _text(root, "title", feed.title)
    if feed.description:
        _text(root, "subtitle", feed.description)
    ET.SubElement(root, "link", {"rel": "alternate", "type": "text/html", "href": feed.page_url})
    ET.SubElement(root, "link", {"rel": "self", "type": FEED_FORMATS[0].media_type,
                                 "href": self_url})
    _text(root, "id", self_url)
    _text(root, "updated", _rfc3339(feed.updated))
    author = ET.SubElement(root, "author")
    _text(author, "name", config.author or feed.title)
    _text(root, "generator", "blogkit", version=__version__)
    for item in feed.items:
        entry = ET.SubElement(root, "entry")
        _text(entry, "title", item.title, type="text")
        ET.SubElement(entry, "link", {"rel": "alternate", "type": "text/html", "href": item.url})
        _text(entry, "id", item.url)
        _text(entry, "published", _rfc3339(item.published))
        _text(entry, "updated", _rfc3339(item.updated))
        for label in item.categories:
            ET.SubElement(entry, "category", {"term": _clean(label)})
        _text(entry, "summary" if item.excerpt else "content", item.content_html, type="html")
    return _xml_bytes(root)


def _rss(site: Site, feed: Feed) -> bytes:
    """RSS 2.0, with the Atom self link its best practice asks for."""
    # Imported here: it brings socket and calendar (some 15 ms), and most builds after an
    # edit write no feed.
    from email.utils import format_datetime

    root = ET.Element("rss", {"version": "2.0", "xmlns:atom": ATOM_NS})
    channel = ET.SubElement(root, "channel")
    _text(channel, "title", feed.title)
    _text(channel, "link", feed.page_url)
    _text(channel, "description", feed.description or feed.title)
    _text(channel, "language", feed.lang)
    _text(channel, "generator", f"blogkit {__version__}")
    _text(channel, "lastBuildDate", format_datetime(feed.updated))
    ET.SubElement(channel, "atom:link", {"href": feed.url(site.config.base_url, FEED_FORMATS[1]),
                                         "rel": "self", "type": FEED_FORMATS[1].media_type})
    for item in feed.items:
        element = ET.SubElement(channel, "item")
        _text(element, "title", item.title)
        _text(element, "link", item.url)
        _text(element, "guid", item.url, isPermaLink="true")
        _text(element, "pubDate", format_datetime(item.published))
        for label in item.categories:
            _text(element, "category", label)
        _text(element, "description", item.content_html)
    return _xml_bytes(root)


def _json_feed(site: Site, feed: Feed) -> bytes:
    """JSON Feed 1.1."""
    config = site.config
    data: dict[str, object] = {
        "version": JSON_FEED_VERSION, "title": feed.title, "home_page_url": feed.page_url,
        "feed_url": feed.url(config.base_url, FEED_FORMATS[2]), "language": feed.lang,
    }
    if feed.description:
        data["description"] = feed.description
    if config.author:
        data["authors"] = [{"name": config.author}]
    items = []
    for item in feed.items:
        one: dict[str, object] = {
            "id": item.url, "url": item.url, "title": item.title,
            "content_html": item.content_html, "date_published": _rfc3339(item.published),
            "date_modified": _rfc3339(item.updated), "language": feed.lang,
        }
        if item.categories:
            one["tags"] = list(item.categories)
        if item.image:
            one["image"] = item.image
        items.append(one)
    data["items"] = items
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _lastmod(site: Site, job: PageJob) -> datetime | None:
    """A post's last change; a listing's newest post shown; else the language's newest.
    None for a page that gives no date (its stand-in date is no change: Hugo, too, leaves
    `<lastmod>` out for a zero date)."""
    context = job.context
    post = context.get("post")
    views: list[PostView] = []
    if isinstance(post, PostView):
        views = [post]
    elif "posts" in context:
        views = list(context["posts"])
    elif "years" in context:
        views = [view for year in context["years"] for view in year["posts"]]
    else:
        return max((e.post.updated or e.post.date for e in site.posts.get(job.lang, ())),
                   default=None)
    return max((datetime.fromisoformat(view.updated_iso or view.date_iso) for view in views
                if view.updated_iso or view.entry is None or view.entry.post.dated),
               default=None)


def _rfc3339(moment: datetime) -> str:
    """RFC 3339 with the zone (dates are aware; a naive one is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.isoformat(timespec="seconds")


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)


def _text(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {key: _clean(value) for key, value in attrs.items()})
    element.text = _clean(text)
    return element


def _xml_bytes(root: ET.Element) -> bytes:
    ET.indent(root)
    data = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    assert isinstance(data, bytes)  # typeshed says Any for an encoding given by name
    return data + b"\n"

