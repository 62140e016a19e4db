"""WRITE: a build into an existing output changes only what changed, and equals a clean one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import files, make_site, post, site_config
from conftest import write_file as write

from blogkit.build import BuildOptions, build
from blogkit.errors import BuildError
from blogkit.writer import Staging, StaticFile


def inodes(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_ino
            for p in folder.rglob("*") if p.is_file()}


@pytest.fixture()
def site(tmp_path: Path) -> Path:
    """Six posts in zh and en, two a page; p0 is a bundle with a figure."""
    posts = {f"content/posts/p{number}/index.{lang}.md":
             post(f"T{number}", f"2026-01-0{number + 1}", text % number,
                  categories=["Generative Model"], tags=[f"t{number % 2}"])
             for number in range(6)
             for lang, text in (("zh", "正文 $x_{%d}$"), ("en", "Body $y_{%d}$"))}
    return make_site(tmp_path / "site", {
        **posts, "content/posts/p0/fig.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
        "static/extra.txt": "one\n"}, per_page=2)


def rebuild_matches_clean(site: Path, tmp_path: Path) -> tuple[int, int]:
    """Build into public/ again; compare with a clean build; return (rendered, pages)."""
    result = build(BuildOptions(source=site))
    clean_out = tmp_path / "clean"
    shutil.rmtree(clean_out, ignore_errors=True)
    shutil.copytree(site, tmp_path / "fresh", dirs_exist_ok=False,
                    ignore=shutil.ignore_patterns(".blogkit-cache", "public"))
    build(BuildOptions(source=tmp_path / "fresh", output=clean_out))
    shutil.rmtree(tmp_path / "fresh")
    assert files(site / "public") == files(clean_out)
    return result.rendered, result.pages


def test_an_unchanged_site_renders_and_writes_nothing(site: Path, tmp_path: Path) -> None:
    first = build(BuildOptions(source=site))
    assert first.rendered == first.pages
    before = inodes(site / "public")
    rendered, _ = rebuild_matches_clean(site, tmp_path)
    assert rendered == 0
    assert inodes(site / "public") == before  # not one file written again


def test_an_edit_renders_the_pages_that_show_it_and_writes_only_changed_files(
        site: Path, tmp_path: Path) -> None:
    build(BuildOptions(source=site))
    before = inodes(site / "public")
    write(site, "content/posts/p3/index.en.md",
          post("T3 again", "2026-01-04", "New body", categories=["Generative Model"],
               tags=["t1"]))
    rendered, pages = rebuild_matches_clean(site, tmp_path)
    assert 0 < rendered < pages // 2
    after = inodes(site / "public")
    assert after["posts/p3/index.html"] == before["posts/p3/index.html"]  # zh: same bytes
    assert after["en/posts/p3/index.html"] != before["en/posts/p3/index.html"]
    assert after["posts/p0/fig.svg"] == before["posts/p0/fig.svg"]


def test_deleted_posts_and_files_leave_the_output(site: Path, tmp_path: Path) -> None:
    build(BuildOptions(source=site))
    shutil.rmtree(site / "content/posts/p0")
    (site / "static/extra.txt").unlink()
    rebuild_matches_clean(site, tmp_path)
    assert not (site / "public/posts/p0").exists()
    assert not (site / "public/extra.txt").exists()


def test_a_folder_of_the_output_that_becomes_a_file_and_back(site: Path, tmp_path: Path) -> None:
    build(BuildOptions(source=site))
    saved = shutil.copytree(site / "content/posts/p0", tmp_path / "p0")
    shutil.rmtree(site / "content/posts/p0")
    write(site, "static/posts/p0", "a file where a post's folder was\n")
    rebuild_matches_clean(site, tmp_path)
    assert (site / "public/posts/p0").read_text(encoding="utf-8").startswith("a file")
    (site / "static/posts/p0").unlink()
    shutil.copytree(saved, site / "content/posts/p0")
    rebuild_matches_clean(site, tmp_path)
    assert (site / "public/posts/p0/index.html").is_file()


def test_files_changed_or_added_by_hand_in_the_output_are_put_right(
        site: Path, tmp_path: Path) -> None:
    build(BuildOptions(source=site))
    (site / "public/en/index.html").write_text("edited by hand", encoding="utf-8")
    (site / "public/posts/p1/index.html").unlink()
    (site / "public/stray.html").write_text("not ours", encoding="utf-8")
    rebuild_matches_clean(site, tmp_path)
    assert not (site / "public/stray.html").exists()


def test_a_failed_build_leaves_the_output_untouched(site: Path) -> None:
    build(BuildOptions(source=site))
    before = files(site / "public")
    write(site, "content/posts/p2/index.zh.md", "---\ntitle: [broken\n---\n")
    with pytest.raises(BuildError):
        build(BuildOptions(source=site))
    assert files(site / "public") == before
    assert [p.name for p in site.iterdir() if p.name.startswith(".public")] == []


def test_a_damaged_output_manifest_only_means_files_are_made_again(
        site: Path, tmp_path: Path) -> None:
    import json
    build(BuildOptions(source=site))
    [manifest] = (site / ".blogkit-cache").glob("output-*.json")
    data = json.loads(manifest.read_text(encoding="utf-8"))
    data["files"]["index.html"] = ["digest only"]
    data["files"]["en/index.html"] = "not a list"
    manifest.write_text(json.dumps(data), encoding="utf-8")
    rendered, _ = rebuild_matches_clean(site, tmp_path)
    assert rendered == 2  # the two pages whose entries were damaged
    manifest.write_text("{not json", encoding="utf-8")
    rebuild_matches_clean(site, tmp_path)
    # The record that lets a build see nothing changed, damaged: a full build, no traceback.
    for damage in ({"pages": "many"}, {"formulas": [1, 2]}, {"outputs": "index.html"}):
        data = json.loads(manifest.read_text(encoding="utf-8"))
        manifest.write_text(json.dumps({**data, "site": {**data["site"], **damage}}),
                            encoding="utf-8")
        assert not nothing_to_do(site, tmp_path)


def test_a_static_file_that_vanishes_mid_build_is_named(tmp_path: Path) -> None:
    gone = tmp_path / "static/gone.txt"
    with pytest.raises(BuildError) as raised, \
            Staging(tmp_path / "out", tmp_path / "cache") as staging:
        staging.copy(StaticFile("gone.txt", gone))
    assert raised.value.errors[0].path == gone
    assert "vanished" in raised.value.errors[0].message
    # One that cannot be read (here: a folder where a file was listed) is named too.
    folder = tmp_path / "static/folder.txt"
    folder.mkdir(parents=True)
    with pytest.raises(BuildError) as raised, \
            Staging(tmp_path / "out", tmp_path / "cache") as staging:
        staging.copy(StaticFile("folder.txt", folder))
    assert raised.value.errors[0].path == folder
    assert raised.value.errors[0].message.startswith("cannot read the file")
    # A failure on the staging folder's side (here: it went away) is not the user's file's.
    (tmp_path / "static/a.txt").write_text("a\n", encoding="utf-8")
    with Staging(tmp_path / "out", tmp_path / "cache") as staging:
        staging.copy(StaticFile("sub/a.txt", tmp_path / "static/a.txt"))
        shutil.rmtree(staging.folder)
        with pytest.raises(FileNotFoundError) as missing:
            staging.copy(StaticFile("sub/b.txt", tmp_path / "static/a.txt"))
        assert missing.value.filename == str(staging.folder / "sub/b.txt")


def test_a_static_file_that_fails_while_a_new_output_is_made_stops_the_build_cleanly(
        site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Into a new output folder static files are copied beside the feeds (in a thread):
    # one that vanishes there is the same named error, and nothing is left behind.
    copyfile = shutil.copyfile

    def vanishing(source: str | Path, target: str | Path) -> object:
        if Path(source).name == "extra.txt":
            raise FileNotFoundError(2, "No such file or directory", str(source))
        return copyfile(source, target)

    monkeypatch.setattr(shutil, "copyfile", vanishing)
    with pytest.raises(BuildError) as raised:
        build(BuildOptions(source=site))
    [error] = raised.value.errors
    assert error.path == site / "static/extra.txt" and "vanished" in error.message
    assert not (site / "public").exists()
    assert [p.name for p in site.iterdir() if p.name.startswith(".public")] == []


def nothing_to_do(site: Path, tmp_path: Path) -> bool:
    """Build again, compare with a clean build; whether the build saw nothing had changed
    (then it neither read a body nor planned a page: no such stage was timed)."""
    result = build(BuildOptions(source=site))
    rebuild_matches_clean(site, tmp_path)
    return "markdown" not in result.timings and "render" not in result.timings


def test_a_site_with_nothing_changed_is_kept_without_planning_a_page(
        site: Path, tmp_path: Path) -> None:
    build(BuildOptions(source=site))
    before = inodes(site / "public")
    assert nothing_to_do(site, tmp_path)
    assert inodes(site / "public") == before
    # Whatever the pages are made of defeats it: content, a template, a static file that
    # changes what is made (robots.txt), a page edited by hand in the output.
    write(site, "content/posts/p3/index.en.md", post("T3", "2026-01-04", "Edited"))
    assert not nothing_to_do(site, tmp_path)
    assert nothing_to_do(site, tmp_path)
    write(site, "templates/archive.html", '{% extends "theme/archive.html" %}\n')
    assert not nothing_to_do(site, tmp_path)
    write(site, "static/robots.txt", "User-agent: *\nDisallow: /drafts/\n")
    assert not nothing_to_do(site, tmp_path)
    (site / "static/robots.txt").unlink()
    assert not nothing_to_do(site, tmp_path)
    assert b"Sitemap:" in (site / "public/robots.txt").read_bytes()
    (site / "public/en/index.html").write_text("edited by hand", encoding="utf-8")
    assert not nothing_to_do(site, tmp_path)
    write(site, "static/extra.txt", "two\n")  # copied; no page changes for it
    assert nothing_to_do(site, tmp_path)
    assert (site / "public/extra.txt").read_text(encoding="utf-8") == "two\n"


def test_a_build_with_warnings_reports_them_again(site: Path) -> None:
    write(site, "content/posts/p1/index.en.md", post("T1", "2026-01-02", "$\\frac{$"))
    options = BuildOptions(source=site, keep_going=True)
    assert build(options).warnings
    again = build(options)
    assert again.warnings and "render" in again.timings


def test_the_disk_caches_of_an_edit_build_give_a_clean_build_s_bytes(
        site: Path, tmp_path: Path) -> None:
    build(BuildOptions(source=site))
    write(site, "content/posts/p3/index.en.md",
          post("T3", "2026-01-04", "Edited $y_3$", categories=["Generative Model"],
               tags=["t1"]))
    rebuild_matches_clean(site, tmp_path)
    # Another configuration, and damaged caches: they only cost the time.
    write(site, "blogkit.yaml", site_config(per_page=3))
    for cache in (site / ".blogkit-cache").glob("*.sqlite"):
        cache.write_bytes(b"not a database")
    rebuild_matches_clean(site, tmp_path)
