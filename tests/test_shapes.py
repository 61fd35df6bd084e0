"""Golden cases for ontology/shapes.ttl, validated the way the pipeline does it.

Each folder in tests/cases/shapes/ holds ``data.ttl`` (one document graph's content) and
``expect.json`` (whether it conforms, and the results it must yield — no more, no fewer). The store
also gets the code lists and ``shared.ttl`` (regions, units, issuers, legal bases), as the lead
merges a document with the shared resources it refers to. Validation uses a pyoxigraph Store as
the data graph, inference off, and ``allow_infos=True`` so that rounding differences (sh:Info) do
not make a graph non-conforming.

expect.json entries name ``severity`` and ``sourceShape`` (local names in the shapes namespace) and
optionally ``sourceConstraint``, ``focus``, ``value`` (full IRIs or literal text) and ``message``
(strings that must all appear in one of the result's messages).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pyoxigraph
import pyshacl
import pytest
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import SH

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
        advanced=True,
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


def test_every_shape_has_a_failing_case() -> None:
    """Each NodeShape (directly or through one of its property shapes) and each SPARQL constraint
    must be exercised by at least one golden case, and there is a conforming case."""
    sg = shapes_graph()
    expected = _expectations()
    hit_shapes = {e["sourceShape"] for e in expected}
    hit_constraints = {e.get("sourceConstraint") for e in expected}
    uncovered = []
    for shape in sg.subjects(RDF.type, SH.NodeShape):
        names = {_local(shape)} | {_local(p) for p in sg.objects(shape, SH.property)}
        if not names & hit_shapes:
            uncovered.append(_local(shape))
        for constraint in sg.objects(shape, SH.sparql):
            if _local(constraint) not in hit_constraints:
                uncovered.append(f"{_local(shape)} / {_local(constraint)}")
    assert not uncovered, f"shapes without a failing golden case: {sorted(map(str, uncovered))}"
    assert any(name.startswith("conforming") for name in CASE_NAMES)


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
