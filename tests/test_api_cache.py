"""The response cache and remembered named-query answers of a snapshot store (api/cache.py,
api/memo.py): what is kept, what is not, single flight, bypass, warming, and when it is off."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from budgetkg import queries
from budgetkg.api.app import create_app
from budgetkg.api.cache import ResponseCache, bypasses_cache
from budgetkg.loader.ingest import ingest
from budgetkg.loader.store import GraphStore
from tests.conftest import seed

HEADER = "x-budgetkg-cache"


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("snapshot") / "store"
    store = GraphStore(path)
    assert all(r.ok for r in ingest(store, [seed("003"), seed("004")], validate=False))
    store.flush()
    del store
    return path


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the named queries actually evaluated (not answered from memory)."""
    calls: list[str] = []
    real = queries.run
    lock = threading.Lock()

    def counting(store: object, name: str, *args: object, **kwargs: object) -> queries.Table:
        with lock:
            calls.append(name)
        return real(store, name, *args, **kwargs)

    monkeypatch.setattr(queries, "run", counting)
    return calls


def test_a_store_folder_is_served_as_a_snapshot_with_a_cache(store_path: Path, runs: list[str]) -> None:
    client = TestClient(create_app(store_path))
    first = client.get("/queries/documents")
    second = client.get("/queries/documents")
    assert first.status_code == second.status_code == 200
    assert (first.headers[HEADER], second.headers[HEADER]) == ("miss", "hit")
    assert first.content == second.content and len(first.json()["rows"]) == 2
    assert runs == ["documents"]
    # Another representation is another entry, computed from the remembered table.
    csv = client.get("/queries/documents", headers={"accept": "text/csv"})
    assert csv.headers[HEADER] == "miss" and csv.headers["content-type"].startswith("text/csv")
    assert runs == ["documents"]


def test_no_cache_asks_for_a_fresh_answer(store_path: Path, runs: list[str]) -> None:
    client = TestClient(create_app(store_path))
    client.get("/queries/basic-vs-project")
    fresh = client.get("/queries/basic-vs-project", headers={"cache-control": "no-cache"})
    assert fresh.status_code == 200 and fresh.headers[HEADER] == "bypass"
    assert runs == ["basic-vs-project", "basic-vs-project"]
    assert bypasses_cache("max-age=0, no-store") and not bypasses_cache("max-age=0")


def test_errors_are_not_kept(store_path: Path) -> None:
    client = TestClient(create_app(store_path))
    for _ in range(2):
        r = client.get("/queries/no-such-query")
        assert r.status_code == 404 and r.headers[HEADER] == "miss"
        r = client.get("/queries/largest-projects", params={"limit": "many"})
        assert r.status_code == 400 and r.headers[HEADER] == "miss"


def test_sparql_posts_are_kept_by_query_and_dataset(store_path: Path) -> None:
    client = TestClient(create_app(store_path))
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?p a <https://w3id.org/budgetkg/def#Project> }"
    direct = {"content-type": "application/sparql-query", "accept": "application/sparql-results+json"}
    a = client.post("/sparql", content=q, headers=direct)
    b = client.post("/sparql", content=q, headers=direct)
    other = client.post("/sparql?default-graph-uri=https://example.org/none", content=q, headers=direct)
    assert (a.headers[HEADER], b.headers[HEADER], other.headers[HEADER]) == ("miss", "hit", "miss")
    assert a.json() == b.json()
    assert int(a.json()["results"]["bindings"][0]["n"]["value"]) > 0
    assert other.json()["results"]["bindings"][0]["n"]["value"] == "0"
    update = client.post("/sparql", data={"update": "CLEAR ALL"})
    assert update.status_code == 403


def test_settings_read_per_request_are_part_of_the_key(
    store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = TestClient(create_app(store_path))
    capped = client.get("/queries/largest-projects")
    monkeypatch.setenv("BUDGETKG_MAX_ROWS", "3")
    r = client.get("/queries/largest-projects")
    assert r.headers[HEADER] == "miss" and len(r.json()["rows"]) == 3
    assert len(capped.json()["rows"]) > 3


def test_concurrent_identical_requests_compute_once(store_path: Path, runs: list[str]) -> None:
    app = create_app(store_path)

    async def burst() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await asyncio.gather(
                *(client.get("/queries/spending-by-function-class") for _ in range(12))
            )

    answers = asyncio.run(burst())
    assert {r.status_code for r in answers} == {200}
    assert len({r.content for r in answers}) == 1
    assert runs == ["spending-by-function-class"]
    assert sorted(r.headers[HEADER] for r in answers) == ["hit"] * 11 + ["miss"]


def test_warming_computes_every_named_query_once(store_path: Path, runs: list[str]) -> None:
    app = create_app(store_path, warm=True)
    with TestClient(app) as client:  # the lifespan starts warming
        total = len(queries.list_queries())
        for _ in range(600):
            health = client.get("/health").json()
            if health["warming"] == {"named_queries_done": total, "of": total}:
                break
            threading.Event().wait(0.05)
        assert health["warming"]["of"] == total and HEADER not in client.get("/health").headers
        assert sorted(runs) == sorted(q.name for q in queries.list_queries())
        r = client.get("/queries/year-over-year")
        assert r.status_code == 200 and r.headers[HEADER] == "miss"  # not in the response cache yet…
    assert sorted(runs) == sorted(q.name for q in queries.list_queries())  # …but not run again


@pytest.mark.parametrize(
    ("make", "why"),
    [
        (lambda path: create_app(store=GraphStore(None)), "a store given by the caller may be written"),
        (lambda path: create_app(path, snapshot=False), "snapshot=False"),
    ],
)
def test_no_cache_where_the_data_may_change(store_path: Path, make, why: str) -> None:
    client = TestClient(make(store_path))
    r = client.get("/queries/documents")
    assert r.status_code == 200 and HEADER not in r.headers, why


def test_the_setting_turns_it_off(store_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUDGETKG_CACHE_MB", "0")
    r = TestClient(create_app(store_path)).get("/queries/documents")
    assert r.status_code == 200 and HEADER not in r.headers
    monkeypatch.setenv("BUDGETKG_CACHE_MB", "lots")
    with pytest.raises(ValueError, match="BUDGETKG_CACHE_MB='lots'"):
        create_app(store_path)


def test_least_recently_used_answers_go_first() -> None:
    async def app(scope, receive, send) -> None:
        body = scope["path"].encode() * 100
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})

    cache = ResponseCache(app, max_bytes=2000, max_entry=1000)

    async def get(path: str) -> str:
        tags = []

        async def send(message) -> None:
            if message["type"] == "http.response.start":
                tags.append(dict(message["headers"])[b"x-budgetkg-cache"].decode())

        async def receive():
            return {"type": "http.request", "body": b""}

        await cache({"type": "http", "method": "GET", "path": path, "headers": []}, receive, send)
        return tags[0]

    async def script() -> list[str]:
        # Each answer is 464 bytes with its bookkeeping: four fit in 2,000, a fifth evicts the
        # least recently used; an answer over max_entry is passed through, not kept.
        seen = [await get(p) for p in ("/aaa", "/bbb", "/ccc", "/ddd", "/aaa", "/eee")]
        seen += [await get("/bbb"), await get("/aaa"), await get("/" + "f" * 20)]
        return seen

    tags = asyncio.run(script())
    assert tags == ["miss"] * 4 + ["hit", "miss", "miss", "hit", "miss"]
    assert len(cache) == 4 and cache.bytes == 4 * 464


def test_the_citation_index_answers_as_the_queries_do(store_path: Path) -> None:
    """A snapshot server lists citing projects from an index read once (api/lookups.py,
    CitationIndex); a server on a changing store queries per lookup. Same answers."""
    indexed = TestClient(create_app(store_path, snapshot=True))
    queried = TestClient(create_app(store_path, snapshot=False))
    projects = queried.get("/projects", params={"limit": 200}).json()["items"]
    bases = queried.get("/legal-bases", params={"limit": 200}).json()["items"]
    assert projects and bases
    shared = 0
    for path in [f"/projects/{p['id']}/legal-bases" for p in projects] + [
        f"/legal-bases/{b['id']}/projects?limit=200" for b in bases
    ]:
        a, b = queried.get(path), indexed.get(path, headers={"cache-control": "no-cache"})
        assert a.status_code == b.status_code == 200, path
        assert a.json() == b.json(), path
        shared += path.endswith("/projects?limit=200") and a.json()["total"] > 1
    assert shared, "no basis cited by two projects: the comparison would not test the ordering"
