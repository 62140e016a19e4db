"""PARSE helper: `{% ... %}` tags in a post (Hexo's tag plugins, Jekyll's Liquid), and
Liquid's `{{ ... }}` objects.

A Hexo tag plugin is the same mechanism as a Hugo shortcode (Hexo docs, "Tag Plugins"):
`{% name args %}` or `{% name args %}inner{% endname %}` is rendered by
`templates/shortcodes/<name>.html` when the site or the theme has that template. Its
arguments are words split at spaces (`"a phrase"` and `'a phrase'` are one), and a
`key:value` word (`lang:python`, `mark:1,3-4`) is named. The inside of a block tag is
Markdown, but for codeblock, whose inside is code (`Call.verbatim`).

`{% raw %}...{% endraw %}` (Hexo's and Jekyll's) shows what is inside as written: no
shortcode, tag or Liquid in it is run or reported; it is still Markdown, as in Jekyll,
where raw mostly wraps a fenced block of template code.

Any other tag, and a Liquid object (`{{ site.baseurl }}`), stays on the page as written
and is a `BodyProblem` saying what to write instead (Jekyll's include, highlight, link,
post_url and comment have hints of their own; a Zola shortcode is named as one).
"""

from __future__ import annotations

import re

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

_TAG = re.compile(r"\{%-?\s*([A-Za-z_]\w*)([^%\n]*(?:%(?!\})[^%\n]*)*?)\s*-?%\}")
_OUTPUT = re.compile(r"\{\{-?\s*(?:(?:site|page|include|post|paginator|layout|jekyll"
                     r"|content)\b|\"[^\"\n]*\"\s*\|)[^{}\n]*\}\}")
_ZOLA_CALL = re.compile(r"\{\{\s*([A-Za-z_]\w*)\([^{}\n]*\)\s*\}\}")
_RAW = re.compile(r"\{%-?\s*raw\s*-?%\}")
_END_RAW = re.compile(r"\{%-?\s*endraw\s*-?%\}")
_WORD = re.compile(r'"((?:[^"\\]|\\.)*)"|\'((?:[^\'\\]|\\.)*)\'|(\S+)')
_KEY_VALUE = re.compile(r"([A-Za-z_][\w-]*):(?!//)(\S+)")
VERBATIM = frozenset({"codeblock"})
"""Block tags whose inside is not Markdown: given to the template as written."""

_JEKYLL_HINTS = {
    "include": "make it a shortcode: add templates/shortcodes/NAME.html and write "
               "{{< NAME >}}",
    "highlight": "use a fenced code block: ```python on the line before the code, ``` after",
    "link": "link the post's source file by its relative path, e.g. [text](../other/index.md)",
    "post_url": "link the post's source file by its relative path, e.g. "
                "[text](../other/index.md)",
    "comment": "use an HTML comment: <!-- ... -->",
}


def verbatim_blocks(text: str, code: list[tuple[int, int]], names: frozenset[str],
                    position: Positions, prepared: Prepared,
                    pieces: list[tuple[int, int, str]]) -> list[tuple[int, int]]:
    """Raw blocks (their tags taken out) and code blocks of Hexo tags (a call each): the
    spans where nothing else is looked for."""
    taken: list[tuple[int, int]] = []
    if "{%" not in text:
        return taken
    for opening in _TAG.finditer(text):
        at, name = opening.start(), opening.group(1)
        wanted = name == "raw" or (name in VERBATIM and name in names)
        if not wanted or inside(code, at) or inside(taken, at) or (at and text[at - 1] == "{"):
            continue
        closer = _END_RAW if name == "raw" else re.compile(r"\{%-?\s*end" + name + r"\s*-?%\}")
        ending = closer.search(text, opening.end())
        line, col = position(at)
        if ending is None:
            what = "text to show as written" if name == "raw" else "code"
            prepared.problems.append(BodyProblem(
                line, col, f"{opening.group(0)} without its {{% end{name} %}}",
                f"add {{% end{name} %}} where the {what} ends"))
            taken.append((at, opening.end()))
            continue
        taken.append((at, ending.end()))
        if name == "raw":
            pieces += [(at, opening.end(), ""), (ending.start(), ending.end(), "")]
            continue
        call = _call(text, opening, line, col)
        call.block = alone_on_line(text, at, ending.end())
        call.written = text[at:ending.end()]
        inner = text[opening.end():ending.start()]
        call.verbatim = inner[inner.startswith("\n"):len(inner) - inner.endswith("\n")]
        prepared.calls.append(call)
        pieces.append((at, ending.end(), placeholder(len(prepared.calls) - 1, call.block,
                                                     text.count("\n", at, ending.end()))))
    return taken


def tags(text: str, code: list[tuple[int, int]], taken: list[tuple[int, int]],
         position: Positions, names: frozenset[str], prepared: Prepared,
         pieces: list[tuple[int, int, str]]) -> None:
    """A call for each Hexo tag with a template, a problem for any other Liquid, outside
    code, raw blocks and shortcodes."""
    found = [*_TAG.finditer(text), *_OUTPUT.finditer(text), *_ZOLA_CALL.finditer(text)]
    stack: list[int] = []
    reported: set[str] = set()
    for match in sorted(found, key=lambda m: m.start()):
        at = match.start()
        if inside(code, at) or inside(taken, at) or (at and text[at - 1] == "{"):
            continue
        line, col = position(at)
        name = match.group(1) if match.re is not _OUTPUT else ""
        if match.re is _TAG and "(" not in match.group(2) and name != "end" and (
                name in names or (name.startswith("end") and name[3:] in names)):
            call = _call(text, match, line, col)
            call.block = alone_on_line(text, at, match.end())
            index = len(prepared.calls)
            prepared.calls.append(call)
            taken.append((at, match.end()))
            if name.startswith("end") and name[3:] in names and name not in names:
                _close(prepared, stack, index)
            else:
                stack.append(index)
                if _links_directly(prepared, call) and in_link_position(text, at):
                    pieces.append((at, match.end(), call.url or ""))
                    call.kind = "done"
                    continue
            pieces.append((at, match.end(), placeholder(index, call.block, 0)))
            continue
        problem = _problem(match, name, reported)
        if problem is not None:
            prepared.problems.append(BodyProblem(line, col, *problem))


def _call(text: str, match: re.Match[str], line: int, col: int) -> Call:
    """The Hexo tag `match` as a call: its words, `key:value` words named."""
    name = match.group(1)
    kind = "close" if name.startswith("end") else "single"
    call = Call(name[3:] if kind == "close" else name, kind, "{%", match.group(0), line, col,
                False)
    for word in _WORD.finditer(match.group(2)):
        at = match.start(2) + word.start()
        bare = word.group(3)
        key_value = _KEY_VALUE.fullmatch(bare) if bare is not None else None
        if key_value is not None:
            call.named[key_value.group(1)] = key_value.group(2)
            call.places[key_value.group(1)] = (at + key_value.start(2), match.start(2)
                                               + word.end())
            continue
        quoted = bare is None
        value = bare if bare is not None else (word.group(1) if word.group(1) is not None
                                                else word.group(2))
        call.places[str(len(call.positional))] = (at, match.start(2) + word.end())
        call.positional.append(re.sub(r"\\(.)", r"\1", value) if quoted else value)
        call.quoted.append(quoted)
    return call


def _close(prepared: Prepared, stack: list[int], index: int) -> None:
    """Pair the closing tag `index` with its opening one (a problem without one)."""
    call = prepared.calls[index]
    opener = next((i for i in reversed(stack) if prepared.calls[i].name == call.name), None)
    if opener is None:
        call.kind = "text"
        prepared.problems.append(BodyProblem(
            call.line, call.col, f"closing tag {call.written} without an opening "
            f"{{% {call.name} %}}", f"open it before with {{% {call.name} %}}, or delete it"))
        return
    del stack[stack.index(opener):]
    prepared.calls[opener].kind, prepared.calls[opener].pair = "open", index
    call.pair = opener


def _links_directly(prepared: Prepared, call: Call) -> bool:
    """Give post_link and asset_path their link marker; True for asset_path, whose output
    is the URL alone (so it may stand in a link's target or an attribute)."""
    if not call.positional:
        return False
    path = str(call.positional[0])
    if call.name == "asset_path":
        link_call(prepared, call, "0", path, path)
        return True
    if call.name == "post_link":
        # Hexo's slug is a post's file name: here the bundle's folder (or a source path).
        if "/" in path or path.endswith(".md"):
            link_call(prepared, call, "0", path, path)
        else:
            link_call(prepared, call, "0", f"posts/{path}", path, absolute=True)
    return False


def _problem(match: re.Match[str], name: str, reported: set[str]) -> tuple[str, str] | None:
    """The message and hint for a tag or object nothing renders (None: said already)."""
    written = match.group(0)
    if match.re is _ZOLA_CALL:
        return (f"{written} is a Zola shortcode: blogkit uses Hugo's syntax",
                f"write {{{{< {name} key=\"value\" >}}}} (a template in "
                f"templates/shortcodes/{name}.html)")
    if match.re is _OUTPUT:
        return (f"Liquid {written}: blogkit does not run Liquid (Jekyll's templates), so it "
                "would show as text",
                "write the value itself; for a URL, a path relative to this file "
                "(image.png, ../other/index.md) or from the site root (/about/): blogkit "
                "adds the base path")
    if "(" in match.group(2) or name == "end":
        return (f"{written} is a Zola shortcode: blogkit uses Hugo's syntax",
                "write {{< name key=\"value\" >}}inner{{< /name >}} (a template in "
                "templates/shortcodes/name.html)")
    if name.startswith("end") and name[3:] in reported:
        return None  # its opening tag is reported
    reported.add(name)
    if name in _JEKYLL_HINTS:
        include = re.sub(r"\.html?$", "", (match.group(2).split() or ["name"])[0])
        return (f"Liquid tag {written}: blogkit does not run Liquid (Jekyll's templates), "
                "so it would show as text", _JEKYLL_HINTS[name].replace("NAME", include))
    return (f"Liquid tag {written}: there is no template shortcodes/{name}.html for it, so "
            "it would show as text",
            f"add templates/shortcodes/{name}.html (a Jinja template: `positional` holds the "
            "tag's words, `named` its key:value words, `inner` the HTML of what stands "
            f"between {{% {name} %}} and {{% end{name} %}}), or write the text it stands for")
