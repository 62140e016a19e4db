"""LOAD helper: a post's title, date and categories, wherever its file gives them.

Files written for other tools say some of it outside the front matter: the title in a
leading `# Title` (MkDocs takes a page's title from it; Hugo and Jekyll authors often write
both), the date at the start of the file's or the bundle folder's name (`2019-09-23-vae.md`,
as Jekyll names posts and Hugo's `:filename` date reads them). Categories may be named by a
display name or a slug. And when a title or date is given nowhere, the errors here say
each way to give it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from .config import Category, SiteConfig
from .errors import SourceError
from .front_matter import names_value, text_value
from .yamlpos import YamlDoc


@dataclass(frozen=True)
class Heading:
    """A level-1 heading that opens a body (after blank lines only)."""

    text: str
    """Its inline Markdown, as CommonMark reads it: trimmed, the closing `#`s removed."""
    line: int
    """0-based line of the body it is on (the text line of a setext heading)."""
    end: int
    """Offset in the body just past it (past its underline, and that line's newline)."""
    lines: int
    """How many lines of the body it and the blank lines before it take."""


_BLANK_LINES = re.compile(r"(?:[ \t]*\n)*")


_ATX = re.compile(r" {0,3}(#{1,6})(?=[ \t]|$)(.*)")


_ATX_CLOSING = re.compile(r"(?:^|[ \t]+)#+$")


_SETEXT_UNDERLINE = re.compile(r" {0,3}=+[ \t]*")


_NOT_PARAGRAPH = re.compile(
    r" {0,3}(?:[>|<]|[-*+](?:[ \t]|$)|\d{1,9}[.)](?:[ \t]|$)|```|~~~|\[[^\]]*\]:"
    r"|([-*_])(?:[ \t]*\1){2,}[ \t]*$)")
"""A line that starts some other block than a paragraph (a quote, a table, HTML, a list
item, a fence, a link definition, a thematic break), or may: the line after it does not
make it a heading."""


def leading_heading(body: str) -> Heading | None:
    """The `# Title` or `Title` / `===` heading the body opens with, if it opens with one.

    Only what decides a title is read: the first line that is not blank, and for a
    setext heading the one after it (a heading of several lines is not a title anyone
    writes). The rules are CommonMark's (spec 0.31, sections 4.2 and 4.3).
    """
    blank = _BLANK_LINES.match(body)
    start = blank.end() if blank is not None else 0
    skipped = body.count("\n", 0, start)
    newline = body.find("\n", start)
    line = body[start:] if newline == -1 else body[start:newline]
    after = len(body) if newline == -1 else newline + 1
    atx = _ATX.match(line)
    if atx is not None:
        text = _ATX_CLOSING.sub("", atx[2].strip(" \t")).strip(" \t")
        return Heading(text, skipped, after, skipped + 1) if text and atx[1] == "#" else None
    if newline == -1 or not line.strip() or line.startswith(("    ", "\t")) \
            or _NOT_PARAGRAPH.match(line):
        return None
    following = body.find("\n", after)
    underline = body[after:] if following == -1 else body[after:following]
    if not _SETEXT_UNDERLINE.fullmatch(underline):
        return None
    end = len(body) if following == -1 else following + 1
    return Heading(line.strip(" \t"), skipped, end, skipped + 2)


_DATED_NAME = re.compile(r"(\d{4})-(\d{2})-(\d{2})-(.+)")


def date_in_name(config: SiteConfig, name: str) -> tuple[datetime | None, str] | None:
    """For a name that starts with a date (`2019-09-23-vae`): the date, midnight in the
    site's zone (None if it is no real day, like 2019-13-45), and the rest of the name."""
    match = _DATED_NAME.fullmatch(name)
    if match is None:
        return None
    try:
        day = date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None, match[4]
    return datetime.combine(day, time(), tzinfo=ZoneInfo(config.timezone)), match[4]


NEW_DATE = "2024-05-01"
"""The date the hints show in a line to add."""


def missing_title(path: Path, doc: YamlDoc | None, dated_name: str | None) -> SourceError:
    """The error for a file that gives no title anywhere. `doc` is None when the file has
    no front matter; `dated_name` is given when it is a post that has no date either
    (how its name could give it: see `name_with_date`)."""
    if doc is not None:
        return doc.error((), "front matter has no title",
                         "add a line 'title: ...' between the '---' lines, or start the "
                         "text below them with a line '# Title'")
    date_line = f" / 'date: {NEW_DATE}'" if dated_name else ""
    hint = "front matter is YAML between two '---' lines at the very top of the file"
    if dated_name:
        hint += f"; a post's date can also start its name: {dated_name}"
    return SourceError(path, 1, 1, f"no title: add front matter ('---' / 'title: ...'"
                       f"{date_line} / '---') or start the file with '# Title'", hint)


def missing_date(path: Path, doc: YamlDoc | None, dated_name: str, bad_day: str | None
                 ) -> SourceError:
    """The error for a post that gives no date anywhere (`bad_day`: the start of its
    name, when that looks like a date but is no real day)."""
    line, col = doc.where(()) if doc is not None else (1, 1)
    if bad_day is not None:
        where = "between the '---' lines" if doc is not None else "in front matter"
        return SourceError(path, line, col,
                           f"no date: '{bad_day}' at the start of the name is not a real day",
                           f"correct the date in the name, or add a line 'date: {NEW_DATE}' "
                           f"{where}")
    if doc is not None:
        return SourceError(path, line, col, "front matter has no date",
                           f"add a line 'date: {NEW_DATE}' between the '---' lines, or start "
                           f"the post's name with the date: {dated_name}")
    return SourceError(path, 1, 1, f"no date: add front matter ('---' / 'date: {NEW_DATE}' "
                       f"/ '---') or start the post's name with the date: {dated_name}",
                       "front matter is YAML between two '---' lines at the very top of "
                       "the file, above the '# Title' line")


def name_with_date(path: Path, name: str) -> str:
    """The post's file name (for a bundle, its folder's name) with a date in front:
    `2024-05-01-vae.md`, `2024-05-01-vae/`."""
    if path.name.startswith("index."):
        return f"{NEW_DATE}-{name}/"
    return f"{NEW_DATE}-{path.name}"


def categories_value(config: SiteConfig, doc: YamlDoc, data: dict[str, Any], key: str,
                errors: list[SourceError]) -> tuple[str, ...] | None:
    """The categories `key` names, by their canonical names (each once); None if it names
    none. A category may be named by its canonical name, or, as posts written for other
    tools do, by a display name or its slug, in any case (`生成模型`, `generative-model`
    for `Generative Model`); any other name is an error."""
    names = names_value(doc, data, key, errors)
    found: list[str] = []
    for index, category in enumerate(names):
        known = config.category(category) or _category_named(config, category)
        if known is None:
            errors.append(doc.error((key, index) if isinstance(data.get(key), list) else (key,),
                                    f"unknown category '{category}'",
                                    _category_hint(config, category)))
        elif known.name not in found:
            found.append(known.name)
    return tuple(found) or None


def _category_hint(config: SiteConfig, name: str) -> str:
    """`did you mean 'X'?`, or the site's categories (and where they are listed)."""
    import difflib  # only for a mistake

    names = [c.name for c in config.categories]
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'? (categories are listed in blogkit.yaml)"
    listed = ", ".join(sorted(names)) if names else "none yet"
    return f"categories: {listed}; add one under categories: in blogkit.yaml"


def _category_named(config: SiteConfig, name: str) -> Category | None:
    """The category `name` names other than by its canonical name (see `_categories`)."""
    folded = name.casefold()
    for category in config.categories:
        if folded in (category.name.casefold(), category.slug.casefold()) or any(
                folded == label.casefold() for label in category.labels.values()):
            return category
    return None


def title_and_body(doc: YamlDoc, data: dict[str, Any], body: str, body_line: int,
           errors: list[SourceError]) -> tuple[str, int, str, int] | None:
    """(title, its file line, body, the body's first line): the front matter's title, else
    the body's leading `# Title`; the body without that heading when it is the title, as
    the page shows the title above the body. None if there is no title (an error is added
    only for a title given wrongly: the caller knows how to say what is missing)."""
    title = text_value(doc, data, "title", errors)
    heading = leading_heading(body)
    if title is None:
        if heading is None or data.get("title") is not None:  # none, or one given wrongly
            return None
        title, title_line = heading.text, body_line + heading.line
    else:
        title_line = doc.where(("title",))[0] or 2
    if heading is not None and heading.text == title:
        return title, title_line, body[heading.end:], body_line + heading.lines
    return title, title_line, body, body_line


def date_or_stand_in(config: SiteConfig, moment: datetime | None, given: bool, kind: str, name: str
          ) -> tuple[datetime | None, bool, str, str | None]:
    """(date, whether the file gives one, the post's name for its URL, the start of the
    name if it looks like a date but is no real day): the front matter's date (`moment`;
    `given`: whether the front matter gives one, maybe wrongly), else one starting a
    post's name, which its URL then leaves out (as Jekyll's do), else for a page a
    stand-in (1970-01-01 in the site's zone). The date is None if a post gives none."""
    named = date_in_name(config, name) if kind == "post" else None
    if named is not None:
        if named[0] is None:
            return moment, True, name, name[:10]
        name = named[1]
        if not given:
            moment = named[0]
    if moment is None and kind == "page" and not given:
        return datetime(1970, 1, 1, tzinfo=ZoneInfo(config.timezone)), False, name, None
    return moment, True, name, None


def missing_fields(path: Path, front: YamlDoc | None, name: str, *, no_title: bool,
             no_date: bool, bad_day: str | None) -> list[SourceError]:
    """The errors for a title and a post's date given nowhere (`front`: the front matter,
    None if the file has none, when one error says all that front matter must hold)."""
    dated_name = name_with_date(path, name)
    found: list[SourceError] = []
    if no_title:
        alone = front is None and no_date and bad_day is None
        found.append(missing_title(path, front, dated_name if alone else None))
        if alone:
            return found
    if no_date:
        found.append(missing_date(path, front, dated_name, bad_day))
    return found
