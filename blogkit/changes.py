"""CHANGES: what the dev server's watcher saw, sorted by the kind of input it changed.

Each kind is redone by the stages that read it: the configuration (everything), the
templates and theme (every page), static files (the list of files to serve), content
(the posts read again; when only their text changed, the text-edit path of patch.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .config import CONFIG_NAME


@dataclass(frozen=True)
class Changes:
    """Files changed since the last build, by kind (absolute paths)."""

    config: bool = False
    templates: frozenset[Path] = frozenset()
    static: frozenset[Path] = frozenset()
    content: frozenset[Path] = frozenset()

    @property
    def content_only(self) -> bool:
        """Whether only files under content/ changed (and some did)."""
        return bool(self.content) and not (self.config or self.templates or self.static)


def classify(root: Path, paths: Iterable[Path]) -> Changes:
    """Sort `paths` (under the site folder `root`) by the input they belong to; paths
    outside the site's inputs (the output, the cache) are left out."""
    found: dict[str, set[Path]] = {"templates": set(), "static": set(), "content": set()}
    config = False
    for path in paths:
        if path == root / CONFIG_NAME:
            config = True
            continue
        for kind, bucket in found.items():
            if path.is_relative_to(root / kind):
                bucket.add(path)
    return Changes(config, frozenset(found["templates"]), frozenset(found["static"]),
                   frozenset(found["content"]))
