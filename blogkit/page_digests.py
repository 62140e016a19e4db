"""PAGE DIGESTS: a stable digest per planned page, standing for everything it shows.

A page whose digest is the one its file was made from last time is not rendered again.
Views count by their digests, and a listing counts a post only by what its template can
read of it (`shown_digest`), so an edit past a post's excerpt re-renders its page alone.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .digest import digest
from .markdown import PLACEHOLDER, Body
from .templates import LinkView, PagerView, PostView

if TYPE_CHECKING:
    from .plan import PageJob

@dataclass
class ShownMemo:
    """Shown digests (see `shown_digest`) by (view digest, names read), for one site key.

    A view's digest stands for everything the view is made of, and the site key for the
    configuration and theme, so a shown digest taken by one build holds for the next: CLI
    builds keep them on disk, and after an edit take anew only the edited posts'.
    """

    digests: dict[tuple[str, frozenset[str]], str] = field(default_factory=dict)
    site_key: str = ""
    """The site key the digests were taken for."""
    changed: bool = False
    """Set by `job_digests` when it took or dropped any (then they are worth saving)."""


def job_digests(jobs: Sequence[PageJob], site_key: str, pages_key: str,
                reads: Reads | None = None, shown_memo: ShownMemo | None = None) -> list[str]:
    """A stable digest per job: the same digest renders the same bytes, in any process.

    `site_key` stands for what every page depends on (configuration, templates, blogkit
    and KaTeX versions), `pages_key` for the site's set of pages. `reads(template)` says
    which attribute names a template can read (see `templates.names_read`): a post view
    counts in a page's digest only by what its template can show of it, so a listing
    does not change when a post's text changes past its excerpt. `shown_memo` (for
    `site_key`) answers what it can, and is left holding what this plan's pages show.
    """
    digests = []
    before = shown_memo.digests if shown_memo is not None else {}
    # This plan's shown digests, by the view's digest (it stands for the view, in any build).
    shown: dict[tuple[str, frozenset[str]], str] = {}
    names_of: dict[str, frozenset[str] | None] = {}
    for job in jobs:
        if job.template not in names_of:
            names_of[job.template] = reads(job.template) if reads is not None else None
        names = names_of[job.template]

        def view_key(view: PostView, names: frozenset[str] | None = names) -> str:
            if names is None or _shows_body(names):
                return view.digest
            key = (view.digest, names)
            if key not in shown:
                shown[key] = before.get(key) or shown_digest(view, names)
            return shown[key]

        digests.append(digest(site_key, pages_key, job.template, job.page_id, job.lang,
                              job.url, job.title, job.description, job.needs_math, job.needs_code,
                              str(job.origin) if job.origin else "",
                              fingerprint(job.context, view_key)))
    if shown_memo is not None:
        shown_memo.changed = shown != before
        shown_memo.digests = shown
    return digests


Reads = Callable[[str], "frozenset[str] | None"]
"""reads(template): the attribute names the template can read; None: any."""
_BODY_NAMES = frozenset({"html", "toc", "first_image", "entry"})
"""What a post view shows of its whole body: a template reading any of them depends on it."""
_PLAIN_NAMES = tuple(f.name for f in dataclasses.fields(PostView)
                     if f.name not in ("entry", "digest"))


def shown_digest(view: PostView, names: frozenset[str] | None) -> str:
    """Stands for what a template that reads only `names` can show of `view`.

    The title's and excerpt's HTML count by what they are made of (placeholders, resolved
    links, the TeX of their formulas), so nothing is filled in to take it. A template that
    can read the whole body, or any name, gets the view's full digest.
    """
    if names is None or _shows_body(names):
        return view.digest
    entry = view.entry
    parts: list[object] = [(name, fingerprint(getattr(view, name))) for name in _PLAIN_NAMES
                           if name in names]
    if "title_html" in names:
        parts.append(_with_formulas(entry.body.title_html, entry.body))
    if "excerpt_html" in names:
        parts.append(_with_formulas(entry.linked_excerpt_html, entry.body))
    return digest(*parts)


def _shows_body(names: frozenset[str]) -> bool:
    """Whether a template reading `names` can show all of a view (its digest stands for it)."""
    return not names.isdisjoint(_BODY_NAMES)


def _with_formulas(text: str, body: Body) -> tuple[str, tuple[tuple[str, bool], ...]]:
    return text, tuple((body.formulas[int(index)].tex, body.formulas[int(index)].display)
                       for index in PLACEHOLDER.findall(text))


def fingerprint(value: object, view_key: Callable[[PostView], str] | None = None) -> object:
    """Stand-in for a page's context in its digest: plain values, views by their digests.

    A post view (possibly holding a long body) or a pager counts as its digest, so a
    listing of hundreds of posts costs a few strings; `view_key` may give a post view's
    digest instead (what the page's template shows of it).
    """
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (PostView, PagerView)):
        if not value.digest:  # made outside plan(): it would collide with every other one
            raise TypeError(f"a {type(value).__name__} without a digest in a page's context")
        if view_key is not None and isinstance(value, PostView):
            return view_key(value)
        return value.digest
    if isinstance(value, LinkView):
        return (value.label, value.url, value.lang, value.current, value.count)
    if isinstance(value, dict):
        return tuple(sorted((str(k), fingerprint(v, view_key)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(fingerprint(item, view_key) for item in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__,
                *(fingerprint(getattr(value, f.name), view_key)
                  for f in dataclasses.fields(value)))
    raise TypeError(f"no stable digest for a {type(value).__name__} in a page's context")
