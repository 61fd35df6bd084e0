"""The web pages (issue #4), through the real app with TestClient: every page, 404s in both
shapes, escaping, amounts, and that no phone number or person's name reaches a page."""

from __future__ import annotations

import copy
import json
import re
from collections import deque
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from budgetkg.api import pages
from budgetkg.api.app import create_app
from budgetkg.loader.ingest import ingest
from budgetkg.loader.records import document_from_dict
from budgetkg.loader.store import GraphStore
from budgetkg.loader.synth import generate
from budgetkg.mappings.iris import base_iri
from budgetkg.mappings.mapper import map_document

from .conftest import CASES, SEEDS, seed

HOSTILE_NAME = "<script>alert('x')</script>测试项目"
HOSTILE_TITLE = '<img src=x onerror="alert(1)">关于测试的通知'
PHONE = "13812345678"
LANDLINE = "0358-1234567"
PERSON = "张三丰"
# A mobile number standing alone (not inside a longer run of digits, e.g. an amount).
PHONE_PATTERN = re.compile(r"(?<![0-9])1[3-9]\d{9}(?![0-9])")


def hostile_document() -> dict:
    """The mapping test case, turned into a document whose every text tries to break out."""
    doc = json.loads((CASES / "mapping" / "basic" / "records.json").read_text("utf-8"))
    doc = copy.deepcopy(doc)
    doc["source"] = "hostile<b>.txt"
    doc["sha256"] = "0" * 64
    doc["unit"]["name"] = "<b>测试</b>单位"
    # its own made-up region codes, so its region names do not merge into the real 山西省 (140000)
    county = doc["unit"]["region"]
    county["adcode"], county["parent"]["adcode"], county["parent"]["parent"]["adcode"] = (
        "999901",
        "999900",
        "990000",
    )
    project = doc["projects"][0]
    project["name"] = HOSTILE_NAME
    project["legal_basis_text"] = (
        f"按照《{HOSTILE_TITLE}》(测试发〔2020〕1号)执行，"
        f"联系电话：{PHONE}，负责人：{PERSON}，座机 {LANDLINE}"
    )
    project["citations"] = [
        {
            "raw": f"《{HOSTILE_TITLE}》(测试发〔2020〕1号)",
            "basis_type": "policy",
            "title": HOSTILE_TITLE,
            "number": "测试发〔2020〕1号",
            "issuer": "测试省人民政府办公厅",
            "issuer_level": "provincial",
            "year": 2020,
            "source_line": 41,
        }
    ]
    project["indicators"][0]["target_text"] = f"≥90%（经办人：{PERSON}，电话 {PHONE}）"
    return doc


def build_store(path: Path, synth_dir: Path) -> GraphStore:
    """Seeds 003 and 004 (when ../shared is there), three generated documents and the hostile one."""
    store = GraphStore(path)
    files = sorted(SEEDS.glob("003_*.txt")) + sorted(SEEDS.glob("004_*.txt")) if SEEDS.is_dir() else []
    files += generate(3, 7, synth_dir)
    results = ingest(store, files, validate=False)
    assert all(r.ok for r in results), [(r.path.name, r.error) for r in results if not r.ok]
    mapped = map_document(document_from_dict(hostile_document()))
    store.replace_document(mapped.doc_iri, mapped.quads())
    return store


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> GraphStore:
    root = tmp_path_factory.mktemp("pages")
    return build_store(root / "store", root / "synth")


@pytest.fixture(scope="module")
def client(store: GraphStore) -> TestClient:
    return TestClient(create_app(store=store))


def ident(iri: str) -> str:
    assert iri.startswith(base_iri())
    return iri[len(base_iri()) :]


def one(store: GraphStore, sparql: str) -> str:
    rows = pages.select(store, sparql)
    assert rows, sparql
    return next(iter(rows[0].values()))


def project_iri(store: GraphStore, name: str) -> str:
    where = f"?p a bkg:Project ; rdfs:label ?n . FILTER(STR(?n) = {json.dumps(name)})"
    return one(store, f"SELECT ?p WHERE {{ {where} }}")


def basis_iri(store: GraphStore, number: str) -> str:
    return one(store, f"SELECT ?b WHERE {{ ?b a bkg:LegalBasis ; bkg:documentNumber {json.dumps(number)} }}")


def get_html(client: TestClient, url: str, status: int = 200) -> str:
    r = client.get(url, headers={"Accept": "text/html"})
    assert r.status_code == status, (url, r.status_code, r.text[:500])
    assert r.headers["content-type"].startswith("text/html")
    return r.text


# -- amounts ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("yuan", "wan", "text"),
    [
        ("4731600", "473.16", "4,731,600"),
        ("488000", "48.80", "488,000"),
        ("0", "0.00", "0"),
        ("4731612.5", "473.16125", "4,731,612.5"),
        ("123456789012", "12,345,678.9012", "123,456,789,012"),
        ("123456780000", "12,345,678.00", "123,456,780,000"),
        ("-2500", "-0.25", "-2,500"),
    ],
)
def test_amounts_are_decimal_in_wan_and_yuan(yuan: str, wan: str, text: str) -> None:
    assert pages.fmt_wan(Decimal(yuan)) == wan
    assert pages.fmt_yuan(Decimal(yuan)) == text


def test_redaction() -> None:
    text = f"联系电话：{PHONE}，负责人：{PERSON}，座机 {LANDLINE}；金额 12345678901234"
    out = pages.redact(text)
    assert PHONE not in out and PERSON not in out and LANDLINE not in out
    assert "负责人：" in out and "12345678901234" in out


# -- pages -----------------------------------------------------------------------------------------
def test_home(client: TestClient) -> None:
    html = get_html(client, "/")
    for text in ("预算知识图谱", "个项目", "projects", "条立项依据", "可以问的问题", "Example questions"):
        assert text in html
    assert 'action="/search"' in html
    assert "/search?q=%E7%94%B5%E5%AD%90%E6%94%BF%E5%8A%A1" in html  # 电子政务
    assert '<link rel="stylesheet" href="/static/style.css">' in html


def test_static_files(client: TestClient) -> None:
    css = client.get("/static/style.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    js = client.get("/static/editor.js")
    assert js.status_code == 200 and "fetch(" in js.text
    assert client.get("/static/../pages.py").status_code == 404


def test_search(client: TestClient) -> None:
    seed("004")
    html = get_html(client, "/search?q=电子政务")
    assert "电子政务外网网络租赁费用" in html.replace("<mark>", "").replace("</mark>", "")
    assert "<mark>电子政务</mark>" in html
    assert 'href="/project/doc/' in html
    # legal-basis titles are searched too
    html = get_html(client, "/search?q=督办系统")
    assert 'href="/legal-basis/legal/' in html and "督办系统" in html


def test_search_edge_cases(client: TestClient) -> None:
    assert "输入中文关键词" in get_html(client, "/search")
    html = get_html(client, "/search?q=" + "没有这种项目")
    assert "没有找到" in html
    for q in ['") } DROP ALL ; #', "\\", "\"'<>{}", "a\nb", "x" * 5000]:
        r = client.get("/search", params={"q": q})
        assert r.status_code == 200, q


def test_project_page(client: TestClient, store: GraphStore) -> None:
    seed("004")
    iri = project_iri(store, "电子政务外网网络租赁费用")
    html = get_html(client, f"/project/{ident(iri)}")
    assert '项目 <span class="en">Project</span>' in html
    assert "48.80 万元" in html and "488,000 元" in html
    # legal bases as links, both of them
    for number in ("晋政办发〔2017〕10号", "吕政办发〔2017〕8号"):
        assert f'href="/legal-basis/{ident(basis_iri(store, number))}"' in html
        assert number in html
    # indicators grouped by level, with targets
    assert "年度指标" in html and "产出指标" in html and "数量指标" in html and "68条" in html
    assert html.index("产出指标") < html.index("效益指标") < html.index("满意度指标")
    # provenance: document and line
    assert "004_07ea5d1c6c658eb0.txt" in html and "第 400 行" in html
    assert 'href="/unit/unit/' in html


def test_legal_basis_page(client: TestClient, store: GraphStore) -> None:
    seed("004")
    iri = basis_iri(store, "晋政办发〔2017〕10号")
    html = get_html(client, f"/legal-basis/{ident(iri)}")
    assert "晋政办发〔2017〕10号" in html and "督办系统" in html
    assert "电子政务外网网络租赁费用" in html and "兴县人民政府办公室" in html
    assert "山西省 吕梁市 兴县" in html
    assert "48.80 万元" in html  # the total of the citing projects
    assert 'class="unit-link" href="/unit/unit/' in html


def test_legal_basis_lists_projects_across_units(client: TestClient, store: GraphStore) -> None:
    rows = pages.select(
        store,
        """SELECT ?b (COUNT(DISTINCT ?u) AS ?n) WHERE { ?p bkg:hasLegalBasis ?b ; bkg:budgetUnit ?u }
           GROUP BY ?b ORDER BY DESC(?n) ?b LIMIT 1""",
    )
    b = rows[0]["b"]
    data = pages.legal_basis_data(store, b)
    assert data is not None and data["units"] == rows[0]["n"]
    html = get_html(client, f"/legal-basis/{ident(b)}")
    for p in data["projects"]:
        assert p["href"] in html
    assert pages.fmt_wan(data["total"]) in html


def test_unit_page(client: TestClient, store: GraphStore) -> None:
    seed("004")
    unit = one(store, 'SELECT ?u WHERE { ?u a bkg:BudgetUnit ; skos:prefLabel "兴县人民政府办公室"@zh }')
    html = get_html(client, f"/unit/{ident(unit)}")
    assert "兴县人民政府办公室" in html and "2023 年度部门预算" in html
    assert "833.90 万元" in html and "8,339,000 元" in html  # 支出合计
    assert "<svg" in html and 'class="bar-chart"' in html
    assert "201 一般公共服务支出" in html and "620.54" in html
    assert "电子政务外网网络租赁费用" in html


def test_sparql_editor_page(client: TestClient) -> None:
    html = get_html(client, "/sparql-editor")
    assert '<textarea id="sparql-query"' in html and 'id="run-query"' in html
    assert '<script src="/static/editor.js"></script>' in html
    html = get_html(client, "/sparql-editor?query=" + "SELECT%20%3Cx%3E")
    assert "SELECT &lt;x&gt;" in html


def test_library_page(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    html = get_html(client, "/library")
    assert "查询库" in html and "Query library" in html
    entries = pages.library_entries()
    if entries:
        assert f'href="/library/{entries[0].name}"' in html
    monkeypatch.setattr(pages, "_queries_module", lambda: None)
    html = get_html(client, "/library")
    assert "查询库暂不可用" in html and "not available" in html
    get_html(client, "/library/largest-projects", status=404)


def test_library_query_runs_with_table_and_chart(client: TestClient) -> None:
    names = {e.name for e in pages.library_entries()}
    if "largest-projects" not in names:
        pytest.skip("budgetkg.queries has no largest-projects query (yet)")
    html = get_html(client, "/library/largest-projects?limit=3")
    assert '<table class="data results">' in html and 'href="/project/doc/' in html
    assert "<svg" in html  # amounts of at most 40 rows get a bar chart
    r = client.get("/library/largest-projects?limit=zero", headers={"Accept": "text/html"})
    assert r.status_code == 400 and "limit" in r.text


def test_result_chart_only_where_it_fits() -> None:
    cells = [[pages.Cell("a"), pages.Cell("1", numeric=True, value=Decimal(1), decimal=True)]]
    assert pages._result_chart(["name", "amount"], cells) is not None
    assert pages._result_chart(["name", "amount"], cells * 41) is None
    assert pages._result_chart(["name", "other"], [[pages.Cell("a"), pages.Cell("b")]]) is None


# -- errors ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    [
        "/project/doc/nope/2023/project/000000000000",
        "/legal-basis/legal/n-000000000000",
        "/unit/unit/000000-000000000000",
        "/project/<script>",
        "/project/doc/a b/2023/project/x",
        "/library/no-such-query",
    ],
)
def test_not_found_in_both_shapes(client: TestClient, url: str) -> None:
    r = client.get(url, headers={"Accept": "text/html,application/xhtml+xml"})
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "<h1>找不到" in r.text and "<script>" not in r.text
    r = client.get(url, headers={"Accept": "application/json"})
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert set(body) == {"error"} and set(body["error"]) == {"status", "title", "detail"}
    assert body["error"]["status"] == 404


def test_a_unit_is_not_a_project(client: TestClient, store: GraphStore) -> None:
    unit = one(store, "SELECT ?u WHERE { ?d a bkg:BudgetDocument ; bkg:budgetUnit ?u } LIMIT 1")
    get_html(client, f"/project/{ident(unit)}", status=404)


# -- escaping and personal data -------------------------------------------------------------------
def test_everything_is_escaped(client: TestClient, store: GraphStore) -> None:
    iri = project_iri(store, HOSTILE_NAME)
    html = get_html(client, f"/project/{ident(iri)}")
    assert "<script>alert" not in html and "&lt;script&gt;alert(" in html
    assert "<img src=x" not in html and "&lt;img src=x" in html
    assert "<b>测试</b>" not in html and "&lt;b&gt;测试&lt;/b&gt;" in html
    for url in (
        "/search?q=测试",
        "/search?q=<script>",
        f"/legal-basis/{ident(basis_iri(store, '测试发〔2020〕1号'))}",
    ):
        page = get_html(client, url)
        assert "<script>alert" not in page and "<img src=x" not in page and "<b>测试</b>" not in page
        assert "<script>" not in page.replace('<script src="/static/editor.js"></script>', "")


def test_personal_data_is_masked(client: TestClient, store: GraphStore) -> None:
    iri = project_iri(store, HOSTILE_NAME)
    html = get_html(client, f"/project/{ident(iri)}")
    assert "联系电话：" in html and "负责人：" in html  # the text is there, the person is not
    assert PHONE not in html and PERSON not in html and LANDLINE not in html


SITE = ("/project/", "/legal-basis/", "/unit/", "/search", "/library")


def crawl(client: TestClient, starts: list[str], limit: int = 250) -> dict[str, str]:
    """Follow the site's own links breadth-first from ``starts``."""
    seen: dict[str, str] = {}
    queue = deque(starts)
    while queue and len(seen) < limit:
        url = queue.popleft()
        if url in seen:
            continue
        r = client.get(url, headers={"Accept": "text/html"})
        assert r.status_code == 200, (url, r.status_code)
        seen[url] = r.text
        for href in re.findall(r'href="(/[^"#]*)"', r.text):
            href = href.replace("&amp;", "&")
            path = urlsplit(href).path
            if path.startswith(SITE) and href not in seen:
                queue.append(href)
    return seen


def test_no_phone_number_on_any_page(client: TestClient, store: GraphStore) -> None:
    hostile = f"/project/{ident(project_iri(store, HOSTILE_NAME))}"
    visited = crawl(client, ["/", "/search?q=电子政务", "/search?q=测试", hostile, "/sparql-editor"])
    assert hostile in visited and len(visited) > 20
    kinds = {urlsplit(u).path.split("/")[1] for u in visited}
    assert {"project", "legal-basis", "unit", "search", "library"} <= kinds
    for url, html in visited.items():
        assert not PHONE_PATTERN.search(html), (url, PHONE_PATTERN.search(html))
        assert PERSON not in html and LANDLINE not in html, url


def test_linked_data_html_uses_the_site_look(client: TestClient, store: GraphStore) -> None:
    seed("004")
    iri = project_iri(store, "电子政务外网网络租赁费用")
    r = client.get(f"/id/{ident(iri)}", headers={"Accept": "text/html"})
    if r.status_code == 404 and "application/json" in r.headers["content-type"]:
        pytest.skip("no linked-data router mounted")
    assert r.status_code == 200 and "/static/style.css" in r.text
    assert f'href="/project/{ident(iri)}"' in r.text and "电子政务外网网络租赁费用" in r.text
