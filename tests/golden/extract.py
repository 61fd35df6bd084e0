"""Read each fact type back from the graph with SPARQL (the graph, not the loader's records: the
golden test checks what a user of the store gets)."""

from __future__ import annotations

from typing import Any

from budgetkg.loader.store import GraphStore

PREFIXES = """PREFIX bkg: <https://w3id.org/budgetkg/def#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX qb: <http://purl.org/linked-data/cube#>
"""

QUERIES: dict[str, str] = {
    "unit": """SELECT ?name ?code ?region ?year WHERE {
        ?d a bkg:BudgetDocument ; bkg:budgetUnit ?u ; bkg:fiscalYear ?year .
        ?u skos:prefLabel ?name . OPTIONAL { ?u bkg:unitCode ?code }
        OPTIONAL { ?u bkg:region/bkg:adcode ?region } }""",
    "table": """SELECT ?kind ?empty ?line WHERE {
        ?t a bkg:BudgetTable ; bkg:tableKind ?kind ; bkg:isEmpty ?empty .
        OPTIONAL { ?t bkg:sourceLine ?line } }""",
    "total": """SELECT ?table ?column ?amount ?line WHERE {
        ?l a bkg:BudgetLine ; bkg:isTableTotal true ; qb:dataSet/bkg:tableKind ?table ;
           bkg:column ?column ; bkg:amount ?amount .
        OPTIONAL { ?l bkg:sourceLine ?line } }""",
    # A table line is a coded row: function class, economic class, or a 三公 item (``sg-<key>``,
    # the row key of its IRI). Rows without a code (project rows, 收支总表 items) are not lines:
    # projects are their own fact type.
    "line": """SELECT ?table ?code ?column ?amount ?line WHERE {
        ?l a bkg:BudgetLine ; qb:dataSet/bkg:tableKind ?table ; bkg:column ?column ; bkg:amount ?amount .
        FILTER NOT EXISTS { ?l bkg:isTableTotal true }
        { ?l bkg:functionClass/skos:notation ?code } UNION { ?l bkg:economicClass/skos:notation ?code }
        UNION { ?l bkg:sanGongItem/skos:notation ?item BIND(CONCAT("sg-", STR(?item)) AS ?code) }
        OPTIONAL { ?l bkg:sourceLine ?line } }""",
    "project": """SELECT ?name ?amount ?line WHERE {
        ?p a bkg:Project ; rdfs:label ?name . OPTIONAL { ?p bkg:amount ?amount }
        OPTIONAL { ?p bkg:sourceLine ?line } }""",
    # A basis is titled (dcterms:title) or, when informal or an untitled decision, labelled.
    "citation": """SELECT ?project ?title ?number ?line WHERE {
        ?p a bkg:Project ; rdfs:label ?project ; bkg:cites ?c . ?c bkg:citesBasis ?b .
        OPTIONAL { ?b dcterms:title ?t } OPTIONAL { ?b rdfs:label ?lab }
        BIND(COALESCE(?t, ?lab) AS ?title)
        OPTIONAL { ?b bkg:documentNumber ?number } OPTIONAL { ?c bkg:sourceLine ?line } }""",
    "indicator": """SELECT ?project ?level1 ?level2 ?name ?target ?line WHERE {
        ?p a bkg:Project ; rdfs:label ?project ; bkg:hasIndicator ?i .
        ?i rdfs:label ?name ; bkg:indicatorCategory ?c2 .
        ?c2 skos:prefLabel ?level2 . OPTIONAL { ?c2 skos:broader/skos:prefLabel ?level1 }
        OPTIONAL { ?i bkg:targetText ?target } OPTIONAL { ?i bkg:sourceLine ?line } }""",
}


def _value(term: Any) -> Any:
    if term is None:
        return None
    value = term.value
    datatype = getattr(getattr(term, "datatype", None), "value", "")
    if datatype.endswith("#boolean"):
        return value == "true"
    if datatype.endswith("#integer") or datatype.endswith("#gYear"):
        return int(value)
    return value


def extract(store: GraphStore) -> dict[str, list[dict[str, Any]]]:
    """Every fact type as a list of dicts with clear text (fingerprinted only when compared)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for kind, query in QUERIES.items():
        rows = store.query(PREFIXES + query)
        names = [v.value for v in rows.variables]  # type: ignore[attr-defined]
        out[kind] = [{n: _value(row[n]) for n in names} for row in rows]  # type: ignore[attr-defined]
    return out
