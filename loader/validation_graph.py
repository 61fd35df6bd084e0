"""A document's SHACL validation report as RDF, stored beside the document.

``budgetkg ingest`` validates each document (:func:`budgetkg.loader.validate.validate_document`);
:func:`report_quads` turns that :class:`~budgetkg.loader.validate.Report` into quads for the named
graph ``<{doc_iri}/validation>``, in the standard SHACL results vocabulary, so the named query
``validation-issues`` (and any SPARQL client) can ask which documents do not add up::

    <{doc}/validation> a sh:ValidationReport ;
        bkg:validates <{doc}> ;
        sh:conforms false ;
        sh:result <{doc}/validation/result/{h}> , … .
    <{doc}/validation/result/{h}> a sh:ValidationResult ;
        sh:focusNode <…/table/expenditure_summary> ;
        sh:resultSeverity sh:Info ;                 # sh:Violation | sh:Warning | sh:Info
        sh:resultMessage "表「…」合计行（basic 栏）：…" ;
        sh:sourceShape bkgsh:TableTotalRoundingShape ;
        sh:resultPath …                             # when the result has one

``{h}`` hashes severity, focus node, message, shape and path (``budgetkg.mappings.iris.h``), so the
same report always yields the same quads. Re-validating a document must replace the graph whole
(``DROP SILENT GRAPH <{doc}/validation>`` then insert), exactly like the document graph itself.
"""

from __future__ import annotations

import re

import pyoxigraph as ox

from budgetkg.loader.store import GraphStore, _insert_data
from budgetkg.loader.validate import Report
from budgetkg.mappings.iris import BKG, h

SH = "http://www.w3.org/ns/shacl#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_XSD_BOOL = ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean")
_SEVERITIES = {"Violation", "Warning", "Info"}
_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|^`\\]*$")


def validation_graph_iri(doc_iri: str) -> str:
    """The named graph (and the report's IRI) holding a document's validation report."""
    return f"{doc_iri}/validation"


def _sh(local: str) -> ox.NamedNode:
    return ox.NamedNode(SH + local)


def _node(text: str) -> ox.NamedNode | ox.Literal:
    """A focus node, shape or path as reported: an IRI when it is one, else its text."""
    return ox.NamedNode(text) if _ABSOLUTE_IRI.match(text) else ox.Literal(text)


def report_quads(report: Report, doc_iri: str) -> list[ox.Quad]:
    """The quads of ``report`` (the validation of ``doc_iri``), all in ``<{doc_iri}/validation>``."""
    graph = ox.NamedNode(validation_graph_iri(doc_iri))
    node = graph  # the report is named like its graph
    quads = [
        ox.Quad(node, RDF_TYPE, _sh("ValidationReport"), graph),
        ox.Quad(node, ox.NamedNode(BKG + "validates"), ox.NamedNode(doc_iri), graph),
        ox.Quad(node, _sh("conforms"), ox.Literal(str(report.conforms).lower(), datatype=_XSD_BOOL), graph),
    ]
    seen: set[str] = set()
    for res in report.results:
        severity = res.severity if res.severity in _SEVERITIES else "Violation"
        key = h("\x1f".join((severity, res.focus, res.message, res.shape or "", res.path or "")))
        if key in seen:
            continue
        seen.add(key)
        r = ox.NamedNode(f"{validation_graph_iri(doc_iri)}/result/{key}")
        quads += [
            ox.Quad(node, _sh("result"), r, graph),
            ox.Quad(r, RDF_TYPE, _sh("ValidationResult"), graph),
            ox.Quad(r, _sh("resultSeverity"), _sh(severity), graph),
            ox.Quad(r, _sh("focusNode"), _node(res.focus), graph),
            ox.Quad(r, _sh("resultMessage"), ox.Literal(res.message), graph),
        ]
        if res.shape:
            quads.append(ox.Quad(r, _sh("sourceShape"), _node(res.shape), graph))
        if res.path:
            quads.append(ox.Quad(r, _sh("resultPath"), _node(res.path), graph))
    return quads


def store_report(store: GraphStore, report: Report) -> None:
    """Replace ``<{report.document}/validation>`` in ``store`` with ``report``, in one transaction."""
    graph = validation_graph_iri(report.document)
    quads = report_quads(report, report.document)
    store.store.update(f"DROP SILENT GRAPH <{graph}> ;\n" + _insert_data(quads))
