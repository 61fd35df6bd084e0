"""Real clients against a real server: uvicorn on a free loopback port (in a thread, stopped
after), SPARQLWrapper and rdflib's SPARQLStore on /sparql, plain HTTP for linked data, dumps
and VoID. Every RDF answer is parsed with rdflib, every JSON-LD answer expanded with pyld."""

from __future__ import annotations

import gzip
import json
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import rdflib
import uvicorn
from pyld import jsonld
from rdflib.compare import isomorphic
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, POST, TURTLE, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from budgetkg.api import sparql
from budgetkg.api.app import create_app
from budgetkg.loader.ingest import ingest
from budgetkg.loader.store import GraphStore
from budgetkg.loader.synth import generate
from budgetkg.mappings.iris import BKG, base_iri
from tests.conftest import SEEDS

PREFIX = "PREFIX bkg: <https://w3id.org/budgetkg/def#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
# A query that yields nothing until it has counted every pair of budget lines: it cannot be
# stopped between solutions, so it shows the timeout answering while the worker carries on.
BLOCKING = PREFIX + (
    "SELECT (COUNT(*) AS ?n) WHERE { ?a a bkg:BudgetLine . ?b a bkg:BudgetLine . ?c a bkg:ExpenditureType }"
)
# The same pairs, streamed: a worker told to stop does so at the next solution.
STREAMING = PREFIX + "SELECT ?a ?b WHERE { ?a a bkg:BudgetLine . ?b a bkg:BudgetLine }"


@dataclass
class Live:
    url: str
    store: GraphStore

    def get(self, path: str, **kwargs: object) -> httpx.Response:
        return httpx.get(self.url + path.lstrip("/"), timeout=60, **kwargs)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """A temporary store (generated documents, plus seed 004 when ../shared is present) served
    by uvicorn on 127.0.0.1 and a free port, in a background thread."""
    folder = tmp_path_factory.mktemp("live")
    files = generate(3, 5, folder / "docs")
    files += sorted(SEEDS.glob("004_*.txt")) if SEEDS.is_dir() else []
    store = GraphStore(folder / "store")
    assert all(r.ok for r in ingest(store, files, validate=False))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(store=store), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield Live(f"http://127.0.0.1:{port}/", store)
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        sock.close()
    assert not thread.is_alive(), "uvicorn did not stop"


def _wait_idle(seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while sparql.running_queries() and time.monotonic() < deadline:
        time.sleep(0.02)


# -- SPARQL with real clients -------------------------------------------------------------------
def test_sparqlwrapper_select_json_and_construct_turtle(live: Live) -> None:
    sw = SPARQLWrapper(live.url + "sparql")
    sw.setQuery(
        PREFIX + "SELECT ?p ?name ?amount WHERE { ?p a bkg:Project ; rdfs:label ?name ; bkg:amount ?amount }"
    )
    sw.setReturnFormat(JSON)
    rows = sw.query().convert()["results"]["bindings"]  # type: ignore[index]
    assert len(rows) > 20
    assert rows[0]["amount"]["datatype"] == "http://www.w3.org/2001/XMLSchema#decimal"

    sw.setQuery(PREFIX + "CONSTRUCT { ?p rdfs:label ?name } WHERE { ?p a bkg:Project ; rdfs:label ?name }")
    sw.setReturnFormat(TURTLE)
    g = rdflib.Graph().parse(data=sw.query().convert(), format="turtle")
    assert len(g) == len(rows)

    sw.setQuery(PREFIX + "ASK { ?p a bkg:LegalBasis }")
    sw.setReturnFormat(JSON)
    assert sw.query().convert()["boolean"] is True  # type: ignore[index]


def test_rdflib_sparqlstore(live: Live) -> None:
    g = rdflib.Graph(store=SPARQLStore(query_endpoint=live.url + "sparql"))
    rows = list(
        g.query(
            PREFIX
            + "SELECT ?b ?title WHERE { ?b a bkg:LegalBasis ; <http://purl.org/dc/terms/title> ?title }"
        )
    )
    assert rows and all(isinstance(r[1], rdflib.Literal) and r[1].language == "zh" for r in rows)
    counted = list(g.query(PREFIX + "SELECT (COUNT(*) AS ?n) WHERE { ?d a bkg:BudgetDocument }"))
    assert int(counted[0][0]) == len(live.store.documents())
    constructed = g.query(PREFIX + "CONSTRUCT WHERE { ?r a bkg:Region ; rdfs:label ?l }")
    assert constructed.graph is not None


def test_update_is_forbidden_and_fetching_is_refused(live: Live) -> None:
    size = len(live.store)
    sw = SPARQLWrapper(live.url + "sparql")
    sw.setMethod(POST)
    sw.setQuery("INSERT DATA { <urn:a> <urn:b> <urn:c> }")
    with pytest.raises(urllib.error.HTTPError) as err:
        sw.query()
    assert err.value.code == 403
    body = json.loads(err.value.read())
    assert body["error"]["status"] == 403
    sw = SPARQLWrapper(live.url + "sparql")
    sw.setQuery("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }")
    sw.setReturnFormat(JSON)
    with pytest.raises(QueryBadFormed):
        sw.query()
    # LOAD sent as a query is refused as a fetch (400); SPARQLWrapper sends it as an update (403).
    r = live.get("sparql", params={"query": "LOAD <http://127.0.0.1:9/x.ttl>"})
    assert r.status_code == 400 and "LOAD" in r.json()["error"]["detail"]
    sw = SPARQLWrapper(live.url + "sparql")
    sw.setMethod(POST)
    sw.setQuery("LOAD <http://127.0.0.1:9/x.ttl>")
    with pytest.raises(urllib.error.HTTPError) as err:
        sw.query()
    assert err.value.code == 403
    assert len(live.store) == size


def test_row_cap_is_reported(live: Live, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUDGETKG_MAX_ROWS", "7")
    r = live.get("sparql", params={"query": STREAMING})
    assert r.status_code == 200
    assert r.headers["x-budgetkg-truncated"] == "true" and r.headers["x-budgetkg-max-rows"] == "7"
    assert len(r.json()["results"]["bindings"]) == 7
    r = live.get(
        "sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"}, headers={"Accept": "text/turtle"}
    )
    assert r.headers["x-budgetkg-truncated"] == "true"
    assert len(rdflib.Graph().parse(data=r.text, format="turtle")) == 7
    for fmt, parse in (
        ("csv", lambda t: t.strip().splitlines()[1:]),
        ("tsv", lambda t: t.strip().split("\n")[1:]),
    ):
        r = live.get("sparql", params={"query": STREAMING, "format": fmt})
        assert len(parse(r.text)) == 7
    small = live.get(
        "sparql", params={"query": PREFIX + "SELECT * WHERE { ?d a bkg:BudgetDocument } LIMIT 3"}
    )
    assert "x-budgetkg-truncated" not in small.headers
    # Results written by the capped writers still read back with rdflib's parsers.
    for accept, fmt in (
        ("application/sparql-results+xml", "xml"),
        ("application/sparql-results+json", "json"),
    ):
        r = live.get("sparql", params={"query": STREAMING}, headers={"Accept": accept})
        assert (
            len(list(rdflib.query.Result.parse(source=__import__("io").BytesIO(r.content), format=fmt))) == 7
        )


def test_timeout_answers_503_and_the_worker_finishes_in_the_background(
    live: Live, monkeypatch: pytest.MonkeyPatch
) -> None:
    t0 = time.monotonic()
    assert list(live.store.query(BLOCKING))  # how long the blocking query takes here
    alone = time.monotonic() - t0
    monkeypatch.setenv("BUDGETKG_QUERY_TIMEOUT", str(max(alone / 5, 0.02)))
    started = time.monotonic()
    r = live.get("sparql", params={"query": BLOCKING})
    answered = time.monotonic() - started
    assert r.status_code == 503, r.text
    body = r.json()
    assert set(body["error"]) == {"status", "title", "detail"} and body["error"]["title"] == "Query timeout"
    assert "BUDGETKG_QUERY_TIMEOUT" in body["error"]["detail"]
    assert answered < alone, "the answer came only after the query finished"
    _wait_idle(alone * 10 + 10)
    assert sparql.running_queries() == 0


def test_a_timed_out_streaming_query_stops(live: Live, monkeypatch: pytest.MonkeyPatch) -> None:
    _wait_idle(30)
    monkeypatch.setenv("BUDGETKG_MAX_ROWS", "0")  # no cap: only the timeout can stop it
    monkeypatch.setenv("BUDGETKG_QUERY_TIMEOUT", "0.2")
    r = live.get("sparql", params={"query": STREAMING})
    assert r.status_code == 503
    stopped = time.monotonic()
    _wait_idle(10)
    assert sparql.running_queries() == 0
    assert time.monotonic() - stopped < 2, "the worker kept going after its answer was given up"


def test_queries_run_off_the_event_loop(live: Live, monkeypatch: pytest.MonkeyPatch) -> None:
    _wait_idle(30)
    monkeypatch.setenv("BUDGETKG_QUERY_TIMEOUT", "60")
    slow = threading.Thread(target=lambda: live.get("sparql", params={"query": BLOCKING}))
    slow.start()
    deadline = time.monotonic() + 10
    while not sparql.running_queries() and time.monotonic() < deadline:
        time.sleep(0.005)
    busy = sparql.running_queries() > 0
    r = live.get("health")
    still_busy = sparql.running_queries() > 0
    slow.join()
    assert r.status_code == 200
    if busy and still_busy:  # the server answered while the query was running
        assert r.json()["status"] == "ok"
    else:
        pytest.skip("the blocking query finished too fast on this machine to overlap /health")


# -- linked data over HTTP -------------------------------------------------------------------------
def _parse(body: bytes, mtype: str) -> rdflib.Graph:
    if mtype == "application/ld+json":
        doc = json.loads(body)
        assert jsonld.expand(doc)
        return rdflib.Graph().parse(data=jsonld.to_rdf(doc, {"format": "application/n-quads"}), format="nt")
    fmt = {"text/turtle": "turtle", "application/n-triples": "nt", "application/rdf+xml": "xml"}[mtype]
    return rdflib.Graph().parse(data=body, format=fmt)


def test_content_negotiation_over_http(live: Live) -> None:
    rows = live.store.query(PREFIX + "SELECT ?p WHERE { ?p a bkg:Project } LIMIT 1")
    project = next(iter(rows))["p"].value  # type: ignore[call-overload,index]
    path = "id/" + project[len(base_iri()) :]
    graphs = []
    for mtype in ("text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml"):
        r = live.get(path, headers={"Accept": mtype})
        assert r.status_code == 200 and r.headers["content-type"].split(";")[0] == mtype
        g = _parse(r.content, mtype)
        assert (rdflib.URIRef(project), rdflib.URIRef(BKG + "amount"), None) in g
        graphs.append(g)
    assert all(isomorphic(graphs[0], g) for g in graphs[1:])
    html = live.get(path, headers={"Accept": "text/html"})
    assert html.headers["content-type"].startswith("text/html") and "<html" in html.text
    head = httpx.head(live.url + path, headers={"Accept": "text/turtle"})
    assert head.status_code == 200
    missing = live.get("id/legal/n-000000000000", headers={"Accept": "text/turtle"})
    assert missing.status_code == 404 and missing.json()["error"]["status"] == 404
    r = live.get("resource", params={"iri": project}, headers={"Accept": "application/n-triples"})
    assert isomorphic(_parse(r.content, "application/n-triples"), graphs[0])
    ontology = live.get("def", headers={"Accept": "application/ld+json"})
    assert len(_parse(ontology.content, "application/ld+json")) > 100


def test_dumps_and_void_over_http(live: Live) -> None:
    r = live.get("void", headers={"Accept": "text/turtle"})
    void = rdflib.Graph().parse(data=r.text, format="turtle")
    ds = next(void.subjects(rdflib.RDF.type, VOID.Dataset))
    assert int(void.value(ds, VOID.triples)) == len(live.store)
    endpoint = str(void.value(ds, VOID.sparqlEndpoint))
    assert endpoint == live.url + "sparql"
    dumps = sorted(str(d) for d in void.objects(ds, VOID.dataDump))
    assert dumps == [live.url + "dump.nq.gz", live.url + "dump.ttl.gz"]
    # Follow the description: its endpoint answers, its dumps parse.
    sw = SPARQLWrapper(endpoint)
    sw.setQuery("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    sw.setReturnFormat(JSON)
    in_named_graphs = int(sw.query().convert()["results"]["bindings"][0]["n"]["value"])  # type: ignore[index]
    with urllib.request.urlopen(dumps[0]) as resp:
        quads = rdflib.Dataset().parse(data=gzip.decompress(resp.read()), format="nquads")
    assert len(quads) == len(live.store) >= in_named_graphs
    assert len(list(quads.graphs())) > len(live.store.documents())
    with urllib.request.urlopen(dumps[1]) as resp:
        triples = rdflib.Graph().parse(data=gzip.decompress(resp.read()), format="turtle")
    assert len(triples) == len({(q.subject, q.predicate, q.object) for q in live.store.store})
    jsonld_void = live.get("void", headers={"Accept": "application/ld+json"})
    assert isomorphic(_parse(jsonld_void.content, "application/ld+json"), void)


def test_sparql_jsonld_answers_expand(live: Live) -> None:
    r = live.get(
        "sparql",
        params={"query": PREFIX + "CONSTRUCT WHERE { ?r a bkg:Region ; ?p ?o }"},
        headers={"Accept": "application/ld+json"},
    )
    assert r.status_code == 200
    assert jsonld.expand(r.json())


def test_seed_projects_are_served(live: Live) -> None:
    if not SEEDS.is_dir():
        pytest.skip(f"seed documents not available: {SEEDS} is absent (CI always has ../shared)")
    r = live.get("projects", params={"region": "141123", "year": 2023})
    assert r.json()["total"] == 20
    first = r.json()["items"][0]
    bases = live.get(f"projects/{first['id']}/legal-bases").json()
    assert bases["project"]["id"] == first["id"]
    assert Path(first["id"]).parts[0] == "doc"
