"""The `blogkit` program (also `python -m blogkit`): the command line in a process of its own."""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from typing import NoReturn


def run() -> int:
    """Run the command line with Python's cyclic garbage collector off, and end the process
    without tearing down what it made.

    A build makes a large graph of long-lived objects (posts, bodies, pages) and then the
    process ends: the collector would walk that graph again and again while it grows, from
    the imports on, and once more at the end, for garbage the exit frees anyway. The dev
    server turns it back on (it runs for hours and collects while idle).
    """
    gc.disable()
    from .cli import main

    if _observed():
        return main()
    # Freeing every object one by one takes a tenth of a second or more after a build:
    # the process ends as soon as the build has reported, with all of them still held.
    _end(main(finish=_end))


def _end(code: int) -> NoReturn:
    """End the process now. Everything blogkit writes is closed by then; what is left is
    what print() buffered."""
    for stream in (sys.stdout, sys.stderr):
        # A closed pipe: the normal exit would not have printed it either.
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


def _observed() -> bool:
    """Whether a profiler, tracer or coverage tool is watching: it reports at exit."""
    if sys.getprofile() is not None or sys.gettrace() is not None:
        return True
    monitoring = getattr(sys, "monitoring", None)  # Python 3.12+
    return monitoring is not None and any(
        monitoring.get_tool(tool) is not None for tool in range(6))


if __name__ == "__main__":
    raise SystemExit(run())
