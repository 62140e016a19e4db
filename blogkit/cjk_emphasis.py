"""PARSE rule: `*` and `_` emphasis that works next to CJK punctuation.

CommonMark decides whether a run of `*` can open or close emphasis from the characters on
either side (the "flanking" rules), written for languages that put spaces between words:
`**真，**她说` is not bold, because the closing `**` has punctuation inside and a letter
outside (commonmark-spec issue #650). The amendment that markdown-it-cjk-friendly
implements relaxes the rule where a CJK character stands next to the run; we follow its
specification (not its code):

- left-flanking: not followed by whitespace, and either not followed by a *non-CJK*
  punctuation character, or followed by one and preceded by whitespace, punctuation, or
  a CJK character;
- right-flanking: the mirror image (preceded by non-CJK punctuation is fine when a CJK
  character follows).

Where neither neighbour is CJK those rules are CommonMark's word for word, so this rule
only asks again when one is; Latin text is parsed exactly as stock markdown-it-py parses
it (tests/test_cjk_emphasis.py checks the spec's examples and random Latin texts).
"""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.rules_inline import StateInline

_FIRST_WIDE = "\u1100"
"""No character below this is CJK: the cheap first test, true for all Latin text."""
_EMOJI_RANGES = ((0x1F000, 0x1FAFF), (0x2600, 0x27BF), (0x2300, 0x23FF), (0x2B00, 0x2BFF))
"""Wide characters that are emoji (shown as pictures), not CJK writing."""
_HANGUL_RANGES = ((0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F), (0xAC00, 0xD7FF))
_VARIATION_SELECTORS = ("\ufe00", "\ufe0e")
"""Selectors that keep the look of the character before them: it counts, not they."""


def cjk_emphasis_plugin(md: MarkdownIt) -> None:
    """Replace markdown-it's emphasis tokenizer by one with the CJK-friendly rule."""
    md.inline.ruler.at("emphasis", tokenize)


def is_cjk_char(char: str) -> bool:
    """A CJK character in the amendment's sense: East Asian Wide, Fullwidth or Halfwidth
    and not an emoji, or Hangul. Curly quotes (ambiguous width) are not: English uses
    them too."""
    if char < _FIRST_WIDE:
        return False
    code = ord(char)
    if any(low <= code <= high for low, high in _HANGUL_RANGES):
        return True
    if unicodedata.east_asian_width(char) not in ("W", "F", "H"):
        return False
    return not any(low <= code <= high for low, high in _EMOJI_RANGES)


def tokenize(state: StateInline, silent: bool) -> bool:
    """markdown-it's `emphasis` rule (one text token and one delimiter per marker), with
    the flanking asked again when a CJK character touches the run."""
    from markdown_it.rules_inline.state_inline import Delimiter

    start = state.pos
    marker = state.src[start]
    if silent or marker not in ("_", "*"):
        return False
    scanned = state.scanDelims(start, marker == "*")
    can_open, can_close = scanned.can_open, scanned.can_close
    before = _char_before(state.src, start)
    end = start + scanned.length
    after = state.src[end] if end < state.posMax else " "
    # Cheap test first: no CJK character is below U+1100.
    if (before >= _FIRST_WIDE or after >= _FIRST_WIDE) and (
            is_cjk_char(before) or is_cjk_char(after)):
        can_open, can_close = _flanking(before, after, marker == "*")
    for _ in range(scanned.length):
        token = state.push("text", "", 0)
        token.content = marker
        state.delimiters.append(Delimiter(
            marker=ord(marker), length=scanned.length, token=len(state.tokens) - 1,
            end=-1, open=can_open, close=can_close))
    state.pos = end
    return True


def _char_before(src: str, start: int) -> str:
    """The character before the run, looking through a variation selector; the start of
    the text counts as a space, as in CommonMark."""
    index = start - 1
    if index > 0 and _VARIATION_SELECTORS[0] <= src[index] <= _VARIATION_SELECTORS[1]:
        index -= 1
    return src[index] if index >= 0 else " "


def _flanking(before: str, after: str, can_split_word: bool) -> tuple[bool, bool]:
    """(can open, can close) for a run between `before` and `after` by the amended rules."""
    from markdown_it.common.utils import isMdAsciiPunct, isPunctChar, isWhiteSpace

    def punct(char: str) -> bool:
        return isMdAsciiPunct(ord(char)) or isPunctChar(char)

    before_space, after_space = isWhiteSpace(ord(before)), isWhiteSpace(ord(after))
    before_punct, after_punct = punct(before), punct(after)
    before_cjk, after_cjk = is_cjk_char(before), is_cjk_char(after)
    before_other_punct = before_punct and not before_cjk
    after_other_punct = after_punct and not after_cjk
    left = not after_space and (
        not after_other_punct or before_space or before_other_punct or before_cjk)
    right = not before_space and (
        not before_other_punct or after_space or after_other_punct or after_cjk)
    if can_split_word:  # `*`
        return left, right
    # `_`: not inside a word, unless punctuation is on the other side (rules 2 and 6).
    return left and (not right or before_punct), right and (not left or after_punct)
