"""Hugo: `hugo.toml`/`hugo.yaml`/`config.*` (languages, permalinks), content/ with page
bundles and translations by file name (`index.en.md`) or by folder (a language's
`contentDir`), static/ copied. Shortcodes blogkit renders itself (figure, ref, relref,
details, youtube...) are kept; `{{< highlight >}}` becomes a fence; others are kept with
a stub template and listed."""

from __future__ import annotations

import json
import re
import tomllib
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
    stub,
    words,
)
from .frontmatter import moment
from .jekyll import _split
from .permalinks import date_values, expand
from .report import ImportReport

CONFIG_NAMES = ("hugo.toml", "hugo.yaml", "hugo.yml", "hugo.json", "config.toml", "config.yaml",
                "config.yml", "config.json")
POST_SECTIONS = ("posts", "post", "blog", "articles")
BLOGKIT_SHORTCODES = frozenset({
    "figure", "details", "note", "tip", "important", "warning", "caution", "admonition",
    "youtube", "ref", "relref"})
_MARKDOWN = (".md", ".markdown")


def _load(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".toml":
        return tomllib.loads(text)
    data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    return data if isinstance(data, dict) else {}


def read(root: Path, lang: str | None, report: ImportReport) -> SourceSite:
    found = next((root / name for name in CONFIG_NAMES if (root / name).exists()), None)
    config = _load(found) if found else {}
    config = {key.lower(): value for key, value in config.items()}
    params = config.get("params") or {}
    default = lang or str(config.get("defaultcontentlanguage") or "en").lower()
    table = {str(k).lower(): v for k, v in (config.get("languages") or {}).items()}
    codes = sorted(table, key=lambda c: (c != default, (table[c] or {}).get("weight", 0), c))
    if default not in codes:
        codes.insert(0, default)
    languages = []
    for code in codes:
        spec = {k.lower(): v for k, v in (table.get(code) or {}).items()}
        lang_params = spec.get("params") or {}
        languages.append(LanguageSpec(
            code, str(spec.get("languagename") or LANGUAGE_NAMES.get(code, code)),
            str(spec.get("title") or config.get("title") or root.name),
            str(lang_params.get("description") or params.get("description") or "")))
    site = SourceSite("hugo", root, str(config.get("baseurl") or "https://example.com/"),
                      languages, timezone=str(config.get("timezone") or "UTC"),
                      per_page=int((config.get("pagination") or {}).get("pagerSize")
                                   or config.get("paginate") or 10))
    if not site.base_url.endswith("/"):
        site.base_url += "/"
    permalinks = config.get("permalinks") or {}
    if isinstance(permalinks.get("page"), dict):
        permalinks = permalinks["page"]
    in_subdir = bool(config.get("defaultcontentlanguageinsubdir"))
    ugly = bool(config.get("uglyurls"))
    content_dirs = {code: root / str((table.get(code) or {}).get("contentDir")
                                     or (table.get(code) or {}).get("contentdir"))
                    for code in codes if (table.get(code) or {}).get("contentDir")
                    or (table.get(code) or {}).get("contentdir")}
    main_sections = tuple(words(params.get("mainSections") or params.get("mainsections"))) \
        or POST_SECTIONS
    roots: list[tuple[str | None, Path]] = [*content_dirs.items()] or [(None, root / "content")]
    for folder_lang, content in roots:
        for path in sorted(content.rglob("*")) if content.is_dir() else []:
            if path.is_file() and path.suffix in _MARKDOWN:
                _file(site, path, content, folder_lang, codes, main_sections, permalinks,
                      in_subdir, ugly, report)
    static = root / "static"
    for path in sorted(static.rglob("*")) if static.is_dir() else []:
        if path.is_file():
            site.statics.append((path, path.relative_to(static).as_posix()))
    shortcodes = root / "layouts" / "shortcodes"
    statics = {to for _, to in site.statics}
    for post in site.posts:
        post.body = rewrite(post, site, shortcodes, report)
        if re.search(r"`\$[^`\n]+\$`", post.body):
            site.math["code_spans"] = True
        bundle = {to.split("/", 2)[-1] for _, to in post.assets}
        check_images(post, bundle, statics, report, [
            (m.group(1), post.body.count("\n", 0, m.start())) for m in
            re.finditer(r"\{\{<\s*figure[^>]*\bsrc=\"([^\"]+)\"", post.body)])
    if site.math.get("code_spans"):
        report.note("setting", found.name if found else "hugo.toml", None,
                    "`math.code_spans: true`: posts wrap formulas in backticks")
    site.redirects = list_redirects(site, codes, in_subdir, ugly)
    site.tag_feeds = any(post.tags for post in site.posts)
    if site.redirects:
        report.note("setting", found.name if found else "hugo.toml", None,
                    f"`redirects:` {len(site.redirects)} paths of Hugo's list pages, feeds and "
                    "sitemaps lead to blogkit's (section lists to the archive)")
    for taxonomy in config.get("taxonomies") or {}:
        if taxonomy not in ("category", "tag"):
            report.note("skipped", found.name if found else "hugo.toml", None,
                        f"taxonomy `{taxonomy}`: blogkit has categories and tags only; its "
                        "terms stay in `extra` and its pages are not made")
    return site


def list_redirects(site: SourceSite, codes: list[str], in_subdir: bool, ugly: bool
                   ) -> dict[str, str]:
    """What Hugo wrote besides the pages, each language's: section lists, the `page/1/`
    aliases of every list, feeds (`index.xml`) of sections, taxonomies and terms, its
    per-language sitemaps and the default language's `/zh/` alias → blogkit's paths."""
    found: dict[str, str] = {}
    html = ".html" if ugly else "/"

    def lead(old: str, new: str) -> None:
        if old != new:
            found.setdefault(old, new)

    for code in codes:
        old = f"/{code}" if code != codes[0] or in_subdir else ""
        new = f"/{code}" if code != codes[0] else ""
        posts = [post for post in site.posts if post.lang == code and post.kind == "post"]
        lead(f"{old}/", f"{new}/")
        lead(f"{old}/page/1{html}", f"{new}/")
        if len(codes) > 1:
            lead(f"/{code}/sitemap.xml", "/sitemap.xml")
            if code == codes[0] and not in_subdir:
                lead(f"/{code}/", "/")
        sections = sorted({post.section for post in posts if post.section})
        for section in sections:
            count = sum(post.section == section for post in posts)
            for number in range(1, max(1, -(-count // site.per_page)) + 1):
                lead(f"{old}/{section}/page/{number}{html}", f"{new}/archives/")
            lead(f"{old}/{section}{html}", f"{new}/archives/")
            lead(f"{old}/{section}/index.xml", f"{new}/rss.xml")
        for kind, key in (("categories", "categories"), ("tags", "tags")):
            lead(f"{old}/{kind}{html}", f"{new}/{kind}/")
            lead(f"{old}/{kind}/page/1{html}", f"{new}/{kind}/")
            lead(f"{old}/{kind}/index.xml", f"{new}/rss.xml")
            for term in sorted({t for post in posts for t in getattr(post, key)}):
                hugo_term, slug = _urlize(term), slugify(term)
                lead(f"{old}/{kind}/{hugo_term}{html}", f"{new}/{kind}/{slug}/")
                lead(f"{old}/{kind}/{hugo_term}/page/1{html}", f"{new}/{kind}/{slug}/")
                lead(f"{old}/{kind}/{hugo_term}/index.xml", f"{new}/{kind}/{slug}/rss.xml")
    return found


def _file(site: SourceSite, path: Path, content: Path, folder_lang: str | None,
          codes: list[str], main_sections: tuple[str, ...], permalinks: dict[str, Any],
          in_subdir: bool, ugly: bool, report: ImportReport) -> None:
    rel = path.relative_to(site.root).as_posix()
    inner = path.relative_to(content).as_posix()
    stem_parts = path.name.split(".")
    lang = folder_lang or (stem_parts[-2].lower() if len(stem_parts) > 2
                           and stem_parts[-2].lower() in codes else codes[0])
    base_name = stem_parts[0]
    if base_name == "_index":
        report.note("skipped", rel, None, "a list page's text (blogkit makes its own lists)")
        return
    parts = inner.split("/")[:-1]
    bundle = base_name == "index"
    if bundle and not parts:
        return
    name = parts[-1] if bundle else base_name
    section = parts[0] if parts else ""
    front = _split(path, rel, report)
    if front is None:
        return
    kind = "post" if section in main_sections else "page"
    when = moment(front.data.get("date") or front.data.get("publishDate"), site.timezone)
    if kind == "post" and when is None:
        report.note("skipped", rel, front.line("title"), "a post without `date`: add one")
        return
    default = codes[0]
    suffix = "" if lang == default else f".{lang}"
    folder = "/".join(["posts", *parts[1:]] if kind == "post" else parts)
    dest = f"{folder}/index{suffix}.md" if bundle else \
        f"{folder + '/' if folder else ''}{name}{suffix}.md"
    slug = front.data.get("slug")
    title = str(front.data.get("title") or "")
    pattern = permalinks.get(section) if section else None
    urlized = _urlize(title)
    if front.data.get("url"):
        old = "/" + str(front.data["url"]).lstrip("/")
    else:
        if pattern:
            values = {"section": section, "sections": "/".join(parts[:-1] if bundle else parts),
                      "title": urlized, "slug": _urlize(str(slug)) if slug else urlized,
                      "filename": name, "contentbasename": name,
                      "slugorfilename": str(slug) if slug else name,
                      "slugorcontentbasename": str(slug) if slug else name,
                      **(date_values(when) if when else {})}
            old = expand(str(pattern), values)
        else:
            old = "/" + "/".join([*parts[:-1 if bundle else None], str(slug or name)]) + "/"
        old = old.lower()
        if ugly and old.endswith("/"):
            old = old.rstrip("/") + ".html"
        if lang != default or in_subdir:
            old = f"/{lang}{old}"
    assets = []
    if bundle:
        for other in sorted(path.parent.rglob("*")):
            if other.is_file() and not (other.suffix in _MARKDOWN and
                                        other.name.split(".")[0] == "index"):
                assets.append((other, f"{folder}/{other.relative_to(path.parent).as_posix()}"))
    if any(p.dest == dest for p in site.posts):
        report.note("skipped", rel, None, f"content/{dest} is written from another file already")
        return
    post = SourcePost(path, rel, kind, dest, lang, front, name, when, old,
                      str(slug) if slug else None, assets,
                      categories=words(front.data.get("categories")),
                      tags=words(front.data.get("tags")), section=section)
    site.posts.append(post)


def _urlize(text: str) -> str:
    """Hugo's path sanitising (helpers.MakePath): spaces become `-`, marks and other
    punctuation go, letters of every script stay; lower case."""
    text = re.sub(r"\s+", "-", text.strip())
    return re.sub(r"[^\w./\-#+~]", "", text).lower()


_SHORTCODE = re.compile(r"\{\{([<%])\s*(/?)\s*([A-Za-z_][\w-]*)")
_HIGHLIGHT = re.compile(
    r"\{\{<\s*highlight\s+([\w+#-]+)(?:\s+\"([^\"]*)\")?\s*>\}\}\n?(.*?)\n?"
    r"\{\{<\s*/highlight\s*>\}\}", re.DOTALL)


def rewrite(post: SourcePost, site: SourceSite, shortcodes: Path, report: ImportReport) -> str:
    body = post.front.body
    if "{{" not in body:
        return body
    body = _HIGHLIGHT.sub(_fence, body)
    for match in _SHORTCODE.finditer(body):
        closing, name = match.group(2), match.group(3)
        if closing or name in BLOGKIT_SHORTCODES:
            continue
        line = post.front.body_line + body.count("\n", 0, match.start())
        own = (shortcodes / f"{name}.html").exists()
        report.note("shortcode", post.rel, line,
                    f"`{name}` kept; templates/shortcodes/{name}.html is a stub to replace"
                    + (f" (Hugo's was layouts/shortcodes/{name}.html)" if own else ""))
        site.templates.setdefault(name, stub(name))
    return body


def _fence(match: re.Match[str]) -> str:
    language, options, code = match.groups()
    attributes = []
    for option in (options or "").split(","):
        key, _, value = option.partition("=")
        key = key.strip()
        if key == "hl_lines":
            lines = [part if "-" in part else part for part in value.split()]
            attributes.append("hl_lines=[" + ",".join(
                f'"{part}"' if "-" in part else part for part in lines) + "]")
        elif key in ("linenos", "linenostart", "anchorlinenos"):
            attributes.append(f"{key}={value.strip() or 'true'}")
    fence = "```"
    while fence in code:
        fence += "`"
    info = language + (" {" + ",".join(attributes) + "}" if attributes else "")
    return f"{fence}{info}\n{code}\n{fence}"
