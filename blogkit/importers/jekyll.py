"""Jekyll: `_config.yml`, `_posts/` (nested folders too, and `<category>/_posts/`),
collections with `output: true`, pages, and every other file copied as a static file.

Liquid runs before Markdown in Jekyll, so its tags are rewritten where blogkit has an
equivalent: `{% post_url %}` → the other post's source file (a link blogkit checks),
`{% highlight %}` → a fence, `{{ site.baseurl }}` and `relative_url` → nothing (blogkit
prefixes root-relative links with the base path itself), `{% raw %}` inside code (where
blogkit expands nothing anyway) → removed.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from .convert import LanguageSpec, SourcePost, SourceSite, check_images, draft_date, words
from .frontmatter import Unreadable, moment, split
from .permalinks import date_values, expand
from .report import ImportReport

STYLES = {
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "none": "/:categories/:title:output_ext",
}
"""Jekyll's permalink styles (its docs, "Permalinks")."""
_DATED = re.compile(r"^(\d{4})-(\d{2})-(\d{2})-(.+)$")
_MARKDOWN = (".md", ".markdown", ".mkd", ".mkdn")
_SKIPPED_FILES = {"Gemfile", "Gemfile.lock", "_config.yml", "README.md", "LICENSE", "CNAME"}


def read(root: Path, lang: str | None, report: ImportReport) -> SourceSite:
    config_path = root / "_config.yml"
    config: dict[str, Any] = {}
    if config_path.exists():
        config = yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}
    code = lang or str(config.get("lang") or "en").split("-")[0].split("_")[0].lower()
    base = str(config.get("url") or "https://example.com").rstrip("/") + "/" + \
        str(config.get("baseurl") or "").strip("/")
    site = SourceSite("jekyll", root, base.rstrip("/") + "/", [LanguageSpec(
        code, str(config.get("lang_name") or _name(code)), str(config.get("title") or root.name),
        str(config.get("description") or ""))],
        timezone=str(config.get("timezone") or "UTC"),
        per_page=int(config.get("paginate") or 10),
        author=_author(config.get("author")))
    if not config.get("timezone"):
        report.note("setting", "_config.yml", None, "no `timezone`: dates without a zone "
                    "are read as UTC (Jekyll used the machine's zone)")
    permalink = str(config.get("permalink") or "date")
    pattern = STYLES.get(permalink, permalink)
    names: set[str] = set()
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        parts = rel.split("/")
        if not path.is_file() or any(p.startswith(".") for p in parts) or \
                parts[0] in ("_site", "vendor", "node_modules"):
            continue
        if rel in _SKIPPED_FILES:
            continue
        if "_posts" in parts[:-1]:
            if path.suffix in _MARKDOWN:
                _post(site, path, rel, parts, pattern, names, report)
            continue
        if any(p.startswith("_") for p in parts):
            collection = parts[0][1:]
            settings = (config.get("collections") or {}).get(collection)
            if isinstance(settings, dict) and settings.get("output") and \
                    path.suffix in _MARKDOWN:
                _page(site, path, rel, "/".join([collection, *parts[1:]]),
                      str(settings.get("permalink") or "/:collection/:path:output_ext"),
                      collection, report)
            elif parts[0] == "_drafts" and path.suffix in _MARKDOWN:
                _draft(site, path, rel, names, report)
            elif parts[0] not in ("_layouts", "_includes", "_sass", "_data", "_plugins"):
                report.note("skipped", rel, None, "not a post, page or collection Jekyll "
                            "publishes")
            continue
        if path.suffix in _MARKDOWN and rel not in _SKIPPED_FILES:
            _page(site, path, rel, rel, permalink_for_page(permalink), None, report)
        elif path.suffix in (".html", ".liquid", ".scss", ".sass") or rel in _SKIPPED_FILES:
            if rel not in _SKIPPED_FILES:
                report.note("skipped", rel, None, "a template or stylesheet of the old theme "
                            "(blogkit's theme replaces it)")
        else:
            site.statics.append((path, rel))
    posts = {p.name: p for p in site.posts}
    statics = {to for _, to in site.statics}
    uses_dollars = False
    for post in site.posts:
        post.body = rewrite(post, posts, report)
        uses_dollars = uses_dollars or "$$" in post.body
        check_images(post, set(), statics, report)
    if uses_dollars and str(config.get("markdown") or "kramdown").lower() == "kramdown":
        site.math["dollars"] = "kramdown"
        report.note("setting", "_config.yml", None, "`math.dollars: kramdown`: posts write "
                    "`$$..$$` in running text, which kramdown reads as inline math")
    if config.get("paginate"):  # jekyll-paginate's `/page2/`: blogkit's `/page/2/`
        count = sum(post.kind == "post" for post in site.posts)
        site.redirects = {f"/page{number}/": f"/page/{number}/"
                          for number in range(2, -(-count // site.per_page) + 1)}
    return site


def permalink_for_page(permalink: str) -> str:
    return "/:path/" if permalink == "pretty" or permalink.endswith("/") else "/:path:output_ext"


def _name(code: str) -> str:
    from .convert import LANGUAGE_NAMES

    return LANGUAGE_NAMES.get(code, code)


def _author(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("name") or "")
    return str(value or "")


def _post(site: SourceSite, path: Path, rel: str, parts: list[str], pattern: str,
          names: set[str], report: ImportReport) -> None:
    dated = _DATED.match(path.stem)
    if dated is None:
        report.note("skipped", rel, None, "a post's file name must start with its date "
                    "(YYYY-MM-DD-title.md), as Jekyll requires")
        return
    front = _split(path, rel, report)
    if front is None:
        return
    year, month, day, title = dated.groups()
    zone = site.timezone
    when = moment(front.data.get("date"), zone) or moment(f"{year}-{month}-{day}", zone)
    assert when is not None
    folder_categories = parts[:parts.index("_posts")]
    categories = folder_categories + _jekyll_words(front.data.get("categories")) + \
        _jekyll_words(front.data.get("category"))
    slug = str(front.data.get("slug") or title)
    name = title if title not in names else f"{year}-{month}-{day}-{title}"
    names.add(name)
    values = {**date_values(when), "title": slug.replace(" ", "-"),
              "slug": re.sub(r"[^a-z0-9]+", "-", slug.lower()).strip("-"),
              "categories": "/".join(dict.fromkeys(c.lower() for c in categories)),
              "output_ext": ".html"}
    old = str(front.data["permalink"]) if front.data.get("permalink") else \
        expand(pattern, values)
    post = SourcePost(path, rel, "post", f"posts/{name}.md", site.languages[0].code, front,
                      name, when, old, categories=list(dict.fromkeys(categories)),
                      tags=_jekyll_words(front.data.get("tags")) +
                      _jekyll_words(front.data.get("tag")))
    if "title" not in front.data and not front.body.lstrip().startswith("# "):
        front.data["title"] = title.replace("-", " ").capitalize()
        report.note("mapped", rel, None, f"no title: '{front.data['title']}' from the file "
                    "name, as Jekyll shows it")
    site.posts.append(post)


def _draft(site: SourceSite, path: Path, rel: str, names: set[str],
           report: ImportReport) -> None:
    """A post of `_drafts/` (no date in its name, no URL yet): a post with `draft: true`."""
    front = _split(path, rel, report)
    if front is None:
        return
    when = draft_date(path, rel, front, site.timezone, report)
    name = path.stem if path.stem not in names else f"draft-{path.stem}"
    names.add(name)
    if "title" not in front.data and not front.body.lstrip().startswith("# "):
        front.data["title"] = path.stem.replace("-", " ").capitalize()
    site.posts.append(SourcePost(
        path, rel, "post", f"posts/{name}.md", site.languages[0].code, front, name, when,
        categories=list(dict.fromkeys(_jekyll_words(front.data.get("categories")) +
                                      _jekyll_words(front.data.get("category")))),
        tags=_jekyll_words(front.data.get("tags")) + _jekyll_words(front.data.get("tag"))))


def _jekyll_words(value: Any) -> list[str]:
    """Jekyll splits a string of categories or tags at spaces."""
    if isinstance(value, str):
        return value.split()
    return words(value)


def _page(site: SourceSite, path: Path, rel: str, dest: str, pattern: str,
          collection: str | None, report: ImportReport) -> None:
    front = _split(path, rel, report)
    if front is None:
        return
    if front.format == "none":
        site.statics.append((path, rel))  # Jekyll copies a file without front matter as is
        return
    stem = dest.rsplit(".", 1)[0]
    values = {"path": stem.split("/", 1)[1] if collection else stem, "output_ext": ".html",
              "collection": collection or "", "name": stem.rsplit("/", 1)[-1],
              "title": stem.rsplit("/", 1)[-1]}
    old = str(front.data["permalink"]) if front.data.get("permalink") else \
        expand(pattern, values)
    if old.endswith("/index.html"):
        old = old[:-len("index.html")]
    name = stem.rsplit("/", 1)[-1]
    if name == "index":
        report.note("skipped", rel, None, "the home page: blogkit makes its own")
        return
    site.posts.append(SourcePost(path, rel, "page", stem + ".md", site.languages[0].code,
                                 front, name, old_url=old))


def _split(path: Path, rel: str, report: ImportReport) -> Any:
    try:
        return split(path.read_text(encoding="utf-8"))
    except Unreadable as error:
        report.note("skipped", rel, error.line, str(error))
    except UnicodeDecodeError:
        report.note("skipped", rel, None, "not UTF-8 text")
    return None


_POST_URL = re.compile(r"\{%-?\s*post_url\s+(\S+?)\s*-?%\}")
_HIGHLIGHT = re.compile(r"^([ \t]*)\{%-?\s*highlight\s+(\w[\w+#-]*)([^%]*)-?%\}[ \t]*\n?"
                        r"(.*?)\n?[ \t]*\{%-?\s*endhighlight\s*-?%\}",
                        re.DOTALL | re.MULTILINE)
_BASEURL = re.compile(r"\{\{-?\s*site\.(?:url|baseurl)\s*-?\}\}")
_RELATIVE_URL = re.compile(r"""\{\{-?\s*["']([^"']*)["']\s*\|\s*(?:relative_url|absolute_url)"""
                           r"""\s*-?\}\}""")
_RAW_TAG = re.compile(r"\{%-?\s*(?:end)?raw\s*-?%\}")
_FENCE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})[^\n]*\n.*?^[ \t]{0,3}\1[ \t]*$",
                    re.DOTALL | re.MULTILINE)
_CODE_SPAN = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)", re.DOTALL)


def rewrite(post: SourcePost, posts: dict[str, SourcePost], report: ImportReport) -> str:
    """The body with Jekyll's Liquid rewritten where blogkit has an equivalent."""
    body = post.front.body
    if "{" not in body:  # the common post: no Liquid at all
        return body

    def post_url(match: re.Match[str]) -> str:
        wanted = match.group(1).rsplit("/", 1)[-1]
        dated = _DATED.match(wanted)
        target = posts.get(dated.group(4) if dated else wanted) or posts.get(wanted)
        if target is None:
            report.note("mapped", post.rel, _line(post, body, match.start()),
                        f"post_url '{wanted}' names no post; kept as written")
            return match.group(0)
        return target.dest.rsplit("/", 1)[-1]

    def highlight(match: re.Match[str]) -> str:
        indent, language, options, code = match.groups()
        attributes = "{linenos=true}" if "linenos" in options else ""
        fence = "```"
        while fence in code:
            fence += "`"
        return f"{indent}{fence}{language}{' ' + attributes if attributes else ''}\n" \
               f"{code}\n{indent}{fence}"

    body = _POST_URL.sub(post_url, body)
    body = _HIGHLIGHT.sub(highlight, body)
    body = _BASEURL.sub("", body)
    body = _RELATIVE_URL.sub(lambda m: m.group(1), body)
    if "raw" in body:
        def unraw(match: re.Match[str]) -> str:
            return _RAW_TAG.sub("", match.group(0))
        body = _FENCE.sub(unraw, body)
        body = _CODE_SPAN.sub(unraw, body)
    return body


def _line(post: SourcePost, body: str, offset: int) -> int:
    return post.front.body_line + body.count("\n", 0, offset)


def when(post: SourcePost) -> datetime | None:
    return post.date
