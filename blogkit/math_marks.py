"""PARSE helper: where the formulas of one inline run start and end.

`find_inline` answers for one opener; most closers are found by looking for the next one,
and the run's marks (`Marks`: every unescaped delimiter and code span, found in one scan)
answer where a backtick, a backslash or no closer needs them, so a run of any number of
openers is read in linear time. mdmath.py's rules ask it.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it.rules_inline import StateInline

Found = tuple[int, int, int, bool]
"""(content start, content end, after the closer, display) of a formula in a string."""

_DELIMITER = re.compile(r"\$|\\[()[\]]")
"""A dollar, or a backslash and a parenthesis or bracket: the marks a formula's bounds need."""
_BACKTICK_RUN = re.compile(r"`+")


class Marks:
    """Where the delimiters and code spans of one inline run are, found in one pass.

    A mark preceded by an odd run of backslashes is escaped (markdown-it reads escapes left
    to right, so `\\\\$` is an escaped backslash and a dollar). Marks inside code spans are
    not kept.
    """

    __slots__ = ("bracket_closers", "dollars", "doubles", "openers", "paren_closers",
                 "span_closes", "span_sizes", "span_starts")

    def __init__(self, src: str) -> None:
        self.dollars: list[int] = []
        self.paren_closers: list[int] = []
        self.bracket_closers: list[int] = []
        self.openers: list[int] = []
        """`\\(` and `\\[`."""
        self.span_starts: list[int] = []
        self.span_sizes: list[int] = []
        self.span_closes: list[int] = []
        """Where each code span's closing backtick run starts."""
        if "`" in src:
            self._find_code_spans(src)
        spans = iter(zip(self.span_starts, self.span_closes, self.span_sizes, strict=True))
        span_end = -1
        span = next(spans, None)
        for match in _DELIMITER.finditer(src):
            index = match.start()
            if index and src[index - 1] == "\\" and escaped(src, index):
                continue
            while span is not None and index >= span[0]:
                span_end = span[1] + span[2]
                span = next(spans, None)
            if index < span_end:
                continue  # inside a code span
            text = match.group()
            if text == "$":
                self.dollars.append(index)
            elif text[1] == ")":
                self.paren_closers.append(index)
            elif text[1] == "]":
                self.bracket_closers.append(index)
            else:
                self.openers.append(index)
        dollars = self.dollars
        self.doubles = [a for a, b in zip(dollars, dollars[1:], strict=False) if b == a + 1]

    def _find_code_spans(self, src: str) -> None:
        # A code span ends at the next run of exactly as many backticks (CommonMark); the
        # backslashes inside it are literal, so its closer is looked up among the raw runs.
        runs: dict[int, list[int]] = {}
        for match in _BACKTICK_RUN.finditer(src):
            runs.setdefault(match.end() - match.start(), []).append(match.start())
        pos = 0
        while (run := _BACKTICK_RUN.search(src, pos)) is not None:
            index = run.start()
            if index and src[index - 1] == "\\" and escaped(src, index):
                index += 1  # `\`` is a literal backtick; the rest of the run may open
            size = run.end() - index
            closes = runs.get(size, [])
            found = bisect_left(closes, run.end())
            if size and found < len(closes):
                self.span_starts.append(index)
                self.span_sizes.append(size)
                self.span_closes.append(closes[found])
                pos = closes[found] + size
            else:
                pos = run.end()  # no closer: the backticks are text

    def limit(self, pos: int, end: int) -> int:
        """Where a formula opened at `pos` must have closed: the next code span or `end`."""
        found = bisect_right(self.span_starts, pos)
        return min(end, self.span_starts[found]) if found < len(self.span_starts) else end


def escaped(src: str, index: int) -> bool:
    """Whether an odd run of backslashes ends right before `index`."""
    before = index
    while before and src[before - 1] == "\\":
        before -= 1
    return (index - before) % 2 == 1


def first_from(positions: list[int], start: int) -> int | None:
    found = bisect_left(positions, start)
    return positions[found] if found < len(positions) else None


MARKS_KEY = "blogkit_math_marks"
"""Where an inline run's marks are kept in the render's env: every rule call of the run
shares them (one scan of the run, however many openers it has)."""


def inline_marks(src: str) -> Marks:
    """The delimiters and code spans of an inline run (for `find_inline`'s `marks`)."""
    return Marks(src)


def marks_of_state(state: StateInline) -> Marks:
    kept = state.env.get(MARKS_KEY)
    if kept is None or kept[0] is not state.src:
        kept = state.env[MARKS_KEY] = (state.src, Marks(state.src))
    marks: Marks = kept[1]
    return marks


def find_inline(src: str, pos: int, end: int,
                marks: Marks | Callable[[], Marks] | None = None) -> Found | None:
    """Find a formula starting at `pos`: return (content start, content end, after, display).

    `marks`: those of `src`, or how to get them, when the caller has them (see `_closer`).
    """
    char = src[pos]
    if char == "\\":
        if pos + 1 >= end or src[pos + 1] not in "([":
            return None
        display = src[pos + 1] == "["
        close = (_closer(src, pos + 2, end, "\\]", marks, _bracket_closers) if display
                 else _closer(src, pos + 2, end, "\\)", marks, _paren_closers))
        if close is None or close == pos + 2:
            return None
        return pos + 2, close, close + 2, display
    if char != "$":
        return None
    if src.startswith("$$", pos):
        close = _closer(src, pos + 2, end, "$$", marks, _doubles)
        if close is None or not src[pos + 2:close].strip():
            return None
        return pos + 2, close, close + 2, True
    if pos + 1 >= end or src[pos + 1].isspace():
        return None
    close = _closer(src, pos + 1, end, "$", marks, _dollars)  # Pandoc: the first `$` decides
    if (close is None or src[close - 1].isspace()
            or (close + 1 < end and src[close + 1].isdigit())):
        return None
    return pos + 1, close, close + 1, False


def _closer(src: str, start: int, end: int, closer: str,
            marks: Marks | Callable[[], Marks] | None,
            positions: Callable[[Marks], list[int]]) -> int | None:
    """Where the formula whose content starts at `start` closes: None if it does not.

    Most formulas are found by looking for the next `closer`. The run's marks (`Marks`,
    one scan of the run, kept for its every opener) answer instead when they are known
    already, when there is no closer (so a run of unclosed openers stays linear), and when
    a backtick before the closer (a code span ends the search) or a backslash right before
    it (it may be escaped) needs them.
    """
    if not isinstance(marks, Marks):
        next_one = src.find(closer, start, end)
        if (next_one != -1 and src[next_one - 1] != "\\"
                and src.find("`", start, next_one) == -1):
            return next_one
        marks = Marks(src) if marks is None else marks()
    close = first_from(positions(marks), start)
    if close is None or close + len(closer) > marks.limit(start, end):
        return None
    return close


def _bracket_closers(marks: Marks) -> list[int]:
    return marks.bracket_closers


def _paren_closers(marks: Marks) -> list[int]:
    return marks.paren_closers


def _doubles(marks: Marks) -> list[int]:
    return marks.doubles


def _dollars(marks: Marks) -> list[int]:
    return marks.dollars
