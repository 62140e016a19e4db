"""The package works when installed from a wheel into another folder (theme, KaTeX files)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import make_site, post

REPO = Path(__file__).resolve().parent.parent

def test_wheel_installed_elsewhere_builds_a_site(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", str(REPO),
                    "-w", str(wheels)], check=True, capture_output=True)
    (wheel,) = wheels.glob("blogkit-*.whl")
    target = tmp_path / "installed"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--target", str(target), str(wheel)], check=True, capture_output=True)
    body = '公式 $x_1$。\n\n{{< details summary="更多" >}}细节{{< /details >}}'
    site = make_site(tmp_path / "site", {"content/posts/a.md": post("甲", "2026-01-18", body)},
                     languages=("zh",))
    env = {**os.environ, "PYTHONPATH": str(target)}
    where = subprocess.run([sys.executable, "-c", "import blogkit; print(blogkit.__file__)"],
                           env=env, cwd=tmp_path, capture_output=True, text=True, check=True)
    assert Path(where.stdout.strip()).is_relative_to(target)
    done = subprocess.run([sys.executable, "-m", "blogkit", "build", "-s", str(site)],
                          env=env, cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    html = (site / "public/posts/a/index.html").read_text(encoding="utf-8")
    assert "LATEST UPDATES" not in html and 'class="katex"' in html
    assert "<summary>更多</summary>" in html  # the theme's shortcode templates are installed
    assert (site / "public/css/blogkit.css").is_file()
    assert "LATEST UPDATES" in (site / "public/index.html").read_text(encoding="utf-8")
