"""STATICS: the files a site publishes as they are: theme assets, static/, page bundles'
files and, when a page shows a formula, KaTeX's stylesheet and fonts.

A site's static/ overrides the theme's file of the same path. Files starting with a dot,
and symbolic links that lead out of their folder, are not published.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .config import SiteConfig
from .content import Post
from .formulas import katex_static_files
from .templates import THEME_DIR
from .writer import StaticFile

StaticsMemo = dict[object, list[StaticFile]]
"""The dev server's: static files by where they come from (see `static_files`)."""


def static_files(config: SiteConfig, posts: Sequence[Post], needs_math: bool,
                 memo: StaticsMemo | None = None, rescan: bool = True) -> list[StaticFile]:
    """Theme assets, then the site's static/ (overriding the theme's by path), bundles, KaTeX.

    With a `memo` (the dev server's), static/ is walked again only when `rescan` (the
    watcher saw a change in it), and each bundle's and KaTeX's files are listed once.
    """
    memo = {} if memo is None else memo
    if "static" not in memo or rescan:
        memo["static"] = _folder_files((THEME_DIR / "static", config.root / "static"))
    statics = list(memo["static"])
    fresh: StaticsMemo = {"static": memo["static"]}
    for post in posts:
        if not post.assets:
            continue
        key = (post.url, post.assets)
        found = memo.get(key)
        if found is None:
            found = [StaticFile(post.url.lstrip("/") + name, asset)
                     for name, asset in zip(post.asset_names(), post.assets, strict=True)]
        statics.extend(found)
        fresh[key] = found
    if needs_math:
        fresh["katex"] = memo.get("katex") or katex_static_files()
        statics.extend(fresh["katex"])
    memo.clear()
    memo.update(fresh)
    return statics


def _folder_files(folders: tuple[Path, ...]) -> list[StaticFile]:
    """The files of `folders`, a later folder's file replacing an earlier one's of its path."""
    chosen: dict[str, StaticFile] = {}
    for folder in folders:
        if folder.is_dir():
            inside = folder.resolve()
            for path in sorted(folder.rglob("*")):
                # A symlink that leads out of static/ is not published (nor served).
                if path.is_file() and not path.name.startswith(".") and \
                        path.resolve().is_relative_to(inside):
                    rel = path.relative_to(folder).as_posix()
                    chosen[rel] = StaticFile(rel, path)
    return list(chosen.values())
