"""IMAGE SIZES: an image file's width and height from its header, read with our own code.

PNG, GIF, WebP and JPEG from their headers (a few dozen bytes each: PNG 1.2 §11.2.2 IHDR,
GIF89a §18, the WebP container spec's VP8/VP8L/VP8X headers, JPEG's SOFn segments and
Exif orientation), SVG from its root element's `width`/`height`, else its `viewBox`
(expat, with entity declarations refused). A file that is none of these has no size.
"""

from __future__ import annotations

import os
import re
import struct
from pathlib import Path
from typing import IO, NamedTuple


class ImageSize(NamedTuple):
    """What an image file's header says."""

    width: int
    height: int
    format: str
    """`png`, `jpeg`, `gif`, `webp` or `svg`."""
    animated: bool = False


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
