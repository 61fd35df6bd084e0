"""Where a budget unit sits: GB/T 2260 divisions from the table shipped in the ``cpca`` package.

The gazetteer is ``cpca/resources/adcodes.csv`` (12-digit codes: 2 digits province, 4 prefecture,
6 county). It is read as a plain file — ``cpca`` itself (and pandas) is never imported, which would
cost a second per process. Municipalities (北京/天津/上海/重庆) and the 省直辖县级行政区划 have a
placeholder prefecture level in that table; here their counties hang directly under the province.

:func:`resolve_region` finds the division named in a unit name ("巨鹿县人民政府办公室" → 巨鹿县
130529 → 邢台市 → 河北省), preferring the county level, using the rest of the document to choose
between same-named divisions (普陀区 in 上海 or in 舟山), and tolerating one mis-recognised
character (埭桥区 → 埇桥区) when the document or the glyphs make the intended name clear.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from budgetkg.loader.records import AdminLevel, Region

MUNICIPALITIES = {"11", "12", "31", "50"}
# Placeholder prefecture-level rows in the table: not real divisions.
_PLACEHOLDERS = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
# A division name ends in one of these; they anchor the search for names in running text.
_SUFFIX_CHARS = set("省市县区旗州盟")
_PROVINCE_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市")

# Characters that OCR and hurried typing confuse in place names (same phonetic or radical part).
# A tie-breaker only: the document's own mentions of the correct name weigh far more.
CONFUSABLE_PAIRS: frozenset[frozenset[str]] = frozenset(
    frozenset(p)
    for p in (
        "埇埭",
        "埇涌",
        "埇甬",
        "埇墉",
        "涌甬",
        "濉睢",
        "亳毫",
        "鄞勤",
        "邗刊",
        "郯剡",
        "沭沐",
        "泸沪",
        "汨汩",
        "鄄甄",
        "滦栾",
        "鄱番",
        "婺务",
        "衢瞿",
        "歙翕",
        "黟黔",
        "睢雎",
        "祁祈",
        "岢苛",
        "芮苪",
        "郏郟",
        "浉狮",
        "洺铭",
        "蓟葪",
        "栾峦",
        "莒苢",
        "郫陴",
        "邛印",
    )
)


@dataclass(frozen=True)
class Place:
    adcode: str  # 6 digits
    name: str
    level: AdminLevel
    parent: str | None  # parent's 6-digit adcode


@dataclass
class RegionMatch:
    """The outcome of :func:`resolve_region`."""

    region: Region | None
    found: str | None = None  # the place name as written in the unit name (may be a variant)
    canonical: str | None = None  # the gazetteer's spelling of it
    start: int = -1  # where ``found`` starts in the unit name
    warnings: list[str] = field(default_factory=list)

    def canonical_unit_name(self, unit_name: str) -> str:
        """The unit name with a mis-spelt place name replaced by the gazetteer's spelling."""
        if not self.found or not self.canonical or self.found == self.canonical or self.start < 0:
            return unit_name
        end = self.start + len(self.found)
        return unit_name[: self.start] + self.canonical + unit_name[end:]


def _adcodes_csv() -> str:
    spec = importlib.util.find_spec("cpca")  # locates the package without executing it
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the cpca package (GB/T 2260 table) is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "resources" / "adcodes.csv"
    return path.read_text(encoding="utf-8")


def _short_province(name: str) -> str:
    for suffix in _PROVINCE_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


class Gazetteer:
    def __init__(self, rows: Iterable[tuple[str, str]]) -> None:
        raw: dict[str, str] = {}
        for code12, name in rows:
            code12 = code12.strip()
            if len(code12) < 6 or not code12[:6].isdigit():
                continue
            raw[code12[:6]] = name.strip()
        self.places: dict[str, Place] = {}
        for code, name in raw.items():
            prov, pref, county = code[:2], code[2:4], code[4:6]
            if name in _PLACEHOLDERS or not name:
                continue
            if pref == "00" and county == "00":
                self.places[code] = Place(code, name, "province", None)
            elif county == "00":
                self.places[code] = Place(code, name, "prefecture", prov + "0000")
            else:
                parent = code[:4] + "00"
                if prov in MUNICIPALITIES or parent not in raw or raw[parent] in _PLACEHOLDERS:
                    parent = prov + "0000"
                self.places[code] = Place(code, name, "county", parent)
        self.by_name: dict[str, list[Place]] = {}
        for p in sorted(self.places.values(), key=lambda p: p.adcode):
            self.by_name.setdefault(p.name, []).append(p)
        self.max_len = max(len(n) for n in self.by_name)
        self.short_names: dict[str, str] = {}  # adcode → short form used in prose (山西, 吕梁)
        for p in self.places.values():
            if p.level == "province":
                self.short_names[p.adcode] = _short_province(p.name)
            elif p.level == "prefecture":
                for suffix in ("地区", "自治州", "市", "盟"):
                    if p.name.endswith(suffix) and len(p.name) - len(suffix) >= 2:
                        self.short_names[p.adcode] = p.name[: -len(suffix)]
                        break
        self._wild: dict[str, list[Place]] | None = None

    # -- lookups ---------------------------------------------------------------------------
    def region(self, adcode: str) -> Region:
        p = self.places[adcode]
        parent = self.region(p.parent) if p.parent and p.parent in self.places else None
        return Region(name=p.name, level=p.level, adcode=p.adcode, parent=parent)

    def ancestors(self, place: Place) -> list[Place]:
        out = []
        code = place.parent
        while code and code in self.places:
            out.append(self.places[code])
            code = self.places[code].parent
        return out

    def children(self, adcode: str) -> list[Place]:
        return [p for p in self.places.values() if p.parent == adcode]

    def wildcard(self) -> dict[str, list[Place]]:
        """One-substitution index over county and prefecture names: "埇桥区" under "?桥区", "埇?区"."""
        if self._wild is None:
            wild: dict[str, list[Place]] = {}
            for p in self.places.values():
                if p.level == "province" or len(p.name) < 3:
                    continue
                for i in range(len(p.name) - 1):  # the suffix (县/区/市) is never the variant
                    wild.setdefault(p.name[:i] + "?" + p.name[i + 1 :], []).append(p)
            self._wild = wild
        return self._wild

    def scan(self, text: str) -> list[tuple[int, str]]:
        """Leftmost-longest division names in ``text`` as (start, name), non-overlapping."""
        found: list[tuple[int, str]] = []
        i, n = 0, len(text)
        while i < n:
            hit = None
            for length in range(min(self.max_len, n - i), 1, -1):
                if text[i : i + length] in self.by_name:
                    hit = text[i : i + length]
                    break
            if hit:
                found.append((i, hit))
                i += len(hit)
            else:
                i += 1
        return found

    def mentions(self, text: str) -> dict[str, int]:
        """How often each division name ending in 省/市/县/区/旗/州/盟 occurs in running text."""
        counts: dict[str, int] = {}
        for i, ch in enumerate(text):
            if ch not in _SUFFIX_CHARS:
                continue
            for length in range(min(self.max_len, i + 1), 1, -1):
                s = text[i - length + 1 : i + 1]
                if s in self.by_name:
                    counts[s] = counts.get(s, 0) + 1
                    break
        return counts


@cache
def gazetteer() -> Gazetteer:
    reader = csv.reader(io.StringIO(_adcodes_csv()))
    next(reader, None)
    return Gazetteer((row[0], row[1]) for row in reader if len(row) >= 2)


def _glyph_similarity(a: str, b: str) -> float:
    """0..2: how plausibly ``a`` is a misreading of ``b`` (confusable pair, or same radical block)."""
    if frozenset((a, b)) in CONFUSABLE_PAIRS:
        return 2.0
    oa, ob = ord(a), ord(b)
    if 0x4E00 <= oa <= 0x9FFF and 0x4E00 <= ob <= 0x9FFF:
        # Unified ideographs are ordered by radical, then strokes: near code points share a radical.
        return max(0.0, 1.0 - abs(oa - ob) / 400)
    return 0.0


def _context_score(gz: Gazetteer, place: Place, unit_name: str, context: str) -> float:
    score = 0.0
    for anc in gz.ancestors(place):
        names = {anc.name, gz.short_names.get(anc.adcode, anc.name)}
        if any(n in unit_name for n in names):
            score += 20
        score += min(sum(context.count(n) for n in names), 10)
    return score


def _pick(
    gz: Gazetteer, candidates: list[Place], unit_name: str, context: str
) -> tuple[Place | None, list[Place]]:
    """The candidate the unit name and document context support best; None when they tie."""
    if len(candidates) == 1:
        return candidates[0], []
    scored = sorted(
        ((_context_score(gz, p, unit_name, context), p) for p in candidates),
        key=lambda sp: (-sp[0], sp[1].adcode),
    )
    if scored[0][0] > scored[1][0]:
        return scored[0][1], []
    return None, [p for s, p in scored if s == scored[0][0]]


def _describe(gz: Gazetteer, p: Place) -> str:
    chain = [p.name] + [a.name for a in gz.ancestors(p)]
    return f"{'/'.join(reversed(chain))} ({p.adcode})"


def resolve_region(unit_name: str, context: str = "") -> RegionMatch:
    """The division a unit belongs to, from its name, with the document text as context.

    County level wins over prefecture, prefecture over province. ``context`` (the whole document,
    or any text around the unit) decides between same-named divisions and confirms OCR variants.
    """
    gz = gazetteer()
    name = "".join(unit_name.split())
    hits = gz.scan(name)
    higher = {n for _, n in hits if any(p.level != "county" for p in gz.by_name[n])}

    def consistent(p: Place) -> bool:
        # A higher level named in the unit name ("宿州市埇桥区", "上海市普陀区") must be an ancestor.
        named_above = {a.name for a in gz.ancestors(p)} & higher
        return not higher or bool(named_above) or p.name in higher

    warnings: list[str] = []
    for level in ("county", "prefecture", "province"):
        for start, n in hits:
            places = [p for p in gz.by_name[n] if p.level == level and consistent(p)]
            if not places:
                continue
            if level != "county":
                fuzzy = _fuzzy(gz, name, context, hits, higher)
                if fuzzy is not None and fuzzy.region is not None:
                    return fuzzy
            chosen, tied = _pick(gz, places, name, context)
            if chosen is not None:
                rest = name[start + len(n) :]
                county_like = re.match(r"^[\u4e00-\u9fff]{1,4}?[县区旗]", rest)
                if level != "county" and county_like:
                    warnings.append(
                        f"region: {county_like.group(0)!r} after {n} in {unit_name!r} is not a known "
                        f"division of {n}; region set to {n} ({chosen.adcode})"
                    )
                return RegionMatch(gz.region(chosen.adcode), n, n, start, warnings)
            warnings.append(
                f"region: {n!r} in unit name {unit_name!r} is ambiguous ("
                + "; ".join(_describe(gz, p) for p in tied)
                + ") and the document does not say which; region left unknown"
            )
            return RegionMatch(None, n, n, start, warnings)
    fuzzy = _fuzzy(gz, name, context, hits, higher)
    if fuzzy is not None:
        return fuzzy
    # No division in the name: fall back on the county the document mentions most.
    mentions = gz.mentions(context) if context else {}
    counties = sorted(
        ((c, n) for n, c in mentions.items() if any(p.level == "county" for p in gz.by_name[n])),
        reverse=True,
    )
    if counties and counties[0][0] >= 3 and (len(counties) == 1 or counties[0][0] >= 2 * counties[1][0]):
        n = counties[0][1]
        chosen, _ = _pick(gz, [p for p in gz.by_name[n] if p.level == "county"], name, context)
        if chosen is not None:
            return RegionMatch(
                gz.region(chosen.adcode),
                None,
                None,
                -1,
                [
                    f"region: unit name {unit_name!r} names no division; took {n} "
                    f"({chosen.adcode}), the county the document mentions most"
                ],
            )
    return RegionMatch(None, None, None, -1, [f"region: no administrative division found in {unit_name!r}"])


def _fuzzy(
    gz: Gazetteer, name: str, context: str, hits: list[tuple[int, str]], higher: set[str]
) -> RegionMatch | None:
    """A county/prefecture name with one character misread, where a place name can start: at the
    beginning of the unit name or right after a named province/prefecture."""
    anchors = {0} | {start + len(n) for start, n in hits if n in higher}
    wild = gz.wildcard()
    best: list[tuple[float, int, str, Place]] = []
    renamed: set[str] = set()  # adcodes matched by a changed suffix, not a changed character
    for a in sorted(anchors):
        for end in range(a + 3, min(a + 7, len(name)) + 1):
            s = name[a:end]
            if s[-1] not in _SUFFIX_CHARS or s in gz.by_name:
                continue
            for i in range(len(s) - 1):
                for p in wild.get(s[:i] + "?" + s[i + 1 :], ()):
                    if higher and not ({x.name for x in gz.ancestors(p)} & higher):
                        continue
                    score = 10 * min(context.count(p.name), 5) + _context_score(gz, p, name, context)
                    score += _glyph_similarity(s[i], p.name[i])
                    best.append((score, a, s, p))
            # 撤县设区 / 撤县设市: the table predates the change ("梁平区" is listed as 梁平县)
            if s[-1] in "县区市":
                for suffix in "县区市".replace(s[-1], ""):
                    for p in gz.by_name.get(s[:-1] + suffix, ()):
                        above = {x.name for x in gz.ancestors(p)}
                        if p.level != "county" or (higher and not (above & higher)):
                            continue
                        # the stem is intact: worth more than a glyph guess, less than the document's word
                        score = 1.5 + 10 * min(context.count(s), 5) + _context_score(gz, p, name, context)
                        best.append((score, a, s, p))
                        renamed.add(p.adcode)
    if not best:
        return None
    best.sort(key=lambda t: (-t[0], t[3].adcode))
    score, start, written, place = best[0]
    runner_up = next((t for t in best[1:] if t[3].adcode != place.adcode), None)
    if runner_up is not None and runner_up[0] >= score - 0.25:
        return RegionMatch(
            None,
            written,
            None,
            start,
            [
                f"region: {written!r} is not a known division; it could be "
                + " or ".join(_describe(gz, t[3]) for t in (best[0], runner_up))
                + "; region left unknown"
            ],
        )
    if place.adcode in renamed and written[:-1] == place.name[:-1]:
        return RegionMatch(
            gz.region(place.adcode),
            written,
            written,  # the unit's own (newer) name stays
            start,
            [
                f"region: {written!r} is not in the division table; taken as {place.name} "
                f"({place.adcode}, its code before 撤县设区/设市)"
            ],
        )
    return RegionMatch(
        gz.region(place.adcode),
        written,
        place.name,
        start,
        [f"region: {written!r} read as {place.name} ({place.adcode}); one character differs"],
    )
