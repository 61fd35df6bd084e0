"""Docs and tables that cannot drift: every key the loader can emit maps to an ontology term
whose skos:notation is that key, and every context term names a property the ontology defines."""

from __future__ import annotations

import json
from importlib import resources

import pytest
import rdflib
from rdflib.namespace import OWL, RDF, SKOS

from budgetkg.loader import tables
from budgetkg.mappings.mapper import context, vocab
from budgetkg.ontology import ontology_graph

BKG = "https://w3id.org/budgetkg/def#"


def _iri(compact: str) -> rdflib.URIRef:
    prefix, _, local = compact.partition(":")
    assert prefix == "bkg", compact
    return rdflib.URIRef(BKG + local)


@pytest.mark.parametrize("table", sorted(vocab()))
def test_every_vocab_value_is_an_ontology_term_with_that_notation(table: str) -> None:
    g = ontology_graph()
    for key, compact in vocab()[table].items():
        term = _iri(compact)
        assert (term, RDF.type, None) in g, f"{compact} ({table}.{key}) is not defined in the ontology"
        notations = {str(n) for n in g.objects(term, SKOS.notation)}
        if table != "basis_type":  # the basis classes are classes, not coded individuals
            assert key in notations, f"{compact} has notation {notations}, expected {key!r}"


def test_every_loader_fund_source_has_a_mapping() -> None:
    assert set(tables.FUND_SOURCES) <= set(vocab()["fund_source"])


def test_every_fund_source_individual_is_mapped() -> None:
    g = ontology_graph()
    individuals = set(g.subjects(RDF.type, rdflib.URIRef(BKG + "FundSource")))
    mapped = {_iri(v) for v in vocab()["fund_source"].values()}
    assert individuals == mapped


def test_context_terms_are_ontology_or_standard_properties() -> None:
    g = ontology_graph()
    ctx = context()
    prefixes = {k: v for k, v in ctx.items() if isinstance(v, str) and v.endswith(("#", "/"))}
    missing = []
    for term, spec in ctx.items():
        if not isinstance(spec, dict):
            continue
        prefix, _, local = spec["@id"].partition(":")
        iri = rdflib.URIRef(prefixes[prefix] + local)
        if prefix == "bkg" and (iri, RDF.type, None) not in g:
            missing.append(term)
    assert not missing, f"context terms without an ontology property: {missing}"
    assert (rdflib.URIRef(BKG + "amount"), RDF.type, OWL.DatatypeProperty) in g


def test_vocab_file_is_valid_json_with_a_comment() -> None:
    data = json.loads(resources.files("budgetkg.mappings").joinpath("vocab.json").read_text("utf-8"))
    assert "_comment" in data


def test_loader_indicator_categories_are_in_the_code_list() -> None:
    """The loader's canonical 二级指标 (loader/indicators.py) and the SKOS list must agree, or an
    indicator points at a concept that does not exist."""
    import csv

    from budgetkg.loader.indicators import LEVEL2
    from budgetkg.ontology import CODELISTS_TTL

    rows = list(csv.DictReader((CODELISTS_TTL.parent / "indicators.csv").open(encoding="utf-8")))
    broader = {r["name"]: r["broader"] for r in rows}
    for level2, level1 in LEVEL2.items():
        assert level2 in broader, f"{level2} missing from ontology/codelists/indicators.csv"
        if broader[level2]:
            assert broader[level2] == level1 or level2 == "成本指标", (level2, broader[level2], level1)
