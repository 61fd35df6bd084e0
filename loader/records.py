"""Plain records: what the loader reads out of a disclosure, before any RDF exists.

These dataclasses are the seam between the loader (which only reads text) and the
mapping (``budgetkg.mappings``), which alone decides IRIs, classes and properties.
Nothing here knows about triples. Field names are domain words, not RDF terms.

Amounts are always ``Decimal`` in yuan (元): a parser that reads ``473.16`` from a
万元 table stores ``Decimal("4731600.00")``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

AdminLevel = Literal["province", "prefecture", "county"]
ExpenditureType = Literal["basic", "project"]
BasisType = Literal["law", "policy", "contract", "standard", "decision", "informal"]
IssuerLevel = Literal["central", "provincial", "prefecture", "county", "unknown"]
Operator = Literal["=", ">=", "<=", ">", "<"]


@dataclass(frozen=True)
class Region:
    """One administrative division; ``adcode`` is the 6-digit GB/T 2260 code where known."""

    name: str
    level: AdminLevel
    adcode: str | None = None
    parent: Region | None = None


@dataclass
class Unit:
    """预算单位/部门."""

    name: str  # canonical name, e.g. "兴县人民政府办公室"
    region: Region | None
    code: str | None = None  # e.g. "014", "434"
    subunits: list[str] = field(default_factory=list)


@dataclass
class Table:
    """One budget table as printed (a 表 may span pages; it is still one Table)."""

    key: str  # stable machine key, e.g. "expenditure_summary"; see loader.tables.TABLE_KINDS
    title: str  # as written, e.g. "2023年预算支出总表"
    unit_multiplier: Decimal  # 10000 for 万元 tables, 1 for 元
    source_line: int
    empty: bool = False  # stated as having no data ("本表无数据", "空表列示")
    source_page: int | None = None  # 1-based page of source_line, for PDF sources (None: a text source)
    # no such table is printed: it stands for figures only the explanatory text (情况说明) states,
    # e.g. 机关运行经费 in a document without its table
    from_narrative: bool = False


@dataclass
class Line:
    """One amount in one table: a future bkg:BudgetLine."""

    table: str  # Table.key
    amount: Decimal  # yuan
    source_line: int
    item: str  # row label as written (e.g. "行政运行", "合计")
    function_code: str | None = None  # "201", "20103", "2010301"
    economic_code: str | None = None  # "301", "30101"
    expenditure_type: ExpenditureType | None = None  # None: a total over both
    fund_source: str | None = None  # e.g. "general_public_budget"; None: all sources
    column: str = "total"  # stable column key within the table
    is_total: bool = False  # the table's grand total row (合计/总计)
    sangong_item: str | None = None  # 三公 item key, e.g. "vehicle_operation"
    occurrence: int = 0  # 0,1,2… when the same row key repeats in one table (001's repeated 30102)
    # bkg:columnGroup: set on columns outside a table's main 合计/基本支出/项目支出 set (人员经费 and
    # 公用经费 beside a 基本支出 column, 经营支出, 结转下年 …), so the disclosure arithmetic
    # (total = basic + project) only adds up lines of one group. None: the main set.
    column_group: str | None = None
    # 政府预算支出经济分类 ("501", "50101") printed beside the 部门 economic code: a table grouping its
    # 部门 codes by it prints 301 once per government code, and only the pair identifies the row
    government_economic_code: str | None = None
    source_page: int | None = None  # 1-based page of source_line, for PDF sources (None: a text source)
    # year-over-year figures a 情况说明 sentence states for this line (loader.narrative), in yuan:
    # previous_amount = this year's amount − change_amount; change_percent is signed, as stated
    previous_amount: Decimal | None = None
    change_amount: Decimal | None = None
    change_percent: Decimal | None = None
    change_reason: str | None = None  # the stated reason (主要原因是…), as written
    narrative_line: int | None = None  # 1-based line of the sentence those figures were read from
    from_narrative: bool = False  # the line itself was read from prose, not from a table


@dataclass
class Citation:
    """One legal basis as cited: a title in 《》, a 发文字号, or an informal reason."""

    raw: str  # the citation as written
    basis_type: BasisType
    title: str | None = None  # without 《》
    number: str | None = None  # normalised 发文字号, e.g. "晋政办发〔2017〕10号"
    issuer: str | None = None  # e.g. "山西省人民政府办公厅"
    issuer_level: IssuerLevel | None = None
    year: int | None = None
    source_line: int = 0
    truncated: bool = False  # the title was cut (a cell boundary): what is there is kept
    source_page: int | None = None  # 1-based page of source_line, for PDF sources (None: a text source)


@dataclass
class Indicator:
    """One 三级指标 with its target."""

    level1: str  # 一级: 产出指标 / 效益指标 / 满意度指标
    level2: str  # 二级: 数量指标, 质量指标 …
    name: str  # 三级指标 name as written
    target_text: str  # as written, e.g. "≥95%"
    source_line: int
    period: Literal["annual", "midterm"] = "annual"
    operator: Operator | None = None
    value: Decimal | None = None
    unit: str | None = None
    placeholder: bool = False  # e.g. "2023年底XX月XX日"
    # the 指标值 cell is empty as read: kept as an indicator without a target (target_text "")
    target_missing: bool = False
    basis: Citation | None = None  # 指标值确定依据: the first document cited (kept for compatibility)
    bases: list[Citation] = field(default_factory=list)  # every document the 确定依据 cites, in order
    source_page: int | None = None  # 1-based page of source_line, for PDF sources (None: a text source)


@dataclass
class Project:
    """项目支出: one project, however many places in the document mention it."""

    name: str
    source_line: int
    amount: Decimal | None = None  # this year's amount, yuan
    legal_basis_text: str | None = None  # 立项依据 as written
    citations: list[Citation] = field(default_factory=list)
    indicators: list[Indicator] = field(default_factory=list)
    midterm_amount: Decimal | None = None
    carried_over: bool = False
    # what a performance form or narrative states besides (all optional, as written)
    attribute: str | None = None  # 项目属性, e.g. "经常性项目(长期开展)"
    duration: str | None = None  # 项目期, e.g. "3年"
    overview: str | None = None  # 项目概况 / 项目概述
    necessity: str | None = None  # 项目设立必要性
    plan: str | None = None  # 项目实施计划
    annual_goal: str | None = None  # 总体目标 (年度) / 绩效目标
    midterm_goal: str | None = None  # 总体目标 (实施期/中期)
    implementing_unit: str | None = None  # 实施单位 of its performance form, as written
    source_page: int | None = None  # 1-based page of source_line, for PDF sources (None: a text source)


@dataclass
class ParsedDocument:
    """Everything read from one source file."""

    source: str  # file name (no directory)
    sha256: str
    fiscal_year: int
    unit: Unit
    layout: str  # which reader recognised it, e.g. "tsv-tables"
    tables: list[Table] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    projects: list[Project] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # what could not be placed
    # 绩效目标管理 as the explanatory text states it: "N个项目实行绩效目标管理，涉及…X万元"
    performance_projects: int | None = None
    performance_amount: Decimal | None = None  # yuan
    performance_line: int | None = None  # 1-based line of that sentence


# -- (de)serialisation: golden test cases and the generator's truth files use plain JSON ------

_NESTED = {
    "unit": Unit,
    "region": Region,
    "parent": Region,
    "tables": Table,
    "lines": Line,
    "projects": Project,
    "citations": Citation,
    "indicators": Indicator,
    "basis": Citation,
    "bases": Citation,
}
_DECIMALS = {
    "amount",
    "unit_multiplier",
    "value",
    "midterm_amount",
    "previous_amount",
    "change_amount",
    "change_percent",
    "performance_amount",
}


def _build(cls: type, data: dict) -> object:
    kwargs = {}
    for key, value in data.items():
        if value is None:
            kwargs[key] = None
        elif key in _DECIMALS:
            kwargs[key] = Decimal(str(value))
        elif key in _NESTED and isinstance(value, list):
            kwargs[key] = [_build(_NESTED[key], v) if isinstance(v, dict) else v for v in value]
        elif key in _NESTED and isinstance(value, dict):
            kwargs[key] = _build(_NESTED[key], value)
        else:
            kwargs[key] = value
    return cls(**kwargs)


def document_from_dict(data: dict) -> ParsedDocument:
    """Inverse of ``dataclasses.asdict`` for a ParsedDocument (Decimals may be given as strings)."""
    doc = _build(ParsedDocument, data)
    assert isinstance(doc, ParsedDocument)
    return doc
