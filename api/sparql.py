"""SPARQL 1.1 Protocol (query side) as a mountable APIRouter.

Client errors are 4xx (syntax 400, refused operations 400/403, unacceptable media type 406,
unsupported request content type 415, other methods 405); a 500 means a bug. ``default-graph-uri``
and ``named-graph-uri`` name the RDF dataset (they win over the query's FROM / FROM NAMED); without
them and without FROM the default graph is the union of all graphs. README "Protocol conformance"
lists how this and each remote engine meet the W3C recommendation (``tests/test_protocol.py``).
Queries run off the event loop in a small pool of worker threads.

Limits. pyoxigraph (0.5) cannot cancel a query from Python (oxigraph's cancellation token is
Rust/CLI-only), so a query that exceeds ``BUDGETKG_QUERY_TIMEOUT`` seconds (default 10) is
answered at once with a 503 JSON error while its worker is told to stop: it stops at the next
solution it produces, or, inside a step that yields nothing until it is done (ORDER BY, GROUP BY,
a large join with no match), when that step finishes — in the background. A query still queued
when its time is up never starts. At most ``BUDGETKG_MAX_ROWS`` solutions (SELECT) or triples
(CONSTRUCT/DESCRIBE) are returned (default 10,000); a cut answer carries
``X-Budgetkg-Truncated: true``.
"""

from __future__ import annotations

import asyncio
import io
import os
import re
import threading
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Annotated, TypeVar

import pyoxigraph as ox
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from budgetkg.api.errors import ApiError
from budgetkg.api.guard import Refused, _code_only, check_query
from budgetkg.api.results import Limits, capped_triples, write_solutions
from budgetkg.loader.store import GraphStore

RESULT_TYPES = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
GRAPH_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}
# Short names for ?format=, which browsers and curl users reach for first.
SHORT = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "turtle": "text/turtle",
    "ttl": "text/turtle",
    "nt": "application/n-triples",
    "ntriples": "application/n-triples",
    "rdfxml": "application/rdf+xml",
    "jsonld": "application/ld+json",
}


def accept_ranking(accept: str) -> list[tuple[str, float]]:
    """An Accept header's media types with their q-values, most preferred first (ties keep the
    header's order); q=0 entries are kept so callers can tell "refused" from "not mentioned"."""
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate(accept.split(",")):
        fields = part.strip().split(";")
        mtype = fields[0].strip().lower()
        q = 1.0
        for f in fields[1:]:
            k, _, v = f.strip().partition("=")
            if k == "q":
                try:
                    q = float(v)
                except ValueError:
                    q = 0.0
        if mtype:
            ranked.append((-q, i, mtype))
    return [(mtype, -neg_q) for neg_q, _i, mtype in sorted(ranked)]


def _negotiate(accept: str, offered: dict[str, object], default: str) -> str:
    """Pick the first acceptable type by q-value; ``*/*`` or nothing gets the default."""
    choices = accept_ranking(accept)
    for mtype, q in choices:
        if q == 0:
            continue
        if mtype in offered:
            return mtype
        if mtype in ("*/*", "application/*", "text/*") or (
            mtype == "application/json" and default in offered
        ):
            return default
    if not choices:
        return default
    raise ApiError(406, "Not Acceptable", f"none of {accept!r} is offered; offered: {', '.join(offered)}")


TIMEOUT_SETTING, MAX_ROWS_SETTING = "BUDGETKG_QUERY_TIMEOUT", "BUDGETKG_MAX_ROWS"
TRUNCATED_HEADER = "X-Budgetkg-Truncated"
T = TypeVar("T")


def _number(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    try:
        return float(raw) if raw else default
    except ValueError:
        return default


def query_timeout() -> float | None:
    """Seconds (``$BUDGETKG_QUERY_TIMEOUT``, default 10); 0 or less means no limit."""
    value = _number(TIMEOUT_SETTING, 10.0)
    return value if value > 0 else None


def max_rows() -> int | None:
    """``$BUDGETKG_MAX_ROWS`` (default 10,000); 0 or less means no cap."""
    value = int(_number(MAX_ROWS_SETTING, 10_000))
    return value if value > 0 else None


_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()
_running = 0


def _executor() -> ThreadPoolExecutor:
    """A bounded pool: queries that outlive their timeout cannot pile up without limit."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2), thread_name_prefix="sparql")
        return _pool


def _release(exc: BaseException) -> None:
    """Drop the locals of every finished frame in ``exc``'s tracebacks (and its causes'), here on
    the worker: they hold pyoxigraph results, which must not be dropped on another thread (the
    event loop would otherwise free them when it discards the error)."""
    seen: set[int] = set()
    todo: BaseException | None = exc
    while todo is not None and id(todo) not in seen:
        seen.add(id(todo))
        traceback.clear_frames(todo.__traceback__)
        todo = todo.__cause__ or todo.__context__


def running_queries() -> int:
    """How many queries are executing right now (including abandoned ones still finishing)."""
    return _running


async def run_limited(work: Callable[[threading.Event], T], timeout: float | None = None) -> T:
    """Run ``work(cancel)`` in the query pool; after ``timeout`` seconds (default: the setting)
    set ``cancel`` and answer 503. ``work`` must create, read and serialise its pyoxigraph results
    itself: they are bound to the thread that made them."""
    timeout = query_timeout() if timeout is None else timeout
    cancel = threading.Event()

    def job() -> T:
        global _running
        if cancel.is_set():
            raise TimeoutError
        with _pool_lock:
            _running += 1
        try:
            return work(cancel)
        except BaseException as exc:
            _release(exc)
            raise
        finally:
            with _pool_lock:
                _running -= 1

    future = asyncio.get_running_loop().run_in_executor(_executor(), job)
    try:
        return await asyncio.wait_for(future, timeout)
    except TimeoutError:
        cancel.set()
        raise ApiError(
            503,
            "Query timeout",
            f"the query did not finish within {timeout:g} s ({TIMEOUT_SETTING}); "
            "narrow it (fewer joins, a LIMIT, no ORDER BY over everything) and try again",
        ) from None


# A dataset clause: FROM and FROM NAMED are SPARQL keywords, not parts of names or strings.
_FROM = re.compile(r"(?<![\w:?$])FROM(?![\w:])", re.IGNORECASE)
_CLAUSE = re.compile(r"FROM\s*(?:NAMED\s*)?(?:<[^<>\s]*>|[^\s{}<>]*:[^\s{}<>]*)", re.IGNORECASE)


def without_dataset_clauses(query: str) -> str:
    """The query with its FROM / FROM NAMED clauses blanked out, for a request whose protocol
    dataset replaces them (§2.1.4): some engines (Virtuoso) merge the two instead."""
    out = list(query)
    for keyword in _FROM.finditer(_code_only(query)):
        clause = _CLAUSE.match(query, keyword.start())
        if clause:
            out[clause.start() : clause.end()] = " " * (clause.end() - clause.start())
    return "".join(out)


@dataclass(frozen=True)
class Dataset:
    """The RDF dataset a request names with ``default-graph-uri`` / ``named-graph-uri``."""

    default: tuple[str, ...] = ()
    named: tuple[str, ...] = ()

    @classmethod
    def of(cls, default: Sequence[object], named: Sequence[object]) -> Dataset:
        iris = [[v for v in values if isinstance(v, str)] for values in (default, named)]
        for iri in iris[0] + iris[1]:
            try:
                ox.NamedNode(iri)
            except ValueError as exc:
                raise ApiError(400, "Bad graph IRI", f"{iri!r} is not an absolute IRI: {exc}") from exc
        return cls(tuple(iris[0]), tuple(iris[1]))

    def __bool__(self) -> bool:
        return bool(self.default or self.named)


def _run(store: GraphStore, query: str, dataset: Dataset = Dataset()) -> object:
    """SPARQL 1.1 Protocol §2.1.4: the protocol's dataset, when given, replaces the query's FROM /
    FROM NAMED and is exactly the graphs named (no named graphs when only default graphs are
    given, an empty default graph when only named ones are). A query with its own FROM / FROM
    NAMED gets that dataset; any other query sees budgetkg's default, the union of all graphs."""
    try:
        if dataset:
            return store.store.query(
                without_dataset_clauses(query),
                default_graph=[ox.NamedNode(g) for g in dataset.default],
                named_graphs=[ox.NamedNode(g) for g in dataset.named],
            )
        if _FROM.search(_code_only(query)):
            # pyoxigraph ignores FROM when asked for the union default graph.
            return store.store.query(query)
        return store.query(query)
    except SyntaxError as exc:
        raise ApiError(400, "Malformed query", str(exc)) from exc


def _serialize(result: object, accept: str, fmt: str | None, limits: Limits | None = None) -> Response:
    if fmt:
        if fmt.lower() not in SHORT:
            raise ApiError(400, "Unknown format", f"format={fmt!r}; allowed: {', '.join(SHORT)}")
        accept = SHORT[fmt.lower()]
    limits = limits or Limits(max_rows())
    buf = io.BytesIO()
    if isinstance(result, ox.QueryTriples):
        mtype = _negotiate(accept, GRAPH_TYPES, "text/turtle")
        ox.serialize(capped_triples(result, limits), buf, format=GRAPH_TYPES[mtype])
        body = buf.getvalue()
    elif isinstance(result, ox.QuerySolutions):
        mtype = _negotiate(accept, RESULT_TYPES, "application/sparql-results+json")
        body = write_solutions(result, mtype, limits)
    else:
        mtype = _negotiate(accept, RESULT_TYPES, "application/sparql-results+json")
        result.serialize(buf, format=RESULT_TYPES[mtype])  # type: ignore[attr-defined]
        body = buf.getvalue()
    charset = "; charset=utf-8" if mtype.startswith("text/") else ""
    headers = {TRUNCATED_HEADER: "true"} if limits.truncated else {}
    if limits.truncated:
        headers["X-Budgetkg-Max-Rows"] = str(limits.max_rows)
    return Response(body, media_type=mtype + charset, headers=headers)


_READ_ONLY = "SPARQL Update is not allowed: the endpoint is read-only"


def _one_query(queries: Sequence[object], updates: Sequence[object]) -> str:
    """Protocol §2.1: exactly one ``query``; an ``update`` is refused (this endpoint is
    read-only, §2.2 lets a service refuse), and both at once is a malformed request."""
    if queries and updates:
        raise ApiError(400, "Query and update", "give either `query=` or `update=`, not both")
    if updates:
        raise ApiError(403, "Refused", _READ_ONLY)
    if len(queries) > 1:
        raise ApiError(400, "Several queries", f"{len(queries)} `query=` parameters; give exactly one")
    if not queries or not isinstance(queries[0], str) or not queries[0].strip():
        raise ApiError(400, "Missing query", "pass the SPARQL query as `query=` (GET or POST form)")
    return queries[0]


def _media_type(header: str) -> tuple[str, str | None]:
    """A Content-Type's media type and charset (None when not stated)."""
    mtype, *params = header.split(";")
    charset = None
    for param in params:
        key, _, value = param.strip().partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return mtype.strip().lower(), charset


def sparql_router(store: GraphStore) -> APIRouter:
    router = APIRouter(tags=["SPARQL"])

    async def answer(query: str, dataset: Dataset, request: Request, fmt: str | None) -> Response:
        try:
            check_query(query)
        except Refused as exc:
            raise ApiError(exc.status, "Refused", exc.detail) from exc
        # Results are iterators bound to the thread that made them (pyoxigraph aborts the process
        # if another thread touches them), so run and serialise in the same worker thread.
        accept = request.headers.get("accept", "")
        cap = max_rows()
        return await run_limited(
            lambda cancel: _serialize(_run(store, query, dataset), accept, fmt, Limits(cap, cancel))
        )

    def url_dataset(request: Request) -> Dataset:
        params = request.query_params
        return Dataset.of(params.getlist("default-graph-uri"), params.getlist("named-graph-uri"))

    @router.get("/sparql", summary="SPARQL 1.1 query (GET)")
    async def sparql_get(
        request: Request,
        # Read through getlist (exactly one is allowed); declared here for the OpenAPI schema.
        query: Annotated[str | None, Query(description="SPARQL 1.1 query")] = None,
        default_graph_uri: Annotated[
            list[str] | None,
            Query(alias="default-graph-uri", description="a graph of the default graph (repeatable)"),
        ] = None,
        named_graph_uri: Annotated[
            list[str] | None, Query(alias="named-graph-uri", description="a named graph (repeatable)")
        ] = None,
        format: Annotated[
            str | None, Query(description="json, xml, csv, tsv, turtle, nt, rdfxml, jsonld")
        ] = None,
    ) -> Response:
        params = request.query_params
        text = _one_query(params.getlist("query"), params.getlist("update"))
        dataset = Dataset.of(default_graph_uri or [], named_graph_uri or [])
        return await answer(text, dataset, request, format)

    @router.post("/sparql", summary="SPARQL 1.1 query (POST form or direct)")
    async def sparql_post(request: Request) -> Response:
        ctype, charset = _media_type(request.headers.get("content-type", ""))
        fmt = request.query_params.get("format")
        if charset not in (None, "utf-8", "utf8"):
            raise ApiError(
                415, "Unsupported charset", f"charset={charset}; the protocol's requests are UTF-8"
            )
        if ctype == "application/sparql-query":
            try:
                text = (await request.body()).decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ApiError(400, "Not UTF-8", f"the query is not UTF-8: {exc}") from exc
            if "query" in request.query_params or "update" in request.query_params:
                raise ApiError(400, "Query and body", "a direct POST carries its query in the body only")
            return await answer(_one_query([text], []), url_dataset(request), request, fmt)
        if ctype == "application/sparql-update":
            raise ApiError(403, "Refused", _READ_ONLY)
        if ctype == "application/x-www-form-urlencoded":
            form = await request.form()
            text = _one_query(form.getlist("query"), form.getlist("update"))
            dataset = Dataset.of(form.getlist("default-graph-uri"), form.getlist("named-graph-uri"))
            form_fmt = form.get("format")
            return await answer(
                text, dataset, request, fmt or (form_fmt if isinstance(form_fmt, str) else None)
            )
        raise ApiError(
            415,
            "Unsupported media type",
            f"{ctype or 'no content type'}; "
            "use application/x-www-form-urlencoded or application/sparql-query",
        )

    return router
