"""PARSE helper: regex lexers with joined rules give exactly Pygments' own tokens."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from pygments import highlight as pygments_highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import find_lexer_class_by_name, get_all_lexers, get_lexer_by_name

from blogkit import regexlex
from blogkit.highlight import _lexer, highlight
from blogkit.regexlex import speed_up

# Strings left open, nested languages, heredocs (a backreference), tabs, CJK, a lone
# backslash at the end: the cases where a lexer's states and its error tokens show.
TRICKY = (
    'x = "unterminated\n<html><body class=\'a\'>&amp; <?php echo $x; ?></body></html>\n'
    "SELECT * FROM t WHERE a = 1; -- comment\n#!/bin/sh\ncat <<EOF\n$HOME `date`\nEOF\n"
    "/* c */ int main() { return 0x1F; } // done\n\t\tindent\t\n"
    "f'{a!r:>{width}}' rb'\\x00' 1_000.5e-3j @decorator\n"
    "中文 ü \\\\ \\n ``` $$ @@ %% {{ }} [[ ]] (* *) --[[ ]] #| |# \\"
)
# Every printable ASCII character after a letter, a space, a quote and a line start, and
# characters that match ASCII letters when case is ignored (Kelvin sign, long s, dotted I):
# where a rule is tried depends on the character at the position.
EVERY = "".join(f"a{c} {c}'{c}\n{c}" for c in map(chr, range(32, 127))) + (
    "\u212a \u017f \u0130 \u00a0 \u3000 \uff5c \u00e9t\u00e9 \U0001d400 \t\x0b\x0c\r\n")
SOURCES = Path(__file__).resolve().parents[1] / "blogkit"


def plain_and_sped_up(cls: type[Lexer]) -> tuple[Lexer, Lexer]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return (cls(stripnl=False, ensurenl=False),
                speed_up(cls(stripnl=False, ensurenl=False)))


def is_sped_up(lexer: Lexer) -> bool:
    return "get_tokens_unprocessed" in vars(lexer)


def test_every_regex_lexer_gives_the_tokens_pygments_gives() -> None:
    differing: list[str] = []
    sped_up = 0
    for name, aliases, _, _ in get_all_lexers():
        if not aliases:
            continue
        try:
            plain, fast = plain_and_sped_up(find_lexer_class_by_name(aliases[0]))
        except Exception:  # noqa: BLE001 (a lexer needing options or a missing package)
            continue
        if not is_sped_up(fast):
            continue  # Pygments' own loop either way (and Maple's takes minutes on TRICKY)
        sped_up += 1
        for text in (TRICKY, EVERY):
            if list(plain.get_tokens(text)) != list(fast.get_tokens(text)):
                differing.append(name)
    assert differing == []
    assert sped_up > 300  # most of Pygments' lexers (422 of 599 in Pygments 2.20)


@pytest.mark.parametrize("language", ["python", "bash", "c", "cpp", "javascript", "typescript",
                                      "rust", "go", "java", "html", "css", "json", "toml",
                                      "sql", "latex", "markdown", "docker", "make", "ruby"])
def test_the_languages_of_technical_blogs_lex_the_same(language: str) -> None:
    plain, fast = plain_and_sped_up(type(get_lexer_by_name(language)))
    if language in ("python", "bash", "javascript", "rust", "go", "sql"):
        assert is_sped_up(fast)
    texts = [TRICKY, EVERY,
             *(path.read_text(encoding="utf-8") for path in sorted(SOURCES.glob("*.py")))]
    for text in texts[:8]:
        assert list(fast.get_tokens(text)) == list(plain.get_tokens(text))


def test_rules_that_cannot_join_are_tried_alone_in_their_place() -> None:
    # Bash's heredoc rule refers back to its own group: it stays a rule of its own, between
    # joined runs of the rules before and after it (of those that can match at a `<`).
    bash = get_lexer_by_name("bash")
    plan = regexlex._plan(type(bash))
    assert plan is not None
    root = plan["root"]
    assert [len(segment) for segment in root.at(ord("<"))] == [2, 3, 2]
    text = "cat <<-'END'\n  $x \"y\"\nEND\necho done\n"
    assert list(speed_up(get_lexer_by_name("bash")).get_tokens(text)) == \
        list(bash.get_tokens(text))


@pytest.mark.parametrize("joined", [False, True])
def test_highlighted_code_is_what_pygments_makes(joined: bool) -> None:
    code = (SOURCES / "regexlex.py").read_text(encoding="utf-8")
    expected = pygments_highlight(code, get_lexer_by_name("python", stripnl=False,
                                                          ensurenl=False),
                                  HtmlFormatter(cssclass="highlight", nowrap=True))
    assert highlight(code, "python", joined) == (
        '<pre class="highlight" data-lang="python"><code class="language-python">'
        f"{expected}</code></pre>\n")
    assert is_sped_up(_lexer("python", joined)) is joined


@pytest.mark.parametrize(("pattern", "flags", "where"), [
    (r"def\b", 0, "d"),
    (r"(?:and|or)\b", 0, "ao"),
    (r"\b(if)(\s+)", 0, "i"),
    (r"(?<!\.)(self)\b", 0, "s"),
    (r"[0-9]+|0x[a-f]+", 0, "0123456789"),
    (r"x?y", 0, "xy"),
    (r"(?i)def", 0, "dD+"),
    (r"(?i:e)|f", 0, "eEf+"),
    (r"\d", 0, "0123456789+"),
    (r"\u00e9", 0, "+"),
])
def test_a_rule_is_tried_where_its_first_character_can_be(
        pattern: str, flags: int, where: str) -> None:
    import re

    starts = regexlex._starts((re.compile(pattern, flags).match, None, None))
    assert starts == {128 if c == "+" else ord(c) for c in where}


@pytest.mark.parametrize("pattern", [r"x*", r"\b", r"(?=a)?", r".", r"[^a]", r"(a?)\1b",
                                     r"(?i)[a-c]", r"(?i)\u212a"])
def test_a_rule_that_may_match_empty_or_anything_is_tried_everywhere(pattern: str) -> None:
    import re

    assert regexlex._starts((re.compile(pattern).match, None, None)) == regexlex._ANYWHERE
