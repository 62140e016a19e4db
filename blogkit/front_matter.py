"""LOAD helper: a front matter's fields, each read and checked with its position.

Each reader takes the parsed YAML (`yamlpos.YamlDoc`, which knows every value's line and
column) and adds a positioned error for a value of the wrong kind.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from .config import SiteConfig
from .errors import SourceError
from .yamlpos import YamlDoc

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
}
"""The keys a post's front matter may have."""


def split_front_matter(
    path: Path, text: str, errors: list[SourceError]
) -> tuple[str, str, int] | None:
    """The front matter's YAML, the body and the body's first line; None (an error added)
    when the file does not start with a closed `---` block."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        errors.append(SourceError(path, 1, 1, "front matter missing",
                                  "start the file with a line '---', then title: and date:, "
                                  "then another '---'"))
        return None
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1:]), index + 2
    errors.append(SourceError(path, 1, 1, "front matter is not closed",
                              "add a line '---' after the last front matter key"))
    return None


def text_value(
    doc: YamlDoc, data: dict[str, Any], key: str, errors: list[SourceError], *, required: bool
) -> str | None:
    """The text at `key`, stripped (a number as its text); None, with an error if wrong."""
    value = data.get(key)
    if value is None:
        if required:
            errors.append(doc.error((), f"front matter has no {key}",
                                    f"add a line '{key}: ...' between the '---' lines"))
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
    *,
    required: bool,
) -> datetime | None:
    """The date at `key`, in the site's time zone when it names none."""
    value = data.get(key)
    if value is None:
        if required:
            errors.append(doc.error((), f"front matter has no {key}",
                                    f"add a line '{key}: 2026-01-18' between the '---' lines"))
        return None
    text = str(value).strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            parsed = datetime.combine(date.fromisoformat(text), time())
        else:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        errors.append(doc.error((key,), f"invalid {key} '{text}'",
                                "write a real date as 2026-01-18 or 2026-01-18T09:30:00+08:00"))
        return None
    zone = ZoneInfo(config.timezone)
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=zone)
    return parsed.astimezone(zone)


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
