"""RENDER helper: what a page's head says about it: feeds, Open Graph, Twitter, JSON-LD.

Link previews (Open Graph, read by most chat apps and by Twitter/X as a fallback), the
Twitter card and schema.org's `BlogPosting` all want absolute URLs and plain text; the
templates only print what is computed here. Feed file names live here too, since both
a page's autodiscovery links and the feed writer (`outputs.py`) need them.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

from .config import SiteConfig
from .templates import FeedLinkView, PostView, SocialMeta, encode_url


@dataclass(frozen=True)
class FeedFormat:
    """One feed format: its file beside the listing page it follows, and its media type."""

    file: str
    media_type: str
    name: str
    """Shown after the feed's title in autodiscovery links."""


FEED_FORMATS = (
    FeedFormat("atom.xml", "application/atom+xml", "Atom"),
    FeedFormat("rss.xml", "application/rss+xml", "RSS"),
    FeedFormat("feed.json", "application/feed+json", "JSON Feed"),
)
"""Every listing that has feeds (a language's home, a category) has all three."""

# Open Graph wants language_TERRITORY; a bare language code names no territory, so the
# usual one is assumed for the common languages (zh is Simplified Chinese, as in zh_CN).
_OG_TERRITORY = {
    "zh": "CN", "en": "US", "ja": "JP", "ko": "KR", "fr": "FR", "de": "DE", "es": "ES",
    "it": "IT", "pt": "BR", "ru": "RU", "nl": "NL", "sv": "SE", "pl": "PL", "vi": "VN",
}
_IMG_SRC = re.compile(r"""<img\b[^>]*?\ssrc\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)


def feed_folder(config: SiteConfig, lang: str, term_path: str | None = None) -> str:
    """Root-relative folder (no base path) of a language's feeds, or of a category's or
    tag's (`term_path`: `categories/3d-model/`, see `site.term_path`)."""
    prefix = config.lang_prefix(lang)
    return f"{prefix}/{term_path}" if term_path else f"{prefix}/"


def feed_links(
    config: SiteConfig, lang: str, term: tuple[str, str] | None = None
) -> tuple[FeedLinkView, ...]:
    """Autodiscovery links: the language's feeds, then those of `term` (its path below the
    language's prefix, its label): a category's, or a tag's when tags have feeds."""
    site_title = config.language(lang).title
    absolute = config.base_url.rstrip("/")
    groups = [(feed_folder(config, lang), site_title)]
    if term is not None:
        groups.append((feed_folder(config, lang, term[0]), f"{term[1]} | {site_title}"))
    return tuple(FeedLinkView(f"{title} ({feed.name})", encode_url(absolute + folder + feed.file),
                              feed.media_type)
                 for folder, title in groups for feed in FEED_FORMATS)


def og_locale(code: str) -> str:
    """Open Graph locale of a language code: `zh` -> `zh_CN`, `zh-TW` -> `zh_TW`."""
    language, _, region = code.partition("-")
    if len(region) == 2:
        return f"{language}_{region.upper()}"
    territory = _OG_TERRITORY.get(language)
    return f"{language}_{territory}" if territory else language


def page_image(base_url: str, page_url: str, extra: dict[str, Any], src: str) -> str:
    """Absolute URL of a post's image: `extra.image`, else the first image in it, else "".

    `extra.image` is a URL, a path relative to the post (a file of its bundle) or a path
    from the site's root (`/images/cover.png`, a file of static/: the base path of
    `base_url` goes before it); `page_url` is the post's absolute URL; `src` is the first
    image of the post's HTML (see `first_image`).
    """
    image = extra.get("image")
    if isinstance(image, str) and image.strip():
        image = image.strip()
        if image.startswith("/") and not image.startswith("//"):
            return encode_url(base_url.rstrip("/") + image)
        return encode_url(urljoin(page_url, image))
    # Image URLs in a post's HTML are already root-relative with the base path (or absolute).
    return encode_url(urljoin(page_url, src)) if src.strip() else ""


def first_image(body_html: str) -> str:
    """The first `<img src>` of a body, or ""."""
    found = _IMG_SRC.search(body_html)
    if found is None:
        return ""
    return html.unescape(found.group(1) if found.group(1) is not None else found.group(2))


def social(
    config: SiteConfig,
    lang: str,
    title: str,
    canonical: str,
    description: str,
    other_langs: tuple[str, ...],
    post: PostView | None = None,
    article: bool = False,
) -> SocialMeta:
    """Return the Open Graph, Twitter and JSON-LD data of a page.

    `post` is the post or standalone page the page shows; `article` tells a post (an
    og:type article with times and a `BlogPosting`) from a standalone page.
    """
    image = (page_image(config.base_url, canonical, post.extra, post.first_image)
             if post is not None else "")
    common: dict[str, Any] = {
        "title": title, "site_name": config.language(lang).title, "locale": og_locale(lang),
        "locale_alternates": tuple(og_locale(code) for code in other_langs if code != lang),
        "image": image,
    }
    if post is None or not article:
        return SocialMeta(**common)
    modified = post.updated_iso or post.date_iso
    keywords = list(dict.fromkeys([tag.label for tag in post.tags]
                                  + [category.label for category in post.categories]))
    data: dict[str, Any] = {
        "@context": "https://schema.org", "@type": "BlogPosting", "headline": title,
        "datePublished": post.date_iso, "dateModified": modified, "inLanguage": lang,
        "url": canonical, "mainEntityOfPage": canonical, "description": description,
    }
    if config.author:
        data["author"] = {"@type": "Person", "name": config.author}
    if keywords:
        data["keywords"] = keywords
    if image:
        data["image"] = image
    return SocialMeta(**common, type="article", published=post.date_iso, modified=modified,
                      tags=tuple(tag.label for tag in post.tags), structured_data=data)
