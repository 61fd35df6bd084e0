"""Named queries over HTTP: ``GET /queries`` and ``GET /queries/{name}?param=…`` (JSON, CSV, HTML,
the rendered SPARQL), 400 for a bad parameter, 404 for an unknown query, one JSON error shape."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient
from rdflib.plugins.sparql import prepareQuery

from budgetkg import queries
from budgetkg.api.app import create_app
from budgetkg.loader.ingest import ingest
from budgetkg.loader.store import GraphStore
from tests.conftest import seed

EGOV = "电子政务外网网络租赁费用"


@pytest.fixture(scope="module")
def client() -> TestClient:
    store = GraphStore(None)
    assert all(r.ok for r in ingest(store, [seed("003"), seed("004")]))
    return TestClient(create_app(store=store))


def _error(r: object, status: int) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert set(body) == {"error"} and set(body["error"]) == {"status", "title", "detail"}
    assert body["error"]["status"] == status
    return body["error"]


def test_list(client: TestClient) -> None:
    r = client.get("/queries")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    listed = r.json()["queries"]
    assert [q["name"] for q in listed] == [q.name for q in queries.list_queries()]
    first = listed[0]
    assert first["href"] == "/queries/project-legal-bases"
    assert first["title"] == {"zh": "项目的立项依据", "en": "Legal bases of a project"}
    via = next(p for p in first["params"] if p["name"] == "via")
    assert via["type"] == "enum(any,project,indicator)" and via["choices"] == ["any", "project", "indicator"]
    assert via["default"] == "any" and "one of" in via["allowed"]
    assert first["examples"][0].startswith("budgetkg query project-legal-bases")


def test_list_in_a_browser(client: TestClient) -> None:
    r = client.get("/queries", headers={"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert '<a href="/queries/largest-projects">' in r.text and "金额最大的项目" in r.text


def test_run_with_parameters_json(client: TestClient) -> None:
    r = client.get("/queries/project-legal-bases", params={"project": EGOV})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert body["query"] == "project-legal-bases" and body["params"] == {"project": EGOV, "via": "any"}
    assert body["truncated"] is False
    assert body["columns"][:3] == ["unit", "year", "project_name"]
    assert sorted((row["number"], row["issuer_level"]) for row in body["rows"]) == [
        ("吕政办发〔2017〕8号", "prefecture"),
        ("晋政办发〔2017〕10号", "provincial"),
    ]
    assert all(row["project"].startswith("https://w3id.org/budgetkg/id/doc/") for row in body["rows"])


def test_amounts_are_json_numbers(client: TestClient) -> None:
    body = client.get("/queries/basic-vs-project").json()
    assert [(row["unit"], row["total"], row["basic_share"]) for row in body["rows"]] == [
        ("兴县人民政府办公室", 8339000, 43.26),
        ("巨鹿县人民政府办公室", 12162700, 45.48),
    ]


def test_csv_by_format_and_by_accept(client: TestClient) -> None:
    for r in (
        client.get("/queries/projects-by-theme", params={"keywords": "网站", "format": "csv"}),
        client.get("/queries/projects-by-theme", params={"keywords": "网站"}, headers={"Accept": "text/csv"}),
    ):
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        table = list(csv.reader(io.StringIO(r.text)))
        assert table[0][:6] == ["keyword", "region", "unit", "year", "project_name", "amount"]
        assert sorted((row[4], row[5]) for row in table[1:]) == [
            ("兴县人民政府网站检测服务费", "78000"),
            ("政府网站安全服务费用", "195600"),
            ("政府网站网络安全等级保护建设费", "492000"),
            ("政府网站软硬件维护、内容信息维护费", "50000"),
        ]


def test_html_table(client: TestClient) -> None:
    r = client.get("/queries/largest-projects", params={"limit": "2"}, headers={"Accept": "text/html"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "<table>" in r.text and "疫情期间流调工作队办公食宿费用" in r.text
    assert '<td class="n">1460000</td>' in r.text
    assert 'href="/queries/largest-projects?limit=2&amp;format=csv"' in r.text


def test_rendered_sparql(client: TestClient) -> None:
    r = client.get("/queries/largest-projects", params={"limit": "3", "format": "sparql"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/sparql-query")
    assert "LIMIT 3" in r.text and "?_param_" not in r.text
    prepareQuery(r.text)


def test_bad_value_is_400(client: TestClient) -> None:
    err = _error(client.get("/queries/largest-projects", params={"limit": "many"}), 400)
    assert "'many'" in err["detail"] and "an integer from 1 to 1000" in err["detail"]
    err = _error(client.get("/queries/unmeasurable-indicators", params={"reason": "vague"}), 400)
    assert "one of any, placeholder, missing, trivial, qualitative" in err["detail"]


def test_unknown_parameter_is_400(client: TestClient) -> None:
    err = _error(client.get("/queries/largest-projects", params={"top": "3"}), 400)
    assert "unknown parameter 'top'" in err["detail"] and "limit, unit" in err["detail"]


def test_unknown_query_is_404(client: TestClient) -> None:
    err = _error(client.get("/queries/no-such-query"), 404)
    assert "known queries: project-legal-bases" in err["detail"]


def test_unknown_format_is_400(client: TestClient) -> None:
    err = _error(client.get("/queries/documents", params={"format": "xml"}), 400)
    assert "json, csv, html, sparql" in err["detail"]


def test_row_cap(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUDGETKG_MAX_ROWS", "3")
    r = client.get("/queries/largest-projects")
    assert r.status_code == 200 and r.headers["x-budgetkg-truncated"] == "true"
    assert r.headers["x-budgetkg-max-rows"] == "3"
    assert len(r.json()["rows"]) == 3 and r.json()["truncated"] is True
    monkeypatch.setenv("BUDGETKG_MAX_ROWS", "0")
    r = client.get("/queries/largest-projects")
    assert "x-budgetkg-truncated" not in r.headers and len(r.json()["rows"]) == 15


def test_in_the_openapi_document(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "/queries" in paths and "/queries/{name}" in paths
