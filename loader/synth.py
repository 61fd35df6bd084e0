"""Synthetic department budget disclosures (部门预算公开) with their ground truth.

The project ships no third-party text, so the sample corpus (``make run``) and the benchmark's
documents come from here. :func:`generate` writes, for each document ``i``,

* ``synth-{seed}-{i:05d}.txt``: a disclosure in the tab-separated layout of the county seeds
  (title block, 概况, the budget tables in 万元, the narrative 第三部分 and one 项目支出绩效目标
  申报表 per project, amounts in 元), and
* ``synth-{seed}-{i:05d}.truth.json``: what a perfect loader reads out of it, in the words of
  ``loader/records.py`` (amounts as decimal strings in yuan).

Everything is made up except the public vocabularies: county-level place names and adcodes from
GB/T 2260 (the table shipped in the ``cpca`` package, read without importing cpca), and the
function/economic classification codes. Amounts are drawn as integer hundredths of 万元 (100 元
each), so every sum printed is exact: 项 → 款 → 类 → 合计, basic + project = total per row,
projects → project total, 人员经费 + 公用经费 = basic total, 三公 vehicle = purchase + operation.

Deterministic: document ``i`` of seed ``s`` depends only on ``random.Random(f"{s}-{i}")`` (the
hazards on a separate ``Random(f"{s}-{i}-hazards")``) and on which units documents ``0 … i-1``
drew (a unit drawn again keeps its code and gets another year), never on time or hash order.

``layout`` prints the same document in the layout of another seed (``synth_layouts.py``: paged
like 003, cell-per-line like 000, HTML cells like 001, or as ``loader/pdf.py`` hands a PDF on);
``mixed`` rotates them. The default, ``tsv``, is the layout above, byte for byte as before.

``hazards=True`` adds what real files do to a parser — a page break mid-table with the header
block repeated, a duplicated (and a truncated) form, a project name wrapped over two lines, an
OCR look-alike in the place name in running text, one 万元 table printed in 元 — while the truth
stays exactly that of the clean document.

Truth (``*.truth.json``; keys, column keys, fund sources and 三公 items are the loader's, see
``loader/tables.py``)::

    source, fiscal_year, layout                     bkg:layout as the loader reports it
    synth_layout                                    the layout written (absent for tsv)
    unit: {name, code, region: {name, adcode, level, parent: {… parent: {…}}}, subunits, department}
    tables: [{key, title, empty}]                     every table printed, in order
    lines: [{table, item, function_code?, economic_code?, sangong_item?, expenditure_type?,
             fund_source?, column?, is_total?, occurrence?, amount_yuan}]
        one per amount printed in a table; a field at its records.Line default (None, "total",
        False, 0) is left out; amount_yuan is a decimal string ("4731600.00")
    projects: [{name, unit, function_code, amount_yuan, midterm_amount_yuan, legal_basis_text,
                citations: [{raw, basis_type, title, number, issuer, issuer_level, year}],
                indicators: [{level1, level2, name, target_text, operator, value, unit,
                              placeholder, period}]}]
    personal: [{role, name, phone?}]                  names and (fake, 100…) phone numbers of the
                                                      forms: must never reach the graph
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from . import synth_layouts as L
from . import synth_vocab as V
from .synth_layouts import Event, FormEvent, TableEvent, TextEvent

__all__ = ["LAYOUTS", "MIXED", "County", "counties", "document", "generate", "layout_of"]

# The seeds' layouts (see synth_layouts.py); "mixed" rotates them, document i getting LAYOUTS[i % 5].
LAYOUTS = L.LAYOUTS
MIXED = "mixed"

# Table keys, column keys, fund-source keys and 三公 item keys: the loader's vocabulary
# (loader/tables.py: TABLE_KINDS, COLUMN_KEYS, FUND_SOURCES, SANGONG_ITEMS).
T_REVEXP = "income_expenditure_summary"
T_INCOME = "income_summary"
T_EXP = "expenditure_summary"
T_FISCAL = "fiscal_summary"
T_GENERAL = "general_budget_expenditure"
T_ECON = "general_budget_basic_economic"
T_GOVFUND_INCOME = "government_fund_income"
T_GOVFUND = "government_fund_expenditure"
T_STATECAP = "state_capital_expenditure"
T_SANGONG = "sangong"
T_OPCOST = "operating_costs"
T_PROJECTS = "project_expenditure"
T_PROJECTS_CARRIED = "project_expenditure_carried_over"

GPB = "general_public_budget"

SANGONG_ROWS = [  # (key, label as printed)
    ("travel_abroad", "因公出国（境）费"),
    ("reception", "公务接待费"),
    ("vehicle", "公务用车购置及运行费"),
    ("vehicle_purchase", "①公务用车购置费"),
    ("vehicle_operation", "②公务用车运行维护费"),
]


# ---------------------------------------------------------------------------------------------
# gazetteer


@dataclass(frozen=True)
class County:
    name: str
    adcode: str
    prefecture: str
    prefecture_adcode: str
    province: str
    province_adcode: str
    abbr: str  # 发文字号 abbreviation of the county government, e.g. "兴"
    prefecture_abbr: str  # e.g. "吕"
    province_abbr: str  # e.g. "晋"

    def region(self) -> dict:
        return {
            "name": self.name,
            "adcode": self.adcode,
            "level": "county",
            "parent": {
                "name": self.prefecture,
                "adcode": self.prefecture_adcode,
                "level": "prefecture",
                "parent": {"name": self.province, "adcode": self.province_adcode, "level": "province"},
            },
        }


def _adcodes_csv() -> str:
    spec = importlib.util.find_spec("cpca")  # locates the package without running its __init__
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the cpca package (GB/T 2260 table) is not installed")
    return (Path(next(iter(spec.submodule_search_locations))) / "resources" / "adcodes.csv").read_text(
        "utf-8"
    )


@lru_cache(maxsize=1)
def counties() -> tuple[County, ...]:
    """County-level places usable as a unit's region, sorted by adcode.

    Kept: names that occur once in the whole table (no ambiguity), under a real prefecture of a
    province (not the municipalities, not 省直辖县级行政区划), ending 县/市/区/旗, and whose
    发文字号 abbreviation (the first character) is no province's abbreviation and differs from
    its own prefecture's, so a generated 文号 names one issuer in the unit's context.
    """
    return tuple(c for c in _places()[2] if c.abbr != c.prefecture_abbr)


@lru_cache(maxsize=1)
def _places() -> tuple[dict[str, str], dict[str, str], list[County]]:
    names: dict[str, int] = {}
    places: dict[str, str] = {}
    for row in csv.DictReader(io.StringIO(_adcodes_csv())):
        code, name = row["adcode"], row["name"].strip()
        if code[6:].strip("0") or not name:
            continue
        names[name] = names.get(name, 0) + 1
        places[code[:6]] = name
    reserved = set(V.PROVINCE_ABBR.values()) | {"国", "财", "中"}
    provinces = {c: n for c, n in sorted(places.items()) if c[2:] == "0000" and c[:2] in V.PROVINCE_ABBR}
    prefectures = {
        c: n
        for c, n in sorted(places.items())
        if c[4:] == "00"
        and c[2:] != "0000"
        and c[:2] + "0000" in provinces
        and "直辖" not in n
        and n[0] not in reserved
    }
    out = []
    for code, name in sorted(places.items()):
        pc, vc = code[:4] + "00", code[:2] + "0000"
        if code[4:] == "00" or pc not in prefectures or names[name] != 1:
            continue
        if name[-1] not in "县市区旗" or "直辖" in name or name[0] in reserved:
            continue
        out.append(
            County(
                name=name,
                adcode=code,
                prefecture=prefectures[pc],
                prefecture_adcode=pc,
                province=provinces[vc],
                province_adcode=vc,
                abbr=name[0],
                prefecture_abbr=prefectures[pc][0],
                province_abbr=V.PROVINCE_ABBR[code[:2]],
            )
        )
    return provinces, prefectures, out


# ---------------------------------------------------------------------------------------------
# legal bases: fixed pools, so the same 文号 always has the same title across documents


@dataclass(frozen=True)
class Notice:
    title: str
    number: str
    issuer: str
    level: str  # central | provincial | prefecture | county
    year: int
    dept: str = ""


def _number(prefix: str, year: int, n: int) -> str:
    return f"{prefix}〔{year}〕{n}号"


@lru_cache(maxsize=1)
def _central_pool() -> tuple[Notice, ...]:
    return tuple(
        Notice(title, _number(prefix, year, n), issuer, "central", year, dept)
        for title, prefix, year, n, issuer, dept in V.CENTRAL_POOL
    )


@lru_cache(maxsize=64)
def _province_pool(province_adcode: str, province: str, abbr: str) -> tuple[Notice, ...]:
    rng = random.Random(f"province-pool-{province_adcode}")
    taken: set[str] = set()
    out = []
    for title, kind, dept in V.PROVINCE_POOL:
        year = rng.randint(2016, 2023)
        while True:
            number = _number(abbr + kind, year, rng.randint(1, 120))
            if number not in taken:
                break
        taken.add(number)
        issuer = province + V.PROVINCE_ISSUERS[kind]
        out.append(Notice(title.format(P=province), number, issuer, "provincial", year, dept))
    return tuple(out)


@lru_cache(maxsize=4096)
def _abbr_group(abbr: str) -> dict[str, tuple[Notice, ...]]:
    """Local notices of every prefecture and county whose 文号 abbreviation is ``abbr``.

    Allocated together, in adcode order, so a 文号 such as 兴政办发〔2021〕36号 is issued by one
    region only across the whole corpus (two places may share a first character).
    """
    regions = _regions_by_abbr().get(abbr, [])
    taken: set[str] = set()
    out: dict[str, tuple[Notice, ...]] = {}
    for adcode, name, level in sorted(regions):
        rng = random.Random(f"local-pool-{adcode}")
        notices = []
        for topic, kinds in rng.sample(V.LOCAL_TOPICS, 12):
            kind = rng.choice(kinds.split("|"))
            year = rng.randint(2015, 2024)
            while True:
                number = _number(abbr + kind, year, rng.randint(1, 150))
                if number not in taken:
                    break
            taken.add(number)
            notices.append(Notice(topic.format(R=name), number, name + V.LOCAL_ISSUERS[kind], level, year))
        out[adcode] = tuple(notices)
    return out


@lru_cache(maxsize=1)
def _regions_by_abbr() -> dict[str, list[tuple[str, str, str]]]:
    _, prefectures, kept = _places()
    out: dict[str, list[tuple[str, str, str]]] = {}
    for code, name in prefectures.items():
        out.setdefault(name[0], []).append((code, name, "prefecture"))
    for c in kept:
        out.setdefault(c.abbr, []).append((c.adcode, c.name, "county"))
    return out


def _local_pool(adcode: str, name: str) -> tuple[Notice, ...]:
    return _abbr_group(name[0])[adcode]


# ---------------------------------------------------------------------------------------------
# number formatting (amounts are ints in hundredths of 万元 = 100 元)


def _wan(c: int) -> str:
    return f"{c // 100}.{c % 100:02d}"


def _cell(c: int) -> str:
    return _wan(c) if c else ""


def _yuan(c: int) -> str:
    return f"{c * 100}.00"


def _wan_short(c: int) -> str:
    s = _wan(c).rstrip("0").rstrip(".")
    return s or "0"


def _pct(a: int, b: int) -> str:
    if b == 0:
        return "0.00"
    q = (a * 20000 + b) // (2 * b)
    return f"{q // 100}.{q % 100:02d}"


def _round_amount(rng: random.Random, c: int) -> int:
    r = rng.random()
    if r < 0.45:
        c = max(100, round(c, -2))
    elif r < 0.75:
        c = max(10, round(c, -1))
    return max(1, c)


# ---------------------------------------------------------------------------------------------
# the document model


@dataclass
class Project:
    name: str
    c: int
    code: str
    unit: str
    category: str
    years: int
    basis_text: str
    citations: list[dict]
    indicators: list[dict]  # truth indicators (annual and midterm)
    grid: list[tuple[str, str, str, str, str]]  # (level1, level2, name, midterm text, annual text)
    overview: str
    need: str
    measures: str
    plan: str
    goal: str
    handler: tuple[str, str]
    leader: str
    filed: str


@dataclass
class Doc:
    source: str
    fy: int
    county: County
    dept: dict
    unit: str
    code: str
    subunit: str | None
    lv: str
    econ: dict[str, int]  # economic code → amount (leaf codes)
    func: dict[str, list[int]]  # 项 code → [basic, project]
    projects: list[Project]
    sangong: dict[str, int]
    opcost: list[tuple[str, int]]  # (unit name, amount) excluding the 部门合计 row
    vehicles: int
    prev: dict[str, int]
    personal: list[dict]
    truth_lines: list[dict] = field(default_factory=list)

    # derived totals
    @property
    def basic(self) -> int:
        return sum(v[0] for v in self.func.values())

    @property
    def project_total(self) -> int:
        return sum(v[1] for v in self.func.values())

    @property
    def total(self) -> int:
        return self.basic + self.project_total


def _person(rng: random.Random) -> tuple[str, str]:
    name = rng.choice(V.SURNAMES) + "".join(rng.choice(V.GIVEN) for _ in range(rng.choice((1, 2, 2))))
    phone = "100" + "".join(str(rng.randint(0, 9)) for _ in range(8))
    return name, phone


@dataclass
class _Units:
    """Per seed, the unit, year and code of documents 0, 1, … as far as they have been drawn."""

    years: dict[tuple[str, str], dict[int, str]] = field(default_factory=dict)  # unit → {year: code}
    drawn: list[tuple[int, str]] = field(default_factory=list)  # document → (year, code)


_UNITS: dict[int, _Units] = {}


def _year_and_code(seed: int, i: int) -> tuple[int, str]:
    """Document ``i``'s fiscal year and unit code, consistent with documents 0 … i-1.

    A unit met again keeps the code its first document printed (the store holds one unit with
    one ``bkg:unitCode``), and a unit's second document for a year it already has moves to the
    nearest free year (one unit and year is one document IRI: the second would replace the
    first). Documents that meet no earlier unit keep the year and code they draw, so the fix
    leaves every other document as it was (a moved year stays within 2021–2025 while one is
    free). Only documents before ``i`` are looked at, so document ``i`` still does not depend
    on ``n``."""
    units = _UNITS.setdefault(seed, _Units())
    while len(units.drawn) <= i:
        rng = random.Random(f"{seed}-{len(units.drawn)}")  # the first draws of _build, in order
        key = (rng.choice(counties()).adcode, rng.choice(V.DEPARTMENTS)["suffix"])
        fy = rng.randint(2021, 2025)
        code = f"{rng.randint(1, 560):03d}"
        seen = units.years.setdefault(key, {})
        if seen:
            code = next(iter(seen.values()))
            fy = min(
                (y for y in range(2000, 2100) if y not in seen),
                key=lambda y: (not 2021 <= y <= 2025, abs(y - fy), y),
            )
        seen[fy] = code
        units.drawn.append((fy, code))
    return units.drawn[i]


def _build(seed: int, i: int) -> Doc:
    rng = random.Random(f"{seed}-{i}")
    county = rng.choice(counties())
    dept = rng.choice(V.DEPARTMENTS)
    rng.randint(2021, 2025)  # the year and code drawn (kept for the draws after them)
    unit = county.name + dept["suffix"]
    rng.randint(1, 560)
    fy, code = _year_and_code(seed, i)
    subunit = None
    if dept["inst"] and dept["subunits"] and rng.random() < 0.6:
        subunit = rng.choice(dept["subunits"]).format(c=county.name)
    lv = county.name[-1]

    # --- staff and the economic classification of basic expenditure
    n_admin = rng.randint(6, 45)
    n_inst = rng.randint(3, 25) if subunit else 0
    n = n_admin + n_inst
    e: dict[str, int] = {}
    base = round(n * rng.uniform(280, 420))
    e["30101"] = base
    e["30102"] = round(base * rng.uniform(0.5, 0.9))
    e["30103"] = round(base * rng.uniform(0.08, 0.15))
    if rng.random() < 0.8:
        e["30107"] = round(base * rng.uniform(0.1, 0.4))
    wage = sum(e.values())
    e["30108"] = round(wage * 0.16)
    e["30109"] = round(wage * 0.08)
    e["30110"] = round(wage * rng.uniform(0.06, 0.09))
    if rng.random() < 0.7:
        e["30111"] = round(wage * rng.uniform(0.02, 0.04))
    if rng.random() < 0.85:
        e["30112"] = max(1, round(wage * rng.uniform(0.003, 0.012)))
    e["30113"] = round(wage * 0.12)
    if rng.random() < 0.7:
        e["30199"] = round(wage * rng.uniform(0.01, 0.06))
    vehicles = rng.choice((0, 1, 1, 1, 2, 2, 3))
    public_items = [
        ("30201", 1.0, 15, 50), ("30202", 0.5, 3, 15), ("30205", 0.5, 2, 8), ("30206", 0.6, 5, 20),
        ("30207", 0.6, 3, 12), ("30208", 0.4, 5, 25), ("30209", 0.3, 5, 30), ("30211", 0.9, 5, 25),
        ("30212", 0.05, 0, 0), ("30213", 0.4, 3, 20), ("30215", 0.4, 2, 10), ("30216", 0.5, 2, 10),
        ("30217", 0.6, 0, 0), ("30228", 0.9, 0, 0), ("30229", 0.7, 0, 0), ("30231", 0.0, 0, 0),
        ("30239", 0.7, 10, 40), ("30299", 0.5, 2, 15),
    ]  # fmt: skip
    for ecode, p, lo, hi in public_items:
        if ecode == "30231":
            if vehicles:
                e[ecode] = sum(rng.randint(150, 400) for _ in range(vehicles))
            continue
        if rng.random() >= p:
            continue
        if ecode == "30212":
            e[ecode] = rng.randint(3, 12) * 100
        elif ecode == "30217":
            e[ecode] = _round_amount(rng, rng.randint(50, 600))
        elif ecode == "30228":
            e[ecode] = max(1, round(wage * 0.02))
        elif ecode == "30229":
            e[ecode] = max(1, round(wage * rng.uniform(0.015, 0.04)))
        else:
            e[ecode] = max(1, round(n * rng.uniform(lo, hi)))
    if "30212" not in e and "30217" not in e and "30231" not in e:
        e["30217"] = _round_amount(rng, rng.randint(50, 400))
    retirees = rng.randint(1, 8) if rng.random() < 0.4 else 0
    if retirees:
        e["30302"] = sum(rng.randint(300, 700) for _ in range(retirees))
    for ecode, p in (("30305", 0.2), ("30307", 0.15), ("30309", 0.2)):
        if rng.random() < p:
            e[ecode] = max(1, round(n * rng.uniform(5, 30)))
    econ = {k: e[k] for k in sorted(e)}

    # --- basic expenditure by function: social-security items tie to their economic rows
    func: dict[str, list[int]] = {}

    def put(fcode: str, basic: int = 0, project: int = 0) -> None:
        row = func.setdefault(fcode, [0, 0])
        row[0] += basic
        row[1] += project

    share = n_admin / n
    put("2080505", econ["30108"])
    put("2080506", econ["30109"])
    if "30302" in econ:
        put("2080501", econ["30302"])
    med_admin = round(econ["30110"] * share)
    put("2101101", med_admin)
    if econ["30110"] - med_admin:
        put("2101102", econ["30110"] - med_admin)
    if "30111" in econ:
        put("2101103", econ["30111"])
    if "30112" in econ:
        if rng.random() < 0.5 and econ["30112"] >= 2:
            unemp = max(1, round(econ["30112"] * 0.4))
            put("2082701", unemp)
            put("2082702", econ["30112"] - unemp)
        else:
            put("2101199", econ["30112"])
    put("2210201", econ["30113"])
    tied = ("30108", "30109", "30302", "30110", "30111", "30112", "30113")
    rest = sum(v for k, v in econ.items() if k not in tied)
    if subunit:
        admin_part = round(rest * share)
        put(dept["admin"], admin_part)
        put(dept["inst"], rest - admin_part)
    else:
        put(dept["admin"], rest)

    # --- 三公
    purchase = rng.randint(10, 25) * 100 if rng.random() < 0.06 else 0
    sangong = {
        "travel_abroad": econ.get("30212", 0),
        "reception": econ.get("30217", 0),
        "vehicle_purchase": purchase,
        "vehicle_operation": econ.get("30231", 0),
    }
    sangong["vehicle"] = sangong["vehicle_purchase"] + sangong["vehicle_operation"]
    sangong["total"] = sangong["travel_abroad"] + sangong["reception"] + sangong["vehicle"]
    if purchase and not vehicles:
        vehicles = 1

    # --- projects
    spec = [s for s in V.PROJECT_STEMS if s[4] == dept["key"]]
    generic = [s for s in V.PROJECT_STEMS if not s[4]]
    k = rng.randint(5, 25) - (1 if purchase else 0)
    n_spec = min(len(spec), rng.randint(2, 5), k)
    stems = rng.sample(spec, n_spec) + rng.sample(generic, k - n_spec)
    rng.shuffle(stems)
    if purchase:
        stems.insert(rng.randint(0, len(stems)), ("公务用车购置费", "equipment", 0, 0, "vehicle", ""))
    handlers = [_person(rng) for _ in range(rng.choice((1, 2, 2, 3)))]
    leader = _person(rng)[0] if rng.random() < 0.3 else ""
    ctx = _Ctx(rng, county, dept, fy, lv, unit)
    projects = []
    for stem in stems:
        template, category, lo, hi, scope, fcode = stem
        name = template.format(c=county.name, y=fy)
        c = purchase if scope == "vehicle" else _round_amount(rng, rng.randint(int(lo * 100), int(hi * 100)))
        if not fcode:
            if category in ("it_service", "it_build", "security") and dept["it"] and rng.random() < 0.7:
                fcode = dept["it"]
            else:
                fcode = rng.choices((dept["general"], dept["other"], dept["admin"]), (55, 35, 10))[0]
        punit = subunit if subunit and rng.random() < 0.3 else unit
        recurring = category in ("it_service", "professional", "operation") and rng.random() < 0.5
        years = 3 if recurring else 1
        basis_text, citations = _basis(ctx, name, category)
        indicators, grid = _indicators(rng, category, c, years, fy)
        texts = V.CATEGORY_TEXT[category]
        handler = rng.choice(handlers)
        day = rng.randint(0, 120)
        month, dom = (12, 1 + day) if day < 31 else (1 + (day - 31) // 30, 1 + (day - 31) % 28)
        year = fy - 1 if day < 31 else fy
        clock = f"{rng.randint(8, 21):02d}{rng.randint(0, 59):02d}{rng.randint(0, 59):02d}"
        filed = f"{year}{month:02d}{dom:02d}{clock}"
        projects.append(
            Project(
                name=name,
                c=c,
                code=fcode,
                unit=punit,
                category=category,
                years=years,
                basis_text=basis_text,
                citations=citations,
                indicators=indicators,
                grid=grid,
                overview=rng.choice(texts["overview"]).format(name=_stem(name)),
                need=rng.choice(texts["need"]),
                measures=rng.choice(V.MEASURES),
                plan=rng.choice(V.PLANS),
                goal=rng.choice(texts["goal"]),
                handler=handler,
                leader=leader,
                filed=filed,
            )
        )
        put(fcode, 0, c)
    func = {k2: func[k2] for k2 in sorted(func)}

    # --- 机关运行经费 by unit
    public = sum(v for k2, v in econ.items() if k2.startswith("302"))
    if subunit:
        main_part = round(public * share)
        opcost = [(unit, main_part), (subunit, public - main_part)]
    else:
        opcost = [(unit, public)]

    # --- last year's figures for the narrative
    total = sum(b + p for b, p in func.values())
    prev = {
        "total": max(100, round(total * rng.uniform(0.6, 1.35))),
        "sangong": max(0, sangong["total"] + rng.choice((-1, 0, 1)) * rng.randint(0, 150)),
        "opcost": max(0, public + rng.randint(-300, 300)),
        "staff_change": rng.randint(1, 3),
    }
    personal = []
    if leader:
        personal.append({"role": "负责人", "name": leader})
    seen: set[tuple[str, str]] = set()
    for p in projects:
        if p.handler not in seen:
            seen.add(p.handler)
            personal.append({"role": "经办人", "name": p.handler[0], "phone": p.handler[1]})
    return Doc(
        source=f"synth-{seed}-{i:05d}.txt",
        fy=fy,
        county=county,
        dept=dept,
        unit=unit,
        code=code,
        subunit=subunit,
        lv=lv,
        econ=econ,
        func=func,
        projects=projects,
        sangong=sangong,
        opcost=opcost,
        vehicles=vehicles,
        prev=prev,
        personal=personal,
    )


# ---------------------------------------------------------------------------------------------
# 立项依据


@dataclass
class _Ctx:
    rng: random.Random
    county: County
    dept: dict
    fy: int
    lv: str
    unit: str


def _policy_notices(ctx: _Ctx, k: int) -> list[Notice]:
    rng, c, fy = ctx.rng, ctx.county, ctx.fy
    dept = ctx.dept["key"]
    shared = [
        x
        for x in _central_pool() + _province_pool(c.province_adcode, c.province, c.province_abbr)
        if x.year < fy and x.dept in ("", dept)
    ]
    local = [
        x
        for x in _local_pool(c.prefecture_adcode, c.prefecture) + _local_pool(c.adcode, c.name)
        if x.year < fy
    ]
    out: list[Notice] = []
    for _ in range(k):
        pool = shared if (rng.random() < 0.5 or not local) else local
        pick = rng.choice(pool)
        if pick not in out:
            out.append(pick)
    return out


def _cite_policy(ctx: _Ctx, notice: Notice) -> tuple[str, dict]:
    style = ctx.rng.random()
    if style < 0.6 or notice.title.startswith(notice.issuer):
        title = notice.title
        raw = f"《{title}》({notice.number})"
    elif style < 0.8:
        title = notice.title
        raw = f"{notice.issuer}《{title}》({notice.number})"
    else:
        title = notice.issuer + notice.title
        raw = f"《{title}》({notice.number})"
    return raw, {
        "raw": raw,
        "basis_type": "policy",
        "title": title,
        "number": notice.number,
        "issuer": notice.issuer,
        "issuer_level": notice.level,
        "year": notice.year,
    }


def _plain(raw: str, basis_type: str, **kw) -> dict:
    out = {"raw": raw, "basis_type": basis_type, "title": None, "number": None, "issuer": None}
    out.update({"issuer_level": None, "year": None})
    out.update(kw)
    return out


def _policy_text(ctx: _Ctx, k: int) -> tuple[str, list[dict]]:
    cites = [_cite_policy(ctx, x) for x in _policy_notices(ctx, k)]
    joiner = "、" if ctx.rng.random() < 0.8 else "和"
    return joiner.join(raw for raw, _ in cites), [c for _, c in cites]


def _stem(name: str) -> str:
    """电子政务外网租赁费 → 电子政务外网租赁 (for prose and contract titles)."""
    for tail in ("服务费", "经费", "费用", "资金", "费", "项目"):
        if name.endswith(tail) and len(name) > len(tail) + 1:
            return name[: -len(tail)]
    return name


def _basis(ctx: _Ctx, name: str, category: str) -> tuple[str, list[dict]]:
    rng = ctx.rng
    kinds = ["policy", "law", "contract", "decision", "informal", "standard"]
    weights = [42, 10, 12, 10, 22, 0]
    if category in ("security", "archive", "it_build", "publicity"):
        weights[5] = 25 if category in ("security", "archive") else 6
    if category not in ("it_service", "professional", "operation", "renovation", "security", "archive"):
        weights[2] = 0
    kind = rng.choices(kinds, weights)[0]
    prefix = rng.choice(("按照", "根据", "依据"))
    if kind == "policy":
        body, cites = _policy_text(ctx, rng.choice((1, 1, 1, 2, 2, 3)))
        suffix = rng.choice(("文件要求执行。", "文件精神。", "有关规定执行。", "精神", ""))
        return f"{prefix}{body}{suffix}", cites
    if kind == "law":
        laws = [t for t, d in V.LAWS if d in ("", ctx.dept["key"])]
        title = rng.choice(laws)
        raw = f"《{title}》"
        cites = [_plain(raw, "law", title=title, issuer_level="central")]
        text = f"根据{raw}"
        if rng.random() < 0.5:
            body, more = _policy_text(ctx, 1)
            text += f"和{body}"
            cites += more
        return text + "的有关规定。", cites
    if kind == "standard":
        options = [s for s in V.STANDARDS if s[3] == category] or list(V.STANDARDS)
        title, printed, year, _ = rng.choice(options)
        number = printed.replace("—", "-")  # the normalised form; documents print either dash
        if rng.random() < 0.5:
            printed = number
        if rng.random() < 0.7:
            raw = f"《{title}》({printed})"
            cite = _plain(raw, "standard", title=title, number=number, year=year)
        else:
            raw = printed
            cite = _plain(raw, "standard", number=number, year=year)
        text = f"依据{raw}等标准要求"
        cites = [cite]
        if rng.random() < 0.4:
            body, more = _policy_text(ctx, 1)
            text += f"，并{prefix}{body}"
            cites += more
        return text + "。", cites
    if kind == "contract":
        title = f"{_stem(name)}服务合同"
        kinds = ["律师事务所"] if "法律" in name else V.COMPANY_KINDS
        company = rng.choice(V.COMPANY_STEMS) + rng.choice(kinds)
        r = rng.random()
        if r < 0.4:
            raw = f"与{company}签订的《{title}》"
        elif r < 0.7:
            raw = f"《{title}》"
        else:
            raw = f"与{company}签订的{title}"
        return f"按照{raw}执行。", [_plain(raw, "contract", title=title)]
    if kind == "decision":
        # "市政府" in a county-level city could be read as the prefecture's: name it in full there
        gov = f"{ctx.lv}政府" if ctx.lv != "市" else f"{ctx.county.name}人民政府"
        raw = rng.choice(V.DECISION_TEMPLATES).format(gov=gov, c=ctx.county.name)
        cite = _plain(raw, "decision", issuer=ctx.county.name + "人民政府", issuer_level="county")
        return raw + rng.choice(("", "，同意安排该项目经费。", "。")), [cite]
    raw = rng.choice(V.INFORMAL_BASES)
    return raw, [_plain(raw, "informal")]


# ---------------------------------------------------------------------------------------------
# 绩效指标

_SYM = {">=": "≥", "<=": "≤", "=": "", ">": ">", "<": "<"}


def _target(rng: random.Random, spec: tuple, c: int, years: int, fy: int) -> tuple[list[tuple], bool]:
    """[(text, operator, value, unit, placeholder) for midterm, annual], same-for-both flag."""
    kind = spec[0]
    if kind == "pct":
        op, v = spec[1], rng.choice(spec[2])
        t = (f"{_SYM[op]}{v}%", op, str(v), "%", False)
        return [t, t], True
    if kind == "count":
        op, lo, hi, unit = spec[1:]
        v = rng.randint(lo, hi)
        if hi >= 1000:
            v = max(lo, round(v, -2))
        elif hi >= 100:
            v = max(lo, round(v, -1))
        t = (f"{_SYM[op]}{v}{unit}", op, str(v), unit, False)
        return [t, t], True
    if kind == "qual":
        t = (rng.choice(spec[1]), None, None, None, False)
        return [t, t], True
    if kind == "placeholder":
        text = rng.choice((f"{fy}年底XX月XX日前", f"{fy}年XX月XX日-XX月XX日", f"{fy}年XX月XX日前"))
        t = (text, None, None, None, True)
        return [t, t], True
    if kind == "unit_cost":
        op, v, unit = spec[1], rng.choice(spec[2]), spec[3]
        t = (f"{_SYM[op]}{v}{unit}", op, str(v), unit, False)
        return [t, t], True
    if kind == "years":
        op, lo, hi = spec[1:]
        v = rng.randint(lo, hi)
        t = (f"{_SYM[op]}{v}年", op, str(v), "年", False)
        return [t, t], True
    # cost: the project's own amount, in 万元 or 元
    style = rng.random()
    out = []
    for amount in (c * years, c):
        if style < 0.45:
            v = _wan_short(amount)
            out.append((f"≤{v}万元", "<=", v, "万元", False))
        elif style < 0.75:
            v = str(amount * 100)
            out.append((f"≤{v}元", "<=", v, "元", False))
        else:
            v = str(amount * 100)
            out.append((f"{v}元", "=", v, "元", False))
    return out, years == 1


# 二级指标 as the loader records them (the form prints the short name).
_LEVEL2_CANONICAL = {"服务对象满意度": "服务对象满意度指标"}

_GROUPS = [
    ("产出指标", ["数量指标", "质量指标", "时效指标", "成本指标"]),
    ("效益指标", ["经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"]),
    ("满意度指标", ["服务对象满意度"]),
]


def _indicators(
    rng: random.Random, category: str, c: int, years: int, fy: int
) -> tuple[list[dict], list[tuple[str, str, str, str, str]]]:
    truth: list[dict] = []
    grid: list[tuple[str, str, str, str, str]] = []
    templates = V.INDICATORS[category]
    for l1, l2, name, spec in templates:
        keep = l2 in ("服务对象满意度", "成本指标") or rng.random() < 0.85
        if not keep:
            continue
        (mid, ann), _ = _target(rng, spec, c, years, fy)
        grid.append((l1, l2, name, mid[0], ann[0]))
        for period, t in (("midterm", mid), ("annual", ann)):
            truth.append(
                {
                    "level1": l1,
                    "level2": _LEVEL2_CANONICAL.get(l2, l2),
                    "name": name,
                    "target_text": t[0],
                    "operator": t[1],
                    "value": t[2],
                    "unit": t[3],
                    "placeholder": t[4],
                    "period": period,
                }
            )
    return truth, grid


# ---------------------------------------------------------------------------------------------
# truth lines


_LINE_DEFAULTS = {
    "function_code": None,
    "economic_code": None,
    "sangong_item": None,
    "expenditure_type": None,
    "fund_source": None,
    "column": "total",
    "is_total": False,
    "occurrence": 0,
}


def _line(doc: Doc, table: str, item: str, c: int, **dims) -> None:
    """One truth line; fields at their ``records.Line`` default are left out."""
    line: dict = {"table": table, "item": item}
    for key in _LINE_DEFAULTS:  # a fixed field order
        if key in dims and dims[key] != _LINE_DEFAULTS[key]:
            line[key] = dims[key]
    line["amount_yuan"] = f"{c * 100}.00"
    doc.truth_lines.append(line)


def _func_rows(doc: Doc) -> list[tuple[str, str, int, int]]:
    """(code, name, basic, project) for every 类, 款 and 项 in code order (a pre-order walk)."""
    agg: dict[str, list[int]] = {}
    for code, (b, p) in doc.func.items():
        for key in (code[:3], code[:5], code):
            row = agg.setdefault(key, [0, 0])
            row[0] += b
            row[1] += p
    return [(code, V.FUNC_NAMES[code], b, p) for code, (b, p) in sorted(agg.items())]


def _class_totals(doc: Doc) -> dict[str, int]:
    out: dict[str, int] = {}
    for code, (b, p) in doc.func.items():
        out[code[:3]] = out.get(code[:3], 0) + b + p
    return out


# ---------------------------------------------------------------------------------------------
# rendering (tab-separated, the county template)


@dataclass
class _Hazards:
    rng: random.Random
    break_table: str = ""
    yuan_table: str = ""
    wrap_project: int = -1
    dup_form: int = -1
    truncated_form: bool = False
    ocr: bool = False


def _ocr_swap(name: str) -> str:
    for idx, ch in enumerate(name):
        if ch in V.OCR_CONFUSIONS and V.OCR_CONFUSIONS[ch] != ch:
            return name[:idx] + V.OCR_CONFUSIONS[ch] + name[idx + 1 :]
    return name[:-1] + "具"


class _Writer:
    """Writes the tab-separated text and, beside it, the same content as events (text lines,
    tables, forms) for the other layouts (``synth_layouts``) to print their own way."""

    def __init__(self, doc: Doc, hz: _Hazards | None):
        self.doc = doc
        self.hz = hz
        self.out: list[str] = []
        self.tables: list[dict] = []
        self.events: list[Event] = []

    def emit(self, *lines: str) -> None:
        self.out.extend(lines)
        self.events.extend(TextEvent(ln) for ln in lines)

    def form(self, lines: list[str]) -> None:
        self.out.extend(lines)
        self.events.append(FormEvent(list(lines)))

    def table(
        self,
        key: str,
        title: str,
        header: list[str],
        body: list[str],
        empty: bool = False,
        unit_label: str = "万元",
        cont: frozenset[int] = frozenset(),
    ) -> None:
        d = self.doc
        self.tables.append({"key": key, "title": title, "empty": empty})
        self.events.append(TableEvent(key, title, unit_label, list(header), list(body), empty, cont))
        block = [f"部门名称：{d.unit}", "", f"单位：{unit_label}", ""]
        out = self.out
        out.extend([title, "", *block, *header])
        hz = self.hz
        if hz and hz.break_table == key and len(body) > 6:
            cut = hz.rng.randint(3, len(body) - 2)
            page = [str(hz.rng.randint(2, 40))] if hz.rng.random() < 0.5 else []
            out.extend([*body[:cut], "", *page, "", *block, *header, *body[cut:]])
        else:
            out.extend(body)
        out.append("")
        if empty:
            out.extend(["注：本表无数据", ""])


def _render(doc: Doc, hz: _Hazards | None) -> tuple[str, list[dict], list[Event]]:
    w = _Writer(doc, hz)
    fy = doc.fy
    doc.truth_lines = []
    _title_block(w)
    _overview(w)
    w.emit(f"第二部分 {fy}年部门预算报表", "", "预算公开表1", "")
    rows = _func_rows(doc)
    _t_revexp(w)
    _t_income(w, rows)
    _t_exp(w, rows, T_EXP, f"{fy}年预算支出总表")
    _t_fiscal(w)
    _t_exp(w, rows, T_GENERAL, f"{fy}年一般公共预算支出预算表（不含上年结转）")
    _t_econ(w)
    _t_empty_funds(w, rows)
    _t_sangong(w)
    _t_opcost(w)
    _t_projects(w)
    _narrative(w)
    _forms(w)
    _closing(w)
    text = "\n".join(w.out) + "\n"
    return text, w.tables, w.events


def _title_block(w: _Writer) -> None:
    d = w.doc
    fy = d.fy
    toc = [
        ("第一部分 概况", False),
        ("一、本部门职责", True),
        ("二、机构设置情况", True),
        (f"第二部分 {fy}年部门预算报表", False),
        (f"{fy}年预算收支总表", True),
        (f"{fy}年预算收入总表", True),
        (f"{fy}年预算支出总表", True),
        (f"{fy}年财政拨款收支总表", True),
        (f"{fy}年一般公共预算支出预算表（不含上年结转）", True),
        (f"{fy}年一般公共预算安排基本支出分经济科目表（不含上年结转）", True),
        (f"{fy}年政府性基金预算收入表（不含上年结转）", True),
        (f"{fy}年政府性基金预算支出表（不含上年结转）", True),
        (f"{fy}年国有资本经营预算收支预算表（不含上年结转）", True),
        (f"{fy}年一般公共预算“三公”经费支出预算表", True),
        (f"{fy}年机关运行经费预算财政拨款情况统计表", True),
        (f"{fy}年项目支出预算表（本年预算）", True),
        (f"{fy}年项目支出预算表（上年结转）", True),
        (f"第三部分 {fy}年度部门预算情况说明", False),
        ("一、部门预算收支数据变动情况及原因", True),
        ("二、收入预算情况说明", True),
        ("三、支出预算情况说明", True),
        ("四、财政拨款收支预算总体情况说明", True),
        ("五、一般公共预算支出情况说明", True),
        ("六、一般公共预算基本支出情况说明", True),
        ("七、“三公”经费增减变动原因说明", True),
        ("八、机关运行经费增减变动原因说明", True),
        ("九、政府采购情况", True),
        ("十、绩效管理情况", True),
        ("十一、国有资产占有使用情况", True),
        ("十二、其他说明", True),
        ("第四部分 名词解释", True),
    ]
    w.emit("", "", d.unit, "", f"{fy}年度部门预算公开", "", "目 录", "")
    page = 1
    for idx, (label, dots) in enumerate(toc):
        if label.startswith("十一"):
            page += 1 + len(d.projects) * 2
        elif idx in (3, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15, 16, 17, 20, 25):
            page += 1
        w.emit(f"{label}{'.....' if dots else ''}\t{page}")
    w.emit("")


def _overview(w: _Writer) -> None:
    d = w.doc
    lv = d.lv
    rng = random.Random(f"{d.source}-overview")
    name_in_text = d.unit
    if w.hz and w.hz.ocr:
        name_in_text = _ocr_swap(d.county.name) + d.dept["suffix"]
    duties = [x.format(lv=lv) for x in d.dept["duties"]]
    w.emit("第一部分 概况", "", "一、本部门职责", "")
    w.emit(f"{name_in_text}是{d.dept['role'].format(lv=lv)}。主要职责是：", "")
    for idx, duty in enumerate(duties, 1):
        w.emit(f"{idx}. {duty}。")
    offices = rng.sample(d.dept["offices"], min(len(d.dept["offices"]), rng.randint(3, 6)))
    w.emit("", "二、机构设置情况", "")
    text = f"{d.unit}为正科级建制，内设{'、'.join(offices)}。"
    if d.subunit:
        text += f"下属事业单位1个，为{d.subunit}。"
    else:
        text += "无下属单位。"
    w.emit(text, "")


def _two_sided_totals(d: Doc, key: str, with_gpb: bool) -> None:
    """Lines of the 本年收入合计 / 本年支出合计 / 收入总计 / 支出总计 rows of a 收支 table."""
    t = d.total
    right = {"fund_source": GPB, "column": GPB} if with_gpb else {"column": "current_year"}
    _line(d, key, "本年收入合计", t, column="income")
    _line(d, key, "本年支出合计", t)
    _line(d, key, "本年支出合计", t, **right)
    _line(d, key, "收入总计", t, column="income", is_total=True)
    _line(d, key, "支出总计", t, is_total=True)
    _line(d, key, "支出总计", t, is_total=True, **right)


def _t_revexp(w: _Writer) -> None:
    d = w.doc
    fy, total = d.fy, d.total
    classes = _class_totals(d)
    header = ["收入\t\t支出\t\t\t", f"项目\t{fy}年\t项目\t{fy}年合计\t当年预算安排\t上年结转安排"]
    left = [
        "一、一般公共预算",
        "二、政府性基金预算",
        "三、国有资本经营预算",
        "四、财政专户管理资金",
        "五、单位资金",
    ]
    body = []
    _line(d, T_REVEXP, left[0], total, fund_source=GPB, column="income")
    for idx, (code, cname) in enumerate(V.CLASSES):
        label = f"{_CN_NUM[idx + 1]}、{cname}"
        amount = classes.get(code, 0)
        lcell = left[idx] if idx < len(left) else ""
        lamt = _cell(total) if idx == 0 else ""
        body.append(f"{lcell}\t{lamt}\t{label}\t{_cell(amount)}\t{_cell(amount)}\t")
        if amount:
            _line(d, T_REVEXP, label, amount, function_code=code)
            _line(d, T_REVEXP, label, amount, function_code=code, column="current_year")
    t = _wan(total)
    body += [
        f"本年收入合计\t{t}\t本年支出合计\t{t}\t{t}\t",
        "上年结转\t\t年终结转\t\t\t",
        f"收入总计\t{t}\t支出总计\t{t}\t{t}\t",
    ]
    _two_sided_totals(d, T_REVEXP, with_gpb=False)
    w.table(T_REVEXP, f"{fy}年预算收支总表", header, body)


_CN_NUM = [
    "零", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三", "十四", "十五",
    "十六", "十七", "十八", "十九", "二十", "二十一", "二十二", "二十三", "二十四", "二十五", "二十六",
    "二十七", "二十八", "二十九", "三十",
]  # fmt: skip


def _t_income(w: _Writer, rows: list[tuple[str, str, int, int]]) -> None:
    d = w.doc
    header = [
        "项目\t\t本年收入\t\t\t\t\t上年结转",
        "科目编码\t科目名称\t合计\t一般公共预算\t政府性基金\t国有资本经营预算\t财政专户管理资金\t",
    ]
    t = d.total
    body = [f"合计\t\t{_wan(t)}\t{_wan(t)}\t\t\t\t"]
    _line(d, T_INCOME, "合计", t, is_total=True)
    _line(d, T_INCOME, "合计", t, is_total=True, fund_source=GPB, column=GPB)
    for code, name, b, p in rows:
        a = _wan(b + p)
        body.append(f"{code}\t{name}\t{a}\t{a}\t\t\t\t")
        _line(d, T_INCOME, name, b + p, function_code=code)
        _line(d, T_INCOME, name, b + p, function_code=code, fund_source=GPB, column=GPB)
    w.table(T_INCOME, f"{d.fy}年预算收入总表", header, body)


def _t_exp(w: _Writer, rows: list[tuple[str, str, int, int]], key: str, title: str) -> None:
    d = w.doc
    fund = GPB if key == T_GENERAL else None
    header = [f"项目\t\t{d.fy}年预算数\t\t", "科目编码\t科目名称\t合计\t基本支出\t项目支出"]
    body = [f"合计\t\t{_wan(d.total)}\t{_cell(d.basic)}\t{_cell(d.project_total)}"]
    rows_all = [(None, "合计", d.basic, d.project_total), *rows]
    for code, name, b, p in rows_all:
        if code is not None:
            body.append(f"{code}\t{name}\t{_wan(b + p)}\t{_cell(b)}\t{_cell(p)}")
        dims = {"function_code": code, "fund_source": fund, "is_total": code is None}
        _line(d, key, name, b + p, **dims)
        if b:
            _line(d, key, name, b, expenditure_type="basic", column="basic", **dims)
        if p:
            _line(d, key, name, p, expenditure_type="project", column="project", **dims)
    w.table(key, title, header, body)


def _t_fiscal(w: _Writer) -> None:
    d = w.doc
    total = d.total
    classes = _class_totals(d)
    header = [
        "收入\t\t支出\t\t\t\t",
        "项目\t金额\t项目\t金额\t\t\t",
        "\t\t\t小计\t一般公共预算\t政府性基金预算\t国有资本经营预算",
    ]
    left = ["一、一般公共预算", "二、政府性基金预算", "三、国有资本经营预算"]
    body = []
    _line(d, T_FISCAL, left[0], total, fund_source=GPB, column="income")
    for idx, (code, cname) in enumerate(V.CLASSES):
        label = f"{_CN_NUM[idx + 1]}、{cname}"
        amount = classes.get(code, 0)
        lcell = left[idx] if idx < len(left) else ""
        lamt = _cell(total) if idx == 0 else ""
        body.append(f"{lcell}\t{lamt}\t{label}\t{_cell(amount)}\t{_cell(amount)}\t\t")
        if amount:
            _line(d, T_FISCAL, label, amount, function_code=code)
            _line(d, T_FISCAL, label, amount, function_code=code, fund_source=GPB, column=GPB)
    t = _wan(total)
    body += [
        f"本年收入合计\t{t}\t本年支出合计\t{t}\t{t}\t\t",
        "上年财政拨款结转\t\t年终结转\t\t\t\t",
        "一、一般公共预算\t\t\t\t\t\t",
        "二、政府性基金预算\t\t\t\t\t\t",
        "三、国有资本经营预算\t\t\t\t\t\t",
        f"收入总计\t{t}\t支出总计\t{t}\t{t}\t\t",
    ]
    _two_sided_totals(d, T_FISCAL, with_gpb=True)
    w.table(T_FISCAL, f"{d.fy}年财政拨款收支总表", header, body)


def _t_econ(w: _Writer) -> None:
    d = w.doc
    header = [
        f"部门预算支出经济科目名称\t政府预算支出经济科目名称\t{d.fy}年预算数\t\t",
        "\t\t合计\t人员经费\t公用经费",
    ]
    groups: dict[str, int] = {}
    for code, amount in d.econ.items():
        groups[code[:3]] = groups.get(code[:3], 0) + amount
    personnel = groups.get("301", 0) + groups.get("303", 0)
    public = groups.get("302", 0)
    body = [f"合计\t\t{_wan(personnel + public)}\t{_cell(personnel)}\t{_cell(public)}"]
    dims = {"expenditure_type": "basic", "fund_source": GPB}
    _line(d, T_ECON, "合计", personnel + public, is_total=True, **dims)
    if personnel:
        _line(d, T_ECON, "合计", personnel, is_total=True, column="personnel", **dims)
    if public:
        _line(d, T_ECON, "合计", public, is_total=True, column="public", **dims)
    for group in ("301", "302", "303"):
        if group not in groups:
            continue
        col = "public" if group == "302" else "personnel"
        rows = [(group, V.ECONOMIC[group][0], "", groups[group])]
        rows += [(c, *V.ECONOMIC[c], a) for c, a in d.econ.items() if c[:3] == group]
        for code, name, gov, amount in rows:
            a = _wan(amount)
            body.append(
                f"{name}\t{gov}\t{a}\t{a if col == 'personnel' else ''}\t{a if col == 'public' else ''}"
            )
            _line(d, T_ECON, name, amount, economic_code=code, **dims)
            _line(d, T_ECON, name, amount, economic_code=code, column=col, **dims)
    w.table(T_ECON, f"{d.fy}年一般公共预算安排基本支出分经济科目表（不含上年结转）", header, body)


def _t_empty_funds(w: _Writer, rows: list[tuple[str, str, int, int]]) -> None:
    d = w.doc
    fy = d.fy
    w.table(
        T_GOVFUND_INCOME,
        f"{fy}年政府性基金预算收入表（不含上年结转）",
        ["项目\t\t政府性基金收入预算", "收入科目编码\t科目名称\t"],
        ["合计\t\t"],
        empty=True,
    )
    w.table(
        T_GOVFUND,
        f"{fy}年政府性基金预算支出表（不含上年结转）",
        ["科目编码\t科目名称\t合计\t基本支出\t项目支出"],
        ["合计\t\t\t\t"],
        empty=True,
    )
    header = [
        "国有资本经营预算收入\t\t\t国有资本经营预算支出\t\t\t\t",
        "项目\t\t国有资本经营收入预算\t科目编码\t科目名称\t合计\t基本支出\t项目支出",
        "收入科目编码\t科目名称\t\t\t\t\t\t",
    ]
    body = ["合计\t\t\t\t\t\t\t"] + [f"{c}\t{n}\t\t{c}\t{n}\t\t\t" for c, n, _, _ in rows]
    w.table(T_STATECAP, f"{fy}年国有资本经营预算收支预算表（不含上年结转）", header, body, empty=True)


def _t_sangong(w: _Writer) -> None:
    d = w.doc
    s = d.sangong
    in_yuan = bool(w.hz and w.hz.yuan_table == T_SANGONG)
    fmt = _cell_yuan if in_yuan else _cell
    header = [f"项目\t{d.fy}年预算数\t\t\t", "\t合计\t一般公共预算\t政府性基金预算\t国有资本经营预算"]
    body = []
    for key, label in [*SANGONG_ROWS, ("total", "合计")]:
        body.append(f"{label}\t{fmt(s[key])}\t{fmt(s[key])}\t\t")
        if s[key]:
            dims = {"sangong_item": key, "is_total": key == "total"}
            _line(d, T_SANGONG, label, s[key], **dims)
            _line(d, T_SANGONG, label, s[key], fund_source=GPB, column=GPB, **dims)
    w.table(
        T_SANGONG,
        f"{d.fy}年一般公共预算“三公”经费支出预算表",
        header,
        body,
        unit_label="元" if in_yuan else "万元",
    )


def _cell_yuan(c: int) -> str:
    return f"{c * 100}.00" if c else ""


def _t_opcost(w: _Writer) -> None:
    d = w.doc
    in_yuan = bool(w.hz and w.hz.yuan_table == T_OPCOST)
    fmt = _cell_yuan if in_yuan else _cell
    total = sum(a for _, a in d.opcost)
    header = [f"单位名称\t{d.fy}预算数\t\t\t", "\t合计\t一般公共预算\t政府性基金预算\t国有资本经营预算"]
    body = []
    for name, amount in [("部门合计", total), *d.opcost]:
        body.append(f"{name}\t{fmt(amount)}\t{fmt(amount)}\t\t")
        if amount:
            _line(d, T_OPCOST, name, amount, is_total=name == "部门合计")
            _line(d, T_OPCOST, name, amount, is_total=name == "部门合计", fund_source=GPB, column=GPB)
    title = f"{d.fy}年机关运行经费预算财政拨款情况统计表"
    w.table(T_OPCOST, title, header, body, unit_label="元" if in_yuan else "万元")


def _t_projects(w: _Writer) -> None:
    d = w.doc
    fy = d.fy
    header = [
        f"项目名称\t合计\t{fy}年财政拨款\t\t\t财政专户管理资金\t单位资金",
        "\t\t一般公共预算\t政府性基金预算\t国有资本经营预算\t\t",
        "1\t2\t3\t4\t5\t6\t7",
    ]
    body = []
    rows: list[tuple[str, int, int]] = [(d.unit, d.project_total, -1)]  # (label, amount, project index)
    for u in [d.unit] + ([d.subunit] if d.subunit else []):
        mine = [k for k, p in enumerate(d.projects) if p.unit == u]
        if mine:
            rows.append((u, sum(d.projects[k].c for k in mine), -1))
            rows += [(d.projects[k].name, d.projects[k].c, k) for k in mine]
    cont: set[int] = set()
    for label, amount, k in rows:
        a = _wan(amount)
        if w.hz and k >= 0 and w.hz.wrap_project == k and len(label) >= 6:
            cut = w.hz.rng.randint(3, len(label) - 2)
            body += [f"{label[:cut]}\t{a}\t{a}\t\t\t\t", f"{label[cut:]}\t\t\t\t\t\t"]
            cont.add(len(body) - 1)
        else:
            body.append(f"{label}\t{a}\t{a}\t\t\t\t")
        _line(d, T_PROJECTS, label, amount)
        _line(d, T_PROJECTS, label, amount, fund_source=GPB, column=GPB)
    w.table(T_PROJECTS, f"{fy}年项目支出预算表（本年预算）", header, body, cont=frozenset(cont))
    w.table(
        T_PROJECTS_CARRIED,
        f"{fy}年项目支出预算表（上年结转）",
        [
            f"项目名称\t合计\t{fy}年财政拨款\t\t",
            "\t\t一般公共预算\t政府性基金预算\t国有资本经营预算",
            "1\t2\t3\t4\t5",
        ],
        [],
        empty=True,
    )


def _change(cur: int, prev: int) -> tuple[str, str, str]:
    """("增加"/"减少"/"持平", amount 万元, percent)."""
    if cur == prev:
        return "持平", "0.00", "0.00"
    word = "增加" if cur > prev else "减少"
    return word, _wan(abs(cur - prev)), _pct(abs(cur - prev), prev)


def _narrative(w: _Writer) -> None:
    d = w.doc
    fy, unit = d.fy, d.unit
    rng = random.Random(f"{d.source}-narrative")
    total, basic, proj = d.total, d.basic, d.project_total
    t = _wan(total)
    word, diff, pct = _change(total, d.prev["total"])
    if word == "增加":
        top = sorted(d.projects, key=lambda p: (-p.c, p.name))[: rng.randint(2, 4)]
        items = "；".join(f"{k}.{p.name}{_wan_short(p.c)}万元" for k, p in enumerate(top, 1))
        reason = rng.choice(
            (
                f"本年度项目支出增加，包括：{items}",
                f"人员经费随工资标准调整增加，同时新增项目支出，包括：{items}",
            )
        )
    elif word == "减少":
        reason = rng.choice(("部分一次性项目完成后不再安排", "压减一般性支出", "人员退休减少人员经费"))
    else:
        reason = "收支规模与上年基本一致"
    change = (
        "与上年持平"
        if word == "持平"
        else f"比上年{word}{diff}万元，{'增长' if word == '增加' else '下降'}{pct}%"
    )
    w.emit(f"第三部分 {fy}年度部门预算情况说明", "", "一、部门预算收支数据变动情况及原因", "")
    w.emit(
        f"{fy}年度预算收入总计{t}万元，其中：本年收入{t}万元，上年结转0.00万元，{change}，主要原因是{reason}。"
        f"{fy}年度预算支出总计{t}万元，其中：本年预算安排{t}万元，上年结转0.00万元，{change}。",
        "",
    )
    w.emit("二、收入预算情况说明", "")
    w.emit(
        f"{fy}年度预算收入{t}万元，其中：一般公共预算拨款收入{t}万元，占100.00%；政府性基金预算拨款收入0.00万元，"
        "占0.00%；国有资本经营预算拨款收入0.00万元，占0.00%；财政专户管理资金收入0.00万元，占0.00%；"
        "单位资金0.00万元，占0.00%；上年结转0.00万元，占0.00%。",
        "",
    )
    bp = _pct(basic, total)
    pp_q = 10000 - int(bp.replace(".", ""))
    w.emit("三、支出预算情况说明", "")
    w.emit(
        f"{fy}年度支出预算{t}万元，其中：基本支出{_wan(basic)}万元，占{bp}%；"
        f"项目支出{_wan(proj)}万元，占{pp_q // 100}.{pp_q % 100:02d}%。",
        "",
    )
    classes = _class_totals(d)
    names = dict(V.CLASSES)
    parts = "、".join(f"{names[c]}{_wan(a)}万元" for c, a in sorted(classes.items()))
    w.emit("四、财政拨款收支预算总体情况说明", "")
    w.emit(
        f"{fy}年度财政拨款收支总预算{t}万元。收入为一般公共预算拨款{t}万元，政府性基金预算拨款0.00万元，"
        f"国有资本经营预算拨款0.00万元。支出包括：{parts}。",
        "",
    )
    w.emit("五、一般公共预算支出情况说明", "", "（一）一般公共预算当年拨款规模变化情况", "")
    w.emit(f"{fy}年度一般公共预算当年拨款{t}万元，{change}。", "")
    w.emit("（二）一般公共预算当年拨款结构情况", "")
    shares = "；".join(f"{names[c]}{_wan(a)}万元，占{_pct(a, total)}%" for c, a in sorted(classes.items()))
    w.emit(f"{fy}年度一般公共预算当年拨款{t}万元，主要用于以下方面：{shares}。", "")
    personnel = sum(v for k, v in d.econ.items() if not k.startswith("302"))
    public = sum(v for k, v in d.econ.items() if k.startswith("302"))
    pnames = "、".join(V.ECONOMIC[k][0] for k in d.econ if not k.startswith("302"))
    gnames = "、".join(V.ECONOMIC[k][0] for k in d.econ if k.startswith("302"))
    w.emit("六、一般公共预算基本支出情况说明", "")
    w.emit(f"{fy}年度一般公共预算基本支出{_wan(basic)}万元，其中：", "")
    w.emit(f"人员经费{_wan(personnel)}万元，主要包括：{pnames}等；", "")
    w.emit(f"公用经费{_wan(public)}万元，主要包括：{gnames}等。", "")
    s = d.sangong
    sw, sd, _ = _change(s["total"], d.prev["sangong"])
    schange = "与上年持平" if sw == "持平" else f"比{fy - 1}年{sw}{sd}万元"
    sreason = {
        "增加": "公务活动增加",
        "减少": "严格落实过紧日子要求，压减“三公”经费",
        "持平": "严格控制“三公”经费支出",
    }[sw]
    w.emit("七、“三公”经费增减变动原因说明", "")
    w.emit(f"{fy}年财政拨款安排的“三公”经费预算{_wan(s['total'])}万元，{schange}，主要原因是{sreason}。", "")
    w.emit(
        f"其中：因公出国（境）费{_wan(s['travel_abroad'])}万元；公务接待费{_wan(s['reception'])}万元；"
        f"公务用车购置费{_wan(s['vehicle_purchase'])}万元；公务用车运行维护费{_wan(s['vehicle_operation'])}万元。",
        "",
    )
    ow, od, _ = _change(public, d.prev["opcost"])
    w.emit("八、机关运行经费增减变动原因说明", "")
    if ow == "持平":
        w.emit(f"本年度机关运行经费为{_wan(public)}万元，与上年持平。", "")
    else:
        oreason = "人员增加，公用经费相应增加" if ow == "增加" else "厉行节约，压减日常公用经费"
        w.emit(
            f"本年度机关运行经费为{_wan(public)}万元，上年度为{_wan(d.prev['opcost'])}万元，"
            f"{ow}{od}万元，主要原因是{oreason}。",
            "",
        )
    goods = sum(p.c for p in d.projects if p.category == "equipment")
    works = sum(p.c for p in d.projects if p.category == "renovation")
    services = sum(
        p.c for p in d.projects if p.category in ("it_service", "professional", "archive", "security")
    )
    w.emit("九、政府采购情况", "")
    w.emit(
        f"{fy}年{unit}部门各单位政府采购预算总额{_wan(goods + works + services)}万元。其中：政府采购货物预算"
        f"{_wan(goods)}万元、政府采购工程预算{_wan(works)}万元、政府采购服务预算{_wan(services)}万元。",
        "",
    )
    w.emit("十、绩效管理情况", "", "1、绩效管理情况", "")
    w.emit(
        f"{fy}年{unit}部门实行绩效目标管理的项目{len(d.projects)}个，涉及一般公共预算当年拨款{_wan(proj)}万元。",
        "",
    )
    w.emit("2、绩效目标情况（附表说明）", "", "本部门项目绩效目标详见下表。", "")


def _form(d: Doc, p: Project) -> list[str]:
    mid, ann = p.c * p.years * 100, p.c * 100
    attr = "经常性项目(长期开展)" if p.years > 1 else "一次性项目(1年结束)"
    out = [
        f"{d.county.name}县(区)级预算部门(单位)项目支出绩效目标申报表",
        "",
        f"({d.fy}年度)",
        "",
        f"项目名称\t\t{p.name}\t\t\t\t\t",
        f"主管部门及代码\t\t{d.code}-{d.unit}\t\t实施单位\t\t{p.unit}\t",
        f"项目属性\t\t{attr}\t\t项目期\t\t{p.years}年\t",
        f"项目资金 (元)\t\t实施期资金总额:\t\t{mid:,}\t年度资金总额:\t\t{ann:,}",
        "\t\t其中:中央财政资金\t\t0\t其中:中央财政资金\t\t0",
        "\t\t省级财政资金\t\t0\t省级财政资金\t\t0",
        f"\t\t市县(区)财政资金\t\t{mid:,}\t市县(区)财政资金\t\t{ann:,}",
        "\t\t单位自筹\t\t0\t单位自筹\t\t0",
        "其他资金\t\t\t其他资金\t\t\t\t",
        f"项目概况\t\t{p.overview}\t\t\t\t\t",
        f"立项依据\t\t{p.basis_text}\t\t\t\t\t",
        f"项目设立必要性\t\t{p.need}\t\t\t\t\t",
        f"保证项目实施的制度、措施\t\t{p.measures}\t\t\t\t\t",
        f"项目实施计划\t\t{p.plan}\t\t\t\t\t",
        "实施期目标\t\t\t\t年度目标\t\t\t",
        f"总体目标\t\t{p.goal}\t\t\t\t{p.goal}\t",
        "绩效指标\t一级指标\t二级指标\t三级指标\t指标值\t二级指标\t三级指标\t指标值",
    ]
    by_l2: dict[str, list[tuple[str, str, str, str, str]]] = {}
    for row in p.grid:
        by_l2.setdefault(row[1], []).append(row)
    for l1, l2s in _GROUPS:
        first = True
        for l2 in l2s:
            rows = by_l2.get(l2, [])
            head = l1 if first else ""
            first = False
            if not rows:
                out.append(f"\t{head}\t{l2}\t\t\t{l2}\t\t")
                continue
            for k, (_, _, name, mt, at) in enumerate(rows):
                if k == 0:
                    out.append(f"\t{head}\t{l2}\t{name}\t{mt}\t{l2}\t{name}\t{at}")
                else:
                    out.append(f"\t\t\t{name}\t{mt}\t\t{name}\t{at}")
    out.append(
        f"负责人:\t{p.leader}\t经办人:\t{p.handler[0]}\t联系电话:\t{p.handler[1]}\t填报日期:\t{p.filed}"
    )
    out.append("")
    return out


def _forms(w: _Writer) -> None:
    d = w.doc
    order = sorted(range(len(d.projects)), key=lambda k: random.Random(f"{d.source}-form-{k}").random())
    for k in order:
        form = _form(d, d.projects[k])
        hz = w.hz
        if hz and hz.dup_form == k:
            if hz.truncated_form:
                w.form([*form[: hz.rng.randint(6, 11)], ""])
            w.form(form)
            if not hz.truncated_form:
                w.form(form)
        else:
            w.form(form)


def _closing(w: _Writer) -> None:
    d = w.doc
    rng = random.Random(f"{d.source}-closing")
    w.emit("十一、国有资产占有使用情况", "", "1、车辆情况：", "")
    if d.vehicles:
        w.emit(f"本部门预算编制公务用车{d.vehicles}辆，实有车辆{d.vehicles}辆。", "")
    else:
        w.emit("本部门无公务用车。", "")
    assets = rng.randint(3000, 30000)
    used = rng.randint(assets // 3, assets)
    w.emit("2、其他国有资产占有使用情况：", "")
    w.emit(
        f"截至{d.fy - 1}年12月31日，本部门固定资产原值{_wan(assets)}万元，其中：在用{_wan(used)}万元；"
        f"待处置{_wan(assets - used)}万元。",
        "",
    )
    w.emit("十二、其他说明", "", "（一）政府购买服务指导性目录", "")
    w.emit("根据本部门实际情况，无需对政府购买服务指导性目录进行修改。", "")
    w.emit("（二）其他", "", "本部门无其他需要说明的事项。", "")
    w.emit("第四部分 名词解释", "")
    for k, entry in enumerate(V.GLOSSARY, 1):
        w.emit(f"{_CN_NUM[k]}、{entry}", "")


# ---------------------------------------------------------------------------------------------
# truth


def _occurrences(lines: list[dict]) -> None:
    """``occurrence`` as the loader counts it: per table, row key and column."""
    seen: dict[tuple[str, str, str], int] = {}
    for line in lines:
        if line.get("is_total"):
            row = "total"
        elif line.get("function_code") or line.get("economic_code"):
            row = line.get("function_code") or line.get("economic_code")
        elif line.get("sangong_item"):
            row = "sg-" + line["sangong_item"]
        else:
            row = "r-" + line["item"]
        k = (line["table"], row, line.get("column", "total"))
        if seen.get(k, 0):
            line["occurrence"] = seen[k]
            line["amount_yuan"] = line.pop("amount_yuan")  # keep the amount last
        seen[k] = seen.get(k, 0) + 1


def _truth(doc: Doc, tables: list[dict], layout: str = "tsv") -> dict:
    _occurrences(doc.truth_lines)
    out: dict = {
        "source": doc.source,
        "fiscal_year": doc.fy,
        "layout": L.LOADER_LAYOUT[layout],
        "unit": {
            "name": doc.unit,
            "code": doc.code,
            "region": doc.county.region(),
            "subunits": [doc.subunit] if doc.subunit else [],
            "department": doc.dept["key"],
        },
        "tables": tables,
        "lines": doc.truth_lines,
        "projects": [
            {
                "name": p.name,
                "unit": p.unit,
                "function_code": p.code,
                "amount_yuan": _yuan(p.c),
                "midterm_amount_yuan": _yuan(p.c * p.years),
                "legal_basis_text": p.basis_text,
                "citations": p.citations,
                "indicators": p.indicators,
            }
            for p in doc.projects
        ],
        "personal": doc.personal,
    }
    if layout != "tsv":  # the default's truth files stay byte for byte what they were
        out["synth_layout"] = layout
    return out


def layout_of(layout: str, i: int) -> str:
    """The layout document ``i`` is written in (``mixed`` rotates through :data:`LAYOUTS`)."""
    if layout == MIXED:
        return LAYOUTS[i % len(LAYOUTS)]
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; known: {', '.join((*LAYOUTS, MIXED))}")
    return layout


def document(seed: int, i: int, layout: str = "tsv", hazards: bool = False) -> tuple[str, dict]:
    """Document ``i`` of ``seed``: (text, truth). The truth does not depend on ``hazards``, and
    every layout prints the same document model, so the facts of the truth do not depend on the
    layout either (only its ``layout`` fields do)."""
    layout = layout_of(layout, i)
    doc = _build(seed, i)
    hz = None
    if hazards:
        hrng = random.Random(f"{seed}-{i}-hazards")
        hz = _Hazards(rng=hrng)
        hz.break_table = hrng.choice((T_REVEXP, T_INCOME, T_EXP, T_FISCAL, T_GENERAL, T_ECON, T_PROJECTS))
        hz.yuan_table = hrng.choice((T_SANGONG, T_OPCOST, "", ""))
        hz.wrap_project = hrng.randrange(len(doc.projects))
        hz.dup_form = hrng.randrange(len(doc.projects))
        hz.truncated_form = hrng.random() < 0.5
        hz.ocr = hrng.random() < 0.7
    text, tables, events = _render(doc, hz)
    if layout != "tsv":
        # the layout's own hazards on their own generator, so the shared ones stay as they were
        lrng = random.Random(f"{seed}-{i}-hazards-{layout}") if hazards else None
        page = L.Page(unit=doc.unit, code=doc.code, fiscal_year=doc.fy, county=doc.county.name)
        text = L.render(layout, events, page, random.Random(f"{seed}-{i}-{layout}"), lrng)
    return text, _truth(doc, tables, layout)


_JSON = json.JSONEncoder(ensure_ascii=False)


def dump_truth(truth: dict) -> str:
    """JSON, one line per line record / indicator / citation: diffable, and small enough for 1,000."""

    enc = _JSON.encode

    out = ["{"]
    keys = list(truth)
    for n, key in enumerate(keys):
        value = truth[key]
        comma = "," if n < len(keys) - 1 else ""
        if key == "projects":
            out.append(' "projects": [')
            for k, p in enumerate(value):
                out.append(
                    "  {"
                    + ", ".join(f"{enc(f)}: {enc(p[f])}" for f in p if f not in ("citations", "indicators"))
                    + ","
                )
                for f in ("citations", "indicators"):
                    items = ",\n".join("    " + enc(x) for x in p[f])
                    out.append(f"   {enc(f)}: [\n{items}\n   ]" + ("," if f == "citations" else ""))
                out.append("  }" + ("," if k < len(value) - 1 else ""))
            out.append(" ]" + comma)
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            items = ",\n".join("  " + enc(x) for x in value)
            out.append(f" {enc(key)}: [\n{items}\n ]{comma}")
        else:
            out.append(f" {enc(key)}: {enc(value)}{comma}")
    out.append("}")
    return "\n".join(out) + "\n"


def generate(n: int, seed: int, out: Path, layout: str = "tsv", hazards: bool = False) -> list[Path]:
    """Write ``n`` documents and their truth files into ``out``; return the document paths."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        text, truth = document(seed, i, layout=layout, hazards=hazards)
        path = out / truth["source"]
        path.write_text(text, encoding="utf-8")
        path.with_name(path.stem + ".truth.json").write_text(dump_truth(truth), encoding="utf-8")
        paths.append(path)
    return paths


def iter_truth(paths: Iterable[Path]) -> Iterable[dict]:
    """The truth of each generated document path."""
    for p in paths:
        yield json.loads(Path(p).with_name(Path(p).stem + ".truth.json").read_text("utf-8"))
