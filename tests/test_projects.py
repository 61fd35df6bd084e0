"""read_projects: the seeds (read from ../shared/seeds, never copied) and small made-up layouts."""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal

import pytest

from budgetkg.loader.indicators import LEVEL1, LEVEL2
from budgetkg.loader.projects import document_context, read_projects
from budgetkg.loader.records import Project

from .conftest import seed as seed_path


def _seed_lines(prefix: str) -> list[str]:
    return seed_path(prefix).read_text("utf-8").split("\n")


@pytest.fixture(scope="module")
def doc004() -> tuple[list[str], list[Project], list[str]]:
    lines = _seed_lines("004")
    projects, warnings = read_projects(lines, [])
    return lines, projects, warnings


@pytest.fixture(scope="module")
def doc003() -> tuple[list[str], list[Project], list[str]]:
    lines = _seed_lines("003")
    projects, warnings = read_projects(lines, [])
    return lines, projects, warnings


def _by_name(projects: list[Project], part: str) -> Project:
    found = [p for p in projects if part in p.name]
    assert len(found) == 1, (part, [p.name for p in found])
    return found[0]


# ---------------------------------------------------------------------------------------------
# 004: project list table + performance forms (some repeated across page breaks)


def test_004_every_listed_project_once(doc004) -> None:
    lines, projects, _ = doc004
    assert len(projects) == 20
    names = [p.name for p in projects]
    assert len(set(names)) == 20
    # the forms name the same 20 projects: read their 项目名称 cells straight from the seed
    form_names = {m.group(1).strip() for ln in lines if (m := re.match(r"^项目名称\t+([^\t]+)", ln))}
    form_names.discard("合计")  # the list table's header row
    assert len(form_names) == 20
    assert set(names) == form_names
    for p in projects:
        assert lines[p.source_line - 1].startswith(p.name)  # the list-table row


def test_004_amounts_in_yuan_and_subtotals_left_out(doc004) -> None:
    _, projects, warnings = doc004
    assert _by_name(projects, "电子政务外网网络租赁费用").amount == Decimal("488000.00")
    assert _by_name(projects, "协同办公系统流量卡及其相关费用").amount == Decimal("9900.00")
    assert _by_name(projects, "电子政务外网网络租赁费用").midterm_amount == Decimal("1464000")
    # the listed rows add up to 473.15 万元; the subtotal rows say 473.16 (rounding in the source)
    assert sum(p.amount for p in projects) == Decimal("4731500.00")
    assert all(isinstance(p.amount, Decimal) for p in projects)
    assert not any(p.name.endswith("人民政府办公室") for p in projects)
    assert sum("subtotal" in w for w in warnings) == 2


def test_004_projects_merged_with_their_forms(doc004) -> None:
    _, projects, _ = doc004
    for p in projects:
        assert p.legal_basis_text, p.name
        assert p.citations, p.name
        assert p.indicators, p.name
        assert p.attribute and p.duration
    lease = _by_name(projects, "电子政务外网网络租赁费用")
    assert lease.attribute.startswith("经常性项目") and lease.duration == "3年"


def test_004_citations_of_the_network_lease(doc004) -> None:
    _, projects, _ = doc004
    first, second = _by_name(projects, "电子政务外网网络租赁费用").citations
    assert (first.number, first.issuer, first.issuer_level, first.basis_type) == (
        "晋政办发〔2017〕10号",
        "山西省人民政府办公厅",
        "provincial",
        "policy",
    )
    assert (second.number, second.issuer, second.issuer_level, second.basis_type) == (
        "吕政办发〔2017〕8号",
        "吕梁市人民政府办公室",
        "prefecture",
        "policy",
    )
    assert first.year == second.year == 2017


def test_004_award_citations_incl_title_missing_its_opening_bracket(doc004) -> None:
    _, projects, _ = doc004
    award = _by_name(projects, "奖励金")
    cits = {c.number: c for c in award.citations}
    assert set(cits) == {"兴政发〔2022〕32号", "兴政办发〔2021〕36号"}
    decision = cits["兴政发〔2022〕32号"]
    assert (decision.basis_type, decision.issuer, decision.issuer_level) == (
        "decision",
        "兴县人民政府",
        "county",
    )
    assert decision.title.endswith("的决定")
    notice = cits["兴政办发〔2021〕36号"]
    assert (notice.basis_type, notice.issuer, notice.issuer_level) == (
        "policy",
        "兴县人民政府办公室",
        "county",
    )
    assert notice.title.startswith("兴县人民政府办公室关于") and notice.title.endswith("的通知")
    assert not notice.raw.startswith("及")


def test_004_legal_counsel_cites_the_ting_zi_number(doc004) -> None:
    _, projects, _ = doc004
    (c,) = _by_name(projects, "法律顾问费").citations
    assert c.number == "厅字〔2017〕28号"
    assert c.issuer_level == "prefecture"  # the text names 市委办、市政府办 as the issuer


def test_004_office_costs_informal_and_indicators_not_duplicated(doc004) -> None:
    lines, projects, _ = doc004
    office = _by_name(projects, "办公费用")
    assert sum(1 for ln in lines if re.match(r"^项目名称\t+办公费用", ln)) == 4  # four copies of the form
    assert [c.basis_type for c in office.citations] == ["informal"]
    keys = [(i.period, i.level2, i.name) for i in office.indicators]
    assert len(keys) == len(set(keys)) == 14
    annual = {i.name for i in office.indicators if i.period == "annual"}
    midterm = {i.name for i in office.indicators if i.period == "midterm"}
    assert annual == midterm  # names cut in the annual half take the mid-term's full name


def test_004_indicators_both_periods_and_canonical_categories(doc004) -> None:
    _, projects, _ = doc004
    total = 0
    for p in projects:
        periods = Counter(i.period for i in p.indicators)
        assert periods["annual"] == periods["midterm"], p.name
        keys = [(i.period, i.level2, i.name) for i in p.indicators]
        assert len(keys) == len(set(keys)), p.name
        for i in p.indicators:
            assert i.level2 in LEVEL2 and i.level1 in LEVEL1, (p.name, i)
            assert i.level1 == LEVEL2[i.level2]
            assert i.name and i.target_text
        total += len(p.indicators)
    assert total == 254


def test_004_indicator_targets(doc004) -> None:
    _, projects, _ = doc004
    inds = [i for p in projects for i in p.indicators]

    def one(text: str):
        found = [i for i in inds if i.target_text == text]
        assert found, text
        return found[0]

    assert (one("≥90%").operator, one("≥90%").value, one("≥90%").unit) == (">=", Decimal("90"), "%")
    assert (one("≤0.85万元/条").operator, one("≤0.85万元/条").value, one("≤0.85万元/条").unit) == (
        "<=",
        Decimal("0.85"),
        "万元/条",
    )
    assert (one("1000000元").operator, one("1000000元").value, one("1000000元").unit) == (
        "=",
        Decimal("1000000"),
        "元",
    )
    ph = one("2023年底XX月XX日前")
    assert ph.placeholder and ph.operator is None and ph.value is None


def test_004_personal_data_never_in_a_record(doc004) -> None:
    lines, projects, warnings = doc004
    secrets: set[str] = set()
    for ln in lines:
        if "联系电话" in ln:
            cells = [c.strip() for c in ln.split("\t") if c.strip()]
            secrets |= {c for c in cells if not c.endswith((":", "："))}
    assert secrets, "the seed's form footers name people and telephone numbers"
    blob = repr(projects) + repr(warnings)
    for secret in secrets:
        assert secret not in blob


def test_004_truncated_citation_is_kept_and_warned(doc004) -> None:
    _, projects, warnings = doc004
    campaign = _by_name(projects, "非法集资")
    assert [c.truncated for c in campaign.citations] == [False, False, False, True]
    assert any("cut off" in w for w in warnings)


def test_004_context_read_from_the_document(doc004) -> None:
    lines, _, _ = doc004
    assert document_context(lines) == ["兴县", "吕梁市", "山西省"]


# ---------------------------------------------------------------------------------------------
# 003: "N、项目名绩效目标表" tables with 指标值确定依据


def test_003_projects(doc003) -> None:
    lines, projects, _ = doc003
    assert len(projects) == 23
    heads = [ln for ln in lines if re.match(r"^\d+、.+绩效目标表\s*$", ln)]
    assert len(heads) == 23
    carried = _by_name(projects, "人民防空方案计划编制经费启动资金")
    assert carried.carried_over and not carried.name.startswith(("（", "("))
    assert sum(p.carried_over for p in projects) == 1
    for p in projects:
        assert len(p.indicators) == 7, p.name  # a row cut by a page break is not a new indicator
        assert {i.period for i in p.indicators} == {"annual"}


def test_003_indicator_basis(doc003) -> None:
    _, projects, _ = doc003
    托管 = _by_name(projects, "电子政务外网项目托管服务费")
    for i in 托管.indicators:
        assert i.basis is not None
        if i.level2 == "服务对象满意度指标":
            assert i.basis.basis_type == "informal"  # 问卷调查
        else:
            assert "互联网+政务服务" in i.basis.title
            assert (i.basis.issuer, i.basis.issuer_level, i.basis.basis_type) == (
                "河北省人民政府",
                "provincial",
                "policy",
            )
    count = next(i for i in 托管.indicators if i.level2 == "数量指标")
    assert (count.operator, count.value, count.unit) == (">=", Decimal("5"), "次")
    ten = [i for p in projects for i in p.indicators if i.target_text == "≥10 次"]
    assert ten and all((i.operator, i.value, i.unit) == (">=", Decimal("10"), "次") for i in ten)


def test_003_amounts_from_the_explanation_for_known_projects(doc003) -> None:
    _, projects, _ = doc003
    assert _by_name(projects, "外事办经费").amount == Decimal("20000.00")
    assert _by_name(projects, "人民防空方案计划编制经费启动资金").amount == Decimal("150000.00")


# ---------------------------------------------------------------------------------------------
# 000 / 001: narrative blocks (+ one-cell-a-line forms in 000, HTML fragments in 001)


def test_000_narratives_and_one_cell_a_line_forms() -> None:
    lines = _seed_lines("000")
    projects, _ = read_projects(lines, [])
    assert len(projects) == 2
    network = next(p for p in projects if p.legal_basis_text and "合同" in p.legal_basis_text)
    assert [c.basis_type for c in network.citations] == ["contract", "contract"]
    for p in projects:
        assert p.amount is not None and p.amount > 0
        periods = Counter(i.period for i in p.indicators)
        assert periods["annual"] > 20 and periods["midterm"] > 20
        assert not any(re.match(r"^指标\s*\d", i.name) for i in p.indicators)  # "指标1：" numbering dropped


def test_001_narrative_with_html_form() -> None:
    lines = _seed_lines("001")
    projects, _ = read_projects(lines, [])
    (p,) = projects
    assert p.amount == Decimal("870000.00")
    assert p.midterm_amount == Decimal("2610000.00")
    assert [c.basis_type for c in p.citations] == ["informal"]
    assert all("<" not in i.name for i in p.indicators)
    # the form's 项目负责人 / 联系电话 never reach a record
    row = next(ln for ln in lines if "项目负责人" in ln)
    cells = [c.strip() for c in row.split("\t") if c.strip()]
    leader = cells[cells.index("项目负责人") + 1]
    assert leader not in repr(projects)


# ---------------------------------------------------------------------------------------------
# small made-up layouts

TABLE_AND_FORMS = """2099年项目支出预算表
部门名称：某某县某某局
单位：万元
项目名称\t合计\t一般公共预算
某某县某某局\t30.00\t30.00
某某县某某局\t30.00\t30.00
甲项目\t10.00\t10.00
乙项目\t20.00\t20.00

某县项目支出绩效目标申报表
项目名称\t\t甲项目\t\t
项目资金 (元)\t\t实施期资金总额:\t\t300,000\t年度资金总额:\t\t100,000
立项依据\t\t根据《关于某某工作的通知》(冀政办字〔2020〕9号)
绩效指标\t一级指标\t二级指标\t三级指标\t指标值\t二级指标\t三级指标\t指标值
\t产出指标\t数量指标\t完成某某任务数量\t≥3个\t数量指标\t完成某某任务\t≥3个
\t\t质量指标\t验收合格率\t≥95%\t质量指标\t验收合格率\t≥95%
负责人:\t经办人:\t张三\t联系电话:\t13000000000

某县项目支出绩效目标申报表
项目名称\t\t甲项目\t\t
立项依据\t\t根据《关于某某工作的通知》(冀政办字〔2020〕9号)
绩效指标\t一级指标\t二级指标\t三级指标\t指标值\t二级指标\t三级指标\t指标值
\t\t质量指标\t验收合格率\t≥95%\t质量指标\t验收合格率\t≥95%
满意度指标\t服务对象满意度\t群众满意度\t≥90%\t服务对象满意度指\t群众满意度\t≥90%
负责人:\t经办人:\t张三\t联系电话:\t13000000000
"""


def test_made_up_table_and_repeated_forms() -> None:
    projects, warnings = read_projects(
        TABLE_AND_FORMS.split("\n"), [], context=["巨鹿县", "邢台市", "河北省"]
    )
    assert [p.name for p in projects] == ["甲项目", "乙项目"]
    a, b = projects
    assert (a.amount, b.amount) == (Decimal("100000.00"), Decimal("200000.00"))
    assert a.midterm_amount == Decimal("300000.00")
    (c,) = a.citations
    assert (c.number, c.issuer, c.issuer_level) == (
        "冀政办字〔2020〕9号",
        "河北省人民政府办公厅",
        "provincial",
    )
    keys = sorted((i.period, i.level2, i.name) for i in a.indicators)
    assert keys == sorted(
        (period, level2, name)
        for period in ("midterm", "annual")
        for level2, name in (
            ("数量指标", "完成某某任务数量"),
            ("质量指标", "验收合格率"),
            ("服务对象满意度指标", "群众满意度"),
        )
    )
    assert "张三" not in repr(projects) and "13000000000" not in repr(projects)
    assert sum("subtotal" in w for w in warnings) == 2


ONE_CELL_A_LINE = """1.“某某平台运维”项目。
（1）项目概述。保障某某平台运行。
（2）立项依据。某某平台运维服务合同。
（6）年度预算安排。财政预算拨款 12 万元。
\t项目支出绩效目标表

\t项目名称
\t某某平台运维

\t项目资金
（万元）
\t 中期资金总额：
\t36
\t 年度资金总额：
\t12

\t绩
效
指
标
\t一级
指标
\t二级
指标
\t三级指标
\t指标值
\t二级
指标
\t三级指标
\t指标值

\t产
出
指
标
\t数量
指标
\t指标1：服务次数
\t≥5次
\t数量
指标
\t指标1：服务次数
\t≥5次
"""


def test_made_up_narrative_and_one_cell_a_line_form() -> None:
    (p,), _ = read_projects(ONE_CELL_A_LINE.split("\n"), [])
    assert p.name == "某某平台运维"
    assert p.amount == Decimal("120000.00") and p.midterm_amount == Decimal("360000.00")
    assert p.legal_basis_text == "某某平台运维服务合同。"
    assert [c.basis_type for c in p.citations] == ["contract"]
    assert sorted((i.period, i.level1, i.level2, i.name, i.target_text) for i in p.indicators) == [
        ("annual", "产出指标", "数量指标", "服务次数", "≥5次"),
        ("midterm", "产出指标", "数量指标", "服务次数", "≥5次"),
    ]


SPLIT_LEVEL2 = """某县项目支出绩效目标申报表
项目名称\t\t甲项目\t\t
项目资金 (万元)\t\t中期资金总额:\t30 万\t年度资金总额:\t10 万
绩效指标\t一级指标\t二级指标\t三级指标\t指标值\t二级指标\t三级指标\t指标值
\t产出指标\t时效\t指标 1\t完成时间\t年底前\t时效\t指标 1\t完成时间\t年底前
\t\t指标\t指标 2\t响应时间\t及时\t指标\t指标 2\t响应时间\t及时
\t效益指标\t可持续影\t指标 1：长期影响\t有利于\t可持续\t指标 1：长期影响\t有利于
\t\t响指标\t指标 2：后续影响\t\t较高\t影响指标\t指标 2：后续影响\t\t较高
"""


def test_made_up_level2_cell_cut_over_two_rows() -> None:
    # 时效 | 指标 and 可持续影 | 响指标: the rest of the 二级指标 on the next row is no indicator,
    # and does not lose that row's indicator
    (p,), _ = read_projects(SPLIT_LEVEL2.split("\n"), [])
    assert sorted((i.period, i.level2, i.name, i.target_text) for i in p.indicators) == sorted(
        (period, level2, name, target)
        for period in ("midterm", "annual")
        for level2, name, target in (
            ("时效指标", "完成时间", "年底前"),
            ("时效指标", "响应时间", "及时"),
            ("可持续影响指标", "长期影响", "有利于"),
            ("可持续影响指标", "后续影响", "较高"),
        )
    )


# ---------------------------------------------------------------------------------------------
# the project list table: subtotals, wrapped names, page breaks

UNITS_AND_SUBUNITS = """2099年项目支出预算表
部门名称：某某县某某局
单位：万元
项目名称\t合计\t一般公共预算
某某县某某局\t60.00\t60.00
某某县某某局\t45.00\t45.00
甲项目\t10.00\t10.00
乙项目\t35.00\t35.00
某某县某某服务所\t15.00\t15.00
丙项目\t15.00\t15.00
"""


def test_department_unit_and_subunit_rows_are_subtotals() -> None:
    # the department (60), the unit's own subtotal (45, same name) and a subunit's (15)
    projects, warnings = read_projects(UNITS_AND_SUBUNITS.split("\n"), [])
    assert [(p.name, p.amount) for p in projects] == [
        ("甲项目", Decimal("100000.00")),
        ("乙项目", Decimal("350000.00")),
        ("丙项目", Decimal("150000.00")),
    ]
    assert sum("subtotal" in w for w in warnings) == 3


def test_a_row_named_as_a_known_subunit_is_a_subtotal_whatever_its_amount() -> None:
    text = UNITS_AND_SUBUNITS.replace("某某县某某服务所\t15.00", "某某县某某服务所\t15.01")
    projects, _ = read_projects(text.split("\n"), [], units=["某某县某某局", "某某县某某服务所"])
    assert [p.name for p in projects] == ["甲项目", "乙项目", "丙项目"]


WRAPPED_AND_BROKEN = """2099年项目支出预算表
部门名称：某某县某某局
单位：万元
项目名称\t合计\t一般公共预算
某某县某某局\t60.00\t60.00
甲项目\t10.00\t10.00
某某服务设施运\t20.00\t20.00
营补助\t\t

- 7 -

部门名称：某某县某某局
单位：万元
项目名称\t合计\t一般公共预算
202\t30.00\t30.00
3年度专项工作经费\t\t

某县项目支出绩效目标申报表
项目名称\t\t某某服务设施运营补助\t\t
项目名称\t\t2023年度专项工作经费\t\t
"""


def test_wrapped_names_are_joined_and_a_page_break_does_not_end_the_table() -> None:
    projects, warnings = read_projects(WRAPPED_AND_BROKEN.split("\n"), [])
    assert {(p.name, p.amount) for p in projects} == {
        ("甲项目", Decimal("100000.00")),
        ("某某服务设施运营补助", Decimal("200000.00")),
        ("2023年度专项工作经费", Decimal("300000.00")),
    }
    assert not any("without" in w for w in warnings)


def test_a_wrapped_name_not_confirmed_elsewhere_is_joined_and_reported() -> None:
    text = WRAPPED_AND_BROKEN.split("某县项目支出绩效目标申报表")[0]
    projects, warnings = read_projects(text.split("\n"), [])
    assert "某某服务设施运营补助" in {p.name for p in projects}
    assert any("某某服务设施运营补助" in w and "not written elsewhere" in w for w in warnings)


def test_synthetic_project_tables_alone_with_hazards() -> None:
    """The list table alone (no forms, no narrative) of generated documents with page breaks and
    wrapped names (``202`` / ``3年度…``, ``审计业务`` / ``经费``): every project with its amount."""
    from budgetkg.loader import synth

    for seed in (1, 21):
        for i in range(20):
            text, truth = synth.document(seed, i, hazards=True)
            lines = text.split("\n")
            cut = max(k for k, ln in enumerate(lines) if ln.startswith("第三部分"))  # the tables only
            projects, _ = read_projects(lines[:cut], [])
            assert {(p.name, p.amount) for p in projects} == {
                (p["name"], Decimal(p["amount_yuan"])) for p in truth["projects"]
            }, (seed, i)


# ---------------------------------------------------------------------------------------------
# the seeds' gaps


def test_003_amounts_matched_to_slightly_different_names(doc003) -> None:
    _, projects, warnings = doc003
    # the explanation writes 督察室经费 and 疫情期间流调工作队食宿费用
    assert _by_name(projects, "督查室经费").amount == Decimal("100000.00")
    assert _by_name(projects, "疫情期间流调工作队办公食宿费用").amount == Decimal("1460000.00")
    # 专项运转保障经费 matches no name written there (办公运转经费 is too unlike it): reported
    assert _by_name(projects, "专项运转保障经费").amount is None
    assert any("专项运转保障经费" in w and "no amount" in w for w in warnings)


def test_fuzzy_prose_amounts_only_when_unambiguous() -> None:
    lines = [
        "1、某某室经费绩效目标表",
        "2、某某所经费绩效目标表",
        "项目支出12万元，主要为某某处经费项目2万元，其他经费10万元。",
    ]
    projects, _ = read_projects(lines, [])
    # 某某处经费 is as like 某某室经费 as 某某所经费: neither takes it
    assert [p.amount for p in projects] == [None, None]


def test_003_indicator_basis_with_two_citations_keeps_both(doc003) -> None:
    _, projects, _ = doc003
    plan = _by_name(projects, "人民防空方案计划编制经费启动资金")
    both = [i for i in plan.indicators if len(i.bases) == 2]
    assert both
    for i in both:
        assert [c.title for c in i.bases] == [
            "关于组织编制人民防空方案计划的通知",
            "关于明确人民防空方案计划编制有关问题的通知",
        ]
        assert i.basis == i.bases[0]
    for p in projects:
        for i in p.indicators:
            assert (i.basis is None) == (not i.bases)


def test_001_indicators_without_a_target_are_kept_and_reported() -> None:
    lines = _seed_lines("001")
    (p,), warnings = read_projects(lines, [])
    # issue #3: the rows whose 指标值 is empty as read are indicators without a target, reported
    assert all(bool(i.target_text.strip()) != i.target_missing for i in p.indicators)
    assert sum(i.target_missing for i in p.indicators) == 7
    assert sum("has no target value" in w and "recorded without a target" in w for w in warnings) == 7
    # a name cut at a page break is joined with its rest on the next row (once, not twice)
    joined = [i for i in p.indicators if "改善了机关会议环境" in i.name and not i.target_missing]
    assert [i.period for i in joined] == ["annual"] and "会议善了" not in joined[0].name
