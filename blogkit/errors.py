"""ERRORS: one positioned error type for every stage, and how it is shown.

Every mistake in a user's file becomes a `SourceError` (file, line, column, message, hint),
printed as ``path:line:col: error: message`` so editors can jump to it. Stages collect
all their errors and raise them together as `BuildError`; they never stop at the first.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path


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

    def location(self, root: Path | None = None) -> str:
        """Return ``path:line:col`` (path relative to `root` where possible)."""
        shown = _relative(self.path, root)
        parts = [shown]
        if self.line is not None:
            parts.append(str(self.line))
            if self.col is not None:
                parts.append(str(self.col))
        return ":".join(parts)

    def format(self, root: Path | None = None) -> str:
        """Format for a terminal: the location line, then the hint indented."""
        text = f"{self.location(root)}: {self.severity}: {self.message}"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text

    def context(self, source: str, width: int = 2) -> str:
        """Return a few lines of `source` around the error with a caret under the column."""
        if self.line is None:
            return ""
        lines = source.splitlines()
        first = max(1, self.line - width)
        last = min(len(lines), self.line + width)
        out = []
        for number in range(first, last + 1):
            out.append(f"{number:>5} | {lines[number - 1]}")
            if number == self.line and self.col is not None:
                out.append("      | " + " " * (self.col - 1) + "^")
        return "\n".join(out)

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
        """Format all errors for a terminal, followed by a count."""
        body = "\n".join(error.format(root) for error in self.errors)
        count = len(self.errors)
        return f"{body}\n{count} error{'s' if count != 1 else ''}; nothing was written."


class ErrorList:
    """Collects errors during a stage; `raise_if_any` ends the stage if there were some."""

    def __init__(self) -> None:
        self.items: list[SourceError] = []

    def add(
        self,
        path: Path,
        line: int | None,
        col: int | None,
        message: str,
        hint: str = "",
    ) -> None:
        self.items.append(SourceError(path, line, col, message, hint))

    def extend(self, errors: Iterable[SourceError]) -> None:
        self.items.extend(errors)

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise BuildError(list(self.items))


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


def _relative(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return path.as_posix()
