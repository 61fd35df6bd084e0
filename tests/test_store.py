"""The embedded store: one graph per document, atomic replacement, ontology kept in step."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from budgetkg.loader import store as store_mod
from budgetkg.loader.records import ParsedDocument
from budgetkg.loader.store import GraphStore
from budgetkg.mappings.iris import CODE_GRAPH, ONTOLOGY_GRAPH
from budgetkg.mappings.mapper import map_document


def _graph_size(store: GraphStore, iri: str) -> int:
    return sum(1 for _ in store.graph_quads(iri))


def test_document_lives_in_its_own_named_graph(memory_store: GraphStore, example_doc: ParsedDocument) -> None:
    mapped = map_document(example_doc)
    memory_store.replace_document(mapped.doc_iri, mapped.quads())
    assert memory_store.documents() == [mapped.doc_iri]
    doc_triples = _graph_size(memory_store, mapped.doc_iri)
    assert doc_triples == sum(1 for q in mapped.quads() if q.graph_name.value == mapped.doc_iri)
    assert _graph_size(memory_store, ONTOLOGY_GRAPH) > 100
    assert _graph_size(memory_store, CODE_GRAPH) > 100


def test_reingest_replaces_the_graph_whole(memory_store: GraphStore, example_doc: ParsedDocument) -> None:
    first = map_document(example_doc)
    memory_store.replace_document(first.doc_iri, first.quads())
    example_doc.lines = example_doc.lines[:1]
    example_doc.projects = []
    second = map_document(example_doc)
    assert second.doc_iri == first.doc_iri
    memory_store.replace_document(second.doc_iri, second.quads())
    got = {str(q) for q in memory_store.graph_quads(second.doc_iri)}
    # The store keeps xsd:decimal values in canonical form ("4731600.00" → "4731600"): compare
    # against the new quads as the store would hold them.
    canonical = ox.Store()
    canonical.extend(q for q in second.quads() if q.graph_name.value == second.doc_iri)
    assert got == {str(q) for q in canonical}


def test_shared_resources_are_merged_not_duplicated(
    memory_store: GraphStore, example_doc: ParsedDocument
) -> None:
    a = map_document(example_doc)
    memory_store.replace_document(a.doc_iri, a.quads())
    example_doc.fiscal_year = 2024  # another year of the same unit cites the same notice
    b = map_document(example_doc)
    memory_store.replace_document(b.doc_iri, b.quads())
    rows = list(
        memory_store.query(
            "SELECT (COUNT(DISTINCT ?l) AS ?n) (COUNT(?t) AS ?titles) WHERE { "
            "?l a <https://w3id.org/budgetkg/def#LegalBasis> ; <http://purl.org/dc/terms/title> ?t }"
        )
    )
    assert rows[0]["n"].value == "1"
    assert rows[0]["titles"].value == "1"


def test_failed_replacement_leaves_the_store_as_it_was(
    memory_store: GraphStore, example_doc: ParsedDocument, monkeypatch: pytest.MonkeyPatch
) -> None:
    mapped = map_document(example_doc)
    memory_store.replace_document(mapped.doc_iri, mapped.quads())
    before = sorted(str(q) for q in memory_store.store)
    # Break the INSERT half of the update: the DROP half must not survive on its own.
    monkeypatch.setattr(store_mod, "_insert_data", lambda quads: "INSERT DATA { this is not sparql }")
    with pytest.raises(SyntaxError):
        memory_store.replace_document(mapped.doc_iri, mapped.quads())
    assert sorted(str(q) for q in memory_store.store) == before


def test_on_disk_store_persists_and_opens_read_only(store_dir, example_doc: ParsedDocument) -> None:
    s = GraphStore(store_dir)
    mapped = map_document(example_doc)
    s.replace_document(mapped.doc_iri, mapped.quads())
    s.flush()
    del s
    ro = GraphStore(store_dir, read_only=True)
    assert ro.documents() == [mapped.doc_iri]


def test_validation_report_is_stored_and_dropped_on_replacement(
    memory_store: GraphStore, example_doc: ParsedDocument
) -> None:
    from decimal import Decimal

    from budgetkg.loader.validate import validate_document
    from budgetkg.loader.validation_graph import store_report

    example_doc.lines[2].amount = Decimal("4000000")  # basic + project ≠ total
    mapped = map_document(example_doc)
    memory_store.replace_document(mapped.doc_iri, mapped.quads())
    store_report(memory_store, validate_document(memory_store, mapped.doc_iri))
    ask = (
        "PREFIX sh: <http://www.w3.org/ns/shacl#> PREFIX bkg: <https://w3id.org/budgetkg/def#> "
        f"ASK {{ ?r bkg:validates <{mapped.doc_iri}> ; sh:conforms false ; sh:result ?x . "
        "?x sh:resultSeverity sh:Violation }"
    )
    assert memory_store.query(ask).__bool__() is True
    memory_store.replace_document(mapped.doc_iri, mapped.quads())
    assert memory_store.query(ask).__bool__() is False
