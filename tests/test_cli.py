"""CLI: the command line is a thin shell: versions, help, exit codes."""

from __future__ import annotations

import gc
import re
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


# -- --keep-going: what can be built is built ----------------------------------------------

KEEP_GOING_SITE = {
    "content/posts/a.md": post("A", "2026-01-01", (
        "See [the intro](intro.md) and [the intro](intro.md) again.\n\n"
        "![Loss curve](/images/loss.png) ![Setup](/images/setup.png)")),
    "content/posts/b.md": post("B", "2026-01-02", "Links to [A](a.md)."),
    "static/images/setup.png": "not really a png",
}
"""Two links to nothing on one line, a missing static image beside one that is there."""


def test_keep_going_builds_with_warnings_and_exits_0(tmp_path: Path) -> None:
    make_site(tmp_path, KEEP_GOING_SITE, languages=("en",))
    done = blogkit("build", "--keep-going", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("built ") and "Traceback" not in done.stderr
    warnings = [line for line in done.stderr.splitlines() if ": warning: " in line]
    assert warnings == [
        "content/posts/a.md:5:17: warning: link to 'intro.md': no published post or "
        "page-bundle file is there",
        "content/posts/a.md:5:43: warning: link to 'intro.md': no published post or "
        "page-bundle file is there",
        "content/posts/a.md:7:15: warning: link to '/images/loss.png': the site publishes no "
        "page or file there"]
    assert "summary" not in done.stderr  # three messages are read at a glance
    page = (tmp_path / "public/posts/a/index.html").read_text(encoding="utf-8")
    broken = 'class="broken-link" data-broken="nothing is published there"'
    assert page.count(f'<a href="intro.md" {broken}>the intro</a>') == 2
    assert ('<a class="image-link" href="/images/loss.png" data-broken="nothing is published '
            f'there"><img src="/images/loss.png" {broken} alt="Loss curve"') in page
    assert '<img src="/blog/images/setup.png" alt="Setup"' in page
    assert not re.search(r"<[^<>]*\sclass=[^<>]*\sclass=", page)  # one class attribute a tag
    assert (tmp_path / "public/posts/b/index.html").is_file()


def test_keep_going_leaves_out_a_file_it_cannot_use_writes_the_rest_and_exits_1(
        tmp_path: Path) -> None:
    make_site(tmp_path, {**KEEP_GOING_SITE,
                         "content/posts/c.md": "---\ntitle: C\ndate: 2026-01-03\ntags: [a, b\n"
                                               "---\nBody.\n"}, languages=("en",))
    done = blogkit("build", "--keep-going", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    lines = done.stderr.splitlines()
    assert lines[0].startswith("content/posts/a.md:5:17: warning: ")  # four: no summary
    assert lines[-1] == "1 file left out for the errors above; the rest of the site was written."
    errors = [line for line in lines if ": error: " in line]
    assert len(errors) == 1 and errors[0].startswith("content/posts/c.md:4:12: error: YAML")
    assert done.stdout.startswith("built ")
    assert (tmp_path / "public/posts/a/index.html").is_file()
    assert not (tmp_path / "public/posts/c").exists()
    # Fixed, the next build has it and exits 0.
    (tmp_path / "content/posts/c.md").write_text(post("C", "2026-01-03", "Body."),
                                                 encoding="utf-8")
    again = blogkit("build", "--keep-going", cwd=tmp_path)
    assert again.returncode == 0 and (tmp_path / "public/posts/c/index.html").is_file()


def test_without_keep_going_the_same_mistakes_stop_the_build(tmp_path: Path) -> None:
    make_site(tmp_path, {"content/posts/b.md": post("B", "2026-01-02", "Fine.")},
              languages=("en",))
    assert blogkit("build", cwd=tmp_path).returncode == 0
    before = (tmp_path / "public/posts/b/index.html").read_bytes()
    make_site(tmp_path, KEEP_GOING_SITE, languages=("en",))
    done = blogkit("build", cwd=tmp_path)
    assert done.returncode == 1
    assert [line.split(": error: ")[0] for line in done.stderr.splitlines()
            if ": error: " in line] == ["content/posts/a.md:5:17", "content/posts/a.md:5:43",
                                        "content/posts/a.md:7:15"]
    assert done.stderr.endswith("3 errors; nothing was written.\n")
    assert not (tmp_path / "public/posts/a").exists()
    assert (tmp_path / "public/posts/b/index.html").read_bytes() == before


# -- the first hour: help, progress, the site folder --------------------------------------

def test_help_lists_every_command_and_how_to_start() -> None:
    helped = blogkit("--help").stdout
    for command in ("new", "build", "serve", "check"):
        assert f"    {command} " in helped, command
    assert "blogkit new site my-blog" in helped
    assert "--output" not in blogkit("serve", "--help").stdout
    assert "--external" in blogkit("check", "--help").stdout


def test_no_site_folder_says_how_to_make_one(tmp_path: Path) -> None:
    done = blogkit("build", cwd=tmp_path)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"blogkit.yaml: error: no blogkit.yaml in {tmp_path}")
    assert "to start a new site: blogkit new site DIR" in done.stderr


def run_on_a_terminal(args: list[str], cwd: Path) -> tuple[int, str]:
    """Run blogkit with its standard error on a pseudo-terminal; return the status and
    what the terminal got."""
    import os
    import pty

    leader, follower = pty.openpty()
    env = {key: value for key, value in os.environ.items() if key != "CI"}
    process = subprocess.Popen([sys.executable, "-m", "blogkit", *args], cwd=cwd,
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=follower, env={**env, "TERM": "xterm"})
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the other end closed: the process is done with the terminal
            break
        if not chunk:
            break
        shown += chunk
    process.communicate(timeout=120)
    os.close(leader)
    return process.returncode, shown.decode("utf-8")


def test_a_build_on_a_terminal_shows_each_stage_in_place(tmp_path: Path) -> None:
    tiny_site(tmp_path)
    status, shown = run_on_a_terminal(["build"], tmp_path)
    assert status == 0, shown
    lines = shown.replace("\r\n", "\n").split("\n")
    stages = [line.rsplit("\r\x1b[K", 1)[-1] for line in lines if line]
    assert [line.split(" in ")[0] for line in stages] == [
        "read 1 post", "rendered 1 of 1 bodies", "0 formulas, 0 rendered by KaTeX",
        "6 pages, 6 rendered"], shown
    assert "reading posts…" in shown and "writing pages…" in shown  # drawn while running
    piped = blogkit("build", cwd=tmp_path)  # not a terminal: the summary line only
    assert piped.stderr == "" and piped.stdout.startswith("built ")
