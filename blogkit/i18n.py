"""I18N: UI strings per language, dates, CJK-aware counting and slugs."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import datetime
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

# Ideographs, kana and hangul: one visible unit each (a "word" of CJK text).
_CJK_LETTER = (
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u309f\u30a0-\u30ff\uac00-\ud7af"
    "\U00020000-\U0002ebef\U00030000-\U0003134f"
)
# CJK punctuation and full-width forms: no spaces around them either.
_CJK_PUNCT = "\u3000-\u303f\uff00-\uffef\u2018\u2019\u201c\u201d\u2014\u2026\u00b7"
CJK_LETTER_RE = re.compile(f"[{_CJK_LETTER}]")
_CJK_ANY_RE = re.compile(f"[{_CJK_LETTER}{_CJK_PUNCT}]")
# A Latin "word": letters and digits, with inner apostrophes, dots or hyphens
# (it's, 3.14, pre-train).
LATIN_WORD_RE = re.compile(r"[^\W_" + _CJK_LETTER + r"]+(?:['’.\-][^\W_" + _CJK_LETTER + r"]+)*")
_SLUG_SPLIT = re.compile(r"[^\w]+|_+")

CJK_PER_MINUTE = 300
"""Reading speed for CJK text, characters a minute."""
WORDS_PER_MINUTE = 200
"""Reading speed for Latin-script text, words a minute."""


def is_cjk(char: str) -> bool:
    """Tell whether `char` is a CJK letter or CJK punctuation (no space belongs next to it)."""
    return bool(_CJK_ANY_RE.match(char))


def count_units(text: str) -> tuple[int, int]:
    """Return (CJK characters, Latin words) in `text`."""
    return len(CJK_LETTER_RE.findall(text)), len(LATIN_WORD_RE.findall(text))


def reading_minutes(cjk: int, words: int) -> int:
    """Estimate reading time, at least one minute."""
    minutes = cjk / CJK_PER_MINUTE + words / WORDS_PER_MINUTE
    return max(1, round(minutes))


def slugify(text: str) -> str:
    """Turn a name into a URL segment.

    The rule (documented in the README): Unicode NFKC, lower case, every run of characters
    that are not letters or digits becomes one '-', trimmed at both ends. CJK characters are
    letters and stay as they are, so `扩散模型` stays `扩散模型` (browsers show it readably,
    the wire carries it percent-encoded) and `3D Model` becomes `3d-model`. A name with no
    letter or digit at all gets `t-` plus 8 hex digits of its SHA-1, which never changes.
    """
    normal = unicodedata.normalize("NFKC", text).lower()
    slug = _SLUG_SPLIT.sub("-", normal).strip("-")
    if not slug:
        slug = "t-" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]
    return slug


def load_ui(code: str, overrides: dict[str, str]) -> dict[str, Any]:
    """Return the theme's UI strings for `code` (English where the theme has none), overridden."""
    base = _read_ui("en")
    if code != "en":
        base.update(_read_ui(code))
    base.update(overrides)
    return base


def _read_ui(code: str) -> dict[str, Any]:
    return dict(_theme_ui(code))


@lru_cache(maxsize=32)
def _theme_ui(code: str) -> dict[str, Any]:
    """The theme's strings for `code` (files inside the installed package: read once)."""
    folder = resources.files("blogkit") / "theme" / "i18n"
    entry = folder / f"{code}.yaml"
    if not entry.is_file():
        return {}
    data = yaml.safe_load(entry.read_text(encoding="utf-8"))
    return dict(data or {})


def format_date(moment: datetime, ui: dict[str, Any]) -> str:
    """Format a date the language's way: 2026年1月18日, Jan 18, 2026."""
    months = ui.get("months") or [str(n) for n in range(1, 13)]
    return str(ui.get("date_format", "{year}-{month:02d}-{day:02d}")).format(
        year=moment.year,
        month=moment.month,
        day=moment.day,
        month_name=months[moment.month - 1],
    )
