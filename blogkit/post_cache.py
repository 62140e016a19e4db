"""POST CACHE: the posts of earlier builds, found by a file's bytes or by its stamp.

A Post is a function of the file's bytes, its path and the configuration (and of what
blogkit makes of them: its version and `content.POST_SHAPE`), so it is kept on disk under
a digest of those; files with mistakes are not kept (their errors are
found, and reported, anew). A file whose stamp (mtime, ctime, size, inode, device) is one
an earlier build kept is not even read: the stamp names the digest its bytes had.
Stamps are kept only of files unchanged for `RACY_NS` when looked at, so a write in the
same timestamp tick as a build's reading cannot go unseen (git's rule for its index);
any write sets the ctime, which no tool can set back.
"""

from __future__ import annotations

import os
from pathlib import Path
from time import time_ns
from typing import TYPE_CHECKING

from . import __version__
from .config import SiteConfig
from .digest import digest
from .store import PickleStore

if TYPE_CHECKING:  # content.py reads files through this module
    from .content import Post

CACHE_NAME = "posts.sqlite"
STAMP_TABLE = "stamp"
RACY_NS = 3_000_000_000
"""A file changed less than this long before it was looked at may change again within the
same timestamp tick (file systems keep times to a few milliseconds, FAT to two seconds):
then its stamp is not kept, and the next build reads it again."""
STAMPS_SEE_EVERY_WRITE = os.name != "nt"
"""Whether a file's ctime changes with every write. On Windows it is the creation time, so
a rewrite that kept the size and put the mtime back would keep its stamp: there, every
file is read by every build."""


class PostCache:
    """The disk cache of posts, open for one build's reading (use as a context manager)."""

    def __init__(self, config: SiteConfig) -> None:
        from .content import POST_SHAPE, Post

        self.looked_at = time_ns()
        # POST_SHAPE: a post kept by another shape of Post (of the same version) is not found.
        self.settings = digest(__version__, POST_SHAPE, repr(config))
        path = config.cache_dir / CACHE_NAME
        self.posts = PickleStore(path, "post", Post)
        self.stamps = PickleStore(path, STAMP_TABLE, str)
        self.keys: dict[Path, str] = {}
        """The key of each file's post, known by its stamp or its bytes."""
        self._fresh: dict[str, Post] = {}
        self._fresh_stamps: dict[str, str] = {}

    def __enter__(self) -> PostCache:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if exc[0] is None:
                self.posts.put_many(self._fresh)
                self.stamps.put_many(self._fresh_stamps)
        finally:
            self.posts.close()
            self.stamps.close()

    def by_stamp(self, stats: dict[Path, os.stat_result]) -> dict[Path, Post]:
        """The posts of the files whose stamps an earlier build kept."""
        if not STAMPS_SEE_EVERY_WRITE:
            return {}
        stamp_keys = {str(path): self._stamp_key(path, stat) for path, stat in stats.items()}
        keys = self.stamps.get_many(stamp_keys)
        found = self.posts.get_many(keys)
        self.keys.update((Path(name), keys[name]) for name in found)
        return {Path(name): post for name, post in found.items()}

    def by_bytes(self, raw: dict[Path, bytes]) -> dict[Path, Post]:
        """The posts of the files whose bytes an earlier build read."""
        keys = {str(path): digest(self.settings, str(path), data) for path, data in raw.items()}
        self.keys.update((Path(name), key) for name, key in keys.items())
        return {Path(name): post for name, post in self.posts.get_many(keys).items()}

    def keep(self, path: Path, stat: os.stat_result, post: Post, read_now: bool,
             new: bool) -> None:
        """Remember a valid post: under its bytes' key if `new` (parsed by this build), and
        under its stamp if it was `read_now` and has been unchanged for RACY_NS."""
        key = self.keys[path]
        if new:
            self._fresh[key] = post
        if read_now and STAMPS_SEE_EVERY_WRITE and \
                self.looked_at - max(stat.st_mtime_ns, stat.st_ctime_ns) > RACY_NS:
            self._fresh_stamps[self._stamp_key(path, stat)] = key

    def _stamp_key(self, path: Path, stat: os.stat_result) -> str:
        return digest(self.settings, str(path), stat.st_mtime_ns, stat.st_ctime_ns,
                      stat.st_size, stat.st_ino, stat.st_dev)
