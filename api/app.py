"""The FastAPI application. Each concern is a router in its own module, mounted here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from budgetkg.api import errors
from budgetkg.api.cache import ResponseCache, cache_megabytes
from budgetkg.api.linked_data import linked_data_router
from budgetkg.api.lookups import CitationIndex, lookups_router
from budgetkg.api.memo import TableMemo, start_warming
from budgetkg.api.pages import pages_router
from budgetkg.api.queries import queries_router
from budgetkg.api.sparql import max_rows, sparql_router
from budgetkg.loader.store import GraphStore, open_store, store_spec


def create_app(
    store_path: Path | str | None = None,
    *,
    store: GraphStore | None = None,
    snapshot: bool | None = None,
    warm: bool = False,
) -> FastAPI:
    """Serve an existing store read-only (``store_path``: a folder or a ``sparql+http://…``
    endpoint) or a given ``GraphStore`` (tests; a ``RemoteStore`` too).

    ``snapshot``: the store cannot change while serving, so answers are remembered (api/cache.py,
    api/memo.py); by default true exactly for a store folder opened here (read-only; the README
    says not to write to it while it is served). ``warm``: compute the named queries' default answers in the
    background at start-up (`budgetkg serve` does)."""
    if store is None:
        if snapshot is None:
            snapshot = store_path is not None and isinstance(store_spec(store_path), Path)
        store = (
            GraphStore(None, read_only=True) if store_path is None else open_store(store_path, read_only=True)
        )
    snapshot = bool(snapshot)
    megabytes = cache_megabytes() if snapshot else 0
    memo = TableMemo() if snapshot and megabytes > 0 else None
    index = CitationIndex(store) if snapshot else None
    app = FastAPI(
        title="budgetkg",
        summary="Chinese public budget disclosures as a knowledge graph",
        version="0.1.0",
    )
    errors.install(app)
    app.state.store = store
    app.state.memo = memo
    if memo is not None:
        app.add_middleware(ResponseCache, max_bytes=int(megabytes * 1024 * 1024))
        if warm:
            # Started with the server's lifespan, so a test client or a worker that never
            # serves does not spend a core on it.
            @asynccontextmanager
            async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
                _thread, stop = start_warming(store, memo, max_rows(), first=index.ensure if index else None)
                try:
                    yield
                finally:
                    stop.set()

            app.router.lifespan_context = lifespan

    @app.get("/health", tags=["service"])
    def health() -> dict[str, object]:
        out: dict[str, object] = {"status": "ok", "documents": len(store.documents()), "quads": len(store)}
        if memo is not None and memo.warmed is not None:
            done, total = memo.warmed
            out["warming"] = {"named_queries_done": done, "of": total}
        return out

    app.include_router(sparql_router(store))
    app.include_router(queries_router(store, memo))
    app.include_router(lookups_router(store, index))
    app.include_router(linked_data_router(store))
    # Pages last: their routes are the most general.
    app.include_router(pages_router(store))
    return app
