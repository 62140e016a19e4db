"""PARSE helper: markdown-it rules that tokenise TeX before any other inline rule.

Four delimiters: `\\(..\\)` and `$..$` inline, `\\[..\\]` and `$$..$$` display. The inline
rule runs first, so `_` and `*` inside a formula never become emphasis. `\\$` is a literal
dollar. Code spans and fences are never math. The rules, and where they come from:

- `$..$` is Pandoc's `tex_math_dollars`: the opening `$` is not followed by white space, and
  the first unescaped `$` after it decides: it closes the formula when it is not preceded by
  white space nor followed by a digit, and otherwise the opener is just a dollar. So
  `costs $5 and $10` stays text, and so does the price in `定价 $5，其中 $x$ 表示数量`
  (only `x` is a formula). `$$..$$`, `\\(..\\)` and `\\[..\\]` close at the first closer.
- Code spans bind tighter than formulas (CommonMark: only their own backticks end them): a
  formula opened before a code span must close before it, so `$5 ... `$x$`` stays text.
- A display block is `$$` or `\\[` at the start of a line, closed on that line or a later one
  by a closer with nothing after it. It never crosses a blank line (TeX forbids `\\par` in
  display math, and Pandoc allows no blank line inside `$$..$$`) nor a code fence; a line
  where the formula closes and text follows is a paragraph (`$$a$$ is inline here.`). An
  unclosed opener is paragraph text (or a formula in it, when it closes there).
- `math.dollars`: `pandoc` (the default) reads `$$..$$` in running text as display math, as
  Pandoc does, and a `$$` block may interrupt a paragraph. `kramdown` (Jekyll's converter)
  reads `$$..$$` as display only when it is a block of its own (after and before a block
  boundary: a blank line, the start or end of its container, or a line that starts another
  block); anywhere else it is inline math, and `\\$$..$$` alone in a block is a paragraph
  holding inline math (kramdown's "escape the first dollar"). Under both, `$..$` and
  `\\(..\\)` stay inline and `\\[..\\]` display: Jekyll blogs configure MathJax for `$..$`,
  so the formulas their readers saw are found.
- `math.code_spans: true`: a code span that holds only `$..$` or `$$..$$` is that formula,
  inline or display (the R blogdown / Hugo convention that hides TeX from the Markdown
  parser: `` `$x$` ``). Any other code span stays code.

Linear time (math_marks.py): one pass over an inline run (`Marks`) finds every unescaped
delimiter and code span, and each opener looks its closer up in those lists, so no opener
scans the rest of the paragraph (a paragraph of 10,000 prices was quadratic).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable
from typing import TYPE_CHECKING

from .math_marks import (
    MARKS_KEY,
    Marks,
    escaped,
    find_inline,
    first_from,
    marks_of_state,
)

if TYPE_CHECKING:  # markdown-it is imported only when a body is rendered (start-up time)
    from markdown_it import MarkdownIt
    from markdown_it.rules_block import StateBlock
    from markdown_it.rules_core import StateCore
    from markdown_it.rules_inline import StateInline

    from .config_sections import MarkdownSettings

# A `|` inside a formula in a table row is swapped for this private-use character before
# block parsing (so the table rule does not split the cell) and swapped back in the formula.
PIPE_STAND_IN = "\ue000"

InlineRule = Callable[["StateInline", bool], bool]
BlockRule = Callable[["StateBlock", int, int, bool], bool]


def _inline_rule(kramdown: bool) -> InlineRule:
    def math_inline(state: StateInline, silent: bool) -> bool:
        """A formula in any of the four delimiters at `state.pos`."""
        if state.src[state.pos] not in "$\\":
            return False
        kept = state.env.get(MARKS_KEY)
        marks = (kept[1] if kept is not None and kept[0] is state.src
                 else lambda: marks_of_state(state))
        found = find_inline(state.src, state.pos, state.posMax, marks)
        if found is None:
            return False
        start, stop, after, display = found
        if not silent:
            markup = state.src[state.pos:start]
            token = state.push("math_inline", "math", 0)
            token.content = state.src[start:stop].replace(PIPE_STAND_IN, "|")
            token.markup = markup
            # kramdown: `$$..$$` in running text is inline math.
            token.meta = {"display": display and not (kramdown and markup == "$$"),
                          "offset": state.pos}
        state.pos = after
        return True

    return math_inline


def math_code_span(state: StateInline, silent: bool) -> bool:
    """`math.code_spans`: a code span holding only `$..$` or `$$..$$` is that formula."""
    src, pos = state.src, state.pos
    if src[pos] != "`":
        return False
    inside = pos
    while inside < state.posMax and src[inside] == "`":
        inside += 1
    if not src.startswith(("$", " $", "\n$"), inside):  # cheap: most code spans are code
        return False
    marks = marks_of_state(state)
    found = bisect_left(marks.span_starts, pos)
    if found == len(marks.span_starts) or marks.span_starts[found] != pos:
        return False
    close = marks.span_closes[found]
    if close + marks.span_sizes[found] > state.posMax:
        return False
    formula = _span_formula(src[inside:close])
    if formula is None:
        return False
    pad, delimiter = formula
    if not silent:
        start = inside + pad + len(delimiter)
        token = state.push("math_inline", "math", 0)
        token.content = src[start:close - pad - len(delimiter)].replace(PIPE_STAND_IN, "|")
        token.markup = src[pos:start]
        token.meta = {"display": delimiter == "$$", "offset": pos}
    state.pos = close + marks.span_sizes[found]
    return True


_ONE_DOLLAR_FORMULA = re.compile(r"\$(?:[^$\\]|\\[\s\S])+\$")


def _span_formula(raw: str) -> tuple[int, str] | None:
    """(padding, `$` or `$$`) when a code span's text between its backticks is one formula."""
    # CommonMark: one space (or line end) is stripped from each side when both have one.
    pad = 1 if raw[:1] in (" ", "\n") and raw[-1:] in (" ", "\n") and raw.strip() else 0
    content = raw[pad:len(raw) - pad]
    if content.startswith("$$") and content.endswith("$$") and len(content) >= 5:
        inner = content[2:-2]
        return (pad, "$$") if inner.strip() and "$$" not in inner else None
    if _ONE_DOLLAR_FORMULA.fullmatch(content) and content[1:-1].strip():
        return pad, "$"
    return None


# -- display blocks -----------------------------------------------------------------------

_FENCE = re.compile(r"(```|~~~)")


class _BlockMemo:
    """The last `\\[` block that failed: the lines where it was looked for closed nothing.

    Without it, a paragraph of many lines starting with `\\[` and no closer would be scanned
    to its end from every line (`$$` lines cannot do that: each one stops the scan).
    """

    key: tuple[object, int, int] | None = None
    first = last = -1


def _block_rule(dollars: bool, brackets: bool, kramdown: bool) -> BlockRule:
    """The display block rule for the delimiters asked for (see the module docstring)."""

    def math_block(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
        if state.sCount[start_line] - state.blkIndent >= 4:
            return False
        begin = state.bMarks[start_line] + state.tShift[start_line]
        src = state.src
        escaped = False
        if dollars and src.startswith("$$", begin):
            closer = "$$"
        elif brackets and src.startswith("\\[", begin):
            closer = "\\]"
        elif kramdown and src.startswith("\\$$", begin):
            closer, escaped = "$$", True
            begin += 1
        else:
            return False
        found = _find_block(state, start_line, end_line, begin, closer)
        if found is None:
            return False
        last, content = found
        if kramdown and closer == "$$" and not _block_boundary(state, last + 1, end_line):
            return False
        if silent:
            return True
        state.line = last + 1
        if escaped:  # kramdown: `\$$x$$` alone is a paragraph holding inline math
            _push_paragraph(state, start_line, state.line)
            return True
        token = state.push("math_block", "math", 0)
        token.block = True
        token.content = content
        token.markup = src[begin:begin + 2]
        token.map = [start_line, state.line]
        token.meta = {"display": True, "offset": 0}
        return True

    return math_block


def _find_block(state: StateBlock, start_line: int, end_line: int, begin: int,
                closer: str) -> tuple[int, str] | None:
    """(last line, TeX) of a display block opened at `begin`, or None when it is none."""
    key = (state.src, end_line, state.blkIndent)
    if closer == "\\]" and _BlockMemo.key is not None and _BlockMemo.key[0] is state.src \
            and _BlockMemo.key[1:] == key[1:] and _BlockMemo.first < start_line < _BlockMemo.last:
        return None
    parts: list[str] = []
    line, start = start_line, begin + 2
    while True:
        text = state.src[start:state.eMarks[line]]
        if line > start_line and (not text.strip() or _FENCE.match(text)):
            break  # a blank line or a fence: never inside display math
        close = _closer_in_line(text, closer)
        if close == -2 or (close >= 0 and text[close + 2:].strip()):
            break  # a code span in the formula, or text after it: a paragraph
        if close >= 0:
            parts.append(text[:close])
            content = "\n".join(parts).replace(PIPE_STAND_IN, "|")
            return (line, content) if content.strip() else None
        parts.append(text)
        line += 1
        if line >= end_line:
            break
        start = state.bMarks[line] + state.tShift[line]
    if closer == "\\]":
        _BlockMemo.key, _BlockMemo.first, _BlockMemo.last = key, start_line, line
    return None


def _closer_in_line(text: str, closer: str) -> int:
    """Index of the first `closer` in one line, -1 for none, -2 when a code span comes first."""
    if "`" not in text:  # the common line: no code span to mind
        close = text.find(closer)
        while close > 0 and text[close - 1] == "\\" and escaped(text, close):
            close = text.find(closer, close + 1)
        return close
    marks = Marks(text)
    found = first_from(marks.doubles if closer == "$$" else marks.bracket_closers, 0)
    span = marks.span_starts[0] if marks.span_starts else None
    if span is not None and (found is None or span < found):
        return -2
    return -1 if found is None else found


def _block_boundary(state: StateBlock, line: int, end_line: int) -> bool:
    """kramdown's block boundary: nothing more, a blank line, or a line that starts a block."""
    if line >= end_line or state.isEmpty(line) or state.sCount[line] < state.blkIndent:
        return True
    if state.sCount[line] - state.blkIndent > 3:
        return False  # would be a paragraph's lazy continuation
    return any(rule(state, line, end_line, True)
               for rule in state.md.block.ruler.getRules("paragraph"))


def _push_paragraph(state: StateBlock, start_line: int, next_line: int) -> None:
    """A paragraph of the lines, its first character (kramdown's escaping `\\`) dropped."""
    content = state.getLines(start_line, next_line, state.blkIndent, False).strip()[1:]
    token = state.push("paragraph_open", "p", 1)
    token.map = [start_line, next_line]
    token = state.push("inline", "", 0)
    token.content = content
    token.map = [start_line, next_line]
    token.children = []
    state.push("paragraph_close", "p", -1)


# -- tables ---------------------------------------------------------------------------------

def protect_table_pipes(src: str, code_spans: bool = False) -> str:
    """Swap `|` inside formulas on table-like lines for PIPE_STAND_IN (outside code fences).

    `code_spans`: also inside code spans that are formulas (`math.code_spans`).
    """
    out: list[str] = []
    fence: str | None = None
    for line in src.split("\n"):
        stripped = line.lstrip()
        if stripped.startswith(("```", "~~~")):
            marker = stripped[:3]
            fence = None if fence == marker else (fence or marker)
        if fence is None and "|" in line and ("$" in line or "\\(" in line or "\\[" in line):
            line = _protect_line(line, code_spans)
        out.append(line)
    return "\n".join(out)


def _protect_line(line: str, code_spans: bool) -> str:
    """The line with the pipes of its formulas swapped, found as the inline rules find them."""
    marks = Marks(line)
    chars: list[str] | None = None
    if code_spans:
        spans = zip(marks.span_starts, marks.span_sizes, marks.span_closes, strict=True)
        for start, size, close in spans:
            if "|" in line[start:close] and _span_formula(line[start + size:close]):
                chars = chars or list(line)
                _swap_pipes(chars, start + size, close)
    after = 0
    for index in sorted(marks.dollars + marks.openers):
        if index < after:
            continue
        found = find_inline(line, index, len(line), marks)
        if found is None:
            continue
        start, stop, after, _ = found
        if "|" in line[start:stop]:
            chars = chars or list(line)
            _swap_pipes(chars, start, stop)
    return line if chars is None else "".join(chars)


def _swap_pipes(chars: list[str], start: int, stop: int) -> None:
    for position in range(start, stop):
        if chars[position] == "|":
            chars[position] = PIPE_STAND_IN


def _protect_code_span_pipes(state: StateCore) -> None:
    """`math.code_spans`: keep a table cell's code span formula whole (GFM splits cells at a
    `|` in a code span); body text gets protect_table_pipes without this setting."""
    if "`" in state.src and "|" in state.src:
        state.src = protect_table_pipes(state.src, code_spans=True)


def _restore_pipes(state: StateCore) -> None:
    """Put back a stand-in that no formula took (the line was code or HTML, not a table)."""
    if PIPE_STAND_IN not in state.src:
        return
    for token in state.tokens:
        # An inline token's children hold nothing its own source does not.
        if PIPE_STAND_IN not in token.content:
            continue
        token.content = token.content.replace(PIPE_STAND_IN, "|")
        for child in token.children or ():
            if PIPE_STAND_IN in child.content:
                child.content = child.content.replace(PIPE_STAND_IN, "|")


def math_plugin(md: MarkdownIt, settings: MarkdownSettings) -> None:
    """Install the math rules ahead of everything else, as `settings` (math.*) ask."""
    kramdown = settings.dollars == "kramdown"
    md.inline.ruler.before("escape", "math_inline", _inline_rule(kramdown))
    if settings.code_spans:
        md.inline.ruler.before("backticks", "math_code_span", math_code_span)
        md.core.ruler.after("normalize", "math_code_span_pipes", _protect_code_span_pipes)
    # A display block may interrupt a paragraph, except kramdown's `$$`, which must be a
    # block of its own (its rule is not a paragraph terminator).
    md.block.ruler.before("fence", "math_block",
                          _block_rule(dollars=not kramdown, brackets=True, kramdown=False),
                          {"alt": ["paragraph", "reference", "blockquote", "list"]})
    if kramdown:
        md.block.ruler.before("fence", "math_block_kramdown",
                              _block_rule(dollars=True, brackets=False, kramdown=True),
                              {"alt": ["blockquote", "list"]})
    md.core.ruler.push("math_restore_pipes", _restore_pipes)

