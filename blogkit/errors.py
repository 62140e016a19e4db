"""ERRORS: one positioned error type for every stage, and how it is shown.

Every mistake in a user's file becomes a `SourceError` (file, line, column, message, hint),
printed as ``path:line:col: error: message`` so editors can jump to it. Stages collect
all their errors and raise them together as `BuildError`; they never stop at the first.
"""

from __future__ import annotations

import functools
import html
import os
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

OTHER = "other"
"""The kind of a mistake no stage names more precisely (configuration, templates, URLs)."""
LINK = "link"
"""A link or image whose target is not published."""
TEX = "tex"
"""A formula KaTeX rejects or warns about."""
MARKUP = "markup"
"""Markup of another tool blogkit does not know (a Hugo shortcode, a Liquid tag)."""
FILE = "file"
"""A content file that cannot be used at all (encoding, front matter): it is left out."""
KINDS = {
    # kind: (one, many), in the order a summary names them
    LINK: ("link to a missing file", "links to missing files"),
    TEX: ("TeX error", "TeX errors"),
    MARKUP: ("unknown shortcode or tag", "unknown shortcodes or tags"),
    FILE: ("file with errors", "files with errors"),
    OTHER: ("other error", "other errors"),
}
"""How a summary names each kind of mistake."""
SUMMARY_AFTER = 5
"""A list of more messages than this starts with a summary by kind."""


@dataclass(frozen=True)
class SourceError:
    """A mistake in a user's file, with where it is and what to do about it."""

    path: Path
    """The file the mistake is in."""
    line: int | None
    """1-based line, when known."""
    col: int | None
    """1-based column, when known."""
    message: str
    """What is wrong."""
    hint: str = ""
    """What to do about it."""
    severity: str = "error"
    """``error`` fails the build; ``warning`` is only reported."""
    kind: str = OTHER
    """What sort of mistake it is (a key of `KINDS`), for the summary of a long list."""

    def location(self, root: Path | None = None) -> str:
        """Return ``path:line:col`` (path relative to `root` where possible)."""
        shown = _printable(_relative(self.path, root), _UNPRINTABLE_NAME)
        parts = [shown]
        if self.line is not None:
            parts.append(str(self.line))
            if self.col is not None:
                parts.append(str(self.col))
        return ":".join(parts)

    def format(self, root: Path | None = None) -> str:
        """Format for a terminal: the location line, then the hint indented."""
        text = f"{self.location(root)}: {self.severity}: {_printable(self.message)}"
        if self.hint:
            text += f"\n    hint: {_printable(self.hint)}"
        return text

    def sort_key(self) -> tuple[str, int, int]:
        return (str(self.path), self.line or 0, self.col or 0)


@dataclass
class BuildError(Exception):
    """One or more `SourceError`s that stop a build."""

    errors: list[SourceError] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(f"{len(self.errors)} error(s)")
        self.errors = sorted(self.errors, key=SourceError.sort_key)

    def format(self, root: Path | None = None) -> str:
        """Format all errors for a terminal (a summary first when there are many),
        followed by a count."""
        count = len(self.errors)
        return (f"{format_list(self.errors, root)}\n"
                f"{count} error{'s' if count != 1 else ''}; nothing was written.")


def format_list(messages: Sequence[SourceError], root: Path | None = None,
                left_out: bool = False) -> str:
    """Messages in the order given, one after the other; above them, when there are more
    than `SUMMARY_AFTER`, a line counting them by kind (700 messages are read by kind
    first: the links of a moved folder, the TeX of one macro...). `left_out`: the files
    that cannot be used were left out of a site that was written."""
    body = "\n".join(message.format(root) for message in messages)
    if len(messages) <= SUMMARY_AFTER:
        return body
    return f"{summary(messages, left_out)}\n{body}"


def summary(messages: Sequence[SourceError], left_out: bool = False) -> str:
    """`612 links to missing files, 13 TeX errors, 3 files left out`: counts by kind, in
    the order of `KINDS`; files that cannot be used are counted once each, however many
    mistakes they hold."""
    counts = Counter(m.kind if m.kind in KINDS else OTHER for m in messages)
    files = len({m.path for m in messages if m.kind == FILE})
    parts = []
    for kind, (one, many) in KINDS.items():
        count = files if kind == FILE else counts[kind]
        if kind == FILE:
            one, many = ("file left out", "files left out") if left_out else (one, many)
        if count:
            parts.append(f"{count} {one if count == 1 else many}")
    severities = Counter(m.severity for m in messages)
    totals = ", ".join(f"{severities[name]} {name}{'s' if severities[name] != 1 else ''}"
                       for name in ("error", "warning") if severities[name])
    return f"summary: {totals}: " + ", ".join(parts)


def with_kind(errors: Iterable[SourceError], kind: str, keep_going: bool = False
              ) -> list[SourceError]:
    """`errors` marked as of `kind`; with `keep_going`, as warnings (they have a visible
    fallback on the page)."""
    return [replace(error, kind=kind, severity="warning" if keep_going else error.severity)
            for error in errors]


class UsageError(Exception):
    """A mistake in how blogkit was called (bad option, refused output folder)."""


def overlay_html(errors: Iterable[SourceError], root: Path | None = None) -> str:
    """Render errors as an HTML fragment for the dev server's overlay."""
    items = "".join(
        "<li><code>"
        + html.escape(error.location(root))
        + "</code> "
        + html.escape(error.message)
        + (f"<br><small>{html.escape(error.hint)}</small>" if error.hint else "")
        + "</li>"
        for error in errors
    )
    return f'<ul class="blogkit-errors">{items}</ul>'


_SURROGATES = re.compile("[\ud800-\udfff]")
_UNPRINTABLE_NAME = re.compile("[\x00-\x1f\x7f\u2028\u2029\ud800-\udfff]")
"""What a path must not print as is: a line break would split the `path:line:col` line,
and a surrogate (a name's bytes that are not UTF-8) cannot be printed at all."""


def _printable(text: str, unprintable: re.Pattern[str] = _SURROGATES) -> str:
    """`text` with each `unprintable` character written as a Python escape (`\\n`, `\\udcff`)."""
    if not unprintable.search(text):
        return text
    return unprintable.sub(lambda match: ascii(match.group())[1:-1], text)


@functools.lru_cache(maxsize=4)
def _resolved(root: Path) -> Path:
    """`root` resolved once per list of errors, not once per error (thousands of them)."""
    return root.resolve()


def _relative(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            # Made absolute without following links: an error about a symbolic link names
            # the link (and a link loop cannot be resolved at all).
            return Path(os.path.abspath(path)).relative_to(_resolved(root)).as_posix()
        except ValueError:
            pass
    return path.as_posix()


def decode_source(path: Path, raw: bytes) -> str:
    """A user's file as text: UTF-8, with a BOM and CRLF line endings accepted.

    A file in another encoding raises BuildError naming the encoding it most likely is
    (Chinese writers meet GBK files).
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BuildError([_decoding_error(path, raw, exc)]) from None
    return text.removeprefix("\ufeff").replace("\r\n", "\n")


def _decoding_error(path: Path, raw: bytes, exc: UnicodeDecodeError) -> SourceError:
    """Explain a file that is not UTF-8, naming the encoding it most likely is."""
    line = raw[: exc.start].count(b"\n") + 1
    line_start = raw.rfind(b"\n", 0, exc.start) + 1
    col = len(raw[line_start:exc.start].decode("utf-8", errors="replace")) + 1
    guess = ""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        guess = " It looks like UTF-16."
    for encoding, label in (("gb18030", "GBK/GB18030 (Simplified Chinese)"),
                            ("big5", "Big5 (Traditional Chinese)"),
                            ("shift_jis", "Shift-JIS (Japanese)")):
        try:
            raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        guess = guess or f" It looks like {label}."
        break
    return SourceError(
        path,
        line,
        col,
        f"file is not valid UTF-8 (byte 0x{raw[exc.start]:02x}).{guess}",
        "save the file as UTF-8 (e.g. `iconv -f GBK -t UTF-8 in.md > out.md`, or your "
        "editor's 'Save with encoding')",
    )
