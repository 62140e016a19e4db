"""RENDER helper: the Jinja environment, and the view objects templates receive.

Views are the theme API (documented in the README): templates see these dataclasses and
nothing of the internal model. A site's `templates/` folder overrides the built-in theme
by file name; an override can extend the original as `theme/<name>`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .images import ImageView

if TYPE_CHECKING:  # Jinja is imported when a page is rendered
    import jinja2


THEME_DIR = Path(str(resources.files("blogkit") / "theme"))


@dataclass(frozen=True)
class LinkView:
    """A labelled link: a category, a tag, a translation, a page number."""

    label: str
    url: str
    lang: str = ""
    current: bool = False
    count: int = 0


@dataclass(frozen=True)
class SeriesView:
    """A series (front matter `series:`): its box on a post's page, and its own page."""

    name: str
    url: str
    """Its page, listing its posts."""
    total: int
    """Posts in it, in this language."""
    posts: tuple[LinkView, ...]
    """Its posts, oldest first; on a post's page, `current` marks that post."""
    position: int = 0
    """On a post's page: the post's place in the series, from 1 (else 0)."""


@dataclass(frozen=True)
class PostView:
    """A post or page as templates see it.

    `html`, `excerpt_html`, `title_html` and `toc` are read from the entry behind the view
    when a template asks for them, so a page that is not rendered never fills them in.
    """

    title: str
    """Plain text (formulas as readable text): for <title> and attributes."""
    url: str
    lang: str
    date_iso: str
    date_text: str
    updated_iso: str
    categories: tuple[LinkView, ...]
    tags: tuple[LinkView, ...]
    has_more: bool
    reading_minutes: int
    translations: tuple[LinkView, ...]
    has_math: bool
    description: str
    extra: dict[str, Any]
    prev: LinkView | None = None
    """The older neighbour in this language."""
    next: LinkView | None = None
    """The newer neighbour in this language."""
    cover: ImageView | None = None
    """`extra.image` with its size and variants (see `links.cover_image`), or None."""
    related: tuple[LinkView, ...] = ()
    """Up to five posts of this language sharing its tags or categories, most related
    first (none when nothing relates; see `site.Site.related`)."""
    series: SeriesView | None = None
    """The series the post is in, with its place in it; None when it is in none."""
    entry: Any = field(default=None, repr=False, compare=False)
    """The `site.Entry` shown (not for templates: use the properties)."""
    digest: str = field(default="", repr=False, compare=False)
    """Stable digest of everything the view is made of (for page digests)."""

    @property
    def title_html(self) -> str:
        return str(self.entry.title_html)

    @property
    def excerpt_html(self) -> str:
        return str(self.entry.excerpt_html)

    @property
    def html(self) -> str:
        return str(self.entry.html)

    @property
    def toc(self) -> tuple[Any, ...]:
        return tuple(self.entry.toc)

    @property
    def first_image(self) -> str:
        """The first image of the body (for link previews)."""
        return str(self.entry.first_image)


@dataclass(frozen=True)
class PagerView:
    number: int
    total: int
    pages: tuple[LinkView, ...]
    prev_url: str
    next_url: str
    digest: str = field(default="", repr=False, compare=False)
    """Stable digest of what the pager is made of (for page digests)."""


@dataclass(frozen=True)
class TermView:
    """The category or tag a listing shows."""

    kind: str
    """`categories` or `tags`."""
    name: str
    """As written in front matter."""
    label: str
    """As shown in the page's language."""
    slug: str
    count: int
    """Posts in it, in this language."""


@dataclass(frozen=True)
class SiteView:
    title: str
    description: str
    hero: str
    base_url: str
    home_url: str
    author: str
    languages: tuple[LinkView, ...]
    """Each language's home, labelled with the language's own name."""
    theme: dict[str, Any]
    extra: dict[str, Any]


@dataclass(frozen=True)
class FeedLinkView:
    """A feed for autodiscovery: `<link rel="alternate" type=... title=... href=...>`."""

    title: str
    url: str
    """Absolute URL."""
    type: str
    """Media type: application/atom+xml, application/rss+xml or application/feed+json."""


@dataclass(frozen=True)
class SocialMeta:
    """What a page tells link previews and search engines: Open Graph, Twitter, JSON-LD."""

    title: str = ""
    """The page's own title (no site title after it), plain text."""
    type: str = "website"
    """og:type: `article` on posts, `website` on every other page."""
    site_name: str = ""
    locale: str = ""
    """og:locale of the page's language (`zh_CN`, `en_US`)."""
    locale_alternates: tuple[str, ...] = ()
    """og:locale of the other languages this page exists in."""
    published: str = ""
    """On posts: publication time, RFC 3339 (article:published_time)."""
    modified: str = ""
    """On posts: time of the last real change (`updated`, else the date)."""
    tags: tuple[str, ...] = ()
    """On posts: article:tag."""
    image: str = ""
    """Absolute URL of the page's image: `extra.image`, else the first image of the post."""
    structured_data: dict[str, Any] | None = None
    """JSON-LD (`BlogPosting` on posts); write it with `{{ ... | tojson }}`, which escapes
    `<`, `>`, `&` and `'` so nothing in it can end the `<script>`."""


@dataclass(frozen=True)
class PageMeta:
    """What every page's head and chrome need."""

    lang: str
    url: str
    canonical: str
    title: str
    description: str
    alternates: tuple[LinkView, ...]
    """hreflang alternates (absolute URLs), with an `x-default` entry."""
    switcher: tuple[LinkView, ...]
    """Every language: this page in it where it exists, else its home; `current` marks ours."""
    needs_math: bool
    """The page shows formulas: it links KaTeX's stylesheet."""
    nav: tuple[LinkView, ...]
    feeds: tuple[FeedLinkView, ...] = ()
    """The language's feeds; on a category page, that category's feeds too."""
    social: SocialMeta = field(default_factory=SocialMeta)
    needs_code: bool = False
    """The page shows code blocks: it links css/highlight.css."""


def site_environment(root: Path, cache_dir: Path) -> jinja2.Environment:
    """The environment of the site at `root`, its compiled templates kept in `cache_dir`."""
    compiled = cache_dir / "jinja"
    compiled.mkdir(parents=True, exist_ok=True)
    return create_environment(root / "templates", compiled)


def create_environment(site_templates: Path, compiled: Path | None = None) -> jinja2.Environment:
    """Return the Jinja environment: site templates first, then the built-in theme.

    `compiled`: a folder where Jinja keeps templates compiled to Python bytecode (checked
    against each template's source), so a new process does not compile them again.
    """
    import jinja2

    theme = jinja2.FileSystemLoader(str(THEME_DIR / "templates"))
    loaders: list[jinja2.BaseLoader] = []
    if site_templates.is_dir():
        loaders.append(jinja2.FileSystemLoader(str(site_templates)))
    loaders.append(theme)
    loader = jinja2.ChoiceLoader([*loaders, jinja2.PrefixLoader({"theme": theme})])
    env = jinja2.Environment(
        loader=loader,
        autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # An environment is made for one set of theme files (see BuildCache.environment):
        # it need not check each template's mtime every time a page asks for it.
        auto_reload=False,
        bytecode_cache=jinja2.FileSystemBytecodeCache(str(compiled)) if compiled else None,
    )
    env.filters["urlencode_path"] = encode_url
    # `tojson` (JSON-LD) keeps CJK readable; it still escapes <, >, & and ' as \u003c etc.
    env.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": False}
    return env


def encode_url(url: str) -> str:
    """Percent-encode a URL's path (CJK tag slugs) and leave its structure alone.

    A pure function called for every link of every page: its results are kept.
    """
    return quote(url, safe="/#?=&%:+@,;~")


_ATTRIBUTE_FILTERS = frozenset({"attr", "map", "sort", "groupby", "selectattr", "rejectattr",
                                "sum", "min", "max", "unique", "dictsort"})
"""Filters that read attributes named by their arguments (`map(attribute="url")`)."""


def names_read(env: jinja2.Environment, name: str) -> frozenset[str] | None:
    """Every attribute name template `name` can read, through what it extends, includes and
    imports; None when it cannot be known (a name computed at render time, a template
    chosen at render time, a template that does not parse).

    Over-approximates: `page.title` and `post.title` both count as `title`. Page digests
    use it to leave out of a listing's digest what its template never shows of a post.
    """
    from jinja2 import TemplateError, nodes

    names: set[str] = set()
    seen: set[str] = set()
    todo = [name]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            assert env.loader is not None
            source, _, _ = env.loader.get_source(env, current)
            tree = env.parse(source)
        except TemplateError:
            return None
        for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Filter, nodes.Extends,
                                   nodes.Include, nodes.Import, nodes.FromImport)):
            if isinstance(node, nodes.Getattr):
                names.add(node.attr)
            elif isinstance(node, nodes.Getitem):
                if isinstance(node.arg, nodes.Const):
                    if isinstance(node.arg.value, str):
                        names.add(node.arg.value)
                elif not isinstance(node.arg, nodes.Slice):
                    return None  # `post[field]`: any attribute
            elif isinstance(node, nodes.Filter):
                if node.name in _ATTRIBUTE_FILTERS:
                    arguments = [*node.args, *(pair.value for pair in node.kwargs)]
                    for argument in arguments:
                        if not isinstance(argument, nodes.Const):
                            return None
                        if isinstance(argument.value, str):
                            names.update(argument.value.split("."))
            else:
                assert isinstance(node, (nodes.Extends, nodes.Include, nodes.Import,
                                         nodes.FromImport))
                chosen = node.template
                choices = chosen.items if isinstance(chosen, (nodes.List, nodes.Tuple)) \
                    else [chosen]
                for choice in choices:
                    if not isinstance(choice, nodes.Const) or not isinstance(choice.value, str):
                        return None  # a template chosen at render time
                    todo.append(choice.value)
    return frozenset(names)
