"""ASSEMBLE: posts + bodies -> Site: links resolved, translations, taxonomies, listings.

`Site` is read-only once built; templates get everything from it and compute nothing.
Assembling always re-runs in full (it is in memory and cheap), so listings, taxonomies
and feeds can never be stale.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING

from .config import Category, SiteConfig
from .content import Post
from .digest import digest
from .errors import SourceError
from .i18n import slugify
from .links import LinkTargets, link_errors, link_targets, resolve_links
from .markdown import Body, TocEntry
from .meta import first_image
from .post_groups import Series, related_posts, series_of_language, series_path

if TYPE_CHECKING:  # formulas.py imports the writer, which imports this module
    from .formulas import FormulaHTML

_FORMULA = "<bk-math"
"""How a formula placeholder starts in a Body's HTML (see markdown.py)."""


@dataclass(frozen=True)
class Entry:
    """A published post or page in one language, its HTML completed on demand.

    Links are resolved and formulas filled in only when a page, listing or feed that
    shows the entry is rendered: a build that reuses most pages never pays for the others
    (formula HTML makes a body many times larger). A plain value: what completes the HTML
    (the link targets, the rendered formulas) is data it holds, shared by all entries.
    """

    post: Post
    body: Body
    token: str
    """Stands for all of the entry in page digests: a stable digest of what it is made
    from (the same in every process, so page digests can be kept on disk)."""
    links: LinkTargets = field(repr=False, compare=False)
    """What the body's link markers resolve to."""
    formulas: FormulaHTML = field(repr=False, compare=False)
    """The rendered formulas that take the place of the body's placeholders."""

    def resolve_links(self, text: str) -> str:
        """`text` (a part of the body) with its link markers turned into URLs."""
        return resolve_links(self.links, self.post.lang, text, self.body.links)

    def fill_math(self, text: str) -> str:
        return self.formulas.fill(text, self.body)

    @property
    def url(self) -> str:
        return self.post.url

    @cached_property
    def linked_html(self) -> str:
        """The body's HTML with links resolved and formula placeholders kept (for feeds)."""
        return self.resolve_links(self.body.html)

    @cached_property
    def linked_excerpt_html(self) -> str:
        return self.resolve_links(self.body.excerpt_html)

    @property
    def html(self) -> str:
        """The complete body. Not kept: only its own page shows it, once."""
        return self.fill_math(self.linked_html)

    @cached_property
    def excerpt_html(self) -> str:
        return self.fill_math(self.linked_excerpt_html)

    @cached_property
    def title_html(self) -> str:
        return self.fill_math(self.body.title_html)

    @cached_property
    def toc(self) -> tuple[TocEntry, ...]:
        return tuple(TocEntry(t.level, t.anchor, self.fill_math(t.html), t.text)
                     for t in self.body.toc)

    @cached_property
    def first_image(self) -> str:
        """The first `<img src>` of the body (formulas hold no images), or ""."""
        return first_image(self.linked_html)

    @property
    def has_math(self) -> bool:
        """Its own page shows formulas (and needs KaTeX's stylesheet)."""
        return bool(self.body.formulas)

    @property
    def title_has_math(self) -> bool:
        return _FORMULA in self.body.title_html

    @property
    def listing_has_math(self) -> bool:
        """A listing that shows its title and excerpt shows formulas."""
        return self.title_has_math or _FORMULA in self.body.excerpt_html


@dataclass(frozen=True)
class Term:
    """A category or tag in one language, with its posts newest first."""

    kind: str
    """`categories` or `tags`."""
    name: str
    """As written in front matter."""
    label: str
    """As shown in this language."""
    slug: str
    lang: str
    entries: tuple[Entry, ...]

    @property
    def url_path(self) -> str:
        return term_path(self.kind, self.slug)


def term_path(kind: str, slug: str) -> str:
    """A category's or tag's page, below its language's prefix: `categories/3d-model/`."""
    return f"{kind}/{slug}/"


def site_paths(site: Site, files: Iterable[str]) -> frozenset[str]:
    """Every path the site publishes, as a root-relative link names it: the pages (posts,
    listings and their pages, categories, tags, series, archives, 404), the feeds, sitemap.xml,
    robots.txt, the highlighting stylesheet and `files` (the static files: theme, static/,
    bundles). What plan.py and outputs.py make: tests compare this with a built site."""
    config = site.config
    paths = {"/sitemap.xml", "/robots.txt", "/css/highlight.css"}
    paths.update("/" + name for name in files)

    def listing(first: str, count: int) -> None:
        paths.add(first)
        paths.update(f"{first}page/{n}/" for n in range(2, math.ceil(count / config.per_page) + 1))

    def feeds(folder: str) -> None:
        paths.update(folder + name for name in _FEED_FILES)

    for language in config.languages:
        code = language.code
        prefix = config.lang_prefix(code)
        listing(f"{prefix}/", len(site.posts[code]))
        feeds(f"{prefix}/")
        paths.add(f"{prefix}/archives/")
        paths.add(f"{prefix}/404.html")
        for entry in (*site.posts[code], *site.pages[code]):
            paths.add(entry.url)
        for kind, terms in (("categories", site.categories[code]), ("tags", site.tags[code])):
            paths.add(f"{prefix}/{kind}/")
            for term in terms:
                listing(f"{prefix}/{term.url_path}", len(term.entries))
                if kind == "categories" or config.feeds.tags:
                    feeds(f"{prefix}/{term.url_path}")
        if site.series.get(code):
            paths.add(f"{prefix}/{series_path()}")
            paths.update(f"{prefix}/{series.url_path}" for series in site.series[code].values())
    return frozenset(paths)


_FEED_FILES = ("atom.xml", "rss.xml", "feed.json")
"""The feeds beside each home and category listing, and each tag's with `feeds.tags`
(outputs.FEED_FORMATS)."""


@dataclass(frozen=True)
class Site:
    """Everything the pages show."""

    config: SiteConfig
    posts: dict[str, tuple[Entry, ...]]
    """Per language: published posts, newest first (ties by translation key)."""
    pages: dict[str, tuple[Entry, ...]]
    """Per language: standalone pages."""
    translations: dict[str, dict[str, Entry]] = field(default_factory=dict)
    """Per translation key: the entry in each language it exists in."""
    categories: dict[str, tuple[Term, ...]] = field(default_factory=dict)
    tags: dict[str, tuple[Term, ...]] = field(default_factory=dict)
    links: LinkTargets | None = None
    """What the entries' links were resolved against."""
    related: dict[str, dict[str, tuple[Entry, ...]]] = field(default_factory=dict)
    """Per language, per post (content/-relative path): up to `RELATED_MAX` other posts
    of that language sharing its tags or categories, most related first (see `_related`);
    a post that nothing relates to is not there."""
    series: dict[str, dict[str, Series]] = field(default_factory=dict)
    """Per language, per slug: the language's series, ordered by name."""

    def series_of(self, entry: Entry) -> Series | None:
        """The series `entry` is in, if any."""
        name = entry.post.series
        if name is None or entry.post.kind != "post":
            return None
        return self.series.get(entry.post.lang, {}).get(slugify(name))


def assemble(
    config: SiteConfig,
    posts: list[Post],
    bodies: Mapping[str, Body],
    formulas: FormulaHTML,
    body_keys: Mapping[str, str],
    broken: frozenset[str] = frozenset(),
    static_paths: Callable[[], Iterable[str]] | None = None,
) -> tuple[Site, list[SourceError]]:
    """Build the `Site`; return it with every link and URL error found on the way.

    `body_keys` are the bodies' cache keys (what each body is a function of). Links to
    the files in `broken` (already reported as invalid) are not reported again.
    `static_paths()` gives the paths of the static files the site publishes: it is asked
    for only when some post has a root-relative link.
    """
    errors: list[SourceError] = []
    _check_unique_urls(posts, errors)
    links = link_targets(config, posts, broken)

    def entries_for(links: LinkTargets) -> dict[str, Entry]:
        return {post.rel: make_entry(post, bodies[post.rel], body_keys[post.rel], links,
                                     formulas) for post in posts}

    entries = entries_for(links)
    site = _build_site(config, entries, links)
    if any(link.target is not None and link.target[:1] == "/"
           for post in posts for link in bodies[post.rel].links):
        # What is published at the site's root is known once the site is (its listings
        # and terms): the entries are made again, against every path of it.
        found = site_paths(site, static_paths() if static_paths is not None else ())
        links = replace(links, site_paths=found, key=digest(links.key, sorted(found)))
        entries = entries_for(links)
        site = _build_site(config, entries, links)
    for entry in entries.values():
        errors.extend(link_errors(entry))
    return site, errors


def make_entry(post: Post, body: Body, body_key: str, links: LinkTargets,
               formulas: FormulaHTML) -> Entry:
    return Entry(post=post, body=body, token=digest(body_key, post.url, links.key),
                 links=links, formulas=formulas)


def with_entries(site: Site, swaps: Sequence[tuple[Entry, Entry]]) -> Site:
    """`site` with some entries replaced: (old, new) pairs.

    Only for entries whose post differs in its text alone: the order of listings, the
    taxonomies and the translations stay as they are, and only what holds an old entry
    is made anew.
    """
    swap = {(old.post.lang, old.post.rel): new for old, new in swaps}
    langs = {old.post.lang for old, _ in swaps}

    def each(entries: tuple[Entry, ...]) -> tuple[Entry, ...]:
        if not any((entry.post.lang, entry.post.rel) in swap for entry in entries):
            return entries
        return tuple(swap.get((entry.post.lang, entry.post.rel), entry) for entry in entries)

    def terms(found: dict[str, tuple[Term, ...]]) -> dict[str, tuple[Term, ...]]:
        return {lang: tuple(replace(term, entries=each(term.entries))
                            if lang in langs and each(term.entries) is not term.entries
                            else term for term in listed)
                for lang, listed in found.items()}

    def related(found: dict[str, tuple[Entry, ...]]) -> dict[str, tuple[Entry, ...]]:
        return {rel: each(listed) for rel, listed in found.items()}

    def series(found: dict[str, Series]) -> dict[str, Series]:
        return {slug: replace(one, entries=each(one.entries))
                if each(one.entries) is not one.entries else one
                for slug, one in found.items()}

    translations = dict(site.translations)
    for old, new in swaps:
        translations[old.post.key] = {**translations[old.post.key], old.post.lang: new}
    return replace(
        site, posts={lang: each(listed) if lang in langs else listed
                     for lang, listed in site.posts.items()},
        pages={lang: each(listed) if lang in langs else listed
               for lang, listed in site.pages.items()},
        translations=translations, categories=terms(site.categories), tags=terms(site.tags),
        related={lang: related(found) if lang in langs else found
                 for lang, found in site.related.items()},
        series={lang: series(found) if lang in langs else found
                for lang, found in site.series.items()})


def _build_site(config: SiteConfig, entries: dict[str, Entry], links: LinkTargets) -> Site:
    posts: dict[str, tuple[Entry, ...]] = {}
    pages: dict[str, tuple[Entry, ...]] = {}
    translations: dict[str, dict[str, Entry]] = {}
    for entry in entries.values():
        translations.setdefault(entry.post.key, {})[entry.post.lang] = entry
    categories: dict[str, tuple[Term, ...]] = {}
    tags: dict[str, tuple[Term, ...]] = {}
    related: dict[str, dict[str, tuple[Entry, ...]]] = {}
    series: dict[str, dict[str, Series]] = {}
    for language in config.languages:
        code = language.code
        mine = [e for e in entries.values() if e.post.lang == code]
        ordered = tuple(sorted((e for e in mine if e.post.kind == "post"), key=_newest_first))
        posts[code] = ordered
        pages[code] = tuple(sorted((e for e in mine if e.post.kind == "page"),
                                   key=lambda e: e.post.key))
        categories[code] = tuple(
            Term("categories", c.name, c.label(code), c.slug, code,
                 tuple(e for e in ordered if c.name in e.post.categories))
            for c in config.categories
            if any(c.name in e.post.categories for e in ordered)
        )
        tags[code] = _tags(code, ordered)
        related[code] = related_posts(ordered)
        series[code] = series_of_language(code, ordered)
    return Site(config, posts, pages, translations, categories, tags, links, related, series)


def _newest_first(entry: Entry) -> tuple[float, str]:
    return (-entry.post.date.timestamp(), entry.post.key)


def _tags(code: str, ordered: tuple[Entry, ...]) -> tuple[Term, ...]:
    names: dict[str, str] = {}
    members: dict[str, list[Entry]] = {}
    for entry in ordered:
        for tag in entry.post.tags:
            slug = slugify(tag)
            names.setdefault(slug, tag)  # the first spelling met names the tag page
            members.setdefault(slug, []).append(entry)
    return tuple(
        Term("tags", names[slug], names[slug], slug, code, tuple(members[slug]))
        for slug in sorted(names, key=lambda s: names[s].lower())
    )


def category_of(config: SiteConfig, name: str) -> Category:
    category = config.category(name)
    assert category is not None  # validated by content.load_posts
    return category


def _check_unique_urls(posts: list[Post], errors: list[SourceError]) -> None:
    seen: dict[str, Post] = {}
    for post in posts:
        other = seen.get(post.url)
        if other is not None:
            line, col = post.slug_at or (1, 1)
            errors.append(SourceError(
                post.source, line, col,
                f"two files want the URL {post.url}: this one and content/{other.rel}",
                "give one of them another file name or a different 'slug'"))
        else:
            seen[post.url] = post
