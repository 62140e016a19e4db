"""RENDER: pages rendered from a plan, in this process or in a pool of workers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sites import files, make_posts, write_site

from blogkit.bodies import POOL_THRESHOLD as BODY_POOL_THRESHOLD
from blogkit.render import POOL_THRESHOLD as PAGE_POOL_THRESHOLD

_BUILD_WITH = """\
import multiprocessing, os, sys
multiprocessing.set_start_method(sys.argv[1])
forks = []
os.register_at_fork(before=lambda: forks.append(1))  # Node's process is not forked so
from blogkit.cli import main
status = main(["build", "-s", sys.argv[2], "--jobs", "2"])
print("forks:", len(forks))
raise SystemExit(status)
"""


def _built_with(start_method: str, root: Path) -> tuple[dict[str, bytes], int]:
    """The site built with pools started by `start_method`, and how many forks it made."""
    done = subprocess.run([sys.executable, "-c", _BUILD_WITH, start_method, str(root)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return files(root / "public"), int(done.stdout.rsplit("forks:", 1)[1])


@pytest.mark.parametrize("method", ["spawn", "forkserver"])
def test_pools_started_by_any_method_make_the_same_bytes_as_fork(tmp_path: Path,
                                                                   method: str) -> None:
    # Enough posts for both pools: bodies and pages are rendered in workers.
    posts = make_posts(max(BODY_POOL_THRESHOLD, PAGE_POOL_THRESHOLD // 2) + 8)
    forked, forks = _built_with("fork", write_site(tmp_path / "fork", posts))
    other, none = _built_with(method, write_site(tmp_path / method, posts))
    assert forks >= 4  # two workers for the bodies, two for the pages
    assert none == 0
    assert len(forked) > PAGE_POOL_THRESHOLD
    assert other == forked
