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
from budgetkg.loader.validation_graph import store_report
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


@dataclass
class _Prepared:
    result: DocResult
    doc_iri: str
    quads: list


def prepare(path: Path) -> DocResult | _Prepared:
    """Read, parse and map one file; any failure becomes a result, never a partial write."""
    result = DocResult(path)
    try:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise DocumentError(path.name, f"cannot read file: {exc.strerror or exc}") from exc
        doc = parse_bytes(data, path.name)
        mapped = map_document(doc)
        quads = mapped.quads()
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
    return _Prepared(result, mapped.doc_iri, quads)


def ingest(
    store: GraphStore,
    paths: Iterable[Path],
    *,
    validate: bool = True,
    on_result: Callable[[DocResult], None] | None = None,
    batch_quads: int = 250_000,
) -> list[DocResult]:
    """Ingest files in batches of about ``batch_quads`` quads, so memory stays bounded however
    large the corpus; results come back (and ``on_result`` fires) in input order."""
    results: list[DocResult] = []
    pending: list[DocResult | _Prepared] = []
    pending_quads = 0

    def flush() -> None:
        nonlocal pending_quads
        ready = [p for p in pending if isinstance(p, _Prepared)]
        try:
            store.write_documents([(p.doc_iri, p.quads) for p in ready])
        except OSError as exc:  # the disk, not a document: every document of the batch failed
            for p in ready:
                p.result.error = f"could not write to the store: {exc}"
        for item in pending:
            r = item.result if isinstance(item, _Prepared) else item
            if validate and r.ok and r.doc_iri:
                r.report = validate_document(store, r.doc_iri)
                store_report(store, r.report)
            results.append(r)
            if on_result is not None:
                on_result(r)
        pending.clear()
        pending_quads = 0

    for path in expand(paths):
        item = prepare(path)
        pending.append(item)
        if isinstance(item, _Prepared):
            pending_quads += len(item.quads)
        if pending_quads >= batch_quads:
            flush()
    flush()
    store.flush()
    return results
