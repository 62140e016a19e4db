"""CLI: argument parsing, printing errors, exit codes. No logic of its own."""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from . import __version__
from .build import BuildOptions, BuildResult, build
from .build_cache import BuildCache
from .errors import BuildError, SourceError, UsageError, format_list
from .katex_install import TexSetupError


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
    try:
        if args.command == "build":
            cache = BuildCache()  # what the build holds stays alive until `finish`
            result = build(_options(args), cache)
            _report(result, Path(args.source), args.timings)
            status = 1 if result.left_out else 0
            if finish is not None:
                finish(status)
            return status
        from .serve import serve

        gc.enable()  # off for builds (see __main__.run); a server lives long enough to need it
        return serve(_options(args), host=args.host, port=args.port, open_browser=args.open)
    except BuildError as exc:
        print(exc.format(Path(args.source).resolve()), file=sys.stderr)
        return 1
    except (UsageError, TexSetupError) as exc:
        print(f"blogkit: error: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, UsageError) else 1
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="blogkit",
        description="Build a bilingual (Chinese + English) technical blog with math.")
    parser.add_argument("--version", action="version", version=f"blogkit {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    build_cmd = commands.add_parser("build", help="build the site into the output folder")
    serve_cmd = commands.add_parser("serve", help="build and serve the site for local preview")
    for command in (build_cmd, serve_cmd):
        command.add_argument("-s", "--source", default=".", metavar="DIR",
                             help="the site folder (default: the current folder)")
        command.add_argument("-o", "--output", default=None, metavar="DIR",
                             help="output folder (default: public/ in the site)")
        command.add_argument("--drafts", action="store_true", help="include drafts")
        command.add_argument("--future", action="store_true", help="include future-dated posts")
        command.add_argument("--keep-going", action="store_true",
                             help="build what can be built: show TeX errors, links to "
                                  "nothing and unknown shortcodes on the page as warnings; "
                                  "leave out files that cannot be used (exit status 1)")
        command.add_argument("-j", "--jobs", type=int, default=None, metavar="N",
                             help="processes for rendering Markdown (default: one per core)")
    build_cmd.add_argument("--base-url", default=None, metavar="URL",
                           help="publish at URL instead of blogkit.yaml's base_url")
    build_cmd.add_argument("--timings", action="store_true",
                           help="print the time of each stage and the formula counts")
    serve_cmd.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
    serve_cmd.add_argument("--port", type=int, default=8000, help="port (8000)")
    serve_cmd.add_argument("--open", action="store_true", help="open a browser")
    return parser


def _options(args: argparse.Namespace) -> BuildOptions:
    return BuildOptions(
        source=Path(args.source),
        output=Path(args.output) if args.output else None,
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
