"""LOAD: content/ -> list[Post]: discover files, split and validate front matter.

Layout: `content/posts/<name>/index.<lang>.md` (a page bundle: every other file in the
folder is an asset of the post), `content/posts/<name>.<lang>.md`, and standalone pages
anywhere else under `content/` (`content/about.<lang>.md` -> `/about/`). No language
suffix means the default language. Files sharing a name are translations of each other.

Files written for Jekyll, Hugo or MkDocs load as they are: front matter is optional, a
leading `# Title` gives the title (and is not shown twice when front matter gives the same
one), a post's date may start its name (`2019-09-23-vae.md`, `2019-09-23-vae/index.md`,
and its URL is then `/posts/vae/`, as Jekyll's), and a page needs no date. Their front
matter loads too: other tools' names of blogkit's fields (`lastmod`, `published: false`,
Jekyll's `category`...), their keys blogkit has no use for (kept in `Post.extra`), their
ways of writing dates, and categories named by a display name or slug
(front_matter.py has the lists).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

from .config import SiteConfig
from .config_sections import site_root_path
from .content_walk import ContentScan, walk_content
from .digest import digest
from .errors import BuildError, SourceError, decode_source
from .front_matter import (
    date_value,
    names_value,
    series_value,
    split_front_matter,
    text_value,
)
from .i18n import slugify
from .other_tools import agreed, extra_value, flag_value, sort_keys
from .post_cache import PostCache
from .post_fields import categories_value, date_or_stand_in, missing_fields, title_and_body
from .yamlpos import YamlDoc, load

T = TypeVar("T")
NAME_MAX = 255
"""Bytes a URL name may have, as a folder of the output (output_clashes.NAME_MAX, the
same limit)."""
_SUFFIX = re.compile(r"^(?P<stem>.+?)(?:\.(?P<lang>[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?))?\.md$")
POST_SHAPE = 5
"""What a kept Post is: bump it when Post's fields, or what a file is read as, change.
posts.sqlite keys a post by the file's bytes, blogkit's version and this (post_cache.py),
so a post kept by an earlier shape of the same version is not found, and is read again."""


@dataclass(frozen=True)
class Post:
    """A validated source file: a post or a standalone page in one language."""

    source: Path
    """Absolute path of the Markdown file."""
    rel: str
    """Path relative to content/, with '/' separators (`posts/vae/index.zh.md`)."""
    digest: str
    """SHA-256 of the file's bytes."""
    kind: str
    """`post` or `page`."""
    lang: str
    key: str
    """Translation key, shared by all languages of one post (`posts/vae`)."""
    slug: str
    url: str
    """Root-relative URL without the base path (`/en/posts/vae/`)."""
    title: str
    date: datetime
    """Publication time, aware, in the site's time zone."""
    updated: datetime | None
    categories: tuple[str, ...]
    tags: tuple[str, ...]
    draft: bool
    summary: str | None
    """Author-written excerpt (Markdown), replacing the automatic one."""
    body: str
    """The Markdown below the front matter, without a leading `# Title` that is the title."""
    body_line: int
    """1-based line of the file where `body` starts, so a body line maps back to the file."""
    dated: bool = True
    """Whether the file gives a date (front matter, or a post's name). A page need not:
    then `date` is a stand-in, 1970-01-01 in the site's zone (so it is never held back as
    a future post); what shows dates should leave it out."""
    title_line: int = 2
    """File line of the title (formulas in titles are reported there)."""
    summary_line: int = 2
    slug_at: tuple[int | None, int | None] | None = None
    """File line and column of the `slug` value, when one is given."""
    assets: tuple[Path, ...] = ()
    """Other files of the page bundle, copied beside the page."""
    extra: dict[str, Any] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()
    """Old URLs of the post (site-root paths, `/2019/09/vae.html`), each answered by a
    redirect to `url`: what moving a blog keeps alive."""
    aliases_at: tuple[tuple[int | None, int | None], ...] = ()
    """Where each alias is written (line, column), for the error when one is taken."""
    series: str | None = None
    """The name of the series the post is in (front matter `series:`), if any."""
    """`extra:` of the front matter, and other tools' keys blogkit has no use for under
    their names as written (`image`, `ShowToc`: see other_tools.OTHER_TOOLS_KEYS)."""

    @cached_property
    def bundle_dir(self) -> Path | None:
        return self.source.parent if self.source.name.startswith("index.") else None

    def asset_names(self) -> list[str]:
        """The assets' paths inside the bundle's folder (`img/figure.png`), as strings:
        sites have thousands of assets, and pathlib's relative paths cost far more."""
        if not self.assets:
            return []
        cut = len(str(self.bundle_dir)) + 1  # assets are paths below the bundle's folder
        return [str(asset)[cut:].replace(os.sep, "/") for asset in self.assets]


@dataclass(frozen=True)
class Loaded:
    """The valid posts, and the mistakes in the files that are not."""

    posts: list[Post]
    errors: list[SourceError]
    broken: frozenset[str]
    """content/-relative paths of the files with errors (links to them are not reported)."""


def load_posts(config: SiteConfig) -> list[Post]:
    """Read and validate every Markdown file under content/; raise BuildError on mistakes."""
    loaded = load_content(config)
    if loaded.errors:
        raise BuildError(loaded.errors)
    return loaded.posts


FileRecord = tuple[tuple[int, int], "Post | None", list[SourceError]]
"""A Markdown file's (mtime_ns, size) when read, and what reading it gave."""


@dataclass
class ContentMemo:
    """What the dev server keeps of content/ between builds."""

    files: dict[Path, FileRecord] = field(default_factory=dict)
    scan: ContentScan | None = None
    """The last walk of content/."""


def load_content(config: SiteConfig, memo: ContentMemo | None = None,
                 changed: set[Path] | None = None,
                 on_read: Callable[[Post], None] | None = None) -> Loaded:
    """Read every Markdown file under content/; keep going past files with mistakes.

    The build goes on with the valid posts so that one run reports every mistake of the
    site (a bad front matter here, a broken formula there) together. With a `memo` (kept
    by the dev server between builds) a file whose size and mtime are unchanged is not
    read again; when the server also says which files `changed`, and none was added or
    deleted under content/, content/ is not even walked again. `on_read` is given each
    valid post parsed from its file (not taken from a cache) as soon as it is.
    """
    content = config.content_dir
    errors: list[SourceError] = []
    posts: list[Post] = []
    if not content.is_dir():
        raise BuildError([SourceError(content, None, None, "no content/ folder",
                                      "create content/posts/<name>/index.md")])
    scan = _reuse_scan(content, memo, changed)
    if scan is not None and changed is not None and memo is not None:
        candidates = [path for path in changed if path in memo.files]
    else:
        scan = walk_content(content)
        candidates = scan.markdown
    if memo is not None:
        memo.scan = scan
    stale = [path for path in candidates if memo is None or not _unchanged(memo, path)]
    read = read_files(config, stale, on_read)
    errors.extend(scan.refused)
    broken: set[str] = {path.relative_to(content).as_posix() for path in
                        (error.path for error in scan.refused)}
    for path in scan.markdown:
        if path in read:
            stamp, post, file_errors = read[path]
            if memo is not None:
                memo.files[path] = (stamp, post, file_errors)
        elif memo is not None and path in memo.files:
            _, post, file_errors = memo.files[path]
        else:
            continue  # deleted while we walked (an editor saving): the watcher sees it too
        errors.extend(file_errors)
        if post is not None:
            assets = scan.assets_beside(path) if path.name.startswith("index.") else ()
            if post.assets != assets:
                post = replace(post, assets=assets)
                if memo is not None:  # the same object next time: later memos key on it
                    memo.files[path] = (memo.files[path][0], post, file_errors)
            posts.append(post)
        if file_errors:
            broken.add(path.relative_to(content).as_posix())
    if memo is not None:
        for gone in memo.files.keys() - set(scan.markdown):
            del memo.files[gone]
    return Loaded(posts, errors, frozenset(broken))


def _reuse_scan(content: Path, memo: ContentMemo | None, changed: set[Path] | None
                ) -> ContentScan | None:
    """The last scan, if the changes only modified files it found."""
    if memo is None or memo.scan is None or changed is None:
        return None
    for path in changed:
        if path.is_relative_to(content) and (path not in memo.scan.seen or not path.is_file()):
            return None
    return memo.scan


def _unchanged(memo: ContentMemo, path: Path) -> bool:
    remembered = memo.files.get(path)
    if remembered is None:  # the first build, a CLI build: nothing to compare with
        return False
    try:
        stat = path.stat()
    except OSError:
        return False
    return remembered[0] == (stat.st_mtime_ns, stat.st_size)


def read_files(config: SiteConfig, paths: list[Path],
               on_read: Callable[[Post], None] | None = None) -> dict[Path, FileRecord]:
    """Read and validate `paths`; a valid file read before is taken from the disk cache
    (by its stamp without reading it, else by its bytes: see post_cache.py)."""
    stats: dict[Path, os.stat_result] = {}
    read: dict[Path, FileRecord] = {}
    for path in paths:
        stat = _attempt(path, path.stat, read)
        if stat is not None:
            stats[path] = stat
    with PostCache(config) as cache:
        found = cache.by_stamp(stats)
        raw: dict[Path, bytes] = {}
        for path in stats:
            if path not in found:
                data = _attempt(path, path.read_bytes, read)
                if data is not None:
                    raw[path] = data
        found.update(cache.by_bytes(raw))
        for path, stat in stats.items():
            if path not in found and path not in raw:
                continue  # vanished or unreadable since its stat: recorded above
            file_errors: list[SourceError] = []
            post = found.get(path)
            new = post is None
            if post is None:
                post = _load_file(config, path, raw[path], file_errors)
                if post is not None and not file_errors and on_read is not None:
                    on_read(post)
            if post is not None and not file_errors:
                cache.keep(path, stat, post, read_now=path in raw, new=new)
            read[path] = ((stat.st_mtime_ns, stat.st_size), post, file_errors)
    return read


def _attempt(path: Path, call: Callable[[], T], read: dict[Path, FileRecord]) -> T | None:
    """`call()` (a stat or a read of `path`), or None after recording in `read` why the
    file cannot be read. A file deleted while we walked gets no record: the dev server's
    watcher sees that too."""
    try:
        return call()
    except FileNotFoundError:
        if os.path.islink(path):
            read[path] = ((0, 0), None, [SourceError(
                path, None, None, "a link to a file that does not exist",
                "point the link at a Markdown file, or delete it")])
    except OSError as exc:  # a link loop, no permission to read
        read[path] = ((0, 0), None, [SourceError(
            path, None, None, f"cannot read the file: {exc.strerror or exc}",
            "make it a readable file (check its permissions and any symbolic link)")])
    return None


def _load_file(
    config: SiteConfig, path: Path, raw: bytes, errors: list[SourceError]
) -> Post | None:
    try:
        text = decode_source(path, raw)
    except BuildError as exc:
        errors.extend(exc.errors)
        return None
    rel = path.relative_to(config.content_dir).as_posix()
    match = _SUFFIX.match(path.name)
    assert match is not None  # rglob("*.md") guarantees the suffix
    stem, lang = match["stem"], match["lang"] or config.default_language.code
    if lang not in config.language_codes:
        errors.append(SourceError(path, None, None, f"unknown language '{lang}' in the file name",
                                  "configured languages: " + ", ".join(config.language_codes)))
        return None
    front = split_front_matter(path, text, errors)
    if front is None:
        return None
    yaml_text, body, body_line = front
    if yaml_text is None:  # no front matter: the file is all body, and errors point at 1:1
        doc: YamlDoc | None = YamlDoc(path, None, {(): (1, 1)}, {})
    else:
        doc, yaml_errors = load(yaml_text, path, first_line=2)
        errors.extend(yaml_errors)
    if doc is None:
        return None
    source = _Source(path, rel, stem, lang, raw, yaml_text is not None)
    return _validate(config, source, doc, body, body_line, errors)


@dataclass(frozen=True)
class _Source:
    """What a file is, apart from its text."""

    path: Path
    rel: str
    stem: str
    lang: str
    raw: bytes
    has_front_matter: bool


def _validate(
    config: SiteConfig,
    source: _Source,
    doc: YamlDoc,
    body: str,
    body_line: int,
    errors: list[SourceError],
) -> Post | None:
    path, lang = source.path, source.lang
    data = doc.data
    if data is None:
        data = {}
    if not isinstance(data, dict):
        errors.append(doc.error((), "front matter must be a mapping of keys (title: ...)"))
        return None
    before = len(errors)
    keys = sort_keys(doc, data, errors)
    kind, key, name = _place(source.rel, source.stem)
    titled = title_and_body(doc, data, body, body_line, errors)
    date_errors: list[SourceError] = []
    given, _ = agreed(doc, "date", keys.of("date"),
                      lambda k: date_value(config, doc, data, k, date_errors), date_errors)
    date_given = given is not None or any(data.get(k) is not None for k in keys.of("date"))
    moment, dated, name, bad_day = date_or_stand_in(config, given, date_given, kind, name)
    errors.extend(missing_fields(source.path, doc if source.has_front_matter else None, name,
                           no_title=titled is None and data.get("title") is None,
                           no_date=moment is None and not date_errors, bad_day=bad_day))
    errors.extend(date_errors)
    updated, _ = agreed(doc, "updated", keys.of("updated"),
                        lambda k: date_value(config, doc, data, k, errors), errors)
    categories, _ = agreed(doc, "categories", keys.of("categories"),
                           lambda k: categories_value(config, doc, data, k, errors), errors)
    tags, _ = agreed(doc, "tags", keys.of("tags"),
                     lambda k: tuple(names_value(doc, data, k, errors)) or None, errors)
    draft, _ = agreed(doc, "draft", keys.of("draft"),
                      lambda k: flag_value(doc, data, k, errors), errors)
    summary, summary_key = agreed(doc, "summary", keys.of("summary"),
                                  lambda k: text_value(doc, data, k, errors), errors)
    declared = data.get("lang")
    if declared is not None and declared != lang:
        errors.append(doc.error(("lang",), f"lang '{declared}' disagrees with the file name, "
                                f"which says '{lang}'",
                                f"rename the file to *.{declared}.md or remove the lang key"))
    slug_value = text_value(doc, data, "slug", errors)
    series = series_value(doc, data, errors)
    if series is not None and kind != "post":
        errors.append(doc.error(("series",), "only posts can be in a series",
                                "remove 'series' from this page, or move the file under "
                                "content/posts/"))
    aliases, _ = agreed(doc, "aliases", keys.of("aliases"),
                                  lambda k: _aliases(doc, data, k, errors), errors)
    extra = extra_value(doc, data, keys, errors)
    if len(errors) > before or titled is None or moment is None or extra is None:
        return None
    title, title_line, body, body_line = titled
    slug = slugify(slug_value) if slug_value else name
    named = [("slug", slug), *(("tags", slugify(tag)) for tag in tags or ()),
             *((("series", slugify(series)),) if series is not None else ())]
    long = [(field_name, part) for field_name, part in named
            if len(part.encode("utf-8", "surrogatepass")) > NAME_MAX]
    if long:  # Hugo and Zola stop with the system's "file name too long"; shortening would
        # change a URL silently and could make two posts one
        field_name, part = long[0]
        what = {"slug": "slug", "tags": "tag", "series": "series"}[field_name]
        errors.append(doc.error(
            (("slug",) if slug_value else ()) if field_name == "slug" else (field_name,),
            f"the {what} '{part[:24]}…' makes a URL name of "
            f"{len(part.encode('utf-8'))} bytes; file systems allow {NAME_MAX}",
            f"give it a shorter `{field_name}:` (a CJK character is 3 "
            "bytes in UTF-8; about 80 of them fit)"))
        return None
    prefix = config.lang_prefix(lang)
    url = f"{prefix}/posts/{slug}/" if kind == "post" else f"{prefix}/{slug}/"
    if kind == "page" and "/" in key:
        url = f"{prefix}/{key.rsplit('/', 1)[0]}/{slug}/"
    return Post(
        source=path, rel=source.rel, digest=digest(source.raw), kind=kind, lang=lang,
        key=key, slug=slug, url=url, title=title, date=moment, updated=updated,
        categories=categories or (), tags=tags or (), draft=bool(draft),
        summary=summary, body=body, body_line=body_line, dated=dated, extra=extra,
        title_line=title_line, summary_line=doc.where((summary_key,))[0] or 2,
        slug_at=doc.where(("slug",)) if slug_value else None,
        aliases=tuple(path for path, _ in aliases or ()),
        aliases_at=tuple(where for _, where in aliases or ()), series=series,
    )


def _aliases(doc: YamlDoc, data: dict[str, Any], key: str, errors: list[SourceError]
             ) -> tuple[tuple[str, tuple[int | None, int | None]], ...] | None:
    """The old URLs at `key`, each with its place: paths from the site root (`/old/`,
    `/2019/09/23/vae.html`, or a full URL, whose path is taken), without `..` or a query."""
    found: list[tuple[str, tuple[int | None, int | None]]] = []
    listed = isinstance(data.get(key), list)
    for index, name in enumerate(names_value(doc, data, key, errors)):
        place = (key, index) if listed else (key,)
        path = site_root_path(name)
        if path is None:
            errors.append(doc.error(place, f"alias '{name}' is not a path from the site root",
                                    "write the old URL's path, e.g. /2019/09/23/vae.html or "
                                    "/posts/vae/"))
            continue
        found.append((path, doc.where(place)))
    return tuple(found) or None


def _place(rel: str, stem: str) -> tuple[str, str, str]:
    """Return (kind, translation key, name) of a file from its place under content/."""
    parts = rel.split("/")
    folder = parts[:-1]
    if stem == "index":
        if not folder:
            return "page", "index", "index"
        name = folder[-1]
        folder = folder[:-1]
    else:
        name = stem
    kind = "post" if folder[:1] == ["posts"] else "page"
    inner = folder[1:] if kind == "post" else folder
    key = "/".join([*(folder[:1] if kind == "post" else []), *inner, name])
    return kind, key, name
