"""PARSE helper: Pygments' regex lexers, each state's rules tried by one regular expression.

A `RegexLexer` tries the rules of its current state one by one at each position, and the
first that matches makes the token. The Python lexer has some forty rules a state, so a
token costs dozens of calls from Python into `re`, which is most of highlighting a code
block. `speed_up` joins each state's rules into one alternation, in the same order:
Python's `re` tries alternatives left to right and takes the first that matches, which
is the lexer's own rule, so the tokens are the same (the tests compare both on every
regex lexer Pygments has). Lexing Python takes about a third less time.

Rules that cannot join (a backreference counts its groups from the rule's own start) are
tried on their own between the joined runs. A lexer with its own tokenizing loop
(`ExtendedRegexLexer`, delegating lexers) is left as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import lru_cache, partial
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pygments.lexer import Lexer

Rule = tuple[Callable[..., Any], Any, Any]
"""A processed rule of `RegexLexer._tokens`: (pattern.match, action, new state)."""
Segment = tuple[Callable[..., Any], dict[int, Rule]]
"""A joined run of rules: its pattern's match, and the rule of each alternative's group."""

_BACKREFERENCE = re.compile(r"\\[1-9]|\(\?P=|\(\?\(")
_LEADING_FLAGS = re.compile(r"^\(\?([aiLmsux]+)\)")
_SCOPED_FLAGS = ((re.IGNORECASE, "i"), (re.MULTILINE, "m"), (re.DOTALL, "s"), (re.VERBOSE, "x"))


def speed_up(lexer: Lexer) -> Lexer:
    """Make `lexer` (a new instance, used by this process only) tokenize with joined rules."""
    from pygments.lexer import RegexLexer

    if type(lexer).get_tokens_unprocessed is RegexLexer.get_tokens_unprocessed:
        states = _plan(type(lexer))
        if states is not None:
            lexer.get_tokens_unprocessed = partial(  # type: ignore[method-assign]
                _tokens, lexer, states)
    return lexer


@lru_cache(maxsize=64)
def _plan(cls: type) -> _States | None:
    """The lexer class's states, each joined when first entered (None: leave it as is)."""
    rules = getattr(cls, "_tokens", None)
    return _States(rules) if isinstance(rules, dict) else None


class _States(dict[str, list["Segment | Rule"]]):
    """Each state's rules as joined segments and lone rules, in order. A state is joined
    when first entered: the Python lexer has some fifty, most of which a blog's code never
    enters, and joining them all would take longer than lexing a post's code."""

    def __init__(self, rules: dict[str, list[Rule]]) -> None:
        super().__init__()
        self.rules = rules

    def __missing__(self, state: str) -> list[Segment | Rule]:
        try:
            segments = _segments(self.rules[state])
        except re.error:  # cannot be joined after all: each rule alone, as Pygments does
            segments = list(self.rules[state])
        self[state] = segments
        return segments


def _segments(rules: list[Rule]) -> list[Segment | Rule]:
    patterns: list[re.Pattern[str]] = [match.__self__ for match, _, _ in rules]  # type: ignore[attr-defined]
    common = -1
    for pattern in patterns:
        common &= pattern.flags
    segments: list[Segment | Rule] = []
    parts: list[str] = []
    by_group: dict[int, Rule] = {}
    group = 1  # the next alternative's own group: after every group of the ones before it

    def close() -> None:
        nonlocal parts, by_group, group
        if parts:
            segments.append((re.compile("|".join(parts), common).match, by_group))
        parts, by_group, group = [], {}, 1

    for rule, pattern in zip(rules, patterns, strict=True):
        alternative = _alternative(pattern, common)
        if alternative is None:
            close()
            segments.append(rule)
            continue
        by_group[group] = rule
        parts.append(f"({alternative})")
        group += 1 + pattern.groups
    close()
    return segments


def _alternative(pattern: re.Pattern[str], common: int) -> str | None:
    """`pattern` written to be one alternative of a pattern compiled with `common` flags,
    its other flags scoped to it; None if it cannot be."""
    text = _LEADING_FLAGS.sub("", pattern.pattern, count=1)
    if _BACKREFERENCE.search(text):
        return None
    extra = pattern.flags & ~common
    letters = ""
    for flag, letter in _SCOPED_FLAGS:
        if extra & flag:
            letters += letter
            extra &= ~flag
    if extra:
        return None  # ASCII or locale matching for one rule alone
    # A verbose pattern's trailing comment would swallow the closing parenthesis.
    end = "\n)" if pattern.flags & re.VERBOSE else ")"
    return f"(?{letters}:{text}{end}" if letters else f"(?:{text}{end}"


def _tokens(lexer: Lexer, states: dict[str, list[Segment | Rule]], text: str,
            stack: tuple[str, ...] = ("root",)) -> Iterator[tuple[int, Any, str]]:
    """What `RegexLexer.get_tokens_unprocessed` yields, state changes and errors alike."""
    from pygments.token import Error, Whitespace, _TokenType

    pos = 0
    statestack = list(stack)
    segments = states[statestack[-1]]
    while True:
        for segment in segments:
            found = segment[0](text, pos)
            if found is None:
                continue
            if len(segment) == 2:  # joined: the alternative's group says which rule
                rule = segment[1][found.lastindex]
                if rule[1] is not None and type(rule[1]) is not _TokenType:
                    found = rule[0](text, pos)  # a callback reads the rule's own groups
            else:
                rule = segment
            action, new_state = rule[1], rule[2]
            if action is not None:
                if type(action) is _TokenType:
                    yield pos, action, found.group()
                else:
                    yield from action(lexer, found)
            pos = found.end()
            if new_state is not None:
                _change_state(statestack, new_state)
                segments = states[statestack[-1]]
            break
        else:
            if pos >= len(text):
                return
            if text[pos] == "\n":  # no rule matches at a line's end: back to the root
                statestack = ["root"]
                segments = states["root"]
                yield pos, Whitespace, "\n"
            else:
                yield pos, Error, text[pos]
            pos += 1


def _change_state(statestack: list[str], new_state: Any) -> None:
    """Pygments' state changes: push states, '#push' the current one again, '#pop', or
    pop a number of them (the root state always stays)."""
    if isinstance(new_state, tuple):
        for state in new_state:
            if state == "#pop":
                if len(statestack) > 1:
                    statestack.pop()
            elif state == "#push":
                statestack.append(statestack[-1])
            else:
                statestack.append(state)
    elif isinstance(new_state, int):
        if abs(new_state) >= len(statestack):
            del statestack[1:]
        else:
            del statestack[new_state:]
    elif new_state == "#push":
        statestack.append(statestack[-1])
    else:
        raise ValueError(f"unknown state change {new_state!r}")
