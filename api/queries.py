"""Named queries over HTTP: ``GET /queries`` lists them, ``GET /queries/{name}?param=…`` runs one.

Answers JSON by default, CSV with ``format=csv`` or ``Accept: text/csv``, a plain HTML table in a
browser (``Accept: text/html``, or ``format=html``), and the SPARQL with its parameters filled in
with ``format=sparql`` (to run it on another endpoint). Every query-string parameter other than
``format`` is a parameter of the named query: an unknown one, or a bad value, is a 400 in the one
JSON error shape; an unknown query is a 404.
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from decimal import Decimal
from html import escape
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from budgetkg import queries
from budgetkg.api.cache import bypasses_cache
from budgetkg.api.errors import ApiError
from budgetkg.api.memo import TableMemo
from budgetkg.api.sparql import (
    TIMEOUT_SETTING,
    TRUNCATED_HEADER,
    accept_ranking,
    max_rows,
    query_timeout,
    run_limited,
)
from budgetkg.loader.store import GraphStore

FORMATS = {
    "json": "application/json",
    "csv": "text/csv",
    "html": "text/html",
    "sparql": "application/sparql-query",
}


def _format(request: Request, allowed: tuple[str, ...]) -> str:
    """``format=`` if given, else the first acceptable of ``allowed`` by the Accept header."""
    fmt = request.query_params.get("format")
    if fmt is not None:
        if fmt not in allowed:
            raise ApiError(400, "Unknown format", f"format={fmt!r}; allowed: {', '.join(allowed)}")
        return fmt
    for mtype, q in accept_ranking(request.headers.get("accept", "")):
        if q <= 0:
            continue
        for name in allowed:
            if FORMATS[name] == mtype:
                return name
        if mtype in ("*/*", "application/*", "application/json"):
            return "json"
    return "json"


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html>\n<html lang="zh"><head><meta charset="utf-8">'
        f"<title>{escape(title)} · budgetkg</title>"
        "<style>body{font-family:sans-serif;margin:1.5rem}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:.25rem .5rem;vertical-align:top}"
        "td.n{text-align:right;font-variant-numeric:tabular-nums}</style></head>"
        f"<body>{body}</body></html>\n"
    )


def _cell(value: queries.Value) -> str:
    text = escape(queries.text_value(value))
    if isinstance(value, queries.IRI):
        return f'<td><a href="{escape(str(value), quote=True)}">{text}</a></td>'
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return f'<td class="n">{text}</td>'
    return f"<td>{text}</td>"


def html_table(table: queries.Table) -> str:
    """A named query's answer as a minimal HTML page (the styled pages live in api/pages.py)."""
    q = queries.get(table.query)
    params = "".join(
        f"<li><code>{escape(k)}</code> = <code>{escape(v)}</code></li>" for k, v in table.params.items()
    )
    head = "".join(f"<th>{escape(c)}</th>" for c in table.columns)
    rows = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in table.rows)
    given = {p.name: table.params[p.name] for p in q.params if table.params.get(p.name) != p.default}
    links = " · ".join(
        f'<a href="/queries/{quote(q.name)}?{escape(urlencode({**given, "format": f}))}">{f}</a>'
        for f in ("json", "csv", "sparql")
    )
    body = (
        f"<h1>{escape(q.title_zh)} <small>{escape(q.title_en)}</small></h1>"
        f"<p>{escape(q.description)}</p><ul>{params}</ul><p>{links}</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
        f"<p>{len(table.rows)} rows</p>"
    )
    return _page(q.title_zh, body)


def html_catalogue() -> str:
    items = "".join(
        f'<li><a href="/queries/{quote(q.name)}"><code>{escape(q.name)}</code></a> — '
        f"{escape(q.title_zh)} / {escape(q.title_en)}<br><small>{escape(q.description)}</small></li>"
        for q in queries.list_queries()
    )
    return _page("Named queries", f"<h1>命名查询 Named queries</h1><ul>{items}</ul>")


def _redacted(table: queries.Table) -> queries.Table:
    """Text cells through the personal-data filter (``budgetkg.api.privacy``), as every API answer."""
    try:
        from budgetkg.api import privacy
    except ImportError:  # pragma: no cover - the filter ships with the API
        return table
    if not privacy.enabled():
        return table
    # A copy: the table may be a remembered answer (api/memo.py), shared by every request.
    return dataclasses.replace(
        table,
        rows=[
            [
                privacy.redact_text(v) if isinstance(v, str) and not isinstance(v, queries.IRI) else v
                for v in row
            ]
            for row in table.rows
        ],
    )


def queries_router(store: GraphStore, memo: TableMemo | None = None) -> APIRouter:
    """``memo``, for a store that cannot change while serving: answers computed once (api/memo.py)."""
    router = APIRouter(tags=["named queries"])

    async def _answer(
        name: str, params: dict[str, str], sparql: str, cap: int | None, *, fresh: bool
    ) -> queries.Table:
        def compute(cancel: threading.Event | None = None) -> queries.Table:
            return queries.run(store, name, params, max_rows=cap, cancel=cancel)

        if memo is None or fresh:
            return await run_limited(compute)
        key = (sparql, cap)
        future, mine = memo.claim(key)
        if mine:
            return await run_limited(lambda cancel: memo.finish(key, future, lambda: compute(cancel)))
        # Computed or being computed (by another request, or by warming): wait for it under the
        # same time limit as running it.
        timeout = query_timeout()
        try:
            return await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(future)), timeout)
        except TimeoutError:
            raise ApiError(
                503,
                "Query timeout",
                f"the answer is still being computed after {timeout:g} s ({TIMEOUT_SETTING}); "
                "it is kept when ready: try again shortly",
            ) from None

    @router.get("/queries", summary="List the named queries with their parameters")
    def list_named(request: Request) -> Response:
        fmt = _format(request, ("json", "html"))
        if fmt == "html":
            return HTMLResponse(html_catalogue())
        return JSONResponse(
            {
                "queries": [
                    {**q, "href": f"/queries/{quote(q['name'])}"}
                    for q in queries.catalogue_json()  # type: ignore[misc]
                ]
            }
        )

    @router.get(
        "/queries/{name}",
        summary="Run a named query; query-string parameters are its parameters",
        responses={
            400: {"description": "unknown parameter or bad value"},
            404: {"description": "no such query"},
        },
    )
    async def run_named(name: str, request: Request) -> Response:
        try:
            query = queries.get(name)
        except queries.UnknownQuery as exc:
            raise ApiError(404, "Unknown query", str(exc)) from exc
        fmt = _format(request, ("json", "csv", "html", "sparql"))
        params = {k: v for k, v in request.query_params.items() if k != "format"}
        try:
            sparql = query.render(params)
        except queries.QueryError as exc:
            raise ApiError(400, "Invalid query parameters", str(exc)) from exc
        if fmt == "sparql":
            return Response(sparql, media_type="application/sparql-query; charset=utf-8")
        # Run and read the rows in one worker of the SPARQL pool (pyoxigraph results must not cross
        # threads), under the same time limit and row cap as /sparql.
        cap = max_rows()
        fresh = bypasses_cache(request.headers.get("cache-control", ""))
        table = _redacted(await _answer(name, params, sparql, cap, fresh=fresh))
        headers = {TRUNCATED_HEADER: "true", "X-Budgetkg-Max-Rows": str(cap)} if table.truncated else {}
        if fmt == "csv":
            headers["Content-Disposition"] = f'inline; filename="{name}.csv"'
            return Response(queries.to_csv(table), media_type="text/csv; charset=utf-8", headers=headers)
        if fmt == "html":
            return HTMLResponse(html_table(table), headers=headers)
        body: dict[str, Any] = queries.to_json(table)
        return JSONResponse(body, headers=headers)

    return router
