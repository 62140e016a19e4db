"""VERSIONS of the installed libraries blogkit's output depends on (parts of cache keys)."""

from __future__ import annotations

import os
import re
import sys
from functools import lru_cache


def installed_version(distribution: str) -> str:
    """The installed version of `distribution` (`markdown-it-py`), as its installer recorded it.

    Read from the name of its `<name>-<version>.dist-info` folder, the first one found
    along sys.path, where importlib.metadata finds it too. Importing importlib.metadata
    costs every build about 30 ms (it imports the email package), so it only answers
    when there is no such folder (an egg, a zip).
    """
    wanted = _normal(distribution)
    for folder in sys.path:
        version = _dist_infos(folder or ".").get(wanted)
        if version is not None:
            return version
    from importlib import metadata

    return metadata.version(distribution)


def _normal(name: str) -> str:
    """A project name as PEP 503 compares them: `Markdown_It.py` is `markdown-it-py`."""
    return re.sub(r"[-_.]+", "-", name).lower()


@lru_cache(maxsize=64)
def _dist_infos(folder: str) -> dict[str, str]:
    """The versions of the distributions `folder` has .dist-info folders of, by name."""
    try:
        names = sorted(os.listdir(folder))
    except OSError:  # a zip file, a folder that is gone
        return {}
    found: dict[str, str] = {}
    for name in names:
        if name.endswith(".dist-info"):
            # Installers write the name with "_" for "-" (and a version has no "-"): a
            # folder named otherwise (`pygments-ansi-color-0.3.dist-info`) is left to
            # importlib.metadata.
            project, _, version = name[:-len(".dist-info")].partition("-")
            if version and "-" not in version:
                found.setdefault(_normal(project), version)
    return found
