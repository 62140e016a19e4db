"""PARSE, at scale: every post's Body from the memo, the disk cache, or a process pool.

A `Body` is a pure function of the file's bytes, its place under content/, the settings
that shape it and blogkit's version, so it is cached on disk under that key and shared
by `build` and `serve`. Misses are rendered in a process pool sized to the cores when
there are enough of them to pay for starting it; each worker sets markdown-it up once.
Results are put back in the posts' order, so the output never depends on the workers.
Highlighted code blocks are cached too (`KeptBlocks`), for bodies rendered in this process.
"""

from __future__ import annotations

import os
import pickle
import re
from collections.abc import Callable, Sequence
from dataclasses import astuple, dataclass, replace
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__, shortcodes
from .cjk_spacing import space_cjk
from .config import SiteConfig
from .config_sections import MarkdownSettings
from .content import Post
from .digest import digest
from .fences import parse_info
from .highlight import highlight
from .highlight import prepare as prepare_highlighting
from .markdown import Body, Highlighter, create_markdown, render_body
from .shortcode_syntax import prepare as prepare_shortcodes
from .shortcode_syntax import uses_shortcodes
from .shortcodes import ShortcodeSite, site_for
from .store import PICKLE_PROTOCOL, PickleStore

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

    from markdown_it import MarkdownIt

CACHE_NAME = "bodies.sqlite"
LIBRARIES = (
    f"blogkit {__version__}",
    "body 8",  # the shape of Body: bump when its fields or its markup change
    *(f"{name} {version(name)}"
      for name in ("markdown-it-py", "mdit-py-plugins", "pygments")),
)
"""Versions a body depends on: a new version of any of them renders bodies anew."""
POOL_THRESHOLD = 24
"""Below this many bodies to render, a pool costs more than it saves."""
_CHUNK = 16


@dataclass(frozen=True)
class BodyJob:
    """What rendering one body needs (small and picklable, for the pool)."""

    rel: str
    source: Path
    content_dir: Path
    body: str
    body_line: int
    title: str
    title_line: int
    summary: str | None
    summary_line: int
    excerpt_length: int
    shortcodes: ShortcodeSite | None = None
    """For a body that may hold shortcodes (see shortcodes.uses_shortcodes); else None."""
    cjk_spacing: bool = False
    """`typography.cjk_spacing`: gaps between Han and Latin letters (cjk_spacing.py)."""


def render_all(
    config: SiteConfig,
    posts: Sequence[Post],
    keys: dict[str, str],
    memo: dict[tuple[str, str], Body] | None = None,
    workers: int | None = None,
    on_ready: Callable[[Sequence[Body]], None] | None = None,
    pool: BodyPool | None = None,
) -> tuple[dict[str, Body], int]:
    """Every post's Body, keyed by its content-relative path, and how many were rendered
    from Markdown (not found in `memo` or the disk cache); render only what is new.

    `keys` are the posts' `body_keys`. `on_ready` is given the bodies that were not in
    `memo` in batches, as they arrive from the pool or the disk cache (after the pool has
    started: it may start threads). `pool`: one that was offered the posts as they were
    read (see `BodyPool`); what it rendered is used, and it is stopped.
    """
    found: dict[str, Body] = {}
    if memo is not None:
        found = {post.rel: memo[(post.rel, keys[post.rel])] for post in posts
                 if (post.rel, keys[post.rel]) in memo}
    wanted = [post for post in posts if post.rel not in found]
    rendered = 0
    with pool or BodyPool(config, workers) as renderer:
        if wanted:
            with PickleStore(config.cache_dir / CACHE_NAME, "body", Body) as disk:
                early = renderer.submitted(wanted, keys)
                from_disk = disk.get_many({post.rel: keys[post.rel] for post in wanted
                                           if post.rel not in early})
                found.update(from_disk)
                missing = [post for post in wanted
                           if post.rel not in found and post.rel not in early]
                fresh, pickled = renderer.render(missing, keys, on_ready)
                if on_ready is not None and from_disk:
                    on_ready(list(from_disk.values()))
                disk.put_pickled({keys[rel]: pickled.get(rel)
                                  or pickle.dumps(body, PICKLE_PROTOCOL)
                                  for rel, body in fresh.items()})
                found.update(fresh)
                rendered = len(fresh)
    if memo is not None:
        memo.clear()
        memo.update({(rel, keys[rel]): body for rel, body in found.items()})
    return {post.rel: found[post.rel] for post in posts}, rendered


def body_keys(config: SiteConfig, posts: Sequence[Post]) -> dict[str, str]:
    """The cache key of each post's body: everything the body is a function of (for a
    post with shortcodes, their templates too)."""
    settings = astuple(config.markdown)
    sites = _ShortcodeSites(config)
    keys = {}
    for post in posts:
        parts: tuple[object, ...] = (LIBRARIES, config.excerpt_length, settings, post.rel,
                                     post.digest)
        site = sites.of(post)
        keys[post.rel] = digest(*parts) if site is None else digest(*parts, site.key)
    return keys


class _ShortcodeSites:
    """Each language's `ShortcodeSite`, made once (for the posts that may use shortcodes:
    the others cost one substring test)."""

    def __init__(self, config: SiteConfig) -> None:
        self.config = config
        self.made: dict[str, ShortcodeSite] = {}

    def of(self, post: Post) -> ShortcodeSite | None:
        if not uses_shortcodes(post.body):
            return None
        if post.lang not in self.made:
            self.made[post.lang] = site_for(self.config, post.lang)
        return self.made[post.lang]


class BodyPool:
    """Renders bodies in worker processes, started as soon as enough are known to be new.

    A cold build reads every file under content/ (half a second for 1000 posts, with one
    core idle) before it knows which bodies to render. A build instead `offer`s each post
    as it is read: once `POOL_THRESHOLD` offered posts have no body in the disk cache, the
    workers start on them and take the others in chunks as they come, while the rest is
    read. `render_all` takes what they made and has them render any post not offered.

    Use as a context manager: leaving it stops the workers (`render_all` stops them before
    it returns: the pages' pool is forked next, and no thread may run then). A pool of one
    worker renders in this process, and is offered nothing.
    """

    def __init__(self, config: SiteConfig, workers: int | None,
                 wanted: Callable[[Post], bool] | None = None) -> None:
        self.config = config
        self.count = workers if workers is not None else (os.cpu_count() or 1)
        self.wanted = wanted
        """Which offered posts to render (those the build will publish); None: all."""
        self._offered: list[Post] = []
        self._new: list[tuple[Post, str]] = []
        """Offered, not in the disk cache, not yet given to the workers (with body keys)."""
        self._disk: PickleStore[Body] | None = None
        """The body cache, open while posts are offered."""
        self._keys: dict[str, str] = {}
        """The body key of each post given to the workers, by path."""
        self._chunks: list[Future[tuple[dict[str, bytes], dict[str, str]]]] = []
        self._executor: ProcessPoolExecutor | None = None

    def __enter__(self) -> BodyPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop()

    def offer(self, post: Post) -> None:
        """A post just read: render its body if it is new (in the workers, once started)."""
        if self.count <= 1 or (self.wanted is not None and not self.wanted(post)):
            return
        self._offered.append(post)
        if len(self._offered) >= _CHUNK:
            self._check_offered()

    def submitted(self, posts: Sequence[Post], keys: dict[str, str]) -> set[str]:
        """Which of `posts` the workers were given, as they are now (by path)."""
        return {post.rel for post in posts if self._keys.get(post.rel) == keys[post.rel]}

    def render(self, posts: Sequence[Post], keys: dict[str, str],
               on_ready: Callable[[Sequence[Body]], None] | None
               ) -> tuple[dict[str, Body], dict[str, bytes]]:
        """The bodies of `posts` and of those given to the workers before whose key is in
        `keys`, and the bodies the workers made as they pickled them; then stop them."""
        self._offered, self._new = [], []  # what was not given to the workers is in `posts`
        self._close_disk()
        if self._executor is None and (self.count <= 1 or len(posts) < POOL_THRESHOLD):
            bodies = self._render_here(posts) if posts else {}
            if on_ready is not None and bodies:
                on_ready(list(bodies.values()))
            return bodies, {}
        for start in range(0, len(posts), _CHUNK):
            self._submit([(post, keys[post.rel]) for post in posts[start:start + _CHUNK]])
        results: dict[str, Body] = {}
        pickled: dict[str, bytes] = {}
        blocks: dict[str, str] = {}
        # Each chunk's results are let go once taken: the bytes stay only in `pickled`.
        chunks, self._chunks = self._chunks[::-1], []
        while chunks:
            chunk, highlighted = chunks.pop().result()
            wanted = {rel: blob for rel, blob in chunk.items()
                      if keys.get(rel) == self._keys[rel]}
            bodies = {rel: pickle.loads(blob) for rel, blob in wanted.items()}
            results.update(bodies)
            pickled.update(wanted)
            blocks.update(highlighted)
            if on_ready is not None and bodies:
                on_ready(list(bodies.values()))
        self._stop()
        with PickleStore(self.config.cache_dir / CACHE_NAME, BLOCKS_TABLE, str) as store:
            store.put_many(blocks)
        return results, pickled

    def _check_offered(self) -> None:
        posts, self._offered = self._offered, []
        keys = body_keys(self.config, posts)
        if self._disk is None:
            self._disk = PickleStore(self.config.cache_dir / CACHE_NAME, "body", Body)
        cached = self._disk.known(keys)
        self._new += [(post, keys[post.rel]) for post in posts if post.rel not in cached]
        if self._executor is None and len(self._new) < POOL_THRESHOLD:
            return
        while len(self._new) >= _CHUNK or (self._new and self._executor is None):
            chunk, self._new = self._new[:_CHUNK], self._new[_CHUNK:]
            self._submit(chunk)

    def _submit(self, chunk: Sequence[tuple[Post, str]]) -> None:
        """Give the workers `chunk`'s posts (with their body keys), starting them first."""
        if self._executor is None:
            from concurrent.futures import ProcessPoolExecutor  # only now: see render.run

            # The platform's start method. By fork (Linux), every worker is started at the
            # first submit, before the build starts a thread.
            self._executor = ProcessPoolExecutor(max_workers=self.count,
                                                 initializer=_start_worker,
                                                 initargs=(self.config.markdown,))
        posts = [post for post, _ in chunk]
        self._chunks.append(self._executor.submit(_render_chunk, _jobs(self.config, posts)))
        self._keys.update((post.rel, key) for post, key in chunk)

    def _render_here(self, posts: Sequence[Post]) -> dict[str, Body]:
        md = _parser(self.config.markdown)
        with PickleStore(self.config.cache_dir / CACHE_NAME, BLOCKS_TABLE, str) as store:
            kept = KeptBlocks(store)
            rendered = {job.rel: _render_one(md, job, kept) for job in _jobs(self.config, posts)}
            store.put_many(kept.fresh)
        return rendered

    def _stop(self) -> None:
        self._close_disk()
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def _close_disk(self) -> None:
        if self._disk is not None:
            self._disk.close()
            self._disk = None


def _jobs(config: SiteConfig, posts: Sequence[Post]) -> list[BodyJob]:
    sites = _ShortcodeSites(config)
    return [BodyJob(p.rel, p.source, config.content_dir, p.body, p.body_line, p.title,
                    p.title_line, p.summary, p.summary_line, config.excerpt_length, sites.of(p),
                    config.markdown.cjk_spacing)
            for p in posts]


BLOCKS_TABLE = "block"


def block_key(code: str, language: str) -> str:
    """What a highlighted code block is a function of: versions, its language, its code."""
    return digest(LIBRARIES, language, code)


class KeptBlocks:
    """A highlighter that takes code blocks highlighted by earlier builds from the disk cache.

    An edit to a post renders its body anew but seldom touches its code: then no block
    goes to Pygments, whose lexers take about a tenth of a second to set up in each new
    process (a CLI build that renders one body). Blocks highlighted here are in `fresh`.
    """

    def __init__(self, store: PickleStore[str]) -> None:
        self.store = store
        self.fresh: dict[str, str] = {}

    def __call__(self, code: str, language: str) -> str:
        key = block_key(code, language)
        found = self.fresh.get(key) or self.store.get_many({key: key}).get(key)
        if found is None:
            found = self.fresh[key] = highlight(code, language)
        return found


class _NotedBlocks:
    """A pool worker's highlighter: notes each block it has not given the parent yet."""

    def __init__(self) -> None:
        self.given: set[str] = set()
        self.fresh: dict[str, str] = {}

    def __call__(self, code: str, language: str) -> str:
        html = highlight(code, language)
        key = block_key(code, language)
        if key not in self.given:
            self.given.add(key)
            self.fresh[key] = html
        return html


@lru_cache(maxsize=1)
def _parser(settings: MarkdownSettings) -> MarkdownIt:
    """This process's parser, for bodies rendered without a pool (it renders any number)."""
    return create_markdown(settings)


_FENCE = re.compile(r"^ {0,3}(?:`{3,}|~{3,})([^`\n]*)$", re.M)
"""A fence's opening line; group 1 is its info string (read by fences.parse_info)."""


def prepare(settings: MarkdownSettings, posts: Sequence[Post]) -> None:
    """Import and set up, in this process, what rendering `posts` would: the parser and
    the lexers of their code blocks' languages.

    The dev server calls it while idle after its first build (whose bodies were rendered
    in a pool, or came from the cache), so the first edit renders as quickly as the next.
    """
    _parser(settings)
    languages = {parse_info(info).language
                 for post in posts for info in _FENCE.findall(post.body)}
    prepare_highlighting(languages - {""})


# The parser and highlighter a pool worker sets up once. Module state only in worker
# processes: the parent never reads or writes it.
_WORKER: list[tuple[MarkdownIt, _NotedBlocks]] = []


def _start_worker(settings: MarkdownSettings) -> None:
    _WORKER.append((create_markdown(settings), _NotedBlocks()))


def _render_chunk(jobs: list[BodyJob]) -> tuple[dict[str, bytes], dict[str, str]]:
    """The chunk's bodies, and the code blocks first highlighted for them (to keep).

    Each body is pickled here as the disk cache stores it: the parent unpickles it once
    and stores these bytes, instead of pickling it a second time.
    """
    md, noted = _WORKER[0]
    bodies = {job.rel: pickle.dumps(_render_one(md, job, noted), protocol=PICKLE_PROTOCOL)
              for job in jobs}
    fresh, noted.fresh = noted.fresh, {}
    return bodies, fresh


def _render_one(md: MarkdownIt, job: BodyJob, highlighter: Highlighter | None = None) -> Body:
    body = _rendered(md, job, highlighter)
    if not job.cjk_spacing:
        return body
    # Last, so the text of shortcodes' output is spaced as the author's own is.
    return replace(body, html=space_cjk(body.html), excerpt_html=space_cjk(body.excerpt_html),
                   title_html=space_cjk(body.title_html))


def _rendered(md: MarkdownIt, job: BodyJob, highlighter: Highlighter | None) -> Body:
    # With shortcodes: placeholders in the source, then the templates' output in them.
    prepared = None if job.shortcodes is None else prepare_shortcodes(
        job.body, job.body_line, job.rel, job.shortcodes.names)
    body = render_body(
        md, source=job.source, content_dir=job.content_dir,
        body=job.body if prepared is None else prepared.text,
        body_line=job.body_line, title=job.title, title_line=job.title_line,
        summary=job.summary, summary_line=job.summary_line, excerpt_length=job.excerpt_length,
        highlighter=highlighter)
    if prepared is None or job.shortcodes is None:
        return body
    return shortcodes.finish(body, prepared, job.shortcodes, job.rel, job.excerpt_length,
                             job.summary is not None, highlighter)
