"""NEW: `blogkit new site` and `blogkit new post`: the files an author starts from.

A new site is complete and builds at once: a commented `blogkit.yaml`, one sample post per
language as a page bundle (a formula, a code block, a figure), an about page, a
`.gitignore`, `requirements.txt` and the GitHub Pages workflow. The files come from
`blogkit/starter/` (package data); the workflow is `starter/deploy.yml` as it is.

A new post is a page bundle `content/posts/<slug>/index.<lang>.md` made from the site's
`archetypes/post.md` when it has one (as Hugo's archetypes), else from `starter/post.md`:
Jinja templates given `title`, `date`, `lang`, `slug`, `categories` and `tags`, with a
`yaml` filter that writes a value as a YAML flow scalar or list.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

from . import __version__
from .config import CONFIG_NAME, SiteConfig
from .errors import UsageError
from .i18n import slugify

ARCHETYPE = Path("archetypes") / "post.md"
"""A site's own template for new posts (relative to the site folder)."""
SAMPLE_CATEGORY = "Notes"
_SLUG_LIMIT = 60
"""Characters of a slug made from a title, cut at a word."""

_LANGUAGES = {
    "zh": ("中文", "我的博客", "关于机器学习的笔记。", "笔记"),
    "en": ("English", "My Blog", "Notes on machine learning.", "Notes"),
}
"""Per language the starter knows: its name, the site's title and description, and the
sample category's label. Other languages get English text under their code."""


@dataclass(frozen=True)
class SiteSettings:
    languages: tuple[str, ...] = ("zh", "en")
    title: str | None = None
    """The site's title in every language; None: the starter's per language."""
    base_url: str = "https://example.com/"


@dataclass(frozen=True)
class PostSettings:
    title: str
    lang: str | None = None
    """None: the site's default language."""
    slug: str | None = None
    categories: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    translate: tuple[str, ...] = ()
    """Other languages to write (empty) translations in, beside the post."""


def new_site(folder: Path, settings: SiteSettings) -> list[Path]:
    """Write a new site into `folder` (made if missing; refused if it holds anything).
    Return the files written."""
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise UsageError(f"{folder} is not an empty folder: blogkit new site writes only "
                         "into a new or empty one (name another, e.g. blogkit new site my-blog)")
    for code in settings.languages:
        if not re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})?", code):
            raise UsageError(f"--lang: '{code}' is not a language code (e.g. zh,en)")
    if len(set(settings.languages)) != len(settings.languages) or not settings.languages:
        raise UsageError("--lang: name each language once, e.g. --lang zh,en")
    today = date.today().isoformat()
    files: dict[str, str | bytes] = {
        CONFIG_NAME: site_yaml(settings),
        ".gitignore": _starter("gitignore"),
        "requirements.txt": (f"# What CI installs (see .github/workflows/deploy.yml).\n"
                             f"blogkit=={__version__}\n"),
        ".github/workflows/deploy.yml": _starter("deploy.yml"),
        "content/posts/hello-blogkit/figure.svg": _starter("figure.svg"),
        "static/.gitkeep": "",
    }
    for code in settings.languages:
        sample = "zh" if code == "zh" else "en"
        values = {"date": today, "category": SAMPLE_CATEGORY, "lang": code,
                  "file": f"about.{code}.md"}
        files[f"content/posts/hello-blogkit/index.{code}.md"] = _render(
            _starter(f"hello.{sample}.md"), values)
        files[f"content/about.{code}.md"] = _render(_starter(f"about.{sample}.md"), values)
    written = []
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def site_yaml(settings: SiteSettings) -> str:
    """A blogkit.yaml with a comment on every setting."""
    def quoted(text: str) -> str:
        return json.dumps(text, ensure_ascii=False)

    lines = [
        "# blogkit's settings: every one is described in blogkit's README.",
        "# The address the site is published at. GitHub Pages' address is passed by the",
        "# workflow (blogkit build --base-url), so this one is for local builds and feeds.",
        f"base_url: {settings.base_url}",
        "# The zone of dates written without one, and of the dates pages show.",
        "timezone: Asia/Shanghai" if "zh" in settings.languages else "timezone: UTC",
        "# Your name, for the feeds and the page footers.",
        'author: ""',
        "# Posts on each page of the home page and of each category and tag.",
        "per_page: 12",
        "# Length of an automatic excerpt: a Chinese character or an English word is one.",
        "excerpt_length: 120",
        "",
        "# The languages the site is written in; the first one is the default, published at",
        "# the site's root, the others under /<code>/. A post's language is its file's",
        "# suffix: index.zh.md, index.en.md.",
        "languages:",
    ]
    for code in settings.languages:
        name, title, description, _ = _LANGUAGES.get(code, (code, *_LANGUAGES["en"][1:]))
        lines += [f"  - code: {code}", f"    name: {quoted(name)}",
                  f"    title: {quoted(settings.title or title)}",
                  f"    description: {quoted(description)}"]
    labels = ", ".join(f"{code}: {quoted(_LANGUAGES.get(code, _LANGUAGES['en'])[3])}"
                       for code in settings.languages)
    lines += [
        "",
        "# The categories a post may name (categories: [Notes]), with a label per language.",
        "categories:",
        f"  {SAMPLE_CATEGORY}: {{{labels}}}",
        "",
        "# TeX macros every formula may use.",
        "math:",
        "  macros:",
        '    "\\\\R": "\\\\mathbb{R}"',
        "",
    ]
    return "\n".join(lines)


def new_post(config: SiteConfig, settings: PostSettings, now: datetime | None = None
             ) -> list[Path]:
    """Write a new draft post (and its empty translations) as a page bundle; return the
    files written. Refused if the bundle's folder exists."""
    lang = settings.lang or config.default_language.code
    for code in (lang, *settings.translate):
        if code not in config.language_codes:
            raise UsageError(f"'{code}' is not a language of the site; its languages: "
                             + ", ".join(config.language_codes))
    categories = [_category(config, name) for name in settings.categories]
    day = (now or datetime.now(ZoneInfo(config.timezone))).astimezone(
        ZoneInfo(config.timezone)).date()
    slug = slugify(settings.slug) if settings.slug else title_slug(settings.title, day)
    folder = config.content_dir / "posts" / slug
    if folder.exists() or any((config.content_dir / "posts").glob(f"{slug}.*md")):
        raise UsageError(f"content/posts/{slug} exists already: give the new post another "
                         "title or a --slug")
    archetype = config.root / ARCHETYPE
    template = (archetype.read_text(encoding="utf-8") if archetype.is_file()
                else _starter("post.md"))
    written = []
    folder.mkdir(parents=True)
    for code in (lang, *(c for c in settings.translate if c != lang)):
        path = folder / f"index.{code}.md"
        values = {"title": settings.title, "date": day.isoformat(), "lang": code,
                  "slug": slug, "categories": categories, "tags": list(settings.tags)}
        path.write_text(_render(template, values), encoding="utf-8")
        written.append(path)
    return written


def title_slug(title: str, day: date) -> str:
    """A URL segment for a post titled `title`: the title itself when it is ASCII, its
    pinyin when the title has Chinese characters and pypinyin is installed (the `pinyin`
    extra), else the date and the title's ASCII words (`20260118-vae`): always ASCII."""
    spelled = title if title.isascii() else _pinyin(title)
    ascii_slug = _ascii(slugify(spelled if spelled is not None else title))
    if spelled is not None and ascii_slug:
        return ascii_slug
    return f"{day:%Y%m%d}-{ascii_slug or 'post'}"[:_SLUG_LIMIT].rstrip("-")


def _pinyin(title: str) -> str | None:
    try:
        from pypinyin import Style, lazy_pinyin
    except ImportError:
        return None
    # Each character's syllable as a word of its own; other text is kept as it is.
    return " ".join(lazy_pinyin(title, style=Style.NORMAL, errors="default"))


def _ascii(slug: str) -> str:
    """`slug` with what is not ASCII left out (accents dropped first), cut at a word."""
    plain = unicodedata.normalize("NFKD", slug).encode("ascii", "ignore").decode("ascii")
    words = [word for word in re.split(r"-+", plain.lower()) if word]
    kept: list[str] = []
    for word in words:
        if sum(len(w) + 1 for w in kept) + len(word) > _SLUG_LIMIT:
            break
        kept.append(word)
    return "-".join(kept)


def _category(config: SiteConfig, name: str) -> str:
    known = config.category(name) or next(
        (c for c in config.categories
         if name.casefold() in (c.name.casefold(), c.slug, *map(str.casefold, c.labels.values()))),
        None)
    if known is None:
        listed = ", ".join(c.name for c in config.categories) or "none yet"
        raise UsageError(f"--category: '{name}' is not a category of the site (categories: "
                         f"{listed}); add it under categories: in blogkit.yaml")
    return known.name


def _starter(name: str) -> str:
    return (resources.files("blogkit") / "starter" / name).read_text(encoding="utf-8")


def _render(template: str, values: Mapping[str, object]) -> str:
    from jinja2 import Environment, StrictUndefined

    environment = Environment(keep_trailing_newline=True, undefined=StrictUndefined,
                              autoescape=False)
    environment.filters["yaml"] = _yaml_value
    return environment.from_string(template).render(values)


def _yaml_value(value: object) -> str:
    """`value` as YAML flow text: a string in double quotes (JSON's, which YAML reads the
    same), a list in brackets."""
    if isinstance(value, Sequence) and not isinstance(value, str):
        return "[" + ", ".join(_yaml_value(item) for item in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)
