"""PARSE helper, the shortcodes' post-pass: each template's output where its placeholders are.

shortcode_syntax.prepare put a placeholder for each shortcode (Hugo's `{{< name >}}`) and
tag plugin (Hexo's `{% name %}`) into the source; Markdown rendered it; `finish` renders
`templates/shortcodes/<name>.html` (the site's, else the theme's) for each, its `inner`
the HTML between an opening and a closing placeholder, and puts the output in their place.
A call that cannot be rendered stays on the page as written, and is a `BodyProblem`.

A template gets the call's arguments (`positional`, `named`, and each named one as a
variable), `inner`, `lang` and `ui` (the UI strings of the post's language: a post has
one language, so a built-in's default label, `ui.shortcode_details`, is written in it
here, as Hugo's templates call `T`), `link_to(path)`, and `highlight(code, ...)`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import SiteConfig
from .digest import digest
from .excerpt import make_excerpt
from .fences import FenceInfo, parse_info, render_fence
from .i18n import count_units, load_ui
from .markdown import PLACEHOLDER, Body, BodyProblem, Highlighter, TocEntry, plain_excerpt
from .mdlinks import LinkUse
from .shortcode_calls import HEXO, Call, Prepared, link_marker, value_position
from .templates import THEME_DIR

if TYPE_CHECKING:  # Jinja is imported only for posts with shortcodes
    import jinja2
    from markupsafe import Markup

_BLOCK_MARK = re.compile(r"<!--bk-sc:(\d+)\n*-->\n?")
_INLINE_MARK = re.compile("\uf8f0(\\d+)\uf8f1")
_MARKS = re.compile(f"{_BLOCK_MARK.pattern}|{_INLINE_MARK.pattern}")
_FILLER = re.compile("\\s*\uf8f2")
"""A line of a shortcode tag after its first, inside a paragraph (so it stays one)."""
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.\-]*:")
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class ShortcodeSite:
    """What rendering a post's shortcodes needs from the site (picklable, for the pool)."""

    templates: Path
    """The site's `templates/` folder (which overrides the theme's)."""
    templates_key: str
    """A digest of every shortcode template."""
    names: frozenset[str]
    """The shortcode templates there are, site's and theme's (`media/audio` for
    shortcodes/media/audio.html): a Hexo tag is one only when its template is there."""
    lang: str
    """The post's language (a template may show it; the post's path is in its key)."""
    ui: tuple[tuple[str, str], ...] = ()
    """The UI strings of `lang` (the theme's, with the site's `ui:`), for default labels."""

    @property
    def key(self) -> str:
        """Part of the body key of a post using shortcodes: all its output depends on."""
        return digest(self.templates_key, self.lang, self.ui)


def site_for(config: SiteConfig, lang: str) -> ShortcodeSite:
    """What the shortcodes of a post in `lang` of the site `config` are rendered with."""
    templates = config.root / "templates"
    key, names = templates_digest(templates)
    overrides = next((language.ui for language in config.languages if language.code == lang),
                     {})
    ui = tuple(sorted((name, text) for name, text in load_ui(lang, overrides).items()
                      if isinstance(text, str)))
    return ShortcodeSite(templates, key, names, lang, ui)


def templates_digest(site_templates: Path) -> tuple[str, frozenset[str]]:
    """A digest of the shortcode templates, site's and theme's, by their bytes; and their
    names."""
    stamps = []
    for place, folder in (("site", site_templates / "shortcodes"),
                          ("theme", THEME_DIR / "templates" / "shortcodes")):
        if folder.is_dir():
            for path in sorted(folder.rglob("*.html")):
                stat = path.stat()
                stamps.append((place, path.relative_to(folder).as_posix(), str(path),
                               stat.st_size, stat.st_mtime_ns))
    return (_contents_digest(tuple(stamps)),
            frozenset(name[:-len(".html")] for _, name, _, _, _ in stamps))


@lru_cache(maxsize=8)
def _contents_digest(stamps: tuple[tuple[str, str, str, int, int], ...]) -> str:
    # Keyed by the files' stamps, so a build reads them once; digested by their bytes and
    # names (not where they are), so a new checkout or install keeps its cached bodies.
    return digest(*((place, name, Path(path).read_bytes())
                    for place, name, path, _, _ in stamps))


def finish(body: Body, prepared: Prepared, site: ShortcodeSite, rel: str,
           excerpt_length: int, has_summary: bool,
           highlighter: Highlighter | None = None) -> Body:
    """`body` (rendered from `prepared.text`) with its shortcodes rendered, its positions
    mapped back to the source, and its excerpt and counts made from the final HTML.
    `highlighter`: the one the body's fences were highlighted with (for codeblock)."""
    renderer = _Renderer(prepared, site, rel, highlighter)
    final = renderer.fill(body.html)
    if has_summary:
        excerpt_html, cut = body.excerpt_html, body.excerpt_cut
    else:
        excerpt_html, cut = make_excerpt(final, excerpt_length)
    visible = _TAG.sub(" ", PLACEHOLDER.sub(" x ", final))
    cjk, words = count_units(html.unescape(visible))
    moved = _Columns(prepared)
    liquid = [use for use in body.links if "{{" in use.href or "{%" in use.href]
    return replace(
        body, html=final, excerpt_html=excerpt_html, excerpt_cut=cut,
        excerpt_text=plain_excerpt(excerpt_html, body.formulas), cjk_chars=cjk, latin_words=words,
        toc=tuple(TocEntry(e.level, e.anchor, _unmarked(e.html), _unmarked(e.text))
                  for e in body.toc),
        formulas=tuple(use._replace(col=moved(use.line, use.col)) for use in body.formulas),
        # A link whose path is Liquid is that Liquid's problem, reported once.
        links=tuple([use._replace(col=moved(use.line, use.col)) for use in body.links
                     if use not in liquid] + prepared.links + renderer.links),
        problems=tuple(sorted([*body.problems, *prepared.problems, *renderer.problems])))


def _unmarked(text: str) -> str:
    return _FILLER.sub("", _INLINE_MARK.sub("", text))


class _Columns:
    """Columns of the rendered text mapped back to the source's."""

    def __init__(self, prepared: Prepared) -> None:
        self.anchors, self.body_line = prepared.anchors, prepared.body_line

    def __call__(self, line: int, col: int) -> int:
        anchors = self.anchors.get(line - self.body_line)
        if not anchors:
            return col
        for new_col, old_col in reversed(anchors):
            if col - 1 >= new_col:
                return old_col + (col - 1 - new_col) + 1
        return col


@lru_cache(maxsize=4)
def _environment(templates: Path, key: str) -> jinja2.Environment:
    """The site's template environment, once per process and set of shortcode templates."""
    from .templates import create_environment

    return create_environment(templates)


class _Renderer:
    def __init__(self, prepared: Prepared, site: ShortcodeSite, rel: str,
                 highlighter: Highlighter | None) -> None:
        self.prepared, self.site, self.rel = prepared, site, rel
        self.highlighter = highlighter
        self.calls = prepared.calls
        self.problems: list[BodyProblem] = []
        self.links: list[LinkUse] = []
        self.reported: set[int] = set()

    def fill(self, text: str) -> str:
        """`text` with every placeholder replaced (a pair with the HTML between them)."""
        marks = {int(m.group(1) or m.group(2)): m for m in _MARKS.finditer(text)}
        buffers: list[list[str]] = [[]]
        opened: list[int] = []
        at = 0
        for index, mark in marks.items():
            if mark.start() < at:
                continue
            buffers[-1].append(text[at:mark.start()])
            at = mark.end()
            call = self.calls[index]
            if call.kind == "open" and call.pair in marks:
                inner: list[str] = []
                between = text[at:marks[call.pair].start()]
                # Tags inside paragraphs around blocks: the paragraphs' tags go inside.
                if not call.block and _ends_with(buffers[-1], "<p>") and (
                        "</p>" in between or self.calls[call.pair].block):
                    buffers[-1][-1] = buffers[-1][-1][:-3]
                    inner.append("<p>")
                buffers.append(inner)
                opened.append(index)
            elif call.kind == "close" and opened and opened[-1] == call.pair:
                opened.pop()
                content = buffers.pop()
                if not call.block and text.startswith("</p>", at) and (
                        "</p>" in "".join(content) or self.calls[call.pair].block
                        or content[:1] == ["<p>"]):
                    content.append("</p>")
                    at += 4
                at = self._place(self.render(self.calls[call.pair], "".join(content)),
                                 buffers[-1], text, at)
            elif call.kind == "close":
                continue  # its opening tag is not in `text`
            else:
                at = self._place(self.render(call, "" if call.kind == "open" else None),
                                 buffers[-1], text, at)
        buffers[-1].append(text[at:])
        while len(buffers) > 1:  # an opening tag whose closing one is not in `text`
            content = buffers.pop()
            buffers[-1].append(self.render(self.calls[opened.pop()], "".join(content)))
        return _FILLER.sub("", "".join(buffers[0]))

    @staticmethod
    def _place(output: str, buffer: list[str], text: str, at: int) -> int:
        """Put `output` in; a block (a figure, a box) that was a paragraph's only content
        takes that paragraph's place. Returns where the text goes on."""
        if _BLOCK_START.match(output) and _ends_with(buffer, "<p>") \
                and text.startswith("</p>", at):
            buffer[-1] = buffer[-1][:-3]
            buffer.append(output.strip() + "\n")
            return at + 4
        buffer.append(output)
        return at

    def render(self, call: Call, inner: str | None) -> str:
        """The call's template output; as written (escaped) when it cannot be rendered."""
        if call.kind in ("literal", "text"):
            return self._as_text(call, inner)
        import jinja2
        from markupsafe import Markup

        env = _environment(self.site.templates, self.site.templates_key)
        name = f"shortcodes/{call.name}.html"
        try:
            template = env.get_template(name)
        except jinja2.TemplateNotFound as missing:
            if missing.name != name:
                return self._failed(call, inner, f"{name} includes {missing.name}, which "
                                    "is not there", "add that template or fix the name")
            self._problem(call, f"unknown shortcode '{call.name}'",
                          f"add templates/shortcodes/{call.name}.html (a Jinja template: "
                          "the named arguments are its variables, `positional` the others, "
                          f"`inner` the HTML between the tags), or write "
                          f"{{{{</* {call.name} */>}}}} to show the shortcode as text")
            return self._as_text(call, inner)
        except jinja2.TemplateSyntaxError as error:
            return self._failed(call, inner, f"{error.filename or name}:{error.lineno}: "
                                f"{error.message}", "fix the template")
        context = {**call.named, "named": dict(call.named), "positional": list(call.positional),
                   "quoted": list(call.quoted), "hexo": call.syntax == HEXO,
                   "inner": Markup((inner or "").strip("\n")) if call.verbatim is None
                   else call.verbatim,
                   "has_inner": inner is not None or call.verbatim is not None,
                   "name": call.name, "source": self.rel, "lang": self.site.lang,
                   "ui": dict(self.site.ui), "url": call.url, "link_to": self._linker(call),
                   "highlight": self._highlight, "fail": _fail}
        try:
            out = template.render(context)
        except Exception as error:  # noqa: BLE001 (any mistake in a template: reported)
            return self._failed(call, inner, f"{_template_place(error, name)}: {error}",
                                "fix the template, or the shortcode's arguments")
        out = out.strip()
        if call.block and call.syntax == HEXO and not _BLOCK_START.match(out):
            out = f"<p>{out}</p>"  # Hexo's output goes through Markdown: inline HTML alone
        return out + "\n" if call.block else out

    def _linker(self, call: Call) -> Callable[[Any], str]:
        """`link_to(path)` for templates: a relative path becomes a link marker, checked and
        rewritten as an image or link of the body is; other values are left as they are."""
        def link(value: Any) -> str:
            path = str(value)
            if not path or path.startswith(("#", "/")) or _SCHEME.match(path):
                return path
            key = next((k for k, v in [*call.named.items(), *enumerate(call.positional)]
                        if v == value), None)
            line, col = call.line, call.col
            if key is not None and str(key) in call.places:
                at = call.places[str(key)][0]
                line, col = self._source_position(at)
            marker, use = link_marker(self.prepared.rel_dir, path, path, line, col)
            self.links.append(use)
            return marker
        return link

    def _source_position(self, offset: int) -> tuple[int, int]:
        return value_position(self.prepared, offset)

    def _highlight(self, code: str, language: str = "", title: str = "", mark: str = "",
                   first_line: Any = 1, numbered: bool = False, url: str = "",
                   link_text: str = "") -> Markup:
        """`highlight(code, ...)` for templates: the code block a fence with that language
        and `title=` makes (same highlighter, same markup); `mark` lines as Hexo writes
        them (`1,4-7`); `url`: an absolute URL linked in the caption after the title
        (Hexo's `url` and `link text`)."""
        from markupsafe import Markup

        from .highlight import highlight

        mark = str(mark)
        marked = parse_info(f"x {{{mark}}}").marked if re.fullmatch(r"[\d,\s-]+", mark) \
            else frozenset()
        first = int(first_line) if str(first_line).isdigit() else 1
        info = FenceInfo(str(language), marked, str(title) or None, bool(numbered), first)
        block = render_fence(str(code) + "\n", info, self.highlighter or highlight)
        if title and url:
            link = (f' <a href="{html.escape(url)}">{html.escape(link_text or "link")}'
                    "</a></figcaption>")
            block = block.replace("</figcaption>", link, 1)
        return Markup(block)


    def _failed(self, call: Call, inner: str | None, message: str, hint: str) -> str:
        self._problem(call, f"shortcode '{call.name}': {message}", hint)
        return self._as_text(call, inner)

    def _problem(self, call: Call, message: str, hint: str) -> None:
        if id(call) not in self.reported:  # the body and the excerpt render the same call
            self.reported.add(id(call))
            self.problems.append(BodyProblem(call.line, call.col, message, hint))

    def _as_text(self, call: Call, inner: str | None) -> str:
        shown = _escape(call.written)
        if call.pair >= 0 and inner is not None:
            closing = _escape(self.calls[call.pair].written)
            if call.block:
                return f"<p>{shown}</p>\n{inner}<p>{closing}</p>\n"
            return shown + inner + closing
        return f"<p>{shown}</p>\n" if call.block else shown


def _fail(message: str) -> str:
    """`fail(message)` for templates: the call is a problem with that message."""
    raise ValueError(message)


def _escape(text: str) -> str:
    """As markdown-it escapes text (`"` too, `'` not)."""
    return html.escape(text, quote=False).replace('"', "&quot;")


def _ends_with(buffer: list[str], tag: str) -> bool:
    return bool(buffer) and buffer[-1].endswith(tag)


_BLOCK_START = re.compile(r"\s*<(?:address|article|aside|blockquote|details|div|dl|figure|"
                          r"footer|h[1-6]|header|hr|ol|p|pre|section|table|ul)\b")


def _template_place(error: Exception, name: str) -> str:
    """`templates/shortcodes/x.html:3`: the template line a rendering error is at."""
    line = None
    trace = error.__traceback__
    while trace is not None:
        if trace.tb_frame.f_code.co_filename.endswith(".html"):
            line = trace.tb_lineno
        trace = trace.tb_next
    return f"{name}:{line}" if line else name
