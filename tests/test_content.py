"""LOAD: content/ -> Post."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from conftest import build_site, make_site, post, read_counted, write_file
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from blogkit import content, post_cache
from blogkit.config import load_config
from blogkit.content import Post, load_content, load_posts
from blogkit.errors import BuildError
from blogkit.post_fields import leading_heading


def posts_of(tmp_path: Path, files: dict[str, str | bytes]) -> list[Post]:
    """The posts of a site of `files` (paths below content/), dates in the +08:00 zone."""
    make_site(tmp_path, {f"content/{name}": text for name, text in files.items()},
              timezone="Asia/Shanghai")
    return load_posts(load_config(tmp_path))


def messages(tmp_path: Path, files: dict[str, str | bytes]) -> list[str]:
    with pytest.raises(BuildError) as caught:
        posts_of(tmp_path, files)
    return [f"{e.path.name}:{e.line}:{e.col}: {e.message} | {e.hint}" for e in caught.value.errors]


def test_bundle_and_leaf_posts_and_pages(tmp_path: Path) -> None:
    posts = posts_of(tmp_path, {
        "posts/vae/index.zh.md": "---\ntitle: 变分\ndate: 2026-01-18\ncategories: 3D Model\n---\n",
        "posts/vae/index.en.md": "---\ntitle: VAE\ndate: 2026-01-18\n---\nbody\n",
        "posts/vae/figure.svg": "<svg/>",
        "posts/gan.md": "---\ntitle: GAN\ndate: 2026-01-19T08:30:00+00:00\nslug: my-gan\n---\n",
        "about.en.md": "---\ntitle: About\ndate: 2026-01-01\n---\n",
    })
    by_rel = {post.rel: post for post in posts}
    zh = by_rel["posts/vae/index.zh.md"]
    en = by_rel["posts/vae/index.en.md"]
    assert (zh.lang, zh.key, zh.url, zh.kind) == ("zh", "posts/vae", "/posts/vae/", "post")
    assert (en.lang, en.key, en.url) == ("en", "posts/vae", "/en/posts/vae/")
    assert zh.categories == ("3D Model",)
    assert [a.name for a in zh.assets] == ["figure.svg"]
    assert en.body == "body\n" and en.body_line == 5
    gan = by_rel["posts/gan.md"]
    assert (gan.lang, gan.url) == ("zh", "/posts/my-gan/")
    assert gan.date.isoformat() == "2026-01-19T16:30:00+08:00"  # shown in the site's zone
    about = by_rel["about.en.md"]
    assert (about.kind, about.url, about.key) == ("page", "/en/about/", "about")


def test_a_bundle_s_assets_are_its_files_and_those_below_in_path_order(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {
        "posts/vae/index.en.md": "---\ntitle: VAE\ndate: 2026-01-18\n---\n",
        "posts/gan/index.en.md": "---\ntitle: GAN\ndate: 2026-01-19\n---\n",
        "posts/gan/plot.png": b"png",
    }
    for name in ("z.txt", "img.png", "a-b/x.png", "a/b.png", "a/deep/c.png",
                 ".secret", "_scratch.png", ".git/config", "_drafts/d.png"):
        files[f"posts/vae/{name}"] = b"asset"
    by_rel = {post.rel: post for post in posts_of(tmp_path, files)}
    bundle = tmp_path / "content/posts/vae"
    # Ordered as paths are (folder by folder), not as strings ("a-b" < "a/" as text).
    assert [a.relative_to(bundle).as_posix() for a in by_rel["posts/vae/index.en.md"].assets] \
        == ["a/b.png", "a/deep/c.png", "a-b/x.png", "img.png", "z.txt"]
    assert [a.name for a in by_rel["posts/gan/index.en.md"].assets] == ["plot.png"]


def test_bom_and_crlf_are_accepted(tmp_path: Path) -> None:
    text = "\ufeff---\r\ntitle: T\r\ndate: 2026-01-18\r\n---\r\n正文\r\n"
    (post,) = posts_of(tmp_path, {"posts/a.md": text.encode("utf-8")})
    assert post.title == "T" and post.body == "正文\n"


def test_unknown_key_did_you_mean(tmp_path: Path) -> None:
    text = "---\ntitle: T\ndate: 2026-01-18\ncategroies: x\n---\n"
    found = messages(tmp_path, {"posts/a.md": text})
    assert found == ["a.md:4:1: unknown front matter key 'categroies' | did you mean 'categories'?"]


def test_all_files_errors_together(tmp_path: Path) -> None:
    found = messages(tmp_path, {
        "posts/a.md": "---\ntitle: T\ndate: 2026-02-30\n---\n",
        "posts/b.md": "---\ndate: 2026-01-01\ncategories: [Self-Supervised, Generative]\n---\n",
        "posts/c.md": "---\ntitle: T\ndate: 2026-01-01\n",
        "posts/d.md": "no front matter\n",
        "posts/e.md": "---\ntitle: [unclosed\ndate: 2026-01-01\n---\n",
        "posts/f.fr.md": "---\ntitle: T\ndate: 2026-01-01\n---\n",
        "posts/g.en.md": "---\ntitle: T\ndate: 2026-01-01\nlang: zh\n---\n",
    })
    text = "\n".join(found)
    assert "a.md:3:7: invalid date '2026-02-30'" in text
    assert "b.md:2:1: front matter has no title" in text
    assert "b.md:3:31: unknown category 'Generative'" in text
    assert "c.md:1:1: front matter is not closed" in text
    assert ("d.md:1:1: no title: add front matter ('---' / 'title: ...' / 'date: 2024-05-01' / "
            "'---') or start the file with '# Title'") in text
    assert "e.md:" in text and "YAML syntax error" in text
    assert "f.fr.md:None:None: unknown language 'fr'" in text
    assert "g.en.md:4:7: lang 'zh' disagrees with the file name" in text


def test_gbk_file_is_named_as_such(tmp_path: Path) -> None:
    data = "---\ntitle: 标题\ndate: 2026-01-18\n---\n中文正文\n".encode("gbk")
    (found,) = messages(tmp_path, {"posts/a.md": data})
    assert found.startswith("a.md:2:8: file is not valid UTF-8")
    assert "GBK" in found


def test_categories_string_or_list_and_tags(tmp_path: Path) -> None:
    (post,) = posts_of(tmp_path, {"posts/a.md": "---\ntitle: 1984\ndate: 2026-01-18\n"
                             "categories: [Self-Supervised, 3D Model]\ntags: [扩散模型, VAE]\n"
                             "draft: true\nsummary: 摘要\nextra: {cover: a.png}\n---\n"})
    assert post.title == "1984"
    assert post.categories == ("Self-Supervised", "3D Model")
    assert post.tags == ("扩散模型", "VAE")
    assert post.draft and post.summary == "摘要" and post.extra == {"cover": "a.png"}


def test_posts_come_from_the_disk_cache_only_while_their_bytes_are_the_same(
        tmp_path: Path) -> None:
    from blogkit.build import BuildOptions, build
    from blogkit.post_cache import CACHE_NAME

    root = make_site(tmp_path / "site", {"content/posts/a.md": post("First", "2026-01-01", "Body")},
                     languages=("en",))
    path = root / "content/posts/a.md"
    build(BuildOptions(source=root))
    assert (root / ".blogkit-cache" / CACHE_NAME).is_file()
    path.write_text(post("Second", "2026-01-01", "Body"), encoding="utf-8")
    build(BuildOptions(source=root))
    assert "Second" in (root / "public/posts/a/index.html").read_text(encoding="utf-8")
    # A file with mistakes is not cached: its errors are reported by every build.
    path.write_text(post("Third", "2026-13-01", "Body"), encoding="utf-8")
    for _ in range(2):
        with pytest.raises(BuildError) as failed:
            build(BuildOptions(source=root))
        assert [e.message for e in failed.value.errors] == ["invalid date '2026-13-01'"]
    (root / ".blogkit-cache" / CACHE_NAME).write_bytes(b"not a database")
    path.write_text(post("Fourth", "2026-01-01", "Body"), encoding="utf-8")
    build(BuildOptions(source=root))
    assert "Fourth" in (root / "public/posts/a/index.html").read_text(encoding="utf-8")


def test_a_markdown_link_that_leads_nowhere_is_named_not_skipped(tmp_path: Path) -> None:
    posts = tmp_path / "content" / "posts"
    posts.mkdir(parents=True)
    (posts / "loop.md").symlink_to("loop.md")
    (posts / "gone.md").symlink_to(tmp_path / "nowhere.md")
    assert messages(tmp_path, {"posts/a.md": "---\ntitle: A\ndate: 2026-01-01\n---\n"}) == [
        "gone.md:None:None: a link to a file that does not exist | point the link at a "
        "Markdown file, or delete it",
        "loop.md:None:None: cannot read the file: Too many levels of symbolic links | make it "
        "a readable file (check its permissions and any symbolic link)",
    ]


THREE = {f"posts/p{n}.md": f"---\ntitle: T{n}\ndate: 2026-01-0{n + 1}\n---\nBody {n}.\n"
         for n in range(3)}


def test_a_file_whose_stamp_was_kept_is_not_read_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(post_cache, "RACY_NS", 0)  # as if the files were written long ago
    first = posts_of(tmp_path, THREE)
    reads = read_counted(monkeypatch)
    assert load_posts(load_config(tmp_path)) == first
    assert reads == []
    # Any write sets the ctime: the same size, and the mtime put back, are still seen.
    path = tmp_path / "content/posts/p1.md"
    stat = path.stat()
    path.write_text(THREE["posts/p1.md"].replace("T1", "X1").replace("Body", "Text"),
                    encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size and path.stat().st_mtime_ns == stat.st_mtime_ns
    posts = {post.rel: post for post in load_posts(load_config(tmp_path))}
    assert reads == [path]
    assert posts["posts/p1.md"].title == "X1" and "Text 1." in posts["posts/p1.md"].body
    assert posts["posts/p0.md"] == first[0]


def test_files_changed_just_before_they_were_read_are_read_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    posts_of(tmp_path, THREE)  # written now: within RACY_NS of the build reading them
    reads = read_counted(monkeypatch)
    load_posts(load_config(tmp_path))
    assert len(reads) == 3


def test_a_file_with_mistakes_keeps_no_stamp(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(post_cache, "RACY_NS", 0)
    files = {**THREE, "posts/bad.md": "---\ntitle: Bad\ndate: 2026-13-01\n---\n"}
    assert len(messages(tmp_path, files)) == 1
    reads = read_counted(monkeypatch)
    for _ in range(2):  # its error is found, and reported, by every build
        with pytest.raises(BuildError) as failed:
            load_posts(load_config(tmp_path))
        assert [e.message for e in failed.value.errors] == ["invalid date '2026-13-01'"]
    assert [path.name for path in reads] == ["bad.md", "bad.md"]



def kept_stamps(root: Path) -> int:
    with sqlite3.connect(root / ".blogkit-cache" / post_cache.CACHE_NAME) as db:
        return int(db.execute(f"SELECT count(*) FROM {post_cache.STAMP_TABLE}").fetchone()[0])


def test_where_the_ctime_misses_writes_every_file_is_read_by_every_build(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(post_cache, "RACY_NS", 0)
    first = posts_of(tmp_path, THREE)
    assert kept_stamps(tmp_path) == 3
    monkeypatch.setattr(post_cache, "STAMPS_SEE_EVERY_WRITE", False)  # Windows' st_ctime
    reads = read_counted(monkeypatch)
    assert load_posts(load_config(tmp_path)) == first  # stamps kept before are not trusted
    (tmp_path / ".blogkit-cache" / post_cache.CACHE_NAME).unlink()
    assert load_posts(load_config(tmp_path)) == first
    assert kept_stamps(tmp_path) == 0  # and none are kept
    assert sorted(path.name for path in reads) == ["p0.md", "p0.md", "p1.md", "p1.md",
                                                   "p2.md", "p2.md"]


# -- posts as other tools name and head them -----------------------------------------------

def page_of(root: Path, url: str) -> str:
    """The HTML of the page at `url` (root-relative, without the base path)."""
    return (root / "public" / url.strip("/") / "index.html").read_text(encoding="utf-8")


def body_of(html: str) -> str:
    """What a post or page shows below its title: the text of its `post-body`."""
    return html.split('<div class="post-body">', 1)[1].split("</div>", 1)[0]


def test_a_heading_that_repeats_the_title_is_shown_once_and_lines_stay_right(
        tmp_path: Path) -> None:
    # As Hugo authors write it: the title in front matter and again as the first line.
    text = ("---\ntitle: Attention Is All You Need\ndate: 2024-05-01\n---\n\n"
            "# Attention Is All You Need #\n\nThe Transformer drops recurrence.\n\n"
            "See [the VAE post](vae.md).\n")
    root = make_site(tmp_path, {"content/posts/attention.md": text}, languages=("en",))
    with pytest.raises(BuildError) as failed:  # vae.md does not exist
        build_site(root)
    assert [(e.line, e.col) for e in failed.value.errors] == [(10, 20)]  # its file line
    write_file(root, "content/posts/vae.md", post("VAE", "2024-05-01", "ELBO."))
    build_site(root)
    html = page_of(root, "/posts/attention/")
    assert html.count("Attention Is All You Need</h1>") == 1
    assert "<h1" not in body_of(html)
    assert "<p>The Transformer drops recurrence.</p>" in body_of(html)
    assert '<a href="/blog/posts/vae/">the VAE post</a>' in body_of(html)


@pytest.mark.parametrize("heading", ["Attention\n=========", "  # Attention  ", "# Attention ###"])
def test_every_way_of_writing_the_title_heading_is_dropped(tmp_path: Path, heading: str) -> None:
    (found,) = posts_of(tmp_path, {
        "posts/a.md": f"---\ntitle: ' Attention '\ndate: 2024-05-01\n---\n\n{heading}\n\nText.\n"})
    assert found.title == "Attention"
    assert found.body == "\nText.\n"
    assert found.body_line == 6 + heading.count("\n") + 1


def test_a_heading_other_than_the_title_stays(tmp_path: Path) -> None:
    posts = posts_of(tmp_path, {
        "posts/a.md": "---\ntitle: Attention\ndate: 2024-05-01\n---\n# Background\n\nText.\n",
        "posts/b.md": "---\ntitle: Attention\ndate: 2024-05-01\n---\n## Attention\n\nText.\n",
        "posts/c.md": "---\ntitle: C#\ndate: 2024-05-01\n---\n# C\n\nText.\n",
        "posts/d.md": "---\ntitle: Attention\ndate: 2024-05-01\n---\nIntro.\n\n# Attention\n",
    })
    for found in posts:
        assert found.body.startswith(("# Background", "## Attention", "# C\n", "Intro.")), found
        assert found.body_line == 5


def test_the_title_can_come_from_the_leading_heading(tmp_path: Path) -> None:
    # MkDocs takes a page's title from it; a Hugo post may have front matter without one.
    root = make_site(tmp_path, {
        "content/posts/vae.md": "---\ndate: 2024-05-01\ntags: [VAE]\n---\n"
                                "# Variational autoencoders, $p_\\theta(x)$\n\nThe ELBO.\n",
        "content/about.md": "About me\n========\n\nI write about ML.\n",
    }, languages=("en",))
    posts = {found.rel: found for found in load_posts(load_config(root))}
    assert posts["posts/vae.md"].title == "Variational autoencoders, $p_\\theta(x)$"
    assert posts["posts/vae.md"].title_line == 5  # formulas in it are reported there
    assert posts["about.md"].title == "About me" and posts["about.md"].title_line == 1
    build_site(root)
    vae = page_of(root, "/posts/vae/")
    assert "<title>Variational autoencoders, " in vae
    assert "<h1" not in body_of(vae) and "<p>The ELBO.</p>" in body_of(vae)
    about = page_of(root, "/about/")
    assert '<h1 class="post-title">About me</h1>' in about
    assert body_of(about).strip() == "<p>I write about ML.</p>"


def test_a_post_s_date_can_come_from_its_name_and_its_url_leaves_it_out(tmp_path: Path) -> None:
    # As Jekyll names posts, and Hugo's :filename date reads them (bundles by folder).
    root = make_site(tmp_path, {
        "content/posts/2019-09-23-attention.md": "---\ntitle: Attention\n---\nText.\n",
        "content/posts/2020-05-01-vae/index.en.md": "---\ntitle: VAE\n---\nSee ![](fig.svg)\n",
        "content/posts/2020-05-01-vae/index.zh.md": "---\ntitle: 变分自编码器\n---\n正文。\n",
        "content/posts/2020-05-01-vae/fig.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
        "content/posts/2021-01-01-gan.md": "---\ntitle: GAN\ndate: 2021-03-04T08:00:00Z\n---\n",
        "content/posts/2021-1-1-flow.md": "---\ntitle: Flows\ndate: 2022-01-01\n---\n",
    }, timezone="Asia/Shanghai")
    posts = {found.rel: found for found in load_posts(load_config(root))}
    attention = posts["posts/2019-09-23-attention.md"]
    assert (attention.url, attention.key) == ("/posts/attention/", "posts/2019-09-23-attention")
    assert attention.date.isoformat() == "2019-09-23T00:00:00+08:00"  # midnight, site's zone
    vae_en = posts["posts/2020-05-01-vae/index.en.md"]
    vae_zh = posts["posts/2020-05-01-vae/index.zh.md"]
    assert (vae_en.url, vae_zh.url) == ("/en/posts/vae/", "/posts/vae/")
    assert vae_en.key == vae_zh.key  # still translations of each other
    gan = posts["posts/2021-01-01-gan.md"]  # front matter wins; the name still drops it
    assert (gan.url, gan.date.isoformat()) == ("/posts/gan/", "2021-03-04T16:00:00+08:00")
    assert posts["posts/2021-1-1-flow.md"].url == "/posts/2021-1-1-flow/"  # not YYYY-MM-DD
    build_site(root)
    assert '<time datetime="2019-09-23T00:00:00+08:00">' in page_of(root, "/posts/attention/")
    assert (root / "public/en/posts/vae/fig.svg").is_file()
    assert 'lang="zh"' in page_of(root, "/posts/vae/")
    assert 'href="/blog/en/posts/vae/"' in page_of(root, "/posts/vae/")  # the switcher


def test_a_slug_in_front_matter_still_names_a_dated_post(tmp_path: Path) -> None:
    (found,) = posts_of(tmp_path, {"posts/2019-09-23-attention.md":
                                   "---\ntitle: Attention\nslug: transformer\n---\n"})
    assert found.url == "/posts/transformer/" and found.date.day == 23


def test_pages_need_no_date_and_keep_their_urls(tmp_path: Path) -> None:
    posts = {found.rel: found for found in posts_of(tmp_path, {
        "about.md": "---\ntitle: About\n---\nMe.\n",
        "projects/2019-09-23-demo.md": "---\ntitle: Demo\n---\n",
        "now.md": "# What I am doing now\n",
        "cv.md": "---\ntitle: CV\ndate: 2024-05-01\n---\n",
    })}
    assert (posts["about.md"].kind, posts["about.md"].url) == ("page", "/about/")
    assert not posts["about.md"].dated and posts["cv.md"].dated
    assert posts["about.md"].date.isoformat() == "1970-01-01T00:00:00+08:00"
    assert posts["projects/2019-09-23-demo.md"].url == "/projects/2019-09-23-demo/"
    assert not posts["projects/2019-09-23-demo.md"].dated  # a page's name gives no date
    assert posts["now.md"].title == "What I am doing now" and posts["now.md"].body == ""


def test_a_file_without_front_matter_is_a_post_when_its_name_gives_the_date(
        tmp_path: Path) -> None:
    root = make_site(tmp_path, {
        "content/posts/2024-05-01-notes.md": "# Reading notes: DDPM\n\nForward process.\n",
    }, languages=("en",))
    (found,) = load_posts(load_config(root))
    assert (found.title, found.url, found.body_line) == ("Reading notes: DDPM",
                                                         "/posts/notes/", 2)
    build_site(root)
    html = page_of(root, "/posts/notes/")
    assert "<title>Reading notes: DDPM" in html and "<h1" not in body_of(html)


def test_what_to_add_when_a_title_or_a_date_is_missing(tmp_path: Path) -> None:
    found = messages(tmp_path, {
        "posts/plain.md": "Some notes about transformers.\n",
        "posts/2024-05-01-dated.md": "Some notes.\n",
        "posts/headed.md": "# Attention\n\nText.\n",
        "posts/bundle/index.md": "# Attention\n",
        "posts/2019-02-30-leap.md": "# Leap day\n",
        "posts/front.md": "---\ncategories: [Deep Learning]\n---\nText.\n",
        "posts/nulls.md": "---\ntitle:\ndate:\n---\nText.\n",
        "notes.md": "Just text.\n",
        "hugo.md": "+++\ntitle = 'Hugo'\n+++\n",
    })
    front = "add front matter ('---' / "
    top = "front matter is YAML between two '---' lines at the very top of the file"
    assert found == [
        "hugo.md:1:1: TOML front matter ('+++') is not supported | write it as YAML between "
        "'---' lines: 'title: ...' where TOML has 'title = ...'",
        f"notes.md:1:1: no title: {front}'title: ...' / '---') or start the file with '# Title'"
        f" | {top}",
        "2019-02-30-leap.md:1:1: no date: '2019-02-30' at the start of the name is not a real "
        "day | correct the date in the name, or add a line 'date: 2024-05-01' in front matter",
        f"2024-05-01-dated.md:1:1: no title: {front}'title: ...' / '---') or start the file "
        f"with '# Title' | {top}",
        f"index.md:1:1: no date: {front}'date: 2024-05-01' / '---') or start the post's name "
        f"with the date: 2024-05-01-bundle/ | {top}, above the '# Title' line",
        "front.md:2:1: front matter has no title | add a line 'title: ...' between the '---' "
        "lines, or start the text below them with a line '# Title'",
        "front.md:2:1: front matter has no date | add a line 'date: 2024-05-01' between the "
        "'---' lines, or start the post's name with the date: 2024-05-01-front.md",
        f"headed.md:1:1: no date: {front}'date: 2024-05-01' / '---') or start the post's name "
        f"with the date: 2024-05-01-headed.md | {top}, above the '# Title' line",
        "nulls.md:2:1: front matter has no title | add a line 'title: ...' between the '---' "
        "lines, or start the text below them with a line '# Title'",
        "nulls.md:2:1: front matter has no date | add a line 'date: 2024-05-01' between the "
        "'---' lines, or start the post's name with the date: 2024-05-01-nulls.md",
        f"plain.md:1:1: no title: {front}'title: ...' / 'date: 2024-05-01' / '---') or start "
        f"the file with '# Title' | {top}; a post's date can also start its name: "
        f"2024-05-01-plain.md",
    ]


def test_a_post_kept_by_another_shape_of_post_is_read_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(post_cache, "RACY_NS", 0)  # stamps kept: the next build reads nothing
    first = posts_of(tmp_path, THREE)
    reads = read_counted(monkeypatch)
    assert load_posts(load_config(tmp_path)) == first and reads == []
    shape = content.POST_SHAPE
    monkeypatch.setattr(content, "POST_SHAPE", shape + 1)  # a newer blogkit, the same version
    assert load_posts(load_config(tmp_path)) == first
    assert sorted(path.name for path in reads) == ["p0.md", "p1.md", "p2.md"]
    with sqlite3.connect(tmp_path / ".blogkit-cache" / post_cache.CACHE_NAME) as db:
        rows = db.execute("SELECT COUNT(*) FROM post").fetchone()[0]
    assert rows == 6  # kept beside the first shape's posts, under keys of their own
    reads.clear()
    monkeypatch.setattr(content, "POST_SHAPE", shape)  # back: the first shape's are found
    assert load_posts(load_config(tmp_path)) == first and reads == []


_MD = MarkdownIt("commonmark")
_LINE = st.one_of(
    st.sampled_from(["", " ", "# Title", "## Title", "##", "####### Title", "#Title",
                     "  # Title #", "# Title#", "#", "# #",
                     "    # code", "\t# code", "Title", "  Title  ", "===", "  =====  ",
                     "    ===", "= =", "---", "- item", "* item", "1. item", "> quote",
                     "```", "<div>", "***", "_ _ _", "[a]: /url", "| a |", "*Title*",
                     "# $x_1$ and `code`", "\\# not a heading", "Title \\#", "+ x", "2) x"]),
    st.text(st.sampled_from("#= -*>`a\t1."), max_size=8))


@given(st.lists(_LINE, max_size=4))
def test_the_leading_heading_is_the_one_commonmark_reads(lines: list[str]) -> None:
    body = "\n".join(lines)
    heading = leading_heading(body)
    tokens = _MD.parse(body)
    first = tokens[0] if tokens else None
    is_h1 = first is not None and first.type == "heading_open" and first.tag == "h1"
    if heading is not None:
        assert is_h1 and first is not None and first.map is not None
        assert tokens[1].content == heading.text
        assert (first.map[0], first.map[1]) == (heading.line, heading.lines)
        assert body[heading.end:] == "\n".join(lines[heading.lines:])
    elif is_h1 and first is not None and first.map is not None and tokens[1].content \
            and first.map[0] == next(i for i, line in enumerate(lines) if line.strip()):
        # Missed only where blogkit is careful: a setext heading of several lines, or a
        # first line that may start other blocks in some Markdown flavours.
        text_lines = body.split("\n")[first.map[0]:first.map[1] - 1]
        assert first.markup == "=" and (
            len(text_lines) > 1 or text_lines[0].lstrip().startswith(("<", "|", "[")))


def test_rebuilds_after_editing_the_title_heading_match_clean_builds(tmp_path: Path) -> None:
    from blogkit.build import BuildOptions, Compiled, compile_site
    from blogkit.build_cache import BuildCache
    from blogkit.changes import classify

    def snapshot(compiled: Compiled) -> dict[str, bytes | None]:
        return {output.path: output.data for output in compiled.outputs}

    hugo, mkdocs = "content/posts/ddpm.md", "content/posts/2024-05-01-notes.md"
    root = make_site(tmp_path, {
        hugo: "---\ntitle: DDPM\ndate: 2024-05-02\n---\n# DDPM\n\nForward process.\n",
        mkdocs: "# Reading notes\n\nOn score matching.\n",
    }, languages=("en",))
    cache, options = BuildCache(), BuildOptions(source=root)
    compile_site(options, cache)
    for name, text, page, needle in [
            (hugo, "---\ntitle: DDPM\ndate: 2024-05-02\n---\n# Denoising\n\nForward process.\n",
             "posts/ddpm/index.html", '<h1 id="denoising"'),
            (mkdocs, "# Notes on score matching\n\nOn score matching.\n",
             "index.html", "Notes on score matching</a>")]:
        write_file(root, name, text)
        rebuilt = snapshot(compile_site(options, cache, classify(root, {root / name})))
        assert rebuilt == snapshot(compile_site(options))
        assert needle in (rebuilt[page] or b"").decode()


# -- front matter written for Hugo, Jekyll and Hexo -----------------------------------------

HUGO_POST = """\
---
title: "Denoising Diffusion Probabilistic Models"
date: 2024-03-02T10:00:00+08:00
lastmod: 2024-04-01T09:30:00+08:00
description: "Notes on the forward and reverse processes."
categories: [generative-model]
tags: [diffusion]
weight: 2
ShowToc: true
TocOpen: false
math: true
cover:
  image: cover.png
  alt: Forward process
aliases: [/2024/03/ddpm/]
---
The forward process adds Gaussian noise.
"""
JEKYLL_POST = """\
---
layout: post
title:  "Notes on ResNet"
date:   2019-09-23 10:00:00 +0800
category: 深度学习
tags: [resnet]
excerpt: "Why residual connections help."
image: /assets/resnet.png
comments: true
mathjax: true
last_modified_at: 2019-10-01 08:00:00 +0800
redirect_from: [/resnet.html]
---
Deep networks are easier to train with shortcuts.
"""
HEXO_POST = """\
---
title: 自监督学习笔记
date: 2020/5/1 9:30:00
updated: 2020-05-02 20:00:00
categories:
  - 自监督学习
tags: [SimCLR, 对比学习]
abbrlink: 3f2a
toc: true
sticky: 100
thumbnail: /images/simclr.png
copyright: true
---
对比学习的一种做法。
"""


def test_posts_written_for_hugo_jekyll_and_hexo_build_as_they_are(tmp_path: Path) -> None:
    root = make_site(tmp_path, {
        "content/posts/ddpm/index.en.md": HUGO_POST,
        "content/posts/ddpm/cover.png": b"png",
        "content/posts/2019-09-23-resnet.en.md": JEKYLL_POST,
        "content/posts/simclr.md": HEXO_POST,
        "content/posts/wip.md": "---\ntitle: 写到一半\ndate: 2020-01-01\npublished: false\n---\n",
    }, timezone="Asia/Shanghai")
    posts = {found.rel: found for found in load_posts(load_config(root))}
    ddpm = posts["posts/ddpm/index.en.md"]
    assert (ddpm.date.isoformat(), ddpm.updated and ddpm.updated.isoformat()) == (
        "2024-03-02T10:00:00+08:00", "2024-04-01T09:30:00+08:00")
    assert ddpm.summary == "Notes on the forward and reverse processes." and ddpm.summary_line == 5
    assert ddpm.categories == ("Generative Model",)  # its slug, as Hugo's URLs write it
    assert ddpm.extra == {"weight": 2, "ShowToc": True, "TocOpen": False, "math": True,
                          "cover": {"image": "cover.png", "alt": "Forward process"}}
    assert ddpm.aliases == ("/2024/03/ddpm/",)
    resnet = posts["posts/2019-09-23-resnet.en.md"]
    assert resnet.date.isoformat() == "2019-09-23T10:00:00+08:00"
    assert resnet.updated is not None and resnet.updated.isoformat() == "2019-10-01T08:00:00+08:00"
    assert (resnet.categories, resnet.summary) == (("Deep Learning",),
                                                   "Why residual connections help.")
    assert resnet.extra == {"layout": "post", "image": "/assets/resnet.png", "comments": True,
                            "mathjax": True}
    assert resnet.aliases == ("/resnet.html",)  # jekyll-redirect-from's key
    simclr = posts["posts/simclr.md"]
    assert (simclr.date.isoformat(), simclr.categories) == ("2020-05-01T09:30:00+08:00",
                                                            ("Self-Supervised",))
    assert simclr.extra == {"abbrlink": "3f2a", "toc": True, "sticky": 100,
                            "thumbnail": "/images/simclr.png", "copyright": True}
    assert posts["posts/wip.md"].draft
    build_site(root)
    home = (root / "public/en/index.html").read_text(encoding="utf-8")
    assert "Notes on the forward and reverse processes." in home  # the summary is the excerpt
    resnet_page = page_of(root, "/en/posts/resnet/")
    assert '<time datetime="2019-09-23T10:00:00+08:00">' in resnet_page
    assert 'content="https://example.com/blog/assets/resnet.png"' in resnet_page  # og:image
    assert "2019-10-01T08:00:00+08:00" in resnet_page  # article:modified_time
    assert "对比学习的一种做法。" in page_of(root, "/posts/simclr/")
    category = (root / "public/categories/self-supervised/index.html").read_text("utf-8")
    assert "自监督学习笔记" in category
    assert not (root / "public/posts/wip").exists()  # published: false is a draft


@pytest.mark.parametrize(("written", "read"), [
    ("2019-09-23 10:00:00", "2019-09-23T10:00:00+08:00"),  # Hexo: the site's time zone
    ("2019-09-23 10:00", "2019-09-23T10:00:00+08:00"),
    ("2019/9/23 9:05:00", "2019-09-23T09:05:00+08:00"),  # Hexo's docs write dates so
    ("2019-09-23 10:00:00 +0800", "2019-09-23T10:00:00+08:00"),  # Jekyll: a string to YAML
    ("2019-09-23 10:00:00 -0500", "2019-09-23T23:00:00+08:00"),
    ("2019-09-23 10:00:00.250 +08:00", "2019-09-23T10:00:00.250000+08:00"),
    ("2019-09-23T10:00:00+08:00", "2019-09-23T10:00:00+08:00"),  # Hugo
    ("2019-09-23T02:00:00Z", "2019-09-23T10:00:00+08:00"),
    ("'2019-09-23'", "2019-09-23T00:00:00+08:00"),
])
def test_dates_as_other_tools_write_them(tmp_path: Path, written: str, read: str) -> None:
    (found,) = posts_of(tmp_path, {"posts/a.md": f"---\ntitle: A\ndate: {written}\n---\n"})
    assert found.date.isoformat() == read


def test_a_date_blogkit_cannot_read_names_the_forms_it_can(tmp_path: Path) -> None:
    found = messages(tmp_path, {
        "posts/a.md": "---\ntitle: A\ndate: 2019-09-23 10:00:00 +0800\n"
                      "lastmod: Sept 23, 2019\n---\n",
        "posts/b.md": "---\ntitle: B\ndate: 2019/2/30 10:00:00\n---\n",
        "posts/c.md": "---\ntitle: C\ndate: 2019-9-3 10:00:00\n---\n",
    })
    forms = ("write a real date as 2026-01-18, 2026-01-18 09:30:00 (in the site's time zone) "
             "or 2026-01-18T09:30:00+08:00; Jekyll's 2026-01-18 09:30:00 +0800 and Hexo's "
             "2026/1/18 9:30:00 are read too")
    assert found == [f"a.md:4:10: invalid lastmod 'Sept 23, 2019' | {forms}",
                     f"b.md:3:7: invalid date '2019/2/30 10:00:00' | {forms}",
                     f"c.md:3:7: invalid date '2019-9-3 10:00:00' | {forms}"]


def test_other_names_of_blogkit_s_fields(tmp_path: Path) -> None:
    posts = {found.rel: found for found in posts_of(tmp_path, {
        "posts/hugo.md": "---\ntitle: H\npublishDate: 2024-05-01\nmodified: 2024-05-03\n---\n",
        "posts/both.md": "---\ntitle: B\ndate: 2024-05-01\npublishDate: 2024-06-01\n"
                         "summary: The excerpt.\ndescription: For search engines.\n---\n",
        "posts/same.md": "---\ntitle: S\nupdated: 2024-05-02\nlastmod: 2024-05-02T00:00:00\n"
                         "date: 2024-05-01\ncategory: 3D Model\ncategories: [三维模型]\n"
                         "tag: NeRF\ndraft: true\npublished: false\n---\n",
        "posts/jekyll.md": "---\ntitle: J\ndate: 2024-05-01\npublished: true\n---\n",
        "posts/hugo-published.md": "---\ntitle: P\npublished: 2024-05-04\n---\n",
    })}
    hugo = posts["posts/hugo.md"]
    assert (hugo.date.day, hugo.updated and hugo.updated.day, hugo.extra) == (1, 3, {})
    both = posts["posts/both.md"]  # the field itself is given: the alias is kept for themes
    assert (both.date.month, both.summary) == (5, "The excerpt.")
    assert both.extra == {"publishDate": "2024-06-01", "description": "For search engines."}
    same = posts["posts/same.md"]  # two names of a field may say the same
    assert (same.updated and same.updated.day, same.categories, same.tags, same.draft) == (
        2, ("3D Model",), ("NeRF",), True)
    assert not posts["posts/jekyll.md"].draft
    assert posts["posts/hugo-published.md"].date.day == 4  # Hugo's published is a date


def test_two_names_of_a_field_that_disagree_are_an_error_naming_both(tmp_path: Path) -> None:
    found = messages(tmp_path, {
        "posts/a.md": "---\ntitle: A\nlastmod: 2024-05-02\ndate: 2024-05-01\n"
                      "updated: 2024-05-03\n---\n",
        "posts/b.md": "---\ntitle: B\npublishDate: 2024-05-01\npubdate: 2024-05-02\n---\n",
        "posts/c.md": "---\ntitle: C\ndate: 2024-05-01\ndescription: One.\nexcerpt: Two.\n"
                      "category: 3D Model\ncategories: [3D Model, Deep Learning]\n"
                      "draft: false\npublished: false\n---\n",
        "posts/d.md": "---\ntitle: D\ndate: 2024-05-01\nimage: a.png\n"
                      "extra: {image: b.png}\n---\n",
    })
    assert found == [
        "a.md:5:1: 'updated' and 'lastmod' (line 3) disagree on the date of the last change "
        "| keep one of them (blogkit reads 'lastmod' as 'updated')",
        "b.md:4:1: 'pubdate' and 'publishDate' (line 3) disagree on the date | keep one of "
        "them (blogkit reads 'publishDate' and 'pubdate' as 'date')",
        "c.md:5:1: 'excerpt' and 'description' (line 4) disagree on the summary | keep one of "
        "them (blogkit reads 'description' and 'excerpt' as 'summary')",
        "c.md:7:1: 'categories' and 'category' (line 6) disagree on the categories | keep one "
        "of them (blogkit reads 'category' as 'categories')",
        "c.md:9:1: 'published' and 'draft' (line 8) disagree on whether it is a draft | keep "
        "one of them (blogkit reads 'published' as 'draft')",
        "d.md:4:1: 'image' and 'extra: {image: ...}' (line 5) disagree | keep one of them "
        "(blogkit keeps other tools' keys in extra)",
    ]


def test_unknown_keys_are_misspellings_or_belong_under_extra(tmp_path: Path) -> None:
    found = messages(tmp_path, {
        "posts/a.md": "---\ntitle: A\ndate: 2024-05-01\ntages: [VAE]\nlast_modified: "
                      "2024-05-02\nreading_level: 3\n---\n",
    })
    assert found == [
        "a.md:4:1: unknown front matter key 'tages' | did you mean 'tags'?",
        "a.md:5:1: unknown front matter key 'last_modified' | did you mean 'last_modified_at'?",
        "a.md:6:1: unknown front matter key 'reading_level' | put keys of your own under "
        "'extra:' (extra: {reading_level: ...}); themes read them as post.extra.reading_level",
    ]


def test_categories_by_display_name_or_slug_in_any_case(tmp_path: Path) -> None:
    (found,) = posts_of(tmp_path, {"posts/a.md": (
        "---\ntitle: A\ndate: 2024-05-01\n"
        "categories: [生成模型, generative model, GENERATIVE-MODEL, self-supervised, 计算机视觉]\n"
        "---\n")})
    assert found.categories == ("Generative Model", "Self-Supervised", "Computer Vision")
    wrong = messages(tmp_path / "wrong", {"posts/b.md": (
        "---\ntitle: B\ndate: 2024-05-01\ncategories: [生成模型, 生成]\n---\n")})
    assert wrong == ["b.md:4:20: unknown category '生成' | categories: 3D Model, Computer "
                     "Vision, Deep Learning, Generative Model, Self-Supervised; add one under "
                     "categories: in blogkit.yaml"]


def test_aliases_are_old_urls_from_the_site_root(tmp_path: Path) -> None:
    root = make_site(tmp_path, {
        "content/posts/a.md": post("A", "2026-01-01", "x", aliases=[
            "/2019/09/23/a.html", "https://old.example.com/posts/a/"]),
        "content/posts/b.md": post("B", "2026-01-01", "x", redirect_from="/b.html"),
        "content/posts/c.md": post("C", "2026-01-01", "x", aliases=["old/c/", "/x/../y/"]),
    }, languages=("zh",))
    loaded = load_content(load_config(root))
    by_rel = {p.rel: p for p in loaded.posts}
    assert by_rel["posts/a.md"].aliases == ("/2019/09/23/a.html", "/posts/a/")
    assert by_rel["posts/a.md"].aliases_at == ((4, 11), (4, 33))  # `aliases: [..., ...]`
    assert by_rel["posts/b.md"].aliases == ("/b.html",)  # Jekyll's redirect_from
    assert [(e.line, e.col, e.message) for e in loaded.errors] == [
        (4, 11, "alias 'old/c/' is not a path from the site root"),
        (4, 21, "alias '/x/../y/' is not a path from the site root")]
