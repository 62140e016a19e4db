"""PARSE helper: Pygments' regex lexers, each state's rules tried by one regular expression.

A `RegexLexer` tries the rules of its current state one by one at each position, and the
first that matches makes the token. The Python lexer has some forty rules a state, so a
token costs dozens of calls from Python into `re`, which is most of highlighting a code
block. `speed_up` joins each state's rules into one alternation, in the same order:
Python's `re` tries alternatives left to right and takes the first that matches, which
is the lexer's own rule, so the tokens are the same (the tests compare both on every
regex lexer Pygments has).

Rules that cannot join (a backreference counts its groups from the rule's own start) are
tried on their own between the joined runs. A lexer with its own tokenizing loop
(`ExtendedRegexLexer`, delegating lexers) is left as it is.

At each position only the rules that can match its character are tried: which characters
a rule can start with is read from its parsed pattern (`_first`; where unsure, any), and
each set of rules a character leaves is joined once. At a letter the Python lexer skips
its twenty string rules, its numbers and operators: a blog's Python lexes in a quarter of
the time Pygments' loop takes. A rule with a long pattern (Python's identifier rule holds
a set of 3,500 characters) is tried on its own, so that it is compiled only once.
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

_LONGEST_JOINED = 1000
"""Characters of the longest rule pattern that is joined with others."""
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


class _States(dict[str, "_State"]):
    """Each state's rules, read when the state is first entered (and joined as its
    characters are met, see `_State`): the Python lexer has some fifty states, most of
    which a blog's code never enters, and joining them all would take longer than lexing
    a post's code."""

    def __init__(self, rules: dict[str, list[Rule]]) -> None:
        super().__init__()
        self.rules = rules

    def __missing__(self, state: str) -> _State:
        found = self[state] = _State(self.rules[state])
        return found


_BUCKETS = 130
"""A position's bucket: its character's code below 128; 128 for any other character; 129
at the end of the text (where only a rule that can match nothing can match)."""
_END = 129
_ANYWHERE = frozenset(range(_BUCKETS))


class _State:
    """One state's rules: at a position, the rules that can match there, joined.

    A rule is tried only where its first character can be (`_first`): at a letter the
    Python lexer need not try its string, number and operator rules. What rules a
    character leaves is joined once (as `segments`), when first met.
    """

    def __init__(self, rules: list[Rule]) -> None:
        self.rules = rules
        self.starts = [_starts(rule) for rule in rules]
        self.by_bucket: list[list[Segment | Rule] | None] = [None] * _BUCKETS
        self._by_rules: dict[tuple[int, ...], list[Segment | Rule]] = {}

    def at(self, bucket: int) -> list[Segment | Rule]:
        """The segments to try at a position of `bucket`."""
        chosen = tuple(index for index, starts in enumerate(self.starts) if bucket in starts)
        found = self._by_rules.get(chosen)
        if found is None:
            found = self._by_rules[chosen] = self._joined(chosen)
        self.by_bucket[bucket] = found
        return found

    def _joined(self, chosen: tuple[int, ...]) -> list[Segment | Rule]:
        rules = [self.rules[index] for index in chosen]
        try:
            return _segments(rules)
        except re.error:  # cannot be joined after all: each rule alone, as Pygments does
            return list[Segment | Rule](rules)


def _starts(rule: Rule) -> frozenset[int]:
    """The buckets of the characters where `rule` can match (all where unsure, or where
    it can match nothing)."""
    try:
        pattern = rule[0].__self__  # type: ignore[attr-defined]
        first, empty = _first(_sre_parser().parse(pattern.pattern, pattern.flags).data,
                              pattern.flags)
    except Exception:  # noqa: BLE001 (a pattern we cannot read: try it everywhere)
        return _ANYWHERE
    return _ANYWHERE if first is None or empty else first


@lru_cache(maxsize=1)
def _sre_parser() -> Any:
    try:
        from re import _parser  # type: ignore[attr-defined]  # Python 3.11+
    except ImportError:  # pragma: no cover - Python 3.10
        import sre_parse as _parser
    return _parser


def _first(items: Any, flags: int) -> tuple[frozenset[int] | None, bool]:
    """(Buckets a match of `items` can start in, or None for any; whether it can be empty).

    A superset is always right (the rule is only tried more often): zero-width
    assertions are looked through, and whatever is not understood counts as any.
    """
    parser = _sre_parser()
    found: set[int] = set()
    for op, arg in items:
        if op in (parser.AT, parser.ASSERT, parser.ASSERT_NOT):
            continue  # matches no character: the next item's first ones count
        if op is parser.LITERAL:
            first, empty = _literal(arg, flags), False
        elif op is parser.IN:
            first, empty = _charset(arg, flags), False
        elif op is parser.SUBPATTERN:
            _, add, remove, inner = arg
            first, empty = _first(inner, (flags | add) & ~remove)
        elif op is parser.BRANCH:
            first, empty = frozenset(), False
            for branch in arg[1]:
                more, can_be_empty = _first(branch, flags)
                first = None if first is None or more is None else first | more
                empty = empty or can_be_empty
        elif op in (parser.MAX_REPEAT, parser.MIN_REPEAT) or \
                op is getattr(parser, "POSSESSIVE_REPEAT", None):
            low, _, inner = arg
            first, empty = _first(inner, flags)
            empty = empty or low == 0
        elif op is getattr(parser, "ATOMIC_GROUP", None):
            first, empty = _first(arg, flags)
        else:  # any character (ANY, NOT_LITERAL), a backreference, ...
            return None, True
        if first is None:
            return None, True
        found |= first
        if not empty:
            return frozenset(found), False
    return frozenset(found), True


_ASCII_LETTERS = frozenset(range(ord("A"), ord("Z") + 1)) | frozenset(range(ord("a"), ord("z") + 1))


def _literal(code: int, flags: int) -> frozenset[int] | None:
    if code >= 128:
        return None if flags & re.IGNORECASE else frozenset({128})
    if flags & re.IGNORECASE and code in _ASCII_LETTERS:
        # Some other characters fold to ASCII letters (the Kelvin sign to k).
        return frozenset({ord(chr(code).lower()), ord(chr(code).upper()), 128})
    return frozenset({code})


def _charset(items: Any, flags: int) -> frozenset[int] | None:
    parser = _sre_parser()
    found: set[int] = set()
    for op, arg in items:
        if op is parser.LITERAL:
            more = _literal(arg, flags)
            if more is None:
                return None
            found |= more
        elif op is parser.RANGE:
            low, high = arg
            found.update(range(min(low, 128), min(high, 127) + 1))
            if high >= 128:
                found.add(128)
            if flags & re.IGNORECASE:
                return None  # a range's other cases: not worth working out
        elif op is parser.CATEGORY and arg in _categories():
            found |= _categories()[arg]
        else:  # a negated set, another category
            return None
    return frozenset(found)


@lru_cache(maxsize=1)
def _categories() -> dict[Any, frozenset[int]]:
    """The buckets of `\\d`, `\\s` and `\\w` (any non-ASCII character may be one)."""
    parser = _sre_parser()
    return {category: frozenset(code for code in range(128)
                                if re.match(test, chr(code)) is not None) | {128}
            for category, test in ((parser.CATEGORY_DIGIT, r"\d"),
                                   (parser.CATEGORY_SPACE, r"\s"),
                                   (parser.CATEGORY_WORD, r"\w"))}


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
        # A long pattern (Python's identifier rule is a 3,500-character set) stays a rule
        # of its own: compiled once, not again in each joined set of rules it is part of.
        alternative = (_alternative(pattern, common)
                       if len(pattern.pattern) <= _LONGEST_JOINED else None)
        if alternative is None:
            close()
            segments.append(rule)
            continue
        # The alternative's own group is an empty one at its end, the last to close (the
        # match's `lastindex`); an alternative that starts with a literal or a character
        # set is then skipped by `re` at a glance where its first character cannot match.
        by_group[group + pattern.groups] = rule
        parts.append(f"{alternative}()")
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


def _tokens(lexer: Lexer, states: dict[str, _State], text: str,
            stack: tuple[str, ...] = ("root",)) -> Iterator[tuple[int, Any, str]]:
    """What `RegexLexer.get_tokens_unprocessed` yields, state changes and errors alike."""
    from pygments.token import Error, Whitespace, _TokenType

    pos = 0
    end = len(text)
    statestack = list(stack)
    state = states[statestack[-1]]
    while True:
        if pos < end:
            bucket = ord(text[pos])
            if bucket > 127:
                bucket = 128
            segments = state.by_bucket[bucket] or state.at(bucket)
        else:
            segments = state.by_bucket[_END] or state.at(_END)
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
                state = states[statestack[-1]]
            break
        else:
            if pos >= end:
                return
            if text[pos] == "\n":  # no rule matches at a line's end: back to the root
                statestack = ["root"]
                state = states["root"]
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
