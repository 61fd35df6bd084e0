"""Figures the explanatory text (情况说明) states in sentences: year-over-year changes, 机关运行经费,
三公经费, 政府采购, 绩效目标管理.

The genre writes them in a few fixed shapes::

    <subject>…(预算)?(为)X万元，比(上年|20XX年)(…)?(增加|减少)Y万元，(增长|下降)Z%，(主要原因是|…)…。
    <subject>X万元与上年预算数相同 / 与上年相比预算数减少Y万元
    <subject>为X万元，上年度为P万元，减少原因为…
    其中：<subject>(增加|减少)Y万元，主要是…；<subject>…      (after a 比/较 earlier in the sentence)
    N个项目实行(了)绩效目标管理，涉及…X万元

A subject is one of a closed list of phrases (收入/支出总计, 基本支出, 项目支出, 一般公共预算支出,
三公经费 and its items, 机关运行经费, 政府采购 and its goods/works/services split, 人员经费,
公用经费) or a function class written ``类名(类)款名(款)项名(项)``; each names a table kind, a
row and a column (:data:`SUBJECTS`). A subject only counts when an amount or a change follows it
closely, so words such as 项目支出 inside a stated reason are not read as figures.

Sections: the 说明 of one table ("九、关于2023年项目支出表的说明", up to the next numbered heading)
speaks of that table. Some phrases name its figures there (:data:`SECTION_SUBJECTS`: 项目支出 is
the 项目支出表's total, 收支总预算 both sides of the 收支总表, 一般公共预算拨款收入 the 收入总表's
column), and in the 说明 of a table by function class each 类 named with an amount
("一般公共服务支出740.44万元，占75.74%") is a line of it. A document that leaves its tables out
("见附件", or a table only in the 目录) states their figures there and nowhere else.

What comes out:

* on the line with the same table, row and column: the previous-year amount (this year's ∓ the
  change, or as stated), the signed change, the stated percentage and reason, and the line of the
  sentence; a stated amount for this year that disagrees with the line's is reported;
* where the document has no such line, a line read from the sentence (``from_narrative``) in its
  table, or in a table standing for the prose when there is none of that kind — for 机关运行经费,
  三公经费 and 政府采购, in a table standing for the prose, and in the 说明 of its own table when
  that table is not printed, always; elsewhere only with a year-over-year figure; never for a bare
  zero, nor for a 基本支出 or 项目支出 whose counterpart the text does not state (its row would not
  add up). Printed tables win: their 说明 only repeats them, and a disagreement is reported;
* for the 说明 of a table not printed that says the unit has none of its money ("没有…支出") and
  states no figure, an empty table standing for it;
* the 绩效目标管理 count and amount, for the document.

A stated percentage is checked against the amounts (allowing for the rounding of printed figures);
a disagreement is reported, never corrected.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import cache
from pathlib import Path

from budgetkg.loader.records import Line, Table
from budgetkg.loader.tables import FUND_SOURCES, classify_title

_WAN = Decimal(10000)
_UNITS = {"万元": _WAN, "亿元": Decimal(100000000), "元": Decimal(1)}
_UP = ("增加", "增长", "上升")
_CHANGE_WORD = r"(?P<word>增加|减少|增长|下降|上升|降低)"
# 2022年, 2022年度, 上年, 上年度, 上一年度, 去年
_BASE = r"(?:上一?年度?|去年|(?P<year>20\d\d)年度?)"
_AMOUNT = r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?P<unit>万元|亿元|元)"
# what may stand between a subject and its amount: "为", "共计安排", "财政拨款预算", "2023年预算"
_FILL = r"(?:20\d\d年度?|[^,;:。\d%增减比较与占])"

Row = tuple[str, str]  # ("total", ""), ("function", "2010301"), ("sangong", "vehicle_operation")
_TOTAL: Row = ("total", "")
_SANGONG_TOTAL: Row = ("sangong", "total")


@dataclass(frozen=True)
class Target:
    """Where a stated figure belongs: one row and column of one table kind."""

    kind: str  # Table.key
    row: Row
    column: str  # Line.column


def _sg(item: str) -> Target:
    return Target("sangong", ("sangong", item), "total")


# subject phrase (after NFKC, quotes dropped) → target; longer phrases are tried first
SUBJECTS: dict[str, Target] = {
    "预算收入总计": Target("income_summary", _TOTAL, "total"),
    "收入总计": Target("income_summary", _TOTAL, "total"),
    "收入预算": Target("income_summary", _TOTAL, "total"),
    "预算收入": Target("income_summary", _TOTAL, "total"),
    "本年收入": Target("income_summary", _TOTAL, "current_year"),
    "预算支出总计": Target("expenditure_summary", _TOTAL, "total"),
    "支出总计": Target("expenditure_summary", _TOTAL, "total"),
    "支出预算": Target("expenditure_summary", _TOTAL, "total"),
    "收支安排": Target("expenditure_summary", _TOTAL, "total"),
    "收支总预算": Target("income_expenditure_summary", _TOTAL, "total"),
    "收支预算": Target("income_expenditure_summary", _TOTAL, "total"),
    "财政拨款收支总预算": Target("fiscal_summary", _TOTAL, "total"),
    "财政拨款收支预算": Target("fiscal_summary", _TOTAL, "total"),
    "基本支出": Target("expenditure_summary", _TOTAL, "basic"),
    "项目支出": Target("expenditure_summary", _TOTAL, "project"),
    "一般公共预算支出": Target("general_budget_expenditure", _TOTAL, "total"),
    "一般公共预算当年拨款": Target("general_budget_expenditure", _TOTAL, "total"),
    "一般公共预算财政拨款支出": Target("general_budget_expenditure", _TOTAL, "total"),
    "一般公共预算基本支出": Target("general_budget_basic_economic", _TOTAL, "total"),
    "一般公共预算项目支出": Target("general_budget_expenditure", _TOTAL, "project"),
    "人员经费": Target("general_budget_basic_economic", _TOTAL, "personnel"),
    "公用经费": Target("general_budget_basic_economic", _TOTAL, "public"),
    "日常公用经费": Target("general_budget_basic_economic", _TOTAL, "public"),
    "三公经费": _sg("total"),
    "因公出国(境)费": _sg("travel_abroad"),
    "因公出国(境)经费": _sg("travel_abroad"),
    "因公出国费用": _sg("travel_abroad"),
    "因公出国费": _sg("travel_abroad"),
    "公务接待费": _sg("reception"),
    "公务招待费": _sg("reception"),
    "公务用车购置及运行费": _sg("vehicle"),
    "公务用车购置及运维费": _sg("vehicle"),
    "公务用车购置及运行维护费": _sg("vehicle"),
    "公务用车运行维护费": _sg("vehicle_operation"),
    "公务用车运行费": _sg("vehicle_operation"),
    "公务用车购置费": _sg("vehicle_purchase"),
    "公务购置费": _sg("vehicle_purchase"),
    "机关运行经费": Target("operating_costs", _TOTAL, "total"),
    "机关运行费": Target("operating_costs", _TOTAL, "total"),
    "政府采购预算总额": Target("government_procurement", _TOTAL, "total"),
    "政府采购预算": Target("government_procurement", _TOTAL, "total"),
    "政府采购货物预算": Target("government_procurement", _TOTAL, "goods"),
    "政府采购工程预算": Target("government_procurement", _TOTAL, "works"),
    "政府采购服务预算": Target("government_procurement", _TOTAL, "services"),
}
# Phrases that contain a subject but are not one (a fund source's share of income or spending,
# money carried over): matched like subjects, leftmost first, and then ignored.
_BLOCKERS = (
    r"(?:一般公共|政府性基金|基金|国有资本经营|财政专户\w{0,4}?|单位资金|事业|经营|其他)(?:预算)?(?:拨款)?收入",
    r"(?:政府性基金|基金|国有资本经营)预算(?:拨款)?(?:支出|安排)",
    r"上年结转(?:结余)?(?:收入)?",
    # a fund source's share of spending: 财政拨款支出预算, 一般公共预算拨款支出预算 …
    r"(?:财政|一般公共预算|政府性基金(?:预算)?|国有资本经营(?:预算)?)拨款(?:支出)?(?:预算)?",
)
# Kinds whose figures documents often give only in prose: a line is made from a sentence even
# without a year-over-year figure. Other kinds get a line from prose only with one.
PROSE_KINDS = frozenset({"operating_costs", "sangong", "government_procurement"})
_EXPENDITURE_TYPE = {"basic": "basic", "project": "project"}
_FUND = {
    "general_budget_expenditure": "general_public_budget",
    "general_budget_basic_economic": "general_public_budget",
}
# Inside the 说明 of one table ("九、关于2023年项目支出表的说明") a phrase names that table's figure:
# 项目支出 there is the 项目支出表's total, not the 支出总表's 项目支出 column; a 收支总表's total is
# both its sides. These phrases are tried before the general ones (and before the blockers:
# 一般公共预算拨款收入 is the 收入总表's column in its own 说明).
SECTION_SUBJECTS: dict[str, dict[str, tuple[Target, ...]]] = {
    "income_expenditure_summary": {
        p: (
            Target("income_expenditure_summary", _TOTAL, "income"),
            Target("income_expenditure_summary", _TOTAL, "total"),
        )
        for p in ("收支总预算", "收支预算")
    },
    "fiscal_summary": {
        p: (Target("fiscal_summary", _TOTAL, "income"), Target("fiscal_summary", _TOTAL, "total"))
        for p in ("财政拨款收支总预算", "财政拨款收支预算")
    },
    "income_summary": {
        p: (Target("income_summary", _TOTAL, "general_public_budget"),)
        for p in ("一般公共预算拨款收入", "一般公共预算收入")
    },
    "general_budget_expenditure": {
        "基本支出": (Target("general_budget_expenditure", _TOTAL, "basic"),),
        "项目支出": (Target("general_budget_expenditure", _TOTAL, "project"),),
    },
    "general_budget_basic_economic": {
        "基本支出": (Target("general_budget_basic_economic", _TOTAL, "total"),)
    },
    "project_expenditure": {
        p: (Target("project_expenditure", _TOTAL, "total"),) for p in ("一般公共预算项目支出", "项目支出")
    },
}
# 说明 sections whose table is by function class and states the amount of each 类 by name
# ("一般公共服务支出740.44万元，占75.74%"): the 类 is a subject there.
CLASS_SECTIONS = frozenset({"fiscal_summary", "general_budget_expenditure", "fiscal_expenditure"})
# a 说明 heading: "五、关于2023年一般公共预算支出表的说明" (whitespace removed)
_SECTION_RE = re.compile(r"^(?:[一二三四五六七八九十]+、|第[一二三四五六七八九十]+部分)")
_ABOUT_TABLE_RE = re.compile(r"关于(?P<year>20\d\d)年度?(?P<name>\S+?表)的?(?:情况)?说明")
# a 说明 saying the unit has none of its table's money: "没有使用…安排的政府采购支出", "无此类支出"
_NONE_RE = re.compile(r"(?:没有|无)[^。]{0,80}?(?:支出|收入|经费)")
# what may precede a 类 named as a subject: a clause start or a list mark
_CLASS_LEAD = set(",;:、。") | {"为", "是"}

_ORDERED = sorted(SUBJECTS, key=len, reverse=True)


@cache
def _subjects(section: str | None) -> tuple[re.Pattern[str], tuple[tuple[str, tuple[Target, ...]], ...]]:
    """The subject pattern inside the 说明 of ``section`` (None: anywhere else), and what each of
    its groups ``s<i>`` names."""
    own = SECTION_SUBJECTS.get(section or "", {})
    first = [(k, own[k]) for k in sorted(own, key=len, reverse=True)]
    rest = [(k, (SUBJECTS[k],)) for k in _ORDERED if k not in own]
    groups = [f"(?P<s{i}>{re.escape(k)})" for i, (k, _) in enumerate(first + rest)]
    blocked = f"(?P<blocked>{'|'.join(_BLOCKERS)})"
    pattern = "|".join([*groups[: len(first)], blocked, *groups[len(first) :]])
    return re.compile(pattern), tuple(first + rest)


_SUBJECT_RE = _subjects(None)[0]
# 类名(类)款名(款)项名(项): found from each "(类)" (a lazy pattern tried at every position of a long
# clause would take quadratic time); the 类 name is the longest known class name ending there.
_LEI_MARK = "(类)"
_KUAN_XIANG_RE = re.compile(r"(?P<kuan>[^,;:。]{1,40}?)\(款\)(?P<xiang>[^,;:。]{1,40}?)\(项\)")
_CURRENT_RE = re.compile(rf"{_FILL}{{0,20}}?{_AMOUNT}")
_COMPARE_RE = re.compile(rf"(?:比|较|与){_BASE}[^,;。\d%]{{0,15}}?{_CHANGE_WORD}{_AMOUNT}")
_SAME_RE = re.compile(rf"(?:比|较|与){_BASE}[^,;。\d%]{{0,15}}?(?:相同|持平|一致)")
_BARE_CHANGE_RE = re.compile(rf"[^,;。\d%]{{0,6}}?{_CHANGE_WORD}{_AMOUNT}")
_PERCENT_RE = re.compile(rf"{_CHANGE_WORD}(?P<num>\d+(?:\.\d+)?)%")
_PREVIOUS_RE = re.compile(rf"{_BASE}(?:预算数?|数)?(?:为|是){_AMOUNT}")
_REASON_RE = re.compile(r"(?:主要原因(?:是|为|:)?|原因主要(?:是|为|:)?|原因(?:是|为|:)|主要是|主要由于)")
_COMPARISON_SEEN_RE = re.compile(rf"(?:比|较|与){_BASE}")
_PERF_RE = re.compile(r"(?:(\d+)个(?:一级|二级)?项目|项目(?:共)?(\d+)个)")
_HEADING_RE = re.compile(
    r"^(?:第[一二三四五六七八九十]+部分|[一二三四五六七八九十]+、|\([一二三四五六七八九十\d]+\)|\d+[、.](?!\d))"
)
_QUOTES = str.maketrans("", "", "“”\"'‘’「」『』")
_PAGE_NUMBER_RE = re.compile(r"^[-—–－]*\d{1,4}[-—–－]*$")  # a page footer: "—27—", "- 3 -"


@dataclass
class Statement:
    """One figure one sentence states."""

    subject: str  # as written (normalised)
    target: Target
    source_line: int
    current: Decimal | None = None  # yuan
    current_text: str | None = None  # the number as printed, for its rounding
    unit: Decimal = _WAN
    change: Decimal | None = None  # signed, yuan
    change_text: str | None = None
    previous: Decimal | None = None  # stated directly ("上年度为37.09万元")
    percent: Decimal | None = None  # signed, as stated
    percent_text: str | None = None
    reason: str | None = None
    # the sentence is in the 说明 of its target's own table kind: a figure of that table even when
    # it is stated bare (no comparison)
    in_section: bool = False


@dataclass
class NarrativeResult:
    lines: list[Line] = field(default_factory=list)  # lines read from prose (new)
    tables: list[Table] = field(default_factory=list)  # tables standing for prose (new)
    warnings: list[str] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)  # every figure placed
    performance_projects: int | None = None
    performance_amount: Decimal | None = None
    performance_line: int | None = None


# -- text → sentences with their source lines --------------------------------------------------


def _normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text).translate(_QUOTES)


def sentences(lines: list[str]) -> list[tuple[str, list[int]]]:
    """Prose sentences of the text (NFKC, quotes and whitespace removed), each with the 1-based
    source line of every character. Table rows (lines with a tab) and headings end a paragraph; a
    paragraph goes on across blank lines while its text has not reached an end mark (a sentence
    cut by a page or line break)."""
    paragraphs: list[list[tuple[str, int]]] = []
    current: list[tuple[str, int]] = []

    def close() -> None:
        nonlocal current
        if current:
            paragraphs.append(current)
        current = []

    for number, raw in enumerate(lines, start=1):
        if "\t" in raw:
            close()
            continue
        text = "".join(_normal(raw).split())
        if _PAGE_NUMBER_RE.match(text):
            continue  # a page footer, maybe inside a sentence cut by the page break
        if not text:
            if current and current[-1][0] in "。;!?:":
                close()
            continue
        if _HEADING_RE.match(text):
            close()
        current.extend((c, number) for c in text)
    close()
    out: list[tuple[str, list[int]]] = []
    for para in paragraphs:
        start = 0
        for i, (c, _) in enumerate(para):
            if c == "。" or i == len(para) - 1:
                chunk = para[start : i + 1]
                start = i + 1
                out.append(("".join(ch for ch, _ in chunk), [n for _, n in chunk]))
    return out


# -- function classes named in words ---------------------------------------------------------


@cache
def _function_names() -> dict[str, list[str]]:
    """name → codes, from the shipped function code list."""
    from budgetkg import ontology

    path = Path(ontology.__file__).parent / "codelists" / "function.csv"
    names: dict[str, list[str]] = {}
    with path.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            names.setdefault("".join(_normal(row["name"]).split()), []).append(row["code"].strip())
    return names


@cache
def _class_names() -> tuple[str, ...]:
    return tuple(n for n, codes in _function_names().items() if any(len(c) == 3 for c in codes))


def _classified(text: str) -> list[tuple[int, int, tuple[str, str, str]]]:
    """Every 类名(类)款名(款)项名(项) of a sentence: (start, end, (类, 款, 项 names))."""
    out = []
    at = text.find(_LEI_MARK)
    classes = _class_names() if at >= 0 else ()
    while at >= 0:
        after = at + len(_LEI_MARK)
        m = _KUAN_XIANG_RE.match(text, after)
        lei = max((n for n in classes if text.endswith(n, 0, at)), key=len, default=None)
        if m and lei:
            out.append((at - len(lei), m.end(), (lei, m.group("kuan"), m.group("xiang"))))
        at = text.find(_LEI_MARK, after)
    return out


def _function_code(lei: str, kuan: str, xiang: str, known: set[str]) -> tuple[str | None, str]:
    """The 7-digit code of 类/款/项 names; ``known`` (codes the document's tables print) breaks a tie."""
    names = _function_names()
    classes = {c for c in names.get(lei, []) if len(c) == 3}
    items = {c for c in names.get(kuan, []) if len(c) == 5 and c[:3] in classes}
    codes = sorted({c for c in names.get(xiang, []) if len(c) == 7 and c[:5] in items})
    if len(codes) > 1 and known & set(codes):
        codes = sorted(known & set(codes))
    kuan_items = (
        {c for cs in names.values() for c in cs if len(c) == 7 and c[:5] == codes[0][:5]} if codes else set()
    )
    if len(codes) == 2 and kuan_items == set(codes) and {c[5:] for c in codes} == {"01", "99"}:
        # The code list carries the catch-all 项 of some "其他…" 款 twice under one name
        # (2089901/2089999 其他社会保障和就业支出, 2109901/2109999 其他卫生健康支出): it was merged
        # from reference tables of different years and keeps no source per row. Where the 款 has
        # no other 项 the classification (2023 政府收支分类科目) numbers its one 项 "01" — the
        # "99" slot is for "其他" beside named 项 (2069901 科技奖励 / 2069999 其他科学技术支出) —
        # so the "01" code is the standard one.
        codes = codes[:1]
    if len(codes) == 1:
        return codes[0], ""
    written = f"{lei}(类){kuan}(款){xiang}(项)"
    if not codes:
        return None, f"no function code is named {written}"
    return None, f"{written} may be any of {', '.join(codes)}"


# -- one sentence → statements --------------------------------------------------------------


def _amount(m: re.Match[str]) -> Decimal:
    return Decimal(m.group("num").replace(",", "")) * _UNITS[m.group("unit")]


def _signed(word: str, value: Decimal) -> Decimal:
    return value if word.startswith(_UP) else -value


def _is_figure(text: str, end: int) -> bool:
    """A subject counts only with an amount or a change right after it."""
    rest = text[end : end + 40]
    return bool(_CURRENT_RE.match(rest) or _BARE_CHANGE_RE.match(rest))


def _own_year(m: re.Match[str] | None, fiscal_year: int | None) -> bool:
    """A comparison with the document's own year (2023年预算为… in a 2023 document) is none."""
    return (
        m is not None
        and fiscal_year is not None
        and m.group("year") is not None
        and int(m.group("year")) >= fiscal_year
    )


def _leads_to(between: str, current: Decimal | None) -> bool:
    """Whether a comparison after ``between`` still speaks of the subject: other figures in between
    (其中：财政拨款收入X万元，比上年…) are of a part, and the comparison is the subject's only when
    every such figure is the subject's own amount (the part is the whole) or zero."""
    for m in re.finditer(_AMOUNT, between):
        if _amount(m) != 0 and (current is None or _amount(m) != current):
            return False
    return True


def _named_classes(
    text: str, line_of: list[int], kind: str, taken: list[tuple[int, int]]
) -> list[tuple[int, int, str, tuple[Target, ...]]]:
    """类 named as subjects in the 说明 of a table by function class ("…分为：一般公共服务支出
    740.44万元，占75.74%"): at a clause or source line start, with an amount right after (so the
    tail of a longer name, 其他社会保障和就业支出, is none)."""
    out = []
    names = _function_names()
    for name in _class_names():
        at = text.find(name)
        while at >= 0:
            end = at + len(name)
            lead_ok = at == 0 or text[at - 1] in _CLASS_LEAD or line_of[at - 1] != line_of[at]
            if lead_ok and not any(a <= at < b for a, b in taken) and _is_figure(text, end):
                code = next(c for c in names[name] if len(c) == 3)
                out.append((at, end, name, (Target(kind, ("function", code), "total"),)))
            at = text.find(name, end)
    return out


def read_sentence(
    text: str,
    line_of: list[int],
    known_codes: set[str],
    fiscal_year: int | None = None,
    section: str | None = None,
) -> tuple[list[Statement], list[str]]:
    """Statements of one sentence (normalised, whitespace-free), with warnings; ``section`` is the
    table kind whose 说明 the sentence is in, if any."""
    found: list[tuple[int, int, str, tuple[Target, ...]]] = []  # start, end, subject, targets
    warnings: list[str] = []
    for start, end, (lei, kuan, xiang) in _classified(text):
        if not _is_figure(text, end):
            continue
        code, problem = _function_code(lei, kuan, xiang, known_codes)
        if code is None:
            warnings.append(f"narrative line {line_of[start]}: {problem}: not read")
            continue
        found.append(
            (start, end, xiang, (Target("general_budget_expenditure", ("function", code), "total"),))
        )
    if section in CLASS_SECTIONS:
        found += _named_classes(text, line_of, section, [(a, b) for a, b, _, _ in found])
    spans = [(a, b) for a, b, _, _ in found]
    pattern, subjects = _subjects(section)
    for m in pattern.finditer(text):
        if m.group("blocked") or any(a <= m.start() < b for a, b in spans) or not _is_figure(text, m.end()):
            continue
        subject, targets = next(entry for i, entry in enumerate(subjects) if m.group(f"s{i}"))
        found.append((m.start(), m.end(), subject, targets))
    found.sort(key=lambda f: (f[0], f[1]))

    statements: list[Statement] = []
    for i, (start, end, subject, targets) in enumerate(found):
        segment = text[end : found[i + 1][0] if i + 1 < len(found) else len(text)]
        target = targets[0]
        st = Statement(
            subject=subject, target=target, source_line=line_of[start], in_section=target.kind == section
        )
        reason_at = _REASON_RE.search(segment)
        after = segment[: reason_at.start()] if reason_at else segment
        cur = _CURRENT_RE.match(after)
        if cur:
            st.current, st.current_text, st.unit = _amount(cur), cur.group("num"), _UNITS[cur.group("unit")]
            after = after[cur.end() :]
        change = _COMPARE_RE.search(after)
        if change and not _leads_to(after[: change.start()], st.current):
            change = None
        same = _SAME_RE.search(after)
        if same and not _leads_to(after[: same.start()], st.current):
            same = None
        bare = _BARE_CHANGE_RE.match(after)
        if change and not _own_year(change, fiscal_year):
            st.change, st.change_text = _signed(change.group("word"), _amount(change)), change.group("num")
            after = after[change.end() :]
        elif same and not _own_year(same, fiscal_year):
            st.change = Decimal(0)
        elif bare and _COMPARISON_SEEN_RE.search(text[:start]):
            # "其中：基本支出减少58.8万元" after "较2022年…增加53.17万元" in the same sentence
            st.change, st.change_text = _signed(bare.group("word"), _amount(bare)), bare.group("num")
            after = after[bare.end() :]
        previous = _PREVIOUS_RE.search(after)
        if previous and st.change is None and not _own_year(previous, fiscal_year):
            st.previous = _amount(previous)
        percent = _PERCENT_RE.search(after)
        if percent and st.change is not None:
            st.percent = _signed(percent.group("word"), Decimal(percent.group("num")))
            st.percent_text = percent.group("num")
        if reason_at:
            st.reason = segment[reason_at.end() :].strip(",;:。") or None
        if st.current is None and st.change is None and st.previous is None:
            continue
        statements.append(st)
        # one figure, several columns (a 收支总表's total is both its sides)
        statements += [replace(st, target=t, in_section=t.kind == section) for t in targets[1:]]
    return statements, warnings


# -- statements → lines ---------------------------------------------------------------------


def _row(line: Line) -> Row:
    if line.sangong_item and (line.sangong_item == "total" or not line.is_total):
        return ("sangong", line.sangong_item)
    if line.is_total:
        return _SANGONG_TOTAL if line.table == "sangong" else _TOTAL
    if line.function_code:
        return ("function", line.function_code)
    return ("other", line.economic_code or line.item)


def _half_unit(text: str | None, unit: Decimal) -> Decimal:
    """Half the last printed digit of a figure, in yuan: its rounding."""
    if text is None:
        return Decimal(0)
    decimals = len(text.split(".")[1]) if "." in text else 0
    return Decimal(5) * unit / Decimal(10) ** (decimals + 1)


def _percent_problem(st: Statement, previous: Decimal) -> str | None:
    """A stated percentage that the amounts (as rounded when printed) cannot give."""
    if st.percent is None or st.change is None or previous <= 0:
        return None  # a percentage of nothing: documents write 100% or leave it out
    e = _half_unit(st.current_text, st.unit) + _half_unit(st.change_text, st.unit)
    change = abs(st.change)
    low = max(change - e, Decimal(0)) / (previous + e) * 100
    high = (change + e) / max(previous - e, Decimal("0.01")) * 100
    slack = _half_unit(st.percent_text, Decimal(1)) + Decimal("0.01")  # rounded or cut when printed
    if low - slack <= abs(st.percent) <= high + slack and (st.percent >= 0) == (st.change >= 0):
        return None
    # format, not quantize: quantize raises beyond 28 digits (a mangled figure can be that long)
    return f"states {st.percent}% but the amounts give {st.change / previous * 100:.2f}%"


def _yuan(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def read_narrative(
    text_lines: list[str], tables: list[Table], lines: list[Line], fiscal_year: int | None = None
) -> NarrativeResult:
    """Read the 情况说明 of a document: attach year-over-year figures to ``lines`` (in place) and
    return the lines and tables made from prose, the 绩效目标管理 figures and the warnings."""
    out = NarrativeResult()
    known_codes = {ln.function_code for ln in lines if ln.function_code}
    by_key: dict[tuple[str, Row, str], list[Line]] = {}
    for ln in lines:
        if ln.occurrence == 0:
            by_key.setdefault((ln.table, _row(ln), ln.column), []).append(ln)
    tables_by_key = {t.key: t for t in tables}
    section_of, headings = _sections(text_lines, fiscal_year)
    found: list[Statement] = []
    says_none: set[str] = set()  # sections saying the unit has none of their table's money
    for text, line_of in sentences(text_lines):
        section = section_of[line_of[0] - 1]
        if "绩效目标管理" in text:
            # its amount is what the managed projects get, not a figure of any table
            _performance(text, line_of, out)
            continue
        statements, warnings = read_sentence(text, line_of, known_codes, fiscal_year, section)
        out.warnings += warnings
        found += statements
        if section and _NONE_RE.search(text):
            says_none.add(section)
    # comparisons first: they decide which tables only the prose gives, and a table standing for
    # the prose then takes the figures stated without a comparison too (its 基本支出 beside its
    # 合计 and 项目支出, so that its rows still add up)
    stated = {(st.target.kind, st.target.row, st.target.column) for st in found}
    for st in sorted(found, key=lambda st: st.change is None and st.previous is None):
        _place(st, by_key, tables_by_key, out, stated, headings)
    figures = {st.target.kind for st in found if st.in_section and (st.current or st.change)}
    for kind in sorted(says_none - figures - set(tables_by_key)):
        title, line = headings[kind]
        # not printed, and its 说明 says there is none ("没有…支出"): a table stated as empty
        table = Table(
            key=kind, title=title, unit_multiplier=_WAN, source_line=line, empty=True, from_narrative=True
        )
        tables_by_key[kind] = table
        out.tables.append(table)
    return out


def _sections(
    lines: list[str], fiscal_year: int | None
) -> tuple[list[str | None], dict[str, tuple[str, int]]]:
    """For each line, the table kind whose 说明 it is in ("五、关于2023年一般公共预算支出表的说明"
    up to the next numbered heading), and each kind's heading (the table's name, its line)."""
    out: list[str | None] = []
    headings: dict[str, tuple[str, int]] = {}
    kind: str | None = None
    for number, raw in enumerate(lines, start=1):
        text = "".join(_normal(raw).split())
        if "\t" not in raw and _SECTION_RE.match(text):
            kind = None
            m = _ABOUT_TABLE_RE.search(text)
            if m and (fiscal_year is None or int(m.group("year")) == fiscal_year):
                kind = classify_title(f"{m.group('year')}年{m.group('name')}")
                if kind is not None:
                    headings.setdefault(kind, (m.group("name"), number))
        out.append(kind)
    return out, headings


def _performance(text: str, line_of: list[int], out: NarrativeResult) -> None:
    m = _PERF_RE.search(text)
    if not m:
        return
    count = int(m.group(1) or m.group(2))
    amounts = [_amount(a) for a in re.finditer(_AMOUNT, text[m.end() :])]
    amount = sum(amounts, Decimal(0)) if amounts else None
    line = line_of[m.start()]
    if out.performance_projects is None:
        out.performance_projects, out.performance_amount, out.performance_line = count, amount, line
    elif (count, amount) != (out.performance_projects, out.performance_amount):
        out.warnings.append(
            f"narrative line {line}: {count} projects under 绩效目标管理 ({amount} yuan), but line "
            f"{out.performance_line} says {out.performance_projects} ({out.performance_amount} yuan): "
            "the first is kept"
        )


def _place(
    st: Statement,
    by_key: dict[tuple[str, Row, str], list[Line]],
    tables: dict[str, Table],
    out: NarrativeResult,
    stated: set[tuple[str, Row, str]],
    headings: dict[str, tuple[str, int]] | None = None,
) -> None:
    """Attach a statement to its line, or make the line (and its table) where no table states it;
    ``headings`` name the tables whose 说明 the text has (name, line), for a table made from one."""
    t = st.target
    where = f"narrative line {st.source_line}: {st.subject}"
    candidates = by_key.get((t.kind, t.row, t.column), [])
    if not candidates and t.column == "current_year":
        t = Target(t.kind, t.row, "total")  # 本年收入 where the table has no 本年 column
        candidates = by_key.get((t.kind, t.row, t.column), [])
    line = next((c for c in candidates if c.fund_source is None), candidates[0] if candidates else None)
    if line is not None and line.column_group is not None:
        out.warnings.append(f"{where}: its line in {t.kind} is in column group {line.column_group}: not read")
        return

    current = st.current
    if (
        line is not None
        and current is not None
        and abs(line.amount - current) > _half_unit(st.current_text, st.unit)
    ):
        origin = "the text" if line.from_narrative else f"table {line.table}"
        out.warnings.append(
            f"{where} is {_yuan(current)} yuan, but line {line.source_line} ({origin}) says "
            f"{_yuan(line.amount)} yuan"
        )
    if current is None and line is not None:
        current = line.amount
    previous: Decimal | None = None
    change = st.change
    if st.previous is not None:
        previous = st.previous
        if current is not None:
            change = current - previous
    elif change is not None:
        if current is None:
            out.warnings.append(
                f"{where}: a change of {_yuan(change)} yuan, but no amount for this year to apply it to: "
                "not read"
            )
            return
        previous = current - change
    if previous is not None and previous < 0:
        out.warnings.append(
            f"{where}: a change of {_yuan(change or Decimal(0))} yuan, more than this year's amount: not read"
        )
        return
    if previous is not None:
        problem = _percent_problem(st, previous)
        if problem:
            out.warnings.append(f"{where} {problem}")

    if line is None:
        if current is None:
            return
        if (
            previous is None
            and t.kind not in PROSE_KINDS
            and not (t.kind in tables and tables[t.kind].from_narrative)
            and not (st.in_section and t.kind not in tables)
        ):
            # a figure without a comparison, of a kind the printed tables carry, outside the 说明
            # of a table the document does not print: nothing to add
            return
        if current == 0 and not previous:
            return  # "0万元" and nothing more: no line to make
        sibling = {"basic": "project", "project": "basic"}.get(t.column)
        total = (t.kind, t.row, "total")
        if sibling and (total in stated or by_key.get(total)):
            key = (t.kind, t.row, sibling)
            if key not in stated and not by_key.get(key):
                # 合计 and 项目支出 without 基本支出 would read as a row that does not add up
                out.warnings.append(f"{where}: stated without its {sibling} counterpart: no line made")
                return
        if t.kind not in tables:
            # the table its 说明 is about ("项目支出表", at its heading), else the phrase stating the figure
            title, at = (
                (headings or {}).get(t.kind, (st.subject, st.source_line))
                if st.in_section
                else (st.subject, st.source_line)
            )
            table = Table(
                key=t.kind,
                title=title,
                unit_multiplier=st.unit,
                source_line=at,
                from_narrative=True,
            )
            tables[t.kind] = table
            out.tables.append(table)
        line = Line(
            table=t.kind,
            amount=current,
            source_line=st.source_line,
            item=st.subject,
            function_code=t.row[1] if t.row[0] == "function" else None,
            sangong_item=t.row[1] if t.row[0] == "sangong" else None,
            is_total=t.row in (_TOTAL, _SANGONG_TOTAL),
            column=t.column,
            expenditure_type=_EXPENDITURE_TYPE.get(t.column),  # type: ignore[arg-type]
            fund_source=t.column if t.column in FUND_SOURCES else _FUND.get(t.kind),
            from_narrative=True,
        )
        by_key.setdefault((t.kind, t.row, t.column), []).append(line)
        out.lines.append(line)
    out.statements.append(st)
    if previous is None:
        return
    if line.previous_amount is not None:
        if line.previous_amount != previous:
            out.warnings.append(
                f"{where}: the previous year was {_yuan(previous)} yuan, but line {line.narrative_line} "
                f"says {_yuan(line.previous_amount)} yuan: the first is kept"
            )
        return
    line.previous_amount = previous
    line.change_amount = change
    line.change_percent = st.percent
    line.change_reason = st.reason
    line.narrative_line = st.source_line
