"""SKOS code lists, generated from the curated CSVs in ``ontology/codelists/``.

The CSVs are the single source of truth (edit them, never the Turtle); ``codelists.ttl`` is
generated from them and committed so that loaders and the SPARQL store need no Python to get
the concepts. ``tests/test_codelists.py`` fails when the committed file drifts from the CSVs;
regenerate with ``BUDGETKG_REGENERATE=1 pytest tests/test_codelists.py`` or
``python -m budgetkg.ontology.codelists``.

IRIs follow mappings/README.md:
``https://w3id.org/budgetkg/def/code/function/2010301``, ``…/economic/30101``,
``…/indicator/{h(name)}``, ``…/sangong/{key}``.
"""

from __future__ import annotations

import csv
import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, SKOS

CODELIST_DIR = Path(__file__).parent / "codelists"
CODELISTS_TTL = CODELIST_DIR / "codelists.ttl"
CODE_BASE = "https://w3id.org/budgetkg/def/code/"

_WHITESPACE = re.compile(r"\s+")


def h(text: str) -> str:
    """First 12 hex digits of SHA-256 of the NFKC-normalised, whitespace-free text.

    The same function mints indicator-category IRIs here and content IRIs in the mapper;
    NFKC first, so full-width spaces and brackets become their plain forms before stripping.
    """
    normalised = _WHITESPACE.sub("", unicodedata.normalize("NFKC", text))
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True)
class Entry:
    """One concept: its notation (the last IRI segment), Chinese label, parent notation, note."""

    notation: str
    label: str
    broader: str | None
    note: str = ""


@dataclass(frozen=True)
class Scheme:
    key: str  # IRI segment under CODE_BASE
    csv_name: str
    label_zh: str
    label_en: str
    reader: Callable[[Path], list[Entry]]

    @property
    def iri(self) -> URIRef:
        return URIRef(CODE_BASE + self.key)

    def concept(self, notation: str) -> URIRef:
        return URIRef(f"{CODE_BASE}{self.key}/{notation}")


def _rows(path: Path) -> Iterable[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            yield {k: (v or "").strip() for k, v in row.items()}


def read_classification(path: Path) -> list[Entry]:
    """code,name[,note]: the parent of a 5- or 7-digit code is the code without its last two digits."""
    entries = []
    for row in _rows(path):
        code = row["code"]
        if not re.fullmatch(r"\d{3}(\d{2}){0,2}", code):
            raise ValueError(f"{path.name}: bad code {code!r}")
        entries.append(Entry(code, row["name"], code[:-2] if len(code) > 3 else None, row.get("note", "")))
    return entries


def read_indicators(path: Path) -> list[Entry]:
    """name,broader[,note]: IRIs are h(name) (mappings/README.md), parents are named."""
    return [
        Entry(h(row["name"]), row["name"], h(row["broader"]) if row["broader"] else None, row.get("note", ""))
        for row in _rows(path)
    ]


def read_keyed(path: Path) -> list[Entry]:
    """key,name,broader[,note]: parents are given by key."""
    return [
        Entry(row["key"], row["name"], row["broader"] or None, row.get("note", "")) for row in _rows(path)
    ]


SCHEMES: tuple[Scheme, ...] = (
    Scheme(
        "function",
        "function.csv",
        "支出功能分类科目",
        "Expenditure function classification",
        read_classification,
    ),
    Scheme(
        "economic",
        "economic.csv",
        "部门预算支出经济分类科目",
        "Departmental expenditure economic classification",
        read_classification,
    ),
    Scheme(
        "indicator",
        "indicators.csv",
        "绩效指标类别（一级、二级指标）",
        "Performance indicator categories",
        read_indicators,
    ),
    Scheme("sangong", "sangong.csv", "“三公”经费项目", "Three public expenses (三公经费) items", read_keyed),
)


def _check(scheme: Scheme, entries: list[Entry]) -> None:
    """Refuse to generate a list with duplicate notations or dangling parents."""
    seen: set[str] = set()
    for e in entries:
        if e.notation in seen:
            raise ValueError(f"{scheme.csv_name}: duplicate {e.notation} ({e.label})")
        seen.add(e.notation)
    for e in entries:
        if e.broader is not None and e.broader not in seen:
            raise ValueError(f"{scheme.csv_name}: {e.notation} ({e.label}) has unknown parent {e.broader}")


def build_graph(directory: Path = CODELIST_DIR) -> Graph:
    g = Graph()
    g.bind("skos", SKOS)
    for s in SCHEMES:
        g.bind(f"{s.key}", Namespace(f"{CODE_BASE}{s.key}/"))
        entries = s.reader(directory / s.csv_name)
        _check(s, entries)
        g.add((s.iri, RDF.type, SKOS.ConceptScheme))
        g.add((s.iri, SKOS.prefLabel, Literal(s.label_zh, lang="zh")))
        g.add((s.iri, SKOS.prefLabel, Literal(s.label_en, lang="en")))
        for e in entries:
            c = s.concept(e.notation)
            g.add((c, RDF.type, SKOS.Concept))
            g.add((c, SKOS.notation, Literal(e.notation)))
            g.add((c, SKOS.prefLabel, Literal(e.label, lang="zh")))
            g.add((c, SKOS.inScheme, s.iri))
            if e.broader is None:
                g.add((c, SKOS.topConceptOf, s.iri))
                g.add((s.iri, SKOS.hasTopConcept, c))
            else:
                g.add((c, SKOS.broader, s.concept(e.broader)))
            if e.note:
                g.add((c, SKOS.editorialNote, Literal(e.note, lang="zh")))
    return g


def build_codelists(directory: Path = CODELIST_DIR) -> str:
    """All code lists as Turtle."""
    header = (
        "# GENERATED by ontology/codelists.py from ontology/codelists/*.csv; edit the CSVs, not this file.\n"
    )
    return header + build_graph(directory).serialize(format="turtle")


def main() -> None:
    CODELISTS_TTL.write_text(build_codelists(), encoding="utf-8")
    print(f"wrote {CODELISTS_TTL}")


if __name__ == "__main__":
    main()
