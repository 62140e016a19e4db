"""PARSE helper: the pinned KaTeX installed by npm on first use (katex_install.py)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

WORKER_JS = Path(__file__).resolve().parents[1] / "blogkit" / "katex" / "worker.js"


def test_the_first_install_says_what_it_does_and_how_long_it_took(tmp_path: Path) -> None:
    # A fresh cache folder: the pinned KaTeX is installed there by npm, as on a new machine.
    env = {k: v for k, v in os.environ.items() if k != "BLOGKIT_KATEX_DIR"}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    code = "from blogkit.katex_install import katex_install_dir; print(katex_install_dir())"
    first = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                           text=True, timeout=600, check=True)
    version = json.loads((WORKER_JS.parent / "package.json").read_text())["dependencies"]["katex"]
    assert f"installing KaTeX {version} with npm, once, into " in first.stderr
    assert re.search(r"installed KaTeX in \d+\.\d s", first.stderr), first.stderr
    assert first.stdout.startswith(str(tmp_path / "cache"))
    again = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                           text=True, timeout=600, check=True)
    assert again.stderr == ""  # installed: nothing to say
