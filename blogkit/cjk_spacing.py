"""CJK SPACING: room between Han characters and Latin letters, digits or inline math.

The W3C "Requirements for Chinese Text Layout" (clreq, 3.2.2) sets a quarter em between
Han characters and Western letters or digits; authors who do not type a space there get
text that looks cramped (`用GPT模型`). With `typography.cjk_spacing: true` each such
boundary of a body's running text gets an empty `<span class="cjk-gap">` that the theme
gives its margin; the text itself is untouched, so copying, searching and feeds read what
the author wrote. Browsers that implement CSS `text-autospace` space letters themselves
(the theme then hides these gaps), but not beside a formula, which is a box rather than
text: a gap beside inline math is marked `cjk-gap math` and stays.

Never inside code, `pre`, `kbd`, `samp`, links (their text is the author's to the
letter), script, style, SVG or MathML; a boundary with a space already is left alone.
Works on a body's HTML before formulas are filled in, so a formula is its `<bk-math>`
placeholder. Linear in the HTML's length: one pass over tags and text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

GAP = '<span class="cjk-gap"></span>'
MATH_GAP = '<span class="cjk-gap math"></span>'
_SKIPPED = frozenset({"code", "pre", "kbd", "samp", "a", "script", "style", "svg", "math",
                      "textarea", "title"})
"""Elements whose text is never spaced (and everything inside them)."""
_OPAQUE = frozenset({"pre", "code", "script", "style", "textarea"})
"""Skipped elements that never hold themselves: passed over whole, unread."""
_INLINE = frozenset({"em", "strong", "b", "i", "u", "s", "del", "ins", "mark", "span", "sub",
                     "sup", "small", "abbr", "cite", "q", "dfn", "time", "var", "bdi"})
"""Elements a boundary may cross: `中文<em>GPT</em>` is one run of text."""
_TAG_NAME = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)")
_HAN = (r"\u2e80-\u2eff\u2f00-\u2fdf\u3040-\u309f\u30a0-\u30ff\u3100-\u312f\u31a0-\u31bf"
        r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff")
_LATIN = r"A-Za-z0-9\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u0370-\u03ff\u0400-\u04ff"
_BETWEEN = re.compile(rf"(?<=[{_HAN}])(?=[{_LATIN}])|(?<=[{_LATIN}])(?=[{_HAN}])")
_HAN_CHAR = re.compile(rf"[{_HAN}]")
_LATIN_CHAR = re.compile(rf"[{_LATIN}]")


def space_cjk(html: str) -> str:
    """`html` with a gap at every Han/Latin and Han/formula boundary of its running text."""
    if not _HAN_CHAR.search(html):
        return html  # nothing to space: an English post costs one scan
    out: list[str] = []
    skipped = 0  # depth inside elements whose text is never spaced
    last = ""  # the last visible character of running text, across inline tags; "" after
    # a block boundary, "math" after a formula
    for kind, piece, name in _pieces(html):
        if kind == "text":
            if skipped:
                out.append(piece)
            else:
                out.append(_spaced(piece, last))
                last = _last_visible(piece, last)
            continue
        if kind == "tag" and not skipped and name == "bk-math":
            if last and _HAN_CHAR.fullmatch(last):
                out.append(MATH_GAP)
            last = "math"
        elif kind == "tag" and name.lstrip("/") in _SKIPPED:
            closing = name.startswith("/")
            skipped = max(0, skipped + (-1 if closing else 0 if piece.endswith("/>") else 1))
            last = ""
        elif kind == "tag" and name.lstrip("/") not in _INLINE and name != "/bk-math":
            last = ""  # a block boundary (p, li, td, br...): a new run
        out.append(piece)
    return "".join(out)


def _pieces(html: str) -> Iterator[tuple[str, str, str]]:
    """(kind, piece, tag name) of `html` in order: "text", "tag" (name lower case, `/p`
    for a closing one) or "other" (a comment, what follows an unclosed one, or a whole
    `pre`, `code`, `script`...). Linear: each `<` looks for its `>` once, and the last `>`
    found is reused."""
    position, length, close = 0, len(html), -1
    unclosed: set[str] = set()
    while position < length:
        opening = html.find("<", position)
        if opening == -1:
            yield "text", html[position:], ""
            return
        if opening > position:
            yield "text", html[position:opening], ""
        if html.startswith("<!--", opening):
            end = html.find("-->", opening + 4)
            if end == -1:
                yield "other", html[opening:], ""
                return
            yield "other", html[opening:end + 3], ""
            position = end + 3
            continue
        if close < opening:
            close = html.find(">", opening)
        named = _TAG_NAME.match(html, opening)
        if close == -1 or named is None:
            yield "text", "<", ""  # a lone `<` (text, in HTML's reading too)
            position = opening + 1
            continue
        name = (named.group(1) + named.group(2)).lower()
        if name in _OPAQUE and name not in unclosed:
            # Never nested: jump to its end (past a code block's many spans). Once one has
            # no end, none after it has: not looked for again (linear on `<code>` × N).
            end = html.find(f"</{name}>", close + 1)
            if end == -1:
                unclosed.add(name)
            else:
                yield "other", html[opening:end + len(name) + 3], ""
                position = end + len(name) + 3
                continue
        yield "tag", html[opening:close + 1], name
        position = close + 1


def _spaced(text: str, before: str) -> str:
    """`text` with gaps inside, and at its start when `before` (the run's previous
    character, or "math") and its first character are a boundary."""
    inner = _BETWEEN.sub(GAP, text) if _LATIN_CHAR.search(text) else text
    first = text[:1]
    if not before or not first:
        return inner
    if before == "math":
        return MATH_GAP + inner if _HAN_CHAR.fullmatch(first) else inner
    if (_HAN_CHAR.fullmatch(before) and _LATIN_CHAR.fullmatch(first)) or \
            (_LATIN_CHAR.fullmatch(before) and _HAN_CHAR.fullmatch(first)):
        return GAP + inner
    return inner


def _last_visible(text: str, before: str) -> str:
    """The run's last character after `text` (entities count as punctuation)."""
    if not text:
        return before
    last = text[-1]
    return "&" if last == ";" and "&" in text[-10:] else last
