"""PARSE helper: relative links and images in a body become markers, each use recorded.

Whether a post or an asset is at a link's target is decided when the site is assembled
(`site.resolve_links`), so a Body never depends on other files and can be cached.
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
    """A relative link or image in a post, resolved against content/."""

    href: str
    """As written by the author."""
    target: str | None
    """content/-relative path it points at, normalised; None when it leaves content/."""
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
            if not value or value.startswith(("#", "/")) or _SCHEME.match(value):
                continue
            marker = _resolve_relative(env, value, token)
            child.attrSet(attr, marker)


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
    """Return the file line and column of a link's `href` within the block of `token`."""
    first = token.map[0] if token.map else 0
    last = token.map[1] if token.map else first + 1
    lines: list[str] = env["lines"]
    # `](href)` is the link itself; a bare `href` could be the start of another link's path.
    escaped = re.escape(href)
    patterns = (rf"\]\(<?({escaped})[>\s)]", rf"\]:\s*<?({escaped})(?:[>\s]|$)", f"({escaped})")
    for pattern in patterns:
        for number in range(first, min(last, len(lines))):
            found = re.search(pattern, lines[number])
            if found:
                return env["body_line"] + number, found.start(1) + 1
    return env["body_line"] + first, 1
