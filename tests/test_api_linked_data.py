"""Linked data: every minted IRI dereferences with content negotiation; ontology, code lists,
/resource, VoID and dumps; the personal-data filter on everything that leaves."""

from __future__ import annotations

import gzip
import json
import re
import warnings

import pyoxigraph as ox
import pytest
import rdflib
from fastapi.testclient import TestClient
from pyld import jsonld
from rdflib.compare import isomorphic

from budgetkg.api import linked_data
from budgetkg.api.app import create_app
from budgetkg.loader.records import ParsedDocument
from budgetkg.loader.store import GraphStore
from budgetkg.mappings.iris import BKG, CODE, CODE_GRAPH, ONTOLOGY_GRAPH, base_iri
from budgetkg.mappings.mapper import map_document

RDF_FORMATS = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
}
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
# As the filter defines it: not inside a longer run of letters and digits (hashes).
PHONE = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")


@pytest.fixture
def store(memory_store: GraphStore, example_doc: ParsedDocument) -> GraphStore:
    mapped = map_document(example_doc)
    memory_store.replace_document(mapped.doc_iri, mapped.quads())
    return memory_store


@pytest.fixture
def client(store: GraphStore) -> TestClient:
    return TestClient(create_app(store=store))


def minted_iris(store: GraphStore) -> set[str]:
    base = base_iri()
    out = set()
    for q in store.store:
        for t in (q.subject, q.object, q.graph_name):
            if isinstance(t, ox.NamedNode) and t.value.startswith(base):
                out.add(t.value)
    return out


def parse(body: bytes | str, mtype: str) -> rdflib.Graph:
    """Any RDF answer as an rdflib graph; JSON-LD goes through pyld (expanded, then to RDF)."""
    if mtype == "application/ld+json":
        doc = json.loads(body)
        assert jsonld.expand(doc), "JSON-LD expands to nothing"
        nquads = jsonld.to_rdf(doc, {"format": "application/n-quads"})
        return rdflib.Graph().parse(data=nquads, format="nt")
    return rdflib.Graph().parse(data=body, format=RDF_FORMATS[mtype])


def test_every_minted_iri_dereferences(client: TestClient, store: GraphStore) -> None:
    base = base_iri()
    iris = minted_iris(store)
    assert len(iris) > 10
    for iri in sorted(iris):
        r = client.get("/id/" + iri[len(base) :], headers={"Accept": "text/turtle"})
        assert r.status_code == 200, iri
        g = parse(r.content, "text/turtle")
        assert len(g) > 0, iri
        if (rdflib.URIRef(iri), None, None) not in g:
            # Only graph names have no triples of their own; they are described as void:Dataset.
            assert store.store.contains_named_graph(ox.NamedNode(iri)), iri
            assert (rdflib.URIRef(iri), rdflib.RDF.type, VOID.Dataset) in g


@pytest.mark.parametrize("mtype", list(RDF_FORMATS))
def test_content_negotiation_gives_the_same_graph(client: TestClient, store: GraphStore, mtype: str) -> None:
    project = next(
        q.subject.value
        for q in store.store.quads_for_pattern(
            None, ox.NamedNode(str(rdflib.RDF.type)), ox.NamedNode(BKG + "Project")
        )
    )
    path = "/id/" + project[len(base_iri()) :]
    reference = parse(client.get(path, params={"format": "nt"}).content, "application/n-triples")
    assert (rdflib.URIRef(project), rdflib.URIRef(BKG + "amount"), None) in reference
    # Labels of linked resources come along (the unit's name, the legal basis's title).
    assert any("示例县人民政府办公室" in str(o) for o in reference.objects())
    r = client.get(path, headers={"Accept": mtype})
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == mtype
    assert r.headers["vary"] == "Accept"
    assert 'rel="alternate"' in r.headers["link"]
    assert isomorphic(parse(r.content, mtype), reference)


def test_jsonld_uses_the_mapping_context(client: TestClient, store: GraphStore) -> None:
    from budgetkg.mappings.mapper import context

    r = client.get("/id/region/149901", headers={"Accept": "application/ld+json"})
    doc = r.json()
    assert doc["@context"] == context()
    node = next(n for n in doc["@graph"] if n["id"].endswith("region/149901"))
    assert node["type"] == "Region" and node["prefLabel"] == "示例县"
    assert node["broader"].endswith("region/149900")
    expanded = jsonld.expand(doc)
    region = next(n for n in expanded if n["@id"].endswith("region/149901"))
    assert region["http://www.w3.org/2004/02/skos/core#prefLabel"] == [
        {"@value": "示例县", "@language": "zh"}
    ]
    # application/json is served as JSON-LD too.
    assert client.get("/id/region/149901", headers={"Accept": "application/json"}).json() == doc


def test_html_for_people(client: TestClient) -> None:
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    r = client.get("/id/region/149901", headers={"Accept": browser})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "示例县" in r.text and 'href="/id/region/149900"' in r.text
    assert client.get("/id/region/149901", params={"format": "html"}).text == r.text
    # curl's */* gets Turtle.
    assert (
        client.get("/id/region/149901", headers={"Accept": "*/*"})
        .headers["content-type"]
        .startswith("text/turtle")
    )


def test_plain_html_renderer(store: GraphStore) -> None:
    desc = linked_data.describe(store, base_iri() + "region/149901")
    assert desc is not None
    page = linked_data.render_resource_html(desc, linked_data.local_href, {"Turtle": "?format=ttl"})
    assert "<title>示例县 — budgetkg</title>" in page
    assert 'href="/id/region/149900"' in page and "示例市" in page
    assert "Referenced by" in page  # the unit in this county points here
    assert '<link rel="alternate" type="text/turtle" href="?format=ttl">' in page


def test_html_renderer_is_replaceable(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        linked_data, "render_resource_html", lambda desc, href, formats: f"<p>{desc.label}</p>"
    )
    monkeypatch.setattr(linked_data.importlib.util, "find_spec", lambda name: None)
    assert client.get("/id/region/149901", params={"format": "html"}).text == "<p>示例县</p>"


def test_ontology_and_code_lists_dereference(client: TestClient) -> None:
    g = parse(client.get("/def", headers={"Accept": "text/turtle"}).content, "text/turtle")
    owl = rdflib.Namespace("http://www.w3.org/2002/07/owl#")
    assert (rdflib.URIRef(ONTOLOGY_GRAPH), rdflib.RDF.type, owl.Ontology) in g
    assert (rdflib.URIRef(BKG + "Project"), rdflib.RDF.type, owl.Class) in g
    # A term on its own, through /resource (hash IRIs never reach a server otherwise).
    r = client.get("/resource", params={"iri": BKG + "LegalBasis", "format": "ttl"})
    assert (rdflib.URIRef(BKG + "LegalBasis"), rdflib.RDFS.label, None) in parse(r.content, "text/turtle")
    skos = rdflib.Namespace("http://www.w3.org/2004/02/skos/core#")
    schemes = parse(client.get("/def/code", params={"format": "nt"}).content, "application/n-triples")
    assert {str(s) for s in schemes.subjects(rdflib.RDF.type, skos.ConceptScheme)} >= {
        CODE_GRAPH + "/function",
        CODE_GRAPH + "/economic",
    }
    for path in ("function", "function/201", "function/2010301", "economic/30101"):
        r = client.get(f"/def/code/{path}", headers={"Accept": "application/rdf+xml"})
        assert r.status_code == 200, path
        assert (rdflib.URIRef(CODE + path), None, None) in parse(r.content, "application/rdf+xml")
    concept = parse(client.get("/def/code/function/201", params={"format": "ttl"}).content, "text/turtle")
    assert (None, skos.broader, rdflib.URIRef(CODE + "function/201")) in concept  # narrower ones point here


def test_resource_serves_the_same_as_id(client: TestClient) -> None:
    iri = base_iri() + "region/149901"
    a = client.get("/resource", params={"iri": iri}, headers={"Accept": "application/n-triples"})
    b = client.get("/id/region/149901", headers={"Accept": "application/n-triples"})
    assert a.status_code == 200 and a.content == b.content


def test_unknown_iris_are_404(client: TestClient) -> None:
    for path in ("/id/region/000000", "/def/code/function/0", "/id/doc/x/1999"):
        r = client.get(path, headers={"Accept": "text/turtle"})
        assert r.status_code == 404, path
        body = r.json()
        assert set(body) == {"error"} and set(body["error"]) == {"status", "title", "detail"}
        r = client.get(path, headers={"Accept": "text/html"})
        assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert client.get("/resource", params={"iri": "not an iri"}).status_code == 404
    assert client.get("/resource", params={"iri": "http://example.org/elsewhere"}).status_code == 404
    assert client.get("/resource").status_code == 400


def test_format_errors(client: TestClient) -> None:
    r = client.get("/id/region/149901", params={"format": "yaml"})
    assert r.status_code == 400 and "yaml" in r.json()["error"]["detail"]
    assert client.get("/id/region/149901", headers={"Accept": "image/png"}).status_code == 406


def test_inbound_links_are_capped(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(linked_data, "INBOUND_CAP", 1)
    r = client.get("/def/code/function/201", params={"format": "ttl"})
    assert r.headers.get("x-budgetkg-truncated") == "true"


def test_a_base_that_is_not_the_server(
    memory_store: GraphStore, example_doc: ParsedDocument, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BUDGETKG_BASE_IRI", "http://data.example.org/budget/")
    mapped = map_document(example_doc)
    memory_store.replace_document(mapped.doc_iri, mapped.quads())
    client = TestClient(create_app(store=memory_store))
    iri = "http://data.example.org/budget/region/149901"
    via_resource = client.get("/resource", params={"iri": iri, "format": "nt"})
    via_id = client.get("/id/region/149901", params={"format": "nt"})
    assert via_resource.status_code == via_id.status_code == 200
    assert via_resource.content == via_id.content
    assert (rdflib.URIRef(iri), None, None) in parse(via_id.content, "application/n-triples")


# -- VoID and dumps ------------------------------------------------------------------------------
def test_void_description(client: TestClient, store: GraphStore) -> None:
    for path in ("/void", "/.well-known/void", "/id/dataset"):
        r = client.get(path, headers={"Accept": "text/turtle"})
        assert r.status_code == 200, path
        g = parse(r.content, "text/turtle")
        ds = next(g.subjects(rdflib.RDF.type, VOID.Dataset))
        assert str(ds) == base_iri() + "dataset"
        assert int(g.value(ds, VOID.triples)) == len(store)
        assert str(g.value(ds, VOID.sparqlEndpoint)) == "http://testserver/sparql"
        assert {str(d) for d in g.objects(ds, VOID.dataDump)} == {
            "http://testserver/dump.nq.gz",
            "http://testserver/dump.ttl.gz",
        }
    jsonld_void = client.get("/void", headers={"Accept": "application/ld+json"})
    assert len(parse(jsonld_void.content, "application/ld+json")) == len(g)


def test_dumps(client: TestClient, store: GraphStore) -> None:
    r = client.get("/dump.nq.gz")
    assert r.status_code == 200 and r.headers["content-type"] == "application/gzip"
    ds = rdflib.Dataset()
    ds.parse(data=gzip.decompress(r.content), format="nquads")
    assert len(ds) == len(store)
    assert len(list(ds.graphs())) >= len(list(store.store.named_graphs()))
    r = client.get("/dump.ttl.gz")
    g = rdflib.Graph().parse(data=gzip.decompress(r.content), format="turtle")
    assert len(g) == len({(q.subject, q.predicate, q.object) for q in store.store})


# -- personal data -------------------------------------------------------------------------------
def test_phone_numbers_never_leave_by_default(store: GraphStore, monkeypatch: pytest.MonkeyPatch) -> None:
    unit = ox.NamedNode(base_iri() + "unit/149901-x")
    store.store.add(
        ox.Quad(
            unit,
            ox.NamedNode(BKG + "contact"),
            ox.Literal("联系电话：13812345678"),
            ox.NamedNode(base_iri() + "graph/units"),
        )
    )
    client = TestClient(create_app(store=store))
    monkeypatch.delenv("BUDGETKG_PUBLISH_PERSONAL_DATA", raising=False)
    outputs = [
        client.get("/id/unit/149901-x", params={"format": f}).content
        for f in ("ttl", "jsonld", "nt", "rdfxml", "html")
    ]
    outputs += [gzip.decompress(client.get(d).content) for d in ("/dump.nq.gz", "/dump.ttl.gz")]
    q = f"SELECT ?o WHERE {{ ?s <{BKG}contact> ?o }}"
    outputs.append(client.get("/sparql", params={"query": q}).content)
    outputs.append(client.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"}).content)
    for out in outputs:
        text = out.decode("utf-8")
        assert "联系电话" in text and "[redacted]" in text
        assert not PHONE.search(text), text[:200]
    monkeypatch.setenv("BUDGETKG_PUBLISH_PERSONAL_DATA", "1")
    assert "13812345678" in client.get("/id/unit/149901-x", params={"format": "ttl"}).text
    assert b"13812345678" in gzip.decompress(client.get("/dump.nq.gz").content)
    assert "13812345678" in client.get("/sparql", params={"query": q}).text


def test_openapi_operation_ids_are_unique(client: TestClient) -> None:
    """GET and HEAD of one path are two operations with two ids (FastAPI warns, and client
    generators break, on duplicates); HEAD still answers like GET without a body."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # FastAPI's "Duplicate Operation ID" is a UserWarning
        schema = client.get("/openapi.json").json()
    ids = [op["operationId"] for path in schema["paths"].values() for op in path.values()]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    for path in ("/id/{path}", "/def", "/def/{path}", "/resource", "/void"):
        assert set(schema["paths"][path]) == {"get", "head"}, path
    got, head = client.get("/def"), client.head("/def")
    assert got.status_code == head.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
