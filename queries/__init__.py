"""Named, parameterised SPARQL queries (issue #4): one ``*.rq`` file each, in this folder.

Every file starts with a header of ``# key: value`` comment lines, then the query::

    # name: project-legal-bases
    # title@zh: 项目的立项依据
    # title@en: Legal bases of a project
    # description: What it answers, in a sentence or two; an indented comment line
    #   continues the field above it.
    # param: project | string | "" | project IRI, or part of its name ("" = every project)
    # param: via | enum(any,project,indicator) | any | which citations count
    # example: budgetkg query project-legal-bases --param project=电子政务外网网络租赁费用

A ``param`` line is ``name | type | default | description``. Types:

==============  =========================================================  ========================
type            accepted value                                             substituted as
==============  =========================================================  ========================
``string``      any text (≤ 500 characters, no backslash or control char)  ``"escaped literal"``
``strings``     comma-separated texts (``,`` or ``，``), at least one      ``"a" "b"`` (in VALUES)
``iri``         an absolute IRI                                            ``<iri>``
``integer``     ``-?[0-9]+``; ``integer(1..3)``, ``integer(1..)`` bound it  ``3``
``decimal``     ``-?[0-9]+(.[0-9]+)?``                                     ``3.5``
``boolean``     true/false, yes/no, 1/0                                    ``true`` / ``false``
``enum(a,b)``   one of the listed words                                    ``"a"``
==============  =========================================================  ========================

In the query text a parameter is written as the variable ``?_param_NAME``; :func:`render` replaces
each occurrence by the typed, validated term above — user text never reaches the query except as
an escaped literal, a checked IRI or a checked number. The queries are portable SPARQL 1.1: no
``GRAPH`` clauses (they run with the default graph as the union of all graphs) and no engine
extensions, so the rendered text runs unchanged on the embedded store and on any endpoint.

A parameter value that is not acceptable raises :class:`BadParameter` naming the value and the
allowed set; an unknown query name raises :class:`UnknownQuery`. Both are
:class:`~budgetkg.loader.errors.BudgetKGError` (the CLI prints them and exits 2; the API answers
400/404) and ``ValueError``.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from budgetkg.loader.errors import BudgetKGError

QUERY_DIR = Path(__file__).resolve().parent
PLACEHOLDER = re.compile(r"\?_param_([A-Za-z][A-Za-z0-9_]*)")
HEADER_FIELDS = ("name", "title@zh", "title@en", "description", "param", "example")
_NAME = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
_PARAM_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
# Parameter names that the API keeps for itself.
RESERVED_PARAMS = frozenset({"format"})
MAX_TEXT = 500
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|^`\\]*$")
_INTEGER = re.compile(r"^[+-]?[0-9]+$")
_DECIMAL = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$")
_TRUE = frozenset({"true", "yes", "1", "on"})
_FALSE = frozenset({"false", "no", "0", "off"})
XSD = "http://www.w3.org/2001/XMLSchema#"


class QueryError(BudgetKGError, ValueError):
    """A named query cannot be run as asked."""


class UnknownQuery(QueryError):
    def __init__(self, name: str) -> None:
        self.name = name
        known = ", ".join(q.name for q in list_queries())
        super().__init__(f"no named query {name!r}; known queries: {known}")


class BadParameter(QueryError):
    def __init__(self, query: str, param: str, value: str, allowed: str) -> None:
        self.query, self.param, self.value, self.allowed = query, param, value, allowed
        super().__init__(f"{query}: bad value {value!r} for parameter {param!r}; allowed: {allowed}")


class UnknownParameter(QueryError):
    def __init__(self, query: str, param: str, allowed: Iterable[str]) -> None:
        self.query, self.param = query, param
        names = ", ".join(allowed) or "none"
        super().__init__(f"{query}: unknown parameter {param!r}; parameters of {query}: {names}")


# ------------------------------------------------------------------------------------------------
# Parameters
# ------------------------------------------------------------------------------------------------


def sparql_string(text: str) -> str:
    """``text`` as a SPARQL string literal. Backslashes and control characters are refused
    rather than escaped: no budget name needs them, and refusing them leaves nothing for a
    ``\\u`` escape pre-processor to turn into a quote."""
    if "\\" in text or any(unicodedata.category(ch) == "Cc" for ch in text):
        raise ValueError("backslash or control character")
    return '"' + text.replace('"', '\\"') + '"'


@dataclass(frozen=True)
class Param:
    name: str
    type: str  # string | strings | iri | integer | decimal | boolean | enum
    default: str
    description: str
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None

    @property
    def spec(self) -> str:
        """The type as written in the header, e.g. ``enum(any,annual)`` or ``integer(1..3)``."""
        if self.type == "enum":
            return f"enum({','.join(self.choices)})"
        if self.type == "integer" and (self.minimum is not None or self.maximum is not None):
            lo = "" if self.minimum is None else str(self.minimum)
            hi = "" if self.maximum is None else str(self.maximum)
            return f"integer({lo}..{hi})"
        return self.type

    def allowed(self) -> str:
        """The allowed set, in words, for error messages and the docs."""
        if self.type == "enum":
            return "one of " + ", ".join(self.choices)
        if self.type == "integer":
            if self.minimum is not None and self.maximum is not None:
                return f"an integer from {self.minimum} to {self.maximum}"
            if self.minimum is not None:
                return f"an integer ≥ {self.minimum}"
            if self.maximum is not None:
                return f"an integer ≤ {self.maximum}"
            return "an integer"
        return {
            "string": f"text of at most {MAX_TEXT} characters, without backslashes or control characters",
            "strings": "one or more comma-separated words (each without backslashes or control characters)",
            "iri": "an absolute IRI such as https://w3id.org/budgetkg/id/…",
            "decimal": "a decimal number such as 12.5",
            "boolean": "true or false",
        }[self.type]

    def term(self, raw: str, query: str = "?") -> str:
        """``raw`` validated and written as SPARQL; :class:`BadParameter` if it is not allowed."""

        def bad() -> BadParameter:
            return BadParameter(query, self.name, raw, self.allowed())

        value = raw.strip()
        if self.type == "string":
            if len(raw) > MAX_TEXT:
                raise bad()
            try:
                return sparql_string(value)
            except ValueError:
                raise bad() from None
        if self.type == "strings":
            items = [s.strip() for s in re.split(r"[,，]", value) if s.strip()]
            if not items or len(value) > MAX_TEXT:
                raise bad()
            try:
                return " ".join(sparql_string(s) for s in items)
            except ValueError:
                raise bad() from None
        if self.type == "enum":
            if value not in self.choices:
                raise bad()
            return sparql_string(value)
        if self.type == "iri":
            if not _IRI.match(value):
                raise bad()
            return f"<{value}>"
        if self.type == "integer":
            if not _INTEGER.match(value):
                raise bad()
            number = int(value)
            if (self.minimum is not None and number < self.minimum) or (
                self.maximum is not None and number > self.maximum
            ):
                raise bad()
            return str(number)
        if self.type == "decimal":
            if not _DECIMAL.match(value):
                raise bad()
            try:
                text = format(Decimal(value), "f")
            except InvalidOperation:
                raise bad() from None
            return text if "." in text else text + ".0"
        if self.type == "boolean":
            if value.lower() in _TRUE:
                return "true"
            if value.lower() in _FALSE:
                return "false"
            raise bad()
        raise AssertionError(self.type)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "type": self.spec,
            "default": self.default,
            "description": self.description,
            "allowed": self.allowed(),
        }
        if self.choices:
            out["choices"] = list(self.choices)
        return out


_TYPE = re.compile(r"^(string|strings|iri|integer|decimal|boolean|enum)(?:\((.*)\))?$")


def parse_param(spec: str, where: str) -> Param:
    """One ``# param:`` line's value: ``name | type | default | description``."""
    parts = [p.strip() for p in spec.split("|", 3)]
    if len(parts) != 4:
        raise ValueError(f"{where}: param line needs 'name | type | default | description': {spec!r}")
    name, type_spec, default, description = parts
    if not _PARAM_NAME.match(name) or name in RESERVED_PARAMS:
        raise ValueError(f"{where}: bad parameter name {name!r}")
    m = _TYPE.match(type_spec)
    if not m:
        raise ValueError(f"{where}: unknown parameter type {type_spec!r}")
    kind, arg = m.group(1), m.group(2)
    choices: tuple[str, ...] = ()
    lo = hi = None
    if kind == "enum":
        choices = tuple(c.strip() for c in (arg or "").split(",") if c.strip())
        if not choices or not all(re.match(r"^[A-Za-z0-9_.-]+$", c) for c in choices):
            raise ValueError(f"{where}: enum needs plain words: {type_spec!r}")
    elif kind == "integer" and arg is not None:
        rm = re.match(r"^(-?\d+)?\.\.(-?\d+)?$", arg)
        if not rm:
            raise ValueError(f"{where}: integer range must be (lo..hi): {type_spec!r}")
        lo = int(rm.group(1)) if rm.group(1) else None
        hi = int(rm.group(2)) if rm.group(2) else None
    elif arg is not None:
        raise ValueError(f"{where}: type {kind} takes no arguments")
    if len(default) >= 2 and default[0] == default[-1] == '"':
        default = default[1:-1]
    param = Param(name, kind, default, description, choices, lo, hi)
    param.term(default, where)  # the default itself must be valid
    return param


# ------------------------------------------------------------------------------------------------
# Queries
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NamedQuery:
    name: str
    title_zh: str
    title_en: str
    description: str
    params: tuple[Param, ...]
    examples: tuple[str, ...]
    body: str  # the SPARQL after the header, placeholders included
    path: Path = field(compare=False)

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise UnknownParameter(self.name, name, [p.name for p in self.params])

    def values(self, given: Mapping[str, str] | None = None) -> dict[str, str]:
        """Every parameter's value: the given ones (checked) over the defaults."""
        given = dict(given or {})
        for key in given:
            self.param(key)  # unknown → UnknownParameter
        return {p.name: str(given.get(p.name, p.default)) for p in self.params}

    def render(self, given: Mapping[str, str] | None = None) -> str:
        values = self.values(given)
        terms = {p.name: p.term(values[p.name], self.name) for p in self.params}
        return PLACEHOLDER.sub(lambda m: terms[m.group(1)], self.body)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": {"zh": self.title_zh, "en": self.title_en},
            "description": self.description,
            "params": [p.as_dict() for p in self.params],
            "examples": list(self.examples),
        }


def parse_query_file(path: Path) -> NamedQuery:
    """Parse a ``.rq`` file's header; ``ValueError`` says what is missing or malformed."""
    text = path.read_text(encoding="utf-8")
    fields: list[tuple[str, str]] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines) and lines[i].startswith("#"):
        line = lines[i]
        m = re.match(r"^#\s?([a-z]+(?:@[a-z]{2})?):\s?(.*)$", line)
        if m and m.group(1) in HEADER_FIELDS:
            fields.append((m.group(1), m.group(2).strip()))
        elif re.match(r"^#\s{2,}\S", line) and fields:
            key, value = fields[-1]
            fields[-1] = (key, f"{value} {line[1:].strip()}")
        elif line.strip("# \t"):
            raise ValueError(f"{path.name}: line {i + 1} is not a header field: {line!r}")
        i += 1
    body = "\n".join(lines[i:]).strip() + "\n"
    got: dict[str, list[str]] = {}
    for key, value in fields:
        got.setdefault(key, []).append(value)
    for key in ("name", "title@zh", "title@en", "description", "example"):
        if not got.get(key) or not all(got[key]):
            raise ValueError(f"{path.name}: header lacks '# {key}:'")
    for key in ("name", "title@zh", "title@en", "description"):
        if len(got[key]) != 1:
            raise ValueError(f"{path.name}: '# {key}:' given more than once")
    name = got["name"][0]
    if not _NAME.match(name) or path.stem.split("_", 1)[-1] != name:
        raise ValueError(f"{path.name}: name {name!r} must be kebab-case and match the file name")
    params = tuple(parse_param(spec, path.name) for spec in got.get("param", []))
    declared = {p.name for p in params}
    if len(declared) != len(params):
        raise ValueError(f"{path.name}: a parameter is declared twice")
    used = set(PLACEHOLDER.findall(body))
    if used - declared:
        raise ValueError(f"{path.name}: placeholders without a param line: {sorted(used - declared)}")
    if declared - used:
        raise ValueError(f"{path.name}: params never used in the query: {sorted(declared - used)}")
    for example in got["example"]:
        if not example.startswith(f"budgetkg query {name}"):
            raise ValueError(f"{path.name}: example must start with 'budgetkg query {name}'")
    return NamedQuery(
        name=name,
        title_zh=got["title@zh"][0],
        title_en=got["title@en"][0],
        description=got["description"][0],
        params=params,
        examples=tuple(got["example"]),
        body=body,
        path=path,
    )


@cache
def _load() -> tuple[NamedQuery, ...]:
    return tuple(parse_query_file(p) for p in sorted(QUERY_DIR.glob("*.rq")))


def list_queries() -> list[NamedQuery]:
    """Every named query, in file order (the files are numbered)."""
    return list(_load())


def get(name: str) -> NamedQuery:
    for q in _load():
        if q.name == name:
            return q
    raise UnknownQuery(name)


def render(name: str, params: Mapping[str, str] | None = None) -> str:
    """The query ``name`` with its parameters substituted: portable SPARQL 1.1 text."""
    return get(name).render(params)


# ------------------------------------------------------------------------------------------------
# Running and writing results
# ------------------------------------------------------------------------------------------------


class IRI(str):
    """A cell that is an IRI (so a page can link it); otherwise just its text."""

    __slots__ = ()


Value = str | int | Decimal | bool | float | None


def python_value(term: Any) -> Value:
    """A pyoxigraph term as a plain value: IRIs as :class:`IRI`, numbers as int/Decimal,
    booleans as bool, any other literal as its lexical form (language tags dropped)."""
    if term is None:
        return None
    kind = type(term).__name__
    if kind == "NamedNode":
        return IRI(term.value)
    if kind == "BlankNode":
        return "_:" + term.value
    if kind != "Literal":
        return str(term)
    dt = term.datatype.value
    text = term.value
    try:
        if dt in (XSD + "integer", XSD + "int", XSD + "long", XSD + "nonNegativeInteger"):
            return int(text)
        if dt == XSD + "decimal":
            return Decimal(text)
        if dt in (XSD + "double", XSD + "float"):
            return float(text)
        if dt == XSD + "boolean":
            return text in ("true", "1")
    except (ValueError, InvalidOperation):
        return text
    return text


@dataclass
class Table:
    """A named query's answer: column names and rows of plain values."""

    query: str
    params: dict[str, str]
    columns: list[str]
    rows: list[list[Value]]
    truncated: bool = False  # rows stopped at ``max_rows``

    def records(self) -> list[dict[str, Value]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def run(
    store: Any,
    name: str,
    params: Mapping[str, str] | None = None,
    *,
    max_rows: int | None = None,
    cancel: Any = None,
) -> Table:
    """Run a named query on a :class:`~budgetkg.loader.store.GraphStore` (embedded or remote) or a
    bare ``pyoxigraph.Store`` (queried with the union default graph) and collect its rows: at most
    ``max_rows`` (then ``truncated`` is set); ``cancel``, a ``threading.Event``, stops the reading
    with ``TimeoutError`` once set.

    Rows are read in the calling thread: pyoxigraph results must not cross threads."""
    query = get(name)
    values = query.values(params)
    sparql = query.render(values)
    if hasattr(store, "store") and hasattr(store, "documents"):
        result = store.query(sparql)
    else:
        result = store.query(sparql, use_default_graph_as_union=True)
    columns = [v.value for v in result.variables]
    rows: list[list[Value]] = []
    truncated = False
    for solution in result:
        if cancel is not None and cancel.is_set():
            raise TimeoutError(f"{name}: cancelled")
        if max_rows is not None and len(rows) >= max_rows:
            truncated = True
            break
        rows.append([python_value(solution[c]) for c in columns])
    return Table(name, values, columns, rows, truncated)


def text_value(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def json_value(value: Value) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, IRI):
        return str(value)
    return value


def to_json(table: Table) -> dict[str, Any]:
    q = get(table.query)
    return {
        "query": q.name,
        "title": {"zh": q.title_zh, "en": q.title_en},
        "params": table.params,
        "truncated": table.truncated,
        "columns": table.columns,
        "rows": [{c: json_value(v) for c, v in zip(table.columns, row, strict=True)} for row in table.rows],
    }


def to_csv(table: Table) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([text_value(v) for v in row])
    return buf.getvalue()


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def to_text(table: Table, max_width: int = 60) -> str:
    """An aligned plain-text table (CJK characters count two columns), one line per row."""

    def cell(v: Value) -> str:
        s = text_value(v).replace("\n", " ")
        if _width(s) <= max_width:
            return s
        out, w = "", 0
        for ch in s:
            w += _width(ch)
            if w > max_width - 1:
                break
            out += ch
        return out + "…"

    grid = [list(table.columns)] + [[cell(v) for v in row] for row in table.rows]
    widths = [max(_width(r[i]) for r in grid) for i in range(len(table.columns))]
    numeric = [
        all(isinstance(row[i], int | Decimal | float) or row[i] is None for row in table.rows) and table.rows
        for i in range(len(table.columns))
    ]

    def fmt(r: list[str]) -> str:
        parts = []
        for i, s in enumerate(r):
            pad = " " * (widths[i] - _width(s))
            parts.append(pad + s if numeric[i] else s + pad)
        return "  ".join(parts).rstrip()

    lines = [fmt(grid[0]), "  ".join("-" * w for w in widths)]
    lines += [fmt(r) for r in grid[1:]]
    lines.append(f"({len(table.rows)} row{'s' if len(table.rows) != 1 else ''})")
    return "\n".join(lines) + "\n"


def catalogue_json() -> list[dict[str, Any]]:
    return [q.as_dict() for q in list_queries()]


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
