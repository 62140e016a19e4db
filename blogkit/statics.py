"""STATICS: the files a site publishes as they are: theme assets, static/, page bundles'
files and their images' resized variants (from the cache: `images.make_variants` makes
the missing ones) and, when a page shows a formula, KaTeX's stylesheet and fonts.

A site's static/ overrides the theme's file of the same path. Files starting with a dot,
and symbolic links that lead out of their folder, are not published.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .config import SiteConfig
from .content import Post
from .formulas import katex_static_files
from .images import variant_files
from .templates import THEME_DIR
from .writer import StaticFile


def static_files(config: SiteConfig, posts: Sequence[Post], needs_math: bool
                 ) -> list[StaticFile]:
    """Theme assets, then the site's static/ (overriding the theme's by path), bundles and
    their variants, KaTeX."""
    statics = _folder_files((THEME_DIR / "static", config.root / "static"))
    for post in posts:
        statics.extend(StaticFile(post.url.lstrip("/") + name, asset)
                       for name, asset in zip(post.asset_names(), post.assets, strict=True))
    statics.extend(variant_files(config, posts))
    if needs_math:
        statics.extend(katex_static_files())
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
