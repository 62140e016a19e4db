r"""MATH: every formula of the build -> HTML through KaTeX (cached), and its errors.

All formulas of all posts go to the engine as one batch of distinct TeX, so a formula
used in both languages, or in many posts, is rendered once. A formula KaTeX rejects is a
`path:line:col: error: KaTeX: ...` at the formula's own line in the source file; with
`--keep-going` it becomes a visible error box and a warning instead.

Macros a formula defines (`\newcommand`, `\def`, `\DeclareMathOperator`...) apply to the
formulas after it in the same post, as MathJax authors expect of a definitions block at the
top of a post: such a formula's key (`Formula.context`) holds the defining formulas before
it, so the cache and the one-render-per-distinct-formula rule stay exact. A post that
defines nothing (nearly every one) costs one substring scan of its formulas.
"""

from __future__ import annotations

import contextlib
import html
import queue
import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .background import Background, Task
from .config import SiteConfig
from .content import Post
from .errors import SourceError
from .katex_install import katex_assets, katex_install_dir
from .katex_node import Formula, Rendered, defines_macros
from .markdown import PLACEHOLDER, Body, FormulaUse
from .tex import TexRenderer, mathml_only
from .writer import StaticFile

CACHE_NAME = "formulas.sqlite"

_DEFINED_NAME = re.compile(r"\\(?:(?:re)?newcommand|providecommand|[gex]?def|let|futurelet"
                           r"|DeclareMathOperator)\*?\s*\{?\s*(\\(?:[A-Za-z@]+|.))")
"""A defining command and the name it defines (group 1)."""
_UNDEFINED = re.compile(r"Undefined control sequence: (\\\S+)")

Scoped = Mapping[tuple[FormulaUse, ...], tuple[Formula, ...]]
"""The key of each formula of a post that defines macros, by the post's `Body.formulas`."""


def formula_keys(uses: Sequence[FormulaUse]) -> tuple[Formula, ...] | None:
    """The key of each of a post's formulas when some of them define macros, else None
    (each key is then just `Formula(tex, display)`).

    Definitions apply in source order, by line and column (the title and the summary are
    in the front matter, before the body; a heading's copy in the TOC is at the heading):
    a formula's `context` is the TeX of the defining formulas before it.
    """
    if not defines_macros("\x00".join([use.tex for use in uses])):
        return None
    definers = sorted({(use.line, use.col, use.tex) for use in uses if defines_macros(use.tex)})
    places = [(line, col) for line, col, _ in definers]
    contexts: list[tuple[str, ...]] = [()]
    for _, _, tex in definers:
        contexts.append((*contexts[-1], tex))
    return tuple(Formula(use.tex, use.display, contexts[bisect_left(places, (use.line, use.col))])
                 for use in uses)


def _plain(uses: Iterable[FormulaUse]) -> list[Formula]:
    """The keys of the formulas of a post that defines no macros."""
    return [Formula(use.tex, use.display) for use in uses]


def _keys(uses: tuple[FormulaUse, ...], scoped: Scoped) -> Sequence[Formula]:
    keys = scoped.get(uses) if scoped else None
    return keys if keys is not None else _plain(uses)


@dataclass
class FormulaResults:
    """Rendered formulas by (TeX, display), plus the errors and warnings about them."""

    rendered: dict[Formula, Rendered] = field(default_factory=dict)
    scoped: dict[tuple[FormulaUse, ...], tuple[Formula, ...]] = field(default_factory=dict)
    """The formula keys of the posts that define macros (see `formula_keys`)."""
    errors: list[SourceError] = field(default_factory=list)
    warnings: list[SourceError] = field(default_factory=list)
    uses: int = 0
    """Formulas in the site, counting repeats."""
    cache_hits: int = 0
    """Distinct formulas answered from the cache."""
    rendered_by_katex: int = 0
    """Distinct formulas that went to KaTeX in this build."""

    @property
    def html(self) -> FormulaHTML:
        return FormulaHTML(self.rendered, self.scoped)


@dataclass(frozen=True)
class FormulaHTML:
    """Rendered formulas, to put in place of the placeholders of bodies' HTML."""

    rendered: Mapping[Formula, Rendered]
    scoped: Scoped = field(default_factory=dict)

    def fill(self, text: str, body: Body) -> str:
        """Replace the formula placeholders in `text` (a part of `body`) by their HTML."""
        if "<bk-math" not in text:
            return text
        keys = self.scoped.get(body.formulas) if self.scoped else None

        def replace(match: re.Match[str]) -> str:
            index = int(match.group(1))
            use = body.formulas[index]
            result = self.rendered.get(Formula(use.tex, use.display) if keys is None
                                       else keys[index])
            if result is None or result.error is not None:
                return _error_box(use, result.error if result and result.error else "not rendered")
            return result.html

        return PLACEHOLDER.sub(replace, text)


@dataclass
class FormulaMemo:
    """What the dev server keeps between builds for one configuration."""

    html: dict[Formula, Rendered] = field(default_factory=dict)
    """Formulas rendered for pages (HTML + MathML)."""
    mathml: dict[Formula, Rendered] = field(default_factory=dict)
    """Formulas rendered for feeds (MathML only)."""
    used: dict[tuple[str, str], frozenset[Formula]] = field(default_factory=dict)
    """The distinct formulas of each body of the last build, by its post's path and digest."""
    counts: Counter[Formula] = field(default_factory=Counter)
    """How many of those bodies use each formula."""
    scoped: dict[tuple[str, str], tuple[tuple[FormulaUse, ...], tuple[Formula, ...]]] = field(
        default_factory=dict)
    """The formula keys of those bodies that define macros, with the bodies' formulas."""

    def distinct(self, posts: Iterable[Post], bodies: Mapping[str, Body]) -> Collection[Formula]:
        """The distinct formulas of the posts' bodies, updated from the last call's by what
        changed: a rebuild after one edit looks at one body's formulas, not the site's."""
        now = {(post.rel, post.digest): post.rel for post in posts}
        for key in self.used.keys() - now.keys():
            self.counts.subtract(self.used.pop(key))
            self.scoped.pop(key, None)
        for key, rel in now.items():
            if key not in self.used:
                uses = bodies[rel].formulas
                keys = formula_keys(uses)
                if keys is not None:
                    self.scoped[key] = (uses, keys)
                self.used[key] = frozenset(_plain(uses) if keys is None else keys)
                self.counts.update(self.used[key])
        for formula in [f for f, count in self.counts.items() if count <= 0]:
            del self.counts[formula]
        return self.counts.keys()


def formulas_of(body: Body) -> set[Formula]:
    """The distinct formulas a body uses."""
    keys = formula_keys(body.formulas)
    return set(_plain(body.formulas) if keys is None else keys)


class Prefetch:
    """Renders formulas in a `Background` task while the bodies are still being rendered.

    KaTeX runs in its own Node process, so it can work while the Markdown pool does: the
    build hands each batch of new bodies to `add` as it arrives, and `render_formulas`
    takes what was done (`finish`). A failure (no Node.js, say) is left for
    `render_formulas` to meet and report; the prefetch just stops.
    """

    def __init__(self, config: SiteConfig, memo: FormulaMemo, background: Background) -> None:
        self.config, self.memo, self.background = config, memo, background
        self.known = set(memo.html)
        self.done: dict[Formula, Rendered] = {}
        self.hits = self.misses = 0
        self._queue: queue.SimpleQueue[list[Formula] | None] = queue.SimpleQueue()
        self._task: Task[None] | None = None

    def add(self, bodies: Iterable[Body]) -> None:
        """Queue the formulas of `bodies` not rendered yet (call from one thread only)."""
        fresh = sorted(set().union(*map(formulas_of, bodies)) - self.known)
        if not fresh:
            return
        self.known.update(fresh)
        if self._task is None:
            self._task = self.background.start("katex-prefetch", self._work)
        self._queue.put(fresh)

    def finish(self) -> Prefetch:
        """Wait for the queued formulas; return self."""
        if self._task is not None:
            self._queue.put(None)
            self._task.result()
            self._task = None
        return self

    def _work(self) -> None:
        with contextlib.ExitStack() as stack:
            renderer: TexRenderer | None = None
            ended = False
            while not ended:
                batch: list[Formula] = []
                item = self._queue.get()  # then take whatever else is waiting: one round trip
                while True:
                    if item is None:
                        ended = True
                        break
                    batch.extend(item)
                    try:
                        item = self._queue.get_nowait()
                    except queue.Empty:
                        break
                if not batch:
                    continue
                try:
                    if renderer is None:
                        renderer = stack.enter_context(TexRenderer(
                            self.config.cache_dir / CACHE_NAME, self.config.macros))
                    self.done.update(zip(batch, renderer.render(batch), strict=True))
                except Exception:  # noqa: BLE001 (render_formulas meets and reports it)
                    self._drain()
                    return
                self.hits, self.misses = renderer.hits, renderer.misses

    def _drain(self) -> None:
        while self._queue.get() is not None:
            pass


def render_formulas(
    config: SiteConfig,
    posts: list[Post],
    bodies: dict[str, Body],
    keep_going: bool,
    memo: FormulaMemo | None = None,
    prefetched: Prefetch | None = None,
) -> FormulaResults:
    """Render every distinct formula once; collect positioned errors and warnings.

    `memo` (kept by the dev server for one configuration) answers formulas of earlier
    builds without opening the on-disk cache; new ones are added to it. `prefetched`
    holds formulas already rendered while the bodies were.
    """
    results = FormulaResults()
    memo = FormulaMemo() if memo is None else memo
    shown = [bodies[post.rel] for post in posts]
    distinct = set(memo.distinct(posts, bodies))
    results.cache_hits = len(distinct & memo.html.keys())
    if prefetched is not None:
        memo.html.update(prefetched.finish().done)
        results.cache_hits += prefetched.hits
        results.rendered_by_katex = prefetched.misses
    missing = sorted(f for f in distinct if f not in memo.html)
    if missing:
        with TexRenderer(config.cache_dir / CACHE_NAME, config.macros) as renderer:
            memo.html.update(zip(missing, renderer.render(missing), strict=True))
            results.cache_hits += renderer.hits
            results.rendered_by_katex += renderer.misses
    results.rendered = {formula: memo.html[formula] for formula in distinct}
    results.scoped = dict(memo.scoped.values())
    results.uses = sum(len(body.formulas) for body in shown)
    troubled = {f for f in distinct if results.rendered[f].error or results.rendered[f].warnings}
    for post in posts:
        if troubled and not troubled.isdisjoint(memo.used[(post.rel, post.digest)]):
            _report(post, bodies[post.rel], results, keep_going)
    return results


def _report(post: Post, body: Body, results: FormulaResults, keep_going: bool) -> None:
    """Add the errors and warnings of one body's formulas to `results`."""
    seen: set[tuple[int, int, str]] = set()
    for use, key in zip(body.formulas, _keys(body.formulas, results.scoped), strict=True):
        if (use.line, use.col, use.tex) in seen:
            continue  # a heading's formula is also rendered in the TOC
        seen.add((use.line, use.col, use.tex))
        result = results.rendered[key]
        if result.error is not None:
            error = _positioned(post.source, use, result, keep_going,
                                _later_definition(body, use, result.error))
            (results.warnings if keep_going else results.errors).append(error)
        for warning in dict.fromkeys(result.warnings):  # the worker merges each kind too
            results.warnings.append(SourceError(
                post.source, use.line, use.col, f"KaTeX warning: {warning}",
                _WARNING_HINTS.get(warning.rpartition(" [")[2].rstrip("]"), ""),
                severity="warning"))


_WARNING_HINTS = {
    "unicodeTextInMathMode": "write words inside \\text{...} (e.g. \\text{损失}), or outside "
                             "the formula",
}
"""What to do about a KaTeX strict-mode warning, by its code."""


def _later_definition(body: Body, use: FormulaUse, error: str) -> FormulaUse | None:
    """For an undefined control sequence: the formula after `use` in its post that defines
    it (a definition applies only to the formulas after it), if there is one."""
    undefined = _UNDEFINED.match(error)
    if undefined is None or not defines_macros("\x00".join([u.tex for u in body.formulas])):
        return None
    name = undefined.group(1)
    return min((u for u in body.formulas if (u.line, u.col) > (use.line, use.col)
                and name in {m.group(1) for m in _DEFINED_NAME.finditer(u.tex)}),
               key=lambda u: (u.line, u.col), default=None)


def render_mathml(
    config: SiteConfig, bodies: Iterable[Body], memo: FormulaMemo | None = None
) -> FormulaResults:
    """Render the distinct formulas of `bodies` as MathML only (for feeds); `fill` uses them.

    A feed reader drops KaTeX's stylesheet, so the HTML half of KaTeX's usual output would
    show each formula a second time, unstyled. The same cache serves both (its key holds
    the output kind). A formula KaTeX rejects was reported by `render_formulas` already;
    here it only becomes the same error box.
    """
    results = FormulaResults()
    memo = FormulaMemo() if memo is None else memo
    distinct: set[Formula] = set()
    for body in bodies:
        keys = formula_keys(body.formulas)
        if keys is not None:
            results.scoped[body.formulas] = keys
        distinct.update(_plain(body.formulas) if keys is None else keys)
    for formula in distinct - memo.mathml.keys():
        # The pages' rendering already holds the MathML: taking it out is what KaTeX's
        # "mathml" output gives, without a second pass (tests compare the two).
        page_result = memo.html.get(formula)
        taken = mathml_only(page_result) if page_result is not None else None
        if taken is not None:
            memo.mathml[formula] = taken
    missing = sorted(f for f in distinct if f not in memo.mathml)
    if missing:
        with TexRenderer(config.cache_dir / CACHE_NAME, config.macros) as renderer:
            memo.mathml.update(zip(missing, renderer.render(missing, output="mathml"),
                                   strict=True))
            results.cache_hits, results.rendered_by_katex = renderer.hits, renderer.misses
    results.rendered = {formula: memo.mathml[formula] for formula in distinct}
    return results


def katex_static_files() -> list[StaticFile]:
    """KaTeX's stylesheet and woff2 fonts, from the installed package the renderer uses."""
    css, fonts = katex_assets(katex_install_dir())
    files = [StaticFile("katex/katex.min.css", css)]
    files.extend(StaticFile(f"katex/fonts/{font.name}", font)
                 for font in sorted(fonts.glob("*.woff2")))
    return files


def _positioned(source: Path, use: FormulaUse, result: Rendered, keep_going: bool,
                later: FormulaUse | None = None) -> SourceError:
    """Point at the character KaTeX complains about, inside the formula where it says.

    `later` is the formula after this one that defines the undefined control sequence
    KaTeX complains about, if any.
    """
    line, col = use.line, use.col
    position = result.position
    if position is not None:
        before = use.tex[:position]
        newlines = before.count("\n")
        if newlines:
            line += newlines
            col = position - before.rfind("\n")
        else:
            col = use.col + use.opener + position
    tex = " ".join(use.tex.split())
    # The TeX as written (a repr would double every backslash), cut if it is long.
    shown = f"in the formula '{tex if len(tex) <= 120 else tex[:119] + '…'}'"
    undefined = _UNDEFINED.match(result.error or "")
    if undefined is None:
        hint = (f"{shown}; fix the TeX" if keep_going else
                f"{shown}; fix the TeX, or build with --keep-going to show errors on the page")
    elif later is not None:
        name = undefined.group(1)
        hint = (f"{shown}: {name} is defined at line {later.line}, after this use, and a "
                f"definition applies only to the formulas after it; move it into an earlier "
                f"formula, or define {name} in blogkit.yaml under math: macros")
    else:
        name = undefined.group(1)
        # Single-quoted YAML keeps a backslash as it is: the hint shows the TeX as written.
        hint = (f"{shown}: define {name} in blogkit.yaml under math: macros: "
                f"('{name}': '...'), or with \\newcommand{{{name}}}{{...}} in an earlier "
                "formula of this post (if it is a KaTeX command, check its spelling)")
    return SourceError(source, line, col, f"KaTeX: {result.error}", hint,
                       severity="warning" if keep_going else "error")


def _error_box(use: FormulaUse, message: str) -> str:
    tag = "div" if use.display else "span"
    return (f'<{tag} class="math-error" title="{html.escape(message)}">'
            f"<code>{html.escape(use.tex)}</code></{tag}>")
