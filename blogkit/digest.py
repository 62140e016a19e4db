"""DIGEST: the one function that names what a cached or compared thing is made of.

Every cache key, page digest and change stamp in blogkit is `digest(...)` of the values
it stands for, so every key is made, and read, the same way.
"""

from __future__ import annotations

import hashlib


def digest(*parts: object) -> str:
    """A stable digest of `parts`: bytes as they are, anything else by its `repr`.

    Meant for plain values (str, numbers, bytes, paths, dates, tuples and dicts of them),
    whose `repr` is the same in every process, unlike `hash` of a string. Each part is
    prefixed by its length, so ("ab", "c") and ("a", "bc") differ.
    """
    hasher = hashlib.blake2b(digest_size=16)
    for part in parts:
        data = part if isinstance(part, bytes) else repr(part).encode("utf-8")
        hasher.update(len(data).to_bytes(8, "little"))
        hasher.update(data)
    return hasher.hexdigest()
