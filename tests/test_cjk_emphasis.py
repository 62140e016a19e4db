"""PARSE rule: CJK-friendly emphasis, and proof that Latin text is parsed as CommonMark."""

from __future__ import annotations

import re
from functools import cache

import pytest
from checkers import TOOLS, missing
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from test_markdown import render

from blogkit.cjk_emphasis import cjk_emphasis_plugin, is_cjk_char

SPEC = TOOLS / "commonmark-spec" / "spec.txt"
"""The CommonMark spec as the npm package `commonmark-spec` ships it (tests/tools)."""
_EXAMPLE = re.compile(r"^`{32} example\n(.*?)^\.\n(.*?)^`{32}$|^#{1,6} *([^\n]*)$", re.M | re.S)


@cache
def spec_examples() -> list[tuple[str, int, str, str]]:
    """(section, number, markdown, html) of every example, read as the package's
    index.js reads them (a tab is written `→` in the spec)."""
    if not SPEC.is_file():
        missing("the CommonMark spec (npm package commonmark-spec)")
    text = SPEC.read_text(encoding="utf-8").split("<!-- END TESTS -->", 1)[0]
    examples: list[tuple[str, int, str, str]] = []
    section = ""
    for match in _EXAMPLE.finditer(text):
        if match.group(3) is not None:
            section = match.group(3)
            continue
        markdown, expected = (part.replace("→", "\t") for part in match.group(1, 2))
        examples.append((section, len(examples) + 1, markdown, expected))
    return examples


def stock() -> MarkdownIt:
    return MarkdownIt("commonmark")


def ours() -> MarkdownIt:
    return MarkdownIt("commonmark").use(cjk_emphasis_plugin)


def test_spec_emphasis_examples_pass_as_with_stock_markdown_it() -> None:
    emphasis = [e for e in spec_examples() if e[0] == "Emphasis and strong emphasis"]
    assert len(emphasis) == 132  # spec 0.31.2: examples 350 to 481
    plain, relaxed = stock(), ours()
    for _, number, markdown, expected in emphasis:
        assert relaxed.render(markdown) == expected, f"example {number}"
        assert plain.render(markdown) == expected, f"example {number}"


def test_every_spec_example_renders_as_with_stock_markdown_it() -> None:
    plain, relaxed = stock(), ours()
    for _, number, markdown, _ in spec_examples():
        assert relaxed.render(markdown) == plain.render(markdown), f"example {number}"


LATIN = st.text(alphabet=st.sampled_from(list("ab Z9*_*_.,:;!?()[]\"'`~-\n\t“”‘’—éß·")),
                max_size=40)


@settings(max_examples=400, deadline=None)
@given(LATIN)
def test_latin_texts_parse_exactly_as_commonmark(text: str) -> None:
    assert ours().render(text) == stock().render(text)


@pytest.mark.parametrize(("source", "strong"), [
    ("**真，**她说", "<strong>真，</strong>"),
    ("这是**“重点”**内容", "<strong>“重点”</strong>"),
    ("模型**（Transformer）**的核心", "<strong>（Transformer）</strong>"),
    ("运行**`make`**即可", "<strong><code>make</code></strong>"),
    ("**이 괄호 때문에(괄호)**이 문장", "<strong>이 괄호 때문에(괄호)</strong>"),
])
def test_emphasis_next_to_cjk_punctuation_is_bold(source: str, strong: str) -> None:
    assert strong not in stock().render(source)  # CommonMark alone does not make it bold
    assert strong in ours().render(source)
    assert strong in render(source).html  # and blogkit's parser uses the rule


def test_underscore_inside_cjk_words_stays_literal() -> None:
    assert ours().render("变量foo_bar_baz和__init__") == stock().render("变量foo_bar_baz和__init__")


def test_cjk_characters() -> None:
    assert all(map(is_cjk_char, "中，。「」（）한あア"))
    # Curly quotes are ambiguous width (English uses them), emoji are pictures.
    assert not any(map(is_cjk_char, "“”‘’a,.é\U0001f600\u2764"))
