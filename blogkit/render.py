"""RENDER: Site -> list[Output]: plan one job per page, then render each with Jinja.

Every page has a logical id (`("post", key)`, `("home", 2)`, `("category", slug, 1)`...)
shared across languages, so the language switcher and hreflang alternates link a page to
the same page in another language wherever that exists, else to that language's home.
"""

from __future__ import annotations

import dataclasses
import math
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .background import Background
from .config import SiteConfig
from .digest import digest
from .errors import SourceError
from .i18n import format_date, load_ui, slugify
from .markdown import PLACEHOLDER, Body
from .meta import feed_links, social
from .site import Entry, Site, category_of, term_path
from .templates import (
    LinkView,
    PageMeta,
    PagerView,
    PostView,
    SiteView,
    TermView,
    encode_url,
    site_environment,
)

if TYPE_CHECKING:  # Jinja is imported when a page is rendered
    import jinja2

PageId = tuple[Any, ...]


@dataclass(frozen=True)
class Output:
    """A file of the built site: path relative to the output folder, and its bytes."""

    path: str
    data: bytes | None
    """None: unchanged since the previous build, whose file (or bytes) stand."""
    source: str = ""
    """What produced it (a template and page URL, or a source file), for collision errors."""
    origin: Path | None = None
    """The user's file behind it (a post or page), where a collision error points."""
    digest: str = ""
    """Stable digest of what it was made from, when it has one (pages, feeds)."""
    placed: tuple[bool, int, int] | None = None
    """Set when a worker wrote the file already (see `run`): what `Place` returned."""


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
    digests: dict[int, tuple[PageJob, str]] = field(default_factory=dict)
    """Job digests by the job's identity (the job is kept, so the id stays its)."""
    digest_base: tuple[str, str] = ("", "")
    """The site and pages keys `digests` were taken with."""


def plan(site: Site, memo: PlanMemo | None = None) -> list[PageJob]:
    """Return every page of the site as a job (not yet rendered).

    With a `memo` (the dev server's), views and jobs whose entries, neighbours and
    translations are the same as in the previous build are the previous build's objects.
    """
    jobs: list[PageJob] = []
    maker = _ViewMaker(site, memo or PlanMemo())
    for language in site.config.languages:
        jobs.extend(_language_jobs(site, language.code, maker))
    if memo is not None:
        memo.views, memo.jobs = maker.fresh, maker.fresh_jobs
    return jobs


def _neighbours(listed: Sequence[Entry], index: int) -> tuple[Entry | None, Entry | None]:
    """The posts listed after and before the one at `index` (newest first): older, newer."""
    return (listed[index + 1] if index + 1 < len(listed) else None,
            listed[index - 1] if index > 0 else None)


def _neighbour(entry: Entry | None) -> tuple[str, str]:
    return (entry.body.title_text, entry.url) if entry is not None else ("", "")


def _view_key(site: Site, entry: Entry, older: Entry | None, newer: Entry | None) -> str:
    translations = site.translations.get(entry.post.key, {})
    # Of its neighbours a view shows only their titles and URLs (an edit to a post's text
    # does not re-render the posts beside it).
    return digest(entry.token, _neighbour(older), _neighbour(newer),
                  tuple((code, other.url) for code, other in translations.items()))


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
            found = LinkView(label, _url(config, f"{config.lang_prefix(lang)}/"
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


@dataclass
class ShownMemo:
    """Shown digests (see `shown_digest`) by (view digest, names read), for one site key.

    A view's digest stands for everything the view is made of, and the site key for the
    configuration and theme, so a shown digest taken by one build holds for the next: CLI
    builds keep them on disk, and after an edit take anew only the edited posts'.
    """

    digests: dict[tuple[str, frozenset[str]], str] = field(default_factory=dict)
    changed: bool = False
    """Set by `job_digests` when it took or dropped any (then they are worth saving)."""


def job_digests(jobs: Sequence[PageJob], site_key: str, pages_key: str,
                memo: PlanMemo | None = None, reads: Reads | None = None,
                shown_memo: ShownMemo | None = None) -> list[str]:
    """A stable digest per job: the same digest renders the same bytes, in any process.

    `site_key` stands for what every page depends on (configuration, templates, blogkit
    and KaTeX versions), `pages_key` for the site's set of pages. `reads(template)` says
    which attribute names a template can read (see `templates.names_read`): a post view
    counts in a page's digest only by what its template can show of it, so a listing
    does not change when a post's text changes past its excerpt. With a `memo`, the
    digest of a job kept from the previous plan is not taken again. `shown_memo` (for
    `site_key`) answers what it can, and is left holding what this plan's pages show.
    """
    old: dict[int, tuple[PageJob, str]] = {}
    if memo is not None and memo.digest_base == (site_key, pages_key):
        old = memo.digests
    fresh: dict[int, tuple[PageJob, str]] = {}
    digests = []
    before = shown_memo.digests if shown_memo is not None else {}
    # This plan's shown digests, by the view's digest (it stands for the view, in any build).
    shown: dict[tuple[str, frozenset[str]], str] = {}
    for job in jobs:
        found = old.get(id(job))
        if found is None or found[0] is not job:
            names = reads(job.template) if reads is not None else None

            def view_key(view: PostView, names: frozenset[str] | None = names) -> str:
                if names is None or _shows_body(names):
                    return view.digest
                key = (view.digest, names)
                if key not in shown:
                    shown[key] = before.get(key) or shown_digest(view, names)
                return shown[key]

            found = (job, digest(site_key, pages_key, job.template, job.page_id, job.lang,
                                 job.url, job.title, job.description, job.needs_math,
                                 str(job.origin) if job.origin else "",
                                 _fingerprint(job.context, view_key)))
        fresh[id(job)] = found
        digests.append(found[1])
    if memo is not None:
        memo.digests, memo.digest_base = fresh, (site_key, pages_key)
    if shown_memo is not None:
        shown_memo.changed = shown != before
        shown_memo.digests = shown
    return digests


Reads = Callable[[str], "frozenset[str] | None"]
"""reads(template): the attribute names the template can read; None: any."""
_BODY_NAMES = frozenset({"html", "toc", "first_image", "entry"})
"""What a post view shows of its whole body: a template reading any of them depends on it."""
_PLAIN_NAMES = tuple(f.name for f in dataclasses.fields(PostView)
                     if f.name not in ("entry", "digest"))


def shown_digest(view: PostView, names: frozenset[str] | None) -> str:
    """Stands for what a template that reads only `names` can show of `view`.

    The title's and excerpt's HTML count by what they are made of (placeholders, resolved
    links, the TeX of their formulas), so nothing is filled in to take it. A template that
    can read the whole body, or any name, gets the view's full digest.
    """
    if names is None or _shows_body(names):
        return view.digest
    entry = view.entry
    parts: list[object] = [(name, _fingerprint(getattr(view, name))) for name in _PLAIN_NAMES
                           if name in names]
    if "title_html" in names:
        parts.append(_with_formulas(entry.body.title_html, entry.body))
    if "excerpt_html" in names:
        parts.append(_with_formulas(entry.linked_excerpt_html, entry.body))
    return digest(*parts)


def _shows_body(names: frozenset[str]) -> bool:
    """Whether a template reading `names` can show all of a view (its digest stands for it)."""
    return not names.isdisjoint(_BODY_NAMES)


def _with_formulas(text: str, body: Body) -> tuple[str, tuple[tuple[str, bool], ...]]:
    return text, tuple((body.formulas[int(index)].tex, body.formulas[int(index)].display)
                       for index in PLACEHOLDER.findall(text))


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
                old.title_has_math != new.title_has_math:
            return None  # a listing's need for KaTeX's stylesheet changed
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


Placed = tuple[bool, int, int]
"""Where a worker put a page: (written to the staging folder, size, mtime_ns)."""
Place = Callable[[str, bytes], Placed]
"""Writes a page's bytes where they belong, in the process that rendered it."""
Known = Callable[[str, str], bool]
"""known(path, digest): the previous build has `path` rendered from a job of this digest."""
Sink = Callable[[Output], None]
"""Takes each output as it is made (written at once by a CLI build, kept by serve)."""
POOL_THRESHOLD = 64
"""Below this many pages to render, a process pool costs more than it saves."""
_CHUNK = 32


def run(
    site: Site,
    jobs: Sequence[PageJob],
    environment: Callable[[], jinja2.Environment],
    digests: Sequence[str],
    known: Known,
    sink: Sink,
    workers: int = 1,
    place: Place | None = None,
    only: Sequence[int] | None = None,
    beside: Beside | None = None,
) -> tuple[int, list[SourceError]]:
    """Render the jobs whose digest is not `known`; give every page to `sink`.

    A known page goes to the sink without data (the previous build's bytes stand). With a
    pool, `place` (if given) writes each page where it belongs in the worker that rendered
    it, and the sink gets what it returned (`Output.placed`) instead of the bytes. Return
    how many pages were rendered, and the template errors (each broken template once).
    `environment()` is asked for only when some page must be rendered. `only`: the
    indices of the jobs to look at (the others are known to be unchanged, and not given
    to the sink). `beside()` makes other outputs (the feeds and the sitemap), which go to
    the sink after the pages: with a pool, in a worker while the others render pages.
    """
    todo: list[int] = []
    for index in range(len(jobs)) if only is None else only:
        job = jobs[index]
        if known(job.path, digests[index]):
            sink(Output(job.path, None, job.described, job.origin, digests[index]))
        else:
            todo.append(index)
    found: list[SourceError] = []
    renderer = _Renderer(site, jobs, environment()) if todo else None
    if renderer is None or workers <= 1 or len(todo) < POOL_THRESHOLD:
        if renderer is not None:
            for index in todo:
                _deliver(index, renderer.page(jobs[index]), jobs, digests, sink, found)
        for item in beside() if beside is not None else ():
            sink(item)
    else:
        chunks = [todo[start:start + _CHUNK] for start in range(0, len(todo), _CHUNK)]
        # Imported here: a build that renders a few pages makes no pool (and the imports
        # cost it some 15 ms).
        from concurrent.futures import ProcessPoolExecutor

        # Workers started by fork (Linux's default) inherit the site and the compiled
        # templates, so nothing is pickled on the way in; by spawn or forkserver they are
        # given the renderer pickled. Only page bytes (or where `place` put them) come back.
        with ProcessPoolExecutor(max_workers=workers, initializer=_start_worker,
                                 initargs=(renderer, place)) as pool:
            results = pool.map(_render_chunk, chunks)  # every worker is started by now
            # `beside`'s outputs (half a second of a cold build) are made in this process
            # while the workers render: it only waits for them otherwise.
            with Background() as background:
                made = background.start("feeds", beside) if beside is not None else None
                for chunk_results in results:
                    for index, result in chunk_results:
                        _deliver(index, result, jobs, digests, sink, found)
            for item in made.result() if made is not None else ():
                sink(item)
    errors: list[SourceError] = []
    for error in sorted(found, key=lambda e: (str(e.path), e.line or 0, e.message)):
        # One broken template breaks every page using it: say so once.
        if not any((e.path, e.line) == (error.path, error.line) for e in errors):
            errors.append(error)
    return len(todo), errors


Beside = Callable[[], list[Output]]
"""Outputs made beside the pages (see `run`)."""


def _deliver(index: int, result: bytes | SourceError | Placed, jobs: Sequence[PageJob],
             digests: Sequence[str], sink: Sink, errors: list[SourceError]) -> None:
    job = jobs[index]
    if isinstance(result, SourceError):
        errors.append(result)
    elif isinstance(result, bytes):
        sink(Output(job.path, result, job.described, job.origin, digests[index]))
    else:
        sink(Output(job.path, None, job.described, job.origin, digests[index], result))


class _Renderer:
    """Renders one page to bytes, or to the template error it raised.

    Picklable, for pool workers started by any method: the Jinja environment is not
    pickled, and a worker that gets a pickled renderer makes its own (from the compiled
    templates on disk). A forked worker inherits the parent's as it is.
    """

    def __init__(self, site: Site, jobs: Sequence[PageJob], env: jinja2.Environment) -> None:
        config = site.config
        self.site, self.jobs, self.env = site, jobs, env
        self.urls = {(job.lang, job.page_id): job.url for job in jobs}
        self.ui = {language.code: load_ui(language.code, language.ui)
                   for language in config.languages}

    def __getstate__(self) -> dict[str, Any]:
        return {name: value for name, value in self.__dict__.items() if name != "env"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        config = self.site.config
        self.env = site_environment(config.root, config.cache_dir)

    def page(self, job: PageJob) -> bytes | SourceError:
        import jinja2

        config = self.site.config
        ui = self.ui[job.lang]
        try:
            template = self.env.get_template(job.template)
            text = template.render(page=_meta(config, job, self.urls, ui),
                                   site=_site_view(config, job.lang), ui=ui,
                                   asset=lambda path: _url(config, "/" + path),
                                   **job.context)
        except jinja2.TemplateError as exc:
            return _template_error(config, exc, job)
        return text.encode("utf-8")


# What a pool worker renders with, set by its initializer. Module state only in worker
# processes: the parent never reads or writes it.
_WORKER: list[tuple[_Renderer, Place | None]] = []


def _start_worker(renderer: _Renderer, place: Place | None) -> None:
    _WORKER.append((renderer, place))


def _render_chunk(indices: list[int]) -> list[tuple[int, bytes | SourceError | Placed]]:
    renderer, place = _WORKER[0]
    results: list[tuple[int, bytes | SourceError | Placed]] = []
    for index in indices:
        job = renderer.jobs[index]
        page = renderer.page(job)
        results.append((index, place(job.path, page) if place is not None and
                        isinstance(page, bytes) else page))
    return results


def _fingerprint(value: object, view_key: Callable[[PostView], str] | None = None) -> object:
    """Stand-in for a page's context in its digest: plain values, views by their digests.

    A post view (possibly holding a long body) or a pager counts as its digest, so a
    listing of hundreds of posts costs a few strings; `view_key` may give a post view's
    digest instead (what the page's template shows of it).
    """
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (PostView, PagerView)):
        if not value.digest:  # made outside plan(): it would collide with every other one
            raise TypeError(f"a {type(value).__name__} without a digest in a page's context")
        if view_key is not None and isinstance(value, PostView):
            return view_key(value)
        return value.digest
    if isinstance(value, LinkView):
        return (value.label, value.url, value.lang, value.current, value.count)
    if isinstance(value, dict):
        return tuple(sorted((str(k), _fingerprint(v, view_key)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_fingerprint(item, view_key) for item in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__,
                *(_fingerprint(getattr(value, f.name), view_key)
                  for f in dataclasses.fields(value)))
    raise TypeError(f"no stable digest for a {type(value).__name__} in a page's context")


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
        key = ("listing", lang, page_id, first_url, title, _fingerprint(extra), shown)
        return maker.jobs(key, lambda: _listing_jobs(site, lang, ui, views, page_id, first_url,
                                                     entries, title, extra))

    jobs = list(listing(("home",), f"{prefix}/", posts, config.language(lang).title,
                        {"term": None}))
    for entry in (*posts, *site.pages[lang]):
        view = views[entry.post.rel]
        jobs += maker.jobs(("page", lang, view.digest), partial(_page_job, entry, view, lang))
    for kind, terms in (("categories", site.categories[lang]), ("tags", site.tags[lang])):
        overview = tuple(LinkView(t.label, _url(config, f"{prefix}/{t.url_path}"), lang,
                                  count=len(t.entries)) for t in terms)
        jobs.append(PageJob((kind,), lang, f"{prefix}/{kind}/", "terms.html", ui[kind],
                            {"kind": kind, "terms": overview}))
        for term in terms:
            jobs += listing((kind, term.slug), f"{prefix}/{term.url_path}", term.entries,
                            term.label, {"term": TermView(term.kind, term.name, term.label,
                                                          term.slug, len(term.entries))})
    years: dict[int, list[PostView]] = {}
    for entry in posts:
        years.setdefault(entry.post.date.year, []).append(views[entry.post.rel])
    archive_key = ("archive", lang, tuple((y, tuple(v.digest for v in shown))
                                         for y, shown in years.items()))
    jobs += maker.jobs(archive_key, lambda: [PageJob(
        ("archives",), lang, f"{prefix}/archives/", "archive.html", ui["archives"],
        {"years": [{"year": y, "posts": v} for y, v in years.items()]},
        any(entry.title_has_math for entry in posts))])
    if lang == config.default_language.code:
        jobs.append(PageJob(("404",), lang, "/404.html", "404.html", ui["not_found"]))
    return jobs


def _page_job(entry: Entry, view: PostView, lang: str) -> list[PageJob]:
    kind = entry.post.kind
    return [PageJob((kind, entry.post.key), lang, entry.url, f"{kind}.html", view.title,
                    {"post": view}, entry.has_math, view.description, entry.post.source)]


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
    links = tuple(LinkView(str(n), _url(config, page_url(n)), lang) for n in range(1, total + 1))
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
        shown = title if number == 1 else f"{title} · {ui['page_n'].format(n=number)}"
        jobs.append(PageJob(page_id + (number,), lang, page_url(number), "index.html", shown,
                            {"posts": shown_views, "pager": pager, "listing": page_id[0],
                             **extra}, needs_math))
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
        LinkView(config.language(code).name, _url(config, other.url), code)
        for code, other in site.translations.get(post.key, {}).items() if code != post.lang)
    description = entry.body.excerpt_text[:200] or config.language(post.lang).description
    return PostView(
        title=entry.body.title_text, url=_url(config, post.url),
        lang=post.lang, date_iso=post.date.isoformat(), date_text=format_date(post.date, ui),
        updated_iso=post.updated.isoformat() if post.updated else "",
        categories=categories, tags=tags, has_more=entry.body.excerpt_cut,
        reading_minutes=entry.body.reading_minutes, translations=translations,
        has_math=entry.has_math, description=description, extra=post.extra,
        prev=LinkView(older.body.title_text, _url(config, older.url)) if older else None,
        next=LinkView(newer.body.title_text, _url(config, newer.url)) if newer else None,
        entry=entry, digest=key,
    )


def alternates(config: SiteConfig, page_id: PageId, urls: dict[tuple[str, PageId], str]
               ) -> tuple[LinkView, ...]:
    """hreflang alternates of a page (absolute URLs, `x-default` last); none if untranslated.

    `urls` maps (language, page id) to every page's URL; pages and sitemap.xml share this.
    """
    absolute = config.base_url.rstrip("/")
    found = [LinkView(language.code, encode_url(absolute + urls[(language.code, page_id)]),
                      language.code)
             for language in config.languages if (language.code, page_id) in urls]
    if len(found) < 2:
        return ()
    default = config.default_language.code
    x_default = next((a.url for a in found if a.lang == default), found[0].url)
    return (*found, LinkView("x-default", x_default, "x-default"))


def _meta(config: SiteConfig, job: PageJob, urls: dict[tuple[str, PageId], str],
          ui: dict[str, Any]) -> PageMeta:
    absolute = config.base_url.rstrip("/")
    switcher = []
    for language in config.languages:
        code = language.code
        target = urls.get((code, job.page_id))
        fallback = urls.get((code, ("home", 1)), config.lang_prefix(code) + "/")
        switcher.append(LinkView(language.name, _url(config, target or fallback), code,
                                 code == job.lang))
    translated = alternates(config, job.page_id, urls)
    prefix = config.lang_prefix(job.lang)
    nav = [LinkView(ui["home"], _url(config, f"{prefix}/"), current=job.page_id[0] == "home"),
           LinkView(ui["categories"], _url(config, f"{prefix}/categories/"),
                    current=job.page_id[0] == "categories"),
           LinkView(ui["archives"], _url(config, f"{prefix}/archives/"),
                    current=job.page_id[0] == "archives")]
    about = urls.get((job.lang, ("page", "about")))
    if about:
        nav.append(LinkView(ui["about"], _url(config, about), current=job.url == about))
    site_title = config.language(job.lang).title
    title = site_title if job.page_id == ("home", 1) else f"{job.title} | {site_title}"
    canonical = encode_url(absolute + job.url)
    description = job.description or config.language(job.lang).description
    term = job.context.get("term") if job.page_id[0] == "categories" else None
    post = job.context.get("post")
    return PageMeta(
        lang=job.lang, url=_url(config, job.url), canonical=canonical, title=title,
        description=description, alternates=translated, switcher=tuple(switcher),
        needs_math=job.needs_math, nav=tuple(nav),
        feeds=feed_links(config, job.lang, (term.slug, term.label) if term else None),
        social=social(config, job.lang, job.title, canonical, description,
                      tuple(a.lang for a in translated if a.lang != "x-default"),
                      post if isinstance(post, PostView) else None, job.page_id[0] == "post"),
    )


def _site_view(config: SiteConfig, lang: str) -> SiteView:
    language = config.language(lang)
    return SiteView(
        title=language.title, description=language.description, hero=language.hero,
        base_url=config.base_url, home_url=_url(config, config.lang_prefix(lang) + "/"),
        author=config.author,
        languages=tuple(LinkView(lang_.name, _url(config, config.lang_prefix(lang_.code) + "/"),
                                 lang_.code, lang_.code == lang) for lang_ in config.languages),
        theme=config.theme, extra=config.extra,
    )


def _url(config: SiteConfig, path: str) -> str:
    """Root-relative URL honouring the base path, percent-encoded."""
    return encode_url(config.base_path.rstrip("/") + path)


def _template_problem(exc: jinja2.TemplateError) -> str:
    import jinja2

    if isinstance(exc, jinja2.TemplateNotFound):
        return f"template '{exc.name}' not found (in the site's templates/ or the theme)"
    return exc.message or str(exc)


def _template_error(config: SiteConfig, exc: jinja2.TemplateError, job: PageJob) -> SourceError:
    """Point at the template file and line: Jinja puts template lines into the traceback."""
    path: Path = config.root / "templates" / job.template
    line: int | None = getattr(exc, "lineno", None)
    filename = getattr(exc, "filename", None)
    if filename:
        path = Path(filename)
    else:
        for frame in traceback.extract_tb(exc.__traceback__):
            if frame.filename.endswith((".html", ".xml")):
                path, line = Path(frame.filename), frame.lineno
    return SourceError(
        path, line, None, f"template error while rendering {job.url}: {_template_problem(exc)}",
        "fix the template; the names templates can use are listed in the README's theme section")
