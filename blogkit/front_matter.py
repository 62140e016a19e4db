"""LOAD helper: a front matter's fields, each read and checked with its position.

Each reader takes the parsed YAML (`yamlpos.YamlDoc`, which knows every value's line and
column) and adds a positioned error for a value of the wrong kind. Keys of other tools are
sorted in `other_tools.py`; titles and dates given outside the front matter are found in
`post_fields.py`.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from datetime import timezone as dt_timezone
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from .config import SiteConfig
from .errors import SourceError
from .yamlpos import YamlDoc

T = TypeVar("T")


FRONT_KEYS = {
    "title",
    "date",
    "categories",
    "tags",
    "draft",
    "slug",
    "summary",
    "updated",
    "lang",
    "extra",
    "aliases",
    "series",
}
"""The keys a post's front matter may have."""


def split_front_matter(
    path: Path, text: str, errors: list[SourceError]
) -> tuple[str | None, str, int] | None:
    """The front matter's YAML (None when the file has none), the body and the body's
    first line; None (an error added) when a `---` block is not closed, or the file
    starts with front matter blogkit cannot read."""
    if not text.startswith(("---", "+++")):  # the cheap test first: most files have '---'
        return None, text, 1
    end = text.find("\n")
    first = (text if end == -1 else text[:end]).rstrip()
    if first == "+++":
        errors.append(SourceError(path, 1, 1, "TOML front matter ('+++') is not supported",
                                  "write it as YAML between '---' lines: 'title: ...' where "
                                  "TOML has 'title = ...'"))
        return None
    if first != "---":
        return None, text, 1
    lines = text.split("\n")
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1:]), index + 2
    errors.append(SourceError(path, 1, 1, "front matter is not closed",
                              "add a line '---' after the last front matter key"))
    return None


def text_value(
    doc: YamlDoc, data: dict[str, Any], key: str, errors: list[SourceError]
) -> str | None:
    """The text at `key`, stripped (a number as its text); None if there is none, or (with
    an error) if it is not text. A missing title is for the caller to report: see
    `missing_title`."""
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        errors.append(doc.error((key,), f"{key} must be non-empty text"))
        return None
    return value.strip()


def date_value(
    config: SiteConfig,
    doc: YamlDoc,
    data: dict[str, Any],
    key: str,
    errors: list[SourceError],
) -> datetime | None:
    """The date at `key`, in the site's time zone when it names none; None if there is
    none, or (with an error) if it is no date. A post's missing date is for the caller to
    report: see `missing_date`."""
    value = data.get(key)
    if value is None:
        return None
    text = str(value).strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            parsed = datetime.combine(date.fromisoformat(text), time())
        else:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        other = _other_tools_date(text)
        if other is None:
            errors.append(doc.error((key,), f"invalid {key} '{text}'", DATE_FORMS))
            return None
        parsed = other
    zone = ZoneInfo(config.timezone)
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=zone)
    return parsed.astimezone(zone)


DATE_FORMS = ("write a real date as 2026-01-18, 2026-01-18 09:30:00 (in the site's time "
              "zone) or 2026-01-18T09:30:00+08:00; Jekyll's 2026-01-18 09:30:00 +0800 and "
              "Hexo's 2026/1/18 9:30:00 are read too")
"""The hint for a date blogkit cannot read: the forms it can."""


_OTHER_TOOLS_DATE = re.compile(
    r"(\d{4})(?:-(\d{2})-(\d{2})|/(\d{1,2})/(\d{1,2}))"  # Hexo (moment.js): 2019/9/23 too
    r"(?:[T ]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?"
    r"(?:[ \t]*(Z|[+-]\d{2}:?\d{2}))?")  # Jekyll (Ruby's Time) writes ' +0800'
"""Dates as Jekyll and Hexo write them that Python's ISO 8601 reader refuses (Hugo's are
ISO 8601). PyYAML leaves them strings: blogkit's YAML resolves no timestamps."""


def _other_tools_date(text: str) -> datetime | None:
    """`text` read as `_OTHER_TOOLS_DATE` (None if it is not one, or no real time)."""
    found = _OTHER_TOOLS_DATE.fullmatch(text)
    if found is None:
        return None
    year, month, day, slash_month, slash_day, hour, minute, second, fraction, offset = \
        found.groups()
    month, day = month or slash_month, day or slash_day
    zone = None
    if offset is not None:
        sign = -1 if offset[0] == "-" else 1
        digits = offset[1:].replace(":", "")
        zone = (dt_timezone.utc if offset == "Z" else
                dt_timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))))
    try:
        return datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0),
                        int(second or 0), int((fraction or "0")[:6].ljust(6, "0")),
                        tzinfo=zone)
    except ValueError:  # 2019-02-30, 25:00, an offset of a day or more
        return None


def names_value(doc: YamlDoc, data: dict[str, Any], key: str, errors: list[SourceError]
                ) -> list[str]:
    """The names at `key` (one, or a list), each once, in order."""
    value = data.get(key)
    if value is None:
        return []
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        errors.append(doc.error((key,), f"{key} must be a name or a list of names"))
        return []
    names: list[str] = []
    for index, item in enumerate(items):
        if isinstance(item, (int, float)) and not isinstance(item, bool):
            item = str(item)
        if not isinstance(item, str) or not item.strip():
            errors.append(doc.error((key, index), f"{key} entries must be non-empty text"))
            continue
        if item.strip() not in names:
            names.append(item.strip())
    return names


def series_value(doc: YamlDoc, data: dict[str, Any], errors: list[SourceError]) -> str | None:
    """The name of the post's series, stripped; None if there is none, or (with an error)
    if it is not one name. Hugo's taxonomy form, a list holding one name, is read too."""
    value = data.get("series")
    if value is None:
        return None
    where: tuple[str | int, ...] = ("series",)
    if isinstance(value, list):
        if len(value) != 1:
            errors.append(doc.error(where, "series must be the name of one series",
                                    "a post is in one series: write series: Name (its part "
                                    "is told by its date)"))
            return None
        value, where = value[0], ("series", 0)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, str):
        errors.append(doc.error(where, "series must be non-empty text",
                                "write series: Name, or remove it"))
    else:
        kind = ("true or false" if isinstance(value, bool) else
                "a mapping" if isinstance(value, dict) else
                "a list" if isinstance(value, list) else f"a {type(value).__name__}")
        errors.append(doc.error(where, f"series must be a name, not {kind}",
                                "write the series' name as text: series: Name"))
    return None
