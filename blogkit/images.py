"""IMAGES: the size of every image a post can show, and resized WebP variants of the
page bundles' photos (with Pillow, when it is installed), cached like formulas.

Sizes come from the files themselves, so a body's `<img>` gets `width` and `height` and
the page does not shift as images load: PNG, GIF, WebP and JPEG from their headers
(read here, a few dozen bytes each: PNG 1.2 §11.2.2 IHDR, GIF89a §18, the WebP container
spec's VP8/VP8L/VP8X headers, JPEG's SOFn segments and Exif orientation), SVG from its
root element's `width`/`height`, else its `viewBox` (expat, with entity declarations
refused). A file that is not one of these keeps its tag as written.

Variants (`VARIANT_WIDTHS`, never wider than the original) are published beside their
original as `<name>.<width>w.webp`; the original stays the `src`. Each is kept in
`.blogkit-cache/images/` under the digest of the original's bytes and its width, so a
warm build encodes nothing. GIFs, animated PNGs and WebPs are left as they are.
"""

from __future__ import annotations

import hashlib
import os
import re
import struct
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, NamedTuple
from urllib.parse import quote, unquote

from .config import SiteConfig
from .content import Post
from .digest import digest

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


class ImageSize(NamedTuple):
    """What an image file's header says."""

    width: int
    height: int
    format: str
    """`png`, `jpeg`, `gif`, `webp` or `svg`."""
    animated: bool = False


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


def read_size(path: Path) -> ImageSize | None:
    """The size of the image in `path` from its header; None if it is none we know, or
    cannot be read."""
    try:
        with path.open("rb") as file:
            head = file.read(32)
            if head.startswith(b"\x89PNG\r\n\x1a\n"):
                return _png(file, head)
            if head[:6] in (b"GIF87a", b"GIF89a") and len(head) >= 10:
                width, height = struct.unpack("<HH", head[6:10])
                return _positive(width, height, "gif")
            if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
                return _webp(head)
            if head[:3] == b"\xff\xd8\xff":
                file.seek(2)
                return _jpeg(file)
            if path.suffix.lower() == ".svg":
                file.seek(0)
                return svg_size(file)
    except (OSError, struct.error, ValueError):
        return None
    return None


def _positive(width: int, height: int, kind: str, animated: bool = False) -> ImageSize | None:
    return ImageSize(width, height, kind, animated) if width > 0 and height > 0 else None


def _png(file: IO[bytes], head: bytes) -> ImageSize | None:
    # PNG 1.2 §11.2.2: IHDR comes first; its data starts with width and height (uint32, BE).
    if head[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", head[16:24])
    # APNG: an acTL chunk before the first IDAT makes it animated.
    file.seek(8)
    animated = False
    while True:
        chunk = file.read(8)
        if len(chunk) < 8:
            break
        length, kind = struct.unpack(">I4s", chunk)
        if kind in (b"IDAT", b"IEND"):
            break
        if kind == b"acTL":
            animated = True
            break
        file.seek(length + 4, os.SEEK_CUR)  # the data and its CRC
    return _positive(width, height, "png", animated)


def _webp(head: bytes) -> ImageSize | None:
    # The WebP container: "RIFF" size "WEBP", then the first chunk's FourCC at 12.
    kind = head[12:16]
    if kind == b"VP8 " and head[23:26] == b"\x9d\x01\x2a":  # a key frame's start code
        width, height = struct.unpack("<HH", head[26:30])
        return _positive(width & 0x3FFF, height & 0x3FFF, "webp")
    if kind == b"VP8L" and head[20] == 0x2F:
        bits = int.from_bytes(head[21:25], "little")
        return _positive((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1, "webp")
    if kind == b"VP8X":
        animated = bool(head[20] & 0x02)
        width = int.from_bytes(head[24:27], "little") + 1
        height = int.from_bytes(head[27:30], "little") + 1
        return _positive(width, height, "webp", animated)
    return None


_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
"""JPEG start-of-frame markers (ITU T.81 table B.1): not DHT, JPG, DAC."""
_NO_LENGTH = frozenset({0x01, *range(0xD0, 0xD9)})
"""Markers without a length: TEM, RSTn, SOI."""


def _jpeg(file: IO[bytes]) -> ImageSize | None:
    """Width and height of a JPEG's frame; swapped when its Exif orientation turns it a
    quarter (browsers show it upright, as `image-orientation: from-image` says)."""
    turned = False
    while True:
        byte = file.read(1)
        while byte == b"\xff":  # fill bytes before a marker
            byte = file.read(1)
        if not byte:
            return None
        marker = byte[0]
        if marker in _NO_LENGTH:
            continue
        if marker in (0xD9, 0xDA):  # EOI, or SOS before any frame header
            return None
        length = struct.unpack(">H", file.read(2))[0]
        if length < 2:
            return None
        data = file.read(length - 2)
        if marker == 0xE1 and data.startswith(b"Exif\0\0"):
            turned = _exif_orientation(data[6:]) in (5, 6, 7, 8)
        elif marker in _SOF:
            height, width = struct.unpack(">HH", data[1:5])
            return _positive(height, width, "jpeg") if turned else \
                _positive(width, height, "jpeg")
        # any other segment is skipped; the next marker follows it


def _exif_orientation(tiff: bytes) -> int:
    """The Orientation tag (0x0112) of IFD0 in Exif's TIFF structure (TIFF 6.0 §2), or 1."""
    order = {b"II": "<", b"MM": ">"}.get(tiff[:2])
    if order is None or len(tiff) < 8:
        return 1
    offset = struct.unpack(order + "I", tiff[4:8])[0]
    count = struct.unpack(order + "H", tiff[offset:offset + 2])[0]
    for index in range(count):
        at = offset + 2 + 12 * index
        tag, kind = struct.unpack(order + "HH", tiff[at:at + 4])
        if tag == 0x0112 and kind == 3:  # a SHORT
            return int(struct.unpack(order + "H", tiff[at + 8:at + 10])[0])
    return 1


_LENGTH = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(px)?\s*$")


class _Root(Exception):
    """Raised by the SVG parser's handler at the root element: nothing more is read."""

    def __init__(self, attributes: dict[str, str]) -> None:
        self.attributes = attributes


def svg_size(file: IO[bytes]) -> ImageSize | None:
    """An SVG's size: its root's `width` and `height` in pixels (unitless or `px`), else
    what its `viewBox` says (one of them given: the other from the viewBox's ratio).

    Parsed with expat up to the root element alone; a document declaring entities is
    refused (no expansion, hence no billion laughs), and no external entity is fetched.
    """
    from xml.parsers import expat

    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def start(name: str, attributes: dict[str, str]) -> None:
        raise _Root(attributes if name.rsplit(":", 1)[-1] == "svg" else {})

    def refuse(*_: object) -> None:
        raise ValueError("an SVG that declares entities")

    parser.StartElementHandler = start
    parser.EntityDeclHandler = refuse
    try:
        parser.ParseFile(file)
    except _Root as root:
        return _svg_from(root.attributes)
    except (expat.ExpatError, ValueError):
        return None
    return None


def _svg_from(attributes: dict[str, str]) -> ImageSize | None:
    def length(name: str) -> float | None:
        found = _LENGTH.match(attributes.get(name, ""))
        return float(found.group(1)) if found else None

    width, height = length("width"), length("height")
    box = re.split(r"[\s,]+", attributes.get("viewBox", "").strip())
    ratio = None
    if len(box) == 4:
        try:
            box_width, box_height = float(box[2]), float(box[3])
        except ValueError:
            box_width = box_height = 0.0
        if box_width > 0 and box_height > 0:
            ratio = box_width / box_height
            if width is None and height is None:
                width, height = box_width, box_height
    if width is not None and height is None and ratio:
        height = width / ratio
    elif height is not None and width is None and ratio:
        width = height * ratio
    if width is None or height is None:
        return None
    return _positive(max(1, round(width)), max(1, round(height)), "svg")


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
    `statics`); return how many were encoded. An original is decoded once for all."""
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
        for original, wanted in todo.items():
            _encode(original, wanted)
    else:
        with ThreadPoolExecutor(count) as pool:  # Pillow lets go of the GIL as it works
            list(pool.map(_encode, todo, todo.values()))
    return sum(len(wanted) for wanted in todo.values())


def _encode(original: Path, wanted: list[tuple[int, Path]]) -> None:
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
