"""Projects (项目支出) of one disclosure, merged across every place the document mentions them.

Sources read (each optional; a document may have any of them):

* the project list table (``…项目支出预算表``, ``项目支出表``): one row per project with its amount
  in the table's unit (万元 → ×10000). Rows that sum others are not projects: 合计/小计/本级, a row
  named as the document's unit or one of its subunits (the department's row, then each unit's own
  subtotal under the same name), and a row named like an organisation (…局/办公室/中心) whose
  amount is the sum of the rows after it up to the next such row (or to the end: a department
  over its units). A row holding only a name is the rest of the name above it (a wrapped cell),
  joined to it — reported when the joined name is written nowhere else — and a page break's
  repeated header, page number or 续表 does not end the table;
* performance forms (``项目支出绩效目标申报表`` / ``项目支出绩效目标表``): 项目名称, 项目属性,
  项目期, 项目资金 (实施期/中期 and 年度 totals, unit from the label or the figures), 项目概况,
  立项依据, 必要性, 实施计划, 总体目标 and the indicator table with a mid-term (实施期) half and an
  annual half; forms repeated or cut across page breaks merge into one project, and their
  indicators are not duplicated;
* ``N、项目名绩效目标表`` tables (一级/二级/三级/绩效指标描述/指标值/指标值确定依据), a leading
  ``（上年结转）`` marking a carried-over project; every document the 确定依据 cites becomes
  ``Indicator.bases`` (``Indicator.basis`` is the first);
* narrative blocks: ``1.“项目名”项目。`` followed by ``(2)立项依据。…`` and
  ``(6)年度预算安排。财政预算拨款 87 万元。``;
* amounts a 情况说明 lists per project (``…外事办经费项目2万元…``), for projects still without
  one: a clause ending with the project's name, else one naming it a little differently (tails
  经费/费用/费 aside one contains the other, or 80% alike: 督察室经费 for 督查室经费) when that
  clause fits that project alone and the project that clause alone — reported.

An indicator whose target (指标值) is empty as read is kept without a target and reported; in a form
whose names carry their ordinal (``指标 3：…``), a row with only a name without one continues
the name above (a cell cut at a page break). A project with no amount anywhere is reported.

Both tab-separated rows (one table row a line) and one-cell-a-line layouts (a tab-led line per
cell, a blank line between rows, wrapped cell text on lines without a tab) are read as rows.

Names and telephone numbers of the people who filled a form (负责人, 经办人, 联系电话) are
never read into a record.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from difflib import SequenceMatcher
from itertools import product

from .citations import Place, gazetteer, parse_citations, places_in
from .decode import comparison_key
from .indicators import canonical_level1, canonical_level2, is_level2_tail, level1_of, parse_target
from .records import Citation, Indicator, Project, Table

__all__ = ["document_context", "project_key", "read_projects"]

_FOLD = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FOLD.update({0x3000: 0x20, 0x00A0: 0x20})
_TRANS = str.maketrans(_FOLD)
_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_WS = re.compile(r"\s+")


def _squash(text: str) -> str:
    return _WS.sub("", (text or "").translate(_TRANS))


def _clean_cell(cell: str) -> str:
    text = _TAG.sub(" ", cell or "")
    text = text.replace("\u3000", " ").replace("\xa0", " ")
    return _WS.sub(" ", text).strip()


def project_key(name: str) -> str:
    """The key projects are merged by: no spaces, ASCII brackets, no quotation marks."""
    key = _squash(name)
    key = re.sub(r"[“”\"'‘’「」]", "", key)
    return key.strip("　 :：")


# ---------------------------------------------------------------------------------------------
# rows


@dataclass
class _Row:
    cells: list[str]
    line: int  # 1-based

    @property
    def ne(self) -> list[str]:
        return [c for c in self.cells if c]


@dataclass
class _Text:
    text: str
    line: int


_Item = _Row | _Text | None  # None: a blank line


def _items(lines: Sequence[str]) -> list[_Item]:
    items: list[_Item] = []
    i = 0
    n = len(lines)
    while i < n:
        line = lines[i].rstrip("\r\n")
        # a lone tab before more one-cell lines is an empty cell of a one-cell-a-line row (its
        # place decides which half of an indicator row the cells after it belong to)
        empty_cell = (
            line == "\t" and i + 1 < n and lines[i + 1].startswith("\t") and lines[i + 1].count("\t") == 1
        )
        if not line.strip() and not empty_cell:
            items.append(None)
            i += 1
            continue
        if line.startswith("\t") and line.count("\t") == 1:
            # one cell a line: tab-led lines are cells, tab-less lines continue the cell above
            cells: list[str] = []
            start = i
            while i < n:
                cur = lines[i].rstrip("\r\n")
                if not cur.strip() and not cur.startswith("\t"):
                    break
                if cur.startswith("\t") and cur.count("\t") == 1:
                    cells.append(cur[1:])
                elif "\t" in cur:
                    break
                elif cells:
                    cells[-1] += cur.strip()
                else:  # pragma: no cover - the loop starts on a tab-led line
                    cells.append(cur)
                i += 1
            items.append(_Row([_clean_cell(c) for c in cells], start + 1))
            continue
        if "\t" in line:
            items.append(_Row([_clean_cell(c) for c in line.split("\t")], i + 1))
        else:
            items.append(_Text(_clean_cell(line), i + 1))
        i += 1
    return items


# ---------------------------------------------------------------------------------------------
# amounts

_AMOUNT = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")


def _decimal(cell: str) -> Decimal | None:
    c = _squash(cell).rstrip("元")
    wan = c.endswith("万")
    c = c.rstrip("万")
    if not _AMOUNT.match(c):
        return None
    try:
        value = Decimal(c.replace(",", ""))
    except InvalidOperation:  # pragma: no cover
        return None
    return value * 10000 if wan else value


def _multiplier(text: str) -> Decimal | None:
    t = _squash(text)
    if "万元" in t:
        return Decimal(10000)
    if re.search(r"(单位|金额单位)[:：]?元|[(（]元[)）]", t):
        return Decimal(1)
    return None


# ---------------------------------------------------------------------------------------------
# collected facts per project


@dataclass
class _RawIndicator:
    level1: str | None
    level2: str | None
    name: str
    original_name: str
    target: str
    line: int
    period: str
    basis_text: str = ""
    desc: str = ""


@dataclass
class _Facts:
    name: str
    line: int
    amount: Decimal | None = None
    amount_rank: int = 9  # 0 list table, 1 form, 2 narrative
    midterm: Decimal | None = None
    basis_text: str | None = None
    basis_line: int = 0
    carried_over: bool = False
    indicators: list[_RawIndicator] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)
    implementing_unit: str | None = None  # 实施单位 of its performance form
    has_form: bool = False


class _Collector:
    def __init__(self) -> None:
        self.facts: dict[str, _Facts] = {}
        self.warnings: list[str] = []

    def get(self, name: str, line: int, occurrence: int = 0) -> _Facts:
        """The project named ``name``; ``occurrence`` > 0: another project of the same name (a
        list table naming it again, e.g. one per subunit)."""
        key = project_key(name) + (f"#{occurrence + 1}" if occurrence else "")
        facts = self.facts.get(key)
        if facts is None:
            facts = self.facts[key] = _Facts(name=_clean_cell(name).strip("“”\"'"), line=line)
        facts.line = min(facts.line, line)
        return facts

    def for_form(self, name: str, line: int, amount: Decimal | None, unit: str | None) -> _Facts:
        """The project a performance form describes. With several projects of its name (a list
        table naming it twice), the one with the form's amount, else the first without a form
        yet; a second form of a name with another 实施单位 and amount is another project."""
        base = project_key(name)
        same = [f for k, f in self.facts.items() if k == base or k.startswith(base + "#")]
        if not same:
            return self.get(name, line)
        free = [f for f in same if not f.has_form]
        for f in free:
            if amount is not None and f.amount == amount:
                return f
        for f in free:
            if amount is None or f.amount is None or f.amount_rank > 0:
                return f
        if free:
            return free[0]
        other_unit = unit and all(f.implementing_unit and f.implementing_unit != unit for f in same)
        if other_unit and amount is not None and all(f.amount not in (None, amount) for f in same):
            return self.get(name, line, len(same))
        return same[0]

    def amount(self, facts: _Facts, value: Decimal | None, rank: int, where: str) -> None:
        if value is None:
            return
        if facts.amount is not None and facts.amount != value:
            if rank >= facts.amount_rank:
                self.warnings.append(
                    f"project {facts.name!r}: {where} states {value} yuan, "
                    f"{facts.amount} kept from an earlier source"
                )
                return
        if facts.amount is None or rank < facts.amount_rank:
            facts.amount, facts.amount_rank = value, rank

    def basis(self, facts: _Facts, text: str | None, line: int) -> None:
        text = (text or "").strip()
        if not text:
            return
        old = facts.basis_text
        if old is None or (len(text) > len(old) and _squash(text).startswith(_squash(old))):
            facts.basis_text, facts.basis_line = text, line

    def text(self, facts: _Facts, key: str, value: str | None) -> None:
        value = (value or "").strip()
        if not value:
            return
        old = facts.texts.get(key)
        if old is None or (len(value) > len(old) and _squash(value).startswith(_squash(old))):
            facts.texts[key] = value


# ---------------------------------------------------------------------------------------------
# the project list table

_LIST_TITLE = re.compile(r"项目支出(?:预算)?(?:明细|情况)?表")
_AMOUNT_HEADER = re.compile(r"^(合计|金额|小计|总计|预算数|本年预算|预算金额|项目金额|年度预算|本年预算数)")
_ORG_NAME = re.compile(
    r"(办公室|办公厅|人民政府|政府|局|委员会|委|中心|厅|院|所|站|队|馆|学校|小学|中学|医院|部|办|本级|合计|总计|小计)$"
)
_HEADING = re.compile(
    r"^\s*(第[一二三四五六七八九十]+部分|[一二三四五六七八九十]+[、.．]|[(（][一二三四五六七八九十]+[)）]|"
    r"\d+[、.．]\S|[(（]\d+[)）]|预算公开表|部门预算)"
)


_PAGE_FURNITURE = re.compile(
    r"^(?:[-—–－\s]*\d{1,4}[-—–－\s]*|第\s*\d+\s*页(?:\s*[,，]?\s*共\s*\d+\s*页)?|[(（]?续(?:表)?[)）]?)$"
)
_PAGE_HEADER_YEAR = re.compile(r"^(?:预算年度|编制年度|所属年度)\s*[:：]\s*(?:19|20)\d{2}\s*$")
_UNIT_CODE = re.compile(r"^\d{1,9}\s+")  # "434 巨鹿县人民政府办公室": the unit code before the name


def _read_list_tables(
    items: list[_Item], tables: Sequence[Table], out: _Collector, units: set[str], doc_text: str
) -> set[int]:
    """Project rows of every project list table; returns the item indices consumed.

    ``units`` are the comparison keys of the document's unit and subunit names (their rows are
    subtotals); ``doc_text`` the whole document (a name wrapped onto a row of its own is joined
    to the name above it, confirmed when the joined name is written elsewhere)."""
    text_key = _squash(doc_text)
    consumed: set[int] = set()
    hints = {t.source_line: t for t in tables or ()}
    i = 0
    while i < len(items):
        item = items[i]
        title = item.text if isinstance(item, _Text) else None
        if isinstance(item, _Row) and len(item.ne) == 1:
            title = item.ne[0]
        if not title or not _LIST_TITLE.search(title) or "绩效" in title or len(title) > 60:
            i += 1
            continue
        carried = "上年结转" in title and "不含上年结转" not in title
        multiplier: Decimal | None = None
        hint = hints.get(item.line)
        if hint is not None:
            multiplier = hint.unit_multiplier
        # the header: a row with a 项目名称 cell, within a few items
        j = i + 1
        header: _Row | None = None
        while j < len(items) and j <= i + 12:
            it = items[j]
            if isinstance(it, _Text):
                multiplier = multiplier or _multiplier(it.text)
                if _LIST_TITLE.search(it.text) and "绩效" not in it.text:
                    break
            elif isinstance(it, _Row):
                squashed = [_squash(c) for c in it.cells]
                if "项目名称" in squashed:
                    header = it
                    break
                multiplier = multiplier or _multiplier(" ".join(it.cells))
            j += 1
        if header is None:
            i += 1
            continue
        squashed = [_squash(c) for c in header.cells]
        name_col = squashed.index("项目名称")
        amount_col = next(
            (k for k in range(name_col + 1, len(squashed)) if _AMOUNT_HEADER.match(squashed[k])), name_col + 1
        )
        rows: list[tuple[str, Decimal, int]] = []
        numeric: list[tuple[str, Decimal, int]] = []  # a row whose name cell holds only digits (so far)
        pages = [0]  # where each page's rows start in ``rows`` (a page starts under a repeated header)
        k = j + 1
        while k < len(items):
            it = items[k]
            if it is None:
                k += 1
                continue
            if isinstance(it, _Text):
                t = it.text
                if (
                    _multiplier(t) is not None
                    or t.startswith(("部门名称", "单位名称", "预算单位", "编制单位"))
                    or _PAGE_FURNITURE.match(t)
                    or _PAGE_HEADER_YEAR.match(t)
                    or _comparison(_UNIT_CODE.sub("", t)) in units
                ):
                    k += 1  # the header block a page break repeats (also "434 某县某局",
                    continue  # "预算年度：2023"), a page number, 续表
                if t.startswith("注"):
                    k += 1
                break
            cells = it.cells
            squashed_cells = [_squash(c) for c in cells]
            if (
                "项目名称" in squashed_cells
                or all(re.fullmatch(r"\d{1,2}", c) for c in it.ne)
                or (it.ne and _squash(it.ne[0]) in ("栏次", "行次", "栏号"))
            ):
                if len(rows) > pages[-1] and not _repeated_page(rows, pages, out):
                    pages.append(len(rows))
                k += 1  # a header row again (after a page break), or the column numbers
                continue
            name = cells[name_col] if name_col < len(cells) else ""
            if not name and it.ne:
                name = it.ne[0]
            amount = _decimal(cells[amount_col]) if amount_col < len(cells) else None
            if amount is None:
                amount = next((_decimal(c) for c in cells[name_col + 1 :] if _decimal(c) is not None), None)
            name_only = bool(name) and not any(c and c != name for c in it.ne)
            if numeric and not name_only:
                _unplaced(numeric, out)
            if name and amount is not None and _decimal(name) is None:
                rows.append((name, amount, it.line))
            elif name and amount is not None and name_col != amount_col and not name_only:
                numeric.append((name, amount, it.line))  # "202": the start of "2023年度…" wrapped?
            elif name and any(_decimal(c) is not None for c in cells):
                out.warnings.append(f"line {it.line}: project table row without a readable amount: {name!r}")
            elif name_only and numeric:
                start, amount0, line0 = numeric.pop()
                rows.append((start + name, amount0, line0))
                if _squash(start + name) not in text_key:
                    out.warnings.append(
                        f"line {it.line}: {name!r} read as the rest of the project name {start!r} above it "
                        f"(joined: {start + name!r}, not written elsewhere in the document)"
                    )
            elif name_only:
                _wrapped(rows, name, it.line, units, (doc_text, text_key), out)
            k += 1
        _unplaced(numeric, out)
        _repeated_page(rows, pages, out)
        consumed.update(range(i, k))
        mult = multiplier or Decimal(10000)
        subtotals = _subtotal_rows(rows, units)
        for idx in subtotals:
            out.warnings.append(f"line {rows[idx][2]}: {rows[idx][0]!r} read as a subtotal, not a project")
        listed: dict[str, int] = {}
        for idx, (name, amount, line) in enumerate(rows):
            if idx in subtotals:
                continue
            # a name the table lists again is another project (one per subunit)
            occurrence = listed.get(project_key(name), 0)
            listed[project_key(name)] = occurrence + 1
            facts = out.get(name, line, occurrence)
            out.amount(facts, amount * mult, 0, f"the project table (line {line})")
            facts.carried_over = facts.carried_over or carried
        i = k
    return consumed


def _repeated_page(rows: list[tuple[str, Decimal, int]], pages: list[int], out: _Collector) -> bool:
    """Drop the last page's rows when they repeat the page before (a page printed twice)."""
    if len(pages) < 2:
        return False
    before, last = rows[pages[-2] : pages[-1]], rows[pages[-1] :]
    if len(last) < 2 or [r[:2] for r in last] != [r[:2] for r in before]:
        return False
    out.warnings.append(
        f"lines {last[0][2]}–{last[-1][2]}: project table rows repeat the page before; read once"
    )
    del rows[pages[-1] :]
    return True


def _wrapped(
    rows: list[tuple[str, Decimal, int]],
    name: str,
    line: int,
    units: set[str],
    texts: tuple[str, str],
    out: _Collector,
) -> None:
    """A row holding only a name: the rest of the project name above it (a cell wrapped onto the
    next line), joined to it; reported when the joined name is not written anywhere else."""
    if not rows or _squash(name) in _TOTAL_WORDS or _HEADING.match(name):
        out.warnings.append(f"line {line}: project table row without an amount: {name!r}")
        return
    doc_text, text_key = texts
    prev_name, amount, prev_line = rows[-1]
    joined = prev_name + name
    confirmed = _squash(joined) in text_key
    # the name above is complete when a cell elsewhere holds just it (a form's 项目名称 cell)
    cell = re.compile(
        rf"(?:^|[\t“\"「『])[ \u3000]*{re.escape(_clean_cell(prev_name))}[ \u3000]*(?:$|[\t”\"」』])", re.M
    )
    # …unless what is left is no name by itself (经费, 项目, 资金): then it can only be a rest
    complete = len(cell.findall(doc_text)) >= 2 and not (len(_squash(name)) <= 2 or _GENERIC_TAIL.match(name))
    if _comparison(prev_name) in units or _squash(prev_name) in _TOTAL_WORDS or (complete and not confirmed):
        out.warnings.append(f"line {line}: project table row without an amount: {name!r}")
        return
    rows[-1] = (joined, amount, prev_line)
    if not confirmed:
        out.warnings.append(
            f"line {line}: {name!r} read as the rest of the project name {prev_name!r} above it "
            f"(joined: {joined!r}, not written elsewhere in the document)"
        )


_GENERIC_TAIL = re.compile(r"^(?:专项)?(?:项目|经费|资金|费用|补助|补贴|工程)(?:经费|资金)?$")


def _unplaced(numeric: list[tuple[str, Decimal, int]], out: _Collector) -> None:
    for name, _, line in numeric:
        out.warnings.append(f"line {line}: project table row without a readable name: {name!r}")
    numeric.clear()


_TOTAL_WORDS = ("合计", "总计", "小计", "本级")


def _comparison(name: str) -> str:
    return comparison_key(name).strip("　 :：")


def _subtotal_rows(rows: list[tuple[str, Decimal, int]], units: set[str] | None = None) -> set[int]:
    """Rows that sum others (合计, the department, a unit's subtotal), not projects.

    A row is a subtotal when its name is 合计/总计/小计/本级 or the name of the document's unit or
    one of its subunits (``units``: comparison keys); or when it is named like an organisation
    (…局/办公室/中心/本级) and its amount is the sum of the project rows after it up to the next
    subtotal row, or to the end of the table (a department over its units). Rows are weighed from
    the last up, so a subtotal below is known before the total above it."""
    units = units or set()
    n = len(rows)
    sub: set[int] = set()
    for idx, (name, _, _) in enumerate(rows):
        if _squash(name) in _TOTAL_WORDS or _comparison(name) in units:
            sub.add(idx)
    for idx in range(n - 1, -1, -1):
        name, amount, _ = rows[idx]
        if idx in sub or not _ORG_NAME.search(_squash(name)):
            continue
        segment = Decimal(0)
        count = 0
        rest = Decimal(0)
        rest_count = 0
        in_segment = True
        for j in range(idx + 1, n):
            if j in sub or (rows[j][0], rows[j][1]) == (name, amount):
                in_segment = in_segment and (rows[j][0], rows[j][1]) == (name, amount)
                continue
            rest += rows[j][1]
            rest_count += 1
            if in_segment:
                segment += rows[j][1]
                count += 1
        tolerance = Decimal("0.011")
        if (count and abs(segment - amount) <= tolerance * count) or (
            rest_count > count and abs(rest - amount) <= tolerance * rest_count
        ):
            sub.add(idx)
    return sub


# ---------------------------------------------------------------------------------------------
# performance forms

_FORM_LABELS: list[tuple[str, str]] = [
    ("项目名称", "name"),
    ("主管部门及代码", "dept"),
    ("主管部门", "dept"),
    ("实施单位", "impl"),
    ("项目属性", "attribute"),
    ("项目期限", "duration"),
    ("项目期", "duration"),
    ("项目资金", "fund"),
    ("资金总额", "fund"),
    ("实施期资金总额", "midterm"),
    ("中期资金总额", "midterm"),
    ("年度资金总额", "annual"),
    ("年度预算资金总额", "annual"),
    ("项目概况", "overview"),
    ("项目概述", "overview"),
    ("立项依据", "basis"),
    ("项目设立必要性", "necessity"),
    ("设立必要性", "necessity"),
    ("保证项目实施的制度、措施", "measures"),
    ("项目实施计划", "plan"),
    ("实施计划", "plan"),
    ("总体目标", "goal"),
    ("绩效目标", "goal"),
    ("实施期目标", "heading"),
    ("中期目标", "heading"),
    ("年度目标", "heading"),
    ("存续类型", "other"),
    ("项目起止时间", "other"),
    ("项目类型", "other"),
    ("其他资金", "other"),
    # people: their values are dropped, never stored
    ("项目负责人", "person"),
    ("负责人", "person"),
    ("经办人", "person"),
    ("联系人", "person"),
    ("联系电话", "person"),
    ("填报人", "person"),
    ("填报日期", "person"),
    ("审核人", "person"),
    ("电话", "person"),
]
_FOOTER = {"负责人", "经办人", "联系电话", "填报人", "填报日期", "审核人", "联系人"}


def _label(cell: str) -> tuple[str, str] | None:
    c = _squash(cell).rstrip(":：")
    for label, kind in _FORM_LABELS:
        if c == label or (c.startswith(label) and re.fullmatch(r"[(（][^()（）]{0,6}[)）]", c[len(label) :])):
            return label, kind
    return None


_ROLE = {
    "绩效指标": "label",
    "一级指标": "L1",
    "二级指标": "L2",
    "三级指标": "name",
    "指标值": "value",
    "绩效标准": "std",
    "绩效指标描述": "desc",
    "指标描述": "desc",
    "指标值确定依据": "basis",
    "确定依据": "basis",
    "指标值设定依据": "basis",
    "评（扣）分标准": "std",
}
_ORDINAL_CELL = re.compile(r"^指标\s*\d+$")
_ORDINAL_PREFIX = re.compile(r"^\s*指标\s*(?:\d+\s*[：:、.]|[：:]\s*\d+)\s*")


@dataclass
class _Template:
    roles: list[str]  # per column
    halves: list[list[str]]  # roles of each half, from its L2 (e.g. ["L2", "name", "value"])
    periods: list[str]


def _template(row: _Row) -> _Template | None:
    squashed = [_squash(c) for c in row.cells]
    if "三级指标" not in squashed or not ({"一级指标", "二级指标"} & set(squashed)):
        return None
    roles = [_ROLE.get(c, "") for c in squashed]
    halves: list[list[str]] = []
    for r in roles:
        if r == "L2" or (r == "name" and (not halves or "name" in halves[-1])):
            halves.append([r])
        elif halves and r and r not in ("L1", "label"):
            halves[-1].append(r)
    if not halves:
        return None
    periods = ["midterm", "annual"] if len(halves) >= 2 else ["annual"]
    halves = halves[: len(periods)]
    return _Template(roles=roles, halves=halves, periods=periods)


@dataclass
class _Form:
    name: str
    line: int
    carried_over: bool = False
    fields: dict[str, str] = field(default_factory=dict)
    fund_multiplier: Decimal | None = None
    midterm: tuple[Decimal, bool] | None = None  # (figure, written with 万)
    annual: tuple[Decimal, bool] | None = None
    goal_mid: str | None = None
    goal_annual: str | None = None
    basis_line: int = 0
    template: _Template | None = None
    in_indicators: bool = False
    l1: str | None = None
    l2: list[str | None] = field(default_factory=lambda: [None, None, None])
    indicators: list[_RawIndicator] = field(default_factory=list)
    last_row: list[_RawIndicator] = field(default_factory=list)
    pending: int | None = None  # a half whose row stopped after its 二级指标 (a page break)


def _is_l2(cell: str) -> bool:
    return canonical_level2(cell) is not None


def _half_patterns(roles: list[str]) -> list[tuple[str, ...]]:
    """The role sequences a half's non-empty cells can have: its roles in order, any but the
    name left out (fullest first), or the 二级指标 alone, or nothing."""
    optional = [k for k, r in enumerate(roles) if r != "name"]
    pats: list[tuple[str, ...]] = []
    for mask in range(2 ** len(optional) - 1, -1, -1):
        dropped = {optional[b] for b in range(len(optional)) if not mask >> b & 1}
        pats.append(tuple(r for k, r in enumerate(roles) if k not in dropped))
    pats.sort(key=len, reverse=True)
    if "L2" in roles:
        pats.append(("L2",))
    pats.append(())
    return pats


def _segment(cells: list[str], template: _Template) -> list[dict[str, str]] | None:
    """Assign roles to a row's non-empty cells when they do not sit under their headers."""
    best: tuple[float, list[dict[str, str]]] | None = None
    per_half = [_half_patterns(h) for h in template.halves]
    for combo in product(*per_half):
        if sum(len(p) for p in combo) != len(cells):
            continue
        pos = 0
        score = 0.0
        halves: list[dict[str, str]] = []
        ok = True
        for pat in combo:
            half: dict[str, str] = {}
            for role in pat:
                cell = cells[pos]
                pos += 1
                if role == "L2":
                    if not _is_l2(cell):
                        ok = False
                        break
                    score += 1
                elif role == "name":
                    score += -3 if _is_l2(cell) else 0.5
                elif role in ("value", "std"):
                    if _is_l2(cell):
                        ok = False
                        break
                    tp = parse_target(cell)
                    score += 1 if tp.kind != "qualitative" or len(cell) <= 8 else -0.5
                half[role] = cell
            if not ok:
                break
            halves.append(half)
        if not ok:
            continue
        if len(combo) > 1 and all(p == combo[0] for p in combo):
            score += 1
        if best is None or score > best[0]:
            best = (score, halves)
    return best[1] if best else None


def _column_halves(roles: list[str]) -> list[int]:
    """The half each column belongs to (-1 before the first): a half starts at a 二级指标 column,
    or at a 三级指标 column when the current half already has one."""
    out: list[int] = []
    half, seen_name = -1, False
    for role in roles:
        if role == "L2":
            half, seen_name = half + 1, False
        elif role == "name":
            if half < 0 or seen_name:
                half += 1
            seen_name = True
        out.append(half)
    return out


def _positional(row: _Row, template: _Template) -> list[dict[str, str]] | None:
    """Cells read under their header columns, or None when the row does not sit under them."""
    roles = template.roles
    cells = row.cells
    last = max((k for k, c in enumerate(cells) if c), default=-1)
    if last >= len(roles):
        return None
    halves: list[dict[str, str]] = [{} for _ in template.halves]
    l1 = ""
    for k, (role, half) in enumerate(zip(roles, _column_halves(roles), strict=True)):
        cell = cells[k] if k < len(cells) else ""
        if not cell:
            continue
        if role == "L1":
            if canonical_level1(cell) is None and not _is_l2(cell):
                return None
            l1 = cell
            continue
        if role in ("", "label"):
            if _squash(cell) == "绩效指标":
                continue
            return None
        if half < 0 or half >= len(halves):
            return None
        if role == "L2" and not _is_l2(cell):
            return None
        if role == "name" and _is_l2(cell) and not halves[half].get("L2"):
            return None  # a 二级指标 under the 三级 header: the row is shifted
        halves[half][role] = cell
    if l1:
        halves[0]["L1"] = l1
    return halves


def _merge_prefix(a: str, b: str, minimum: int) -> tuple[str, str]:
    """Two halves' texts: when one is a cut-off prefix of the other, both take the longer."""
    if a and b and a != b:
        sa, sb = _squash(a), _squash(b)
        if len(sa) >= minimum and sb.startswith(sa):
            return b, b
        if len(sb) >= minimum and sa.startswith(sb):
            return a, a
    return a, b


def _leading_level1(cells: list[str]) -> bool:
    """Whether the first cell is a 一级指标 (成本指标 only before 经济/社会/生态环境成本指标)."""
    level1 = canonical_level1(cells[0])
    if level1 is None:
        return False
    if level1 == "成本指标":
        nxt = canonical_level2(cells[1]) if len(cells) > 1 else None
        return nxt is not None and nxt != "成本指标" and level1_of(nxt) == "成本指标"
    return not (len(cells) > 1 and canonical_level1(cells[1]))


def _indicator_row(form: _Form, row: _Row) -> None:
    template = form.template
    assert template is not None
    halves = _positional(row, template)
    if halves is None:
        cells = [c for c in row.ne if not _ORDINAL_CELL.match(_squash(c)) and not is_level2_tail(c)]
        if cells and _squash(cells[0]) == "绩效指标":
            cells = cells[1:]
        if cells and _leading_level1(cells):
            form.l1 = canonical_level1(cells[0])
            cells = cells[1:]
        if not cells:
            return
        halves = None
        pending = form.pending
        if pending is not None and len(cells) <= len(template.halves[pending]):
            # the rest of a row a page break cut: only the half that had its 二级指标 alone
            one = _Template(roles=[], halves=[template.halves[pending]], periods=[template.periods[pending]])
            seg = _segment(cells, one)
            if seg and seg[0].get("name"):
                halves = [{} for _ in template.halves]
                halves[pending] = seg[0]
        if halves is None:
            halves = _segment(cells, template)
        if halves is None:
            return
    else:
        l1 = halves[0].pop("L1", None)
        if l1:
            form.l1 = canonical_level1(l1) or form.l1
            if canonical_level1(l1) is None and _is_l2(l1):
                halves[0].setdefault("L2", l1)
        # a continuation row: only description/basis text (a cell cut at a page break)
        if not any(h.get("name") or h.get("value") or h.get("L2") for h in halves):
            for half in halves:
                for role in ("basis", "desc", "std"):
                    if half.get(role) and form.last_row:
                        ind = form.last_row[-1]
                        if role == "basis":
                            ind.basis_text += half[role]
                        elif role == "desc":
                            ind.desc += half[role]
            return
    if _continues_names(form, halves, template):
        return
    named = [bool(h.get("name")) for h in halves]
    form.pending = next(
        (k for k, h in enumerate(halves) if h.get("L2") and not h.get("name") and any(named)), None
    )
    # level 2 per half, inherited from above when the cell is empty
    given = [canonical_level2(h["L2"]) if h.get("L2") else None for h in halves]
    for k in range(len(halves)):
        level2 = given[k] or next((g for g in given if g), None)
        if level2:
            form.l2[k] = level2
    names = [h.get("name", "") for h in halves]
    values = [h.get("value", "") for h in halves]
    if len(halves) == 2:
        names[0], names[1] = _merge_prefix(names[0], names[1], 2)
        values[0], values[1] = _merge_prefix(values[0], values[1], 6)
    emitted: list[_RawIndicator] = []
    for k, half in enumerate(halves):
        name = names[k]
        if not name:
            continue
        level2 = form.l2[k] or next((x for x in form.l2 if x), None)
        level1 = (level1_of(level2) if level2 else None) or form.l1
        clean = _ORDINAL_PREFIX.sub("", name).strip() or name
        ind = _RawIndicator(
            level1=level1,
            level2=level2,
            name=clean,
            original_name=name.strip(),
            target=values[k].strip(),
            line=row.line,
            period=template.periods[k] if k < len(template.periods) else "annual",
            basis_text=half.get("basis", ""),
            desc=half.get("desc", ""),
        )
        form.indicators.append(ind)
        emitted.append(ind)
    if emitted:
        form.last_row = emitted


def _continues_names(form: _Form, halves: list[dict[str, str]], template: _Template) -> bool:
    """A row holding only the rest of the names above it (a cell cut at a page break): in a form
    whose names carry their ordinal inline (``指标 3：…``), a name without one, no 二级指标 and no
    value on the row, continues the name of the same half on the row above. Joined there."""
    if not form.last_row or any(h.get("value") or h.get("L2") for h in halves):
        return False
    named = [(k, h["name"]) for k, h in enumerate(halves) if h.get("name")]
    if not named:
        return False
    above = {ind.period: ind for ind in form.last_row}
    for k, name in named:
        period = template.periods[k] if k < len(template.periods) else "annual"
        ind = above.get(period)
        if ind is None or _ORDINAL_PREFIX.match(name) or not _ORDINAL_PREFIX.match(ind.original_name):
            return False
    for k, name in named:
        ind = above[template.periods[k] if k < len(template.periods) else "annual"]
        ind.name = _join_overlapping(ind.name, name.strip())
        ind.original_name = _join_overlapping(ind.original_name, name.strip())
    return True


def _join_overlapping(head: str, rest: str) -> str:
    """``head`` + ``rest``, once where the end of ``head`` repeats the start of ``rest`` (2+
    characters: a half whose cut name was completed from the other half)."""
    for n in range(min(len(head), len(rest)), 1, -1):
        if head.endswith(rest[:n]):
            return head + rest[n:]
    return head + rest


def _form_row(form: _Form, row: _Row) -> None:
    """A label row of a form: 项目属性 | … | 项目期 | …, 项目资金 (元) | 实施期资金总额: | …"""
    current: str | None = None
    values: dict[str, list[str]] = {}
    for cell in row.cells:
        if not cell:
            continue
        lab = _label(cell)
        if lab is not None:
            current = lab[1]
            values.setdefault(current, [])
            if current == "fund":
                form.fund_multiplier = _multiplier(cell) or form.fund_multiplier
            continue
        if current is None or current in ("person", "heading", "other", "name", "fund"):
            continue
        values[current].append(cell)
    for kind, cells in values.items():
        if kind == "goal":
            if len(cells) >= 2:
                form.goal_mid, form.goal_annual = cells[0], cells[-1]
            elif cells:
                form.goal_annual = form.goal_annual or cells[0]
            continue
        if kind in ("midterm", "annual"):
            amount = next((_decimal(c) for c in cells if _decimal(c) is not None), None)
            if amount is not None:
                setattr(form, kind, (amount, any("万" in c for c in cells)))
            continue
        text = "".join(cells) if kind == "basis" else " ".join(cells)
        if text:
            if kind not in form.fields or len(text) > len(form.fields[kind]):
                form.fields[kind] = text
                if kind == "basis":
                    form.basis_line = row.line


_COLUMN_WORD = re.compile(r"(预算资金|资金|金额|合计|单位|类型|编码|代码|科目|数量|单价|来源|预算数|小计)$")


_PROSE_FIELDS = ("overview", "basis", "necessity", "measures", "plan")


def _is_form_name(ne: list[str]) -> bool:
    """A form's 项目名称 row (label, name) — not a table header that starts with 项目名称."""
    if len(ne) < 2 or len(ne) > 4 or _label(ne[1]) is not None:
        return False
    name = _squash(ne[1])
    return not (_AMOUNT_HEADER.match(name) or (_COLUMN_WORD.search(name) and len(name) <= 6))


def _finish_form(form: _Form, out: _Collector) -> None:
    mult = form.fund_multiplier
    annual: Decimal | None = None
    if form.annual:
        annual = form.annual[0] if form.annual[1] else form.annual[0] * (mult if mult is not None else 1)
    unit = (form.fields.get("impl") or "").strip() or None
    facts = out.for_form(form.name, form.line, annual, unit)
    facts.has_form = True
    facts.implementing_unit = facts.implementing_unit or unit
    facts.carried_over = facts.carried_over or form.carried_over
    for kind in ("annual", "midterm"):
        got = getattr(form, kind)
        if not got:
            continue
        amount, has_wan = got
        value = amount if has_wan else amount * (mult if mult is not None else Decimal(1))
        if kind == "annual":
            out.amount(facts, value, 1, f"the performance form (line {form.line})")
        elif value != 0 and facts.midterm is None:
            facts.midterm = value
    out.basis(facts, form.fields.get("basis"), form.basis_line or form.line)
    for key in ("attribute", "duration", "overview", "necessity", "plan"):
        out.text(facts, key, form.fields.get(key))
    out.text(facts, "annual_goal", form.goal_annual)
    out.text(facts, "midterm_goal", form.goal_mid)
    facts.indicators.extend(form.indicators)


# ---------------------------------------------------------------------------------------------
# narratives and 003-style headings

_NARRATIVE_HEAD = re.compile(r"^\s*\d+\s*[.．、]\s*[“\"「『](?P<name>.+?)[”\"」』]\s*项目\s*[。.．]?\s*$")
_NARRATIVE_ITEM = re.compile(
    r"^\s*[(（]\s*(?P<n>\d+)\s*[)）]\s*(?P<label>[^。.：:]{2,12}?)\s*[。.．：:]\s*(?P<body>.*)$"
)
_TARGET_TABLE_HEAD = re.compile(
    r"^\s*\d+\s*[、.．]\s*(?P<carried>[(（]上年结转[)）])?\s*(?P<name>.+?)(?:项目)?(?:支出)?绩效目标(?:申报)?表\s*$"
)
_BUDGET_AMOUNT = re.compile(r"(\d+(?:,\d{3})*(?:\.\d+)?)\s*(万元|元)")


def _narrative(items: list[_Item], start: int, out: _Collector) -> int:
    head = items[start]
    assert isinstance(head, _Text)
    m = _NARRATIVE_HEAD.match(head.text)
    assert m
    facts = out.get(m.group("name"), head.line)
    current: str | None = None
    basis_line = 0
    parts: dict[str, list[str]] = {}
    k = start + 1
    while k < len(items):
        it = items[k]
        if it is None:
            k += 1
            continue
        if isinstance(it, _Row):
            break
        im = _NARRATIVE_ITEM.match(it.text)
        if im:
            label = _squash(im.group("label"))
            current = label
            parts.setdefault(label, []).append(im.group("body").strip())
            if "立项依据" in label:
                basis_line = it.line
        elif _NARRATIVE_HEAD.match(it.text) or _HEADING.match(it.text) or current is None:
            break
        else:
            parts[current].append(it.text.strip())
        k += 1
    for label, texts in parts.items():
        body = "".join(texts).strip()
        if "立项依据" in label:
            out.basis(facts, body, basis_line)
        elif "预算安排" in label or label in ("资金安排", "预算金额"):
            am = _BUDGET_AMOUNT.search(body)
            if am:
                value = Decimal(am.group(1).replace(",", ""))
                value = value * 10000 if am.group(2) == "万元" else value
                out.amount(facts, value, 2, f"the narrative (line {head.line})")
        elif label in ("项目概述", "项目概况"):
            out.text(facts, "overview", body)
        elif label == "绩效目标":
            out.text(facts, "annual_goal", body)
    return k


_EXPLAINER_HEAD = re.compile(r"^\s*(?P<name>\S.{1,60}?)\s*项目\s*(?:经费|资金|支出)?\s*(?:情况)?\s*说明\s*$")
_EXPLAINER_SECTION = re.compile(
    r"^\s*(?:(?P<cn>[一二三四五六七八九十]+)\s*[、.．]|[(（]\s*(?P<pn>[一二三四五六七八九十\d]+)\s*[)）])\s*"
    r"(?P<label>[^：:。，,]{2,12}?)\s*(?:[：:。]\s*(?P<body>.*))?$"
)
_EXPLAINER_LABELS = {
    "项目概述": "overview",
    "项目概况": "overview",
    "立项依据": "basis",
    "实施主体": "other",
    "实施方案": "plan",
    "实施计划": "plan",
    "实施周期": "duration",
    "年度预算安排": "amount",
    "预算安排": "amount",
    "资金安排": "amount",
    "绩效目标": "goal",
}


def _explainer(items: list[_Item], start: int, out: _Collector) -> int | None:
    """A ``…项目经费情况说明`` block: the project's name in the heading, then numbered sections
    (一、项目概述 / 二、立项依据 / … / 六、年度预算安排), each with its text on the lines below
    (or after a colon). Returns the index after the block, or None when no known section follows
    (not a project explanation)."""
    head = items[start]
    assert isinstance(head, _Text)
    m = _EXPLAINER_HEAD.match(head.text)
    if not m or _HEADING.match(head.text):
        return None
    name = m.group("name").strip('“”"「」 ')
    parts: dict[str, list[tuple[str, int]]] = {}
    current: str | None = None
    k = start + 1
    while k < len(items):
        it = items[k]
        if it is None or (isinstance(it, _Text) and _PAGE_FURNITURE.match(it.text)):
            k += 1
            continue
        if isinstance(it, _Row) or _EXPLAINER_HEAD.match(it.text) or _NARRATIVE_HEAD.match(it.text):
            break
        sm = _EXPLAINER_SECTION.match(it.text)
        if sm:
            kind = _EXPLAINER_LABELS.get(_squash(sm.group("label")))
            if kind is None and current is None:
                return None
            current = kind or "other"
            if sm.group("body"):
                parts.setdefault(current, []).append((sm.group("body").strip(), it.line))
        elif current is None or re.match(r"^\s*第[一二三四五六七八九十]+部分", it.text):
            break
        else:
            parts.setdefault(current, []).append((it.text.strip(), it.line))
        k += 1
    if current is None or len(_squash(name)) < 2:
        return None
    facts = out.get(name, head.line)
    for kind, texts in parts.items():
        body = "".join(t for t, _ in texts).strip()
        if not body:
            continue
        if kind == "basis":
            out.basis(facts, body, texts[0][1])
        elif kind == "amount":
            am = _BUDGET_AMOUNT.search(body)
            if am:
                value = Decimal(am.group(1).replace(",", ""))
                value = value * 10000 if am.group(2) == "万元" else value
                out.amount(facts, value, 2, f"the project explanation (line {head.line})")
        elif kind in ("overview", "plan", "duration"):
            out.text(facts, kind, body)
        elif kind == "goal" and not re.match(r"^(?:详见|见)", body):
            out.text(facts, "annual_goal", body)
    return k


_PROSE_AMOUNT = re.compile(r"([^，,；;。：:]+?)(?:项目)?\s*(\d+(?:\.\d+)?)\s*万元")
_PROSE_LEAD = re.compile(
    r"^(?:其中|主要为|主要是|主要包括|主要用于|包括|用于|为|是|\d+\s*[.、．)）]|[(（]\d+[)）])+"
)
_NAME_TAIL = re.compile(r"(?:项目)?(?:经费|费用|资金|费)?(?:项目)?$")
_SIMILAR = 0.8


def _core(name: str) -> str:
    """A name without its generic tail (经费/费用/费/资金/项目): what two spellings share."""
    return _NAME_TAIL.sub("", name) or name


def _similar(a: str, b: str) -> bool:
    """Two spellings of one project name: one contains the other (tails stripped, 4+ characters
    left), or they agree on 80% of their characters (督察室经费 / 督查室经费)."""
    ca, cb = _core(a), _core(b)
    if min(len(ca), len(cb)) >= 4 and (ca in cb or cb in ca):
        return True
    return SequenceMatcher(None, a, b, autojunk=False).ratio() >= _SIMILAR


def _amounts_in_prose(items: list[_Item], out: _Collector) -> None:
    """Amounts a 情况说明 lists per project (``…，外事办经费项目2万元，…``), for projects known
    from elsewhere and still without one. Only a name that ends a clause right before its
    figure counts, so a clause about a change (``比上年增加10万元``) never does.

    A clause naming a project exactly (its name ends the clause) is taken first; a project still
    without an amount then takes a clause that names it a little differently (``督察室经费`` for
    督查室经费, ``…工作队食宿费用`` for …工作队办公食宿费用) — only when that clause fits that project
    alone and the project that clause alone."""
    keys = sorted(((k, f) for k, f in out.facts.items() if len(k) >= 4), key=lambda kf: -len(kf[0]))
    if not keys:
        return
    clauses: list[tuple[str, Decimal, int]] = []
    for it in items:
        if not isinstance(it, _Text) or "万元" not in it.text:
            continue
        for m in _PROSE_AMOUNT.finditer(it.text):
            clause = project_key(m.group(1)).removesuffix("项目")
            clauses.append((clause, Decimal(m.group(2)) * 10000, it.line))
    taken: set[int] = set()
    for idx, (clause, value, line) in enumerate(clauses):
        for key, facts in keys:
            if clause.endswith(key):
                taken.add(idx)
                if facts.amount is None:
                    out.amount(facts, value, 3, f"the explanatory text (line {line})")
                break
    open_clauses = {
        idx: _PROSE_LEAD.sub("", clause)
        for idx, (clause, _, _) in enumerate(clauses)
        if idx not in taken and len(_PROSE_LEAD.sub("", clause)) >= 3
    }
    wanting = [(key, facts) for key, facts in keys if facts.amount is None]
    fits = {key: [idx for idx, c in open_clauses.items() if _similar(key, c)] for key, _ in wanting}
    for key, facts in wanting:
        candidates = {(open_clauses[idx], clauses[idx][1]) for idx in fits[key]}
        if len(candidates) != 1:
            continue
        idx = fits[key][0]
        rivals = [k for k, _ in keys if k != key and _similar(k, open_clauses[idx])]
        if rivals:
            continue
        taken.add(idx)
        clause, value, line = clauses[idx]
        out.amount(facts, value, 3, f"the explanatory text (line {line})")
        out.warnings.append(
            f"project {facts.name!r}: amount {value} yuan read from the explanatory text (line {line}), "
            f"where the project is written {open_clauses[idx]!r}"
        )
    for key, facts in wanting:
        if facts.amount is None:
            near = [
                f"{open_clauses[idx]!r} {clauses[idx][1]:.2f} yuan (line {clauses[idx][2]})"
                for idx in open_clauses
                if idx not in taken and SequenceMatcher(None, key, open_clauses[idx]).ratio() >= 0.5
            ]
            out.warnings.append(
                f"project {facts.name!r}: no amount found in a table, form or the text"
                + (
                    f"; the text gives {', '.join(near)}, too unlike the name to be read as its"
                    if near
                    else ""
                )
            )


# ---------------------------------------------------------------------------------------------
# the walk


def read_projects(
    lines: list[str],
    tables: list[Table] | None = None,
    context: Sequence[str] | None = None,
    units: Iterable[str] | None = None,
) -> tuple[list[Project], list[str]]:
    """Every project of a document once, with amounts (yuan), 立项依据, citations, indicators.

    ``lines`` is the decoded document split into lines (``source_line`` = index + 1); ``tables``
    the tables another reader found (used only for a table's unit); ``context`` the citing
    unit's place names (county, prefecture, province) for reading 发文字号 prefixes — when not
    given it is read from the document itself (部门名称 / 主管部门 / the unit named at its head);
    ``units`` the names of the document's unit and subunits (their rows in a project table are
    subtotals), added to those the document names in 部门名称 / 单位名称 / 实施单位 cells.
    Returns the projects and warnings about what could not be placed.
    """
    items = _items(lines)
    out = _Collector()
    unit_keys = {_comparison(u) for u in (units or ()) if u} | _document_units(lines)
    unit_keys.discard("")
    consumed = _read_list_tables(items, tables or [], out, unit_keys, "\n".join(lines))
    form: _Form | None = None
    cut_cell: str | None = None  # the prose field of the form row just read (its text may go on)
    k = 0
    while k < len(items):
        if k in consumed:
            k += 1
            continue
        it = items[k]
        if it is None:
            cut_cell = None
            k += 1
            continue
        if isinstance(it, _Text):
            text = it.text
            hm = _TARGET_TABLE_HEAD.match(text)
            if _NARRATIVE_HEAD.match(text):
                if form:
                    _finish_form(form, out)
                    form = None
                k = _narrative(items, k, out)
                continue
            if _EXPLAINER_HEAD.match(text):
                after = _explainer(items, k, out)
                if after is not None:
                    if form:
                        _finish_form(form, out)
                        form = None
                    k = after
                    continue
            if hm and "申报表" not in text and len(hm.group("name")) >= 2:
                if form:
                    _finish_form(form, out)
                form = _Form(
                    name=hm.group("name").strip(), line=it.line, carried_over=bool(hm.group("carried"))
                )
            elif form and (_HEADING.match(text) or ("绩效目标" in text and text.endswith("表"))):
                _finish_form(form, out)
                form = None
            elif form and cut_cell and not hm and cut_cell in form.fields:
                # a prose cell cut mid-sentence, its rest printed on the line below, outside the row
                form.fields[cut_cell] += text
                k += 1
                continue
            cut_cell = None
            k += 1
            continue
        cut_cell = None
        row = it
        ne = row.ne
        if not ne:
            k += 1
            continue
        first = _squash(ne[0]).rstrip(":：")
        if first == "项目名称" and _is_form_name(ne):
            if form:
                _finish_form(form, out)
            name = ne[1]
            carried = False
            cm = re.match(r"^[(（]上年结转[)）]\s*", name)
            if cm:
                name, carried = name[cm.end() :], True
            form = _Form(name=name, line=row.line, carried_over=carried)
            _form_row(form, row)
            k += 1
            continue
        if form is None:
            k += 1
            continue
        if first in _FOOTER or ((_label(ne[0]) or ("", ""))[1] == "person" and first != "项目负责人"):
            _finish_form(form, out)
            form = None
            k += 1
            continue
        template = _template(row)
        if template is not None:
            form.template = template
            form.in_indicators = True
            form.l2 = [None, None, None]
            k += 1
            continue
        lab = _label(ne[0])
        if lab is not None and lab[1] != "person" and not (form.in_indicators and _is_l2(ne[0])):
            form.in_indicators = False
            _form_row(form, row)
            cut_cell = lab[1] if lab[1] in _PROSE_FIELDS else None
        elif lab is not None and lab[1] == "person":
            _form_row(form, row)  # drops the values
        elif form.in_indicators and form.template is not None:
            _indicator_row(form, row)
        k += 1
    if form:
        _finish_form(form, out)

    _amounts_in_prose(items, out)
    places = list(context) if context else document_context(lines)
    projects = [_build(facts, places, out) for facts in out.facts.values()]
    projects.sort(key=lambda p: p.source_line)
    return projects, out.warnings


# No department budget comes near 10^15 yuan: such a figure is a misread (a mangled cell), and in
# cents it would not even fit Decimal's 28 digits (quantize raises InvalidOperation).
_MAX_YUAN = Decimal(10) ** 15


def _cents(value: Decimal | None, what: str, facts: _Facts, out: _Collector) -> Decimal | None:
    if value is None:
        return None
    if abs(value) >= _MAX_YUAN:
        out.warnings.append(
            f"project {facts.name!r}: {what} {value} yuan (line {facts.line}) is not a plausible amount: "
            "not read"
        )
        return None
    return value.quantize(Decimal("0.01"))


def _build(facts: _Facts, context: Sequence[str], out: _Collector) -> Project:
    citations: list[Citation] = []
    if facts.basis_text:
        citations = parse_citations(facts.basis_text, facts.basis_line or facts.line, context=context)
        for c in citations:
            if c.truncated:
                out.warnings.append(f"project {facts.name!r}: a cited title is cut off: {c.raw!r}")
    return Project(
        name=facts.name,
        source_line=facts.line,
        amount=_cents(facts.amount, "amount", facts, out),
        legal_basis_text=facts.basis_text,
        citations=citations,
        indicators=_indicators(facts.indicators, context, facts.name, out),
        midterm_amount=_cents(facts.midterm, "mid-term amount", facts, out),
        carried_over=facts.carried_over,
        attribute=facts.texts.get("attribute"),
        duration=facts.texts.get("duration"),
        overview=facts.texts.get("overview"),
        necessity=facts.texts.get("necessity"),
        plan=facts.texts.get("plan"),
        annual_goal=facts.texts.get("annual_goal"),
        midterm_goal=facts.texts.get("midterm_goal"),
        implementing_unit=facts.implementing_unit,
    )


def _indicators(
    raw: list[_RawIndicator], context: Sequence[str], project: str = "", out: _Collector | None = None
) -> list[Indicator]:
    """The indicators of one project, merged across repeated forms; one without a target value
    (指标值 cell empty as read) is kept with ``target_missing`` and reported in ``out``'s warnings."""
    # names whose ordinal prefix ("指标 3：") is all that tells them apart keep it
    groups: dict[tuple, set[str]] = {}
    for r in raw:
        groups.setdefault((r.period, r.level2, r.name), set()).add(r.target)
    kept: list[_RawIndicator] = []
    for r in raw:
        name = r.original_name if len(groups[(r.period, r.level2, r.name)]) > 1 else r.name
        candidate = _RawIndicator(**{**r.__dict__, "name": name})
        merged = False
        for k, old in enumerate(kept):
            if old.period != candidate.period or old.level2 != candidate.level2:
                continue
            if _squash(old.target) != _squash(candidate.target) and not (
                _prefix_of(old.target, candidate.target, 6) or _prefix_of(candidate.target, old.target, 6)
            ):
                continue
            if _prefix_of(old.name, candidate.name, 2) or _prefix_of(candidate.name, old.name, 2):
                longer = old if len(_squash(old.name)) >= len(_squash(candidate.name)) else candidate
                target = (
                    old.target
                    if len(_squash(old.target)) >= len(_squash(candidate.target))
                    else candidate.target
                )
                basis = (
                    old.basis_text
                    if len(old.basis_text) >= len(candidate.basis_text)
                    else candidate.basis_text
                )
                kept[k] = _RawIndicator(
                    **{**old.__dict__, "name": longer.name, "target": target, "basis_text": basis}
                )
                merged = True
                break
        if not merged:
            kept.append(candidate)
    result: list[Indicator] = []
    with_target = {(r.period, r.level2, _squash(r.name)) for r in kept if r.target.strip()}
    for r in kept:
        missing = not r.target.strip()
        if missing:
            # kept without a target (the form printed the row); a twin that has one stands for it
            duplicate = (r.period, r.level2, _squash(r.name)) in with_target
            if out is not None:
                out.warnings.append(
                    f"project {project!r}: indicator {r.name!r} ({r.period}, line {r.line}) has no target "
                    "value (指标值) as read: "
                    + ("not recorded beside its twin with one" if duplicate else "recorded without a target")
                )
            if duplicate:
                continue
        tp = parse_target(r.target)
        found: list[Citation] = []
        if r.basis_text.strip():
            found = parse_citations(r.basis_text, r.line, context=context)
        result.append(
            Indicator(
                level1=r.level1 or "",
                level2=r.level2 or "",
                name=r.name,
                target_text=r.target,
                source_line=r.line,
                period=r.period,  # type: ignore[arg-type]
                operator=tp.operator,
                value=tp.value,
                unit=tp.unit,
                placeholder=tp.placeholder,
                target_missing=missing,
                basis=found[0] if found else None,
                bases=found,
            )
        )
    return result


def _prefix_of(short: str, long: str, minimum: int) -> bool:
    a, b = _squash(short), _squash(long)
    return a == b or (len(a) >= minimum and b.startswith(a))


# ---------------------------------------------------------------------------------------------
# the citing unit's places

_UNIT_LINE = re.compile(r"^(?:部门名称|单位名称|预算单位|主管部门及代码|主管部门|实施单位)[:：]?\s*(.+)$")


_UNIT_LABEL = re.compile(
    r"^(?:部门名称|单位名称|预算单位|编制单位|编制部门|实施单位|主管部门及代码|主管部门)[:：]?\s*(.*)$"
)


def _document_units(lines: Iterable[str]) -> set[str]:
    """Comparison keys of the units a document names in its 部门名称 / 单位名称 / 实施单位 cells."""
    out: set[str] = set()
    for line in lines:
        cells = [_clean_cell(c) for c in line.split("\t")]
        filled = [c for c in cells if c]
        for j, cell in enumerate(filled):
            m = _UNIT_LABEL.match(cell)
            if not m:
                continue
            value = m.group(1).strip() or (filled[j + 1] if j + 1 < len(filled) else "")
            value = re.sub(r"^[\d\s]+[-－—_\s]*", "", value)  # "014-兴县人民政府办公室"
            if 2 <= len(value) <= 40 and _label(value) is None and _ORG_NAME.search(_squash(value)):
                out.add(_comparison(value))
    return out


def document_context(lines: Iterable[str]) -> list[str]:
    """Place names (county, prefecture, province) of the unit a document is about.

    Read from where a disclosure names its unit: 部门名称 / 主管部门 / 实施单位 cells, a
    ``434 巨鹿县人民政府办公室`` line, the document's first lines; else the whole text.
    """
    lines = list(lines)
    candidates: list[str] = []
    for idx, line in enumerate(lines):
        cells = [_clean_cell(c) for c in line.split("\t") if c.strip()]
        for j, cell in enumerate(cells):
            m = _UNIT_LINE.match(cell)
            if m and m.group(1).strip():
                candidates.append(m.group(1))
            elif _label(cell) and _label(cell)[1] in ("dept", "impl") and j + 1 < len(cells):
                candidates.append(cells[j + 1])
        if idx < 40 and len(cells) == 1 and len(cells[0]) <= 40:
            candidates.append(cells[0])
        if re.fullmatch(r"\d{2,6}\s+\S{4,30}", line.strip()):
            candidates.append(line.strip())
    found = _count_places(candidates, at_start=True)
    if not found:  # a place named right before 人民政府 / 党委 anywhere in the text
        found = _count_places(
            re.findall(r"[\u4e00-\u9fff]{2,12}?(?=人民政府|委员会|县委|市委|区委)", "\n".join(lines))
        )
    if not found:
        return []
    best = max(
        found.values(), key=lambda pc: (pc[1], {"county": 2, "prefecture": 1, "province": 0}[pc[0].level])
    )
    place = best[0]
    by_code = gazetteer()[1]
    names = [place.name]
    for code in (place.prefecture_code, place.province_code):
        anc = by_code.get(code)
        if anc is not None and anc.name not in names:
            names.append(anc.name)
    return names


def _count_places(texts: Iterable[str], at_start: bool = False) -> dict[str, tuple[Place, int]]:
    """Places named in ``texts``, with counts; ``at_start``: only a place a text begins with
    (a unit's name begins with its place: "434 巨鹿县人民政府办公室")."""
    counts: dict[str, tuple[Place, int]] = {}
    for text in texts:
        text = re.sub(r"^[\s\d\-.、:：]+", "", text).removeprefix("中共")
        found = places_in(text[:24] if at_start else text)
        if at_start:
            found = [
                p
                for p in found[:2]
                if text.startswith(p.name) or any(text.startswith(q.name + p.name) for q in found[:1])
            ]
        for place in found:
            prev = counts.get(place.adcode)
            counts[place.adcode] = (place, (prev[1] if prev else 0) + 1)
    # a county beats its own prefecture/province named as often: keep the most specific
    return counts
