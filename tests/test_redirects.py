"""REDIRECTS: `aliases:` of front matter → redirect pages and `_redirects`, collisions at
the alias's line, the same bytes in incremental builds, and a redirect followed in Chromium."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    build_site,
    files,
    make_site,
    needs_chromium,
    post,
    write_file,
)

from blogkit.errors import BuildError


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


def test_blogkit_yaml_redirects_and_a_bundle_s_files(tmp_path: Path) -> None:
    make_site(tmp_path, {
        "content/posts/vae/index.md": post("VAE", "2025-01-01", "![](elbo.png)",
                                           aliases=["/2019/09/vae/", "/vae.html"]),
        "content/posts/vae/elbo.png": b"\x89PNG\r\n\x1a\n",
        "content/posts/plain.md": post("Plain", "2025-01-02", "x", aliases=["/old/plain/"]),
    }, redirects={"/posts/": "/archives/", "/posts/index.xml": "/rss.xml",
                  "/zh/": "/", "/标签/": "https://example.org/tags/"})
    build_site(tmp_path)
    out = files(tmp_path / "public")
    rules = out["_redirects"].decode().splitlines()[1:]
    assert rules[:7] == [  # the posts newest first, then blogkit.yaml's in its order
        "/blog/old/plain/ /blog/posts/plain/ 301",  # no bundle: no files to send on
        "/blog/2019/09/vae/ /blog/posts/vae/ 301",
        "/blog/2019/09/vae/* /blog/posts/vae/:splat 301",  # elbo.png at its old URL
        "/blog/vae.html /blog/posts/vae/ 301",  # a file's URL: no folder of files below it
        "/blog/posts/ /blog/archives/ 301",
        "/blog/posts/index.xml /blog/rss.xml 301",
        "/blog/zh/ /blog/ 301"]
    assert rules[7] == "/blog/%E6%A0%87%E7%AD%BE/ https://example.org/tags/ 301"
    assert b'http-equiv="refresh" content="0; url=/blog/archives/"' in out["posts/index.html"]
    assert b'<link rel="canonical" href="https://example.com/blog/">' in out["zh/index.html"]
    assert b"url=https://example.org/tags/" in out["标签/index.html"]
    assert "posts/index.xml" not in out  # a feed reader follows no page: the 301 only


def test_a_redirect_where_the_site_has_a_file_is_an_error_at_its_line(tmp_path: Path) -> None:
    make_site(tmp_path, {
        "content/posts/a.md": post("A", "2025-01-01", "x", aliases=["/old/a/"]),
    }, redirects={"/posts/a/": "/", "/rss.xml": "/atom.xml", "/old/a": "/", "/fine/": "/"})
    with pytest.raises(BuildError) as raised:
        build_site(tmp_path)
    lines = (tmp_path / "blogkit.yaml").read_text().splitlines()
    shown = [(e.path.name, lines[e.line - 1][e.col - 1:].split(":")[0], e.message)
             for e in raised.value.errors if e.line and e.col]  # the key, at line:col
    assert shown == [
        ("blogkit.yaml", "/posts/a/", "redirect '/posts/a/' is the path of a file this site "
         "writes (posts/a/index.html)"),
        ("blogkit.yaml", "/rss.xml", "redirect '/rss.xml' is the path of a file this site "
         "writes (rss.xml)"),
        ("blogkit.yaml", "/old/a", "redirect '/old/a' answers the same path as posts/a.md")]


@pytest.mark.parametrize(("setting", "message"), [
    ("redirects: [/a/]", "redirects must be a mapping of old paths to new ones"),
    ("redirects: {old/: /}", "redirect 'old/' is not a path from the site root"),
    ("redirects: {/a/../../b/: /}", "redirect '/a/../../b/' is not a path from the site root"),
    ("redirects: {/a/: 3}", "the target of redirect '/a/' is not a path from the site root"),
])
def test_a_malformed_redirect_is_a_positioned_error(tmp_path: Path, setting: str,
                                                    message: str) -> None:
    make_site(tmp_path, {"content/posts/a.md": post("A", "2025-01-01", "x")})
    with (tmp_path / "blogkit.yaml").open("a") as config:
        config.write(setting + "\n")
    with pytest.raises(BuildError) as raised:
        build_site(tmp_path)
    [error] = raised.value.errors
    assert error.path.name == "blogkit.yaml" and error.line is not None
    assert error.message.startswith(message), error.message
    assert not (tmp_path / "public").exists()


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


@needs_chromium
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
