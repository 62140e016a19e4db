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
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from blogkit.config import load_config
from blogkit.serve import RELOAD_PATH, free_port

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
    parser.add_argument("--edits", type=int, default=10,
                        help="edits timed against `blogkit serve` (median)")
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
        serve_edits(site, args.edits)
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


def serve_edits(site: Path, edits: int) -> None:
    """Median time from writing a post to the dev server's reload signal."""
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "blogkit", "serve", "-s", str(site),
                               "--port", str(port)], stdout=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}{load_config(site.resolve()).base_path}{RELOAD_PATH}"
    try:
        assert server.stdout is not None
        for line in server.stdout:
            if line.startswith("serving "):
                break
        post = sorted((site / "content" / "posts").glob("*/index.en.md"))[0]
        timings, lines = [], []
        for number in range(edits):
            epoch = json.loads(urllib.request.urlopen(f"{base}?epoch=-1").read())["epoch"]
            answer: list[float] = []
            poll = threading.Thread(target=_wait_reload, args=(f"{base}?epoch={epoch}", answer))
            poll.start()
            time.sleep(0.3)  # the long poll is waiting
            start = time.perf_counter()
            with post.open("a", encoding="utf-8") as stream:
                stream.write(f"\nOne more sentence, number {number}.\n")
            poll.join()
            timings.append(answer[0] - start)
            lines.append(server.stdout.readline().strip())
        print(f"serve edit -> reload  median {statistics.median(timings) * 1000:6.0f} ms  "
              f"(runs: {', '.join(f'{t * 1000:.0f}' for t in timings)})")
        print(f"  last rebuild: {lines[-1]}")
    finally:
        server.terminate()  # SIGTERM: SIGINT may be ignored in a background job
        server.wait(timeout=30)


def _wait_reload(url: str, answer: list[float]) -> None:
    urllib.request.urlopen(url, timeout=60).read()
    answer.append(time.perf_counter())


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
