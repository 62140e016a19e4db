"""DIGEST: one stable digest for every cache key and page digest."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

from blogkit.digest import digest


def test_parts_are_told_apart_by_their_boundaries_and_kinds() -> None:
    assert digest("ab", "c") != digest("a", "bc")
    assert digest(b"abc") != digest("abc")  # bytes as they are, a str by its repr
    assert digest(("a",)) != digest("a")
    assert digest() != digest("")
    assert digest("公式", 1, None) == digest("公式", 1, None)


def test_the_same_in_every_process() -> None:
    # hash() of a str changes with each process (PYTHONHASHSEED); digests must not.
    parts = ("posts/vae/index.zh.md", b"\x00\xff", Path("a/b"),
             datetime(2025, 1, 2, tzinfo=timezone.utc), {"k": (1, 2.5)})
    code = ("import datetime; from pathlib import PosixPath, WindowsPath; "
            f"from blogkit.digest import digest; print(digest(*{parts!r}))")
    others = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True).stdout.strip() for _ in range(2)}
    assert others == {digest(*parts)}
