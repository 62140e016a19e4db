"""REDIRECTS: the posts' old URLs (front matter `aliases:`) kept alive.

A moved blog's old links are in search engines, comment threads and other people's
posts. Each alias gets a small HTML page at its old path that sends the reader on: a meta
refresh (works with scripts off), `rel=canonical` (search engines move the rank to the
new URL) and a visible link (for readers and clients that follow neither). Hosts that read
a `_redirects` file (Netlify, Cloudflare Pages) answer the same paths with a real 301
instead, which is better still; that file also sends the feed paths of Hugo (`index.xml`,
RSS) and jekyll-feed (`feed.xml`, Atom) to blogkit's feeds, so subscribers of a moved blog
keep getting posts (a feed reader follows no meta refresh, so those need the 301). A
bundle's old URL sends its files on too (`/old/vae/elbo.png`, a `:splat` rule), and
`redirects:` of blogkit.yaml adds the paths that are no post's: the list pages, feeds and
sitemaps the other tool wrote (an importer writes them).

Nothing here runs for a site without either: `has_redirects` is the cheap check first.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .config import CONFIG_NAME
from .config_sections import Redirect
from .errors import SourceError
from .site import Entry, Site, site_paths
from .templates import encode_url

if TYPE_CHECKING:  # render imports plan, which imports this module
    from .render import Output

REDIRECTS_FILE = "_redirects"
OLD_FEEDS = (("index.xml", "rss.xml"), ("feed.xml", "atom.xml"))
"""Feed paths of other tools beside each language's home, and blogkit's feed of that format
(Hugo's `index.xml` is RSS 2.0; jekyll-feed's `feed.xml` is Atom; Hexo's `atom.xml` is
blogkit's own name already)."""


@dataclass(frozen=True)
class Alias:
    """One old URL of a post, and the post it now leads to."""

    path: str
    """Root-relative, without the base path, as written (`/2019/09/23/vae.html`)."""
    entry: Entry
    line: int | None
    col: int | None

    @property
    def file(self) -> str:
        """The output file that answers the old URL: itself when it names a file
        (`vae.html`), else the `index.html` of its folder (`/old/` and `/old`)."""
        return alias_file(self.path)


def alias_file(path: str) -> str:
    """Output file answering the site-root `path`."""
    inner = path.lstrip("/")
    last = inner.rsplit("/", 1)[-1]
    if not inner or inner.endswith("/"):
        return inner + "index.html"
    if "." in last:
        return inner
    return inner + "/index.html"


def has_redirects(site: Site) -> bool:
    """Whether any published post or page has an alias, or blogkit.yaml `redirects:` (most
    sites: neither)."""
    return bool(site.config.redirects) or any(
        entry.post.aliases for entries in (*site.posts.values(), *site.pages.values())
        for entry in entries)


def aliases(site: Site) -> list[Alias]:
    """Every alias of every published post and page, in the site's order."""
    found: list[Alias] = []
    for entries in (*site.posts.values(), *site.pages.values()):
        for entry in entries:
            post = entry.post
            for path, (line, col) in zip(post.aliases, _places(post.aliases, post.aliases_at),
                                         strict=True):
                found.append(Alias(path, entry, line, col))
    return found


def _places(paths: Sequence[str], places: Sequence[tuple[int | None, int | None]]
            ) -> list[tuple[int | None, int | None]]:
    return list(places) if len(places) == len(paths) else [(None, None)] * len(paths)


def alias_errors(site: Site, page_paths: Iterable[str]) -> list[SourceError]:
    """An alias whose file is a page's or another alias's, each an error at the alias's
    line, and the same for a redirect of blogkit.yaml: one of the two would silently lose."""
    if not has_redirects(site):
        return []
    pages = set(page_paths)
    taken: dict[str, Alias] = {}
    errors: list[SourceError] = []
    for alias in aliases(site):
        post = alias.entry.post
        file = alias.file
        if alias_file(post.url) == file:
            continue  # the old URL is the new one: nothing to redirect
        if file in pages:
            errors.append(SourceError(
                post.source, alias.line, alias.col,
                f"alias '{alias.path}' is the URL of a page of this site ({file})",
                "remove the alias: that page answers its URL already; or move the page"))
        elif file in taken:
            other = taken[file].entry.post
            errors.append(SourceError(
                post.source, alias.line, alias.col,
                f"alias '{alias.path}' is also an alias of {other.rel}",
                "an old URL can lead to one post only: remove it from one of them"))
        else:
            taken[file] = alias
    return errors + _site_redirect_errors(site, pages, taken)


def _site_redirect_errors(site: Site, pages: set[str], aliased: dict[str, Alias]
                          ) -> list[SourceError]:
    if not site.config.redirects:
        return []
    published = site_paths(site, ())  # pages, feeds, sitemap: what the build writes itself
    source = site.config.root / CONFIG_NAME
    errors: list[SourceError] = []
    seen: set[str] = set()
    for redirect in site.config.redirects:
        file = alias_file(redirect.path)
        folder = file.removesuffix("index.html")
        if file in pages or "/" + file in published or "/" + folder in published:
            errors.append(SourceError(
                source, redirect.line, redirect.col,
                f"redirect '{redirect.path}' is the path of a file this site writes ({file})",
                "remove the redirect: that path is answered already"))
        elif file in aliased or file in seen:
            owner = aliased[file].entry.post.rel if file in aliased else "another redirect"
            errors.append(SourceError(
                source, redirect.line, redirect.col,
                f"redirect '{redirect.path}' answers the same path as {owner}",
                "an old path can lead to one place only: remove one of them"))
        seen.add(file)
    return errors


def redirect_files(site: Site) -> list[Output]:
    """Every alias's page and every page-like redirect's, and `_redirects`; none without
    either. Their bytes depend on the site alone, so an unchanged site writes the same files
    (in builds and in serve)."""
    if not has_redirects(site):
        return []
    from .render import Output

    config = site.config
    base_path = config.base_path.rstrip("/")
    absolute = config.base_url.rstrip("/")
    default_lang, source = config.default_language.code, config.root / CONFIG_NAME
    files: dict[str, Output] = {}
    rules: list[str] = []
    for alias in aliases(site):
        post = alias.entry.post
        if alias.file == alias_file(post.url) or alias.file in files:
            continue  # its own URL, or a clash `alias_errors` reports
        target = encode_url(base_path + post.url)
        page = redirect_page(alias.entry.body.title_text, target,
                             encode_url(absolute + post.url), post.lang)
        files[alias.file] = Output(alias.file, page, f"the redirect of alias '{alias.path}'",
                                   post.source)
        rules.append(f"{encode_url(base_path + alias.path)} {target} 301")
        if alias.path.endswith("/") and post.assets:  # the bundle's files moved with it
            rules.append(f"{encode_url(base_path + alias.path)}* {target}:splat 301")
    # A page that differs from one of the site's only in case (Hexo's `/tags/VAE/`, the
    # site's `/tags/vae/`) would overwrite it on a case-insensitive disk: the 301 only.
    folded = {path.casefold() for path in site_paths(site, ())} if config.redirects else set()
    for redirect in config.redirects:
        file, target = alias_file(redirect.path), _site_target(site, redirect)
        page_like = file.endswith(".html") and file not in files  # not a feed: a reader's
        if page_like and "/" + file.removesuffix("index.html").casefold() not in folded:
            page = redirect_page(redirect.target, target, _absolute(site, redirect), default_lang)
            files[file] = Output(file, page, f"the redirect of '{redirect.path}'", source)
        rules.append(f"{encode_url(base_path + redirect.path)} {target} 301")
    for language in config.languages:
        prefix = base_path + config.lang_prefix(language.code)
        for old, new in OLD_FEEDS:
            rules.append(f"{encode_url(f'{prefix}/{old}')} {encode_url(f'{prefix}/{new}')} 301")
    text = ("# Old URLs of this site's posts, answered with 301s by Netlify and Cloudflare "
            "Pages (other hosts serve the redirect pages at the same paths).\n"
            + "".join(rule + "\n" for rule in rules))
    return [*files.values(), Output(REDIRECTS_FILE, text.encode("utf-8"), "redirects")]


def _site_target(site: Site, redirect: Redirect) -> str:
    """Where a redirect of blogkit.yaml leads, as a link of the built site."""
    if redirect.target.startswith("/"):
        return encode_url(site.config.base_path.rstrip("/") + redirect.target)
    return redirect.target


def _absolute(site: Site, redirect: Redirect) -> str:
    if redirect.target.startswith("/"):
        return encode_url(site.config.base_url.rstrip("/") + redirect.target)
    return redirect.target


def redirect_page(title: str, target: str, canonical: str, lang: str) -> bytes:
    """A page that sends the reader to `target` without a script."""
    shown, href = html.escape(title), html.escape(target)
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{html.escape(lang)}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{shown}</title>\n"
        f'<link rel="canonical" href="{html.escape(canonical)}">\n'
        '<meta name="robots" content="noindex">\n'
        f'<meta http-equiv="refresh" content="0; url={href}">\n'
        "</head>\n<body>\n"
        f'<p>→ <a href="{href}">{shown}</a></p>\n'
        "</body>\n</html>\n"
    ).encode()
