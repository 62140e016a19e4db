"""PATCH: the text-edit path, a dev-server rebuild after edits to posts' text alone.

Most edits while previewing change a post's text and nothing else: not its title, date,
taxonomies or URL, not what any listing shows of it. Then the site's structure (order,
listings, pages, sitemap) is that of the last build, and only the post's body, its own
page and the feeds showing it need making. `patch` does that through the stages' own
functions and memos (content, bodies, formulas, plan), or says it cannot (None), and
the full pipeline runs. What it makes is what a clean build makes: the dev server's
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
from .content import Post, load_content
from .links import link_errors
from .markdown import Body
from .page_digests import Reads, job_digests
from .plan import Holders, holders, replan
from .render import Output, run
from .site import Entry, Site, make_entry, with_entries
from .writer import StaticFile

if TYPE_CHECKING:
    from .build import Compiled, Made, Read
    from .build_cache import BuildCache

_TEXT_FIELDS = frozenset({"digest", "body", "body_line", "title_line", "summary_line", "slug_at"})
"""A post's fields that change with its text alone (the rest must be as before)."""


@dataclass
class LastBuild:
    """What a successful dev-server build leaves for the text-edit path."""

    read: Read
    made: Made
    outputs: list[Output]
    """Every output, with its bytes."""
    statics: list[StaticFile]
    due: datetime | None
    """When the next future-dated post is published (then a patch would miss it)."""
    shown_by: Holders | None = None
    """Which jobs show which entry; found on the first patch."""

    @cached_property
    def by_source(self) -> dict[Path, Post]:
        return {post.source: post for post in self.read.posts}


def prepare(cache: BuildCache) -> None:
    """Get ready to patch the last build, if it succeeded: set up what rendering a body
    in this process needs (a full build renders them in a pool) and find which pages
    show which entry. The dev server does it while idle, so the first edit is quick too."""
    last = cache.last
    if last is not None and last.shown_by is None:
        prepare_bodies(last.read.config.markdown, last.read.posts)
        last.shown_by = holders(last.made.jobs)
        last.by_source  # noqa: B018 (found now, not on the first edit)


def patch(cache: BuildCache, changed: frozenset[Path]) -> Compiled | None:
    """Rebuild on the last build when `changed` are posts whose text alone changed.

    Return None when it cannot: anything else changed, a file has a mistake, a listing
    shows what changed. What it read and rendered on the way stays in the stages' memos,
    where the full pipeline finds it.
    """
    from .build import Compiled

    last = cache.last
    if last is None or not changed:
        return None
    read, made = last.read, last.made
    by_source = last.by_source
    if not all(path in by_source and path.is_file() for path in changed):
        return None
    if last.due is not None and datetime.now(timezone.utc) >= last.due:
        return None
    root = read.config.root
    before = cache.config_bytes
    cache.check_config(root)
    if cache.config_bytes != before or cache.check_templates(root) != read.templates_key:
        return None
    config, options, site = read.config, read.options, made.site
    if site is None or site.links is None:
        return None

    loaded = load_content(config, cache.content, set(changed))
    if loaded.errors:
        return None
    fresh = [post for post in loaded.posts if post.source in changed]
    if len(fresh) != len(changed) or len(loaded.posts) != len(read.loaded.posts):
        return None
    for post in fresh:
        old = by_source[post.source]
        if any(getattr(post, f.name) != getattr(old, f.name)
               for f in dataclasses.fields(Post) if f.name not in _TEXT_FIELDS):
            return None
    swapped = {post.rel: post for post in fresh}
    posts = [swapped.get(post.rel, post) for post in read.posts]
    keys = {**made.keys, **body_keys(config, fresh)}
    bodies, markdown = render_all(config, posts, keys, cache.bodies, workers=1)
    if any(bodies[post.rel].problems for post in fresh):
        return None  # a full build reports them (as errors, or warnings under --keep-going)
    formulas = math_step.render_formulas(config, posts, bodies, options.keep_going,
                                         cache.formulas)
    if formulas.errors or formulas.warnings != made.warnings:
        return None  # the full pipeline reports them, each in its place

    swaps: list[tuple[Entry, Entry]] = []
    for post in fresh:
        shown = next(entry for entry in _entries(site, post) if entry.post.rel == post.rel)
        entry = make_entry(post, bodies[post.rel], keys[post.rel], site.links, formulas.html)
        if link_errors(entry):
            return None
        swaps.append((shown, entry))
    site = with_entries(site, swaps)
    reads: Reads = partial(cache.reads, root, read.templates_key, config.cache_dir)
    # replan sets the entries it changes anew in (a copy of) the index, never in place.
    shown_by = dict(last.shown_by if last.shown_by is not None else holders(made.jobs))
    planned = replan(site, made.jobs, shown_by, swaps, reads, cache.plan)
    if planned is None:
        return None
    jobs, remade = planned
    digests = list(made.digests)
    for index, found in zip(remade, job_digests([jobs[i] for i in remade], read.site_key,
                                                made.pages_key, reads), strict=True):
        digests[index] = found

    # From here on nothing can fail for a reason of the site's: commit to the patch.
    previous = cache.outputs
    outputs: dict[str, Output] = {}

    def known(path: str, made_from: str) -> bool:
        return previous.get(path, ("", b""))[0] == made_from

    def sink(item: Output) -> None:
        if item.data is not None:
            outputs[item.path] = item

    environment = partial(cache.environment, root, read.templates_key, config.cache_dir)
    rendered, template_errors = run(site, jobs, environment, digests, known, sink, 1,
                                    only=remade)
    if template_errors:
        return None

    def feed_math() -> Callable[[str, Body], str]:
        return math_step.render_mathml(config, publish.feed_bodies(site),
                                       cache.formulas).html.fill

    publish.feeds(site, feed_math, read.site_key, known, sink)
    result = [outputs.get(output.path, output) for output in last.outputs]
    cache.outputs.update({o.path: (o.digest, o.data) for o in outputs.values()
                          if o.data is not None})
    cache.record = {}  # what the output was made from is not what the record says
    counts = {"uses": formulas.uses, "distinct": len(formulas.rendered),
              "cache_hits": formulas.cache_hits, "katex": formulas.rendered_by_katex}
    cache.last = LastBuild(
        dataclasses.replace(read, loaded=loaded, posts=posts, inputs=None),
        dataclasses.replace(made, site=site, bodies=bodies, keys=keys, jobs=jobs,
                            digests=digests, counts=counts),
        result, last.statics, last.due, shown_by)
    return Compiled(result, last.statics, len(jobs), rendered, made.warnings, {}, counts,
                    markdown, patched=True)


def _entries(site: Site, post: Post) -> tuple[Entry, ...]:
    return site.posts[post.lang] if post.kind == "post" else site.pages[post.lang]
