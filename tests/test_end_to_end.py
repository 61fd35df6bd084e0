"""Issue #2's "done when", on the real seeds: ingest 003 and 004, validate, export N-Quads; the
export carries the core vocabulary with the right amounts (yuan, xsd:decimal). Also the semantic
queries: a superclass finds its subclasses' instances, a broader code finds narrower lines."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
import rdflib

from budgetkg.api.cli import main
from budgetkg.loader.export import export
from budgetkg.loader.store import GraphStore

from .conftest import seed

BKG = rdflib.Namespace("https://w3id.org/budgetkg/def#")
XSD_DECIMAL = rdflib.XSD.decimal


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("e2e") / "store"
    assert main(["ingest", "-q", "--store", str(path), str(seed("003")), str(seed("004"))]) == 0
    return path


@pytest.fixture(scope="module")
def exported(store_dir: Path) -> rdflib.Dataset:
    buf = io.BytesIO()
    export(GraphStore(store_dir, read_only=True), "nquads", buf)
    ds = rdflib.Dataset(default_union=True)
    ds.parse(data=buf.getvalue(), format="nquads")
    return ds


def _doc(ds: rdflib.Dataset, unit: str) -> rdflib.URIRef:
    q = """SELECT ?d WHERE { ?d a bkg:BudgetDocument ; bkg:budgetUnit ?u . ?u skos:prefLabel ?n
           FILTER(STR(?n) = ?name) }"""
    rows = list(
        ds.query(q, initNs={"bkg": BKG, "skos": rdflib.SKOS}, initBindings={"name": rdflib.Literal(unit)})
    )
    assert len(rows) == 1, rows
    return rows[0][0]


def _amount(ds: rdflib.Dataset, doc: rdflib.URIRef, table: str, code: str | None, column: str) -> Decimal:
    q = """SELECT ?a WHERE { ?l a bkg:BudgetLine ; bkg:document ?d ; qb:dataSet ?t ; bkg:column ?col ;
             bkg:amount ?a . ?t bkg:tableKind ?kind .
           OPTIONAL { ?l bkg:functionClass/skos:notation ?code }
           OPTIONAL { ?l bkg:isTableTotal ?tot }
           FILTER(IF(BOUND(?want), ?code = ?want, BOUND(?tot))) }"""
    bindings = {"d": doc, "kind": rdflib.Literal(table), "col": rdflib.Literal(column)}
    if code:
        bindings["want"] = rdflib.Literal(code)
    rows = list(
        ds.query(
            q,
            initNs={
                "bkg": BKG,
                "skos": rdflib.SKOS,
                "qb": rdflib.Namespace("http://purl.org/linked-data/cube#"),
            },
            initBindings=bindings,
        )
    )
    assert len(rows) == 1, (table, code, column, rows)
    literal = rows[0][0]
    assert literal.datatype == XSD_DECIMAL
    return Decimal(str(literal))


def test_validate_conforms(store_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["validate", "--format", "json", "--store", str(store_dir)])
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["conforms"] is True
    assert len(report["documents"]) == 2


@pytest.mark.parametrize(
    ("unit", "table", "code", "column", "yuan"),
    [
        ("兴县人民政府办公室", "expenditure_summary", None, "total", "8339000"),
        ("兴县人民政府办公室", "expenditure_summary", None, "basic", "3607400"),
        ("兴县人民政府办公室", "expenditure_summary", None, "project", "4731600"),
        ("兴县人民政府办公室", "expenditure_summary", "2010302", "project", "2087300"),
        ("兴县人民政府办公室", "expenditure_summary", "2179999", "total", "1144200"),
        ("巨鹿县人民政府办公室", "expenditure_summary", None, "total", "12162700"),
        ("巨鹿县人民政府办公室", "expenditure_summary", "2010301", "project", "4132100"),
        ("巨鹿县人民政府办公室", "expenditure_summary", "2080505", "basic", "420000"),
        ("巨鹿县人民政府办公室", "expenditure_summary", "2210201", "total", "390000"),
    ],
)
def test_export_carries_amounts_in_yuan(
    exported: rdflib.Dataset, unit: str, table: str, code: str | None, column: str, yuan: str
) -> None:
    assert _amount(exported, _doc(exported, unit), table, code, column) == Decimal(yuan)


def test_export_carries_core_vocabulary(exported: rdflib.Dataset) -> None:
    doc = _doc(exported, "兴县人民政府办公室")
    g = exported
    assert (doc, BKG.fiscalYear, rdflib.Literal("2023", datatype=rdflib.XSD.gYear)) in g
    assert (doc, rdflib.DCTERMS.source, rdflib.Literal("004_07ea5d1c6c658eb0.txt")) in g
    assert len(str(g.value(doc, BKG.sha256))) == 64
    unit = g.value(doc, BKG.budgetUnit)
    assert g.value(unit, BKG.unitCode) == rdflib.Literal("014")
    county = g.value(unit, BKG.region)
    assert str(county).endswith("/region/141123")
    assert g.value(county, BKG.adminLevel) == BKG.County
    prefecture = g.value(county, rdflib.SKOS.broader)
    assert str(prefecture).endswith("/region/141100")
    assert str(g.value(prefecture, rdflib.SKOS.broader)).endswith("/region/140000")
    projects = set(g.subjects(BKG.document, doc)) & set(g.subjects(rdflib.RDF.type, BKG.Project))
    assert len(projects) == 20
    by_name = {str(g.value(p, rdflib.RDFS.label)): p for p in projects}
    lease = by_name["电子政务外网网络租赁费用"]
    assert Decimal(str(g.value(lease, BKG.amount))) == Decimal("488000")
    assert "晋政办发〔2017〕10号" in str(g.value(lease, BKG.legalBasisText))
    numbers = {str(g.value(b, BKG.documentNumber)) for b in g.objects(lease, BKG.hasLegalBasis)}
    assert numbers == {"晋政办发〔2017〕10号", "吕政办发〔2017〕8号"}
    for p in projects:  # provenance on every project
        assert g.value(p, rdflib.PROV.wasDerivedFrom) == doc
        assert int(g.value(p, BKG.sourceLine)) > 0


def test_every_document_lives_in_its_own_graph(exported: rdflib.Dataset) -> None:
    docs = set(exported.subjects(rdflib.RDF.type, BKG.BudgetDocument))
    graphs = {
        c.identifier for c in exported.graphs() if (c.identifier, rdflib.RDF.type, BKG.BudgetDocument) in c
    }
    assert docs == graphs and len(docs) == 2


def test_superclass_query_finds_subclass_instances(store_dir: Path) -> None:
    store = GraphStore(store_dir, read_only=True)
    q = """PREFIX bkg: <https://w3id.org/budgetkg/def#> PREFIX eli: <http://data.europa.eu/eli/ontology#>
           PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
           SELECT (COUNT(DISTINCT ?b) AS ?n) WHERE { ?b a/rdfs:subClassOf* eli:LegalResource }"""
    via_superclass = int(next(iter(store.query(q)))["n"].value)
    direct = int(
        next(
            iter(
                store.query(
                    "PREFIX bkg: <https://w3id.org/budgetkg/def#> SELECT (COUNT(DISTINCT ?b) AS ?n) "
                    "WHERE { ?b a bkg:PolicyDocument }"
                )
            )
        )["n"].value
    )
    assert direct > 0 and via_superclass >= direct


def test_broader_code_query_finds_narrower_lines(store_dir: Path) -> None:
    store = GraphStore(store_dir, read_only=True)
    q = """PREFIX bkg: <https://w3id.org/budgetkg/def#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
           SELECT DISTINCT ?code WHERE { ?l bkg:functionClass ?c .
             ?c skos:broader* ?top ; skos:notation ?code . ?top skos:notation "201" }"""
    codes = {row["code"].value for row in store.query(q)}
    assert {"201", "20103", "2010301", "2010302", "2010399"} <= codes
    assert not any(not c.startswith("201") for c in codes)
