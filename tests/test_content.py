"""LOAD: content/ -> Post."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from conftest import make_site, post, read_counted

from blogkit import post_cache
from blogkit.config import load_config
from blogkit.content import Post, load_posts
from blogkit.errors import BuildError


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
    assert "d.md:1:1: front matter missing" in text
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
