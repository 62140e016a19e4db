"""LOAD: blogkit.yaml -> SiteConfig, validated with a position for every error."""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .config_sections import (
    FeedSettings,
    MarkdownSettings,
    Redirect,
    feeds_section,
    macros_section,
    markdown_section,
    positive_int,
    redirects_section,
)
from .errors import BuildError, SourceError, UsageError, decode_source
from .i18n import slugify
from .yamlpos import YamlDoc, did_you_mean, load

CONFIG_NAME = "blogkit.yaml"
CACHE_DIR_NAME = ".blogkit-cache"
"""Everything cached, in the site's folder (see the README's "Caches and speed")."""

_TOP_KEYS = {
    "base_url",
    "languages",
    "per_page",
    "excerpt_length",
    "categories",
    "timezone",
    "author",
    "math",
    "feeds",
    "redirects",
    "typography",
    "theme",
    "extra",
}
_LANGUAGE_KEYS = {"code", "name", "title", "description", "hero", "ui"}
_LANG_CODE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")


@dataclass(frozen=True)
class Language:
    """A language the site is written in; the first one configured is the default."""

    code: str
    """BCP 47 code, also the file suffix (`index.en.md`) and URL prefix (`/en/`)."""
    name: str
    """The language's own name, shown in the switcher (中文, English)."""
    title: str
    """The site's title in this language."""
    description: str
    """One-line description, used in the page head."""
    hero: str = ""
    """The home page's hero text in this language."""
    ui: dict[str, str] = field(default_factory=dict)
    """Overrides of the theme's UI strings for this language."""


@dataclass(frozen=True)
class Category:
    """An allowed category: the name written in front matter and its display names."""

    name: str
    """The canonical name authors write (`Self-Supervised`)."""
    slug: str
    """URL segment (`self-supervised`)."""
    labels: dict[str, str]
    """Display name per language code; missing languages show `name`."""

    def label(self, lang: str) -> str:
        return self.labels.get(lang, self.name)


@dataclass(frozen=True)
class SiteConfig:
    """Everything `blogkit.yaml` says, validated."""

    root: Path
    """The site folder (holds blogkit.yaml, content/, templates/, static/)."""
    base_url: str
    """Absolute URL of the site's root, ending in `/`."""
    languages: tuple[Language, ...]
    per_page: int = 12
    excerpt_length: int = 120
    """Visible units in an automatic excerpt: a CJK character or a Latin word is one unit."""
    categories: tuple[Category, ...] = ()
    timezone: str = "UTC"
    """Zone of dates written without one, and of dates shown on pages."""
    author: str = ""
    macros: dict[str, str] = field(default_factory=dict)
    """TeX macros available to every formula."""
    markdown: MarkdownSettings = field(default_factory=MarkdownSettings)
    feeds: FeedSettings = field(default_factory=FeedSettings)
    redirects: tuple[Redirect, ...] = ()
    theme: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def base_path(self) -> str:
        """The path part of `base_url`, `/` or e.g. `/blog/`; every root-relative link starts so."""
        return urlsplit(self.base_url).path or "/"

    @property
    def default_language(self) -> Language:
        return self.languages[0]

    def language(self, code: str) -> Language:
        return next(language for language in self.languages if language.code == code)

    @property
    def language_codes(self) -> tuple[str, ...]:
        return tuple(language.code for language in self.languages)

    def category(self, name: str) -> Category | None:
        return next((c for c in self.categories if c.name == name), None)

    def lang_prefix(self, code: str) -> str:
        """URL prefix of a language: '' for the default, '/en' for the others."""
        return "" if code == self.default_language.code else f"/{code}"

    @property
    def content_dir(self) -> Path:
        return self.root / "content"

    @property
    def cache_dir(self) -> Path:
        return self.root / CACHE_DIR_NAME


def load_config(root: Path, base_url: str | None = None) -> SiteConfig:
    """Read and validate `root/blogkit.yaml`; raise BuildError listing every mistake.

    `base_url` (from `blogkit build --base-url`) replaces the file's setting; it is checked
    like the setting and a bad one raises UsageError, since it is no mistake in a file.
    """
    override = None if base_url is None else _override_base_url(base_url)
    path = root / CONFIG_NAME
    if not path.is_file():
        problem = (f"the site folder {root} does not exist" if not root.exists()
                   else f"no {CONFIG_NAME} in {root}")
        raise BuildError([SourceError(
            path, None, None, problem,
            "run blogkit in a site folder, or name one with -s/--source DIR; to start a "
            "new site: blogkit new site DIR")])
    doc, errors = load(decode_source(path, path.read_bytes()), path)
    if doc is None:
        raise BuildError(errors)
    if override is not None and isinstance(doc.data, dict):
        # The file's own value is then never used, so it need not be valid (or present).
        doc.data["base_url"] = override
    config = _validate(root, doc, errors)
    if errors or config is None:
        raise BuildError(errors)
    return config


def parse_base_url(value: object) -> str | None:
    """Return `value` as a base URL ending in `/`, or None when it is no http(s) URL."""
    if not isinstance(value, str):
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        return None
    return value if value.endswith("/") else value + "/"


def _override_base_url(value: str) -> str:
    parsed = parse_base_url(value)
    if parsed is None:
        raise UsageError(f"--base-url '{value}' is not an http(s) URL; give the address the "
                         "site is published at, e.g. https://user.github.io/blog/")
    return parsed


def _validate(root: Path, doc: YamlDoc, errors: list[SourceError]) -> SiteConfig | None:
    data = doc.data
    if not isinstance(data, dict):
        errors.append(doc.error((), "blogkit.yaml must be a mapping of settings"))
        return None
    for key in data:
        if key not in _TOP_KEYS:
            errors.append(
                doc.error((key,), f"unknown setting '{key}'", did_you_mean(str(key), _TOP_KEYS),
                          key=True)
            )
    base_url = _base_url(doc, data.get("base_url"), errors)
    languages = _languages(doc, data.get("languages"), errors)
    per_page = positive_int(doc, data, "per_page", 12, errors)
    excerpt_length = positive_int(doc, data, "excerpt_length", 120, errors)
    categories = _categories(doc, data.get("categories"), languages, errors)
    timezone = _timezone(doc, data.get("timezone", "UTC"), errors)
    macros = macros_section(doc, data.get("math"), errors)
    markdown = markdown_section(doc, data.get("math"), data.get("typography"), errors)
    feeds = feeds_section(doc, data.get("feeds"), errors)
    redirects = redirects_section(doc, data.get("redirects"), errors)
    author = data.get("author", "")
    if not isinstance(author, str):
        errors.append(doc.error(("author",), "author must be text"))
        author = ""
    theme = _mapping(doc, data, "theme", errors)
    extra = _mapping(doc, data, "extra", errors)
    if not languages:
        return None
    return SiteConfig(
        root=root,
        base_url=base_url,
        languages=tuple(languages),
        per_page=per_page,
        excerpt_length=excerpt_length,
        categories=tuple(categories),
        timezone=timezone,
        author=author,
        macros=macros,
        markdown=markdown,
        feeds=feeds,
        redirects=redirects,
        theme=theme,
        extra=extra,
    )


def _base_url(doc: YamlDoc, value: Any, errors: list[SourceError]) -> str:
    hint = "give the address the site is published at, e.g. https://user.github.io/blog/"
    if value is None:
        errors.append(doc.error((), "base_url is required", hint))
        return "/"
    parsed = parse_base_url(value)
    if parsed is None:
        errors.append(doc.error(("base_url",), f"base_url '{value}' is not an http(s) URL", hint))
        return "/"
    return parsed


def _languages(doc: YamlDoc, value: Any, errors: list[SourceError]) -> list[Language]:
    hint = "list languages as items with code, name, title and description; the first is default"
    if not isinstance(value, list) or not value:
        errors.append(doc.error(("languages",), "languages must be a non-empty list", hint))
        return []
    languages: list[Language] = []
    for index, item in enumerate(value):
        where = ("languages", index)
        if not isinstance(item, dict):
            errors.append(doc.error(where, "each language must be a mapping", hint))
            continue
        for key in item:
            if key not in _LANGUAGE_KEYS:
                errors.append(doc.error(where + (key,), f"unknown language setting '{key}'",
                                        did_you_mean(str(key), _LANGUAGE_KEYS), key=True))
        fields: dict[str, str] = {}
        for key in ("code", "name", "title", "description", "hero"):
            text = item.get(key, "")
            if not isinstance(text, str) or (not text and key in ("code", "name", "title")):
                errors.append(doc.error(where + (key,), f"language {key} must be non-empty text"))
                text = ""
            fields[key] = text
        code = fields["code"]
        if code and not _LANG_CODE.match(code):
            errors.append(doc.error(where + ("code",), f"'{code}' is not a language code",
                                    "use a code such as zh, en, ja or zh-TW"))
        if any(language.code == code for language in languages):
            errors.append(doc.error(where + ("code",), f"language '{code}' is given twice"))
        ui = item.get("ui", {})
        if not isinstance(ui, dict) or not all(isinstance(v, str) for v in ui.values()):
            errors.append(doc.error(where + ("ui",), "ui must map string names to text"))
            ui = {}
        languages.append(Language(ui={str(k): v for k, v in ui.items()}, **fields))
    return languages


def _categories(
    doc: YamlDoc, value: Any, languages: list[Language], errors: list[SourceError]
) -> list[Category]:
    hint = "map each category name to its display name per language, e.g. 3D Model: {zh: 三维模型}"
    if value is None:
        return []
    if not isinstance(value, dict):
        errors.append(doc.error(("categories",), "categories must be a mapping", hint))
        return []
    codes = {language.code for language in languages}
    categories: list[Category] = []
    slugs: dict[str, str] = {}
    for name, labels in value.items():
        where = ("categories", name)
        labels = labels or {}
        if not isinstance(labels, dict):
            errors.append(doc.error(where, f"category '{name}' needs a mapping of labels", hint))
            continue
        for code in labels:
            if code not in codes:
                errors.append(doc.error(where + (code,), f"unknown language '{code}'",
                                        did_you_mean(str(code), codes, "languages"),
                                        key=True))
        slug = slugify(str(name))
        if slug in slugs:
            errors.append(doc.error(where, f"category '{name}' has the same URL as '{slugs[slug]}'",
                                    "rename one of them", key=True))
        slugs[slug] = str(name)
        categories.append(Category(str(name), slug, {str(k): str(v) for k, v in labels.items()}))
    return categories


def _timezone(doc: YamlDoc, value: Any, errors: list[SourceError]) -> str:
    try:
        zoneinfo.ZoneInfo(str(value))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        errors.append(doc.error(("timezone",), f"unknown time zone '{value}'",
                                "use an IANA name such as Asia/Shanghai or UTC"))
        return "UTC"
    return str(value)


def _mapping(
    doc: YamlDoc, data: dict[str, Any], key: str, errors: list[SourceError]
) -> dict[str, Any]:
    value = data.get(key, {}) or {}
    if not isinstance(value, dict):
        errors.append(doc.error((key,), f"{key} must be a mapping"))
        return {}
    return value
