"""PARSE helper, the shortcodes' pre-pass: tags found in a post's source, placeholders put in.

`{{< name args >}}`, `{{% name %}}inner{{% /name %}}` and `{{< name />}}` (Hugo's
shortcodes), and `{% name args %}` / `{% name %}inner{% endname %}` (Hexo's tag plugins,
see liquid.py) are found outside code, and each is replaced by a placeholder, so Markdown
renders everything between an opening and a closing tag in place: formulas, links and
headings inside a shortcode are the body's own, at their own lines. A placeholder keeps
the line count, and `Prepared.anchors` map its columns back, so positions stay right.
shortcodes.finish then puts each template's output where its placeholders are.

`{{</* name */>}}` shows `{{< name >}}` as text (in code too, as Hugo does: that is why
authors write it); so does anything between `{% raw %}` and `{% endraw %}`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from . import liquid
from .markdown import BodyProblem
from .shortcode_calls import (
    Call,
    Positions,
    Prepared,
    alone_on_line,
    in_link_position,
    inside,
    link_call,
    placeholder,
)

if TYPE_CHECKING:  # markdown-it is imported only for posts with shortcodes
    from markdown_it import MarkdownIt

_CANDIDATE = re.compile(r"\{\{[<%]|\{%|\{\{-?\s*(?:site|page|include|post|paginator|layout"
                        r"|jekyll|content)\b|\{\{\s*[A-Za-z_]\w*\(")
"""What might be a shortcode or template syntax; only then is a post scanned."""
_NAME = re.compile(r"[A-Za-z0-9_][\w-]*(?:/[\w-]+)*")
_NAMED = re.compile(r"([A-Za-z_][\w-]*)\s*=\s*")
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
REFS = frozenset({"ref", "relref"})
"""Shortcodes that link another post by its source path, checked like links."""


def uses_shortcodes(text: str) -> bool:
    """Whether `text` may hold shortcodes or template syntax (a cheap test first)."""
    return ("{{" in text or "{%" in text) and _CANDIDATE.search(text) is not None


def prepare(text: str, body_line: int, rel: str,
            names: frozenset[str] = frozenset()) -> Prepared:
    """Find the shortcodes, Hexo tags and Liquid of a body's source and put placeholders
    in. `names`: the shortcode templates there are (a `{% name %}` tag needs one)."""
    code = code_spans(text)
    prepared = Prepared("", [], {}, [], [], rel.rpartition("/")[0], body_line, text)
    position = Positions(text, body_line)
    pieces: list[tuple[int, int, str]] = []  # (start, end, replacement) in the source
    # Raw blocks and code blocks of Hexo tags first: nothing inside them is a tag.
    taken = liquid.verbatim_blocks(text, code, names, position, prepared, pieces)
    _hugo_tags(text, code, taken, position, prepared, pieces)
    liquid.tags(text, code, taken, position, names, prepared, pieces)
    prepared.text = _apply(text, pieces, prepared.anchors)
    return prepared


def _hugo_tags(text: str, code: list[tuple[int, int]], taken: list[tuple[int, int]],
               position: Positions, prepared: Prepared,
               pieces: list[tuple[int, int, str]]) -> None:
    stack: list[int] = []
    for found in re.finditer(r"\{\{[<%]", text):
        at = found.start()
        if inside(taken, at):
            continue
        if inside(code, at):
            literal = _LITERAL.match(text, at)
            if literal and _CLOSERS[literal.group(1)] == literal.group(3):
                pieces.append((at, literal.end(), "{{" + literal.group(1) + literal.group(2)
                               + literal.group(3) + "}}"))
                taken.append((at, literal.end()))
            continue
        line, col = position(at)
        try:
            call, end = _parse_tag(text, at)
        except _Malformed as problem:
            prepared.problems.append(BodyProblem(
                line, col, f"malformed shortcode: {problem}",
                'write it as {{< name key="value" >}}, or as {{</* name */>}} to show it'))
            continue
        call.line, call.col = line, col
        call.written = call.written or text[at:end]
        call.block = alone_on_line(text, at, end)
        index = len(prepared.calls)
        prepared.calls.append(call)
        taken.append((at, end))
        if call.kind == "close":
            opener = next((i for i in reversed(stack) if prepared.calls[i].name == call.name),
                          None)
            if opener is None:
                call.kind = "text"
                prepared.problems.append(BodyProblem(
                    line, col, f"closing shortcode '/{call.name}' without an opening one",
                    f"open it before with {{{{< {call.name} >}}}}, or delete it"))
            else:
                del stack[stack.index(opener):]
                prepared.calls[opener].kind, prepared.calls[opener].pair = "open", index
                call.pair = opener
        elif call.kind == "single" and not call.written.rstrip("}%>").endswith("/"):
            stack.append(index)
        if call.name in REFS and call.kind in ("single", "open"):
            marker = _ref(prepared, call)
            if marker is not None and in_link_position(text, at):
                pieces.append((at, end, marker + "\n" * text.count("\n", at, end)))
                call.kind = "done"
                continue
        pieces.append((at, end, placeholder(index, call.block, text.count("\n", at, end))))


def _ref(prepared: Prepared, call: Call) -> str | None:
    """The link marker of a ref/relref, its use recorded; None without a path."""
    key = "path" if "path" in call.named else "0"
    path = call.named.get("path", call.positional[0] if call.positional else None)
    if not isinstance(path, str):
        prepared.problems.append(BodyProblem(
            call.line, call.col, f"'{call.name}' needs the path of a post's source file",
            f'e.g. {{{{< {call.name} "../other-post/index.md" >}}}}'))
        call.kind = "text"
        return None
    if path.startswith("/"):  # as in Hugo: from the content folder
        return link_call(prepared, call, key, path.lstrip("/"), path, absolute=True)
    return link_call(prepared, call, key, path, path)


# -- code: where nothing is a tag --------------------------------------------------------

@lru_cache(maxsize=1)
def _block_parser() -> MarkdownIt:
    """Block structure only (no inline rules run): where code blocks and paragraphs are."""
    from markdown_it import MarkdownIt
    from mdit_py_plugins.footnote import footnote_plugin

    md = MarkdownIt("commonmark", {"html": True}).enable("table").use(footnote_plugin)
    md.disable("inline")
    return md


def code_spans(text: str) -> list[tuple[int, int]]:
    """Offsets of fenced and indented code blocks and of code spans in `text`."""
    starts = [0]
    for line in text.split("\n"):
        starts.append(starts[-1] + len(line) + 1)
    spans: list[tuple[int, int]] = []
    for token in _block_parser().parse(text):
        if token.map is None:
            continue
        start, end = starts[token.map[0]], starts[min(token.map[1], len(starts) - 1)]
        if token.type in ("fence", "code_block"):
            spans.append((start, end))
        elif token.type == "inline":
            spans += _inline_code(text, start, end)
    return sorted(spans)


_BACKTICKS = re.compile(r"(?<!\\)(?:\\\\)*(`+)")


def _inline_code(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """CommonMark code spans: a run of backticks to the next run of the same length."""
    found: list[tuple[int, int]] = []
    at = start
    while True:
        opening = _BACKTICKS.search(text, at, end)
        if opening is None:
            return found
        run = opening.group(1)
        closing = re.compile(f"(?<!`){run}(?!`)").search(text, opening.end(1), end)
        if closing is None:
            at = opening.end(1)
            continue
        found.append((opening.start(1), closing.end()))
        at = closing.end()


# -- Hugo's tags ---------------------------------------------------------------------------

class _Malformed(Exception):
    pass


_CLOSERS = {"<": ">", "%": "%"}
_LITERAL = re.compile(r"\{\{([<%])/\*(.*?)\*/\s*([>%])\}\}", re.S)


def _parse_tag(text: str, at: int) -> tuple[Call, int]:
    """The tag starting at `at` (`{{<` or `{{%`) and where it ends; _Malformed if not one."""
    delimiter = text[at + 2]
    end_mark = _CLOSERS[delimiter] + "}}"
    pos = at + 3
    if text.startswith("/*", pos):
        stop = text.find("*/", pos)
        close = re.compile(r"\*/\s*" + re.escape(end_mark)).match(text, stop) if stop >= 0 \
            else None
        if close is None:
            raise _Malformed(f"'{{{{{delimiter}/*' without its '*/{end_mark}'")
        shown = "{{" + delimiter + text[pos + 2:stop] + end_mark
        return Call("", "literal", delimiter, shown, 0, 0, False), close.end()
    pos = _skip_space(text, pos)
    closing = text.startswith("/", pos)
    pos = _skip_space(text, pos + 1) if closing else pos
    name = _NAME.match(text, pos)
    if name is None:
        raise _Malformed("a shortcode name must follow '{{" + delimiter + "'")
    call = Call(name.group(0), "close" if closing else "single", delimiter, "", 0, 0, False)
    pos = name.end()
    while True:
        after = _skip_space(text, pos)
        if text.startswith(end_mark, after) or text.startswith("/" + end_mark, after):
            if closing and (call.positional or call.named):
                raise _Malformed(f"closing tag {{{{{delimiter} /{call.name} {end_mark} "
                                 "takes no arguments")
            if call.positional and call.named:
                raise _Malformed("arguments are either all named or all positional "
                                 "(as in Hugo)")
            return call, after + len(end_mark) + (text[after] == "/")
        if after == pos or after >= len(text):
            raise _Malformed(f"'{{{{{delimiter} {call.name}' without its '{end_mark}'")
        pos = after
        named = _NAMED.match(text, pos)
        key = named.group(1) if named else str(len(call.positional))
        if named:
            pos = named.end()
        value_at = pos
        value, pos = _parse_value(text, pos, end_mark)
        call.places[key] = (value_at, pos)
        if named:
            call.named[key] = value
        else:
            call.positional.append(value)
            call.quoted.append(text[value_at] in "\"`")


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\n":
        pos += 1
    return pos


def _parse_value(text: str, pos: int, end_mark: str) -> tuple[Any, int]:
    """A quoted string (`\\"` escapes a quote), a raw string in backticks, or a bare word
    (a number or boolean when it reads as one, as in Hugo)."""
    if text.startswith('"', pos):
        end = pos + 1
        while end < len(text) and text[end] != '"':
            end += 2 if text[end] == "\\" else 1
        if end >= len(text):
            raise _Malformed("a quoted argument is not closed")
        return text[pos + 1:end].replace('\\"', '"'), end + 1
    if text.startswith("`", pos):
        end = text.find("`", pos + 1)
        if end < 0:
            raise _Malformed("a raw (`backtick`) argument is not closed")
        return text[pos + 1:end], end + 1
    end = pos
    while end < len(text) and text[end] not in " \t\n" and not (
            text.startswith(end_mark, end) or text.startswith("/" + end_mark, end)):
        end += 1
    word = text[pos:end]
    if word in ("true", "false"):
        return word == "true", end
    if _NUMBER.fullmatch(word):
        return (float(word) if any(c in word for c in ".eE") else int(word)), end
    return word, end


# -- placeholders in, columns kept ---------------------------------------------------------

def _apply(text: str, pieces: list[tuple[int, int, str]],
           anchors: dict[int, list[tuple[int, int]]]) -> str:
    """`text` with each (start, end) replaced; each replaced span's end is an anchor of
    its line, mapping columns of the new text back to the source."""
    out: list[str] = []
    at = 0
    new_col = 0  # the column in the new text where the source's `at` is
    for start, end, replacement in sorted(pieces):
        out += [text[at:start], replacement]
        new_col = _column_after(_column_after(new_col, text[at:start]), replacement)
        old_col = end - (text.rfind("\n", 0, end) + 1)
        anchors.setdefault(text.count("\n", 0, end), []).append((new_col, old_col))
        at = end
    out.append(text[at:])
    return "".join(out)


def _column_after(col: int, piece: str) -> int:
    last = piece.rfind("\n")
    return col + len(piece) if last < 0 else len(piece) - last - 1
