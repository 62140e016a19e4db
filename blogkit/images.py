"""IMAGES: the size of every image a post can show, and resized WebP variants of the
page bundles' photos (with Pillow, when it is installed), cached like formulas.

Sizes come from the files themselves (image_sizes.py), so a body's `<img>` gets `width`
and `height` and the page does not shift as images load; a file that is no image we know
keeps its tag as written.

Variants (`VARIANT_WIDTHS`, never wider than the original) are published beside their
original as `<name>.<width>w.webp`; the original stays the `src`. Each is kept in
`.blogkit-cache/images/` under the digest of the original's bytes and its width, so a
warm build encodes nothing. GIFs, animated PNGs and WebPs are left as they are.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote

from .config import SiteConfig
from .content import Post
from .digest import digest
from .errors import BuildError, SourceError
from .image_sizes import ImageSize, read_size

if TYPE_CHECKING:  # the writer imports (through the pages) links.py, which imports this
    from .writer import StaticFile

VARIANT_WIDTHS = (480, 960, 1440)
"""Widths of the resized variants, each made only when narrower than the original."""
SIZES = "(max-width: 46rem) calc(100vw - 2.5rem), 43.5rem"
"""The `sizes` of a body image: the theme's text column (`--measure` less its padding)."""
_ENCODING = "webp q80 lanczos v1"
"""What a variant's bytes depend on besides the original and the width (part of its key)."""
_RASTER = frozenset({"png", "jpeg", "gif", "webp"})
_RESIZED = frozenset({"png", "jpeg", "webp"})
"""Formats that get variants (a GIF may be animated: it is left alone)."""
_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg"})
"""Files looked at for a size (their bytes decide what they are)."""


@dataclass(frozen=True)
class ImageInfo:
    """What an image's `<img>` is given: its size, and the widths of its variants."""

    width: int
    height: int
    widths: tuple[int, ...] = ()
    """Widths of its WebP variants (none without Pillow, for SVG, GIF, small images)."""


@dataclass(frozen=True)
class ImageView:
    """An image as templates see it (a post's cover): what its `<img>` says."""

    url: str
    """Root-relative with the base path, percent-encoded; or the URL as written."""
    width: int = 0
    """0 when the size is not known (a remote image, a file that is not an image)."""
    height: int = 0
    srcset: str = ""
    """Its variants and the original (see `srcset`), or ""."""


def variant_name(name: str, width: int) -> str:
    """The file name of `name`'s variant `width` pixels wide: `fig.png` -> `fig.png.480w.webp`
    (the original's suffix kept, so `fig.png` and `fig.jpg` never share one)."""
    return f"{name}.{width}w.webp"


_VARIANT_NAME = re.compile(r"^(.+)\.([0-9]+)w\.webp$")


def have_pillow() -> bool:
    """Whether Pillow (the `images` extra) can be imported: without it, no variants."""
    try:
        import PIL.Image  # noqa: F401
    except ImportError:
        return False
    return True


# -- sizes ------------------------------------------------------------------------------

def site_images(config: SiteConfig, posts: Sequence[Post]) -> dict[str, ImageInfo]:
    """Every image a post can show, by link target: a bundle's by its content/-relative
    path (`posts/vae/fig.png`), static/'s by its site path (`/images/fig.png`)."""
    found: dict[str, ImageInfo] = {}
    pillow: bool | None = None
    for post in posts:
        if post.bundle_dir is None:
            continue
        folder = post.rel.rsplit("/", 1)[0] + "/"
        for name, asset in zip(post.asset_names(), post.assets, strict=True):
            if folder + name in found or asset.suffix.lower() not in _SUFFIXES:
                continue
            size = read_size(asset)
            if size is None:
                continue
            widths: tuple[int, ...] = ()
            if _resizable(size):
                pillow = have_pillow() if pillow is None else pillow
                widths = variant_widths(size.width) if pillow else ()
            found[folder + name] = ImageInfo(size.width, size.height, widths)
    static = config.root / "static"
    if static.is_dir():
        for path in sorted(static.rglob("*")):
            if path.suffix.lower() in _SUFFIXES and not path.name.startswith(".") \
                    and path.is_file():
                size = read_size(path)
                if size is not None:
                    found["/" + path.relative_to(static).as_posix()] = \
                        ImageInfo(size.width, size.height)
    return found


def sizes_key(images: Mapping[str, ImageInfo]) -> str:
    """Stands for what pages show of the images (their sizes and variants' widths)."""
    return digest(sorted(images.items()))


def variant_widths(width: int) -> tuple[int, ...]:
    return tuple(w for w in VARIANT_WIDTHS if w < width)


def _resizable(size: ImageSize) -> bool:
    return size.format in _RESIZED and not size.animated


# -- variants ---------------------------------------------------------------------------

def variant_files(config: SiteConfig, posts: Sequence[Post]) -> list[StaticFile]:
    """The variants to publish beside each post's bundle images (none without Pillow),
    from the cache (see `make_variants`); each original's bytes are read once."""
    from .writer import StaticFile

    cache = variants_folder(config)
    made: dict[Path, list[tuple[int, Path]]] = {}
    files: list[StaticFile] = []
    pillow: bool | None = None
    for post in posts:
        if post.bundle_dir is None:
            continue
        for name, asset in zip(post.asset_names(), post.assets, strict=True):
            if asset.suffix.lower() not in _SUFFIXES:
                continue
            if asset not in made:
                size = read_size(asset)
                if size is not None and _resizable(size):
                    pillow = have_pillow() if pillow is None else pillow
                if size is None or not _resizable(size) or not pillow:
                    made[asset] = []
                    continue
                key = _file_digest(asset)
                made[asset] = [(width, cache / f"{key}-{width}.webp")
                               for width in variant_widths(size.width)]
            files.extend(StaticFile(post.url.lstrip("/") + variant_name(name, width), cached)
                         for width, cached in made[asset])
    return files


def variants_folder(config: SiteConfig) -> Path:
    """Where variants are kept: `<digest of the original and encoding>-<width>.webp`."""
    return config.cache_dir / "images"


def _file_digest(path: Path) -> str:
    """Names the original's bytes and how its variants are encoded."""
    with path.open("rb") as file:
        return digest(hashlib.file_digest(file, "sha256").hexdigest(), _ENCODING)


def make_variants(config: SiteConfig, statics: Sequence[StaticFile],
                  workers: int | None = None) -> int:
    """Encode the variants among `statics` (see `variant_files`) that the cache lacks,
    each from the file it is named after (`fig.png.480w.webp`: `fig.png`, also among
    `statics`); return how many were encoded. An original is decoded once for all. An
    original Pillow cannot decode (cut short, or too large to be safe) raises BuildError
    naming it."""
    folder = variants_folder(config)
    by_path = {static.path: static.source for static in statics}
    todo: dict[Path, list[tuple[int, Path]]] = {}
    seen: set[Path] = set()
    for static in statics:
        if static.source.parent != folder or static.source in seen:
            continue
        seen.add(static.source)
        named = _VARIANT_NAME.match(static.path)
        if named is not None and named.group(1) in by_path and not static.source.is_file():
            todo.setdefault(by_path[named.group(1)], []).append(
                (int(named.group(2)), static.source))
    if not todo:
        return 0
    folder.mkdir(parents=True, exist_ok=True)
    count = min(workers or os.cpu_count() or 1, len(todo))
    if count == 1:
        problems = [_encode(original, wanted) for original, wanted in todo.items()]
    else:
        with ThreadPoolExecutor(count) as pool:  # Pillow lets go of the GIL as it works
            problems = list(pool.map(_encode, todo, todo.values()))
    errors = [problem for problem in problems if problem is not None]
    if errors:
        raise BuildError(errors)
    return sum(len(wanted) for wanted in todo.values())


def _encode(original: Path, wanted: list[tuple[int, Path]]) -> SourceError | None:
    """Write the variants `wanted` of `original`; the error, when it cannot be decoded."""
    from PIL import Image

    try:
        _resize(original, wanted)
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        return SourceError(original, None, None,
                           f"this image cannot be decoded, so no smaller copies of it can be "
                           f"made: {exc}", "replace it with a whole PNG, JPEG or WebP file "
                           "(its header says it is one, but its data is cut short or damaged)")
    return None


def _resize(original: Path, wanted: list[tuple[int, Path]]) -> None:
    from PIL import Image, ImageOps

    with Image.open(original) as opened:
        image = ImageOps.exif_transpose(opened)  # upright, as the browser shows the original
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA" if _transparent(image) else "RGB")
        for width, cached in wanted:
            height = max(1, round(image.height * width / image.width))
            small = image.resize((width, height), Image.Resampling.LANCZOS)
            temporary = cached.with_name(f".{cached.name}.{os.getpid()}.tmp")
            small.save(temporary, "WEBP", quality=80)
            os.replace(temporary, cached)  # never half a file under its key


def _transparent(image: object) -> bool:
    from PIL import Image

    assert isinstance(image, Image.Image)
    return image.mode in ("LA", "PA", "RGBa", "La") or "transparency" in image.info


# -- markup -----------------------------------------------------------------------------

def srcset(url: str, info: ImageInfo) -> str:
    """The `srcset` of an image at `url` (its variants beside it, then the original)."""
    folder, _, name = url.rpartition("/")
    plain = unquote(name)
    candidates = [f"{folder}/{quote(variant_name(plain, width))} {width}w"
                  for width in info.widths]
    candidates.append(f"{url} {info.width}w")
    return ", ".join(candidates)
