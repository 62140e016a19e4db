"""Helpers to write small test sites and build them (shared by several test modules).

    root = write_site(tmp_path, make_posts(3))  # blogkit.yaml is BASE_CONFIG unless given
    result = build_site(root)  # -> blogkit.build.BuildResult, output in root/public

Paths in a site dict are relative to the site folder; text is written as UTF-8, bytes as is.
"""

from __future__ import annotations

import json
import os
import time
from datetime import date, timedelta
from pathlib import Path

from blogkit.build import BuildOptions, BuildResult, build

BASE_CONFIG = """\
base_url: https://example.com/blog/
timezone: UTC
per_page: 12
languages:
  - code: zh
    name: 中文
    title: 测试博客
    description: 一个用于测试的双语博客。
    hero: 读论文、推公式、写代码。
  - code: en
    name: English
    title: Test Blog
    description: A bilingual blog for tests.
    hero: Reading papers, deriving formulas, writing code.
categories:
  Generative Model: {zh: 生成模型, en: Generative Model}
  Computer Vision: {zh: 计算机视觉, en: Computer Vision}
  Self-Supervised: {zh: 自监督学习, en: Self-Supervised}
  Deep Learning: {zh: 深度学习, en: Deep Learning}
  3D Model: {zh: 三维模型, en: 3D Model}
"""
"""blogkit.yaml: base path /blog/, zh (default) + en, 12 posts a page, five categories, UTC."""

FIRST_DAY = date(2025, 1, 1)
"""The date of make_posts' first post."""
CATEGORIES = ("Generative Model", "Computer Vision", "Self-Supervised", "Deep Learning",
              "3D Model")


def write_site(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write `files` ({relative path: text or bytes}) under `root`; return `root`.

    `blogkit.yaml` is BASE_CONFIG unless `files` gives one of its own.
    """
    files = {"blogkit.yaml": BASE_CONFIG, **files}
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
    return root


def sample_site(zh_posts: int) -> dict[str, str]:
    """A whole small site: `zh_posts` zh posts (10 in en), the feature post, an about page."""
    return {
        **make_posts(zh_posts, langs=("zh",)),
        **make_posts(10, langs=("en",)),
        "content/posts/feature/index.zh.md": feature_post("zh"),
        "content/posts/feature/index.en.md": feature_post("en"),
        "content/posts/feature/fig.svg": FEATURE_FIGURE,
        "content/about.zh.md": post_text("关于", "2025-01-01", "关于本站。"),
        "content/about.en.md": post_text("About", "2025-01-01", "About this site."),
    }


def files(folder: Path) -> dict[str, bytes]:
    """Every file below `folder` by its relative path, with its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def write_file(root: Path, name: str, text: str) -> None:
    """Write one file of a site, with an mtime later than any before it.

    Rebuilds notice a file by its size and mtime; a coarse file-system clock must not
    hide an edit made right after the previous one.
    """
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    later = max(time.time_ns(), path.stat().st_mtime_ns) + 10_000_000
    os.utime(path, ns=(later, later))


def build_site(root: Path, output: Path | None = None) -> BuildResult:
    """Build the site in `root` into `output` (default `root/public`) with the library API."""
    return build(BuildOptions(source=root, output=output or root / "public"))


def post_text(title: str, day: str, body: str, categories: str = "", tags: str = "") -> str:
    """A Markdown file: front matter (title, date, optional categories/tags) and `body`."""
    front = f"title: {json.dumps(title, ensure_ascii=False)}\ndate: {day}\n"  # JSON is YAML
    if categories:
        front += f"categories: [{categories}]\n"
    if tags:
        front += f"tags: [{tags}]\n"
    return f"---\n{front}---\n{body}\n"


def make_posts(n: int, langs: tuple[str, ...] = ("zh", "en"), with_math: bool = True
               ) -> dict[str, str]:
    """Return n simple posts in each of `langs`, as `{content path: text}`.

    Post i (0-based) is `content/posts/post-NN/index.<lang>.md`, dated FIRST_DAY plus i
    days (so post n-1 is the newest), with category CATEGORIES[i % 5]; zh posts are titled
    `第 i 篇文章`, the others `Post number i`. With `with_math` its
    body holds the inline formula `$x_{i}^2$` and the display formula `\\[\\sum_i a_i\\]`.
    """
    files: dict[str, str] = {}
    for i in range(n):
        day = (FIRST_DAY + timedelta(days=i)).isoformat()
        category = CATEGORIES[i % len(CATEGORIES)]
        for lang in langs:
            if lang == "zh":
                title, text = f"第 {i} 篇文章", f"这是第 {i} 篇测试文章的正文。"
            else:
                title, text = f"Post number {i}", f"This is the body of test post {i}."
            body = text
            if with_math:
                body += "\n\n$x_{i}^2$ " + ("是一个公式。" if lang == "zh" else "is a formula.")
                body += "\n\n\\[\\sum_i a_i\\]"
            files[f"content/posts/post-{i:02d}/index.{lang}.md"] = post_text(
                title, day, body, categories=category)
    return files


def feature_post(lang: str, day: str = "2025-12-01") -> str:
    """A post using every Markdown feature worth checking in HTML and in a browser.

    A title and a heading with math, two more headings (so the post has a table of
    contents), a footnote, a table with a formula, a highlighted code block, inline and
    display math, a link to `post-00` and a bundle image `fig.svg` (write FEATURE_FIGURE
    beside it). Meant as `content/posts/feature/index.<lang>.md`.
    """
    zh = lang == "zh"
    body = f"""\
{"特性测试的引言，带一个脚注" if zh else "The introduction of the feature test, with a footnote"}\
[^note] {"和公式" if zh else "and a formula"} $\\alpha + \\beta$.

## {"损失函数" if zh else "The loss"} $\\mathcal{{L}}(\\theta)$

| {"符号" if zh else "Symbol"} | {"含义" if zh else "Meaning"} |
|---|---|
| $\\theta$ | {"参数" if zh else "parameters"} |
| `lr` | {"学习率" if zh else "learning rate"} |

$$
\\mathcal{{L}}(\\theta) = \\sum_{{i=1}}^{{n}} (y_i - f_\\theta(x_i))^2
$$

## {"代码" if zh else "Code"}

```python
def loss(y, y_hat):
    return ((y - y_hat) ** 2).mean()
```

### {"图与链接" if zh else "Figure and link"}

![{"示意图" if zh else "diagram"}](fig.svg)

{"见" if zh else "See"} [{"第 0 篇" if zh else "post 0"}](../post-00/index.{lang}.md).

[^note]: {"脚注的内容。" if zh else "The footnote text."}
"""
    title = "特性测试：$E = mc^2$" if zh else "Feature test: $E = mc^2$"
    return post_text(title, day, body, categories="Deep Learning",
                     tags="扩散模型, KaTeX" if zh else "Diffusion, KaTeX")


FEATURE_FIGURE = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="60" viewBox="0 0 120 60">'
    '<rect width="120" height="60" fill="#4a90d9"/></svg>\n')
"""The bundle image of `feature_post`: `content/posts/feature/fig.svg`."""
