"""Ingest: files → parse → map → store (one transaction per document) → validate.

A document that fails at any step leaves the store exactly as it was; the rest of the batch
still goes in. Errors are returned as results, never printed or exited on here: the CLI decides.
"""

from __future__ import annotations

import traceback
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from budgetkg.loader.errors import DocumentError
from budgetkg.loader.parse import parse_bytes
from budgetkg.loader.records import ParsedDocument
from budgetkg.loader.store import GraphStore
from budgetkg.loader.validate import Report, validate_document
from budgetkg.mappings.mapper import map_document

# What a folder contributes: disclosure texts and PDFs. Anything else in a folder (the
# generator's *.truth.json, READMEs) is not a disclosure; named explicitly, every file is tried.
DOCUMENT_SUFFIXES = (".txt", ".pdf", ".text")


@dataclass
class DocResult:
    path: Path
    doc_iri: str | None = None
    unit: str | None = None
    year: int | None = None
    counts: Counter[str] = field(default_factory=Counter)
    triples: int = 0
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    report: Report | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def expand(paths: Iterable[Path]) -> Iterator[Path]:
    """Files as given; folders walked (sorted, so batches are reproducible) for documents."""
    for p in paths:
        if p.is_dir():
            yield from sorted(
                f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in DOCUMENT_SUFFIXES
            )
        else:
            yield p


def counts(doc: ParsedDocument) -> Counter[str]:
    c: Counter[str] = Counter(tables=len(doc.tables), lines=len(doc.lines), projects=len(doc.projects))
    for p in doc.projects:
        c["citations"] += len(p.citations)
        c["indicators"] += len(p.indicators)
    return c


def ingest_one(store: GraphStore, path: Path, *, validate: bool = True) -> DocResult:
    result = DocResult(path)
    try:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise DocumentError(path.name, f"cannot read file: {exc.strerror or exc}") from exc
        doc = parse_bytes(data, path.name)
        mapped = map_document(doc)
        quads = mapped.quads()
        store.replace_document(mapped.doc_iri, quads)
    except DocumentError as exc:
        result.error = exc.problem
        return result
    except Exception as exc:  # a loader bug must not take the rest of the batch down with it
        result.error = f"internal error ({type(exc).__name__}: {exc}); please report it with the file"
        result.warnings.append(traceback.format_exc(limit=3))
        return result
    result.doc_iri = mapped.doc_iri
    result.unit = doc.unit.name
    result.year = doc.fiscal_year
    result.counts = counts(doc)
    result.triples = len(quads)
    result.warnings = list(doc.warnings)
    if validate:
        result.report = validate_document(store, mapped.doc_iri)
    return result


def ingest(
    store: GraphStore,
    paths: Iterable[Path],
    *,
    validate: bool = True,
    on_result: Callable[[DocResult], None] | None = None,
) -> list[DocResult]:
    results = []
    for path in expand(paths):
        r = ingest_one(store, path, validate=validate)
        results.append(r)
        if on_result is not None:
            on_result(r)
    store.flush()
    return results
