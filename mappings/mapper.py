"""Records → JSON-LD nodes → quads.

The vocabulary (which property, which datatype, which language) lives in ``context.jsonld``;
loader keys → ontology individuals live in ``vocab.json``. This module only arranges records
into nodes with deterministic ``@id``s, then lets pyoxigraph's JSON-LD 1.1 parser make quads.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

import pyoxigraph as ox

from budgetkg.loader.records import Citation, Indicator, Line, ParsedDocument, Project, Region, Table, Unit
from budgetkg.mappings import iris
from budgetkg.mappings.iris import h

Node = dict[str, Any]


@cache
def context() -> dict[str, Any]:
    """The JSON-LD ``@context`` object (also served by the API for its JSON-LD output)."""
    return json.loads(resources.files("budgetkg.mappings").joinpath("context.jsonld").read_text("utf-8"))[
        "@context"
    ]


@cache
def vocab() -> dict[str, dict[str, str]]:
    data = json.loads(resources.files("budgetkg.mappings").joinpath("vocab.json").read_text("utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("_")}


def _term(table: str, key: str) -> str:
    """A loader key as a compact IRI; unknown keys become ``bkg:{table}_{key}`` so nothing is
    silently dropped, and SHACL (sh:class / sh:in) reports them."""
    return vocab()[table].get(key, f"bkg:{table}_{key}")


def _dec(value: Decimal) -> str:
    """Canonical xsd:decimal lexical form ("4731600.00" → "4731600"), as stores keep it anyway;
    str() would risk exponent notation ("1E+6"), which xsd:decimal does not allow."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def _prune(node: Node) -> Node:
    return {k: v for k, v in node.items() if v is not None and v != [] and v != ""}


@dataclass
class Mapped:
    """One document's graph plus the shared resources it mentions, per shared graph."""

    doc_iri: str
    nodes: list[Node]
    shared: dict[str, list[Node]] = field(default_factory=dict)

    def share(self, graph: str, node: Node) -> str:
        self.shared.setdefault(graph, []).append(_prune(node))
        return node["id"]

    def jsonld(self) -> list[dict[str, Any]]:
        """One JSON-LD document per named graph (document first)."""
        out = [{"@context": context(), "@id": self.doc_iri, "@graph": self.nodes}]
        out += [{"@context": context(), "@id": g, "@graph": ns} for g, ns in sorted(self.shared.items())]
        return out

    def quads(self) -> list[ox.Quad]:
        result: list[ox.Quad] = []
        for doc in self.jsonld():
            data = json.dumps(doc, ensure_ascii=False).encode("utf-8")
            result.extend(ox.parse(data, format=ox.RdfFormat.JSON_LD))
        return result


class _Mapper:
    def __init__(self, doc: ParsedDocument, base: str) -> None:
        self.doc = doc
        self.base = base
        self.region_key = "x"
        unit = doc.unit
        if unit.region is not None:
            self.region_key = unit.region.adcode or "x"
        self.unit_iri = self._unit_iri(unit.name)
        self.doc_iri = f"{base}doc/{self.region_key}-{h(unit.name)}/{doc.fiscal_year}"
        self.out = Mapped(self.doc_iri, [])

    # -- shared resources -------------------------------------------------------------------
    def _unit_iri(self, name: str) -> str:
        return f"{self.base}unit/{self.region_key}-{h(name)}"

    def region(self, region: Region) -> str:
        iri = (
            f"{self.base}region/{region.adcode}" if region.adcode else f"{self.base}region/x-{h(region.name)}"
        )
        parent = self.region(region.parent) if region.parent is not None else None
        return self.out.share(
            iris.graph(self.base, "regions"),
            {
                "id": iri,
                "type": "Region",
                "prefLabel": region.name,
                "adminLevel": _term("admin_level", region.level),
                "adcode": region.adcode,
                "broader": parent,
            },
        )

    def unit(self, unit: Unit) -> str:
        region = self.region(unit.region) if unit.region is not None else None
        subs = []
        for name in unit.subunits:
            subs.append(
                self.out.share(
                    iris.graph(self.base, "units"),
                    {"id": self._unit_iri(name), "type": "BudgetUnit", "prefLabel": name, "region": region},
                )
            )
        return self.out.share(
            iris.graph(self.base, "units"),
            {
                "id": self.unit_iri,
                "type": "BudgetUnit",
                "prefLabel": unit.name,
                "region": region,
                "unitCode": unit.code,
                "hasSubOrganization": subs,
            },
        )

    def legal_basis(self, c: Citation) -> str:
        if c.number:
            key = f"n-{h(c.number)}"
        elif c.basis_type == "contract":
            # A contract binds this unit and a supplier: the same wording in two units is two contracts.
            key = f"c-{h(self.doc.unit.name + (c.title or c.raw))}"
        elif c.title:
            key = f"t-{h(c.title)}"
        elif c.basis_type == "decision" and c.issuer:
            # "经县政府研究决定" in two counties are two decisions of two governments.
            key = f"d-{h(c.issuer + c.raw)}"
        else:
            key = f"i-{h(c.raw)}"
        issuer = None
        if c.issuer:
            issuer = self.out.share(
                iris.graph(self.base, "organizations"),
                {"id": f"{self.base}org/{h(c.issuer)}", "type": "Organization", "prefLabel": c.issuer},
            )
        cls = _term("basis_type", c.basis_type)
        level = _term("issuer_level", c.issuer_level) if c.issuer_level not in (None, "unknown") else None
        return self.out.share(
            iris.graph(self.base, "legal"),
            {
                "id": f"{self.base}legal/{key}",
                "type": ["LegalBasis", cls],
                "basisType": cls,
                "title": c.title,
                # An informal basis has neither title nor number: its words are its label.
                "label": c.raw if not (c.title or c.number) else None,
                "documentNumber": c.number,
                "issuer": issuer,
                "issuerLevel": level,
                "issueYear": str(c.year) if c.year else None,
            },
        )

    # -- document graph ----------------------------------------------------------------------
    def provenance(self, source_line: int, source_page: int | None = None) -> dict[str, Any]:
        return {"wasDerivedFrom": self.doc_iri, "sourceLine": source_line, "sourcePage": source_page}

    def table(self, t: Table) -> Node:
        return _prune(
            {
                "id": f"{self.doc_iri}/table/{t.key}",
                "type": "BudgetTable",
                "title": t.title,
                "tableKind": t.key,
                "unitMultiplier": _dec(t.unit_multiplier),
                "isEmpty": t.empty,
                "fromNarrative": True if t.from_narrative else None,
                "document": self.doc_iri,
                **self.provenance(t.source_line, t.source_page),
            }
        )

    def line(self, line: Line) -> Node:
        if line.is_total:
            row = "total"
        elif line.function_code or line.economic_code:
            row = line.function_code or line.economic_code
        elif line.sangong_item:
            row = f"sg-{line.sangong_item}"
        else:
            row = f"r-{h(line.item)}"
        iri = f"{self.doc_iri}/line/{line.table}/{row}/{line.column}"
        if line.occurrence:
            iri += f"/{line.occurrence}"
        return _prune(
            {
                "id": iri,
                "type": "BudgetLine",
                "dataSet": f"{self.doc_iri}/table/{line.table}",
                "document": self.doc_iri,
                "budgetUnit": self.unit_iri,
                "fiscalYear": str(self.doc.fiscal_year),
                "amount": _dec(line.amount),
                "label": line.item,
                "functionClass": iris.function_code(line.function_code) if line.function_code else None,
                "economicClass": iris.economic_code(line.economic_code) if line.economic_code else None,
                "governmentEconomicCode": line.government_economic_code,
                "sanGongItem": iris.sangong_item(line.sangong_item) if line.sangong_item else None,
                "expenditureType": _term("expenditure_type", line.expenditure_type)
                if line.expenditure_type
                else None,
                "fundSource": _term("fund_source", line.fund_source) if line.fund_source else None,
                "column": line.column,
                "columnGroup": line.column_group,
                "isTableTotal": True if line.is_total else None,
                "previousAmount": _dec(line.previous_amount) if line.previous_amount is not None else None,
                "changeAmount": _dec(line.change_amount) if line.change_amount is not None else None,
                "changePercent": _dec(line.change_percent) if line.change_percent is not None else None,
                "changeReason": line.change_reason,
                "narrativeSourceLine": line.narrative_line,
                "fromNarrative": True if line.from_narrative else None,
                **self.provenance(line.source_line, line.source_page),
            }
        )

    def citation(self, owner: str, c: Citation, iri: str | None = None) -> Node:
        return _prune(
            {
                "id": iri or f"{owner}/citation/{h(c.raw)}",
                "type": "Citation",
                "citedText": c.raw,
                "citesBasis": self.legal_basis(c),
                **self.provenance(c.source_line, c.source_page),
            }
        )

    def indicator(self, project_iri: str, ind: Indicator) -> list[Node]:
        iri = f"{project_iri}/indicator/{ind.period}/{h(ind.level2 + ind.name)}"
        nodes: list[Node] = []
        bases = ind.bases or ([ind.basis] if ind.basis is not None else [])
        for c in bases:
            nodes.append(self.citation(iri, c, iri=f"{iri}/basis/{h(c.raw)}"))
        basis = sorted({n["citesBasis"] for n in nodes})
        node = {
            "id": iri,
            "type": "PerformanceIndicator",
            "label": ind.name,
            "indicatorCategory": iris.indicator_category(ind.level2),
            "targetText": ind.target_text,
            "targetOperator": ind.operator,
            "targetValue": _dec(ind.value) if ind.value is not None else None,
            "targetUnit": ind.unit,
            "targetIsPlaceholder": True if ind.placeholder else None,
            "period": ind.period,
            "targetBasis": basis,
            **self.provenance(ind.source_line, ind.source_page),
        }
        pruned = _prune(node)
        if ind.target_missing:
            # an empty 指标值 cell is still what the form says: CORE-VOCABULARY wants targetText
            pruned["targetText"] = ""
            pruned["targetMissing"] = True
        nodes.insert(0, pruned)
        return nodes

    def project(self, p: Project, repeated: bool = False) -> list[Node]:
        # A name printed twice in one document (e.g. one office's 驻外机构工作保障经费 in Beijing and
        # in Shanghai) is two projects: tell them apart by who implements them, else by amount.
        key = p.name
        if repeated:
            amount = _dec(p.amount) if p.amount is not None else f"line{p.source_line}"
            key += f"|{p.implementing_unit or ''}|{amount}"
        iri = f"{self.doc_iri}/project/{h(key)}"
        nodes: list[Node] = []
        citations = [self.citation(iri, c) for c in p.citations]
        indicators: list[str] = []
        for ind in p.indicators:
            ind_nodes = self.indicator(iri, ind)
            indicators.append(ind_nodes[0]["id"])
            nodes.extend(ind_nodes)
        node = {
            "id": iri,
            "type": "Project",
            "label": p.name,
            "budgetUnit": self.unit_iri,
            "document": self.doc_iri,
            "amount": _dec(p.amount) if p.amount is not None else None,
            "midtermAmount": _dec(p.midterm_amount) if p.midterm_amount is not None else None,
            "carriedOver": True if p.carried_over else None,
            "legalBasisText": p.legal_basis_text,
            "hasLegalBasis": sorted({c["citesBasis"] for c in citations}),
            "cites": [c["id"] for c in citations],
            "hasIndicator": indicators,
            **self.provenance(p.source_line, p.source_page),
        }
        return [_prune(node), *citations, *nodes]

    def run(self) -> Mapped:
        doc = self.doc
        self.unit(doc.unit)
        self.out.nodes.append(
            _prune(
                {
                    "id": self.doc_iri,
                    "type": "BudgetDocument",
                    "budgetUnit": self.unit_iri,
                    "fiscalYear": str(doc.fiscal_year),
                    "source": doc.source,
                    "sha256": doc.sha256,
                    "layout": doc.layout,
                    "performanceManagedProjects": doc.performance_projects,
                    "performanceManagedAmount": _dec(doc.performance_amount)
                    if doc.performance_amount is not None
                    else None,
                    "performanceSourceLine": doc.performance_line,
                }
            )
        )
        self.out.nodes.extend(self.table(t) for t in doc.tables)
        self.out.nodes.extend(self.line(line) for line in doc.lines)
        names = Counter(p.name for p in doc.projects)
        for p in doc.projects:
            self.out.nodes.extend(self.project(p, repeated=names[p.name] > 1))
        return self.out


def map_document(doc: ParsedDocument, base: str | None = None) -> Mapped:
    """Map one parsed document; ``base`` defaults to ``$BUDGETKG_BASE_IRI``."""
    return _Mapper(doc, base or iris.base_iri()).run()
