#!/usr/bin/env python3
"""Time blogkit builds of a generated bilingual, math-heavy corpus.

    python benchmarks/run.py --posts 1000 --seed 1 --repeat 3

Generates the corpus with a generator script (by default the shared `gencorpus.py`
next to this repository, see the README), then times whole `blogkit build` processes:
cold (no caches, no output), warm (nothing changed) and one post edited. Prints the
median wall time of each, and the formula throughput read from `--timings`.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_GENERATOR = REPO.parent / "shared" / "bench" / "gencorpus.py"

CONFIG = """\
base_url: https://example.com/
timezone: Asia/Shanghai
languages:
  - {code: zh, name: 中文, title: 基准}
  - {code: en, name: English, title: Bench}
categories:
  Generative Model: {zh: 生成模型}
  Computer Vision: {zh: 计算机视觉}
  Self-Supervised: {zh: 自监督学习}
  Deep Learning: {zh: 深度学习}
  3D Model: {zh: 三维模型}
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--generator", type=Path, default=DEFAULT_GENERATOR)
    parser.add_argument("--keep", action="store_true", help="keep the corpus folder")
    args = parser.parse_args()
    if not args.generator.is_file():
        parser.error(f"no corpus generator at {args.generator}; pass --generator")
    work = Path(tempfile.mkdtemp(prefix="blogkit-bench-"))
    try:
        site = work / "site"
        subprocess.run([sys.executable, str(args.generator), "--posts", str(args.posts),
                        "--seed", str(args.seed), "--out", str(site)], check=True,
                       capture_output=True)
        (site / "blogkit.yaml").write_text(CONFIG, encoding="utf-8")
        report(site, args.repeat)
    finally:
        if args.keep:
            print(f"corpus kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


def report(site: Path, repeat: int) -> None:
    cold, cold_out = [], ""
    for _ in range(repeat):
        shutil.rmtree(site / ".blogkit-cache", ignore_errors=True)
        shutil.rmtree(site / "public", ignore_errors=True)
        seconds, cold_out = timed_build(site)
        cold.append(seconds)
    warm = [timed_build(site)[0] for _ in range(repeat)]
    warm_out = timed_build(site)[1]
    edited = []
    post = sorted((site / "content" / "posts").glob("*/index.zh.md"))[0]
    for run in range(repeat):
        with post.open("a", encoding="utf-8") as stream:
            stream.write(f"\n追加的一段文字 {run}。\n")
        edited.append(timed_build(site)[0])
    print(f"corpus: {site}")
    print(first_line(cold_out))
    print(f"cold build   median {statistics.median(cold):6.2f} s  (runs: {fmt(cold)})")
    print(f"warm build   median {statistics.median(warm):6.2f} s  (runs: {fmt(warm)})")
    print(f"one edit     median {statistics.median(edited):6.2f} s  (runs: {fmt(edited)})")
    for label, out in (("cold", cold_out), ("warm", warm_out)):
        stages = stage_times(out)
        counts = formula_counts(out)
        math_s = stages.get("math", 0) / 1000
        rate = counts.get("distinct", 0) / math_s if math_s else 0
        print(f"{label} stages (ms): {stages}")
        print(f"{label} formulas: {counts}; {rate:,.0f} distinct formulas/s in the math stage")


def timed_build(site: Path) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "blogkit", "build", "-s", str(site),
                           "--timings"], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"build failed:\n{done.stderr}")
    return seconds, done.stdout


def stage_times(output: str) -> dict[str, int]:
    match = re.search(r"stages \(ms\): (.*)", output)
    pairs = [item.rsplit(" ", 1) for item in match.group(1).split(", ")] if match else []
    return {name: int(value) for name, value in pairs}


def formula_counts(output: str) -> dict[str, int]:
    match = re.search(r"formulas: (.*)", output)
    if not match or match.group(1) == "none":
        return {}
    return {k: int(v) for k, v in (item.rsplit(" ", 1) for item in match.group(1).split(", "))}


def first_line(output: str) -> str:
    return output.splitlines()[0] if output else ""


def fmt(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


if __name__ == "__main__":
    raise SystemExit(main())
