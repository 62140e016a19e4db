"""BUILD: the orchestrator. Reads top to bottom like the pipeline it runs.

    config.load_config     -> SiteConfig
    content.load_content   -> list[Post] (and the files' mistakes; cached)
    bodies.render_all      -> Body per post (formulas as placeholders; cached, parallel;
                              a cold build's pool starts while content/ is read)
    math.render_formulas   -> formula HTML (KaTeX, cached; started while bodies render)
    site.assemble          -> Site (entries filled in when shown)
    render.plan / run      -> Output per page (digested; unchanged pages not rendered)
    outputs                -> feeds, sitemap.xml, robots.txt
    writer.Staging         -> public/ (staging folder, then a swap or the changed files)

Two short cuts skip most of it: a CLI build whose inputs are those of the output it finds
keeps that output (`_unchanged_site`), and the dev server patches its last build when only
posts' text changed (`patch.patch`).
"""

from __future__ import annotations

import gc
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import partial
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from . import formulas as math_step
from . import outputs as publish
from .bodies import LIBRARIES, BodyPool, body_keys, render_all
from .config import CONFIG_NAME, SiteConfig, load_config
from .content import ContentMemo, Loaded, Post, load_content
from .digest import digest
from .errors import BuildError, SourceError
from .formulas import FormulaMemo
from .highlight import stylesheet, stylesheet_version
from .katex_install import pinned_engine
from .markdown import Body
from .render import (
    Known,
    Output,
    PageJob,
    Place,
    PlanMemo,
    ShownMemo,
    Sink,
    job_digests,
    pages_key,
    plan,
    run,
)
from .site import Site, assemble
from .store import PickleStore
from .templates import THEME_DIR, names_read, site_environment
from .writer import Staging, StaticFile, check_output_folder, collisions

if TYPE_CHECKING:  # Jinja is imported when a page is rendered
    import jinja2

    from .patch import LastBuild

@dataclass(frozen=True)
class BuildOptions:
    source: Path
    output: Path | None = None
    """Defaults to public/ in the site."""
    drafts: bool = False
    future: bool = False
    keep_going: bool = False
    """Render KaTeX errors as visible boxes (warnings) instead of failing."""
    workers: int | None = None
    """Processes for rendering Markdown; None: one per core. The output never depends on it."""
    base_url: str | None = None
    """Replaces blogkit.yaml's base_url (`--base-url`, e.g. from the CI's Pages setup)."""

    @property
    def output_dir(self) -> Path:
        return self.output if self.output is not None else self.source / "public"


@dataclass
class BuildResult:
    output: Path
    pages: int
    files: int
    warnings: list[SourceError] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds per stage."""
    formulas: dict[str, int] = field(default_factory=dict)
    """Formula counts: `uses`, `distinct`, `cache_hits`, `katex` (rendered this build)."""
    rendered: int = 0
    """Pages rendered by this build; the others were unchanged and kept from the last one."""
    kept: int = 0
    """Files of the previous output left as they were (same bytes, same inode)."""


NAMES_CACHE = "templates.sqlite"
SHOWN_CACHE = "shown.sqlite"
_THEME_LIBRARIES = tuple(f"{name} {version(name)}" for name in ("jinja2", "markupsafe"))
"""Versions pages depend on besides the body's (see `bodies.LIBRARIES`)."""


@dataclass(frozen=True)
class TemplateNames:
    """What each template of one theme can read, as kept on disk (see `BuildCache.reads`)."""

    names: dict[str, frozenset[str] | None]


@dataclass
class BuildCache:
    """What the dev server keeps between builds, so a rebuild redoes only what changed.

    Every memo holds results for one `blogkit.yaml`: when its bytes change, all are
    dropped (the on-disk caches stay). A CLI build starts from an empty one; the output
    is the same either way, which the tests check.
    """

    config_bytes: bytes = b""
    content: ContentMemo = field(default_factory=ContentMemo)
    bodies: dict[tuple[str, str], Body] = field(default_factory=dict)
    formulas: FormulaMemo = field(default_factory=FormulaMemo)
    plan: PlanMemo = field(default_factory=PlanMemo)
    outputs: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    """Pages, feeds and the sitemap of the last good build: path -> (digest, bytes)."""
    templates: object = None
    """The theme files of the last build (see `_templates_key`)."""
    jinja: tuple[object, jinja2.Environment] | None = None
    """The Jinja environment and the theme files it was made for (compiled once)."""
    names: dict[str, frozenset[str] | None] = field(default_factory=dict)
    """What each template can read (`reads`), for the theme files `names_for`."""
    names_for: object = None
    statics: dict[object, list[StaticFile]] = field(default_factory=dict)
    """Static files by where they come from (see `_static_files`)."""
    lastmods: dict[int, tuple[PageJob, datetime | None]] = field(default_factory=dict)
    """Each page's lastmod for the sitemap, by its job's identity."""
    last: LastBuild | None = None
    """The last build, when it succeeded: what `patch` starts from."""

    def check_templates(self, root: Path) -> object:
        """Return what stands for the theme files (names, sizes, mtimes; a change re-renders
        every page), and forget the planned jobs if they changed: jobs hold UI strings."""
        key = _templates_key(root)
        if key != self.templates:
            self.templates, self.plan = key, PlanMemo()
        return key

    def environment(self, root: Path, key: object, cache_dir: Path) -> jinja2.Environment:
        """The Jinja environment, made anew only when the theme files (`key`) changed; it
        keeps compiled templates in `cache_dir`."""
        if self.jinja is None or self.jinja[0] != key:
            self.jinja = (key, site_environment(root, cache_dir))
        return self.jinja[1]

    def reads(self, root: Path, key: object, cache_dir: Path, template: str
              ) -> frozenset[str] | None:
        """What `template` can read (see `templates.names_read`), found once per theme and
        kept on disk: a build that renders nothing need not parse a template."""
        if self.names_for != key:
            with PickleStore(cache_dir / NAMES_CACHE, "names", TemplateNames) as disk:
                found = disk.get_many({"theme": digest(__version__, key)}).get("theme")
            self.names_for, self.names = key, dict(found.names) if found else {}
        if template not in self.names:
            self.names[template] = names_read(self.environment(root, key, cache_dir),
                                              template)
            with PickleStore(cache_dir / NAMES_CACHE, "names", TemplateNames) as disk:
                disk.put_many({digest(__version__, key): TemplateNames(dict(self.names))})
        return self.names[template]

    def check_config(self, root: Path) -> None:
        """Forget everything if blogkit.yaml changed since the last build."""
        path = root / CONFIG_NAME
        current = path.read_bytes() if path.is_file() else b""
        if current != self.config_bytes:
            fresh = BuildCache(config_bytes=current)
            self.__dict__.update(fresh.__dict__)


@dataclass
class Compiled:
    """A built site held in memory: what the dev server serves."""

    outputs: list[Output]
    statics: list[StaticFile]
    pages: int
    rendered: int
    """Pages rendered by this build (the others were unchanged and reused)."""
    warnings: list[SourceError]
    timings: dict[str, float]
    formulas: dict[str, int]
    patched: bool = False
    """Only posts' text changed, and the last build was patched (see patch.py)."""


@dataclass
class _Assembled:
    """The stages up to the Site, done."""

    read: _Loaded
    site: Site
    formulas: math_step.FormulaResults
    bodies: dict[str, Body]
    due: datetime | None
    """When the next post held back for its date is due (see `_next_due`)."""

    @property
    def config(self) -> SiteConfig:
        return self.read.config

    @property
    def posts(self) -> list[Post]:
        return self.read.posts

    @property
    def counts(self) -> dict[str, int]:
        return {"uses": self.formulas.uses, "distinct": len(self.formulas.rendered),
                "cache_hits": self.formulas.cache_hits, "katex": self.formulas.rendered_by_katex}


@dataclass
class _Produced:
    pages: int
    rendered: int
    statics: list[StaticFile]
    errors: list[SourceError]
    jobs: list[PageJob]
    digests: list[str]
    site_key: str
    pages_key: str


def build(options: BuildOptions, cache: BuildCache | None = None) -> BuildResult:
    """Build the site; raise BuildError (the output untouched) or return what was written.

    Pages and feeds go to a staging folder as they are made (memory stays flat); those
    whose digest matches the previous build's are not made again and stay as they are.
    `cache` (a new, empty one by default) ends up holding what the build read and made:
    the command line keeps it until the process ends, so as not to free a site's worth
    of objects one by one (75-100 ms after a 1000-post build).
    """
    root = options.source.resolve()
    check_output_folder(root, options.output_dir)
    timings: dict[str, float] = {}
    cache = cache if cache is not None else BuildCache()
    with collector_paused():
        return _build(options, cache, timings)


def _build(options: BuildOptions, cache: BuildCache, timings: dict[str, float]) -> BuildResult:
    with ExitStack() as early:  # the Markdown pool, if the loading started one
        read = _load(options, cache, timings, early=early)
        with Staging(options.output_dir, read.config.cache_dir) as staging:
            inputs = _inputs_key(options, read) if not read.loaded.errors else None
            unchanged = _unchanged_site(options, read, inputs, staging, timings)
            if unchanged is not None:
                return unchanged
            return _build_all(options, cache, timings, read, staging, inputs)


def _site_key(config: SiteConfig, templates_key: object) -> str:
    """Stands for what every page depends on: blogkit and KaTeX, configuration, theme."""
    return digest(__version__, pinned_engine(), repr(config), templates_key)


def _inputs_key(options: BuildOptions, read: _Loaded) -> str:
    """Stands for everything the site's pages and feeds are made from (the static files
    are copied by size and mtime anyway): the same key makes the same pages."""
    return digest(read.site_key, LIBRARIES, _THEME_LIBRARIES,
                  options.drafts, options.future, options.keep_going,
                  [(p.rel, p.digest, tuple(map(str, p.assets))) for p in read.posts])


def _unchanged_site(options: BuildOptions, read: _Loaded, inputs: str | None,
                    staging: Staging, timings: dict[str, float]) -> BuildResult | None:
    """When nothing the site is made from changed since the build that made the output,
    and its files are as that build left them: keep them all, copy what static files
    changed, and return. None: build as usual."""
    site = staging.previous_site
    if inputs is None or site.get("inputs") != inputs or not _whole_record(site):
        return None
    with _timed(timings, "write"):
        made: list[str] = site["outputs"]
        if not all(path in staging.previous and staging.known(path, staging.previous[path][0])
                   for path in made):
            return None
        statics = _static_files(read.config, read.posts, bool(site.get("needs_math")))
        # A static file added or gone can change what is made (robots.txt), and one in the
        # way of another is an error the full build reports.
        if site.get("statics") != [static.path for static in statics]:
            return None
        for path in made:
            staging.put(Output(path, None, digest=staging.previous[path][0]))
        for static in statics:
            staging.copy(static)
        staging.commit(site)
    counts = {"uses": site["formulas"]["uses"], "distinct": site["formulas"]["distinct"],
              "cache_hits": 0, "katex": 0}
    return BuildResult(options.output_dir, site["pages"], staging.count, [], timings, counts,
                       0, staging.kept)


def _whole_record(site: dict[str, Any]) -> bool:
    """Whether what a build recorded with its output (see `_build_all`) is all there: the
    manifest is a file anyone can damage, and a damaged one only means a full build."""
    made, counts = site.get("outputs"), site.get("formulas")
    return (isinstance(made, list) and all(isinstance(path, str) for path in made)
            and isinstance(site.get("pages"), int) and isinstance(site.get("statics"), list)
            and isinstance(counts, dict)
            and all(isinstance(counts.get(name), int) for name in ("uses", "distinct")))


def _build_all(options: BuildOptions, cache: BuildCache, timings: dict[str, float],
               read: _Loaded, staging: Staging, inputs: str | None) -> BuildResult:
    outputs: list[Output] = []

    def sink(item: Output) -> None:
        staging.put(item)
        # Only the path and origin are kept (for collisions), not the bytes.
        outputs.append(Output(item.path, None, item.source, item.origin))

    # Into a new output folder every static file is copied, in threads: the static folders
    # and bundles while Markdown is rendered, KaTeX's files (wanted only if a page shows a
    # formula) once the pages are made. Otherwise most files are only
    # checked to be unchanged: Python work, which a thread would only interleave with the
    # rest. Copying a cold build's 2,000 bundle files takes over a second on ext4.
    new_folder = not staging.previous
    copiers: list[_StaticCopier] = []

    def copy(statics: list[StaticFile]) -> None:
        copied = {(static.path, static.source) for copier in copiers for static in copier.statics}
        copiers.append(_StaticCopier(staging, [static for static in statics
                                               if (static.path, static.source) not in copied]))
        copiers[-1].start()

    def join_copiers() -> None:
        for copier in copiers:
            copier.join()  # never left writing into a staging folder that is going away

    try:
        assembled = _assemble(
            options, cache, timings, read=read,
            pool_started=partial(copy, _static_files(read.config, read.posts, False,
                                                     cache.statics))
            if new_folder else None)
        produced = _produce(options, cache, assembled, staging.known, sink, timings,
                            place=staging.place, shown_on_disk=True,
                            before_pages=join_copiers, statics_known=copy if new_folder else None)
    finally:
        join_copiers()
    with _timed(timings, "write"):
        for copier in copiers:
            copier.raise_error()
        # Collisions are errors before anything reaches the output (a static file copied
        # over a page in the staging folder goes with it).
        errors = produced.errors + collisions(outputs, produced.statics)
        if errors:
            raise BuildError(errors)
        if not new_folder:
            for static in produced.statics:
                staging.copy(static)
        # What lets the next build see that nothing changed (never after warnings,
        # which it would have to report again).
        staging.commit({} if inputs is None or assembled.formulas.warnings else {
            "inputs": inputs, "outputs": [output.path for output in outputs],
            "pages": produced.pages, "formulas": assembled.counts,
            "needs_math": any(job.needs_math for job in produced.jobs),
            "statics": [static.path for static in produced.statics]})
    return BuildResult(options.output_dir, produced.pages, staging.count,
                       assembled.formulas.warnings, timings, assembled.counts,
                       produced.rendered, staging.kept)


def compile_site(options: BuildOptions, cache: BuildCache | None = None,
                 changed: set[Path] | None = None) -> Compiled:
    """Run every stage into memory; raise BuildError listing every mistake of the site.

    With a `cache` (the dev server's), what is unchanged since its last build is reused;
    `changed` (from the server's watcher) are the files changed since then.
    """
    from .patch import LastBuild, patch  # the dev server's: a CLI build does not import it

    timings: dict[str, float] = {}
    persistent = cache is not None
    cache = cache if cache is not None else BuildCache()
    with _timed(timings, "patch"):
        patched = patch(options, cache, changed)
    if patched is not None:
        last = cache.last
        assert last is not None
        return Compiled(patched.outputs, last.statics, len(last.jobs), patched.rendered,
                        last.warnings, timings, patched.counts, patched=True)
    cache.last = None
    assembled = _assemble(options, cache, timings, changed)
    previous = cache.outputs
    outputs: list[Output] = []

    def known(path: str, made_from: str) -> bool:
        return persistent and previous.get(path, ("", b""))[0] == made_from

    def sink(item: Output) -> None:
        outputs.append(item if item.data is not None else Output(
            item.path, previous[item.path][1], item.source, item.origin, item.digest))

    produced = _produce(options, cache, assembled, known, sink, timings, 1, changed)
    errors = produced.errors + collisions(outputs, produced.statics)
    if errors:
        raise BuildError(errors)
    cache.outputs = {o.path: (o.digest, o.data) for o in outputs
                     if o.digest and o.data is not None}
    if persistent:
        cache.last = LastBuild(
            options, assembled.config, cache.templates, assembled.posts, assembled.bodies,
            assembled.site, produced.jobs, produced.digests, produced.site_key,
            produced.pages_key, outputs, produced.statics, assembled.formulas.warnings,
            assembled.due)
    return Compiled(outputs, produced.statics, produced.pages, produced.rendered,
                    assembled.formulas.warnings, timings, assembled.counts)


@dataclass(frozen=True)
class _Loaded:
    """The configuration and the content read."""

    config: SiteConfig
    loaded: Loaded
    posts: list[Post]
    """The published posts and pages."""
    templates_key: object
    """The theme files (see `_templates_key`)."""
    site_key: str
    """What every page depends on (see `_site_key`)."""
    pool: BodyPool | None = None
    """Rendering the bodies of the posts read (see `bodies.BodyPool`)."""


def _load(options: BuildOptions, cache: BuildCache, timings: dict[str, float],
          changed: set[Path] | None = None, early: ExitStack | None = None) -> _Loaded:
    """Configuration and content. With `early`, new bodies start to render in a pool
    (entered into it) as the posts are read."""
    root = options.source.resolve()
    with _timed(timings, "config"):
        cache.check_config(root)
        config = load_config(root, options.base_url)
        templates_key = cache.check_templates(root)
    with _timed(timings, "load"):
        pool = None if early is None else early.enter_context(BodyPool(
            config, options.workers, partial(_is_published, options, _now())))
        loaded = load_content(config, cache.content, changed,
                              pool.offer if pool is not None else None)
        return _Loaded(config, loaded, _published(loaded.posts, options), templates_key,
                       _site_key(config, templates_key), pool)


def _assemble(options: BuildOptions, cache: BuildCache, timings: dict[str, float],
              changed: set[Path] | None = None, read: _Loaded | None = None,
              pool_started: Callable[[], None] | None = None) -> _Assembled:
    """Config, content, bodies, formulas and the Site; raise BuildError with every mistake.

    `pool_started` is called once the Markdown pool's workers are started, from when a
    thread may be started (not at all when no body is new).
    """
    read = read or _load(options, cache, timings, changed)
    config, loaded, posts = read.config, read.loaded, read.posts
    with _timed(timings, "markdown"):  # KaTeX starts on the formulas as bodies arrive
        prefetch = math_step.Prefetch(config, cache.formulas)
        keys = body_keys(config, posts)
        waiting = [pool_started] if pool_started is not None else []

        def ready(bodies: Sequence[Body]) -> None:
            while waiting:
                waiting.pop()()
            prefetch.add(bodies)

        try:
            bodies = render_all(config, posts, keys, cache.bodies, options.workers, ready,
                                read.pool)
        except BaseException:
            prefetch.finish()  # its KaTeX process ends with it, whatever stopped the build
            raise
    with _timed(timings, "math"):
        formulas = math_step.render_formulas(config, posts, bodies, options.keep_going,
                                             cache.formulas, prefetch)
    with _timed(timings, "assemble"):
        site, errors = assemble(config, posts, bodies, formulas.html, keys, loaded.broken)
    errors = loaded.errors + formulas.errors + errors
    if errors:
        raise BuildError(errors)
    return _Assembled(read, site, formulas, bodies,
                      _next_due(loaded.posts, posts, options))


def _produce(
    options: BuildOptions,
    cache: BuildCache,
    assembled: _Assembled,
    known: Known,
    sink: Sink,
    timings: dict[str, float],
    workers: int | None = None,
    changed: set[Path] | None = None,
    place: Place | None = None,
    shown_on_disk: bool = False,
    statics_known: Callable[[list[StaticFile]], None] | None = None,
    before_pages: Callable[[], None] | None = None,
) -> _Produced:
    """Pages, feeds, sitemap and robots.txt into `sink`; the static files to copy.

    `shown_on_disk`: what listings show of each post is read from and kept in the disk
    cache (for CLI builds, which start with nothing in memory): after an edit, only the
    edited posts' views are digested anew. `statics_known` is given the static files as
    soon as they are known, before the feeds and the sitemap are made. `before_pages` is
    called before any page is rendered (the pool's workers are forked: no thread may run).
    """
    config, site = assembled.config, assembled.site
    templates_key, site_key = assembled.read.templates_key, assembled.read.site_key
    root = options.source.resolve()
    with _timed(timings, "render"):
        jobs = plan(site, cache.plan)
        every_page = pages_key(jobs)
        count = workers if workers is not None else (options.workers or os.cpu_count() or 1)
        shown = _read_shown(config.cache_dir, site_key) if shown_on_disk else None
        digests = job_digests(jobs, site_key, every_page, cache.plan,
                              partial(cache.reads, root, templates_key, config.cache_dir),
                              shown)
        if shown is not None and shown.changed:
            _keep_shown(config.cache_dir, site_key, shown)
        if before_pages is not None:
            before_pages()

        def feeds_and_sitemap() -> list[Output]:  # formulas in feeds as MathML only
            def feed_math() -> Callable[[str, Body], str]:
                bodies = publish.feed_bodies(site)
                return math_step.render_mathml(config, bodies, cache.formulas).html.fill

            made: list[Output] = []
            publish.feeds(site, feed_math, site_key, known, made.append)
            publish.sitemap(site, jobs, site_key, every_page, known, made.append, cache.lastmods)
            return made

        rendered, errors = run(site, jobs,
                               partial(cache.environment, root, templates_key, config.cache_dir),
                               digests, known, sink, count, place, beside=feeds_and_sitemap)
        css_key = digest(stylesheet_version())
        sink(Output("css/highlight.css", None if known("css/highlight.css", css_key)
                    else stylesheet().encode("utf-8"), "blogkit", None, css_key))
        statics = _static_files(config, assembled.posts, any(job.needs_math for job in jobs),
                                cache.statics, changed)
        if statics_known is not None:
            statics_known(statics)
    with _timed(timings, "publish"):  # robots.txt (the feeds and sitemap came with the pages)
        for item in publish.robots(site, statics):
            sink(item)
    return _Produced(len(jobs), rendered, statics, errors, jobs, digests, site_key, every_page)


class _StaticCopier(threading.Thread):
    """Copies static files into the staging folder while the build goes on: a copy is
    mostly system calls and waiting for the disk, which run beside Python's work."""

    def __init__(self, staging: Staging, statics: list[StaticFile]) -> None:
        super().__init__(name="static-copy", daemon=True)
        self.staging, self.statics = staging, statics
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            for static in self.statics:
                self.staging.copy(static)
        except BaseException as exc:  # noqa: BLE001 (raised again by the build's thread)
            self.error = exc

    def raise_error(self) -> None:
        """After `join`: raise what stopped the copying (a static file that vanished)."""
        if self.error is not None:
            raise self.error


def _read_shown(cache_dir: Path, site_key: str) -> ShownMemo:
    with PickleStore(cache_dir / SHOWN_CACHE, "shown", tuple) as disk:
        found = disk.get_many({"last": "last"}).get("last")
    # One entry, the last build's: digests for another site key would never be asked for.
    if found is not None and len(found) == 2 and found[0] == site_key \
            and isinstance(found[1], dict):
        return ShownMemo(found[1])
    return ShownMemo()


def _keep_shown(cache_dir: Path, site_key: str, shown: ShownMemo) -> None:
    with PickleStore(cache_dir / SHOWN_CACHE, "shown", tuple) as disk:
        disk.put_many({"last": (site_key, shown.digests)})


def _templates_key(root: Path) -> tuple[tuple[str, int, int], ...]:
    """Name, size and mtime of every template (and theme UI string file) that can be used:
    any change re-renders all."""
    found = []
    for folder in (root / "templates", THEME_DIR / "templates", THEME_DIR / "i18n"):
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    stat = path.stat()
                    found.append((str(path), stat.st_size, stat.st_mtime_ns))
    return tuple(found)


def _published(posts: list[Post], options: BuildOptions) -> list[Post]:
    now = _now()
    return [post for post in posts if _is_published(options, now, post)]


def _is_published(options: BuildOptions, now: datetime, post: Post) -> bool:
    return (options.drafts or not post.draft) and (options.future or post.date <= now)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _next_due(posts: list[Post], published: list[Post], options: BuildOptions) -> datetime | None:
    """The date of the earliest post held back only for being in the future."""
    shown = {post.rel for post in published}
    waiting = [post.date for post in posts if post.rel not in shown
               and (options.drafts or not post.draft)]
    return min(waiting, default=None)


def _static_files(config: SiteConfig, posts: list[Post], needs_math: bool,
                  memo: dict[object, list[StaticFile]] | None = None,
                  changed: set[Path] | None = None) -> list[StaticFile]:
    """Theme assets, then the site's static/ (overriding the theme's by path), bundles, KaTeX.

    With a `memo` (the dev server's), static/ is walked again only when the watcher saw a
    change in it, and each bundle's and KaTeX's files are listed once.
    """
    memo = {} if memo is None else memo
    site_static = config.root / "static"
    if "static" not in memo or changed is None or any(
            path.is_relative_to(site_static) for path in changed):
        memo["static"] = _folder_files((THEME_DIR / "static", site_static))
    statics = list(memo["static"])
    fresh: dict[object, list[StaticFile]] = {"static": memo["static"]}
    for post in posts:
        if not post.assets:
            continue
        key = (post.url, post.assets)
        found = memo.get(key)
        if found is None:
            found = [StaticFile(post.url.lstrip("/") + name, asset)
                     for name, asset in zip(post.asset_names(), post.assets, strict=True)]
        statics.extend(found)
        fresh[key] = found
    if needs_math:
        fresh["katex"] = memo.get("katex") or math_step.katex_static_files()
        statics.extend(fresh["katex"])
    memo.clear()
    memo.update(fresh)
    return statics


def _folder_files(folders: tuple[Path, ...]) -> list[StaticFile]:
    """The files of `folders`, a later folder's file replacing an earlier one's of its path."""
    chosen: dict[str, StaticFile] = {}
    for folder in folders:
        if folder.is_dir():
            inside = folder.resolve()
            for path in sorted(folder.rglob("*")):
                # A symlink that leads out of static/ is not published (nor served).
                if path.is_file() and not path.name.startswith(".") and \
                        path.resolve().is_relative_to(inside):
                    rel = path.relative_to(folder).as_posix()
                    chosen[rel] = StaticFile(rel, path)
    return list(chosen.values())


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run without Python's cyclic garbage collector (pool workers inherit that; the dev
    server pauses it for each rebuild and collects while idle).

    A build makes millions of short-lived objects (tokens, template frames) while it holds
    thousands of long-lived ones (posts, bodies): each automatic full collection walks
    all of them, about a fifth of a cold build. What the build leaves in cycles is
    collected by the next automatic collection (a CLI build just exits).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def _timed(timings: dict[str, float], stage: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[stage] = time.perf_counter() - start
