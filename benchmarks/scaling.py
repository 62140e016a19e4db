#!/usr/bin/env python3
"""How blogkit's build time and memory grow with the size of the site.

    python benchmarks/scaling.py --sizes 500,1000,2000,5000

For each size, generates a corpus (`gencorpus.py`, or `--generator PATH`), then times one
cold build (no caches, no output) and the median of `--repeat` warm builds, with the peak
memory of the largest process of each. Prints a table with the time and memory per 1000
posts, which stay flat when growth is linear.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from run import CONFIG, DEFAULT_GENERATOR, Run, generate, median, peak_mb, timed_build


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--sizes", default="500,1000,2000,5000",
                        help="comma-separated numbers of posts (default: 500,1000,2000,5000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="warm builds per size (median)")
    parser.add_argument("--generator", type=Path, default=DEFAULT_GENERATOR)
    args = parser.parse_args()
    args.translated_ratio = None  # what `generate` passes on: the generator's default
    sizes = [int(size) for size in args.sizes.split(",")]
    rows = []
    # Every corpus is deleted at the end, none between sizes: files written just after
    # thousands were deleted beside them are slow to create (see run.py's `set_aside`).
    work = Path(tempfile.mkdtemp(prefix="blogkit-scaling-"))
    try:
        for size in sizes:
            site = work / f"site-{size}"
            args.posts = size
            generate(args.generator, site, args)
            (site / "blogkit.yaml").write_text(CONFIG, encoding="utf-8")
            cold = timed_build(site)
            warm = [timed_build(site) for _ in range(args.repeat)]
            rows.append((size, cold, warm))
            print(f"{size} posts: cold {cold.seconds:.2f} s, warm {median(warm):.2f} s",
                  flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print_table(rows)
    return 0


def print_table(rows: list[tuple[int, Run, list[Run]]]) -> None:
    """Times and peak memory per size, and per 1000 posts."""
    print(f"{'posts':>6}  {'cold s':>7}  {'s/1000':>6}  {'warm s':>7}  {'s/1000':>6}  "
          f"{'cold MB':>7}  {'MB/1000':>7}  {'warm MB':>7}")
    for size, cold, warm in rows:
        cold_mb, warm_mb = peak_mb([cold]) or 0.0, peak_mb(warm) or 0.0
        per = 1000 / size
        print(f"{size:>6}  {cold.seconds:>7.2f}  {cold.seconds * per:>6.2f}  "
              f"{median(warm):>7.2f}  {median(warm) * per:>6.2f}  {cold_mb:>7.0f}  "
              f"{cold_mb * per:>7.0f}  {warm_mb:>7.0f}")


if __name__ == "__main__":
    raise SystemExit(main())
