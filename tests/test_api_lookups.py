"""Legal-basis lookups: /projects, /projects/{id}, /projects/{id}/legal-bases, /legal-bases…"""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from budgetkg.api.app import create_app
from budgetkg.loader.ingest import ingest
from budgetkg.loader.records import ParsedDocument
from budgetkg.loader.store import GraphStore
from budgetkg.loader.synth import generate
from budgetkg.mappings.iris import BKG
from budgetkg.mappings.mapper import map_document
from tests.conftest import SEEDS

# As the filter defines it: not inside a longer run of letters and digits (hashes).
PHONE = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    """Generated documents (several cite the same bases) plus seed 004 when ../shared is present."""
    folder = tmp_path_factory.mktemp("corpus")
    files = generate(8, 11, folder)
    files += sorted(SEEDS.glob("004_*.txt")) if SEEDS.is_dir() else []
    store = GraphStore(None)
    results = ingest(store, files, validate=False)
    assert all(r.ok for r in results), [r.error for r in results if not r.ok]
    return TestClient(create_app(store=store))


def _error_shape(body: dict, status: int) -> None:
    assert set(body) == {"error"} and set(body["error"]) == {"status", "title", "detail"}
    assert body["error"]["status"] == status


def test_search_pages_with_total(client: TestClient) -> None:
    everything = client.get("/projects", params={"limit": 200}).json()
    assert everything["total"] == len(everything["items"]) > 20
    first = client.get("/projects", params={"limit": 5}).json()
    second = client.get("/projects", params={"limit": 5, "offset": 5}).json()
    assert first["total"] == second["total"] == everything["total"]
    assert [p["id"] for p in first["items"] + second["items"]] == [p["id"] for p in everything["items"][:10]]
    item = first["items"][0]
    assert item["iri"].endswith(item["id"]) and item["id"].startswith("doc/") and "/project/" in item["id"]
    assert {"name", "amount", "year", "unit", "region", "document", "legal_basis_count"} <= set(item)
    assert re.fullmatch(r"-?\d+(\.\d+)?", item["amount"])  # an exact decimal string, in yuan


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 201}, {"offset": -1}, {"year": "abc"}])
def test_bad_paging_is_a_400(client: TestClient, params: dict) -> None:
    r = client.get("/projects", params=params)
    assert r.status_code == 400
    _error_shape(r.json(), 400)


def test_search_filters(client: TestClient) -> None:
    some = client.get("/projects", params={"limit": 1}).json()["items"][0]
    word = some["name"][:2]
    hits = client.get("/projects", params={"q": word, "limit": 200}).json()["items"]
    assert hits and all(word.lower() in h["name"].lower() for h in hits)
    by_unit = client.get("/projects", params={"unit": some["unit"]["id"], "limit": 200}).json()["items"]
    assert by_unit and {h["unit"]["id"] for h in by_unit} == {some["unit"]["id"]}
    by_name = client.get("/projects", params={"unit": some["unit"]["name"], "limit": 200}).json()
    assert by_name["total"] >= len(by_unit)
    year = some["year"]
    assert all(h["year"] == year for h in client.get("/projects", params={"year": year}).json()["items"])
    assert client.get("/projects", params={"year": 1900}).json()["total"] == 0
    adcode = some["region"]["adcode"]
    county = client.get("/projects", params={"region": adcode, "limit": 200}).json()
    assert county["total"] and all(h["region"]["adcode"] == adcode for h in county["items"])
    # A province's 2-digit code (or its name) includes every county below it.
    province = client.get("/projects", params={"region": adcode[:2], "limit": 200}).json()
    assert province["total"] >= county["total"]
    assert all(h["region"]["adcode"].startswith(adcode[:2]) for h in province["items"])
    by_region_name = client.get("/projects", params={"region": some["region"]["name"]}).json()
    assert by_region_name["total"] >= county["total"]


def test_seed_004_projects_by_region_and_year(client: TestClient) -> None:
    if not SEEDS.is_dir():
        pytest.skip(f"seed documents not available: {SEEDS} is absent (CI always has ../shared)")
    r = client.get("/projects", params={"region": "141123", "year": 2023, "limit": 50}).json()
    assert r["total"] == 20
    assert {p["unit"]["name"] for p in r["items"]} == {"兴县人民政府办公室"}


def test_project_detail_and_404(client: TestClient) -> None:
    some = client.get("/projects", params={"limit": 1}).json()["items"][0]
    r = client.get(f"/projects/{some['id']}")
    assert r.status_code == 200
    detail = r.json()
    assert detail["iri"] == some["iri"] and detail["name"] == some["name"]
    assert len(detail["legal_bases"]) == detail["legal_basis_count"]
    assert isinstance(detail["carried_over"], bool) and detail["indicator_count"] >= 0
    # The full IRI works as an id too.
    assert client.get(f"/projects/{some['iri']}").json()["id"] == some["id"]
    for bad in ("doc/nope/2023/project/000000000000", some["unit"]["id"], "doc/%3Cx%3E"):
        r = client.get(f"/projects/{bad}")
        assert r.status_code == 404, bad
        _error_shape(r.json(), 404)
    assert client.get(f"/projects/{some['unit']['id']}/legal-bases").status_code == 404


def _shared_basis(client: TestClient) -> dict:
    """A basis cited by projects of at least two documents."""
    for basis in client.get("/legal-bases", params={"limit": 50}).json()["items"]:
        projects = client.get(f"/legal-bases/{basis['id']}/projects", params={"limit": 200}).json()["items"]
        if len({p["document"]["id"] for p in projects}) >= 2:
            return basis
    raise AssertionError("no legal basis is cited from two documents")


def test_project_legal_bases_with_other_citing_projects(client: TestClient) -> None:
    basis = _shared_basis(client)
    citing = client.get(f"/legal-bases/{basis['id']}/projects", params={"limit": 200}).json()
    project = next(p for p in citing["items"] if "legal_basis" in p["cited_as"])
    r = client.get(f"/projects/{project['id']}/legal-bases", params={"others_limit": 200})
    assert r.status_code == 200
    body = r.json()
    assert body["project"]["id"] == project["id"] and body["total"] == len(body["items"])
    item = next(i for i in body["items"] if i["id"] == basis["id"])
    for key in ("title", "number", "issuers", "level", "type", "cited_text", "other_projects"):
        assert key in item
    assert item["type"]["key"] and item["cited_text"]
    others = item["other_projects"]
    other_ids = {p["id"] for p in others["items"]}
    assert project["id"] not in other_ids
    assert other_ids == {p["id"] for p in citing["items"]} - {project["id"]}
    assert others["total"] == len(other_ids)
    assert {p["document"]["id"] for p in others["items"]} - {project["document"]["id"]}, "none from elsewhere"
    capped = client.get(f"/projects/{project['id']}/legal-bases", params={"others_limit": 1}).json()
    capped_item = next(i for i in capped["items"] if i["id"] == basis["id"])
    assert len(capped_item["other_projects"]["items"]) == 1
    assert capped_item["other_projects"]["total"] == others["total"]


def test_legal_basis_detail_and_projects(client: TestClient) -> None:
    basis = _shared_basis(client)
    r = client.get(f"/legal-bases/{basis['id']}")
    assert r.status_code == 200
    detail = r.json()
    assert detail["iri"] == basis["iri"] and detail["project_count"] == basis["project_count"]
    assert detail["cited_text"] and detail["projects"] == f"/legal-bases/{basis['id']}/projects"
    short = basis["id"].removeprefix("legal/")
    assert client.get(f"/legal-bases/{short}").json()["id"] == basis["id"]
    page = client.get(f"/legal-bases/{short}/projects", params={"limit": 1, "offset": 1}).json()
    assert page["limit"] == 1 and page["offset"] == 1 and len(page["items"]) == 1
    assert page["total"] >= basis["project_count"]
    r = client.get("/legal-bases/legal/n-000000000000")
    assert r.status_code == 404
    _error_shape(r.json(), 404)


def _bracket_variants(number: str) -> list[str]:
    m = re.fullmatch(r"(.+?)〔(\d{4})〕(\d+)号", number)
    assert m, number
    prefix, year, serial = m.groups()
    return [
        number,
        f"{prefix}[{year}]{serial}号",
        f"{prefix}({year}){serial}号",
        f"{prefix}（{year}）{serial}号",
        f"{prefix}【{year}】{serial}号",
        f"{prefix}〔{year}〕第{serial}号",
        f"{prefix}［{year}］0{serial}号",
        f"{prefix} [{year}] {serial} 号",
    ]


def test_number_lookup_matches_any_bracket_style(client: TestClient) -> None:
    numbered = [
        b
        for b in client.get("/legal-bases", params={"limit": 200}).json()["items"]
        if b["number"] and re.fullmatch(r".+〔\d{4}〕\d+号", b["number"])
    ]
    assert numbered
    for basis in numbered[:5]:
        for typed in _bracket_variants(basis["number"]):
            found = client.get("/legal-bases", params={"number": typed}).json()
            assert [b["id"] for b in found["items"]] == [basis["id"]], typed
            # q= takes a 文号 in any style as well.
            assert basis["id"] in [
                b["id"] for b in client.get("/legal-bases", params={"q": typed}).json()["items"]
            ]
    assert client.get("/legal-bases", params={"number": "无此文〔1999〕1号"}).json()["total"] == 0


def test_legal_basis_search_by_words(client: TestClient) -> None:
    everything = client.get("/legal-bases", params={"limit": 200}).json()
    assert everything["total"] == len(everything["items"]) or everything["total"] > 200
    counts = [b["project_count"] for b in everything["items"]]
    assert counts == sorted(counts, reverse=True), "most cited first"
    titled = next(b for b in everything["items"] if b["title"])
    word = titled["title"][2:6]
    hits = client.get("/legal-bases", params={"q": word}).json()["items"]
    assert titled["id"] in [b["id"] for b in hits]


def test_openapi_documents_the_lookups_with_examples(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    for path in (
        "/projects",
        "/projects/{id}",
        "/projects/{id}/legal-bases",
        "/legal-bases",
        "/legal-bases/{id}",
        "/legal-bases/{id}/projects",
    ):
        assert "get" in paths[path], path
    params = {p["name"]: p for p in paths["/legal-bases"]["get"]["parameters"]}
    assert params["number"]["schema"].get("examples") or params["number"].get("examples")
    schemas = spec["components"]["schemas"]
    assert schemas["ProjectSummary"].get("examples") and schemas["LegalBasisSummary"].get("examples")
    assert "404" in paths["/projects/{id}"]["get"]["responses"]


# -- personal data -------------------------------------------------------------------------------
@pytest.fixture
def phone_client(memory_store: GraphStore, example_doc: ParsedDocument) -> tuple[TestClient, str]:
    """The example document, with a 经办人 phone number slipped into a project's text."""
    mapped = map_document(example_doc)
    memory_store.replace_document(mapped.doc_iri, mapped.quads())
    project = next(
        q.subject
        for q in mapped.quads()
        if q.predicate.value.endswith("rdf-syntax-ns#type") and q.object.value == BKG + "Project"
    )
    text = ox.NamedNode(BKG + "legalBasisText")
    for q in list(memory_store.store.quads_for_pattern(project, text, None, None)):
        memory_store.store.remove(q)
    memory_store.store.add(
        ox.Quad(
            project,
            text,
            ox.Literal("经办人：张三，电话 13912345678", language="zh"),
            ox.NamedNode(mapped.doc_iri),
        )
    )
    return TestClient(create_app(store=memory_store)), project.value


def test_phone_numbers_never_leave_by_default(
    phone_client: tuple[TestClient, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, project = phone_client
    monkeypatch.delenv("BUDGETKG_PUBLISH_PERSONAL_DATA", raising=False)
    r = client.get(f"/projects/{project}")
    assert r.status_code == 200 and "电话" in r.text
    assert not PHONE.search(r.text)
    assert not PHONE.search(client.get("/projects").text)
    monkeypatch.setenv("BUDGETKG_PUBLISH_PERSONAL_DATA", "1")
    assert "13912345678" in client.get(f"/projects/{project}").text


def test_real_numbers_are_not_mistaken_for_phones(
    memory_store: GraphStore, example_doc: ParsedDocument
) -> None:
    """Amounts are numeric literals: an 11-digit amount in yuan is not a phone number."""
    from budgetkg.api import privacy

    big = ox.Literal("13500000000", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal"))
    assert privacy.redact_term(big) is big
    assert privacy.redact_text("预算13500000000元") == "预算[redacted]元"  # text is filtered
    sha = "e5a13812345678f0" + "0" * 48  # a hash is no phone number
    for text in ("0351-1234567", "2023", "12345678901", "1381234567", "913812345678", sha):
        assert privacy.redact_text(text) == text
    for text in ("13812345678", "138 1234 5678", "+86-138-1234-5678", "１３８１２３４５６７８"):
        assert privacy.redact_text(text) == "[redacted]", text
