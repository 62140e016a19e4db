"""The real clients the output tests run: Nu Html Checker, XSD, feedparser, check-jsonschema.

`bash scripts/test` installs all of them: the Python ones from the `test` extra, the npm
ones (pinned in tests/tools/package-lock.json) into .test-tools/. A missing one skips its
test with a hint when run by hand, and fails it in CI (CI=true), where nothing may be missed.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import NoReturn

import pytest

REPO = Path(__file__).resolve().parents[1]
TOOLS = REPO / ".test-tools" / "node_modules"
VNU_JAR = TOOLS / "vnu-jar" / "build" / "dist" / "vnu.jar"
SITEMAP_XSD = TOOLS / "sitemap" / "schema" / "sitemap.xsd"
"""The sitemaps.org schema, as the npm package `sitemap` ships it."""


def missing(what: str) -> NoReturn:
    """Skip (fail in CI) a test whose checker is not installed."""
    message = f"{what} is not installed: run `bash scripts/test`, which installs it"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(message)
    pytest.skip(message)


def module(name: str) -> ModuleType:
    """Import a checker's Python package (from the `test` extra)."""
    try:
        return importlib.import_module(name)
    except ImportError:
        missing(f"the Python package {name}")


def tool(path: Path) -> Path:
    if not path.is_file():
        missing(str(path.relative_to(REPO)))
    return path


def vnu_errors(root: Path, files: list[Path]) -> list[str]:
    """Run the Nu Html Checker once over `files` (under `root`); return its errors."""
    java = shutil.which("java") or missing("java (Debian: default-jre-headless)")
    done = subprocess.run(
        [java, "-jar", str(tool(VNU_JAR)), "--errors-only", "--format", "json",
         *map(str, files)],
        capture_output=True, text=True, timeout=300, check=False)
    # vnu writes its report to stderr; exit 1 only means that it found errors.
    report = json.loads(done.stderr or done.stdout)
    prefix = root.resolve().as_uri().removeprefix("file://")
    return [f"{m.get('url', '?').split(prefix, 1)[-1]}:{m.get('lastLine', '?')}: {m['message']} "
            f"[{m.get('extract', '').strip()[:80]}]" for m in report["messages"]
            if m.get("type") in ("error", "non-document-error")]


def check_workflow(path: Path) -> subprocess.CompletedProcess[str]:
    """Check a GitHub Actions workflow against the schema check-jsonschema ships."""
    module("check_jsonschema")
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema",
         "vendor.github-workflows", str(path)],
        capture_output=True, text=True, timeout=120, check=False)
