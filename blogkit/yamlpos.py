"""LOAD helper: YAML with positions, shared by `blogkit.yaml` and front matter.

PyYAML's composed nodes keep a `start_mark` for every key and value; we keep those
marks beside the plain data so every validation error can point at a line and column.
Timestamps are not resolved by YAML: dates stay strings and are parsed by us, so an
impossible date is reported at its own position instead of crashing the loader.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .errors import SourceError

KeyPath = tuple[Any, ...]


class _Loader(yaml.SafeLoader):
    """SafeLoader without the implicit timestamp type (dates are validated by blogkit)."""


_NO_TIMESTAMPS = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.yaml_implicit_resolvers = _NO_TIMESTAMPS

_FastLoader: type[Any] | None = None
if getattr(yaml, "__with_libyaml__", False):
    class _CLoader(yaml.CSafeLoader):
        """The same loader on libyaml: about ten times faster on a site's front matters."""

    _CLoader.yaml_implicit_resolvers = _NO_TIMESTAMPS
    _FastLoader = _CLoader


@dataclass(frozen=True)
class YamlDoc:
    """Parsed YAML data and the 1-based (line, col) of every value and mapping key."""

    path: Path
    data: Any
    value_pos: dict[KeyPath, tuple[int, int]]
    key_pos: dict[KeyPath, tuple[int, int]]

    def where(self, keys: KeyPath, *, key: bool = False) -> tuple[int | None, int | None]:
        """Return the position of the value at `keys` (or of its key), else of its parent."""
        table = self.key_pos if key else self.value_pos
        probe = keys
        while probe:
            if probe in table:
                return table[probe]
            probe = probe[:-1]
        return self.value_pos.get((), (None, None))

    def error(
        self, keys: KeyPath, message: str, hint: str = "", *, key: bool = False
    ) -> SourceError:
        line, col = self.where(keys, key=key)
        return SourceError(self.path, line, col, message, hint)


def load(text: str, path: Path, first_line: int = 1) -> tuple[YamlDoc | None, list[SourceError]]:
    """Parse `text` (which starts at `first_line` of `path`); return the doc or the errors."""
    if _FastLoader is not None:
        # libyaml words its syntax errors differently: a document it rejects is parsed
        # again by the Python loader, whose messages and marks the error reports use.
        try:
            return _load_with(_FastLoader, text, path, first_line)
        except yaml.YAMLError:
            pass
    try:
        return _load_with(_Loader, text, path, first_line)
    except yaml.MarkedYAMLError as exc:
        return None, [_syntax_error(exc, path, first_line - 1)]
    except yaml.YAMLError as exc:
        return None, [SourceError(path, first_line, 1, f"YAML error: {exc}")]


def _load_with(
    loader_type: type[Any], text: str, path: Path, first_line: int
) -> tuple[YamlDoc | None, list[SourceError]]:
    offset = first_line - 1
    loader = loader_type(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return YamlDoc(path, None, {(): (first_line, 1)}, {}), []
        value_pos: dict[KeyPath, tuple[int, int]] = {}
        key_pos: dict[KeyPath, tuple[int, int]] = {}
        errors: list[SourceError] = []
        _walk(node, (), offset, path, value_pos, key_pos, errors)
        data = loader.construct_document(node)
    finally:
        loader.dispose()
    return YamlDoc(path, data, value_pos, key_pos), errors


def _syntax_error(exc: yaml.MarkedYAMLError, path: Path, offset: int) -> SourceError:
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or exc.context or "invalid YAML"
    if exc.context_mark is not None and "end of stream" in (exc.problem or ""):
        # An unclosed quote or bracket: where it was opened is where to look.
        mark = exc.context_mark
        problem = f"{exc.context} that is never closed" if exc.context else problem
    elif exc.context and exc.context_mark is not None and exc.context_mark is not mark:
        opened = exc.context_mark
        problem += (f" ({exc.context.removeprefix('while parsing ')} opened at line "
                    f"{opened.line + 1 + offset}, column {opened.column + 1})")
    line = mark.line + 1 + offset if mark else None
    col = mark.column + 1 if mark else None
    return SourceError(
        path, line, col, f"YAML syntax error: {problem}",
        "check indentation, colons and quotes; quote text that contains ': ' or starts "
        "with a special character such as [ { * & ! | > ' \" % @ `",
    )


def _walk(
    node: yaml.Node,
    keys: KeyPath,
    offset: int,
    path: Path,
    value_pos: dict[KeyPath, tuple[int, int]],
    key_pos: dict[KeyPath, tuple[int, int]],
    errors: list[SourceError],
) -> None:
    value_pos[keys] = (node.start_mark.line + 1 + offset, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            name = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            line = key_node.start_mark.line + 1 + offset
            if name in seen:
                errors.append(
                    SourceError(
                        path,
                        line,
                        key_node.start_mark.column + 1,
                        f"duplicate key '{name}'",
                        f"it was already given on line {seen[name]}; keep one of them",
                    )
                )
            seen[name] = line
            key_pos[keys + (name,)] = (line, key_node.start_mark.column + 1)
            _walk(value_node, keys + (name,), offset, path, value_pos, key_pos, errors)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, keys + (index,), offset, path, value_pos, key_pos, errors)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return a "did you mean 'x'?" hint, or a list of the valid choices."""
    import difflib  # only for a mistake

    options = sorted(choices)
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'?"
    return "valid keys: " + ", ".join(options)
