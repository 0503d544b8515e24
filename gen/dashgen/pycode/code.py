"""Python expressions that know their value: what the converter builds and the module prints.

Each node holds the Python value it stands for (so the converter can render it with
grafanalib and compare), and prints itself as source. Printing is plain; ``ruff format``
lays the module out afterwards. Long strings are printed as implicit concatenations that
join back to exactly the same string.
"""

from __future__ import annotations

import keyword
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

WRAP = 64  # characters per piece of a long string


@dataclass
class Names:
    """What a module imports and the constants it defines, filled while printing."""

    imports: dict[str, set[str]] = field(default_factory=dict)  # module -> names
    constants: dict[str, str] = field(default_factory=dict)  # key of a value -> constant name
    sources: dict[str, str | None] = field(default_factory=dict)  # constant -> module (None: defined here)
    values: dict[str, Any] = field(default_factory=dict)  # constant -> value
    used: set[str] = field(default_factory=set)

    def use(self, module: str, name: str) -> str:
        self.imports.setdefault(module, set()).add(name)
        return name

    def constant(self, value_key: str, name: str, value: Any, module: str | None = None) -> None:
        self.constants[value_key] = name
        self.sources[name] = module
        self.values[name] = value

    def refer(self, value_key: str) -> str | None:
        """The constant standing for a value, marked as used (and imported), or None."""
        name = self.constants.get(value_key)
        if name is None:
            return None
        self.used.add(name)
        module = self.sources[name]
        if module:
            self.use(module, name)
        return name

    def defined(self) -> list[tuple[str, Any]]:
        """The constants the module itself defines."""
        return [(name, self.values[name]) for name, module in self.sources.items() if module is None]


class Node:
    value: Any

    def code(self, names: Names) -> str:
        raise NotImplementedError


@dataclass
class Lit(Node):
    """A JSON value written as a Python literal (dicts equal to a constant print as its name)."""

    value: Any

    def code(self, names: Names) -> str:
        return literal(self.value, names)


@dataclass
class Seq(Node):
    items: list[Node]

    @property
    def value(self) -> list[Any]:
        return [item.value for item in self.items]

    def code(self, names: Names) -> str:
        return "[" + ", ".join(item.code(names) for item in self.items) + "]"


@dataclass
class Call(Node):
    """``name(keyword=value, ...)``, ``name`` imported from ``module``."""

    module: str
    name: str
    kwargs: list[tuple[str, Node]]
    value: Any = None

    def code(self, names: Names) -> str:
        func = names.use(self.module, self.name)
        return f"{func}(" + ", ".join(f"{k}={v.code(names)}" for k, v in self.kwargs) + ")"


@dataclass
class Helper(Node):
    """A name imported from the project's helpers, called when ``call``."""

    module: str
    name: str
    value: Any
    call: bool = False

    def code(self, names: Names) -> str:
        name = names.use(self.module, self.name)
        return f"{name}()" if self.call else name


def key(value: Any) -> str:
    """A hashable identity of a JSON value (for constants)."""
    import json

    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def literal(value: Any, names: Names) -> str:
    if isinstance(value, dict):
        name = names.refer(key(value)) if value and names.constants else None
        if name:
            return name
        return "{" + ", ".join(f"{string(k)}: {literal(v, names)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(literal(v, names) for v in value) + "]"
    if isinstance(value, str):
        return string(value)
    if value is None or isinstance(value, (bool, int)):
        return repr(value)
    if isinstance(value, float):
        return repr(value)
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def string(s: str) -> str:
    """A string literal; long or multi-line strings as pieces that concatenate to ``s``."""
    pieces = split(s) if len(s) > WRAP + 16 else [s]
    if len(pieces) == 1:
        return repr(s)
    return "(" + " ".join(repr(p) for p in pieces) + ")"


def split(s: str, width: int = WRAP) -> list[str]:
    """``s`` cut after each newline, and long lines between words (never inside one)."""
    pieces: list[str] = []
    for line in s.splitlines(keepends=True):
        while len(line) > width:
            cut = _cut(line, width)
            if cut <= 0:
                break
            pieces.append(line[:cut])
            line = line[cut:]
        if line:
            pieces.append(line)
    return pieces or [s]


def _cut(line: str, width: int) -> int:
    """Where to cut ``line``: before a space near ``width`` so the next piece starts with it.

    Spaces outside braces and quotes come first, so a PromQL selector stays on one line.
    """
    spaces = [i for i in _outer_spaces(line) if width // 2 <= i <= width]
    best = spaces[-1] if spaces else line.rfind(" ", width // 2, width)
    if best <= 0:
        best = line.find(" ", width)
        if best == -1 or best >= len(line) - 1:
            return 0
    # keep leading/trailing runs of spaces together, so no piece is whitespace only
    while best > 0 and line[best - 1] == " ":
        best -= 1
    return best if best > 0 and line[best:].strip() else 0


def _outer_spaces(line: str) -> Iterator[int]:
    depth, quote = 0, ""
    for i, c in enumerate(line):
        if quote:
            if c == quote and line[i - 1] != "\\":
                quote = ""
        elif c in "\"'`":
            quote = c
        elif c in "{[":
            depth += 1
        elif c in "}]":
            depth = max(0, depth - 1)
        elif c == " " and depth == 0:
            yield i


def identifier(text: str, fallback: str = "dashboard") -> str:
    """A lower_snake_case Python identifier from ``text``."""
    out = []
    for c in text.strip().lower():
        out.append(c if c.isascii() and c.isalnum() else "_")
    name = "_".join(part for part in "".join(out).split("_") if part)
    if not name:
        name = fallback
    if name[0].isdigit():
        name = f"{fallback}_{name}"
    if keyword.iskeyword(name):
        name += "_"
    return name
