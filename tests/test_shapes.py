"""Golden cases for ontology/shapes.ttl, validated the way the pipeline does it.

Each folder in tests/cases/shapes/ holds ``data.ttl`` (one document graph's content),
``expect.json`` (whether it conforms, and the results it must yield — no more, no fewer) and
``results.json`` (the complete result set: severity, sourceShape, sourceConstraint and focus of
every result). The store also gets the code lists and ``shared.ttl`` (regions, units, issuers,
legal bases), as the lead merges a document with the shared resources it refers to. Validation
uses a pyoxigraph Store as the data graph, inference off, no SHACL-AF (``advanced=False``: the
shapes must not need it), and ``allow_infos=True`` so that rounding differences (sh:Info) do not
make a graph non-conforming.

expect.json entries name ``severity`` and ``sourceShape`` (local names in the shapes namespace) and
optionally ``sourceConstraint``, ``focus``, ``value`` (full IRIs or literal text) and ``message``
(strings that must all appear in one of the result's messages).

results.json was recorded from the shapes as they were before they were rewritten for speed
(property shapes with their own targets, no OPTIONAL chains in the arithmetic), and pins that
the rewrite changed no result. Regenerate it deliberately, after checking the differences, with
``BUDGETKG_REGENERATE=1 pytest tests/test_shapes.py -k full_result_set``.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pyoxigraph
import pyshacl
import pytest
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import SH

from budgetkg.loader.store import GraphStore
from budgetkg.loader.validate import validate_document
from budgetkg.ontology import CODELISTS_TTL, shapes_graph

CASES = Path(__file__).parent / "cases" / "shapes"
SHARED_TTL = CASES / "shared.ttl"
SHAPES_NS = "https://w3id.org/budgetkg/def/shapes#"
CASE_NAMES = sorted(d.name for d in CASES.iterdir() if d.is_dir())

Result = dict[str, Any]


def load_store(case: str) -> pyoxigraph.Store:
    store = pyoxigraph.Store()
    for path in (CODELISTS_TTL, SHARED_TTL, CASES / case / "data.ttl"):
        store.load(path=str(path), format=pyoxigraph.RdfFormat.TURTLE)
    return store


def load_graph(case: str) -> Graph:
    g = Graph()
    for path in (CODELISTS_TTL, SHARED_TTL, CASES / case / "data.ttl"):
        g.parse(path, format="turtle")
    return g


def _local(node: object) -> str | None:
    """Shapes are named in our namespace; anything else (a blank node) has no comparable name."""
    if isinstance(node, URIRef) and str(node).startswith(SHAPES_NS):
        return str(node)[len(SHAPES_NS) :]
    return None


def validate(data: pyoxigraph.Store | Graph) -> tuple[bool, list[Result]]:
    conforms, report, _ = pyshacl.validate(
        data,
        shacl_graph=shapes_graph(),
        ont_graph=None,
        inference="none",
        advanced=False,
        allow_infos=True,
    )
    results = []
    for r in report.subjects(RDF.type, SH.ValidationResult):
        value = report.value(r, SH.value)
        results.append(
            {
                "severity": str(report.value(r, SH.resultSeverity)).rsplit("#", 1)[-1],
                "sourceShape": _local(report.value(r, SH.sourceShape)),
                "sourceConstraint": _local(report.value(r, SH.sourceConstraint)),
                "focus": str(report.value(r, SH.focusNode)),
                "value": None if value is None else str(value),
                "messages": [str(m) for m in report.objects(r, SH.resultMessage)],
            }
        )
    return bool(conforms), results


def _matches(expected: Result, actual: Result) -> bool:
    for key, want in expected.items():
        if key == "message":
            needles = [want] if isinstance(want, str) else want
            if not any(all(n in m for n in needles) for m in actual["messages"]):
                return False
        elif actual.get(key) != want:
            return False
    return True


def _short(r: Result) -> str:
    return f"{r['severity']} {r['sourceShape']}/{r['sourceConstraint']} focus={r['focus']} value={r['value']}"


def check(case: str, conforms: bool, results: list[Result]) -> None:
    expect = json.loads((CASES / case / "expect.json").read_text(encoding="utf-8"))
    unmatched = list(results)
    missing = []
    for e in expect["results"]:
        hit = next((a for a in unmatched if _matches(e, a)), None)
        if hit is None:
            missing.append(e)
        else:
            unmatched.remove(hit)
    problems = [f"missing expected result {m}" for m in missing]
    problems += [f"unexpected result {_short(u)}\n      {u['messages']}" for u in unmatched]
    if conforms != expect["conforms"]:
        problems.append(f"conforms={conforms}, expected {expect['conforms']}")
    assert not problems, f"{case}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("case", CASE_NAMES)
def test_case_on_oxigraph_store(case: str) -> None:
    conforms, results = validate(load_store(case))
    check(case, conforms, results)


@pytest.mark.slow  # rdflib's SPARQL engine takes ~1-2 s per case
@pytest.mark.parametrize("case", CASE_NAMES)
def test_case_on_rdflib_graph_agrees(case: str) -> None:
    """The shapes must not depend on the backend: the API may validate rdflib graphs too."""
    _, on_store = validate(load_store(case))
    _, on_graph = validate(load_graph(case))

    def key(r: Result) -> tuple:
        return (r["severity"], r["sourceShape"], r["sourceConstraint"], r["focus"], r["value"])

    assert Counter(map(key, on_graph)) == Counter(map(key, on_store))


def _expectations() -> list[Result]:
    out = []
    for case in CASE_NAMES:
        out += json.loads((CASES / case / "expect.json").read_text(encoding="utf-8"))["results"]
    return out


TARGETS = (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode)


def _targeted_shapes() -> list[URIRef]:
    sg = shapes_graph()
    return sorted({s for t in TARGETS for s in sg.subjects(t, None) if isinstance(s, URIRef)})


def test_every_shape_has_a_failing_case() -> None:
    """Each family of shapes (``BudgetLine-*`` for the lines' property shapes, ``KnownCode-*``, and
    each ``…Shape`` on its own) and each SPARQL constraint must be exercised by at least one golden
    case, and there is a conforming case."""
    sg = shapes_graph()
    expected = _expectations()
    hit_families = {e["sourceShape"].split("-")[0] for e in expected}
    hit_constraints = {e.get("sourceConstraint") for e in expected}
    uncovered = []
    for shape in _targeted_shapes():
        name = _local(shape)
        assert name is not None, shape
        if name.split("-")[0] not in hit_families:
            uncovered.append(name)
        for constraint in sg.objects(shape, SH.sparql):
            if _local(constraint) not in hit_constraints:
                uncovered.append(f"{name} / {_local(constraint)}")
    assert not uncovered, f"shapes without a failing golden case: {sorted(map(str, uncovered))}"
    assert any(name.startswith("conforming") for name in CASE_NAMES)


def _full(results: list[Result]) -> list[dict[str, str | None]]:
    keys = ("severity", "sourceShape", "sourceConstraint", "focus")
    rows = [{k: r[k] for k in keys} for r in results]
    return sorted(rows, key=lambda d: tuple(d[k] or "" for k in keys))


@pytest.mark.parametrize("case", CASE_NAMES)
def test_full_result_set(case: str) -> None:
    """Not just the results expect.json describes: every result, with its focus node, as recorded."""
    path = CASES / case / "results.json"
    _, results = validate(load_store(case))
    if os.environ.get("BUDGETKG_REGENERATE"):
        path.write_text(json.dumps(_full(results), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    assert _full(results) == json.loads(path.read_text(encoding="utf-8"))


def _document_store(case: str) -> tuple[GraphStore, str]:
    """The case as the pipeline stores it: the document graph beside the shared resources' graph
    (and the ontology + code lists the store loads itself)."""
    store = GraphStore(None)
    data = pyoxigraph.Store()
    data.load(path=str(CASES / case / "data.ttl"), format=pyoxigraph.RdfFormat.TURTLE)
    docs = [
        q.subject for q in data.quads_for_pattern(None, pyoxigraph.NamedNode(str(RDF.type)), BKG_DOCUMENT)
    ]
    doc = docs[0].value if docs else f"urn:budgetkg:test:{case}"
    store.store.extend(
        pyoxigraph.Quad(q.subject, q.predicate, q.object, pyoxigraph.NamedNode(doc)) for q in data
    )
    shared = pyoxigraph.NamedNode("urn:budgetkg:test:shared")
    store.store.load(path=str(SHARED_TTL), format=pyoxigraph.RdfFormat.TURTLE, to_graph=shared)
    return store, doc


BKG_DOCUMENT = pyoxigraph.NamedNode("https://w3id.org/budgetkg/def#BudgetDocument")


@pytest.mark.parametrize("case", CASE_NAMES)
def test_validate_document_gives_the_full_result_set(case: str) -> None:
    """loader.validate (the document plus the shared resources it reaches, pySHACL as the pipeline
    runs it) finds the same results as validating everything at once."""
    store, doc = _document_store(case)
    report = validate_document(store, doc)
    got = sorted((r.severity, r.shape, r.focus) for r in report.results)
    want = sorted(
        (r["severity"], SHAPES_NS + r["sourceShape"], r["focus"])
        for r in json.loads((CASES / case / "results.json").read_text(encoding="utf-8"))
    )
    assert got == want


def test_report_messages_are_deterministic() -> None:
    """Result.message is the Chinese sh:message and Result.message_en the English one, also for
    SHACL-SPARQL results (whose language tag pySHACL drops when it fills in the placeholders)."""
    store, doc = _document_store("row-total-mismatch")
    first = validate_document(store, doc)
    assert [vars(r) for r in validate_document(store, doc).results] == [vars(r) for r in first.results]
    rows = [r for r in first.results if r.shape == SHAPES_NS + "RowTotalShape"]
    assert rows
    for r in rows:
        assert r.message.startswith("表「2023年一般公共预算支出表」"), r.message
        assert r.message_en is not None and r.message_en.startswith("Table '2023年一般公共预算支出表'"), (
            r.message_en
        )

    store, doc = _document_store("line-fund-source-not-individual")
    (r,) = validate_document(store, doc).results
    assert r.message.startswith("bkg:fundSource 至多一个") and r.message_en is not None
    assert r.message_en.startswith("bkg:fundSource: at most one")


def test_property_shapes_carry_their_own_targets() -> None:
    """pySHACL evaluates a node shape's sh:property once per focus node and rebuilds its constraints
    each time (a third of the validation time of a document); every property shape is targeted
    itself instead."""
    sg = shapes_graph()
    targeted = set(_targeted_shapes())
    for shape in sg.subjects(SH.path, None):
        if isinstance(shape, URIRef):
            assert shape in targeted, f"{_local(shape)} has no target of its own"
    for shape in targeted:
        assert not list(sg.objects(shape, SH.property)), f"{_local(shape)} uses sh:property"


def test_pyshacl_sparql_check_still_rejects() -> None:
    """loader.validate remembers the SPARQL texts pySHACL's checks passed; a text that fails must
    fail every time."""
    from pyshacl.errors import ValidationFailure
    from pyshacl.helper.sparql_query_helper import SPARQLQueryHelper

    helper = SPARQLQueryHelper(None, None, "SELECT $this WHERE { $this ?p ?o MINUS { $this a ?c } }")
    for _ in range(2):
        with pytest.raises(ValidationFailure):
            helper.check_invalid_sparql(helper.select_text)
    ok = SPARQLQueryHelper(None, None, "SELECT $this WHERE { $this ?p ?o }")
    assert ok.check_invalid_sparql(ok.select_text) and ok.check_invalid_sparql(ok.select_text)


def test_expectations_name_real_shapes() -> None:
    """A typo in expect.json must not silently pass as 'no such result'."""
    sg = shapes_graph()
    known = {_local(s) for s in sg.all_nodes()} - {None}
    for e in _expectations():
        assert e["sourceShape"] in known, e
        assert e.get("sourceConstraint", e["sourceShape"]) in known, e


def _sparql_of(shape_local: str) -> str:
    sg = shapes_graph()
    constraint = sg.value(URIRef(SHAPES_NS + shape_local), SH.sparql)
    return str(sg.value(constraint, SH.select))


@pytest.mark.parametrize("rule", ["RowTotal", "ParentSum", "TableTotal", "SanGongSum"])
def test_rounding_twin_runs_the_same_query(rule: str) -> None:
    """The Info and the Violation shape of a rule may differ only in their final FILTER."""
    strict, rounding = _sparql_of(f"{rule}Shape"), _sparql_of(f"{rule}RoundingShape")
    assert "FILTER(?diff > ?tolerance)" in strict
    assert "FILTER(?diff > 0 && ?diff <= ?tolerance)" in rounding
    assert strict.replace("FILTER(?diff > ?tolerance)", "") == rounding.replace(
        "FILTER(?diff > 0 && ?diff <= ?tolerance)", ""
    )
    sg = shapes_graph()
    assert sg.value(URIRef(f"{SHAPES_NS}{rule}Shape"), SH.severity) == SH.Violation
    assert sg.value(URIRef(f"{SHAPES_NS}{rule}RoundingShape"), SH.severity) == SH.Info


def test_no_sh_in_over_literals() -> None:
    """pyshacl 0.40.1 compares Oxigraph's xsd:string literals unequal to plain ones in sh:in lists."""
    sg = shapes_graph()
    for lst in sg.objects(None, SH["in"]):
        assert not any(isinstance(item, Literal) for item in sg.items(lst)), f"sh:in with literals: {lst}"


def test_sparql_avoids_pyshacl_rejected_words() -> None:
    """pyshacl rejects any SPARQL constraint whose text matches VALUES/MINUS/SERVICE, even in names."""
    sg = shapes_graph()
    for select in sg.objects(None, SH.select):
        assert not re.search(r"values|minus|service|GRAPH", str(select), re.I), select


def test_sparql_texts_carry_no_comments() -> None:
    """Each query is parsed (and pySHACL-checked) once per focus node: explanations go in Turtle
    comments beside it, not in the text."""
    sg = shapes_graph()
    for select in sg.objects(None, SH.select):
        assert "#" not in str(select), select
