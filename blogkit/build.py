"""BUILD: the orchestrator. Reads top to bottom like the pipeline it runs.

    config.load_config     -> SiteConfig
    content.load_content   -> list[Post] (and the files' mistakes)
    bodies.render_all      -> Body per post (formulas as placeholders; cached, parallel)
    math.render_formulas   -> formula HTML (KaTeX, cached)
    site.assemble          -> Site
    render.plan / run      -> list[Output]
    writer.commit          -> public/ (staging folder, then swap)
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import jinja2

from . import formulas as math_step
from . import outputs as publish
from .bodies import render_all
from .config import CONFIG_NAME, SiteConfig, load_config
from .content import FileMemo, Post, load_content
from .errors import BuildError, SourceError
from .formulas import FormulaMemo
from .highlight import stylesheet
from .markdown import Body
from .render import Output, PageMemo, plan, run
from .site import Entry, assemble
from .templates import THEME_DIR, create_environment
from .writer import StaticFile, check_output_folder, collisions, commit


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


@dataclass
class BuildCache:
    """What the dev server keeps between builds, so a rebuild redoes only what changed.

    Every memo holds results for one `blogkit.yaml`: when its bytes change, all are
    dropped (the on-disk formula cache stays). A CLI build starts from an empty one; the
    output is the same either way, which the tests check.
    """

    config_bytes: bytes = b""
    files: FileMemo = field(default_factory=dict)
    bodies: dict[tuple[str, str], Body] = field(default_factory=dict)
    formulas: FormulaMemo = field(default_factory=FormulaMemo)
    entries: dict[tuple[object, ...], Entry] = field(default_factory=dict)
    pages: PageMemo = field(default_factory=PageMemo)
    feeds: dict[tuple[str, int], bytes] = field(default_factory=dict)
    sitemap: dict[int, bytes] = field(default_factory=dict)
    templates: tuple[object, jinja2.Environment] | None = None
    """The Jinja environment and the template files it was made for (compiled once)."""

    def environment(self, root: Path) -> tuple[object, jinja2.Environment]:
        """The Jinja environment, made anew only when a template file is added or changed."""
        key = _templates_key(root)
        if self.templates is None or self.templates[0] != key:
            self.templates = (key, create_environment(root / "templates"))
        return self.templates

    def check_config(self, root: Path) -> None:
        """Forget everything if blogkit.yaml changed since the last build."""
        path = root / CONFIG_NAME
        current = path.read_bytes() if path.is_file() else b""
        if current != self.config_bytes:
            fresh = BuildCache(config_bytes=current)
            self.__dict__.update(fresh.__dict__)


@dataclass
class Compiled:
    """A built site held in memory: what `commit` writes, or what the dev server serves."""

    outputs: list[Output]
    statics: list[StaticFile]
    pages: int
    rendered: int
    """Pages rendered by this build (the others were unchanged and reused)."""
    warnings: list[SourceError]
    timings: dict[str, float]
    formulas: dict[str, int]


def build(options: BuildOptions) -> BuildResult:
    """Build the site; raise BuildError (nothing written) or return what was written."""
    root = options.source.resolve()
    check_output_folder(root, options.output_dir)
    compiled = compile_site(options)
    with _timed(compiled.timings, "write"):
        files = commit(options.output_dir, compiled.outputs, compiled.statics)
    return BuildResult(options.output_dir, compiled.pages, files, compiled.warnings,
                       compiled.timings, compiled.formulas)


def compile_site(options: BuildOptions, cache: BuildCache | None = None) -> Compiled:
    """Run every stage but writing; raise BuildError listing every mistake of the site."""
    timings: dict[str, float] = {}
    root = options.source.resolve()
    # Without a cache to keep (a CLI build), skip the digests that only serve later builds.
    persistent = cache is not None
    if cache is None:
        cache = BuildCache()
    with _timed(timings, "config"):
        cache.check_config(root)
        config = load_config(root, options.base_url)
    with _timed(timings, "load"):
        loaded = load_content(config, cache.files)
        posts = _published(loaded.posts, options)
    with _timed(timings, "markdown"):
        bodies = render_all(config, posts, cache.bodies, options.workers)
    with _timed(timings, "math"):
        formulas = math_step.render_formulas(config, posts, bodies, options.keep_going,
                                             cache.formulas)
    with _timed(timings, "assemble"):
        site, errors = assemble(config, posts, bodies, formulas.fill, loaded.broken,
                                cache.entries)
    errors = loaded.errors + formulas.errors + errors
    if errors:
        raise BuildError(errors)
    with _timed(timings, "render"):
        jobs = plan(site, cache.pages if persistent else None)
        templates_key, environment = cache.environment(root)
        outputs, template_errors = run(site, jobs, environment,
                                       cache.pages if persistent else None, templates_key)
        outputs.append(Output("css/highlight.css", stylesheet().encode("utf-8"), "blogkit"))
        statics = _static_files(config, posts, any(job.needs_math for job in jobs))
    with _timed(timings, "publish"):  # feeds (formulas as MathML only), sitemap, robots.txt
        feed_math = math_step.render_mathml(config, publish.feed_bodies(site), cache.formulas)
        outputs += publish.feeds(site, feed_math.fill, cache.feeds if persistent else None)
        outputs.append(publish.sitemap(site, jobs, cache.sitemap if persistent else None))
        outputs += publish.robots(site, statics)
        template_errors += collisions(outputs, statics)
    if template_errors:
        raise BuildError(template_errors)
    counts = {"uses": formulas.uses, "distinct": len(formulas.rendered),
              "cache_hits": formulas.cache_hits, "katex": formulas.rendered_by_katex}
    rendered = cache.pages.rendered if persistent else len(jobs)
    return Compiled(outputs, statics, len(jobs), rendered, formulas.warnings,
                    timings, counts)


def _templates_key(root: Path) -> tuple[tuple[str, int, int], ...]:
    """Name, size and mtime of every template that can be used: any change re-renders all."""
    found = []
    for folder in (root / "templates", THEME_DIR / "templates"):
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    stat = path.stat()
                    found.append((str(path), stat.st_size, stat.st_mtime_ns))
    return tuple(found)


def _published(posts: list[Post], options: BuildOptions) -> list[Post]:
    now = datetime.now(timezone.utc)
    return [post for post in posts
            if (options.drafts or not post.draft) and (options.future or post.date <= now)]


def _static_files(config: SiteConfig, posts: list[Post], needs_math: bool) -> list[StaticFile]:
    """Theme assets, then the site's static/ (overriding the theme's by path), bundles, KaTeX."""
    chosen: dict[str, StaticFile] = {}
    for folder in (THEME_DIR / "static", config.root / "static"):
        if folder.is_dir():
            inside = folder.resolve()
            for path in sorted(folder.rglob("*")):
                # A symlink that leads out of static/ is not published (nor served).
                if path.is_file() and not path.name.startswith(".") and \
                        path.resolve().is_relative_to(inside):
                    rel = path.relative_to(folder).as_posix()
                    chosen[rel] = StaticFile(rel, path)
    statics = list(chosen.values())
    for post in posts:
        bundle = post.bundle_dir
        for asset in post.assets:
            assert bundle is not None
            rel = asset.relative_to(bundle).as_posix()
            statics.append(StaticFile(post.url.lstrip("/") + rel, asset))
    if needs_math:
        statics.extend(math_step.katex_static_files())
    return statics


@contextmanager
def _timed(timings: dict[str, float], stage: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[stage] = time.perf_counter() - start
