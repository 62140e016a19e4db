#!/usr/bin/env python3
"""Time hostile input: each pattern repeated N times in one post, built by the real CLI.

    python benchmarks/hostile.py                       # every pattern, N = 10k, 50k, 100k
    python benchmarks/hostile.py --sizes 1000,5000 --only '<!--' --timeout 30

For each pattern (issue 22's table and a few more), writes a one-post site whose body is
the pattern N times, runs `python -m blogkit build` in a fresh process (no caches), and
records the fastest of `--repeat` wall times less that of the same site with an empty
body (start-up, KaTeX, templates). The growth exponent is the slope of log(time) against
log(N) fitted over the sizes: 1 is linear, 2 quadratic; "flat" when the largest size
costs under FLAT seconds more than an empty post (nothing to fit). A run past
`--timeout` is killed and shown as `> T s`.
Prints a Markdown table; the exit status is 1 when an exponent exceeds `--limit`.
"""

from __future__ import annotations

import argparse
import math
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PATTERNS: dict[str, str] = {
    "`$5 and $10 ` (a price list)": "$5 and $10 ",
    "`$a` + newline": "$a\n",
    "`\\(a` + newline": "\\(a\n",
    "`\\(`": "\\(",
    "`\\[`": "\\[",
    "`<!--`": "<!--",
    "`#` (one line of hashes)": "#",
    "`a$`": "a$",
    "`中$`": "中$",
    "`$\\\\`": "$\\\\",
    "`$$`": "$$",
    "`` ` ``": "`",
    "`[`": "[",
    "`*a`": "*a",
    "`<b>` (nested tags)": "<b>",
    "`{{<`": "{{<",
    "`{%`": "{%",
    "`a\\` + newline": "a\\\n",
    "`> ` (nested quotes)": "> ",
}
"""What the table shows -> the text repeated N times (the body is that text, then a newline)."""

FLAT = 0.15
"""Seconds above the empty post under which a pattern costs nothing measurable."""

CONFIG = """\
base_url: https://example.com/
languages:
  - {code: en, name: English, title: Hostile}
"""


def build_seconds(work: Path, body: str, timeout: float) -> float | None:
    """Wall time of a cold build of one post with `body`, or None when killed at `timeout`.

    A build that fails prints its first error line, a traceback its last lines: the time
    of a build that stopped early says nothing of the pattern's cost.
    """
    site = work / "site"
    shutil.rmtree(site, ignore_errors=True)
    (site / "content" / "posts").mkdir(parents=True)
    (site / "blogkit.yaml").write_text(CONFIG, encoding="utf-8")
    text = f"---\ntitle: Hostile\ndate: 2026-01-01\n---\n{body}\n"
    (site / "content" / "posts" / "p.md").write_text(text, encoding="utf-8")
    start = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, "-m", "blogkit", "build", "-s", str(site)],
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    seconds = time.perf_counter() - start
    if "Traceback" in done.stderr:
        print(f"  traceback:\n{done.stderr[-2000:]}", file=sys.stderr)
    elif done.returncode != 0:
        print(f"  exit {done.returncode}: {done.stderr.splitlines()[:1]}", file=sys.stderr)
    return seconds


def exponent(sizes: list[int], seconds: list[float]) -> float | None:
    """Least-squares slope of log(seconds) on log(size); None with fewer than two points."""
    points = [(math.log(n), math.log(max(s, 1e-3))) for n, s in zip(sizes, seconds, strict=True)]
    if len(points) < 2:
        return None
    mean_x = sum(x for x, _ in points) / len(points)
    mean_y = sum(y for _, y in points) / len(points)
    num = sum((x - mean_x) * (y - mean_y) for x, y in points)
    den = sum((x - mean_x) ** 2 for x, _ in points)
    return num / den


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,50000,100000")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per build")
    parser.add_argument("--only", action="append", default=[],
                        help="a pattern's text (repeatable); default: all")
    parser.add_argument("--limit", type=float, default=1.2, help="largest exponent accepted")
    parser.add_argument("--repeat", type=int, default=3,
                        help="builds per cell; the fastest counts (others' load only slows)")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    chosen = {label: text for label, text in PATTERNS.items()
              if not args.only or text in args.only}
    work = Path(tempfile.mkdtemp(prefix="blogkit-hostile-"))
    worst = 0.0
    try:
        base = min(build_seconds(work, "", args.timeout) or 0.0 for _ in range(args.repeat + 2))
        print(f"empty post: {base:.2f} s (subtracted)\n", flush=True)
        header = " | ".join(f"N = {n // 1000}k" for n in sizes)
        print(f"| pattern × N | {header} | exponent |")
        print("|---|" + "---|" * len(sizes) + "---|")
        for label, text in chosen.items():
            cells, measured = [], []
            for n in sizes:
                runs = [build_seconds(work, text * n, args.timeout) for _ in range(args.repeat)]
                seconds = None if None in runs else min(run or 0.0 for run in runs)
                if seconds is None:
                    cells.append(f"> {args.timeout:.0f} s")
                    break
                cells.append(f"{seconds - base:.2f} s")
                measured.append(max(seconds - base, 0.01))
            cells += [""] * (len(sizes) - len(cells))
            slope = exponent(sizes[:len(measured)], measured)
            if len(measured) < len(sizes):
                slope_text, worst = "(killed)", math.inf
            elif measured[-1] < FLAT:
                slope_text = "flat"  # within the noise of start-up: no growth to fit
            else:
                slope_text = f"{slope:.2f}" if slope is not None else "-"
                worst = max(worst, slope or 0.0)
            print(f"| {label} | " + " | ".join(cells) + f" | {slope_text} |", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if worst > args.limit else 0


if __name__ == "__main__":
    sys.exit(main())
