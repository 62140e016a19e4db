"""The `blogkit` program (also `python -m blogkit`): the command line in a process of its own."""

from __future__ import annotations

import gc


def run() -> int:
    """Run the command line with Python's cyclic garbage collector off.

    A build makes a large graph of long-lived objects (posts, bodies, pages) and then the
    process ends: the collector would walk that graph again and again while it grows, from
    the imports on, and once more at the end, for garbage the exit frees anyway. The dev
    server turns it back on (it runs for hours and collects while idle).
    """
    gc.disable()
    from .cli import main

    return main()


if __name__ == "__main__":
    raise SystemExit(run())
