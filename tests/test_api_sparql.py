"""The /sparql endpoint (SPARQL 1.1 Protocol, query side) and the one JSON error shape."""

from __future__ import annotations

import json

import pytest
import rdflib
from fastapi.testclient import TestClient

from budgetkg.api.app import create_app
from budgetkg.loader.records import ParsedDocument
from budgetkg.loader.store import GraphStore
from budgetkg.mappings.mapper import map_document

# pyoxigraph results dropped on another thread than their own surface as unraisable exceptions.
pytestmark = pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")

SELECT_PROJECTS = (
    "PREFIX bkg: <https://w3id.org/budgetkg/def#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    "SELECT ?name ?amount WHERE { ?p a bkg:Project ; rdfs:label ?name ; bkg:amount ?amount }"
)


@pytest.fixture
def client(memory_store: GraphStore, example_doc: ParsedDocument) -> TestClient:
    mapped = map_document(example_doc)
    memory_store.replace_document(mapped.doc_iri, mapped.quads())
    return TestClient(create_app(store=memory_store))


def test_health_counts_documents(client: TestClient) -> None:
    body = client.get("/health").json()
    assert body["status"] == "ok" and body["documents"] == 1


def test_select_get_json(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": SELECT_PROJECTS})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/sparql-results+json")
    rows = r.json()["results"]["bindings"]
    assert [(b["name"]["value"], b["amount"]["value"]) for b in rows] == [("示例网络租赁费", "488000")]
    assert rows[0]["amount"]["datatype"] == "http://www.w3.org/2001/XMLSchema#decimal"


@pytest.mark.parametrize(
    ("accept", "ctype"),
    [
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("*/*", "application/sparql-results+json"),
    ],
)
def test_select_content_negotiation(client: TestClient, accept: str, ctype: str) -> None:
    r = client.get("/sparql", params={"query": SELECT_PROJECTS}, headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].startswith(ctype)
    assert "488000" in r.text


def test_post_form_and_direct(client: TestClient) -> None:
    r1 = client.post("/sparql", data={"query": SELECT_PROJECTS})
    r2 = client.post(
        "/sparql", content=SELECT_PROJECTS.encode(), headers={"Content-Type": "application/sparql-query"}
    )
    assert r1.status_code == r2.status_code == 200
    assert r1.json() == r2.json()


def test_construct_is_parseable_rdf(client: TestClient) -> None:
    q = "CONSTRUCT { ?p ?x ?y } WHERE { ?p a <https://w3id.org/budgetkg/def#Project> ; ?x ?y }"
    for accept, fmt in [
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/rdf+xml", "xml"),
    ]:
        r = client.get("/sparql", params={"query": q}, headers={"Accept": accept})
        assert r.status_code == 200, r.text
        g = rdflib.Graph().parse(data=r.text, format=fmt)
        amounts = list(g.objects(None, rdflib.URIRef("https://w3id.org/budgetkg/def#amount")))
        assert [str(a) for a in amounts] == ["488000"]


def test_ask(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": "ASK { ?s a <https://w3id.org/budgetkg/def#Project> }"})
    assert r.json()["boolean"] is True


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", 403),
        ("DROP ALL", 403),
        ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", 400),
        ("LOAD <http://127.0.0.1:9/x.ttl>", 400),
        ("SELEKT ?x WHERE { ?x ?y ?z }", 400),
    ],
)
def test_refusals_are_client_errors(client: TestClient, query: str, status: int) -> None:
    r = client.get("/sparql", params={"query": query})
    assert r.status_code == status
    body = r.json()
    # The one error shape, pinned: every API error looks exactly like this.
    assert set(body) == {"error"} and set(body["error"]) == {"status", "title", "detail"}
    assert body["error"]["status"] == status


def test_keywords_inside_strings_and_iris_are_not_operations(client: TestClient) -> None:
    q = 'SELECT ?x WHERE { BIND("INSERT SERVICE LOAD" AS ?x) FILTER(?x != <urn:drop:LOAD>) } # DROP'
    r = client.get("/sparql", params={"query": q})
    assert r.status_code == 200, r.text


def test_update_via_post_is_forbidden(client: TestClient) -> None:
    r = client.post("/sparql", data={"update": "DROP ALL"})
    assert r.status_code == 403
    r = client.post("/sparql", content=b"DROP ALL", headers={"Content-Type": "application/sparql-update"})
    assert r.status_code == 403


def test_missing_query_and_bad_format(client: TestClient) -> None:
    assert client.get("/sparql").status_code == 400
    r = client.get("/sparql", params={"query": SELECT_PROJECTS, "format": "yaml"})
    assert r.status_code == 400 and "yaml" in json.dumps(r.json(), ensure_ascii=False)
    r = client.get("/sparql", params={"query": SELECT_PROJECTS}, headers={"Accept": "image/png"})
    assert r.status_code == 406


def test_update_or_several_queries_with_a_query_are_malformed(client: TestClient) -> None:
    both = client.post("/sparql", data={"query": SELECT_PROJECTS, "update": "DROP ALL"})
    assert both.status_code == 400 and "not both" in both.json()["error"]["detail"]
    two = client.get("/sparql", params=[("query", SELECT_PROJECTS), ("query", "ASK {}")])
    assert two.status_code == 400
    assert client.get("/sparql", params={"update": "DROP ALL"}).status_code == 403


def test_request_content_types(client: TestClient) -> None:
    for ctype in ("text/plain", "", "application/sparql-query; charset=utf-16"):
        r = client.post("/sparql", content=SELECT_PROJECTS.encode(), headers={"Content-Type": ctype})
        assert r.status_code == 415, (ctype, r.text)
    r = client.post(
        "/sparql", content="ASK {}".encode("utf-16"), headers={"Content-Type": "application/sparql-query"}
    )
    assert r.status_code == 400
    assert client.put("/sparql", params={"query": "ASK {}"}).status_code == 405


def test_from_is_honoured_without_protocol_dataset(client: TestClient, memory_store: GraphStore) -> None:
    """The union default graph applies only when the query names no dataset of its own."""
    doc = memory_store.documents()[0]
    count = "SELECT (COUNT(*) AS ?n) {ds} WHERE {{ ?s ?p ?o }}"

    def n(query: str, **params: str) -> int:
        r = client.get("/sparql", params={"query": query, **params})
        assert r.status_code == 200, r.text
        return int(r.json()["results"]["bindings"][0]["n"]["value"])

    in_doc = sum(1 for _ in memory_store.graph_quads(doc))
    assert n(count.format(ds=f"FROM <{doc}>")) == in_doc
    assert n(count.format(ds="FROM <urn:x:none>")) == 0
    assert n(count.format(ds="")) == len(memory_store)
    assert n(count.format(ds=""), **{"default-graph-uri": doc}) == in_doc
    # The protocol's dataset wins over the query's.
    assert n(count.format(ds="FROM <urn:x:none>"), **{"default-graph-uri": doc}) == in_doc
    r = client.get("/sparql", params={"query": "ASK {}", "default-graph-uri": "not an iri"})
    assert r.status_code == 400
