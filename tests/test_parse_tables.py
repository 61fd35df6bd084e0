"""parse_file on the seeds (read from ../shared/seeds, never copied) and on small made-up layouts.

Expected figures were written by reading the documents, not by running the parser.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from budgetkg.loader.errors import DocumentError
from budgetkg.loader.parse import parse_bytes, parse_file
from budgetkg.loader.records import Line, ParsedDocument
from budgetkg.loader.tables import (
    COLUMN_KEYS,
    FUND_SOURCES,
    SANGONG_ITEMS,
    TABLE_KINDS,
    classify_title,
    codes_by_name,
)

from .conftest import seed as _seed

WAN = Decimal(10000)


_CACHE: dict[str, ParsedDocument] = {}


def _doc(prefix: str) -> ParsedDocument:
    if prefix not in _CACHE:
        _CACHE[prefix] = parse_file(_seed(prefix))
    return _CACHE[prefix]


def _w(text: str) -> Decimal:
    """万元 as printed → yuan."""
    return Decimal(text) * WAN


def _lines(doc: ParsedDocument, table: str) -> list[Line]:
    """The lines read from the printed table (not those loader.narrative reads from sentences)."""
    return [line for line in doc.lines if line.table == table and not line.from_narrative]


def _by_code_column(lines: list[Line]) -> dict[tuple[str, str], Decimal]:
    out: dict[tuple[str, str], Decimal] = {}
    for line in lines:
        key = ("total" if line.is_total else (line.function_code or line.economic_code or "?"), line.column)
        assert key not in out, f"two lines for {key}"
        out[key] = line.amount
    return out


def _expected(
    rows: list[tuple[str, str, str, str]], columns: tuple[str, ...]
) -> dict[tuple[str, str], Decimal]:
    out = {}
    for row in rows:
        code, *amounts = row
        for col, amount in zip(columns, amounts, strict=True):
            if amount:
                out[(code, col)] = _w(amount)
    return out


# -- 004: 兴县人民政府办公室 (one page per table, names-only economic table) ----------------------

# 2023年预算支出总表, as printed: code, 合计, 基本支出, 项目支出
EXPENDITURE_004 = [
    ("total", "833.90", "360.74", "473.16"),
    ("201", "620.54", "261.81", "358.73"),
    ("20103", "620.54", "261.81", "358.73"),
    ("2010301", "216.32", "216.32", ""),
    ("2010302", "208.73", "", "208.73"),
    ("2010350", "45.48", "45.48", ""),
    ("2010399", "150.00", "", "150.00"),
    ("208", "53.89", "53.89", ""),
    ("20805", "53.89", "53.89", ""),
    ("2080505", "29.89", "29.89", ""),
    ("2080506", "24.00", "24.00", ""),
    ("210", "16.63", "16.63", ""),
    ("21011", "16.63", "16.63", ""),
    ("2101101", "9.62", "9.62", ""),
    ("2101102", "2.53", "2.53", ""),
    ("2101103", "4.44", "4.44", ""),
    ("2101199", "0.05", "0.05", ""),
    ("217", "114.42", "", "114.42"),
    ("21799", "114.42", "", "114.42"),
    ("2179999", "114.42", "", "114.42"),
    ("221", "28.42", "28.42", ""),
    ("22102", "28.42", "28.42", ""),
    ("2210201", "28.42", "28.42", ""),
]

# 基本支出分经济科目表: name as printed, the 部门预算支出经济分类 code it means, 合计, 人员经费, 公用经费
ECONOMIC_004 = [
    ("工资福利支出", "301", "317.14", "317.14", ""),
    ("基本工资", "30101", "109.09", "109.09", ""),
    ("津贴补贴", "30102", "62.63", "62.63", ""),
    ("奖金", "30103", "16.43", "16.43", ""),
    ("绩效工资", "30107", "16.92", "16.92", ""),
    ("机关事业单位基本养老保险缴费", "30108", "29.89", "29.89", ""),
    ("职业年金缴费", "30109", "24.00", "24.00", ""),
    ("职工基本医疗保险缴费", "30110", "12.14", "12.14", ""),
    ("公务员医疗补助缴费", "30111", "4.44", "4.44", ""),
    ("其他社会保障缴费", "30112", "0.61", "0.61", ""),
    ("住房公积金", "30113", "28.42", "28.42", ""),
    ("其他工资福利支出", "30199", "12.57", "12.57", ""),
    ("商品和服务支出", "302", "34.83", "", "34.83"),
    ("办公费", "30201", "5.56", "", "5.56"),
    ("差旅费", "30211", "1.00", "", "1.00"),
    ("工会经费", "30228", "3.74", "", "3.74"),
    ("福利费", "30229", "6.54", "", "6.54"),
    ("公务用车运行维护费", "30231", "2.00", "", "2.00"),
    ("其他交通费用", "30239", "15.00", "", "15.00"),
    ("其他商品和服务支出", "30299", "1.00", "", "1.00"),
    ("对个人和家庭的补助", "303", "8.76", "8.76", ""),
    ("退休费", "30302", "8.76", "8.76", ""),
]


def test_004_document() -> None:
    doc = _doc("004")
    assert doc.fiscal_year == 2023
    assert doc.unit.name == "兴县人民政府办公室"
    assert doc.unit.code == "014"
    assert doc.unit.subunits == ["兴县政府信息和金融服务中心"]  # 机构设置情况: 下属…事业单位为…
    r = doc.unit.region
    assert r is not None and (r.name, r.level, r.adcode) == ("兴县", "county", "141123")
    assert r.parent is not None and (r.parent.name, r.parent.adcode) == ("吕梁市", "141100")
    assert r.parent.parent is not None and (r.parent.parent.name, r.parent.parent.adcode) == (
        "山西省",
        "140000",
    )
    assert r.parent.parent.parent is None
    assert doc.layout in ("tsv", "paged-tsv")
    keys = [t.key for t in doc.tables]
    assert len(keys) == len(set(keys))
    assert set(keys) <= {k for base in TABLE_KINDS for k in keys if k == base or k.startswith(base + "_")}
    for key in (
        "income_expenditure_summary",
        "income_summary",
        "expenditure_summary",
        "fiscal_summary",
        "general_budget_expenditure",
        "general_budget_basic_economic",
        "sangong",
        "operating_costs",
        "project_expenditure",
    ):
        assert key in keys, key
    assert all(t.unit_multiplier == WAN for t in doc.tables)


def test_004_expenditure_summary_every_line() -> None:
    doc = _doc("004")
    lines = _lines(doc, "expenditure_summary")
    got = _by_code_column(lines)
    assert got == _expected(EXPENDITURE_004, ("total", "basic", "project"))
    assert got[("total", "total")] == Decimal("8339000.00")
    assert got[("total", "basic")] == Decimal("3607400.00")
    assert got[("total", "project")] == Decimal("4731600.00")
    for line in lines:
        assert line.expenditure_type == {"total": None, "basic": "basic", "project": "project"}[line.column]
        assert line.fund_source is None  # all sources
        assert line.economic_code is None
    names = {line.function_code: line.item for line in lines if not line.is_total}
    assert names["2080505"] == "机关事业单位基本养老保险缴费支出"
    assert names["20103"] == "政府办公厅（室）及相关机构事务"  # as written, full-width brackets kept
    totals = [line for line in lines if line.is_total]
    assert {line.item for line in totals} == {"合计"}


def test_004_general_budget_table_has_the_same_lines_with_its_fund() -> None:
    doc = _doc("004")
    lines = _lines(doc, "general_budget_expenditure")
    assert _by_code_column(lines) == _expected(EXPENDITURE_004, ("total", "basic", "project"))
    assert {line.fund_source for line in lines} == {"general_public_budget"}


def test_004_economic_lines_from_names() -> None:
    if not codes_by_name("economic"):
        pytest.skip("ontology/codelists/economic.csv is not there yet: names cannot be resolved to codes")
    doc = _doc("004")
    lines = _lines(doc, "general_budget_basic_economic")
    expected = {
        ("total", "total"): _w("360.74"),
        ("total", "personnel"): _w("325.91"),
        ("total", "public"): _w("34.83"),
    }
    for _name, code, total, personnel, public in ECONOMIC_004:
        for col, amount in (("total", total), ("personnel", personnel), ("public", public)):
            if amount:
                expected[(code, col)] = _w(amount)
    assert _by_code_column(lines) == expected
    items = {line.economic_code: line.item for line in lines if line.economic_code}
    assert items == {code: name for name, code, *_ in ECONOMIC_004}
    assert all(line.expenditure_type == "basic" and line.function_code is None for line in lines)
    basic_salary = [line for line in lines if line.item == "基本工资" and line.column == "total"]
    assert [(line.economic_code, line.amount) for line in basic_salary] == [("30101", Decimal("1090900.00"))]


def test_004_sangong_and_empty_tables() -> None:
    doc = _doc("004")
    sg = {(line.sangong_item, line.column): line.amount for line in _lines(doc, "sangong")}
    assert sg == {
        ("vehicle", "total"): _w("2.00"),
        ("vehicle", "general_public_budget"): _w("2.00"),
        ("vehicle_operation", "total"): _w("2.00"),
        ("vehicle_operation", "general_public_budget"): _w("2.00"),
        ("total", "total"): _w("2.00"),
        ("total", "general_public_budget"): _w("2.00"),
    }
    empty = {t.key for t in doc.tables if t.empty}
    assert empty == {
        "government_fund_income",
        "government_fund_expenditure",
        "state_capital_expenditure",
        "project_expenditure_carried_over",
    }
    assert not [line for line in doc.lines if line.table in empty]


def test_004_summary_tables() -> None:
    doc = _doc("004")
    lines = _lines(doc, "income_expenditure_summary")
    income = [(line.item, line.fund_source, line.amount) for line in lines if line.column == "income"]
    assert ("一、一般公共预算", "general_public_budget", _w("833.90")) in income
    assert ("收入总计", None, _w("833.90")) in income
    by_code = {(line.function_code, line.column): line.amount for line in lines if line.function_code}
    assert by_code == {
        ("201", "total"): _w("620.54"),
        ("201", "current_year"): _w("620.54"),
        ("208", "total"): _w("53.89"),
        ("208", "current_year"): _w("53.89"),
        ("210", "total"): _w("16.63"),
        ("210", "current_year"): _w("16.63"),
        ("217", "total"): _w("114.42"),
        ("217", "current_year"): _w("114.42"),
        ("221", "total"): _w("28.42"),
        ("221", "current_year"): _w("28.42"),
    }
    income_table = _by_code_column(_lines(doc, "income_summary"))
    assert income_table[("total", "total")] == _w("833.90")
    assert income_table[("total", "general_public_budget")] == _w("833.90")
    assert income_table[("2179999", "general_public_budget")] == _w("114.42")


# -- 003: 巨鹿县人民政府办公室 (page headers repeated inside tables, 序号/栏次, split rows) ---------

# 部门预算支出总表 across its page break: code, 合计, 基本支出, 项目支出
EXPENDITURE_003 = [
    ("total", "1216.27", "553.20", "663.07"),
    ("201", "1006.37", "386.30", "620.07"),
    ("20103", "1006.37", "386.30", "620.07"),
    ("2010301", "799.51", "386.30", "413.21"),
    ("2010399", "206.86", "", "206.86"),
    ("203", "43.00", "", "43.00"),
    ("20306", "43.00", "", "43.00"),
    ("2030603", "43.00", "", "43.00"),
    ("208", "96.90", "96.90", ""),
    ("20805", "94.50", "94.50", ""),
    ("2080501", "52.50", "52.50", ""),
    ("2080505", "42.00", "42.00", ""),
    ("20827", "2.40", "2.40", ""),
    ("2082701", "0.80", "0.80", ""),
    ("2082702", "1.60", "1.60", ""),
    ("210", "31.00", "31.00", ""),
    ("21011", "31.00", "31.00", ""),
    ("2101101", "25.00", "25.00", ""),
    ("2101103", "6.00", "6.00", ""),
    ("221", "39.00", "39.00", ""),
    ("22102", "39.00", "39.00", ""),
    ("2210201", "39.00", "39.00", ""),
]

# 一般公共预算财政拨款基本支出表: code, 合计, 人员经费, 公用经费
ECONOMIC_003 = [
    ("total", "553.20", "496.70", "56.50"),
    ("301", "439.40", "439.40", ""),
    ("30101", "325.00", "325.00", ""),
    ("30108", "42.00", "42.00", ""),
    ("30110", "25.00", "25.00", ""),
    ("30111", "6.00", "6.00", ""),
    ("30112", "2.40", "2.40", ""),
    ("30113", "39.00", "39.00", ""),
    ("302", "56.50", "", "56.50"),
    ("30201", "12.00", "", "12.00"),
    ("30216", "4.00", "", "4.00"),
    ("30229", "4.00", "", "4.00"),
    ("30231", "7.50", "", "7.50"),
    ("30239", "29.00", "", "29.00"),
    ("303", "57.30", "57.30", ""),
    ("30302", "52.50", "52.50", ""),
    ("30305", "4.80", "4.80", ""),
]


def test_003_document() -> None:
    doc = _doc("003")
    assert (doc.unit.name, doc.unit.code, doc.fiscal_year) == ("巨鹿县人民政府办公室", "434", 2023)
    assert doc.unit.subunits == ["巨鹿县重点项目建设促进中心"]  # 单位名称 table; 本级 is the unit itself
    r = doc.unit.region
    assert r is not None and (r.adcode, r.level) == ("130529", "county")
    assert r.parent is not None and r.parent.adcode == "130500"
    assert doc.layout == "paged-tsv"
    empty = {t.key for t in doc.tables if t.empty}
    assert {"government_fund_expenditure", "state_capital_expenditure"} <= empty
    assert "expenditure_summary" not in empty and "sangong" not in empty


def test_003_expenditure_summary_across_page_break() -> None:
    doc = _doc("003")
    lines = _lines(doc, "expenditure_summary")
    got = _by_code_column(lines)
    assert got == _expected(EXPENDITURE_003, ("total", "basic", "project"))
    rows = {line.source_line for line in lines}
    assert len(rows) == 22
    # the 序号 column is not a code and not an amount
    assert all(line.amount >= 100 for line in lines)


def test_003_split_row_in_income_summary() -> None:
    doc = _doc("003")
    lines = [line for line in _lines(doc, "income_summary") if line.function_code == "2080505"]
    assert lines
    assert {line.item for line in lines} == {"机关事业单位基本养老保险缴费支出"}
    assert {line.amount for line in lines} == {_w("42.00")}
    assert {line.column for line in lines} >= {"total", "fiscal_appropriation"}
    # nothing was read from the continuation line as a row of its own
    assert not [line for line in _lines(doc, "income_summary") if line.item == "基本养老保险缴费支出"]
    # the rows after the page break still carry their codes
    after = {line.function_code for line in _lines(doc, "income_summary")}
    assert {"20827", "2082701", "2082702", "210", "2101103", "221", "2210201"} <= after


def test_003_economic_table_with_codes() -> None:
    doc = _doc("003")
    lines = _lines(doc, "general_budget_basic_economic")
    assert _by_code_column(lines) == _expected(ECONOMIC_003, ("total", "personnel", "public"))
    assert {line.fund_source for line in lines} == {"general_public_budget"}
    assert {line.expenditure_type for line in lines} == {"basic"}


def test_003_sangong() -> None:
    doc = _doc("003")
    got = {(line.sangong_item, line.column): line.amount for line in _lines(doc, "sangong")}
    assert got == {
        ("vehicle_operation", "total"): _w("24.00"),
        ("vehicle_operation", "general_public_budget"): _w("24.00"),
        ("meeting", "total"): _w("55.00"),
        ("meeting", "general_public_budget"): _w("55.00"),
        ("training", "total"): _w("4.00"),
        ("training", "general_public_budget"): _w("4.00"),
    }


def test_003_summary_sides() -> None:
    doc = _doc("003")
    lines = _lines(doc, "income_expenditure_summary")
    income = {(line.item, line.fund_source) for line in lines if line.column == "income"}
    assert ("一、一般公共预算拨款收入", "general_public_budget") in income
    spending = {line.function_code: line.amount for line in lines if line.function_code}
    assert spending == {
        "201": _w("1006.37"),
        "203": _w("43.00"),
        "208": _w("96.90"),
        "210": _w("31.00"),
        "221": _w("39.00"),
    }


# -- 001: OCR-variant unit name, repeated economic codes -----------------------------------------


def test_001_variant_name_and_repeated_codes() -> None:
    doc = _doc("001")
    assert doc.unit.name == "埇桥区人民政府办公室"
    assert doc.unit.region is not None and doc.unit.region.adcode == "341302"
    assert any("埭桥区" in w for w in doc.warnings)
    lines = [line for line in _lines(doc, "general_budget_basic_economic") if line.economic_code == "30102"]
    assert [(line.occurrence, line.amount) for line in lines] == [(0, _w("15.97")), (1, _w("93.49"))]
    # 1,623.35 with a thousands separator
    total = [
        line for line in _lines(doc, "general_budget_expenditure") if line.is_total and line.column == "total"
    ]
    assert [line.amount for line in total] == [Decimal("16233500.00")]


REPEATED_HEADING = """\
2031年示例县示例局部门预算
一般公共预算基本支出表
部门名称：示例县示例局\t单位：万元
科目编码\t科目名称\t合计
\t合计\t6.00
303\t对个人和家庭的补助\t6.00
30301\t离休费\t1.00
30301\t离休费\t2.00
30302\t退休费\t3.00
303\t对个人和家庭的补助\t6.00
"""


def test_made_up_group_row_repeated_after_its_children_is_read_once() -> None:
    doc = parse_bytes(REPEATED_HEADING.encode("utf-8"), "repeat.txt")
    got = [(ln.economic_code, ln.occurrence, ln.amount) for ln in doc.lines if not ln.is_total]
    assert got == [
        ("303", 0, _w("6")),
        ("30301", 0, _w("1")),
        ("30301", 1, _w("2")),  # a code repeated without children between: a second line
        ("30302", 0, _w("3")),
    ]
    assert any("line 10" in w and "read once" in w for w in doc.warnings)


# -- documents changed in memory -----------------------------------------------------------------


def test_duplicated_table_read_once() -> None:
    raw = _seed("004").read_text("utf-8")
    start = raw.index("2023年一般公共预算“三公”经费支出预算表\n")
    end = raw.index("2023年机关运行经费预算财政拨款情况统计表\n")
    doubled = raw + "\n" + raw[start:end]
    doc = parse_bytes(doubled.encode("utf-8"), "doubled.txt")
    assert [t.key for t in doc.tables].count("sangong") == 1
    assert len(_lines(doc, "sangong")) == 6
    assert any("printed twice" in w for w in doc.warnings)


def test_truncated_document_keeps_what_is_there() -> None:
    raw = _seed("003").read_text("utf-8").split("\n")
    title = raw.index("部门预算支出总表")
    cut = next(i for i in range(title, len(raw)) if raw[i].startswith("8\t2030603\t人民防空\t43.00"))
    text = "\n".join([*raw[:cut], "8\t2030603\t人民"])
    doc = parse_bytes(text.encode("utf-8"), "cut.txt")
    codes = {line.function_code for line in _lines(doc, "expenditure_summary")}
    assert {"201", "2010399", "20306"} <= codes
    assert any("truncated" in w for w in doc.warnings)


def test_not_a_disclosure() -> None:
    text = (
        "兴县人民政府办公室 2023年度部门预算公开\n\n第一部分 概况\n"
        "兴县人民政府办公室是协助政府领导处理日常工作的机构。\n"
    )
    with pytest.raises(DocumentError) as exc:
        parse_bytes(text.encode("utf-8"), "notes.txt")
    assert "no budget table" in exc.value.problem and "notes.txt" in str(exc.value)


# -- made-up layouts (other templates) -----------------------------------------------------------

SPLIT_CODES = """\
某某区2030年区级部门预算
预算主管部门：某某市示例区民政局

2030年部门支出预算总表
编制部门：某某市示例区民政局\t单位：元
项目\t\t\t\t支出预算
功能分类科目编码\t\t\t功能分类科目名称\t合计\t基本支出\t项目支出
类\t款\t项
208\t\t\t社会保障和就业支出\t1,200,000.00\t200,000.00\t1,000,000.00
208\t02\t\t民政管理事务\t1,200,000.00\t200,000.00\t1,000,000.00
208\t02\t01\t行政运行\t200,000.00\t200,000.00\t
208\t02\t99\t其他民政管理事务支出\t1,000,000.00\t\t1,000,000.00
合计\t\t\t\t1,200,000.00\t200,000.00\t1,000,000.00

五、其他相关情况说明
"""


def test_made_up_split_code_columns_in_yuan() -> None:
    doc = parse_bytes(SPLIT_CODES.encode("gb18030"), "split.txt")
    assert doc.fiscal_year == 2030 and doc.unit.name == "某某市示例区民政局"
    (table,) = doc.tables
    assert (table.key, table.unit_multiplier, table.empty) == ("expenditure_summary", Decimal(1), False)
    got = _by_code_column(doc.lines)
    assert got[("20802", "total")] == Decimal("1200000.00")
    assert got[("2080201", "basic")] == Decimal("200000.00")
    assert got[("2080299", "project")] == Decimal("1000000.00")
    assert got[("total", "project")] == Decimal("1000000.00")
    assert ("2080201", "project") not in got


CONTINUED = """\
2031年示例县示例局部门预算

公开表3
支出总体情况表
部门（单位）：示例县示例局\t单位：万元
科目编码\t\t\t科目名称\t合计\t基本支出\t项目支出
类\t款\t项
\t\t\t合 计\t30.00\t20.00\t10.00
201\t\t\t一般公共服务支出\t30.00\t20.00\t10.00
\t03\t\t政府办公厅（室）及相关机构事务\t30.00\t20.00\t10.00
— 11 —
公开表3
支出总体情况表
部门（单位）：示例县示例局\t单位：万元
科目编码\t\t\t科目名称\t合计\t基本支出\t项目支出
类\t款\t项
\t\t01\t行政运行\t20.00\t20.00\t
\t\t02\t一般行政管理事务\t10.00\t\t10.00
— 12 —

公开表7
一般公共预算“三公”经费支出情况表
部门（单位）：示例县示例局\t单位：万元
2030年预算数\t\t\t\t\t2031年预算数
合计\t因公出国（境）费\t公务用车购置及运行维护费\t\t公务接待费\t合计\t因公出国（境）费\t公务用车购置及运行维护费\t\t公务接待费
\t\t公务用车购置费\t公务用车运行维护费\t\t\t\t公务用车购置费\t公务用车运行维护费
9.00\t\t\t5.00\t4.00\t8.00\t\t\t5.00\t3.00
"""


def test_made_up_title_repeated_on_each_page_and_wide_sangong() -> None:
    doc = parse_bytes(CONTINUED.encode("utf-8"), "continued.txt")
    assert doc.fiscal_year == 2031
    assert [t.key for t in doc.tables] == ["expenditure_summary", "sangong"]
    got = _by_code_column(_lines(doc, "expenditure_summary"))
    assert got == {
        ("total", "total"): _w("30.00"),
        ("total", "basic"): _w("20.00"),
        ("total", "project"): _w("10.00"),
        ("201", "total"): _w("30.00"),
        ("201", "basic"): _w("20.00"),
        ("201", "project"): _w("10.00"),
        ("20103", "total"): _w("30.00"),
        ("20103", "basic"): _w("20.00"),
        ("20103", "project"): _w("10.00"),
        ("2010301", "total"): _w("20.00"),
        ("2010301", "basic"): _w("20.00"),
        ("2010302", "total"): _w("10.00"),
        ("2010302", "project"): _w("10.00"),
    }
    sg = {line.sangong_item: line.amount for line in _lines(doc, "sangong")}
    assert sg == {"total": _w("8.00"), "vehicle_operation": _w("5.00"), "reception": _w("3.00")}
    assert any("another year" in w for w in doc.warnings)
    assert {line.item for line in _lines(doc, "sangong")} == {"合计", "公务用车运行维护费", "公务接待费"}
    assert {line.fund_source for line in _lines(doc, "sangong")} == {"general_public_budget"}


def test_vocabularies() -> None:
    assert set(FUND_SOURCES) <= set(COLUMN_KEYS)
    assert {"total", "travel_abroad", "vehicle", "vehicle_purchase", "vehicle_operation", "reception"} <= set(
        SANGONG_ITEMS
    )
    assert classify_title("2023年预算支出总表") == "expenditure_summary"
    assert classify_title("部门预算一般公共预算财政拨款基本支出表") == "general_budget_basic_economic"
    assert classify_title("2023年项目支出预算表（上年结转）") == "project_expenditure_carried_over"
    assert classify_title("2023年一般公共预算支出预算表（不含上年结转）") == "general_budget_expenditure"
    assert classify_title("收支总体情况表") == "income_expenditure_summary"
    assert classify_title("2023年预算收支总表.....") is None  # table of contents
    assert classify_title("三、支出预算情况说明") is None
    assert classify_title("兴县县(区)级预算部门(单位)项目支出绩效目标申报表") is None


def test_lines_are_well_formed() -> None:
    for prefix in ("003", "004"):
        doc = _doc(prefix)
        keys = {t.key for t in doc.tables}
        seen = set()
        for line in doc.lines:
            assert line.table in keys
            assert isinstance(line.amount, Decimal)
            assert line.column in COLUMN_KEYS or line.column.rsplit("_", 1)[-1].isdigit(), line.column
            assert line.fund_source is None or line.fund_source in FUND_SOURCES
            assert line.sangong_item is None or line.sangong_item in SANGONG_ITEMS
            row = (
                "total"
                if line.is_total
                else line.function_code
                or line.economic_code
                or (f"sg-{line.sangong_item}" if line.sangong_item else f"r-{line.item}")
            )
            key = (line.table, row, line.column, line.occurrence)
            assert key not in seen, key
            seen.add(key)
        assert dataclasses.is_dataclass(doc)


CELL_PER_LINE = (
    "示例县示例局2030年部门预算\n\n2030年部门支出总表\n\n部门名称：示例县示例局\n\n单位：万元\n\n"
    "\t科目编码\n\t科目名称\n\t合计\n\t基本支出\n\t项目支出\n\n"
    "\t\n\t合计\n\t100.00\n\t60.00\n\t40.00\n\n"
    "\t201\n\t一般公共\n服务支出\n\t100.00\n\t60.00\n\t40.00\n\n"
    "\t20103\n\t政府办公厅（室）及相关机构事务\n\t100.00\n\t60.00\n\t40.00\n\n"
    "\t2010301\n\t行政运行\n\t60.00\n\t60.00\n\t\n\n"
    "\t2010302\n\t一般行政管理事务\n\t40.00\n\t\n\t40.00\n\n"
    "第三部分 说明\n"
)

PIPES = (
    "示例县示例局2030年部门预算\n\n"
    "| 2030年部门支出总表 |\n\n部门名称：示例县示例局 单位：万元\n\n"
    "| 科目编码 | 科目名称 | 合计 | 基本支出 | 项目支出 |\n|---|---|---|---|---|\n"
    "| | 合计 | 100.00 | 60.00 | 40.00 |\n"
    "| 201 | 一般公共服务支出 | 100.00 | 60.00 | 40.00 |\n"
    "| 20103 | 政府办公厅（室）及相关机构事务 | 100.00 | 60.00 | 40.00 |\n"
    "| 2010301 | 行政运行 | 60.00 | 60.00 | |\n"
    "| 2010302 | 一般行政管理事务 | 40.00 | | 40.00 |\n\n"
    "第三部分 说明\n"
)


@pytest.mark.parametrize(("text", "layout"), [(CELL_PER_LINE, "cell-per-line"), (PIPES, "pipe")])
def test_made_up_other_table_syntaxes(text: str, layout: str) -> None:
    doc = parse_bytes(text.encode("utf-8"), "layout.txt")
    assert doc.layout == layout
    assert [t.key for t in doc.tables] == ["expenditure_summary"]
    got = _by_code_column(doc.lines)
    assert got == {
        ("total", "total"): _w("100.00"),
        ("total", "basic"): _w("60.00"),
        ("total", "project"): _w("40.00"),
        ("201", "total"): _w("100.00"),
        ("201", "basic"): _w("60.00"),
        ("201", "project"): _w("40.00"),
        ("20103", "total"): _w("100.00"),
        ("20103", "basic"): _w("60.00"),
        ("20103", "project"): _w("40.00"),
        ("2010301", "total"): _w("60.00"),
        ("2010301", "basic"): _w("60.00"),
        ("2010302", "total"): _w("40.00"),
        ("2010302", "project"): _w("40.00"),
    }
    assert {line.item for line in doc.lines if line.function_code == "201"} == {"一般公共服务支出"}


NAMES_ONLY = """\
示例县示例局2030年部门预算

2030年部门支出总表
部门名称：示例县示例局
单位：万元
项目\t合计\t基本支出\t项目支出
合计\t90.00\t50.00\t40.00
一般公共服务支出\t60.00\t20.00\t40.00
  政府办公厅（室）及相关机构事务\t60.00\t20.00\t40.00
    行政运行\t20.00\t20.00\t
    一般行政管理事务\t40.00\t\t40.00
社会保障和就业支出\t30.00\t30.00\t
  行政事业单位养老支出\t30.00\t30.00\t
    机关事业单位基本养老保险缴费支出\t30.00\t30.00\t

第三部分 说明
"""


def test_made_up_names_only_function_table() -> None:
    if not codes_by_name("function"):
        pytest.skip("ontology/codelists/function.csv is not there yet: names cannot be resolved to codes")
    doc = parse_bytes(NAMES_ONLY.encode("utf-8"), "names.txt")
    codes = [line.function_code for line in doc.lines if line.column == "total" and not line.is_total]
    # 行政运行 exists under many 款; the row above it says which
    assert codes == ["201", "20103", "2010301", "2010302", "208", "20805", "2080505"]


SANGONG_YEAR_ROWS = """\
示例县示例局2030年部门预算

2030年一般公共预算“三公”经费支出表（单位：万元）
项目\t合计\t因公出国（境）费\t公务用车购置及运行费\t\t\t公务接待费
\t\t\t小计\t公务用车购置费\t公务用车运行费\t
2030年预算数\t12.00\t1.00\t8.00\t5.00\t3.00\t3.00
2029年预算数\t13.00\t1.00\t9.00\t5.00\t4.00\t3.00

说明。
"""


def test_made_up_sangong_items_as_columns_years_as_rows() -> None:
    doc = parse_bytes(SANGONG_YEAR_ROWS.encode("utf-8"), "sg.txt")
    (table,) = doc.tables
    assert table.unit_multiplier == WAN
    got = {line.sangong_item: line.amount for line in doc.lines}
    assert got == {
        "total": _w("12.00"),
        "travel_abroad": _w("1.00"),
        "vehicle": _w("8.00"),
        "vehicle_purchase": _w("5.00"),
        "vehicle_operation": _w("3.00"),
        "reception": _w("3.00"),
    }
    assert not any("assumed" in w for w in doc.warnings)  # the unit was in the title
