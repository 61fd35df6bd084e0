"""Issue #5: the store behind a SPARQL endpoint. Each engine runs as a subprocess on free loopback
ports (tests/servers.py): Oxigraph (`oxigraph serve`, from the PyPI package ``oxigraph`` in the
``test`` extra) and Virtuoso 7 (`virtuoso-t` from the Debian package ``virtuoso-opensource``,
with a generated ini).
budgetkg ingests, validates, exports and serves through ``--store sparql+http://…`` and must give
the same graph as the embedded store. Without an engine its tests skip, except under CI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import rdflib
from fastapi.testclient import TestClient
from rdflib.compare import isomorphic

from budgetkg.api.app import create_app
from budgetkg.api.cli import main
from budgetkg.loader.remote import META_GRAPH, Endpoints, RemoteStore
from budgetkg.loader.store import GraphStore, store_spec
from tests.conftest import seed
from tests.servers import Engine, free_port, oxigraph_server, virtuoso_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", params=["oxigraph", "virtuoso"])
def engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A fresh SPARQL server on free loopback ports, stopped after the module's tests."""
    where = tmp_path_factory.mktemp(request.param)
    server = oxigraph_server if request.param == "oxigraph" else virtuoso_server
    with server(where) as eng:
        yield eng


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Seeds 003 and 004 and three generated documents."""
    out = tmp_path_factory.mktemp("synth")
    assert main(["synth", "--n", "3", "--seed", "7", "--out", str(out)]) == 0
    return [seed("003"), seed("004"), *sorted(out.glob("*.txt"))]


@pytest.fixture(scope="module")
def embedded(corpus: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("embedded") / "store"
    assert main(["ingest", "-q", "--store", str(path), *map(str, corpus)]) == 0
    return path


@pytest.fixture(scope="module")
def remote(engine: Engine, corpus: list[Path]) -> str:
    assert main(["ingest", "--store", engine.url(), *map(str, corpus)]) == 0
    return engine.url()


def _export(store: str, tmp: Path, name: str) -> dict[str, rdflib.Graph]:
    out = tmp / f"{name}.nq"
    assert main(["export", "--store", store, "--format", "nquads", "-o", str(out)]) == 0
    ds = rdflib.Dataset()
    ds.parse(out, format="nquads")
    # The ontology version stamp: in the default graph embedded, in its own graph remote.
    skip = {str(rdflib.graph.DATASET_DEFAULT_GRAPH_ID), META_GRAPH}
    return {str(g.identifier): g for g in ds.graphs() if len(g) and str(g.identifier) not in skip}


def _assert_same(a: dict[str, rdflib.Graph], b: dict[str, rdflib.Graph]) -> None:
    assert sorted(a) == sorted(b)
    for name in a:  # ontology graphs included: isomorphism matches their blank nodes
        assert len(a[name]) == len(b[name]), name
        assert isomorphic(a[name], b[name]), name


def test_export_equals_embedded(remote: str, embedded: Path, tmp_path: Path) -> None:
    ours, theirs = _export(remote, tmp_path, "remote"), _export(str(embedded), tmp_path, "embedded")
    docs = [g for g in ours if "/doc/" in g and not g.endswith("/validation")]
    assert len(docs) == 5
    _assert_same(ours, theirs)


def _lines(store: str, tmp: Path) -> set[str]:
    """The export's N-Quads lines: a fast exact comparison, for stores whose blank nodes (the
    ontology's, never rewritten by an ingest) were already compared by isomorphism."""
    out = tmp / "export.nq"
    assert main(["export", "--store", store, "--format", "nquads", "-o", str(out)]) == 0
    lines = out.read_text("utf-8").splitlines()
    return {line for line in lines if "_:" not in line} | {f"blank nodes: {sum('_:' in x for x in lines)}"}


def test_reingest_replaces(remote: str, engine: Engine, corpus: list[Path], tmp_path: Path) -> None:
    store = RemoteStore(remote)
    before = len(store)
    first = _lines(remote, tmp_path)
    stale = "<urn:x:stale> <urn:x:p> 1"
    store.store.update(
        f"INSERT {{ GRAPH ?d {{ {stale} }} GRAPH ?v {{ {stale} }} }} WHERE "
        "{ GRAPH ?d { ?d a <https://w3id.org/budgetkg/def#BudgetDocument> } "
        'BIND(IRI(CONCAT(STR(?d), "/validation")) AS ?v) }'
    )
    assert len(store) == before + 10
    again = corpus[1:3]  # seed 004 and a generated document
    assert main(["ingest", "-q", "--store", remote, *map(str, again)]) == 0
    # Their graphs and reports were replaced whole; the other three documents were not touched.
    assert len(store) == before + 6
    # One DELETE DATA per graph: Virtuoso's `DELETE WHERE { GRAPH ?g { … } }` left the triple
    # in half of the graphs.
    for doc in store.documents():
        store.store.update(
            f"DELETE DATA {{ GRAPH <{doc}> {{ {stale} }} GRAPH <{doc}/validation> {{ {stale} }} }}"
        )
    assert _lines(remote, tmp_path) == first
    if engine.gsp:  # the Graph Store Protocol path (PUT of each document graph): the same store
        assert main(["ingest", "-q", "--store", engine.url(gsp=True), *map(str, again)]) == 0
        assert _lines(remote, tmp_path) == first


def test_validate_matches_embedded(remote: str, embedded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    code = main(["validate", "--store", remote])
    ours = capsys.readouterr().out
    assert code == main(["validate", "--store", str(embedded)])
    assert ours == capsys.readouterr().out
    assert ours.strip().endswith("5 documents, 0 violations")


def test_app_over_remote_store(remote: str, embedded: Path) -> None:
    local = create_app(store=GraphStore(embedded, read_only=True))
    for app in (create_app(store=RemoteStore(remote, read_only=True)), create_app(remote)):
        client, reference = TestClient(app), TestClient(local)
        query = (
            "PREFIX bkg: <https://w3id.org/budgetkg/def#> "
            "SELECT ?p ?a WHERE { ?p a bkg:Project ; bkg:amount ?a } ORDER BY ?p ?a"
        )
        got = client.get("/sparql", params={"query": query})
        assert got.status_code == 200
        rows = got.json()["results"]["bindings"]
        assert len(rows) > 40
        assert rows == reference.get("/sparql", params={"query": query}).json()["results"]["bindings"]
        graphs = []
        for c in (client, reference):
            construct = c.get(
                "/sparql",
                params={"query": "CONSTRUCT WHERE { ?p a <https://w3id.org/budgetkg/def#Project> }"},
                headers={"Accept": "text/turtle"},
            )
            assert construct.status_code == 200
            graphs.append(rdflib.Graph().parse(data=construct.text, format="turtle"))
        assert len(graphs[0]) > 40 and isomorphic(*graphs)
        assert client.get("/sparql", params={"query": "SELEC x"}).status_code == 400
        projects = client.get("/projects", params={"limit": 200}).json()
        assert projects["total"] == len(graphs[0])
        assert projects == reference.get("/projects", params={"limit": 200}).json()
        first = projects["items"][0]["id"]
        assert client.get(f"/projects/{first}").json() == reference.get(f"/projects/{first}").json()
        assert client.get("/health").json() == reference.get("/health").json()


def test_read_only_endpoint_refuses_ingest(engine: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ingest", "--store", f"sparql+{engine.query}", str(seed("004"))]) == 2
    err = capsys.readouterr().err
    assert "BUDGETKG_SPARQL_UPDATE" in err and "Traceback" not in err


def test_unreachable_endpoint_is_a_clean_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--store", f"sparql+http://127.0.0.1:{free_port()}/query"]) == 2
    assert capsys.readouterr().err.startswith("error: cannot reach store")


def test_endpoints_from_location_and_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    e = Endpoints.parse("sparql+https://u:p@h:1/q?update=https://h:1/u&gsp=https://h:1/s&x=1")
    assert (e.query, e.update, e.gsp, e.user, e.password) == (
        "https://h:1/q?x=1",
        "https://h:1/u",
        "https://h:1/s",
        "u",
        "p",
    )
    monkeypatch.setenv("BUDGETKG_SPARQL_UPDATE", "http://h/update")
    monkeypatch.setenv("BUDGETKG_SPARQL_GSP", "http://h/store")
    monkeypatch.setenv("BUDGETKG_SPARQL_USER", "who")
    monkeypatch.setenv("BUDGETKG_SPARQL_PASSWORD", "secret")
    e = Endpoints.parse("sparql+http://h/query")
    assert (e.query, e.update, e.gsp, e.user, e.password) == (
        "http://h/query",
        "http://h/update",
        "http://h/store",
        "who",
        "secret",
    )
    monkeypatch.setenv("BUDGETKG_STORE", "sparql+http://h/query")
    assert store_spec(None) == "sparql+http://h/query"
    assert store_spec("some/dir") == Path("some/dir")
