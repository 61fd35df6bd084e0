"""Golden cases: records.json → mapper → graph, compared with a hand-written expected.trig."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import rdflib
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from budgetkg.loader.records import document_from_dict
from budgetkg.mappings.mapper import map_document

CASES = sorted((Path(__file__).parent / "cases" / "mapping").iterdir())


def _dataset_from_quads(quads: list) -> rdflib.Dataset:
    ds = rdflib.Dataset()
    ds.parse(
        data="\n".join(f"{q.subject} {q.predicate} {q.object} {q.graph_name} ." for q in quads),
        format="nquads",
    )
    return ds


def _graphs(ds: rdflib.Dataset) -> dict[str, rdflib.Graph]:
    return {str(g.identifier): g for g in ds.graphs() if len(g)}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_mapping_case(case: Path) -> None:
    doc = document_from_dict(json.loads((case / "records.json").read_text("utf-8")))
    got = _graphs(_dataset_from_quads(map_document(doc, "https://w3id.org/budgetkg/id/").quads()))
    expected_ds = rdflib.Dataset()
    expected_ds.parse(case / "expected.trig", format="trig")
    expected = _graphs(expected_ds)
    assert sorted(got) == sorted(expected)
    for name, graph in expected.items():
        if not isomorphic(got[name], graph):
            _both, only_got, only_expected = graph_diff(to_isomorphic(got[name]), to_isomorphic(graph))
            pytest.fail(
                f"graph {name} differs\nonly in mapper output:\n{only_got.serialize(format='nt')}\n"
                f"only in expected:\n{only_expected.serialize(format='nt')}"
            )


def test_iris_do_not_depend_on_order() -> None:
    """Same content, lines listed in another order → the same quads (IRIs from content only)."""
    case = json.loads((CASES[0] / "records.json").read_text("utf-8"))
    a = {str(q) for q in map_document(document_from_dict(case)).quads()}
    case["lines"].reverse()
    b = {str(q) for q in map_document(document_from_dict(case)).quads()}
    assert a == b


def test_amounts_are_decimal_not_float() -> None:
    case = json.loads((CASES[0] / "records.json").read_text("utf-8"))
    quads = map_document(document_from_dict(case)).quads()
    amounts = [q.object for q in quads if q.predicate.value.endswith("#amount")]
    assert amounts and all(a.datatype.value.endswith("#decimal") for a in amounts)
