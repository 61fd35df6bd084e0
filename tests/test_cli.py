"""`budgetkg export` and `budgetkg validate` on a small store built from the mapping golden case."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
import rdflib

from budgetkg.api.cli import main
from budgetkg.loader.records import ParsedDocument
from budgetkg.loader.store import GraphStore
from budgetkg.mappings.mapper import map_document


def _store(path: Path, doc: ParsedDocument) -> Path:
    store = GraphStore(path)
    mapped = map_document(doc)
    store.replace_document(mapped.doc_iri, mapped.quads())
    store.flush()
    del store
    return path


@pytest.mark.parametrize(("fmt", "parser"), [("nquads", "nquads"), ("trig", "trig"), ("jsonld", "json-ld")])
def test_export_dataset_formats_keep_document_graphs(
    tmp_path: Path, example_doc: ParsedDocument, fmt: str, parser: str
) -> None:
    store = _store(tmp_path / "s", example_doc)
    out = tmp_path / f"out.{fmt}"
    assert main(["export", "--store", str(store), "--format", fmt, "-o", str(out)]) == 0
    ds = rdflib.Dataset()
    ds.parse(out, format=parser)
    doc_iri = map_document(example_doc).doc_iri
    graph = ds.graph(rdflib.URIRef(doc_iri))
    amounts = {
        Decimal(str(o)) for o in graph.objects(None, rdflib.URIRef("https://w3id.org/budgetkg/def#amount"))
    }
    assert amounts == {Decimal("4731600"), Decimal("488000")}


def test_export_turtle_is_the_union(tmp_path: Path, example_doc: ParsedDocument) -> None:
    store = _store(tmp_path / "s", example_doc)
    out = tmp_path / "out.ttl"
    assert main(["export", "--store", str(store), "--format", "turtle", "-o", str(out)]) == 0
    g = rdflib.Graph().parse(out, format="turtle")
    assert (None, rdflib.SKOS.prefLabel, rdflib.Literal("示例县人民政府办公室", lang="zh")) in g
    assert (None, rdflib.RDF.type, rdflib.OWL.Ontology) in g  # the ontology graph is part of the union


def test_export_without_store_is_a_clean_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--store", str(tmp_path / "none")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "none" in err and "Traceback" not in err


def test_validate_reports_arithmetic_violation(
    tmp_path: Path, example_doc: ParsedDocument, capsys: pytest.CaptureFixture[str]
) -> None:
    # The 类 201 project column no longer matches its total column: basic + project ≠ total.
    example_doc.lines[2].amount = Decimal("4000000")
    store = _store(tmp_path / "s", example_doc)
    code = main(["validate", "--store", str(store), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1 and report["conforms"] is False
    results = report["documents"][0]["results"]
    assert any(
        r["severity"] == "Violation" and r["shape"].endswith("RowTotalShape") and "201" in r["message"]
        for r in results
    ), results


def test_validate_text_format_on_conforming_store(
    tmp_path: Path, example_doc: ParsedDocument, capsys: pytest.CaptureFixture[str]
) -> None:
    store = _store(tmp_path / "s", example_doc)
    code = main(["validate", "--store", str(store)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "1 documents, 0 violations" in out
