"""SPARQL 1.1 Protocol (query side) as a mountable APIRouter.

Client errors are 4xx (syntax 400, refused operations 400/403, unacceptable media type 406);
a 500 means a bug. Queries run in a worker thread so a slow query does not stall the loop.
"""

from __future__ import annotations

import io
from typing import Annotated

import pyoxigraph as ox
from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from budgetkg.api.errors import ApiError
from budgetkg.api.guard import Refused, check_query
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


def _negotiate(accept: str, offered: dict[str, object], default: str) -> str:
    """Pick the first acceptable type by q-value; ``*/*`` or nothing gets the default."""
    choices: list[tuple[float, int, str]] = []
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
            choices.append((-q, i, mtype))
    for neg_q, _i, mtype in sorted(choices):
        if neg_q == 0:
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


def _run(store: GraphStore, query: str) -> object:
    try:
        return store.query(query)
    except SyntaxError as exc:
        raise ApiError(400, "Malformed query", str(exc)) from exc


def _serialize(result: object, accept: str, fmt: str | None) -> Response:
    if fmt:
        if fmt.lower() not in SHORT:
            raise ApiError(400, "Unknown format", f"format={fmt!r}; allowed: {', '.join(SHORT)}")
        accept = SHORT[fmt.lower()]
    buf = io.BytesIO()
    if isinstance(result, ox.QueryTriples):
        mtype = _negotiate(accept, GRAPH_TYPES, "text/turtle")
        ox.serialize(result, buf, format=GRAPH_TYPES[mtype])
    else:
        mtype = _negotiate(accept, RESULT_TYPES, "application/sparql-results+json")
        result.serialize(buf, format=RESULT_TYPES[mtype])  # type: ignore[attr-defined]
    charset = "; charset=utf-8" if mtype.startswith("text/") else ""
    return Response(buf.getvalue(), media_type=mtype + charset)


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
        return await run_in_threadpool(lambda: _serialize(_run(store, query), accept, fmt))

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
