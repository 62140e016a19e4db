"""WATCHER: the dev server's eyes: which of the site's input files changed, in bursts.

Only blogkit.yaml and what is under content/, templates/ and static/ count; the output
folder and the temporaries editors write beside a file they save do not.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from pathlib import Path

from .config import CONFIG_NAME

IDLE_MS = 1500
"""After this long without a change, the server collects garbage."""
QUICK_STEP_MS = 5
"""After a quiet spell, a change is taken once this long passes without another."""
BURST_STEP_MS = 30
"""Within BURST_SECONDS of a rebuild, changes are grouped until this long passes without one."""
BURST_SECONDS = 0.2
MAX_GROUP_MS = 400
"""Changes that never stop are still taken at least this often."""
_WATCHED = ("content", "templates", "static")
_TEMPORARY_SUFFIXES = ("~", ".swp", ".swo", ".swx", ".tmp")
"""Editor temporaries by suffix (the rest: see `editor_temporary`)."""


def watch_site(root: Path, output: Path, sentinel: Path, rebuild: Callable[[set[Path]], None],
               idle: Callable[[], None], stop: threading.Event, ready: threading.Event
               ) -> None:
    """Call `rebuild(paths)` for every burst of changes to the site's inputs under `root`
    (not its `output`), until `stop` is set; `idle()` once things are quiet after a
    rebuild. `ready` is set once events are seen: the caller writes the `sentinel` file
    until then (watchfiles reports nothing about being set up)."""
    import watchfiles

    def relevant(_change: object, path: str) -> bool:
        where = Path(path)
        if where == sentinel:
            return True
        if where.is_relative_to(output) or editor_temporary(where.name):
            return False
        return where == root / CONFIG_NAME or any(
            where.is_relative_to(root / folder) for folder in _WATCHED)

    # One watchfiles.watch() generator, with its step and timeout fixed, gives all three
    # latencies. step=QUICK_STEP_MS: a batch comes once QUICK_STEP_MS pass with no other
    # change (an editor's write-temporary-then-rename save is one batch), or at the
    # latest after debounce=MAX_GROUP_MS; after a quiet spell it is rebuilt at once, so
    # the preview follows at once. rust_timeout=BURST_STEP_MS with yield_on_timeout: an
    # empty batch says BURST_STEP_MS passed with no change. A batch whose wait began
    # within BURST_SECONDS of a rebuild (a burst of saves, or what changed during the
    # rebuild) is held, with the batches after it, until such an empty batch or until
    # MAX_GROUP_MS after that wait began: the group is one rebuild. The empty batches
    # also tick the idle clock: IDLE_MS after the last change or rebuild, idle().
    # force_polling=None: watchfiles' own choice (WSL, WATCHFILES_FORCE_POLLING).
    pending: set[Path] = set()
    held = False  # pending waits for a quiet BURST_STEP_MS (else it is rebuilt at once)
    rebuilt = False  # since the last idle()
    group_start = burst_until = 0.0
    waiting_since = last_change = time.monotonic()
    batches = watchfiles.watch(
        root, watch_filter=relevant, debounce=MAX_GROUP_MS, step=QUICK_STEP_MS,
        stop_event=stop, rust_timeout=BURST_STEP_MS, yield_on_timeout=True,
        raise_interrupt=False, force_polling=None)
    with contextlib.closing(batches):  # ends watchfiles' thread even if a step raises
        for changes in batches:
            now = time.monotonic()
            if changes:
                ready.set()
                last_change = now
            paths = {Path(path) for _, path in changes} - {sentinel}
            if paths and not pending:
                held, group_start = waiting_since < burst_until, waiting_since
            pending |= paths
            if pending and (not held or not changes
                            or now - group_start >= MAX_GROUP_MS / 1000):
                rebuild(pending)
                pending, rebuilt = set(), True
                last_change = time.monotonic()
                burst_until = last_change + BURST_SECONDS
            elif not changes and rebuilt and now - last_change >= IDLE_MS / 1000:
                idle()  # idle: get ready for the next edit
                rebuilt = False
            waiting_since = time.monotonic()


def editor_temporary(name: str) -> bool:
    """Whether a file name is one an editor or tool writes beside the file it saves.

    vim: swap files (`.name.swp`, `.swo`, `.swx`), the write probe `4913` (4913 + 123·k
    while that exists) and backups (`name~`, also emacs'); emacs: locks (`.#name`) and
    auto-saves (`#name#`); GNU sed -i: `sed` and six letters or digits; others: `.tmp`.
    """
    if name.endswith(_TEMPORARY_SUFFIXES) or name.startswith(".#"):
        return True
    if len(name) > 1 and name.startswith("#") and name.endswith("#"):
        return True
    if name.isascii() and name.isdecimal():
        return int(name) >= 4913 and (int(name) - 4913) % 123 == 0
    stem = name[3:]
    return len(name) == 9 and name.startswith("sed") and stem.isascii() and stem.isalnum()
