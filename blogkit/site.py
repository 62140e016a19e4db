"""ASSEMBLE: posts + bodies -> Site: links resolved, translations, taxonomies, listings.

`Site` is read-only once built; templates get everything from it and compute nothing.
Assembling always re-runs in full (it is in memory and cheap), so listings, taxonomies
and feeds can never be stale.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any
from urllib.parse import quote, unquote

from .config import Category, SiteConfig
from .content import Post
from .errors import SourceError
from .i18n import slugify
from .markdown import Body, TocEntry
from .meta import first_image

_FORMULA = "<bk-math"
"""How a formula placeholder starts in a Body's HTML (see markdown.py)."""
_MARKER = re.compile(r'="blogkit:link:([^"#]*)(#[^"]*)?"')
"""A link marker (see markdown._rewrite_links) as the value of an attribute: `href` or
`src` when it is one (`replace` looks). Starting with a literal, it is found several
times faster than by a pattern starting with the attribute's name."""


@dataclass(frozen=True)
class Entry:
    """A published post or page in one language, its HTML completed on demand.

    Links are resolved and formulas filled in only when a page, listing or feed that
    shows the entry is rendered: a build that reuses most pages never pays for the others
    (formula HTML makes a body many times larger).
    """

    post: Post
    body: Body
    token: str
    """Stands for all of the entry in page digests: a stable digest of what it is made
    from (the same in every process, so page digests can be kept on disk)."""
    resolve_links: Callable[[str], str] = field(repr=False, compare=False)
    """Turns the body's link markers into URLs."""
    fill_math: Callable[[str, Body], str] = field(repr=False, compare=False)
    """Puts the rendered formulas in place of their placeholders."""

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
        return self.fill_math(self.linked_html, self.body)

    @cached_property
    def excerpt_html(self) -> str:
        return self.fill_math(self.linked_excerpt_html, self.body)

    @cached_property
    def title_html(self) -> str:
        return self.fill_math(self.body.title_html, self.body)

    @cached_property
    def toc(self) -> tuple[TocEntry, ...]:
        return tuple(TocEntry(t.level, t.anchor, self.fill_math(t.html, self.body), t.text)
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


@dataclass(frozen=True)
class LinkTargets:
    """Everything a link in a post can resolve to."""

    by_rel: dict[str, Post]
    """Published posts and pages by content/-relative path."""
    bundles: dict[str, dict[str, Post]]
    """Per bundle folder (`posts/vae/`): its posts by language."""
    broken: frozenset[str]
    """Files with errors of their own (links to them are not reported again)."""
    asset_files: frozenset[str]
    """content/-relative paths of every bundle's assets (`posts/vae/figure.png`)."""
    key: str
    """A stable digest of all of it: when it changes, every entry is made anew."""


def link_targets(posts: list[Post], broken: frozenset[str]) -> LinkTargets:
    by_rel = {post.rel: post for post in posts}
    bundles: dict[str, dict[str, Post]] = {}
    asset_files: set[str] = set()
    for post in posts:
        if post.bundle_dir is not None:
            folder = post.rel.rsplit("/", 1)[0] + "/"
            bundles.setdefault(folder, {})[post.lang] = post
            asset_files.update(folder + name for name in post.asset_names())
    key = digest(tuple((p.rel, p.url, p.lang, tuple(map(str, p.assets))) for p in posts),
                 sorted(broken))
    return LinkTargets(by_rel, bundles, broken, frozenset(asset_files), key)


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


def assemble(
    config: SiteConfig,
    posts: list[Post],
    bodies: Mapping[str, Body],
    fill_math: Callable[[str, Body], str],
    body_keys: Mapping[str, str],
    broken: frozenset[str] = frozenset(),
    memo: dict[tuple[Any, ...], tuple[Entry, list[SourceError]]] | None = None,
) -> tuple[Site, list[SourceError]]:
    """Build the `Site`; return it with every link and URL error found on the way.

    `body_keys` are the bodies' cache keys (what each body is a function of). Links to
    the files in `broken` (already reported as invalid) are not reported again.
    `memo` (kept by the dev server for one configuration) reuses an entry whose post, body
    and link targets are all unchanged.
    """
    errors: list[SourceError] = []
    _check_unique_urls(posts, errors)
    links = link_targets(posts, broken)
    entries: dict[str, Entry] = {}
    fresh: dict[tuple[Any, ...], tuple[Entry, list[SourceError]]] = {}
    for post in posts:
        body = bodies[post.rel]
        key = (post.rel, post.digest, post.url, id(body), links.key)
        # An entry and its link errors are a function of the key: both are kept.
        if memo is not None and key in memo:
            entry, link_errors = fresh[key] = memo[key]
        else:
            entry, link_errors = fresh[key] = make_entry(config, post, body, body_keys[post.rel],
                                                         links, fill_math)
        entries[post.rel] = entry
        errors.extend(link_errors)
    if memo is not None:
        memo.clear()
        memo.update(fresh)
    return _build_site(config, entries, links), errors


def make_entry(config: SiteConfig, post: Post, body: Body, body_key: str, links: LinkTargets,
               fill_math: Callable[[str, Body], str]) -> tuple[Entry, list[SourceError]]:
    """The entry of one post, and the errors of its links."""
    link_errors: list[SourceError] = []
    resolve = _link_resolver(config, post, body, links, link_errors)
    return Entry(post=post, body=body, token=digest(body_key, post.url, links.key),
                 resolve_links=resolve, fill_math=fill_math), link_errors


def with_entries(site: Site, swaps: Sequence[tuple[Entry, Entry]]) -> Site:
    """`site` with some entries replaced: (old, new) pairs.

    Only for entries whose post differs in its text alone: the order of listings, the
    taxonomies and the translations stay as they are, and only what holds an old entry
    is made anew.
    """
    swap = {id(old): new for old, new in swaps}
    langs = {old.post.lang for old, _ in swaps}

    def each(entries: tuple[Entry, ...]) -> tuple[Entry, ...]:
        if not any(id(entry) in swap for entry in entries):
            return entries
        return tuple(swap.get(id(entry), entry) for entry in entries)

    def terms(found: dict[str, tuple[Term, ...]]) -> dict[str, tuple[Term, ...]]:
        return {lang: tuple(replace(term, entries=each(term.entries))
                            if lang in langs and each(term.entries) is not term.entries
                            else term for term in listed)
                for lang, listed in found.items()}

    translations = dict(site.translations)
    for old, new in swaps:
        translations[old.post.key] = {**translations[old.post.key], old.post.lang: new}
    return replace(
        site, posts={lang: each(listed) if lang in langs else listed
                     for lang, listed in site.posts.items()},
        pages={lang: each(listed) if lang in langs else listed
               for lang, listed in site.pages.items()},
        translations=translations, categories=terms(site.categories), tags=terms(site.tags))


def digest(*parts: object) -> str:
    """A stable digest of plain values (str, numbers, paths, dates, tuples of them).

    `repr` of such values is the same in every process, unlike `hash` of a string.
    """
    return hashlib.blake2b(repr(parts).encode("utf-8"), digest_size=16).hexdigest()


def _build_site(config: SiteConfig, entries: dict[str, Entry], links: LinkTargets) -> Site:
    posts: dict[str, tuple[Entry, ...]] = {}
    pages: dict[str, tuple[Entry, ...]] = {}
    translations: dict[str, dict[str, Entry]] = {}
    for entry in entries.values():
        translations.setdefault(entry.post.key, {})[entry.post.lang] = entry
    categories: dict[str, tuple[Term, ...]] = {}
    tags: dict[str, tuple[Term, ...]] = {}
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
    return Site(config, posts, pages, translations, categories, tags, links)


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


def _link_resolver(
    config: SiteConfig,
    post: Post,
    body: Body,
    links: LinkTargets,
    errors: list[SourceError],
) -> Callable[[str], str]:
    base = config.base_path.rstrip("/")
    by_rel, bundles, broken, asset_files = links.by_rel, links.bundles, links.broken, \
        links.asset_files

    def target_url(target: str) -> str | None:
        """URL of the post, bundle or bundle file at a content/-relative path."""
        if target in by_rel:
            return by_rel[target].url
        if target + "/" in bundles:
            return _pick(bundles[target + "/"], post.lang, config).url
        if target in asset_files:  # then the bundle nearest to it has it among its assets
            owner = _asset_owner(target, post.lang, bundles)
            if owner is not None:
                return owner[0].url + quote(owner[1])
        return None

    for link in body.links:
        target = link.target
        if target is not None and (target in broken or any(
                b.startswith(target + "/") for b in broken)):
            continue  # the file it points at has errors of its own, already reported
        if target is None or target_url(target) is None:
            errors.append(SourceError(
                post.source, link.line, link.col,
                f"link to '{link.href}': no published post or page-bundle file is there",
                "paths are relative to this file, e.g. ../other-post/index.zh.md, ../other-post/ "
                "or image.png beside it; drafts and future posts are not published"))

    def replace(match: re.Match[str]) -> str:
        before = match.string[max(0, match.start() - 4):match.start()]
        if not before.endswith(("href", "src")):
            return match.group(0)
        target, fragment = unquote(match.group(1)), match.group(2) or ""
        url = target_url(target)
        return f'="{base}{url}{fragment}"' if url else '="#"'

    def resolve(text: str) -> str:
        return _MARKER.sub(replace, text) if "blogkit:link:" in text else text

    return resolve


def _asset_owner(
    target: str, lang: str, bundles: dict[str, dict[str, Post]]
) -> tuple[Post, str] | None:
    """Return the post (in `lang` where possible) whose bundle holds `target`, and its path."""
    parts = target.split("/")
    for cut in range(len(parts) - 1, 0, -1):
        folder = "/".join(parts[:cut]) + "/"
        translations = bundles.get(folder)
        if translations:
            owner = translations.get(lang) or next(iter(translations.values()))
            return owner, target[len(folder):]
    return None


def _pick(choices: dict[str, Post], lang: str, config: SiteConfig) -> Post:
    return choices.get(lang) or choices.get(config.default_language.code) or next(
        iter(choices.values()))
