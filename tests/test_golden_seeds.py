"""Issue #3: per seed, a golden file written by reading the document (tests/golden/seeds/*.json,
text sealed as fingerprints); the seed is ingested into a fresh store, every fact type is read
back from the graph with SPARQL and compared with the golden as a multiset. Precision and recall
per fact type must be at least 0.99. Also: the harness itself, and README's SPARQL examples."""

from __future__ import annotations

import functools
import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from budgetkg.loader.decode import decode
from budgetkg.loader.ingest import ingest
from budgetkg.loader.store import GraphStore

from .conftest import ROOT, seed
from .golden import seal as seal_tool
from .golden.extract import PREFIXES, extract
from .golden.facts import FIELDS, TEXTUAL, Score, check, compare, fingerprint, table

GOLDEN_DIR = Path(__file__).parent / "golden" / "seeds"
GOLDENS = sorted(GOLDEN_DIR.glob("*.json"))
THRESHOLD = 0.99
SHOWN = 40  # most mismatches listed per fact type and direction


@functools.cache
def _store(prefix: str) -> GraphStore:
    store = GraphStore(None)
    [result] = ingest(store, [seed(prefix)], validate=False)
    assert result.ok, f"seed {prefix} failed to ingest: {result.error}"
    return store


@functools.cache
def _seed_lines(prefix: str) -> list[str]:
    return decode(seed(prefix).read_bytes(), seed(prefix).name).splitlines()


def _describe(prefix: str, kind: str, fact: dict[str, Any]) -> str:
    shown = {k: fact.get(k) for k in FIELDS[kind]}
    line = fact.get("line")
    text = ""
    lines = _seed_lines(prefix)
    if isinstance(line, int) and 1 <= line <= len(lines):
        text = f"  | line {line}: {lines[line - 1].strip()[:160]}"
    return f"    {json.dumps(shown, ensure_ascii=False)}{text}"


def _report(prefix: str, scores: list[Score]) -> str:
    out = [f"seed {prefix}: precision/recall per fact type (threshold {THRESHOLD})", table(scores)]
    for s in scores:
        for label, facts in (
            ("missing from the graph", s.missing),
            ("unexpected in the graph", s.unexpected),
        ):
            if facts:
                out.append(f"  {s.kind}: {len(facts)} {label}")
                out.extend(_describe(prefix, s.kind, f) for f in facts[:SHOWN])
                if len(facts) > SHOWN:
                    out.append(f"    … and {len(facts) - SHOWN} more")
    return "\n".join(out)


def score_seed(golden: dict[str, Any], store: GraphStore) -> list[Score]:
    graph = extract(store)
    return [compare(kind, golden["facts"][kind], graph[kind]) for kind in FIELDS]


def _params() -> list[Any]:
    if not GOLDENS:
        # An empty folder is a failure, not a silent pass.
        return [pytest.param(None, id="no-golden-files")]
    return [pytest.param(p, id=p.stem) for p in GOLDENS]


@pytest.mark.parametrize("path", _params())
def test_seed_matches_golden(path: Path | None) -> None:
    assert path is not None, f"no golden files in {GOLDEN_DIR}"
    golden = json.loads(path.read_text("utf-8"))
    prefix = golden["seed"]
    assert prefix == path.stem, f"{path.name} is the golden of seed {prefix!r}"
    assert set(golden["facts"]) == set(FIELDS), f"{path.name} must list every fact type: {list(FIELDS)}"
    for kind, facts in golden["facts"].items():
        for fact in facts:
            check(kind, fact)
            clear = [n for n in TEXTUAL.get(kind, ()) if fact.get(n) and not fact[n].startswith("sha1:")]
            assert not clear, f"{path.name}: clear text in {kind}.{clear}: seal it (tests/golden/README.md)"
    scores = score_seed(golden, _store(prefix))
    report = _report(prefix, scores)
    print("\n" + report)
    low = [s.kind for s in scores if s.precision < THRESHOLD or s.recall < THRESHOLD]
    assert not low, f"below {THRESHOLD} for {low}\n{report}"


# -- the harness itself ------------------------------------------------------------------------


def _facts(n: int) -> list[dict[str, Any]]:
    return [{"table": "general_budget_expenditure", "code": f"20103{i:02d}", "column": "total",
             "amount": str(1000 * (i + 1))} for i in range(n)]  # fmt: skip


def test_an_empty_golden_folder_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.modules[__name__], "GOLDENS", [])
    [param] = _params()
    assert param.values == (None,)
    with pytest.raises(AssertionError, match="no golden files"):
        test_seed_matches_golden(None)


def test_a_changed_amount_lowers_precision_and_recall() -> None:
    graph = _facts(10)
    golden = _facts(10)
    golden[3] = {**golden[3], "amount": "1"}
    s = compare("line", golden, graph)
    assert (s.matched, s.precision, s.recall) == (9, 0.9, 0.9)
    assert s.missing == [golden[3]] and s.unexpected == [graph[3]]


def test_a_removed_fact_lowers_precision_only() -> None:
    graph = _facts(10)
    golden = _facts(10)[1:]
    s = compare("line", golden, graph)
    assert (s.matched, s.precision, s.recall) == (9, 0.9, 1.0)


def test_duplicates_count_as_a_multiset() -> None:
    fact = _facts(1)[0]
    s = compare("line", [fact, fact], [fact])
    assert (s.matched, s.precision, s.recall) == (1, 1.0, 0.5)


def test_amounts_and_numbers_compare_canonically() -> None:
    assert compare("total", [{"table": "t", "column": "total", "amount": "1234.50"}],
                   [{"table": "t", "column": "total", "amount": "1234.5"}]).matched == 1  # fmt: skip
    gold = {"project": fingerprint("项目 甲"), "title": "通知", "number": "晋政办发[2017]10号"}
    seen = {"project": "项目甲", "title": "通知", "number": "晋政办发〔2017〕10号"}
    assert compare("citation", [gold], [seen]).matched == 1


def test_a_blank_text_is_no_text() -> None:
    ind = {"project": "甲", "level1": "满意度指标", "level2": "服务对象满意度指标", "name": "a"}
    assert compare("indicator", [{**ind, "target": None}], [{**ind, "target": " "}]).matched == 1
    assert compare("indicator", [{**ind, "target": None}], [{**ind, "target": "≥90%"}]).matched == 0


def test_indicator_precision_counts_only_sampled_projects() -> None:
    def ind(project: str, name: str) -> dict[str, Any]:
        return {"project": project, "level1": "产出指标", "level2": "数量指标", "name": name, "target": "1"}

    graph = [ind("甲", "a"), ind("甲", "b"), ind("乙", "c")]
    s = compare("indicator", [ind("甲", "a"), ind("甲", "x")], graph)
    assert (s.golden, s.graph, s.matched) == (2, 2, 1)


def test_a_wrong_golden_of_a_real_seed_scores_as_computed() -> None:
    """The graph's own facts as a golden score 1.0; an amount changed and a fact removed lower
    precision and recall exactly as counted."""
    graph = extract(_store("004"))
    golden = {"facts": {k: [dict(f) for f in v] for k, v in graph.items()}}
    assert all(s.precision == s.recall == 1.0 for s in score_seed(golden, _store("004")))
    totals = golden["facts"]["total"]
    n = len(totals)
    assert n >= 2
    totals[0]["amount"] = str(int(float(totals[0]["amount"])) + 1)
    del totals[1]
    s = {x.kind: x for x in score_seed(golden, _store("004"))}["total"]
    assert (s.golden, s.graph, s.matched) == (n - 1, n, n - 2)
    assert s.precision == (n - 2) / n and s.recall == (n - 2) / (n - 1)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"seed": "x", "facts": {"lines": []}}, "unknown fact type 'lines'; allowed: unit, table, total"),
        (
            {"seed": "x", "facts": {"project": [{"name": "a", "amount": "1", "amt": "2"}]}},
            "unknown field(s) 'amt' in a 'project' fact; allowed: amount, line, name, note",
        ),
    ],
)
def test_seal_rejects_unknown_types_and_fields(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data: dict[str, Any], message: str
) -> None:
    src = tmp_path / "src.json"
    src.write_text(json.dumps(data), "utf-8")
    assert seal_tool.main([str(src), str(tmp_path / "out.json")]) == 1
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out.json").exists()


def test_seal_fingerprints_text_and_keeps_facts(tmp_path: Path) -> None:
    src = tmp_path / "src.json"
    clear = {
        "seed": "x",
        "facts": {
            "project": [{"name": "某 项目", "amount": "50000.00", "line": 3}],
            "citation": [{"project": "某项目", "title": "关于的通知", "number": "晋政办发[2017]10号"}],
        },
    }
    src.write_text(json.dumps(clear, ensure_ascii=False), "utf-8")
    assert seal_tool.main([str(src), str(tmp_path / "out.json")]) == 0
    out = json.loads((tmp_path / "out.json").read_text("utf-8"))
    assert out["facts"]["project"] == [{"name": fingerprint("某项目"), "amount": "50000", "line": 3}]
    assert out["facts"]["citation"][0]["number"] == "晋政办发〔2017〕10号"
    assert "项目" not in (tmp_path / "out.json").read_text("utf-8")


# -- README's examples ---------------------------------------------------------------------------

SECTION = "## What the graph answers: seed 004"


def _readme_queries() -> list[str]:
    text = (ROOT / "README.md").read_text("utf-8")
    return re.findall(r"```sparql\n(.*?)```", text, re.S)


def test_readme_has_one_example_per_fact_type() -> None:
    text = (ROOT / "README.md").read_text("utf-8")
    assert SECTION in text
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    assert len(re.findall(r"```sparql\n", section)) >= 10


@pytest.mark.parametrize("n", range(len(_readme_queries())))
def test_readme_sparql_answers_on_seed_004(n: int) -> None:
    query = _readme_queries()[n]
    rows = list(_store("004").query(query if "PREFIX" in query else PREFIXES + query))  # type: ignore[call-overload]
    assert rows, f"README.md's SPARQL example #{n + 1} returns no row on seed 004:\n{query}"
