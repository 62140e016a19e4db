"""PARSE helper: TeX reduced to readable plain text (titles, anchors, feeds, alt text)."""

from __future__ import annotations

import re

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
