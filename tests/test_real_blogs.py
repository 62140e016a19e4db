"""END TO END: blogs written for other tools build as they are (tests/realblogs/).

Each folder is a small site whose posts are written the way that tool's authors write
them, from its documentation: a Hugo + blogdown blog (shortcodes, math in code spans,
Hugo code-fence attributes, a dated bundle folder, `lastmod`), a Jekyll course site
(kramdown's `$$` inline math, `layout:` and `mathjax:` keys, a dated file name), a book
chapter in Pandoc's Markdown (`{.python .input}` fences, `^[inline notes]`, a leading
`# Title`) and a Hexo blog (`<!--   more   -->`, tag plugins, GitHub alerts, `!!!`
admonitions). The only file added to each is its `blogkit.yaml`. The tests build each
with the library API, then check the pages with the Nu Html Checker and html5lib.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import html5lib
import pytest
from checkers import vnu_errors

from blogkit.build import BuildOptions, BuildResult, build
from blogkit.errors import BuildError

REAL_BLOGS = Path(__file__).parent / "realblogs"
NS = {"h": "http://www.w3.org/1999/xhtml"}


def built(tmp_path: Path, name: str, keep_going: bool = False) -> tuple[Path, BuildResult]:
    site = tmp_path / name
    shutil.copytree(REAL_BLOGS / name, site)
    result = build(BuildOptions(source=site, keep_going=keep_going, workers=1))
    return site / "public", result


def post_body(page: Path):  # type: ignore[no-untyped-def]
    """The parsed `.post-body` of a built page (html5lib's etree, XHTML namespace)."""
    tree = html5lib.parse(page.read_text(encoding="utf-8"), namespaceHTMLElements=True)
    bodies = [e for e in tree.iter(f"{{{NS['h']}}}div") if e.get("class") == "post-body"]
    assert len(bodies) == 1, page
    return bodies[0]


def by_class(element, tag: str, name: str) -> list:  # type: ignore[no-untyped-def]
    return [e for e in element.iter(f"{{{NS['h']}}}{tag}")
            if name in (e.get("class") or "").split()]


def text(element) -> str:  # type: ignore[no-untyped-def]
    return "".join(element.itertext())


@pytest.mark.parametrize("name", ["hugo", "jekyll", "pandoc", "hexo"])
def test_each_blog_builds_with_no_error_and_valid_html(tmp_path: Path, name: str) -> None:
    public, result = built(tmp_path, name)
    assert result.warnings == []
    pages = sorted(public.rglob("*.html"))
    assert vnu_errors(public, pages) == []
    for page in pages:
        html = page.read_text(encoding="utf-8")
        # Nothing written for the other tool shows as raw text.
        for raw in ("{{<", "{{%", "{%", "%}", "{{ site.", "{.python", "[!TIP]", "!!! "):
            assert raw not in html, (page, raw)


def test_hugo_blogdown_post(tmp_path: Path) -> None:
    public, _ = built(tmp_path, "hugo")
    page = public / "posts" / "vae-notes" / "index.html"  # the date prefix leaves the URL
    html = page.read_text(encoding="utf-8")
    assert '<time datetime="2019-09-23T00:00:00+08:00">' in html  # from the folder name
    assert html.count("变分自编码器笔记</h1>") == 1  # the leading # Title is the title
    body = post_body(page)
    # blogdown's math in code spans is math; other code spans stay code.
    assert len(by_class(body, "span", "katex")) >= 7
    assert len(by_class(body, "span", "katex-display")) == 1
    assert [text(c) for c in body.iter(f"{{{NS['h']}}}code") if not c.get("class")] == [
        "echo $HOME", "price = $5"]
    # Hugo's code fence: linenos and hl_lines=[2,"4-5"].
    lines = by_class(body, "span", "line")
    assert [line.get("data-line") for line in lines] == ["1", "2", "3", "4", "5"]
    assert [line.get("data-line") for line in lines if "hl" in line.get("class")] == [
        "2", "4", "5"]
    images = [img.get("src") for img in body.iter(f"{{{NS['h']}}}img")]
    assert images == ["/posts/vae-notes/elbo.svg", "/images/cn/prior.svg"]
    assert (public / "posts" / "vae-notes" / "elbo.svg").is_file()
    assert (public / "images" / "cn" / "prior.svg").is_file()
    summaries = [text(s) for s in body.iter(f"{{{NS['h']}}}summary")]
    assert summaries == ["为什么要重参数化？"]
    notes = by_class(body, "div", "admonition")
    assert [(n.get("class"), text(n).split("：")[0].strip()) for n in notes] == [
        ("admonition note", "提示KL 项有闭式解")]
    links = {a.get("href") for a in body.iter(f"{{{NS['h']}}}a")}
    assert "/posts/autoregressive/" in links  # {{< ref "../autoregressive/index.md" >}}
    assert "https://www.youtube.com/watch?v=9zKuYvjFFS8" in links
    assert "<iframe" not in html and "ytimg" not in html  # nothing fetched until clicked


def test_hugo_lastmod_and_cjk_emphasis(tmp_path: Path) -> None:
    public, _ = built(tmp_path, "hugo")
    page = public / "posts" / "autoregressive" / "index.html"
    assert "2019-08-03T00:00:00+08:00" in page.read_text(encoding="utf-8")  # lastmod
    body = post_body(page)
    assert [text(s) for s in body.iter(f"{{{NS['h']}}}strong")] == ["真，", "“重点”"]
    titles = [text(t) for t in by_class(body, "p", "admonition-title")]
    assert titles == ["提示"]  # {{< tip >}}: its default title in the page's language


def test_jekyll_kramdown_note(tmp_path: Path) -> None:
    public, _ = built(tmp_path, "jekyll")
    page = public / "posts" / "variable-elimination" / "index.html"
    body = post_body(page)
    paragraphs = list(body.iter(f"{{{NS['h']}}}p"))
    first = paragraphs[0]
    assert "marginal queries of the form" in text(first)
    # kramdown: $$..$$ in running text is inline math, a $$ paragraph is display math.
    assert len(by_class(first, "span", "katex")) == 3
    assert by_class(first, "span", "katex-display") == []
    assert len(by_class(body, "span", "katex-display")) == 2
    cells = list(body.iter(f"{{{NS['h']}}}td"))
    assert [len(by_class(cell, "span", "katex")) for cell in cells] == [1, 1, 0, 1]
    images = [img.get("src") for img in body.iter(f"{{{NS['h']}}}img")]
    assert images == ["/cs228/assets/img/chain.png"]  # root-relative: from the site root
    assert (public / "assets" / "img" / "chain.png").is_file()
    footnotes = by_class(body, "li", "footnote-item")
    assert len(footnotes) == 1 and len(by_class(footnotes[0], "span", "katex")) == 2


def test_pandoc_chapter(tmp_path: Path) -> None:
    public, _ = built(tmp_path, "pandoc")
    for lang, title in (("en", "Linear Regression"), ("zh", "线性回归")):
        prefix = public / "zh" if lang == "zh" else public  # en is the default language
        page = prefix / "posts" / "d2l-linear-regression" / "index.html"
        html = page.read_text(encoding="utf-8")
        assert html.count(f"{title}</h1>") == 1
        body = post_body(page)
        blocks = body.findall(f"{{{NS['h']}}}pre")
        assert [b.get("data-lang") for b in blocks] == ["python", "python", "python", "bash"]
        numbered = by_class(blocks[2], "span", "line")
        assert [line.get("data-line") for line in numbered] == ["3", "4", "5"]  # startFrom
        assert "$HOME stays literal" in text(blocks[3])
        assert len(by_class(body, "span", "katex-display")) == 2
        notes = by_class(body, "li", "footnote-item")  # Pandoc's ^[inline note]
        assert len(notes) == 1 and len(by_class(notes[0], "span", "katex")) == 1


def test_hexo_post(tmp_path: Path) -> None:
    public, _ = built(tmp_path, "hexo")
    page = public / "posts" / "diffusion-intro" / "index.html"
    html = page.read_text(encoding="utf-8")
    assert '<time datetime="2022-07-01T10:00:00+08:00">' in html  # zone-less, site's zone
    assert "2022-07-03T12:30:00+08:00" in html  # updated
    body = post_body(page)
    images = list(body.iter(f"{{{NS['h']}}}img"))
    assert [(i.get("src"), i.get("title") or i.get("alt")) for i in images] == [
        ("/posts/diffusion-intro/forward.svg", "前向加噪过程")]
    kinds = [n.get("class").split()[:2] for n in by_class(body, "div", "admonition")]
    assert kinds == [["admonition", "note"], ["admonition", "tip"], ["admonition", "warning"]]
    titles = [text(t) for t in by_class(body, "p", "admonition-title")]
    assert titles == ["提示", "注意"]  # NexT's note without a summary has no title
    code = [b for b in body.iter(f"{{{NS['h']}}}pre") if b.get("data-lang") == "python"]
    assert len(code) == 1 and "q_sample" in text(code[0])
    assert "采样" in text(body)  # the codeblock's caption
    home = (public / "index.html").read_text(encoding="utf-8")
    assert "扩散模型通过逐步加噪" in home and "前向过程是一个固定的" not in home  # <!-- more -->


def test_broken_jekyll_post_fails_with_positions_then_builds_with_keep_going(
        tmp_path: Path) -> None:
    site = tmp_path / "jekyll"
    shutil.copytree(REAL_BLOGS / "jekyll", site)
    post = site / "content" / "posts" / "2019-09-23-variable-elimination.md"
    source = post.read_text(encoding="utf-8")
    source = source.replace("(/assets/img/chain.png)", "({{ site.baseurl }}/assets/img/chain.png)")
    source += ("\nSee [the previous lecture](../2019-09-16-bayesian-networks.md) and "
               "![a figure](/assets/img/missing.png).\n")
    post.write_text(source, encoding="utf-8")
    rel = "content/posts/2019-09-23-variable-elimination.md"
    lines = source.split("\n")
    liquid_line = next(n for n, line in enumerate(lines, 1) if "site.baseurl" in line)
    link_line = len(lines) - 1

    with pytest.raises(BuildError) as failed:
        build(BuildOptions(source=site, workers=1))
    where = sorted((e.line, e.col) for e in failed.value.errors)
    assert where == [(liquid_line, lines[liquid_line - 1].index("{{") + 1),
                     (link_line, lines[link_line - 1].index("../") + 1),
                     (link_line, lines[link_line - 1].index("/assets/img/missing") + 1)]
    assert not (site / "public").exists()

    done = subprocess.run(
        [sys.executable, "-m", "blogkit", "build", "--keep-going", "-s", str(site)],
        capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    report = done.stdout + done.stderr
    for line, col in where:
        assert f"{rel}:{line}:{col}: warning:" in report
    page = (site / "public" / "posts" / "variable-elimination" / "index.html").read_text(
        encoding="utf-8")
    assert 'href="../2019-09-16-bayesian-networks.md" class="broken-link"' in page
    assert "{{ site.baseurl }}" in page  # shown as written, and reported


@pytest.mark.parametrize("name", ["hugo", "hexo", "pandoc"])
def test_pages_of_each_blog_read_right_in_the_browser(tmp_path: Path, name: str) -> None:
    """Code (in captioned figures too) starts at the left, and a phone gets no sideways
    scroll, light and dark. Screenshots go to $BLOGKIT_SCREENSHOTS when it is set."""
    import http.server
    import os
    import threading

    playwright_api = pytest.importorskip("playwright.sync_api")
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is required in CI")
        pytest.skip("chromium is not installed")
    public, _ = built(tmp_path, name)
    pages = [p for p in public.rglob("index.html") if p.parent.parent.name == "posts"]

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, directory=str(public), **kwargs)  # type: ignore[arg-type]

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    shots = os.environ.get("BLOGKIT_SCREENSHOTS")
    code_blocks = 0
    try:
        with playwright_api.sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=str(chromium),
                                             args=["--no-sandbox", "--disable-gpu"])
            for scheme in ("light", "dark"):
                for width in (1280, 390):
                    view = browser.new_page(viewport={"width": width, "height": 900},
                                            color_scheme=scheme)
                    for page in pages:
                        path = "/" + page.parent.relative_to(public).as_posix() + "/"
                        view.goto(base + path)
                        aligns = view.eval_on_selector_all(
                            ".post-body pre", "els => els.map(e => getComputedStyle(e).textAlign)")
                        assert set(aligns) <= {"left", "start"}, (path, aligns)
                        code_blocks += len(aligns)
                        overflow = view.evaluate(
                            "document.documentElement.scrollWidth - window.innerWidth")
                        assert overflow <= 0, (path, width, overflow)
                        if shots:
                            shot = f"{name}{path.replace('/', '_')}{scheme}-{width}.png"
                            target = Path(shots) / shot
                            target.parent.mkdir(parents=True, exist_ok=True)
                            view.screenshot(path=str(target), full_page=True)
                    view.close()
            browser.close()
    finally:
        httpd.shutdown()
    assert code_blocks > 0
