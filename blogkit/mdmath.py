"""PARSE helper: markdown-it rules that tokenise TeX before any other inline rule.

Four delimiters: `\\(..\\)` and `$..$` inline, `\\[..\\]` and `$$..$$` display. The inline
rule runs first, so `_` and `*` inside a formula never become emphasis. The `$` rule is
currency-safe: an opening `$` is not followed by white space, a closing `$` is not preceded
by white space nor followed by a digit (Pandoc's rule), so `costs $5 and $10` stays text.
`\\$` is a literal dollar. Code spans and fences are never math.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # markdown-it is imported only when a body is rendered (start-up time)
    from markdown_it import MarkdownIt
    from markdown_it.rules_block import StateBlock
    from markdown_it.rules_inline import StateInline

    from .config import MarkdownSettings

# A `|` inside a formula in a table row is swapped for this private-use character before
# block parsing (so the table rule does not split the cell) and swapped back in the formula.
PIPE_STAND_IN = "\ue000"


def find_inline(src: str, pos: int, end: int) -> tuple[int, int, int, bool] | None:
    """Find a formula starting at `pos`: return (content start, content end, after, display)."""
    char = src[pos]
    if char == "\\" and pos + 1 < end and src[pos + 1] in "([":
        closer = "\\)" if src[pos + 1] == "(" else "\\]"
        close = _find_closer(src, pos + 2, end, closer)
        if close is None or close == pos + 2:
            return None
        return pos + 2, close, close + 2, src[pos + 1] == "["
    if char != "$":
        return None
    if src.startswith("$$", pos):
        close = _find_closer(src, pos + 2, end, "$$")
        if close is None or not src[pos + 2:close].strip():
            return None
        return pos + 2, close, close + 2, True
    if pos + 1 >= end or src[pos + 1].isspace():
        return None
    search = pos + 1
    while True:
        close = _find_closer(src, search, end, "$")
        if close is None:
            return None
        if not src[close - 1].isspace() and not (close + 1 < end and src[close + 1].isdigit()):
            return pos + 1, close, close + 1, False
        search = close + 1


def _find_closer(src: str, start: int, end: int, closer: str) -> int | None:
    """Index of `closer` in src[start:end], skipping backslash escapes (`\\$`, `\\\\`)."""
    index = start
    while index < end:
        if src.startswith(closer, index) and index + len(closer) <= end:
            return index
        index += 2 if src[index] == "\\" else 1
    return None


def math_inline(state: StateInline, silent: bool) -> bool:
    """Inline rule: a formula in any of the four delimiters at `state.pos`."""
    found = find_inline(state.src, state.pos, state.posMax)
    if found is None:
        return False
    start, stop, after, display = found
    if not silent:
        token = state.push("math_inline", "math", 0)
        token.content = state.src[start:stop].replace(PIPE_STAND_IN, "|")
        token.markup = state.src[state.pos:start]
        token.meta = {"display": display, "offset": state.pos}
    state.pos = after
    return True


def math_block(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """Block rule: display math on lines of its own, `$$..$$` or `\\[..\\]`, maybe multi-line."""
    if state.sCount[start_line] - state.blkIndent >= 4:
        return False
    begin = state.bMarks[start_line] + state.tShift[start_line]
    first = state.src[begin:state.eMarks[start_line]]
    if first.startswith("$$"):
        opener, closer = "$$", "$$"
    elif first.startswith("\\["):
        opener, closer = "\\[", "\\]"
    else:
        return False
    rest = first[len(opener):]
    line = start_line
    parts: list[str] = []
    if rest.rstrip().endswith(closer) and len(rest.rstrip()) >= len(closer):
        parts.append(rest.rstrip()[: -len(closer)])
    else:
        parts.append(rest)
        while True:
            line += 1
            if line >= end_line:
                return False
            text = state.src[state.bMarks[line] + state.tShift[line]:state.eMarks[line]]
            stripped = text.rstrip()
            if stripped.endswith(closer):
                parts.append(stripped[: -len(closer)])
                break
            if not stripped and not "".join(parts).strip():
                return False
            parts.append(text)
    content = "\n".join(parts).replace(PIPE_STAND_IN, "|")
    if not content.strip():
        return False
    if silent:
        return True
    state.line = line + 1
    token = state.push("math_block", "math", 0)
    token.block = True
    token.content = content
    token.markup = opener
    token.map = [start_line, state.line]
    token.meta = {"display": True, "offset": 0}
    return True


def protect_table_pipes(src: str) -> str:
    """Swap `|` inside formulas on table-like lines for PIPE_STAND_IN (outside code fences)."""
    out: list[str] = []
    fence: str | None = None
    for line in src.split("\n"):
        stripped = line.lstrip()
        if stripped.startswith(("```", "~~~")):
            marker = stripped[:3]
            fence = None if fence == marker else (fence or marker)
        if fence is None and "|" in line and ("$" in line or "\\(" in line):
            line = _protect_line(line)
        out.append(line)
    return "\n".join(out)


_CANDIDATE = re.compile(r"[`$\\]")
"""Where a code span or a formula can start: nothing else on a line needs looking at."""


def _protect_line(line: str) -> str:
    chars = list(line)
    index = 0
    in_code = False
    while (candidate := _CANDIDATE.search(line, index)) is not None:
        index = candidate.start()
        if line[index] == "`":
            in_code = not in_code
        elif not in_code and (index == 0 or line[index - 1] != "\\" or line[index] == "\\"):
            found = find_inline(line, index, len(line))
            if found is not None:
                start, stop, after, _ = found
                for position in range(start, stop):
                    if chars[position] == "|":
                        chars[position] = PIPE_STAND_IN
                index = after
                continue
        index += 1
    return "".join(chars)


def math_plugin(md: MarkdownIt, settings: MarkdownSettings) -> None:
    """Install the math rules ahead of everything else, as `settings` (math.*) ask."""
    md.inline.ruler.before("escape", "math_inline", math_inline)
    md.block.ruler.before(
        "fence", "math_block", math_block, {"alt": ["paragraph", "reference", "blockquote", "list"]}
    )


_TEX_SYMBOLS = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε",
    "zeta": "ζ", "eta": "η", "theta": "θ", "iota": "ι", "kappa": "κ", "lambda": "λ",
    "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ",
    "phi": "φ", "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω", "Gamma": "Γ",
    "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π", "Sigma": "Σ",
    "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω", "nabla": "∇", "partial": "∂", "infty": "∞",
    "sum": "∑", "prod": "∏", "int": "∫", "in": "∈", "le": "≤", "leq": "≤", "ge": "≥",
    "geq": "≥", "neq": "≠", "approx": "≈", "sim": "∼", "times": "×", "cdot": "·",
    "mid": "|", "to": "→", "rightarrow": "→", "leftarrow": "←", "odot": "⊙", "pm": "±",
    "ldots": "…", "cdots": "⋯", "log": "log", "exp": "exp", "min": "min", "max": "max",
    "arg": "arg", "sqrt": "√", "|": "‖", "quad": " ", "qquad": " ", ",": " ", ";": " ",
}
_TEX_COMMAND = re.compile(r"\\([A-Za-z]+|[|,;!])\s*")


def tex_to_text(tex: str) -> str:
    """Reduce TeX to readable plain text for <title>, anchor ids and feed titles.

    Greek letters and common operators become their Unicode characters; other commands drop
    their backslash (\\mathbb{E} -> E); braces go. It is for reading, not for display.
    """
    def command(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in _TEX_SYMBOLS:
            return _TEX_SYMBOLS[name]
        if name in ("mathbb", "mathcal", "mathrm", "mathbf", "text", "operatorname", "left",
                    "right", "big", "Big", "bigl", "bigr", "displaystyle", "!"):
            return ""
        return name

    text = _TEX_COMMAND.sub(command, tex)
    text = text.replace("{", "").replace("}", "").replace("\\", "")
    return re.sub(r"\s+", " ", text).strip()
