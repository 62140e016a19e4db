"""CLI: the command line is a thin shell: versions, help, exit codes."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import make_site, post

from blogkit import __version__, cli
from blogkit.build_cache import BuildCache


def blogkit(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "blogkit", *args], cwd=cwd,
                          capture_output=True, text=True)


def test_version_and_help() -> None:
    assert blogkit("--version").stdout.strip() == f"blogkit {__version__}"
    helped = blogkit("--help")
    assert helped.returncode == 0 and "build" in helped.stdout and "serve" in helped.stdout
    build_help = blogkit("build", "--help").stdout
    for option in ("--source", "--output", "--drafts", "--future", "--keep-going"):
        assert option in build_help


def tiny_site(root: Path) -> None:
    """One English post, nothing else."""
    make_site(root, {"content/posts/a.md": post("A", "2026-01-01", "Hi")}, languages=("en",))


def test_no_command_prints_help_and_fails() -> None:
    done = blogkit()
    assert done.returncode == 2 and "usage:" in done.stdout


def test_build_in_the_current_folder(tmp_path: Path) -> None:
    tiny_site(tmp_path)
    done = blogkit("build", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("built ")
    assert (tmp_path / "public/posts/a/index.html").is_file()
    elsewhere = blogkit("build", "-s", str(tmp_path), "-o", str(tmp_path / "out"))
    assert elsewhere.returncode == 0 and (tmp_path / "out/index.html").is_file()


def test_base_url_option(tmp_path: Path) -> None:
    tiny_site(tmp_path)
    done = blogkit("build", "--base-url", "https://user.github.io/repo", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    page = (tmp_path / "public/posts/a/index.html").read_text(encoding="utf-8")
    assert '<link rel="canonical" href="https://user.github.io/repo/posts/a/">' in page
    assert 'href="/repo/css/blogkit.css"' in page
    refused = blogkit("build", "--base-url", "user.github.io/repo", cwd=tmp_path)
    assert refused.returncode == 2
    assert refused.stderr.startswith("blogkit: error: --base-url 'user.github.io/repo' is not")
    assert "Traceback" not in refused.stderr


def test_serve_on_an_impossible_address_is_a_clear_error(tmp_path: Path) -> None:
    tiny_site(tmp_path)
    for option in (["--port", "99999"], ["--host", "no.such.host.invalid"]):
        done = blogkit("serve", *option, cwd=tmp_path)
        assert done.returncode == 2, done.stderr
        assert "blogkit: error: cannot serve on" in done.stderr
        assert "Traceback" not in done.stderr


def test_the_program_exits_at_once_unless_a_profiler_or_tracer_watches(tmp_path: Path) -> None:
    tiny_site(tmp_path)
    # At once: an exit handler registered by the build's process never runs.
    probe = ("import atexit, runpy, sys; atexit.register(print, 'torn down'); "
             "sys.argv = ['blogkit', 'build', '--timings']; "
             "runpy.run_module('blogkit', run_name='__main__')")
    done = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("built ") and "formulas:" in done.stdout  # all flushed
    assert "torn down" not in done.stdout
    # A profiler writes its report at exit: then the process ends the usual way.
    report = tmp_path / "build.prof"
    profiled = subprocess.run([sys.executable, "-m", "cProfile", "-o", str(report), "-m",
                               "blogkit", "build"], cwd=tmp_path, capture_output=True,
                              text=True)
    assert profiled.returncode == 0, profiled.stderr
    assert report.stat().st_size > 0
    traced = subprocess.run([sys.executable, "-m", "trace", "--count", "--missing",
                             "--coverdir", str(tmp_path / "cover"), "--module", "blogkit", "build"],
                            cwd=tmp_path, capture_output=True, text=True)
    assert traced.returncode == 0, traced.stderr
    assert (tmp_path / "cover").is_dir()


def test_finish_comes_after_the_report_while_the_build_is_still_held(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tiny_site(tmp_path)
    calls: list[tuple[int, str, bool]] = []

    def finish(code: int) -> None:
        # What the build read and made is still held (the process ends without freeing it).
        held = any(type(found) is BuildCache for found in gc.get_objects())
        calls.append((code, capsys.readouterr().out, held))

    assert cli.main(["build", "-s", str(tmp_path)], finish=finish) == 0
    assert len(calls) == 1
    code, printed, held = calls[0]
    assert code == 0 and printed.startswith("built ") and held
    gc.collect()
    assert not any(type(found) is BuildCache for found in gc.get_objects())


def test_an_error_about_a_symbolic_link_names_the_link(tmp_path: Path) -> None:
    tiny_site(tmp_path)
    (tmp_path / "content/posts/loop.md").symlink_to("loop.md")  # cannot be resolved at all
    done = blogkit("build", cwd=tmp_path)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("content/posts/loop.md: error: cannot read the file")
