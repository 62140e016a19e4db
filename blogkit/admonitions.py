"""PARSE rules: admonitions (call-out boxes) as GitHub and MkDocs write them.

- GitHub alerts: a blockquote whose first line is only `[!NOTE]`, `[!TIP]`, `[!IMPORTANT]`,
  `[!WARNING]` or `[!CAUTION]` (any case), as GitHub's "Basic writing and formatting
  syntax" describes them.
- Python-Markdown's admonition extension (MkDocs, MkDocs-Material): `!!! type "Title"`
  with the body indented by 4 spaces; `!!! type ""` has no title; `??? type` is a
  collapsed `<details>` block, `???+ type` an open one. The block rule is
  mdit-py-plugins' `admon` plugin; this module shapes its tokens into our markup.

Both become the markup the theme's shortcodes write too (MkDocs' own):
`<div class="admonition TYPE"><p class="admonition-title">TITLE</p>...</div>`, TYPE one of
`TYPES` (MkDocs-Material's other names are folded into them, and kept as a second class).

A Body is the same for every language, so a default title (no title written) cannot be
translated here: it is rendered in English with a `data-default-title="TYPE"` attribute,
and `localize_titles` puts the page language's UI string (`admonition_TYPE` in the
theme's i18n files) in its place when the body is put on a page.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.rules_core import StateCore
    from markdown_it.token import Token

TYPES = ("note", "tip", "important", "warning", "caution")
_ALIASES = {
    "info": "note", "abstract": "note", "summary": "note", "tldr": "note", "todo": "note",
    "seealso": "note", "example": "note", "quote": "note", "cite": "note",
    "hint": "tip", "success": "tip", "check": "tip", "done": "tip", "question": "tip",
    "help": "tip", "faq": "tip",
    "attention": "warning",
    "danger": "caution", "error": "caution", "failure": "caution", "fail": "caution",
    "missing": "caution", "bug": "caution",
}
"""MkDocs-Material's types (and Python-Markdown's rST names) as the nearest of ours."""
_ALERT = re.compile(r"\[!(note|tip|important|warning|caution)\][ \t]*(?:\n|$)", re.I)
_DEFAULT_TITLE = re.compile(
    r'<(p|summary) class="admonition-title" data-default-title="([a-z]+)">[^<]*</\1>')


def admonitions_plugin(md: MarkdownIt) -> None:
    from mdit_py_plugins.admon import admon_plugin

    md.use(admon_plugin)
    md.core.ruler.before("inline", "blogkit_github_alerts", _github_alerts)
    md.core.ruler.before("inline", "blogkit_admonitions", _shape_admonitions)


def localize_titles(text: str, ui: Mapping[str, Any]) -> str:
    """`text` (body HTML) with each default admonition title in the page's language."""
    if 'data-default-title="' not in text:
        return text

    def replace(match: re.Match[str]) -> str:
        tag, kind = match.group(1), match.group(2)
        title = ui.get(f"admonition_{kind}") or kind.title()
        return f'<{tag} class="admonition-title">{html.escape(str(title))}</{tag}>'

    return _DEFAULT_TITLE.sub(replace, text)


def _kind(name: str) -> tuple[str, str]:
    """(our type, the classes for `name` as written)."""
    name = name.lower()
    kind = name if name in TYPES else _ALIASES.get(name, "note")
    extra = f" {name}" if name != kind and re.fullmatch(r"[a-z][\w-]*", name) else ""
    return kind, f"admonition {kind}{extra}"


def _default_title(kind: str, line: int, level: int) -> list[Token]:
    """Title open, inline and close tokens for a default title (translated later)."""
    from markdown_it.token import Token

    opening = Token("admonition_title_open", "p", 1)
    opening.attrs = {"class": "admonition-title", "data-default-title": kind}
    inline = Token("inline", "", 0)
    inline.content = kind.title()
    inline.children = []
    closing = Token("admonition_title_close", "p", -1)
    for token in (opening, inline, closing):
        token.map = [line, line + 1]
        token.level = level
    opening.block = closing.block = True
    return [opening, inline, closing]


def _github_alerts(state: StateCore) -> None:
    """Turn `> [!NOTE]` blockquotes into admonitions (before inline parsing, so the
    marker line can be taken out of the paragraph's text)."""
    if "[!" not in state.src:
        return
    tokens = state.tokens
    index = 0
    while index < len(tokens) - 2:
        token = tokens[index]
        index += 1
        if token.type != "blockquote_open" or tokens[index].type != "paragraph_open":
            continue
        inline = tokens[index + 1]
        match = _ALERT.match(inline.content)
        if inline.type != "inline" or match is None:
            continue
        kind = match.group(1).lower()
        closing = next(t for t in tokens[index:] if t.type == "blockquote_close"
                       and t.level == token.level)
        token.type, token.tag, token.markup = "admonition_open", "div", match.group(0).strip()
        token.attrs = {"class": f"admonition {kind}"}
        closing.type, closing.tag, closing.markup = "admonition_close", "div", token.markup
        rest = inline.content[match.end():]
        line = token.map[0] if token.map else 0
        if rest.strip():
            inline.content = rest
            for moved in (tokens[index], inline):  # the paragraph starts a line later
                if moved.map:
                    moved.map = [moved.map[0] + 1, moved.map[1]]
        else:
            del tokens[index:index + 3]  # the paragraph held the marker only
        tokens[index:index] = _default_title(kind, line, token.level + 1)


def _shape_admonitions(state: StateCore) -> None:
    """Give the admon plugin's `!!!`/`???` blocks our classes, `<details>` for `???`, and
    the translatable default title."""
    if "!!!" not in state.src and "???" not in state.src:
        return
    tokens = state.tokens
    collapsible: list[bool] = []
    for index, token in enumerate(tokens):
        if token.type == "admonition_open" and token.markup[:1] in ("!", "?"):
            params = token.info.strip()
            kind, classes = _kind(token.meta.get("tag", ""))
            folded = token.markup.startswith("?")
            collapsible.append(folded)
            token.attrs = {"class": classes}
            if folded:
                token.tag = "details"
                if token.markup.endswith("+"):
                    token.attrs["open"] = ""
            following = tokens[index + 1] if index + 1 < len(tokens) else None
            if following is not None and following.type == "admonition_title_open":
                following.tag = tokens[index + 3].tag = "summary" if folded else "p"
                if params.lower() == kind:  # `!!! note`: no title written
                    following.attrs["data-default-title"] = kind
                    tokens[index + 2].content = kind.title()
        elif token.type == "admonition_close" and token.markup[:1] in ("!", "?") and (
                collapsible.pop()):
            token.tag = "details"
