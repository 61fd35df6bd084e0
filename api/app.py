"""The FastAPI application. Each concern is a router in its own module, mounted here."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from budgetkg.api import errors
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
    # Routers of later issues register themselves here; each module owns one concern.
    for module_name, factory in (
        ("budgetkg.api.queries", "queries_router"),
        ("budgetkg.api.lookups", "lookups_router"),
        ("budgetkg.api.linked_data", "linked_data_router"),
        ("budgetkg.api.pages", "pages_router"),
    ):
        router = _optional_router(module_name, factory, store)
        if router is not None:
            app.include_router(router)
    return app


def _optional_router(module_name: str, factory: str, store: GraphStore):
    import importlib
    import importlib.util

    if importlib.util.find_spec(module_name) is None:
        return None
    return getattr(importlib.import_module(module_name), factory)(store)
