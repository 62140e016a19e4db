"""PATCH: a dev-server rebuild after edits to posts' text alone, on the last build's site.

Most edits while previewing change a post's text and nothing else: not its title, date,
taxonomies or URL, not what any listing shows of it. Then the site's structure (order,
listings, pages, sitemap) is that of the last build, and only the post's body, its own
page and the feeds showing it need making. `patch` does that, or says it cannot (None),
and the full pipeline runs. What it makes is what a clean build makes: the dev server's
tests compare the two after every kind of edit.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cached_property, partial
from pathlib import Path
from typing import TYPE_CHECKING

from . import formulas as math_step
from . import outputs as publish
from .bodies import body_keys, render_all
from .bodies import prepare as prepare_bodies
from .config import SiteConfig
from .content import FileRecord, Post, read_files
from .errors import SourceError
from .markdown import Body
from .render import Holders, Output, PageJob, Reads, holders, job_digests, replan, run
from .site import Entry, Site, link_errors, make_entry, with_entries
from .writer import StaticFile

if TYPE_CHECKING:
    from .build import BuildCache, BuildOptions

_TEXT_FIELDS = frozenset({"digest", "body", "body_line", "title_line", "summary_line", "slug_at"})
"""A post's fields that change with its text alone (the rest must be as before)."""


@dataclass
class LastBuild:
    """What a successful dev-server build leaves for patching the next one."""

    options: BuildOptions
    config: SiteConfig
    templates: object
    """The theme files it was rendered with (`BuildCache.check_templates`)."""
    posts: list[Post]
    """The published posts and pages."""
    bodies: dict[str, Body]
    site: Site
    jobs: list[PageJob]
    digests: list[str]
    site_key: str
    pages_key: str
    outputs: list[Output]
    statics: list[StaticFile]
    warnings: list[SourceError]
    due: datetime | None
    """When the next future-dated post is published (then a patch would miss it)."""
    shown_by: Holders | None = None
    """Which jobs show which entry; found on the first patch."""

    @cached_property
    def by_source(self) -> dict[Path, Post]:
        return {post.source: post for post in self.posts}


@dataclass
class Patched:
    outputs: list[Output]
    rendered: int
    counts: dict[str, int]


def prepare(cache: BuildCache) -> None:
    """Get ready to patch the last build, if it succeeded: set up what rendering a body
    in this process needs (a full build renders them in a pool) and find which pages
    show which entry. The dev server does it while idle, so the first edit is quick too."""
    last = cache.last
    if last is not None and last.shown_by is None:
        prepare_bodies(last.posts)
        last.shown_by = holders(last.jobs)
        last.by_source  # noqa: B018 (found now, not on the first edit)


def patch(options: BuildOptions, cache: BuildCache, changed: set[Path] | None
          ) -> Patched | None:
    """Rebuild on the last build when `changed` are posts whose text alone changed.

    Return None (having changed nothing the full pipeline relies on) when it cannot:
    anything else changed, a file has a mistake, a listing shows what changed.
    """
    last = cache.last
    if last is None or not changed or last.options != options:
        return None
    by_source = last.by_source
    if not all(path in by_source and path.is_file() for path in changed):
        return None
    if last.due is not None and datetime.now(timezone.utc) >= last.due:
        return None
    root = options.source.resolve()
    before = cache.config_bytes
    cache.check_config(root)
    if cache.config_bytes != before or cache.check_templates(root) != last.templates:
        return None
    config = last.config
    reads: Reads = partial(cache.reads, root, last.templates, config.cache_dir)

    read = read_files(config, sorted(changed))
    swapped: dict[str, Post] = {}
    for path, (_, post, errors) in read.items():
        old = by_source[path]
        if post is None or errors:
            return None
        post = dataclasses.replace(post, assets=old.assets)
        if any(getattr(post, f.name) != getattr(old, f.name)
               for f in dataclasses.fields(Post) if f.name not in _TEXT_FIELDS):
            return None
        swapped[post.rel] = post
    if len(swapped) != len(changed):
        return None

    posts = [swapped.get(post.rel, post) for post in last.posts]
    fresh = list(swapped.values())
    keys = body_keys(config, fresh)
    made = render_all(config, fresh, keys, workers=1)
    bodies = {**last.bodies, **made}
    formulas = math_step.render_formulas(config, posts, bodies, options.keep_going,
                                         cache.formulas)
    if formulas.errors or formulas.warnings != last.warnings or last.site.links is None:
        return None  # the full pipeline reports them, each in its place

    swaps: list[tuple[Entry, Entry]] = []
    for post in fresh:
        shown = next(entry for entry in _entries(last.site, post) if entry.post.rel == post.rel)
        entry = make_entry(post, made[post.rel], keys[post.rel], last.site.links, formulas.html)
        if link_errors(entry):
            return None
        swaps.append((shown, entry))
    site = with_entries(last.site, swaps)
    # replan sets the entries it changes anew in (a copy of) the index, never in place.
    shown_by = dict(last.shown_by if last.shown_by is not None else holders(last.jobs))
    planned = replan(site, last.jobs, shown_by, swaps, reads, cache.plan)
    if planned is None:
        return None
    jobs, remade = planned
    digests = list(last.digests)
    for index, found in zip(remade, job_digests([jobs[i] for i in remade], last.site_key,
                                                last.pages_key, None, reads),
                            strict=True):
        digests[index] = found

    # From here on nothing can fail for a reason of the site's: commit to the patch.
    previous = cache.outputs
    outputs: dict[str, Output] = {}

    def known(path: str, made_from: str) -> bool:
        return previous.get(path, ("", b""))[0] == made_from

    def sink(item: Output) -> None:
        if item.data is not None:
            outputs[item.path] = item

    environment = partial(cache.environment, root, last.templates, config.cache_dir)
    rendered, template_errors = run(site, jobs, environment, digests, known, sink, 1,
                                    only=remade)
    if template_errors:
        return None

    def feed_math() -> Callable[[str, Body], str]:
        return math_step.render_mathml(config, publish.feed_bodies(site),
                                       cache.formulas).html.fill

    publish.feeds(site, feed_math, last.site_key, known, sink)
    result = [outputs.get(output.path, output) for output in last.outputs]
    cache.outputs.update({o.path: (o.digest, o.data) for o in outputs.values()
                          if o.digest and o.data is not None})
    _remember(cache, read, swapped, keys, made)
    cache.last = dataclasses.replace(
        last, posts=posts, bodies=bodies, site=site, jobs=jobs, digests=digests,
        outputs=result, shown_by=shown_by)
    cache.last.by_source = {**by_source, **{post.source: post for post in fresh}}
    counts = {"uses": formulas.uses, "distinct": len(formulas.rendered),
              "cache_hits": formulas.cache_hits, "katex": formulas.rendered_by_katex}
    return Patched(result, rendered, counts)


def _entries(site: Site, post: Post) -> tuple[Entry, ...]:
    return site.posts[post.lang] if post.kind == "post" else site.pages[post.lang]


def _remember(cache: BuildCache, read: dict[Path, FileRecord], swapped: dict[str, Post],
              keys: dict[str, str], made: dict[str, Body]) -> None:
    """Keep the memos the full pipeline reads as they would be after reading these files."""
    by_source = {post.source: post for post in swapped.values()}
    for path, (stamp, _, errors) in read.items():
        cache.content.files[path] = (stamp, by_source[path], errors)
    for rel, body in made.items():
        for key in [key for key in cache.bodies if key[0] == rel]:
            del cache.bodies[key]
        cache.bodies[(rel, keys[rel])] = body
