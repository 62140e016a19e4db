"""What the three importers share: the source site as read, its posts' front matter mapped
to blogkit's keys, and the new site written."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from ..i18n import slugify
from ..other_tools import OTHER_TOOLS_KEYS
from .frontmatter import FrontMatter, date_text, moment
from .report import ImportReport

LANGUAGE_NAMES = {"zh": "中文", "en": "English", "ja": "日本語", "ko": "한국어", "fr": "Français",
                  "de": "Deutsch", "es": "Español", "ru": "Русский", "zh-tw": "繁體中文"}

_UPDATED = ("lastmod", "updated", "last_modified_at", "modified")
_SUMMARY = ("summary", "description", "excerpt")
_IMAGE = ("cover", "image", "images", "thumbnail", "featured_image")
_URL_KEYS = ("slug", "permalink", "url", "abbrlink")
_DROPPED = ("lang", "language", "layout_lang")
"""Keys the new file says otherwise (its name gives the language)."""


@dataclass(frozen=True)
class LanguageSpec:
    code: str
    name: str
    title: str
    description: str = ""


@dataclass
class SourcePost:
    """One Markdown file of the source, and where it goes."""

    source: Path
    rel: str
    """Source path relative to the source site (for the report)."""
    kind: str
    """post or page."""
    dest: str
    """content/-relative path of the file to write (`posts/vae/index.en.md`)."""
    lang: str
    front: FrontMatter
    name: str
    """The URL's last part blogkit gives it without a slug (its file or bundle name)."""
    date: datetime | None = None
    old_url: str | None = None
    """Its URL in the source site, from the site root (base path left out)."""
    slug: str | None = None
    """blogkit's slug, when it differs from `name`."""
    assets: list[tuple[Path, str]] = field(default_factory=list)
    """(file, content/-relative destination) of its bundle's files."""
    body: str = ""
    categories: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    section: str = ""
    """Hugo's section (the first folder under content/) it was in."""
    category_chain: bool = False
    """Hexo: `categories` is one hierarchy (the second inside the first), not a list."""


@dataclass
class SourceSite:
    tool: str
    root: Path
    base_url: str
    languages: list[LanguageSpec]
    timezone: str = "UTC"
    per_page: int = 10
    author: str = ""
    posts: list[SourcePost] = field(default_factory=list)
    statics: list[tuple[Path, str]] = field(default_factory=list)
    """(file, path under static/)."""
    math: dict[str, Any] = field(default_factory=dict)
    templates: dict[str, str] = field(default_factory=dict)
    """Shortcode stubs to write (`templates/shortcodes/NAME.html`: text)."""
    redirects: dict[str, str] = field(default_factory=dict)
    """Old paths that are no post's (list pages, feeds, sitemaps) → blogkit's paths."""
    tag_feeds: bool = False
    """The source had a feed per tag (Hugo): blogkit's `feeds.tags`."""


def words(value: Any) -> list[str]:
    """A name or a list of names (Jekyll also splits a string of categories at spaces
    only where it said so: callers decide)."""
    if value is None:
        return []
    if isinstance(value, list):
        found: list[str] = []
        for item in value:
            found += words(item)
        return found
    return [str(value)]


def draft_date(path: Path, rel: str, front: FrontMatter, zone: str,
               report: ImportReport) -> datetime:
    """A draft's date: its `date:`, else the file's time, as Jekyll's `--drafts` and
    Hexo's `hexo publish` take it (reported: the author may want another)."""
    when = moment(front.data.get("date"), zone)
    if when is None:
        when = datetime.fromtimestamp(int(path.stat().st_mtime), ZoneInfo(zone))
        report.note("mapped", rel, None, f"a draft without `date:`: the file's time, "
                    f"{when:%Y-%m-%d %H:%M}, is its date")
        front.data["date"] = when.strftime("%Y-%m-%d %H:%M:%S")
    front.data["draft"] = True
    return when


def new_url(post: SourcePost, prefix: str) -> str:
    """The post's URL as blogkit makes it (content.py's rule)."""
    slug = slugify(post.slug) if post.slug else post.name
    if post.kind == "post":
        return f"{prefix}/posts/{slug}/"
    folder = post.dest.rsplit("/", 1)[0] if "/" in post.dest else ""
    if post.dest.rsplit("/", 1)[-1].startswith("index."):
        folder = folder.rsplit("/", 1)[0] if "/" in folder else ""
    return f"{prefix}/{folder + '/' if folder else ''}{slug}/"


def front_matter(post: SourcePost, site: SourceSite, report: ImportReport) -> dict[str, Any]:
    """blogkit's front matter for `post`: its keys mapped, the rest under `extra`."""
    data = dict(post.front.data)
    fm = post.front
    out: dict[str, Any] = {}
    extra: dict[str, Any] = dict(data.pop("extra", {}) or {}) if isinstance(
        data.get("extra"), dict) else {}
    title = data.pop("title", None)
    if title is not None:
        out["title"] = str(title)
    if post.kind == "post" and post.date is not None:
        given = data.pop("date", None) or data.pop("publishDate", None)
        out["date"] = date_text(given) if given is not None else \
            post.date.strftime("%Y-%m-%d %H:%M:%S")
    elif "date" in data:
        out["date"] = date_text(data.pop("date"))
    data.pop("publishDate", None)
    for key in _UPDATED:
        if key in data:
            value = data.pop(key)
            if "updated" not in out and value:
                out["updated"] = date_text(value)
    if post.categories:
        out["categories"] = post.categories
    if post.tags:
        out["tags"] = post.tags
    for key in ("categories", "category", "tags", "tag"):
        data.pop(key, None)
    draft = data.pop("draft", None)
    published = data.pop("published", None)
    if draft is True or published is False:
        out["draft"] = True
    if post.slug:
        out["slug"] = post.slug
    for key in _URL_KEYS:  # said by `slug` and the old URL's alias
        data.pop(key, None)
    for key in _SUMMARY:
        if key in data:
            value = data.pop(key)
            if "summary" not in out and isinstance(value, str) and value.strip():
                out["summary"] = value
            else:
                extra.setdefault(key, value)
    for key in _IMAGE:
        if key in data:
            value = data.pop(key)
            image = _image(value)
            if image and "image" not in extra:
                extra["image"] = image
            elif key != "image":
                extra.setdefault(key, value)
    aliases = [str(a) for a in words(data.pop("aliases", None)) +
               words(data.pop("redirect_from", None))]
    for alias in aliases:
        if not alias.startswith("/"):
            report.note("mapped", post.rel, fm.line("aliases"),
                        f"alias '{alias}' is relative; written from the site root as "
                        f"'/{alias}'")
    aliases = ["/" + a.lstrip("/") for a in aliases]
    prefix = "" if post.lang == site.languages[0].code else f"/{post.lang}"
    if post.old_url and _file_of(post.old_url) != _file_of(new_url(post, prefix)):
        aliases.insert(0, post.old_url)
    if aliases:
        out["aliases"] = list(dict.fromkeys(aliases))
        report.aliases += len(out["aliases"])
    for key in _DROPPED:
        data.pop(key, None)
    if "series" in data:
        _series(data.pop("series"), out, extra, post, report)
    for key, value in data.items():
        extra[key] = value
        if key not in OTHER_TOOLS_KEYS:
            report.note("extra", post.rel, fm.line(key), f"`{key}` kept as `extra.{key}`")
    if extra:
        out["extra"] = _plain(extra)
    return out


def _series(value: Any, out: dict[str, Any], extra: dict[str, Any], post: SourcePost,
            report: ImportReport) -> None:
    """Hugo's `series: [Name]` (a taxonomy) and Hexo themes' `series: Name` → blogkit's one
    series; of several, the first (the list kept in `extra.series`, reported)."""
    names = [str(name) for name in words(value) if str(name).strip()]
    if not names:
        return
    out["series"] = names[0]
    if len(names) > 1:
        extra["series"] = names
        report.note("mapped", post.rel, post.front.line("series"),
                    f"series {', '.join(names)}: a post is in one series in blogkit, "
                    f"'{names[0]}' (all kept as `extra.series`)")


def _image(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and value and isinstance(value[0], str):
        return value[0]
    if isinstance(value, dict):  # PaperMod's cover: {image: ..., alt: ...}
        found = value.get("image") or value.get("src")
        return found if isinstance(found, str) else None
    return None


def _file_of(url: str) -> str:
    from ..redirects import alias_file

    return alias_file(url)


def _plain(value: Any) -> Any:
    """Values YAML writes as blogkit reads them back (TOML's dates as text)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return date_text(value)


def config_text(site: SourceSite, categories: list[str]) -> str:
    data: dict[str, Any] = {"base_url": site.base_url, "timezone": site.timezone}
    if site.author:
        data["author"] = site.author
    data["per_page"] = site.per_page
    data["languages"] = [{"code": lang.code, "name": lang.name, "title": lang.title,
                          "description": lang.description} for lang in site.languages]
    data["categories"] = {name: {} for name in categories}
    if site.math:
        data["math"] = site.math
    if site.tag_feeds:
        data["feeds"] = {"tags": True}
    if site.redirects:
        data["redirects"] = site.redirects
    return (f"# Made by `blogkit import {site.tool}` from {site.root.name}; see IMPORT.md.\n"
            + dump(data))


def dump(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000,
                          default_flow_style=False)


def site_categories(site: SourceSite, report: ImportReport) -> list[str]:
    """Every category the posts use, once per slug (blogkit matches names by slug)."""
    by_slug: dict[str, str] = {}
    for post in site.posts:
        for index, name in enumerate(post.categories):
            kept = by_slug.setdefault(slugify(name), name)
            if kept != name:
                post.categories[index] = kept
                report.note("mapped", post.rel, post.front.line("categories"),
                            f"category '{name}' written as '{kept}' (the same slug)")
        post.categories = list(dict.fromkeys(post.categories))
    return list(by_slug.values())


def write_site(site: SourceSite, dest: Path, report: ImportReport) -> None:
    """Write the new site (nothing with --dry-run, but the report is the same)."""
    categories = site_categories(site, report)
    texts: dict[str, str] = {}
    for post in site.posts:
        front = front_matter(post, site, report)
        texts["content/" + post.dest] = "---\n" + dump(front) + "---\n" + post.body
        if post.kind == "post":
            report.posts += 1
        else:
            report.pages += 1
    copies = [(src, "content/" + to) for post in site.posts for src, to in post.assets]
    copies += [(src, "static/" + to) for src, to in site.statics]
    report.files = len(copies)
    report.languages = tuple(lang.code for lang in site.languages)
    texts["blogkit.yaml"] = config_text(site, categories)
    for name, text in site.templates.items():
        texts[f"templates/shortcodes/{name}.html"] = text
    if report.dry_run:
        return
    for name, text in texts.items():
        path = dest / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for src, to in copies:
        path = dest / to
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, path)


STUB_TEMPLATE = """{#- Written by `blogkit import` for the source's `NAME` shortcode, which
    blogkit does not have: it shows the shortcode's inside (or its arguments). Replace it
    with what the old template did (see IMPORT.md). -#}
<div class="shortcode shortcode-NAME">{{ inner if inner else positional | join(" ") }}</div>
"""


def stub(name: str) -> str:
    return STUB_TEMPLATE.replace("NAME", name)


_IMAGE_REF = re.compile(r"!\[[^\]\n]*\]\(\s*<?([^)\s>]+)")


def check_images(post: SourcePost, bundle: set[str], statics: set[str],
                 report: ImportReport, extra_refs: list[tuple[str, int]] | None = None) -> None:
    """Report images of the body that are in neither its bundle nor static/."""
    refs = [(m.group(1), post.body.count("\n", 0, m.start())) for m in
            _IMAGE_REF.finditer(post.body)] + (extra_refs or [])
    for ref, line in refs:
        if re.match(r"^[a-z][a-z0-9+.-]*:", ref, re.I) or ref.startswith(("#", "{")):
            continue
        path = ref.split("#")[0].split("?")[0]
        found = path.lstrip("/") in statics if path.startswith("/") else path in bundle
        if not found:
            report.note("image", post.rel, post.front.body_line + line,
                        f"image '{ref}' is not in the post's folder nor in the static files")
