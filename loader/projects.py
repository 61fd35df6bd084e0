"""Projects (项目支出) of one disclosure, merged across every place the document mentions them.

Sources read (each optional; a document may have any of them):

* the project list table (``…项目支出预算表``, ``项目支出表``): one row per project with its amount
  in the table's unit (万元 → ×10000); rows repeating the unit's name are unit subtotals, not
  projects: a row named like an organisation (…办公室/局/委员会/中心) or 合计/小计 whose amount
  is the sum of the rows that follow it;
* performance forms (``项目支出绩效目标申报表`` / ``项目支出绩效目标表``): 项目名称, 项目属性,
  项目期, 项目资金 (实施期/中期 and 年度 totals, unit from the label or the figures), 项目概况,
  立项依据, 必要性, 实施计划, 总体目标 and the indicator table with a mid-term (实施期) half and an
  annual half; forms repeated or cut across page breaks merge into one project, and their
  indicators are not duplicated;
* ``N、项目名绩效目标表`` tables (一级/二级/三级/绩效指标描述/指标值/指标值确定依据), a leading
  ``（上年结转）`` marking a carried-over project; the 确定依据 becomes ``Indicator.basis``;
* narrative blocks: ``1.“项目名”项目。`` followed by ``(2)立项依据。…`` and
  ``(6)年度预算安排。财政预算拨款 87 万元。``.

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
from itertools import product

from .citations import Place, gazetteer, parse_citations, places_in
from .indicators import canonical_level1, canonical_level2, level1_of, parse_target
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
        if not line.strip():
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


class _Collector:
    def __init__(self) -> None:
        self.facts: dict[str, _Facts] = {}
        self.warnings: list[str] = []

    def get(self, name: str, line: int) -> _Facts:
        key = project_key(name)
        facts = self.facts.get(key)
        if facts is None:
            facts = self.facts[key] = _Facts(name=_clean_cell(name).strip("“”\"'"), line=line)
        facts.line = min(facts.line, line)
        return facts

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

_LIST_TITLE = re.compile(r"项目支出(?:预算)?(?:明细)?表")
_AMOUNT_HEADER = re.compile(r"^(合计|金额|小计|总计|预算数|本年预算|预算金额|项目金额|年度预算|本年预算数)")
_ORG_NAME = re.compile(
    r"(办公室|办公厅|人民政府|政府|局|委员会|委|中心|厅|院|所|站|队|馆|学校|小学|中学|医院|部|办|本级|合计|总计|小计)$"
)
_HEADING = re.compile(
    r"^\s*(第[一二三四五六七八九十]+部分|[一二三四五六七八九十]+[、.．]|[(（][一二三四五六七八九十]+[)）]|"
    r"\d+[、.．]\S|[(（]\d+[)）]|预算公开表|部门预算)"
)


def _read_list_tables(items: list[_Item], tables: Sequence[Table], out: _Collector) -> set[int]:
    """Project rows of every project list table; returns the item indices consumed."""
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
        k = j + 1
        while k < len(items):
            it = items[k]
            if it is None:
                k += 1
                continue
            if isinstance(it, _Text):
                t = it.text
                if _multiplier(t) is not None or t.startswith(
                    ("部门名称", "单位名称", "预算单位", "编制单位")
                ):
                    k += 1
                    continue
                if t.startswith("注"):
                    k += 1
                break
            cells = it.cells
            squashed_cells = [_squash(c) for c in cells]
            if "项目名称" in squashed_cells or all(re.fullmatch(r"\d{1,2}", c) for c in it.ne):
                k += 1
                continue
            name = cells[name_col] if name_col < len(cells) else ""
            if not name and it.ne:
                name = it.ne[0]
            amount = _decimal(cells[amount_col]) if amount_col < len(cells) else None
            if amount is None:
                amount = next((_decimal(c) for c in cells[name_col + 1 :] if _decimal(c) is not None), None)
            if name and amount is not None and _decimal(name) is None:
                rows.append((name, amount, it.line))
            elif name and any(_decimal(c) is not None for c in cells):
                out.warnings.append(f"line {it.line}: project table row without a readable amount: {name!r}")
            k += 1
        consumed.update(range(i, k))
        mult = multiplier or Decimal(10000)
        for idx in _subtotal_rows(rows):
            out.warnings.append(f"line {rows[idx][2]}: {rows[idx][0]!r} read as a subtotal, not a project")
        subtotals = set(_subtotal_rows(rows))
        for idx, (name, amount, line) in enumerate(rows):
            if idx in subtotals:
                continue
            facts = out.get(name, line)
            out.amount(facts, amount * mult, 0, f"the project table (line {line})")
            facts.carried_over = facts.carried_over or carried
        i = k
    return consumed


def _subtotal_rows(rows: list[tuple[str, Decimal, int]]) -> list[int]:
    """Rows that sum the rows after them (a unit's subtotal, 合计), not projects."""
    out: list[int] = []
    n = len(rows)
    for idx, (name, amount, _) in enumerate(rows):
        squashed = _squash(name)
        if squashed in ("合计", "总计", "小计", "本级"):
            out.append(idx)
            continue
        if not _ORG_NAME.search(squashed):
            continue
        # rows after it up to the next different subtotal-like row (an identical repeat is skipped)
        total = Decimal(0)
        count = 0
        for name2, amount2, _ in rows[idx + 1 :]:
            if _ORG_NAME.search(_squash(name2)) and (name2, amount2) == (name, amount):
                continue
            total += amount2
            count += 1
            if total >= amount:
                break
        if count >= 1 and abs(total - amount) <= Decimal("0.011") * max(count, 1) and idx + count < n:
            out.append(idx)
    return out


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
        cells = [c for c in row.ne if not _ORDINAL_CELL.match(_squash(c))]
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


def _is_form_name(ne: list[str]) -> bool:
    """A form's 项目名称 row (label, name) — not a table header that starts with 项目名称."""
    if len(ne) < 2 or len(ne) > 4 or _label(ne[1]) is not None:
        return False
    name = _squash(ne[1])
    return not (_AMOUNT_HEADER.match(name) or (_COLUMN_WORD.search(name) and len(name) <= 6))


def _finish_form(form: _Form, out: _Collector) -> None:
    facts = out.get(form.name, form.line)
    facts.carried_over = facts.carried_over or form.carried_over
    mult = form.fund_multiplier
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


_PROSE_AMOUNT = re.compile(r"([^，,；;。：:]+?)(?:项目)?\s*(\d+(?:\.\d+)?)\s*万元")


def _amounts_in_prose(items: list[_Item], out: _Collector) -> None:
    """Amounts a 情况说明 lists per project (``…，外事办经费项目2万元，…``), for projects known
    from elsewhere and still without one. Only a name that ends a clause right before its
    figure counts, so a clause about a change (``比上年增加10万元``) never does."""
    keys = sorted(((k, f) for k, f in out.facts.items() if len(k) >= 4), key=lambda kf: -len(kf[0]))
    if not keys:
        return
    for it in items:
        if not isinstance(it, _Text) or "万元" not in it.text:
            continue
        for m in _PROSE_AMOUNT.finditer(it.text):
            clause = project_key(m.group(1))
            clause = clause.removesuffix("项目")
            for key, facts in keys:
                if clause.endswith(key) and facts.amount is None:
                    value = Decimal(m.group(2)) * 10000
                    out.amount(facts, value, 3, f"the explanatory text (line {it.line})")
                    break


# ---------------------------------------------------------------------------------------------
# the walk


def read_projects(
    lines: list[str],
    tables: list[Table] | None = None,
    context: Sequence[str] | None = None,
) -> tuple[list[Project], list[str]]:
    """Every project of a document once, with amounts (yuan), 立项依据, citations, indicators.

    ``lines`` is the decoded document split into lines (``source_line`` = index + 1); ``tables``
    the tables another reader found (used only for a table's unit); ``context`` the citing
    unit's place names (county, prefecture, province) for reading 发文字号 prefixes — when not
    given it is read from the document itself (部门名称 / 主管部门 / the unit named at its head).
    Returns the projects and warnings about what could not be placed.
    """
    items = _items(lines)
    out = _Collector()
    consumed = _read_list_tables(items, tables or [], out)
    form: _Form | None = None
    k = 0
    while k < len(items):
        if k in consumed:
            k += 1
            continue
        it = items[k]
        if it is None:
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
            if hm and "申报表" not in text and len(hm.group("name")) >= 2:
                if form:
                    _finish_form(form, out)
                form = _Form(
                    name=hm.group("name").strip(), line=it.line, carried_over=bool(hm.group("carried"))
                )
            elif form and (_HEADING.match(text) or ("绩效目标" in text and text.endswith("表"))):
                _finish_form(form, out)
                form = None
            k += 1
            continue
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


def _build(facts: _Facts, context: Sequence[str], out: _Collector) -> Project:
    citations: list[Citation] = []
    if facts.basis_text:
        citations = parse_citations(facts.basis_text, facts.basis_line or facts.line, context=context)
        for c in citations:
            if c.truncated:
                out.warnings.append(f"project {facts.name!r}: a cited title is cut off: {c.raw!r}")
    cent = Decimal("0.01")
    return Project(
        name=facts.name,
        source_line=facts.line,
        amount=facts.amount.quantize(cent) if facts.amount is not None else None,
        legal_basis_text=facts.basis_text,
        citations=citations,
        indicators=_indicators(facts.indicators, context),
        midterm_amount=facts.midterm.quantize(cent) if facts.midterm is not None else None,
        carried_over=facts.carried_over,
        attribute=facts.texts.get("attribute"),
        duration=facts.texts.get("duration"),
        overview=facts.texts.get("overview"),
        necessity=facts.texts.get("necessity"),
        plan=facts.texts.get("plan"),
        annual_goal=facts.texts.get("annual_goal"),
        midterm_goal=facts.texts.get("midterm_goal"),
    )


def _indicators(raw: list[_RawIndicator], context: Sequence[str]) -> list[Indicator]:
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
    out: list[Indicator] = []
    for r in kept:
        tp = parse_target(r.target)
        basis = None
        if r.basis_text.strip():
            found = parse_citations(r.basis_text, r.line, context=context)
            basis = found[0] if found else None
        out.append(
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
                basis=basis,
            )
        )
    return out


def _prefix_of(short: str, long: str, minimum: int) -> bool:
    a, b = _squash(short), _squash(long)
    return a == b or (len(a) >= minimum and b.startswith(a))


# ---------------------------------------------------------------------------------------------
# the citing unit's places

_UNIT_LINE = re.compile(r"^(?:部门名称|单位名称|预算单位|主管部门及代码|主管部门|实施单位)[:：]?\s*(.+)$")


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
