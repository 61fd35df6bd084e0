"""Whole-graph export in the standard serialisations."""

from __future__ import annotations

from typing import BinaryIO

import pyoxigraph as ox

from budgetkg.loader.store import GraphStore
from budgetkg.mappings.iris import BKG, base_iri

PREFIXES = {
    "bkg": BKG,
    "code": "https://w3id.org/budgetkg/def/code/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "org": "http://www.w3.org/ns/org#",
    "qb": "http://purl.org/linked-data/cube#",
    "eli": "http://data.europa.eu/eli/ontology#",
    "prov": "http://www.w3.org/ns/prov#",
    "dcterms": "http://purl.org/dc/terms/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}

_DATASET_FORMATS = {"nquads": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG, "jsonld": ox.RdfFormat.JSON_LD}


def prefixes() -> dict[str, str]:
    return {**PREFIXES, "id": base_iri()}


def export(store: GraphStore, fmt: str, out: BinaryIO) -> None:
    """Named-graph formats keep the one-graph-per-document layout; Turtle, which has no graphs,
    gets the union (a triple stated in several graphs is written once)."""
    if fmt in _DATASET_FORMATS:
        kwargs = {} if fmt == "nquads" else {"prefixes": prefixes()}
        store.store.dump(out, format=_DATASET_FORMATS[fmt], **kwargs)
    elif fmt == "turtle":
        triples = {ox.Triple(q.subject, q.predicate, q.object) for q in store.store}
        ox.serialize(sorted(triples, key=str), out, format=ox.RdfFormat.TURTLE, prefixes=prefixes())
    else:
        raise ValueError(f"unknown export format {fmt!r}; allowed: nquads, trig, turtle, jsonld")
