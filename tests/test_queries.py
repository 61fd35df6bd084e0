"""Issue #4's named queries (queries/*.rq).

Every file has a complete header, renders and parses (pyoxigraph and rdflib) with its defaults and
its examples, substitutes parameters as typed terms only, and is documented in the README. Each
query, run on the seeds — 003 巨鹿县人民政府办公室 (河北) and 004 兴县人民政府办公室 (山西) — gives
the rows the documents state; where the seeds lack the data (shared legal documents, missing
indicator categories, last year's figures, violations), generated documents with their truth files
or small hand-built graphs stand in. rdflib's engine must give the same rows as pyoxigraph; an
Oxigraph server and Virtuoso 7 too (slow; started like tests/test_remote.py does).
"""

from __future__ import annotations

import io
import json
import shlex
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.plugins.sparql import prepareQuery

from budgetkg import queries
from budgetkg.api.cli import main
from budgetkg.api.guard import check_query
from budgetkg.loader.export import export
from budgetkg.loader.ingest import ingest
from budgetkg.loader.records import Indicator, Line, ParsedDocument, Project, Region, Table, Unit
from budgetkg.loader.store import GraphStore, open_store
from budgetkg.loader.synth import generate
from budgetkg.loader.validate import validate_document
from budgetkg.loader.validation_graph import report_quads, store_report, validation_graph_iri
from budgetkg.mappings.mapper import map_document
from tests.conftest import seed
from tests.test_remote import engine  # noqa: F401  (the Oxigraph / Virtuoso server fixture)

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text("utf-8")
XING = "兴县人民政府办公室"  # seed 004, 兴县 (吕梁市, 山西省)
JULU = "巨鹿县人民政府办公室"  # seed 003, 巨鹿县 (邢台市, 河北省)
BKG = "https://w3id.org/budgetkg/def#"
XSD_DECIMAL = ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")
ALL = [q.name for q in queries.list_queries()]


def rows(store: object, name: str, **params: object) -> list[dict]:
    return queries.run(store, name, {k: str(v) for k, v in params.items()}).records()


def pick(records: list[dict], *columns: str) -> list[tuple]:
    return [tuple(r[c] for c in columns) for r in records]


# ------------------------------------------------------------------------------------------------
# Stores
# ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seeds() -> GraphStore:
    """Seeds 003 and 004, ingested and validated (ingest stores each validation report)."""
    store = GraphStore(None)
    results = ingest(store, [seed("003"), seed("004")])
    assert [r.error for r in results] == [None, None]
    return store


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> tuple[GraphStore, list[dict]]:
    """Six generated documents (seed 1) and their truth files."""
    out = tmp_path_factory.mktemp("synth")
    paths = generate(6, 1, out)
    store = GraphStore(None)
    assert all(r.ok for r in ingest(store, paths, validate=False))
    truths = [json.loads(p.with_name(p.stem + ".truth.json").read_text("utf-8")) for p in paths]
    return store, truths


@pytest.fixture(scope="module")
def disk_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeds in an on-disk store, for the command line."""
    path = tmp_path_factory.mktemp("queries") / "store"
    assert main(["ingest", "-q", "--store", str(path), str(seed("003")), str(seed("004"))]) == 0
    return path


def _doc(
    year: int,
    lines: list[Line],
    projects: list[Project] | None = None,
    unit: str = "示例县财政局",
    tables: tuple[str, ...] = ("expenditure_summary", "sangong"),
) -> ParsedDocument:
    return ParsedDocument(
        source=f"example-{year}.txt",
        sha256="0" * 64,
        fiscal_year=year,
        unit=Unit(unit, Region("示例县", "county", "140000")),
        layout="tsv",
        tables=[Table(k, k, Decimal(10000), 1) for k in tables],
        lines=lines,
        projects=projects or [],
    )


def _put(store: GraphStore, doc: ParsedDocument, extra: list[ox.Quad] | None = None) -> str:
    mapped = map_document(doc)
    store.replace_document(mapped.doc_iri, [*mapped.quads(), *(extra or [])])
    return mapped.doc_iri


def _previous(line: str, amount: str, graph: str) -> ox.Quad:
    return ox.Quad(
        ox.NamedNode(line),
        ox.NamedNode(BKG + "previousAmount"),
        ox.Literal(amount, datatype=XSD_DECIMAL),
        ox.NamedNode(graph),
    )


@pytest.fixture(scope="module")
def two_years() -> GraphStore:
    """One unit's 2022 and 2023 budgets; the 2023 三公 total states last year's figure."""
    store = GraphStore(None)

    def lines(total: str, c201: str, c208: str) -> list[Line]:
        return [
            Line("expenditure_summary", Decimal(total), 10, "合计", is_total=True),
            Line("expenditure_summary", Decimal(c201), 11, "一般公共服务支出", function_code="201"),
            Line("expenditure_summary", Decimal(c208), 12, "社会保障和就业支出", function_code="208"),
        ]

    _put(store, _doc(2022, lines("1000000", "800000", "200000")))
    sangong = Line("sangong", Decimal(20000), 20, "合计", sangong_item="total", is_total=True)
    doc = _doc(2023, [*lines("1100000", "850000", "250000"), sangong])
    iri = map_document(doc).doc_iri
    _put(store, doc, [_previous(f"{iri}/line/sangong/total/total", "25000", iri)])
    return store


# ------------------------------------------------------------------------------------------------
# The library: headers, rendering, parameters, documentation
# ------------------------------------------------------------------------------------------------


def test_at_least_fifteen_queries_covering_the_issue() -> None:
    assert len(ALL) >= 15 and len(set(ALL)) == len(ALL)
    for name in (
        "project-legal-bases",
        "projects-by-legal-basis",
        "shared-legal-bases",
        "informal-only-projects",
        "legal-bases-by-issuer-level",
        "spending-by-function-class",
        "basic-vs-project",
        "sangong-and-operating-costs",
        "year-over-year",
        "projects-by-theme",
        "unmeasurable-indicators",
        "projects-missing-indicators",
        "validation-issues",
        "largest-projects",
        "disclosure-completeness",
    ):
        assert name in ALL


@pytest.mark.parametrize("name", ALL)
def test_header_is_complete(name: str) -> None:
    q = queries.get(name)
    assert q.path.name.endswith(f"_{name}.rq")
    assert q.title_zh and q.title_en and len(q.description) > 40
    assert any("\u4e00" <= ch <= "\u9fff" for ch in q.title_zh), "title@zh should be Chinese"
    assert q.examples and all(e.startswith(f"budgetkg query {name}") for e in q.examples)
    for p in q.params:
        assert p.description, f"{name}: parameter {p.name} has no description"
        assert f"?_param_{p.name}" in q.body
    assert not queries.PLACEHOLDER.findall(q.render()), "every placeholder is substituted"


def _example_params(example: str) -> dict[str, str]:
    args = shlex.split(example)[3:]
    params = {}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        assert flag == "--param"
        key, _, val = value.partition("=")
        params[key] = val
    return params


@pytest.mark.parametrize("name", ALL)
def test_renders_to_portable_read_only_sparql(name: str) -> None:
    q = queries.get(name)
    variants = [q.render()] + [q.render(_example_params(e)) for e in q.examples]
    for text in variants:
        prepareQuery(text)  # rdflib's parser
        ox.Store().query(text)  # pyoxigraph's parser (and an empty run)
        check_query(text)  # what /sparql would accept: no update, no SERVICE/LOAD
        code = " ".join(line.split("#", 1)[0] for line in text.splitlines() if not line.startswith("PREFIX"))
        for word in ("GRAPH", "FROM ", "SERVICE"):
            assert word not in code.upper(), f"{name}: {word.strip()} makes it engine- or layout-specific"
        assert text.lstrip().startswith("PREFIX") and "SELECT" in text


@pytest.mark.parametrize("name", ALL)
def test_every_query_and_parameter_is_in_the_readme(name: str) -> None:
    section = README.split("## Named queries", 1)[1].split("\n## ", 1)[0]
    assert f"`{name}`" in section, f"{name} is not listed under ## Named queries in README.md"
    row = next(line for line in section.splitlines() if line.startswith(f"| `{name}` |"))
    for p in queries.get(name).params:
        assert f"`{p.name}`" in row, f"parameter {p.name} of {name} is not in its README row"


def test_library_parses_headers_strictly(tmp_path: Path) -> None:
    good = (
        "# name: x-y\n# title@zh: 甲\n# title@en: A\n# description: d\n"
        "# example: budgetkg query x-y\nSELECT * {}\n"
    )
    (tmp_path / "01_x-y.rq").write_text(good, "utf-8")
    assert queries.parse_query_file(tmp_path / "01_x-y.rq").name == "x-y"
    for broken, message in (
        (good.replace("# title@en: A\n", ""), "title@en"),
        (good.replace("# example: budgetkg query x-y\n", ""), "example"),
        (good.replace("SELECT * {}", "SELECT * { FILTER(?_param_z) }"), "placeholders without a param"),
        (good.replace("# example", "# param: n | integer | 1 | n\n# example"), "never used"),
        (good.replace("# name: x-y", "# name: other"), "match the file name"),
        (good.replace("# description: d\n", "# description: d\n# param: p | float | 1 | p\n"), "type"),
        (good.replace("# description: d\n", "# description: d\n# param: p | integer(1..3) | 9 | p\n"), "9"),
    ):
        (tmp_path / "01_x-y.rq").write_text(broken, "utf-8")
        with pytest.raises(ValueError, match=message):
            queries.parse_query_file(tmp_path / "01_x-y.rq")


@pytest.mark.parametrize(
    ("spec", "value", "term"),
    [
        ("string", '电子政务"外网', '"电子政务\\"外网"'),
        ("string", "", '""'),
        ("strings", "网站, 电子政务，法律顾问", '"网站" "电子政务" "法律顾问"'),
        ("iri", "https://w3id.org/budgetkg/id/legal/n-1", "<https://w3id.org/budgetkg/id/legal/n-1>"),
        ("integer(1..10)", "07", "7"),
        ("decimal", "12", "12.0"),
        ("decimal", "-0.50", "-0.50"),
        ("boolean", "Yes", "true"),
        ("boolean", "0", "false"),
        ("enum(any,annual)", "annual", '"annual"'),
    ],
)
def test_parameters_become_typed_terms(spec: str, value: str, term: str) -> None:
    default = value if value else '""'
    assert queries.parse_param(f"p | {spec} | {default} | p", "t").term(value) == term


@pytest.mark.parametrize(
    ("spec", "value", "allowed"),
    [
        ("string", "a\\u0022b", "without backslashes"),
        ("string", "line\nbreak", "control characters"),
        ("string", "x" * 501, "at most 500"),
        ("strings", " , ", "comma-separated"),
        ("iri", "not an iri", "absolute IRI"),
        ("iri", "http://x/> } ; DROP ALL ; <http://y", "absolute IRI"),
        ("integer(1..10)", "11", "from 1 to 10"),
        ("integer(1..)", "0", "≥ 1"),
        ("integer", "1e3", "an integer"),
        ("decimal", "1e3", "decimal number"),
        ("boolean", "maybe", "true or false"),
        ("enum(any,annual)", "ANNUAL", "one of any, annual"),
    ],
)
def test_bad_values_name_the_value_and_the_allowed_set(spec: str, value: str, allowed: str) -> None:
    default = {"strings": "a", "iri": "urn:x", "decimal": "1", "boolean": "true"}.get(spec, '""')
    default = "1" if spec.startswith("integer") else "any" if spec.startswith("enum") else default
    param = queries.parse_param(f"p | {spec} | {default} | p", "q")
    with pytest.raises(queries.BadParameter) as err:
        param.term(value, "q")
    assert allowed in str(err.value) and repr(value)[:20] in str(err.value)
    assert isinstance(err.value, ValueError)  # the pages catch ValueError


def test_unknown_query_and_parameter_are_domain_errors() -> None:
    with pytest.raises(queries.UnknownQuery, match="known queries: project-legal-bases"):
        queries.render("no-such-query")
    with pytest.raises(queries.UnknownParameter, match="parameters of largest-projects: limit, unit"):
        queries.render("largest-projects", {"top": "3"})


def test_a_hostile_value_stays_a_literal(seeds: GraphStore) -> None:
    hostile = '"} } ; DROP ALL ; SELECT * { ?s ?p ?o } #'
    text = queries.render("project-legal-bases", {"project": hostile})
    prepareQuery(text)
    check_query(text)
    assert rows(seeds, "project-legal-bases", project=hostile) == []
    assert len(seeds) > 10_000  # nothing was dropped


# ------------------------------------------------------------------------------------------------
# 1–2. Legal bases of a project; projects resting on a legal basis
# ------------------------------------------------------------------------------------------------

EGOV = "电子政务外网网络租赁费用"
EGOV_BASES = {
    (
        "晋政办发〔2017〕10号",
        "关于依托电子政务外网“13710”督办系统建设的通知",
        "山西省人民政府办公厅",
        "provincial",
    ),
    (
        "吕政办发〔2017〕8号",
        "关于印发吕梁市电子政务外网建设工作方案的通知",
        "吕梁市人民政府办公室",
        "prefecture",
    ),
}


def test_project_legal_bases_by_name_and_by_iri(seeds: GraphStore) -> None:
    got = rows(seeds, "project-legal-bases", project=EGOV)
    assert {(r["number"], r["title"], r["issuer"], r["issuer_level"]) for r in got} == EGOV_BASES
    assert {(r["unit"], r["year"], r["project_name"], r["via"], r["basis_type"]) for r in got} == {
        (XING, "2023", EGOV, "project", "policy")
    }
    assert len(got) == 2
    by_iri = rows(seeds, "project-legal-bases", project=got[0]["project"])
    assert sorted(pick(by_iri, "number", "basis")) == sorted(pick(got, "number", "basis"))


def test_project_legal_bases_through_indicator_targets(seeds: GraphStore) -> None:
    # 003 states no 立项依据; its indicators' 指标值确定依据 cite 政府办三定方案 and, for 满意度, 问卷调查
    got = rows(seeds, "project-legal-bases", project="县政府常年法律顾问费")
    assert {(r["via"], r["basis_type"], r["title"] or r["basis_label"]) for r in got} == {
        ("indicator", "policy", "政府办三定方案"),
        ("indicator", "informal", "问卷调查"),
    }
    assert rows(seeds, "project-legal-bases", project="县政府常年法律顾问费", via="project") == []
    # the two notices 人民防空方案计划编制 rests on
    got = rows(seeds, "project-legal-bases", project="人民防空方案计划编制经费启动资金", via="indicator")
    assert {r["title"] for r in got if r["basis_type"] != "informal"} == {
        "关于组织编制人民防空方案计划的通知",
        "关于明确人民防空方案计划编制有关问题的通知",
    }


def test_projects_by_legal_basis(seeds: GraphStore) -> None:
    for typed in ("晋政办发〔2017〕10号", "晋政办发[2017]10号", "晋政办发（2017）10号"):
        got = rows(seeds, "projects-by-legal-basis", basis=typed)
        assert pick(got, "number", "province", "region", "unit", "project_name", "amount", "via") == [
            ("晋政办发〔2017〕10号", "山西省", "兴县", XING, EGOV, 488000, "project")
        ]
    got = rows(seeds, "projects-by-legal-basis", basis="互联网+政务服务")
    assert pick(got, "province", "unit", "project_name", "amount", "via") == [
        ("河北省", JULU, "电子政务外网项目托管服务费", 189500, "indicator")
    ]
    got = rows(seeds, "projects-by-legal-basis", basis="吕政办发")
    assert sorted(pick(got, "number", "project_name")) == [
        ("吕政办发〔2017〕8号", EGOV),
        ("吕政办发〔2018〕53号", "协同办公系统流量卡及其相关费用"),
        ("吕政办发〔2021〕37号", "企业上市政务公开三级金融站建立培训费"),
    ]


# ------------------------------------------------------------------------------------------------
# 3. Legal documents cited by several units
# ------------------------------------------------------------------------------------------------


def test_shared_legal_bases_on_the_seeds(seeds: GraphStore) -> None:
    # 兴县 (山西) and 巨鹿县 (河北) cite no common document
    assert rows(seeds, "shared-legal-bases") == []
    every = rows(seeds, "shared-legal-bases", min_units=1)
    assert {r["basis_type"] for r in every} <= {"law", "policy", "standard", "decision"}
    by_key = {r["number"] or r["title"]: r for r in every}
    assert pick(
        [by_key["晋政办发〔2017〕10号"]], "units", "regions", "documents", "projects", "unit_names"
    ) == [(1, 1, 1, 1, XING)]
    # 政府办三定方案 sets the targets of two 巨鹿 projects (法律顾问, 综合治税)
    assert pick([by_key["政府办三定方案"]], "units", "projects", "unit_names") == [(1, 2, JULU)]
    assert "政府网站安全服务合同" not in by_key  # a contract is the unit's own, never shared


def _citable(c: dict) -> bool:
    return c["basis_type"] not in ("informal", "contract") and bool(c.get("number") or c.get("title"))


def test_shared_legal_bases_match_the_generator_truth(synth: tuple[GraphStore, list[dict]]) -> None:
    store, truths = synth
    units: dict[str, set[str]] = defaultdict(set)
    projects: Counter[str] = Counter()
    for t in truths:
        for p in t["projects"]:
            keys = {c.get("number") or c.get("title") for c in p["citations"] if _citable(c)}
            for key in keys:
                units[key].add(t["unit"]["name"])
                projects[key] += 1
    expected = {k: (len(v), projects[k]) for k, v in units.items() if len(v) >= 2}
    assert len(expected) >= 3, "the generator should share some central documents"
    got = {r["number"] or r["title"]: (r["units"], r["projects"]) for r in rows(store, "shared-legal-bases")}
    assert got == expected


# ------------------------------------------------------------------------------------------------
# 4. Projects resting on informal reasons only
# ------------------------------------------------------------------------------------------------

XING_INFORMAL = {
    "政府网站网络安全等级保护建设费": 492000,  # 根据实际工作要求
    "机房升级改造维护费": 250000,  # 根据实际工作要求。
    "兴县政府协同办公系统运维服务费": 196000,  # 根据工作实际需求
    "计算机终端及业务应用系统购置费": 121400,  # 根据兴县安可工作领导小组办公室文件要求
    "办公费用": 100000,  # 实际需要
    "政府、政府办文件资料打印费": 100000,
    "兴县人民政府网站检测服务费": 78000,
    "办公设备购置费": 40000,
    "联通网络费": 30000,  # 实际需要
    "外出考察费": 20000,  # 经县政府研究决定: a decision without title or 文号
}


def test_informal_only_projects_on_the_seeds(seeds: GraphStore) -> None:
    got = rows(seeds, "informal-only-projects")
    assert {r["project_name"]: r["amount"] for r in got} == XING_INFORMAL
    assert {(r["unit"], r["unit_projects"], r["unit_amount"], r["unit_share"]) for r in got} == {
        # 142.74 of the 473.15 万元 the 20 projects list
        (XING, 10, 1427400, Decimal("30.17"))
    }
    assert next(r["basis_text"] for r in got if r["project_name"] == "办公费用") == "实际需要"
    # 003 states no 立项依据 at all: its 23 projects appear only when asked for
    with_missing = rows(seeds, "informal-only-projects", include_missing="true")
    assert Counter(r["unit"] for r in with_missing) == {XING: 10, JULU: 23}
    assert rows(seeds, "informal-only-projects", unit="巨鹿") == []


def test_informal_only_projects_match_the_generator_truth(synth: tuple[GraphStore, list[dict]]) -> None:
    store, truths = synth
    expected = Counter(
        (t["unit"]["name"], p["name"])
        for t in truths
        for p in t["projects"]
        if p["citations"]
        and all(
            c["basis_type"] == "informal" or not (c.get("number") or c.get("title")) for c in p["citations"]
        )
    )
    assert expected
    assert Counter(pick(rows(store, "informal-only-projects"), "unit", "project_name")) == expected


# ------------------------------------------------------------------------------------------------
# 5. Legal bases by issuer level
# ------------------------------------------------------------------------------------------------


def test_legal_bases_by_issuer_level(seeds: GraphStore) -> None:
    got = rows(seeds, "legal-bases-by-issuer-level", via="project")
    # 兴县's 19 documents: 中办国办 1; 晋 6 (晋政办发, 晋政务信息, 晋银保监发, 晋政发,
    # 晋处非办发, 晋处非办函); 吕梁 5 (吕政办发 ×3, 吕上市办, 厅字); 兴县 6 (兴政发,
    # 兴政办发 ×4, 兴农组发); the cut-off 《关于印发吕梁市委… tells no level
    assert pick(got, "unit", "level", "bases", "unit_bases", "share") == [
        (XING, "central", 1, 19, Decimal("5.26")),
        (XING, "provincial", 6, 19, Decimal("31.58")),
        (XING, "prefecture", 5, 19, Decimal("26.32")),
        (XING, "county", 6, 19, Decimal("31.58")),
        (XING, "unknown", 1, 19, Decimal("5.26")),
    ]
    assert [r["level_zh"] for r in got] == ["中央", "省级", "市级", "县级", "未知"]
    # 巨鹿's indicator targets: 河北省人民政府 (provincial); 政府办三定方案, two 人民防空 notices and
    # 政府网站安全服务合同 without an issuer; 问卷调查 and 工作安排 are informal, not counted
    got = rows(seeds, "legal-bases-by-issuer-level", via="indicator")
    assert pick(got, "unit", "level", "bases") == [(JULU, "provincial", 1), (JULU, "unknown", 4)]


# ------------------------------------------------------------------------------------------------
# 6–8. Spending by function class; basic vs project; 三公 and 机关运行经费
# ------------------------------------------------------------------------------------------------


def test_spending_by_function_class_side_by_side(seeds: GraphStore) -> None:
    got = rows(seeds, "spending-by-function-class", depth=1)
    assert pick(got, "code", "unit", "amount", "share") == [
        ("201", XING, 6205400, Decimal("74.41")),  # 620.54 / 833.90 万元, as 004 says (占74.41%)
        ("201", JULU, 10063700, Decimal("82.74")),
        ("203", JULU, 430000, Decimal("3.54")),
        ("208", XING, 538900, Decimal("6.46")),
        ("208", JULU, 969000, Decimal("7.97")),
        ("210", XING, 166300, Decimal("1.99")),
        ("210", JULU, 310000, Decimal("2.55")),
        ("217", XING, 1144200, Decimal("13.72")),
        ("221", XING, 284200, Decimal("3.41")),
        ("221", JULU, 390000, Decimal("3.21")),
    ]
    assert {(r["unit"], r["unit_total"]) for r in got} == {(XING, 8339000), (JULU, 12162700)}
    assert {r["level"] for r in got} == {"类"}
    assert next(r["name"] for r in got if r["code"] == "217") == "金融支出"


def test_spending_under_one_class_follows_the_code_hierarchy(seeds: GraphStore) -> None:
    got = rows(seeds, "spending-by-function-class", **{"class": "210", "depth": 3})
    assert pick(got, "code", "level", "unit", "amount") == [
        ("210", "类", XING, 166300),
        ("210", "类", JULU, 310000),
        ("21011", "款", XING, 166300),
        ("21011", "款", JULU, 310000),
        ("2101101", "项", XING, 96200),
        ("2101101", "项", JULU, 250000),
        ("2101102", "项", XING, 25300),
        ("2101103", "项", XING, 44400),
        ("2101103", "项", JULU, 60000),
        ("2101199", "项", XING, 500),
    ]
    # the 一般公共预算 table carries the same figures
    gb = rows(seeds, "spending-by-function-class", depth=1, table="general_budget_expenditure")
    assert pick(gb, "code", "unit", "amount") == pick(
        rows(seeds, "spending-by-function-class", depth=1), "code", "unit", "amount"
    )


def test_basic_vs_project(seeds: GraphStore) -> None:
    got = rows(seeds, "basic-vs-project")
    assert pick(got, "unit", "year", "total", "basic", "project", "basic_share", "project_share") == [
        # 004: 基本支出360.74万元，占43.26%；项目支出473.16万元，占56.74%
        (XING, "2023", 8339000, 3607400, 4731600, Decimal("43.26"), Decimal("56.74")),
        (JULU, "2023", 12162700, 5532000, 6630700, Decimal("45.48"), Decimal("54.52")),
    ]
    # 004 lists 20 projects summing to 473.15 万元 (the table's 473.16 is rounded); 003 lists 23
    assert pick(got, "projects_listed") == [(20,), (23,)]
    assert got[0]["projects_amount"] == 4731500


def test_sangong_and_operating_costs(seeds: GraphStore) -> None:
    got = rows(seeds, "sangong-and-operating-costs")
    columns = (
        "sangong_total",
        "travel_abroad",
        "vehicle",
        "vehicle_purchase",
        "vehicle_operation",
        "reception",
    )
    assert pick(got, "unit", *columns, "meeting", "training", "operating_costs") == [
        # 004: 公务用车运行维护费 2.00 万元, no 会议费/培训费 rows; 机关运行经费表 部门合计 34.83 万元
        (XING, 20000, 0, 20000, 0, 20000, 0, None, None, 348300),
        # 003: only 公务用车运行维护费 24.00 (合计 and 小计 left blank), 会议费 55.00, 培训费 4.00;
        # its 机关运行经费 (56.5 万元) is only in the text, read from there (loader.narrative)
        (JULU, 240000, 0, 240000, 0, 240000, 0, 550000, 40000, 565000),
    ]


# ------------------------------------------------------------------------------------------------
# 9. Year over year
# ------------------------------------------------------------------------------------------------


def test_year_over_year_as_the_seeds_state_it(seeds: GraphStore) -> None:
    # the seeds are one year each: every figure comes from a 比上年增加… sentence (loader.narrative)
    got = rows(seeds, "year-over-year", table="")
    assert {r["source"] for r in got} == {"stated"}
    assert pick(got, "unit", "table_kind", "row", "column", "previous") == [
        (XING, "expenditure_summary", "total", "total", 4307000),
        (XING, "general_budget_expenditure", "total", "total", 4307000),
        (XING, "income_summary", "total", "total", 4307000),
        (XING, "operating_costs", "total", "total", 370900),
        (XING, "sangong", "total", "total", 25000),
        (XING, "sangong", "vehicle_operation", "total", 25000),
        (JULU, "expenditure_summary", "total", "basic", 6120000),
        (JULU, "expenditure_summary", "total", "project", 5511000),
        (JULU, "expenditure_summary", "total", "total", 11631000),
    ]


def _copy(store: GraphStore) -> GraphStore:
    copy = GraphStore(None)
    copy.store.extend(list(store.store))
    return copy


def _total_line(store: GraphStore, unit: str, kind: str, column: str) -> tuple[str, str]:
    q = f"""PREFIX bkg: <{BKG}> PREFIX qb: <http://purl.org/linked-data/cube#>
      PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
      SELECT ?line ?doc WHERE {{ ?line qb:dataSet ?t ; bkg:isTableTotal true ; bkg:column "{column}" ;
        bkg:document ?doc . ?t bkg:tableKind "{kind}" . ?doc bkg:budgetUnit/skos:prefLabel "{unit}"@zh }}"""
    (row,) = list(store.query(q))  # type: ignore[attr-defined]
    return row["line"].value, row["doc"].value


def test_year_over_year_as_the_documents_state_it(seeds: GraphStore) -> None:
    """What the loader emits from the narratives (bkg:previousAmount on the line); the figures
    added here by hand are the ones it reads itself, so adding them changes nothing."""
    store = _copy(seeds)
    stated = [
        # 003: 较2022年部门预算增加53.17万元，其中：基本支出减少58.8万元 … 项目支出增加111.97万元
        (JULU, "expenditure_summary", "total", "11631000"),
        (JULU, "expenditure_summary", "basic", "6120000"),
        (JULU, "expenditure_summary", "project", "5511000"),
        # 004: 比上年增加403.20万元，增加93.62%; 三公 比2022年同口径减少0.50万元;
        # 机关运行经费 上年度为37.09万元
        (XING, "expenditure_summary", "total", "4307000"),
        (XING, "sangong", "total", "25000"),
        (XING, "operating_costs", "total", "370900"),
    ]
    for unit, kind, column, amount in stated:
        line, doc = _total_line(store, unit, kind, column)
        store.store.add(_previous(line, amount, doc))
    got = rows(store, "year-over-year", table="")
    assert pick(got, "unit", "table_kind", "row", "column", "amount", "previous", "change", "change_pct") == [
        (XING, "expenditure_summary", "total", "total", 8339000, 4307000, 4032000, Decimal("93.62")),
        (XING, "general_budget_expenditure", "total", "total", 8339000, 4307000, 4032000, Decimal("93.62")),
        (XING, "income_summary", "total", "total", 8339000, 4307000, 4032000, Decimal("93.62")),
        (XING, "operating_costs", "total", "total", 348300, 370900, -22600, Decimal("-6.09")),
        (XING, "sangong", "total", "total", 20000, 25000, -5000, Decimal("-20")),
        (XING, "sangong", "vehicle_operation", "total", 20000, 25000, -5000, Decimal("-20")),
        (JULU, "expenditure_summary", "total", "basic", 5532000, 6120000, -588000, Decimal("-9.61")),
        (JULU, "expenditure_summary", "total", "project", 6630700, 5511000, 1119700, Decimal("20.32")),
        (JULU, "expenditure_summary", "total", "total", 12162700, 11631000, 531700, Decimal("4.57")),
    ]
    assert {r["source"] for r in got} == {"stated"}
    assert pick(rows(store, "year-over-year"), "unit", "column") == [
        (XING, "total"),
        (JULU, "basic"),
        (JULU, "project"),
        (JULU, "total"),
    ]


def test_year_over_year_from_the_previous_document(two_years: GraphStore) -> None:
    got = rows(two_years, "year-over-year", table="")
    assert pick(got, "year", "table_kind", "row", "name", "amount", "previous", "change_pct", "source") == [
        (
            "2023",
            "expenditure_summary",
            "201",
            "一般公共服务支出",
            850000,
            800000,
            Decimal("6.25"),
            "previous document",
        ),
        (
            "2023",
            "expenditure_summary",
            "208",
            "社会保障和就业支出",
            250000,
            200000,
            Decimal("25"),
            "previous document",
        ),
        (
            "2023",
            "expenditure_summary",
            "total",
            "合计",
            1100000,
            1000000,
            Decimal("10"),
            "previous document",
        ),
        ("2023", "sangong", "total", "合计", 20000, 25000, Decimal("-20"), "stated"),
    ]
    assert [r["row"] for r in rows(two_years, "year-over-year")] == ["201", "208", "total"]


# ------------------------------------------------------------------------------------------------
# 10. Projects by theme
# ------------------------------------------------------------------------------------------------


def test_projects_by_theme(seeds: GraphStore) -> None:
    got = rows(seeds, "projects-by-theme")
    assert pick(got, "keyword", "unit", "project_name", "amount") == [
        ("法律顾问", XING, "县政府和政府办法律顾问费", 52000),
        ("法律顾问", JULU, "县政府常年法律顾问费", 80000),
        ("电子政务", XING, EGOV, 488000),
        ("电子政务", JULU, "电子政务外网项目托管服务费", 189500),
        ("网站", XING, "政府网站网络安全等级保护建设费", 492000),
        ("网站", XING, "兴县人民政府网站检测服务费", 78000),
        ("网站", JULU, "政府网站安全服务费用", 195600),
        ("网站", JULU, "政府网站软硬件维护、内容信息维护费", 50000),
    ]
    totals = {r["keyword"]: (r["keyword_units"], r["keyword_projects"], r["keyword_amount"]) for r in got}
    assert totals == {"法律顾问": (2, 2, 132000), "电子政务": (2, 2, 677500), "网站": (2, 4, 815600)}
    assert pick(rows(seeds, "projects-by-theme", keywords="人防"), "project_name") == [("人防经费",)]


def test_projects_by_theme_match_the_generator_truth(synth: tuple[GraphStore, list[dict]]) -> None:
    store, truths = synth
    for keyword in ("网络", "培训", "维修"):
        expected = Counter(
            (t["unit"]["name"], p["name"]) for t in truths for p in t["projects"] if keyword in p["name"]
        )
        got = Counter(pick(rows(store, "projects-by-theme", keywords=keyword), "unit", "project_name"))
        assert got == expected, keyword


# ------------------------------------------------------------------------------------------------
# 11–12. Indicators without a measurable target; projects missing indicators
# ------------------------------------------------------------------------------------------------

PLACEHOLDERS = {
    "企业上市政务公开三级金融站建立培训费",  # 2023年XX月XX日-XX月XX日
    "兴县政府协同办公系统运维服务费",  # 1年XX月XX日-XX月XX日
    "兴县金融服务平台建设费",
    "办公设备购置费",
    "协同办公系统流量卡及其相关费用",
    "政府网站网络安全等级保护建设费",
    "机房升级改造维护费",
    "电子政务外网网络租赁费用",
    "计算机终端及业务应用系统购置费",
}


def test_unmeasurable_indicators_on_the_seeds(seeds: GraphStore) -> None:
    for period in ("annual", "midterm"):  # 004's forms repeat the 年度 targets for 实施期
        got = rows(seeds, "unmeasurable-indicators", reason="placeholder", period=period)
        assert {r["project_name"] for r in got} == PLACEHOLDERS and len(got) == 9
        assert {(r["level1"], r["level2"]) for r in got} == {("产出指标", "时效指标")}
        assert all("XX" in r["target"] for r in got)
    got = rows(seeds, "unmeasurable-indicators", period="annual")
    found = {(r["project_name"], r["indicator_name"], r["target"], r["reason"]) for r in got}
    assert {
        ("办公费用", "办公室服务质量", "良好", "qualitative"),
        ("晋兴板挂牌上市奖励资金", "企业知名度", "扩大", "qualitative"),
        ("2021年度银行业金融机构支持地方经济发展先进单位奖励金", "足额发放奖励金", "足额", "qualitative"),
        ("联通网络费", "单位使用人员满意度", "满意", "qualitative"),
    } <= found
    # a year or a deadline is measurable: 奖励年度 2021年, 003's 2023 年 12 月 and 每月 25 日前
    assert not any(r["indicator_name"] == "奖励年度" for r in got)
    # every 003 target is a number, a date or a deadline
    assert {r["unit"] for r in rows(seeds, "unmeasurable-indicators")} == {XING}


def test_unmeasurable_indicators_classify_every_kind() -> None:
    def ind(
        name: str,
        target: str,
        op: str | None = None,
        value: str | None = None,
        unit: str | None = None,
        placeholder: bool = False,
    ) -> Indicator:
        return Indicator(
            "产出指标", "质量指标", name, target, 1,
            operator=op,  # type: ignore[arg-type]
            value=Decimal(value) if value is not None else None,
            unit=unit, placeholder=placeholder,
        )  # fmt: skip

    project = Project(
        "示例项目",
        1,
        amount=Decimal(1000),
        indicators=[
            ind("合格率", "≥95%", ">=", "95", "%"),
            ind("完成率下限", "≥0%", ">=", "0", "%"),
            ind("满意度上限", "≤100%", "<=", "100", "%"),
            ind("服务质量", "良好"),
            ind("数量", "—"),
            ind("完成时间", "2023年XX月XX日", placeholder=True),
            ind("截止时间", "2023年12月底前"),
            ind("覆盖人数", "=0人", "=", "0", "人"),
        ],
    )
    store = GraphStore(None)
    _put(store, _doc(2023, [], [project]))
    got = {r["indicator_name"]: r["reason"] for r in rows(store, "unmeasurable-indicators")}
    assert got == {
        "完成率下限": "trivial",
        "满意度上限": "trivial",
        "服务质量": "qualitative",
        "数量": "missing",
        "完成时间": "placeholder",
    }
    assert [r["indicator_name"] for r in rows(store, "unmeasurable-indicators", reason="trivial")] == [
        "完成率下限",
        "满意度上限",
    ]


def test_projects_missing_indicators_on_the_seeds(seeds: GraphStore) -> None:
    # every project of both seeds has 产出, 效益 and 满意度 indicators
    assert rows(seeds, "projects-missing-indicators") == []
    # 003's forms set annual targets only: every one of its 23 projects lacks mid-term indicators
    got = rows(seeds, "projects-missing-indicators", period="midterm")
    assert Counter(pick(got, "unit", "missing", "indicators")) == {(JULU, "none", 0): 23}


def test_projects_missing_indicators_match_the_generator_truth(synth: tuple[GraphStore, list[dict]]) -> None:
    store, truths = synth
    level1 = {"产出指标", "效益指标", "满意度指标"}
    expected = Counter()
    for t in truths:
        for p in t["projects"]:
            have = {i["level1"] for i in p["indicators"]}
            for missing in sorted(level1 - have) if have else ["none"]:
                expected[(t["unit"]["name"], p["name"], missing)] += 1
    assert expected, "the generator should leave some category out"
    got = Counter(pick(rows(store, "projects-missing-indicators"), "unit", "project_name", "missing"))
    assert got == expected


# ------------------------------------------------------------------------------------------------
# 13. Arithmetic inconsistencies found by validation
# ------------------------------------------------------------------------------------------------


def test_validation_issues_on_the_seeds(seeds: GraphStore) -> None:
    got = rows(seeds, "validation-issues")
    # 004 prints sums that are off by a rounding unit (0.01 万元): rounding notes, no violations
    assert {(r["unit"], r["severity"]) for r in got} == {(XING, "Info")}
    assert len(got) == 18
    summary = [r for r in got if "2023年预算支出总表" in r["message"]]
    messages = " ".join(r["message"] for r in summary)
    # 合计行 basic 360.74 vs 类 261.81+53.89+16.63+28.42 = 360.75; project 473.16 vs 358.73+114.42
    for fact in ("3607400 元", "3607500 元", "4731600 元", "4731500 元", "科目 20103", "科目 21011"):
        assert fact in messages
    assert Counter(r["check"] for r in summary) == {"classes=table total": 2, "code=sum of sub-codes": 4}
    assert rows(seeds, "validation-issues", severity="Violation") == []
    assert rows(seeds, "validation-issues", unit="巨鹿") == []


def test_validation_issues_find_a_violation() -> None:
    store = GraphStore(None)
    total = {"table": "expenditure_summary", "source_line": 10, "item": "合计", "is_total": True}
    lines = [  # 500,000 + 600,000 ≠ 1,000,000
        Line(amount=Decimal(1000000), **total),
        Line(amount=Decimal(500000), expenditure_type="basic", column="basic", **total),
        Line(amount=Decimal(600000), expenditure_type="project", column="project", **total),
    ]
    doc = _put(store, _doc(2023, lines, tables=("expenditure_summary",)))
    report = validate_document(store, doc)
    assert not report.conforms
    store_report(store, report)
    got = rows(store, "validation-issues", severity="Violation")
    assert {r["check"] for r in got} == {"basic+project=total"}
    assert any("1000000" in r["message"] and "1100000" in r["message"] for r in got)
    (summary,) = rows(store, "documents")
    assert (summary["conforms"], summary["violations"]) == (False, report.count("Violation"))


def test_report_quads_are_standard_shacl_and_deterministic(seeds: GraphStore) -> None:
    doc = next(d for d in seeds.documents() if "141123" in d)
    report = validate_document(seeds, doc)
    quads = report_quads(report, doc)
    assert quads == report_quads(report, doc)
    graph = validation_graph_iri(doc)
    assert graph == f"{doc}/validation" and {q.graph_name.value for q in quads} == {graph}
    g = rdflib.Graph()
    g.parse(data="".join(f"{q.subject} {q.predicate} {q.object} .\n" for q in quads), format="nt")
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    node = rdflib.URIRef(graph)
    assert (node, rdflib.RDF.type, sh.ValidationReport) in g
    assert (node, rdflib.URIRef(BKG + "validates"), rdflib.URIRef(doc)) in g
    assert g.value(node, sh.conforms).toPython() is True
    results = list(g.objects(node, sh.result))
    assert len(results) == len(report.results) == 18
    for r in results:
        assert (r, rdflib.RDF.type, sh.ValidationResult) in g
        assert g.value(r, sh.resultSeverity) == sh.Info
        assert {g.value(r, p) is not None for p in (sh.focusNode, sh.resultMessage, sh.sourceShape)} == {True}


# ------------------------------------------------------------------------------------------------
# 14–16. Largest projects; disclosure completeness; documents
# ------------------------------------------------------------------------------------------------


def test_largest_projects_on_the_seeds(seeds: GraphStore) -> None:
    got = rows(seeds, "largest-projects", limit=3)
    assert pick(got, "scope", "rank", "unit", "project_name", "amount") == [
        # 003: 疫情期间流调工作队食宿费用146万元 (the narrative's list of project amounts)
        ("overall", 1, JULU, "疫情期间流调工作队办公食宿费用", 1460000),
        ("overall", 2, XING, "2021年度银行业金融机构支持地方经济发展先进单位奖励金", 1000000),
        ("overall", 3, XING, "兴县金融服务平台建设费", 852000),
        ("unit", 1, XING, "2021年度银行业金融机构支持地方经济发展先进单位奖励金", 1000000),
        ("unit", 2, XING, "兴县金融服务平台建设费", 852000),
        ("unit", 3, XING, "晋兴板挂牌上市奖励资金", 500000),
        ("unit", 1, JULU, "疫情期间流调工作队办公食宿费用", 1460000),
        ("unit", 2, JULU, "人防经费", 280000),
        ("unit", 3, JULU, "县委县政府宿舍更换木质地板费用", 273000),
    ]
    assert got[3]["share_of_unit"] == Decimal("21.13")  # 100 of the 473.15 万元 listed
    xing = rows(seeds, "largest-projects", unit="兴县")
    assert [r["rank"] for r in xing if r["scope"] == "unit"] == [1, 2, 3, 4, 5]
    assert [r["rank"] for r in xing if r["scope"] == "overall"] == [2, 3, 4, 5]  # still global ranks


def test_largest_projects_match_the_generator_truth(synth: tuple[GraphStore, list[dict]]) -> None:
    store, truths = synth
    everyone = [Decimal(p["amount_yuan"]) for t in truths for p in t["projects"]]
    expected = set()
    for t in truths:
        amounts = [Decimal(p["amount_yuan"]) for p in t["projects"]]
        for p in t["projects"]:
            a = Decimal(p["amount_yuan"])
            rank = 1 + sum(b > a for b in amounts)
            if rank <= 5:
                expected.add(("unit", rank, t["unit"]["name"], p["name"], a))
            overall = 1 + sum(b > a for b in everyone)
            if overall <= 5:
                expected.add(("overall", overall, t["unit"]["name"], p["name"], a))
    got = set(pick(rows(store, "largest-projects"), "scope", "rank", "unit", "project_name", "amount"))
    assert got == expected


def test_disclosure_completeness(seeds: GraphStore) -> None:
    got = rows(seeds, "disclosure-completeness")
    status = {(r["unit"], r["table_kind"]): r["status"] for r in got}
    published = ("income_expenditure_summary", "income_summary", "expenditure_summary", "fiscal_summary")
    published += ("general_budget_expenditure", "general_budget_basic_economic", "sangong")
    for unit in (XING, JULU):
        for kind in published:
            assert status[(unit, kind)] == "published", (unit, kind)
        # 本表无数据 (004) / 空表列示 (003)
        assert status[(unit, "government_fund_expenditure")] == "empty"
        assert status[(unit, "state_capital_expenditure")] == "empty"
    assert status[(XING, "project_expenditure")] == "published"
    assert status[(XING, "operating_costs")] == "published"
    assert status[(XING, "government_procurement")] == "omitted"  # only 政府采购预算总额90.34万元 in the text
    assert status[(JULU, "project_expenditure")] == "omitted"
    assert status[(JULU, "operating_costs")] == "omitted"  # 56.5万元 only in the text
    assert status[(JULU, "government_procurement")] == "empty"  # 无政府采购预算，空表列示
    assert len(got) == 24 and sum(r["required"] for r in got) == 18
    printed = {(r["unit"], r["table_kind"]): r["printed_title"] for r in got}
    assert printed[(XING, "sangong")] == "2023年一般公共预算“三公”经费支出预算表"
    assert printed[(JULU, "general_budget_basic_economic")] == "部门预算一般公共预算财政拨款基本支出表"
    omitted = rows(seeds, "disclosure-completeness", status="omitted")
    assert sorted(pick(omitted, "unit", "table_kind")) == [
        (XING, "government_procurement"),
        (JULU, "operating_costs"),
        (JULU, "project_expenditure"),
    ]


def test_documents(seeds: GraphStore) -> None:
    got = rows(seeds, "documents")
    assert pick(got, "unit", "region", "year", "layout", "tables", "projects", "conforms", "violations") == [
        # 13 and 11 printed tables, and one each standing for figures only the text states
        # (004: 政府采购; 003: 机关运行经费; loader.narrative)
        (XING, "兴县", "2023", "tsv", 14, 20, True, 0),
        (JULU, "巨鹿县", "2023", "paged-tsv", 12, 23, True, 0),
    ]
    assert [r["rounding_notes"] for r in got] == [18, 0]
    assert [r["source"][:3] for r in got] == ["004", "003"]


# ------------------------------------------------------------------------------------------------
# The command line
# ------------------------------------------------------------------------------------------------


def test_cli_lists_the_queries(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", "--list"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in ALL)
    assert main(["query", "--list", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [q["name"] for q in listed] == ALL
    assert listed[0]["params"][0]["name"] == "project"


@pytest.mark.parametrize("example", [e for q in queries.list_queries() for e in q.examples])
def test_every_example_runs(example: str, disk_store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = shlex.split(example)[1:]
    assert main([*args, "--store", str(disk_store), "--format", "json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["query"] == args[1] and isinstance(body["rows"], list)


def test_cli_formats(disk_store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["query", "project-legal-bases", "--param", f"project={EGOV}", "--store", str(disk_store)]
    assert main([*base, "--format", "csv"]) == 0
    csv_lines = capsys.readouterr().out.splitlines()
    assert csv_lines[0].startswith("unit,year,project_name,via,basis_type,number,title")
    assert len(csv_lines) == 3 and "晋政办发〔2017〕10号" in "".join(csv_lines)
    assert main(base) == 0
    table = capsys.readouterr().out
    assert "吕政办发〔2017〕8号" in table and table.rstrip().endswith("(2 rows)")
    assert main([*base, "--format", "json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["params"] == {"project": EGOV, "via": "any"}
    assert main(["query", "basic-vs-project", "--store", str(disk_store), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["rows"][0]["total"] == 8339000  # a JSON number


def test_cli_prints_the_sparql_without_a_store(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = tmp_path / "nothing-here"
    assert main(["query", "largest-projects", "--param", "limit=3", "--sparql", "--store", str(missing)]) == 0
    text = capsys.readouterr().out
    assert "LIMIT 3" in text and "?_param_" not in text
    prepareQuery(text)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["query", "largest-projects", "--param", "limit=0"],
            "bad value '0' for parameter 'limit'; allowed: an integer from 1 to 1000",
        ),
        (
            ["query", "largest-projects", "--param", "top=3"],
            "unknown parameter 'top'; parameters of largest-projects: limit, unit",
        ),
        (["query", "largest-projects", "--param", "limit"], "write it as key=value"),
        (["query", "no-such-query"], "no named query 'no-such-query'; known queries: project-legal-bases"),
        (["query"], "budgetkg query --list"),
    ],
)  # fmt: skip
def test_cli_errors_exit_2(
    args: list[str], message: str, disk_store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*args, "--store", str(disk_store)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and "Traceback" not in err


# ------------------------------------------------------------------------------------------------
# Other engines
# ------------------------------------------------------------------------------------------------


def _normalised(values: list) -> tuple:
    cells = []
    for v in values:
        text = queries.text_value(v) if not isinstance(v, rdflib.term.Node) else str(v)
        cells.append("; ".join(sorted(text.split("; "))))  # GROUP_CONCAT order is the engine's
    return tuple(cells)


def _same_rows(first: queries.Table, second: list[tuple]) -> None:
    assert sorted(_normalised(r) for r in first.rows) == sorted(second)


@pytest.fixture(scope="module")
def rdflib_seeds(seeds: GraphStore) -> rdflib.Dataset:
    buf = io.BytesIO()
    export(seeds, "nquads", buf)
    ds = rdflib.Dataset(default_union=True)
    ds.parse(data=buf.getvalue(), format="nquads")
    return ds


@pytest.mark.parametrize("name", ALL)
def test_rdflib_gives_the_same_rows(name: str, seeds: GraphStore, rdflib_seeds: rdflib.Dataset) -> None:
    expected = queries.run(seeds, name)
    result = rdflib_seeds.query(queries.render(name))
    assert [str(v) for v in result.vars] == expected.columns
    _same_rows(expected, [_normalised(["" if v is None else v for v in row]) for row in result])


def test_rdflib_gives_the_same_year_over_year(two_years: GraphStore) -> None:
    buf = io.BytesIO()
    export(two_years, "nquads", buf)
    ds = rdflib.Dataset(default_union=True)
    ds.parse(data=buf.getvalue(), format="nquads")
    expected = queries.run(two_years, "year-over-year", {"table": ""})
    assert len(expected.rows) == 4
    result = ds.query(queries.render("year-over-year", {"table": ""}))
    _same_rows(expected, [_normalised(["" if v is None else v for v in row]) for row in result])


@pytest.mark.slow
def test_sparql_servers_give_the_same_rows(
    engine: object,  # noqa: F811
    synth: tuple[GraphStore, list[dict]],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Oxigraph server and Virtuoso 7 (the fixture of tests/test_remote.py), through
    ``--store sparql+…``: every query, with its defaults and its examples, gives the embedded rows."""
    out = tmp_path_factory.mktemp("synth-remote")
    corpus = [seed("003"), seed("004"), *generate(4, 1, out)]
    embedded = GraphStore(None)
    assert all(r.ok for r in ingest(embedded, corpus))
    url = engine.url()  # type: ignore[attr-defined]
    assert main(["ingest", "-q", "--store", url, *map(str, corpus)]) == 0
    remote = open_store(url, read_only=True)
    for q in queries.list_queries():
        for params in [{}, *(_example_params(e) for e in q.examples)]:
            mine, theirs = queries.run(embedded, q.name, params), queries.run(remote, q.name, params)
            assert theirs.columns == mine.columns
            assert sorted(_normalised(r) for r in theirs.rows) == sorted(_normalised(r) for r in mine.rows), (
                q.name,
                params,
            )
