"""OUTPUT CLASHES: what a build's outputs and static files cannot all be on a disk.

Two things writing the same file, a file where another output needs a folder, a name
longer than a file system allows: each reported, before anything is written, naming the
user's file behind it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from .errors import SourceError
from .render import Output
from .writer import StaticFile

NAME_MAX = 255
"""Bytes a file or folder name may have (ext4, APFS, NTFS in UTF-16 units, most others)."""


def collisions(outputs: Sequence[Output], statics: Sequence[StaticFile]) -> list[SourceError]:
    """Report what cannot be written, naming the user's files behind it.

    Two things writing the same file; a file where another output needs a folder
    (`feed.json.md` at the root is the page `feed.json/index.html`, beside the feed
    `feed.json`); a file or folder name longer than NAME_MAX bytes.
    """
    seen: dict[str, tuple[str, Path | None]] = {}
    errors: list[SourceError] = []
    entries = [(o.path, o.source, o.origin) for o in outputs] + [
        (s.path, str(s.source), s.source) for s in statics]
    for path, source, origin in entries:
        key = path.lower() if os.name == "nt" else path
        if key in seen:
            # Point at the user's file: a post, a page or a static file, never a template.
            where = origin or seen[key][1] or Path(source)
            errors.append(SourceError(where, None, None,
                                      f"two things write {path}: {seen[key][0]} and {source}",
                                      "rename or move one of them"))
        else:
            seen[key] = (source, origin)
    folders: set[str] = set()
    for path, source, origin in entries:
        if len(path) * 4 > NAME_MAX and _long_name(path):  # a character is 4 bytes at most
            errors.append(SourceError(
                origin or Path(source), None, None,
                f"the output {path} has a name of {len(_long_name(path).encode('utf-8'))} "
                f"bytes; file systems allow {NAME_MAX}",
                "give the post a shorter `slug:` in its front matter (a CJK character is 3 "
                "bytes in UTF-8), or rename the file"))
        folder = path
        while "/" in folder:  # each folder once: a site's outputs share most of theirs
            folder = folder.rsplit("/", 1)[0]
            if folder in folders:
                break
            folders.add(folder)
    for folder in sorted(folders & seen.keys() if os.name != "nt" else
                         {f.lower() for f in folders} & seen.keys()):
        file_source, file_origin = seen[folder]
        path, source, origin = next(entry for entry in entries
                                    if entry[0].lower().startswith(folder.lower() + "/"))
        errors.append(SourceError(
            file_origin or origin or Path(source), None, None,
            f"{file_source} writes the file {folder}, but {source} needs a folder "
            f"there (for {path})",
            "rename the page or give it another `slug:`: the site's feeds, sitemap "
            "and other generated files keep their names"))
    return errors


def _long_name(path: str) -> str:
    """The first name in `path` longer than NAME_MAX bytes, or ""."""
    return next((part for part in path.split("/")
                 if len(part.encode("utf-8", "surrogatepass")) > NAME_MAX), "")
