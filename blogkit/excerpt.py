"""PARSE helper: cut a rendered body to an excerpt by visible length, as well-formed HTML.

A CJK character or a Latin word is one unit. A formula (`<bk-math>` placeholder), a code
span or an inline SVG is one unit, taken whole or not at all, so the cut never falls inside
a tag, code, a formula, or an emoji sequence. Headings, images, tables, code blocks and
footnote references are left out of automatic excerpts: the excerpt is running text.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

from .i18n import CJK_LETTER_RE, LATIN_WORD_RE

MORE_MARKER = "<!--more-->"
"""The marker as blogkit writes it; any spacing inside the comment is the same marker
(Hexo's docs write `<!-- more -->`)."""
_MORE = re.compile(r"<!--\s*more\s*-->", re.I)
ELLIPSIS = "…"

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
         "track", "wbr"}
_ATOMIC = {"bk-math", "code", "svg", "math", "kbd"}
_SKIPPED = {"h1", "h2", "h3", "h4", "h5", "h6", "img", "figure", "table", "pre", "hr", "section",
            "script", "style", "iframe", "video", "audio"}
_UNIT_RE = re.compile(f"{CJK_LETTER_RE.pattern}|{LATIN_WORD_RE.pattern}")
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_SKIPPED_BLOCKS = re.compile(r"<(pre|table)\b.*?</\1>", re.S)
_ATTR_NAME = re.compile(r"^[a-zA-Z_:][-a-zA-Z0-9_:.]*$")
_NEVER_KEPT = ('class="footnote-ref"', 'class="heading-anchor"')
_ASIDE = 'class="admonition '
"""An admonition is an aside, not the opening text: left out of automatic excerpts."""


@dataclass
class _Budget:
    left: int
    """Units still to take."""
    truncated: bool = False
    """Whether a text was cut short (the excerpt then ends with an ellipsis)."""


@dataclass
class _Element:
    tag: str
    start: str
    """The start tag exactly as written."""
    children: list[_Element | str] = field(default_factory=list)


MAX_DEPTH = 200
"""Elements nested deeper than this lose their tags in an excerpt (their text is kept).

Raw HTML in a post can nest tags thousands deep (`<b>` ten thousand times); the tree is
walked recursively, and an unmatched end tag looks down the stack, so the depth is capped
(Chromium's parser caps the tree at 512 for the same reason)."""


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Element("", "")
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if len(self.stack) > MAX_DEPTH:
            return
        element = _Element(tag, _start_tag(tag, attrs))
        self.stack[-1].children.append(element)
        if tag not in _VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if len(self.stack) > MAX_DEPTH:
            return
        self.stack[-1].children.append(_Element(tag, _start_tag(tag, attrs)))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def _start_tag(tag: str, attrs: list[tuple[str, str | None]]) -> str:
    """Write a start tag anew from its parsed attributes, so it is always well-formed.

    ids are dropped: they would repeat when several excerpts share a page.
    """
    parts = [tag]
    for name, value in attrs:
        if name == "id" or not _ATTR_NAME.match(name):
            continue
        parts.append(name if value is None else f'{name}="{html.escape(value)}"')
    return "<" + " ".join(parts) + ">"


def make_excerpt(body_html: str, limit: int) -> tuple[str, bool]:
    """Return (excerpt HTML, whether the body goes on after it)."""
    more = _MORE.search(body_html) if "<!--" in body_html else None
    if more is not None:
        head = _parse(_well_formed(body_html[:more.start()])[0])
        budget = _Budget(len(body_html))
        kept_all = [_trim(node, budget, auto=False)[0] for node in head.children]
        return _serialize([node for node in kept_all if node is not None]), True
    # Code blocks and tables are never part of an automatic excerpt; emptying them first
    # spares the parser most of a post's tags (Pygments writes a span per token).
    nodes = _top_level(_SKIPPED_BLOCKS.sub(r"<\1></\1>", body_html))
    budget = _Budget(limit)
    kept: list[_Element | str] = []
    cut = False
    for node in nodes:
        if budget.left <= 0:
            if cut:
                break  # nothing after this can change the excerpt: leave the rest unparsed
            cut = _has_text(node)
            continue
        if isinstance(node, _Element) and _skipped(node):
            cut = True
            if kept and node.tag in _HEADINGS:
                break  # the excerpt is the opening text: a new section ends it
            continue
        trimmed, node_cut = _trim(node, budget)
        cut = cut or node_cut
        if trimmed is not None:
            kept.append(trimmed)
    text = _serialize(kept)
    if budget.truncated and kept:
        text = _append_ellipsis(text)
    return text, cut


_BLOCK_GAP = re.compile(r"\n(?=<)")
_STRAY_LT = re.compile(r"<(?:[!?][^<>]*>|(?!/?[a-zA-Z][^<>]*>))")
"""A `<` that starts no tag (escaped), or a declaration or processing instruction (dropped).

Python's HTMLParser rescans to the end of the text for each `<` that opens something it
cannot finish (`<a ` ten thousand times takes minutes, `<![` raises); a tag here never
holds another `<`, so each lookahead stops at the next one and the pass is linear."""


def _well_formed(fragment: str, start: int = 0, end: int | None = None) -> tuple[str, int]:
    """`fragment[start:end]` with only complete tags and comments left for the parser.

    Returns the text and where it really ended: at the first line starting with a tag
    after the end of a comment opened before `end`, or at the end of the fragment for a
    comment never closed, whose text is left out (raw HTML in a post comes as written;
    an unclosed `<!--` hides the rest of the page in a browser too).
    """
    end = len(fragment) if end is None else end
    if fragment.find("<", start, end) < 0:
        return fragment[start:end], end
    parts: list[str] = []
    while (opened := fragment.find("<!--", start, end)) >= 0:
        closed = fragment.find("-->", opened + 4)
        parts.append(_STRAY_LT.sub(_stray, fragment[start:opened]))
        if closed < 0:
            return "".join(parts), len(fragment)
        parts.append(fragment[opened:closed + 3])
        start = closed + 3
        if start > end:  # the comment went past the piece: end it at the next line's tag
            gap = _BLOCK_GAP.search(fragment, start)
            end = gap.end() if gap else len(fragment)
    parts.append(_STRAY_LT.sub(_stray, fragment[start:end]))
    return "".join(parts), end


def _stray(match: re.Match[str]) -> str:
    return "" if len(match.group()) > 1 else "&lt;"


_FEED = 512
"""Characters fed to the parser at a time when reading top-level blocks lazily."""


def _top_level(fragment: str) -> Iterator[_Element | str]:
    """The top-level nodes of `fragment`, parsed only as far as they are asked for.

    The text is fed to the parser in pieces that end where a line starts with a tag, so
    no run of text is split (the events are those of one whole feed), and a node is
    given once a sibling follows it: then it is complete. Each piece is made well-formed
    (`_well_formed`) as it is fed, so text never asked for is never looked at.
    """
    builder = _TreeBuilder()
    children = builder.root.children
    given = 0
    start = 0
    while start < len(fragment):
        gap = _BLOCK_GAP.search(fragment, start + _FEED)
        piece, end = _well_formed(fragment, start, gap.end() if gap else len(fragment))
        builder.feed(piece)
        start = end
        while given < len(children) - 1:
            yield children[given]
            given += 1
    builder.close()
    yield from children[given:]


def _parse(fragment: str) -> _Element:
    builder = _TreeBuilder()
    builder.feed(fragment)
    builder.close()
    return builder.root


def _skipped(node: _Element) -> bool:
    return node.tag in _SKIPPED or any(mark in node.start for mark in _NEVER_KEPT) or (
        _ASIDE in node.start) or (
        node.tag == "p" and all(isinstance(c, _Element) and c.tag == "img" for c in node.children
                                if not (isinstance(c, str) and not c.strip()))
    )


def _trim(
    node: _Element | str, budget: _Budget, auto: bool = True
) -> tuple[_Element | str | None, bool]:
    """Keep as much of `node` as the budget allows; return (kept part, whether cut).

    `auto` is False for an author's `<!--more-->` excerpt: then only anchors and footnote
    references are dropped, every block is kept.
    """
    if isinstance(node, str):
        return _trim_text(node, budget)
    if any(mark in node.start for mark in _NEVER_KEPT):
        return None, False
    if node.tag in _ATOMIC:
        budget.left -= 1
        return node, False
    if auto and _skipped(node):
        return None, True
    kept = _Element(node.tag, node.start)
    cut = False
    for child in node.children:
        if budget.left <= 0:
            cut = cut or _has_text(child)
            budget.truncated = budget.truncated or cut
            break
        part, child_cut = _trim(child, budget, auto)
        cut = cut or child_cut
        if part is not None:
            kept.children.append(part)
    if not kept.children and node.tag not in _VOID and cut:
        return None, True
    return kept, cut


def _trim_text(text: str, budget: _Budget) -> tuple[str | None, bool]:
    units = list(_UNIT_RE.finditer(text))
    if len(units) <= budget.left:
        budget.left -= len(units)
        return text, False
    end = units[budget.left - 1].end() if budget.left > 0 else 0
    # Keep marks that belong to the last kept character (combining marks, variation selectors,
    # zero-width joiners and their emoji), so no grapheme is split.
    while end < len(text) and (unicodedata.category(text[end]) in ("Mn", "Me", "Cf")
                               or "\ufe00" <= text[end] <= "\ufe0f"):
        end += 1
    budget.left = 0
    budget.truncated = True
    kept = text[:end].rstrip()
    return (kept or None), True


def _has_text(node: _Element | str) -> bool:
    if isinstance(node, str):
        return bool(node.strip())
    return node.tag in _ATOMIC or any(_has_text(child) for child in node.children)


def _serialize(nodes: list[_Element | str]) -> str:
    out: list[str] = []
    for node in nodes:
        if isinstance(node, str):
            out.append(html.escape(node, quote=False))
        elif node.tag in _VOID:
            out.append(node.start)
        else:
            out.append(node.start + _serialize(node.children) + f"</{node.tag}>")
    return "".join(out).strip()


def _append_ellipsis(text: str) -> str:
    """Put the ellipsis inside the last closing block tag (`...text…</p>`)."""
    match = re.search(r"(</(?:p|li|blockquote|ul|ol)>)+$", text)
    if match:
        return text[: match.start()] + ELLIPSIS + text[match.start():]
    return text + ELLIPSIS
