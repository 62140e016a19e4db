"""A post's old URL from its tool's permalink pattern (`/:year/:month/:title/`)."""

from __future__ import annotations

import re

_TOKEN = re.compile(r":([a-z_]+)")


def expand(pattern: str, values: dict[str, str]) -> str:
    """Fill `:name` tokens (longest known name first, so `:i_month` is not `:i` +...);
    an unknown token is kept as written. Double slashes collapse (Jekyll's and Hexo's
    rule for an empty `:categories`)."""
    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        for end in range(len(name), 0, -1):
            if name[:end] in values:
                return values[name[:end]] + name[end:]
        return match.group(0)

    path = "/" + _TOKEN.sub(fill, pattern).lstrip("/")
    return re.sub(r"/{2,}", "/", path)


def date_values(moment: object) -> dict[str, str]:
    from datetime import datetime

    assert isinstance(moment, datetime)
    return {"year": f"{moment.year:04d}", "month": f"{moment.month:02d}",
            "day": f"{moment.day:02d}", "i_month": str(moment.month), "i_day": str(moment.day),
            "hour": f"{moment.hour:02d}", "minute": f"{moment.minute:02d}",
            "second": f"{moment.second:02d}", "short_year": f"{moment.year % 100:02d}",
            "y_day": f"{moment.timetuple().tm_yday:03d}"}
