"""LOAD helper: front-matter keys of other tools (Hugo, Jekyll, Hexo and their themes).

Posts copied over from another tool carry its keys. `sort_keys` tells which give a blogkit
field under another name (`ALIASES`: `lastmod` is `updated`, Jekyll's `published: false`
is `draft: true`), which blogkit has no use for and keeps in `Post.extra` for themes
(`OTHER_TOOLS_KEYS`), and which are mistakes; `agreed` reads a field that two keys may give.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from .errors import SourceError
from .front_matter import FRONT_KEYS
from .yamlpos import YamlDoc

T = TypeVar("T")

ALIASES = {
    "lastmod": "updated",  # Hugo
    "modified": "updated",  # Hugo
    "last_modified_at": "updated",  # Jekyll (jekyll-last-modified-at, jekyll-seo-tag)
    "description": "summary",  # Hugo, Hexo (NexT shows it on the home page), Jekyll themes
    "excerpt": "summary",  # Jekyll, Hexo
    "publishdate": "date",  # Hugo
    "pubdate": "date",  # Hugo
    "category": "categories",  # Jekyll's singular
    "tag": "tags",  # Jekyll's singular
    "published": "draft",  # Jekyll, Hexo: `published: false` is a draft (Hugo: a date)
    "redirect_from": "aliases",  # Jekyll (jekyll-redirect-from)
}
"""Other tools' keys (lower case: Hugo reads keys in any case) for a field blogkit has.
One of `GIVEN_ONLY_AS_ALIAS`'s fields is given by an alias only when the file does not
give the field itself: else the alias is kept in `Post.extra` (Hugo's `description` is
the page's meta description, which may well differ from its summary)."""


GIVEN_ONLY_AS_ALIAS = frozenset({"summary", "date"})


_WHAT = {
    "updated": "the date of the last change", "summary": "the summary", "date": "the date",
    "categories": "the categories", "tags": "the tags", "draft": "whether it is a draft",
    "aliases": "the old URLs",
}
"""What each aliased field says, for the error when two keys say it differently."""


OTHER_TOOLS_KEYS = frozenset({
    # Hugo (gohugo.io/content-management/front-matter), lower-cased as Hugo reads them
    "build", "cascade", "expirydate", "unpublishdate", "headless",
    "iscjklanguage", "keywords", "layout", "linktitle", "markup", "menu", "menus", "outputs",
    "params", "resources", "sitemap", "translationkey", "type", "url", "weight", "images",
    "audio", "videos", "authors",
    # Jekyll (jekyllrb.com/docs/front-matter) and its common plugins and themes (jekyll-seo-tag,
    # jekyll-redirect-from, Minimal Mistakes, Chirpy)
    "permalink", "render_with_liquid", "excerpt_separator", "author", "image",
    "redirect_to", "header", "classes", "sidebar", "related", "read_time",
    "author_profile", "toc_sticky", "toc_label", "toc_icon", "pin", "media_subpath",
    "img_path", "mermaid", "canonical_url",
    # Hexo (hexo.io/docs/front-matter) and its themes (NexT, Butterfly, Fluid, Matery)
    "comments", "disablenunjucks", "sticky", "top", "abbrlink", "cover", "thumbnail",
    "banner", "banner_img", "index_img", "top_img", "img", "coverimg", "photos",
    "copyright", "reward", "reward_settings", "quicklink", "aplayer", "highlight_shrink",
    "aside",
    # Hugo themes (PaperMod, LoveIt, Even, DoIt, Stack)
    "showtoc", "tocopen", "hidemeta", "hidesummary", "searchhidden", "showreadingtime",
    "showbreadcrumbs", "showpostnavlinks", "showwordcount", "showsharebuttons",
    "showcodecopybuttons", "disableshare", "disablehljs", "disablecomments", "usehugotoc",
    "editpost", "canonicalurl", "robotsnoindex", "featured_image", "featuredimage",
    "featuredimagepreview", "subtitle", "lightgallery", "math", "mathjax", "katex",
    "mathjax_autonumber", "hasmath", "toc", "autocollapsetoc", "license", "share",
    "hidden", "hiddenfromhomepage", "hiddenfromsearch",
    # R Markdown (blogdown)
    "output",
})
"""Keys other tools and their themes give meaning to and blogkit has none for (lower case).
They load, and are kept in `Post.extra` under their names as written (a theme reads
`post.extra.image`); any other key blogkit does not know is a mistake, reported. Not here
on purpose: Hexo's `password` (hexo-blog-encrypt), which blogkit cannot honour, so such a
post stays an error rather than being published in the clear."""


_ALIAS_SPELLINGS = ("lastmod", "modified", "last_modified_at", "description", "excerpt",
                    "publishDate", "pubdate", "category", "tag", "published")
"""The aliases as their tools' documentation writes them (for did-you-mean hints)."""


@dataclass(frozen=True)
class Keys:
    """Which keys of a front matter give what."""

    given: dict[str, tuple[str, ...]]
    """For a field also given by an alias in this file: every key giving it (the field's
    own among them, if present), in file order."""
    extra: tuple[str, ...]
    """Other tools' keys blogkit has no use for, kept in `Post.extra` under their names."""

    def of(self, field: str) -> tuple[str, ...]:
        """The keys of the file that may give `field`."""
        return self.given.get(field, (field,))


NO_KEYS = Keys({}, ())


def sort_keys(doc: YamlDoc, data: dict[str, Any], errors: list[SourceError]) -> Keys:
    """Sort the keys blogkit's own readers do not read into aliases of its fields, other
    tools' keys, and mistakes (an error added: a close misspelling of a blogkit key, with
    its did-you-mean hint, else a key of the author's own, which belongs under `extra:`).
    """
    given: dict[str, list[str]] = {}
    extra: list[str] = []
    for key in data:
        if key in FRONT_KEYS:
            continue  # the cheap test first: most front matters have only blogkit's keys
        name = str(key)
        lower = name.lower()
        field = ALIASES.get(lower)
        if lower == "published" and not isinstance(data[key], bool) \
                and re.match(r"\s*\d", str(data[key])):
            field = "date"  # Hugo's: a date
        if field is not None:
            if field in GIVEN_ONLY_AS_ALIAS and data.get(field) is not None:
                extra.append(name)
            else:
                given.setdefault(field, [field] if field in data else []).append(name)
        elif lower in OTHER_TOOLS_KEYS:
            extra.append(name)
        else:
            errors.append(_unknown_key(doc, name))
    if not given and not extra:
        return NO_KEYS
    line = {key: doc.where((key,), key=True)[0] or 0 for keys in given.values() for key in keys}
    return Keys({field: tuple(sorted(keys, key=line.__getitem__))
                 for field, keys in given.items()}, tuple(extra))


def _unknown_key(doc: YamlDoc, key: str) -> SourceError:
    import difflib  # only for a mistake

    close = difflib.get_close_matches(key, sorted(FRONT_KEYS) + list(_ALIAS_SPELLINGS),
                                      n=1, cutoff=0.7)
    hint = (f"did you mean '{close[0]}'?" if close else
            f"put keys of your own under 'extra:' (extra: {{{key}: ...}}); themes read "
            f"them as post.extra.{key}")
    return doc.error((key,), f"unknown front matter key '{key}'", hint, key=True)


def agreed(doc: YamlDoc, field: str, keys: tuple[str, ...],
           read: Callable[[str], T | None], errors: list[SourceError]) -> tuple[T | None, str]:
    """The value of `field` (`keys`, from `Keys.of`, may give it): the first key's present
    (`read` reads one, adding an error and returning None for a value given wrongly), and
    that key; an error at each later key that gives another value."""
    if len(keys) == 1:  # the common case: no alias
        return read(keys[0]), keys[0]
    first: tuple[T, str] | None = None
    for key in keys:
        value = read(key)
        if value is None:
            continue
        if first is None:
            first = value, key
        elif value != first[0]:
            aliases = " and ".join(f"'{name}'" for name in (first[1], key) if name != field)
            errors.append(doc.error(
                (key,), f"'{key}' and '{first[1]}' (line {doc.where((first[1],), key=True)[0]}"
                f") disagree on {_WHAT[field]}",
                f"keep one of them (blogkit reads {aliases} as '{field}')", key=True))
    return (first[0], first[1]) if first is not None else (None, keys[0])


def extra_value(doc: YamlDoc, data: dict[str, Any], keys: Keys, errors: list[SourceError]
                ) -> dict[str, Any] | None:
    """`extra:` with the other tools' keys added (an error for one that `extra:` gives
    too, differently); None (an error added) if `extra:` is no mapping."""
    extra = data.get("extra", {})
    if not isinstance(extra, dict):
        errors.append(doc.error(("extra",), "extra must be a mapping"))
        return None
    if not keys.extra:
        return dict(extra)
    merged = dict(extra)
    for key in keys.extra:
        if key in extra and extra[key] != data[key]:
            errors.append(doc.error((key,), f"'{key}' and 'extra: {{{key}: ...}}' (line "
                                    f"{doc.where(('extra', key), key=True)[0]}) disagree",
                                    "keep one of them (blogkit keeps other tools' keys in "
                                    "extra)", key=True))
        merged[key] = data[key]
    return merged


def flag_value(doc: YamlDoc, data: dict[str, Any], key: str, errors: list[SourceError]
               ) -> bool | None:
    """Whether `key` makes the post a draft (`draft: true`, Jekyll's `published: false`);
    None if it is not given, or (with an error) not true or false."""
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, bool):
        errors.append(doc.error((key,), f"{key} must be true or false"))
        return None
    return value if key == "draft" else not value
