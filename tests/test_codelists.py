"""The SKOS code lists: snapshot of the generated Turtle, hierarchy rules, coverage of the seeds.

Regenerate the committed Turtle after editing a CSV with
``BUDGETKG_REGENERATE=1 pytest tests/test_codelists.py``.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from rdflib import RDF, SKOS, Graph, Literal, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from budgetkg.ontology import CODELISTS_TTL
from budgetkg.ontology.codelists import CODE_BASE, CODELIST_DIR, SCHEMES, build_codelists, h

SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"

FUNCTION_CLASSES = [str(c) for c in range(201, 225) if c != 218] + [
    "227",
    "229",
    "230",
    "231",
    "232",
    "233",
    "234",
]
ECONOMIC_CLASSES = ["301", "302", "303", "307", "309", "310", "311", "312", "313", "399"]


@pytest.fixture(scope="module")
def graph() -> Graph:
    return Graph().parse(CODELISTS_TTL, format="turtle")


def test_snapshot_matches_csvs() -> None:
    generated = build_codelists()
    if os.environ.get("BUDGETKG_REGENERATE") == "1":
        CODELISTS_TTL.write_text(generated, encoding="utf-8")
    committed = Graph().parse(CODELISTS_TTL, format="turtle")
    fresh = Graph().parse(data=generated, format="turtle")
    if not isomorphic(committed, fresh):
        _, only_committed, only_fresh = graph_diff(to_isomorphic(committed), to_isomorphic(fresh))
        sample = sorted(only_committed)[:5], sorted(only_fresh)[:5]
        pytest.fail(
            "ontology/codelists/codelists.ttl is stale; "
            "run BUDGETKG_REGENERATE=1 pytest tests/test_codelists.py\n"
            f"only in committed: {sample[0]}\nonly in generated: {sample[1]}"
        )


def _concepts(graph: Graph, scheme_key: str) -> dict[str, URIRef]:
    scheme = URIRef(CODE_BASE + scheme_key)
    return {str(graph.value(c, SKOS.notation)): c for c in graph.subjects(SKOS.inScheme, scheme)}


@pytest.mark.parametrize("scheme_key", ["function", "economic"])
def test_classification_parent_is_prefix_and_exists(graph: Graph, scheme_key: str) -> None:
    lengths = {"function": {3, 5, 7}, "economic": {3, 5}}[scheme_key]
    concepts = _concepts(graph, scheme_key)
    assert concepts, scheme_key
    for notation, concept in concepts.items():
        assert str(concept) == f"{CODE_BASE}{scheme_key}/{notation}"
        assert re.fullmatch(r"\d+", notation) and len(notation) in lengths, notation
        parents = list(graph.objects(concept, SKOS.broader))
        if len(notation) == 3:
            assert parents == [], f"{notation} is a 类 and has no parent"
            assert (concept, SKOS.topConceptOf, URIRef(CODE_BASE + scheme_key)) in graph
        else:
            assert len(parents) == 1, f"{notation} must have exactly one parent, has {parents}"
            parent_notation = str(graph.value(parents[0], SKOS.notation))
            assert parent_notation == notation[:-2], f"{notation}'s parent is {parent_notation}"
            assert (parents[0], RDF.type, SKOS.Concept) in graph, f"{notation}'s parent does not exist"


@pytest.mark.parametrize(
    ("scheme_key", "required"), [("function", FUNCTION_CLASSES), ("economic", ECONOMIC_CLASSES)]
)
def test_every_class_is_present(graph: Graph, scheme_key: str, required: list[str]) -> None:
    concepts = _concepts(graph, scheme_key)
    assert [c for c in required if c not in concepts] == []


def test_every_concept_is_labelled_once_in_chinese(graph: Graph) -> None:
    for concept in graph.subjects(RDF.type, SKOS.Concept):
        labels = list(graph.objects(concept, SKOS.prefLabel))
        assert len(labels) == 1 and isinstance(labels[0], Literal) and labels[0].language == "zh", concept
        assert labels[0].strip() == str(labels[0]) and labels[0], concept
        # the official lists write full-width brackets: 政府办公厅（室）, 维修（护）费
        assert not re.search(r"[()]", labels[0]), f"{concept}: half-width brackets in {labels[0]}"
        assert graph.value(concept, SKOS.notation) is not None, concept


def test_known_corrections_of_the_reference_list(graph: Graph) -> None:
    """The reference list carried wrong names (PDF cells read from the wrong column) and a bogus 款."""
    function = _concepts(graph, "function")
    label = {n: str(graph.value(c, SKOS.prefLabel)) for n, c in function.items()}
    assert label["2040202"] == "一般行政管理事务"
    assert label["2101599"] == "其他医疗保障管理事务支出"
    assert label["2200104"] == "自然资源规划及管理"
    assert label["2111101"] == "生态环境监测与信息"
    assert "21000" not in function
    assert label["20103"] == "政府办公厅（室）及相关机构事务"


def test_indicator_categories(graph: Graph) -> None:
    concepts = {str(graph.value(c, SKOS.prefLabel)): c for c in _concepts(graph, "indicator").values()}
    level1 = {"产出指标", "效益指标", "满意度指标"}
    level2 = {
        "产出指标": {"数量指标", "质量指标", "时效指标", "成本指标"},
        "效益指标": {"经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"},
        "满意度指标": {"服务对象满意度指标"},
        # 2021+ frameworks also use 成本指标 as a level 1 with these children.
        "成本指标": {"经济成本指标", "社会成本指标", "生态环境成本指标"},
    }
    assert set(concepts) == level1 | set().union(*level2.values())
    for name, concept in concepts.items():
        assert str(concept) == f"{CODE_BASE}indicator/{h(name)}"
    for parent, children in level2.items():
        for child in children:
            assert graph.value(concepts[child], SKOS.broader) == concepts[parent], child
    for name in level1:
        assert graph.value(concepts[name], SKOS.broader) is None


def test_sangong_subtotals(graph: Graph) -> None:
    concepts = _concepts(graph, "sangong")

    def parent(key: str) -> str | None:
        p = graph.value(concepts[key], SKOS.broader)
        return None if p is None else str(graph.value(p, SKOS.notation))

    assert {k: parent(k) for k in concepts} == {
        "total": None,
        "travel_abroad": "total",
        "travel_abroad_academic": "travel_abroad",
        "travel_abroad_other": "travel_abroad",
        "vehicle": "total",
        "vehicle_purchase": "vehicle",
        "vehicle_operation": "vehicle",
        "reception": "total",
        # printed beside the 三公 items but not part of them: never summed into the total
        "meeting": None,
        "training": None,
        "operating_costs": None,
    }
    assert str(graph.value(concepts["travel_abroad"], SKOS.prefLabel)) == "因公出国（境）费"
    assert str(graph.value(concepts["vehicle"], SKOS.prefLabel)) == "公务用车购置及运行费"


def test_hash_is_sha256_of_nfkc_text_without_whitespace() -> None:
    assert h("数量指标") == hashlib.sha256("数量指标".encode()).hexdigest()[:12]
    assert h(" 数量\u3000指标\n") == h("数量指标")  # full-width and ordinary whitespace both vanish
    assert h("政府办公厅（室）") == h("政府办公厅(室)")  # NFKC folds full-width brackets
    assert len(h("x")) == 12


def test_csvs_have_the_documented_columns() -> None:
    columns = {
        "function.csv": ["code", "name", "note"],
        "economic.csv": ["code", "name", "note"],
        "indicators.csv": ["name", "broader", "note"],
        "sangong.csv": ["key", "name", "broader", "note"],
    }
    assert {s.csv_name for s in SCHEMES} == set(columns)
    for name, header in columns.items():
        with (CODELIST_DIR / name).open(encoding="utf-8", newline="") as f:
            assert next(csv.reader(f)) == header, name


def _seed_codes() -> dict[str, Counter[str]]:
    """Codes printed in the seeds' tab-separated tables, with the names printed beside them."""
    names: dict[str, Counter[str]] = defaultdict(Counter)
    for path in sorted(SEEDS.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if "\t" not in line:
                continue
            cells = [c.strip() for c in line.split("\t")]
            for i, cell in enumerate(cells[:-1]):
                if re.fullmatch(r"[23]\d{2}(\d{2}){0,2}", cell) and re.search(
                    r"[\u4e00-\u9fff]", cells[i + 1]
                ):
                    names[cell][cells[i + 1]] += 1
    return names


@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not beside this checkout")
def test_every_seed_code_is_listed_with_its_printed_name(graph: Graph) -> None:
    seed = _seed_codes()
    assert seed, "no codes found in the seeds: has their table format changed?"
    known = _concepts(graph, "function") | _concepts(graph, "economic")
    missing = sorted(code for code in seed if code not in known)
    assert missing == []
    # The name printed most often (a wrapped cell can cut one occurrence) must be the listed one.
    differing = {
        code: (str(graph.value(known[code], SKOS.prefLabel)), counts.most_common(1)[0][0])
        for code, counts in seed.items()
        if str(graph.value(known[code], SKOS.prefLabel)) != counts.most_common(1)[0][0]
    }
    assert differing == {}
