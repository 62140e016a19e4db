"""LOAD helper: content/ walked once: its Markdown files, each folder's assets, and the
files that cannot be either (refused with an error, never opened)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from .errors import SourceError


@dataclass(frozen=True)
class ContentScan:
    markdown: list[Path]
    """Every Markdown file, in walk order."""
    others: list[Path]
    """Every other file."""
    assets: dict[str, tuple[Path, ...]]
    """Per folder (as a string): the other files in it and in the folders below it, sorted."""
    refused: tuple[SourceError, ...] = ()
    """Files that cannot be pages or assets (a named pipe, a name with a line break)."""

    def assets_beside(self, markdown: Path) -> tuple[Path, ...]:
        """The assets of the bundle whose index file is `markdown`."""
        return self.assets.get(os.path.dirname(markdown), ())

    @cached_property
    def seen(self) -> frozenset[Path]:
        """Every file found (for the dev server's watcher)."""
        return frozenset(self.markdown).union(self.others)


def walk_content(content: Path) -> ContentScan:
    """Walk content/ once: the Markdown files, and each folder's other files.

    Paths are strings until the end (a site has thousands of files, and pathlib's joins,
    parents and comparisons cost several times more); sorted as pathlib sorts them.
    Folders are walked as `os.walk` does (links to folders are not followed). What cannot
    be a page or an asset is refused with an error and never opened: a named pipe, socket
    or device (reading a pipe would wait forever), and a name with a line break or other
    control character, or bytes that are not UTF-8.
    """
    markdown: list[str] = []
    others: dict[str, list[str]] = {}
    refused: list[SourceError] = []
    pending = [str(content)]
    while pending:
        folder = pending.pop()
        try:
            with os.scandir(folder) as found:
                entries = sorted(found, key=lambda entry: entry.name)
        except OSError:
            continue  # unreadable, or gone since it was listed: as os.walk skips it
        inner: list[str] = []
        for entry in entries:
            name = entry.name
            if name.startswith((".", "_")):
                continue
            path = os.path.join(folder, name)
            if _BAD_NAME.search(name):
                refused.append(_bad_name(Path(path), name))
            elif _is(entry.is_dir):
                if not entry.is_symlink():
                    inner.append(path)
            elif not _is(entry.is_file) and os.path.exists(path):
                refused.append(_not_a_file(Path(path)))
            else:  # a file, or a link to nothing (reported when read or copied)
                (markdown if name.endswith(".md") else others.setdefault(folder, [])).append(path)
        pending.extend(reversed(inner))

    # A bundle's assets are the files in its folder and in the folders below it.
    as_paths = {path: Path(path) for paths in others.values() for path in paths}
    below: dict[str, list[str]] = {}
    top = os.path.dirname(content)
    for owner, paths in others.items():
        ancestor = owner
        while ancestor != top and ancestor != os.path.dirname(ancestor):
            below.setdefault(ancestor, []).extend(paths)
            ancestor = os.path.dirname(ancestor)
    return ContentScan([Path(path) for path in markdown], list(as_paths.values()), {
        folder: tuple(as_paths[path] for path in sorted(paths, key=_parts))
        for folder, paths in below.items()}, tuple(refused))


def _is(test: Callable[[], bool]) -> bool:
    """`entry.is_dir()` or `entry.is_file()`, False for a link loop (which they raise)."""
    try:
        return test()
    except OSError:
        return False


_BAD_NAME = re.compile("[\x00-\x1f\x7f\u2028\u2029\ud800-\udfff]")
"""Control characters and line separators, and the surrogates that stand for a name's bytes
that are not UTF-8 (`os.fsdecode`)."""


def _bad_name(path: Path, name: str) -> SourceError:
    if re.search("[\ud800-\udfff]", name):
        problem = "the name is not valid UTF-8"
    else:
        problem = "the name has a line break or another control character"
    return SourceError(path, None, None, problem,
                       "rename it: a URL, a feed and an error line cannot hold such a name")


def _not_a_file(path: Path) -> SourceError:
    import stat  # only for a mistake

    mode = os.stat(path).st_mode
    kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
            else "a device" if stat.S_ISBLK(mode) or stat.S_ISCHR(mode) else "not a file")
    return SourceError(path, None, None, f"{kind}, not a regular file",
                       "content/ holds only regular files (and folders): move it out, or "
                       "replace it by the file it stands for")


def _parts(path: str) -> list[str]:
    return path.split(os.sep)
