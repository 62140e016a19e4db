"""PARSE helper: what the shortcode pre-pass hands the post-pass (see shortcode_syntax.py).

One `Call` per tag as written, Hugo's (`{{< name >}}`) or a Hexo tag plugin's
(`{% name %}`); the `Prepared` source with placeholders in their place; and the small
helpers both syntaxes share: file positions of offsets, link markers for paths.
"""

from __future__ import annotations

import posixpath
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import quote, unquote

from .markdown import BodyProblem
from .mdlinks import LinkUse

HUGO, HEXO = "hugo", "hexo"


@dataclass
class Call:
    """One shortcode tag as written."""

    name: str
    kind: str
    """`open` (its closing tag follows), `single`, `close`, `literal`, `text` (shown as
    written: a malformed tag or a stray closing tag, already a problem) or `done` (a
    path put straight into a link's target)."""
    delimiter: str
    """`<` or `%` (Hugo), `{%` (Hexo)."""
    written: str
    line: int
    col: int
    block: bool
    """Alone on its line(s): its placeholder is a block of its own."""
    positional: list[Any] = field(default_factory=list)
    named: dict[str, Any] = field(default_factory=dict)
    places: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Where each argument's value starts and ends (by name, or by index as a string)."""
    pair: int = -1
    """The index of the matching open or close call."""
    quoted: list[bool] = field(default_factory=list)
    """Per positional argument: written in quotes (Hexo's tags tell words from phrases)."""
    verbatim: str | None = None
    """The text between a Hexo block tag whose inside is not Markdown (codeblock) and its
    closing tag, as written."""
    url: str | None = None
    """The link marker of a tag that links a post or an asset (ref, post_link...)."""

    @property
    def syntax(self) -> str:
        return HEXO if self.delimiter == "{%" else HUGO


@dataclass
class Prepared:
    text: str
    """The source with every shortcode replaced by a placeholder, line for line."""
    calls: list[Call]
    anchors: dict[int, list[tuple[int, int]]]
    """Per changed line (0-based in the body): (column in `text`, column in the source)."""
    problems: list[BodyProblem]
    links: list[LinkUse]
    rel_dir: str
    body_line: int
    source: str
    """The source as written."""

    @cached_property
    def source_positions(self) -> Positions:
        """File line and column of an offset in `source` (one table of line starts)."""
        return Positions(self.source, self.body_line)


_NEWLINE = re.compile("\n")


class Positions:
    """The file line and column of an offset in the body."""

    def __init__(self, text: str, body_line: int) -> None:
        self.text, self.body_line = text, body_line
        self._line_starts: list[int] | None = None

    def __call__(self, offset: int) -> tuple[int, int]:
        # The line starts are found once, on the first question: a body with thousands of
        # shortcodes asks thousands of times (counting from the top each time: quadratic).
        if self._line_starts is None:
            self._line_starts = [0] + [m.end() for m in _NEWLINE.finditer(self.text)]
        line = bisect_right(self._line_starts, offset) - 1
        return self.body_line + line, offset - self._line_starts[line] + 1


def placeholder(index: int, block: bool, newlines: int) -> str:
    """What stands for call `index` in the Markdown: an HTML comment of its own lines for
    a block, private-use characters (and a filler per line) in running text."""
    if block:
        return f"<!--bk-sc:{index}" + "\n" * newlines + "-->"
    return f"\uf8f0{index}\uf8f1" + "\n\uf8f2" * newlines


def value_position(prepared: Prepared, offset: int) -> tuple[int, int]:
    """The file position of an argument's value (inside its quotes)."""
    source = prepared.source
    return prepared.source_positions(offset + (source[offset:offset + 1] in ("\"", "'", "`")))


def inside(spans: list[tuple[int, int]], offset: int) -> bool:
    return any(start <= offset < stop for start, stop in spans)


def alone_on_line(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is all its lines hold (after a blockquote's `>`)."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    return (re.fullmatch(r"[ \t>]*", text[line_start:start]) is not None
            and not text[end:line_end if line_end >= 0 else len(text)].strip())


_LINK_POSITION = re.compile(r"(\]\(|\]:\s*|=\s*[\"'])$")


def in_link_position(text: str, at: int) -> bool:
    """Whether `at` is where a Markdown link's target or an HTML attribute's value starts:
    a path tag there is replaced by its marker before Markdown runs (a placeholder would
    be percent-encoded into the URL)."""
    return _LINK_POSITION.search(text, max(0, at - 40), at) is not None


def link_marker(rel_dir: str, path: str, written: str, line: int, col: int,
                absolute: bool = False) -> tuple[str, LinkUse]:
    """A relative path as a link marker (as mdlinks makes them) and its use; `absolute`:
    from the content folder."""
    path_part, _, fragment = path.partition("#")
    path_part = unquote(path_part.partition("?")[0])
    base = "" if absolute else rel_dir
    joined = posixpath.normpath(posixpath.join(base, path_part)) if path_part else ""
    target = joined if joined and joined != "." and not joined.startswith("..") else None
    use = LinkUse(written, target, line, col)
    if target is None:
        return written, use
    return f"blogkit:link:{quote(target)}" + (f"#{fragment}" if fragment else ""), use


def link_call(prepared: Prepared, call: Call, key: str, path: str, written: str,
              absolute: bool = False) -> str:
    """Give `call` the link marker of `path` (its argument `key`), the use recorded at the
    argument's place so a missing target is reported there."""
    line, col = call.line, call.col
    if key in call.places:
        line, col = value_position(prepared, call.places[key][0])
    marker, use = link_marker(prepared.rel_dir, path, written, line, col, absolute)
    prepared.links.append(use)
    call.url = marker
    return marker
