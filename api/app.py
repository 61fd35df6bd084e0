"""The FastAPI application. Each concern is a router in its own module, mounted here."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from budgetkg.api import errors
from budgetkg.api.linked_data import linked_data_router
from budgetkg.api.lookups import lookups_router
from budgetkg.api.pages import pages_router
from budgetkg.api.queries import queries_router
from budgetkg.api.sparql import sparql_router
from budgetkg.loader.store import GraphStore, open_store


def create_app(store_path: Path | str | None = None, *, store: GraphStore | None = None) -> FastAPI:
    """Serve an existing store read-only (``store_path``: a folder or a ``sparql+http://…``
    endpoint) or a given ``GraphStore`` (tests; a ``RemoteStore`` too)."""
    if store is None:
        store = (
            GraphStore(None, read_only=True) if store_path is None else open_store(store_path, read_only=True)
        )
    app = FastAPI(
        title="budgetkg",
        summary="Chinese public budget disclosures as a knowledge graph",
        version="0.1.0",
    )
    errors.install(app)
    app.state.store = store

    @app.get("/health", tags=["service"])
    def health() -> dict[str, object]:
        return {"status": "ok", "documents": len(store.documents()), "quads": len(store)}

    app.include_router(sparql_router(store))
    app.include_router(queries_router(store))
    app.include_router(lookups_router(store))
    app.include_router(linked_data_router(store))
    # Pages last: their routes are the most general.
    app.include_router(pages_router(store))
    return app
