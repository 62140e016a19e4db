"""PARSE: Post -> Body. markdown-it-py with our rules (math, CJK breaks, anchors, links).

A `Body` is a pure function of the post's source and the settings: its HTML holds each
formula as a `<bk-math data-i="N">` placeholder (TeX is rendered by a later step, so the
body can be cached without KaTeX) and each link to another post or asset as a
`blogkit:link:` marker (resolved once every post's URL is known).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import quote

from .admonitions import admonitions_plugin
from .cjk_emphasis import cjk_emphasis_plugin
from .config_sections import MarkdownSettings
from .excerpt import make_excerpt
from .fences import parse_info, render_fence
from .i18n import count_units, is_cjk, reading_minutes, slugify
from .katex_node import defines_macros
from .md_images import EAGER_IMAGE, images_in_links, render_image
from .mdlinks import LinkUse, rewrite_links
from .mdmath import math_plugin, protect_table_pipes
from .tex_text import tex_to_text

if TYPE_CHECKING:  # imported by create_markdown: a build with every body cached never needs them
    from markdown_it import MarkdownIt
    from markdown_it.rules_core import StateCore
    from markdown_it.token import Token

ANCHOR_LABEL_ID = "heading-anchor-label"
"""The id of the page's hidden "Link to this section" text (in its language: see base.html),
which names every heading's self-link; a body is the same in every language's page."""
RESERVED_IDS = frozenset({"main", "top", "toc-title", "hero-title", "latest-title",
                          ANCHOR_LABEL_ID})
"""ids the theme uses; a heading never takes them (it gets `main-1` instead)."""
_FOOTNOTE_ID = re.compile(r"^fn(ref)?\d+(:\d+)?$")
_TAG = re.compile(r"<[^<>]+>")
"""A tag, for counting the visible text. Never across a `<`: with `[^>]`, each of a
hundred thousand unclosed `<!--` would scan to the end of the body."""
PLACEHOLDER = re.compile(r'<bk-math data-i="(\d+)"></bk-math>')
"""A formula in a Body's HTML: group 1 is its index in `Body.formulas`."""


class FormulaUse(NamedTuple):
    """A formula as written, and where: the line and column of its opening delimiter.

    Named tuples (this and the two below): a site's bodies hold tens of thousands of
    them, and tuples unpickle from the body cache several times faster than dataclasses.
    """

    tex: str
    display: bool
    line: int
    col: int
    opener: int = 2
    """Length of the opening delimiter (`$` is 1), to place a column inside the TeX."""


class BodyProblem(NamedTuple):
    """A mistake found while rendering a body that has a visible fallback (an unknown
    shortcode shown as text): an error, or a warning under --keep-going."""

    line: int
    col: int
    message: str
    hint: str = ""


class TocEntry(NamedTuple):
    level: int
    anchor: str
    html: str
    text: str


@dataclass(frozen=True)
class Body:
    """What one source file renders to, before formulas and links are filled in."""

    html: str
    excerpt_html: str
    excerpt_cut: bool
    """True when the body goes on after the excerpt ("read more")."""
    title_html: str
    title_text: str
    """The title reduced to plain text (formulas as readable TeX), for <title> and feeds."""
    toc: tuple[TocEntry, ...]
    cjk_chars: int
    latin_words: int
    formulas: tuple[FormulaUse, ...]
    links: tuple[LinkUse, ...]
    excerpt_text: str = ""
    """The excerpt as plain text, formulas as readable TeX: for meta descriptions."""
    problems: tuple[BodyProblem, ...] = ()
    """File-positioned mistakes to report (see BodyProblem)."""

    @property
    def reading_minutes(self) -> int:
        return reading_minutes(self.cjk_chars, self.latin_words)


DEFAULT_SETTINGS = MarkdownSettings()


def create_markdown(settings: MarkdownSettings = DEFAULT_SETTINGS) -> MarkdownIt:
    """Return the configured parser: CommonMark, tables, strikethrough, footnotes, tasks, math."""
    from markdown_it import MarkdownIt
    from mdit_py_plugins.footnote import footnote_plugin
    from mdit_py_plugins.tasklists import tasklists_plugin

    md = MarkdownIt("commonmark", {"html": True, "typographer": False, "xhtmlOut": False})
    md.enable(["table", "strikethrough"])
    md.use(math_plugin, settings).use(footnote_plugin).use(tasklists_plugin)
    md.use(cjk_emphasis_plugin).use(admonitions_plugin)
    md.core.ruler.push("blogkit_formula_lines", attach_block_lines)
    md.core.ruler.push("blogkit_cjk_breaks", _join_cjk_lines)
    md.core.ruler.push("blogkit_anchors", _heading_anchors)
    md.core.ruler.push("blogkit_links", rewrite_links)
    md.core.ruler.push("blogkit_images_in_links", images_in_links)
    md.add_render_rule("fence", _render_fence)
    md.add_render_rule("code_block", _render_fence)
    md.add_render_rule("image", render_image)
    md.add_render_rule("math_inline", _render_math)
    md.add_render_rule("math_block", _render_math)
    return md


Highlighter = Callable[[str, str], str]
"""highlighter(code, language): a code block's HTML, as `highlight.highlight` makes it."""


def render_body(
    md: MarkdownIt,
    *,
    source: Path,
    content_dir: Path,
    body: str,
    body_line: int,
    title: str,
    title_line: int,
    summary: str | None,
    summary_line: int,
    excerpt_length: int,
    highlighter: Highlighter | None = None,
) -> Body:
    """Render one post's Markdown (title, summary and body) to a `Body`.

    `highlighter` makes the code blocks' HTML instead of `highlight.highlight` (it may
    know some already: see `bodies.KeptBlocks`).
    """
    lines = body.split("\n")
    env: dict[str, Any] = {
        "source": source, "content_dir": content_dir, "formulas": [], "links": [], "toc": [],
        "ids": set(RESERVED_IDS), "lines": lines, "body_line": body_line, "md": md,
        "highlighter": highlighter, "eager_image": True,
    }
    body_html = md.render(protect_table_pipes(body), env)
    toc = tuple(env["toc"])
    # Title and summary get envs of their own (no footnotes or ids of the body), sharing
    # the lists of formulas and links so every placeholder index stays unique.
    shared = {key: env[key] for key in ("source", "content_dir", "formulas", "links", "md")}
    title_env = {**shared, "lines": [title], "body_line": title_line, "toc": [], "ids": set()}
    title_tokens = md.parseInline(title, title_env)
    for token in title_tokens:
        _tags_as_text(token.children or [])
    title_html = md.renderer.render(title_tokens, md.options, title_env)
    title_text = _plain_text(title_tokens[0].children or []) if title_tokens else title
    if summary is not None:
        summary_env = {**shared, "lines": summary.split("\n"), "body_line": summary_line,
                       "toc": [], "ids": set()}
        excerpt_html, cut = md.render(summary, summary_env).strip(), True
    else:
        excerpt_html, cut = make_excerpt(body_html, excerpt_length)
        excerpt_html = EAGER_IMAGE.sub(r'\1 loading="lazy">', excerpt_html, count=1)
    visible = _TAG.sub(" ", PLACEHOLDER.sub(" x ", body_html))
    cjk, words = count_units(html.unescape(visible))
    formulas = tuple(env["formulas"])
    return Body(
        html=body_html, excerpt_html=excerpt_html, excerpt_cut=cut, title_html=title_html,
        title_text=title_text, toc=toc, cjk_chars=cjk, latin_words=words,
        formulas=formulas, links=tuple(env["links"]),
        excerpt_text=plain_excerpt(excerpt_html, formulas),
        problems=tuple(env.get("problems", ())),
    )


def plain_excerpt(excerpt_html: str, formulas: tuple[FormulaUse, ...]) -> str:
    """The excerpt as plain text (meta descriptions): formulas as readable TeX, those
    that only define macros left out; shortcodes.finish makes it from its final HTML."""
    def formula(match: re.Match[str]) -> str:
        tex = formulas[int(match.group(1))].tex
        return "" if defines_macros(tex) else tex_to_text(tex)  # definitions show nothing

    text = PLACEHOLDER.sub(formula, excerpt_html)
    text = _TAG.sub(" ", text)
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


def _tags_as_text(children: list[Token]) -> None:
    """Show raw HTML in a title as the text it is.

    A title is also the page's <title>, a feed entry's title and JSON-LD's headline, which
    hold no markup: `A <b> title` must read the same everywhere, and a `</script>` in a
    title must not end anything on the page.
    """
    for child in children:
        if child.type == "html_inline":
            child.type = "text"


def _plain_text(children: list[Token]) -> str:
    parts: list[str] = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type == "math_inline":
            parts.append(tex_to_text(child.content))
        elif child.type == "softbreak":
            parts.append(" ")
        elif child.children:
            parts.append(_plain_text(child.children))
    return "".join(parts).strip()


# -- core rules ---------------------------------------------------------------------------

def _join_cjk_lines(state: StateCore) -> None:
    """A soft line break between two CJK characters is removed, not turned into a space."""
    for token in state.tokens:
        children = token.children
        if token.type != "inline" or not children:
            continue
        for index, child in enumerate(children):
            if child.type != "softbreak":
                continue
            before = _neighbour_text(children, index, -1)
            after = _neighbour_text(children, index, 1)
            if before and after and is_cjk(before[-1]) and is_cjk(after[0]):
                child.type, child.tag, child.content = "text", "", ""


def _neighbour_text(children: list[Token], index: int, step: int) -> str:
    index += step
    while 0 <= index < len(children):
        child = children[index]
        if child.type == "text" and child.content:
            return child.content
        if child.type != "text" and not child.type.endswith(("_open", "_close")):
            return ""
        index += step
    return ""


def _heading_anchors(state: StateCore) -> None:
    """Give headings unique ids (CJK kept), add a self-link, and collect the TOC."""
    from markdown_it.token import Token

    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type != "heading_open" or index + 1 >= len(tokens):
            continue
        inline = tokens[index + 1]
        children = inline.children or []
        text = _plain_text(children)
        anchor = base = slugify(text)
        number = 1
        while anchor in state.env["ids"] or _FOOTNOTE_ID.match(anchor):
            anchor = f"{base}-{number}"
            number += 1
        state.env["ids"].add(anchor)
        token.attrSet("id", anchor)
        level = int(token.tag[1])
        if 2 <= level <= 4:
            state.env["toc"].append((level, anchor, [c for c in children], text))
        # A focusable link must not be aria-hidden (axe: aria-hidden-focus); it is named
        # by the page's label, as GitHub's and Docusaurus' heading links have a name.
        link = Token("html_inline", "", 0)
        link.content = (f' <a class="heading-anchor" href="#{quote(anchor)}" '
                        f'aria-labelledby="{ANCHOR_LABEL_ID}">#</a>')
        children.append(link)
    env = state.env
    md: MarkdownIt = env["md"]
    entries = []
    # The TOC is a list of links: an image in a heading is shown there as it is, lazily.
    toc_env = {**env, "eager_image": False, "in_link": True}
    for level, anchor, children, text in env["toc"]:
        visible = [c for c in children if c.type not in ("link_open", "link_close", "html_inline")]
        entries.append(TocEntry(level, anchor, md.renderer.render(visible, md.options, toc_env),
                                text))
    env["toc"] = entries


# -- render rules -------------------------------------------------------------------------

def _render_fence(self: Any, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    highlighter = env.get("highlighter")
    if highlighter is None:
        from .highlight import highlight as highlighter

    return render_fence(token.content, parse_info(token.info), highlighter)


def _render_math(self: Any, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    display = bool(token.meta.get("display"))
    line, col = _formula_position(env, token)
    formulas: list[FormulaUse] = env["formulas"]
    formulas.append(FormulaUse(token.content, display, line, col, len(token.markup or "$$")))
    placeholder = f'<bk-math data-i="{len(formulas) - 1}"></bk-math>'
    return placeholder + "\n" if token.type == "math_block" else placeholder


def _formula_position(env: dict[str, Any], token: Token) -> tuple[int, int]:
    # Inline tokens carry no map of their own; the enclosing block's map is put in meta by
    # _attach_block_lines, and the offset counts the lines before the formula within it.
    block_line = token.meta.get("block_line", 0)
    lines: list[str] = env.get("lines", [])
    line_index = block_line + token.meta.get("line_in_block", 0)
    needle = (token.markup or "") + token.content.split("\n", 1)[0]
    col = 1
    if 0 <= line_index < len(lines):
        found = lines[line_index].find(needle)
        if found == -1:
            found = lines[line_index].find(token.markup or "$")
        col = found + 1 if found != -1 else 1
    return env.get("body_line", 0) + line_index, col


def attach_block_lines(state: StateCore) -> None:
    """Record on each formula token the block line it sits in (markdown-it keeps maps on blocks).

    It also reports the quotes and lists nested past markdown-it's limit (`maxNesting`,
    20 in CommonMark mode), whose text markdown-it leaves out: the deepest container is
    then empty, and the author is told where instead of losing the text unseen.
    """
    deepest = state.md.options["maxNesting"] - 1
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.level >= deepest and token.nesting == 1 and token.map and \
                index + 1 < len(tokens) and tokens[index + 1].nesting == -1:
            state.env.setdefault("problems", []).append(BodyProblem(
                state.env.get("body_line", 1) + token.map[0], 1,
                f"quotes and lists nested too deep for markdown-it ({deepest + 1} levels; "
                "a list counts two): the text inside is left out",
                "nest fewer levels (markdown-it stops there), or put the text in a code block"))
        if token.type == "math_block" and token.map:
            token.meta["block_line"] = token.map[0]
            continue
        if token.type != "inline" or not token.children:
            continue
        start = token.map[0] if token.map else 0
        # Lines counted on from the formula before (in source order), not from the start
        # of the block each time: a paragraph of thousands of formulas stays linear.
        counted, lines = 0, 0
        for child in token.children:
            if child.type == "math_inline":
                offset = child.meta["offset"]
                if offset < counted:
                    counted, lines = 0, 0
                lines += token.content.count("\n", counted, offset)
                counted = offset
                child.meta["block_line"] = start
                child.meta["line_in_block"] = lines
