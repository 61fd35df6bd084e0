"""Legal bases as cited in 立项依据 / 指标值确定依据 text → ``Citation`` records.

One text may cite several documents (``《A》(X号)、《B》(Y号)``), name a document without
《》, lose the opening 《 of a title, be cut at a cell boundary, or give no document at all
("实际需要"). :func:`parse_citations` splits such a text into citations, normalises each
发文字号 to ``晋政办发〔2017〕10号``, and tells issuer, issuer level, year and basis type where
the number, the title or the words before the title tell them.

Issuer rules (no place name is written in this module; places come from the GB/T 2260 list
shipped in the ``cpca`` package and from the caller's ``context``):

1. words naming the issuer before the title (``兴县人民政府办公室《…》``, ``市委办、市政府办《…》``)
   win; relative names (市委办, 县政府) are completed with the context's prefecture/county;
2. else the issuer written at the head of the title (``山西省人民政府关于…``);
3. else the 发文字号 prefix = place abbreviation + organ code: central prefixes (国发, 国办发,
   中办发, 厅字, 财预 …); a province abbreviation (晋, 冀, 皖 …); a context place (its first
   character or short name: 兴 → 兴县 for a 兴县 unit, 吕 → 吕梁市); a gazetteer place whose
   short name (2+ characters) starts the prefix, or whose first character is unique. The organ
   code names the organ: 政发/政函 → 人民政府, 政办发 → 人民政府办公厅 (province) / 办公室,
   办发 → 中共…委办公厅/办公室, 财 → 财政厅/财政局, 发改 → 发展和改革委员会;
4. a title starting 中华人民共和国 is central.

Basis type: a standard code (GB/T 37668-2019) → standard; a title ending 法/条例 → law;
合同/协议 → contract; 决定/纪要/决议, or 研究决定/会议 words without a title → decision;
any other titled or numbered document → policy; 三定方案/三定规定 (an institution's mandate,
issued by the 编办) → policy; anything else → informal.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path

from .records import Citation, IssuerLevel

__all__ = [
    "Place",
    "gazetteer",
    "normalize_number",
    "parse_citations",
    "places_in",
    "resolve_context",
]

# ---------------------------------------------------------------------------------------------
# character normalisation (one-to-one, so positions in the normalised text match the raw text)

_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FULLWIDTH.update({0x3000: 0x20, 0xFE5D: 0x3014, 0xFE5E: 0x3015, 0x00A0: 0x20})
_TRANS = str.maketrans(_FULLWIDTH)


def _fold(text: str) -> str:
    """Full-width ASCII → ASCII, ideographic space → space, ﹝﹞ → 〔〕; length preserved."""
    return text.translate(_TRANS)


# ---------------------------------------------------------------------------------------------
# gazetteer (GB/T 2260 names as shipped by cpca; cpca itself is not imported: it loads pandas)


@dataclass(frozen=True)
class Place:
    name: str  # full name, e.g. "吕梁市"
    level: str  # "province" | "prefecture" | "county"
    adcode: str  # 6 digits
    short: str  # name without its generic suffix, e.g. "吕梁", "兴", "山西"

    @property
    def province_code(self) -> str:
        return self.adcode[:2] + "0000"

    @property
    def prefecture_code(self) -> str:
        return self.adcode[:4] + "00"


_SUFFIXES = (
    "特别行政区", "自治区", "自治州", "自治县", "自治旗", "地区", "林区", "特区",
    "省", "市", "县", "区", "盟", "旗",
)  # fmt: skip


def _short_name(name: str) -> str:
    if "自治" in name or "族" in name:
        cut = min(i for i in (name.find("族"), name.find("自治")) if i >= 0)
        stem = name[:cut]
        # drop the nationality word itself (蒙古族, 壮族 …): keep the place part (≥ 2 characters)
        for nation in _nations():
            base = nation[:-1] if nation.endswith("族") else nation
            if stem.endswith(base) and len(stem) - len(base) >= 2:
                stem = stem[: -len(base)]
                break
        return stem or name
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def _cpca_resource(name: str) -> str:
    """A data file shipped in the ``cpca`` package, read without importing cpca (it loads pandas)."""
    spec = find_spec("cpca")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the cpca package (GB/T 2260 place names) is not installed")
    return Path(next(iter(spec.submodule_search_locations)), "resources", name).read_text("utf-8")


@lru_cache(maxsize=1)
def _nations() -> tuple[str, ...]:
    text = _cpca_resource("56_nations.csv")
    return tuple(sorted((ln.strip() for ln in text.splitlines() if ln.strip()), key=len, reverse=True))


@lru_cache(maxsize=1)
def gazetteer() -> tuple[dict[str, list[Place]], dict[str, Place]]:
    """(places by full name, places by 6-digit adcode) from cpca's ``adcodes.csv``."""
    text = _cpca_resource("adcodes.csv")
    by_name: dict[str, list[Place]] = {}
    by_code: dict[str, Place] = {}
    for row in csv.DictReader(io.StringIO(text)):
        code = row["adcode"][:6]
        name = row["name"].strip()
        if not name or row["adcode"][6:].strip("0"):
            continue
        if code[2:] == "0000":
            level = "province"
        elif code[4:] == "00":
            level = "prefecture"
        else:
            level = "county"
        place = Place(name=name, level=level, adcode=code, short=_short_name(name))
        by_name.setdefault(name, []).append(place)
        by_code[code] = place
    return by_name, by_code


@lru_cache(maxsize=1)
def _by_short() -> dict[str, list[Place]]:
    out: dict[str, list[Place]] = {}
    for places in gazetteer()[0].values():
        for p in places:
            out.setdefault(p.short, []).append(p)
    return out


@lru_cache(maxsize=1)
def _by_first_char() -> dict[str, list[Place]]:
    out: dict[str, list[Place]] = {}
    for places in gazetteer()[0].values():
        for p in places:
            if p.level != "province":
                out.setdefault(p.short[0], []).append(p)
    return out


def _ancestors(place: Place) -> list[Place]:
    by_code = gazetteer()[1]
    out = []
    for code in (place.prefecture_code, place.province_code):
        anc = by_code.get(code)
        if anc is not None and anc != place and anc not in out:
            out.append(anc)
    return out


@lru_cache(maxsize=256)
def _lookup(name: str) -> tuple[Place, ...]:
    by_name = gazetteer()[0]
    if name in by_name:
        return tuple(by_name[name])
    return tuple(_by_short().get(name, ()))


@lru_cache(maxsize=64)
def _resolve_context_cached(names: tuple[str, ...]) -> tuple[Place, ...]:
    resolved: list[Place] = []
    candidates = [(n, _lookup(n)) for n in names if n]
    codes = {p.adcode for _, ps in candidates for p in ps}
    for _, places in candidates:
        if not places:
            continue
        if len(places) > 1:  # same name twice (朝阳区): keep the one whose ancestors are named too
            ranked = sorted(places, key=lambda p: -sum(a.adcode in codes for a in _ancestors(p)))
            places = ranked[:1]
        for p in places:
            for q in (p, *_ancestors(p)):
                if q not in resolved:
                    resolved.append(q)
    order = {"county": 0, "prefecture": 1, "province": 2}
    resolved.sort(key=lambda p: order[p.level])
    return tuple(resolved)


def resolve_context(context: Sequence[str] | None) -> tuple[Place, ...]:
    """Context place names → gazetteer places, most specific first, ancestors added."""
    if not context:
        return ()
    return _resolve_context_cached(tuple(context))


@lru_cache(maxsize=1)
def _names_longest_first() -> tuple[str, ...]:
    return tuple(n for n in sorted(gazetteer()[0], key=len, reverse=True) if len(n) >= 2)


def places_in(text: str) -> list[Place]:
    """County/prefecture/province full names occurring in ``text`` (longest first, no overlap)."""
    by_name = gazetteer()[0]
    found: list[tuple[int, Place]] = []
    taken: list[tuple[int, int]] = []
    for name in _names_longest_first():
        start = text.find(name)
        while start >= 0:
            end = start + len(name)
            if not any(s < end and start < e for s, e in taken):
                taken.append((start, end))
                found.append((start, by_name[name][0]))
            start = text.find(name, end)
    found.sort(key=lambda t: t[0])
    return [p for _, p in found]


# ---------------------------------------------------------------------------------------------
# issuer rules

PROVINCE_ABBR: dict[str, str] = {
    "京": "北京市", "津": "天津市", "冀": "河北省", "晋": "山西省", "蒙": "内蒙古自治区",
    "内": "内蒙古自治区", "辽": "辽宁省", "吉": "吉林省", "黑": "黑龙江省", "沪": "上海市",
    "苏": "江苏省", "浙": "浙江省", "皖": "安徽省", "闽": "福建省", "赣": "江西省", "鲁": "山东省",
    "豫": "河南省", "鄂": "湖北省", "湘": "湖南省", "粤": "广东省", "桂": "广西壮族自治区",
    "琼": "海南省", "渝": "重庆市", "川": "四川省", "蜀": "四川省", "贵": "贵州省", "黔": "贵州省",
    "云": "云南省", "滇": "云南省", "藏": "西藏自治区", "陕": "陕西省", "秦": "陕西省",
    "甘": "甘肃省", "陇": "甘肃省", "青": "青海省", "宁": "宁夏回族自治区",
    "新": "新疆维吾尔自治区", "港": "香港特别行政区", "澳": "澳门特别行政区",
}  # fmt: skip

# number prefixes of central organs (no place part). Longest match wins.
CENTRAL_PREFIXES: dict[str, str] = {
    "国发": "国务院", "国函": "国务院", "国令": "国务院", "国务院令": "国务院",
    "国办发": "国务院办公厅", "国办函": "国务院办公厅", "国办": "国务院办公厅",
    "中发": "中共中央", "中办发": "中共中央办公厅", "中办": "中共中央办公厅",
    "厅字": "中共中央办公厅",
    "财": "财政部", "发改": "国家发展和改革委员会", "人社部": "人力资源和社会保障部",
    "民发": "民政部", "教": "教育部", "工信部": "工业和信息化部", "公通字": "公安部",
    "银保监": "中国银行保险监督管理委员会", "主席令": "中华人民共和国主席",
}  # fmt: skip

# organ code after the place part → organ name by the place's level
_KIND = r"(?:发|函|字|令|通|电|明电|规|复|呈|文)?"
_ORGAN_RULES: list[tuple[re.Pattern[str], dict[str, str]]] = [
    (re.compile(rf"^政办{_KIND}$"), {"province": "{name}人民政府办公厅", "*": "{name}人民政府办公室"}),
    (re.compile(rf"^(?:政|府){_KIND}$"), {"*": "{name}人民政府"}),
    (re.compile(rf"^办{_KIND}$"), {"province": "中共{name}委办公厅", "*": "中共{name}委办公室"}),
    (re.compile(r"^(?:发|委发|委)$"), {"*": "中共{name}委"}),
    (re.compile(r"^财"), {"province": "{name}财政厅", "*": "{name}财政局"}),
    (re.compile(r"^发改"), {"*": "{name}发展和改革委员会"}),
    (re.compile(r"^银保监"), {"province": "{short}银保监局", "*": "{short}银保监分局"}),
]

_LEVEL_OF: dict[str, IssuerLevel] = {
    "province": "provincial",
    "prefecture": "prefecture",
    "county": "county",
}

_ORG_SUFFIX = re.compile(
    r"(人民政府办公厅|人民政府办公室|人民政府|人民代表大会常务委员会|人民代表大会|常务委员会|委员会|"
    r"领导小组办公室|领导小组|办公厅|办公室|监督管理局|管理局|中心支行|"
    r"政府办|政府|委办|党委|委|办|厅|局|部|院|署|会|中心|行|所|处|站)$"
)
_ORG_UNIT = re.compile(
    r".+?(?:人民政府办公厅|人民政府办公室|人民政府|委员会|领导小组办公室|领导小组|办公厅|办公室|"
    r"政府办|委办|厅|局|部|署|院|中心支行|办)(?:办公厅|办公室|秘书局|秘书处)?"
)


def _organ_name(place: Place, organ: str) -> str | None:
    for rule, names in _ORGAN_RULES:
        if rule.search(organ):
            pattern = names.get(place.level, names["*"])
            name = place.name
            if place.level == "province" and name.endswith(("自治区", "特别行政区")):
                name_for_party = place.short
            else:
                name_for_party = name
            return pattern.format(name=name_for_party if "中共" in pattern else name, short=place.short)
    return None


def _province_place(full_name: str) -> Place | None:
    places = gazetteer()[0].get(full_name)
    return places[0] if places else None


def _place_for_prefix(prefix: str, ctx: tuple[Place, ...]) -> tuple[Place | None, str, str | None]:
    """(place, organ code, level if only the level is known) for a number prefix."""
    # 0. a relative prefix (市政发, 县政办发): the context's place of that level
    if prefix[0] in _SCOPE_LEVEL and len(prefix) > 1:
        level = _SCOPE_LEVEL[prefix[0]]
        place = next((p for p in ctx if p.level == level), None)
        return place, prefix[1:], None if place else level
    # 1. a context place whose short name (2+ characters) starts the prefix: 濉溪政办 …
    for p in ctx:
        if len(p.short) >= 2 and prefix.startswith(p.short) and len(prefix) > len(p.short):
            return p, prefix[len(p.short) :], None
    # 2. a gazetteer place whose short name (2+ characters) starts the prefix: 晋中政发 …
    for k in range(min(len(prefix) - 1, 6), 1, -1):
        places = [p for p in _by_short().get(prefix[:k], ()) if p.level != "province"]
        if len({p.adcode for p in places}) == 1:
            return places[0], prefix[k:], None
        if places and ctx:
            in_ctx = [p for p in places if p in ctx]
            if in_ctx:
                return in_ctx[0], prefix[k:], None
    first, organ = prefix[0], prefix[1:]
    ctx_provinces = [p for p in ctx if p.level == "province"]
    ctx_first = [p for p in ctx if p.level != "province" and p.short[:1] == first]
    # 3. a province abbreviation, unless a context place of another province has that character
    if first in PROVINCE_ABBR and organ:
        province = _province_place(PROVINCE_ABBR[first])
        other_province = ctx_provinces and province not in ctx_provinces
        if province is not None and not (ctx_first and other_province):
            return province, organ, None
    # 4. a context place by its first character (兴 → 兴县 for a 兴县 unit)
    if ctx_first and organ:
        return ctx_first[0], organ, None
    # 5. a gazetteer place whose first character is unique
    candidates = _by_first_char().get(first, [])
    if organ and candidates:
        if len(candidates) == 1:
            return candidates[0], organ, None
        levels = {p.level for p in candidates}
        if len(levels) == 1:
            return None, organ, levels.pop()
    return None, organ, None


@dataclass
class _Issuer:
    name: str | None
    level: IssuerLevel | None


def _issuer_from_number(prefix: str, ctx: tuple[Place, ...]) -> _Issuer:
    for code in sorted(CENTRAL_PREFIXES, key=len, reverse=True):
        if prefix.startswith(code):
            return _Issuer(CENTRAL_PREFIXES[code], "central")
    if not prefix:
        return _Issuer(None, None)
    place, organ, level_only = _place_for_prefix(prefix, ctx)
    if place is not None:
        return _Issuer(_organ_name(place, organ), _LEVEL_OF[place.level])
    if level_only:
        return _Issuer(None, _LEVEL_OF[level_only])
    return _Issuer(None, None)


_SCOPE_LEVEL = {"省": "province", "市": "prefecture", "县": "county", "区": "county"}
_RELATIVE = re.compile(r"^(省|市|县|区)(委|政府)?(办公厅|办公室|办)?$")


def _expand_relative(name: str, ctx: tuple[Place, ...]) -> tuple[str, IssuerLevel | None]:
    """市委办 / 县政府 / 省政府办公厅 → full names with the context's places."""
    m = _RELATIVE.match(name)
    if not m:
        scope = name[:1]
        if scope in _SCOPE_LEVEL and len(name) >= 3 and not name.startswith(("市场", "县域", "区域")):
            level_key = _SCOPE_LEVEL[scope]
            place = next((p for p in ctx if p.level == level_key), None)
            if place is not None:
                return place.name + name[1:], _LEVEL_OF[level_key]
            return name, _LEVEL_OF[level_key]
        return name, None
    scope, organ, office = m.groups()
    level_key = {"省": "province", "市": "prefecture", "县": "county", "区": "county"}[scope]
    place = next((p for p in ctx if p.level == level_key), None)
    level = _LEVEL_OF[level_key]
    if place is None or organ is None:
        return name, level
    if organ == "委":
        base = f"中共{place.name}委"
        suffix = "办公厅" if office and level_key == "province" else "办公室" if office else ""
    else:
        base = f"{place.name}人民政府"
        suffix = "办公厅" if office and level_key == "province" else "办公室" if office else ""
    return base + suffix, level


def _level_of_name(name: str, ctx: tuple[Place, ...]) -> IssuerLevel | None:
    bare = name.removeprefix("中共")
    if re.match(r"^(国务院|中共中央|中央|全国人民代表大会|全国人大|中华人民共和国|国家|最高人民)", bare):
        return "central"
    for place in places_in(bare[:12])[:1]:
        if bare.startswith(place.name) or bare.startswith(place.short):
            return _LEVEL_OF[place.level]
    for p in ctx:
        if len(p.short) >= 2 and bare.startswith(p.short):
            return _LEVEL_OF[p.level]
    if bare[:2] in {_province_place(v).short for v in PROVINCE_ABBR.values() if _province_place(v)}:
        return "provincial"
    m = re.match(r"^(省|市|县|区)", bare)
    if m:
        return _LEVEL_OF[{"省": "province", "市": "prefecture", "县": "county", "区": "county"}[m.group(1)]]
    return None


def _named_issuer(text: str, ctx: tuple[Place, ...]) -> _Issuer | None:
    """An issuer written as words (before a title, at the head of a title, before 研究决定)."""
    text = text.strip(" ，,、:：")
    if not text:
        return None
    first = re.split(r"[、,，和与及]", text)[0].strip()
    if not first:
        return None
    expanded, level = _expand_relative(first, ctx)
    if expanded == first:
        m = _ORG_UNIT.match(first)
        if m is None or not _ORG_SUFFIX.search(m.group(0)):
            return None
        expanded = m.group(0)
        level = _level_of_name(expanded, ctx)
    return _Issuer(expanded, level)


# ---------------------------------------------------------------------------------------------
# numbers

_OPEN = "〔[【(（［﹝〖{"
_CLOSE = "〕]】)）］﹞〗}"
_CJK = "\u4e00-\u9fff"
_NUMBER = re.compile(
    rf"(?P<prefix>[{_CJK}A-Za-z]{{1,20}}?)?\s*[{re.escape(_OPEN)}]\s*(?P<year>(?:19|20)\d{{2}})\s*"
    rf"[{re.escape(_CLOSE)}]\s*第?\s*(?P<serial>\d{{1,5}})\s*号"
)
_ORDER = re.compile(rf"(?P<prefix>[{_CJK}]{{1,12}}令)\s*第\s*(?P<serial>\d{{1,5}})\s*号")
_LEADING_WORDS = re.compile(
    r"^(?:严格按照|按照|根据|依据|依照|参照|对照|执行|贯彻|落实|转发|印发|文件|精神|以及|及|和|与|、|号文|"
    r"关于|的)+"
)
_DOC_WORD = re.compile(
    r"(通知|意见|办法|方案|决定|规定|规划|计划|细则|纪要|批复|函|条例|法)(?=[^通意办方决规计细纪批函条法]*$)"
)
_STANDARD = re.compile(
    r"(?<![A-Za-z])(?P<code>GB|JGJ|CJJ|YD|HJ|GA|WS|SJ|JR|GM|JT|SL|DL|NB|MZ|LY|NY|HG|TB|CECS|DB\s?\d{2})"
    r"\s*(?P<kind>/\s*[TZ])?\s*(?P<num>\d{1,6}(?:\.\d{1,3})?)"
    r"(?:\s*[-—–－‐~]+\s*(?P<year>\d{4}|\d{2})(?!\d))?"
)


def _clean_prefix(run: str) -> str:
    run = re.sub(r"\s+", "", run)
    # a title run straight into its number (…的通知晋政发〔…〕): keep what follows the last doc word
    m = _DOC_WORD.search(run)
    if m and m.end() < len(run):
        run = run[m.end() :]
    prev = None
    while prev != run:
        prev = run
        run = _LEADING_WORDS.sub("", run)
    return run


def normalize_number(text: str) -> str | None:
    """The canonical 发文字号 (``晋政办发〔2017〕10号``) of the first number in ``text``, or None."""
    folded = _fold(text)
    m = _NUMBER.search(folded)
    if m:
        prefix = _clean_prefix(m.group("prefix") or "")
        return f"{prefix}〔{m.group('year')}〕{int(m.group('serial'))}号"
    m = _ORDER.search(folded)
    if m:
        return f"{m.group('prefix')}第{int(m.group('serial'))}号"
    return None


def _normalize_standard(m: re.Match[str]) -> tuple[str, int | None]:
    code = re.sub(r"\s+", "", m.group("code"))
    kind = re.sub(r"\s+", "", m.group("kind") or "")
    number = f"{code}{kind} {m.group('num')}"
    year = None
    if m.group("year"):
        y = int(m.group("year"))
        if y < 100:
            y += 1900 if y >= 50 else 2000
        year = y
        number += f"-{m.group('year')}"
    return number, year


# ---------------------------------------------------------------------------------------------
# basis types

_INFORMAL_HINT = re.compile(
    r"(实际需要|工作需要|实际需求|工作安排|工作要求|实际工作|实际情况|领导|上级|文件要求|相关要求|有关要求|"
    r"问卷|调查|历史|经验|测算|往年|行业|惯例|市场价|询价|预算)"
)
_DECISION_WORDS = re.compile(
    r"(研究决定|会议决定|会议纪要|常务会|常委会|会议精神|会议研究|决定|纪要|决议|议定)"
)
_MANDATE_WORDS = re.compile(r"(三定方案|三定规定|职能配置|机构设置和人员编制)")
_CONTRACT_WORDS = re.compile(r"(合同|协议书|协议)")
_BARE_DOC = re.compile(
    r"(合同|协议书|协议|方案|办法|意见|通知|规定|决定|纪要|规划|计划|标准|条例|规范|细则|法)$"
)


def _type_of_title(title: str) -> str:
    t = re.sub(r"[\s》>〉]+$", "", title)
    if re.search(r"(合同|协议书|协议)$", t):
        return "contract"
    if re.search(r"(标准|技术要求|技术规范|设计规范|测试方法)$", t) or (t.endswith("规范") and "技术" in t):
        return "standard"
    if re.search(r"(决定|纪要|决议)$", t):
        return "decision"
    if re.search(r"(法|条例|法典)$", t) and not t.endswith(("办法", "方法", "做法", "算法")):
        return "law"
    if t.startswith("中华人民共和国") and t.endswith("法"):
        return "law"
    return "policy"


def _year_from_title(title: str | None) -> int | None:
    if not title:
        return None
    m = re.search(r"((?:19|20)\d{2})\s*年", _fold(title))
    return int(m.group(1)) if m else None


# ---------------------------------------------------------------------------------------------
# splitting


@dataclass
class _Span:
    start: int
    end: int  # exclusive, after 》 (or text end when truncated)
    title: str
    truncated: bool = False
    open_missing: bool = False


_BACK_STOP = set("，,。；;：:！!？?\n")
_TRIM_LEFT = re.compile(
    r"^(?:[\s、]|严格按照|按照|根据|依据|依照|参照|对照|贯彻落实|贯彻|落实|执行|精神|文件|要求|以及|及|和|与|并)+"
)


def _title_spans(text: str) -> list[_Span]:
    spans: list[_Span] = []
    depth = 0
    start = 0
    last_end = 0
    for i, ch in enumerate(text):
        if ch == "《":
            if depth == 0:
                start = i
            depth += 1
        elif ch == "》":
            if depth > 0:
                depth -= 1
                if depth == 0:
                    spans.append(_Span(start, i + 1, text[start + 1 : i]))
                    last_end = i + 1
            else:  # a title that lost its opening 《: back to a natural boundary
                j = i - 1
                while j >= last_end and text[j] not in _BACK_STOP:
                    if text[j] in ")）" and j > 0 and text[j - 1] == "号":
                        break
                    if text[j] == "号" and j + 1 < i and text[j + 1] in ")）、，, ":
                        break
                    j -= 1
                seg_start = j + 1
                seg = text[seg_start:i]
                trimmed = _TRIM_LEFT.sub("", seg)
                seg_start += len(seg) - len(trimmed)
                if trimmed:
                    spans.append(_Span(seg_start, i + 1, trimmed, open_missing=True))
                last_end = i + 1
    if depth > 0:
        spans.append(_Span(start, len(text), text[start + 1 :].rstrip(), truncated=True))
    return spans


@dataclass
class _Number:
    start: int
    end: int
    number: str
    prefix: str
    year: int | None
    kind: str  # "doc" | "standard"


def _numbers(folded: str) -> list[_Number]:
    out: list[_Number] = []
    for m in _NUMBER.finditer(folded):
        raw_prefix = m.group("prefix") or ""
        prefix = _clean_prefix(raw_prefix)
        start = m.start() + (len(raw_prefix) - len(prefix)) if raw_prefix else m.start()
        # skip leading spaces the regex may have eaten
        year = int(m.group("year"))
        out.append(
            _Number(start, m.end(), f"{prefix}〔{year}〕{int(m.group('serial'))}号", prefix, year, "doc")
        )
    for m in _ORDER.finditer(folded):
        if any(n.start <= m.start() < n.end for n in out):
            continue
        prefix = _clean_prefix(m.group("prefix"))
        start = m.end("prefix") - len(prefix)
        out.append(_Number(start, m.end(), f"{prefix}第{int(m.group('serial'))}号", prefix, None, "doc"))
    for m in _STANDARD.finditer(folded):
        if any(n.start <= m.start() < n.end for n in out):
            continue
        number, year = _normalize_standard(m)
        out.append(_Number(m.start(), m.end(), number, "", year, "standard"))
    out.sort(key=lambda n: n.start)
    return out


_VERB_TAIL = re.compile(
    r"(联合印发了|联合印发的|联合印发|印发了|印发的|印发|下发的|下发了|下发|出台的|出台|发布的|发布|制定的|制定|颁布的|颁布|转发的|转发)$"
)


def _issuer_text_before(text: str, pos: int, floor: int) -> tuple[int, str]:
    """Words naming an issuer right before a title at ``pos`` (after ``floor``)."""
    j = pos - 1
    while j >= floor and text[j] not in _BACK_STOP and text[j] not in "》)）":
        j -= 1
    seg_start = j + 1
    seg = text[seg_start:pos]
    trimmed = _TRIM_LEFT.sub("", seg)
    seg_start += len(seg) - len(trimmed)
    trimmed = _VERB_TAIL.sub("", trimmed.rstrip()).rstrip()
    return seg_start, trimmed


def _title_issuer(title: str) -> str | None:
    m = re.match(r"^(.{2,60}?)(?:关于|印发|转发)", title)
    if not m:
        return None
    return m.group(1)


def parse_citations(
    text: str,
    source_line: int = 0,
    context: Sequence[str] | None = None,
) -> list[Citation]:
    """Every citation in a 立项依据 / 确定依据 text; an empty list only for blank text.

    ``context`` names the citing unit's places (county, prefecture, province), used to read
    single-character number prefixes (兴 → 兴县) and relative issuers (市委办, 县政府).
    A title cut by a cell boundary keeps what is there and is flagged ``truncated``.
    """
    if text is None or not text.strip():
        return []
    ctx = resolve_context(context)
    key = (text, tuple(context) if context else ())
    return [replace(c, source_line=source_line) for c in _parse_cached(*key, ctx)]


@lru_cache(maxsize=4096)
def _parse_cached(text: str, _context_key: tuple[str, ...], ctx: tuple[Place, ...]) -> tuple[Citation, ...]:
    folded = _fold(text)
    spans = _title_spans(folded)
    numbers = [n for n in _numbers(folded) if not any(s.start < n.start < s.end - 1 for s in spans)]
    used: set[int] = set()
    out: list[Citation] = []
    floor = 0
    for span in spans:
        # number right after the title: 《…》(晋政办发〔2017〕10号) / 《…》GB/T 1-2019
        number = None
        end = span.end
        for idx, n in enumerate(numbers):
            if idx in used or n.start < span.end:
                continue
            gap = folded[span.end : n.start]
            if re.fullmatch(r"[\s(\[【（〔]*", gap):
                number = n
                used.add(idx)
                end = n.end
                if end < len(folded) and folded[end] in ")）]】":
                    end += 1
            break
        issuer_start, issuer_words = (span.start, "")
        if not span.open_missing:
            issuer_start, issuer_words = _issuer_text_before(folded, span.start, floor)
        raw = text[issuer_start:end].strip() if issuer_words else text[span.start : end].strip()
        out.append(_make(raw, span.title, number, issuer_words, ctx, span.truncated))
        floor = end
    for idx, n in enumerate(numbers):
        if idx in used:
            continue
        end = n.end
        start = n.start
        raw = text[start:end].strip()
        out.append(_make(raw, None, n, "", ctx, False))
    if not out:
        out = _bare(text, folded, ctx)
    # dedupe identical citations within one text
    seen: set[tuple] = set()
    unique = []
    for c in out:
        k = (c.number, c.title) if (c.number or c.title) else (c.raw,)
        if k in seen:
            continue
        seen.add(k)
        unique.append(c)
    return tuple(unique)


def _make(
    raw: str,
    title: str | None,
    number: _Number | None,
    issuer_words: str,
    ctx: tuple[Place, ...],
    truncated: bool,
) -> Citation:
    title = title.strip() if title else None
    if title:
        title = re.sub(r"\s+", " ", title).strip() or None
    issuer: _Issuer | None = None
    if issuer_words:
        issuer = _named_issuer(issuer_words, ctx)
    if (issuer is None or issuer.name is None) and title and not truncated:
        head = _title_issuer(title)
        if head:
            issuer = _named_issuer(head, ctx)
    num_issuer = _Issuer(None, None)
    if number is not None and number.kind == "doc":
        num_issuer = _issuer_from_number(number.prefix, ctx)
    if issuer is None or issuer.name is None:
        issuer = _Issuer(num_issuer.name, num_issuer.level) if num_issuer.name or num_issuer.level else issuer
    elif issuer.level is None:
        issuer.level = num_issuer.level
    if (issuer is None or issuer.level is None) and title and title.startswith("中华人民共和国"):
        issuer = _Issuer(issuer.name if issuer else None, "central")
    if number is not None and number.kind == "standard":
        basis = "standard"
    elif title:
        basis = _type_of_title(title)
    elif number is not None:
        basis = "policy"
    else:
        basis = "informal"
    if title and _MANDATE_WORDS.search(title):
        basis = "policy"
    year = number.year if number and number.year else _year_from_title(title)
    return Citation(
        raw=raw,
        basis_type=basis,  # type: ignore[arg-type]
        title=title,
        number=number.number if number else None,
        issuer=issuer.name if issuer else None,
        issuer_level=(issuer.level if issuer else None),
        year=year,
        truncated=truncated,
    )


def _bare(text: str, folded: str, ctx: tuple[Place, ...]) -> list[Citation]:
    """A text with no 《》 title and no number: documents named bare, a decision, or informal."""
    body = folded.strip().rstrip("。.；;")
    lead = re.compile(r"^(?:严格按照|按照|根据|依据|依照|参照|贯彻落实|贯彻|落实|执行)")
    stripped = lead.sub("", body).strip()
    # 三定方案: an institution's mandate (its 三定 document) → policy
    if _MANDATE_WORDS.search(stripped):
        # the 三定 document names the office it is about, not its issuer (the 编委): no issuer
        return [Citation(raw=text.strip(), basis_type="policy", title=stripped)]
    # documents named without 《》: 「…合作协议书、…技术服务合同」
    parts = [p.strip() for p in re.split(r"[、；;]|以及|和(?=[^、]*(?:合同|协议))", stripped) if p.strip()]
    if parts and all(_BARE_DOC.search(p) and len(p) >= 4 for p in parts):
        if not all(_INFORMAL_HINT.search(p) and not _CONTRACT_WORDS.search(p) for p in parts):
            out = []
            for p in parts:
                kind = _type_of_title(p)
                issuer = _named_issuer(_title_issuer(p) or "", ctx) if _title_issuer(p) else None
                if issuer is None:
                    head = re.match(r"^(省|市|县|区)[^\s]{1,10}?(办公室|办公厅|政府|局|厅|委员会|委|办)", p)
                    if head:
                        issuer = _named_issuer(head.group(0), ctx)
                out.append(Citation(raw=p, basis_type=kind, title=p,  # type: ignore[arg-type]
                                    issuer=issuer.name if issuer else None,
                                    issuer_level=issuer.level if issuer else None,
                                    year=_year_from_title(p)))  # fmt: skip
            return out
    # decisions: 经县政府研究决定 / 县政府常务会议纪要
    dm = _DECISION_WORDS.search(stripped)
    if dm:
        head = re.sub(r"^(经|由|按照|根据)", "", stripped[: dm.start()])
        head = re.sub(r"(研究|会议|常务会议|党组会议)$", "", head)
        issuer = _named_issuer(head, ctx) if head else None
        return [Citation(raw=text.strip(), basis_type="decision", title=None,
                         issuer=issuer.name if issuer else None,
                         issuer_level=issuer.level if issuer else None)]  # fmt: skip
    return [Citation(raw=text.strip(), basis_type="informal")]
