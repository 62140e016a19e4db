"""REDIRECTS: `aliases:` of front matter → redirect pages and `_redirects`, collisions at
the alias's line, the same bytes in incremental builds, and a redirect followed in Chromium."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import build_site, files, make_site, post, write_file

from blogkit.errors import BuildError

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def aliased_site(root: Path, **extra: object) -> Path:
    return make_site(root, {
        "content/posts/vae.md": post("VAE <1>", "2025-01-01", "text",
                                     aliases=["/2019/09/23/vae.html", "/old/vae/"]),
        "content/posts/ddpm.en.md": post("DDPM", "2025-01-02", "text", aliases=["/ddpm"]),
        **{k: str(v) for k, v in extra.items()},
    })


def test_each_alias_gets_a_page_and_a_301(tmp_path: Path) -> None:
    build_site(aliased_site(tmp_path))
    out = files(tmp_path / "public")
    page = out["2019/09/23/vae.html"].decode()
    assert '<meta http-equiv="refresh" content="0; url=/blog/posts/vae/">' in page
    assert '<link rel="canonical" href="https://example.com/blog/posts/vae/">' in page
    assert '<a href="/blog/posts/vae/">VAE &lt;1&gt;</a>' in page and "<script" not in page
    assert out["old/vae/index.html"] == out["2019/09/23/vae.html"]
    assert b"url=/blog/en/posts/ddpm/" in out["ddpm/index.html"]
    rules = out["_redirects"].decode().splitlines()[1:]
    assert rules[:3] == ["/blog/2019/09/23/vae.html /blog/posts/vae/ 301",
                         "/blog/old/vae/ /blog/posts/vae/ 301",
                         "/blog/ddpm /blog/en/posts/ddpm/ 301"]
    assert "/blog/en/index.xml /blog/en/rss.xml 301" in rules


def test_a_site_without_aliases_writes_no_redirects(tmp_path: Path) -> None:
    make_site(tmp_path, {"content/posts/a.md": post("A", "2025-01-01", "x")})
    build_site(tmp_path)
    assert "_redirects" not in files(tmp_path / "public")


def test_an_alias_on_a_page_is_an_error_at_its_line(tmp_path: Path) -> None:
    make_site(tmp_path, {
        "content/posts/a.md": post("A", "2025-01-01", "x", aliases=["/posts/b/"]),
        "content/posts/b.md": post("B", "2025-01-01", "x"),
        "content/posts/c.md": post("C", "2025-01-01", "x", aliases=["/x/"]),
        "content/posts/d.md": post("D", "2025-01-01", "x", aliases=["/x"]),
    })
    with pytest.raises(BuildError) as raised:
        build_site(tmp_path)
    shown = [(e.path.name, e.line, e.message) for e in raised.value.errors]
    assert shown == [
        ("a.md", 4, "alias '/posts/b/' is the URL of a page of this site (posts/b/index.html)"),
        ("d.md", 4, "alias '/x' is also an alias of posts/c.md"),
    ]


def test_incremental_builds_write_the_same_bytes(tmp_path: Path) -> None:
    redirects = ("2019/09/23/vae.html", "old/vae/index.html", "ddpm/index.html", "_redirects")
    build_site(aliased_site(tmp_path))
    first = files(tmp_path / "public")
    inode = (tmp_path / "public/_redirects").stat().st_ino
    write_file(tmp_path, "content/posts/other.md", post("Other", "2025-01-03", "y"))
    build_site(tmp_path)
    second = files(tmp_path / "public")
    assert "posts/other/index.html" in second
    assert [second[name] for name in redirects] == [first[name] for name in redirects]
    assert (tmp_path / "public/_redirects").stat().st_ino == inode  # kept, not rewritten


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`blogkit serve` of the aliased site (as tests/test_browser.py starts it)."""
    from test_browser import _wait_until_serving

    from blogkit.serve import free_port

    root = aliased_site(tmp_path_factory.mktemp("redirects"))
    build_site(root)
    log_path = root.parent / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "blogkit", "serve", "-s", str(root), "--port",
             str(free_port())], stdout=log, stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        yield _wait_until_serving(process, log_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"),
                    reason=f"{CHROMIUM} is not installed (outside CI, browser tests are optional)")
def test_the_browser_follows_an_old_url_to_the_post(served: str) -> None:
    from playwright.sync_api import sync_playwright

    base = served.removesuffix("blog/")
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(java_script_enabled=False)  # no script is needed
            for old, new in (("blog/2019/09/23/vae.html", "blog/posts/vae/"),
                             ("blog/old/vae/", "blog/posts/vae/"),
                             ("blog/ddpm/", "blog/en/posts/ddpm/")):
                page.goto(base + old)
                page.wait_for_url(base + new, timeout=10_000)
                assert page.locator("h1").first.inner_text() in ("VAE <1>", "DDPM")
        finally:
            browser.close()
