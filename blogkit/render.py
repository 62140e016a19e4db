"""RENDER: planned pages -> HTML bytes through Jinja, here or in a pool of workers.

Only pages whose digest is not `known` (the previous build's file stands) are rendered;
every page goes to the sink. The page's head (title, language switcher, hreflang
alternates, feeds, social cards) is made here from the job and the site.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .background import Background
from .config import SiteConfig
from .errors import SourceError
from .i18n import load_ui
from .meta import feed_links, social
from .plan import PageId, PageJob, site_url
from .site import Site, term_path
from .templates import LinkView, PageMeta, PostView, SiteView, encode_url, site_environment

if TYPE_CHECKING:  # Jinja is imported when a page is rendered
    import jinja2

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
    to the sink). `beside()` is other work of the build (feeds, static copies): with a
    pool, it runs in this process while the workers render, which it otherwise only
    waits for; without one, after the pages.
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
        if beside is not None:
            beside()
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
            with Background() as background:
                other = background.start("beside-pages", beside) if beside else None
                for chunk_results in results:
                    for index, result in chunk_results:
                        _deliver(index, result, jobs, digests, sink, found)
                if other is not None:
                    other.result()
    errors: list[SourceError] = []
    for error in sorted(found, key=lambda e: (str(e.path), e.line or 0, e.message)):
        # One broken template breaks every page using it: say so once.
        if not any((e.path, e.line) == (error.path, error.line) for e in errors):
            errors.append(error)
    return len(todo), errors


Beside = Callable[[], None]
"""Work done beside the pages (see `run`)."""


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
                                   asset=lambda path: site_url(config, "/" + path),
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
        switcher.append(LinkView(language.name, site_url(config, target or fallback), code,
                                 code == job.lang))
    translated = alternates(config, job.page_id, urls)
    prefix = config.lang_prefix(job.lang)
    nav = [LinkView(ui["home"], site_url(config, f"{prefix}/"), current=job.page_id[0] == "home"),
           LinkView(ui["categories"], site_url(config, f"{prefix}/categories/"),
                    current=job.page_id[0] == "categories"),
           LinkView(ui["archives"], site_url(config, f"{prefix}/archives/"),
                    current=job.page_id[0] == "archives")]
    about = urls.get((job.lang, ("page", "about")))
    if about:
        nav.append(LinkView(ui["about"], site_url(config, about), current=job.url == about))
    site_title = config.language(job.lang).title
    title = site_title if job.page_id == ("home", 1) else f"{job.title} | {site_title}"
    canonical = encode_url(absolute + job.url)
    description = job.description or config.language(job.lang).description
    with_feeds = ("categories", "tags") if config.feeds.tags else ("categories",)
    term = job.context.get("term") if job.page_id[0] in with_feeds else None
    post = job.context.get("post")
    return PageMeta(
        lang=job.lang, url=site_url(config, job.url), canonical=canonical, title=title,
        description=description, alternates=translated, switcher=tuple(switcher),
        needs_math=job.needs_math, needs_code=job.needs_code, nav=tuple(nav),
        feeds=feed_links(config, job.lang,
                         (term_path(term.kind, term.slug), term.label) if term else None),
        social=social(config, job.lang, job.title, canonical, description,
                      tuple(a.lang for a in translated if a.lang != "x-default"),
                      post if isinstance(post, PostView) else None, job.page_id[0] == "post"),
    )


def _site_view(config: SiteConfig, lang: str) -> SiteView:
    language = config.language(lang)
    return SiteView(
        title=language.title, description=language.description, hero=language.hero,
        base_url=config.base_url, home_url=site_url(config, config.lang_prefix(lang) + "/"),
        author=config.author,
        languages=tuple(LinkView(lang_.name, site_url(config, config.lang_prefix(lang_.code) + "/"),
                                 lang_.code, lang_.code == lang) for lang_ in config.languages),
        theme=config.theme, extra=config.extra,
    )


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
