"""Ingest: files → parse → map → store (one transaction per document) → validate.

A document that fails at any step leaves the store exactly as it was; the rest of the batch
still goes in. Errors are returned as results, never printed or exited on here: the CLI decides.

With ``jobs`` > 1 the work is shared with ``jobs`` worker processes: they parse and map files and
validate documents; this process alone writes the store, in input order, and hands results back in
input order. Validation must not need the store in a worker, yet must give the report
:func:`~budgetkg.loader.validate.validate_document` would: it depends on what *other* documents
added to the shared resources (a legal basis cited with two different titles by two documents has
both in the store), so right after a batch is written this process looks up each document's shared
triples (:func:`~budgetkg.loader.validate.store_closure`, index look-ups, milliseconds) and ships
them to a worker with the document's own triples. Memory stays bounded by the batch size and a
window of files in flight, never the corpus.
"""

from __future__ import annotations

import multiprocessing
import signal
import threading
import traceback
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from budgetkg.loader.errors import BudgetKGError, DocumentError
from budgetkg.loader.parse import parse_bytes
from budgetkg.loader.records import ParsedDocument
from budgetkg.loader.store import GraphStore
from budgetkg.loader.validate import Report, store_closure, validate_ntriples
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
    quads: list[ox.Quad]

    def doc_ntriples(self) -> bytes:
        """The document graph's own triples, as validation reads them."""
        graph = ox.NamedNode(self.doc_iri)
        return ox.serialize(
            (q.triple for q in self.quads if q.graph_name == graph), format=ox.RdfFormat.N_TRIPLES
        )

    # Between processes the quads travel as N-Quads, serialised and parsed in Rust: seed 004's
    # 6,500 quads make the round trip in ~40 ms this way, ~400 ms pickled term by term.
    def __getstate__(self) -> dict[str, Any]:
        return {**vars(self), "quads": ox.serialize(self.quads, format=ox.RdfFormat.N_QUADS)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        state["quads"] = list(ox.parse(state["quads"], format=ox.RdfFormat.N_QUADS))
        vars(self).update(state)


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


class WorkerDied(Exception):
    """A worker process ended without an answer, twice, on the same task (killed, out of memory,
    a crash in native code)."""


class _Task:
    """One call, in this process (``pool`` None: run when its result is first asked for, so the
    steps happen in the same order as with workers) or in a worker process."""

    def __init__(self, pool: _Workers | None, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        self.pool, self.fn, self.args = pool, fn, args
        self.attempts = 0
        self.future: Future[Any] | None = None
        self.executor: ProcessPoolExecutor | None = None
        if pool is not None:
            self._submit()

    def _submit(self) -> None:
        assert self.pool is not None
        self.attempts += 1
        self.executor = self.pool.executor()
        try:
            self.future = self.executor.submit(self.fn, *self.args)
        except BrokenProcessPool:  # broken by another task before this one was queued
            self.pool.replace(self.executor)
            self.executor = self.pool.executor()
            self.future = self.executor.submit(self.fn, *self.args)

    def done(self) -> bool:
        return self.future is None or self.future.done()

    def result(self) -> Any:
        if self.pool is None:
            return self.fn(*self.args)
        while True:
            assert self.future is not None
            try:
                return self.future.result()
            except BrokenProcessPool as exc:
                # Every task of a broken pool fails with it, not only the one that killed its
                # worker: each gets a second try in a fresh pool; the culprit dies again there.
                if self.attempts >= 2:
                    raise WorkerDied(str(exc) or "a worker process died") from exc
                assert self.executor is not None
                self.pool.replace(self.executor)
                self._submit()


def _worker_init() -> None:
    # Ctrl-C reaches the whole process group: the parent alone decides what stops, and when.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class _Workers:
    """A process pool that is replaced when one of its processes dies."""

    def __init__(self, jobs: int) -> None:
        methods = multiprocessing.get_all_start_methods()
        # Not fork: the parent has the store's native threads running, and a forked child could
        # inherit a lock one of them holds. A fork server starts clean and forks cheaply.
        self.context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
        self.jobs = jobs
        self._executor: ProcessPoolExecutor | None = None

    def executor(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(self.jobs, mp_context=self.context, initializer=_worker_init)
        return self._executor

    def replace(self, broken: ProcessPoolExecutor) -> None:
        """The next task goes to a new pool, unless ``broken`` was already replaced."""
        if self._executor is broken:
            broken.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None


@contextmanager
def _uninterrupted() -> Iterator[None]:
    """Hold Ctrl-C back while the store is written, so a document goes in whole or not at all
    (the write itself is one call; an interrupt could otherwise land inside the bulk load, which
    pulls its quads from Python)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, _frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.SIG_DFL)
    if caught:
        raise KeyboardInterrupt


def ingest(
    store: GraphStore,
    paths: Iterable[Path],
    *,
    validate: bool = True,
    on_result: Callable[[DocResult], None] | None = None,
    batch_quads: int = 250_000,
    jobs: int = 1,
    preparer: Callable[[Path], DocResult | _Prepared] = prepare,
) -> list[DocResult]:
    """Ingest files in batches of about ``batch_quads`` quads, so memory stays bounded however
    large the corpus; results come back (and ``on_result`` fires) in input order.

    ``jobs`` > 1 parses, maps and validates in that many worker processes (see the module's
    docstring); results, store and reports are the same as with ``jobs=1``. ``preparer`` replaces
    :func:`prepare` (tests: one that crashes a worker; it must be importable by name then).
    Workers are started with a fork server (spawn where there is none), which imports the
    calling script again: a script calling this with ``jobs`` > 1 needs the usual
    ``if __name__ == "__main__":`` guard.
    """
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, not {jobs}")
    pool = _Workers(jobs) if jobs > 1 else None
    try:
        return _Run(store, pool, validate, on_result, batch_quads, preparer).run(expand(paths))
    finally:
        if pool is not None:
            pool.close()


class _Run:
    def __init__(
        self,
        store: GraphStore,
        pool: _Workers | None,
        validate: bool,
        on_result: Callable[[DocResult], None] | None,
        batch_quads: int,
        preparer: Callable[[Path], DocResult | _Prepared],
    ) -> None:
        self.store, self.pool, self.validate = store, pool, validate
        self.on_result, self.batch_quads, self.preparer = on_result, batch_quads, preparer
        # Files being parsed and mapped ahead of the batch: enough to keep every worker busy.
        self.window = 2 * pool.jobs + 2 if pool is not None else 1
        self.results: list[DocResult] = []
        self.batch: list[DocResult | _Prepared] = []
        self.batch_size = 0
        # Written documents whose validation is under way, in input order (None: nothing to wait for).
        self.checking: deque[tuple[DocResult, _Task | None]] = deque()

    def run(self, files: Iterator[Path]) -> list[DocResult]:
        mapping: deque[tuple[Path, _Task]] = deque()

        def fill() -> None:
            while len(mapping) < self.window and (path := next(files, None)) is not None:
                mapping.append((path, _Task(self.pool, self.preparer, (path,))))

        fill()
        while mapping:
            path, task = mapping.popleft()
            try:
                item = task.result()
            except WorkerDied as exc:
                item = DocResult(path, error=f"the worker process reading it died ({exc})")
            fill()
            self.batch.append(item)
            if isinstance(item, _Prepared):
                self.batch_size += len(item.quads)
            if self.batch_size >= self.batch_quads:
                self.write_batch()
            self.emit(wait=False)
        self.write_batch()
        self.emit(wait=True)
        self.store.flush()
        return self.results

    def write_batch(self) -> None:
        ready = [p for p in self.batch if isinstance(p, _Prepared)]
        with _uninterrupted():
            try:
                self.store.write_documents([(p.doc_iri, p.quads) for p in ready])
            except OSError as exc:  # the disk, not a document: every document of the batch failed
                for p in ready:
                    p.result.error = f"could not write to the store: {exc}"
        # What the store now holds of each document: its last version in the batch.
        latest = {p.doc_iri: p for p in ready}
        earlier = len(self.checking)
        for item in self.batch:
            r = item.result if isinstance(item, _Prepared) else item
            task = None
            if self.validate and r.ok and r.doc_iri:
                # Looked up now, before the next batch adds to the shared resources: the same
                # store state validate_document saw when ingest validated right after the write.
                doc = latest[r.doc_iri]
                shared = store_closure(self.store, r.doc_iri, doc.quads)
                shared_nt = ox.serialize(shared, format=ox.RdfFormat.N_TRIPLES)
                task = _Task(self.pool, validate_ntriples, (r.doc_iri, doc.doc_ntriples(), shared_nt))
            self.checking.append((r, task))
        self.batch.clear()
        self.batch_size = 0
        # At most this batch's validations stay in flight: memory does not grow with the corpus.
        for _ in range(earlier):
            self.emit_one()

    def emit(self, *, wait: bool) -> None:
        while self.checking and (wait or self.checking[0][1] is None or self.checking[0][1].done()):
            self.emit_one()

    def emit_one(self) -> None:
        r, task = self.checking.popleft()
        if task is not None:
            try:
                r.report = task.result()
            except WorkerDied as exc:
                raise BudgetKGError(f"{r.path}: the worker process validating it died ({exc})") from exc
            with _uninterrupted():
                store_report(self.store, r.report)
        self.results.append(r)
        if self.on_result is not None:
            self.on_result(r)
