"""BUILD CACHE: what a rebuild reuses, each stage's memo in one place.

The dev server keeps one `BuildCache` between rebuilds; a CLI build starts from an empty
one. Each memo belongs to the stage that reads and writes it (content, bodies, formulas,
plan); the rest are the theme's compiled templates and what each can read, and
the last good build's files for the dev server.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .config import CONFIG_NAME
from .content import ContentMemo
from .digest import digest
from .formulas import FormulaMemo
from .markdown import Body
from .page_digests import ShownMemo
from .plan import PlanMemo
from .store import PickleStore
from .templates import THEME_DIR, names_read, site_environment

if TYPE_CHECKING:  # Jinja is imported when a page is rendered
    import jinja2

    from .patch import LastBuild

NAMES_CACHE = "templates.sqlite"
SHOWN_CACHE = "shown.sqlite"


@dataclass(frozen=True)
class TemplateNames:
    """What each template of one theme can read, as kept on disk (see `BuildCache.reads`)."""

    names: dict[str, frozenset[str] | None]


@dataclass
class BuildCache:
    """What a rebuild reuses: each stage's memo, for one `blogkit.yaml`.

    When blogkit.yaml's bytes change, every memo is dropped (the on-disk caches stay). A
    CLI build starts from an empty one; the dev server keeps one between rebuilds. The
    output is the same either way, which the tests check.
    """

    config_bytes: bytes = b""
    content: ContentMemo = field(default_factory=ContentMemo)
    bodies: dict[tuple[str, str], Body] = field(default_factory=dict)
    formulas: FormulaMemo = field(default_factory=FormulaMemo)
    plan: PlanMemo = field(default_factory=PlanMemo)
    shown: ShownMemo | None = None
    """What listings show of each post (None: read from the disk cache when wanted)."""
    templates: object = None
    """The theme files of the last build (see `templates_key`)."""
    jinja: tuple[object, jinja2.Environment] | None = None
    """The Jinja environment and the theme files it was made for (compiled once)."""
    names: dict[str, frozenset[str] | None] = field(default_factory=dict)
    """What each template can read (`reads`), for the theme files `names_for`."""
    names_for: object = None
    outputs: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    """The dev server's last good build: path -> (digest, bytes)."""
    record: dict[str, Any] = field(default_factory=dict)
    """What that build said of its output (see `_keep_output`)."""
    last: LastBuild | None = None
    """The last dev-server build, when it succeeded: where the text-edit path starts."""

    def check_config(self, root: Path) -> None:
        """Forget everything if blogkit.yaml changed since the last build."""
        path = root / CONFIG_NAME
        current = path.read_bytes() if path.is_file() else b""
        if current != self.config_bytes:
            fresh = BuildCache(config_bytes=current)
            self.__dict__.update(fresh.__dict__)

    def check_templates(self, root: Path) -> object:
        """Return what stands for the theme files (names, sizes, mtimes; a change re-renders
        every page), and forget the planned jobs if they changed: jobs hold UI strings."""
        key = templates_key(root)
        if key != self.templates:
            self.templates, self.plan = key, PlanMemo()
        return key

    def environment(self, root: Path, key: object, cache_dir: Path) -> jinja2.Environment:
        """The Jinja environment, made anew only when the theme files (`key`) changed; it
        keeps compiled templates in `cache_dir`."""
        if self.jinja is None or self.jinja[0] != key:
            self.jinja = (key, site_environment(root, cache_dir))
        return self.jinja[1]

    def reads(self, root: Path, key: object, cache_dir: Path, template: str
              ) -> frozenset[str] | None:
        """What `template` can read (see `templates.names_read`), found once per theme and
        kept on disk: a build that renders nothing need not parse a template."""
        if self.names_for != key:
            with PickleStore(cache_dir / NAMES_CACHE, "names", TemplateNames) as disk:
                found = disk.get_many({"theme": digest(__version__, key)}).get("theme")
            self.names_for, self.names = key, dict(found.names) if found else {}
        if template not in self.names:
            self.names[template] = names_read(self.environment(root, key, cache_dir),
                                              template)
            with PickleStore(cache_dir / NAMES_CACHE, "names", TemplateNames) as disk:
                disk.put_many({digest(__version__, key): TemplateNames(dict(self.names))})
        return self.names[template]

    def shown_digests(self, cache_dir: Path, site_key: str) -> ShownMemo:
        """What listings showed of each post in the last build (from disk the first time)."""
        if self.shown is None or self.shown.site_key != site_key:
            with PickleStore(cache_dir / SHOWN_CACHE, "shown", tuple) as disk:
                found = disk.get_many({"last": "last"}).get("last")
            # One entry, the last build's: digests for another site key are never asked for.
            digests = found[1] if found is not None and len(found) == 2 and \
                found[0] == site_key and isinstance(found[1], dict) else {}
            self.shown = ShownMemo(digests, site_key=site_key)
        return self.shown

    def keep_shown(self, cache_dir: Path) -> None:
        if self.shown is not None and self.shown.changed:
            with PickleStore(cache_dir / SHOWN_CACHE, "shown", tuple) as disk:
                disk.put_many({"last": (self.shown.site_key, self.shown.digests)})


def templates_key(root: Path) -> tuple[tuple[str, int, int], ...]:
    """Name, size and mtime of every template (and theme UI string file) that can be used:
    any change re-renders all."""
    found = []
    for folder in (root / "templates", THEME_DIR / "templates", THEME_DIR / "i18n"):
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    stat = path.stat()
                    found.append((str(path), stat.st_size, stat.st_mtime_ns))
    return tuple(found)
