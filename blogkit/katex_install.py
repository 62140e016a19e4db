"""PARSE helper: the pinned KaTeX, installed with ``npm ci`` into the user's cache on first use.

The npm package is pinned by ``katex/package-lock.json``; BLOGKIT_KATEX_DIR points at an
install of one's own instead. Here too: the version of an install and its stylesheet and
fonts, and the error that says math cannot be rendered on this machine.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path

from .digest import digest

NODE_MISSING = (
    "Node.js (the `node` command) is needed to render math. Install it (Debian/Ubuntu: "
    "`apt-get install nodejs npm`; or https://nodejs.org) and run the build again."
)
NPM_MISSING = (
    "npm (the `npm` command) is needed once, to install KaTeX for rendering math. Install it "
    "(Debian/Ubuntu: `apt-get install npm`; or https://nodejs.org) and run the build again, "
    "or set BLOGKIT_KATEX_DIR to a folder whose node_modules/ holds katex."
)


class TexSetupError(Exception):
    """Math cannot be rendered on this machine; the message says what to do about it."""


def _package_file(name: str) -> bytes:
    return resources.files("blogkit").joinpath("katex", name).read_bytes()


def pinned_engine() -> str:
    """What decides the KaTeX that renders formulas: the pinned lock, or an override folder."""
    lock = digest(_package_file("package-lock.json"))
    return f"{lock} {os.environ.get('BLOGKIT_KATEX_DIR', '')}"


def katex_install_dir() -> Path:
    """Return a node_modules folder holding the pinned katex, installing it on first use."""
    override = os.environ.get("BLOGKIT_KATEX_DIR")
    if override:
        node_modules = Path(override).expanduser() / "node_modules"
        if not (node_modules / "katex" / "package.json").is_file():
            raise TexSetupError(
                f"BLOGKIT_KATEX_DIR is {override}, but {node_modules / 'katex'} does not exist. "
                "Run `npm ci` in that folder with blogkit's katex/package.json and "
                "package-lock.json, or unset BLOGKIT_KATEX_DIR to let blogkit install KaTeX."
            )
        return node_modules
    lock = _package_file("package-lock.json")
    cache_home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    target = cache_home / "blogkit" / f"katex-{digest(lock)[:12]}"
    if (target / "node_modules" / "katex" / "package.json").is_file():
        return target / "node_modules"
    npm = shutil.which("npm")
    if npm is None:
        raise TexSetupError(NPM_MISSING)
    import subprocess  # here, as in katex_node: a build with every formula cached runs nothing
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    # Once per machine (and KaTeX version): say what the wait is for, on stderr so that
    # the build's own output stays the same.
    pinned = json.loads(lock)["packages"]["node_modules/katex"]["version"]
    print(f"installing KaTeX {pinned} with npm, once, into {target} ...", file=sys.stderr,
          flush=True)
    started = time.monotonic()
    try:
        (staging / "package.json").write_bytes(_package_file("package.json"))
        (staging / "package-lock.json").write_bytes(lock)
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
            cwd=staging, capture_output=True, text=True, timeout=600, check=False,
        )
        if done.returncode != 0 or not (staging / "node_modules/katex/package.json").is_file():
            tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-15:])
            raise TexSetupError(
                f"`npm ci` of KaTeX in {target.parent} failed (exit {done.returncode}). Check "
                "that the npm registry is reachable and run the build again, or set "
                f"BLOGKIT_KATEX_DIR to a folder whose node_modules/ holds katex.\n{tail}"
            )
        if target.exists() and not (target / "node_modules/katex/package.json").is_file():
            shutil.rmtree(target, ignore_errors=True)  # leftover of an older, broken attempt
        try:
            staging.rename(target)
        except OSError as exc:
            if not (target / "node_modules/katex/package.json").is_file():
                raise TexSetupError(f"Could not move KaTeX into {target}: {exc}") from exc
        print(f"installed KaTeX in {time.monotonic() - started:.1f} s", file=sys.stderr,
              flush=True)
    except subprocess.TimeoutExpired as exc:
        raise TexSetupError("`npm ci` for KaTeX ran over 10 minutes; run the build again.") from exc
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)  # we lost a race, or failed
    return target / "node_modules"


def katex_version(node_modules: Path) -> str:
    """Return the version of the katex in `node_modules`, read from its package.json."""
    manifest = node_modules / "katex" / "package.json"
    try:
        version = json.loads(manifest.read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise TexSetupError(f"{manifest} is missing or broken; delete {node_modules.parent} "
                            "and run the build again to reinstall KaTeX.") from exc
    return str(version)


def katex_assets(node_modules: Path) -> tuple[Path, Path]:
    """Return (katex.min.css, fonts folder) of the katex in `node_modules`."""
    dist = node_modules / "katex" / "dist"
    css, fonts = dist / "katex.min.css", dist / "fonts"
    if not css.is_file() or not fonts.is_dir():
        raise TexSetupError(f"{dist} lacks katex.min.css or fonts/; delete {node_modules.parent} "
                            "and run the build again to reinstall KaTeX.")
    return css, fonts
