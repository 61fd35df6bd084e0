"""parse_target and indicator categories."""

from __future__ import annotations

from decimal import Decimal

import pytest

from budgetkg.loader.indicators import (
    canonical_level1,
    canonical_level2,
    is_level2_tail,
    level1_of,
    parse_target,
)


@pytest.mark.parametrize(
    ("text", "operator", "value", "unit"),
    [
        ("≥90%", ">=", "90", "%"),
        ("≤0.85万元/条", "<=", "0.85", "万元/条"),
        ("1000000元", "=", "1000000", "元"),
        ("1,000,000元", "=", "1000000", "元"),
        ("≥5 次", ">=", "5", "次"),
        ("≥ 95 %", ">=", "95", "%"),
        ("≥１０个", ">=", "10", "个"),
        ("＞3天", ">", "3", "天"),
        ("＜2.5 万元", "<", "2.5", "万元"),
        (">1小时", ">", "1", "小时"),
        ("<4万元", "<", "4", "万元"),
        ("≦87 万元", "<=", "87", "万元"),
        ("≧98%", ">=", "98", "%"),
        ("=100%", "=", "100", "%"),
        ("90%以上", ">=", "90", "%"),
        ("不低于95%", ">=", "95", "%"),
        ("不少于20份", ">=", "20", "份"),
        ("不超过10万元", "<=", "10", "万元"),
        ("不高于5%", "<=", "5", "%"),
        ("2小时以内", "<=", "2", "小时"),
        ("3%以下", "<=", "3", "%"),
        ("达到100%", ">=", "100", "%"),
        ("≥6台(套)", ">=", "6", "台(套)"),
        ("6套", "=", "6", "套"),
        ("68条", "=", "68", "条"),
        ("≥6年", ">=", "6", "年"),
        ("1年", "=", "1", "年"),
        ("一年", "=", "1", "年"),
        ("63 天", "=", "63", "天"),
        ("≥330人", ">=", "330", "人"),
        ("≤500元/人", "<=", "500", "元/人"),
        ("98400元/套", "=", "98400", "元/套"),
        ("≤9.8万元/年", "<=", "9.8", "万元/年"),
        ("≤15000元/平方米(万元/台等)", "<=", "15000", "元/平方米"),
        ("≤500元/次(元/人·小时等)", "<=", "500", "元/次"),
        ("12", "=", "12", None),
    ],
)
def test_numeric_targets(text: str, operator: str, value: str, unit: str | None) -> None:
    tp = parse_target(text)
    assert (tp.operator, tp.value, tp.unit) == (operator, Decimal(value), unit)
    assert isinstance(tp.value, Decimal)
    assert tp.kind == "numeric" and not tp.placeholder and not tp.qualitative
    assert tp.text == text.strip()


@pytest.mark.parametrize(
    "text",
    ["2023年底XX月XX日前", "2023年XX月XX日-XX月XX日", "1年XX月XX日-XX月XX日", "2023底XX月XX日", "20××年"],
)
def test_placeholders(text: str) -> None:
    tp = parse_target(text)
    assert tp.placeholder and tp.kind == "placeholder"
    assert tp.operator is None and tp.value is None and tp.unit is None


@pytest.mark.parametrize(
    "text",
    [
        "2023年12月",
        "2023 年 12 月",
        "2023年底",
        "2021年",
        "每月 25 日前",
        "2021-2023 年",
        "2023 年底前",
        "全年",
    ],
)
def test_dates_keep_text_only(text: str) -> None:
    tp = parse_target(text)
    assert tp.kind == "date"
    assert (tp.operator, tp.value, tp.unit, tp.placeholder) == (None, None, None, False)


@pytest.mark.parametrize(
    "text",
    ["显著", "较高", "及时", "良好", "提升", "满意", "保障保障", "显著提高", "全县", "95%-100%", "一般"],
)
def test_qualitative(text: str) -> None:
    tp = parse_target(text)
    assert tp.qualitative and tp.kind == "qualitative"
    assert (tp.operator, tp.value, tp.unit) == (None, None, None)


def test_empty() -> None:
    assert parse_target("").kind == "empty"
    assert parse_target(None).kind == "empty"


def test_level2_canonical_names_also_when_cut() -> None:
    assert canonical_level2("服务对象满意度指") == "服务对象满意度指标"
    assert canonical_level2("服务对象满意度") == "服务对象满意度指标"
    assert canonical_level2("质量 指标") == "质量指标"
    assert canonical_level2("可持续影") == "可持续影响指标"
    assert canonical_level2("单位人员满意度") is None
    assert canonical_level1("满意度指标") == "满意度指标"
    assert level1_of("可持续影响指标") == "效益指标"
    assert level1_of("时效指标") == "产出指标"


def test_level2_tail_of_a_cell_cut_over_two_rows() -> None:
    # 时效 | 指标 and 可持续影 | 响指标: the second row's cell is no indicator of its own
    assert [is_level2_tail(c) for c in ("指标", "响指标", "影响指标", "意度指标")] == [True] * 4
    assert [is_level2_tail(c) for c in ("时效", "数量指标", "委托业务费", "标", "")] == [False] * 5
