"""NEW: `blogkit new site` and `blogkit new post`, run as an author runs them (no
standard input, CI=true), and what they make built and checked as it is."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from checkers import check_workflow
from conftest import make_site

from blogkit import __version__


def blogkit(*args: str, cwd: Path, env: dict[str, str] | None = None
            ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "blogkit", *args], cwd=cwd,
                          capture_output=True, text=True, stdin=subprocess.DEVNULL,
                          env={**os.environ, "CI": "true", **(env or {})}, timeout=300,
                          check=False)


def front(path: Path) -> dict[str, object]:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    data = yaml.safe_load(text.split("---\n")[1])
    assert isinstance(data, dict)
    return data


def test_a_new_site_builds_and_checks_at_once(tmp_path: Path) -> None:
    made = blogkit("new", "site", "my-blog", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert "cd my-blog" in made.stdout and "blogkit serve" in made.stdout
    site = tmp_path / "my-blog"
    names = sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file())
    assert names == [
        ".github/workflows/deploy.yml", ".gitignore", "blogkit.yaml", "content/about.en.md",
        "content/about.zh.md", "content/posts/hello-blogkit/figure.svg",
        "content/posts/hello-blogkit/index.en.md", "content/posts/hello-blogkit/index.zh.md",
        "requirements.txt", "static/.gitkeep"]
    config = (site / "blogkit.yaml").read_text(encoding="utf-8")
    assert config.count("\n# ") >= 8  # every setting is explained
    assert "/public/" in (site / ".gitignore").read_text(encoding="utf-8")
    assert f"blogkit=={__version__}" in (site / "requirements.txt").read_text(encoding="utf-8")
    built = blogkit("build", cwd=site)
    assert built.returncode == 0, built.stderr
    assert built.stderr == ""  # not a terminal: no progress lines, only the summary
    page = (site / "public/posts/hello-blogkit/index.html").read_text(encoding="utf-8")
    assert 'class="katex-display"' in page and 'class="highlight"' in page
    assert 'src="/posts/hello-blogkit/figure.svg"' in page
    assert (site / "public/posts/hello-blogkit/figure.svg").is_file()
    assert (site / "public/en/about/index.html").is_file()
    checked = blogkit("check", cwd=site)
    assert (checked.returncode, checked.stdout) == (0, "check: 0 problems, 0 listed\n")


def test_the_workflow_is_the_starter_one_and_valid(tmp_path: Path) -> None:
    assert blogkit("new", "site", "b", cwd=tmp_path).returncode == 0
    workflow = tmp_path / "b/.github/workflows/deploy.yml"
    starter = Path(__file__).parents[1] / "blogkit/starter/deploy.yml"
    assert workflow.read_bytes() == starter.read_bytes()
    done = check_workflow(workflow)
    assert done.returncode == 0, done.stdout + done.stderr
    text = workflow.read_text(encoding="utf-8")
    for needed in ("actions/configure-pages", "actions/upload-pages-artifact",
                   "actions/deploy-pages", '--base-url "$BASE_URL"',
                   "pip install -r requirements.txt", "blogkit check", ".blogkit-cache"):
        assert needed in text, needed


def test_one_language_title_and_base_url(tmp_path: Path) -> None:
    done = blogkit("new", "site", "en-blog", "--lang", "en", "--title", "Signal & Noise",
                   "--base-url", "https://me.github.io/notes", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    site = tmp_path / "en-blog"
    config = yaml.safe_load((site / "blogkit.yaml").read_text(encoding="utf-8"))
    assert config["base_url"] == "https://me.github.io/notes/"
    assert [(lang["code"], lang["title"]) for lang in config["languages"]] == [
        ("en", "Signal & Noise")]
    assert not (site / "content/about.zh.md").exists()
    built = blogkit("build", cwd=site)
    assert built.returncode == 0, built.stderr
    assert "Signal &amp; Noise" in (site / "public/index.html").read_text(encoding="utf-8")


def test_never_writes_into_a_folder_that_holds_anything(tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken/notes.txt").write_text("mine", encoding="utf-8")
    done = blogkit("new", "site", "taken", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith("blogkit: error: taken is not an empty folder")
    assert [p.name for p in (tmp_path / "taken").iterdir()] == ["notes.txt"]
    bad = blogkit("new", "site", "x", "--lang", "Chinese", cwd=tmp_path)
    assert bad.returncode == 2 and "'Chinese' is not a language code" in bad.stderr
    assert not (tmp_path / "x").exists()
    (tmp_path / "empty").mkdir()
    assert blogkit("new", "site", "empty", cwd=tmp_path).returncode == 0


@pytest.fixture()
def site(tmp_path: Path) -> Path:
    return make_site(tmp_path / "site", {}, timezone="Pacific/Kiritimati")


def test_a_new_post_with_translations_is_a_draft_that_builds(site: Path) -> None:
    done = blogkit("new", "post", "Diffusion Models 101", "--category", "generative model",
                   "--tags", "DDPM, 扩散", "--translate", "en", cwd=site)
    assert done.returncode == 0, done.stderr
    bundle = site / "content/posts/diffusion-models-101"
    assert sorted(p.name for p in bundle.iterdir()) == ["index.en.md", "index.zh.md"]
    today = datetime.now(ZoneInfo("Pacific/Kiritimati")).date()  # UTC+14: the site's day
    data = front(bundle / "index.zh.md")
    assert data == {"title": "Diffusion Models 101", "date": today,
                    "categories": ["Generative Model"], "tags": ["DDPM", "扩散"], "draft": True}
    assert front(bundle / "index.en.md") == data
    assert "Write here." in (bundle / "index.en.md").read_text(encoding="utf-8")
    assert "在这里写正文" in (bundle / "index.zh.md").read_text(encoding="utf-8")
    built = blogkit("build", "--drafts", cwd=site)
    assert built.returncode == 0, built.stderr
    assert (site / "public/posts/diffusion-models-101/index.html").is_file()
    assert (site / "public/en/posts/diffusion-models-101/index.html").is_file()
    again = blogkit("new", "post", "Diffusion Models 101", cwd=site)
    assert again.returncode == 2 and "exists already" in again.stderr


def test_a_chinese_title_gets_its_pinyin(site: Path) -> None:
    pytest.importorskip("pypinyin")
    done = blogkit("new", "post", "变分自编码器：从 ELBO 说起", cwd=site)
    assert done.returncode == 0, done.stderr
    assert (site / "content/posts/bian-fen-zi-bian-ma-qi-cong-elbo-shuo-qi/index.zh.md"
            ).is_file()


def test_without_pypinyin_the_slug_is_the_date_and_the_ascii_words(site: Path,
                                                                   tmp_path: Path) -> None:
    hidden = tmp_path / "no-pypinyin" / "pypinyin"
    hidden.mkdir(parents=True)
    (hidden / "__init__.py").write_text("raise ImportError('not installed')\n",
                                        encoding="utf-8")
    env = {"PYTHONPATH": str(hidden.parent)}
    day = datetime.now(ZoneInfo("Pacific/Kiritimati")).strftime("%Y%m%d")
    done = blogkit("new", "post", "变分自编码器：从 ELBO 说起", cwd=site, env=env)
    assert done.returncode == 0, done.stderr
    assert (site / f"content/posts/{day}-elbo/index.zh.md").is_file()
    chinese_only = blogkit("new", "post", "扩散模型", "--lang", "zh", cwd=site, env=env)
    assert chinese_only.returncode == 0, chinese_only.stderr
    assert (site / f"content/posts/{day}-post/index.zh.md").is_file()
    built = blogkit("build", "--drafts", cwd=site)
    assert built.returncode == 0, built.stderr
    assert (site / f"public/posts/{day}-elbo/index.html").is_file()


def test_the_sites_archetype_makes_new_posts(site: Path) -> None:
    (site / "archetypes").mkdir()
    (site / "archetypes/post.md").write_text(
        "---\ntitle: {{ title | yaml }}\ndate: {{ date }}\nextra: {series: ml}\n"
        "draft: true\n---\n\n> TL;DR\n\n## {{ 'Background' if lang == 'en' else '背景' }}\n",
        encoding="utf-8")
    done = blogkit("new", "post", "Notes: on Adam", "--slug", "adam", "--lang", "en", cwd=site)
    assert done.returncode == 0, done.stderr
    text = (site / "content/posts/adam/index.en.md").read_text(encoding="utf-8")
    assert text.startswith('---\ntitle: "Notes: on Adam"\n')
    assert text.endswith("> TL;DR\n\n## Background\n")


def test_new_post_mistakes(tmp_path: Path, site: Path) -> None:
    nowhere = blogkit("new", "post", "A", cwd=tmp_path)
    assert nowhere.returncode == 1
    assert "blogkit new site DIR" in nowhere.stderr and "Traceback" not in nowhere.stderr
    category = blogkit("new", "post", "A", "--category", "Physics", cwd=site)
    assert category.returncode == 2
    assert "'Physics' is not a category of the site (categories: Generative Model," \
        in category.stderr
    language = blogkit("new", "post", "A", "--translate", "fr", cwd=site)
    assert language.returncode == 2 and "'fr' is not a language of the site" in language.stderr
    assert not (site / "content/posts").exists()
