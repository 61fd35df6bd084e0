"""SPARQL 1.1 Protocol (query side) as a mountable APIRouter.

Client errors are 4xx (syntax 400, refused operations 400/403, unacceptable media type 406);
a 500 means a bug. Queries run off the event loop in a small pool of worker threads.

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
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, TypeVar

import pyoxigraph as ox
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from budgetkg.api.errors import ApiError
from budgetkg.api.guard import Refused, check_query
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


def _run(store: GraphStore, query: str) -> object:
    try:
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


def sparql_router(store: GraphStore) -> APIRouter:
    router = APIRouter(tags=["SPARQL"])

    async def answer(query: str | None, request: Request, fmt: str | None) -> Response:
        if not query:
            raise ApiError(400, "Missing query", "pass the SPARQL query as `query=` (GET or POST form)")
        try:
            check_query(query)
        except Refused as exc:
            raise ApiError(exc.status, "Refused", exc.detail) from exc
        # Results are iterators bound to the thread that made them (pyoxigraph aborts the process
        # if another thread touches them), so run and serialise in the same worker thread.
        accept = request.headers.get("accept", "")
        cap = max_rows()
        return await run_limited(
            lambda cancel: _serialize(_run(store, query), accept, fmt, Limits(cap, cancel))
        )

    @router.get("/sparql", summary="SPARQL 1.1 query (GET)")
    async def sparql_get(
        request: Request,
        query: Annotated[str | None, Query(description="SPARQL 1.1 query")] = None,
        format: Annotated[
            str | None, Query(description="json, xml, csv, tsv, turtle, nt, rdfxml, jsonld")
        ] = None,
    ) -> Response:
        return await answer(query, request, format)

    @router.post("/sparql", summary="SPARQL 1.1 query (POST form or direct)")
    async def sparql_post(request: Request) -> Response:
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        fmt = request.query_params.get("format")
        if ctype == "application/sparql-query":
            return await answer((await request.body()).decode("utf-8"), request, fmt)
        if ctype == "application/sparql-update":
            raise ApiError(403, "Refused", "SPARQL Update is not allowed: the endpoint is read-only")
        if ctype == "application/x-www-form-urlencoded":
            form = await request.form()
            if "update" in form:
                raise ApiError(403, "Refused", "SPARQL Update is not allowed: the endpoint is read-only")
            q, form_fmt = form.get("query"), form.get("format")
            return await answer(
                q if isinstance(q, str) else None,
                request,
                fmt or (form_fmt if isinstance(form_fmt, str) else None),
            )
        raise ApiError(
            415,
            "Unsupported media type",
            f"{ctype or 'no content type'}; "
            "use application/x-www-form-urlencoded or application/sparql-query",
        )

    return router
