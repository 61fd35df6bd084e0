"""Legal bases as cited in 立项依据 / 指标值确定依据 text → ``Citation`` records.

One text may cite several documents (``《A》(X号)、《B》(Y号)``), name a document without
《》, lose the opening 《 of a title, be cut at a cell boundary, or give no document at all
("实际需要"). :func:`parse_citations` splits such a text into citations, normalises each
发文字号 to ``晋政办发〔2017〕10号``, and tells issuer, issuer level, year and basis type where
the number, the title or the words before the title tell them.

Issuer rules (no place name is written in this module; places come from the GB/T 2260 list
shipped in the ``cpca`` package and from the caller's ``context``):

1. words naming the issuer before the title (``兴县人民政府办公室《…》``, ``市委办、市政府办《…》``)
   win; relative names (市委办, 县政府, 旗政府) are completed with the context's places; a
   和/及/与 inside a place name (和林格尔县, 太和区) is not read as a conjunction;
2. else the issuer written at the head of the title (``山西省人民政府关于…``);
3. else the 发文字号 prefix = place part + organ code. The place part: a relative 市/县/区/旗;
   a context place's short name (濉溪) or, before an organ code, its first character (兴 → 兴县
   for a 兴县 unit, 陇 → 陇南市 for a 陇南 unit) unless that character is a province's own
   abbreviation in numbers (晋政发 stays 山西省's for a 晋中 unit); a gazetteer place whose short
   name (2+ characters) starts the prefix; a province abbreviation (晋, 冀, 皖 …); a gazetteer
   place whose first character is unique. The organ code is looked up in one table,
   :data:`ORGAN_CODES` (政发 → 人民政府, 政办发 → 人民政府办公厅/办公室, 办发 → 中共…委办公厅/
   办公室, 财 → 财政厅/财政局/财政部, 民 → 民政厅/民政局/民政部, 卫 → 卫生健康委员会 / 国家卫生健康
   委员会, 人社, 教, 统, 公, 司, 农, 水, 环, 住建/建, 交, 文旅, 审, 应急, 市监, 医保, 自然资源/国土,
   工信 …), by the place's level; with no place part (民发, 教发, 人社部发) or after 国 (国卫基层发)
   the code names the central organ. The central Party and State organs' own prefixes (国发,
   国办发, 中办发, 厅字 …) are :data:`CENTRAL_PREFIXES`;
4. a title starting 中华人民共和国 is central.

Basis type: a standard number (any Chinese standard prefix: GB/T 37668-2019, DA/T 31—2017,
DB14/T 1234—2020, JR/T …, dashes normalised to "-") → standard; a title ending 法/条例 → law;
合同/协议 → contract, also when named without 《》 (``按照与某公司签订的某服务合同执行``: the title
is the contract's name as written, without the 按照/与…签订的/执行 framing, and there is no issuer:
the other party is not one); 决定/纪要/决议 titles → decision; a decision cited by its meeting
(``经县政府研究决定``, ``县政府常务会议纪要``, ``县长办公会议纪要``) → decision with no title, the
issuer read from the words before the meeting and completed with the context, and the clause
naming it as its text; any other titled or numbered document → policy; 三定方案/三定规定 (an
institution's mandate, issued by the 编办) → policy; anything else → informal. A year is read from
the number, else from a title's "20xx年" (not "20xx年度", the period a document covers).
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


def _is_place_name(name: str) -> bool:
    """A full place name of 3+ characters (和林格尔县, 太和区) or a short name of 2+ (和田): not 和县,
    whose 和 is more often a conjunction (县委和县政府)."""
    return (len(name) >= 3 and name in gazetteer()[0]) or (len(name) >= 2 and name in _by_short())


def _place_at_start(text: str) -> bool:
    """Whether a place name begins ``text``."""
    return any(_is_place_name(text[:k]) for k in range(min(len(text), 12), 1, -1))


def _inside_place(text: str, i: int) -> bool:
    """Whether the character at ``i`` belongs to a place name written around it."""
    for j in range(max(0, i - 10), i + 1):
        for k in range(max(2, i - j + 1), 13):
            if j + k > len(text):
                break
            if _is_place_name(text[j : j + k]):
                return True
    return False


def _split_organs(text: str) -> list[str]:
    """Organs named together (``市委办、市政府办``, ``县委和县政府``); a 和/及/与 inside a place name
    (和林格尔县, 太和区) does not split."""
    parts: list[str] = []
    start = 0
    for i, ch in enumerate(text):
        if ch in "、,，" or (ch in _CONJ and i > 0 and not _inside_place(text, i)):
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


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

# the abbreviations provincial organs use in their own 发文字号 (陇, 秦, 滇, 蜀, 贵 name a province
# in prose but rarely in a number: 陇政发 is more likely 陇南市's for a 陇南 unit)
PRIMARY_PROVINCE_ABBR = frozenset(PROVINCE_ABBR) - {"陇", "秦", "滇", "蜀", "贵"}

# number prefixes of the central Party and State organs themselves (no place part, no department
# code). Longest match wins. Central departments are read from the organ table below.
CENTRAL_PREFIXES: dict[str, str] = {
    "国发": "国务院", "国函": "国务院", "国令": "国务院", "国务院令": "国务院",
    "国办发": "国务院办公厅", "国办函": "国务院办公厅", "国办": "国务院办公厅",
    "中发": "中共中央", "中办发": "中共中央办公厅", "中办": "中共中央办公厅",
    "厅字": "中共中央办公厅", "主席令": "中华人民共和国主席",
}  # fmt: skip

# The organ code of a 发文字号 → the organ's name. One row per organ: the code (a regular
# expression matched at the start of what follows the place part), the name at provincial level,
# at prefecture/county level, and the central organ's name when the code stands alone or after
# 国 (民发 → 民政部, 国卫基层发 → 国家卫生健康委员会). {name} is the place's full name, {party}
# the name a Party committee takes (内蒙古 for 内蒙古自治区), {short} the name without its suffix.
_KIND = r"(?:发|函|字|令|通|电|明电|规|复|呈|文)?"
ORGAN_CODES: list[tuple[str, str, str, str | None]] = [
    (rf"政办{_KIND}$", "{name}人民政府办公厅", "{name}人民政府办公室", None),
    (rf"(?:政|府){_KIND}$", "{name}人民政府", "{name}人民政府", None),
    (rf"办{_KIND}$", "中共{party}委办公厅", "中共{party}委办公室", None),
    (r"(?:发|委发|委)$", "中共{party}委", "中共{party}委", None),
    (r"发改", "{name}发展和改革委员会", "{name}发展和改革委员会", "国家发展和改革委员会"),
    (r"财", "{name}财政厅", "{name}财政局", "财政部"),
    (r"人社", "{name}人力资源和社会保障厅", "{name}人力资源和社会保障局", "人力资源和社会保障部"),
    (r"民", "{name}民政厅", "{name}民政局", "民政部"),
    (r"教", "{name}教育厅", "{name}教育局", "教育部"),
    (r"卫", "{name}卫生健康委员会", "{name}卫生健康委员会", "国家卫生健康委员会"),
    (r"统", "{name}统计局", "{name}统计局", "国家统计局"),
    (r"公", "{name}公安厅", "{name}公安局", "公安部"),
    (r"司", "{name}司法厅", "{name}司法局", "司法部"),
    (r"农", "{name}农业农村厅", "{name}农业农村局", "农业农村部"),
    (r"水", "{name}水利厅", "{name}水利局", "水利部"),
    (r"环", "{name}生态环境厅", "{name}生态环境局", "生态环境部"),
    (r"(?:住建|建)", "{name}住房和城乡建设厅", "{name}住房和城乡建设局", "住房和城乡建设部"),
    (r"交", "{name}交通运输厅", "{name}交通运输局", "交通运输部"),
    (r"文旅", "{name}文化和旅游厅", "{name}文化和旅游局", "文化和旅游部"),
    (r"审", "{name}审计厅", "{name}审计局", "审计署"),
    (r"应急", "{name}应急管理厅", "{name}应急管理局", "应急管理部"),
    (r"(?:市监|市场监管)", "{name}市场监督管理局", "{name}市场监督管理局", "国家市场监督管理总局"),
    (r"医保", "{name}医疗保障局", "{name}医疗保障局", "国家医疗保障局"),
    (r"(?:自然资源|自然资|国土)", "{name}自然资源厅", "{name}自然资源局", "自然资源部"),
    (r"工信", "{name}工业和信息化厅", "{name}工业和信息化局", "工业和信息化部"),
    (r"银保监", "{short}银保监局", "{short}银保监分局", "中国银行保险监督管理委员会"),
]  # fmt: skip
_ORGAN_RULES = [
    (re.compile("^" + code), (prov, local, central)) for code, prov, local, central in ORGAN_CODES
]


def _organ_row(organ: str) -> tuple[str, str | None, str | None] | None:
    for rule, names in _ORGAN_RULES:
        if rule.search(organ):
            return names
    return None


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
    names = _organ_row(organ)
    if names is None:
        return None
    pattern = names[0] if place.level == "province" else names[1]
    if pattern is None:  # pragma: no cover - every row names its provincial and local organ
        return None
    party = (
        place.short
        if place.level == "province" and place.name.endswith(("自治区", "特别行政区"))
        else place.name
    )
    return pattern.format(name=place.name, party=party, short=place.short)


def _central_organ(prefix: str, ctx: tuple[Place, ...]) -> str | None:
    """A central department's number: its code alone or after 国 (民发, 教发, 国卫基层发, 人社部发).

    Not when a place starts the prefix: a place name of 2+ characters (公安政发 is 公安县's), or a
    province abbreviation / the first character of a context place followed by a local organ code
    (环政发 for a 环县 unit)."""
    bodies = [prefix] + ([prefix[1:]] if prefix.startswith("国") and len(prefix) > 1 else [])
    row = next((r for b in bodies if (r := _organ_row(b)) is not None and r[2] is not None), None)
    if row is None:
        return None
    for k in range(min(len(prefix) - 1, 6), 1, -1):
        if _by_short().get(prefix[:k]) or any(p.short == prefix[:k] for p in ctx):
            return None
    first, rest = prefix[0], prefix[1:]
    local_first = first in PROVINCE_ABBR or any(p.level != "province" and p.short[:1] == first for p in ctx)
    if local_first and rest and _organ_row(rest) is not None:
        return None
    return row[2]


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
    # 1b. a context place by its first character when an organ code follows (和政发 for a unit of
    # 和田地区, 陇政办发 for 陇南市), unless that character is a province's own abbreviation in 文号
    # (晋政发 stays 山西省's for a 晋中市 unit)
    if prefix[0] not in PRIMARY_PROVINCE_ABBR and _organ_row(prefix[1:]) is not None:
        for p in ctx:
            if p.level != "province" and p.short[:1] == prefix[0]:
                return p, prefix[1:], None
    # 2. a gazetteer place whose short name (2+ characters) starts the prefix: 晋中政发 …, unless
    # that place is outside the context and the prefix is the context province's abbreviation and
    # an organ code (新民发 in a 新疆 document: 新 + 民发, the 民政厅, not 新民市's 市委)
    own = _province_place(PROVINCE_ABBR[prefix[0]]) if prefix[0] in PROVINCE_ABBR else None
    own_organ = own is not None and own in ctx and _organ_row(prefix[1:]) is not None
    for k in range(min(len(prefix) - 1, 6), 1, -1):
        places = [p for p in _by_short().get(prefix[:k], ()) if p.level != "province"]
        if len({p.adcode for p in places}) == 1 and not (own_organ and places[0] not in ctx):
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
    central = _central_organ(prefix, ctx)
    if central is not None:
        return _Issuer(central, "central")
    place, organ, level_only = _place_for_prefix(prefix, ctx)
    if place is not None:
        return _Issuer(_organ_name(place, organ), _LEVEL_OF[place.level])
    if level_only:
        return _Issuer(None, _LEVEL_OF[level_only])
    return _Issuer(None, None)


_SCOPE_LEVEL = {"省": "province", "市": "prefecture", "县": "county", "区": "county", "旗": "county"}
_RELATIVE = re.compile(r"^(省|市|县|区|旗)(委|政府)?(办公厅|办公室|办)?$")


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
    level_key = _SCOPE_LEVEL[scope]
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
    first = _split_organs(text)[0].strip()
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
    r"^(?:严格按照|按照|根据|依据|依照|参照|对照|执行|贯彻|落实|转发|印发|文件|精神|以及|、|号文|关于|的)+"
)
_CONJ = "和及与"
_DOC_WORD = re.compile(
    r"(通知|意见|办法|方案|决定|规定|规划|计划|细则|纪要|批复|函|条例|法)(?=[^通意办方决规计细纪批函条法]*$)"
)
# A Chinese standard number: an uppercase code of 1-4 letters (GB, DA, JR, WS, GA, JGJ, CECS …),
# a local standard's province number (DB14), /T (recommended) or /Z (guidance), the number
# (parts: 20984.1) and the year after any dash. A code that is not a national prefix (GB, GBJ)
# needs /T, /Z, a province number or a year, so "PM2.5" or "CPU 2" is no standard.
_STANDARD = re.compile(
    r"(?<![A-Za-z0-9/])(?P<code>DB\s?\d{2}|[A-Z]{1,4}(?:\d{2}(?=\s*/\s*[TZ]))?)"
    r"\s*(?P<kind>/\s*[TZ](?![A-Za-z]))?\s*(?P<num>\d{1,6}(?:\.\d{1,3})?)"
    r"(?:\s*[-—–－‐‑~～]+\s*(?P<year>\d{4}|\d{2})(?!\d))?(?![\d.A-Za-z])"
)
_NATIONAL_CODES = ("GB", "GBJ")


def _is_standard(m: re.Match[str]) -> bool:
    code = re.sub(r"\s+", "", m.group("code"))
    return bool(m.group("kind") or m.group("year") or code in _NATIONAL_CODES or code[:2] == "DB")


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
        # "…和晋政发": a conjunction; "和政发" / "和田政发": 和 is the place's (和田地区, 和林格尔县)
        if run[:1] and run[0] in _CONJ:
            part_of_name = _organ_row(run[1:]) is not None or _place_at_start(run)
            if not part_of_name or _place_at_start(run[1:]):
                run = run[1:]
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
    # "2022年度…" names the period a document covers, not the year it was issued
    m = re.search(r"((?:19|20)\d{2})\s*年(?!度)", _fold(title))
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


def _trim_left(seg: str) -> str:
    """``seg`` without the words leading to a title; a 和/及/与 that starts a place name stays."""
    trimmed = _TRIM_LEFT.sub("", seg)
    cut = len(seg) - len(trimmed)
    if cut and seg[cut - 1] in _CONJ and _place_at_start(seg[cut - 1 :]) and not _place_at_start(trimmed):
        return seg[cut - 1 :]
    return trimmed


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
                trimmed = _trim_left(seg)
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
        if not _is_standard(m) or any(n.start <= m.start() < n.end for n in out):
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
    trimmed = _trim_left(seg)
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


# a meeting's decision, cited without a document: 经县政府研究决定, 县政府常务会议纪要, 县长办公会议纪要
_MEETING = re.compile(
    r"(研究决定|研究同意|研究确定|会议决定|会议纪要|会议精神|会议研究|会议议定|"
    r"(?:常务|常委|专题|办公|党组|联席|主任|全体)会议?|纪要|决议|议定)"
)
_MEETING_TAIL = re.compile(
    r"(?:第?[一二三四五六七八九十百\d]+次)?(?:常务|常委|专题|办公|党组|联席|主任|全体|工作)*"
    r"(?:会议|会)?(?:研究)?$"
)
_LEADER = re.compile(r"^(?P<place>.*?)(?P<scope>省|市|县|区|州|旗)长$")
# a contract named without 《》: 与XX公司签订的XX服务合同 / 已签订的XX协议书 / XX协议书
_BARE_CONTRACT = re.compile(
    r"^(?:(?:与|同)(?P<party>[^，,。；;、《》]{2,40}?)(?:所)?(?:签订|签署|订立)了?的?|(?:已|所)?(?:签订|签署|订立)了?的)?"
    r"(?P<title>[^，,。；;、《》]{2,60}?(?:合同书|合同|协议书|协议|合约))"
    r"(?:的)?(?:相关|有关)?(?:约定|规定|条款|内容|要求)?(?:执行|办理|支付|履行)?$"
)


def _decision(text: str, stripped: str, m: re.Match[str], ctx: tuple[Place, ...]) -> Citation:
    """A decision cited by its meeting, no title: the issuer read from the words before it."""
    head = re.sub(r"^(?:经|由|据)", "", stripped[: m.start()]).strip()
    head = _MEETING_TAIL.sub("", head) if head else head
    # a joint decision (县委县政府研究决定): the first organ named
    head = re.split(r"(?<=委)(?=[省市县区](?:人民)?政府)|(?<=政府)(?=[省市县区]委)", head or "")[0]
    leader = _LEADER.match(head)
    if leader:  # 县长办公会议 → 县政府; 兴县县长办公会 → 兴县人民政府
        head = leader.group("place") + "人民政府" if leader.group("place") else leader.group("scope") + "政府"
    issuer = _named_issuer(head, ctx) if head else None
    # the citation is the clause that names the decision (not the "，同意安排…" after it)
    raw = text.strip()
    clause = re.match(r"^[^，,；;。]*", raw)
    if clause and m.group(0) in _fold(clause.group(0)):
        raw = clause.group(0).strip()
    return Citation(
        raw=raw,
        basis_type="decision",
        title=None,
        issuer=issuer.name if issuer else None,
        issuer_level=issuer.level if issuer else None,
    )


def _bare_contract(part: str) -> tuple[str, str] | None:
    """(the citation, the contract's name) of a part naming a contract without 《》, or None."""
    m = _BARE_CONTRACT.match(part)
    if m is None:
        return None
    title = m.group("title").strip()
    if not m.group("party") and _INFORMAL_HINT.search(title):
        return None
    return part[: m.end("title")].strip(), title


def _bare(text: str, folded: str, ctx: tuple[Place, ...]) -> list[Citation]:
    """A text with no 《》 title and no number: documents named bare, a decision, or informal.

    A contract named without 《》 keeps its name as written, without the framing around it
    (``按照与某公司签订的某服务合同执行`` → title ``某服务合同``); a decision cited by its meeting
    (``经县政府研究决定``) has no title, its issuer completed from the context, and the clause
    naming it as its text."""
    body = folded.strip().rstrip("。.；;")
    lead = re.compile(r"^(?:严格按照|按照|根据|依据|依照|参照|贯彻落实|贯彻|落实|执行)")
    stripped = lead.sub("", body).strip()
    # 三定方案: an institution's mandate (its 三定 document) → policy
    if _MANDATE_WORDS.search(stripped):
        # the 三定 document names the office it is about, not its issuer (the 编委): no issuer
        return [Citation(raw=text.strip(), basis_type="policy", title=stripped)]
    meeting = _MEETING.search(stripped)
    if meeting and "关于" not in stripped[: meeting.start()] and not _CONTRACT_WORDS.search(stripped):
        return [_decision(text, stripped, meeting, ctx)]
    # documents named without 《》: 「…合作协议书、…技术服务合同」
    parts = [p.strip() for p in re.split(r"[、；;]|以及|和(?=[^、]*(?:合同|协议))", stripped) if p.strip()]
    contracts = [_bare_contract(lead.sub("", p)) for p in parts]
    named = zip(parts, contracts, strict=True)
    if parts and all(c or (_BARE_DOC.search(p) and len(p) >= 4) for p, c in named):
        if not all(
            _INFORMAL_HINT.search(p) and not _CONTRACT_WORDS.search(p) and not c
            for p, c in zip(parts, contracts, strict=True)
        ):
            out = []
            for p, contract in zip(parts, contracts, strict=True):
                if contract:
                    out.append(Citation(raw=contract[0], basis_type="contract", title=contract[1]))
                    continue
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
    # decisions: …决定 / …纪要 without a meeting word
    dm = _DECISION_WORDS.search(stripped)
    if dm:
        return [_decision(text, stripped, dm, ctx)]
    # A closing full stop is punctuation, not part of the reason: without this, 「根据实际工作要求。」
    # and 「根据实际工作要求」 would be two different informal bases.
    return [Citation(raw=text.strip().rstrip("。.；;，,"), basis_type="informal")]
