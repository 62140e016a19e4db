"""PARSE helper: relative and root-relative links and images in a body become markers,
each use recorded with its own line and column.

Whether a post, an asset, a static file or a page is at a link's target is decided when
the site is assembled (`links.resolve_links`), so a Body never depends on other files and
can be cached. A root-relative link (`/images/cn/fig.png`) means the site's root, as
Hugo's `canonifyURLs`, its link and image render hooks and its aliases read one: the site's
base path is put in front of it (unless it starts with that path already).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import MutableMapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import quote, unquote

if TYPE_CHECKING:
    from markdown_it.rules_core import StateCore
    from markdown_it.token import Token

_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.\-]*:")


class LinkUse(NamedTuple):
    """A relative link or image in a post, resolved against content/, or a root-relative
    one, against the site's root."""

    href: str
    """As written by the author."""
    target: str | None
    """content/-relative path it points at, normalised; None when it leaves content/. For
    a root-relative link, the site path, normalised and starting with `/`."""
    line: int
    col: int


def rewrite_links(state: StateCore) -> None:
    """Relative links and images to files under content/ become markers; missing ones noted."""
    env = state.env
    if "source" not in env:
        return
    for token in state.tokens:
        if token.type != "inline" or not token.children:
            continue
        for child in token.children:
            attr = "href" if child.type == "link_open" else "src" if child.type == "image" else ""
            if not attr:
                continue
            value = str(child.attrGet(attr) or "")
            if not value or value[0] == "#" or value.startswith("//") or _SCHEME.match(value):
                continue  # a fragment, a protocol-relative or an absolute URL
            if value[0] == "/":
                marker = _resolve_root(env, value, token)
            else:
                marker = _resolve_relative(env, value, token)
            child.attrSet(attr, marker)


def _resolve_root(env: MutableMapping[str, Any], href: str, inline: Token) -> str:
    """A root-relative link: its site path, kept as written past normalising (a final
    slash stays: `/posts/other/` is a page, `/images/a.png` a file)."""
    path_part, _, fragment = href.partition("#")
    path_part = unquote(path_part.partition("?")[0])
    target = posixpath.normpath(path_part) if path_part not in ("", "/") else "/"
    if target.startswith("//"):  # normpath keeps a leading double slash
        target = "/" + target.lstrip("/")
    if path_part.endswith("/") and target != "/":
        target += "/"
    line, col = _locate(env, inline, href)
    env["links"].append(LinkUse(href, target, line, col))
    return f"blogkit:link:{quote(target)}{f'#{fragment}' if fragment else ''}"


def _resolve_relative(env: MutableMapping[str, Any], href: str, inline: Token) -> str:
    source: Path = env["source"]
    content: Path = env["content_dir"]
    path_part, _, fragment = href.partition("#")
    path_part = unquote(path_part.partition("?")[0])
    rel_dir = source.parent.relative_to(content).as_posix()
    joined = posixpath.normpath(posixpath.join(rel_dir, path_part)) if path_part else ""
    # Only the path is worked out here; whether a post or an asset is there is decided when
    # the site is assembled, so a Body never depends on other files (and can be cached).
    target = joined if joined and joined != "." and not joined.startswith("..") else None
    line, col = _locate(env, inline, href)
    env["links"].append(LinkUse(href, target, line, col))
    if target is None:
        return href
    suffix = f"#{fragment}" if fragment else ""
    return f"blogkit:link:{quote(target)}{suffix}"


def _locate(env: MutableMapping[str, Any], token: Token, href: str) -> tuple[int, int]:
    """Return the file line and column of a link's `href` within the block of `token`.

    Links are met in the order they are written, so each takes the first place of its
    href not taken by a link before it: two links on one line (the same href twice, too)
    are each at their own column. A link by reference (`[text][ref]`) is at its
    definition's href, wherever in the file the definition is; links sharing one
    definition share its place.
    """
    first = token.map[0] if token.map else 0
    last = token.map[1] if token.map else first + 1
    lines: list[str] = env["lines"]
    taken: set[tuple[int, int]] = env.setdefault("link_places", set())
    escaped = re.escape(href)
    # `](href)` is the link itself; `]: href` a reference definition, anywhere in the
    # file; a bare `href` (an autolink) could be the start of another link's path, so it
    # comes last.
    inline = re.compile(rf"\]\(\s*<?({escaped})(?:[>\s)])")
    definition = re.compile(rf"^ {{0,3}}\[[^\]]+\]:\s*<?({escaped})(?:[>\s]|$)")
    bare = re.compile(f"({escaped})")
    block = range(first, min(last, len(lines)))
    for pattern, numbers, shared in ((inline, block, False),
                                     (definition, range(len(lines)), True),
                                     (bare, block, False)):
        for number in numbers:
            if href not in lines[number]:
                continue
            for found in pattern.finditer(lines[number]):
                place = (number, found.start(1))
                if shared or place not in taken:
                    taken.add(place)
                    return env["body_line"] + number, found.start(1) + 1
    return env["body_line"] + first, 1
