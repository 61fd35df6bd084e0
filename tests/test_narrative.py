"""Figures the 情况说明 states in sentences (loader.narrative): generated sentences with known
answers, then the seed documents (read from ``../shared/seeds``, never copied here), with the
figures and lines as read by hand from each seed."""

from __future__ import annotations

import time
from decimal import Decimal
from functools import cache
from pathlib import Path

import pyoxigraph as ox
import pytest

from budgetkg.loader.ingest import ingest
from budgetkg.loader.narrative import read_narrative, sentences
from budgetkg.loader.parse import parse_file
from budgetkg.loader.records import Line, ParsedDocument, Table
from budgetkg.loader.store import GraphStore
from budgetkg.mappings.mapper import map_document

SEEDS_DIR = Path(__file__).resolve().parents[2] / "shared" / "seeds"
D = Decimal


def _read(text: str, tables: list[Table] | None = None, lines: list[Line] | None = None, year: int = 2023):
    return read_narrative(text.split("\n"), tables or [], lines or [], year)


def _total(table: str, amount: str, column: str = "total", source_line: int = 5) -> Line:
    return Line(
        table=table,
        amount=D(amount),
        source_line=source_line,
        item="合计",
        is_total=True,
        column=column,
        expenditure_type={"basic": "basic", "project": "project"}.get(column),  # type: ignore[arg-type]
    )


# -- generated sentences ----------------------------------------------------------------------


def test_change_percent_and_reason_on_the_table_line() -> None:
    line = _total("expenditure_summary", "9776500")
    got = _read(
        "前言\n某单位2023年支出预算977.65万元，比2022年预算增加177.65万元，增长22.21%，"
        "原因主要是人员经费增加。",
        [Table("expenditure_summary", "支出总表", D(10000), 1)],
        [line],
    )
    assert got.warnings == [] and got.lines == [] and got.tables == []
    assert line.previous_amount == D("8000000")
    assert line.change_amount == D("1776500")
    assert line.change_percent == D("22.21")
    assert line.change_reason == "人员经费增加"
    assert line.narrative_line == 2
    assert not line.from_narrative


def test_prose_only_figure_makes_a_line_and_a_table() -> None:
    got = _read("\n\n我部门2023年机关运行经费财政拨款预算120.00万元,比2022年预算减少10.00万元,下降7.69%。")
    assert [t.key for t in got.tables] == ["operating_costs"] and got.tables[0].from_narrative
    (line,) = got.lines
    assert (line.table, line.amount, line.previous_amount, line.change_amount) == (
        "operating_costs",
        D("1200000"),
        D("1300000"),
        D("-100000"),
    )
    assert line.from_narrative and line.is_total and line.source_line == 3
    assert got.warnings == []


def test_stated_previous_year_and_same_as_last_year() -> None:
    got = _read(
        "本年度机关运行经费为30.00万元，上年度为32.50万元，减少原因为退休2人。\n"
        "其中：因公出国（境）费1.00万元与上年预算数相同；公务接待费2.00万元与上年相比预算数减少0.50万元。"
    )
    by_table = {(ln.table, ln.sangong_item): ln for ln in got.lines}
    oc = by_table[("operating_costs", None)]
    assert (oc.amount, oc.previous_amount, oc.change_amount, oc.change_reason) == (
        D("300000"),
        D("325000"),
        D("-25000"),
        "退休2人",
    )
    abroad = by_table[("sangong", "travel_abroad")]
    assert (abroad.amount, abroad.previous_amount, abroad.change_amount) == (D("10000"), D("10000"), D(0))
    reception = by_table[("sangong", "reception")]
    assert (reception.amount, reception.previous_amount, reception.source_line) == (D("20000"), D("25000"), 2)


def test_sub_clauses_use_the_table_amounts_and_keep_their_own_reasons() -> None:
    basic, project = (
        _total("expenditure_summary", "5532000", "basic"),
        _total("expenditure_summary", "6630700", "project"),
    )
    got = _read(
        "2023年部门预算收支安排1216.27万元，较2022年部门预算增加16.27万元，其中：基本支出减少32万元，"
        "主要是基本支出中的人员减少；项目支出增加48.27万元，主要是项目增加。",
        [Table("expenditure_summary", "支出总表", D(10000), 1)],
        [_total("expenditure_summary", "12162700"), basic, project],
    )
    assert got.warnings == []
    assert (basic.previous_amount, basic.change_reason) == (D("5852000"), "基本支出中的人员减少")
    assert (project.previous_amount, project.change_reason) == (D("6148000"), "项目增加")


def test_a_sentence_cut_by_a_blank_line_is_joined() -> None:
    text = (
        "1.一般公共服务支出(类)政府办公厅（室）及相关机构事务(款)行政运行(项)2023 年预算 600.00 万元，"
        "比 2022 年\n\n预算增加 100.00 万元，增长 20.00%。"
    )
    assert next(s for s, _ in sentences(text.split("\n"))).endswith("增长20.00%。")
    got = _read(text)
    (line,) = got.lines
    assert (line.function_code, line.amount, line.previous_amount, line.source_line) == (
        "2010301",
        D("6000000"),
        D("5000000"),
        1,
    )


def test_percentage_that_the_amounts_cannot_give_is_reported_not_corrected() -> None:
    got = _read("机关运行经费30.00万元，比2022年预算增加10.00万元，增长30.00%。")
    assert got.lines[0].change_percent == D("30.00")
    assert got.lines[0].previous_amount == D("200000")
    assert len(got.warnings) == 1 and "30.00%" in got.warnings[0] and "50.00%" in got.warnings[0]


def test_rounded_or_cut_percentages_are_accepted() -> None:
    # 1.30 / 31.50 = 4.127 %: printed 4.13 (rounded); 0.86 / 20.00 = 4.3 %: printed 4.29 (cut low)
    got = _read(
        "机关运行经费30.20万元，比2022年预算减少1.30万元，下降4.13%。\n公务接待费19.14万元，比上年减少0.86万元，下降4.29%。"
    )
    assert got.warnings == [] and len(got.lines) == 2


def test_what_is_not_a_figure() -> None:
    got = _read(
        "一般公共预算收入100万元，比上年增加10万元。\n"  # a fund source's share, not the income total
        "政府采购预算0万元。\n"  # a bare zero
        "项目支出的主要原因是项目支出增加。\n"  # subjects without amounts
        "2023年预算收入为100万元，2023年预算为100万元。\n"  # the document's own year is no comparison
        "一般公共预算拨款支出预算100万元，比上年持平。",  # a fund source's share of spending
        [Table("income_summary", "收入总表", D(10000), 1)],
        [_total("income_summary", "1000000")],
    )
    assert got.lines == [] and got.tables == [] and got.warnings == []


def test_a_comparison_after_a_part_is_the_subjects_only_when_the_part_is_the_whole() -> None:
    table = [Table("income_summary", "收入总表", D(10000), 1)]
    line = _total("income_summary", "1000000")
    _read("收入预算100万元，其中：财政拨款收入80万元，比上年减少10万元。", table, [line])
    assert line.previous_amount is None  # the 10万元 are the 80万元's
    _read("收入预算100万元，其中：财政拨款收入100万元，上年结转0万元，比上年减少10万元。", table, [line])
    assert line.previous_amount == D("1100000")


def test_a_page_footer_inside_a_sentence_is_dropped() -> None:
    got = _read("公务接待费192万元，比上年减少5万元，主要原因是厉\n—27—\n\n行节约。")
    assert got.lines[0].change_reason == "厉行节约"


def test_a_part_without_its_counterpart_makes_no_line() -> None:
    # in a table only the prose gives, 合计 and 项目支出 without 基本支出 would not add up
    got = _read("支出预算100万元，比上年增加10万元。\n项目支出40万元，比上年减少5万元。")
    assert [(ln.column, ln.amount) for ln in got.lines] == [("total", D("1000000"))]
    assert any("项目支出" in w and "basic counterpart" in w for w in got.warnings)
    # with it, both are made (the one without a comparison too: the table is the prose's)
    got = _read("支出预算100万元，比上年增加10万元。其中：基本支出60万元；项目支出40万元，比上年减少5万元。")
    assert sorted((ln.column, ln.amount, ln.previous_amount) for ln in got.lines) == [
        ("basic", D("600000"), None),
        ("project", D("400000"), D("450000")),
        ("total", D("1000000"), D("900000")),
    ]


def test_change_without_an_amount_to_apply_it_to_is_reported() -> None:
    got = _read("与上年相比，2023年预算增加10万元，其中：基本支出减少5万元，主要是人员减少。")
    assert got.lines == []
    assert any("基本支出" in w and "no amount for this year" in w for w in got.warnings)


def test_long_unpunctuated_text_is_read_in_linear_time() -> None:
    # a lazy 类/款/项 pattern tried at every position took minutes on such a line (quadratic)
    text = "一般公共服务支出(类)" * 4000 + "机关运行经费" * 4000
    started = time.perf_counter()
    got = _read(text)
    assert got.lines == [] and time.perf_counter() - started < 10


def test_in_a_tables_own_explanation_a_phrase_names_that_tables_figure() -> None:
    # 项目支出 in the 说明 of the 项目支出表 (not printed) is that table's total, not the printed
    # 支出总表's 项目支出 column
    es_project = _total("expenditure_summary", "500000", "project")
    got = _read(
        "第三部分 情况说明\n九、关于 2023 年项目支出表的说明\n"
        "某单位2023年预算共安排项目支出50.00万元，比2022年预算减少5.00万元，下降9.09%。",
        [Table("expenditure_summary", "支出总表", D(10000), 1)],
        [es_project],
    )
    assert es_project.previous_amount is None
    (table,) = got.tables
    assert (table.key, table.title, table.source_line, table.empty, table.from_narrative) == (
        "project_expenditure",
        "项目支出表",
        2,  # its heading
        False,
        True,
    )
    (line,) = got.lines
    assert (line.table, line.is_total, line.column, line.amount, line.previous_amount) == (
        "project_expenditure",
        True,
        "total",
        D("500000"),
        D("550000"),
    )
    assert got.warnings == []
    # the same sentence under no table's heading: the 支出总表's 项目支出, as before
    got = _read(
        "某单位2023年预算共安排项目支出50.00万元，比2022年预算减少5.00万元，下降9.09%。",
        [Table("expenditure_summary", "支出总表", D(10000), 1)],
        [es_project],
    )
    assert got.lines == [] and es_project.previous_amount == D("550000")


_NOT_PRINTED = (
    "第二部分 预算表\n见附件\n"  # 1-2
    "一、关于2023年收支总表的说明\n"  # 3
    "按照综合预算的原则，某单位2023年收支总预算100.00万元，支出包括：一般公共服务支出、教育支出。\n"  # 4
    "二、关于2023年财政拨款收支总表的说明\n"  # 5
    "某单位2023年财政拨款收支预算100.00万元。收入按资金来源分为：一般公共预算拨款100.00万元、"
    "政府性基金预算拨款0万元。支出按功能分类分为：一般公共服务支出60.00万元，占60%；"
    "教育支出40.00万元，占40%。\n"  # 6
    "三、关于2023年收入总表的说明\n"  # 7
    "本年收入100.00万元，全部为一般公共预算拨款收入100.00万元，占100%。\n"  # 8
    "四、关于2023年一般公共预算基本支出表的说明\n"  # 9
    "某单位2023年一般公共预算基本支出50.00万元，其中，人员经费40.00万元，公用经费10.00万元。\n"  # 10
    "（一）人员经费40.00万元，主要包括：基本工资、津贴补贴。\n"  # 11
    "五、关于2023年政府性基金预算支出表的说明\n"  # 12
    "某单位2023年没有政府性基金预算拨款收入，也没有使用政府性基金预算拨款安排的支出。\n"  # 13
    "六、关于2023年政府采购支出表的说明\n"  # 14
    "某单位2023年没有使用一般公共预算拨款安排的政府采购支出。\n"  # 15
    "七、其他重要事项情况说明\n"  # 16
    "某单位2023年没有安排政府购买服务支出。\n"  # 17: under no table's heading
    "八、关于2023年一般公共预算支出表的说明\n"  # 18
    "一般公共服务支出60.00万元，占60%；教育支出40.00万元，占40%。"  # 19: a 类 starting a line
)


def test_bare_figures_of_tables_not_printed_are_read_from_their_explanations() -> None:
    got = _read(_NOT_PRINTED)
    lines = {(ln.table, ln.function_code or "", ln.column): (ln.amount, ln.source_line) for ln in got.lines}
    assert lines == {
        ("income_expenditure_summary", "", "income"): (D("1000000"), 4),
        ("income_expenditure_summary", "", "total"): (D("1000000"), 4),
        ("fiscal_summary", "", "income"): (D("1000000"), 6),
        ("fiscal_summary", "", "total"): (D("1000000"), 6),
        ("fiscal_summary", "201", "total"): (D("600000"), 6),
        ("fiscal_summary", "205", "total"): (D("400000"), 6),
        ("income_summary", "", "general_public_budget"): (D("1000000"), 8),
        ("income_summary", "", "total"): (D("1000000"), 8),  # 本年收入, where no 本年 column is stated
        ("general_budget_basic_economic", "", "total"): (D("500000"), 10),
        ("general_budget_basic_economic", "", "personnel"): (D("400000"), 10),
        ("general_budget_basic_economic", "", "public"): (D("100000"), 10),
        ("general_budget_expenditure", "201", "total"): (D("600000"), 19),
        ("general_budget_expenditure", "205", "total"): (D("400000"), 19),
    }
    assert all(ln.from_narrative and ln.previous_amount is None for ln in got.lines)
    gpb = next(ln for ln in got.lines if ln.column == "general_public_budget")
    assert gpb.fund_source == "general_public_budget"
    # "没有…支出" in the 说明 of a table not printed: an empty table; not under another heading (17)
    tables = {t.key: (t.title, t.source_line, t.empty) for t in got.tables}
    assert tables == {
        "income_expenditure_summary": ("收支总表", 3, False),
        "fiscal_summary": ("财政拨款收支总表", 5, False),
        "income_summary": ("收入总表", 7, False),
        "general_budget_basic_economic": ("一般公共预算基本支出表", 9, False),
        "government_fund_expenditure": ("政府性基金预算支出表", 12, True),
        "government_procurement": ("政府采购支出表", 14, True),
        "general_budget_expenditure": ("一般公共预算支出表", 18, False),
    }
    assert got.warnings == []


def test_printed_tables_win_over_their_explanations() -> None:
    printed = [
        Table("fiscal_summary", "财政拨款收支总表", D(10000), 20),
        Table("government_fund_expenditure", "政府性基金预算支出表", D(10000), 30, empty=True),
    ]
    total = _total("fiscal_summary", "1000000", source_line=22)
    general = Line("fiscal_summary", D("700000"), 23, "一般公共服务支出", function_code="201")
    got = _read(_NOT_PRINTED, printed, [total, _total("fiscal_summary", "1000000", "income", 22), general])
    assert not {"fiscal_summary", "government_fund_expenditure"} & {t.key for t in got.tables}
    assert not [ln for ln in got.lines if ln.table == "fiscal_summary"]
    # the 说明 says 60万元 for the 类 the table prints as 70万元: reported with both lines
    (warning,) = got.warnings
    assert (
        "narrative line 6" in warning and "line 23" in warning and "600000" in warning and "700000" in warning
    )


def test_the_catch_all_item_of_an_other_section_is_its_01_code() -> None:
    # the code list names 2089901 and 2089999 alike: the 款's one 项 is numbered 01
    got = _read(
        "5.社会保障和就业支出（类）其他社会保障和就业支出（款）其他社会保障和就业支出（项）2023年预算1.07万元，"
        "比2022年预算增加0.07万元，增长7%。"
    )
    (line,) = got.lines
    assert (line.function_code, line.amount, line.previous_amount) == ("2089901", D("10700"), D("10000"))
    assert got.warnings == []


def test_performance_management_count_and_amount() -> None:
    got = _read(
        "（五）绩效目标设置情况。\n\n2023年，某单位9个项目实行了绩效目标管理，涉及一般公共预算当年财政拨款300.50万元、"
        "政府性基金预算当年财政拨款10万元。"
    )
    assert (got.performance_projects, got.performance_amount, got.performance_line) == (9, D("3105000"), 3)
    assert got.lines == []  # its amount is no table's figure


# -- the seeds --------------------------------------------------------------------------------


@cache
def _seed(prefix: str) -> ParsedDocument:
    (path,) = SEEDS_DIR.glob(f"{prefix}_*.txt")
    return parse_file(path)


def _line(doc: ParsedDocument, table: str, column: str = "total", code: str | None = None, sangong: str = ""):
    """The line of ``table`` in ``column``: of function ``code``, of 三公 item ``sangong``, else the total."""

    def row(ln: Line) -> bool:
        if code:
            return ln.function_code == code
        if sangong:
            return ln.sangong_item == sangong
        return ln.is_total

    found = [
        ln
        for ln in doc.lines
        if ln.table == table
        and ln.column == column
        and ln.occurrence == 0
        and ln.column_group is None
        and row(ln)
    ]
    assert found, (table, column, code, sangong)
    return next((ln for ln in found if ln.fund_source is None), found[0])


def _source(doc: ParsedDocument, line: int) -> str:
    """The sentence of a seed holding ``line``, as the narrative reader sees it (NFKC, no quotes
    or spaces)."""
    (path,) = SEEDS_DIR.glob(f"{doc.source[:3]}_*.txt")
    return next(text for text, lines in sentences(path.read_text("utf-8").split("\n")) if line in lines)


def _is_reason_clause(reason: str | None, sentence: str) -> None:
    """The reason is a clause of its sentence, read from just after its marker (主要是, 原因为 …) up
    to the end of the sentence or of the clause before the next figure."""
    assert reason, sentence
    at = sentence.index(reason)
    assert sentence[:at].endswith(("是", "为", ":")), sentence[at - 4 : at]
    assert sentence[at + len(reason) : at + len(reason) + 1] in (";", "。", ""), reason


needs_seeds = pytest.mark.skipif(not SEEDS_DIR.is_dir(), reason=f"seed documents not found in {SEEDS_DIR}")


@needs_seeds
def test_seed_003() -> None:
    doc = _seed("003")
    # line 464: the 收支 total with its change, then the changes of 基本支出 and 项目支出 in sub-clauses
    total = _line(doc, "expenditure_summary")
    basic = _line(doc, "expenditure_summary", "basic")
    project = _line(doc, "expenditure_summary", "project")
    assert (total.amount, total.previous_amount, total.change_amount, total.narrative_line) == (
        D("12162700"),
        D("11631000"),
        D("531700"),
        464,
    )
    assert (basic.previous_amount, basic.change_amount, basic.narrative_line) == (
        D("6120000"),
        D("-588000"),
        464,
    )
    _is_reason_clause(basic.change_reason, _source(doc, 464))
    assert (project.previous_amount, project.change_amount) == (D("5511000"), D("1119700"))
    _is_reason_clause(project.change_reason, _source(doc, 464))
    assert basic.change_reason != project.change_reason
    # line 468: 机关运行经费 without a comparison; 003 prints no such table: a line from the prose
    oc = _line(doc, "operating_costs")
    assert (oc.amount, oc.source_line, oc.from_narrative, oc.previous_amount) == (
        D("565000"),
        468,
        True,
        None,
    )
    assert next(t for t in doc.tables if t.key == "operating_costs").from_narrative
    # line 472: the 三公 total; the printed 三公 table has no total row
    sg = _line(doc, "sangong", sangong="total")
    assert (sg.amount, sg.source_line, sg.from_narrative) == (D("240000"), 472, True)
    assert doc.performance_projects is None
    # 专项运转保障经费: the text's figure for it (line 460) is a typo; no amount is invented
    (project_record,) = [p for p in doc.projects if p.name == "专项运转保障经费"]
    assert project_record.amount is None
    assert any("专项运转保障经费" in w and "line 460" in w for w in doc.warnings)


@needs_seeds
def test_seed_004() -> None:
    doc = _seed("004")
    # line 425: income total and expenditure total, each with its change and percentage
    for table in ("income_summary", "expenditure_summary"):
        ln = _line(doc, table)
        assert (ln.amount, ln.previous_amount, ln.change_percent, ln.narrative_line) == (
            D("8339000"),
            D("4307000"),
            D("93.62"),
            425,
        ), table
    # line 446: 一般公共预算当年拨款 with its change
    gb = _line(doc, "general_budget_expenditure")
    assert (gb.previous_amount, gb.narrative_line) == (D("4307000"), 446)
    # line 465: the 三公 total with its change and reason; line 467: its items
    sg = _line(doc, "sangong", sangong="total")
    assert (sg.amount, sg.previous_amount, sg.change_amount, sg.narrative_line) == (
        D("20000"),
        D("25000"),
        D("-5000"),
        465,
    )
    _is_reason_clause(sg.change_reason, _source(doc, 465))
    vo = _line(doc, "sangong", sangong="vehicle_operation")  # line 467
    assert (vo.previous_amount, vo.narrative_line) == (D("25000"), 467)
    # line 475: 机关运行经费 this year and last year (stated, not a change); the table (line 373)
    # prints 0.01万元 less than the sentence
    oc = _line(doc, "operating_costs")
    assert (oc.amount, oc.source_line, oc.previous_amount, oc.narrative_line) == (
        D("348300"),
        373,
        D("370900"),
        475,
    )
    _is_reason_clause(oc.change_reason, _source(doc, 475))
    assert any("line 475" in w and "348400" in w and "348300" in w for w in doc.warnings)
    # line 479: 政府采购 total and its goods / works / services split (works and services are 0)
    proc = {ln.column: ln for ln in doc.lines if ln.table == "government_procurement"}
    assert {c: (ln.amount, ln.from_narrative, ln.source_line) for c, ln in proc.items()} == {
        "total": (D("903400"), True, 479),
        "goods": (D("903400"), True, 479),
    }
    # line 485: the 绩效目标管理 count and amount
    assert (doc.performance_projects, doc.performance_amount, doc.performance_line) == (20, D("4731600"), 485)


@needs_seeds
def test_seed_001() -> None:
    doc = _seed("001")
    gb = _line(doc, "general_budget_expenditure")  # line 348
    assert (gb.previous_amount, gb.change_percent, gb.narrative_line) == (D("13060000"), D("24.30"), 348)
    _is_reason_clause(gb.change_reason, _source(doc, 348))
    # 1.–7. (lines 356–372): 类/款/项 named in words, previous = this year − change
    expected = {
        "2010301": (D("13753700"), D("11349200"), 356),  # its sentence goes on after a blank line
        "2080505": (D("851600"), D("554300"), 360),
        "2080506": (D("425800"), D("277200"), 362),
        "2101101": (D("252600"), D("171600"), 364),
        "2101103": (D("106100"), D("79300"), 366),
        "2210201": (D("638700"), D("415800"), 368),
        "2210202": (D("205100"), D("146800"), 372),
    }
    for code, (amount, previous, at) in expected.items():
        ln = _line(doc, "general_budget_expenditure", code=code)
        assert (ln.amount, ln.previous_amount, ln.narrative_line, ln.from_narrative) == (
            amount,
            previous,
            at,
            False,
        )
    # line 364's percentage does not follow from its amounts (47.20%): reported, kept as stated
    assert any("line 364" in w and "32.07%" in w for w in doc.warnings)
    es = _line(doc, "expenditure_summary")  # line 400
    assert (es.previous_amount, es.narrative_line) == (D("13060000"), 400)
    # line 408, in the 说明 of the 项目支出表 (listed in the 目录, not printed): that table's total,
    # read from the sentence, with its decrease; the printed 支出总表's 项目支出 column is another line
    pr = _line(doc, "project_expenditure")
    assert (pr.amount, pr.previous_amount, pr.change_percent, pr.narrative_line, pr.from_narrative) == (
        D("6150000"),
        D("6263000"),
        D("-1.80"),
        408,
        True,
    )
    _is_reason_clause(pr.change_reason, _source(doc, 408))
    assert _line(doc, "expenditure_summary", "project").previous_amount is None
    # line 396, in the 说明 of the 收入总表 (not printed either): its 一般公共预算 column
    gpb = _line(doc, "income_summary", "general_public_budget")
    assert (gpb.amount, gpb.fund_source, gpb.previous_amount, gpb.source_line) == (
        D("16233500"),
        "general_public_budget",
        D("13060000"),
        396,
    )
    printed = {t.key for t in doc.tables if not t.from_narrative}
    assert {t.key for t in doc.tables if t.from_narrative} == {
        "income_summary",
        "project_expenditure",
        "operating_costs",
    }
    # the 说明 of printed tables add no line: the table states them (lines 343, 350: 财政拨款收支
    # total and the four 类 of the 一般公共预算支出表)
    assert {"fiscal_summary", "general_budget_expenditure"} <= printed
    assert not [ln for ln in doc.lines if ln.from_narrative and ln.table in printed]
    oc = _line(doc, "operating_costs")  # line 517, prose only
    assert (oc.amount, oc.previous_amount, oc.change_percent, oc.from_narrative) == (
        D("1497200"),
        D("1378000"),
        D("8.65"),
        True,
    )
    assert (doc.performance_projects, doc.performance_amount, doc.performance_line) == (6, D("6150000"), 531)
    # issue #3: 7 indicators with an empty 指标值 cell are kept, without a target, and reported
    missing = [(i.source_line, i.period) for p in doc.projects for i in p.indicators if i.target_missing]
    assert sorted(missing) == [
        (495, "midterm"),
        (496, "midterm"),
        (497, "midterm"),
        (512, "annual"),
        (512, "midterm"),
        (513, "annual"),
        (513, "midterm"),
    ]
    assert sum("recorded without a target" in w for w in doc.warnings) == 7


@needs_seeds
def test_seed_000() -> None:
    doc = _seed("000")
    oc = _line(doc, "operating_costs")  # line 1495
    assert (oc.amount, oc.previous_amount, oc.change_percent, oc.narrative_line) == (
        D("3303600"),
        D("3551400"),
        D("-6.97"),
        1495,
    )
    admin = _line(doc, "general_budget_expenditure", code="2010301")  # line 48
    assert (admin.amount, admin.previous_amount) == (D("7404400"), D("6430500"))
    retired = _line(doc, "general_budget_expenditure", code="2080501")  # line 49: new this year (100%)
    assert (retired.amount, retired.previous_amount) == (D("363700"), D("0"))
    project = _line(doc, "project_expenditure")  # line 71, in the 项目支出表's 说明: a decrease
    assert (project.amount, project.previous_amount) == (D("2153200"), D("2324200"))
    # line 37: the 支出总表's 项目支出 column, stated bare
    assert (
        _line(doc, "expenditure_summary", "project").amount,
        _line(doc, "expenditure_summary", "project").previous_amount,
    ) == (D("2153200"), None)
    # line 54: 其他社会保障和就业支出 (款) and (项): the code list has 2089901 and 2089999 under that
    # one name; the 款's only 项 is "01"
    other = _line(doc, "general_budget_expenditure", code="2089901")
    assert (other.amount, other.previous_amount) == (D("10700"), D("10000"))
    assert not any("line 54" in w for w in doc.warnings)
    # lines 40, 45: the amount of each 类, in the 财政拨款收支总表 and in the 一般公共预算支出表
    classes = {"201": D("7404400"), "208": D("1330300"), "210": D("342300"), "221": D("699400")}
    for kind in ("fiscal_summary", "general_budget_expenditure"):
        got = {
            ln.function_code: ln.amount
            for ln in doc.lines
            if ln.table == kind and ln.function_code and len(ln.function_code) == 3
        }
        assert got == classes, kind
    # line 63: 一般公共预算基本支出 with 人员经费 and 公用经费
    assert [
        _line(doc, "general_budget_basic_economic", c).amount for c in ("total", "personnel", "public")
    ] == [
        D("7623300"),
        D("6569800"),
        D("1053500"),
    ]
    # lines 32 and 40: a 收支 total is both sides of its table
    for kind in ("income_expenditure_summary", "fiscal_summary"):
        assert [_line(doc, kind, c).amount for c in ("income", "total")] == [D("9776500")] * 2
    # lines 67–75: "没有…支出" in the 说明 of a table the document does not print: stated as empty
    empty = {t.key: t.source_line for t in doc.tables if t.empty}
    assert empty == {
        "government_fund_expenditure": 66,
        "state_capital_expenditure": 68,
        "government_procurement": 72,
        "government_purchase_services": 74,
    }
    assert all(t.from_narrative for t in doc.tables)
    assert (doc.performance_projects, doc.performance_amount, doc.performance_line) == (7, D("2153200"), 1503)


@needs_seeds
def test_seed_000_lines_from_prose_conform() -> None:
    """000 prints no table: every line is read from its sentences, and they must still add up."""
    store = GraphStore(None)
    (result,) = ingest(store, list(SEEDS_DIR.glob("000_*.txt")))
    assert result.ok and result.report is not None
    assert result.report.conforms, [r.message for r in result.report.results]
    doc = _seed("000")
    basic, project, total = (_line(doc, "expenditure_summary", c) for c in ("basic", "project", "total"))
    assert basic.amount + project.amount == total.amount


@needs_seeds
def test_seed_004_figures_in_the_graph() -> None:
    mapped = map_document(_seed("004"), "https://w3id.org/budgetkg/id/")
    store = ox.Store()
    store.extend(mapped.quads())
    rows = list(
        store.query(
            """PREFIX bkg: <https://w3id.org/budgetkg/def#>
            SELECT ?kind ?column ?amount ?previous WHERE {
              ?line bkg:previousAmount ?previous ; bkg:amount ?amount ; bkg:column ?column ;
                    qb:dataSet/bkg:tableKind ?kind ; bkg:isTableTotal true .
            } ORDER BY ?kind""".replace(
                "PREFIX bkg:", "PREFIX qb: <http://purl.org/linked-data/cube#>\nPREFIX bkg:"
            ),
            use_default_graph_as_union=True,
        )
    )
    got = {(r["kind"].value, r["column"].value): (D(r["amount"].value), D(r["previous"].value)) for r in rows}
    assert got[("expenditure_summary", "total")] == (D("8339000"), D("4307000"))
    assert got[("operating_costs", "total")] == (D("348300"), D("370900"))
    doc_facts = list(
        store.query(
            "SELECT ?n ?a WHERE { ?d <https://w3id.org/budgetkg/def#performanceManagedProjects> ?n ; "
            "<https://w3id.org/budgetkg/def#performanceManagedAmount> ?a }",
            use_default_graph_as_union=True,
        )
    )
    assert [(int(r["n"].value), D(r["a"].value)) for r in doc_facts] == [(20, D("4731600"))]
