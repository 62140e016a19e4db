"""Hexo: `_config.yml`, `source/_posts/` (with `post_asset_folder`'s folders beside the
posts, which become page bundles), pages under `source/`, and `source/`'s other files as
static files. Tag plugins blogkit renders (asset_img, post_link, codeblock, note...) and
`<!-- more -->` are kept as written."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from ..i18n import slugify
from .convert import (
    LANGUAGE_NAMES,
    LanguageSpec,
    SourcePost,
    SourceSite,
    check_images,
    draft_date,
    words,
)
from .frontmatter import moment
from .jekyll import _split
from .permalinks import date_values, expand
from .report import ImportReport

_MARKDOWN = (".md", ".markdown")


def read(root: Path, lang: str | None, report: ImportReport) -> SourceSite:
    config_path = root / "_config.yml"
    config: dict[str, Any] = yaml.safe_load(config_path.read_text(encoding="utf-8")) or {} \
        if config_path.exists() else {}
    language = config.get("language")
    language = language[0] if isinstance(language, list) and language else language
    code = lang or str(language or "en").split("-")[0].lower()
    root_path = "/" + str(config.get("root") or "/").strip("/")
    base = str(config.get("url") or "https://example.com").rstrip("/")
    if not base.endswith(root_path.rstrip("/")):
        base += root_path.rstrip("/")
    site = SourceSite("hexo", root, base + "/", [LanguageSpec(
        code, LANGUAGE_NAMES.get(code, code), str(config.get("title") or root.name),
        str(config.get("description") or config.get("subtitle") or ""))],
        timezone=str(config.get("timezone") or "UTC"), per_page=int(config.get("per_page") or 10),
        author=str(config.get("author") or ""))
    if not config.get("timezone"):
        report.note("setting", "_config.yml", None, "no `timezone`: zone-less dates are read "
                    "as UTC (Hexo used the machine's zone)")
    pattern = str(config.get("permalink") or ":year/:month/:day/:title/")
    default_category = str(config.get("default_category") or "uncategorized")
    source = root / "source"
    posts_dir, drafts_dir = source / "_posts", source / "_drafts"
    for path in sorted(source.rglob("*")) if source.is_dir() else []:
        rel = path.relative_to(root).as_posix()
        inner = path.relative_to(source).as_posix()
        if not path.is_file() or any(p.startswith(".") for p in inner.split("/")):
            continue
        if path.is_relative_to(posts_dir):
            if path.suffix in _MARKDOWN and not _in_asset_folder(path, posts_dir):
                _post(site, path, rel, path.relative_to(posts_dir), pattern,
                      default_category, report)
            continue
        if path.is_relative_to(drafts_dir):
            if path.suffix in _MARKDOWN and not _in_asset_folder(path, drafts_dir):
                _post(site, path, rel, path.relative_to(drafts_dir), pattern,
                      default_category, report, draft=True)
            continue
        if inner.startswith("_"):
            report.note("skipped", rel, None, "Hexo does not publish it (a folder starting "
                        "with `_`)")
            continue
        if path.suffix in _MARKDOWN:
            _page(site, path, rel, inner, report)
        else:
            site.statics.append((path, inner))
    statics = {to for _, to in site.statics}
    for post in site.posts:
        post.body = post.front.body
        bundle = {to.split("/", 2)[-1] for _, to in post.assets}
        check_images(post, bundle, statics, report, _asset_imgs(post))
    site.redirects = list_redirects(site)
    if site.redirects:
        report.note("setting", "_config.yml", None, f"`redirects:` {len(site.redirects)} paths "
                    "of Hexo's list pages (archives by year and month, categories inside "
                    "categories, tags and categories under Hexo's spelling) lead to blogkit's")
    return site


_HEXO_SEPARATORS = re.compile(r"[\s~`!@#$%^&*()\-_+=\[\]{}|\\;:\"'<>,.?/]+")


def _hexo_slug(name: str) -> str:
    """A category's or tag's name in Hexo's URLs (hexo-util `slugize`, case kept)."""
    return _HEXO_SEPARATORS.sub("-", name).strip("-")


def list_redirects(site: SourceSite) -> dict[str, str]:
    """Hexo's list pages that blogkit names otherwise: `/archives/2019/` and
    `/archives/2019/09/` (blogkit has one archive), a category inside another
    (`/categories/A/B/`), and terms Hexo spells otherwise (`/tags/Deep-Learning/`)."""
    found: dict[str, str] = {}
    per_page = site.per_page

    def lead(old: str, new: str, count: int) -> None:
        for number in range(1, -(-count // per_page) + 1):
            page = f"page/{number}/" if number > 1 else ""
            if old != new:
                found.setdefault(old + page, new + (page if new != "/archives/" else ""))

    posts = [post for post in site.posts if post.kind == "post" and post.date]
    months: dict[str, int] = {}
    for post in posts:
        assert post.date is not None
        for folder in (post.date.strftime("%Y/"), post.date.strftime("%Y/%m/")):
            months[folder] = months.get(folder, 0) + 1
    for folder, count in months.items():
        lead(f"/archives/{folder}", "/archives/", count)
    terms: dict[tuple[str, str], int] = {}
    for post in posts:
        chain = post.categories if post.category_chain else []
        for depth in range(1, len(chain) + 1):  # a hierarchy: /categories/A/B/
            path = "/".join(_hexo_slug(name) for name in chain[:depth])
            key = (f"/categories/{path}/", f"/categories/{slugify(chain[depth - 1])}/")
            terms[key] = terms.get(key, 0) + 1
        for kind, names in (("categories", [] if chain else post.categories),
                            ("tags", post.tags)):
            for name in names:
                key = (f"/{kind}/{_hexo_slug(name)}/", f"/{kind}/{slugify(name)}/")
                terms[key] = terms.get(key, 0) + 1
    for (old, new), count in terms.items():
        lead(old, new, count)
    return found


def _in_asset_folder(path: Path, posts_dir: Path) -> bool:
    """A Markdown file inside a post's asset folder is one of its files, not a post."""
    for parent in path.parents:
        if parent == posts_dir:
            return False
        if parent.with_suffix(".md").exists():
            return True
    return False


def _post(site: SourceSite, path: Path, rel: str, inner: Path, pattern: str,
          default_category: str, report: ImportReport, draft: bool = False) -> None:
    """A post of `_posts/`, or with `draft` of `_drafts/` (`draft: true`, no old URL)."""
    front = _split(path, rel, report)
    if front is None:
        return
    when = draft_date(path, rel, front, site.timezone, report) if draft else \
        moment(front.data.get("date"), site.timezone)
    if when is None:
        report.note("skipped", rel, front.line("date"), "no `date` (Hexo would take the "
                    "file's time): add one")
        return
    name = path.stem
    categories, flattened = _categories(front.data.get("categories"))
    if flattened:
        report.note("mapped", rel, front.line("categories"),
                    f"category hierarchy {' > '.join(flattened)}: the post is in each of "
                    f"{', '.join(flattened)} (blogkit's categories are flat)")
    title = inner.with_suffix("").as_posix()
    abbrlink = front.data.get("abbrlink")
    values = {**date_values(when), "title": title, "name": name, "post_title": title,
              "abbrlink": str(abbrlink or ""),
              "category": "/".join(c.lower() for c in categories) or default_category}
    old = None if draft else "/" + str(front.data["permalink"]).lstrip("/") \
        if front.data.get("permalink") else expand(pattern, values)
    assets_dir = path.with_suffix("")
    assets = [(f, f"posts/{name}/{f.relative_to(assets_dir).as_posix()}")
              for f in sorted(assets_dir.rglob("*")) if f.is_file()] \
        if assets_dir.is_dir() else []
    dest = f"posts/{name}/index.md" if assets else f"posts/{name}.md"
    slug = str(abbrlink) if abbrlink and ":abbrlink" in pattern else None
    site.posts.append(SourcePost(path, rel, "post", dest, site.languages[0].code, front, name,
                                 when, old, slug, assets, categories=categories,
                                 tags=words(front.data.get("tags")),
                                 category_chain=bool(flattened)))


def _categories(value: Any) -> tuple[list[str], list[str]]:
    """Hexo's `categories: [A, B]` is one hierarchy (B inside A); `[[A, B], [C]]` two."""
    if isinstance(value, list) and len(value) > 1 and not any(isinstance(v, list)
                                                              for v in value):
        names = [str(v) for v in value]
        return names, names
    return words(value), []


def _page(site: SourceSite, path: Path, rel: str, inner: str, report: ImportReport) -> None:
    front = _split(path, rel, report)
    if front is None:
        return
    stem = inner.rsplit(".", 1)[0]
    if stem == "index":
        report.note("skipped", rel, None, "the home page: blogkit makes its own")
        return
    old = "/" + (stem[:-len("index")] if stem.endswith("index") else stem + ".html")
    name = stem.rsplit("/", 2)[-2] if stem.endswith("/index") else stem.rsplit("/", 1)[-1]
    site.posts.append(SourcePost(path, rel, "page", stem + ".md", site.languages[0].code,
                                 front, name, old_url=old))


def _asset_imgs(post: SourcePost) -> list[tuple[str, int]]:
    return [(m.group(1), post.body.count("\n", 0, m.start()))
            for m in re.finditer(r"\{%\s*asset_img\s+(\S+)", post.body)]
