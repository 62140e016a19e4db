"""PARSE at scale: the disk cache and the process pool never change the output."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import files, make_site, post

from blogkit.bodies import POOL_THRESHOLD
from blogkit.build import BuildOptions, build
from blogkit.highlight import highlight


def code_posts(count: int) -> dict[str, str]:
    """`count` posts in zh and en, each with a formula and a code block."""
    made = {}
    for number in range(count):
        for lang, text in (("zh", "中文正文，公式 $a_{%d}$。"), ("en", "Body with $b_{%d}$.")):
            made[f"content/posts/p{number:03d}/index.{lang}.md"] = post(
                f"T{number}", f"2026-01-{number % 28 + 1:02d}",
                f"{text % number}\n\n```python\nx = {number}\n```")
    return made


def test_one_worker_two_workers_and_a_warm_cache_give_the_same_site(tmp_path: Path) -> None:
    # Enough bodies to start a pool.
    root = make_site(tmp_path / "site", code_posts(POOL_THRESHOLD + 6))
    build(BuildOptions(source=root, output=tmp_path / "one", workers=1))
    one = files(tmp_path / "one")
    shutil.rmtree(root / ".blogkit-cache")
    cold = build(BuildOptions(source=root, output=tmp_path / "two", workers=2))
    assert files(tmp_path / "two") == one
    # KaTeX worked while the pool rendered bodies; every formula is counted once.
    assert cold.formulas["katex"] == cold.formulas["distinct"] > 0
    assert cold.formulas["cache_hits"] == 0
    warm = build(BuildOptions(source=root, output=tmp_path / "warm", workers=2))
    assert files(tmp_path / "warm") == one
    assert warm.formulas["katex"] == 0


def test_a_damaged_body_cache_is_rebuilt(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site", code_posts(2))
    build(BuildOptions(source=root, output=tmp_path / "a"))
    (root / ".blogkit-cache/bodies.sqlite").write_bytes(b"not a database")
    build(BuildOptions(source=root, output=tmp_path / "b"))
    assert files(tmp_path / "a") == files(tmp_path / "b")


def test_caches_damaged_past_their_schema_only_cost_the_time(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site", code_posts(40))
    build(BuildOptions(source=root, output=tmp_path / "a"))
    damaged = []
    for path in sorted((root / ".blogkit-cache").glob("*.sqlite")):
        data = path.read_bytes()
        if len(data) > 2 * 4096:  # the first page holds the schema: the file still opens
            path.write_bytes(data[:4096] + bytes(range(256)) * ((len(data) - 4096) // 256))
            damaged.append(path.name)
    assert {"bodies.sqlite", "formulas.sqlite", "posts.sqlite"} <= set(damaged)
    again = build(BuildOptions(source=root, output=tmp_path / "b"))
    assert files(tmp_path / "a") == files(tmp_path / "b")
    assert again.formulas["cache_hits"] == 0  # every formula rendered again: none trusted


def test_an_edit_that_leaves_the_code_alone_takes_its_blocks_from_the_cache(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from blogkit import bodies

    highlighted: list[str] = []

    def counted(code: str, language: str) -> str:
        highlighted.append(code)
        return highlight(code, language)

    monkeypatch.setattr(bodies, "highlight", counted)
    root = make_site(tmp_path / "site", code_posts(POOL_THRESHOLD + 6))
    # The pool's workers highlight (and count in their own copies of `highlighted`): the
    # parent keeps what they noted.
    build(BuildOptions(source=root, workers=2))
    post = root / "content/posts/p003/index.en.md"
    highlighted.clear()
    post.write_text(post.read_text(encoding="utf-8") + "\nMore text.\n", encoding="utf-8")
    build(BuildOptions(source=root))
    assert highlighted == []  # the one body rendered again, its block from the cache
    post.write_text(post.read_text(encoding="utf-8").replace("x = 3", "x = 33"),
                    encoding="utf-8")
    build(BuildOptions(source=root))
    assert highlighted == ["x = 33\n"]
    clean = shutil.copytree(root, tmp_path / "clean",
                            ignore=shutil.ignore_patterns(".blogkit-cache", "public"))
    build(BuildOptions(source=clean))
    assert files(root / "public") == files(clean / "public")


def test_bodies_start_rendering_while_the_posts_are_read(tmp_path: Path) -> None:
    from blogkit.bodies import BodyPool, body_keys, render_all
    from blogkit.config import load_config
    from blogkit.content import load_content

    root = make_site(tmp_path / "site", code_posts(POOL_THRESHOLD + 6)).resolve()
    config = load_config(root)
    offered = []
    with BodyPool(config, 2) as pool:
        loaded = load_content(config, on_read=lambda post: (offered.append(post.rel),
                                                            pool.offer(post)))
        posts = loaded.posts
        keys = body_keys(config, posts)
        early = pool.submitted(posts, keys)
        # Given to the workers while reading: all but the last few read (a chunk's worth).
        assert len(offered) == len(posts)
        assert POOL_THRESHOLD <= len(early) < len(posts)
        assert early <= set(offered[:len(early) + 16])
        bodies, _ = render_all(config, posts, keys, pool=pool)
    # The same bodies as rendered one by one in this process, none missing.
    shutil.rmtree(root / ".blogkit-cache")
    assert render_all(config, posts, keys, workers=1) == (bodies, len(posts))


def test_posts_read_again_do_not_render_bodies_the_cache_has(tmp_path: Path) -> None:
    from blogkit.bodies import BodyPool, body_keys
    from blogkit.config import load_config
    from blogkit.content import load_content

    root = make_site(tmp_path / "site", code_posts(POOL_THRESHOLD + 6))
    build(BuildOptions(source=root, workers=2))
    # A new setting makes every post be parsed again, but no body changes.
    config_path = root / "blogkit.yaml"
    config_path.write_text(config_path.read_text(encoding="utf-8") + "author: Another\n",
                           encoding="utf-8")
    config = load_config(root.resolve())
    with BodyPool(config, 2) as pool:
        posts = load_content(config, on_read=pool.offer).posts
        assert pool.submitted(posts, body_keys(config, posts)) == set()


def test_a_build_that_fails_after_its_pool_started_leaves_no_worker(tmp_path: Path) -> None:
    import multiprocessing

    from blogkit.errors import BuildError

    root = make_site(tmp_path / "site", code_posts(POOL_THRESHOLD + 6))
    bad = root / "content/posts/p999/index.md"  # read last: the pool is working by then
    bad.parent.mkdir(parents=True)
    bad.write_text("---\ntitle: [unclosed\n---\nText.\n", encoding="utf-8")
    with pytest.raises(BuildError) as failed:
        build(BuildOptions(source=root, workers=2))
    assert any(error.path == bad.resolve() for error in failed.value.errors)
    assert multiprocessing.active_children() == []
    assert not (root / "public").exists()


def test_a_pool_started_for_a_site_found_unchanged_is_stopped(tmp_path: Path) -> None:
    import multiprocessing

    root = make_site(tmp_path / "site", code_posts(POOL_THRESHOLD + 6))
    build(BuildOptions(source=root, workers=2))
    before = files(root / "public")
    # Posts and bodies forgotten: the posts are parsed again and the pool starts on their
    # bodies, before the build sees that the output is that of these very inputs.
    for name in ("posts.sqlite", "bodies.sqlite"):
        (root / ".blogkit-cache" / name).unlink()
    again = build(BuildOptions(source=root, workers=2))
    assert again.rendered == 0
    assert multiprocessing.active_children() == []
    assert files(root / "public") == before


def test_pages_digested_while_a_new_output_is_rendered_are_known_to_the_next_build(
        tmp_path: Path) -> None:
    from blogkit import render

    root = make_site(tmp_path / "site", code_posts(POOL_THRESHOLD + 6))
    first = build(BuildOptions(source=root, workers=2))
    assert first.rendered == first.pages >= render.POOL_THRESHOLD  # by the page pool
    post = root / "content/posts/p003/index.en.md"
    post.write_text(post.read_text(encoding="utf-8") + "\nMore text.\n", encoding="utf-8")
    second = build(BuildOptions(source=root, workers=2))
    assert 0 < second.rendered < first.pages // 4
