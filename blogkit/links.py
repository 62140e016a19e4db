"""LINKS: what a post's links lead to, and the links that lead nowhere.

A body's links are markers (see mdlinks.rewrite_links) naming a content/-relative file or
a root-relative path; `LinkTargets` holds everything they can resolve to, and
`resolve_links` writes each marker as the URL it leads to from a post in a language.
"""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

from .admonitions import localize_titles
from .config import SiteConfig
from .content import Post
from .digest import digest
from .errors import LINK, SourceError
from .i18n import load_ui
from .images import SIZES, ImageInfo, ImageView, site_images, srcset
from .mdlinks import LinkUse

if TYPE_CHECKING:  # site.py's Entry holds LinkTargets
    from .site import Entry

_MARKER = re.compile(r'="blogkit:link:([^"#]*)(#[^"]*)?"')
"""A link marker (see mdlinks.rewrite_links) as the value of an attribute: `href` or
`src` when it is one (`replace` looks). Starting with a literal, it is found several
times faster than by a pattern starting with the attribute's name."""


@dataclass(frozen=True)
class LinkTargets:
    """Everything a link in a post can resolve to."""

    by_rel: dict[str, Post]
    """Published posts and pages by content/-relative path."""
    bundles: dict[str, dict[str, Post]]
    """Per bundle folder (`posts/vae/`): its posts by language."""
    broken: frozenset[str]
    """Files with errors of their own (links to them are not reported again)."""
    asset_files: frozenset[str]
    """content/-relative paths of every bundle's assets (`posts/vae/figure.png`)."""
    base_path: str
    """The site's base path without its final slash (`/blog`, or "")."""
    default_lang: str
    """Where a link to a bundle lacks the linking post's language, this one's is taken."""
    key: str
    """A stable digest of all of it: when it changes, every entry is made anew."""
    broken_bundles: frozenset[str] = frozenset()
    """Folders (`posts/c/`) of bundles whose index file has errors: links to their files
    are not reported again either."""
    site_paths: frozenset[str] | None = None
    """Every path the site publishes (`/`, `/posts/vae/`, `/images/cn/fig.png`), for
    root-relative links; None when no post has one (it is not worked out then)."""
    ui: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Each language's UI strings: a body's default admonition titles are written in the
    page's language as its links are resolved (a Body itself is language-neutral)."""
    images: Mapping[str, ImageInfo] = field(default_factory=dict)
    """The images posts can show, by target (see `images.site_images`): an `<img>` of
    one gets its size, and its variants as `srcset`, as its marker is resolved."""


def link_targets(config: SiteConfig, posts: list[Post], broken: frozenset[str]
                 ) -> LinkTargets:
    by_rel = {post.rel: post for post in posts}
    bundles: dict[str, dict[str, Post]] = {}
    asset_files: set[str] = set()
    for post in posts:
        if post.bundle_dir is not None:
            folder = post.rel.rsplit("/", 1)[0] + "/"
            bundles.setdefault(folder, {})[post.lang] = post
            asset_files.update(folder + name for name in post.asset_names())
    base_path, default_lang = config.base_path.rstrip("/"), config.default_language.code
    ui = {language.code: load_ui(language.code, language.ui) for language in config.languages}
    images = site_images(config, posts)
    # Images count by their sizes (what an <img> shows of them): an edit that keeps an
    # image's size changes its variants' bytes, not a page.
    key = digest(tuple((p.rel, p.url, p.lang, tuple(map(str, p.assets))) for p in posts),
                 sorted(broken), base_path, default_lang, sorted(ui.items()),
                 sorted(images.items()))
    broken_bundles = frozenset(rel.rsplit("/", 1)[0] + "/" for rel in broken
                               if "/" in rel and rel.rsplit("/", 1)[1].startswith("index."))
    return LinkTargets(by_rel, bundles, broken, frozenset(asset_files), base_path,
                       default_lang, key, broken_bundles, ui=ui, images=images)



def link_errors(entry: Entry) -> list[SourceError]:
    """An error for each link of the entry's body that leads nowhere (once per place:
    links by one reference definition share its place)."""
    links, post = entry.links, entry.post
    errors = []
    seen: set[tuple[int, int]] = set()
    for link in entry.body.links:
        target = link.target
        if target is not None and _target_url(links, post.lang, target) is not None:
            continue
        if target is not None and _into_broken(links, target):
            continue  # the file it points at has errors of its own, already reported
        if (link.line, link.col) in seen:
            continue
        seen.add((link.line, link.col))
        if target is not None and target[:1] == "/":
            errors.append(SourceError(
                post.source, link.line, link.col,
                f"link to '{link.href}': the site publishes no page or file there",
                "a path starting with / is from the site's root (its base path is put in "
                "front): a file of static/ (static/images/a.png is /images/a.png) or a "
                "page's URL (/posts/other/); or link the post's source file relatively",
                kind=LINK))
            continue
        errors.append(SourceError(
            post.source, link.line, link.col,
            f"link to '{link.href}': no published post or page-bundle file is there",
            "paths are relative to this file, e.g. ../other-post/index.zh.md, ../other-post/ "
            "or image.png beside it; drafts and future posts are not published", kind=LINK))
    return errors


def _into_broken(links: LinkTargets, target: str) -> bool:
    """Whether `target` is a file with errors, a folder holding one, or a file of a
    bundle whose index files all have errors (nothing publishes its files, so whether
    the file is there is not known: the file with errors is reported)."""
    if not links.broken or target[:1] == "/":
        return False
    return (target in links.broken or any(b.startswith(target + "/") for b in links.broken)
            or any(target.startswith(folder) and folder not in links.bundles
                   for folder in links.broken_bundles))


_BROKEN_DATA = ' data-broken="nothing is published there"'
BROKEN_LINK = ' class="broken-link"' + _BROKEN_DATA
"""What marks a link or image whose target is missing (shown under --keep-going): the
theme's stylesheet outlines `.broken-link`."""
_CLASS_ATTRIBUTE = re.compile(r"\sclass\s*=", re.IGNORECASE)


def resolve_links(links: LinkTargets, lang: str, text: str,
                  uses: Sequence[LinkUse] = ()) -> str:
    """`text` with its link markers (see mdlinks.rewrite_links) replaced by the URLs of
    what they point at, as seen from a post in `lang`. A link that points nowhere keeps
    the href the author wrote (one of `uses`, the body's links), marked `BROKEN_LINK`.
    Default admonition titles are written in `lang` here too."""
    text = localize_titles(text, links.ui.get(lang, {}))
    if "blogkit:link:" not in text:
        return text
    if links.images and "<img" in text:
        text = _IMG_MARKED.sub(lambda found: _sized(links, lang, found.group(0),
                                                    unquote(found.group(1))), text)
    written: dict[str, str] = {}

    def replace(match: re.Match[str]) -> str:
        before = match.string[max(0, match.start() - 4):match.start()]
        if not before.endswith(("href", "src")):
            return match.group(0)
        target, fragment = unquote(match.group(1)), match.group(2) or ""
        url = _target_url(links, lang, target)
        if url is not None:
            return f'="{links.base_path}{url}{fragment}"'
        if not written:
            written.update((use.target, use.href) for use in reversed(uses) if use.target)
        href = written.get(target, target + fragment)
        # A tag with a class of its own (raw HTML's, the link markdown.py puts around an
        # image) is marked by `data-broken` alone: a second class attribute is invalid.
        text = match.string
        tag = text[text.rfind("<", 0, match.start()):text.find(">", match.end())]
        marked = _BROKEN_DATA if _CLASS_ATTRIBUTE.search(tag) else BROKEN_LINK
        return f'="{html.escape(href)}"{marked}'

    return _MARKER.sub(replace, text)


_IMG_MARKED = re.compile(r'<img\s[^<>]*?\bsrc="blogkit:link:([^"#]*)[^<>]*>')
"""An `<img>` whose `src` is a link marker (a Markdown image, or a shortcode's)."""


def _sized(links: LinkTargets, lang: str, tag: str, target: str) -> str:
    """`tag` with the size of the image it shows, and the srcset of its variants; what
    the tag says itself (an author's width, a shortcode's srcset) is kept."""
    info = links.images.get(target)
    if info is None and target[:1] == "/":  # written with the base path in front
        base = links.base_path
        info = links.images.get(target[len(base):]) if base and target.startswith(
            base + "/") else None
    if info is None:
        return tag
    added, names = "", {name.lower() for name in _ATTRIBUTE.findall(tag)}
    if not names & {"width", "height"}:
        added += f' width="{info.width}" height="{info.height}"'
    if info.widths and "srcset" not in names:
        url = _target_url(links, lang, target)
        if url is not None:
            added += f' srcset="{html.escape(srcset(links.base_path + url, info))}" ' \
                     f'sizes="{SIZES}"'
    end = len(tag) - (2 if tag.endswith("/>") else 1)
    return tag[:end].rstrip() + added + tag[end:]


_ATTRIBUTE = re.compile(r"""\s([^\s"'<>/=]+)(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?""")
"""An attribute of a tag (its name in group 1), its value skipped whole."""


def cover_image(links: LinkTargets, post: Post) -> ImageView | None:
    """A post's `extra.image` as its cover: a file of its bundle (relative), of static/
    (from the site's root) or a URL; with its size and variants where the file is known.
    None when it has none (see `meta.page_image`, which reads it for og:image too)."""
    image = post.extra.get("image")
    if not isinstance(image, str) or not image.strip():
        return None
    image = image.strip()
    if image.startswith("//") or _SCHEME.match(image):
        return ImageView(image)
    if image.startswith("/"):
        target = posixpath.normpath(unquote(image))
        url: str | None = quote(target)
    else:
        folder = post.rel.rsplit("/", 1)[0] if "/" in post.rel else ""
        target = posixpath.normpath(posixpath.join(folder, unquote(image)))
        url = _target_url(links, post.lang, target)
    if url is None:  # no file of the site: as written, from the post's own URL
        return ImageView(links.base_path + (post.url if image[:1] != "/" else "")
                         + quote(image))
    url = links.base_path + url
    info = links.images.get(target)
    if info is None:
        return ImageView(url)
    return ImageView(url, info.width, info.height, srcset(url, info) if info.widths else "")


_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.\-]*:")


def target_url(links: LinkTargets, lang: str, target: str) -> str | None:
    """Where a link marker's target (see mdlinks.LinkUse) leads from a post in `lang`:
    the URL without the base path, or None (for `blogkit check`, which follows anchors)."""
    return _target_url(links, lang, target)


def _target_url(links: LinkTargets, lang: str, target: str) -> str | None:
    """URL (without the base path) of the post, bundle or bundle file at a content/-
    relative path, or of what the site publishes at a root-relative one."""
    if target[:1] == "/":
        return _root_url(links, target)
    if target in links.by_rel:
        return links.by_rel[target].url
    if target + "/" in links.bundles:
        return _pick(links.bundles[target + "/"], lang, links.default_lang).url
    for name in (f"{target}.{lang}.md", f"{target}.md", f"{target}.{links.default_lang}.md"):
        if name in links.by_rel:  # a post named without its file suffix (Hexo's post_link)
            return links.by_rel[name].url
    if target in links.asset_files:  # then the bundle nearest to it has it among its assets
        owner = _asset_owner(target, lang, links.bundles)
        if owner is not None:
            return owner[0].url + quote(owner[1])
    return None


def _root_url(links: LinkTargets, path: str) -> str | None:
    """A root-relative link's URL: from the site's root, as written (`/posts/other` is
    the page `/posts/other/`, `/posts/other/index.html` too); one that starts with the
    base path already (`/blog/images/a.png`, as Hugo without canonifyURLs needs it) is
    kept as written. None when the site publishes nothing there."""
    paths = links.site_paths
    if paths is None:  # made for a site without root-relative links (see `assemble`)
        return None
    base = links.base_path
    if _published(paths, path):
        return quote(path)
    if base and path.startswith(base + "/") and _published(paths, path[len(base):]):
        return quote(path[len(base):])
    return None


def _published(paths: frozenset[str], path: str) -> bool:
    return path in paths or path + "/" in paths or (
        path.endswith("/index.html") and path[:-len("index.html")] in paths)


def _asset_owner(
    target: str, lang: str, bundles: dict[str, dict[str, Post]]
) -> tuple[Post, str] | None:
    """Return the post (in `lang` where possible) whose bundle holds `target`, and its path."""
    parts = target.split("/")
    for cut in range(len(parts) - 1, 0, -1):
        folder = "/".join(parts[:cut]) + "/"
        translations = bundles.get(folder)
        if translations:
            owner = translations.get(lang) or next(iter(translations.values()))
            return owner, target[len(folder):]
    return None


def _pick(choices: dict[str, Post], lang: str, default_lang: str) -> Post:
    return choices.get(lang) or choices.get(default_lang) or next(iter(choices.values()))
