"""PROGRESS: one line per stage of a long build, redrawn in place on a terminal.

`build.build` tells a `Reporter` when each stage starts (`done` empty) and what it did
when it ends (`read 1000 posts`, `rendered 1000 bodies (412/s)`). On a terminal, a
stage's line says what it is doing while it runs and is redrawn in place with what it
did when it ends; anywhere else (a CI log, a pipe) nothing is written, so logs keep to
the summary line.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import TextIO

Reporter = Callable[[str, str], None]
"""`(stage, done)`: a stage starts (`done` is "") or ends, saying what it did."""

STAGES = {"read": "reading posts", "markdown": "rendering Markdown",
          "math": "rendering formulas", "render": "writing pages"}
"""What each stage that reports is doing, as its line says while it runs."""


@dataclass
class Progress:
    stream: TextIO | None
    """Where the line is drawn; None: nowhere (not a terminal)."""
    started: float = field(default_factory=time.perf_counter)
    shown: bool = False

    @classmethod
    def for_stream(cls, stream: TextIO) -> Progress:
        """Drawn on `stream` when it is a terminal and the CI variable is not set."""
        terminal = stream.isatty() and os.environ.get("CI", "").lower() not in (
            "1", "true", "yes") and os.environ.get("TERM") != "dumb"
        return cls(stream if terminal else None)

    def stage(self, name: str, done: str) -> None:
        if self.stream is None:
            return
        if not done:
            self.started = time.perf_counter()
            text, self.shown = f"{STAGES.get(name, name)}…", True
        else:
            took = (time.perf_counter() - self.started) * 1000
            text, self.shown = f"{done} in {took:.0f} ms\n", False
        # Carriage return and erase-line: the stage's line is redrawn in place.
        self.stream.write(f"\r\x1b[K{text}")
        self.stream.flush()

    def clear(self) -> None:
        if self.stream is not None and self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = False

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.clear()


def rate(count: int, seconds: float) -> str:
    """`412/s`, or "" when too quick to say."""
    return f" ({count / seconds:.0f}/s)" if count and seconds > 0.05 else ""


def plural(count: int, word: str) -> str:
    """`1 post`, `2 posts`."""
    return f"{count} {word}{'' if count == 1 else 's'}"
