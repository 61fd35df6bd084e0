"""Linked data: every IRI the loader mints dereferences here, with content negotiation.

- ``GET /id/{path}`` describes ``{BUDGETKG_BASE_IRI}{path}``; ``GET /def`` is the ontology,
  ``GET /def/code/{path}`` a code list or concept; ``GET /resource?iri=`` any IRI (for when the
  base IRI is not this server's address). A description is the resource's own triples (with any
  blank nodes they reach), the triples pointing at it (at most ``INBOUND_CAP``; more sets
  ``X-Budgetkg-Truncated``) and the labels of every resource either side links to.
- Formats, by ``Accept`` or ``?format=``: ``text/html`` (html), ``text/turtle`` (ttl),
  ``application/ld+json`` (jsonld; compacted with the mapping's ``context.jsonld``),
  ``application/n-triples`` (nt), ``application/rdf+xml`` (rdfxml). ``*/*`` gets Turtle.
- ``/void`` (also ``/.well-known/void`` and ``{base}dataset``): the VoID description;
  ``/dump.nq.gz`` (named graphs kept) and ``/dump.ttl.gz`` (their union): full dumps.
- Everything passes the personal-data filter (``budgetkg.api.privacy``).

HTML is one replaceable function: ``render_resource_html(desc, href, formats)``; if
``budgetkg.api.pages`` defines a function of that name with that signature, it is used instead.
"""

from __future__ import annotations

import gzip
import html
import importlib
import importlib.util
import json
import tempfile
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, TypeVar
from urllib.parse import quote, urlencode

import pyoxigraph as ox
from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, Response

from budgetkg.api import privacy
from budgetkg.api.errors import ApiError
from budgetkg.api.sparql import TRUNCATED_HEADER, _negotiate
from budgetkg.loader.export import prefixes
from budgetkg.loader.store import GraphStore
from budgetkg.mappings.iris import BKG, CODE_GRAPH, ONTOLOGY_GRAPH, base_iri
from budgetkg.mappings.mapper import context

T = TypeVar("T")

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
VOID = "http://rdfs.org/ns/void#"
XSD = "http://www.w3.org/2001/XMLSchema#"
LABELS = (SKOS + "prefLabel", RDFS + "label", DCTERMS + "title")
INBOUND_CAP = 2000

HTML = "text/html"
RDF_TYPES: dict[str, ox.RdfFormat] = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}
OFFERED: dict[str, object] = {"text/turtle": 1, HTML: 1, **dict.fromkeys(RDF_TYPES, 1)}
FORMATS = {
    "html": HTML,
    "ttl": "text/turtle",
    "turtle": "text/turtle",
    "jsonld": "application/ld+json",
    "json": "application/ld+json",
    "nt": "application/n-triples",
    "ntriples": "application/n-triples",
    "rdf": "application/rdf+xml",
    "rdfxml": "application/rdf+xml",
    "xml": "application/rdf+xml",
}
_ALIASES = {"application/json": "application/ld+json", "application/xhtml+xml": HTML}

Term = ox.NamedNode | ox.BlankNode | ox.Literal


@dataclass
class Description:
    """What is published about one IRI.

    ``statements``: every triple served in the RDF formats. ``sections``: subject → its triples,
    the described resource first (HTML shows one table each). ``inbound``: triples pointing at the
    resource. ``labels``: IRI → best label (zh first) of every resource, property and class seen.
    """

    iri: str
    statements: list[ox.Triple]
    sections: dict[str, list[ox.Triple]]
    inbound: list[ox.Triple] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    truncated: bool = False

    @property
    def label(self) -> str:
        return self.labels.get(self.iri, self.iri)


# -- reading the store --------------------------------------------------------------------------
def _key(t: Term) -> str:
    return t.value if isinstance(t, ox.NamedNode) else str(t)


def _label_rank(lit: ox.Literal) -> tuple[int, str]:
    lang = (lit.language or "").lower()
    return ({"zh": 0, "zh-cn": 0, "zh-hans": 0, "": 1, "en": 2}.get(lang, 3), lit.value)


class Reader:
    """Distinct triples over the union of all graphs (thread-bound: make one per request)."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self._labels: dict[str, str | None] = {}

    def outgoing(self, subject: ox.NamedNode | ox.BlankNode) -> list[ox.Triple]:
        seen = {
            ox.Triple(q.subject, q.predicate, q.object)
            for q in self.store.store.quads_for_pattern(subject, None, None, None)
        }
        return sorted(seen, key=str)

    def inbound(self, obj: ox.NamedNode, cap: int) -> tuple[list[ox.Triple], bool]:
        seen: set[ox.Triple] = set()
        for q in self.store.store.quads_for_pattern(None, None, obj, None):
            seen.add(ox.Triple(q.subject, q.predicate, q.object))
            if len(seen) > cap:
                break
        out = sorted(seen, key=str)
        return out[:cap], len(out) > cap

    def label(self, iri: str) -> str | None:
        if iri not in self._labels:
            node = ox.NamedNode(iri)
            found = [
                q.object
                for p in LABELS
                for q in self.store.store.quads_for_pattern(node, ox.NamedNode(p), None, None)
                if isinstance(q.object, ox.Literal)
            ]
            self._labels[iri] = min(found, key=_label_rank).value if found else None
        return self._labels[iri]

    def label_triples(self, iri: str) -> list[ox.Triple]:
        node = ox.NamedNode(iri)
        return sorted(
            {
                ox.Triple(q.subject, q.predicate, q.object)
                for p in LABELS
                for q in self.store.store.quads_for_pattern(node, ox.NamedNode(p), None, None)
            },
            key=str,
        )

    def graph_triples(self, graph: str) -> list[ox.Triple]:
        return sorted(
            {ox.Triple(q.subject, q.predicate, q.object) for q in self.store.graph_quads(graph)}, key=str
        )

    def graph_size(self, graph: str) -> int:
        rows = self.store.store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
        return int(next(iter(rows))["n"].value)  # type: ignore[call-overload,index]


def _finish(
    reader: Reader, iri: str, sections: dict[str, list[ox.Triple]], inbound: list[ox.Triple], truncated: bool
) -> Description:
    """Add labels of everything linked (as triples for linked resources, as names for the rest).
    Statements are ordered: the resource's own, other sections, inbound, then the labels."""
    ordered = [t for ts in sections.values() for t in ts] + inbound
    statements: set[ox.Triple] = set(ordered)
    linked: set[str] = set()
    names: set[str] = {iri}
    for t in ordered:
        names.add(t.predicate.value)
        if isinstance(t.subject, ox.NamedNode) and t.subject.value != iri:
            linked.add(t.subject.value)
        if isinstance(t.object, ox.NamedNode) and t.object.value != iri:
            (names if t.predicate.value == RDF_TYPE else linked).add(t.object.value)
    for other in sorted(linked - set(sections)):
        for t in reader.label_triples(other):
            if t not in statements:
                statements.add(t)
                ordered.append(t)
    labels = {n: lab for n in sorted(names | linked) if (lab := reader.label(n)) is not None}
    result = list(dict.fromkeys(ordered))
    if privacy.enabled():
        result = [privacy.redact_triple(t) for t in result]
        sections = {s: [privacy.redact_triple(t) for t in ts] for s, ts in sections.items()}
        inbound = [privacy.redact_triple(t) for t in inbound]
        labels = {k: privacy.redact_text(v) for k, v in labels.items()}
    return Description(iri, result, sections, inbound, labels, truncated)


def describe(store: GraphStore, iri: str) -> Description | None:
    """The description of ``iri``, or None when the store knows nothing about it."""
    reader = Reader(store)
    try:
        node = ox.NamedNode(iri)
    except ValueError:
        return None
    if iri == ONTOLOGY_GRAPH:
        return _graph_document(reader, iri, reader.graph_triples(ONTOLOGY_GRAPH))
    if iri == CODE_GRAPH:
        schemes = [
            t
            for q in store.store.quads_for_pattern(
                None, ox.NamedNode(RDF_TYPE), ox.NamedNode(SKOS + "ConceptScheme"), ox.NamedNode(CODE_GRAPH)
            )
            for t in reader.outgoing(q.subject)  # type: ignore[arg-type]
        ]
        return _graph_document(reader, iri, schemes)
    own = reader.outgoing(node)
    sections = {iri: own}
    for t in own:  # blank nodes are described where they are used
        if isinstance(t.object, ox.BlankNode):
            sections[str(t.object)] = reader.outgoing(t.object)
    inbound, truncated = reader.inbound(node, INBOUND_CAP)
    if not own and store.store.contains_named_graph(node):
        own = [
            ox.Triple(node, ox.NamedNode(RDF_TYPE), ox.NamedNode(VOID + "Dataset")),
            ox.Triple(node, ox.NamedNode(VOID + "triples"), _int(reader.graph_size(iri))),
        ]
        sections[iri] = own
    if not own and not inbound:
        return None
    return _finish(reader, iri, sections, inbound, truncated)


def _graph_document(reader: Reader, iri: str, triples: list[ox.Triple]) -> Description:
    sections: dict[str, list[ox.Triple]] = {iri: []}
    for t in triples:
        sections.setdefault(_key(t.subject), []).append(t)
    return _finish(reader, iri, sections, [], False)


def _int(n: int) -> ox.Literal:
    return ox.Literal(str(n), datatype=ox.NamedNode(XSD + "integer"))


# -- VoID ------------------------------------------------------------------------------------------
def void_description(store: GraphStore, server: str) -> Description:
    """The dataset ``{base}dataset``: size, class partitions, endpoint, dumps, vocabularies."""
    base = base_iri()
    ds = ox.NamedNode(base + "dataset")

    def t(p: str, o: Term) -> ox.Triple:
        return ox.Triple(ds, ox.NamedNode(p), o)

    triples = [
        t(RDF_TYPE, ox.NamedNode(VOID + "Dataset")),
        t(DCTERMS + "title", ox.Literal("budgetkg: 部门预算公开知识图谱", language="zh")),
        t(DCTERMS + "title", ox.Literal("budgetkg: Chinese department budget disclosures", language="en")),
        t(VOID + "triples", _int(len(store))),
        t(VOID + "sparqlEndpoint", ox.NamedNode(server + "sparql")),
        t(VOID + "dataDump", ox.NamedNode(server + "dump.nq.gz")),
        t(VOID + "dataDump", ox.NamedNode(server + "dump.ttl.gz")),
        t(VOID + "uriSpace", ox.Literal(base)),
        t(VOID + "rootResource", ox.NamedNode(ONTOLOGY_GRAPH)),
        t(VOID + "feature", ox.NamedNode("http://www.w3.org/ns/formats/N-Quads")),
        t(VOID + "feature", ox.NamedNode("http://www.w3.org/ns/formats/Turtle")),
    ]
    for vocab in (
        BKG,
        CODE_GRAPH + "/",
        SKOS,
        "http://www.w3.org/ns/org#",
        "http://purl.org/linked-data/cube#",
    ):
        triples.append(t(VOID + "vocabulary", ox.NamedNode(vocab)))
    rows = store.store.query(
        "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a ?c } } GROUP BY ?c ORDER BY ?c"
    )
    for row in rows:  # type: ignore[union-attr]
        c, n = row["c"], row["n"]  # type: ignore[index]
        if not isinstance(c, ox.NamedNode) or not c.value.startswith(BKG):
            continue
        part = ox.BlankNode("class-" + c.value[len(BKG) :])
        triples += [
            t(VOID + "classPartition", part),
            ox.Triple(part, ox.NamedNode(VOID + "class"), c),
            ox.Triple(part, ox.NamedNode(VOID + "entities"), _int(int(n.value))),
        ]
    docs = store.store.query(
        f"SELECT ?d WHERE {{ GRAPH ?d {{ ?d a <{BKG}BudgetDocument> }} }} ORDER BY ?d LIMIT 1"
    )
    for row in docs:  # type: ignore[union-attr]
        triples.append(t(VOID + "exampleResource", row["d"]))  # type: ignore[index]
    reader = Reader(store)
    sections: dict[str, list[ox.Triple]] = {}
    for tr in triples:
        sections.setdefault(_key(tr.subject), []).append(tr)
    return _finish(reader, ds.value, sections, [], False)


# -- writing -------------------------------------------------------------------------------------
def _context_maps() -> tuple[dict[str, str], dict[str, tuple[str, dict[str, Any]]], dict[str, str]]:
    """From the mapping's @context: prefixes, property IRI → (term, definition), class IRI → term."""
    ctx = context()
    pfx = {k: v for k, v in ctx.items() if isinstance(v, str) and v.endswith(("#", "/"))}

    def expand(v: str) -> str:
        head, sep, tail = v.partition(":")
        return pfx[head] + tail if sep and head in pfx else v

    props: dict[str, tuple[str, dict[str, Any]]] = {}
    classes: dict[str, str] = {}
    for term, d in ctx.items():
        if term.startswith("@") or term in pfx or term in ("id", "type"):
            continue
        if isinstance(d, str):
            classes[expand(d)] = term
        elif isinstance(d, dict) and "@id" in d:
            d2 = dict(d)
            if isinstance(d2.get("@type"), str) and not d2["@type"].startswith("@"):
                d2["@type"] = expand(d2["@type"])
            props[expand(d["@id"])] = (term, d2)
    return pfx, props, classes


def _compact(iri: str, pfx: dict[str, str]) -> str:
    best = max(
        (p for p in pfx if iri.startswith(pfx[p]) and len(iri) > len(pfx[p])),
        key=lambda p: len(pfx[p]),
        default=None,
    )
    if best is None:
        return iri
    rest = iri[len(pfx[best]) :]
    return iri if rest.startswith("//") else f"{best}:{rest}"


def to_jsonld(triples: Iterable[ox.Triple]) -> dict[str, Any]:
    """Compact JSON-LD using the mapping's @context (inline, so no client has to fetch it)."""
    pfx, props, classes = _context_maps()
    nodes: dict[str, dict[str, Any]] = {}
    for t in triples:
        sid = t.subject.value if isinstance(t.subject, ox.NamedNode) else f"_:{t.subject.value}"
        node = nodes.setdefault(sid, {"id": sid})
        o = t.object
        if t.predicate.value == RDF_TYPE and isinstance(o, ox.NamedNode):
            node.setdefault("type", []).append(classes.get(o.value) or _compact(o.value, pfx))
            continue
        term, d = props.get(t.predicate.value, (_compact(t.predicate.value, pfx), {}))
        coerce, lang = d.get("@type"), d.get("@language")
        value: Any
        if isinstance(o, ox.NamedNode | ox.BlankNode):
            ref = o.value if isinstance(o, ox.NamedNode) else f"_:{o.value}"
            value = ref if coerce == "@id" else {"@id": ref}
        elif isinstance(o, ox.Literal):
            dt = o.datatype.value
            if o.language:
                value = (
                    o.value
                    if (lang == o.language and coerce is None)
                    else {"@value": o.value, "@language": o.language}
                )
            elif coerce == dt and lang is None:
                value = o.value
            elif dt == XSD + "string":
                value = o.value if (coerce is None and lang is None) else {"@value": o.value}
            else:
                value = {"@value": o.value, "@type": _compact(dt, pfx)}
        else:  # RDF-star triple terms have no place in this output
            continue
        node.setdefault(term, []).append(value)
    graph = []
    for sid in sorted(nodes):
        node = nodes[sid]
        graph.append({k: (v[0] if isinstance(v, list) and len(v) == 1 else v) for k, v in node.items()})
    return {"@context": context(), "@graph": graph}


def rdf_prefixes() -> dict[str, str]:
    """The export's prefixes, plus VoID; without ``id:`` (data IRIs have slashes, which Turtle
    would have to escape in every prefixed name)."""
    out = {k: v for k, v in prefixes().items() if k != "id"}
    return {**out, "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "void": VOID}


def serialize_rdf(triples: list[ox.Triple], mtype: str) -> bytes:
    if mtype == "application/ld+json":
        return json.dumps(to_jsonld(triples), ensure_ascii=False, indent=1).encode("utf-8")
    fmt = RDF_TYPES[mtype]
    kwargs = {"prefixes": rdf_prefixes()} if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else {}
    return ox.serialize(triples, format=fmt, **kwargs) or b""


def local_href(iri: str, root: str = "") -> str:
    """Where this server shows ``iri``: /id/… for data, /def… for the ontology and code lists."""
    base = base_iri()
    if iri.startswith(base):
        return f"{root}/id/{quote(iri[len(base) :], safe='/-_.~')}"
    if iri == ONTOLOGY_GRAPH or iri.startswith(ONTOLOGY_GRAPH + "#"):
        return f"{root}/def" + iri[len(ONTOLOGY_GRAPH) :]
    if iri.startswith(CODE_GRAPH):
        return f"{root}/def/code{quote(iri[len(CODE_GRAPH) :], safe='/-_.~')}"
    return iri


_CSS = (
    "body{font-family:system-ui,'PingFang SC','Microsoft YaHei',sans-serif;max-width:64rem;margin:2rem auto;"
    "padding:0 1rem;color:#222}table{border-collapse:collapse;width:100%;margin-bottom:1.5rem}"
    "th,td{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}"
    "th{width:30%;font-weight:500}small,code{color:#666}"
)


def render_resource_html(desc: Description, href: Callable[[str], str], formats: dict[str, str]) -> str:
    """A plain page for people. ``href(iri)`` gives the link for an IRI; ``formats`` maps a
    format name (Turtle, JSON-LD, …) to the URL of this description in that format."""
    pfx = {**prefixes(), **rdf_prefixes()}

    def name(iri: str) -> str:
        lab = desc.labels.get(iri)
        compact = _compact(iri, pfx)
        if lab:
            return f"{html.escape(lab)} <small>{html.escape(compact)}</small>"
        return html.escape(compact)

    def term(t: object) -> str:
        if isinstance(t, ox.NamedNode):
            return f'<a href="{html.escape(href(t.value))}">{name(t.value)}</a>'
        if isinstance(t, ox.BlankNode):
            return f'<a href="#b-{html.escape(t.value)}">_:{html.escape(t.value)}</a>'
        if isinstance(t, ox.Literal):
            note = t.language or _compact(t.datatype.value, pfx)
            return f"{html.escape(t.value)} <small>{html.escape(note)}</small>"
        return html.escape(str(t))

    def table(rows: list[tuple[str, str]]) -> str:
        body = "".join(f"<tr><th>{a}</th><td>{b}</td></tr>" for a, b in rows)
        return f"<table>{body}</table>"

    title = html.escape(desc.label)
    links = " · ".join(f'<a href="{html.escape(u)}">{html.escape(n)}</a>' for n, u in formats.items())
    alts = "".join(
        f'<link rel="alternate" type="{html.escape(m)}" href="{html.escape(u)}">'
        for m, u in ((FORMATS.get(n.lower(), n), u) for n, u in formats.items())
    )
    parts = [
        f'<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>{title} — budgetkg</title>',
        f'<meta name="viewport" content="width=device-width,initial-scale=1">{alts}<style>{_CSS}</style>',
        f"</head><body><h1>{title}</h1><p><code>{html.escape(desc.iri)}</code></p>",
        f"<p>Also as {links}</p>" if links else "",
    ]
    for subject, triples in desc.sections.items():
        if subject != desc.iri:
            anchor = subject[2:] if subject.startswith("_:") else subject
            heading = name(subject) if not subject.startswith("_:") else html.escape(subject)
            parts.append(f'<h2 id="b-{html.escape(anchor)}">{heading}</h2>')
        parts.append(table([(name(t.predicate.value), term(t.object)) for t in triples]))
    if desc.inbound:
        parts.append("<h2>Referenced by</h2>")
        parts.append(table([(term(t.subject), name(t.predicate.value)) for t in desc.inbound]))
        if desc.truncated:
            parts.append(f"<p><small>Only the first {INBOUND_CAP} references are shown.</small></p>")
    parts.append("</body></html>")
    return "".join(parts)


def _html_renderer() -> Callable[[Description, Callable[[str], str], dict[str, str]], str]:
    if importlib.util.find_spec("budgetkg.api.pages") is not None:
        custom = getattr(importlib.import_module("budgetkg.api.pages"), "render_resource_html", None)
        if callable(custom):
            return custom  # type: ignore[no-any-return]
    return render_resource_html


def not_found_html(iri: str) -> str:
    return (
        '<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>Not found — budgetkg</title>'
        f"<style>{_CSS}</style></head><body><h1>Not found</h1><p>Nothing is known about "
        f"<code>{html.escape(iri)}</code>.</p></body></html>"
    )


# -- negotiation and responses ----------------------------------------------------------------
def negotiate(accept: str, fmt: str | None) -> str:
    if fmt:
        if fmt.lower() not in FORMATS:
            raise ApiError(400, "Unknown format", f"format={fmt!r}; allowed: {', '.join(FORMATS)}")
        return FORMATS[fmt.lower()]
    parts = []
    for part in accept.split(","):
        mtype, sep, params = part.strip().partition(";")
        parts.append(_ALIASES.get(mtype.strip().lower(), mtype.strip()) + sep + params)
    return _negotiate(",".join(parts), OFFERED, "text/turtle")


def _format_links(request: Request) -> dict[str, str]:
    params = {k: v for k, v in request.query_params.items() if k != "format"}
    out = {}
    for label, short in (
        ("HTML", "html"),
        ("Turtle", "ttl"),
        ("JSON-LD", "jsonld"),
        ("N-Triples", "nt"),
        ("RDF/XML", "rdfxml"),
    ):
        out[label] = f"{request.url.path}?{urlencode({**params, 'format': short})}"
    return out


def respond(request: Request, desc: Description | None, iri: str, fmt: str | None) -> Response:
    mtype = negotiate(request.headers.get("accept", ""), fmt)
    vary = {"Vary": "Accept"}
    if desc is None:
        if mtype == HTML:
            return Response(
                not_found_html(iri), status_code=404, media_type="text/html; charset=utf-8", headers=vary
            )
        raise ApiError(404, "Not found", f"nothing is known about <{iri}>")
    headers = dict(vary)
    if desc.truncated:
        headers[TRUNCATED_HEADER] = "true"
    formats = _format_links(request)
    headers["Link"] = ", ".join(
        f'<{formats[label]}>; rel="alternate"; type="{mtype_}"'
        for label, mtype_ in (
            ("Turtle", "text/turtle"),
            ("JSON-LD", "application/ld+json"),
            ("N-Triples", "application/n-triples"),
            ("RDF/XML", "application/rdf+xml"),
        )
    )
    if mtype == HTML:
        root = request.scope.get("root_path", "")
        page = _html_renderer()(desc, lambda i: local_href(i, root), formats)
        return Response(page, media_type="text/html; charset=utf-8", headers=headers)
    charset = "; charset=utf-8" if mtype.startswith("text/") else ""
    return Response(serialize_rdf(desc.statements, mtype), media_type=mtype + charset, headers=headers)


# -- dumps -----------------------------------------------------------------------------------------
# A superset of privacy.PHONE without look-arounds (which SPARQL regexes lack): when no text literal
# matches it, the store is dumped natively; otherwise quads go through the filter in Python.
_SPARQL_PHONE = "[1１][3-9３-９][0-9０-９][ -]?[0-9０-９]{4}[ -]?[0-9０-９]{4}"


def _may_hold_personal_data(store: GraphStore) -> bool:
    return bool(
        store.store.query(
            'ASK { GRAPH ?g { ?s ?p ?o FILTER(isLiteral(?o) && (LANG(?o) != "" || '
            f'DATATYPE(?o) = <{XSD}string>) && REGEX(STR(?o), "{_SPARQL_PHONE}")) }} }}'
        )
    )


def write_dump(store: GraphStore, kind: str, out: Path) -> None:
    """``nq``: N-Quads, one named graph per document; ``ttl``: Turtle, the union of the graphs."""
    redact = privacy.enabled() and _may_hold_personal_data(store)
    with gzip.open(out, "wb") as gz:
        if kind == "nq":
            if redact:
                ox.serialize((privacy.redact_quad(q) for q in store.store), gz, format=ox.RdfFormat.N_QUADS)
            else:
                store.store.dump(gz, format=ox.RdfFormat.N_QUADS)
        else:
            triples = {ox.Triple(q.subject, q.predicate, q.object) for q in store.store}
            if redact:
                triples = {privacy.redact_triple(t) for t in triples}
            ox.serialize(sorted(triples, key=str), gz, format=ox.RdfFormat.TURTLE, prefixes=prefixes())


class Dumps:
    """Dumps are written once per store state (the server's store is read-only) into a temporary
    folder and served as files; a changed store (tests) or setting gets fresh ones."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self.lock = threading.Lock()
        self.folder = tempfile.TemporaryDirectory(prefix="budgetkg-dumps-")
        self.made: dict[str, tuple[tuple[int, bool], Path]] = {}

    def path(self, kind: str) -> Path:
        state = (len(self.store), privacy.enabled())
        with self.lock:
            made = self.made.get(kind)
            if made is not None and made[0] == state:
                return made[1]
            path = Path(self.folder.name) / f"budgetkg-{state[0]}-{int(state[1])}.{kind}.gz"
            tmp = path.with_suffix(".part")
            write_dump(self.store, kind, tmp)
            tmp.replace(path)
            self.made[kind] = (state, path)
            return path


# -- the router ------------------------------------------------------------------------------------
FormatParam = Annotated[
    str | None, Query(description="html, ttl, jsonld, nt or rdfxml; overrides the Accept header")
]
_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The description, in the negotiated format",
        "content": {m: {} for m in (HTML, *RDF_TYPES)},
    },
    404: {"description": "Nothing is known about this IRI (JSON error, or an HTML page for text/html)"},
}


def _server(request: Request) -> str:
    return str(request.base_url)


def _get_and_head(
    router: APIRouter, path: str, **kwargs: Any
) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Register one handler for GET and HEAD as two routes: one ``api_route`` with both methods
    gives both operations the same OpenAPI operation id (FastAPI derives it from the first method)."""

    def register(handler: Callable[..., T]) -> Callable[..., T]:
        router.head(path, **kwargs)(handler)
        return router.get(path, **kwargs)(handler)

    return register


def linked_data_router(store: GraphStore) -> APIRouter:
    router = APIRouter(tags=["linked data"])
    dumps = Dumps(store)
    void_cache: dict[tuple[int, str, str], Description] = {}

    def void(request: Request) -> Description:
        key = (len(store), _server(request), base_iri())
        if key not in void_cache:
            void_cache.clear()
            void_cache[key] = void_description(store, _server(request))
        return void_cache[key]

    @_get_and_head(router, "/id/{path:path}", summary="Dereference a data IRI", responses=_RESPONSES)
    def data_resource(path: str, request: Request, format: FormatParam = None) -> Response:
        """``{BUDGETKG_BASE_IRI}{path}``, e.g. ``/id/region/141123`` or a project's
        ``/id/doc/141123-…/2023/project/…``."""
        iri = base_iri() + path
        if path == "dataset":
            return respond(request, void(request), iri, format)
        return respond(request, describe(store, iri), iri, format)

    @_get_and_head(router, "/def", summary="The ontology", responses=_RESPONSES)
    def ontology(request: Request, format: FormatParam = None) -> Response:
        return respond(request, describe(store, ONTOLOGY_GRAPH), ONTOLOGY_GRAPH, format)

    @_get_and_head(router, "/def/{path:path}", summary="Code lists and concepts", responses=_RESPONSES)
    def ontology_part(path: str, request: Request, format: FormatParam = None) -> Response:
        """``/def/code`` lists the concept schemes; ``/def/code/function/201`` is one concept."""
        iri = f"{ONTOLOGY_GRAPH}/{path}".rstrip("/")
        return respond(request, describe(store, iri), iri, format)

    @_get_and_head(router, "/resource", summary="Describe any IRI", responses=_RESPONSES)
    def any_resource(
        request: Request,
        iri: Annotated[
            str,
            Query(description="the IRI to describe", examples=["https://w3id.org/budgetkg/id/region/141123"]),
        ],
        format: FormatParam = None,
    ) -> Response:
        """The same descriptions as ``/id/…`` and ``/def…``, for IRIs whose base is not this server."""
        if iri == base_iri() + "dataset":
            return respond(request, void(request), iri, format)
        return respond(request, describe(store, iri), iri, format)

    @_get_and_head(router, "/void", summary="VoID description of the dataset", responses=_RESPONSES)
    def void_document(request: Request, format: FormatParam = None) -> Response:
        return respond(request, void(request), base_iri() + "dataset", format)

    @_get_and_head(router, "/.well-known/void", include_in_schema=False)
    def well_known_void(request: Request, format: FormatParam = None) -> Response:
        return respond(request, void(request), base_iri() + "dataset", format)

    def dump(kind: str, filename: str) -> FileResponse:
        return FileResponse(
            dumps.path(kind),
            media_type="application/gzip",
            filename=filename,
            headers={"Cache-Control": "public, max-age=3600"},
        )

    @router.get(
        "/dump.nq.gz",
        summary="Full dump, N-Quads (one named graph per document), gzip",
        response_class=FileResponse,
        responses={200: {"content": {"application/gzip": {}}}},
    )
    def dump_nquads() -> FileResponse:
        return dump("nq", "budgetkg.nq.gz")

    @router.get(
        "/dump.ttl.gz",
        summary="Full dump, Turtle (the union of all graphs), gzip",
        response_class=FileResponse,
        responses={200: {"content": {"application/gzip": {}}}},
    )
    def dump_turtle() -> FileResponse:
        return dump("ttl", "budgetkg.ttl.gz")

    @router.get("/context.jsonld", summary="The JSON-LD @context of every JSON-LD answer")
    def jsonld_context() -> Response:
        body = json.dumps({"@context": context()}, ensure_ascii=False, indent=1)
        return Response(body, media_type="application/ld+json")

    return router
