"""Cached PromQL analysis of Grafana queries.

``analyze(expr)`` substitutes Grafana variables with placeholders that keep the query valid
in context, parses the result with ``promql_parser`` and summarises the AST into plain Python
tuples (one ``Selector`` per vector selector, with its ancestors). Results are cached, so an
expression is parsed once per process.

Substitution by context:
- inside a string literal ``"...$var..."``       -> a plain word (valid in regexes too)
- inside ``[...]`` (range / subquery)             -> a duration; each variable gets its own
  magic duration so that ``[$__rate_interval]`` can be told apart from ``[$__interval]``
- after ``offset``                                -> a duration; after ``@`` -> a number
- inside ``by (...)``/``on (...)``/...            -> a label name
- inside ``{...}``: label-name position           -> a label name; a whole matcher
  (``{$filter}``) -> ``name="x"``; a value without quotes -> a string only for the
  ``doublequote``/``singlequote`` formats, else a bare word (invalid, as in Grafana)
- elsewhere: glued to a name (``node_${x}_bytes``) -> a name fragment; before ``(`` -> a
  function name; otherwise a metric name or a number (both are tried: ``> $threshold``,
  ``topk($n, ...)``, ``$metric{...}``).

Queries that differ only in label values (``{job="svc-a"}`` / ``{job="svc-b"}``) share one parse:
plain matcher values are replaced by placeholders (see ``_shape``), the placeholder query is
analysed once and its selectors get the real values back (``_fill``).
"""

from __future__ import annotations

import itertools
import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple

from . import variables
from .variables import DURATION_BUILTINS, NUMBER_BUILTINS, VarRef, find_vars

if TYPE_CHECKING:
    from datetime import timedelta

# ------------------------------------------------------------------ durations

# A pattern: `re` compiles it on first use (rule files), not on import.
_PROM_DURATION = r"(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?"


def parse_prom_duration(s: object) -> timedelta | None:
    """Prometheus model.ParseDuration: "0", or units y w d h m s ms in that order, integers only."""
    from datetime import timedelta  # only rule files need it: keep it out of the import

    if not isinstance(s, str):
        return None
    if s == "0":
        return timedelta(0)
    if not s:
        return None
    m = re.fullmatch(_PROM_DURATION, s)  # fullmatch: "5m\n" is not a duration
    if not m or not any(m.groups()):
        return None
    y, w, d, h, mi, sec, ms = (int(g) if g else 0 for g in m.groups())
    try:
        return timedelta(days=y * 365 + w * 7 + d, hours=h, minutes=mi, seconds=sec, milliseconds=ms)
    except OverflowError:
        return None


# ------------------------------------------------------------ substitution

_GROUPING_KW = frozenset({"by", "without", "on", "ignoring", "group_left", "group_right"})
_IDENT_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_:")
_IDENT_CHARS = _IDENT_START | frozenset("0123456789")
_MAGIC_MS = 7_770_001  # ranges of substituted variables: (_MAGIC_MS + index) milliseconds
_QUOTING_FORMATS = frozenset({"doublequote", "singlequote", "sqlstring"})
_PLACEHOLDER_RE = re.compile(r"__[vs]\d+__")


def _magic(idx: int) -> str:
    return f"{_MAGIC_MS + idx}ms"


# Strings, comments and brackets: the only structure the substitution needs.
_STRUCT_RE = re.compile(r""""(?:[^"\\]|\\.)*"?|'(?:[^'\\]|\\.)*'?|`[^`]*`?|\#[^\n]*|[()\[\]{}]""")


def _prev_tokens(expr: str, pos: int) -> tuple[str, str]:
    """The two significant tokens before ``pos`` (a word, or a single character)."""
    toks: list[str] = []
    i = pos - 1
    while i >= 0 and len(toks) < 2:
        c = expr[i]
        if c.isspace():
            i -= 1
            continue
        if c in _IDENT_CHARS:
            j = i
            while j > 0 and expr[j - 1] in _IDENT_CHARS:
                j -= 1
            toks.append(expr[j : i + 1])
            i = j - 1
        else:
            toks.append(c)
            if c in "\"'`":
                break  # the token before a string is never needed
            i -= 1
    while len(toks) < 2:
        toks.append("")
    return toks[1], toks[0]


def _slots(expr: str, refs: tuple[VarRef, ...]) -> list[tuple[VarRef, str]]:
    """Classify each variable reference by its syntactic context."""
    out: list[tuple[VarRef, str]] = []
    stack: list[str] = []
    n = len(refs)
    ri = 0
    ref_end = -1
    for m in _STRUCT_RE.finditer(expr):
        s = m.start()
        while ri < n and refs[ri].start <= s:
            r = refs[ri]
            ri += 1
            out.append((r, _classify(expr, r, stack)))
            ref_end = r.end
        if ri >= n:
            break
        if s < ref_end:
            continue  # a bracket inside [[var]] or ${var}
        c = expr[s]
        if c in "\"'`#":
            e = m.end()
            while ri < n and refs[ri].start < e:
                if c != "#":  # variables in comments are left alone
                    out.append((refs[ri], "string"))
                ri += 1
        elif c in "([{":
            stack.append("labels" if c == "(" and _prev_tokens(expr, s)[1] in _GROUPING_KW else c)
        elif stack:
            stack.pop()
    while ri < n:
        out.append((refs[ri], _classify(expr, refs[ri], stack)))
        ri += 1
    return out


def _next_significant(expr: str, pos: int) -> str:
    n = len(expr)
    while pos < n and expr[pos].isspace():
        pos += 1
    if pos >= n:
        return ""
    if expr[pos] in _IDENT_START:
        j = pos + 1
        while j < n and expr[j] in _IDENT_CHARS:
            j += 1
        return expr[pos:j]
    return expr[pos]


def _classify(expr: str, r: VarRef, stack: list[str]) -> str:
    top = stack[-1] if stack else ""
    after = expr[r.end] if r.end < len(expr) else ""
    before = expr[r.start - 1] if r.start > 0 else ""
    if top == "[":
        return "digits" if after.isalpha() else "duration"
    tok0, tok1 = _prev_tokens(expr, r.start)
    if tok1 == "offset" or (tok1 == "-" and tok0 == "offset"):
        return "duration"
    if tok1 == "@":
        return "number"
    if top == "labels":
        return "ident"
    if top == "{":
        if tok1 in ("{", ","):
            return "ident" if _next_significant(expr, r.end)[:1] in ("=", "!") else "matcher"
        if tok1 in ("=", "~"):
            return "quoted" if (r.fmt or "") in _QUOTING_FORMATS else "ident"
        return "ident"
    if before in _IDENT_CHARS or after in _IDENT_CHARS:
        return "ident"
    nxt = _next_significant(expr, r.end)
    if nxt == "(":
        return "func"
    if nxt in ("by", "without"):
        return "agg"
    if nxt in ("{", "["):
        return "ident"  # $metric{...} / $metric[5m]
    return "expr"


def _candidates(kind: str, r: VarRef, k: int, dur_idx: int) -> list[str]:
    v = f"__v{k}__"
    s = f"__s{k}__"
    if kind == "string":
        return [s]
    if kind == "quoted":
        return [f'"{s}"']
    if kind == "ident":
        return [v]
    if kind == "matcher":
        return [f'{v}="x"']
    if kind == "duration":
        return [_magic(dur_idx)]
    if kind == "digits":
        return ["1"]
    if kind == "number":
        return ["1700000000"]
    if kind == "func":
        return ["sum", "rate", "abs"]
    if kind == "agg":
        return ["sum"]
    # ambiguous expression position
    if r.name in NUMBER_BUILTINS:
        return ["1"]
    if r.name in DURATION_BUILTINS or r.name.startswith("__auto_interval"):
        return ["60s"]
    return ["1", v]  # a number (> $threshold, topk($n, ...)) or else a metric name (sum($metric))


class Selector(NamedTuple):
    name: str | None  # metric name (variables restored, e.g. "node_$x_bytes")
    name_literal: bool  # the name has no variable in it
    matchers: tuple[tuple[str, str, str], ...]  # (label, op, value with variables restored)
    parents: tuple[tuple[str, str | None], ...]  # root -> direct parent: ("call", "rate"), ("matrix", None)...
    range_var: str | None  # for foo[...]: the variable used as the range, if any
    range: timedelta | None  # for foo[...]: the literal range


class Analysis(NamedTuple):
    ok: bool
    error: str | None
    selectors: tuple[Selector, ...] = ()
    substituted: str = ""


_OPS = {"Equal": "=", "NotEqual": "!=", "Re": "=~", "NotRe": "!~"}


def _op_str(op: object) -> str:
    name = getattr(op, "name", None) or str(op).rsplit(".", 1)[-1]
    return _OPS.get(name, str(name))


def _micros(td: timedelta) -> int:
    return (td.days * 86400 + td.seconds) * 1_000_000 + td.microseconds


def _summarise(ast: Any, restore: dict[str, str], ranges: dict[int, str]) -> tuple[Selector, ...]:
    """``ranges``: magic range in microseconds -> the variable it stands for."""

    def rs(s: str) -> str:
        if "__" not in s:
            return s
        return _PLACEHOLDER_RE.sub(lambda m: restore.get(m.group(0), m.group(0)), s)

    out: list[Selector] = []
    stack: list[tuple[Any, tuple[tuple[str, str | None], ...], Any]] = [(ast, (), None)]  # promql_parser nodes
    while stack:
        node, parents, matrix = stack.pop()
        t = type(node).__name__
        if t == "VectorSelector":
            matchers = []
            name = node.name
            all_m = list(node.matchers.matchers)
            for group in node.matchers.or_matchers or ():
                all_m.extend(group)
            for m in all_m:
                label, value = m.name, m.value
                if name is None and label == "__name__" and _op_str(m.op) == "=":
                    name = value
                    continue
                matchers.append((rs(label), _op_str(m.op), rs(value)))
            rng = matrix.range if matrix is not None else None
            out.append(
                Selector(
                    name=rs(name) if name is not None else None,
                    name_literal=name is not None and _PLACEHOLDER_RE.search(name) is None,
                    matchers=tuple(matchers),
                    parents=parents,
                    range_var=ranges.get(_micros(rng)) if rng is not None else None,
                    range=rng,
                )
            )
        elif t == "MatrixSelector":
            stack.append((node.vector_selector, parents + (("matrix", None),), node))
        elif t == "Call":
            p = parents + (("call", node.func.name),)
            for a in reversed(node.args):
                stack.append((a, p, None))
        elif t == "AggregateExpr":
            p = parents + (("agg", str(node.op)),)
            stack.append((node.expr, p, None))
            if node.param is not None:
                stack.append((node.param, p, None))
        elif t == "BinaryExpr":
            p = parents + (("binary", str(node.op)),)
            stack.append((node.rhs, p, None))
            stack.append((node.lhs, p, None))
        elif t == "SubqueryExpr":
            stack.append((node.expr, parents + (("subquery", None),), None))
        elif t == "ParenExpr":
            stack.append((node.expr, parents + (("paren", None),), None))
        elif t == "UnaryExpr":
            stack.append((node.expr, parents + (("unary", None),), None))
    out.reverse()
    return tuple(out)


_MAX_TRIES = 32


@lru_cache(maxsize=1024)
def analyze(expr: str, grafana: bool = True) -> Analysis:
    """Parse ``expr`` (after Grafana variable substitution when ``grafana``) and summarise it."""
    if not expr.strip():
        return Analysis(False, "the expression is empty")
    refs = find_vars(expr) if grafana else ()
    shape, values = _shape(expr, refs)
    if values:
        template, filled = _analyze_shape(shape, grafana)
        if template.ok:
            return _fill(template, filled, values)
        # Invalid: analyse the query itself so that the error message shows its own values.
    return _analyze(expr, refs)


@lru_cache(maxsize=1024)
def _analyze_shape(shape: str, grafana: bool) -> tuple[Analysis, tuple[bool, ...]]:
    """The analysis of a shape, and for each selector whether a matcher value is a placeholder."""
    a = _analyze(shape, find_vars(shape) if grafana else ())
    return a, tuple(any(re.fullmatch(r"__q\d+__", v) for _, _, v in s.matchers) for s in a.selectors)


def _analyze(expr: str, refs: tuple[VarRef, ...]) -> Analysis:
    if not refs:
        ast, err = _parse(expr)
        if err is not None:
            return Analysis(False, err, substituted=expr)
        return Analysis(True, None, _summarise(ast, {}, {}), expr)

    slots = _slots(expr, refs)
    dur_index: dict[str, int] = {}
    cand_lists: list[list[str]] = []
    restore: dict[str, str] = {}
    for k, (r, kind) in enumerate(slots):
        if kind == "duration" and r.name not in dur_index:
            dur_index[r.name] = len(dur_index)
        cands = _candidates(kind, r, k, dur_index.get(r.name, 0))
        cand_lists.append(cands)
        restore[f"__v{k}__"] = r.raw
        restore[f"__s{k}__"] = r.raw
    ranges = {(_MAGIC_MS + i) * 1000: name for name, i in dur_index.items()}

    first_error: str | None = None
    first_text = ""
    for choice in itertools.islice(itertools.product(*cand_lists), _MAX_TRIES):
        parts = []
        pos = 0
        for (r, _kind), rep in zip(slots, choice):
            parts.append(expr[pos : r.start])
            parts.append(rep)
            pos = r.end
        parts.append(expr[pos:])
        text = "".join(parts)
        ast, err = _parse(text)
        if err is not None:
            if first_error is None:
                first_error = _PLACEHOLDER_RE.sub(lambda m: restore.get(m.group(0), m.group(0)), err)
                first_text = text
            continue
        return Analysis(True, None, _summarise(ast, restore, ranges), text)
    return Analysis(False, first_error, substituted=first_text)


# ------------------------------------------------------------------ shapes
#
# Why a placeholder value gives the same analysis as the real one: ``_shape`` only replaces the
# value of a matcher ``{label OP "value"}`` (OP one of = != =~ !~, label a plain name other than
# __name__) whose value is non-empty and made of letters, digits and ``_.:/-`` only. For such a
# value the parser (promql_parser) behaves as for the placeholder ``__qN__``, a value of the
# same kind: no escapes to decode, a valid regex that does not match the empty string, so the
# "at least one non-empty matcher" check and the regex check have the same outcome; nothing
# else in the parser looks at matcher values. The variable substitution sees the same
# structure: the value holds no variable, quote, bracket or "#", and the token before a string
# never matters (``_prev_tokens``). Values with "__" are left alone (``_summarise`` rewrites
# __vN__/__sN__ in values), equal values share a placeholder (equality between them is kept),
# and queries with a comment, "__q" anywhere or a quote inside a variable reference are not
# shaped. A shape that does not parse is not used: the query is analysed as written, so the
# error message shows its own values.

_SPACES = r"[ \t\r\n]*"
# A whole plain matcher from its "{" or ",", else any string (so that quotes pair up as the
# PromQL lexer pairs them), else a brace. (The lookahead lets `re` skip other characters fast.)
_SHAPE_TOKEN_RE = re.compile(
    r"""(?=[{},"'`])"""
    rf"""(?:[{{,]{_SPACES}(?P<label>[A-Za-z_][A-Za-z0-9_]*){_SPACES}(?:=~|!~|!=|=){_SPACES}"""
    r"""(?P<q>["'`])(?P<value>[A-Za-z0-9_.:/-]+)(?P=q)"""
    r"""|"(?:[^"\\]|\\.)*"?|'(?:[^'\\]|\\.)*'?|`[^`]*`?|[{}])"""
)


def _shape(expr: str, refs: tuple[VarRef, ...]) -> tuple[str, dict[str, str]]:
    """``expr`` with plain matcher values replaced by ``__qN__``, and placeholder -> value.

    Returns ``(expr, {})`` when there is nothing to replace or the query is out of scope.
    """
    if "#" in expr or "__q" in expr:
        return expr, {}
    for r in refs:
        if '"' in r.raw or "'" in r.raw or "`" in r.raw:
            return expr, {}
    values: dict[str, str] = {}
    placeholders: dict[str, str] = {}
    parts: list[str] = []
    pos = 0
    depth = 0
    ri = 0
    n = len(refs)
    for m in _SHAPE_TOKEN_RE.finditer(expr):
        s = m.start()
        while ri < n and refs[ri].end <= s:
            ri += 1
        if ri < n and refs[ri].start <= s:
            continue  # a brace of ${var}
        c = expr[s]
        if c == "{":
            depth += 1
        elif c == "}":
            depth = max(depth - 1, 0)
            continue
        value = m.group("value")
        if value is None or not depth or "__" in value or m.group("label") == "__name__":
            continue
        ph = placeholders.get(value)
        if ph is None:
            ph = placeholders[value] = f"__q{len(placeholders)}__"
            values[ph] = value
        start, end = m.span("value")
        parts.append(expr[pos:start])
        parts.append(ph)
        pos = end
    if not values:
        return expr, {}
    parts.append(expr[pos:])
    return "".join(parts), values


def _fill(template: Analysis, filled: tuple[bool, ...], values: dict[str, str]) -> Analysis:
    """The analysis of the query whose values ``_shape`` replaced, from that of its shape."""
    selectors = []
    for s, has_placeholder in zip(template.selectors, filled):
        if has_placeholder:
            matchers = tuple([(label, op, values.get(v, v)) for label, op, v in s.matchers])
            s = Selector(s.name, s.name_literal, matchers, s.parents, s.range_var, s.range)
        selectors.append(s)
    substituted = template.substituted
    for ph, value in values.items():  # "__q1__" never matches inside "__q10__"
        substituted = substituted.replace(ph, value)
    return Analysis(True, None, tuple(selectors), substituted)


def _parse(text: str) -> tuple[object, str | None]:
    import promql_parser  # imported on first use: `import dashgen.dashboard.promql` stays cheap

    try:
        return promql_parser.parse(text), None
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as exc:  # pyo3 turns Rust panics into PanicException(BaseException)
        return None, _clean_error(exc)


def _clean_error(exc: BaseException) -> str:
    msg = str(exc).strip().splitlines()
    return msg[0] if msg else type(exc).__name__


def cache_clear() -> None:
    analyze.cache_clear()
    _analyze_shape.cache_clear()
    variables.cache_clear()
