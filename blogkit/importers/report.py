"""The import's report: what was done, and everything that could not be mapped as it was.

Each note names the source file and line it is about, so a user with 300 posts can go
through the list one file at a time. `import` prints it and writes it to DEST/IMPORT.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

KINDS = {
    "setting": "Settings chosen",
    "mapped": "Mapped differently",
    "extra": "Front-matter keys moved to `extra`",
    "shortcode": "Shortcodes kept (each needs a `templates/shortcodes/` file)",
    "image": "Images not found",
    "skipped": "Files skipped",
}
"""Kinds of notes, in the order the report shows them, with their headings."""


@dataclass(frozen=True)
class Note:
    kind: str
    """A key of KINDS."""
    path: str
    """The source file, relative to the source site."""
    line: int | None
    message: str

    @property
    def location(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass
class ImportReport:
    """What an import did (or, with --dry-run, would do)."""

    tool: str
    source: Path
    dest: Path
    dry_run: bool = False
    posts: int = 0
    """Post files written (each translation counts)."""
    pages: int = 0
    aliases: int = 0
    """Old URLs kept as `aliases:` entries."""
    files: int = 0
    """Images and other files copied (bundles and static/)."""
    languages: tuple[str, ...] = ()
    notes: list[Note] = field(default_factory=list)

    def note(self, kind: str, path: str, line: int | None, message: str) -> None:
        self.notes.append(Note(kind, path, line, message))

    def of(self, kind: str) -> list[Note]:
        return [note for note in self.notes if note.kind == kind]

    def text(self) -> str:
        """The report as Markdown (what IMPORT.md holds and the command prints)."""
        verb = "would write" if self.dry_run else "wrote"
        lines = [
            f"# Import from {self.tool.capitalize()}", "",
            f"From `{self.source}` blogkit {verb} `{self.dest}`: {self.posts} post files, "
            f"{self.pages} pages, {self.aliases} old URLs kept as aliases, {self.files} "
            f"files copied; languages: {', '.join(self.languages) or '-'}.", "",
        ]
        for kind, heading in KINDS.items():
            notes = self.of(kind)
            if notes:
                lines += [f"## {heading} ({len(notes)})", ""]
                lines += [f"- `{note.location}`: {note.message}" for note in notes]
                lines.append("")
        if not self.dry_run:
            lines += ["Next: `blogkit build -s " + str(self.dest) + "`, then `blogkit serve -s "
                      + str(self.dest) + "`.", ""]
        return "\n".join(lines)
