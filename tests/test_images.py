"""IMAGES: sizes read from the files, WebP variants with Pillow (cached), the markup of a
body's images, and what a browser makes of it.

Images are made with Pillow in the tests. Without Pillow the tests that need it are
skipped, except in CI (the CI environment variable set), where a missing Pillow fails.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from conftest import CHROMIUM, build_site, make_site, post, static_host
from conftest import write_file as write

from blogkit.build import BuildOptions, Compiled, compile_site
from blogkit.build_cache import BuildCache
from blogkit.image_sizes import read_size, svg_size

SVG = "<svg xmlns='http://www.w3.org/2000/svg' {}><rect width='10' height='10'/></svg>"


@pytest.fixture(scope="module")
def pil() -> ModuleType:
    """PIL.Image: required in CI, optional elsewhere."""
    if os.environ.get("CI"):
        import PIL.Image

        return PIL.Image
    return pytest.importorskip("PIL.Image")


def write_bytes(root: Path, name: str, data: bytes) -> None:
    """Replace a file of a site, with an mtime later than any before it (as `write`)."""
    path = root / name
    path.write_bytes(data)
    later = max(time.time_ns(), path.stat().st_mtime_ns) + 10_000_000
    os.utime(path, ns=(later, later))


def image_bytes(pil: ModuleType, size: tuple[int, int], kind: str = "PNG",
                color: str = "teal", **save: Any) -> bytes:
    buffer = io.BytesIO()
    pil.new("RGB", size, color).save(buffer, kind, **save)
    return buffer.getvalue()


# -- sizes from headers -----------------------------------------------------------------

@pytest.mark.parametrize(("kind", "save"), [
    ("PNG", {}), ("JPEG", {}), ("GIF", {}), ("WEBP", {"quality": 50}),
    ("WEBP", {"lossless": True}), ("WEBP", {"exif": b"Exif\0\0MM\0*\0\0\0\x08\0\0"}),
])
def test_raster_sizes_come_from_the_header(pil: ModuleType, tmp_path: Path, kind: str,
                                          save: dict[str, Any]) -> None:
    path = tmp_path / "image.bin"  # the bytes decide, not the name
    path.write_bytes(image_bytes(pil, (123, 45), kind, **save))
    size = read_size(path)
    assert size is not None and (size.width, size.height) == (123, 45)
    assert not size.animated


def test_animation_and_exif_rotation_are_seen(pil: ModuleType, tmp_path: Path) -> None:
    frames = [pil.new("RGB", (30, 20), color) for color in ("red", "blue")]
    for suffix in ("png", "webp"):
        frames[0].save(tmp_path / f"a.{suffix}", save_all=True, append_images=frames[1:])
        found = read_size(tmp_path / f"a.{suffix}")
        assert found is not None and found.animated and found.width == 30
    exif = pil.Exif()
    exif[0x0112] = 6  # "rotate 90° CW": shown 100 wide, 200 high
    pil.new("RGB", (200, 100)).save(tmp_path / "turned.jpg", exif=exif.tobytes())
    assert read_size(tmp_path / "turned.jpg")[:2] == (100, 200)  # type: ignore[index]


@pytest.mark.parametrize(("attributes", "expected"), [
    ("width='64' height='32'", (64, 32)),
    ("width='64px' height='32.4px' viewBox='0 0 1 1'", (64, 32)),
    ("viewBox='0 0 300 150'", (300, 150)),
    ("viewBox='0,0,300,150' width='600'", (600, 300)),
    ("width='10em' height='5em' viewBox='0 0 40 20'", (40, 20)),
    ("width='100%'", None),
    ("", None),
])
def test_svg_sizes_from_width_height_else_viewbox(attributes: str,
                                                  expected: tuple[int, int] | None) -> None:
    found = svg_size(io.BytesIO(SVG.format(attributes).encode()))
    assert (found[:2] if found else None) == expected


def test_svg_entities_are_never_expanded_and_junk_is_no_image(tmp_path: Path) -> None:
    laughs = ("<?xml version='1.0'?><!DOCTYPE svg [<!ENTITY a 'aaaaaaaaaa'>"
              "<!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;'>]>"
              "<svg xmlns='http://www.w3.org/2000/svg' width='&b;' height='1'/>")
    external = ("<!DOCTYPE svg SYSTEM 'http://example.invalid/svg.dtd'>"
                "<svg xmlns='http://www.w3.org/2000/svg' width='5' height='6'/>")
    assert svg_size(io.BytesIO(laughs.encode())) is None
    assert svg_size(io.BytesIO(external.encode()))[:2] == (5, 6)  # type: ignore[index]
    for name, data in (("a.svg", b"not xml"), ("b.png", b"\x89PNG\r\n\x1a\n short"),
                       ("c.jpg", b"\xff\xd8\xff\xe0\x00"), ("d.gif", b"GIF89a"),
                       ("e.webp", b"RIFF\0\0\0\0WEBPVP8 "), ("f.png", b"")):
        (tmp_path / name).write_bytes(data)
        assert read_size(tmp_path / name) is None, name
    assert read_size(tmp_path / "missing.png") is None


# -- a site's images --------------------------------------------------------------------

def image_site(root: Path, pil: ModuleType) -> Path:
    body = ("![photo](photo.png)\n\n![diagram](d.svg)\n\n![anim](a.gif)\n\n"
            "[![linked](small.jpg)](https://example.com/)\n\n![static](/img/s.svg)\n\n"
            "![broken](notimage.png)\n\n![remote](https://example.com/r.png)\n")
    return make_site(root, {
        "content/posts/pics/index.zh.md": post("图", "2026-01-02", body,
                                              extra={"image": "photo.png"}),
        "content/posts/pics/index.en.md": post("Pics", "2026-01-02", body),
        "content/posts/pics/photo.png": image_bytes(pil, (2000, 1500)),
        "content/posts/pics/small.jpg": image_bytes(pil, (300, 200), "JPEG"),
        "content/posts/pics/a.gif": image_bytes(pil, (1200, 600), "GIF"),
        "content/posts/pics/d.svg": SVG.format("viewBox='0 0 40 30'"),
        "content/posts/pics/notimage.png": "not an image",
        "static/img/s.svg": SVG.format("width='10' height='20'"),
        "content/posts/other.zh.md": post("别", "2026-01-01", "文字"),
    })


def img_tags(page: str) -> dict[str, str]:
    """Each `<img>` of the post body by its alt text."""
    body = page.split('class="post-body"', 1)[1].split("</div>", 1)[0]
    return {re.search(r'alt="([^"]*)"', tag).group(1): tag  # type: ignore[union-attr]
            for tag in re.findall(r"<img\s[^>]*>", body)}


def test_body_images_get_size_decoding_lazy_loading_and_a_link(pil: ModuleType,
                                                                tmp_path: Path) -> None:
    root = image_site(tmp_path, pil)
    build_site(root)
    page = (root / "public/posts/pics/index.html").read_text(encoding="utf-8")
    tags = img_tags(page)
    assert 'width="2000" height="1500"' in tags["photo"]
    assert 'width="40" height="30"' in tags["diagram"]
    assert 'width="1200" height="600"' in tags["anim"]
    assert 'width="300" height="200"' in tags["linked"]
    assert 'width="10" height="20"' in tags["static"]
    for alt in ("broken", "remote"):  # no file to read: the tag as it was
        assert "width=" not in tags[alt] and "height=" not in tags[alt]
    assert all('decoding="async"' in tag for tag in tags.values())
    # The first image is likely on the first screen: only it is not lazy.
    assert 'loading="lazy"' not in tags["photo"]
    assert all('loading="lazy"' in tag for alt, tag in tags.items() if alt != "photo")
    # A click opens the full image; an image inside a link keeps that link alone.
    assert '<a class="image-link" href="/blog/posts/pics/photo.png"><img' in page
    assert '<a class="image-link" href="/blog/posts/pics/small.jpg">' not in page
    assert '<a href="https://example.com/"><img src="/blog/posts/pics/small.jpg"' in page


def test_bundle_photos_get_webp_variants_and_a_srcset(pil: ModuleType, tmp_path: Path) -> None:
    root = image_site(tmp_path, pil)
    build_site(root)
    public = root / "public"
    for prefix in ("", "en/"):
        tags = img_tags((public / f"{prefix}posts/pics/index.html").read_text(encoding="utf-8"))
        folder = f"/blog/{prefix}posts/pics/"
        assert (f'srcset="{folder}photo.png.480w.webp 480w, {folder}photo.png.960w.webp 960w, '
                f'{folder}photo.png.1440w.webp 1440w, {folder}photo.png 2000w"') in tags["photo"]
        assert f'src="{folder}photo.png"' in tags["photo"] and "sizes=" in tags["photo"]
        for alt in ("diagram", "anim", "linked", "static", "broken", "remote"):
            assert "srcset" not in tags[alt], alt  # SVG, GIF, smaller than 480: untouched
        for width in (480, 960, 1440):
            with pil.open(public / f"{prefix}posts/pics/photo.png.{width}w.webp") as variant:
                assert variant.format == "WEBP" and variant.size == (width, width * 3 // 4)
    assert sorted(p.name for p in (public / "posts/pics").glob("*.webp")) == [
        "photo.png.1440w.webp", "photo.png.480w.webp", "photo.png.960w.webp"]
    assert (public / "posts/pics/photo.png").read_bytes() == \
        (root / "content/posts/pics/photo.png").read_bytes()


def test_variants_are_cached_by_the_original_s_bytes(pil: ModuleType, tmp_path: Path) -> None:
    root = image_site(tmp_path, pil)
    build_site(root)
    cached = sorted((root / ".blogkit-cache/images").glob("*.webp"))
    assert len(cached) == 3
    stamps = [path.stat().st_mtime_ns for path in cached]
    shutil.rmtree(root / "public")
    build_site(root)  # a clean output, a warm cache: nothing encoded again
    assert [path.stat().st_mtime_ns for path in cached] == stamps
    assert (root / "public/posts/pics/photo.png.480w.webp").read_bytes() == cached[
        [p.name.endswith("-480.webp") for p in cached].index(True)].read_bytes()
    write_bytes(root, "content/posts/pics/photo.png", image_bytes(pil, (2000, 1500), color="red"))
    build_site(root)  # new bytes, new variants beside the old ones
    assert len(list((root / ".blogkit-cache/images").glob("*.webp"))) == 6


def test_without_pillow_no_variants_and_nothing_else_changes(pil: ModuleType,
                                                             tmp_path: Path) -> None:
    with_pillow = image_site(tmp_path / "with", pil)
    build_site(with_pillow)
    without = image_site(tmp_path / "without", pil)
    blocked = ("import sys; sys.modules['PIL'] = None  # import PIL fails\n"
               "from blogkit.cli import main; sys.exit(main(['build', '-s', sys.argv[1]]))")
    done = subprocess.run([sys.executable, "-c", blocked, str(without)], capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert not list((without / "public").rglob("*.webp"))
    assert not (without / ".blogkit-cache/images").exists()
    for name in ("posts/pics/index.html", "en/posts/pics/index.html", "index.html"):
        made = (with_pillow / "public" / name).read_text(encoding="utf-8")
        plain = (without / "public" / name).read_text(encoding="utf-8")
        assert "srcset" not in plain
        assert re.sub(r' srcset="[^"]*" sizes="[^"]*"', "", made) == plain


def test_the_nu_checker_accepts_pages_with_images(pil: ModuleType, tmp_path: Path) -> None:
    from checkers import vnu_errors

    root = image_site(tmp_path, pil)
    build_site(root)
    public = root / "public"
    assert vnu_errors(public, [public / "posts/pics/index.html", public / "index.html"]) == []


# -- incremental builds -----------------------------------------------------------------

def snapshot(compiled: Compiled) -> dict[str, bytes]:
    files = {output.path: output.data for output in compiled.outputs}
    files.update({static.path: static.source.read_bytes() for static in compiled.statics})
    return files


def check(site: Path, cache: BuildCache) -> Compiled:
    options = BuildOptions(source=site)
    incremental = compile_site(options, cache)
    assert snapshot(incremental) == snapshot(compile_site(options))
    return incremental


def test_an_edited_image_changes_its_variants_and_the_pages_showing_it(
        pil: ModuleType, tmp_path: Path) -> None:
    root = image_site(tmp_path, pil)
    cache = BuildCache()
    first = snapshot(check(root, cache))
    # Same size, other pixels: other variants, the same pages.
    write_bytes(root, "content/posts/pics/photo.png", image_bytes(pil, (2000, 1500), color="red"))
    recoloured = check(root, cache)
    assert recoloured.rendered == 0
    again = snapshot(recoloured)
    assert again["posts/pics/photo.png.480w.webp"] != first["posts/pics/photo.png.480w.webp"]
    # Another size: the pages showing it say so, and its variants follow.
    write_bytes(root, "content/posts/pics/photo.png", image_bytes(pil, (1000, 500)))
    resized = check(root, cache)
    assert resized.rendered > 0
    files = snapshot(resized)
    assert b'width="1000" height="500"' in files["posts/pics/index.html"]
    assert "posts/pics/photo.png.1440w.webp" not in files
    assert "posts/pics/photo.png.960w.webp" in files
    write(root, "content/posts/pics/d.svg", SVG.format("viewBox='0 0 80 30'"))
    assert b'width="80" height="30"' in snapshot(check(root, cache))["posts/pics/index.html"]
    (root / "content/posts/pics/photo.png").unlink()
    write(root, "content/posts/pics/index.zh.md", post("图", "2026-01-02", "![a](d.svg)"))
    write(root, "content/posts/pics/index.en.md", post("Pics", "2026-01-02", "![a](d.svg)"))
    assert not any(path.endswith(".webp") for path in snapshot(check(root, cache)))


# -- the cover --------------------------------------------------------------------------

def test_extra_image_is_the_cover_of_its_page_and_its_listings(pil: ModuleType,
                                                               tmp_path: Path) -> None:
    from dataclasses import fields

    from blogkit.templates import PostView

    if "cover" not in {field.name for field in fields(PostView)}:
        pytest.skip("needs PostView.cover (templates.py) filled by plan.py")
    root = image_site(tmp_path, pil)
    build_site(root)
    public = root / "public"
    page = (public / "posts/pics/index.html").read_text(encoding="utf-8")
    cover = re.search(r'<figure class="post-cover">.*?</figure>', page, re.S)
    assert cover is not None
    assert 'src="/blog/posts/pics/photo.png" width="2000" height="1500"' in cover.group(0)
    assert "photo.png.480w.webp 480w" in cover.group(0) and "lazy" not in cover.group(0)
    for listing in ("index.html", "tags/t1/index.html"):
        if not (public / listing).exists():
            continue
        text = (public / listing).read_text(encoding="utf-8")
        thumb = re.search(r'<img class="entry-cover"[^>]*>', text)
        assert thumb is not None, listing
        assert 'width="2000" height="1500"' in thumb.group(0)
        assert 'loading="lazy"' in thumb.group(0)
    assert "entry-cover" not in (public / "en/index.html").read_text(encoding="utf-8")


# -- in the browser ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def served(pil: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`http://127.0.0.1:PORT/blog/` serving the built image site."""
    root = image_site(tmp_path_factory.mktemp("images-site"), pil)
    build_site(root)
    with static_host(root / "public") as url:
        yield url


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    if not CHROMIUM.exists() and not os.environ.get("CI"):
        pytest.skip(f"{CHROMIUM} is not installed (outside CI, browser tests are optional)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield browser
        browser.close()


def test_the_browser_shows_the_images_and_picks_a_variant(chromium: Any, served: str) -> None:
    context = chromium.new_context(viewport={"width": 390, "height": 844},
                                   device_scale_factor=1)
    page = context.new_page()
    page.goto(served + "posts/pics/")
    page.wait_for_load_state("load")
    for alt in ("photo", "diagram", "anim", "linked", "static"):
        image = page.locator(f'.post-body img[alt="{alt}"]')
        image.scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete", arg=image.element_handle())
        assert image.evaluate("img => img.naturalWidth") > 0, alt
    current = page.locator('.post-body img[alt="photo"]').evaluate("img => img.currentSrc")
    assert current.endswith("/posts/pics/photo.png.480w.webp")
    page.locator('.post-body img[alt="photo"]').click()
    page.wait_for_load_state("load")
    assert page.url == served + "posts/pics/photo.png"
    context.close()


def test_an_image_s_box_has_its_size_before_it_loads(chromium: Any, served: str) -> None:
    context = chromium.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    held: list[Any] = []  # image requests never answered: no image has loaded
    page.route(re.compile(r".*\.(png|webp|svg|gif|jpg)$"), lambda route: held.append(route))
    page.goto(served + "posts/pics/", wait_until="domcontentloaded")
    assert page.locator('.post-body img[alt="photo"]').evaluate("img => img.naturalWidth") == 0
    for alt, (width, height) in {"photo": (2000, 1500), "diagram": (40, 30),
                                 "anim": (1200, 600), "linked": (300, 200)}.items():
        box = page.locator(f'.post-body img[alt="{alt}"]').bounding_box()
        assert box is not None and box["width"] > 0, alt
        assert abs(box["height"] - box["width"] * height / width) < 1, (alt, box)
    context.close()


def test_an_image_cut_short_is_an_error_naming_it(pil: ModuleType, tmp_path: Path) -> None:
    """Its header is whole (so it has a size), its pixels are not: the build stops with the
    file named and a hint, no traceback, and the previous site stays."""
    root = make_site(tmp_path, {"content/posts/a/index.md": post("A", "2025-01-01", "![x](x.png)")})
    whole = image_bytes(pil, (2000, 1500))
    write_bytes(root, "content/posts/a/x.png", whole)
    build_site(root)
    before = (root / "public/posts/a/index.html").read_bytes()
    write_bytes(root, "content/posts/a/x.png", whole[: len(whole) // 2])
    shutil.rmtree(root / ".blogkit-cache" / "images")
    done = subprocess.run([sys.executable, "-m", "blogkit", "build", "-s", str(root)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.startswith("content/posts/a/x.png: error: this image cannot be decoded")
    assert "hint: replace it with a whole PNG, JPEG or WebP file" in done.stderr
    assert (root / "public/posts/a/index.html").read_bytes() == before
