"""Library versions for cache keys, read without importing importlib.metadata."""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path

import pytest

from blogkit import versions
from blogkit.versions import installed_version


@pytest.mark.parametrize("name", ["markdown-it-py", "mdit-py-plugins", "pygments", "jinja2",
                                  "markupsafe", "PyYAML"])
def test_the_same_versions_as_importlib_metadata(name: str) -> None:
    assert installed_version(name) == metadata.version(name)


def test_a_dist_info_folder_first_on_the_path_wins(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "Markdown_It.Py-99.1.dist-info").mkdir()
    (tmp_path / "other_project-5.0.dist-info").mkdir()
    (tmp_path / "pygments-ansi-color-0.3.dist-info").mkdir()  # not pygments 'ansi-color-0.3'
    pygments = metadata.version("pygments")
    monkeypatch.setattr(sys, "path", [str(tmp_path), *sys.path])
    versions._dist_infos.cache_clear()
    try:
        assert installed_version("markdown-it-py") == "99.1"
        assert installed_version("pygments") == pygments
    finally:
        versions._dist_infos.cache_clear()


def test_without_a_dist_info_folder_importlib_metadata_answers() -> None:
    with pytest.raises(metadata.PackageNotFoundError):
        installed_version("no-such-distribution-anywhere")
