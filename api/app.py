"""The FastAPI application: health, SPARQL; issue #4 adds lookups, linked data and pages."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from budgetkg.api import errors
from budgetkg.api.sparql import sparql_router
from budgetkg.loader.store import GraphStore


def create_app(store_path: Path | None = None, *, store: GraphStore | None = None) -> FastAPI:
    """Serve an existing store read-only (``store_path``) or a given ``GraphStore`` (tests)."""
    if store is None:
        store = GraphStore(store_path, read_only=True)
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
    return app
