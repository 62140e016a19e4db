"""CHECK EXTERNAL: `blogkit check --external`: links to other sites that do not answer.

HEAD then GET, concurrently, with a timeout, a per-host limit and a day's cache of the
results in .blogkit-cache/ (off by default: it asks the network).
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from . import __version__
from .config import SiteConfig
from .content import Post
from .errors import SourceError

if TYPE_CHECKING:  # check.py runs this module
    from .check import CheckOptions, Written

EXTERNAL = "external"
"""The kind of what this check reports."""
EXTERNAL_CACHE = "external-links.json"
"""In .blogkit-cache/: each external URL's last result and when it was had."""
EXTERNAL_FRESH = 24 * 3600
"""Seconds a result of an external link is kept."""


def external_links(config: SiteConfig, posts: list[Post], written: dict[str, list[Written]],
                   options: CheckOptions) -> list[SourceError]:
    """Links to other sites that do not answer with a success (after redirects): each
    URL asked once (HEAD, then GET when HEAD is refused), `options.threads` at a time and
    `options.per_host` per host, a result kept for a day in .blogkit-cache/."""
    uses = [(post, use) for post in posts for use in written.get(post.rel, ())
            if use.href.startswith(("http://", "https://"))]
    urls = sorted({use.href.split("#", 1)[0] for _, use in uses})
    store = config.cache_dir / EXTERNAL_CACHE
    results = _cached(store)
    now = time.time()
    due = [url for url in urls if url not in results or now - results[url][1] > EXTERNAL_FRESH]
    locks: dict[str, threading.Semaphore] = {}
    for url in due:
        locks.setdefault(urlsplit(url).netloc, threading.Semaphore(options.per_host))
    with ThreadPoolExecutor(max_workers=max(1, min(options.threads, len(due) or 1))) as pool:
        for url, answer in zip(due, pool.map(
                lambda url: _ask(url, locks[urlsplit(url).netloc], options.timeout), due),
                strict=True):
            results[url] = (answer, now)
    if due:
        _keep(store, results)
    problems = []
    for post, use in uses:
        answer = results[use.href.split("#", 1)[0]][0]
        if answer != "ok":
            problems.append(SourceError(
                post.source, use.line, use.col, f"link to {use.href}: {answer}",
                "correct or remove the link (an archived copy, e.g. on web.archive.org, "
                "may stand in for a page gone)", severity="warning", kind=EXTERNAL))
    return problems


def _ask(url: str, lock: threading.Semaphore, timeout: float) -> str:
    """"ok", or what went wrong (`HTTP 404`, `no answer in 10 s`)."""
    headers = {"User-Agent": f"blogkit/{__version__} (link check)"}
    with lock:
        for method in ("HEAD", "GET"):
            request = urllib.request.Request(url, method=method, headers=headers)
            try:
                with urllib.request.urlopen(request, timeout=timeout):
                    return "ok"
            except urllib.error.HTTPError as exc:
                # Some servers refuse HEAD (405, 403, 501...): GET decides.
                if method == "HEAD" and exc.code != 404 and exc.code != 410:
                    continue
                return f"HTTP {exc.code}"
            except (urllib.error.URLError, OSError, ValueError) as exc:
                reason = getattr(exc, "reason", exc)
                if isinstance(reason, TimeoutError) or "timed out" in str(reason):
                    return f"no answer in {timeout:g} s"
                return f"cannot connect ({reason})"
    return "no answer"


def _cached(store: Path) -> dict[str, tuple[str, float]]:
    try:
        data = json.loads(store.read_text(encoding="utf-8"))
        return {str(url): (str(answer), float(when)) for url, (answer, when) in data.items()}
    except (OSError, ValueError, TypeError, AttributeError):
        return {}  # none yet, or damaged: only an optimisation


def _keep(store: Path, results: dict[str, tuple[str, float]]) -> None:
    try:
        store.parent.mkdir(parents=True, exist_ok=True)
        store.write_text(json.dumps(results, sort_keys=True), encoding="utf-8")
    except OSError:
        pass
