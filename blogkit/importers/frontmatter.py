"""Front matter of the three tools, read: YAML (`---`), TOML (`+++`, Hugo) and JSON (`{`,
Hugo), with the line of every top-level key (for the report), and dates as the tools
mean them."""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import yaml


class Unreadable(Exception):
    """A front matter the importer cannot read: the file is skipped and reported."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class FrontMatter:
    data: dict[str, Any]
    body: str
    body_line: int
    """1-based line of the file where the body starts."""
    format: str
    """yaml, toml, json or none."""
    lines: dict[str, int] = field(default_factory=dict)
    """File line of each top-level key."""

    def line(self, key: str) -> int:
        return self.lines.get(key, 1)


_FENCES = {"---": "yaml", "+++": "toml"}


def split(text: str) -> FrontMatter:
    """Split a file's text into front matter and body; raise Unreadable."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    first = text.split("\n", 1)[0].rstrip()
    if first in _FENCES:
        end = re.compile(rf"^{re.escape(first)}[ \t]*$|^\.\.\.[ \t]*$" if first == "---"
                         else rf"^{re.escape(first)}[ \t]*$", re.MULTILINE)
        closing = end.search(text, len(first) + 1)
        if closing is None:
            raise Unreadable(1, f"the front matter opened with {first} is never closed")
        inner = text[len(first) + 1:closing.start()]
        body = text[closing.end() + 1:]
        body_line = inner.count("\n") + 3
        data = _parse(_FENCES[first], inner)
        return FrontMatter(data, body, body_line, _FENCES[first],
                           _key_lines(inner, "=" if first == "+++" else ":", 2))
    if first.startswith("{"):
        try:
            data, end_at = json.JSONDecoder().raw_decode(text)
        except json.JSONDecodeError as error:
            raise Unreadable(error.lineno, f"JSON front matter: {error.msg}") from None
        if not isinstance(data, dict):
            raise Unreadable(1, "JSON front matter is not an object")
        rest = text[end_at:]
        rest = rest[rest.index("\n") + 1:] if "\n" in rest else ""
        inner = text[:end_at]
        return FrontMatter(data, rest, inner.count("\n") + 2, "json",
                           {k: n for k, n in _key_lines(inner, ":", 1, quoted=True).items()})
    return FrontMatter({}, text, 1, "none")


def _parse(kind: str, inner: str) -> dict[str, Any]:
    try:
        data = tomllib.loads(inner) if kind == "toml" else yaml.safe_load(inner)
    except tomllib.TOMLDecodeError as error:
        found = re.search(r"line (\d+)", str(error))
        raise Unreadable(int(found.group(1)) + 1 if found else 1, f"TOML: {error}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise Unreadable(mark.line + 2 if mark else 1,
                         f"YAML: {getattr(error, 'problem', error)}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise Unreadable(2, "the front matter is not a mapping of keys to values")
    return {str(key): value for key, value in data.items()}


def _key_lines(inner: str, sign: str, first_line: int, quoted: bool = False) -> dict[str, int]:
    """Lines of the top-level keys (not indented; in JSON, the object's first level)."""
    pattern = (re.compile(r'^\s*"([^"]+)"\s*:') if quoted
               else re.compile(rf"^([A-Za-z0-9_\-\"'.]+)\s*{re.escape(sign)}"))
    found: dict[str, int] = {}
    for number, line in enumerate(inner.split("\n")):
        match = pattern.match(line)
        if match:
            found.setdefault(match.group(1).strip("\"'"), number + first_line)
    return found


_JEKYLL_DATE = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?$")


def moment(value: Any, zone: str) -> datetime | None:
    """A front-matter date as an aware datetime; zone-less ones are in `zone` (Hexo's and
    Jekyll's rule). None when it is no date."""
    tz = ZoneInfo(zone)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    if isinstance(value, date):
        return datetime.combine(value, time(), tz)
    if not isinstance(value, str):
        return None
    match = _JEKYLL_DATE.match(value.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second, offset = match.groups()
    made = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0),
                    int(second or 0))
    if offset is None:
        return made.replace(tzinfo=tz)
    zone_text = "+00:00" if offset == "Z" else offset[:3] + ":" + offset[-2:]
    return datetime.fromisoformat(made.isoformat() + zone_text)


def date_text(value: Any) -> Any:
    """A date for blogkit's front matter, as the source meant it: aware ones in ISO 8601,
    zone-less ones zone-less (blogkit reads those in the site's `timezone`, as the source
    tool did). Strings are kept as written (blogkit reads Hexo's and Jekyll's forms)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.strftime("%Y-%m-%d %H:%M:%S")
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value
