"""CONFIG SECTIONS: the `math:`, `typography:`, `feeds:` and `redirects:` settings of
blogkit.yaml, each a small dataclass and the function that validates it (config.py puts
them together)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .errors import SourceError
from .yamlpos import YamlDoc, did_you_mean

_MATH_KEYS = {"macros", "dollars", "code_spans"}
_TYPOGRAPHY_KEYS = {"cjk_spacing"}
_FEED_KEYS = {"limit", "content", "tags"}
_FEED_CONTENT = ("full", "excerpt")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.\-]*://")


MATH_DOLLARS = ("pandoc", "kramdown")


@dataclass(frozen=True)
class MarkdownSettings:
    """Site settings that change how Markdown is rendered (`math:` and `typography:` in
    blogkit.yaml).

    Part of every body's cache key: changing one renders every body anew.
    """

    dollars: str = "pandoc"
    """`pandoc`: `$$..$$` is display math wherever it is; `kramdown` (Jekyll's): `$$..$$`
    in running text is inline, display only when it is a paragraph of its own."""
    code_spans: bool = False
    """True: a code span that holds only `$..$` or `$$..$$` is math, not code (the R
    blogdown and Hugo convention that hides TeX from the Markdown parser)."""
    cjk_spacing: bool = False
    """True: a quarter-em gap between Han characters and Latin letters, digits or inline
    math of running text (`typography.cjk_spacing`; see cjk_spacing.py)."""


@dataclass(frozen=True)
class FeedSettings:
    """What the Atom, RSS and JSON feeds carry (`feeds:` in blogkit.yaml)."""

    limit: int = 20
    """The newest posts in each feed."""
    content: str = "full"
    """`full`: each post's whole body; `excerpt`: its excerpt (summary) only."""
    tags: bool = False
    """True: every tag has its feeds too, beside its listing (as Hugo's `tags/x/index.xml`;
    off by default: a site has many tags, and each is three more files)."""


@dataclass(frozen=True)
class Redirect:
    """One old path of the site that leads elsewhere (`redirects:` in blogkit.yaml): a
    list page, feed or sitemap another tool wrote that blogkit has under another name."""

    path: str
    """From the site root, without the base path: `/posts/`, `/tags/vae/index.xml`."""
    target: str
    """From the site root too (`/archives/`), or a full URL."""
    line: int | None
    col: int | None


def positive_int(
    doc: YamlDoc, data: dict[str, Any], key: str, default: int, errors: list[SourceError],
    parent: tuple[str, ...] = (),
) -> int:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        name = ".".join((*parent, key))
        errors.append(doc.error((*parent, key), f"{name} must be a whole number of at least 1"))
        return default
    return value


def macros_section(doc: YamlDoc, value: Any, errors: list[SourceError]) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        errors.append(doc.error(("math",), "math must be a mapping"))
        return {}
    for key in value:
        if key not in _MATH_KEYS:
            errors.append(doc.error(("math", key), f"unknown math setting '{key}'",
                                    did_you_mean(str(key), _MATH_KEYS), key=True))
    macros = value.get("macros", {}) or {}
    if not isinstance(macros, dict):
        errors.append(doc.error(("math", "macros"), "macros must map names to TeX"))
        return {}
    result: dict[str, str] = {}
    for name, body in macros.items():
        if not re.fullmatch(r"\\[A-Za-z]+", str(name)) or not isinstance(body, str):
            errors.append(doc.error(("math", "macros", name), f"bad macro '{name}'",
                                    "write macros as '\\R': '\\mathbb{R}'", key=True))
            continue
        result[str(name)] = body
    return result


def markdown_section(doc: YamlDoc, value: Any, typography: Any, errors: list[SourceError]
                     ) -> MarkdownSettings:
    cjk_spacing = typography_section(doc, typography, errors)
    if not isinstance(value, dict):
        # a math: that is not a mapping is reported by macros_section
        return MarkdownSettings(cjk_spacing=cjk_spacing)
    dollars = value.get("dollars", "pandoc")
    if dollars not in MATH_DOLLARS:
        errors.append(doc.error(("math", "dollars"), f"math.dollars must be one of "
                                f"{', '.join(MATH_DOLLARS)}, not '{dollars}'",
                                "pandoc: $$..$$ is always display math; kramdown (Jekyll): "
                                "$$..$$ in running text is inline"))
        dollars = "pandoc"
    code_spans = value.get("code_spans", False)
    if not isinstance(code_spans, bool):
        errors.append(doc.error(("math", "code_spans"), "math.code_spans must be true or false",
                                "true makes `$x$` in backticks math (the blogdown convention)"))
        code_spans = False
    return MarkdownSettings(dollars=str(dollars), code_spans=code_spans, cjk_spacing=cjk_spacing)


def typography_section(doc: YamlDoc, value: Any, errors: list[SourceError]) -> bool:
    """`typography: {cjk_spacing: true}`: whether running text gets CJK spacing."""
    if value is None:
        return False
    if not isinstance(value, dict):
        errors.append(doc.error(("typography",), "typography must be a mapping",
                                "e.g. typography: {cjk_spacing: true}"))
        return False
    for key in value:
        if key not in _TYPOGRAPHY_KEYS:
            errors.append(doc.error(("typography", key), f"unknown typography setting '{key}'",
                                    did_you_mean(str(key), _TYPOGRAPHY_KEYS), key=True))
    spacing = value.get("cjk_spacing", False)
    if not isinstance(spacing, bool):
        errors.append(doc.error(("typography", "cjk_spacing"),
                                "typography.cjk_spacing must be true or false",
                                "true puts a quarter em between Han characters and Latin "
                                "letters, digits or inline math"))
        return False
    return spacing


def feeds_section(doc: YamlDoc, value: Any, errors: list[SourceError]) -> FeedSettings:
    if value is None:
        return FeedSettings()
    if not isinstance(value, dict):
        errors.append(doc.error(("feeds",), "feeds must be a mapping",
                                "e.g. feeds: {limit: 20, content: full}"))
        return FeedSettings()
    for key in value:
        if key not in _FEED_KEYS:
            errors.append(doc.error(("feeds", key), f"unknown feeds setting '{key}'",
                                    did_you_mean(str(key), _FEED_KEYS), key=True))
    limit = positive_int(doc, value, "limit", FeedSettings.limit, errors, ("feeds",))
    content = value.get("content", FeedSettings.content)
    if content not in _FEED_CONTENT:
        errors.append(doc.error(("feeds", "content"), f"feeds content '{content}' is not "
                                "full or excerpt", "full puts each post's whole text in the "
                                "feeds, excerpt only its excerpt"))
        content = FeedSettings.content
    tags = value.get("tags", False)
    if not isinstance(tags, bool):
        errors.append(doc.error(("feeds", "tags"), "feeds tags must be true or false",
                                "true gives every tag its own feeds, as every category has"))
        tags = False
    return FeedSettings(limit=limit, content=content, tags=tags)


def site_root_path(name: str) -> str | None:
    """The path from the site root that `name` (a path, or a full URL whose path is taken)
    names, or None when it is none: relative, with a `..` segment, a query or a fragment."""
    path = urlsplit(name).path if _SCHEME.match(name) else name
    if not path.startswith("/") or "/../" in path + "/" or "?" in path or "#" in path:
        return None
    return path


def redirects_section(doc: YamlDoc, value: Any, errors: list[SourceError]) -> tuple[Redirect, ...]:
    if value is None:
        return ()
    if not isinstance(value, dict):
        errors.append(doc.error(("redirects",), "redirects must be a mapping of old paths to "
                                "new ones", "e.g. redirects: {/posts/: /archives/}"))
        return ()
    found: list[Redirect] = []
    for old, new in value.items():
        path = site_root_path(old) if isinstance(old, str) else None
        if path is None or path != old:
            errors.append(doc.error(("redirects", old), f"redirect '{old}' is not a path "
                                    "from the site root", "write the old path as the site's "
                                    "root sees it, e.g. /posts/ or /tags/vae/index.xml",
                                    key=True))
            continue
        if not isinstance(new, str) or not (_SCHEME.match(new) or site_root_path(new)):
            errors.append(doc.error(("redirects", old), f"the target of redirect '{old}' is "
                                    "not a path from the site root or a full URL",
                                    "e.g. /archives/ or https://example.com/"))
            continue
        line, col = doc.where(("redirects", old), key=True)
        found.append(Redirect(path, new, line, col))
    return tuple(found)
