"""PLAN: Site -> one PageJob per page (not yet rendered), with the views it shows.

Every page has a logical id (`("post", key)`, `("home", 2)`, `("category", slug, 1)`...)
shared across languages, so the language switcher and hreflang alternates link a page to
the same page in another language wherever that exists, else to that language's home.
With a `PlanMemo` (the dev server's), views and jobs whose parts are unchanged are the
previous plan's; `replan` is the text-edit path's (see patch.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, partial
from pathlib import Path
from typing import Any

from .config import SiteConfig
from .digest import digest
from .errors import BuildError
from .highlight import shows_code
from .i18n import format_date, load_ui, slugify
from .links import cover_image
from .page_digests import Reads, fingerprint, shown_digest
from .post_groups import Series, series_path
from .site import Entry, Site, category_of, term_path
from .templates import LinkView, PagerView, PostView, SeriesView, TermView, encode_url

PageId = tuple[Any, ...]


@dataclass(frozen=True)
class PageJob:
    """One page to render: where, with which template, showing what."""

    page_id: PageId
    lang: str
    url: str
    template: str
    title: str
    context: dict[str, Any] = field(default_factory=dict)
    needs_math: bool = False
    description: str = ""
    origin: Path | None = None
    """The post or page file this page shows, if any."""
    needs_code: bool = False
    """The page shows code blocks (and needs css/highlight.css)."""

    @cached_property
    def path(self) -> str:
        """The output file of the page."""
        return self.url.lstrip("/") + "index.html" if self.url.endswith("/") else \
            self.url.lstrip("/")

    @cached_property
    def described(self) -> str:
        """What writes the page, for collision errors."""
        shown = self.origin.name if self.origin else self.template
        return f"{shown} ({self.template} for {self.url})"


@dataclass
class PlanMemo:
    """What the dev server keeps of the previous plan, for one configuration."""

    views: dict[str, PostView] = field(default_factory=dict)
    """Post views by the digest of what they are made of."""
    jobs: dict[tuple[Any, ...], list[PageJob]] = field(default_factory=dict)
    """The jobs of a listing (or of one post's page) by what they show."""


def plan(site: Site, memo: PlanMemo | None = None) -> list[PageJob]:
    """Return every page of the site as a job (not yet rendered).

    With a `memo` (the dev server's), views and jobs whose entries, neighbours and
    translations are the same as in the previous build are the previous build's objects.
    """
    jobs: list[PageJob] = []
    maker = _ViewMaker(site, memo or PlanMemo())
    for language in site.config.languages:
        jobs.extend(_language_jobs(site, language.code, maker))
    _check_aliases(site, jobs)
    if memo is not None:
        memo.views, memo.jobs = maker.fresh, maker.fresh_jobs
    return jobs


def _check_aliases(site: Site, jobs: Sequence[PageJob]) -> None:
    """Raise BuildError for an alias that is a page's URL or another alias (at its line):
    here, where every page's path is known, before anything is written."""
    from .redirects import alias_errors, has_redirects  # most sites have none

    if has_redirects(site):
        errors = alias_errors(site, (job.path for job in jobs))
        if errors:
            raise BuildError(errors)


def _neighbours(listed: Sequence[Entry], index: int) -> tuple[Entry | None, Entry | None]:
    """The posts listed after and before the one at `index` (newest first): older, newer."""
    return (listed[index + 1] if index + 1 < len(listed) else None,
            listed[index - 1] if index > 0 else None)


def _neighbour(entry: Entry | None) -> tuple[str, str]:
    return (entry.body.title_text, entry.url) if entry is not None else ("", "")


def _view_key(site: Site, entry: Entry, older: Entry | None, newer: Entry | None) -> str:
    translations = site.translations.get(entry.post.key, {})
    # Of its neighbours, related posts and series a view shows only their titles and URLs
    # (an edit to a post's text does not re-render the posts beside it or related to it).
    related, series = _extras(site, entry)
    return digest(entry.token, _neighbour(older), _neighbour(newer),
                  tuple((code, other.url) for code, other in translations.items()),
                  fingerprint(related), fingerprint(series))


def _extras(site: Site, entry: Entry) -> tuple[tuple[LinkView, ...], SeriesView | None]:
    """What ends a post: its related posts, and the box of its series (see Site.related)."""
    config = site.config
    related = tuple(LinkView(other.body.title_text, site_url(config, other.url))
                    for other in site.related.get(entry.post.lang, {}).get(entry.post.rel, ()))
    series = site.series_of(entry)
    if series is None:
        return related, None
    position = next(number for number, member in enumerate(series.entries, 1)
                    if member.post.rel == entry.post.rel)
    return related, _series_view(config, series, position)


def _series_view(config: SiteConfig, series: Series, position: int = 0) -> SeriesView:
    """A series as its page (`position` 0) or a post's box (the post's place, from 1)."""
    posts = tuple(LinkView(member.body.title_text, site_url(config, member.url),
                           current=number == position)
                  for number, member in enumerate(series.entries, 1))
    return SeriesView(series.name, _series_url(config, series.lang, series), len(posts),
                      posts, position)


def _series_url(config: SiteConfig, lang: str, series: Series | None = None) -> str:
    """The page of `series`, or without one the page listing them all."""
    return site_url(config, f"{config.lang_prefix(lang)}/"
                            f"{series.url_path if series is not None else series_path()}")


class _TermLinks:
    """Links to category and tag pages, each made once (the posts of a plan share them)."""

    def __init__(self, config: SiteConfig) -> None:
        self.config = config
        self.made: dict[tuple[str, str, str], LinkView] = {}

    def __call__(self, kind: str, lang: str, name: str) -> LinkView:
        found = self.made.get((kind, lang, name))
        if found is None:
            config = self.config
            if kind == "categories":
                category = category_of(config, name)
                label, slug = category.label(lang), category.slug
            else:
                label, slug = name, slugify(name)
            found = LinkView(label, site_url(config, f"{config.lang_prefix(lang)}/"
                                                 f"{term_path(kind, slug)}"))
            self.made[(kind, lang, name)] = found
        return found


class _ViewMaker:
    """Makes post views and jobs, reusing the memo's; each view has a digest of its parts."""

    def __init__(self, site: Site, memo: PlanMemo) -> None:
        self.site = site
        self.old, self.old_jobs = memo.views, memo.jobs
        self.fresh: dict[str, PostView] = {}
        self.fresh_jobs: dict[tuple[Any, ...], list[PageJob]] = {}
        self.term_links = _TermLinks(site.config)

    def view(self, entry: Entry, ui: dict[str, Any], older: Entry | None,
             newer: Entry | None) -> PostView:
        key = _view_key(self.site, entry, older, newer)
        found = self.old.get(key) or self.fresh.get(key)
        if found is None:
            found = _post_view(self.site, entry, ui, older, newer, key, self.term_links)
        self.fresh[key] = found
        return found

    def jobs(self, key: tuple[Any, ...], make: Callable[[], list[PageJob]]) -> list[PageJob]:
        """The jobs `make` would return; `key` must stand for everything they hold."""
        found = self.old_jobs.get(key) or self.fresh_jobs.get(key)
        if found is None:
            found = make()
        self.fresh_jobs[key] = found
        return found


def pages_key(jobs: Sequence[PageJob]) -> str:
    """Stands for the site's set of pages (every page's head links its translations)."""
    return digest(sorted((job.lang, job.page_id, job.url) for job in jobs))


Holders = dict[tuple[str, str], list[tuple[int, PostView]]]
"""Per entry (language, content/-relative path): the jobs showing it, and the view each holds."""


def holders(jobs: Sequence[PageJob]) -> Holders:
    """Which jobs show which entries (see `replan`)."""
    found: Holders = {}

    def walk(value: object, index: int) -> None:
        if isinstance(value, PostView):
            post = value.entry.post
            found.setdefault((post.lang, post.rel), []).append((index, value))
        elif isinstance(value, dict):
            for item in value.values():
                walk(item, index)
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item, index)

    for index, job in enumerate(jobs):
        walk(job.context, index)
    return found


def replan(site: Site, jobs: Sequence[PageJob], shown_by: Holders,
           swaps: Sequence[tuple[Entry, Entry]], reads: Reads, memo: PlanMemo
           ) -> tuple[list[PageJob], list[int]] | None:
    """The jobs of `site` once `swaps` (old, new) changed some entries' text alone.

    Each such entry's own page gets a new job; every other page showing it keeps its job
    (and the old view in it) when what its template can read of the entry is unchanged.
    Return the jobs and the indices of the new ones, or None when another page shows
    something that changed (a listing, the new excerpt): then all must be planned anew.
    `shown_by` (from `holders`) is updated to the new jobs.
    """
    config = site.config
    jobs = list(jobs)
    made: list[int] = []
    for old, new in swaps:
        post = new.post
        lang = post.lang
        if old.listing_has_math != new.listing_has_math or \
                old.title_has_math != new.title_has_math or \
                _excerpt_shows_code(old) != _excerpt_shows_code(new):
            return None  # a listing's need for KaTeX's or the code's stylesheet changed
        listed = site.posts[lang] if post.kind == "post" else ()
        place = next((i for i, entry in enumerate(listed) if entry is new), None)
        older, newer = _neighbours(listed, place) if place is not None else (None, None)
        view = _post_view(site, new, load_ui(lang, config.language(lang).ui), older, newer,
                          _view_key(site, new, older, newer), _TermLinks(config))
        shown = shown_by.get((lang, post.rel), [])
        own = [index for index, held in shown if jobs[index].context.get("post") is held]
        if len(own) != 1:
            return None
        for index, held in shown:
            if index != own[0]:
                names = reads(jobs[index].template)
                if shown_digest(held, names) != shown_digest(view, names):
                    return None
        jobs[own[0]] = _page_job(new, view, lang)[0]
        made.append(own[0])
        shown_by[(lang, post.rel)] = [(index, view if index == own[0] else held)
                                      for index, held in shown]
        memo.views[view.digest] = view
        memo.jobs[("page", lang, view.digest)] = [jobs[own[0]]]
    return jobs, made


def _language_jobs(site: Site, lang: str, maker: _ViewMaker) -> list[PageJob]:
    config = site.config
    prefix = config.lang_prefix(lang)
    ui = load_ui(lang, config.language(lang).ui)
    posts = site.posts[lang]
    # One view per entry, shared by its page and every listing that shows it.
    views: dict[str, PostView] = {}
    for index, entry in enumerate(posts):
        older, newer = _neighbours(posts, index)
        views[entry.post.rel] = maker.view(entry, ui, older, newer)
    for entry in site.pages[lang]:
        views[entry.post.rel] = maker.view(entry, ui, None, None)
    def listing(page_id: PageId, first_url: str, entries: Sequence[Entry], title: str,
                extra: dict[str, Any]) -> list[PageJob]:
        shown = tuple(views[entry.post.rel].digest for entry in entries)
        key = ("listing", lang, page_id, first_url, title, fingerprint(extra), shown)
        return maker.jobs(key, lambda: _listing_jobs(site, lang, ui, views, page_id, first_url,
                                                     entries, title, extra))

    jobs = list(listing(("home",), f"{prefix}/", posts, config.language(lang).title,
                        {"term": None}))
    for entry in (*posts, *site.pages[lang]):
        view = views[entry.post.rel]
        jobs += maker.jobs(("page", lang, view.digest), partial(_page_job, entry, view, lang))
    for kind, terms in (("categories", site.categories[lang]), ("tags", site.tags[lang])):
        overview = tuple(LinkView(t.label, site_url(config, f"{prefix}/{t.url_path}"), lang,
                                  count=len(t.entries)) for t in terms)
        jobs.append(PageJob((kind,), lang, f"{prefix}/{kind}/", "terms.html", ui[kind],
                            {"kind": kind, "terms": overview}))
        for term in terms:
            jobs += listing((kind, term.slug), f"{prefix}/{term.url_path}", term.entries,
                            term.label, {"term": TermView(term.kind, term.name, term.label,
                                                          term.slug, len(term.entries))})
    jobs += _series_jobs(site, lang, ui, views)
    years: dict[int, list[PostView]] = {}
    for entry in posts:
        years.setdefault(entry.post.date.year, []).append(views[entry.post.rel])
    archive_key = ("archive", lang, tuple((y, tuple(v.digest for v in shown))
                                         for y, shown in years.items()))
    jobs += maker.jobs(archive_key, lambda: [PageJob(
        ("archives",), lang, f"{prefix}/archives/", "archive.html", ui["archives"],
        {"years": [{"year": y, "posts": v} for y, v in years.items()]},
        any(entry.title_has_math for entry in posts))])
    # Every language has its own 404 page, linked to the others by the switcher; hosts
    # answer a missing path with the root one, which then speaks the language of the path
    # (`elsewhere`), and `blogkit serve` with the language's.
    jobs.append(PageJob(("404",), lang, f"{prefix}/404.html", "404.html", ui["not_found"],
                        {"elsewhere": () if prefix else _not_found_elsewhere(config)}))
    return jobs


def _not_found_elsewhere(config: SiteConfig) -> tuple[dict[str, str], ...]:
    """The root 404 page's message in each other language, with the path it is for: a
    static host answers `/en/missing/` with the root page, whose script shows the English."""
    found = []
    for language in config.languages[1:]:
        ui = load_ui(language.code, language.ui)
        found.append({"lang": language.code,
                      "path": site_url(config, config.lang_prefix(language.code) + "/"),
                      "title": ui["not_found"], "text": ui["not_found_text"],
                      "back": ui["back_home"]})
    return tuple(found)


def _series_jobs(site: Site, lang: str, ui: dict[str, Any], views: dict[str, PostView]
                 ) -> list[PageJob]:
    """A page per series of the language, listing its posts oldest first, and one
    listing the series (only in a language that has some)."""
    config = site.config
    found = site.series.get(lang, {})
    if not found:
        return []
    jobs = [PageJob(("series",), lang, f"{config.lang_prefix(lang)}/{series_path()}",
                    "series.html", ui["series"],
                    {"series": None,
                     "all_series": tuple(LinkView(one.name, _series_url(config, lang, one),
                                                  lang, count=len(one.entries))
                                         for one in found.values())})]
    for one in found.values():
        jobs.append(PageJob(
            ("series", one.slug), lang, f"{config.lang_prefix(lang)}/{one.url_path}",
            "series.html", one.name,
            {"series": _series_view(config, one),
             "posts": tuple(views[entry.post.rel] for entry in one.entries)},
            any(entry.title_has_math for entry in one.entries)))
    return jobs


def _page_job(entry: Entry, view: PostView, lang: str) -> list[PageJob]:
    kind = entry.post.kind
    return [PageJob((kind, entry.post.key), lang, entry.url, f"{kind}.html", view.title,
                    {"post": view}, entry.has_math, view.description, entry.post.source,
                    shows_code(entry.body.html))]


def _excerpt_shows_code(entry: Entry) -> bool:
    """A listing that shows the entry's excerpt shows code (an author's `<!--more-->` or
    summary may hold a code block; an automatic excerpt never does)."""
    return shows_code(entry.body.excerpt_html)


def _listing_jobs(
    site: Site,
    lang: str,
    ui: dict[str, Any],
    views: dict[str, PostView],
    page_id: PageId,
    first_url: str,
    entries: Sequence[Entry],
    title: str,
    extra: dict[str, Any],
) -> list[PageJob]:
    config = site.config
    per_page = config.per_page
    total = max(1, math.ceil(len(entries) / per_page))

    def page_url(number: int) -> str:
        return first_url if number == 1 else f"{first_url}page/{number}/"

    jobs = []
    links = tuple(LinkView(str(n), site_url(config, page_url(n)), lang)
                  for n in range(1, total + 1))
    for number in range(1, total + 1):
        chunk = entries[(number - 1) * per_page:number * per_page]
        shown_views = tuple(views[entry.post.rel] for entry in chunk)
        current = links[number - 1]
        pager = PagerView(
            number, total,
            (*links[:number - 1], LinkView(current.label, current.url, lang, True),
             *links[number:]),
            links[number - 2].url if number > 1 else "",
            links[number].url if number < total else "",
            digest=digest(first_url, number, total),
        )
        needs_math = any(entry.listing_has_math for entry in chunk)
        needs_code = any(_excerpt_shows_code(entry) for entry in chunk)
        shown = title if number == 1 else f"{title} · {ui['page_n'].format(n=number)}"
        jobs.append(PageJob(page_id + (number,), lang, page_url(number), "index.html", shown,
                            {"posts": shown_views, "pager": pager, "listing": page_id[0],
                             **extra}, needs_math, needs_code=needs_code))
    return jobs


def _post_view(
    site: Site, entry: Entry, ui: dict[str, Any], older: Entry | None, newer: Entry | None,
    key: str, term_links: _TermLinks,
) -> PostView:
    config = site.config
    post = entry.post
    categories = tuple(term_links("categories", post.lang, name) for name in post.categories)
    tags = tuple(term_links("tags", post.lang, tag) for tag in post.tags)
    translations = tuple(
        LinkView(config.language(code).name, site_url(config, other.url), code)
        for code, other in site.translations.get(post.key, {}).items() if code != post.lang)
    description = entry.body.excerpt_text[:200] or config.language(post.lang).description
    related, series = _extras(site, entry)
    return PostView(
        title=entry.body.title_text, url=site_url(config, post.url),
        lang=post.lang, date_iso=post.date.isoformat(), date_text=format_date(post.date, ui),
        updated_iso=post.updated.isoformat() if post.updated else "",
        categories=categories, tags=tags, has_more=entry.body.excerpt_cut,
        reading_minutes=entry.body.reading_minutes, translations=translations,
        has_math=entry.has_math, description=description, extra=post.extra,
        prev=LinkView(older.body.title_text, site_url(config, older.url)) if older else None,
        next=LinkView(newer.body.title_text, site_url(config, newer.url)) if newer else None,
        cover=cover_image(entry.links, post), related=related, series=series, entry=entry,
        digest=key,
    )


def site_url(config: SiteConfig, path: str) -> str:
    """Root-relative URL honouring the base path, percent-encoded."""
    return encode_url(config.base_path.rstrip("/") + path)
