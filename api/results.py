"""Writers for SPARQL results that can stop: after ``max_rows`` solutions (or triples), or between
two solutions once the query has timed out. pyoxigraph's own serialisers always drain the whole
iterator, so SELECT results are written here (JSON, XML, CSV, TSV as the W3C specs define them);
CONSTRUCT/DESCRIBE triples go through a capped generator into ``pyoxigraph.serialize``. Every
literal passes the personal-data filter (``budgetkg.api.privacy``) on its way out.
"""

from __future__ import annotations

import csv
import io
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from budgetkg.api import privacy

XSD = "http://www.w3.org/2001/XMLSchema#"
_STRING = XSD + "string"
_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


class Cancelled(Exception):
    """The query timed out and its answer was already given up on."""


@dataclass
class Limits:
    """``max_rows=None``: no cap. ``cancel``: set by the caller when it stops waiting."""

    max_rows: int | None = None
    cancel: threading.Event | None = None
    truncated: bool = field(default=False, init=False)

    def check(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise Cancelled


Row = list[ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None]


def collect_rows(result: ox.QuerySolutions, limits: Limits) -> tuple[list[str], list[Row]]:
    variables = [v.value for v in result.variables]
    redact = privacy.enabled()
    rows: list[Row] = []
    for solution in result:
        limits.check()
        if limits.max_rows is not None and len(rows) >= limits.max_rows:
            limits.truncated = True
            break
        values = list(solution)
        rows.append([privacy.redact_term(v) for v in values] if redact else values)
    return variables, rows


def capped_triples(result: ox.QueryTriples, limits: Limits) -> Iterator[ox.Triple]:
    redact = privacy.enabled()
    n = 0
    for triple in result:
        limits.check()
        if limits.max_rows is not None and n >= limits.max_rows:
            limits.truncated = True
            return
        n += 1
        yield privacy.redact_triple(triple) if redact else triple


# -- JSON ------------------------------------------------------------------------------------
def _json_term(t: object) -> dict[str, object]:
    if isinstance(t, ox.NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, ox.BlankNode):
        return {"type": "bnode", "value": t.value}
    if isinstance(t, ox.Literal):
        out: dict[str, object] = {"type": "literal", "value": t.value}
        if t.language:
            out["xml:lang"] = t.language
        elif t.datatype.value != _STRING:
            out["datatype"] = t.datatype.value
        return out
    assert isinstance(t, ox.Triple)
    return {
        "type": "triple",
        "value": {
            "subject": _json_term(t.subject),
            "predicate": _json_term(t.predicate),
            "object": _json_term(t.object),
        },
    }


def _write_json(variables: list[str], rows: list[Row]) -> bytes:
    bindings = [
        {v: _json_term(t) for v, t in zip(variables, row, strict=True) if t is not None} for row in rows
    ]
    body = {"head": {"vars": variables}, "results": {"bindings": bindings}}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# -- XML -------------------------------------------------------------------------------------
def _xml_term(t: object) -> str:
    if isinstance(t, ox.NamedNode):
        return f"<uri>{escape(t.value)}</uri>"
    if isinstance(t, ox.BlankNode):
        return f"<bnode>{escape(t.value)}</bnode>"
    if isinstance(t, ox.Literal):
        value = escape(t.value, {"\n": "&#10;", "\r": "&#13;"})
        if t.language:
            return f"<literal xml:lang={quoteattr(t.language)}>{value}</literal>"
        if t.datatype.value != _STRING:
            return f"<literal datatype={quoteattr(t.datatype.value)}>{value}</literal>"
        return f"<literal>{value}</literal>"
    assert isinstance(t, ox.Triple)
    return (
        f"<triple><subject>{_xml_term(t.subject)}</subject><predicate>{_xml_term(t.predicate)}"
        f"</predicate><object>{_xml_term(t.object)}</object></triple>"
    )


def _write_xml(variables: list[str], rows: list[Row]) -> bytes:
    out = ['<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>']
    out += [f"<variable name={quoteattr(v)}/>" for v in variables]
    out.append("</head><results>")
    for row in rows:
        out.append("<result>")
        out += [
            f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>"
            for v, t in zip(variables, row, strict=True)
            if t is not None
        ]
        out.append("</result>")
    out.append("</results></sparql>")
    return "".join(out).encode("utf-8")


# -- CSV / TSV -------------------------------------------------------------------------------
def _csv_value(t: object) -> str:
    if t is None:
        return ""
    if isinstance(t, ox.BlankNode):
        return f"_:{t.value}"
    if isinstance(t, ox.NamedNode | ox.Literal):
        return t.value
    return str(t)


def _write_csv(variables: list[str], rows: list[Row]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(variables)
    for row in rows:
        writer.writerow([_csv_value(t) for t in row])
    return buf.getvalue().encode("utf-8")


def _tsv_value(t: object) -> str:
    """Turtle syntax, with the short forms of integers and booleans (as pyoxigraph writes)."""
    if t is None:
        return ""
    if isinstance(t, ox.Literal) and t.datatype.value in (XSD + "integer", XSD + "boolean"):
        v = t.value
        if v in ("true", "false") or v.lstrip("+-").isdigit():
            return v
    return str(t)


def _write_tsv(variables: list[str], rows: list[Row]) -> bytes:
    lines = ["\t".join(f"?{v}" for v in variables)]
    lines += ["\t".join(_tsv_value(t) for t in row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


WRITERS = {
    "application/sparql-results+json": _write_json,
    "application/sparql-results+xml": _write_xml,
    "text/csv": _write_csv,
    "text/tab-separated-values": _write_tsv,
}


def write_solutions(result: ox.QuerySolutions, mtype: str, limits: Limits) -> bytes:
    variables, rows = collect_rows(result, limits)
    return WRITERS[mtype](variables, rows)
