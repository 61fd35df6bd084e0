"""Server-rendered web pages (issue #4): Chinese first with English labels, no front-end build.

Every page is a Jinja2 template (autoescaped) over the results of SPARQL 1.1 queries written
here and run against the store's union default graph. Amounts are ``xsd:decimal`` yuan read as
``Decimal`` and shown in 万元 and 元; charts are inline SVG drawn on the server. As a second line
of defence behind the loader (which never reads them), phone numbers and the names after
负责人/经办人/联系人 are masked in everything a page prints.
"""

from __future__ import annotations

import importlib
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import jinja2
import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from budgetkg.api.errors import ApiError, error_response
from budgetkg.loader.store import GraphStore
from budgetkg.mappings.iris import base_iri

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}

PREFIXES = """PREFIX bkg: <https://w3id.org/budgetkg/def#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX qb: <http://purl.org/linked-data/cube#>
PREFIX org: <http://www.w3.org/ns/org#>
"""
XSD = "http://www.w3.org/2001/XMLSchema#"
ONTOLOGY = "https://w3id.org/budgetkg/def"
NUMERIC = {XSD + t for t in ("decimal", "integer", "int", "long", "double", "float", "nonNegativeInteger")}
SEARCH_LIMIT = 100
HOME_UNITS = 200  # the home page lists this many units; the search box finds the rest
MAX_QUERY_CHARS = 100

# -- personal data ---------------------------------------------------------------------------------
# Phone numbers: the API-wide filter (``budgetkg.api.privacy``, switched off only by
# ``BUDGETKG_PUBLISH_PERSONAL_DATA``); landlines and the name written after 负责人/经办人/联系人 are
# masked here too. IRIs and paths are left alone: they are minted from hashes, never from people.
_LANDLINE = re.compile(r"(?<![0-9A-Za-z])0\d{2,3}-\d{7,8}(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9])1[3-9]\d{9}(?![0-9])")
_PERSON = re.compile(r"(负责人|经办人|联系人|填报人|审核人)(\s*[:：]\s*)[\u4e00-\u9fff·]{2,4}")
_IRI_OR_PATH = re.compile(r"^(?:https?://|/)\S*$")
MASK = "＊＊＊"


def _privacy() -> Any | None:
    try:
        return importlib.import_module("budgetkg.api.privacy")
    except ImportError:
        return None


def redact(text: str) -> str:
    """Mask phone numbers and the person named after 负责人/经办人 (and kin) in ``text``."""
    privacy = _privacy()
    if privacy is not None:
        if not privacy.enabled():
            return text
        text = privacy.redact_text(text)
    else:
        text = _MOBILE.sub(MASK, text)
    text = _LANDLINE.sub(MASK, text)
    return _PERSON.sub(lambda m: m.group(1) + m.group(2) + MASK, text)


def _finalize(value: object) -> object:
    # Jinja2 calls this on every {{ … }} before escaping, macros' insides included, so nothing a
    # template prints escapes it (Markup is a macro's output, already filtered piece by piece).
    if isinstance(value, str) and not isinstance(value, Markup) and not _IRI_OR_PATH.match(value):
        return redact(value)
    return value


# -- amounts ---------------------------------------------------------------------------------------
def _to_decimal(value: object) -> Decimal | None:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    return None


def fmt_yuan(value: object) -> str:
    """488000 → ``488,000``; decimals keep their digits: 1234.5 → ``1,234.5``."""
    d = _to_decimal(value)
    if d is None:
        return ""
    if not d.is_finite():
        return str(d)
    if d == d.to_integral_value():
        return f"{d.quantize(Decimal(1)):,}"
    return f"{d.normalize():,f}"


def fmt_wan(value: object) -> str:
    """Yuan → 万元 with at least two decimals, more only when the yuan amount needs them."""
    d = _to_decimal(value)
    if d is None:
        return ""
    if not d.is_finite():
        return str(d)
    wan = d.scaleb(-4)
    places = 2
    if wan != 0:
        places = max(2, -wan.normalize().as_tuple().exponent)  # type: ignore[operator]
    return f"{wan.quantize(Decimal(1).scaleb(-places)):,f}"


def fmt_share(part: Decimal | None, whole: Decimal | None) -> str:
    if part is None or not whole:
        return ""
    return f"{(part * 100 / whole).quantize(Decimal('0.1'))}%"


def fmt_number(value: object) -> str:
    """A numeric cell of a result table: thousands separators, digits kept."""
    if isinstance(value, bool):
        return str(value).lower()
    d = _to_decimal(value)
    if d is not None:
        return fmt_yuan(d)
    if isinstance(value, float):
        return f"{value:,}"
    return str(value)


# -- SVG bar chart ---------------------------------------------------------------------------------
def _short(label: str, size: int = 18) -> str:
    return label if len(label) <= size else label[: size - 1] + "…"


@dataclass
class Bar:
    label: str
    value: Decimal
    y: int
    width: int
    text: str
    href: str | None = None


@dataclass
class Chart:
    title: str
    bars: list[Bar]
    width: int
    height: int
    label_width: int
    bar_area: int
    unit: str


def bar_chart(
    items: Iterable[tuple[str, Decimal, str | None]], *, title: str, unit: str = "万元", wan: bool = True
) -> Chart | None:
    """Horizontal bars, longest = ``bar_area`` px; geometry from Decimal ratios (no floats)."""
    rows = [(_short(label), value, href) for label, value, href in items if value is not None]
    if not rows:
        return None
    top = max(v for _, v, _ in rows)
    label_width = min(300, 24 + 14 * max(len(label) for label, _, _ in rows))
    bar_area, row_h = 420, 28
    bars = []
    for i, (label, value, href) in enumerate(rows):
        width = int(Decimal(bar_area) * value / top) if top > 0 and value > 0 else 0
        text = fmt_wan(value) if wan else fmt_number(value)
        bars.append(Bar(label, value, 8 + i * row_h, max(width, 1 if value > 0 else 0), text, href))
    return Chart(
        title=title,
        bars=bars,
        width=label_width + bar_area + 130,
        height=16 + len(rows) * row_h,
        label_width=label_width,
        bar_area=bar_area,
        unit=unit,
    )


# -- SPARQL helpers ----------------------------------------------------------------------------------
def _py(term: object) -> object:
    """An RDF term → a Python value: decimals as Decimal, integers as int, booleans as bool."""
    if isinstance(term, ox.Literal):
        dt = term.datatype.value
        try:
            if dt == XSD + "decimal":
                return Decimal(term.value)
            if dt in NUMERIC and dt not in (XSD + "double", XSD + "float"):
                return int(term.value)
            if dt in (XSD + "double", XSD + "float"):
                return Decimal(term.value)
            if dt == XSD + "boolean":
                return term.value in ("true", "1")
        except ArithmeticError:
            return term.value
        return term.value
    if isinstance(term, ox.NamedNode | ox.BlankNode):
        return term.value
    return term


def select(store: GraphStore, query: str) -> list[dict[str, Any]]:
    """Run a SELECT and return plain dicts (variable → Python value), read in this thread."""
    result = store.query(PREFIXES + query)
    names = [v.value for v in result.variables]  # type: ignore[attr-defined]
    rows = []
    for solution in result:  # type: ignore[attr-defined]
        row = {}
        for name in names:
            term = solution[name]
            if term is not None:
                row[name] = _py(term)
        rows.append(row)
    return rows


def sparql_string(text: str) -> str:
    """A SPARQL string literal for arbitrary user text."""
    text = "".join(ch for ch in text if ch >= " " or ch in "\t\n")
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{escaped}"'


_ID = re.compile(r"^[A-Za-z0-9._~/:@!$&'()*+,;=%-]+$")


def iri_for(ident: str) -> str | None:
    """``doc/141123-…/2023/project/abcd`` → the full IRI, or None when it cannot be one of ours."""
    if not ident or not _ID.match(ident) or ".." in ident.split("/"):
        return None
    return base_iri() + ident


_KINDS = (
    ("project", re.compile(r"^doc/[^/]+/[^/]+/project/[^/]+$")),
    ("legal-basis", re.compile(r"^legal/[^/]+$")),
    ("unit", re.compile(r"^unit/[^/]+$")),
)


def page_url(iri: object) -> str | None:
    """The page of a resource IRI of ours (project, legal basis, unit), else None."""
    if not isinstance(iri, str):
        return None
    base = base_iri()
    if not iri.startswith(base):
        return None
    ident = iri[len(base) :]
    for kind, pattern in _KINDS:
        if pattern.match(ident) and _ID.match(ident):
            return f"/{kind}/{quote(ident, safe='/-._~')}"
    return None


def resource_url(iri: object) -> str | None:
    """A page for our resources, else the linked-data view (``/id/…``, ``/def/…``) of any IRI
    the server describes, else None."""
    page = page_url(iri)
    if page or not isinstance(iri, str):
        return page
    base = base_iri()
    if iri.startswith(base) and _ID.match(iri[len(base) :]):
        return "/id/" + quote(iri[len(base) :], safe="/-._~")
    if iri == ONTOLOGY or iri.startswith(ONTOLOGY + "/"):
        return "/def" + quote(iri[len(ONTOLOGY) :], safe="/-._~")
    return None


COMPACT = {
    "bkg": "https://w3id.org/budgetkg/def#",
    "code": "https://w3id.org/budgetkg/def/code/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": XSD,
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "qb": "http://purl.org/linked-data/cube#",
    "org": "http://www.w3.org/ns/org#",
    "eli": "http://data.europa.eu/eli/ontology#",
    "void": "http://rdfs.org/ns/void#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "foaf": "http://xmlns.com/foaf/0.1/",
}


def compact(iri: str) -> str:
    """``https://w3id.org/budgetkg/id/doc/…`` → ``doc/…``; ontology terms as ``bkg:amount``."""
    base = base_iri()
    if iri.startswith(base):
        return iri[len(base) :]
    for prefix, ns in COMPACT.items():
        if iri.startswith(ns) and iri[len(ns) :] and "/" not in iri[len(ns) :]:
            return f"{prefix}:{iri[len(ns) :]}"
    return iri


_IRIREF_BAD = re.compile(r'[\s<>"{}|^`\\]')


def _values(iris: Iterable[str]) -> str:
    """IRIs for a VALUES block (any that could not be written as ``<…>`` left out)."""
    return " ".join(f"<{i}>" for i in iris if not _IRIREF_BAD.search(i))


# -- shared look-ups ----------------------------------------------------------------------------------
def region_names(store: GraphStore, regions: Iterable[str]) -> dict[str, str]:
    """Region IRI → its chain of names from the province down (山西省 吕梁市 兴县)."""
    wanted = sorted({r for r in regions if r})
    if not wanted:
        return {}
    rows = select(
        store,
        f"""SELECT DISTINCT ?r ?label ?parent WHERE {{
  VALUES ?start {{ {_values(wanted)} }}
  ?start skos:broader* ?r .
  OPTIONAL {{ ?r skos:prefLabel ?label }}
  OPTIONAL {{ ?r skos:broader ?parent }}
}}""",
    )
    label: dict[str, str] = {}
    parent: dict[str, str] = {}
    for row in sorted(rows, key=lambda r: (r.get("label", ""), r.get("parent", ""))):
        label.setdefault(row["r"], row.get("label", ""))  # several labels: the same one every time
        if row.get("parent"):
            parent.setdefault(row["r"], row["parent"])
    names = {}
    for r in wanted:
        chain, seen, cur = [], set(), r
        while cur and cur not in seen:
            seen.add(cur)
            if label.get(cur):
                chain.append(label[cur])
            cur = parent.get(cur)
        names[r] = " ".join(reversed(chain))
    return names


def class_labels(store: GraphStore) -> dict[str, tuple[str, str]]:
    """Ontology individual/class IRI → (Chinese, English) label."""
    rows = select(
        store,
        """SELECT ?c ?zh ?en WHERE {
  VALUES ?c { bkg:Law bkg:PolicyDocument bkg:Contract bkg:Standard bkg:Decision bkg:InformalBasis
              bkg:CentralLevel bkg:ProvincialLevel bkg:PrefectureLevel bkg:CountyLevel }
  OPTIONAL { ?c rdfs:label ?zh FILTER(LANGMATCHES(LANG(?zh), "zh")) }
  OPTIONAL { ?c rdfs:label ?en FILTER(LANGMATCHES(LANG(?en), "en")) }
}""",
    )
    return {r["c"]: (r.get("zh", ""), r.get("en", "")) for r in rows}


def counts(store: GraphStore) -> dict[str, Any]:
    row = select(
        store,
        """SELECT ?documents ?units ?regions ?projects ?bases ?indicators WHERE {
  { SELECT (COUNT(DISTINCT ?d) AS ?documents) (COUNT(DISTINCT ?u) AS ?units) (COUNT(DISTINCT ?r) AS ?regions)
    WHERE { ?d a bkg:BudgetDocument ; bkg:budgetUnit ?u . OPTIONAL { ?u bkg:region ?r } } }
  { SELECT (COUNT(DISTINCT ?p) AS ?projects) WHERE { ?p a bkg:Project } }
  { SELECT (COUNT(DISTINCT ?b) AS ?bases) WHERE { ?b a bkg:LegalBasis } }
  { SELECT (COUNT(DISTINCT ?i) AS ?indicators) WHERE { ?i a bkg:PerformanceIndicator } }
}""",
    )[0]
    amounts = select(store, "SELECT DISTINCT ?p ?a WHERE { ?p a bkg:Project ; bkg:amount ?a }")
    row["project_total"] = sum((r["a"] for r in amounts), Decimal(0))
    return row


def legal_basis_name(row: dict[str, Any]) -> str:
    return row.get("title") or row.get("label") or row.get("number") or row.get("b", "").rsplit("/", 1)[-1]


# -- page data ---------------------------------------------------------------------------------------
def home_data(store: GraphStore) -> dict[str, Any]:
    units = select(
        store,
        """SELECT DISTINCT ?u ?name ?region ?year ?total WHERE {
  ?d a bkg:BudgetDocument ; bkg:budgetUnit ?u .
  OPTIONAL { ?d bkg:fiscalYear ?year }
  OPTIONAL { ?u skos:prefLabel ?name }
  OPTIONAL { ?u bkg:region ?region }
  OPTIONAL { ?l bkg:document ?d ; qb:dataSet ?t ; bkg:isTableTotal true ; bkg:column "total" ;
                bkg:amount ?total .
             ?t bkg:tableKind "expenditure_summary" . }
} ORDER BY ?name ?year""",
    )
    regions = region_names(store, (u.get("region") for u in units))
    by_unit: dict[str, dict[str, Any]] = {}
    for u in units:
        entry = by_unit.setdefault(
            u["u"],
            {
                "href": page_url(u["u"]),
                "name": u.get("name", u["u"]),
                "region": regions.get(u.get("region", ""), ""),
                "years": {},
            },
        )
        year = str(u.get("year", ""))
        if year not in entry["years"] or u.get("total") is not None:
            entry["years"][year] = u.get("total")
    top_bases = select(
        store,
        """SELECT ?b (SAMPLE(?t) AS ?title) (SAMPLE(?lab) AS ?label) (SAMPLE(?no) AS ?number)
       (COUNT(DISTINCT ?p) AS ?n) WHERE {
  ?p a bkg:Project ; bkg:hasLegalBasis ?b .
  OPTIONAL { ?b dcterms:title ?t } OPTIONAL { ?b rdfs:label ?lab } OPTIONAL { ?b bkg:documentNumber ?no }
} GROUP BY ?b ORDER BY DESC(?n) ?b LIMIT 10""",
    )
    for b in top_bases:
        b["name"], b["href"] = legal_basis_name(b), page_url(b["b"])
    unit_list = sorted(by_unit.values(), key=lambda e: (e["region"], e["name"]))
    unit_count = len(unit_list)
    biggest = max(
        ((u, t) for u in unit_list for t in u["years"].values() if t is not None),
        key=lambda ut: ut[1],
        default=None,
    )
    example_basis = select(
        store,
        """SELECT ?b WHERE { ?b a bkg:LegalBasis ; bkg:documentNumber "晋政办发〔2017〕10号" } LIMIT 1""",
    )
    return {
        "counts": counts(store),
        "units": unit_list[:HOME_UNITS],
        "unit_count": unit_count,
        "top_bases": top_bases,
        "biggest_unit": biggest[0] if biggest else None,
        "example_basis": page_url(example_basis[0]["b"]) if example_basis else None,
        "library": library_entries()[:6],
    }


def _highlight(text: str, needle: str) -> list[tuple[str, bool]]:
    """Split ``text`` into (part, is_match) pieces for <mark>, case-insensitively."""
    if not needle:
        return [(text, False)]
    parts, low, nlow, i = [], text.lower(), needle.lower(), 0
    while True:
        j = low.find(nlow, i)
        if j < 0:
            parts.append((text[i:], False))
            return [p for p in parts if p[0]]
        parts += [(text[i:j], False), (text[j : j + len(needle)], True)]
        i = j + len(needle)


def search_data(store: GraphStore, q: str) -> dict[str, Any]:
    needle = sparql_string(q.lower())
    projects = select(
        store,
        f"""SELECT DISTINCT ?p ?name ?amount ?u ?unit ?year WHERE {{
  ?p a bkg:Project ; rdfs:label ?name .
  FILTER(CONTAINS(LCASE(STR(?name)), {needle}))
  OPTIONAL {{ ?p bkg:amount ?amount }}
  OPTIONAL {{ ?p bkg:budgetUnit ?u . OPTIONAL {{ ?u skos:prefLabel ?unit }} }}
  OPTIONAL {{ ?p bkg:document/bkg:fiscalYear ?year }}
}} ORDER BY ?name ?unit ?p LIMIT {SEARCH_LIMIT + 1}""",
    )
    bases = select(
        store,
        f"""SELECT ?b (SAMPLE(?t) AS ?title) (SAMPLE(?lab) AS ?label) (SAMPLE(?no) AS ?number)
       (COUNT(DISTINCT ?p) AS ?n) WHERE {{
  ?b a bkg:LegalBasis .
  OPTIONAL {{ ?b dcterms:title ?t }} OPTIONAL {{ ?b rdfs:label ?lab }}
  OPTIONAL {{ ?b bkg:documentNumber ?no }}
  FILTER(CONTAINS(LCASE(STR(?t)), {needle}) || CONTAINS(LCASE(STR(?lab)), {needle})
         || CONTAINS(LCASE(STR(?no)), {needle}))
  OPTIONAL {{ ?p bkg:hasLegalBasis ?b }}
}} GROUP BY ?b ORDER BY DESC(?n) ?b LIMIT {SEARCH_LIMIT + 1}""",
    )
    units = select(
        store,
        f"""SELECT DISTINCT ?u ?name ?region WHERE {{
  ?u a bkg:BudgetUnit ; skos:prefLabel ?name . FILTER(CONTAINS(LCASE(STR(?name)), {needle}))
  FILTER EXISTS {{ ?d bkg:budgetUnit ?u }}
  OPTIONAL {{ ?u bkg:region ?region }}
}} ORDER BY ?name LIMIT {SEARCH_LIMIT + 1}""",
    )
    regions = region_names(store, (u.get("region") for u in units))
    for p in projects:
        p["href"], p["unit_href"] = page_url(p["p"]), page_url(p.get("u"))
        p["parts"] = _highlight(p["name"], q)
    for b in bases:
        b["name"], b["href"] = legal_basis_name(b), page_url(b["b"])
        b["parts"] = _highlight(b["name"], q)
        b["number_parts"] = _highlight(b.get("number") or "", q) if b["name"] != b.get("number") else []
    for u in units:
        u["href"], u["region_name"] = page_url(u["u"]), regions.get(u.get("region", ""), "")
        u["parts"] = _highlight(u["name"], q)
    return {
        "projects": projects[:SEARCH_LIMIT],
        "bases": bases[:SEARCH_LIMIT],
        "units": units[:SEARCH_LIMIT],
        "more": {
            "projects": len(projects) > SEARCH_LIMIT,
            "bases": len(bases) > SEARCH_LIMIT,
            "units": len(units) > SEARCH_LIMIT,
        },
        "limit": SEARCH_LIMIT,
    }


PERIODS = {"annual": ("年度指标", "Annual targets"), "midterm": ("中期指标", "Mid-term targets")}


def project_data(store: GraphStore, iri: str) -> dict[str, Any] | None:
    rows = select(
        store,
        f"""SELECT ?name ?amount ?midterm ?carried ?basisText ?u ?unit ?region ?d ?year ?source ?line WHERE {{
  VALUES ?p {{ <{iri}> }}
  ?p a bkg:Project .
  OPTIONAL {{ ?p rdfs:label ?name }}
  OPTIONAL {{ ?p bkg:amount ?amount }}
  OPTIONAL {{ ?p bkg:midtermAmount ?midterm }}
  OPTIONAL {{ ?p bkg:carriedOver ?carried }}
  OPTIONAL {{ ?p bkg:legalBasisText ?basisText }}
  OPTIONAL {{ ?p bkg:budgetUnit ?u . OPTIONAL {{ ?u skos:prefLabel ?unit }}
             OPTIONAL {{ ?u bkg:region ?region }} }}
  OPTIONAL {{ ?p bkg:document ?d . OPTIONAL {{ ?d bkg:fiscalYear ?year }}
             OPTIONAL {{ ?d dcterms:source ?source }} }}
  OPTIONAL {{ ?p bkg:sourceLine ?line }}
}} LIMIT 1""",
    )
    if not rows:
        return None
    p = rows[0]
    p["iri"] = iri
    p["unit_href"] = page_url(p.get("u"))
    p["region_name"] = region_names(store, [p.get("region", "")]).get(p.get("region", ""), "")
    labels = class_labels(store)
    bases = select(
        store,
        f"""SELECT DISTINCT ?b ?title ?label ?number ?type ?level ?year ?issuer WHERE {{
  <{iri}> bkg:hasLegalBasis ?b .
  OPTIONAL {{ ?b dcterms:title ?title }} OPTIONAL {{ ?b rdfs:label ?label }}
  OPTIONAL {{ ?b bkg:documentNumber ?number }} OPTIONAL {{ ?b bkg:basisType ?type }}
  OPTIONAL {{ ?b bkg:issuerLevel ?level }} OPTIONAL {{ ?b bkg:issueYear ?year }}
  OPTIONAL {{ ?b bkg:issuer/skos:prefLabel ?issuer }}
}}""",
    )
    citations = select(
        store,
        f"""SELECT DISTINCT ?c ?text ?b ?line WHERE {{
  <{iri}> bkg:cites ?c . OPTIONAL {{ ?c bkg:citedText ?text }} OPTIONAL {{ ?c bkg:citesBasis ?b }}
  OPTIONAL {{ ?c bkg:sourceLine ?line }}
}}""",
    )
    basis_text = p.get("basisText") or ""

    def position(text: str | None) -> int:
        at = basis_text.find(text or "")
        return at if text and at >= 0 else len(basis_text)

    citations.sort(key=lambda c: (position(c.get("text")), c.get("text") or ""))
    first_cited = {}
    for i, c in enumerate(citations):
        first_cited.setdefault(c.get("b"), i)
        c["basis_href"] = page_url(c.get("b"))
    for b in bases:
        b["name"], b["href"] = legal_basis_name(b), page_url(b["b"])
        b["type_label"] = labels.get(b.get("type", ""), ("", ""))
        b["level_label"] = labels.get(b.get("level", ""), ("", ""))
    bases.sort(key=lambda b: (first_cited.get(b["b"], len(citations)), b["name"]))
    return {
        "p": p,
        "bases": bases,
        "citations": citations,
        "indicators": _indicator_groups(store, iri),
    }


def _indicator_groups(store: GraphStore, project: str) -> list[dict[str, Any]]:
    rows = select(
        store,
        f"""SELECT DISTINCT ?i ?name ?period ?level2 ?level1 ?target ?placeholder ?line ?basis ?bt ?bl ?bn
WHERE {{
  <{project}> bkg:hasIndicator ?i .
  OPTIONAL {{ ?i rdfs:label ?name }}
  OPTIONAL {{ ?i bkg:period ?period }}
  OPTIONAL {{ ?i bkg:indicatorCategory ?c2 . ?c2 skos:prefLabel ?level2 .
             OPTIONAL {{ ?c2 skos:broader/skos:prefLabel ?level1 }} }}
  OPTIONAL {{ ?i bkg:targetText ?target }}
  OPTIONAL {{ ?i bkg:targetIsPlaceholder ?placeholder }}
  OPTIONAL {{ ?i bkg:sourceLine ?line }}
  OPTIONAL {{ ?i bkg:targetBasis ?basis . OPTIONAL {{ ?basis dcterms:title ?bt }}
             OPTIONAL {{ ?basis rdfs:label ?bl }} OPTIONAL {{ ?basis bkg:documentNumber ?bn }} }}
}}""",
    )
    seen: set[str] = set()
    unique = []
    for r in sorted(rows, key=lambda r: (r.get("line", 0), r.get("name", ""), r["i"])):
        if r["i"] not in seen:  # one row per indicator even if a label is repeated across graphs
            seen.add(r["i"])
            unique.append(r)
    periods: list[dict[str, Any]] = []
    order = sorted(
        {r.get("period", "") for r in unique},
        key=lambda p: (list(PERIODS).index(p) if p in PERIODS else len(PERIODS), p),
    )
    for period in order:
        items = [r for r in unique if r.get("period", "") == period]
        level1_order: list[str] = []
        by_level1: dict[str, list[dict[str, Any]]] = {}
        for r in items:
            key = r.get("level1") or r.get("level2") or "—"
            if key not in by_level1:
                level1_order.append(key)
            by_level1.setdefault(key, []).append(r)
        groups = []
        for level1 in level1_order:
            members = by_level1[level1]
            # keep the document's order, but bring each level-2 category's indicators together
            level2_order: list[str] = []
            for r in members:
                if r.get("level2", "") not in level2_order:
                    level2_order.append(r.get("level2", ""))
            members.sort(key=lambda r: level2_order.index(r.get("level2", "")))
            out_rows = []
            for i, r in enumerate(members):
                level2 = r.get("level2", "")
                first = i == 0 or members[i - 1].get("level2", "") != level2
                span = sum(1 for m in members if m.get("level2", "") == level2) if first else 0
                basis = None
                if r.get("basis"):
                    basis = {
                        "href": page_url(r["basis"]),
                        "name": legal_basis_name(
                            {
                                "title": r.get("bt"),
                                "label": r.get("bl"),
                                "number": r.get("bn"),
                                "b": r["basis"],
                            }
                        ),
                    }
                out_rows.append({**r, "level2_span": span, "basis_link": basis})
            groups.append({"level1": level1, "rows": out_rows, "span": len(out_rows)})
        zh, en = PERIODS.get(period, (period or "指标", period or "Indicators"))
        periods.append({"period": period, "zh": zh, "en": en, "groups": groups, "count": len(items)})
    return periods


def legal_basis_data(store: GraphStore, iri: str) -> dict[str, Any] | None:
    rows = select(
        store,
        f"""SELECT ?title ?label ?number ?type ?level ?year ?issuer WHERE {{
  VALUES ?b {{ <{iri}> }}
  ?b a bkg:LegalBasis .
  OPTIONAL {{ ?b dcterms:title ?title }} OPTIONAL {{ ?b rdfs:label ?label }}
  OPTIONAL {{ ?b bkg:documentNumber ?number }} OPTIONAL {{ ?b bkg:basisType ?type }}
  OPTIONAL {{ ?b bkg:issuerLevel ?level }} OPTIONAL {{ ?b bkg:issueYear ?year }}
  OPTIONAL {{ ?b bkg:issuer/skos:prefLabel ?issuer }}
}} LIMIT 1""",
    )
    if not rows:
        return None
    b = rows[0]
    b["b"] = iri
    b["name"] = legal_basis_name(b)
    labels = class_labels(store)
    b["type_label"] = labels.get(b.get("type", ""), ("", ""))
    b["level_label"] = labels.get(b.get("level", ""), ("", ""))
    projects = select(
        store,
        f"""SELECT DISTINCT ?p ?name ?amount ?u ?unit ?region ?year ?cited WHERE {{
  {{ ?p bkg:hasLegalBasis <{iri}> }} UNION {{ ?p bkg:cites/bkg:citesBasis <{iri}> }}
  ?p a bkg:Project .
  OPTIONAL {{ ?p rdfs:label ?name }}
  OPTIONAL {{ ?p bkg:amount ?amount }}
  OPTIONAL {{ ?p bkg:budgetUnit ?u . OPTIONAL {{ ?u skos:prefLabel ?unit }}
             OPTIONAL {{ ?u bkg:region ?region }} }}
  OPTIONAL {{ ?p bkg:document/bkg:fiscalYear ?year }}
}} ORDER BY ?region ?unit ?year ?name""",
    )
    seen: set[str] = set()
    unique = []
    for p in projects:
        if p["p"] not in seen:
            seen.add(p["p"])
            unique.append(p)
    regions = region_names(store, (p.get("region") for p in unique))
    for p in unique:
        p["href"], p["unit_href"] = page_url(p["p"]), page_url(p.get("u"))
        p["region_name"] = regions.get(p.get("region", ""), "")
    unique.sort(
        key=lambda p: (p["region_name"], p.get("unit", ""), str(p.get("year", "")), p.get("name", ""))
    )
    total = sum((p["amount"] for p in unique if isinstance(p.get("amount"), Decimal)), Decimal(0))
    target_of = select(
        store,
        f"""SELECT (COUNT(DISTINCT ?i) AS ?n) WHERE {{ ?i bkg:targetBasis <{iri}> }}""",
    )
    return {
        "b": b,
        "projects": unique,
        "total": total,
        "units": len({p.get("u") for p in unique if p.get("u")}),
        "regions": len({p.get("region") for p in unique if p.get("region")}),
        "indicator_count": target_of[0].get("n", 0) if target_of else 0,
    }


def unit_data(store: GraphStore, iri: str) -> dict[str, Any] | None:
    rows = select(
        store,
        f"""SELECT ?name ?region ?code WHERE {{
  VALUES ?u {{ <{iri}> }}
  ?u a bkg:BudgetUnit .
  OPTIONAL {{ ?u skos:prefLabel ?name }} OPTIONAL {{ ?u bkg:region ?region }}
  OPTIONAL {{ ?u bkg:unitCode ?code }}
}} LIMIT 1""",
    )
    if not rows:
        return None
    u = rows[0]
    u["iri"] = iri
    u["region_name"] = region_names(store, [u.get("region", "")]).get(u.get("region", ""), "")
    related = select(
        store,
        f"""SELECT DISTINCT ?o ?name ?rel WHERE {{
  {{ <{iri}> org:hasSubOrganization ?o . BIND("sub" AS ?rel) }}
  UNION {{ ?o org:hasSubOrganization <{iri}> . BIND("parent" AS ?rel) }}
  OPTIONAL {{ ?o skos:prefLabel ?name }}
}} ORDER BY ?name""",
    )
    with_docs = {
        r["u"]
        for r in select(store, "SELECT DISTINCT ?u WHERE { ?d a bkg:BudgetDocument ; bkg:budgetUnit ?u }")
    }
    for r in related:
        r["href"] = page_url(r["o"]) if r["o"] in with_docs else None
    docs = select(
        store,
        f"""SELECT DISTINCT ?d ?year ?source WHERE {{
  ?d a bkg:BudgetDocument ; bkg:budgetUnit <{iri}> .
  OPTIONAL {{ ?d bkg:fiscalYear ?year }} OPTIONAL {{ ?d dcterms:source ?source }}
}} ORDER BY DESC(?year) ?d""",
    )
    years = [_unit_year(store, iri, d) for d in docs]
    return {
        "u": u,
        "parents": [r for r in related if r["rel"] == "parent"],
        "subunits": [r for r in related if r["rel"] == "sub"],
        "years": years,
    }


BREAKDOWN_TABLES = ("expenditure_summary", "general_budget_expenditure")


def _unit_year(store: GraphStore, unit: str, doc: dict[str, Any]) -> dict[str, Any]:
    d = doc["d"]
    lines = select(
        store,
        f"""SELECT DISTINCT ?l ?kind ?column ?group ?total ?code ?fname ?amount WHERE {{
  ?l bkg:document <{d}> ; qb:dataSet ?t ; bkg:amount ?amount ; bkg:column ?column .
  ?t bkg:tableKind ?kind . FILTER(?kind IN ("expenditure_summary", "general_budget_expenditure"))
  OPTIONAL {{ ?l bkg:columnGroup ?group }}
  OPTIONAL {{ ?l bkg:isTableTotal ?total }}
  OPTIONAL {{ ?l bkg:functionClass ?f . ?f skos:notation ?code . OPTIONAL {{ ?f skos:prefLabel ?fname }} }}
}}""",
    )
    # The first table that has them: 预算支出总表, else the 一般公共预算支出表. Ungrouped columns first.
    kind = next((k for k in BREAKDOWN_TABLES if any(r["kind"] == k for r in lines)), None)
    lines = sorted(
        (r for r in lines if r["kind"] == kind), key=lambda r: ("group" in r, str(r.get("group", "")))
    )
    totals: dict[str, Decimal] = {}
    classes: dict[str, dict[str, Any]] = {}
    for r in lines:
        if r.get("total") is True and r["column"] in ("total", "basic", "project"):
            totals.setdefault(r["column"], r["amount"])
        elif r["column"] == "total" and len(str(r.get("code", ""))) == 3:
            classes.setdefault(
                r["code"], {"code": r["code"], "name": r.get("fname", ""), "amount": r["amount"]}
            )
    breakdown = sorted(classes.values(), key=lambda c: c["code"])
    whole = totals.get("total") or sum((c["amount"] for c in breakdown), Decimal(0))
    for c in breakdown:
        c["share"] = fmt_share(c["amount"], whole)
    chart = bar_chart(
        ((f"{c['code']} {c['name']}", c["amount"], None) for c in breakdown),
        title=f"{doc.get('year', '')} 年支出功能分类（类） Expenditure by function class",
    )
    projects = select(
        store,
        f"""SELECT DISTINCT ?p ?name ?amount (COUNT(DISTINCT ?b) AS ?bases) WHERE {{
  ?p a bkg:Project ; bkg:document <{d}> .
  OPTIONAL {{ ?p rdfs:label ?name }} OPTIONAL {{ ?p bkg:amount ?amount }}
  OPTIONAL {{ ?p bkg:hasLegalBasis ?b }}
}} GROUP BY ?p ?name ?amount""",
    )
    for p in projects:
        p["href"] = page_url(p["p"])
    projects.sort(key=lambda p: (-(p.get("amount") or Decimal(0)), p.get("name", "")))
    return {
        **doc,
        "table_kind": kind,
        "totals": totals,
        "breakdown": breakdown,
        "chart": chart,
        "projects": projects,
        "project_total": sum((p["amount"] for p in projects if p.get("amount") is not None), Decimal(0)),
    }


# -- query library --------------------------------------------------------------------------------------
@dataclass
class LibraryParam:
    name: str
    default: str = ""
    description: str = ""
    choices: tuple[str, ...] = ()


@dataclass
class LibraryEntry:
    name: str
    title_zh: str
    title_en: str
    description: str = ""
    params: list[LibraryParam] = field(default_factory=list)


def _queries_module() -> Any | None:
    """``budgetkg.queries`` when it provides the named-query API, else None (degrade gracefully)."""
    try:
        module = importlib.import_module("budgetkg.queries")
    except Exception:  # a half-written module must not take the pages down
        return None
    if not callable(getattr(module, "list_queries", None)) or not callable(getattr(module, "render", None)):
        return None
    return module


def _params_of(raw: object) -> list[LibraryParam]:
    """``NamedQuery.params`` (objects with name, default, description, choices) as form fields;
    plain names or dicts are accepted too."""
    if not raw:
        return []
    items: Iterable[Any] = raw.values() if isinstance(raw, dict) else raw  # type: ignore[assignment]
    params = []
    for item in items:
        if isinstance(item, str):
            params.append(LibraryParam(item))
            continue
        get = item.get if isinstance(item, dict) else (lambda k, it=item: getattr(it, k, None))
        name = get("name")
        if not name:
            continue
        default = get("default")
        default = "" if default in (None, '""') else str(default)
        choices = tuple(str(c) for c in (get("choices") or ()))
        params.append(LibraryParam(str(name), default, str(get("description") or ""), choices))
    return params


def library_entries() -> list[LibraryEntry]:
    module = _queries_module()
    if module is None:
        return []
    try:
        raw = list(module.list_queries())
    except Exception:
        return []
    entries = []
    for q in raw:
        name = getattr(q, "name", None)
        if not name:
            continue
        entries.append(
            LibraryEntry(
                name=str(name),
                title_zh=str(getattr(q, "title_zh", "") or name),
                title_en=str(getattr(q, "title_en", "") or ""),
                description=str(getattr(q, "description", "") or getattr(q, "description_zh", "") or ""),
                params=_params_of(getattr(q, "params", None)),
            )
        )
    return entries


@dataclass
class Cell:
    text: str
    href: str | None = None
    title: str | None = None
    numeric: bool = False
    value: Decimal | None = None
    decimal: bool = False


LIBRARY_ROWS = 1000  # a page shows at most this many rows; the CSV/JSON of /queries has them all


def result_table(
    store: GraphStore, sparql: str, cancel: threading.Event | None = None, limit: int = LIBRARY_ROWS
) -> dict[str, Any]:
    """Run a library query and shape it as a table (a chart when it fits). Stops after ``limit``
    rows, or between two rows once ``cancel`` is set (the caller has given up waiting)."""
    result = store.query(sparql)
    if isinstance(result, bool):
        return {"boolean": result, "columns": [], "rows": [], "chart": None, "truncated": False}
    if isinstance(result, ox.QueryTriples):
        columns = ["subject", "predicate", "object"]
        solutions: Iterable[list[object]] = ([t.subject, t.predicate, t.object] for t in result)
    else:
        columns = [v.value for v in result.variables]  # type: ignore[attr-defined]
        solutions = ([sol[c] for c in columns] for sol in result)  # type: ignore[attr-defined]
    rows, truncated = [], False
    for terms in solutions:
        if cancel is not None and cancel.is_set():
            raise TimeoutError
        if len(rows) >= limit:
            truncated = True
            break
        rows.append([_cell(t) for t in terms])
    chart = None if isinstance(result, ox.QueryTriples) else _result_chart(columns, rows)
    return {"boolean": None, "columns": columns, "rows": rows, "chart": chart, "truncated": truncated}


async def _run_with_time_limit(work: Callable[[threading.Event | None], Any]) -> Any:
    """The SPARQL endpoint's time limit (``BUDGETKG_QUERY_TIMEOUT``) when it offers one."""
    try:
        from budgetkg.api.sparql import run_limited
    except ImportError:
        return await run_in_threadpool(work, None)
    return await run_limited(work)


def _cell(term: object) -> Cell:
    if term is None:
        return Cell("")
    if isinstance(term, ox.Literal) and term.datatype.value in NUMERIC:
        value = _py(term)
        if isinstance(value, int | Decimal):
            is_decimal = term.datatype.value == XSD + "decimal"
            return Cell(fmt_number(value), numeric=True, value=Decimal(value), decimal=is_decimal)
    if isinstance(term, ox.NamedNode):
        return Cell(compact(term.value), href=resource_url(term.value), title=term.value)
    return Cell(str(_py(term)))


def _result_chart(columns: list[str], rows: list[list[Cell]]) -> Chart | None:
    """A bar chart when the result has a label column and a numeric column and few rows."""
    if not rows or len(rows) > 40 or len(columns) < 2:
        return None
    numeric = [i for i in range(len(columns)) if all(r[i].numeric or not r[i].text for r in rows)]
    numeric = [i for i in numeric if any(r[i].numeric for r in rows)]
    labels = [i for i in range(len(columns)) if i not in numeric and any(r[i].text for r in rows)]
    if not numeric or not labels:
        return None
    # a human label rather than an IRI column; money when the values are xsd:decimal (amounts in yuan)
    label_col = next((i for i in labels if not any(r[i].title for r in rows)), labels[0])
    money_words = ("amount", "total", "sum", "yuan", "金额", "合计")
    value_col = next((i for i in numeric if any(k in columns[i].lower() for k in money_words)), numeric[0])
    is_money = all(r[value_col].decimal for r in rows if r[value_col].numeric)
    pages = ("/project/", "/legal-basis/", "/unit/")
    href_col = next(
        (i for i in range(len(columns)) if any((r[i].href or "").startswith(pages) for r in rows)), None
    )
    items = [
        (r[label_col].text, r[value_col].value, r[href_col].href if href_col is not None else None)
        for r in rows
        if r[value_col].value is not None
    ]
    return bar_chart(
        items,
        title=f"{columns[value_col]} × {columns[label_col]}",
        unit="万元" if is_money else columns[value_col],
        wan=is_money,
    )


# -- rendering ---------------------------------------------------------------------------------------
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        wan=fmt_wan, yuan=fmt_yuan, number=fmt_number, page_url=page_url, resource_url=resource_url
    )
    env.globals.update(page_url=page_url, urlencode=urlencode)
    return env


_ENV: jinja2.Environment | None = None


def _env() -> jinja2.Environment:
    global _ENV
    if _ENV is None:
        _ENV = environment()
    return _ENV


def render_resource_html(desc: Any, href: Callable[[str], str], formats: dict[str, str]) -> str:
    """The linked-data view (``/id/…``) in the site's look: ``budgetkg.api.linked_data`` calls this
    instead of its own plain page. ``desc`` is its ``Description``; ``href(iri)`` the local link
    of an IRI; ``formats`` format name → URL of the same description in that format."""

    def name(iri: str) -> dict[str, str]:
        return {"label": desc.labels.get(iri, ""), "compact": compact(iri), "iri": iri}

    def term(t: Any) -> dict[str, Any]:
        if isinstance(t, ox.NamedNode):
            return {"kind": "iri", "href": href(t.value), **name(t.value)}
        if isinstance(t, ox.BlankNode):
            return {"kind": "blank", "href": f"#b-{t.value}", "label": "", "compact": f"_:{t.value}"}
        if isinstance(t, ox.Literal):
            value = _py(t)
            text = fmt_number(value) if t.datatype.value in NUMERIC else t.value
            note = t.language or compact(t.datatype.value)
            return {"kind": "literal", "text": text, "note": note}
        return {"kind": "literal", "text": str(t), "note": ""}

    sections = []
    for subject, triples in desc.sections.items():
        blank = subject.startswith("_:")
        sections.append(
            {
                "anchor": f"b-{subject[2:]}" if blank else "",
                "heading": None if subject == desc.iri else (subject if blank else name(subject)),
                "rows": [(name(t.predicate.value), term(t.object)) for t in triples],
            }
        )
    inbound = [(term(t.subject), name(t.predicate.value)) for t in desc.inbound]
    return (
        _env()
        .get_template("resource.html")
        .render(
            base_iri=base_iri(),
            q="",
            iri=desc.iri,
            label=desc.labels.get(desc.iri, "") or compact(desc.iri),
            page=page_url(desc.iri),
            formats=formats,
            sections=sections,
            inbound=inbound,
            truncated=bool(getattr(desc, "truncated", False)),
        )
    )


def wants_json(request: Request) -> bool:
    """JSON errors for API clients (Accept names JSON and not HTML), HTML pages for browsers."""
    accept = request.headers.get("accept", "").lower()
    return "json" in accept and "text/html" not in accept


def pages_router(store: GraphStore) -> APIRouter:
    router = APIRouter(tags=["pages"], include_in_schema=False)
    env = _env()
    static_files = (
        {p.name: p for p in STATIC.iterdir() if p.suffix in STATIC_TYPES} if STATIC.is_dir() else {}
    )

    def render(name: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = env.get_template(name).render(base_iri=base_iri(), **context)
        return HTMLResponse(html, status_code=status)

    def not_found(request: Request, what_zh: str, what_en: str, ident: str) -> Response:
        detail = f"no {what_en} with id {ident!r}"
        if wants_json(request):
            return error_response(404, "Not found", detail)
        return render(
            "error.html",
            status=404,
            status_code=404,
            title_zh=f"找不到该{what_zh}",
            title_en=f"{what_en.capitalize()} not found",
            detail=detail,
        )

    @router.get("/", response_class=HTMLResponse)
    def home() -> HTMLResponse:
        return render("home.html", **home_data(store), q="")

    @router.get("/search", response_class=HTMLResponse)
    def search(q: str = "") -> HTMLResponse:
        q = q.strip()[:MAX_QUERY_CHARS]
        data = search_data(store, q) if q else None
        return render("search.html", q=q, results=data)

    @router.get("/project/{ident:path}", response_class=HTMLResponse)
    def project(ident: str, request: Request) -> Response:
        iri = iri_for(ident)
        data = project_data(store, iri) if iri else None
        if data is None:
            return not_found(request, "项目", "project", ident)
        return render("project.html", **data, q="")

    @router.get("/legal-basis/{ident:path}", response_class=HTMLResponse)
    def legal_basis(ident: str, request: Request) -> Response:
        iri = iri_for(ident)
        data = legal_basis_data(store, iri) if iri else None
        if data is None:
            return not_found(request, "立项依据", "legal basis", ident)
        return render("legal_basis.html", **data, q="")

    @router.get("/unit/{ident:path}", response_class=HTMLResponse)
    def unit(ident: str, request: Request) -> Response:
        iri = iri_for(ident)
        data = unit_data(store, iri) if iri else None
        if data is None:
            return not_found(request, "预算单位", "budget unit", ident)
        return render("unit.html", **data, q="")

    @router.get("/library", response_class=HTMLResponse)
    def library() -> HTMLResponse:
        available = _queries_module() is not None
        return render("library.html", entries=library_entries(), available=available, q="")

    @router.get("/library/{name}", response_class=HTMLResponse)
    async def library_query(name: str, request: Request) -> Response:
        module = _queries_module()
        entry = next((e for e in library_entries() if e.name == name), None)
        if module is None or entry is None:
            return not_found(request, "查询", "named query", name)
        values = {
            p.name: request.query_params[p.name] for p in entry.params if request.query_params.get(p.name)
        }
        error, table, sparql, status = None, None, "", 200
        try:
            sparql = module.render(name, values)
            table = await _run_with_time_limit(lambda cancel: result_table(store, sparql, cancel))
        except ApiError as exc:  # the time limit
            error, status = exc.detail, exc.status
        except (ValueError, KeyError, TypeError, SyntaxError, OSError) as exc:
            error, status = str(exc) or type(exc).__name__, 400
        if error and wants_json(request):
            return error_response(status, "Query not run", error)
        return render(
            "library_query.html",
            status=status,
            entry=entry,
            values=values,
            table=table,
            error=error,
            sparql=sparql,
            q="",
        )

    @router.get("/sparql-editor", response_class=HTMLResponse)
    def sparql_editor(query: str = "") -> HTMLResponse:
        return render(
            "sparql_editor.html", query=query or EDITOR_EXAMPLES[0][2], examples=EDITOR_EXAMPLES, q=""
        )

    @router.get("/static/{name}")
    def static(name: str) -> Response:
        path = static_files.get(name)
        if path is None:
            return error_response(404, "Not found", f"no static file {name!r}")
        return Response(
            path.read_bytes(),
            media_type=STATIC_TYPES[path.suffix],
            headers={"Cache-Control": "public, max-age=300"},
        )

    @router.get("/project", include_in_schema=False)
    @router.get("/legal-basis", include_in_schema=False)
    @router.get("/unit", include_in_schema=False)
    def bare_listing() -> RedirectResponse:
        return RedirectResponse("/", status_code=307)

    return router


EDITOR_EXAMPLES: list[tuple[str, str, str]] = [
    (
        "金额最大的十个项目",
        "Ten largest projects",
        """PREFIX bkg: <https://w3id.org/budgetkg/def#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>

SELECT ?project ?unit ?amount WHERE {
  ?p a bkg:Project ; rdfs:label ?project ; bkg:amount ?amount ;
     bkg:budgetUnit/skos:prefLabel ?unit .
}
ORDER BY DESC(?amount)
LIMIT 10""",
    ),
    (
        "引用最多的立项依据",
        "Most cited legal bases",
        """PREFIX bkg: <https://w3id.org/budgetkg/def#>
PREFIX dcterms: <http://purl.org/dc/terms/>

SELECT ?number ?title (COUNT(DISTINCT ?p) AS ?projects) WHERE {
  ?p bkg:hasLegalBasis ?b .
  ?b bkg:documentNumber ?number .
  OPTIONAL { ?b dcterms:title ?title }
}
GROUP BY ?number ?title
ORDER BY DESC(?projects)
LIMIT 10""",
    ),
    (
        "各功能分类（类）支出合计",
        "Spending by function class",
        """PREFIX bkg: <https://w3id.org/budgetkg/def#>
PREFIX qb: <http://purl.org/linked-data/cube#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>

SELECT ?code ?name (SUM(?amount) AS ?total) WHERE {
  ?line qb:dataSet/bkg:tableKind "expenditure_summary" ; bkg:column "total" ;
        bkg:amount ?amount ; bkg:functionClass ?c .
  ?c skos:notation ?code ; skos:prefLabel ?name .
  FILTER(STRLEN(?code) = 3)
}
GROUP BY ?code ?name
ORDER BY ?code""",
    ),
]
