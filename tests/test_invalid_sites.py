"""Invalid sites: every mistake is reported at its place, together, and nothing is written.

Each folder in tests/invalid/ is a complete tiny site (the `tex-` ones with formulas, for KaTeX)
with one kind of mistake, and an `expected.txt`: one line per error blogkit must print,
the start of the error's first line (`path:line:col: error: message...`, paths relative
to the site folder), in the order they must appear; a line starting `    hint: ` is the
start of the hint printed right after the error above it. An empty `expected.txt` means
the site is valid and must build. A folder with an `xfail.txt` shows a bug in blogkit:
the file says what blogkit does wrong, `expected.txt` says what is right, and the test is
a strict xfail until the bug is fixed. A folder with an `options.txt` is built with the
command-line options it lists (one line, e.g. `--keep-going`); with --keep-going the site
is written, `expected.txt` lists warnings too, and the build exits 1 only when it lists
an error (a file left out).

Every build runs `python -m blogkit build` in a subprocess, as a user would; the fixture
builds run a few at a time since most of each run is the interpreter starting.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

INVALID = Path(__file__).parent / "invalid"
CASES = sorted(p.name for p in INVALID.iterdir() if p.is_dir())
_NOT_SITE = shutil.ignore_patterns("expected.txt", "xfail.txt", "options.txt")
_ERROR_LINE = re.compile(r"^\S.*?: error: ")
_MESSAGE_LINE = re.compile(r"^\S.*?: (error|warning): ")
_LEFT_OUT = re.compile(r"^\d+ files? left out ")
VALID_PAGES = {
    "crlf-and-bom-ok": {
        "posts/a/index.html": ["<title>带 BOM 和 CRLF |", "<p>第一段。</p>", "<p>第二段。</p>"],
        "en/posts/a/index.html": ["<title>With BOM and CRLF |", "<p>Second paragraph.</p>"],
    },
    "keep-going-left-out": {
        "posts/diffusion/index.html": [
            '<a href="../ddpm-notes/" class="broken-link"',
            '<img src="figures/forward.svg" class="broken-link"',
            '<a href="/blog/posts/score/">'],
        "posts/score/index.html": ["<title>分数匹配 |"],
    },
    "keep-going-warnings-only": {
        "posts/vae/index.html": ['<a href="../gan/" class="broken-link"',
                                 '<img src="/images/elbo.png" class="broken-link"'],
    },
}
"""Text that must be in the pages of the fixtures that build (valid, or --keep-going)."""
GONE_PAGES = {"keep-going-left-out": ["posts/ddpm/index.html"]}
"""Pages of the files --keep-going left out."""


def blogkit(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "blogkit", *map(str, args)],
                          capture_output=True, text=True, encoding="utf-8", timeout=60)


def copy_case(case: str, to: Path) -> Path:
    shutil.copytree(INVALID / case, to, ignore=_NOT_SITE)
    return to


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (hidden ones too) with its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(site: Path) -> list[str]:
    """Staging or retired output folders the writer left beside public/."""
    return sorted(p.name for p in site.glob(".public.*"))


def options(case: str) -> list[str]:
    """The command-line options of a fixture (its `options.txt`)."""
    listed = INVALID / case / "options.txt"
    return listed.read_text(encoding="utf-8").split() if listed.is_file() else []


def _case_params() -> Iterator[object]:
    for case in CASES:
        reason = INVALID / case / "xfail.txt"
        marks = ([pytest.mark.xfail(reason=reason.read_text(encoding="utf-8").strip(),
                                    strict=True)] if reason.is_file() else [])
        yield pytest.param(case, marks=marks, id=case)


# -- the fixture sites ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def built(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, tuple[Path, subprocess.CompletedProcess[str]]]:
    """Build every fixture selected in this session: {case: (site folder, finished run)}."""
    wanted = sorted({item.callspec.params["case"] for item in request.session.items
                     if getattr(item, "module", None) is sys.modules[__name__]
                     and "case" in getattr(getattr(item, "callspec", None), "params", {})})

    def run(case: str) -> tuple[Path, subprocess.CompletedProcess[str]]:
        site = copy_case(case, tmp_path_factory.mktemp("case") / case)
        return site, blogkit("build", "-s", site, *options(case))

    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        return dict(zip(wanted, pool.map(run, wanted), strict=True))


@pytest.mark.parametrize("case", list(_case_params()))
def test_invalid_site(
    case: str, built: dict[str, tuple[Path, subprocess.CompletedProcess[str]]]
) -> None:
    site, done = built[case]
    expected = (INVALID / case / "expected.txt").read_text(encoding="utf-8").splitlines()
    stderr = done.stderr
    assert "Traceback" not in stderr, stderr
    assert not leftovers(site)
    keep_going = "--keep-going" in options(case)
    if not expected or keep_going:  # a site that builds
        failing = any(_ERROR_LINE.match(line) for line in expected)
        assert done.returncode == (1 if failing else 0), (done.returncode, stderr)
        assert failing or "error:" not in stderr, stderr
        for page, needles in VALID_PAGES.get(case, {}).items():
            html = (site / "public" / page).read_text(encoding="utf-8")
            for needle in needles:
                assert needle in html, (page, needle)
        for page in GONE_PAGES.get(case, []):
            assert not (site / "public" / page).exists(), page
        for page in (site / "public").rglob("*.html"):
            text = page.read_text(encoding="utf-8")
            assert "\ufeff" not in text and "\r" not in text, page
        if not expected:
            return
    else:
        assert done.returncode == 1, (done.returncode, stderr)
    lines = stderr.splitlines()
    messages = [line for line in lines if _MESSAGE_LINE.match(line)]
    wanted = [line for line in expected
              if not line.startswith(("    hint: ", "summary: ")) and not _LEFT_OUT.match(line)]
    assert len(messages) == len(wanted), stderr
    if not keep_going:
        count = f"{len(wanted)} error{'s' if len(wanted) != 1 else ''}"
        assert lines[-1] == f"{count}; nothing was written.", stderr
    at = -1
    for line in expected:
        if line.startswith("    hint: "):
            assert at + 1 < len(lines) and lines[at + 1].startswith(line), (line, stderr)
            continue
        found = next((i for i in range(at + 1, len(lines)) if lines[i].startswith(line)), None)
        assert found is not None, f"not printed (in this order): {line}\n--- stderr:\n{stderr}"
        at = found
    assert (site / "public").exists() == keep_going


# -- duplicate URLs of a file and a bundle ---------------------------------------------------

def _file_and_bundle(tmp_path: Path) -> subprocess.CompletedProcess[str]:
    site = copy_case("duplicate-url", tmp_path / "site")
    shutil.rmtree(site / "content/posts/a")
    for name, title in (("a.zh.md", "单文件"), ("a/index.zh.md", "文件夹")):
        path = site / "content/posts" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"---\ntitle: {title}\ndate: 2026-01-18\n---\n正文。\n", encoding="utf-8")
    return blogkit("build", "-s", site)


def test_duplicate_url_of_file_and_bundle_names_both(tmp_path: Path) -> None:
    done = _file_and_bundle(tmp_path)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if _ERROR_LINE.match(line)]
    assert len(errors) == 1, done.stderr
    assert re.match(r"content/posts/a(\.zh\.md|/index\.zh\.md):1:1: error: two files want "
                    r"the URL /posts/a/: this one and ", errors[0]), errors[0]
    assert "a.zh.md" in errors[0] and "a/index.zh.md" in errors[0], errors[0]
    assert not (tmp_path / "site/public").exists()


def test_duplicate_url_names_the_other_file_from_the_site_folder(tmp_path: Path) -> None:
    done = _file_and_bundle(tmp_path)
    error = next(line for line in done.stderr.splitlines() if _ERROR_LINE.match(line))
    assert error.count("content/posts/a") == 2, error


# -- a failed build leaves the previous site as it was -------------------------------------

def test_failed_build_keeps_the_previous_site(tmp_path: Path) -> None:
    site = copy_case("crlf-and-bom-ok", tmp_path / "site")
    first = blogkit("build", "-s", site)
    assert first.returncode == 0, first.stderr
    before = snapshot(site / "public")
    assert "index.html" in before and "posts/a/index.html" in before
    (site / "content/posts/a/index.zh.md").write_text("---\ntitle: 坏了\n---\n正文。\n",
                                                      encoding="utf-8")
    second = blogkit("build", "-s", site)
    assert second.returncode == 1, second.stderr
    assert second.stderr.startswith("content/posts/a/index.zh.md:2:1: error: front matter has "
                                    "no date"), second.stderr
    assert "Traceback" not in second.stderr
    assert snapshot(site / "public") == before
    assert not leftovers(site)


def test_output_folder_follows_the_umask(tmp_path: Path) -> None:
    site = copy_case("crlf-and-bom-ok", tmp_path / "site")
    assert blogkit("build", "-s", site).returncode == 0
    umask = os.umask(0)
    os.umask(umask)
    mode = stat.S_IMODE((site / "public").stat().st_mode)
    assert mode == 0o777 & ~umask, oct(mode)


# -- output folders blogkit refuses ----------------------------------------------------------

REFUSED = {
    # name: (what -o is, given the site folder; start of the reason printed)
    "site": (lambda site: site, "contains the site's own files"),
    "parent": (lambda site: site.parent, "contains the site's own files"),
    "root": (lambda site: Path("/"), "it is /"),
    "home": (lambda site: Path.home(), "it is ~"),
    "content": (lambda site: site / "content", "it is inside content/"),
    "inside-content": (lambda site: site / "content/public", "it is inside content/"),
    "not-made-by-blogkit": (lambda site: site.parent / "mine",
                            "it is not empty and was not made by blogkit"),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused_output_folder(name: str, tmp_path: Path) -> None:
    site = copy_case("crlf-and-bom-ok", tmp_path / "work/site")
    if name in ("root", "home"):
        # A broken site, so that even a blogkit that stopped refusing could never get as
        # far as writing (it would fail with status 1 instead of 2 and this test with it).
        (site / "content/posts/a/index.zh.md").write_text("no front matter\n", encoding="utf-8")
    mine = tmp_path / "work/mine"
    mine.mkdir()
    (mine / "keep.txt").write_text("my own file\n", encoding="utf-8")
    output, reason = REFUSED[name]
    out = output(site)
    outside = out.resolve().parent
    before = snapshot(tmp_path)
    beside = sorted(outside.iterdir())
    done = blogkit("build", "-s", site, "-o", out)
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    assert done.stderr.startswith("blogkit: error: refusing"), done.stderr
    assert reason in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert snapshot(tmp_path) == before  # nothing written or deleted, keep.txt still there
    assert (mine / "keep.txt").read_text(encoding="utf-8") == "my own file\n"
    if name not in ("root", "home"):  # other programs may write beside those
        assert sorted(outside.iterdir()) == beside
    for left in outside.glob(f".{out.resolve().name}.*"):
        assert not re.search(r"\.(staging|old)-", left.name), left


def test_refused_output_that_is_a_file(tmp_path: Path) -> None:
    site = copy_case("crlf-and-bom-ok", tmp_path / "site")
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n", encoding="utf-8")
    done = blogkit("build", "-s", site, "-o", notes)
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    assert done.stderr.startswith("blogkit: error: refusing"), done.stderr
    assert notes.is_file() and notes.read_text(encoding="utf-8") == "my notes\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "site"]


# -- a source folder that is not a site ------------------------------------------------------

def test_source_without_blogkit_yaml(tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    (folder / "content").mkdir(parents=True)
    (folder / "content/a.md").write_text("---\ntitle: A\ndate: 2026-01-01\n---\nHi\n",
                                         encoding="utf-8")
    before = snapshot(tmp_path)
    done = blogkit("build", "-s", folder)
    assert done.returncode == 1, (done.returncode, done.stderr)
    assert done.stderr.startswith("blogkit.yaml: error: no blogkit.yaml in "), done.stderr
    assert str(folder) in done.stderr.splitlines()[0]
    assert "hint: run blogkit in a site folder, or name one with -s/--source DIR" in done.stderr
    assert "Traceback" not in done.stderr
    assert snapshot(tmp_path) == before and not (folder / "public").exists()


def test_source_that_does_not_exist_is_named(tmp_path: Path) -> None:
    done = blogkit("build", "-s", tmp_path / "no-such-site")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "no-such-site" in done.stderr, done.stderr
    assert not (tmp_path / "no-such-site").exists()
