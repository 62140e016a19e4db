"""IMPORT: a Hugo, Hexo or Jekyll site → a new blogkit site, old URLs kept as aliases.

`import_site` reads the other tool's site folder (never writing into it), maps its
configuration, front matter, layout and the few body constructs blogkit has no equivalent
for, and writes the new site with a report (IMPORT.md) of everything it could not map as
it was. One module per tool reads it into a `convert.SourceSite`; `convert` writes it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..errors import UsageError
from . import hexo, hugo, jekyll
from .convert import SourceSite, write_site
from .report import ImportReport, Note

TOOLS: dict[str, Callable[[Path, str | None, ImportReport], SourceSite]] = {
    "hugo": hugo.read, "hexo": hexo.read, "jekyll": jekyll.read}
REPORT_NAME = "IMPORT.md"

__all__ = ["REPORT_NAME", "TOOLS", "ImportReport", "Note", "import_site", "run"]


def import_site(tool: str, source: Path, dest: Path | None = None, dry_run: bool = False,
                lang: str | None = None) -> ImportReport:
    """Import the `tool` site in `source` into `dest` (default `SOURCE-blogkit`); raise
    UsageError for a folder it refuses. With `dry_run`, write nothing."""
    if tool not in TOOLS:
        raise UsageError(f"unknown tool '{tool}': choose one of {', '.join(TOOLS)}")
    source = Path(source).resolve()
    if not source.is_dir():
        raise UsageError(f"{source} is not a folder")
    dest = Path(dest).resolve() if dest is not None else source.with_name(source.name + "-blogkit")
    if dest == source or dest.is_relative_to(source):
        raise UsageError(f"{dest} is inside the source site: blogkit never writes into it; "
                         "give another folder with -o")
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise UsageError(f"{dest} is not empty: give an empty or new folder with -o")
    report = ImportReport(tool, source, dest, dry_run)
    site = TOOLS[tool](source, lang, report)
    write_site(site, dest, report)
    if not dry_run:
        (dest / REPORT_NAME).write_text(report.text(), encoding="utf-8")
    return report


def run(tool: str, source: str, dest: str | None, dry_run: bool, lang: str | None,
        print_: Callable[[str], None] = print) -> int:
    """What `blogkit import` does: print the report; exit code 0 (1 is the CLI's, for a
    UsageError it prints)."""
    report = import_site(tool, Path(source), Path(dest) if dest else None, dry_run, lang)
    print_(report.text())
    return 0
