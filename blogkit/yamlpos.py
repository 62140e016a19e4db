"""LOAD helper: YAML with positions, shared by `blogkit.yaml` and front matter.

PyYAML's composed nodes keep a `start_mark` for every key and value; we keep those
marks beside the plain data so every validation error can point at a line and column.
Timestamps are not resolved by YAML: dates stay strings and are parsed by us, so an
impossible date is reported at its own position instead of crashing the loader.

Front matter comes from pull requests and importers, so the loader is bounded: aliases may
expand to at most MAX_ALIAS_VALUES values and nest MAX_ALIAS_DEPTH deep (a "billion
laughs" document is refused at the alias that passes the limit, a recursive alias at
itself), an integer too long for Python is an error at its place, and a document nested
too deeply for the parser is an error, never a traceback.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .errors import SourceError

KeyPath = tuple[Any, ...]


MAX_ALIAS_VALUES = 10_000
"""Values all the aliases of one document may stand for, counted as expanded."""
MAX_ALIAS_DEPTH = 16
"""Aliases to anchored values that hold aliases, and so on: how deep that may go."""


class _Refused(yaml.YAMLError):
    """A document blogkit will not load, with the mark to report it at."""

    def __init__(self, mark: Any, message: str, hint: str) -> None:
        super().__init__(message)
        self.mark, self.message, self.hint = mark, message, hint


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    try:
        return yaml.SafeLoader.construct_yaml_int(loader, node)
    except ValueError as exc:  # longer than Python's limit for int() (4300 digits)
        raise _Refused(node.start_mark, "integer too long to read",
                       "quote it to keep it as text") from exc


class _Loader(yaml.SafeLoader):
    """SafeLoader without the implicit timestamp type (dates are validated by blogkit).

    It also measures what aliases stand for while composing: each finished node's size
    (values, aliases expanded) and alias depth are kept by id, and an alias to a node not
    finished yet is an alias inside its own anchor.
    """

    def compose_document(self) -> Any:
        self._sizes: dict[int, int] = {}
        self._depths: dict[int, int] = {}
        self._open_depths: list[int] = [0]
        self._alias_values = 0
        return super().compose_document()

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            node = super().compose_node(parent, index)
            self._count_alias(node, event)
            return node
        self._open_depths.append(0)
        node = super().compose_node(parent, index)
        depth = self._open_depths.pop()
        self._open_depths[-1] = max(self._open_depths[-1], depth)
        self._depths[id(node)] = depth
        self._sizes[id(node)] = 1 + sum(self._sizes.get(id(child), 1) for child in _children(node))
        return node

    def _count_alias(self, node: Any, event: Any) -> None:
        name = f"*{event.anchor}"
        if id(node) not in self._sizes:
            raise _Refused(event.start_mark, f"alias {name} is inside its own anchor",
                           "an alias can only repeat a value that is already complete")
        depth = self._depths[id(node)] + 1
        self._alias_values += self._sizes[id(node)]
        if depth > MAX_ALIAS_DEPTH or self._alias_values > MAX_ALIAS_VALUES:
            raise _Refused(
                event.start_mark,
                f"aliases expand to too much data at {name} (the limit is "
                f"{MAX_ALIAS_VALUES:,} values, {MAX_ALIAS_DEPTH} aliases deep)",
                "write the values out, or repeat fewer of them: aliases that repeat "
                "aliases grow exponentially")
        self._open_depths[-1] = max(self._open_depths[-1], depth)


def _children(node: Any) -> list[Any]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []



_NO_TIMESTAMPS = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.yaml_implicit_resolvers = _NO_TIMESTAMPS
_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)

_FastLoader: type[Any] | None = None
if getattr(yaml, "__with_libyaml__", False):
    class _CLoader(yaml.CSafeLoader):
        """The same loader on libyaml: about ten times faster on a site's front matters."""

    _CLoader.yaml_implicit_resolvers = _NO_TIMESTAMPS
    _CLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
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
    try:
        return _load(text, path, first_line)
    except _Refused as exc:
        return None, [SourceError(path, exc.mark.line + first_line, exc.mark.column + 1,
                                  exc.message, exc.hint)]
    except RecursionError:
        return None, [SourceError(
            path, first_line, 1, "YAML nested too deeply to read",
            "YAML lists and mappings in one another can go a few hundred levels deep")]


def _load(text: str, path: Path, first_line: int) -> tuple[YamlDoc | None, list[SourceError]]:
    # Only the Python loader measures aliases: a text with an anchor and an alias goes to it.
    if _FastLoader is not None and not ("&" in text and "*" in text):
        # libyaml words its syntax errors differently: a document it rejects is parsed
        # again by the Python loader, whose messages and marks the error reports use.
        try:
            return _load_with(_FastLoader, text, path, first_line)
        except _Refused:
            raise
        except yaml.YAMLError:
            pass
    try:
        return _load_with(_Loader, text, path, first_line)
    except _Refused:
        raise
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
        if "\\u" in text or "\\U" in text:  # the only way YAML text can hold a surrogate
            _join_surrogates(node, offset, path, errors)
            if errors:  # no data: a lone surrogate cannot be written into any page
                return None, errors
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


_SURROGATE = re.compile("[\ud800-\udfff]")


def _join_surrogates(node: yaml.Node, offset: int, path: Path, errors: list[SourceError]
                     ) -> None:
    """Make `"\\ud83d\\ude00"` the one character it spells, and refuse a lone half.

    YAML's `\\u` escapes are UTF-16 units, as in JSON; PyYAML leaves a pair as two
    surrogates, which no UTF-8 file (or KaTeX's input) can hold.
    """
    pending = [node]
    seen: set[int] = set()
    while pending:
        item = pending.pop()
        if id(item) in seen:
            continue  # an alias: already looked at
        seen.add(id(item))
        if isinstance(item, yaml.ScalarNode):
            if _SURROGATE.search(item.value):
                try:
                    item.value = item.value.encode("utf-16", "surrogatepass").decode("utf-16")
                except UnicodeDecodeError:
                    lone = _SURROGATE.search(item.value)
                    assert lone is not None
                    errors.append(SourceError(
                        path, item.start_mark.line + 1 + offset, item.start_mark.column + 1,
                        f"the escape \\u{ord(lone.group()):04x} is half of a UTF-16 pair",
                        "write the character itself, or its code point as \\U followed by "
                        "eight hex digits (\\U0001F600)"))
        else:
            pending.extend(_children(item))


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


def did_you_mean(word: str, choices: Iterable[str], what: str = "valid keys") -> str:
    """Return a "did you mean 'x'?" hint, or the valid choices listed as `what`."""
    import difflib  # only for a mistake

    options = sorted(choices)
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'?"
    return f"{what}: " + ", ".join(options)
