"""BUILD: the orchestrator. `build` reads top to bottom as the pipeline it runs:

    read     config.load_config, content.load_content -> SiteConfig, posts (and mistakes)
    keep     the output was made from exactly these inputs: keep it, and stop
    bodies   bodies.render_all           -> a Body per post (cached; in a process pool)
    math     formulas.render_formulas    -> formula HTML (KaTeX; cached)
    site     site.assemble               -> Site (links resolved, listings, taxonomies)
    pages    plan.plan, page_digests.job_digests, render.run
                                         -> pages, feeds, sitemap.xml, robots.txt
    statics  statics.static_files        -> theme assets, static/, bundles, KaTeX's files
    write    writer.Staging.commit       -> public/ (a swap, or the changed files)

`compile_site` runs the same stages into memory (`writer.InMemory`) for the dev server,
which keeps a `BuildCache` between rebuilds: each stage reuses, through its own memo in
it, what did not change. After edits to posts' text alone the dev server's rebuild takes
the text-edit path instead (patch.py). Two kinds of work overlap stages: the Markdown
pool starts on the posts while content/ is still read (`bodies.BodyPool`), and threads
of `background.Background` feed KaTeX while bodies render and copy static files and
make the feeds while the page workers render.
"""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import partial
from importlib.metadata import version
from pathlib import Path
from typing import Any

from . import __version__
from . import formulas as math_step
from . import outputs as publish
from .background import Background
from .bodies import LIBRARIES, BodyPool, body_keys, render_all
from .build_cache import BuildCache
from .changes import Changes
from .config import SiteConfig, load_config
from .content import Loaded, Post, load_content
from .digest import digest
from .errors import FILE, LINK, MARKUP, TEX, BuildError, SourceError, with_kind
from .highlight import stylesheet, stylesheet_version
from .images import make_variants, site_images, sizes_key
from .katex_install import pinned_engine
from .markdown import Body
from .output_clashes import collisions
from .page_digests import job_digests
from .plan import PageJob, pages_key, plan
from .progress import Reporter, plural, rate
from .redirects import redirect_files
from .render import Output, run
from .site import Site, assemble
from .statics import static_files
from .writer import InMemory, Staging, StaticFile, Target, check_output_folder


@dataclass(frozen=True)
class BuildOptions:
    source: Path
    output: Path | None = None
    """Defaults to public/ in the site."""
    drafts: bool = False
    future: bool = False
    keep_going: bool = False
    """Every mistake with a visible fallback is a warning, not an error: a KaTeX error
    (a red box), a link to nothing (kept as written, marked), a shortcode blogkit does
    not know (shown as text); a file that cannot be used at all is left out of the site
    (`BuildResult.left_out`) instead of stopping the build."""
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
    markdown: int = 0
    """Bodies rendered from Markdown by this build (the others were cached)."""
    left_out: list[SourceError] = field(default_factory=list)
    """Under --keep-going, the errors of the files left out of the site (it was written
    without them)."""


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
    markdown: int = 0
    """Bodies rendered from Markdown by this build (the others were cached)."""
    patched: bool = False
    """Only posts' text changed, and the last build was patched (see patch.py)."""


_THEME_LIBRARIES = tuple(f"{name} {version(name)}" for name in ("jinja2", "markupsafe"))
"""Versions pages depend on besides the body's (see `bodies.LIBRARIES`)."""


@dataclass(frozen=True)
class Read:
    """The configuration and the content read: what every later stage starts from."""

    options: BuildOptions
    config: SiteConfig
    loaded: Loaded
    posts: list[Post]
    """The published posts and pages."""
    templates_key: object
    """The theme files (see `build_cache.templates_key`)."""
    site_key: str
    """What every page depends on: blogkit and KaTeX, configuration, theme."""
    inputs: str | None
    """Everything the pages and feeds are made from (None: the content has mistakes)."""
    pool: BodyPool | None = None
    """Rendering the bodies of the posts read (see `bodies.BodyPool`)."""


@dataclass
class Made:
    """What the stages after `read` made (for the result, and the text-edit path)."""

    pages: int
    rendered: int
    warnings: list[SourceError]
    counts: dict[str, int]
    markdown: int
    """Bodies rendered from Markdown (the others came from a memo or the disk cache)."""
    site: Site | None = None
    """None when the output was kept as it was."""
    bodies: dict[str, Body] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    jobs: list[PageJob] = field(default_factory=list)
    digests: list[str] = field(default_factory=list)
    pages_key: str = ""
    outputs: list[Output] = field(default_factory=list)
    """What went to the target: path, source and origin (not the bytes)."""
    statics: list[StaticFile] = field(default_factory=list)
    kept: dict[str, Any] | None = None
    """When the output was kept: the record of the build that made it."""
    left_out: list[SourceError] = field(default_factory=list)
    """The errors of the files left out (only when the build may leave files out)."""


def build(options: BuildOptions, cache: BuildCache | None = None,
          report: Reporter | None = None) -> BuildResult:
    """Build the site into its output folder; raise BuildError (the output untouched).

    Pages and feeds go to a staging folder as they are made (memory stays flat); those
    whose digest matches the previous build's are not made again and stay as they are.
    `cache` (a new, empty one by default) ends up holding what the build read and made:
    the command line keeps it until the process ends, so as not to free a site's worth
    of objects one by one (75-100 ms after a 1000-post build).
    `report` is told as each stage starts and ends (see progress.py); it changes nothing.
    """
    check_output_folder(options.source.resolve(), options.output_dir)
    cache = cache if cache is not None else BuildCache()
    timings: dict[str, float] = {}
    with collector_paused(), ExitStack() as stack:
        _tell(report, "read")
        read = _read(options, cache, timings, pool_in=stack)
        _tell(report, "read", f"read {plural(len(read.loaded.posts), 'post')}")
        staging = stack.enter_context(Staging(options.output_dir, read.config.cache_dir))
        made = _keep_output(read, staging, timings) or _make(
            read, cache, staging, timings, leave_out=options.keep_going, report=report)
        with _timed(timings, "write"):
            staging.commit(_record(read, made))
    return BuildResult(options.output_dir, made.pages, staging.count, made.warnings, timings,
                       made.counts, made.rendered, staging.kept, made.markdown, made.left_out)


def compile_site(options: BuildOptions, cache: BuildCache | None = None,
                 changes: Changes | None = None) -> Compiled:
    """Run every stage into memory; raise BuildError listing every mistake of the site.

    With a `cache` (the dev server's), what is unchanged since its last build is reused;
    `changes` (from the server's watcher, see changes.classify) say what changed since.
    """
    timings: dict[str, float] = {}
    cache = cache if cache is not None else BuildCache()
    if changes is not None and changes.content_only and cache.last is not None:
        from .patch import patch  # the dev server's: a CLI build does not import it

        with _timed(timings, "patch"):
            patched = patch(cache, changes.content)
        if patched is not None:
            patched.timings.update(timings)
            return patched
    cache.last = None
    read = _read(options, cache, timings, changes)
    memory = InMemory(cache.outputs, cache.record)
    made = _keep_output(read, memory, timings) or _make(read, cache, memory, timings)
    memory.commit(_record(read, made))
    cache.outputs, cache.record = memory.files, memory.site
    if made.site is not None:
        from .patch import LastBuild

        cache.last = LastBuild(read, made, memory.outputs, memory.statics,
                               _next_due(read.loaded.posts, read.posts, options))
    return Compiled(memory.outputs, memory.statics, made.pages, made.rendered, made.warnings,
                    timings, made.counts, made.markdown)


def _read(options: BuildOptions, cache: BuildCache, timings: dict[str, float],
          changes: Changes | None = None, pool_in: ExitStack | None = None) -> Read:
    """Configuration and content. With `pool_in`, the bodies of new posts start to render
    in a pool (entered into it) while the rest is read."""
    root = options.source.resolve()
    with _timed(timings, "config"):
        cache.check_config(root)
        config = load_config(root, options.base_url)
        templates_key = cache.check_templates(root)
    with _timed(timings, "load"):
        now = _now()  # one moment decides what is published, for the pool and the stages
        pool = None if pool_in is None else pool_in.enter_context(BodyPool(
            config, options.workers, partial(_is_published, options, now)))
        loaded = load_content(config, cache.content,
                              set(changes.content) if changes is not None else None,
                              pool.offer if pool is not None else None)
        posts = [post for post in loaded.posts if _is_published(options, now, post)]
        site_key = digest(__version__, pinned_engine(), repr(config), templates_key)
        inputs = None if loaded.errors else digest(
            site_key, LIBRARIES, _THEME_LIBRARIES, options.drafts, options.future,
            options.keep_going, [(p.rel, p.digest, tuple(map(str, p.assets))) for p in posts])
    return Read(options, config, loaded, posts, templates_key, site_key, inputs, pool)


def _keep_output(read: Read, target: Target, timings: dict[str, float]) -> Made | None:
    """When nothing the site is made from changed since the build that made the output,
    and its files are as that build left them: keep them all, and copy the static files.
    None: build as usual."""
    site = target.previous_site
    if read.inputs is None or site.get("inputs") != read.inputs or not _whole_record(site):
        return None
    with _timed(timings, "keep"):
        made: list[list[str]] = site["outputs"]
        if not all(target.known(path, digest) for path, digest in made):
            return None
        statics = static_files(read.config, read.posts, bool(site.get("needs_math")))
        # A static file added or gone can change what is made (robots.txt), and one in the
        # way of another is an error the full build reports.
        if site.get("statics") != [static.path for static in statics]:
            return None
        # Pages show the images' sizes: an image edited in place (same path) changes them.
        if site.get("images") != sizes_key(site_images(read.config, read.posts)):
            return None
        for path, made_from in made:
            target.put(Output(path, None, digest=made_from))
        make_variants(read.config, statics)  # the cache may have lost some since
        for static in statics:
            target.copy(static)
    counts = {"uses": site["formulas"]["uses"], "distinct": site["formulas"]["distinct"],
              "cache_hits": 0, "katex": 0}
    return Made(site["pages"], 0, [], counts, 0, kept=site)


def _make(read: Read, cache: BuildCache, target: Target, timings: dict[str, float],
          leave_out: bool = False, report: Reporter | None = None) -> Made:
    """The stages from bodies to statics, into `target`; raise BuildError with every mistake.

    Under --keep-going the mistakes with a visible fallback are warnings, and with
    `leave_out` (a CLI build; the dev server shows them in its overlay instead) the
    files that cannot be used are left out and listed in `Made.left_out`.
    """
    options, config, posts = read.options, read.config, read.posts
    keys = body_keys(config, posts)
    with Background() as background:
        _tell(report, "markdown")
        with _timed(timings, "markdown"):  # KaTeX starts on the formulas as bodies arrive
            prefetch = math_step.Prefetch(config, cache.formulas, background)
            try:
                bodies, markdown = render_all(config, posts, keys, cache.bodies,
                                              options.workers, prefetch.add, read.pool)
            finally:
                prefetch.finish()  # its KaTeX process ends with it, whatever stopped the build
        _tell(report, "markdown", f"rendered {markdown} of {len(posts)} bodies"
              f"{rate(markdown, timings['markdown'])}")
        _tell(report, "math")
        with _timed(timings, "math"):
            formulas = math_step.render_formulas(config, posts, bodies, options.keep_going,
                                                 cache.formulas, prefetch)
        _tell(report, "math", f"{plural(formulas.uses, 'formula')}, {formulas.rendered_by_katex} "
              "rendered by KaTeX")
    with _timed(timings, "assemble"):
        site, site_errors = assemble(config, posts, bodies, formulas.html, keys,
                                     read.loaded.broken, partial(_static_paths, config, posts))
    keep_going = options.keep_going
    # Each kind set where it is collected, for the summary of a long list.
    fallbacks = with_kind([e for e in site_errors if e.kind == LINK], LINK, keep_going) + \
        with_kind(_problems(posts, bodies), MARKUP, keep_going)
    unusable = with_kind(read.loaded.errors, FILE)
    errors = [*with_kind(formulas.errors, TEX), *(e for e in site_errors if e.kind != LINK)]
    if not keep_going:
        errors += fallbacks
    if not (keep_going and leave_out):
        errors += unusable
    if errors:
        raise BuildError(errors)
    counts = {"uses": formulas.uses, "distinct": len(formulas.rendered),
              "cache_hits": formulas.cache_hits, "katex": formulas.rendered_by_katex}
    warnings = with_kind(formulas.warnings, TEX) + (fallbacks if keep_going else [])
    made = Made(0, 0, warnings, counts, markdown, site, bodies, keys,
                left_out=unusable if keep_going and leave_out else [])
    _tell(report, "render")
    with _timed(timings, "render"):
        _pages(read, cache, site, target, made)
    _tell(report, "render", f"{plural(made.pages, 'page')}, {made.rendered} rendered")
    errors = collisions(made.outputs, made.statics)
    if errors:
        raise BuildError(errors)
    return made


def _pages(read: Read, cache: BuildCache, site: Site, target: Target, made: Made) -> None:
    """Pages, feeds, sitemap, stylesheet and robots.txt into `target`, and the static
    files copied; what was made goes into `made`."""
    options, config = read.options, read.config
    root = config.root
    jobs = plan(site, cache.plan)
    every_page = pages_key(jobs)
    shown = cache.shown_digests(config.cache_dir, read.site_key)
    reads = partial(cache.reads, root, read.templates_key, config.cache_dir)
    digests = job_digests(jobs, read.site_key, every_page, reads, shown)
    cache.keep_shown(config.cache_dir)
    needs_math = any(job.needs_math for job in jobs)
    statics = static_files(config, read.posts, needs_math)
    beside: list[Output] = []

    def sink(item: Output) -> None:
        target.put(item)
        # Only the path and origin are kept (for collisions), not the bytes.
        made.outputs.append(Output(item.path, None, item.source, item.origin, item.digest))

    def feeds_sitemap_and_statics() -> None:  # while the page workers render
        def feed_math() -> Callable[[str, Body], str]:  # formulas in feeds as MathML only
            bodies = publish.feed_bodies(site)
            return math_step.render_mathml(config, bodies, cache.formulas).html.fill

        publish.feeds(site, feed_math, read.site_key, target.known, beside.append)
        publish.sitemap(site, jobs, read.site_key, every_page, target.known, beside.append)
        make_variants(config, statics)  # the images' variants the cache lacks, encoded
        for static in statics:
            target.copy(static)

    environment = partial(cache.environment, root, read.templates_key, config.cache_dir)
    count = options.workers or os.cpu_count() or 1
    made.rendered, errors = run(site, jobs, environment, digests, target.known, sink, count,
                                target.place, beside=feeds_sitemap_and_statics)
    if errors:
        raise BuildError(errors)
    for item in beside:
        sink(item)
    css_key = digest(stylesheet_version())
    sink(Output("css/highlight.css", None if target.known("css/highlight.css", css_key)
                else stylesheet().encode("utf-8"), "blogkit", None, css_key))
    for item in publish.robots(site, statics):
        sink(item)
    for item in redirect_files(site):  # the posts' old URLs (aliases), when there are any
        sink(item)
    made.pages, made.jobs, made.digests, made.pages_key = len(jobs), jobs, digests, every_page
    made.statics = statics


def _static_paths(config: SiteConfig, posts: list[Post]) -> list[str]:
    """What root-relative links can name besides pages: theme and site static files and
    the bundles' files (not KaTeX's, which no post links)."""
    return [static.path for static in static_files(config, posts, needs_math=False)]


def _problems(posts: list[Post], bodies: dict[str, Body]) -> list[SourceError]:
    """The problems the bodies carry (see `markdown.BodyProblem`), positioned."""
    return [SourceError(post.source, problem.line, problem.col, problem.message, problem.hint)
            for post in posts for problem in bodies[post.rel].problems]


def _record(read: Read, made: Made) -> dict[str, Any]:
    """What lets the next build see that nothing changed (`_keep_output`): never after
    warnings, which it would have to report again."""
    if made.kept is not None:
        return made.kept
    if read.inputs is None or made.warnings or made.site is None:
        return {}
    return {"inputs": read.inputs,
            "outputs": [[output.path, output.digest] for output in made.outputs],
            "pages": made.pages, "formulas": made.counts,
            "needs_math": any(job.needs_math for job in made.jobs),
            "statics": [static.path for static in made.statics],
            "images": sizes_key(made.site.links.images if made.site.links else {})}


def _whole_record(site: dict[str, Any]) -> bool:
    """Whether what a build recorded with its output (see `_record`) is all there: the
    manifest is a file anyone can damage, and a damaged one only means a full build."""
    made, counts = site.get("outputs"), site.get("formulas")
    return (isinstance(made, list) and all(
                isinstance(item, list) and len(item) == 2 and all(isinstance(part, str)
                                                                  for part in item)
                for item in made)
            and isinstance(site.get("pages"), int) and isinstance(site.get("statics"), list)
            and isinstance(counts, dict)
            and all(isinstance(counts.get(name), int) for name in ("uses", "distinct")))


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


def _tell(report: Reporter | None, stage: str, done: str = "") -> None:
    if report is not None:
        report(stage, done)


@contextmanager
def _timed(timings: dict[str, float], stage: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[stage] = time.perf_counter() - start
