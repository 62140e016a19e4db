"""The one way tests write small sites: blogkit.yaml from parameters, posts, a build.

    root = make_site(tmp_path, make_posts(3))            # the base configuration
    root = make_site(tmp_path, {"content/posts/a.md": post("A", "2026-01-01", "Text.")},
                     per_page=2, languages=("en",))     # what differs, as parameters
    result = build_site(root)  # -> blogkit.build.BuildResult, output in root/public

Test modules import these helpers (`from conftest import make_site, post`): pytest's
default ("prepend") import mode puts this folder on sys.path and loads this file as the
module `conftest`, which the import then finds. Paths in a site dict are relative to the
site folder; text is written as UTF-8, bytes as is.
"""

from __future__ import annotations

import functools
import json
import os
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from blogkit.build import BuildOptions, BuildResult, build

BASE_URL = "https://example.com/blog/"
"""The base configuration's `base_url`: every root-relative link starts with /blog/."""
LANGUAGES: dict[str, dict[str, str]] = {
    "zh": {"name": "中文", "title": "测试博客", "description": "一个用于测试的双语博客。",
           "hero": "读论文、推公式、写代码。"},
    "en": {"name": "English", "title": "Test Blog", "description": "A bilingual blog for tests.",
           "hero": "Reading papers, deriving formulas, writing code."},
    "ja": {"name": "日本語", "title": "ブログ"},
}
"""The languages `site_config` knows by code (the base configuration has zh and en)."""
CATEGORIES: dict[str, dict[str, str]] = {
    "Generative Model": {"zh": "生成模型", "en": "Generative Model"},
    "Computer Vision": {"zh": "计算机视觉", "en": "Computer Vision"},
    "Self-Supervised": {"zh": "自监督学习", "en": "Self-Supervised"},
    "Deep Learning": {"zh": "深度学习", "en": "Deep Learning"},
    "3D Model": {"zh": "三维模型", "en": "3D Model"},
}
"""The base configuration's categories, with their labels per language."""
FIRST_DAY = date(2025, 1, 1)
"""The date of make_posts' first post."""


def site_config(
    base_url: str = BASE_URL,
    *,
    timezone: str = "UTC",
    per_page: int = 12,
    languages: Sequence[str | Mapping[str, str]] = ("zh", "en"),
    categories: Sequence[str] = tuple(CATEGORIES),
    **settings: object,
) -> str:
    """The text of a blogkit.yaml; by default the base configuration.

    The base: base path /blog/, zh (default) and en, 12 posts a page, the five CATEGORIES,
    UTC. A language is a code of LANGUAGES, or a dict with a `code` whose keys replace
    that language's (`{"code": "zh", "title": "博客"}`). Categories are names of
    CATEGORIES. Other settings (`author`, `math`, `feeds`...) are written as given.
    """
    chosen = [{"code": lang, **LANGUAGES[lang]} if isinstance(lang, str)
              else {"code": lang["code"], **LANGUAGES.get(lang["code"], {}), **lang}
              for lang in languages]
    codes = {lang["code"] for lang in chosen}
    labels = {name: {code: label for code, label in CATEGORIES[name].items() if code in codes}
              for name in categories}  # labels of other languages would be errors
    data = {"base_url": base_url, "timezone": timezone, "per_page": per_page,
            "languages": chosen, "categories": labels, **settings}
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=None,
                          width=200)


def make_site(root: Path, files: Mapping[str, str | bytes] | None = None, **config: object
              ) -> Path:
    """Write a site into `root` (made if missing); return `root`.

    blogkit.yaml is `site_config(**config)`; `files` ({relative path: text or bytes})
    are the rest, and may not hold a blogkit.yaml of their own.
    """
    files = files or {}
    assert "blogkit.yaml" not in files, "give the configuration as make_site's parameters"
    everything = {"blogkit.yaml": site_config(**config), **files}
    for name, data in everything.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
    return root


def post(title: str, date: str, body: str, **front: object) -> str:
    """A Markdown file: front matter (title, date, then `front` in order) and `body`.

    Every value is written as JSON (which is YAML): `categories=["3D Model"]`,
    `draft=True`, `extra={"image": "cover.png"}`. The body starts on line 5 when
    `front` is empty.
    """
    fields = {"title": title, "date": date, **front}
    lines = "".join(f"{key}: {json.dumps(value, ensure_ascii=False)}\n"
                    for key, value in fields.items())
    return f"---\n{lines}---\n{body}\n"


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


def files(folder: Path) -> dict[str, bytes]:
    """Every file below `folder` by its relative path, with its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def make_posts(n: int, langs: tuple[str, ...] = ("zh", "en"), with_math: bool = True
               ) -> dict[str, str]:
    """Return n simple posts in each of `langs`, as `{content path: text}`.

    Post i (0-based) is `content/posts/post-NN/index.<lang>.md`, dated FIRST_DAY plus i
    days (so post n-1 is the newest), with the category list(CATEGORIES)[i % 5]; zh posts
    are titled `第 i 篇文章`, the others `Post number i`. With `with_math` its
    body holds the inline formula `$x_{i}^2$` and the display formula `\\[\\sum_i a_i\\]`.
    """
    names = list(CATEGORIES)
    made: dict[str, str] = {}
    for i in range(n):
        day = (FIRST_DAY + timedelta(days=i)).isoformat()
        for lang in langs:
            if lang == "zh":
                title, text = f"第 {i} 篇文章", f"这是第 {i} 篇测试文章的正文。"
            else:
                title, text = f"Post number {i}", f"This is the body of test post {i}."
            body = text
            if with_math:
                body += "\n\n$x_{i}^2$ " + ("是一个公式。" if lang == "zh" else "is a formula.")
                body += "\n\n\\[\\sum_i a_i\\]"
            made[f"content/posts/post-{i:02d}/index.{lang}.md"] = post(
                title, day, body, categories=[names[i % len(names)]])
    return made


def sample_site(zh_posts: int) -> dict[str, str]:
    """A whole small site: `zh_posts` zh posts (10 in en), the feature post, an about page."""
    return {
        **make_posts(zh_posts, langs=("zh",)),
        **make_posts(10, langs=("en",)),
        "content/posts/feature/index.zh.md": feature_post("zh"),
        "content/posts/feature/index.en.md": feature_post("en"),
        "content/posts/feature/fig.svg": FEATURE_FIGURE,
        "content/about.zh.md": post("关于", "2025-01-01", "关于本站。"),
        "content/about.en.md": post("About", "2025-01-01", "About this site."),
    }


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
    return post(title, day, body, categories=["Deep Learning"],
                tags=["扩散模型", "KaTeX"] if zh else ["Diffusion", "KaTeX"])


FEATURE_FIGURE = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="60" viewBox="0 0 120 60">'
    '<rect width="120" height="60" fill="#4a90d9"/></svg>\n')
"""The bundle image of `feature_post`: `content/posts/feature/fig.svg`."""


def read_counted(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every content file whose bytes are read from now on (Path.read_bytes still reads)."""
    reads: list[Path] = []
    real = Path.read_bytes

    def counted(self: Path) -> bytes:
        if self.suffix == ".md":
            reads.append(self)
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", counted)
    return reads


class _StaticHandler(SimpleHTTPRequestHandler):
    """A built public/ folder under the site's base path, as a plain static host serves
    it (GitHub Pages: files, folders' index.html, the root 404.html for anything missing,
    no `_redirects`), quietly."""

    base_path = "/blog/"

    def send_error(self, code: int, message: str | None = None,
                   explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def translate_path(self, path: str) -> str:
        inner = self.base_path.rstrip("/")
        return super().translate_path(path[len(inner):] if path.startswith(inner) else path)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@contextmanager
def static_host(public: Path, base_path: str = "/blog/") -> Iterator[str]:
    """Serve `public` at `base_path`; yield `http://127.0.0.1:PORT` + `base_path`."""
    handler = type("Handler", (_StaticHandler,), {"base_path": base_path})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0),
                                functools.partial(handler, directory=str(public)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}{base_path}"
    finally:
        httpd.shutdown()
        httpd.server_close()


CHROMIUM = Path("/usr/bin/chromium")
"""Debian's chromium, which Playwright drives (its own browsers are never downloaded)."""
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
_NO_CHROMIUM = f"{CHROMIUM} is not installed (outside CI, browser tests are optional)"
needs_chromium = pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"),
                                    reason=_NO_CHROMIUM)
"""A browser test: skipped without chromium, except in CI, where that is a failure."""


def skip_without_chromium() -> None:
    """Skip the calling module of browser tests without chromium, except in CI."""
    if not CHROMIUM.exists() and not os.environ.get("CI"):
        pytest.skip(_NO_CHROMIUM, allow_module_level=True)


@pytest.fixture(scope="module")
def playwright() -> Iterator[Any]:
    """Playwright, for a module's browser tests (in CI, a missing chromium fails them)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is not installed, and browser tests are required in CI")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Any) -> Iterator[Any]:
    """One chromium for a module's browser tests."""
    launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield launched
    launched.close()
