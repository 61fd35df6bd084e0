"""Which unit, which code, which fiscal year: read by weighing every place the document says so.

Nothing here depends on where a line is. A disclosure names its unit in labelled headers
("部门名称：兴县人民政府办公室", "编制部门：…", "部门（单位）：…"), in page headers with the unit
code ("434 巨鹿县人民政府办公室"), in 主管部门及代码 cells ("014-兴县人民政府办公室"), in its title
("埇桥区人民政府办公室 2023 年部门预算") and in prose ("濉溪县人民政府办公室2023年度部门预算仅包括…").
Each kind of evidence has a weight; the name with the most weight wins, and its spelling variants
(one character apart: OCR) vote together. The fiscal year is chosen the same way.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from budgetkg.loader.decode import comparison_key

# How a unit name ends. Long alternatives first.
ORG_SUFFIXES = (
    "人民政府办公室",
    "人民政府办公厅",
    "政府办公室",
    "街道办事处",
    "管理委员会",
    "委员会办公室",
    "办公室",
    "办公厅",
    "委员会",
    "管委会",
    "联合会",
    "办事处",
    "研究室",
    "研究院",
    "研究所",
    "服务中心",
    "中心",
    "总队",
    "支队",
    "大队",
    "人民法院",
    "人民检察院",
    "法院",
    "检察院",
    "医院",
    "卫生院",
    "学校",
    "中学",
    "小学",
    "幼儿园",
    "大学",
    "学院",
    "党校",
    "图书馆",
    "博物馆",
    "纪念馆",
    "文化馆",
    "档案馆",
    "事务所",
    "管理局",
    "管理处",
    "管理站",
    "监狱",
    "戒毒所",
    "协会",
    "学会",
    "商会",
    "人民政府",
    "政府",
    "局",
    "厅",
    "委",
    "院",
    "所",
    "站",
    "队",
    "馆",
    "处",
    "部",
    "会",
    "社",
    "署",
    "台",
    "团",
    "科",
    "股",
    "公司",
    "集团",
)
_ORG_END = re.compile("(?:" + "|".join(ORG_SUFFIXES) + r")(?:（[^）]{1,12}）|\([^)]{1,12}\))?$")
_CJK = re.compile(r"[\u4e00-\u9fff]")

_LABELS = (
    r"预算主管部门|主管部门名称|部门（单位）名称|部门\(单位\)名称|部门（单位）|部门\(单位\)|部门名称|单位名称"
    r"|编制部门|编制单位|预算单位|预算部门|填报单位|申报单位|主管部门"
)
_LABELLED = re.compile(r"(?:^|[\s|])(?P<label>" + _LABELS + r")\s*[:：]\s*(?P<name>[^\s:：|]{3,60})")
_CODE_NAME = re.compile(r"^(?P<code>\d{2,12})\s*[-_—－.．、\s]\s*(?P<name>[\u4e00-\u9fff][^\s|]{2,60})$")
_CODE_LABELLED = re.compile(r"(?:单位|部门|预算单位|主管部门)(?:编码|代码|编号)\s*[:：]\s*(\d{2,12})\b")
_MAIN_DEPT_CELL = re.compile(r"^(?:主管部门|预算部门|部门)(?:及|和)?(?:代码|编码)")
_TITLE_A = re.compile(
    r"^(?:[-*•]\s*)?(?P<name>[\u4e00-\u9fff][^\s|]{2,50}?)\s*(?P<year>(?:19|20)\d{2})\s*年\s*度?\s*"
    r"(?:(?:部门|单位)?(?:综合)?预算|部门(?:决算|预算))"
)
_TITLE_B = re.compile(
    r"^(?P<year>(?:19|20)\d{2})\s*年\s*度?\s*(?P<name>[\u4e00-\u9fff][^\s|]{2,50}?)\s*(?:部门|单位)?(?:综合)?预算"
)
_PROSE = re.compile(
    r"(?:^|[，。；：:、\s“\"（(])(?P<name>[\u4e00-\u9fff][\u4e00-\u9fff（）()]{2,40}?)\s*(?P<year>(?:19|20)\d{2})\s*年"
)
_LEAD_NOISE = re.compile(
    r"^(?:[-*•]\s*|\d+[.．、]\s*|[一二三四五六七八九十]+、|关于|根据|按照|从预算单位构成看，?)+"
)

_YEAR_LABELLED = re.compile(r"(?:预算年度|年度|编制年度|所属年度)\s*[:：]\s*((?:19|20)\d{2})")
_YEAR_BUDGET = re.compile(
    r"((?:19|20)\d{2})\s*年\s*度?\s*(?:[\u4e00-\u9fff（）()“”\"]{0,24}?)(?:部门|单位)?(?:综合)?预算"
)
_YEAR_PAREN = re.compile(r"[（(]\s*((?:19|20)\d{2})\s*年\s*度?\s*[)）]")
_COMPARATIVE = set("比较与同上去较于前")

# Words that are headings or table words, never unit names.
_NOT_NAMES = (
    "部门预算",
    "预算",
    "部门",
    "单位",
    "本部门",
    "本单位",
    "我单位",
    "我部门",
    "全县",
    "全市",
    "全区",
    "本级",
    "年度",
    "收支",
    "一般公共预算",
    "政府性基金",
    "国有资本经营",
)


@dataclass
class Evidence:
    name: str
    weight: int
    line: int  # 1-based
    how: str
    code: str | None = None


@dataclass
class UnitGuess:
    name: str | None
    code: str | None
    variants: set[str] = field(default_factory=set)  # every spelling seen (for page-header matching)
    evidence: list[Evidence] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _clean_name(name: str) -> str:
    name = name.strip(" \t　:：,，。;；、|“”\"'")
    name = _LEAD_NOISE.sub("", name)
    # "（本级）", "本级" are about the scope of the figures, not the name.
    name = re.sub(r"(?:（本级）|\(本级\)|本级)$", "", name)
    return name


def plausible_unit_name(name: str) -> bool:
    if not (3 <= len(name) <= 40) or not _CJK.search(name):
        return False
    if name in _NOT_NAMES or any(
        name.startswith(w) for w in ("年", "度", "预算", "部门预算", "本年", "上年")
    ):
        return False
    if re.search(r"\d{4}\s*年", name):
        return False
    return bool(_ORG_END.search(name))


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.split("\t")] if "\t" in line else [line.strip()]


def find_unit_evidence(lines: list[str]) -> list[Evidence]:
    """Every statement of the unit's name (and code) in the document, with a weight."""
    out: list[Evidence] = []
    nonblank_seen = 0
    for idx, raw in enumerate(lines):
        line = raw.strip()
        if not line:
            continue
        nonblank_seen += 1
        no = idx + 1
        for m in _LABELLED.finditer(line.replace("\t", " | ")):
            name = _clean_name(m.group("name"))
            code = None
            cm = _CODE_NAME.match(name)
            if cm:
                code, name = cm.group("code"), _clean_name(cm.group("name"))
            if plausible_unit_name(name):
                label = m.group("label")
                weight = 6 if label in ("主管部门", "预算主管部门") else 10
                out.append(Evidence(name, weight, no, f"labelled {label}", code))
        cells = [c for c in _cells(raw) if c]
        if len(cells) == 1:
            cm = _CODE_NAME.match(cells[0])
            if cm and plausible_unit_name(_clean_name(cm.group("name"))):
                out.append(
                    Evidence(_clean_name(cm.group("name")), 10, no, "code + name header", cm.group("code"))
                )
        for i, c in enumerate(cells[:-1]):
            if _MAIN_DEPT_CELL.match(c):
                cm = _CODE_NAME.match(cells[i + 1])
                if cm and plausible_unit_name(_clean_name(cm.group("name"))):
                    out.append(
                        Evidence(_clean_name(cm.group("name")), 3, no, "主管部门及代码", cm.group("code"))
                    )
            elif c in ("实施单位", "预算单位", "单位名称") and i + 1 < len(cells):
                name = _clean_name(cells[i + 1])
                if plausible_unit_name(name):
                    out.append(Evidence(name, 1, no, c))
        if len(cells) != 1 or len(line) > 60:
            # prose: "濉溪县人民政府办公室2023年度部门预算仅包括本级预算"
            if len(cells) == 1:
                for m in _PROSE.finditer(line):
                    name = _clean_name(m.group("name"))
                    if plausible_unit_name(name):
                        out.append(Evidence(name, 1, no, "prose"))
            continue
        text = cells[0]
        for rx, how in ((_TITLE_A, "title"), (_TITLE_B, "title")):
            m = rx.match(text)
            if m:
                name = _clean_name(m.group("name"))
                if plausible_unit_name(name):
                    out.append(Evidence(name, 8 if nonblank_seen <= 15 else 3, no, how))
                    break
        else:
            for m in _PROSE.finditer(text):
                name = _clean_name(m.group("name"))
                if plausible_unit_name(name):
                    out.append(Evidence(name, 1, no, "prose"))
        # A cover: the unit's name alone on a line, the budget title on the next non-blank line.
        if nonblank_seen <= 15 and plausible_unit_name(_clean_name(text)):
            nxt = next(
                (lines[j].strip() for j in range(idx + 1, min(idx + 6, len(lines))) if lines[j].strip()), ""
            )
            if re.match(r"^(?:(?:19|20)\d{2})\s*年\s*度?\s*(?:部门|单位)?(?:综合)?预算", nxt):
                out.append(Evidence(_clean_name(text), 8, no, "cover"))
    # Titles broken over two short lines ("2026年烟台市人民政府办公室部" / "门预算").
    head = [(i, ln.strip()) for i, ln in enumerate(lines[:80]) if ln.strip() and "\t" not in ln][:12]
    for (i, a), (_, b) in itertools.pairwise(head):
        if len(a) <= 30 and len(b) <= 30:
            joined = a + b
            for rx in (_TITLE_A, _TITLE_B):
                m = rx.match(joined)
                if m and not rx.match(a):
                    name = _clean_name(m.group("name"))
                    if plausible_unit_name(name):
                        out.append(Evidence(name, 8, i + 1, "title (two lines)"))
                        break
    return out


def _one_apart(a: str, b: str) -> bool:
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) == 1


def guess_unit(lines: list[str]) -> UnitGuess:
    """The unit name (as most weightily written) and its code, from all the evidence."""
    evidence = find_unit_evidence(lines)
    if not evidence:
        return UnitGuess(None, None, warnings=[])
    weights: Counter[str] = Counter()
    spelled: dict[str, Counter[str]] = defaultdict(Counter)
    for e in evidence:
        k = comparison_key(e.name)
        weights[k] += e.weight
        spelled[k][e.name] += e.weight
    # A name and the same name with "本级"/a longer prefix: keep both; spelling variants vote together.
    keys = sorted(weights, key=lambda k: (-weights[k], k))
    groups: dict[str, str] = {}
    for k in keys:
        rep = next((g for g in dict.fromkeys(groups.values()) if _one_apart(g, k)), None)
        groups[k] = rep or k
    total: Counter[str] = Counter()
    for k, rep in groups.items():
        total[rep] += weights[k]
    ranked = total.most_common()
    best_key = ranked[0][0]
    members = [k for k, rep in groups.items() if rep == best_key]
    name = spelled[best_key].most_common(1)[0][0]
    variants = {n for k in members for n in spelled[k]}
    warnings = []
    if len(ranked) > 1 and ranked[1][1] * 2 > ranked[0][1] and ranked[1][1] >= 6:
        other = spelled[ranked[1][0]].most_common(1)[0][0]
        warnings.append(f"unit: the document names both {name!r} and {other!r}; took {name!r}")
    codes: Counter[str] = Counter()
    for e in evidence:
        if e.code and comparison_key(e.name) in members:
            codes[e.code] += e.weight
    for line in lines:
        if "码" in line or "编号" in line:
            for m in _CODE_LABELLED.finditer(line):
                codes[m.group(1)] += 10
    code = codes.most_common(1)[0][0] if codes else None
    if len(codes) > 1:
        warnings.append(f"unit: several unit codes given ({', '.join(sorted(codes))}); took {code}")
    return UnitGuess(
        name, code, variants, [e for e in evidence if comparison_key(e.name) in members], warnings
    )


@dataclass
class YearGuess:
    year: int | None
    votes: dict[int, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def guess_year(lines: list[str]) -> YearGuess:
    """The fiscal year: "预算年度：2023" weighs most, then titles ("2023年度部门预算", "2023年预算收支
    总表"), then "(2023年度)" and prose. Comparisons ("比2022年预算增加") do not count."""
    votes: Counter[int] = Counter()
    nonblank = 0
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        nonblank += 1
        flat = line.replace("\t", " ")
        for m in _YEAR_LABELLED.finditer(flat):
            votes[int(m.group(1))] += 10
        tabular = "\t" in line and len([c for c in line.split("\t") if c.strip()]) > 1
        if not tabular:
            short = len(line) <= 60 and "。" not in line
            for m in _YEAR_BUDGET.finditer(flat):
                before = flat[: m.start()].rstrip()[-1:]
                if before and before in _COMPARATIVE:
                    continue
                weight = (6 if nonblank <= 15 else 3) if short else 1
                votes[int(m.group(1))] += weight
        for m in _YEAR_PAREN.finditer(flat):
            votes[int(m.group(1))] += 1
    # a cover title broken over two short lines ("2026年烟台市人民政府办公室部" / "门预算")
    head = [ln.strip() for ln in lines[:80] if ln.strip() and "\t" not in ln][:12]
    for a, b in itertools.pairwise(head):
        if len(a) <= 30 and len(b) <= 30 and not _YEAR_BUDGET.search(a):
            m = _YEAR_BUDGET.match(a + b)
            if m:
                votes[int(m.group(1))] += 6
    if not votes:
        return YearGuess(None)
    ranked = votes.most_common()
    year = ranked[0][0]
    warnings = []
    if len(ranked) > 1 and ranked[1][1] * 2 >= ranked[0][1]:
        warnings.append(
            f"fiscal year: evidence for {year} ({ranked[0][1]}) and {ranked[1][0]} "
            f"({ranked[1][1]}); took {year}"
        )
    return YearGuess(year, dict(votes), warnings)


_UNIT_COLUMN = re.compile(r"^(?:单位名称|预算单位|单位|单位名称/项目名称)$")


def find_subunits(lines: list[str], unit_names: set[str]) -> list[str]:
    """Subordinate units listed under a 单位名称 column (机关运行经费表, 机构设置表, …).

    The unit itself, its 本级 row and totals are not subunits. Order of first appearance.
    """
    own = {comparison_key(n) for n in unit_names if n}
    out: dict[str, str] = {}
    in_list = False
    for raw in lines:
        if "\t" not in raw:
            if raw.strip():
                in_list = False
            continue
        cells = [c.strip() for c in raw.split("\t")]
        filled = [c for c in cells if c]
        if not filled:
            continue
        first = comparison_key(filled[0])
        if _UNIT_COLUMN.match(first) and cells[0].strip():
            in_list = True
            continue
        if not in_list or not cells[0].strip():
            continue
        name = _clean_name(cells[0])
        key = comparison_key(name)
        if key in own or any(
            key.startswith(k) and key[len(k) :] in ("本级", "（本级）", "(本级)") for k in own
        ):
            continue
        if re.search(r"合计|总计|小计", key) or not plausible_unit_name(name):
            continue
        out.setdefault(key, name)
    # prose: "下属正科级事业单位为兴县政府信息和金融服务中心，下设…", "下属事业单位1个，为X。"
    for raw in lines:
        if "下属" not in raw:
            continue
        for m in _SUBUNIT_PROSE.finditer(raw):
            for part in re.split(r"[，,、；;]", m.group(1)):
                part = _clean_name(part)
                if re.match(r"^(?:下设|内设|设有|主要|负责)", part):
                    break
                part = re.sub(r"^(?:分别)?(?:为|是|有|包括)", "", part)
                # "X中心不单列预算，并入本部": the name ends where what is said about its budget starts
                part = re.split(r"不单列|不单独|单独编制|并入|纳入|列入", part)[0]
                pieces = re.split(r"[和及与]", part)
                names = pieces if len(pieces) > 1 and all(plausible_unit_name(p) for p in pieces) else [part]
                for name in names:
                    key = comparison_key(name)
                    if (
                        key
                        and key not in own
                        and plausible_unit_name(name)
                        and not re.search(r"(?:单位|股|科|室)$", key)
                    ):
                        out.setdefault(key, name)
    return list(out.values())


_SUBUNIT_PROSE = re.compile(
    r"下属[^。；，]{0,12}?单位(?:\s*[0-9一二三四五六七八九十]+\s*个)?\s*[，,：:]?\s*(?:分别)?(?:为|是|有|包括)?([^。；]+)"
)
