"""Legal-basis lookups (JSON): projects, the 立项依据 they cite, and who else cites the same.

Identifiers: every item has ``iri`` (the full IRI) and ``id``, the IRI's path after the base
(``doc/141123-…/2023/project/…``, ``legal/n-…``), which is what ``{id}`` in the URLs takes; a
legal basis also answers to its last segment alone (``n-…``). Lists are paged with ``limit``
(default 20, at most 200) and ``offset`` and report ``total``. Amounts are yuan, as exact decimal
strings. A 文号 typed in any bracket style (``[2017]``, ``（2017）``, ``【2017】``, ``〔2017〕``, with or
without 第) finds the same basis. Every string passes the personal-data filter.
"""

from __future__ import annotations

import threading
import unicodedata
from typing import Annotated, Any

import pyoxigraph as ox
from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from budgetkg.api import privacy
from budgetkg.api.errors import ApiError
from budgetkg.loader.citations import normalize_number
from budgetkg.loader.store import GraphStore
from budgetkg.mappings.iris import BKG, base_iri

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS_LABEL = "http://www.w3.org/2004/02/skos/core#prefLabel"
TITLE = "http://purl.org/dc/terms/title"
PREFIXES = (
    f"PREFIX bkg: <{BKG}>\n"
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
    "PREFIX dcterms: <http://purl.org/dc/terms/>\n"
)
MAX_LIMIT = 200

EXAMPLE_PROJECT = {
    "id": "doc/141123-e9ab3f528f79/2023/project/81c055e31ae1",
    "iri": "https://w3id.org/budgetkg/id/doc/141123-e9ab3f528f79/2023/project/81c055e31ae1",
    "name": "法律顾问费",
    "amount": "50000",
    "year": 2023,
    "unit": {
        "id": "unit/141123-e9ab3f528f79",
        "iri": "https://w3id.org/budgetkg/id/unit/141123-e9ab3f528f79",
        "name": "兴县人民政府办公室",
    },
    "region": {
        "id": "region/141123",
        "iri": "https://w3id.org/budgetkg/id/region/141123",
        "name": "兴县",
        "adcode": "141123",
    },
    "document": {
        "id": "doc/141123-e9ab3f528f79/2023",
        "iri": "https://w3id.org/budgetkg/id/doc/141123-e9ab3f528f79/2023",
        "name": None,
    },
    "legal_basis_count": 1,
}
EXAMPLE_BASIS = {
    "id": "legal/n-b4aa3013ff7a",
    "iri": "https://w3id.org/budgetkg/id/legal/n-b4aa3013ff7a",
    "title": "关于加快推进公共法律服务体系建设的意见",
    "label": None,
    "number": "国办发〔2019〕26号",
    "type": {"iri": BKG + "PolicyDocument", "key": "PolicyDocument", "label": "规范性文件"},
    "level": {"iri": BKG + "CentralLevel", "key": "CentralLevel", "label": "中央"},
    "issuers": [
        {
            "id": "org/f6e6f0dd1c32",
            "iri": "https://w3id.org/budgetkg/id/org/f6e6f0dd1c32",
            "name": "国务院办公厅",
        }
    ],
    "year": 2019,
    "project_count": 3,
}


# -- response models (they document the JSON in OpenAPI) ----------------------------------------
class Ref(BaseModel):
    id: str = Field(description="the IRI's path after the base")
    iri: str
    name: str | None = None


class RegionRef(Ref):
    adcode: str | None = None


class Code(BaseModel):
    iri: str
    key: str = Field(description="the ontology term's local name")
    label: str | None = Field(None, description="its Chinese label")


class ProjectSummary(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE_PROJECT]})
    id: str
    iri: str
    name: str | None
    amount: str | None = Field(description="yuan (元), an exact decimal as a string")
    year: int | None
    unit: Ref | None
    region: RegionRef | None
    document: Ref | None
    legal_basis_count: int


class LegalBasisSummary(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE_BASIS]})
    id: str
    iri: str
    title: str | None
    label: str | None = Field(description="the cited words, for a basis with neither title nor 文号")
    number: str | None = Field(description="发文字号 (文号) in canonical form, e.g. 晋政办发〔2017〕10号")
    type: Code | None
    level: Code | None = Field(description="level of government of the issuer")
    issuers: list[Ref]
    year: int | None
    project_count: int = Field(description="projects anywhere whose 立项依据 cite it")


class ProjectDetail(ProjectSummary):
    midterm_amount: str | None
    carried_over: bool
    legal_basis_text: str | None = Field(description="the 立项依据 cell as written")
    source_line: int | None
    indicator_count: int
    legal_bases: list[LegalBasisSummary]


class ProjectPage(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"total": 1, "limit": 20, "offset": 0, "items": [EXAMPLE_PROJECT]}]}
    )
    total: int
    limit: int
    offset: int
    items: list[ProjectSummary]


class CitingProject(ProjectSummary):
    cited_as: list[str] = Field(description="legal_basis (立项依据) and/or indicator_target (绩效指标)")
    cited_text: list[str] = Field(description="how this project's document wrote the citation")


class CitingProjects(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[CitingProject]


class ProjectLegalBasis(LegalBasisSummary):
    cited_text: list[str] = Field(description="how this project cites it")
    other_projects: CitingProjects = Field(description="the other projects, anywhere, that cite it")


class ProjectLegalBases(BaseModel):
    project: ProjectSummary
    total: int
    items: list[ProjectLegalBasis]


class LegalBasisPage(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"total": 1, "limit": 20, "offset": 0, "items": [EXAMPLE_BASIS]}]}
    )
    total: int
    limit: int
    offset: int
    items: list[LegalBasisSummary]


class LegalBasisDetail(LegalBasisSummary):
    cited_text: list[str] = Field(description="every way documents wrote this citation")
    projects: str = Field(description="URL of the projects citing it")


# -- reading -------------------------------------------------------------------------------------
def _lit(text: str) -> str:
    return str(ox.Literal(text))


def _iri(iri: str) -> str:
    try:
        return str(ox.NamedNode(iri))
    except ValueError as exc:
        raise ApiError(404, "Not found", f"not an IRI: {iri!r}") from exc


def _year(term: object) -> int | None:
    if isinstance(term, ox.Literal):
        try:
            return int(term.value[:4])
        except ValueError:
            return None
    return None


class Reader:
    """Per-request, thread-bound: properties of resources over the union of all graphs."""

    def __init__(self, store: GraphStore, index: CitationIndex | None = None) -> None:
        self.store = store
        self.index = index
        self.base = base_iri()
        self._props: dict[str, dict[str, list[Any]]] = {}

    def select(self, query: str) -> list[dict[str, Any]]:
        result = self.store.query(PREFIXES + query)
        names = [v.value for v in result.variables]  # type: ignore[attr-defined]
        return [dict(zip(names, list(row), strict=True)) for row in result]  # type: ignore[attr-defined]

    def props(self, iri: str) -> dict[str, list[Any]]:
        if iri not in self._props:
            out: dict[str, set[Any]] = {}
            for q in self.store.store.quads_for_pattern(ox.NamedNode(iri), None, None, None):
                out.setdefault(q.predicate.value, set()).add(q.object)
            self._props[iri] = {k: sorted(v, key=str) for k, v in out.items()}
        return self._props[iri]

    def one(self, iri: str, prop: str) -> Any | None:
        values = self.props(iri).get(prop)
        return values[0] if values else None

    def text(self, iri: str, prop: str) -> str | None:
        v = self.one(iri, prop)
        return v.value if v is not None else None

    def name(self, iri: str) -> str | None:
        for p in (SKOS_LABEL, RDFS_LABEL, TITLE):
            values = [v for v in self.props(iri).get(p, []) if isinstance(v, ox.Literal)]
            if values:
                zh = [v for v in values if (v.language or "").startswith("zh")]
                return (zh or values)[0].value
        return None

    def rel(self, iri: str) -> str:
        return iri[len(self.base) :] if iri.startswith(self.base) else iri

    def ref(self, node: Any | None) -> dict[str, Any] | None:
        if not isinstance(node, ox.NamedNode):
            return None
        return {"id": self.rel(node.value), "iri": node.value, "name": self.name(node.value)}

    def code(self, node: Any | None) -> dict[str, Any] | None:
        if not isinstance(node, ox.NamedNode):
            return None
        key = node.value.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        return {"iri": node.value, "key": key, "label": self.name(node.value)}

    # -- shapes ------------------------------------------------------------------------------
    def project(self, iri: str) -> dict[str, Any]:
        unit = self.one(iri, BKG + "budgetUnit")
        doc = self.one(iri, BKG + "document")
        region = None
        if isinstance(unit, ox.NamedNode):
            r = self.one(unit.value, BKG + "region")
            region = self.ref(r)
            if region is not None:
                region["adcode"] = self.text(r.value, BKG + "adcode")
        year = _year(self.one(doc.value, BKG + "fiscalYear")) if isinstance(doc, ox.NamedNode) else None
        unit_ref, doc_ref = self.ref(unit), self.ref(doc)
        if doc_ref is not None and doc_ref["name"] is None and unit_ref is not None and unit_ref["name"]:
            doc_ref["name"] = f"{unit_ref['name']} {year or ''}年部门预算".replace(" 年", "年")
        return {
            "id": self.rel(iri),
            "iri": iri,
            "name": self.name(iri),
            "amount": self.text(iri, BKG + "amount"),
            "year": year,
            "unit": unit_ref,
            "region": region,
            "document": doc_ref,
            "legal_basis_count": len(self.props(iri).get(BKG + "hasLegalBasis", [])),
        }

    def basis(self, iri: str, project_count: int | None = None) -> dict[str, Any]:
        types = [t for t in self.props(iri).get(RDF_TYPE, []) if t.value != BKG + "LegalBasis"]
        if project_count is None:
            rows = self.select(
                f"SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ ?p bkg:hasLegalBasis {_iri(iri)} }}"
            )
            project_count = int(rows[0]["n"].value)
        return {
            "id": self.rel(iri),
            "iri": iri,
            "title": self.text(iri, TITLE),
            "label": self.text(iri, RDFS_LABEL),
            "number": self.text(iri, BKG + "documentNumber"),
            "type": self.code(self.one(iri, BKG + "basisType") or (types[0] if types else None)),
            "level": self.code(self.one(iri, BKG + "issuerLevel")),
            "issuers": [
                self.ref(o) for o in self.props(iri).get(BKG + "issuer", []) if isinstance(o, ox.NamedNode)
            ],
            "year": _year(self.one(iri, BKG + "issueYear")),
            "project_count": project_count,
        }

    def is_a(self, iri: str, cls: str) -> bool:
        return any(t.value == BKG + cls for t in self.props(iri).get(RDF_TYPE, []))

    def citing(self, basis: str, exclude: str | None = None) -> list[tuple[str, list[str]]]:
        """Projects citing ``basis`` (as 立项依据 or as an indicator's target basis), newest
        first, then by unit and name; with how each cites it."""
        if self.index is not None:
            return [c for c in self.index.citing(basis) if c[0] != exclude]
        # The UNION sits in a subquery so it is evaluated first, from the basis: written inline,
        # Oxigraph joined it after scanning every project (360–570 ms per lookup at 1,000
        # documents, against 15–70 ms this way; BENCHMARKS.md, API latency).
        rows = self.select(_citing_query(basis))
        return _ordered(rows, exclude).get(basis, [])

    def cited_text(self, project: str | None, basis: str) -> list[str]:
        """How ``project`` (or any document, with None) wrote its citations of ``basis``."""
        if project is not None:
            return self.cited_texts([project], basis).get(project, [])
        rows = self.select(
            f"SELECT DISTINCT ?t WHERE {{ ?c bkg:citesBasis {_iri(basis)} ; bkg:citedText ?t }}"
            " ORDER BY ?t LIMIT 50"
        )
        return [r["t"].value for r in rows]

    def cited_texts(self, projects: list[str], basis: str) -> dict[str, list[str]]:
        """:meth:`cited_text` of several projects in one query (a lookup lists up to 20)."""
        if not projects:
            return {}
        values = " ".join(_iri(p) for p in projects)
        rows = self.select(
            f"SELECT DISTINCT ?p ?t WHERE {{ VALUES ?p {{ {values} }} "
            "{ ?p bkg:cites ?c } UNION "
            '{ ?p bkg:hasIndicator ?i BIND(IRI(CONCAT(STR(?i), "/basis")) AS ?c) } '
            f"?c bkg:citesBasis {_iri(basis)} ; bkg:citedText ?t }}"
        )
        out: dict[str, list[str]] = {}
        for r in rows:
            out.setdefault(r["p"].value, []).append(r["t"].value)
        return {p: sorted(texts)[:50] for p, texts in out.items()}


def _citing_query(basis: str | None) -> str:
    """Who cites ``basis`` (every basis, with None), how, and what orders them."""
    b = "?b" if basis is None else _iri(basis)
    return (
        "SELECT DISTINCT ?b ?p ?via ?y ?u ?n WHERE {"
        f" {{ SELECT {'?b ' if basis is None else ''}?p ?via WHERE {{"
        f" {{ ?p bkg:hasLegalBasis {b} BIND('legal_basis' AS ?via) }}"
        f" UNION {{ ?p bkg:hasIndicator/bkg:targetBasis {b} BIND('indicator_target' AS ?via) }} }} }}"
        + ("" if basis is None else f" BIND({b} AS ?b)")
        + " ?p a bkg:Project ."
        " OPTIONAL { ?p bkg:document/bkg:fiscalYear ?y }"
        " OPTIONAL { ?p bkg:budgetUnit/skos:prefLabel ?u }"
        " OPTIONAL { ?p rdfs:label ?n } }"
    )


def _ordered(
    rows: list[dict[str, Any]], exclude: str | None = None
) -> dict[str, list[tuple[str, list[str]]]]:
    """Citation rows grouped by basis: its projects newest first, then by unit and name, each
    with how it cites the basis."""
    found: dict[str, dict[str, tuple[tuple[int, str, str], set[str]]]] = {}
    for r in rows:
        p = r["p"].value
        if p == exclude:
            continue
        b = r["b"].value
        key = (-(_year(r["y"]) or 0), r["u"].value if r["u"] else "", r["n"].value if r["n"] else "")
        per = found.setdefault(b, {})
        prev = per.get(p)
        per[p] = (min(key, prev[0]) if prev else key, (prev[1] if prev else set()) | {r["via"].value})
    return {
        b: [(p, sorted(v[1])) for p, v in sorted(per.items(), key=lambda kv: (kv[1][0], kv[0]))]
        for b, per in found.items()
    }


class CitationIndex:
    """Every basis's citing projects, read once, for a store that cannot change while served
    (api/cache.py): a lookup then lists them without a query. At 1,000 documents reading
    them takes one query of about 20,000 rows; the per-basis query cost 5–15 ms per lookup."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._by_basis: dict[str, list[tuple[str, list[str]]]] | None = None

    def ensure(self) -> None:
        with self._lock:
            if self._by_basis is None:
                self._by_basis = _ordered(Reader(self.store).select(_citing_query(None)))

    def citing(self, basis: str) -> list[tuple[str, list[str]]]:
        if self._by_basis is None:
            self.ensure()
        assert self._by_basis is not None
        return self._by_basis.get(basis, [])


def _page(limit: int, offset: int, total: int, items: list[Any]) -> dict[str, Any]:
    return {"total": total, "limit": limit, "offset": offset, "items": items}


def _out(payload: dict[str, Any]) -> dict[str, Any]:
    return privacy.redact_json(payload) if privacy.enabled() else payload


def _resolve(ident: str, prefix: str, reader: Reader) -> str:
    if ident.startswith(("http://", "https://")):
        return ident
    ident = ident.strip("/")
    return reader.base + (ident if ident.startswith(prefix) else prefix + ident)


def _fold(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def _region_iri(region: str, reader: Reader) -> str | None:
    """An adcode (6 digits; 2 or 4 mean a province or prefecture), ``region/…`` or an IRI."""
    if region.isdigit() and len(region) in (2, 4, 6):
        return f"{reader.base}region/{region.ljust(6, '0')}"
    if region.startswith(("region/", "http://", "https://")):
        return _resolve(region, "region/", reader)
    return None


# -- the router ------------------------------------------------------------------------------------
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"page size (at most {MAX_LIMIT})")]
Offset = Annotated[int, Query(ge=0, description="items to skip")]
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {
        "description": "No such resource",
        "content": {
            "application/json": {
                "example": {"error": {"status": 404, "title": "Not found", "detail": "no project …"}}
            }
        },
    }
}


def lookups_router(store: GraphStore, index: CitationIndex | None = None) -> APIRouter:
    """``index``: for a store that cannot change while served (see :class:`CitationIndex`)."""
    router = APIRouter(tags=["lookups"])

    def project_or_404(reader: Reader, ident: str) -> str:
        iri = _resolve(ident, "doc/", reader)
        _iri(iri)
        if not reader.is_a(iri, "Project"):
            raise ApiError(404, "Not found", f"no project {ident!r} (expected an id like doc/…/project/…)")
        return iri

    def basis_or_404(reader: Reader, ident: str) -> str:
        iri = _resolve(ident, "legal/", reader)
        _iri(iri)
        if not reader.is_a(iri, "LegalBasis"):
            raise ApiError(404, "Not found", f"no legal basis {ident!r} (expected an id like legal/n-…)")
        return iri

    @router.get("/projects", response_model=ProjectPage, summary="Search projects")
    def search_projects(
        q: Annotated[
            str | None, Query(description="words in the project name", examples=["法律顾问"])
        ] = None,
        unit: Annotated[
            str | None,
            Query(description="unit id (unit/…), IRI, or words of its name", examples=["人民政府办公室"]),
        ] = None,
        region: Annotated[
            str | None,
            Query(
                description="adcode (141123; 14 or 1411 for a province or prefecture, counties "
                "included), region id or IRI, or words of a region's name",
                examples=["141123"],
            ),
        ] = None,
        year: Annotated[int | None, Query(description="fiscal year", examples=[2023])] = None,
        limit: Limit = 20,
        offset: Offset = 0,
    ) -> dict[str, Any]:
        reader = Reader(store, index)
        where = [
            "?p a bkg:Project .",
            "OPTIONAL { ?p rdfs:label ?name }",
            "OPTIONAL { ?p bkg:document/bkg:fiscalYear ?year }",
            "OPTIONAL { ?p bkg:budgetUnit ?unit . OPTIONAL { ?unit skos:prefLabel ?uname } }",
        ]
        if q:
            where.append(f"FILTER(CONTAINS(LCASE(STR(?name)), LCASE({_lit(q)})))")
        if unit:
            if unit.startswith(("unit/", "http://", "https://")):
                where.append(f"FILTER(?unit = {_iri(_resolve(unit, 'unit/', reader))})")
            else:
                where.append(f"FILTER(CONTAINS(STR(?uname), {_lit(unit)}))")
        if region:
            where.append("?unit bkg:region/skos:broader* ?r .")
            r_iri = _region_iri(region, reader)
            if r_iri:
                where.append(f"FILTER(?r = {_iri(r_iri)})")
            else:
                where.append(f"?r skos:prefLabel ?rname . FILTER(CONTAINS(STR(?rname), {_lit(region)}))")
        if year is not None:
            where.append(f"FILTER(STR(?year) = {_lit(str(year))})")
        rows = reader.select(
            "SELECT ?p WHERE { " + " ".join(where) + " } ORDER BY DESC(STR(?year)) ?uname ?name ?p"
        )
        ordered = list(dict.fromkeys(r["p"].value for r in rows))
        items = [reader.project(p) for p in ordered[offset : offset + limit]]
        return _out(_page(limit, offset, len(ordered), items))

    @router.get(
        "/projects/{id:path}/legal-bases",
        response_model=ProjectLegalBases,
        responses=NOT_FOUND,
        summary="A project's legal bases, and who else cites them",
    )
    def project_legal_bases(
        id: Annotated[str, Path(description="project id", examples=[EXAMPLE_PROJECT["id"]])],
        others_limit: Annotated[
            int, Query(ge=0, le=MAX_LIMIT, description="other citing projects listed per basis")
        ] = 20,
    ) -> dict[str, Any]:
        reader = Reader(store, index)
        iri = project_or_404(reader, id)
        items = []
        for b in reader.props(iri).get(BKG + "hasLegalBasis", []):
            others = reader.citing(b.value, exclude=iri)
            item = reader.basis(b.value)
            item["cited_text"] = reader.cited_text(iri, b.value)
            listed = []
            texts = reader.cited_texts([p for p, _via in others[:others_limit]], b.value)
            for p, via in others[:others_limit]:
                entry = reader.project(p)
                entry["cited_as"] = via
                entry["cited_text"] = texts.get(p, [])
                listed.append(entry)
            item["other_projects"] = _page(others_limit, 0, len(others), listed)
            items.append(item)
        return _out({"project": reader.project(iri), "total": len(items), "items": items})

    @router.get(
        "/projects/{id:path}", response_model=ProjectDetail, responses=NOT_FOUND, summary="One project"
    )
    def get_project(
        id: Annotated[str, Path(description="project id", examples=[EXAMPLE_PROJECT["id"]])],
    ) -> dict[str, Any]:
        reader = Reader(store, index)
        iri = project_or_404(reader, id)
        out = reader.project(iri)
        carried = reader.text(iri, BKG + "carriedOver")
        line = reader.text(iri, BKG + "sourceLine")
        out.update(
            midterm_amount=reader.text(iri, BKG + "midtermAmount"),
            carried_over=carried == "true",
            legal_basis_text=reader.text(iri, BKG + "legalBasisText"),
            source_line=int(line) if line and line.isdigit() else None,
            indicator_count=len(reader.props(iri).get(BKG + "hasIndicator", [])),
            legal_bases=[reader.basis(b.value) for b in reader.props(iri).get(BKG + "hasLegalBasis", [])],
        )
        return _out(out)

    @router.get("/legal-bases", response_model=LegalBasisPage, summary="Search legal bases (立项依据)")
    def search_legal_bases(
        q: Annotated[
            str | None,
            Query(description="words of the title, 文号, issuer or cited text", examples=["法律顾问"]),
        ] = None,
        number: Annotated[
            str | None,
            Query(
                description="文号 in any bracket style: 国办发[2019]26号, 国办发（2019）26号, "
                "国办发〔2019〕第26号 …",
                examples=["国办发[2019]26号"],
            ),
        ] = None,
        limit: Limit = 20,
        offset: Offset = 0,
    ) -> dict[str, Any]:
        reader = Reader(store, index)
        where = [
            "?b a bkg:LegalBasis .",
            "OPTIONAL { ?b dcterms:title ?title }",
            "OPTIONAL { ?b rdfs:label ?label }",
            "OPTIONAL { ?b bkg:documentNumber ?num }",
        ]
        if q:
            canon = normalize_number(q)
            where.append("OPTIONAL { ?b bkg:issuer/skos:prefLabel ?iname }")
            text = 'LCASE(CONCAT(COALESCE(STR(?title), ""), "|", COALESCE(STR(?label), ""), "|", '
            text += 'COALESCE(STR(?num), ""), "|", COALESCE(STR(?iname), "")))'
            cond = f"CONTAINS({text}, LCASE({_lit(q)}))"
            if canon:
                cond += f" || STR(?num) = {_lit(canon)}"
            where.append(f"FILTER({cond})")
        if number:
            canon = normalize_number(number)
            cond = f'REPLACE(STR(?num), "\\\\s", "") = {_lit(_fold(number))}'
            if canon:
                cond = f"STR(?num) = {_lit(canon)} || " + cond
            where.append(f"FILTER(BOUND(?num) && ({cond}))")
        rows = reader.select(
            "SELECT ?b (COUNT(DISTINCT ?p) AS ?n) (SAMPLE(?num) AS ?sn) (SAMPLE(?title) AS ?st) WHERE { "
            + " ".join(where)
            + " OPTIONAL { ?p bkg:hasLegalBasis ?b } } GROUP BY ?b ORDER BY DESC(?n) ?sn ?st ?b"
        )
        total = len(rows)
        items = [reader.basis(r["b"].value, int(r["n"].value)) for r in rows[offset : offset + limit]]
        return _out(_page(limit, offset, total, items))

    @router.get(
        "/legal-bases/{id:path}/projects",
        response_model=CitingProjects,
        responses=NOT_FOUND,
        summary="Projects citing a legal basis",
    )
    def basis_projects(
        id: Annotated[str, Path(description="legal basis id", examples=[EXAMPLE_BASIS["id"]])],
        limit: Limit = 20,
        offset: Offset = 0,
    ) -> dict[str, Any]:
        reader = Reader(store, index)
        iri = basis_or_404(reader, id)
        citing = reader.citing(iri)
        items = []
        page = citing[offset : offset + limit]
        texts = reader.cited_texts([p for p, _via in page], iri)
        for p, via in page:
            entry = reader.project(p)
            entry["cited_as"] = via
            entry["cited_text"] = texts.get(p, [])
            items.append(entry)
        return _out(_page(limit, offset, len(citing), items))

    @router.get(
        "/legal-bases/{id:path}",
        response_model=LegalBasisDetail,
        responses=NOT_FOUND,
        summary="One legal basis",
    )
    def get_legal_basis(
        id: Annotated[str, Path(description="legal basis id", examples=[EXAMPLE_BASIS["id"]])],
    ) -> dict[str, Any]:
        reader = Reader(store, index)
        iri = basis_or_404(reader, id)
        out = reader.basis(iri)
        out["cited_text"] = reader.cited_text(None, iri)
        out["projects"] = f"/legal-bases/{reader.rel(iri)}/projects"
        return _out(out)

    return router
