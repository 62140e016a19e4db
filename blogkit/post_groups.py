"""POST GROUPS: a language's posts grouped beyond categories and tags: the posts related
to each one (shared tags and category), and series (front matter `series:`).

Made by site.assemble with the rest of the `Site`, from the entries of one language.
"""

from __future__ import annotations

import heapq
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .i18n import slugify

if TYPE_CHECKING:  # site.py assembles these with the entries it holds
    from .site import Entry


@dataclass(frozen=True)
class Series:
    """A series (front matter `series:`) in one language, with its posts oldest first."""

    name: str
    """As written in front matter (the first spelling met, oldest post first)."""
    slug: str
    lang: str
    entries: tuple[Entry, ...]
    """Oldest first (ties by translation key)."""

    @property
    def url_path(self) -> str:
        return series_path(self.slug)


def series_path(slug: str = "") -> str:
    """A series' page below its language's prefix (`series/diffusion/`), or, without a
    slug, the page listing every series (`series/`)."""
    return f"series/{slug}/" if slug else "series/"


RELATED_MAX = 5
"""At most this many related posts end a post."""
_TAG_WEIGHT = 2
"""What a tag shared adds to a post's relatedness to another."""
_CATEGORY_WEIGHT = 1
"""What a category shared adds."""


def related_posts(ordered: tuple[Entry, ...]) -> dict[str, tuple[Entry, ...]]:
    """Per post of `ordered` (one language's, newest first): the posts most related to it.

    A post's relatedness to another is `_TAG_WEIGHT` for each tag they share (tags are one
    when their slugs are, as on tag pages) and `_CATEGORY_WEIGHT` for each category; ties
    go to the newer post, then to the translation key (the order of `ordered`). Only
    posts that share something are related.
    """
    total = len(ordered)
    tags = [frozenset(slugify(tag) for tag in entry.post.tags) for entry in ordered]
    tagged: dict[str, list[int]] = {}
    filed: dict[str, list[int]] = {}
    for index, entry in enumerate(ordered):
        for tag in tags[index]:
            tagged.setdefault(tag, []).append(index)
        for name in entry.post.categories:
            filed.setdefault(name, []).append(index)
    found: dict[str, tuple[Entry, ...]] = {}
    for index, entry in enumerate(ordered):
        # Counter.update counts a list in C: each point of relatedness is one count.
        scores: Counter[int] = Counter()
        for members, weight in [*((tagged[tag], _TAG_WEIGHT) for tag in tags[index]),
                                *((filed[name], _CATEGORY_WEIGHT)
                                  for name in entry.post.categories)]:
            for _ in range(weight):
                scores.update(members)
        scores.pop(index, None)
        if scores:
            # One integer per post orders by score (highest first), then by place.
            best = heapq.nsmallest(RELATED_MAX, [other - score * total
                                                 for other, score in scores.items()])
            found[entry.post.rel] = tuple(ordered[key % total] for key in best)
    return found


def series_of_language(code: str, ordered: tuple[Entry, ...]) -> dict[str, Series]:
    """The series of one language's posts, by slug (ordered by name), posts oldest first."""
    names: dict[str, str] = {}
    members: dict[str, list[Entry]] = {}
    for entry in sorted(ordered, key=_oldest_first):
        if entry.post.series is not None:
            slug = slugify(entry.post.series)
            names.setdefault(slug, entry.post.series)  # the first spelling met names it
            members.setdefault(slug, []).append(entry)
    return {slug: Series(names[slug], slug, code, tuple(members[slug]))
            for slug in sorted(names, key=lambda s: (names[s].lower(), s))}


def _oldest_first(entry: Entry) -> tuple[float, str]:
    return (entry.post.date.timestamp(), entry.post.key)
