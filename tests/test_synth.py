"""The synthetic corpus generator (``loader/synth.py``) and its ground truth.

The arithmetic checks recompute every sum from the truth file itself (Decimal yuan), not from the
generator's internals, so a generator bug shows up as a broken identity here.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest

from budgetkg.loader import synth
from budgetkg.loader.tables import COLUMN_KEYS, FUND_SOURCES, SANGONG_ITEMS, TABLE_KINDS

N_ARITH = 40  # documents checked for internal arithmetic
WAN = Decimal(10000)


def _truth(path: Path) -> dict:
    return json.loads(path.with_name(path.stem + ".truth.json").read_text("utf-8"))


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, dict]]:
    """(text, truth) of N_ARITH clean documents, read back from disk."""
    out = tmp_path_factory.mktemp("synth")
    paths = synth.generate(N_ARITH, 2024, out)
    return [(p.read_text("utf-8"), _truth(p)) for p in paths]


def _col(line: dict) -> str:
    return line.get("column", "total")


def _lines(truth: dict, table: str) -> list[dict]:
    return [ln for ln in truth["lines"] if ln["table"] == table]


def _amount(line: dict) -> Decimal:
    return Decimal(line["amount_yuan"])


def _wan(amount: Decimal) -> str:
    return f"{amount / WAN:.2f}"


# ---------------------------------------------------------------------------------------------
# files, determinism


def test_generate_writes_documents_and_truth(tmp_path: Path) -> None:
    paths = synth.generate(3, 5, tmp_path)
    assert [p.name for p in paths] == [f"synth-5-{i:05d}.txt" for i in range(3)]
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted([p.name for p in paths] + [f"synth-5-{i:05d}.truth.json" for i in range(3)])
    for p in paths:
        truth = _truth(p)
        assert truth["source"] == p.name
        assert p.read_bytes().decode("utf-8")  # UTF-8


@pytest.mark.parametrize("hazards", [False, True])
def test_same_seed_same_bytes(tmp_path: Path, hazards: bool) -> None:
    synth.generate(4, 17, tmp_path / "a", hazards=hazards)
    synth.generate(4, 17, tmp_path / "b", hazards=hazards)
    assert _files(tmp_path / "a") == _files(tmp_path / "b")


def test_different_seed_different_documents(tmp_path: Path) -> None:
    a = synth.generate(3, 17, tmp_path / "a")
    b = synth.generate(3, 18, tmp_path / "b")
    texts_a = {p.read_bytes() for p in a}
    texts_b = {p.read_bytes() for p in b}
    assert len(texts_a) == 3 and not texts_a & texts_b
    assert [_truth(p)["unit"] for p in a] != [_truth(p)["unit"] for p in b]


def test_document_i_does_not_depend_on_n(tmp_path: Path) -> None:
    synth.generate(2, 9, tmp_path / "two")
    synth.generate(5, 9, tmp_path / "five")
    two, five = _files(tmp_path / "two"), _files(tmp_path / "five")
    assert all(five[name] == data for name, data in two.items())


def test_unknown_layout_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="layout"):
        synth.generate(1, 1, tmp_path, layout="docx")
    assert not list(tmp_path.iterdir())


# sha256 of documents 0 and 1 of seed 2026 (text, truth) as the tab-separated generator wrote
# them before layouts existed: the sample corpus and the benchmark's documents
PINNED = {
    0: ("495466dff6257517294960c0f9901613e72742574877ea096709b3eeb89745b0",
        "4a30f7e871f2354502af2b40b8b2eeb7deb26446eeb259b793d9c3bf009d8f7e"),
    1: ("f30e5461362c75ea5a6cfacaa255caf78a8aa2aeefa072d6689489e6a93c65c1",
        "ee730ac9f2ef47d9539f78a65c15cae54c9196d77bb07cff99eb1e8f472e1987"),
}  # fmt: skip


def test_the_default_layout_is_unchanged(tmp_path: Path) -> None:
    paths = synth.generate(2, 2026, tmp_path)
    for i, path in enumerate(paths):
        truth_path = path.with_name(path.stem + ".truth.json")
        digests = tuple(hashlib.sha256(p.read_bytes()).hexdigest() for p in (path, truth_path))
        assert digests == PINNED[i]
        assert synth.document(2026, i, layout="tsv") == synth.document(2026, i)
        assert "synth_layout" not in _truth(path)


def test_every_layout_prints_the_same_truth() -> None:
    for i in range(3):
        for hazards in (False, True):
            _, tsv = synth.document(6, i, hazards=hazards)
            for layout in synth.LAYOUTS[1:]:
                text, truth = synth.document(6, i, layout=layout, hazards=hazards)
                assert truth.pop("synth_layout") == layout
                assert truth.pop("layout") == synth.L.LOADER_LAYOUT[layout]
                assert truth == {k: v for k, v in tsv.items() if k != "layout"}
                for p in truth["projects"]:  # the same document, printed another way
                    assert p["name"] in text


def test_mixed_rotates_the_layouts(tmp_path: Path) -> None:
    paths = synth.generate(7, 3, tmp_path, layout="mixed")
    got = [_truth(p).get("synth_layout", "tsv") for p in paths]
    assert got == [*synth.LAYOUTS, *synth.LAYOUTS[:2]]
    for i, p in enumerate(paths):
        assert p.read_text("utf-8") == synth.document(3, i, layout=got[i])[0]


def _layout_marks(text: str) -> set[str]:
    lines = text.split("\n")
    marks = set()
    if re.search(r"^预算年度：20\d\d$", text, re.M) and re.search(r"^栏次\t1\t2", text, re.M):
        marks.add("paged")
    if not any(ln.count("\t") >= 2 for ln in lines) and sum(ln.startswith("\t") for ln in lines) > 500:
        marks.add("cell-per-line")
    if '<input checked="" type="checkbox"/>' in text and "<p>" in text:
        marks.add("html-cells")
    if "单位：元" in text and "单位：万元" not in text and re.search(r"^- \d+ -$", text, re.M):
        marks.add("pdf-like")
    return marks


@pytest.mark.parametrize("layout", synth.LAYOUTS)
def test_each_layout_has_its_seeds_marks(layout: str) -> None:
    for i in range(3):
        text, _ = synth.document(11, i, layout=layout)
        assert _layout_marks(text) == ({layout} if layout != "tsv" else set())


def test_hazards_change_the_text_not_the_truth() -> None:
    changed = 0
    for i in range(8):
        clean_text, clean_truth = synth.document(3, i)
        hz_text, hz_truth = synth.document(3, i, hazards=True)
        assert hz_truth == clean_truth
        changed += hz_text != clean_text
        # the 部门名称 header always carries the canonical name, whatever the OCR did elsewhere
        unit = clean_truth["unit"]["name"]
        headers = re.findall(r"^部门名称：(.*)$", hz_text, re.M)
        assert headers and set(headers) == {unit}
    assert changed == 8


def test_hazards_are_the_ones_promised() -> None:
    seen: dict[str, int] = defaultdict(int)
    for i in range(30):
        clean, truth = synth.document(4, i)
        text, _ = synth.document(4, i, hazards=True)
        unit = truth["unit"]["name"]
        if "单位：元" in text:
            seen["yuan table"] += 1
        if text.count("项目支出绩效目标申报表") > clean.count("项目支出绩效目标申报表"):
            seen["duplicated form"] += 1
        if text.count(f"部门名称：{unit}") > clean.count(f"部门名称：{unit}"):
            seen["page break"] += 1
        body = text.split("第二部分", 1)[0]
        if unit not in body.split("一、本部门职责", 1)[1].split("主要职责")[0]:
            seen["ocr"] += 1
        rows = [f"{p['name']}\t{_wan(Decimal(p['amount_yuan']))}\t" for p in truth["projects"]]
        if any(row not in text for row in rows):
            seen["wrapped name"] += 1
    assert set(seen) == {"yuan table", "duplicated form", "page break", "ocr", "wrapped name"}, seen


# ---------------------------------------------------------------------------------------------
# vocabulary shared with the loader


def test_truth_uses_the_loader_vocabulary(corpus: list[tuple[str, dict]]) -> None:
    for _, truth in corpus:
        for table in truth["tables"]:
            assert table["key"] in TABLE_KINDS
        for line in truth["lines"]:
            assert line["table"] in TABLE_KINDS
            assert _col(line) in COLUMN_KEYS
            assert line.get("fund_source") in (None, *FUND_SOURCES)
            assert line.get("sangong_item") in (None, *SANGONG_ITEMS)
            assert line.get("expenditure_type") in (None, "basic", "project")
            assert re.fullmatch(r"\d+\.\d\d", line["amount_yuan"])
        for project in truth["projects"]:
            for c in project["citations"]:
                assert c["basis_type"] in ("law", "policy", "contract", "standard", "decision", "informal")
                assert c["issuer_level"] in (None, "central", "provincial", "prefecture", "county")
            for ind in project["indicators"]:
                assert ind["operator"] in (None, "=", ">=", "<=", ">", "<")
                assert ind["period"] in ("annual", "midterm")


def test_unit_and_region(corpus: list[tuple[str, dict]]) -> None:
    known = {c.adcode: c for c in synth.counties()}
    for text, truth in corpus:
        unit, region = truth["unit"], truth["unit"]["region"]
        assert region["level"] == "county" and region["adcode"] in known
        county = known[region["adcode"]]
        assert region["name"] == county.name and unit["name"].startswith(county.name)
        assert region["parent"]["adcode"] == region["adcode"][:4] + "00"
        assert region["parent"]["parent"]["adcode"] == region["adcode"][:2] + "0000"
        assert re.fullmatch(r"\d{3}", unit["code"])
        assert 2021 <= truth["fiscal_year"] <= 2025
        assert f"部门名称：{unit['name']}" in text
        assert f"{unit['code']}-{unit['name']}" in text  # 主管部门及代码 in the forms


def test_county_names_are_unambiguous() -> None:
    names = [c.name for c in synth.counties()]
    assert len(names) > 1000 and len(names) == len(set(names))


def test_a_unit_keeps_its_code_and_has_one_document_a_year() -> None:
    """Cause of `make bench`'s 33 SHACL violations (1,000 documents, seed 2026): 16 documents drew
    a unit an earlier one had, each with a code of its own, so the shared unit resource got
    several bkg:unitCode (sh:maxCount 1), and two of them also its year (one document IRI for
    both: the second replaced the first in the store). Over the first 400 of them (three units
    drawn twice): one code per unit, one document per unit and year."""
    seen: dict[str, dict[int, str]] = defaultdict(dict)
    for i in range(400):
        _, truth = synth.document(2026, i)
        unit, fy = truth["unit"], truth["fiscal_year"]
        assert fy not in seen[unit["name"]], (i, unit["name"], fy)
        seen[unit["name"]][fy] = unit["code"]
    repeated = {name: years for name, years in seen.items() if len(years) > 1}
    assert len(repeated) >= 3  # the case arises in this corpus
    assert all(len(set(years.values())) == 1 for years in repeated.values())


def test_a_province_number_is_not_read_as_another_provinces_city(tmp_path: Path) -> None:
    """The 33rd violation (two bkg:issuerLevel on one legal basis): document 243 of seed 2026
    (霍尔果斯市民政局, 新疆) cites 新民发〔2020〕76号, 新疆维吾尔自治区民政厅's (新 + 民发); the loader
    read the prefix as 新民市 (辽宁) + 发, 中共新民市委, county level, while another document read
    the same number as provincial."""
    from budgetkg.loader.parse import parse_file

    text, truth = synth.document(2026, 243)
    path = tmp_path / truth["source"]
    path.write_text(text, encoding="utf-8")
    doc = parse_file(path)
    cited = {_citation("", p.name, c) for p in doc.projects for c in p.citations}
    true = {_citation("", p["name"], c) for p in truth["projects"] for c in p["citations"]}
    number = ("policy", "关于加强高龄津贴发放管理的通知", "新民发〔2020〕76号", "新疆维吾尔自治区民政厅")
    assert ("", "安全保卫服务费", *number, "provincial", 2020) in true
    assert cited == true


def test_documents_of_one_unit_conform_together(tmp_path: Path) -> None:
    """Documents 140 and 257 of seed 2026 (祁阳县卫生健康局, both drawn for 2022): each ingests as a
    document of its own and the store conforms (it had one document with two unit codes)."""
    from budgetkg.loader.ingest import ingest
    from budgetkg.loader.store import GraphStore

    paths = []
    for i in (140, 257):
        text, truth = synth.document(2026, i)
        path = tmp_path / truth["source"]
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    results = ingest(GraphStore(tmp_path / "store"), paths)
    assert [r.unit for r in results] == ["祁阳县卫生健康局"] * 2
    assert len({r.doc_iri for r in results}) == 2
    for r in results:
        assert r.ok and r.report is not None, r.error
        assert r.report.conforms, [x.message for x in r.report.results if x.severity == "Violation"]


# ---------------------------------------------------------------------------------------------
# arithmetic, recomputed from the truth


def _function_rows(truth: dict, table: str) -> dict[str | None, dict[str, Decimal]]:
    rows: dict[str | None, dict[str, Decimal]] = defaultdict(dict)
    for line in _lines(truth, table):
        key = None if line.get("is_total") else line["function_code"]
        rows[key][_col(line)] = _amount(line)
    return rows


@pytest.mark.parametrize("table", ["expenditure_summary", "general_budget_expenditure"])
def test_function_hierarchy_adds_up(corpus: list[tuple[str, dict]], table: str) -> None:
    for _, truth in corpus:
        rows = _function_rows(truth, table)
        codes = [c for c in rows if c]
        assert codes and None in rows
        for column in ("total", "basic", "project"):

            def val(code: str | None, column: str = column, rows: dict = rows) -> Decimal:
                return rows[code].get(column, Decimal(0))

            for code in codes:
                children = [c for c in codes if len(c) == len(code) + 2 and c.startswith(code)]
                if len(code) < 7:
                    assert children, f"{code} has no children"
                    assert sum(map(val, children)) == val(code), (truth["source"], code, column)
            assert sum(val(c) for c in codes if len(c) == 3) == val(None)
        for code, cols in rows.items():
            assert cols.get("basic", 0) + cols.get("project", 0) == cols["total"], (truth["source"], code)


def test_the_function_tables_agree(corpus: list[tuple[str, dict]]) -> None:
    for _, truth in corpus:
        exp = _function_rows(truth, "expenditure_summary")
        assert _function_rows(truth, "general_budget_expenditure") == exp
        income = _function_rows(truth, "income_summary")
        assert {k: v["total"] for k, v in income.items()} == {k: v["total"] for k, v in exp.items()}
        assert {k: v["general_public_budget"] for k, v in income.items()} == {
            k: v["total"] for k, v in exp.items()
        }
        classes = {k: v["total"] for k, v in exp.items() if k and len(k) == 3}
        for table in ("income_expenditure_summary", "fiscal_summary"):
            lines = _lines(truth, table)
            assert {ln["function_code"]: _amount(ln) for ln in lines if ln.get("function_code")} == classes
            totals = {_amount(ln) for ln in lines if ln.get("is_total")}
            assert totals == {exp[None]["total"]}


def test_projects_add_up(corpus: list[tuple[str, dict]]) -> None:
    for _, truth in corpus:
        exp = _function_rows(truth, "expenditure_summary")
        projects = truth["projects"]
        assert 5 <= len(projects) <= 25
        assert len({p["name"] for p in projects}) == len(projects)
        amounts = [Decimal(p["amount_yuan"]) for p in projects]
        assert sum(amounts) == exp[None]["project"]
        assert all(a > 0 and a % 100 == 0 for a in amounts)  # 0.01 万元 steps
        # each project sits on a 项 whose project column is the sum of its projects
        by_code: dict[str, Decimal] = defaultdict(Decimal)
        for p in projects:
            by_code[p["function_code"]] += Decimal(p["amount_yuan"])
        assert by_code == {c: v["project"] for c, v in exp.items() if c and len(c) == 7 and "project" in v}
        for p in projects:
            assert Decimal(p["midterm_amount_yuan"]) >= Decimal(p["amount_yuan"])
        # the project table: first row the department, then per unit a subtotal and its projects
        rows = [ln for ln in _lines(truth, "project_expenditure") if _col(ln) == "total"]
        assert rows[0]["item"] == truth["unit"]["name"] and _amount(rows[0]) == exp[None]["project"]
        listed = {ln["item"]: _amount(ln) for ln in rows if ln["item"] in {p["name"] for p in projects}}
        assert listed == {p["name"]: Decimal(p["amount_yuan"]) for p in projects}
        units = [ln for ln in rows[1:] if ln["item"] not in listed]
        assert sum(map(_amount, units)) == exp[None]["project"]


def test_economic_table_adds_up(corpus: list[tuple[str, dict]]) -> None:
    for _, truth in corpus:
        exp = _function_rows(truth, "expenditure_summary")
        lines = _lines(truth, "general_budget_basic_economic")
        rows: dict[str | None, dict[str, Decimal]] = defaultdict(dict)
        for ln in lines:
            rows[None if ln.get("is_total") else ln["economic_code"]][_col(ln)] = _amount(ln)
        groups = [c for c in rows if c and len(c) == 3]
        assert "301" in groups and "302" in groups
        for g in groups:
            leaves = [c for c in rows if c and len(c) == 5 and c.startswith(g)]
            assert sum(rows[c]["total"] for c in leaves) == rows[g]["total"]
            col = "public" if g == "302" else "personnel"
            assert all(rows[c]["total"] == rows[c][col] for c in [g, *leaves])
        total = rows[None]
        assert total["total"] == sum(rows[g]["total"] for g in groups) == exp[None]["basic"]
        assert total["personnel"] + total["public"] == total["total"]
        assert total["public"] == rows["302"]["total"]
        # social-security items tie to their function rows
        assert rows["30108"]["total"] == exp["2080505"]["basic"]
        assert rows["30109"]["total"] == exp["2080506"]["basic"]
        assert rows["30113"]["total"] == exp["2210201"]["basic"]
        # 机关运行经费 = 公用经费
        op = [ln for ln in _lines(truth, "operating_costs") if _col(ln) == "total"]
        assert [_amount(ln) for ln in op if ln.get("is_total")] == [total["public"]]
        assert sum(_amount(ln) for ln in op if not ln.get("is_total")) == total["public"]


def test_sangong_adds_up(corpus: list[tuple[str, dict]]) -> None:
    for _, truth in corpus:
        s = {
            ln["sangong_item"]: _amount(ln)
            for ln in _lines(truth, "sangong")
            if _col(ln) == "total" and ln.get("sangong_item")
        }

        def val(key: str, s: dict[str, Decimal] = s) -> Decimal:
            return s.get(key, Decimal(0))

        assert val("total") > 0
        assert val("vehicle") == val("vehicle_purchase") + val("vehicle_operation")
        assert val("total") == val("travel_abroad") + val("reception") + val("vehicle")


# ---------------------------------------------------------------------------------------------
# the text carries the truth


def test_text_contains_the_truth_amounts(corpus: list[tuple[str, dict]]) -> None:
    for text, truth in corpus:
        rows = set(text.splitlines())
        exp = _function_rows(truth, "expenditure_summary")
        for code, cols in exp.items():
            line = next(
                ln for ln in _lines(truth, "expenditure_summary") if (ln.get("function_code")) == code
            )
            cells = [_wan(cols["total"])] + [_wan(cols[c]) if c in cols else "" for c in ("basic", "project")]
            label = f"{code}\t{line['item']}" if code else "合计\t"
            assert f"{label}\t" + "\t".join(cells) in rows, (truth["source"], code)
        for ln in truth["lines"]:  # every amount of a clean document is printed in 万元
            assert _wan(_amount(ln)) in text
        for p in truth["projects"]:
            amount = Decimal(p["amount_yuan"])
            assert f"{p['name']}\t{_wan(amount)}\t{_wan(amount)}\t" in text
            assert f"年度资金总额:\t\t{int(amount):,}" in text  # the form, in 元
            assert f"立项依据\t\t{p['legal_basis_text']}\t" in text
            for c in p["citations"]:
                assert c["raw"] in p["legal_basis_text"]
                if c["title"] and c["basis_type"] != "contract":
                    assert f"《{c['title']}》" in c["raw"]
            for ind in p["indicators"]:
                assert ind["name"] in text and ind["target_text"] in text


def test_example_from_the_contract() -> None:
    # a 473.16 in a 万元 table is 4731600.00 yuan in the truth
    for i in range(20):
        text, truth = synth.document(1, i)
        for ln in _lines(truth, "expenditure_summary"):
            a = _amount(ln)
            assert f"\t{a / WAN:.2f}" in text
            assert a == (Decimal(_wan(a)) * WAN).quantize(Decimal("0.01"))


def test_personal_data_is_recorded_and_fake(corpus: list[tuple[str, dict]]) -> None:
    for text, truth in corpus:
        personal = truth["personal"]
        assert any(p["role"] == "经办人" for p in personal)
        for p in personal:
            assert p["name"] in text
            if "phone" in p:
                assert re.fullmatch(r"100\d{8}", p["phone"])
                assert f"经办人:\t{p['name']}\t联系电话:\t{p['phone']}\t" in text


# ---------------------------------------------------------------------------------------------
# legal bases


def test_citations_are_consistent_across_documents() -> None:
    by_number: dict[str, set[tuple]] = defaultdict(set)
    docs_by_number: dict[str, set[str]] = defaultdict(set)
    kinds: set[str] = set()
    for i in range(150):
        _, truth = synth.document(8, i)
        fy = truth["fiscal_year"]
        for p in truth["projects"]:
            for c in p["citations"]:
                kinds.add(c["basis_type"])
                if c["basis_type"] == "policy":
                    assert c["year"] < fy
                    assert re.fullmatch(r".+〔(\d{4})〕\d+号", c["number"]).group(1) == str(c["year"])
                    title = c["title"].removeprefix(c["issuer"])
                    by_number[c["number"]].add((title, c["issuer"], c["issuer_level"], c["year"]))
                    docs_by_number[c["number"]].add(truth["source"])
    assert kinds == {"law", "policy", "contract", "standard", "decision", "informal"}
    clashes = {n: v for n, v in by_number.items() if len(v) > 1}
    assert not clashes  # one 文号, one document
    shared = [n for n, docs in docs_by_number.items() if len(docs) >= 3]
    assert len(shared) >= 10  # a pool of notices cited by several units
    levels = {next(iter(v))[2] for v in by_number.values()}
    assert levels == {"central", "provincial", "prefecture", "county"}


def test_indicator_targets_parse_as_recorded(corpus: list[tuple[str, dict]]) -> None:
    symbols = {">=": "≥", "<=": "≤", "=": ""}
    for _, truth in corpus:
        for p in truth["projects"]:
            periods = {i["period"] for i in p["indicators"]}
            assert periods == {"annual", "midterm"}
            assert {i["level1"] for i in p["indicators"]} >= {"产出指标", "满意度指标"}
            for ind in p["indicators"]:
                if ind["placeholder"]:
                    assert "XX" in ind["target_text"] and ind["operator"] is None
                elif ind["operator"]:
                    assert ind["target_text"] == f"{symbols[ind['operator']]}{ind['value']}{ind['unit']}"
                else:
                    assert ind["value"] is None and ind["unit"] is None


# Generation speed is measured by `make bench` (BENCHMARKS.md), not asserted in a unit test.


# ---------------------------------------------------------------------------------------------
# round trip through the loader


def _prf(name: str, truth: set, got: set) -> tuple[str, float, float]:
    tp = len(truth & got)
    precision = tp / len(got) if got else 1.0
    recall = tp / len(truth) if truth else 1.0
    counts = f"({tp}/{len(got)} read, {len(truth)} true)"
    print(f"  {name:34s} precision {precision:.3f}  recall {recall:.3f}  {counts}")
    return name, precision, recall


def _citation(src: str, project: str, c: dict | object) -> tuple:
    """Every field of a citation but its raw text (the truth may frame it differently)."""
    get = c.get if isinstance(c, dict) else lambda k: getattr(c, k)
    keys = ("basis_type", "title", "number", "issuer", "issuer_level", "year")
    return (src, project, *(get(k) for k in keys))


def _truth_line(src: str, ln: dict) -> tuple:
    return (
        src,
        ln["table"],
        ln["item"],
        ln.get("function_code"),
        ln.get("economic_code"),
        ln.get("sangong_item"),
        ln.get("expenditure_type"),
        ln.get("fund_source"),
        _col(ln),
        bool(ln.get("is_total")),
        ln.get("occurrence", 0),
        _amount(ln),
    )


def _read_line(src: str, ln: object) -> tuple:
    keys = ("table", "item", "function_code", "economic_code", "sangong_item", "expenditure_type")
    keys += ("fund_source", "column", "is_total", "occurrence", "amount")
    return (src, *(getattr(ln, k) for k in keys))


@dataclass
class _Facts:
    """Facts of one kind: the truth's, the loader's, and for a fact the loader missed the names
    a warning may mention to report it (none: it may not be missed)."""

    truth: set = field(default_factory=set)
    got: set = field(default_factory=set)
    names: dict = field(default_factory=dict)  # truth fact → names


def _round_trip(paths: list[Path], clean: bool = True) -> tuple[dict[str, _Facts], list[str]]:
    """Facts of the truth and of what ``parse_file`` reads, per kind; and every silent loss: a
    truth fact neither read nor named in a warning (its project, its row's label or its table).
    The layout the loader reports is a fact of clean documents only (a hazard's page break
    makes any layout paged)."""
    from budgetkg.loader.parse import parse_file

    facts: dict[str, _Facts] = defaultdict(_Facts)
    silent: list[str] = []

    for path in paths:
        truth = _truth(path)
        doc = parse_file(path)
        src = path.name
        # the truth lists what the tables print; lines the narrative reader takes from the
        # 情况说明's sentences (from_narrative) are its own tests' business
        lines = [ln for ln in doc.lines if not getattr(ln, "from_narrative", False)]
        tables = [t for t in doc.tables if not getattr(t, "from_narrative", False)]
        titles = {t["key"]: t["title"] for t in truth["tables"]}
        warned = "\n".join(doc.warnings)
        kinds: set[str] = set()

        def add(
            kind: str, pairs: list[tuple[tuple, tuple[str, ...]]], got: set, doc_facts: set = kinds
        ) -> None:
            f = facts[kind]
            for fact, names in pairs:
                f.truth.add(fact)
                f.names[fact] = names
            f.got.update(got)
            doc_facts.add(kind)

        add("unit name", [((src, truth["unit"]["name"]), ())], {(src, doc.unit.name)})
        add("fiscal year", [((src, truth["fiscal_year"]), ())], {(src, doc.fiscal_year)})
        adcode = doc.unit.region.adcode if doc.unit.region else None
        add("region adcode", [((src, truth["unit"]["region"]["adcode"]), ())], {(src, adcode)})
        if clean:
            add("layout", [((src, truth["layout"]), ())], {(src, doc.layout)})

        def line_names(ln: dict, titles: dict[str, str] = titles) -> tuple[str, ...]:
            return (ln["item"], titles[ln["table"]]) if len(ln["item"]) >= 4 else (titles[ln["table"]],)

        add(
            "支出总表 lines (code, column, amount)",
            [
                ((src, ln.get("function_code") or "合计", _col(ln), _amount(ln)), line_names(ln))
                for ln in _lines(truth, "expenditure_summary")
            ],
            {
                (src, ln.function_code or ("合计" if ln.is_total else ln.item), ln.column, ln.amount)
                for ln in lines
                if ln.table == "expenditure_summary"
            },
        )
        add(
            "all lines, all fields",
            [(_truth_line(src, ln), line_names(ln)) for ln in truth["lines"]],
            {_read_line(src, ln) for ln in lines},
        )
        add(
            "tables (key, empty)",
            [((src, t["key"], t["empty"]), (t["title"],)) for t in truth["tables"]],
            {(src, t.key, t.empty) for t in tables},
        )
        projects = truth["projects"]
        add(
            "projects (name, amount)",
            [((src, p["name"], Decimal(p["amount_yuan"])), (p["name"],)) for p in projects],
            {(src, p.name, p.amount) for p in doc.projects},
        )
        add(
            "citation numbers",
            [
                ((src, p["name"], c["number"]), (p["name"],))
                for p in projects
                for c in p["citations"]
                if c["number"]
            ],
            {(src, p.name, c.number) for p in doc.projects for c in p.citations if c.number},
        )
        add(
            "citations (type, title, number)",
            [
                ((src, p["name"], c["basis_type"], c["title"], c["number"]), (p["name"],))
                for p in projects
                for c in p["citations"]
            ],
            {(src, p.name, c.basis_type, c.title, c.number) for p in doc.projects for c in p.citations},
        )
        add(
            "citation issuers",
            [
                ((src, c["number"], c["issuer"], c["issuer_level"]), (p["name"],))
                for p in projects
                for c in p["citations"]
                if c["number"]
            ],
            {
                (src, c.number, c.issuer, c.issuer_level)
                for p in doc.projects
                for c in p.citations
                if c.number
            },
        )
        # decisions (issuer from 县政府 and the place), contracts without 《》, standards (DA/T …),
        # department codes (冀民发, 国卫基层发 …): every field but the raw text
        add(
            "citations, all fields",
            [(_citation(src, p["name"], c), (p["name"],)) for p in projects for c in p["citations"]],
            {_citation(src, p.name, c) for p in doc.projects for c in p.citations},
        )
        add(
            "indicators",
            [
                (
                    (
                        src,
                        p["name"],
                        i["period"],
                        i["level2"],
                        i["name"],
                        i["target_text"],
                        i["operator"],
                        Decimal(i["value"]) if i["value"] else None,
                        i["unit"],
                    ),
                    (p["name"],),
                )
                for p in projects
                for i in p["indicators"]
            ],
            {
                (src, p.name, i.period, i.level2, i.name, i.target_text, i.operator, i.value, i.unit)
                for p in doc.projects
                for i in p.indicators
            },
        )
        for kind in sorted(kinds):
            f = facts[kind]
            for fact in f.truth - f.got:
                if fact[0] == src and not any(name and name in warned for name in f.names[fact]):
                    silent.append(f"{kind}: {fact}")
        record = repr(doc)
        leaked = [p["phone"] for p in truth["personal"] if "phone" in p and p["phone"] in record]
        assert not leaked, f"{src}: phone numbers of the forms found in the parsed records"
    return facts, silent


REQUIRED = [
    "unit name",
    "fiscal year",
    "region adcode",
    "支出总表 lines (code, column, amount)",
    "all lines, all fields",
    "tables (key, empty)",
    "projects (name, amount)",
    "citation numbers",
    "citations (type, title, number)",
    "citation issuers",
    "citations, all fields",
    "indicators",
]


def _report(title: str, facts: dict[str, _Facts], required: list[str]) -> dict:
    print(f"\nround trip, {title}:")
    scores = {name: _prf(name, f.truth, f.got) for name, f in facts.items()}
    for n in required:  # show what differs
        f = facts[n]
        for x in sorted(f.truth - f.got, key=str)[:5]:
            print(f"  missing  {n}: {x}")
        for x in sorted(f.got - f.truth, key=str)[:5]:
            print(f"  spurious {n}: {x}")
    return {n: scores[n][1:] for n in required if scores[n][1:] != (1.0, 1.0)}


@pytest.mark.parametrize("layout", synth.LAYOUTS)
def test_round_trip_through_the_loader(tmp_path: Path, layout: str) -> None:
    """Clean documents of every layout → parse_file → every fact below read exactly (100%
    required), and the layout reported as the seeds' of that kind."""
    n = 5 if layout == "tsv" else 3
    facts, silent = _round_trip(synth.generate(n, 1, tmp_path, layout=layout))
    failed = _report(f"{n} clean documents, {layout}", facts, [*REQUIRED, "layout"])
    assert not failed, f"facts not read exactly (precision, recall): {failed}"
    assert not silent


def test_a_page_printed_twice_is_read_once(tmp_path: Path) -> None:
    """Document 26 of seed 9, paged with hazards, prints a page of its project table twice (the
    same 序号, names and amounts under the repeated header): its lines and projects are read once,
    and the repeat is reported."""
    from budgetkg.loader.parse import parse_file

    text, truth = synth.document(9, 26, layout="paged", hazards=True)
    path = tmp_path / truth["source"]
    path.write_text(text, encoding="utf-8")
    path.with_name(path.stem + ".truth.json").write_text(synth.dump_truth(truth), encoding="utf-8")
    facts, silent = _round_trip([path], clean=False)
    assert not _report("a page printed twice", facts, REQUIRED) and not silent
    warnings = parse_file(path).warnings
    assert any("项目支出预算表" in w and "repeat the page before" in w for w in warnings)
    assert any("project table rows repeat the page before" in w for w in warnings)


@pytest.mark.parametrize("layout", synth.LAYOUTS)
def test_round_trip_with_hazards_loses_nothing_silently(tmp_path: Path, layout: str) -> None:
    """The same facts through every layout's hazards (tsv: page breaks, wrapped project names,
    duplicated and truncated forms, OCR look-alikes, a 元 table; paged: a name cut by a page
    break, a page printed twice; cell-per-line: wrapped cells, split indicator halves;
    html-cells: a prose cell cut mid-sentence; pdf-like: a 万元 table among 元 ones, a name cut
    by a page break): no truth fact is lost without a warning naming it, and as the loader
    stands every one is read exactly."""
    n = 20 if layout == "tsv" else 6
    facts, silent = _round_trip(synth.generate(n, 1, tmp_path, layout=layout, hazards=True), clean=False)
    failed = _report(f"{n} documents with hazards, {layout}", facts, REQUIRED)
    print(f"  no silent loss: {not silent} ({len(silent)} true facts neither read nor reported)")
    assert not silent, f"true facts neither read nor named in a warning: {silent[:10]}"
    assert not failed, f"facts not read exactly (precision, recall): {failed}"
