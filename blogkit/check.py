"""CHECK: `blogkit check`: what a build does not stop for but a reader would hit.

It runs the build's first stages (read, bodies, assemble: build._read, bodies.render_all
with the body cache, site.assemble) and no other: no formula is rendered and no page
written, so a warm check of a large site reads the caches and assembles, nothing more.
Then, each problem at its `path:line:col` with a hint:

- links and images to nothing (the build's own link errors, root-relative ones against
  static/ and every published page), and `#anchors` no heading or element of the page
  they lead to has, on the same page or across pages and languages;
- translations whose category or date differs from the default language's, and the
  theme's UI strings a configured language has no translation of;
- posts with no category, tags that differ only by case or character width, duplicate
  titles in one language, summaries longer than the excerpt length;
- with `external`, links to other sites that do not answer (`external_links`: HEAD
  then GET, concurrently, with a timeout, a per-host limit and a day's cache).

Posts in one language only, drafts and future posts are listed as notes: they are no
problem, and the exit status does not count them.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import yaml

from .bodies import body_keys, render_all
from .build import BuildOptions, _read, _static_paths
from .build_cache import BuildCache
from .check_external import external_links
from .config import CONFIG_NAME, SiteConfig
from .content import Post
from .errors import LINK, SourceError
from .formulas import FormulaHTML
from .i18n import count_units
from .links import target_url
from .markdown import Body
from .site import Entry, Site, assemble
from .yamlpos import load

ANCHOR = "anchor"
TRANSLATION = "translation"
FRONT_MATTER = "front matter"
LISTED = "listed"
"""Kinds of what check reports (besides the build's own, errors.LINK..., and
check_external.EXTERNAL)."""


@dataclass(frozen=True)
class CheckOptions:
    source: Path
    external: bool = False
    workers: int | None = None
    timeout: float = 10.0
    """Seconds an external link has to answer."""
    per_host: int = 2
    """External requests to one host at a time."""
    threads: int = 16
    """External requests at a time in all."""


@dataclass
class Report:
    problems: list[SourceError] = field(default_factory=list)
    """What a reader would hit: the exit status is 1 when there is any."""
    notes: list[SourceError] = field(default_factory=list)
    """Listed only: posts in one language, drafts, future posts."""


def check(options: CheckOptions) -> Report:
    """Check the site; raise BuildError only when it cannot be read at all (no
    blogkit.yaml, a bad one)."""
    build_options = BuildOptions(options.source, workers=options.workers)
    cache = BuildCache()
    with ExitStack() as stack:
        read = _read(build_options, cache, {}, pool_in=stack)
        config, posts = read.config, read.posts
        keys = body_keys(config, posts)
        bodies, _ = render_all(config, posts, keys, cache.bodies, options.workers,
                               None, read.pool)
    site, site_errors = assemble(config, posts, bodies, FormulaHTML({}), keys,
                                 read.loaded.broken, partial(_static_paths, config, posts))
    report = Report()
    report.problems += read.loaded.errors + site_errors
    report.problems += [SourceError(post.source, problem.line, problem.col, problem.message,
                                    problem.hint) for post in posts
                        for problem in bodies[post.rel].problems]
    written = {post.rel: list(written_links(post)) for post in posts}
    report.problems += anchors(site, written)
    report.problems += translations(site) + untranslated_ui(config)
    report.problems += front_matter(config, posts, bodies)
    if options.external:
        report.problems += external_links(config, posts, written, options)
    report.notes += listed(config, read.loaded.posts, posts, site)
    report.problems.sort(key=SourceError.sort_key)
    report.notes.sort(key=SourceError.sort_key)
    return report


# --- the links an author wrote, with their places ------------------------------------

@dataclass(frozen=True)
class Written:
    """A link or image as written in a post's Markdown (or raw HTML) source."""

    href: str
    line: int
    col: int


_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
_WRITTEN = re.compile(
    r"\]\(\s*<?(?P<inline>[^)\s>]+)"              # [text](href "title"), ![alt](src)
    r"|^ {0,3}\[[^\]]+\]:\s*<?(?P<defined>[^\s>]+)"  # [name]: href
    r"|<(?P<auto>https?://[^>\s]+)>"              # <https://...>
    r"|\b(?:href|src)=[\"'](?P<html>[^\"']+)")     # raw HTML


def written_links(post: Post) -> Iterator[Written]:
    """Every link target written in the post's body outside code, where it is written.
    Cheap (one pattern a line, code blocks skipped): only for what the Body does not
    record, anchors on the same page and links to other sites."""
    fence = ""
    for index, text in enumerate(post.body.split("\n")):
        opened = _FENCE.match(text)
        if fence:
            if opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence):
                fence = ""
            continue
        if opened:
            fence = opened.group(1)
            continue
        if text.startswith(("    ", "\t")) or ("(" not in text and "=" not in text
                                                and "<" not in text and "]:" not in text):
            continue
        if "`" in text:
            text = _CODE_SPAN.sub(lambda m: " " * len(m.group(0)), text)
        for match in _WRITTEN.finditer(text):
            name = match.lastgroup or "inline"
            href = match.group(name)
            yield Written(href, post.body_line + index, match.start(name) + 1)


# --- anchors ---------------------------------------------------------------------------

_ID = re.compile(r'\sid="([^"]+)"')


def anchors(site: Site, written: dict[str, list[Written]]) -> list[SourceError]:
    """`#fragment`s that no element of the page they lead to has: on the same page, or
    on another post or page (in the language the link leads to)."""
    links = site.links
    if links is None:
        return []
    entries = {entry.post.url: entry for listed in (*site.posts.values(), *site.pages.values())
               for entry in listed}
    ids: dict[str, frozenset[str]] = {}

    def ids_of(entry: Entry) -> frozenset[str]:
        found = ids.get(entry.post.rel)
        if found is None:
            found = ids[entry.post.rel] = frozenset(_ID.findall(entry.body.html))
        return found

    problems = []
    for entry in entries.values():
        post = entry.post
        for use in written.get(post.rel, ()):
            if use.href.startswith("#") and len(use.href) > 1 and \
                    unquote(use.href[1:]) not in ids_of(entry):
                problems.append(_no_anchor(post, use.line, use.col, use.href[1:], "this page"))
        for link in entry.body.links:
            if "#" not in link.href or link.target is None:
                continue
            fragment = unquote(link.href.split("#", 1)[1])
            url = target_url(links, post.lang, link.target)
            target = entries.get(url or "")
            if fragment and target is not None and fragment not in ids_of(target):
                where = f"content/{target.post.rel}"
                problems.append(_no_anchor(post, link.line, link.col, fragment, where))
    return problems


def _no_anchor(post: Post, line: int, col: int, fragment: str, page: str) -> SourceError:
    return SourceError(post.source, line, col,
                       f"link to '#{fragment}': {page} has no heading or element with that id",
                       "a heading's id is its text in lower case with '-' for spaces "
                       "(## Loss Function is #loss-function; Chinese stays as it is); "
                       "or give an element id=\"...\"", severity="warning", kind=ANCHOR)


# --- translations ---------------------------------------------------------------------

def translations(site: Site) -> list[SourceError]:
    """A translation whose categories or date differ from the default language's."""
    default = site.config.default_language.code
    problems = []
    for versions in site.translations.values():
        first = versions.get(default) or next(iter(versions.values()))
        for lang, entry in versions.items():
            post, other = entry.post, first.post
            if lang == first.post.lang or post.kind != "post":
                continue
            if set(post.categories) != set(other.categories):
                line = _front_line(post, ("categories", "category"))
                shown = ", ".join(other.categories) or "none"
                problems.append(SourceError(
                    post.source, line, 1,
                    f"categories differ from the {other.lang} version's ({shown})",
                    f"give both the same categories (content/{other.rel})",
                    severity="warning", kind=TRANSLATION))
            if post.date.date() != other.date.date():
                problems.append(SourceError(
                    post.source, _front_line(post, ("date",)), 1,
                    f"date {post.date.date()} differs from the {other.lang} version's "
                    f"({other.date.date()})",
                    "translations share one date, their post's (an edit's date is "
                    "'updated')", severity="warning", kind=TRANSLATION))
    return problems


def untranslated_ui(config: SiteConfig) -> list[SourceError]:
    """The theme's UI strings a configured language has no text of its own for (neither
    in the theme nor in its `ui:` in blogkit.yaml): the pages show them in English."""
    english = _theme_strings("en")
    path = config.root / CONFIG_NAME
    doc, _ = load(path.read_text(encoding="utf-8"), path)
    problems = []
    for index, language in enumerate(config.languages):
        if language.code == "en":
            continue
        mine = _theme_strings(language.code)
        missing = sorted(key for key in english if key not in mine and key not in language.ui)
        if missing:
            line, col = doc.where(("languages", index)) if doc is not None else (None, None)
            shown = ", ".join(missing[:8]) + (", ..." if len(missing) > 8 else "")
            problems.append(SourceError(
                path, line, col,
                f"{len(missing)} UI strings have no {language.code} text and show in "
                f"English: {shown}",
                "give them under this language's ui: (e.g. ui: {read_more: ...})",
                severity="warning", kind=TRANSLATION))
    return problems


def _theme_strings(code: str) -> dict[str, Any]:
    entry = resources.files("blogkit") / "theme" / "i18n" / f"{code}.yaml"
    if not entry.is_file():
        return {}
    return dict(yaml.safe_load(entry.read_text(encoding="utf-8")) or {})


# --- front matter ---------------------------------------------------------------------

def front_matter(config: SiteConfig, posts: list[Post], bodies: dict[str, Body]
                 ) -> list[SourceError]:
    problems: list[SourceError] = []
    titles: dict[tuple[str, str], Post] = {}
    spellings: dict[str, dict[str, Post]] = {}
    for post in posts:
        if post.kind != "post":
            continue
        if not post.categories and config.categories:
            problems.append(SourceError(
                post.source, _front_line(post, ("title",)), 1, "the post has no category",
                "add e.g. 'categories: [" + config.categories[0].name + "]' (categories are "
                "listed in blogkit.yaml)", severity="warning", kind=FRONT_MATTER))
        same = titles.setdefault((post.lang, post.title.casefold()), post)
        if same is not post:
            problems.append(SourceError(
                post.source, post.title_line, 1,
                f"the title '{post.title}' is also content/{same.rel}'s",
                "readers tell posts apart by their titles: give one of them another",
                severity="warning", kind=FRONT_MATTER))
        for tag in post.tags:
            spellings.setdefault(_folded(tag), {}).setdefault(tag, post)
        if post.summary is not None:
            cjk, words = count_units(post.summary)
            if cjk + words > config.excerpt_length:
                problems.append(SourceError(
                    post.source, post.summary_line, 1,
                    f"the summary is {cjk + words} units long, more than excerpt_length "
                    f"({config.excerpt_length})",
                    "listings show the whole summary: shorten it (a Chinese character or "
                    "an English word is a unit)", severity="warning", kind=FRONT_MATTER))
    for found in spellings.values():
        if len(found) < 2:
            continue
        first, *others = found
        for tag in others:
            post = found[tag]
            problems.append(SourceError(
                post.source, _front_line(post, ("tags", "tag")), 1,
                f"tag '{tag}' differs from '{first}' (content/{found[first].rel}) only by "
                "case or character width", "write the tag one way everywhere: both go to "
                "one tag page, under the spelling met first",
                severity="warning", kind=FRONT_MATTER))
    return problems


def _folded(tag: str) -> str:
    return unicodedata.normalize("NFKC", tag).casefold()


def _front_line(post: Post, keys: tuple[str, ...]) -> int:
    """The line of the first of `keys` in the post's front matter (1 when not found)."""
    try:
        lines = post.source.read_text(encoding="utf-8").split("\n")
    except (OSError, UnicodeDecodeError):
        return 1
    pattern = re.compile(rf"^(?:{'|'.join(map(re.escape, keys))})\s*:")
    for number, text in enumerate(lines[1:post.body_line], start=2):
        if pattern.match(text):
            return number
    return 1


# --- what is listed -------------------------------------------------------------------

def listed(config: SiteConfig, loaded: list[Post], published: list[Post], site: Site
           ) -> list[SourceError]:
    """Notes: posts in one language only, drafts, future posts."""
    notes = []
    codes = config.language_codes
    if len(codes) > 1:
        for versions in site.translations.values():
            entry = versions.get(codes[0]) or next(iter(versions.values()))
            if entry.post.kind == "post" and len(versions) < len(codes):
                have = ", ".join(code for code in codes if code in versions)
                missing = ", ".join(code for code in codes if code not in versions)
                notes.append(SourceError(
                    entry.post.source, None, None, f"only in {have}: no {missing} translation",
                    severity="note", kind=LISTED))
    shown = {post.rel for post in published}
    now = datetime.now(timezone.utc)
    for post in loaded:
        if post.rel in shown:
            continue
        what = "a draft" if post.draft else f"dated {post.date.date()}, in the future"
        if post.draft and post.date > now:
            what = f"a draft, dated {post.date.date()}"
        notes.append(SourceError(post.source, None, None, f"not published: {what}",
                                 severity="note", kind=LISTED))
    return notes


# --- reports --------------------------------------------------------------------------

def report_text(report: Report, root: Path) -> str:
    lines = [message.format(root) for message in (*report.problems, *report.notes)]
    lines.append(summary(report))
    return "\n".join(lines)


def summary(report: Report) -> str:
    """The last line: problems by severity and by kind, so a long report reads at a
    glance (`check: 14 problems (2 errors, 12 warnings; link 4, anchor 3), 5 listed`)."""
    problems = report.problems
    count = len(problems)
    line = f"check: {count} problem{'s' if count != 1 else ''}"
    if problems:
        errors = sum(problem.severity == "error" for problem in problems)
        kinds: dict[str, int] = {}
        for problem in problems:
            kinds[problem.kind or "other"] = kinds.get(problem.kind or "other", 0) + 1
        by_kind = ", ".join(f"{kind} {number}" for kind, number in
                            sorted(kinds.items(), key=lambda item: (-item[1], item[0])))
        line += (f" ({errors} error{'s' if errors != 1 else ''}, {count - errors} "
                 f"warning{'s' if count - errors != 1 else ''}; {by_kind})")
    return line + f", {len(report.notes)} listed"


def report_json(report: Report, root: Path) -> str:
    def item(message: SourceError) -> dict[str, object]:
        path = message.path
        shown = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
        return {"path": shown, "line": message.line,
                "col": message.col, "severity": message.severity, "kind": message.kind,
                "message": message.message, "hint": message.hint}

    return json.dumps({"problems": [item(m) for m in report.problems],
                       "notes": [item(m) for m in report.notes]}, ensure_ascii=False, indent=2)


__all__ = ["LINK", "CheckOptions", "Report", "check", "report_json", "report_text"]
