"""Performance-indicator targets (指标值) and indicator categories (一级/二级指标).

:func:`parse_target` reads a target as written — ``≥90%``, ``≤0.85万元/条``, ``1000000元``,
``不低于95%``, ``90%以上``, ``≥ 95 %`` — into operator, ``Decimal`` value and unit. Never float.

Kinds of target:

* ``numeric``: operator (``=`` when none is written), value, unit (``None`` for a bare number);
  an alternative unit in parentheses ending 等 (``≤500元/次(元/人·小时等)``) is dropped,
  a unit's own parenthesis (``台(套)``) is kept;
* ``placeholder``: a template left unfilled (``2023年底XX月XX日前``, ``20××年``): text only;
* ``date``: a point or span of time (``2023年12月``, ``2023年底``, ``2021年``, ``每月25日前``,
  ``2021-2023年``): text only, operator ``None`` — a calendar date is not a quantity with a unit;
  a bare year (``2021年``, a 4-digit number from 1900 to 2100 with 年) is a date, while
  ``≥6年`` / ``1年`` is a duration (numeric, unit 年);
* ``qualitative``: anything else (``良好``, ``及时``, ``保障保障``, ``显著提高``): text only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .records import Operator

__all__ = [
    "LEVEL1",
    "LEVEL2",
    "TargetParse",
    "canonical_level1",
    "canonical_level2",
    "level1_of",
    "parse_target",
]


@dataclass(frozen=True)
class TargetParse:
    text: str  # as written (stripped)
    operator: Operator | None = None
    value: Decimal | None = None
    unit: str | None = None
    placeholder: bool = False
    qualitative: bool = False
    kind: str = "qualitative"  # "numeric" | "placeholder" | "date" | "qualitative" | "empty"


_FOLD = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FOLD.update({0x3000: 0x20, 0x00A0: 0x20})
_TRANS = str.maketrans(_FOLD)

_PREFIX_OPS: list[tuple[str, Operator]] = [
    (">=", ">="), ("≥", ">="), ("≧", ">="), ("⩾", ">="), ("<=", "<="), ("≤", "<="), ("≦", "<="),
    ("⩽", "<="), ("不低于", ">="), ("不少于", ">="), ("不小于", ">="), ("达到", ">="), ("大于等于", ">="),
    ("不超过", "<="), ("不高于", "<="), ("不大于", "<="), ("不多于", "<="), ("小于等于", "<="),
    ("控制在", "<="), ("大于", ">"), ("高于", ">"), ("超过", ">"), ("多于", ">"), ("小于", "<"),
    ("低于", "<"), ("少于", "<"), (">", ">"), ("<", "<"), ("=", "="), ("等于", "="), ("约", "="),
]  # fmt: skip
_SUFFIX_OPS: list[tuple[str, Operator]] = [
    ("及以上", ">="), ("以上", ">="), ("以内", "<="), ("及以下", "<="), ("以下", "<="), ("之内", "<="),
    ("左右", "="),
]  # fmt: skip

_CN_DIGITS = {
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}

_CN_UNITS = frozenset("年次个天人项条套台家类份月周期场批篇部所处名户辆本册".replace("", " ").split()) | {
    "",
    "季度",
    "小时",
    "个月",
}
_NUMBER = re.compile(r"^(?P<num>[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)")
_UNIT = re.compile(r"^[%‰℃㎡A-Za-z\u4e00-\u9fff/·()（）*×\-\d.]{0,20}$")
_PLACEHOLDER = re.compile(r"(X{2}|x{2}|×{2}|\*{2}|20××|20xx|20XX|某)")
_DATEISH = re.compile(
    r"^((?:19|20)\d{2}\s*年?\s*(?:底|末|初|中|上半年|下半年|前|内|全年)?(?:\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?)?"
    r"(?:\s*(?:底|末|前|以前|之前|内|完成))?"
    r"(?:\s*[-—–~至到]\s*(?:(?:19|20)\d{2}\s*年?)?(?:\s*\d{1,2}\s*月)?(?:\s*\d{1,2}\s*日)?\s*(?:底|末|前)?)?"
    r"(?:年|年度)?)$"
)
_RELATIVE_DATE = re.compile(r"^(每[年月周日季]|年底|年末|年内|当年|全年|季度|月底)")


def _fold(text: str) -> str:
    return text.translate(_TRANS)


def _cn_number(text: str) -> tuple[Decimal, str] | None:
    """一年 / 两次 / 十个 → (1, "年") …: simple Chinese numerals up to 99."""
    m = re.match(r"^([零一二两三四五六七八九十]{1,3})(.*)$", text)
    if not m:
        return None
    digits, rest = m.groups()
    if rest not in _CN_UNITS:
        return None
    if "十" in digits:
        tens, _, ones = digits.partition("十")
        value = (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0)
    elif len(digits) == 1:
        value = _CN_DIGITS[digits]
    else:
        return None
    return Decimal(value), rest


def _clean_unit(unit: str) -> str | None:
    unit = unit.strip()
    # an alternative unit offered by the template: ≤15000元/平方米(万元/台等)
    unit = re.sub(r"[(（][^()（）]*等[)）]$", "", unit).strip()
    return unit or None


def parse_target(text: str | None) -> TargetParse:
    """Operator, value, unit of a 指标值 as written; see the module docstring for the kinds."""
    raw = (text or "").strip()
    if not raw:
        return TargetParse(text=raw, kind="empty")
    s = re.sub(r"\s+", "", _fold(raw))
    if _PLACEHOLDER.search(s):
        return TargetParse(text=raw, placeholder=True, kind="placeholder")
    if _DATEISH.match(s) or _RELATIVE_DATE.match(s):
        if not re.fullmatch(r"\d{1,3}年", s):  # "1年" is a duration, not a date
            return TargetParse(text=raw, kind="date")
    operator: Operator | None = None
    body = s
    for word, op in _PREFIX_OPS:
        if body.startswith(word):
            operator, body = op, body[len(word) :]
            break
    for word, op in _SUFFIX_OPS:
        if body.endswith(word):
            if operator is None or op != "=":
                operator = operator or op
            body = body[: -len(word)]
            break
    m = _NUMBER.match(body)
    if m:
        try:
            value = Decimal(m.group("num").replace(",", ""))
        except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
            return TargetParse(text=raw, qualitative=True)
        rest = body[m.end() :]
    else:
        cn = _cn_number(body)
        if cn is None:
            return TargetParse(text=raw, qualitative=True)
        value, rest = cn
    if rest and not _UNIT.match(rest):
        return TargetParse(text=raw, qualitative=True)
    if rest and re.search(r"\d", re.sub(r"[(（][^()（）]*[)）]", "", rest)):
        # "95%-100%", "3-5个": a range, not one target
        return TargetParse(text=raw, qualitative=True)
    unit = _clean_unit(rest) if rest else None
    if unit and re.fullmatch(r"[\u4e00-\u9fff]{5,}", unit):
        return TargetParse(text=raw, qualitative=True)  # a number followed by a sentence
    return TargetParse(text=raw, operator=operator or "=", value=value, unit=unit, kind="numeric")


# ---------------------------------------------------------------------------------------------
# indicator categories

LEVEL1: tuple[str, ...] = ("产出指标", "效益指标", "满意度指标", "成本指标")
LEVEL2: dict[str, str] = {
    "数量指标": "产出指标",
    "质量指标": "产出指标",
    "时效指标": "产出指标",
    "成本指标": "产出指标",
    "经济效益指标": "效益指标",
    "社会效益指标": "效益指标",
    "生态效益指标": "效益指标",
    "可持续影响指标": "效益指标",
    "服务对象满意度指标": "满意度指标",
    "经济成本指标": "成本指标",
    "社会成本指标": "成本指标",
    "生态环境成本指标": "成本指标",
}


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", _fold(text or ""))


def canonical_level2(cell: str) -> str | None:
    """The canonical 二级指标 a cell names, also when cut (服务对象满意度指 → 服务对象满意度指标)."""
    c = _squash(cell)
    if not c:
        return None
    if c in LEVEL2:
        return c
    if len(c) >= 2:
        hits = [name for name in LEVEL2 if name.startswith(c)]
        if len(hits) == 1:
            return hits[0]
        if "成本指标" in hits and c in ("成本", "成本指"):
            return "成本指标"
    return None


def is_level2_tail(cell: str) -> bool:
    """A cell holding only the end of a 二级指标 name whose start is in the row above (a cell the
    export cut over two rows: 时效 | 指标, 可持续影 | 响指标): no indicator of its own."""
    c = _squash(cell)
    return len(c) >= 2 and canonical_level2(c) is None and any(n.endswith(c) and n != c for n in LEVEL2)


def canonical_level1(cell: str) -> str | None:
    c = _squash(cell)
    if c in LEVEL1:
        return c
    if len(c) >= 2:
        hits = [name for name in LEVEL1 if name.startswith(c)]
        if len(hits) == 1 and not canonical_level2(c):
            return hits[0]
    return None


def level1_of(level2: str) -> str | None:
    return LEVEL2.get(level2)
