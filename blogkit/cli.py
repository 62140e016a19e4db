"""CLI: argument parsing, printing errors, exit codes. No logic of its own."""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

from . import __version__
from .build import BuildOptions, BuildResult, build
from .build_cache import BuildCache
from .config import load_config, parse_base_url
from .errors import BuildError, SourceError, UsageError, format_list
from .katex_install import TexSetupError


class Commands(Protocol):
    """What a `_setup_*` function is given: `add_subparsers()`'s answer, by what it does."""

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser: ...


def main(argv: Sequence[str] | None = None,
         finish: Callable[[int], object] | None = None) -> int:
    """Run blogkit; return the exit status (0 ok, 1 the site has errors, 2 bad usage).

    With --keep-going a build that left files out is written and still exits 1.

    `finish(status)`, when given, is called after a successful build, before what the
    build made is freed: `__main__` ends the process there.
    """
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    # What runs the subcommand (its `_run_*`): given the arguments and `finish`.
    run: Callable[[argparse.Namespace, Callable[[int], object] | None], int] = args.run
    try:
        return run(args, finish)
    except BuildError as exc:
        print(exc.format(Path(getattr(args, "source", ".")).resolve()), file=sys.stderr)
        return 1
    except (UsageError, TexSetupError) as exc:
        print(f"blogkit: error: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, UsageError) else 1
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    """The command line. Each subcommand is a `_setup_*` function that adds its parser
    and sets `run` (a `Command`): a new one is one more function and one more line in
    `_SUBCOMMANDS`."""
    parser = argparse.ArgumentParser(
        prog="blogkit",
        description="Build a bilingual (Chinese + English) technical blog with math.",
        epilog="Start a new blog: blogkit new site my-blog")
    parser.add_argument("--version", action="version", version=f"blogkit {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for setup in _SUBCOMMANDS:
        setup(commands)
    return parser


def _site_options(command: argparse.ArgumentParser, output: bool = True) -> None:
    """What every command that builds takes."""
    command.add_argument("-s", "--source", default=".", metavar="DIR",
                         help="the site folder (default: the current folder)")
    if output:
        command.add_argument("-o", "--output", default=None, metavar="DIR",
                             help="output folder (default: public/ in the site)")
    command.add_argument("--drafts", action="store_true", help="include drafts")
    command.add_argument("--future", action="store_true", help="include future-dated posts")
    command.add_argument("-j", "--jobs", type=int, default=None, metavar="N",
                         help="processes for rendering Markdown (default: one per core)")


def _keep_going(command: argparse.ArgumentParser) -> None:
    command.add_argument("--keep-going", action="store_true",
                         help="build what can be built: show TeX errors, links to "
                              "nothing and unknown shortcodes on the page as warnings; "
                              "leave out files that cannot be used (exit status 1)")


def _setup_build(commands: Commands) -> None:
    command = commands.add_parser("build", help="build the site into the output folder")
    _site_options(command)
    _keep_going(command)
    command.add_argument("--base-url", default=None, metavar="URL",
                         help="publish at URL instead of blogkit.yaml's base_url")
    command.add_argument("--timings", action="store_true",
                         help="print the time of each stage and the formula counts")
    command.set_defaults(run=_run_build)


def _run_build(args: argparse.Namespace, finish: Callable[[int], object] | None) -> int:
    from .progress import Progress

    cache = BuildCache()  # what the build holds stays alive until `finish`
    with Progress.for_stream(sys.stderr) as progress:
        result = build(_options(args), cache, progress.stage)
    _report(result, Path(args.source), args.timings)
    status = 1 if result.left_out else 0
    if finish is not None:
        finish(status)
    return status


def _setup_serve(commands: Commands) -> None:
    command = commands.add_parser("serve", help="build and serve the site for local preview "
                                                "(in memory: public/ is not touched)")
    _site_options(command, output=False)
    _keep_going(command)
    command.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
    command.add_argument("--port", type=int, default=8000, help="port (8000)")
    command.add_argument("--open", action="store_true", help="open a browser")
    command.set_defaults(run=_run_serve)


def _run_serve(args: argparse.Namespace, finish: Callable[[int], object] | None) -> int:
    from .serve import serve

    gc.enable()  # off for builds (see __main__.run); a server lives long enough to need it
    return serve(_options(args), host=args.host, port=args.port, open_browser=args.open)


def _setup_check(commands: Commands) -> None:
    command = commands.add_parser(
        "check", help="report what a reader would hit: links, anchors, translations, "
                      "front matter (exit status 1 if anything)")
    command.add_argument("-s", "--source", default=".", metavar="DIR",
                         help="the site folder (default: the current folder)")
    command.add_argument("--external", action="store_true",
                         help="also check links to other sites (HEAD, then GET; results "
                              "kept for a day in .blogkit-cache/)")
    command.add_argument("--timeout", type=float, default=10.0, metavar="SECONDS",
                         help="how long an external link has to answer (10)")
    command.add_argument("--format", choices=("text", "json"), default="text",
                         help="text (path:line:col: ...) or json (for editors and CI)")
    command.add_argument("-j", "--jobs", type=int, default=None, metavar="N",
                         help="processes for rendering Markdown (default: one per core)")
    command.set_defaults(run=_run_check)


def _run_check(args: argparse.Namespace, finish: Callable[[int], object] | None) -> int:
    from .check import CheckOptions, check, report_json, report_text

    root = Path(args.source)
    report = check(CheckOptions(root, external=args.external, workers=args.jobs,
                                timeout=args.timeout))
    if args.format == "json":
        print(report_json(report, root.resolve()))
    else:
        print(report_text(report, root.resolve()))
    return 1 if report.problems else 0


def _setup_new(commands: Commands) -> None:
    command = commands.add_parser("new", help="make a new site or a new post")
    kinds = command.add_subparsers(dest="kind", metavar="KIND", required=True)
    site = kinds.add_parser("site", help="a complete, minimal site that builds at once")
    site.add_argument("folder", metavar="DIR", help="a new or empty folder")
    site.add_argument("--lang", default="zh,en", metavar="CODES",
                      help="the site's languages, the default first (zh,en)")
    site.add_argument("--title", default=None, help="the site's title")
    site.add_argument("--base-url", default="https://example.com/", metavar="URL",
                      help="the address the site is published at")
    site.set_defaults(run=_run_new_site)
    post = kinds.add_parser("post", help="a draft post as a page bundle, "
                                         "content/posts/<slug>/index.<lang>.md")
    post.add_argument("title", help="the post's title")
    post.add_argument("-s", "--source", default=".", metavar="DIR",
                      help="the site folder (default: the current folder)")
    post.add_argument("--slug", default=None, help="its URL segment (default: from the title)")
    post.add_argument("--lang", default=None, help="its language (default: the site's first)")
    post.add_argument("--category", action="append", default=[], metavar="C",
                      help="a category of blogkit.yaml (may be given more than once)")
    post.add_argument("--tags", default="", metavar="A,B", help="tags, comma-separated")
    post.add_argument("--translate", default="", metavar="CODES",
                      help="also write its translation files in these languages (en)")
    post.set_defaults(run=_run_new_post)


def _run_new_site(args: argparse.Namespace, finish: Callable[[int], object] | None) -> int:
    from .scaffold import SiteSettings, new_site

    base_url = parse_base_url(args.base_url)
    if base_url is None:
        raise UsageError(f"--base-url '{args.base_url}' is not an http(s) URL")
    folder = Path(args.folder)
    new_site(folder, SiteSettings(_codes(args.lang), args.title, base_url))
    shown = args.folder if " " not in args.folder else f'"{args.folder}"'
    print(f"made a new site in {folder}; next:\n"
          f"  cd {shown}\n"
          f"  blogkit new post \"My first post\"   # a draft in content/posts/\n"
          f"  blogkit serve                      # preview at http://127.0.0.1:8000/\n"
          f"  blogkit build                      # the site, into public/")
    return 0


def _run_new_post(args: argparse.Namespace, finish: Callable[[int], object] | None) -> int:
    from .scaffold import PostSettings, new_post

    root = Path(args.source).resolve()
    config = load_config(root)
    settings = PostSettings(args.title, args.lang, args.slug, tuple(args.category),
                            tuple(t.strip() for t in args.tags.split(",") if t.strip()),
                            _codes(args.translate))
    for path in new_post(config, settings):
        print(f"made {path.relative_to(root).as_posix()} (a draft: blogkit serve --drafts "
              "shows it; remove 'draft: true' to publish it)")
    return 0


def _codes(text: str) -> tuple[str, ...]:
    return tuple(code.strip() for code in text.split(",") if code.strip())


def _setup_import(commands: Commands) -> None:
    command = commands.add_parser(
        "import", help="move a Hugo, Hexo or Jekyll site into a new blogkit site")
    command.add_argument("tool", choices=("hugo", "hexo", "jekyll"))
    command.add_argument("source", metavar="SOURCE", help="the other tool's site folder")
    command.add_argument("-o", "--output", dest="dest", metavar="DEST", default=None,
                         help="the new site's folder (default SOURCE-blogkit; new or empty)")
    command.add_argument("--dry-run", action="store_true",
                         help="print the report, write nothing")
    command.add_argument("--lang", metavar="CODE", default=None,
                         help="the main language's code when the source does not give one")
    command.set_defaults(run=_run_import)


def _run_import(args: argparse.Namespace, finish: Callable[[int], object] | None) -> int:
    from .importers import run

    return run(args.tool, args.source, args.dest, args.dry_run, args.lang)


_SUBCOMMANDS: tuple[Callable[[Commands], None], ...] = (
    _setup_new, _setup_build, _setup_serve, _setup_check, _setup_import)
"""Every subcommand, in the order `blogkit --help` lists them."""


def _options(args: argparse.Namespace) -> BuildOptions:
    return BuildOptions(
        source=Path(args.source),
        output=Path(args.output) if getattr(args, "output", None) else None,
        drafts=args.drafts,
        future=args.future,
        keep_going=args.keep_going,
        workers=args.jobs,
        base_url=getattr(args, "base_url", None),
    )


def _report(result: BuildResult, root: Path, timings: bool = False) -> None:
    messages = sorted(result.warnings + result.left_out, key=SourceError.sort_key)
    if messages:
        print(format_list(messages, root.resolve(), left_out=True), file=sys.stderr)
    if result.left_out:
        files = len({error.path for error in result.left_out})
        print(f"{files} file{'s' if files != 1 else ''} left out for the errors above; the "
              "rest of the site was written.", file=sys.stderr)
    total = sum(result.timings.values()) * 1000
    print(f"built {result.pages} pages ({result.rendered} rendered), {result.files} files "
          f"({result.kept} unchanged) into {result.output} in {total:.0f} ms")
    if timings:
        stages = ", ".join(f"{stage} {seconds * 1000:.0f}" for stage, seconds
                           in result.timings.items())
        counts = ", ".join(f"{name} {count}" for name, count in result.formulas.items())
        print(f"stages (ms): {stages}")
        print(f"formulas: {counts or 'none'}")
