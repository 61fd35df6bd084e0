"""Budget tables: find them by their titles, read their headers, turn every amount into a Line.

The reader works on the *genre*, not on particular files:

* a table starts at a title line ("2023年预算支出总表", "部门预算一般公共预算财政拨款支出表",
  "收支总体情况表" …) that is followed by table furniture or a header row (a table of contents entry is
  not); it ends at the next title or at the first line of prose;
* page furniture inside a table — repeated "434 巨鹿县人民政府办公室 / 预算年度：2023 / 单位：万元"
  blocks, page numbers, "表 3", a repeated title — is skipped, and so are repeated column headers;
* the columns are named from the header rows (merged cells are carried right), then mapped to stable
  keys (``total``, ``basic``, ``project``, ``personnel``, ``public``, fund sources …);
* a row split over a page break (code + "机关事业单位" … "基本养老保险缴费支出") is joined again;
* 序号 and 栏次 are dropped, "1,623.35" is read exactly, blank cells are not amounts.

Rows become :class:`~budgetkg.loader.records.Line` records with amounts in yuan.
"""

from __future__ import annotations

import csv
import importlib.util
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path

from budgetkg.loader.amounts import (
    DEFAULT_UNIT,
    UNIT_MULTIPLIERS,
    looks_like_amount,
    parse_amount,
    parse_unit,
)
from budgetkg.loader.decode import comparison_key
from budgetkg.loader.records import Line, Table

# --------------------------------------------------------------------------------------------
# Vocabularies (the one place where keys are defined)
# --------------------------------------------------------------------------------------------

TABLE_KINDS: dict[str, str] = {
    "income_expenditure_summary": "部门收支总表（收支预算总表、收支总体情况表）",
    "income_summary": "部门收入总表（收入预算总表、收入总体情况表）",
    "expenditure_summary": "部门支出总表（支出预算总表、支出总体情况表）",
    "fiscal_summary": "财政拨款收支总表",
    "general_budget_expenditure": "一般公共预算支出表（一般公共预算财政拨款支出表，按功能分类）",
    "fiscal_expenditure": "财政拨款支出表（按功能分类）",
    "general_budget_basic_economic": "一般公共预算基本支出表（按经济分类）",
    "basic_expenditure_economic": "基本支出表（全部资金，按经济分类）",
    "government_fund_income": "政府性基金预算收入表",
    "government_fund_expenditure": "政府性基金预算支出表",
    "state_capital_income": "国有资本经营预算收入表",
    "state_capital_expenditure": "国有资本经营预算（收）支出表",
    "sangong": "“三公”经费支出表",
    "operating_costs": "机关运行经费表",
    "project_expenditure": "项目支出表（本年预算）",
    "project_expenditure_carried_over": "项目支出表（上年结转）",
    "government_procurement": "政府采购预算表",
    "government_purchase_services": "政府购买服务预算表",
    "fixed_assets": "固定资产（国有资产占用）情况表",
    "other": "其他预算表",
}

# Tables whose rows are 支出功能分类科目 (function classification).
FUNCTION_TABLES = frozenset(
    {
        "income_summary",
        "expenditure_summary",
        "general_budget_expenditure",
        "fiscal_expenditure",
        "government_fund_income",
        "government_fund_expenditure",
        "state_capital_income",
        "state_capital_expenditure",
        "government_procurement",
    }
)
# Tables whose rows are 部门预算支出经济分类科目 (economic classification); all of it is basic expenditure.
ECONOMIC_TABLES = frozenset({"general_budget_basic_economic", "basic_expenditure_economic"})
# Two-sided 收入 | 支出 tables.
SUMMARY_TABLES = frozenset({"income_expenditure_summary", "fiscal_summary"})

FUND_SOURCES: dict[str, str] = {
    "general_public_budget": "一般公共预算",
    "government_fund": "政府性基金预算",
    "state_capital": "国有资本经营预算",
    "special_account": "财政专户管理资金",
    "unit_funds": "单位资金",
    "carried_over": "上年结转（结余）",
    "fiscal_appropriation": "财政拨款（以上三项财政拨款合计）",
    "social_insurance_fund": "社会保险基金预算",
    "business_income": "事业收入",
    "operating_income": "事业单位经营收入",
    "higher_level_subsidy": "上级补助收入",
    "subordinate_remittance": "附属单位上缴收入",
    "non_fiscal_balance": "使用非财政拨款结余",
    "business_fund": "用事业基金弥补收支差额",
    "other_income": "其他收入",
}

# Column keys that are not fund sources.
COLUMN_KEYS: dict[str, str] = {
    "total": "合计 / 小计 / 预算数",
    "current_year": "本年（当年）合计",
    "income": "收入方金额（收支总表）",
    "basic": "基本支出",
    "project": "项目支出",
    "personnel": "人员经费（人员支出）",
    "public": "公用经费（日常公用支出）",
    "operating_expenditure": "经营支出",
    "remittance_to_higher": "上缴上级支出",
    "subsidy_to_subordinate": "对附属单位补助支出",
    "carried_forward": "结转下年",
    # 政府采购 split by what is bought (the explanatory text states it; loader.narrative)
    "goods": "政府采购货物",
    "works": "政府采购工程",
    "services": "政府采购服务",
    **{k: v for k, v in FUND_SOURCES.items()},
}

SANGONG_ITEMS: dict[str, str] = {
    "total": "“三公”经费合计",
    "travel_abroad": "因公出国（境）费",
    "travel_abroad_academic": "其中：教学科研人员因公出国（境）费",
    "travel_abroad_other": "其他因公出国（境）费",
    "vehicle": "公务用车购置及运行费",
    "vehicle_purchase": "公务用车购置费",
    "vehicle_operation": "公务用车运行维护费",
    "reception": "公务接待费",
    "meeting": "会议费（不属“三公”）",
    "training": "培训费（不属“三公”）",
    "operating_costs": "机关运行经费（不属“三公”）",
}

# --------------------------------------------------------------------------------------------
# Titles
# --------------------------------------------------------------------------------------------

_TITLE_RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (k, re.compile(p))
    for k, p in (
        ("sangong", r"三公"),
        ("operating_costs", r"机关运行经?费"),
        ("government_purchase_services", r"购买服务"),
        ("government_procurement", r"政府采购"),
        ("fixed_assets", r"固定资产|国有资产|资产(?:占有|占用|配置|情况)"),
        ("project_expenditure", r"项目支出|项目预算|项目(?:经费|资金)(?:预算)?表"),
        ("government_fund_income", r"政府性?基金.*收入"),
        ("government_fund_expenditure", r"政府性?基金"),
        ("state_capital_income", r"国有资本经营.*收入(?!.*支出)"),
        ("state_capital_expenditure", r"国有资本经营"),
        ("general_budget_basic_economic", r"(?:一般公共预算|财政拨款).*基本支出"),
        ("basic_expenditure_economic", r"基本支出|经济分类"),
        ("fiscal_summary", r"财政拨款收支"),
        ("income_expenditure_summary", r"收支"),
        ("income_summary", r"收入"),
        ("general_budget_expenditure", r"一般公共预算.*支出"),
        ("fiscal_expenditure", r"财政拨款.*支出"),
        ("expenditure_summary", r"支出"),
    )
)
_TITLE_EXCLUDE = re.compile(r"绩效|说明|目录|申报|关于|解释|见下表|详见|如下|见附件")
_TITLE_PREFIX = re.compile(
    r"^(?:[-*•]\s*)?(?:附件\s*\d+(?:[-—]\d+)?\s*[:：.．、]?\s*|"
    r"(?:预算)?(?:公开)?附?表\s*[0-9一二三四五六七八九十]+(?:[-—]\d+)?\s*[:：.．、]?\s*"
    r"|\d{1,2}\s*[.．、]\s*|[一二三四五六七八九十]+\s*[、.．]\s*|[（(][一二三四五六七八九十\d]+[)）]\s*)"
)
_TOC_MARK = re.compile(r"\.{3,}|…{2,}|·{3,}|-{4,}")


def classify_title(text: str) -> str | None:
    """The table kind a title line names, or None if it is not a budget-table title."""
    t = comparison_key(text)
    if not t or len(t) > 70 or _TITLE_EXCLUDE.search(t) or _TOC_MARK.search(text):
        return None
    if re.search(r"[。；;，,]", text) or re.search(r"\d+(?:\.\d+)?万元", t):
        return None
    for kind, rx in _TITLE_RULES:
        if rx.search(t):
            if kind == "project_expenditure" and "上年结转" in t and "不含上年结转" not in t:
                return "project_expenditure_carried_over"
            return kind
    return None


def clean_title(text: str) -> str:
    """The title as written, without list markers or a leading "表 3"."""
    t = text.strip().strip("|").strip()
    for _ in range(2):
        t = _TITLE_PREFIX.sub("", t).strip()
    return t


# --------------------------------------------------------------------------------------------
# Code lists (ontology/codelists/*.csv, shipped with the package)
# --------------------------------------------------------------------------------------------


def _codelist_path(kind: str) -> Path:
    # Same file as Path(budgetkg.ontology.__file__).parent / "codelists", located without running
    # budgetkg.ontology's __init__ (which imports rdflib: half a second we do not need here).
    spec = importlib.util.find_spec("budgetkg.ontology")
    if spec is None or spec.origin is None:
        return Path("/nonexistent") / f"{kind}.csv"
    return Path(spec.origin).parent / "codelists" / f"{kind}.csv"


@cache
def codes_by_name(kind: str) -> dict[str, tuple[str, ...]]:
    """Code list ``kind`` ("function" or "economic") as name key → codes (shortest first).

    Names are compared with :func:`comparison_key`. Returns {} when the code list is absent.
    """
    path = _codelist_path(kind)
    out: dict[str, list[str]] = {}
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            code, name = (row.get("code") or "").strip(), (row.get("name") or "").strip()
            if code.isdigit() and name:
                out.setdefault(comparison_key(name), []).append(code)
    return {k: tuple(sorted(set(v), key=lambda c: (len(c), c))) for k, v in out.items()}


_NUMBERING = re.compile(
    r"^(?:[-*•]\s*)?(?:其中[:：]?\s*)?(?:[（(]?[一二三四五六七八九十]+[)）、.．]\s*|[（(]\d+[)）]\s*|\d+[、.．]\s*(?!\d)"
    r"|[①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳]\s*)*"
)
_LEVEL_SUFFIX = re.compile(r"[（(](?:类|款|项)[)）]$")


def strip_numbering(label: str) -> str:
    """ "一、一般公共服务支出" → "一般公共服务支出"; "②公务用车运行维护费" → "公务用车运行维护费"."""
    s = _NUMBERING.sub("", label.strip())
    return _LEVEL_SUFFIX.sub("", s).strip()


class CodeBook:
    """Resolves a classification name to its code: the document's own coded rows first, then the
    shipped code list, preferring a code under the current parent."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.local: dict[str, set[str]] = {}

    def learn(self, code: str, name: str) -> None:
        key = comparison_key(strip_numbering(name))
        if key:
            self.local.setdefault(key, set()).add(code)

    def resolve(self, name: str, parents: Iterable[str] = (), level_len: int | None = None) -> str | None:
        """The code for ``name``; ``parents`` (most specific first) break ties between same-named
        codes under different parents ("行政运行" is 2010301, 2010401, …)."""
        key = comparison_key(strip_numbering(name))
        if not key:
            return None
        for source in (self.local.get(key), codes_by_name(self.kind).get(key)):
            if not source:
                continue
            codes = sorted(source, key=lambda c: (len(c), c))
            if level_len is not None:
                codes = [c for c in codes if len(c) == level_len] or codes
            for parent in parents:
                under = [c for c in codes if c.startswith(parent) and c != parent]
                if under:
                    return under[0]
            if len(codes) == 1 or len({len(c) for c in codes}) == len(codes) or level_len is not None:
                return codes[0]
            # several codes of one length with this name (行政运行 …): only the parent can tell
            return None
        return None


# --------------------------------------------------------------------------------------------
# Logical lines: TSV, pipe tables, cell-per-line blocks
# --------------------------------------------------------------------------------------------


@dataclass
class LLine:
    no: int  # 1-based source line
    cells: list[str] | None  # None: a text line
    text: str  # the text (for a row: the non-empty cells joined by spaces)

    @property
    def filled(self) -> list[str]:
        return [c for c in (self.cells or []) if c]


_DASH_ROW = re.compile(r"^[\s|:：\-—–=+]*$")


def logical_lines(lines: list[str]) -> tuple[list[LLine], Counter[str]]:
    """Source lines → rows/text lines; also counts which table syntaxes were seen."""
    out: list[LLine] = []
    seen: Counter[str] = Counter()
    i, n = 0, len(lines)
    # cell-per-line documents put each cell on its own line after one tab; TSV documents have
    # many tabs per line. Decide once, so a TSV row with an empty first cell is never a block.
    one_tab = sum(1 for ln in lines if ln.startswith("\t") and ln.count("\t") == 1)
    many_tabs = sum(1 for ln in lines if ln.count("\t") >= 2)
    cell_per_line = one_tab >= 10 and one_tab > 2 * many_tabs
    while i < n:
        raw = lines[i]
        stripped = raw.strip()
        if not stripped and "\t" not in raw:
            i += 1
            continue
        # cell-per-line: each cell on its own line starting with a tab, rows separated by blanks
        if cell_per_line and raw.startswith("\t") and raw.count("\t") == 1:
            j, cells = i, []
            while j < n and (lines[j].strip() or lines[j].startswith("\t")):
                ln = lines[j]
                if ln.startswith("\t") and ln.count("\t") == 1:
                    cells.append(ln[1:].strip())
                elif "\t" not in ln and cells:
                    cells[-1] += ln.strip()
                else:
                    break
                j += 1
            if j > i and (len(cells) > 1 or j - i > 1):
                filled = [c for c in cells if c]
                # several cells with one filled is still a row (a label with blank amounts), as
                # the same row is in a TSV; one cell alone is a line of text
                if len(filled) > 1 or (filled and len(cells) > 1):
                    out.append(LLine(i + 1, cells, " ".join(filled)))
                    seen["cell-per-line"] += 1
                elif filled:
                    out.append(LLine(i + 1, None, filled[0]))
                i = j
                continue
        if "\t" in raw:
            cells = [c.strip() for c in raw.split("\t")]
            if _DASH_ROW.match(raw):
                i += 1
                continue
            filled = [c for c in cells if c]
            if filled:
                out.append(LLine(i + 1, cells, " ".join(filled)))
                seen["tsv"] += 1
            i += 1
            continue
        if stripped.startswith("|") and stripped.endswith("|") and stripped.count("|") >= 3:
            if _DASH_ROW.match(stripped):
                i += 1
                continue
            cells = [c.strip() for c in stripped[1:-1].split("|")]
            filled = [c for c in cells if c]
            if filled:
                out.append(LLine(i + 1, cells, " ".join(filled)))
                seen["pipe"] += 1
            i += 1
            continue
        out.append(LLine(i + 1, None, stripped))
        i += 1
    return out, seen


# --------------------------------------------------------------------------------------------
# Furniture, notes, emptiness
# --------------------------------------------------------------------------------------------

_LABELLED_UNIT = re.compile(
    r"^(?:预算主管部门|主管部门|部门（单位）名称|部门\(单位\)名称|部门（单位）|部门\(单位\)|部门名称|单位名称|编制部门|"
    r"编制单位|预算单位|预算部门|填报单位|申报单位)\s*[:：]"
)
_YEAR_LINE = re.compile(r"^(?:预算年度|编制年度|所属年度|年度)\s*[:：]\s*(?:19|20)\d{2}")
_YEAR_ONLY = re.compile(r"^[（(]?\s*(?:19|20)\d{2}\s*年\s*度?\s*[)）]?$")
_TABLE_NO = re.compile(
    r"^(?:预算)?(?:公开)?附?表\s*[0-9一二三四五六七八九十]+(?:[-—][0-9]+)?\s*[:：]?$|^公开表\s*\d+$"
)
_PAGE_NO = re.compile(r"^[-—–\s]*\d{1,4}[-—–\s]*$|^第\s*\d+\s*页|^共\s*\d+\s*页|^\d+\s*/\s*\d+$")
_DATE_LINE = re.compile(r"^(?:截止时间|截止日期|截至|编制日期|填报日期|报送日期)\s*[:：]?")
_CONTINUED = re.compile(r"^[（(]?续(?:表)?[)）]?$")
_NOTE = re.compile(r"^[（(]?\s*(?:注|说明|备注)\s*[0-9１-９]?\s*[:：.]")
_EMPTY_NOTE = re.compile(
    r"本表无数据|无数据|空表|本表为空|为空表|不涉及|无此项|本表无|"
    r"没有.{0,60}(?:收入|支出|安排|预算|数据)|无.{0,30}(?:预算|支出|收入|经费|数据)(?:安排)?(?:[,，。;；]|$|故|因此|所以)"
)


@dataclass
class Context:
    """What the table reader knows about the document before reading tables."""

    unit_names: set[str] = field(default_factory=set)
    fiscal_year: int | None = None
    text: str = ""  # the whole document: a name wrapped in a table is confirmed by its other mentions

    def __post_init__(self) -> None:
        self._keys = {comparison_key(n) for n in self.unit_names if n}
        self._text_key = re.sub(r"\s+", "", self.text)

    def mentioned(self, name: str) -> bool:
        """Whether ``name`` is written somewhere in the document (whitespace ignored)."""
        k = re.sub(r"\s+", "", name)
        return len(k) >= 3 and k in self._text_key

    def is_unit_name(self, text: str) -> bool:
        k = comparison_key(text)
        if not k:
            return False
        if k in self._keys:
            return True
        m = re.match(r"^\d{1,12}[-_—－.．、]?(.+)$", k)
        return bool(m and m.group(1) in self._keys)


def furniture(text: str, ctx: Context) -> str | None:
    """Why a text line is page furniture (not data, not prose), or None."""
    t = text.strip()
    k = comparison_key(t)
    if not k:
        return "blank"
    if parse_unit(t) and len(k) <= 70:
        return "measure"
    if _LABELLED_UNIT.match(k) or _LABELLED_UNIT.match(t):
        return "unit"
    if ctx.is_unit_name(t):
        return "unit"
    if _YEAR_LINE.match(k) or _YEAR_ONLY.match(k):
        return "year"
    if _TABLE_NO.match(k):
        return "table-number"
    if _PAGE_NO.match(t):
        return "page-number"
    if _DATE_LINE.match(k):
        return "date"
    if _CONTINUED.match(k):
        return "continued"
    return None


def row_furniture(cells: list[str], ctx: Context) -> bool:
    """A tabular line whose cells are all furniture ("部门名称：X | 单位：万元")."""
    filled = [c for c in cells if c]
    if not filled or any(looks_like_amount(c) or comparison_key(c).isdigit() for c in filled):
        return False
    return all(furniture(c, ctx) for c in filled)


# --------------------------------------------------------------------------------------------
# Segmentation
# --------------------------------------------------------------------------------------------


@dataclass
class Segment:
    kind: str
    title: str
    title_line: int
    rows: list[LLine] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    measures: list[tuple[str, Decimal]] = field(default_factory=list)
    page_breaks: int = 0
    end_line: int = 0
    at_eof: bool = False
    closed: bool = False  # ended by prose (not by the next title or the end of the text)


def _title_kind(ll: LLine) -> str | None:
    if ll.cells is not None:
        # a title inside a table row only when it stands alone in the first cell and says 表
        filled = ll.filled
        if len(filled) != 1 or ll.cells[0] != filled[0] or "表" not in filled[0]:
            return None
    return classify_title(clean_title(ll.text))


def _validate_title(lls: list[LLine], i: int, ctx: Context, kind_at: dict[int, str | None]) -> bool:
    """A title is a table title only if table furniture or a header row follows before prose, another
    title or a table-of-contents entry."""
    has_table_word = "表" in comparison_key(lls[i].text)
    support = False
    for j in range(i + 1, min(i + 16, len(lls))):
        ll = lls[j]
        if kind_at.get(j):
            return False
        if ll.cells is not None:
            if any(_TOC_MARK.search(c) for c in ll.filled):
                return False
            if row_furniture(ll.cells, ctx):
                support = True
                continue
            return has_table_word or support
        f = furniture(ll.text, ctx)
        if f:
            support = support or f in ("measure", "unit", "year", "date")
            continue
        if _NOTE.match(ll.text):
            return support or has_table_word
        return False
    return False


def segment(lls: list[LLine], ctx: Context) -> list[Segment]:
    """Cut the document into table segments (title → rows), skipping furniture and prose."""
    kind_at = {i: _title_kind(ll) for i, ll in enumerate(lls)}
    starts = [i for i, k in kind_at.items() if k and _validate_title(lls, i, ctx, kind_at)]
    segments: list[Segment] = []
    for si, start in enumerate(starts):
        stop = starts[si + 1] if si + 1 < len(starts) else len(lls)
        title = clean_title(lls[start].text)
        seg = Segment(kind_at[start] or "other", title, lls[start].no)
        seg.at_eof = stop == len(lls)
        title_unit = parse_unit(lls[start].text)  # "2023年部门收支总表（单位：万元）"
        if title_unit:
            seg.measures.append(title_unit)
        in_note = False
        after_furniture = False
        last_no = lls[start].no
        title_key = comparison_key(title)
        for j in range(start + 1, stop):
            ll = lls[j]
            if ll.cells is not None:
                if row_furniture(ll.cells, ctx):
                    for c in ll.filled:
                        u = parse_unit(c)
                        if u:
                            seg.measures.append(u)
                    if seg.rows:
                        after_furniture = True
                    continue
                in_note = False
                if after_furniture:
                    seg.page_breaks += 1
                    after_furniture = False
                seg.rows.append(ll)
                last_no = ll.no
                continue
            text = ll.text
            f = furniture(text, ctx)
            if f:
                u = parse_unit(text)
                if u:
                    seg.measures.append(u)
                if seg.rows and f not in ("blank",):
                    after_furniture = True
                continue
            if comparison_key(clean_title(text)) == title_key or re.fullmatch(
                re.escape(title_key) + r"[(（]?续(?:表)?[)）]?", comparison_key(text)
            ):
                after_furniture = bool(seg.rows)  # the title repeated on a new page
                continue
            if _NOTE.match(text):
                in_note = True
                seg.notes.append(text)
                last_no = ll.no
                continue
            if in_note and len(text) <= 80:
                # a note wrapped onto the next line ("…故本表无数" / "据。")
                prev_no = lls[j - 1].no
                if ll.no - prev_no <= 1:
                    seg.notes.append(text)
                    last_no = ll.no
                    continue
            if not seg.rows and len(text) <= 30 and "。" not in text:
                continue  # a subtitle such as "(2023年度)" or "金额单位：万元" variants
            seg.at_eof = False
            seg.closed = True
            break
        seg.end_line = last_no
        segments.append(seg)
    return segments


# --------------------------------------------------------------------------------------------
# Columns
# --------------------------------------------------------------------------------------------

_CODE = re.compile(r"^\d{3}(?:\d{2}){0,2}$")
# A 款/项 part is never 00, so "552.00" (an amount in a value column) is not the code 55200.
_SPLIT_CODE = re.compile(r"^(\d{3})(?:[\s\-—.．]+(?!00)(\d{2}))?(?:[\s\-—.．]+(?!00)(\d{2}))?$")
_LEADING_CODE = re.compile(r"^[\[【［]?(\d{3}(?:\d{2}){0,2})[\]】］]?[\s\-—:：.．]*(?=[\u4e00-\u9fff])")
_PART = re.compile(r"^\d{2,3}$")

_KEY_RULES: tuple[tuple[re.Pattern[str], str, str | None], ...] = tuple(
    (re.compile(p), key, etype)
    for p, key, etype in (
        (r"人员经费|人员支出|工资福利支出", "personnel", "basic"),
        (r"公用经费|公用支出|日常公用", "public", "basic"),
        (r"基本支出", "basic", "basic"),
        (r"项目支出", "project", "project"),
        (r"事业单位经营支出|经营支出", "operating_expenditure", None),
        (r"上缴上级|上解上级", "remittance_to_higher", None),
        (r"对附属单位(?:的)?补助", "subsidy_to_subordinate", None),
        (r"结转下年|年终结转|年末结转", "carried_forward", None),
        (r"一般公共预算|公共财政预算", "general_public_budget", None),
        (r"政府性?基金", "government_fund", None),
        (r"国有资本经营", "state_capital", None),
        (r"社会保险基金", "social_insurance_fund", None),
        (r"财政专户", "special_account", None),
        (r"单位资金", "unit_funds", None),
        (r"事业单位经营收入|经营收入", "operating_income", None),
        (r"事业收入", "business_income", None),
        (r"上级补助", "higher_level_subsidy", None),
        (r"附属单位上缴", "subordinate_remittance", None),
        (r"非财政拨款结余|使用非财政", "non_fiscal_balance", None),
        (r"事业基金", "business_fund", None),
        (r"其他收入", "other_income", None),
        (r"上年结转|结转结余|结转和结余|年初结转|上年结余", "carried_over", None),
        (r"财政拨款", "fiscal_appropriation", None),
        (r"当年|本年", "current_year", None),
        (r"合计|小计|总计|预算数|预算额|金额|数额|价值|计$|^预算$|\d{4}年$", "total", None),
    )
)
_PRIOR = re.compile(r"上年(?:预算|执行|决算)数?|上年数|上年同期")
_SEQ = re.compile(r"序号|行次|栏次")
_CODE_HDR = re.compile(r"编码|代码|科目号")
_NAME_HDR = re.compile(r"名称|^项目$|项目$|^科目$|科目$|^收入$|^支出$|^单位$|品目|内容")
_QUANTITY_HDR = re.compile(r"数量|计量单位|单价|人数|面积|个数|编制数|台数|辆数|套数|比例|增减|%|百分比|占比")
_NON_FUNCTION_CODE_HDR = re.compile(r"目录|项目(?:编码|代码)|单位(?:编码|代码)|采购")


@dataclass
class Column:
    idx: int
    path: list[str]
    role: str = "amount"  # seq, code, part1, part2, part3, name, text, skip, amount
    side: str | None = None  # "income" / "expenditure" in two-sided tables
    key: str = "total"
    etype: str | None = None
    fund: str | None = None
    sangong: str | None = None
    multiplier: Decimal | None = None
    prior: bool = False
    sangong_label: str = ""

    @property
    def label(self) -> str:
        return "/".join(self.path)


def _is_column_number_row(cells: list[str]) -> bool:
    filled = [comparison_key(c) for c in cells if c.strip()]
    if not filled:
        return False
    if filled[0] in ("栏次", "行次", "栏号"):
        return True
    nums = [c for c in filled if c.isdigit()]
    if len(filled) >= 3 and len(nums) == len(filled):
        ints = [int(c) for c in nums]
        return ints == list(range(ints[0], ints[0] + len(ints))) and ints[0] <= 2
    return False


def _cell_is_code(c: str) -> bool:
    k = comparison_key(c)
    return bool(_CODE.match(k) or _SPLIT_CODE.match(c.strip()))


_HEADER_WORD = re.compile(
    r"^(?:项目|科目|项目名称|科目名称|科目编码|科目代码|单位名称|金额|收入|支出|功能分类科目|经济分类科目|"
    r"支出功能分类科目|部门预算支出经济分类科目|政府预算支出经济分类科目|预算数|本年预算|资金来源|类别|.*名称|.*编码)$"
)


# "一、一般公共预算", "（二）外交支出", "1.行政运行": numbered rows are data, never column headers
_ROW_NUMBERING = re.compile(
    r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[)）]|\d+[.、．](?!\d))"
)


def _is_header_row(ll: LLine) -> bool:
    cells = ll.filled
    if len(cells) == 1:
        # a header row with one label over merged cells ("项目")
        return bool(_HEADER_WORD.match(comparison_key(cells[0])))
    if len(cells) < 2:
        return False
    for c in cells:
        if looks_like_amount(c) or _cell_is_code(c) or _ROW_NUMBERING.match(c.strip()):
            return False
        v = parse_amount(c)
        if v is not None and not re.fullmatch(r"(?:19|20)\d{2}", comparison_key(c)):
            return False
    return True


def _header_paths(headers: list[list[str]], ncols: int) -> list[list[str]]:
    grid = [row + [""] * (ncols - len(row)) for row in headers]
    paths: list[list[str]] = [[] for _ in range(ncols)]
    # columns where a header cell of an upper row begins: a merged cell never spans across one
    # (a child heading stays under its parent; "机关运行经费" beside the 三公 group is its own column)
    starts = [False] * ncols
    for r, row in enumerate(grid):
        last = r == len(grid) - 1
        carry = ""
        for j in range(ncols):
            cell = row[j].strip()
            if cell:
                carry = cell
            elif starts[j]:
                carry = ""
            elif not last and carry and j > 0:
                # a merged cell (its text in the leftmost cell) spans right until the next filled
                # cell of its row; the bottom row is not carried (its blanks are merged downwards)
                cell = carry
            if cell and (not paths[j] or comparison_key(paths[j][-1]) != comparison_key(cell)):
                paths[j].append(cell)
        for j in range(ncols):
            starts[j] = starts[j] or bool(row[j].strip())
    return paths


def _amount_key(path: list[str]) -> tuple[str, str | None, bool]:
    """(key, expenditure type, recognised) for an amount column from its header path."""
    keys: list[tuple[str, str | None]] = []
    for label in reversed(path):
        k = comparison_key(label)
        hit = next(((key, et) for rx, key, et in _KEY_RULES if rx.search(k)), None)
        keys.append(hit if hit else ("", None))
    if not keys:
        return "total", None, False
    leaf_key, leaf_et = keys[0]
    if leaf_key in ("", "total"):
        # "基本支出/小计" is the basic column; "本年收入/合计" and "一般公共预算基本支出/合计" are
        # totals; "财政拨款/合计" is the fiscal-appropriation column.
        explicit_total = bool(re.search(r"合计|总计", comparison_key(path[-1])))
        for key, et in keys[1:]:
            if key and key != "total" and (not explicit_total or key in FUND_SOURCES):
                return key, et, True
        return ("total", None, bool(leaf_key))
    return leaf_key, leaf_et, True


def _sangong_key(label: str) -> str | None:
    t = comparison_key(strip_numbering(label))
    if not t:
        return None
    rules = (
        (r"^[\"“]?三公[\"”]?经费(?:小计|合计|支出合计|预算)?$|三公.*(?:小计|合计)", "total"),
        (r"教学科研.*因公出国|因公出国.*教学科研", "travel_abroad_academic"),
        (r"^其他因公出国", "travel_abroad_other"),
        (r"因公出国|出国\(境\)|出国境", "travel_abroad"),
        (r"公务用车购置(?:及|和|与)运|公务用车费|公务用车购置及维护|车辆购置及运", "vehicle"),
        (r"公务用车购置|车辆购置", "vehicle_purchase"),
        (r"公务用车运行|公务用车运维|车辆运行", "vehicle_operation"),
        (r"公务接待", "reception"),
        (r"会议费", "meeting"),
        (r"培训费", "training"),
        (r"机关运行经?费", "operating_costs"),
    )
    for p, key in rules:
        if re.search(p, t):
            return key
    return None


_TOTAL_LABELS = {
    "合计",
    "总计",
    "合计数",
    "总合计",
    "部门合计",
    "单位合计",
    "收入总计",
    "支出总计",
    "收入支出总计",
    "合计金额",
    "总计金额",
    "全部合计",
}


def is_total_label(label: str) -> bool:
    k = comparison_key(strip_numbering(label)).rstrip(":：")
    return k in _TOTAL_LABELS


# --------------------------------------------------------------------------------------------
# Reading a segment
# --------------------------------------------------------------------------------------------


@dataclass
class Record:
    """One row on one side of a table, before it becomes Lines."""

    line: int
    side: str | None
    label: str
    code: str | None
    amounts: dict[int, Decimal]  # column index → value as printed
    raw_code: str = ""
    gov_code: str | None = None  # 政府预算支出经济分类 printed beside the 部门 code (5xx)

    def key(self) -> tuple[str | None, str, tuple[tuple[int, str], ...]]:
        return (
            self.code,
            comparison_key(self.label),
            tuple(sorted((k, str(v)) for k, v in self.amounts.items())),
        )


@dataclass
class TableData:
    seg: Segment
    key: str
    columns: list[Column]
    records: list[Record]
    multiplier: Decimal
    unit_stated: bool
    empty_note: bool
    coded: bool
    code_kind: str | None  # "function" / "economic" / None
    warnings: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.seg.title


def _default_fund(title: str) -> str | None:
    t = comparison_key(title)
    if re.search(r"一般公共预算|公共财政预算", t):
        return "general_public_budget"
    if re.search(r"政府性?基金", t):
        return "government_fund"
    if "国有资本经营" in t:
        return "state_capital"
    if "财政拨款" in t:
        return "fiscal_appropriation"
    return None


def _classify_columns(
    headers: list[list[str]], data: list[LLine], ncols: int, kind: str, fiscal_year: int | None
) -> list[Column]:
    paths = _header_paths(headers, ncols)
    cols = [Column(j, paths[j]) for j in range(ncols)]

    def stats(j: int) -> tuple[int, int, int, int]:
        vals = [r.cells[j] for r in data if r.cells is not None and j < len(r.cells) and r.cells[j]]
        nums = sum(1 for v in vals if parse_amount(v) is not None)
        codes = sum(1 for v in vals if _cell_is_code(v))
        small = sum(1 for v in vals if comparison_key(v).isdigit() and len(comparison_key(v)) <= 3)
        return len(vals), nums, codes, small

    for c in cols:
        h = comparison_key(c.label)
        leaf = comparison_key(c.path[-1]) if c.path else ""
        n, nums, codes, small = stats(c.idx)
        if _SEQ.search(h) and not _CODE_HDR.search(leaf):
            c.role = "seq"
        elif leaf in ("类", "款", "项"):
            c.role = {"类": "part1", "款": "part2", "项": "part3"}[leaf]
        elif _CODE_HDR.search(leaf or h) and not _NON_FUNCTION_CODE_HDR.search(h):
            c.role = "code"
        elif leaf and _NAME_HDR.search(leaf) and not _KEY_RULES[-1][0].search(leaf):
            c.role = "name"
        elif _QUANTITY_HDR.search(leaf or h):
            c.role = "skip"
        elif not h:
            if n == 0:
                c.role = "amount"
            elif codes >= max(1, n // 2) and codes > nums - codes:
                c.role = "code"
            elif c.idx == 0 and small == n and n > 2:
                c.role = "seq"
            elif nums < n / 2:
                c.role = "name"
            else:
                c.role = "amount"
        elif n and nums < n / 2 and (n - nums) >= 2:
            # a column of words under a header we do not know ("项目类别", "单位性质")
            c.role = "name" if not any(x.role == "name" for x in cols[: c.idx]) else "text"
        else:
            c.role = "amount"
        if c.role == "code" and codes == 0 and n > 0 and nums == 0:
            # "科目编码" header over names only (a template that prints no codes)
            c.role = "name"
        if c.role == "amount":
            key, et, _ = _amount_key(c.path)
            c.key, c.etype = key, et
            if key in FUND_SOURCES:
                c.fund = key
            m = parse_unit(c.label) or _unit_in_parens(c.label)
            if m:
                c.multiplier = m[1]
            years = {int(y) for y in re.findall(r"((?:19|20)\d{2})\s*年", c.label)}
            if _PRIOR.search(h) or (fiscal_year and years and fiscal_year not in years):
                c.prior = True
            if kind == "sangong":
                for label in reversed(c.path):
                    c.sangong = _sangong_key(label)
                    if c.sangong:
                        c.sangong_label = label
                        break
    # Sides of a two-sided table: each name column opens a side; amounts belong to the name to their left.
    names = [c for c in cols if c.role == "name"]
    if len(names) >= 2 and kind in SUMMARY_TABLES | {
        "state_capital_expenditure",
        "government_fund_expenditure",
    }:
        for i, c in enumerate(names):
            h = comparison_key(c.label)
            c.side = (
                "income"
                if "收入" in h
                else "expenditure"
                if "支出" in h
                else ("income" if i == 0 else "expenditure")
            )
        if len({c.side for c in names}) == 1:
            for i, c in enumerate(names):
                c.side = "income" if i == 0 else "expenditure"
        side = None
        for c in cols:
            if c.role == "name":
                side = c.side
            elif side is not None:
                c.side = side
        for c in cols:
            if c.role == "seq":
                c.side = None  # a 序号 column belongs to both sides' rows
    else:
        # one side: the first name column is the label, other name columns are extra text
        first = True
        for c in cols:
            if c.role == "name":
                if not first:
                    c.role = "text"
                first = False
    # several code columns on one side (部门 and 政府 economic codes): keep the 部门 one
    by_side: dict[str | None, list[Column]] = {}
    for c in cols:
        if c.role == "code":
            by_side.setdefault(c.side, []).append(c)
    for group in by_side.values():
        if len(group) > 1:
            keep = next((c for c in group if "部门" in comparison_key(c.label)), group[0])
            for c in group:
                if c is not keep:
                    c.role = "gcode"  # read as the 政府预算支出经济分类 code when it is one (5xx)
    # the same for codes split into 类/款/项 columns: two groups of part columns on one side

    def leads(group: list[Column], digits: str) -> bool:
        vals = [r.cells[group[0].idx] for r in data if r.cells and group[0].idx < len(r.cells)]
        vals = [comparison_key(v) for v in vals if comparison_key(v).isdigit()]
        return bool(vals) and sum(v[0] in digits for v in vals) > len(vals) / 2

    part_groups: dict[str | None, list[list[Column]]] = {}
    for c in cols:
        if c.role in ("part1", "part2", "part3"):
            groups = part_groups.setdefault(c.side, [])
            if c.role == "part1" or not groups:
                groups.append([])
            groups[-1].append(c)
    for groups in part_groups.values():
        if len(groups) > 1:
            keep_group = next(
                (g for g in groups if any("部门" in comparison_key(c.label) for c in g)),
                next((g for g in groups if leads(g, "23")), groups[0]),
            )
            for g in groups:
                if g is not keep_group:
                    for c in g:
                        c.role = "g" + c.role  # gpart1 …: the 政府预算支出经济分类 code beside it
    # duplicate keys on one side get a suffix so every column key is unique
    seen: Counter[tuple[str | None, str]] = Counter()
    for c in cols:
        if c.role != "amount":
            continue
        if c.side == "income" and c.key in ("total", "current_year", "income"):
            c.key = "income"
        seen[(c.side, c.key)] += 1
        if seen[(c.side, c.key)] > 1:
            c.key = f"{c.key}_{seen[(c.side, c.key)]}"
    return cols


def _unit_in_parens(label: str) -> tuple[str, Decimal] | None:
    m = re.search(r"[（(]\s*(百万元|千元|万元|亿元|元)\s*[)）]", label)
    return (m.group(1), UNIT_MULTIPLIERS[m.group(1)]) if m else None


def _normalise_code(cell: str) -> str | None:
    s = cell.strip()
    m = _SPLIT_CODE.match(s)
    if m:
        return "".join(g for g in m.groups() if g)
    k = comparison_key(s)
    return k if _CODE.match(k) else None


def read_segment(seg: Segment, ctx: Context) -> TableData:
    warnings: list[str] = []
    rows = [r for r in seg.rows if r.cells is not None and not _is_column_number_row(r.cells)]
    headers: list[LLine] = []
    data: list[LLine] = []
    header_keys: set[tuple[str, ...]] = set()
    pages: list[list[LLine]] = [[]]
    for r in rows:
        if not data and _is_header_row(r):
            headers.append(r)
            header_keys.add(tuple(comparison_key(c) for c in r.filled))
            continue
        if tuple(comparison_key(c) for c in r.filled) in header_keys:
            if pages[-1]:
                pages.append([])
            continue  # a column header repeated after a page break
        data.append(r)
        pages[-1].append(r)
    # a page printed twice (the same rows under the repeated header again) is read once
    if len(pages) > 1:
        data, previous = [], None
        for page in pages:
            keys = [tuple(comparison_key(c) for c in r.cells or []) for r in page]
            if keys == previous and len(page) >= 2:
                warnings.append(
                    f"table «{seg.title}»: lines {page[0].no}–{page[-1].no} repeat the page before; read once"
                )
                continue
            data.extend(page)
            previous = keys
    # "单位：万元" written into a header cell: a unit of measure, not a column name
    for h in headers:
        for k, cell in enumerate(h.cells or []):
            unit = parse_unit(cell) if cell else None
            if unit and len(comparison_key(cell)) <= 12:
                seg.measures.append(unit)
                h.cells[k] = ""  # type: ignore[index]
    ncols = max([len(r.cells or []) for r in headers + data] or [0])
    # trailing columns that are empty everywhere are padding
    while ncols > 0 and not any(
        r.cells and len(r.cells) >= ncols and r.cells[ncols - 1] for r in headers + data
    ):
        ncols -= 1
    cols = _classify_columns([h.cells or [] for h in headers], data, ncols, seg.kind, ctx.fiscal_year)

    measures = seg.measures
    if measures:
        unit_name, multiplier = measures[0]
        if len({m[1] for m in measures}) > 1:
            warnings.append(f"table «{seg.title}»: several units of measure stated; used {unit_name}")
        unit_stated = True
    else:
        multiplier = UNIT_MULTIPLIERS[DEFAULT_UNIT]
        unit_stated = any(c.multiplier is not None for c in cols)
    notes = comparison_key("".join(seg.notes))
    empty_note = bool(_EMPTY_NOTE.search(notes))

    sides = sorted({c.side for c in cols if c.role == "name"}, key=lambda s: (s != "income", s or "")) or [
        None
    ]
    if len(sides) == 1:
        sides = [None]
        for c in cols:
            c.side = None
    records: list[Record] = []
    ctx_parts = ["", "", ""]
    for r in data:
        cells = (r.cells or []) + [""] * max(0, ncols - len(r.cells or []))
        for side in sides:
            side_cols = [c for c in cols if (c.side == side or side is None)]
            label = ""
            code: str | None = None
            raw_code = ""
            parts: dict[int, str] = {}
            gov_parts: dict[int, str] = {}
            gov_code: str | None = None
            amounts: dict[int, Decimal] = {}
            for c in side_cols:
                cell = cells[c.idx].strip() if c.idx < len(cells) else ""
                if not cell:
                    continue
                if c.role == "name":
                    label = label or cell
                elif c.role == "code":
                    norm = _normalise_code(cell)
                    if norm:
                        code = norm
                        raw_code = cell
                    elif _PART.match(comparison_key(cell)):
                        parts[2] = comparison_key(cell)  # a bare 款/项 number under its parent
                        raw_code = cell
                    elif parse_amount(cell) is None:
                        raw_code = cell  # "合计" printed in the code column
                elif c.role in ("part1", "part2", "part3"):
                    if comparison_key(cell).isdigit():
                        parts[int(c.role[-1]) - 1] = comparison_key(cell)
                    elif parse_amount(cell) is None and not raw_code:
                        raw_code = cell  # "合计" written across the 类/款/项 cells
                elif c.role == "amount":
                    v = parse_amount(cell)
                    if v is not None:
                        amounts[c.idx] = v
                elif c.role == "gcode":
                    gov_code = _normalise_code(cell) or gov_code
                elif c.role in ("gpart1", "gpart2", "gpart3") and comparison_key(cell).isdigit():
                    gov_parts[int(c.role[-1]) - 1] = comparison_key(cell)
                elif c.role == "seq" and not label and not code and parse_amount(cell) is None:
                    label = cell  # a label that slid into the 序号 column
            if parts and code is None:
                if 0 in parts and _CODE.match(parts[0]):
                    code = parts[0] + parts.get(1, "") + parts.get(2, "")
                elif 1 in parts and ctx_parts[0]:
                    code = ctx_parts[0] + parts[1] + parts.get(2, "")
                elif 2 in parts and ctx_parts[1]:
                    code = ctx_parts[1] + parts[2]
            if code is not None:
                if len(code) == 3:
                    ctx_parts[:] = [code, "", ""]
                elif len(code) == 5:
                    ctx_parts[0], ctx_parts[1] = code[:3], code
            if not label and raw_code and code is None and not _PART.match(comparison_key(raw_code)):
                label = raw_code
            if code is None and label:
                m = _LEADING_CODE.match(label)
                if m:
                    code = m.group(1)
                    label = label[m.end() :].strip()
            if not label and not code and not amounts:
                continue
            if gov_code is None and 0 in gov_parts and _CODE.match(gov_parts[0]):
                gov_code = gov_parts[0] + gov_parts.get(1, "") + gov_parts.get(2, "")
            if gov_code is not None and not (gov_code[0] == "5" and len(gov_code) in (3, 5)):
                gov_code = None
            records.append(Record(r.no, side, label, code, amounts, raw_code, gov_code))
    coded = any(rec.code for rec in records)
    code_kind: str | None = None
    if seg.kind in ECONOMIC_TABLES:
        code_kind = "economic"
    elif seg.kind in FUNCTION_TABLES or seg.kind in SUMMARY_TABLES:
        code_kind = "function"
    if coded:
        firsts = Counter(rec.code[0] for rec in records if rec.code)
        lead = firsts.most_common(1)[0][0]
        code_kind = "economic" if lead in "35" else "function" if lead == "2" else code_kind
    # A name wrapped onto a label-only row: after a coded row (a row split over a page break),
    # or right under a row with amounts when the joined name is written elsewhere in the document
    # (a project name the 绩效 forms repeat) or, in a table of names without codes, is a name of
    # the code list the half above is not. "①公务用车购置费" under "公务用车购置及运行费" stays.
    names = codes_by_name(code_kind) if code_kind and not coded else {}
    merged: list[Record] = []
    for rec in records:
        prev = merged[-1] if merged else None
        if (
            prev is not None
            and rec.code is None
            and not rec.amounts
            and rec.label
            and prev.side == rec.side
            and not is_total_label(rec.label)
            and (
                (coded and prev.code)
                or (
                    prev.amounts
                    and prev.label
                    and strip_numbering(rec.label) == rec.label
                    and (
                        ctx.mentioned(prev.label + rec.label)
                        or (
                            comparison_key(prev.label + rec.label) in names
                            and comparison_key(prev.label) not in names
                        )
                    )
                )
            )
        ):
            prev.label += rec.label
            continue
        merged.append(rec)
    return TableData(
        seg, seg.kind, cols, merged, multiplier, unit_stated, empty_note, coded, code_kind, warnings
    )


# --------------------------------------------------------------------------------------------
# Records → Lines
# --------------------------------------------------------------------------------------------


def _row_key(line: Line) -> str:
    if line.is_total:
        return "total"
    if line.function_code or line.economic_code:
        return line.function_code or line.economic_code or ""
    if line.sangong_item:
        return f"sg-{line.sangong_item}"
    return "r-" + comparison_key(line.item)


def _emit(td: TableData, books: dict[str, CodeBook], ctx: Context) -> list[Line]:
    cols = {c.idx: c for c in td.columns}
    out: list[Line] = []
    explicit_fund = any(c.fund for c in td.columns if c.role == "amount")
    default_fund = None if explicit_fund else _default_fund(td.title)
    is_sangong = td.key == "sangong"
    wide_sangong = is_sangong and sum(1 for c in td.columns if c.role == "amount" and c.sangong) >= 2
    if wide_sangong:
        # items are columns (因公出国 | 公务用车… | 公务接待); the 合计 column is the 三公 total
        for c in td.columns:
            if c.role == "amount" and not c.sangong and c.key.startswith("total"):
                c.sangong, c.sangong_label = "total", c.path[-1] if c.path else "合计"
    sangong_total_row = is_sangong and any(_sangong_key(r.label) == "total" for r in td.records)
    parent_ctx: dict[str | None, dict[int, str]] = {}
    # a 基本支出 table (by economic or function class) is basic expenditure in every column
    all_basic = "基本支出" in comparison_key(td.title) or (
        td.key in ECONOMIC_TABLES and not any(c.etype == "project" for c in td.columns)
    )
    split_by_type = not all_basic and any(c.etype for c in td.columns if c.role == "amount")
    has_basic = any(c.key == "basic" for c in td.columns if c.role == "amount")
    unresolved: list[str] = []
    skipped_prior = False
    first_data = True
    repeats = _repeated_headings(td.records)
    for j, rec in enumerate(td.records):
        if j in repeats:
            td.warnings.append(
                f"table «{td.title}»: row {rec.code} (line {rec.line}) repeats the row above its "
                "children with the same amounts; read once"
            )
            continue
        label = rec.label
        if wide_sangong and label and _is_other_year(label, ctx.fiscal_year):
            skipped_prior = True  # "2022年预算数" row under item columns: a comparison figure
            continue
        total = is_total_label(label) if label else False
        if not label and not rec.code and rec.amounts and first_data and td.coded:
            total, label = True, "合计"
            td.warnings.append(f"table «{td.title}»: unlabelled first row (line {rec.line}) read as 合计")
        first_data = False
        function_code = economic_code = None
        sangong = None
        code = rec.code
        kind = td.code_kind
        if rec.side == "income":
            kind = None
        if code and not total:
            if code[0] == "2" and len(code) in (3, 5, 7):
                function_code = code
            elif code[0] == "3" and len(code) in (3, 5):
                economic_code = code
        elif not total and label and kind in ("function", "economic"):
            book = books[kind]
            known = parent_ctx.get(rec.side, {})
            parents = [known[n] for n in (5, 3) if n in known]
            if td.key in SUMMARY_TABLES:
                resolved = book.resolve(label, (), level_len=3)
            else:
                resolved = book.resolve(label, parents)
            if resolved:
                if kind == "function":
                    function_code = resolved
                else:
                    economic_code = resolved
            elif rec.amounts and not _is_subtotal_label(label):
                unresolved.append(label)
        got = function_code or economic_code
        if got:
            known = parent_ctx.setdefault(rec.side, {})
            known[len(got)] = got
            for n in [n for n in known if n > len(got)]:
                del known[n]
        if is_sangong and not wide_sangong:
            sangong = _sangong_key(label)
            if total and not sangong_total_row:
                sangong = "total"
            if total and sangong_total_row:
                sangong = None
        income_fund = None
        if rec.side == "income" and not total:
            hit = _amount_key([strip_numbering(label)])
            if hit[0] in FUND_SOURCES:
                income_fund = hit[0]
        for idx, value in rec.amounts.items():
            c = cols[idx]
            if c.prior:
                skipped_prior = True
                continue
            etype = c.etype
            if all_basic:
                etype = "basic"
            fund = (
                c.fund
                or income_fund
                or (
                    default_fund
                    if wide_sangong
                    or c.key in ("total", "basic", "project", "personnel", "public", "current_year")
                    else None
                )
            )
            multiplier = c.multiplier or td.multiplier
            group = None
            if split_by_type and c.key not in ("total", "basic", "project"):
                if c.key in ("personnel", "public"):
                    group = "basic_breakdown" if has_basic else None
                else:
                    group = c.key
            item = (c.sangong_label or label) if wide_sangong else label
            out.append(
                Line(
                    table=td.key,
                    amount=value * multiplier,
                    source_line=rec.line,
                    item=item,
                    function_code=function_code,
                    economic_code=economic_code,
                    expenditure_type=etype,  # type: ignore[arg-type]
                    fund_source=fund,
                    column="total" if wide_sangong and c.sangong else c.key,
                    is_total=total,
                    sangong_item=c.sangong if wide_sangong else sangong,
                    column_group=group,
                    government_economic_code=rec.gov_code if economic_code else None,
                )
            )
    if skipped_prior:
        td.warnings.append(f"table «{td.title}»: figures for another year (comparisons) not read")
    if unresolved:
        missing = "" if codes_by_name(td.code_kind or "function") else " (code list not found)"
        td.warnings.append(
            f"table «{td.title}»: no {td.code_kind} code found for "
            + "、".join(dict.fromkeys(unresolved))
            + missing
        )
    seen: Counter[tuple[str, str]] = Counter()
    for line in out:
        k = (_row_key(line), line.column)
        line.occurrence = seen[k]
        seen[k] += 1
    return out


def _repeated_headings(records: list[Record]) -> set[int]:
    """Rows printing a group's row again after its children (303 … 30399, then 303 once more with
    the same amounts): a repeat, not a second line, which would count the group twice in its sums.
    A code repeated without its children in between (001's 30102 twice) is a second line."""
    out: set[int] = set()
    for j, rec in enumerate(records):
        if not rec.code or not rec.amounts:
            continue
        for i in range(j):
            prev = records[i]
            if (
                prev.code == rec.code
                and prev.side == rec.side
                and prev.gov_code == rec.gov_code
                and prev.amounts == rec.amounts
                and any(
                    r.code and r.code != rec.code and r.code.startswith(rec.code) for r in records[i + 1 : j]
                )
            ):
                out.add(j)
                break
    return out


def _is_other_year(label: str, fiscal_year: int | None) -> bool:
    k = comparison_key(label)
    if re.search(r"上年|去年|增减|变动|比上年", k):
        return True
    years = {int(y) for y in re.findall(r"((?:19|20)\d{2})\s*年", k)}
    return bool(fiscal_year and years and fiscal_year not in years)


def _is_subtotal_label(label: str) -> bool:
    k = comparison_key(strip_numbering(label))
    return bool(re.search(r"合计|小计|总计|结转|结余|本年支出|本年收入", k))


def _check_totals(td: TableData, lines: list[Line]) -> None:
    """Warn when the top-level rows do not add up to the table total (truncation, misreading)."""
    if td.code_kind not in ("function", "economic") or not td.coded:
        return
    totals: dict[str, Decimal] = {}
    sums: dict[str, Decimal] = {}
    counts: Counter[str] = Counter()
    for line in lines:
        code = line.function_code or line.economic_code
        if line.is_total:
            totals[line.column] = totals.get(line.column, Decimal(0)) + line.amount
        elif code and len(code) == 3:
            sums[line.column] = sums.get(line.column, Decimal(0)) + line.amount
            counts[line.column] += 1
    for col, total in totals.items():
        got = sums.get(col, Decimal(0))
        # each printed figure is rounded to the table's last digit (0.01 万元 = 100 yuan)
        tolerance = Decimal("0.005") * td.multiplier * max(1, counts[col])
        if abs(got - total) > tolerance:
            td.warnings.append(
                f"table «{td.title}»: column {col}: the 类 rows add up to {got} yuan but the total row "
                f"says {total} yuan"
            )


# --------------------------------------------------------------------------------------------
# Whole document
# --------------------------------------------------------------------------------------------


@dataclass
class TablesResult:
    tables: list[Table]
    lines: list[Line]
    warnings: list[str]
    layout: str
    segments: list[Segment] = field(default_factory=list)


def read_tables(lines: list[str], ctx: Context) -> TablesResult:
    """Find, read and interpret every budget table in the decoded document."""
    lls, syntaxes = logical_lines(lines)
    segments = segment(lls, ctx)
    warnings: list[str] = []
    # A title repeated at the top of the next page continues its table; printed twice, it is a copy.
    joined: list[Segment] = []
    for seg in segments:
        prev = joined[-1] if joined else None
        if (
            prev
            and not prev.closed
            and prev.kind == seg.kind
            and comparison_key(prev.title) == comparison_key(seg.title)
        ):
            if [comparison_key(r.text) for r in prev.rows] == [comparison_key(r.text) for r in seg.rows]:
                warnings.append(
                    f"table «{seg.title}» is printed twice (lines {prev.title_line} and "
                    f"{seg.title_line}); read once"
                )
                continue
            prev.rows += seg.rows
            prev.notes += seg.notes
            prev.measures += seg.measures
            prev.page_breaks += 1
            prev.end_line, prev.at_eof, prev.closed = seg.end_line, seg.at_eof, seg.closed
            continue
        joined.append(seg)
    segments = joined
    datas = [read_segment(s, ctx) for s in segments]

    # the same table printed twice / a table continued under its repeated title
    kept: list[TableData] = []
    for td in datas:
        same = [
            k
            for k in kept
            if k.seg.kind == td.seg.kind and comparison_key(k.title) == comparison_key(td.title)
        ]
        if same:
            first = same[0]
            if [r.key() for r in first.records] == [r.key() for r in td.records]:
                warnings.append(
                    f"table «{td.title}» is printed twice (lines {first.seg.title_line} and "
                    f"{td.seg.title_line}); read once"
                )
                continue
        kept.append(td)

    # stable, unique keys
    used: Counter[str] = Counter()
    for td in kept:
        used[td.seg.kind] += 1
        if used[td.seg.kind] > 1:
            td.key = f"{td.seg.kind}_{used[td.seg.kind]}"
            warnings.append(
                f"table «{td.title}» (line {td.seg.title_line}) is a second {td.seg.kind} table; "
                f"keyed {td.key}"
            )

    books = {"function": CodeBook("function"), "economic": CodeBook("economic")}
    for td in kept:
        for rec in td.records:
            if rec.code and rec.label and rec.side != "income":
                kind = "function" if rec.code[0] == "2" else "economic" if rec.code[0] == "3" else None
                if kind:
                    books[kind].learn(rec.code, rec.label)

    tables: list[Table] = []
    all_lines: list[Line] = []
    for td in kept:
        lines_ = _emit(td, books, ctx)
        _check_totals(td, lines_)
        # A table whose rows carry amounts that are not budget lines (固定资产: quantities and
        # values) is not empty: "empty" says the document printed no figures in it.
        empty = td.empty_note or (not lines_ and bool(td.seg.rows) and not any(r.amounts for r in td.records))
        if not td.seg.rows and not td.empty_note:
            td.warnings.append(
                f"table «{td.title}» (line {td.seg.title_line}): no rows could be read (not tab-separated?)"
            )
        if td.empty_note and lines_:
            td.warnings.append(
                f"table «{td.title}» says it has no data but has {len(lines_)} amounts; kept them"
            )
            empty = False
        if not td.unit_stated and lines_:
            td.warnings.append(f"table «{td.title}» states no unit of measure; assumed {DEFAULT_UNIT}")
        if td.seg.at_eof and td.records:
            td.warnings.append(
                f"the document ends inside table «{td.title}» (line {td.seg.end_line}); it may be truncated"
            )
        tables.append(Table(td.key, td.title, td.multiplier, td.seg.title_line, empty))
        all_lines.extend(lines_)
        warnings.extend(td.warnings)

    if segments and any(s.page_breaks for s in segments):
        base = "paged"
    else:
        base = ""
    if syntaxes["tsv"] and (segments or not syntaxes["cell-per-line"]):
        layout = f"{base}-tsv" if base else "tsv"
    elif syntaxes["pipe"] and segments:
        layout = f"{base}-pipe" if base else "pipe"
    elif syntaxes["cell-per-line"]:
        layout = "cell-per-line"
    else:
        layout = "text"
    return TablesResult(tables, all_lines, warnings, layout, segments)
