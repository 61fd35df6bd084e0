"""SHACL validation, one document at a time.

Each document's graph is validated together with the shared resources it references (its unit,
regions, legal bases, issuers, code concepts with their broader chains), copied into a small
in-memory pyoxigraph store. Cost therefore grows linearly with the number of documents instead
of with the size of the whole store.

Validation runs once per ingested document, so its speed is the pipeline's: pySHACL runs only on
the focus nodes that may have results (loader/validate_prefilter.py: native checks and one query
per SHACL-SPARQL rule name them; the report is still pySHACL's own). See the header of
ontology/shapes.ttl for how the shapes are written for that, and the two patches below for what
pySHACL 0.40.1 does per call that it need not.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

import pyoxigraph as ox
import pyshacl
import rdflib

from budgetkg.loader.store import GraphStore
from budgetkg.loader.validate_prefilter import Prefilter

SH = "http://www.w3.org/ns/shacl#"
_SH = rdflib.Namespace(SH)


def _patch_pyshacl_truthiness() -> None:
    """pySHACL 0.40.1 tests ``datagraph or shapes_graph`` when building each result, and on an
    Oxigraph data graph truthiness is ``len()``, a COUNT over the whole store: quadratic in the
    number of results (3.8 s of 5 s on one seed). Fixed upstream in 0.40.2, which is not on PyPI
    here; a data graph object is always "something", so make it truthy without counting."""
    from pyshacl import graph_abstraction

    cls = getattr(graph_abstraction, "OxigraphDataGraph", None)
    if cls is not None and "__bool__" not in vars(cls):
        cls.__bool__ = lambda self: True


def _patch_pyshacl_sparql_checks() -> None:
    """pySHACL checks a SHACL-SPARQL text with regexes (no MINUS, VALUES or SERVICE; nested SELECTs
    project the pre-bound variables) every time it runs the query, i.e. once per focus node, and
    those regexes backtrack over the rest of the text from every line: ~3 ms per run of an
    arithmetic query, a third of the whole validation of a document before this patch. The check
    depends only on the text and on which variables may be pre-bound, so a text that passed once
    passes again: remember it. A text that fails is checked (and raises) every time, as before."""
    from pyshacl.helper.sparql_query_helper import SPARQLQueryHelper

    check = SPARQLQueryHelper.check_invalid_sparql
    expected = ["self", "sparql_text", "valuenode", "extravars"]
    if getattr(check, "_budgetkg_memo", False) or list(inspect.signature(check).parameters) != expected:
        return
    passed: set[tuple[str, bool, frozenset[str]]] = set()

    @functools.wraps(check)
    def check_once(self, sparql_text, valuenode=None, extravars=None):
        key = (sparql_text, valuenode is not None, frozenset(extravars or ()))
        if key not in passed:
            check(self, sparql_text, valuenode=valuenode, extravars=extravars)
            passed.add(key)
        return True

    check_once._budgetkg_memo = True  # type: ignore[attr-defined]
    SPARQLQueryHelper.check_invalid_sparql = check_once


_patch_pyshacl_truthiness()
_patch_pyshacl_sparql_checks()

# Links along which a document reaches shared resources; the closure over them is what a
# document's shapes may look at. Deliberately not "every predicate": code lists link every
# concept to its scheme, and following that would copy whole code lists into each validation.
_BKG = "https://w3id.org/budgetkg/def#"
_REACH = frozenset(
    [
        _BKG + p
        for p in (
            "budgetUnit",
            "region",
            "functionClass",
            "economicClass",
            "sanGongItem",
            "indicatorCategory",
            "hasLegalBasis",
            "citesBasis",
            "targetBasis",
            "issuer",
            "fundSource",
            "expenditureType",
        )
    ]
    + ["http://www.w3.org/2004/02/skos/core#broader", "http://www.w3.org/ns/org#hasSubOrganization"]
)
_REACH_NODES = frozenset(ox.NamedNode(p) for p in _REACH)

# Core SHACL + SHACL-SPARQL only (no SHACL-AF: advanced mode would also copy the data graph first).
# allow_infos/allow_warnings: rounding notes and unknown codes do not make pySHACL's verdict false;
# Report.conforms counts violations itself anyway.
_PYSHACL_OPTIONS = {"inference": "none", "advanced": False, "allow_infos": True, "allow_warnings": True}


@dataclass
class Result:
    severity: str  # "Violation" | "Warning" | "Info"
    focus: str
    message: str  # the Chinese sh:message if the shape has one, else the English / pySHACL's own
    shape: str | None = None
    path: str | None = None
    message_en: str | None = None  # the English sh:message, else pySHACL's own (None if only zh)


@dataclass
class Report:
    document: str
    results: list[Result] = field(default_factory=list)

    @property
    def conforms(self) -> bool:
        return not any(r.severity == "Violation" for r in self.results)

    def count(self, severity: str) -> int:
        return sum(1 for r in self.results if r.severity == severity)


@cache
def shapes_graph() -> rdflib.Graph:
    """The shapes, parsed once per process (shared with budgetkg.ontology.shapes_graph)."""
    from budgetkg.ontology import shapes_graph as ontology_shapes_graph

    return ontology_shapes_graph()


def document_data(store: GraphStore, doc_iri: str) -> ox.Store:
    """The document's triples plus the shared resources it reaches, all in the default graph.

    The document graph is copied inside Oxigraph (an N-Triples dump of the named graph loaded
    into the default graph, no Python object per triple); the shared resources it links to are
    then found breadth-first with index lookups. A path query over the union graph does the same
    in ~0.5 s per document, this in ~30 ms, most of it reading the document from disk.
    """
    doc_graph = ox.NamedNode(doc_iri)
    data = ox.Store()
    # lenient: the triples come from our own store, already parsed and checked once.
    nt = store.store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=doc_graph)
    data.load(nt, format=ox.RdfFormat.N_TRIPLES, lenient=True)
    shared = store_closure(
        store, doc_iri, (q for p in _REACH_NODES for q in data.quads_for_pattern(None, p, None))
    )
    data.extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in shared)
    return data


def store_closure(store: GraphStore, doc_iri: str, doc_quads: Iterable[ox.Quad]) -> set[ox.Triple]:
    """The triples about the shared resources the document reaches (breadth-first along _REACH),
    from every graph of ``store`` but the document's own. ``doc_quads`` are the document graph's
    quads (or its triples in the default graph): the closure starts from them, so a caller that
    has just written the document need not read it back."""
    doc_graph = ox.NamedNode(doc_iri)
    frontier = {
        q.object
        for q in doc_quads
        if q.predicate in _REACH_NODES
        and isinstance(q.object, ox.NamedNode)
        and q.graph_name in (doc_graph, ox.DefaultGraph())
    }
    seen: set[ox.NamedNode] = set()
    triples: set[ox.Triple] = set()
    while frontier:
        node = frontier.pop()
        seen.add(node)
        for q in store.store.quads_for_pattern(node, None, None, None):
            if q.graph_name == doc_graph:
                continue
            triples.add(q.triple)
            if q.predicate.value in _REACH and isinstance(q.object, ox.NamedNode) and q.object not in seen:
                frontier.add(q.object)
    return triples


def _template(message: str) -> re.Pattern[str]:
    """An sh:message as a pattern matching its text after pySHACL filled in the {?var}s."""
    parts = re.split(r"\{[$?][^{}]+\}", message)
    return re.compile(".*?".join(map(re.escape, parts)), re.S)


@cache
def _message_languages() -> dict[str, list[tuple[re.Pattern[str], str | None]]]:
    """sh:message templates per shape / SPARQL constraint, with their language. pySHACL returns a
    SHACL-SPARQL message with its placeholders filled in as a new literal without the language
    tag; matching it against the templates gets the tag back."""
    g = shapes_graph()
    out: dict[str, list[tuple[re.Pattern[str], str | None]]] = {}
    for node, message in g.subject_objects(_SH.message):
        if isinstance(message, rdflib.Literal):
            out.setdefault(str(node), []).append((_template(str(message)), message.language))
    return out


def _language(message: rdflib.Literal, sources: Iterable[str | None]) -> str | None:
    if message.language:
        return message.language
    text = str(message)
    for source in sources:
        for pattern, language in _message_languages().get(source or "", ()):
            if pattern.fullmatch(text):
                return language
    return None


def _result(report: rdflib.Graph, node: rdflib.term.Node) -> Result:
    def text(prop: str) -> str | None:
        value = report.value(node, _SH[prop])
        return str(value) if value is not None else None

    shape, constraint = text("sourceShape"), text("sourceConstraint")
    by_language: dict[str | None, list[str]] = {}
    for message in report.objects(node, _SH.resultMessage):
        if isinstance(message, rdflib.Literal):
            by_language.setdefault(_language(message, (constraint, shape)), []).append(str(message))

    def first(*languages: str | None) -> str | None:
        for language in languages:
            if by_language.get(language):
                return min(by_language[language])
        return None

    return Result(
        severity=(text("resultSeverity") or SH + "Violation").removeprefix(SH),
        focus=text("focusNode") or "",
        message=first("zh", None, "en") or "",
        shape=shape,
        path=text("resultPath"),
        message_en=first("en", None),
    )


def validate_with_pyshacl(data: ox.Store) -> rdflib.Graph:
    """pySHACL's report graph for one validation store, every shape on every focus node: what
    :func:`_validate_data` must equal (tests/test_validate_speed_equivalence.py)."""
    _conforms, report_graph, _text_report = pyshacl.validate(
        data, shacl_graph=shapes_graph(), **_PYSHACL_OPTIONS
    )
    return report_graph


@cache
def _prefilter() -> Prefilter | None:
    """The shapes compiled once per process; None if they use what the prefilter cannot take."""
    try:
        return Prefilter(shapes_graph(), _PYSHACL_OPTIONS)
    except ValueError:
        return None


def _validate_data(data: ox.Store) -> rdflib.Graph:
    """pySHACL's report graph for one validation store, as validate_document runs it: pySHACL on
    the focus nodes that may have results only (loader/validate_prefilter.py), ~5× less CPU."""
    prefilter = _prefilter()
    return prefilter.validate(data) if prefilter is not None else validate_with_pyshacl(data)


def _report(doc_iri: str, report_graph: rdflib.Graph) -> Report:
    report = Report(doc_iri)
    for node in report_graph.subjects(rdflib.RDF.type, _SH.ValidationResult):
        report.results.append(_result(report_graph, node))
    report.results.sort(key=lambda r: (r.severity, r.focus, r.shape or "", r.path or "", r.message))
    return report


def validate_document(store: GraphStore, doc_iri: str) -> Report:
    """Validate a document as the store holds it, with every shared triple the store has."""
    return _report(doc_iri, _validate_data(document_data(store, doc_iri)))


def validate_ntriples(doc_iri: str, doc_nt: bytes, shared_nt: bytes) -> Report:
    """:func:`validate_document` without the store: the document graph's triples and the shared
    triples :func:`store_closure` found for it, as N-Triples. Given what the store holds, the
    report is the same; this is what ``budgetkg ingest --jobs N`` runs in its worker processes."""
    data = ox.Store()
    # lenient: both were serialised by pyoxigraph from terms it had already checked.
    data.load(doc_nt, format=ox.RdfFormat.N_TRIPLES, lenient=True)
    data.load(shared_nt, format=ox.RdfFormat.N_TRIPLES, lenient=True)
    return _report(doc_iri, _validate_data(data))
