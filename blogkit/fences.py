"""PARSE helper: a fenced code block's info string as other tools write it, and the extras
it asks for (marked lines, a caption, line numbers) on top of the highlighted block.

Info strings in the wild (each tool's documented form):

- Pandoc fenced_code_attributes: ```` ```{.python #id .class startFrom="10"} ````, the
  first class being the language; `.numberLines` (or `.number-lines`) numbers the lines.
- Hugo: ```` ```python {linenos=true,hl_lines=[2,"4-5"],linenostart=10} ```` (options
  in braces, separated by commas or spaces).
- Python-Markdown / MkDocs-Material: ```` ```python hl_lines="2 3" linenums="1" title="a.py" ````,
  or the attribute-list form ```` ``` { .python hl_lines="2" } ````.
- Docusaurus: ```` ```jsx title="src/x.js" {1,4-6} showLineNumbers ````.

Marked lines count from the block's first line whatever number it is shown with (Hugo:
"independent of the lineNoStart option"; MkDocs likewise). Anything else is ignored.
The highlighter's HTML is left as it is for a block that asks for nothing extra.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass

_WORD_ONLY = re.compile(r"[^\s{}]*")
_ATTRIBUTE = re.compile(r"""
    (?P<key>[A-Za-z_][\w-]*)\s*=\s*(?P<value>"[^"]*"|'[^']*'|\[[^\]]*\]|[^\s,{}]+)
  | \{(?P<lines>[\d\s,-]*)\}
  | \.(?P<cls>[^\s,{}#=.]+)
  | \#[^\s,{}]+
  | (?P<flag>[^\s,{}="'\[]+)
""", re.X)
_LINE_RANGE = re.compile(r"(\d+)(?:\s*-\s*(\d+))?")
_NUMBERING_FLAGS = frozenset({"linenums", "linenos", "shownumbers", "showlinenumbers",
                              "numberlines", "number-lines"})
_OFF = frozenset({"false", "no", "off", "0"})
_MAX_MARKED = 10_000
"""A range like `1-99999999` marks at most this many lines (no block is longer)."""
_CODE_START = re.compile(r"<code\b[^>]*>")
_CODE_END = "</code></pre>"


@dataclass(frozen=True)
class FenceInfo:
    """What a fence's info string asks for."""

    language: str
    marked: frozenset[int] = frozenset()
    """Lines to mark, counting the block's first line as 1."""
    title: str | None = None
    """A caption shown above the block (plain text)."""
    numbered: bool = False
    first_number: int = 1
    """The number shown beside the first line."""

    @property
    def plain(self) -> bool:
        """True when nothing but the language is asked for."""
        return not (self.marked or self.title or self.numbered)


def parse_info(info: str) -> FenceInfo:
    """Read an info string in any of the forms above (the language alone is the fast path)."""
    info = info.strip()
    first = _WORD_ONLY.match(info)
    word = first.group(0) if first else ""
    if len(word) == len(info):
        return FenceInfo(word)
    # `{.python ...}` and `.python ...` name the language by their first class (read below).
    language = "" if word.startswith(".") else word
    rest = info[len(word):] if language else info
    marked: set[int] = set()
    title: str | None = None
    numbered = False
    first_number: int | None = None
    for match in _ATTRIBUTE.finditer(rest):
        if match.group("cls") is not None:
            name = match.group("cls")
            if name.lower() in ("numberlines", "number-lines"):
                numbered = True
            elif not language:
                language = name
        elif match.group("lines") is not None:
            marked |= _line_set(match.group("lines"))
        elif match.group("flag") is not None:
            numbered = numbered or match.group("flag").lower() in _NUMBERING_FLAGS
        elif match.group("key") is not None:
            key, value = match.group("key").lower(), _unquote(match.group("value"))
            if key in ("hl_lines", "hl-lines", "highlight", "mark", "emphasize"):
                marked |= _line_set(value)
            elif key == "title":
                title = value or None
            elif key in ("linenos", "linenums", "showlinenumbers", "number-lines"):
                numbered = value.lower() not in _OFF
                if value.isdigit() and key != "linenos":
                    first_number = int(value)
            elif key in ("linenostart", "startfrom", "start-from", "linestart") and (
                    value.isdigit()):
                first_number = int(value)
    return FenceInfo(language, frozenset(marked), title, numbered, first_number or 1)


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def _line_set(text: str) -> set[int]:
    """`2 4-5`, `[2,"4-5"]`, `1,4-6` as a set of line numbers."""
    lines: set[int] = set()
    for match in _LINE_RANGE.finditer(text):
        start = int(match.group(1))
        end = int(match.group(2)) if match.group(2) else start
        lines.update(range(start, min(end, start + _MAX_MARKED) + 1))
    return lines


def render_fence(code: str, info: FenceInfo, highlighter: Callable[[str, str], str]) -> str:
    """The block's HTML: the highlighter's, with the extras `info` asks for added."""
    block = highlighter(code, info.language)
    if info.plain:
        return block
    if info.marked or info.numbered:
        block = _with_lines(block, info)
    if info.title:
        caption = html.escape(info.title)
        block = (f'<figure class="code-block"><figcaption class="code-title">{caption}'
                 f"</figcaption>\n{block.rstrip()}</figure>\n")
    return block


def _with_lines(block: str, info: FenceInfo) -> str:
    """Wrap each line of the block's code in `<span class="line">`, marked ones with `hl`.

    Pygments' HTML formatter closes every span at a line's end and opens it again on
    the next line, and unhighlighted code is only escaped text: each line of the code's
    HTML stands alone, so splitting at newlines keeps the markup balanced. Line numbers
    are `data-line` attributes that the theme shows with `::before`, so they are never
    part of the copied text.
    """
    start = _CODE_START.search(block)
    end = block.rfind(_CODE_END)
    if start is None or end < start.end():
        return block
    inner = block[start.end():end]
    lines = inner.split("\n")
    trailing = lines[-1] == ""
    if trailing:
        lines.pop()
    out = []
    for number, line in enumerate(lines, start=1):
        classes = "line hl" if number in info.marked else "line"
        shown = f' data-line="{info.first_number + number - 1}"' if info.numbered else ""
        out.append(f'<span class="{classes}"{shown}>{line}\n</span>')
    pre_classes = "highlight lined" + (" numbered" if info.numbered else "")
    head = block[:start.end()].replace('<pre class="highlight"', f'<pre class="{pre_classes}"', 1)
    return head + "".join(out) + block[end:]
