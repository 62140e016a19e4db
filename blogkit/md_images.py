"""MD IMAGES: a body's images as markdown-it renders them: their alt text with formulas as
readable TeX, decoded off the main thread, lazy but for the first, and each a link to its
full file unless it is inside a link already (the rule that marks those is here too).
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING, Any

from .tex_text import tex_to_text

if TYPE_CHECKING:
    from markdown_it.rules_core import StateCore
    from markdown_it.token import Token


def render_image(self: Any, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
    """markdown-it's image rule, with formulas in the alt text kept as readable TeX
    (markdown-it's own alt text takes text tokens only, and would drop them).

    Decoded off the main thread, loaded lazily but for the body's first image (likely on
    the first screen), and a link to the full image unless it is inside a link already.
    Its size and variants are added where the file is known (`links.resolve_links`)."""
    token = tokens[idx]
    token.attrSet("alt", alt_text(token.children or []))
    token.attrSet("decoding", "async")
    if env.get("eager_image"):
        env["eager_image"] = False
    else:
        token.attrSet("loading", "lazy")
    tag = str(self.renderToken(tokens, idx, options, env))
    if token.meta.get("in_link") or env.get("in_link"):
        return tag
    return f'<a class="image-link" href="{html.escape(str(token.attrGet("src") or ""))}">{tag}</a>'


EAGER_IMAGE = re.compile(r'(<img\s[^<>]*decoding="async")>')
"""The body's first image (not lazy), in an excerpt: listings load every image lazily."""


def images_in_links(state: StateCore) -> None:
    """Mark the images inside a link (Markdown's, or raw `<a>` HTML): they are not made
    links to themselves."""
    for token in state.tokens:
        if token.type != "inline" or not token.children:
            continue
        depth = 0
        for child in token.children:
            if child.type == "link_open":
                depth += 1
            elif child.type == "link_close":
                depth = max(0, depth - 1)
            elif child.type == "html_inline":
                if _RAW_LINK_OPEN.match(child.content):
                    depth += 1
                elif _RAW_LINK_CLOSE.match(child.content):
                    depth = max(0, depth - 1)
            elif child.type == "image" and depth:
                child.meta["in_link"] = True


_RAW_LINK_OPEN = re.compile(r"<a[\s>]", re.IGNORECASE)
_RAW_LINK_CLOSE = re.compile(r"</a\s*>", re.IGNORECASE)


def alt_text(children: list[Token]) -> str:
    # What markdown-it's renderInlineAsText keeps, plus formulas.
    parts: list[str] = []
    for child in children:
        if child.type in ("text", "code_inline", "html_inline"):
            parts.append(child.content)
        elif child.type == "math_inline":
            parts.append(tex_to_text(child.content))
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type == "image":
            parts.append(alt_text(child.children or []))
    return "".join(parts)
